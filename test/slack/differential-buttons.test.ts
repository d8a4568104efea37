/**
 * Differential test of the reply buttons (Show tickets with paging, Explain,
 * Share) and of the Home tab, against oracles written from docs/slack.md and
 * docs/metrics.md. Random tickets (seeded Rng) go in through
 * IngestStore.recordEvents, with SLA policies set first through SlaStore;
 * commands, clicks and events go through the real Bolt receiver, signed, and
 * the answers are read from the fake Slack Web API.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NormalizedEvent, Actor, TicketEventData, TicketEventType } from '../../src/ingest/events.js';
import { IngestStore } from '../../src/store/ingest-store.js';
import { SlaStore } from '../../src/store/sla-store.js';
import { KpiStore } from '../../src/store/kpi-store.js';
import { computeSummary } from '../../src/kpi/metrics.js';
import { resolvePeriod } from '../../src/kpi/periods.js';
import { CATALOGUES } from '../../src/i18n/catalogue.js';
import { Rng } from '../helpers/random.js';
import { startTestBot, type TestBot } from '../helpers/bot.js';
import { startFakeSlack, type FakeSlack, type RecordedCall } from '../helpers/fake-slack.js';
import { postButtonClick, postEvent, postSlashCommand, SIGNING_SECRET } from '../helpers/slack-requests.js';

const NOW = Date.parse('2026-11-20T10:00:00Z'); // Friday 17:00 in Jakarta
const ZONE = 'Asia/Jakarta'; // UTC+7, no DST
const OFFSET = 7 * 3_600_000;
const MIN = 60_000;
const H = 60 * MIN;
const DAY = 24 * H;
const SEED = 20261120;

// ---------------------------------------------------------------------------------------------------------
// Oracle world: tickets as the generator made them.
// ---------------------------------------------------------------------------------------------------------
type Status = 'new' | 'open' | 'pending' | 'on-hold' | 'solved' | 'closed';
const OPEN: readonly Status[] = ['new', 'open', 'pending', 'on-hold'];
interface Agent { readonly id: string; readonly name: string; readonly email: string; readonly slack?: string }
const AGENTS: readonly Agent[] = [
  { id: 'a-1', name: 'Ayu', email: 'ayu@example.com', slack: 'U0000AYU0' },
  { id: 'a-2', name: 'Budi', email: 'budi@example.com' },
  { id: 'a-3', name: 'Cem', email: 'cem@example.com' },
];
/** SLA policies by team (calendar hours, no pause): a team's tickets all match; Sales has none. */
const TARGETS: Record<string, { frt: number; res: number } | undefined> = { Billing: { frt: 2 * H, res: 24 * H }, Support: { frt: 6 * H, res: 72 * H }, Sales: undefined };

interface OTicket {
  readonly id: string;
  readonly url: string;
  readonly createdAt: number;
  readonly team: string;
  readonly channel: string;
  priority: string;
  assignee?: Agent;
  firstReplyAt?: number;
  /** Status changes in time order, creation first. */
  readonly statuses: { at: number; status: Status }[];
  firstEscalationAt?: number;
}

function generate(rng: Rng, count: number): { tickets: OTicket[]; events: NormalizedEvent[] } {
  const tickets: OTicket[] = [];
  const events: NormalizedEvent[] = [];
  for (let i = 1; i <= count; i += 1) {
    const id = `T-${i}`;
    const createdAt = NOW - Math.floor(rng.next() * 40 * DAY) - 1;
    const team = rng.pick(['Billing', 'Billing', 'Support', 'Sales']);
    const channel = rng.pick(['email', 'chat']);
    const priority = rng.chance(0.06) ? 'urgent' : rng.pick(['low', 'normal', 'high']);
    const url = `https://help.example.com/t/${id}`;
    const ticket: OTicket = { id, url, createdAt, team, channel, priority, statuses: [{ at: createdAt, status: 'new' }] };
    let k = 0;
    const push = (type: TicketEventType, at: number, data: TicketEventData = {}, actor?: Actor) => {
      k += 1;
      events.push({ kind: 'ticket', type, externalTicketId: id, occurredAt: at, ...(actor === undefined ? {} : { actor }), data, dedupeKey: `${id}:${k}` } as NormalizedEvent);
    };
    push('ticket_created', createdAt, { status: 'new', priority: priority as 'low', team, channel, url }, { type: 'customer', id: `c-${i}` });
    if (rng.chance(0.75)) {
      const agent = rng.chance(0.5) ? (AGENTS[0] as Agent) : rng.pick(AGENTS);
      ticket.assignee = agent;
      push('assignee_changed', createdAt + MIN, { assignee: { type: 'agent', id: agent.id, email: agent.email, name: agent.name } });
    }
    const agentActor = (): Actor => {
      const a = ticket.assignee ?? (AGENTS[1] as Agent);
      return { type: 'agent', id: a.id, email: a.email, name: a.name };
    };
    let cursor: number;
    if (rng.chance(0.7)) {
      const at = createdAt + rng.int(10 * MIN, 3 * DAY) + rng.int(0, 59_999);
      if (at < NOW) {
        const status: Status = rng.pick(['open', 'pending']);
        ticket.firstReplyAt = at;
        ticket.statuses.push({ at, status });
        push('agent_reply', at, { status: status as 'open' }, agentActor());
        cursor = at;
        // Solved, maybe reopened, maybe solved again.
        let solves = 0;
        while (solves < 3 && rng.chance(solves === 0 ? 0.55 : 0.35)) {
          const solvedAt = cursor + rng.int(H, 5 * DAY);
          if (solvedAt >= NOW) break;
          const done: Status = rng.chance(0.8) ? 'solved' : 'closed';
          ticket.statuses.push({ at: solvedAt, status: done });
          push('status_changed', solvedAt, { status: done as 'solved' }, agentActor());
          solves += 1;
          cursor = solvedAt;
          if (done === 'closed' || !rng.chance(0.35)) break;
          const reopenedAt = cursor + rng.int(H, 3 * DAY);
          if (reopenedAt >= NOW) break;
          ticket.statuses.push({ at: reopenedAt, status: 'open' });
          push('status_changed', reopenedAt, { status: 'open' }, { type: 'customer', id: `c-${i}` });
          cursor = reopenedAt;
        }
      }
    }
    // Escalations: the escalated event, the tag, or priority raised to urgent; sometimes twice.
    if (rng.chance(0.3)) {
      let at = createdAt + rng.int(5 * MIN, 4 * DAY);
      for (let n = 0; n < 2 && at < NOW; n += 1) {
        const ways = ticket.priority === 'urgent' ? ['event', 'tag'] : ['event', 'tag', 'priority'];
        const way = rng.pick(ways);
        if (way === 'event') push('escalated', at, {});
        else if (way === 'tag') push('tags_changed', at, { addedTags: [n === 0 ? 'escalated' : 'vip'] });
        else {
          push('priority_changed', at, { priority: 'urgent' });
          ticket.priority = 'urgent';
        }
        // The tag added a second time is "vip", not an escalation: only the first counts anyway.
        if (n === 0 || way !== 'tag') ticket.firstEscalationAt ??= at;
        if (!rng.chance(0.3)) break;
        at += rng.int(H, 2 * DAY);
      }
    }
    tickets.push(ticket);
  }
  return { tickets, events };
}

/** Status at an instant: the latest change at or before it (metrics.md backlog, "At a past instant each ticket counts in the state it was in then"). */
function statusAt(ticket: OTicket, at: number): Status | undefined {
  let status: Status | undefined;
  for (const change of ticket.statuses) if (change.at <= at) status = change.status;
  return status;
}
const openAt = (ticket: OTicket, at: number) => ticket.createdAt < at && OPEN.includes(statusAt(ticket, at) as Status);
const currentStatus = (ticket: OTicket) => (ticket.statuses.at(-1) as { status: Status }).status;

/** The next due time a ticket must meet at `at`: the first response while none is given, then the resolution. */
function dueAt(ticket: OTicket, at: number): number | null {
  const target = TARGETS[ticket.team];
  if (target === undefined) return null;
  return ticket.firstReplyAt !== undefined && ticket.firstReplyAt <= at ? ticket.createdAt + target.res : ticket.createdAt + target.frt;
}

const localDay = (t: number) => new Date(t + OFFSET).toISOString().slice(0, 10);
const localMidnight = (day: string) => Date.parse(`${day}T00:00:00Z`) - OFFSET;
/** `[from, to)` of the period words used here (report.md), and the list's instant: the end, or now while it runs. */
function range(word: string): { from: number; to: number; at: number } {
  const today = localMidnight(localDay(NOW));
  const weekday = (new Date(today + OFFSET).getUTCDay() + 6) % 7;
  const d = /^(\d+)d$/.exec(word);
  if (d !== null) return { from: today - (Number(d[1]) - 1) * DAY, to: NOW, at: NOW };
  if (word === 'last-week') return { from: today - (weekday + 7) * DAY, to: today - weekday * DAY, at: today - weekday * DAY };
  throw new Error(word);
}

type ListKind = 'backlog' | 'overdue' | 'escalations';
interface Filters { team?: string; channel?: string }
const matches = (ticket: OTicket, f: Filters) =>
  (f.team === undefined || ticket.team.trim().toLowerCase() === f.team.trim().toLowerCase()) && (f.channel === undefined || ticket.channel === f.channel);

/** The tickets behind the number, in the documented (or chosen, see the report) order, with the "when" of each line. */
function oracleList(tickets: readonly OTicket[], kind: ListKind, word: string, f: Filters): { ticket: OTicket; when: string; sortKey: number }[] {
  const { from, to, at } = range(word);
  const mine = tickets.filter((ticket) => matches(ticket, f));
  if (kind === 'backlog') {
    return mine.filter((t) => openAt(t, at)).map((t) => ({ ticket: t, when: `open ${duration(at - t.createdAt)}`, sortKey: t.createdAt })).sort((a, b) => a.sortKey - b.sortKey);
  }
  if (kind === 'overdue') {
    return mine
      .filter((t) => openAt(t, at) && dueAt(t, at) !== null && (dueAt(t, at) as number) < at)
      .map((t) => ({ ticket: t, when: `${duration(at - (dueAt(t, at) as number))} overdue`, sortKey: dueAt(t, at) as number }))
      .sort((a, b) => a.sortKey - b.sortKey);
  }
  return mine
    .filter((t) => t.firstEscalationAt !== undefined && t.firstEscalationAt >= from && t.firstEscalationAt < to)
    .map((t) => ({ ticket: t, when: `escalated ${dateTime(t.firstEscalationAt as number)}`, sortKey: t.firstEscalationAt as number }))
    .sort((a, b) => a.sortKey - b.sortKey);
}

/** docs/slack.md: `1 h 24 min`; seconds below a minute, whole minutes, hours with minutes, days with hours, to the nearest hour (en). */
function duration(ms: number): string {
  const s = Math.round(Math.abs(ms) / 1000);
  if (s < 60) return `${s} s`;
  const minutes = Math.round(s / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h${minutes % 60 === 0 ? '' : ` ${minutes % 60} min`}`;
  const wholeHours = Math.round(s / 3600);
  return `${Math.floor(wholeHours / 24)} d${wholeHours % 24 === 0 ? '' : ` ${wholeHours % 24} h`}`;
}
const dateTime = (t: number) => new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeStyle: 'short', timeZone: ZONE }).format(t);
/** Slack users linked to agents so far (the Home tab links Ayu by e-mail, last). */
const linked = new Set<string>();
const assigneeText = (t: OTicket) => (t.assignee === undefined ? 'unassigned' : t.assignee.slack !== undefined && linked.has(t.assignee.id) ? `<@${t.assignee.slack}>` : t.assignee.name);

// ---------------------------------------------------------------------------------------------------------
// docs/metrics.md, parsed: each metric's five parts.
// ---------------------------------------------------------------------------------------------------------
const PARTS = ['Formula', 'What counts', 'Excluded', 'Edge cases', "Helpdesks' own definitions"] as const;
function docDefinitions(): Record<string, Record<string, string>> {
  const text = readFileSync(new URL('../../docs/metrics.md', import.meta.url), 'utf8');
  const out: Record<string, Record<string, string>> = {};
  for (const chunk of text.split(/^## `/m).slice(1)) {
    const id = chunk.slice(0, chunk.indexOf('`'));
    out[id] = {};
    for (const line of chunk.split('\n')) {
      const m = /^- \*\*(.+?)\*\*: (.*)$/.exec(line);
      if (m !== null) (out[id] as Record<string, string>)[m[1] as string] = m[2] as string;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Reading replies.
// ---------------------------------------------------------------------------------------------------------
interface Block { type: string; text?: { text: string }; elements?: { action_id?: string; value?: string; text?: string | { text: string } }[]; fields?: { text: string }[] }
const blocksOf = (call: RecordedCall) => call.args.blocks as Block[];
const headerOf = (call: RecordedCall) => blocksOf(call)[0]?.text?.text ?? '';
const buttonsOf = (call: RecordedCall) => blocksOf(call).filter((b) => b.type === 'actions').flatMap((b) => b.elements ?? []);
const buttonOf = (call: RecordedCall, prefix: string) => buttonsOf(call).find((b) => (b.action_id ?? '').startsWith(prefix));
const contextTexts = (call: RecordedCall) => blocksOf(call).filter((b) => b.type === 'context').flatMap((b) => (b.elements ?? []).map((e) => (typeof e.text === 'string' ? e.text : (e.text?.text ?? ''))));
const unescape = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
const numberIn = (header: string) => Number((/: ([\d,]+)$/.exec(header)?.[1] ?? 'NaN').replace(/,/g, ''));

describe('reply buttons and the Home tab against the docs', () => {
  let slack: FakeSlack;
  let bot: TestBot;
  let tickets: OTicket[];
  const users: Record<string, { locale?: string; email?: string }> = {};

  beforeAll(async () => {
    slack = await startFakeSlack();
    slack.answer('users.info', (call) => {
      const id = String(call.args.user);
      const user = users[id] ?? {};
      return { body: { ok: true, user: { id, is_admin: false, is_owner: false, locale: user.locale ?? 'en-US', profile: user.email === undefined ? {} : { email: user.email } } } };
    });
    slack.answer('chat.postMessage', (call) => ({ body: { ok: true, channel: call.args.channel, ts: '1700000000.000100' } }));
    bot = await startTestBot({ SLACK_BOT_TOKEN: 'xoxb-test', SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: slack.url, KPI_TIMEZONE: ZONE, KPI_LOCALE: 'en' }, { clock: () => NOW });
    const sla = new SlaStore(bot.db, () => NOW);
    for (const [team, target] of Object.entries(TARGETS)) {
      if (target !== undefined) await sla.addPolicy({ name: `${team} targets`, team, firstResponseSeconds: target.frt / 1000, resolutionSeconds: target.res / 1000, businessHours: false, pauseStatuses: [] });
    }
    const generated = generate(new Rng(SEED), 160);
    tickets = generated.tickets;
    await new IngestStore(bot.db, { escalationGroups: [], escalationTag: 'escalated' }, () => NOW).recordEvents('generic', generated.events);
  }, 30_000);
  afterAll(async () => {
    await bot?.dispose();
    await slack?.close();
  });

  let sequence = 0;
  async function command(text: string, userId = 'U0000LEAD'): Promise<RecordedCall> {
    const before = slack.callsTo('response_url').length;
    await postSlashCommand(bot.url, { text, userId, responseUrl: slack.responseUrl(`cmd-${++sequence}`) });
    return (await slack.waitFor('response_url', before + 1)).at(-1) as RecordedCall;
  }
  async function click(button: { action_id?: string; value?: string } | undefined, userId = 'U0000LEAD'): Promise<RecordedCall> {
    expect(button).toBeDefined();
    const before = slack.callsTo('response_url').length;
    const response = await postButtonClick(bot.url, { actionId: button?.action_id ?? '', value: button?.value ?? '', userId, responseUrl: slack.responseUrl(`click-${++sequence}`) });
    expect(response.status).toBe(200);
    return (await slack.waitFor('response_url', before + 1)).at(-1) as RecordedCall;
  }

  /** The lines of a tickets page, each cut into its parts (`<url|#id> · priority · team · status · when · assignee`). */
  function pageLines(call: RecordedCall): string[] {
    const section = blocksOf(call).slice(1).find((b) => b.type === 'section');
    const text = section?.text?.text ?? '';
    return text === '' || text === 'No tickets.' ? [] : text.split('\n');
  }

  const METRIC_OF: Record<ListKind, string> = { backlog: 'backlog', overdue: 'overdue', escalations: 'escalations' };
  const TITLE: Record<ListKind, string> = { backlog: 'Open tickets', overdue: 'Tickets past their SLA', escalations: 'Escalated tickets' };
  const CASES: { period: string; filters: Filters; words: string }[] = [
    { period: '30d', filters: {}, words: '30d' },
    { period: 'last-week', filters: {}, words: 'last-week' },
    { period: '30d', filters: { team: 'billing', channel: 'email' }, words: '30d team:billing channel:email' },
  ];

  for (const kind of ['backlog', 'overdue', 'escalations'] as const) {
    for (const c of CASES) {
      it(`Show tickets for ${kind} ${c.words}: every page, forward and back, is exactly the tickets behind the number`, async () => {
        const expected = oracleList(tickets, kind, c.period, c.filters);
        const reply = await command(`${METRIC_OF[kind]} ${c.words}`);
        const shown = numberIn(headerOf(reply));
        // The number in the reply is the oracle's count.
        expect(shown, headerOf(reply)).toBe(expected.length);
        const pages = Math.max(1, Math.ceil(expected.length / 10));
        const forward: RecordedCall[] = [await click(buttonOf(reply, 'kpi_show_tickets'))];
        while (buttonOf(forward.at(-1) as RecordedCall, 'kpi_tickets_page:next') !== undefined) {
          const next = await click(buttonOf(forward.at(-1) as RecordedCall, 'kpi_tickets_page:next'));
          expect(next.args.replace_original).toBe(true);
          forward.push(next);
          expect(forward.length).toBeLessThanOrEqual(pages);
        }
        expect(forward).toHaveLength(pages);
        forward.forEach((page, index) => {
          expect(headerOf(page)).toBe(TITLE[kind]);
          expect(contextTexts(page)[0]).toBe(`Page ${index + 1} of ${pages} · ${expected.length}`);
          expect(buttonOf(page, 'kpi_tickets_page:prev') !== undefined).toBe(index > 0);
        });
        const lines = forward.flatMap(pageLines);
        const ids = lines.map((line) => /\|#([^>]+)>/.exec(line)?.[1]);
        // No duplicates, no gaps, the documented order.
        expect(new Set(ids).size).toBe(ids.length);
        if (kind === 'escalations') {
          // Not documented: either way by the first escalation (see the report), as long as it is one of them.
          const ascending = expected.map((row) => row.ticket.id);
          expect([ascending, [...ascending].reverse()]).toContainEqual(ids);
          if (ids[0] !== ascending[0]) expected.reverse();
        } else {
          expect(ids).toEqual(expected.map((row) => row.ticket.id));
        }
        lines.forEach((line, index) => {
          const row = expected[index] as (typeof expected)[number];
          const parts = line.split(' · ');
          expect(parts[0]).toBe(`<${row.ticket.url}|#${row.ticket.id}>`);
          // status, then the when, then the assignee, last.
          // The status is checked here where the list stands now; at an ended period's end, in its own test below.
          const status = kind === 'escalations' || range(c.period).at !== NOW ? parts.at(-3) : currentStatus(row.ticket);
          expect(parts.slice(-3), line).toEqual([status, row.when, assigneeText(row.ticket)]);
        });
        // And back with Previous page, to the first: the same pages.
        let page = forward.at(-1) as RecordedCall;
        for (let index = pages - 2; index >= 0; index -= 1) {
          page = await click(buttonOf(page, 'kpi_tickets_page:prev'));
          expect(page.args.replace_original).toBe(true);
          expect(pageLines(page)).toEqual(pageLines(forward[index] as RecordedCall));
          expect(contextTexts(page)[0]).toBe(`Page ${index + 1} of ${pages} · ${expected.length}`);
        }
      });
    }
  }

  it('an ended period\'s backlog and overdue lists say "solved since" of a ticket open at the period\'s end and solved since', async () => {
    // Smallest case: one ticket open at the end of last week (pending or new), solved since. (Found here: the line said "solved" in a list of open tickets.)
    const { at } = range('last-week');
    for (const kind of ['backlog', 'overdue'] as const) {
      const expected = oracleList(tickets, kind, 'last-week', {});
      const index = expected.findIndex((row) => !OPEN.includes(currentStatus(row.ticket)));
      expect(index, `a ${kind} ticket of last week resolved since`).toBeGreaterThanOrEqual(0);
      const row = expected[index] as (typeof expected)[number];
      let page = await click(buttonOf(await command(`${kind} last-week`), 'kpi_show_tickets'));
      for (let p = 0; p < Math.floor(index / 10); p += 1) page = await click(buttonOf(page, 'kpi_tickets_page:next'));
      const line = pageLines(page)[index % 10] as string;
      expect(line).toContain(`|#${row.ticket.id}>`);
      // slack.md: "the status shown is today's, and a ticket open then and solved since says 'solved since'" (no status history is kept).
      expect(OPEN.includes(statusAt(row.ticket, at) as Status), `${row.ticket.id} was open at the period's end`).toBe(true);
      expect(line.split(' · ').at(-3), line).toBe('solved since');
    }
  });

  it('a page number past the end (tickets gone since, or an altered button) shows the last page, not "Page 9,007,199,254,740,992 of 3"', async () => {
    const expected = oracleList(tickets, 'backlog', '30d', {});
    const pages = Math.ceil(expected.length / 10);
    const first = await click(buttonOf(await command('backlog 30d'), 'kpi_show_tickets'));
    const next = buttonOf(first, 'kpi_tickets_page:next');
    expect(pages).toBeGreaterThan(1);
    for (const pg of [pages, Number.MAX_SAFE_INTEGER]) {
      const beyond = await click({ ...next, value: JSON.stringify({ ...(JSON.parse(next?.value ?? '{}') as object), pg }) });
      expect(contextTexts(beyond)[0]).toBe(`Page ${pages} of ${pages} · ${expected.length}`);
      expect(pageLines(beyond).map((line) => /\|#([^>]+)>/.exec(line)?.[1])).toEqual(expected.slice((pages - 1) * 10).map((row) => row.ticket.id));
      expect(buttonOf(beyond, 'kpi_tickets_page:next')).toBeUndefined();
    }
  });

  it('the generated data exercises the lists: several pages, reopened and escalated tickets, tickets without a target', () => {
    expect(oracleList(tickets, 'backlog', '30d', {}).length).toBeGreaterThan(20);
    expect(oracleList(tickets, 'overdue', '30d', {}).length).toBeGreaterThan(10);
    expect(oracleList(tickets, 'escalations', '30d', {}).length).toBeGreaterThan(10);
    expect(oracleList(tickets, 'backlog', 'last-week', {}).length).toBeGreaterThan(10);
    expect(oracleList(tickets, 'overdue', 'last-week', {}).length).toBeGreaterThan(0);
    expect(oracleList(tickets, 'escalations', 'last-week', {}).length).toBeGreaterThan(0);
    expect(tickets.some((t) => t.statuses.filter((s) => s.status === 'open').length > 1 && openAt(t, NOW))).toBe(true);
    expect(tickets.some((t) => TARGETS[t.team] === undefined && openAt(t, NOW))).toBe(true);
  });

  const DOCS = docDefinitions();
  for (const [locale, slackLocale] of [['en', 'en-US'], ['id', 'id-ID'], ['ms', 'ms-MY'], ['tr', 'tr-TR']] as const) {
    it(`Explain, asked in ${locale}: each metric's definition from docs/metrics.md, in English, headed in the asker's language, with the n shown`, async () => {
      const user = `U0000EX${locale.toUpperCase()}`;
      users[user] = { locale: slackLocale };
      for (const metric of ['backlog', 'overdue', 'escalations'] as const) {
        const reply = await command(`${metric} last-week team:billing`, user);
        const n = /n = ([\d.,]+)/.exec(contextTexts(reply).join(' '))?.[1];
        expect(n).toBeDefined();
        const answer = await click(buttonOf(reply, 'kpi_explain'), user);
        expect(headerOf(answer)).toBe(CATALOGUES[locale][`metric.${metric}.name`]);
        const sections = blocksOf(answer).filter((b) => b.type === 'section').map((b) => unescape(b.text?.text ?? ''));
        const doc = DOCS[metric] as Record<string, string>;
        for (const part of PARTS) {
          expect(doc[part], `${metric} ${part} in docs`).toBeDefined();
          expect(sections.some((s) => s.split('\n').slice(1).join('\n') === doc[part]), `${metric}: ${part}`).toBe(true);
        }
        const notes = contextTexts(answer).join(' ');
        expect(notes).toContain(`n = ${n}`);
        // "Metric definitions in explain are written in English in every language, and say so."
        if (locale !== 'en') expect(notes).toContain(CATALOGUES[locale]['explain.definitions_in_english']);
      }
    });
  }

  it('Share posts the same numbers to the channel, saying who shared it', async () => {
    for (const words of ['overdue last-week', 'backlog 30d team:billing channel:email', 'escalations 30d']) {
      const reply = await command(words, 'U0000SHRE');
      expect(reply.args.response_type).toBe('ephemeral');
      const postsBefore = slack.callsTo('chat.postMessage').length;
      const shared = await click(buttonOf(reply, 'kpi_share'), 'U0000SHRE');
      const posted = slack.callsTo('chat.postMessage').slice(postsBefore);
      // In the channel: through chat.postMessage, or the response URL with response_type in_channel.
      const inChannel = posted.length > 0 ? (posted.at(-1) as RecordedCall) : shared;
      if (posted.length > 0) expect(inChannel.args.channel).toBe('C0000TEST');
      else expect(inChannel.args.response_type).toBe('in_channel');
      expect(headerOf(inChannel)).toBe(headerOf(reply));
      const [metric, ...rest] = words.split(' ');
      const kind = metric as ListKind;
      const period = rest[0] as string;
      const filters: Filters = rest.includes('team:billing') ? { team: 'billing', channel: 'email' } : {};
      expect(numberIn(headerOf(inChannel))).toBe(oracleList(tickets, kind, period, filters).length);
      expect(contextTexts(inChannel).join(' ')).toContain('Shared by <@U0000SHRE>');
      expect(buttonOf(inChannel, 'kpi_share')).toBeUndefined();
    }
  });

  it('the Home tab of a linked agent: their open tickets oldest first with the SLA time left or overdue, and the team\'s numbers', async () => {
    users.U0000AYU0 = { email: 'Ayu@Example.com' };
    linked.add('a-1');
    const before = slack.callsTo('views.publish').length;
    await postEvent(bot.url, { type: 'app_home_opened', user: 'U0000AYU0', channel: 'D0000HOME', tab: 'home', event_ts: '1.000' });
    const publish = (await slack.waitFor('views.publish', before + 1)).at(-1) as RecordedCall;
    expect(publish.args.user_id).toBe('U0000AYU0');
    const blocks = (publish.args.view as { blocks: Block[] }).blocks;

    // Their open tickets (the current assignee), oldest first, 15 shown, then "and N more".
    const mine = tickets.filter((t) => t.assignee?.id === 'a-1' && openAt(t, NOW)).sort((a, b) => a.createdAt - b.createdAt);
    expect(mine.length).toBeGreaterThan(15);
    const at = blocks.findIndex((b) => b.text?.text === '*My open tickets*');
    expect(at).toBeGreaterThan(0);
    const lines = (blocks[at + 1]?.text?.text ?? '').split('\n');
    expect(lines.map((line) => /\|#([^>]+)>/.exec(line)?.[1])).toEqual(mine.slice(0, 15).map((t) => t.id));
    lines.forEach((line, index) => {
      const ticket = mine[index] as OTicket;
      const due = dueAt(ticket, NOW);
      const when = due === null ? 'no SLA' : due >= NOW ? `${duration(due - NOW)} left` : `${duration(NOW - due)} overdue`;
      expect(line.split(' · ').slice(-2), line).toEqual([currentStatus(ticket), when]);
    });
    expect(JSON.stringify(blocks[at + 2])).toContain(`and ${mine.length - 15} more`);

    // The team's headline numbers over 7 days: computeSummary's, which are the oracle's.
    const period = resolvePeriod('7d', NOW, ZONE);
    const { metrics } = await computeSummary(new KpiStore(bot.db), period, {}, NOW);
    const week = range('7d');
    const oracle: Record<string, number> = {
      volume: tickets.filter((t) => t.createdAt >= week.from && t.createdAt < week.to).length,
      backlog: oracleList(tickets, 'backlog', '7d', {}).length,
      overdue: oracleList(tickets, 'overdue', '7d', {}).length,
      escalations: oracleList(tickets, 'escalations', '7d', {}).length,
    };
    const fields = blocks.flatMap((b) => b.fields ?? []).map((f) => f.text);
    const NAMES: Record<string, string> = { volume: 'Ticket volume', backlog: 'Backlog', overdue: 'SLA overdue', escalations: 'Escalations' };
    for (const [metric, value] of Object.entries(oracle)) {
      expect(metrics.find((m) => m.metric === metric)?.value, metric).toBe(value);
      const field = fields.find((f) => f.startsWith(`*${NAMES[metric]}*\n`));
      expect(field, metric).toBeDefined();
      expect((field as string).split('\n')[1]?.split('  ')[0], metric).toBe(String(value));
    }
  });
});
