/**
 * Differential tests of the scheduled posts (digests, SLA follow-ups) and of
 * `kpibot report --json`, against oracles written from docs/alerts.md and
 * docs/report.md only. The oracles use their own time-zone arithmetic (Intl)
 * and their own cron matcher; nothing here asks src/schedule what the answer is.
 *
 * Deterministic: a fixed-seed PRNG, a fake clock, a fake Slack.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/store/database.js';
import { IngestStore } from '../../src/store/ingest-store.js';
import { KpiStore } from '../../src/store/kpi-store.js';
import { computeMetric } from '../../src/kpi/metrics.js';
import { reportCommand } from '../../src/cli-report.js';
import { parseConfig } from '../../src/config.js';
import type { NormalizedEvent } from '../../src/ingest/events.js';
import { createTestDatabase, TEST_ENGINE, type TestDatabase } from '../helpers/databases.js';
import { runKpibot } from '../helpers/process.js';
import { DigestStore } from '../../src/store/digest-store.js';
import { runDigests } from '../../src/schedule/digests.js';
import { sweepSla } from '../../src/schedule/alert-jobs.js';
import { Scheduler, type Job } from '../../src/schedule/scheduler.js';
import { LeaderLease } from '../../src/store/lease-store.js';
import { handleAlertAction } from '../../src/slack/listeners/alert-actions.js';
import { ALERT_ACTIONS } from '../../src/slack/blocks/alerts.js';
import { silentLogger } from '../../src/logger.js';
import { createAlertWorld, type AlertWorld } from '../helpers/alerts.js';
import { mulberry32 } from '../helpers/random.js';

const SEC = 1000;
const MIN = 60 * SEC;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

// ---------------------------------------------------------------- PRNG

const pick = <T>(rand: () => number, items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T;
const int = (rand: () => number, lo: number, hi: number): number => lo + Math.floor(rand() * (hi - lo + 1));

// ---------------------------------------------------------------- time zones, from Intl only

interface Local { y: number; mo: number; d: number; h: number; mi: number; dow: number }
const formatters = new Map<string, Intl.DateTimeFormat>();
const WEEKDAYS: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

function local(instant: number, zone: string): Local {
  let f = formatters.get(zone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', weekday: 'short' });
    formatters.set(zone, f);
  }
  const parts: Record<string, string> = {};
  for (const p of f.formatToParts(instant)) parts[p.type] = p.value;
  return { y: Number(parts.year), mo: Number(parts.month), d: Number(parts.day), h: Number(parts.hour) % 24, mi: Number(parts.minute), dow: WEEKDAYS[parts.weekday ?? ''] ?? -1 };
}

/** Every instant whose wall clock in `zone` reads y-mo-d h:mi (0, 1 or 2 of them), earliest first. */
function instantsOf(zone: string, y: number, mo: number, d: number, h: number, mi: number): number[] {
  const naive = Date.UTC(y, mo - 1, d, h, mi);
  const found = new Set<number>();
  for (const probe of [naive - DAY, naive, naive + DAY]) {
    const l = local(probe, zone);
    const offset = Date.UTC(l.y, l.mo - 1, l.d, l.h, l.mi) - Math.floor(probe / MIN) * MIN;
    const t = naive - offset;
    const back = local(t, zone);
    if (back.y === y && back.mo === mo && back.d === d && back.h === h && back.mi === mi) found.add(t);
  }
  return [...found].sort((a, b) => a - b);
}

/** The first instant of a local calendar day (midnight, or the first minute after it if skipped). */
function startOfLocalDay(zone: string, y: number, mo: number, d: number): number {
  const norm = new Date(Date.UTC(y, mo - 1, d));
  for (let m = 0; m < 180; m += 1) {
    const found = instantsOf(zone, norm.getUTCFullYear(), norm.getUTCMonth() + 1, norm.getUTCDate(), Math.floor(m / 60), m % 60);
    if (found.length > 0) return found[0] as number;
  }
  throw new Error('no start of day');
}
/** Adds calendar days to a local date (y, mo, d may overflow). */
function shiftDate(y: number, mo: number, d: number, days: number): [number, number, number] {
  const t = new Date(Date.UTC(y, mo - 1, d + days));
  return [t.getUTCFullYear(), t.getUTCMonth() + 1, t.getUTCDate()];
}

/** DST transitions (offset changes) of a zone within [from, to), to the minute. */
function transitions(zone: string, from: number, to: number): number[] {
  const offset = (t: number) => {
    const l = local(t, zone);
    return Date.UTC(l.y, l.mo - 1, l.d, l.h, l.mi) - t;
  };
  const out: number[] = [];
  for (let t = from; t < to; t += HOUR) {
    if (offset(t) !== offset(t + HOUR)) {
      let lo = t;
      let hi = t + HOUR;
      while (hi - lo > MIN) {
        const mid = lo + Math.floor((hi - lo) / 2 / MIN) * MIN;
        if (offset(mid) === offset(lo)) lo = mid;
        else hi = mid;
      }
      out.push(hi);
    }
  }
  return out;
}

// ---------------------------------------------------------------- an independent five-field cron matcher

function cronField(text: string, lo: number, hi: number): Set<number> {
  const out = new Set<number>();
  for (const part of text.split(',')) {
    const [range, stepText] = part.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    let a = lo;
    let b = hi;
    if (range !== '*') {
      const [x, y] = (range ?? '').split('-');
      a = Number(x);
      b = y === undefined ? (stepText === undefined ? a : hi) : Number(y);
    }
    for (let v = a; v <= b; v += step) out.add(v);
  }
  return out;
}
interface Cron { min: Set<number>; hour: Set<number>; dom: Set<number>; mon: Set<number>; dow: Set<number>; domStar: boolean; dowStar: boolean }
function parseCron(expression: string): Cron {
  const [mi, h, dom, mon, dow] = expression.trim().split(/\s+/) as [string, string, string, string, string];
  const dows = cronField(dow, 0, 7);
  if (dows.has(7)) dows.add(0);
  return { min: cronField(mi, 0, 59), hour: cronField(h, 0, 23), dom: cronField(dom, 1, 31), mon: cronField(mon, 1, 12), dow: dows, domStar: dom === '*', dowStar: dow === '*' };
}
function cronMatchesLocal(c: Cron, l: Local): boolean {
  if (!c.min.has(l.mi) || !c.hour.has(l.h) || !c.mon.has(l.mo)) return false;
  const domOk = c.dom.has(l.d);
  const dowOk = c.dow.has(l.dow);
  if (c.domStar || c.dowStar) return domOk && dowOk;
  return domOk || dowOk;
}

/**
 * The scheduled instants of a subscription in [from, to): every minute whose
 * wall clock in the zone matches the expression (alerts.md: "matches each
 * subscription's expression ... minute by minute in its zone"). A wall-clock
 * minute repeated by a DST change is one occurrence, its first instant
 * ("exactly once per occurrence"); a minute a DST change skips does not occur.
 */
function scheduledInstants(expression: string, zone: string, from: number, to: number): number[] {
  const c = parseCron(expression);
  const seen = new Set<string>();
  const out: number[] = [];
  for (let t = Math.ceil(from / MIN) * MIN; t < to; t += MIN) {
    const l = local(t, zone);
    if (!cronMatchesLocal(c, l)) continue;
    const wall = `${l.y}-${l.mo}-${l.d} ${l.h}:${l.mi}`;
    if (seen.has(wall)) continue;
    seen.add(wall);
    out.push(t);
  }
  return out;
}

/** alerts.md: "yesterday for a daily or weekday digest, last week for a weekly one, 7 days otherwise". */
type DigestKind = 'daily' | 'weekdays' | 'weekly' | 'other';
function digestPeriod(kind: DigestKind, zone: string, at: number): { from: number; to: number; word: string } {
  const l = local(at, zone);
  const today = startOfLocalDay(zone, l.y, l.mo, l.d);
  if (kind === 'daily' || kind === 'weekdays') return { from: startOfLocalDay(zone, ...shiftDate(l.y, l.mo, l.d, -1)), to: today, word: 'yesterday' };
  if (kind === 'weekly') {
    const isoDow = l.dow === 0 ? 7 : l.dow;
    const monday = shiftDate(l.y, l.mo, l.d, -(isoDow - 1));
    return { from: startOfLocalDay(zone, ...shiftDate(...monday, -7)), to: startOfLocalDay(zone, ...monday), word: 'last week' };
  }
  // Read as report.md's `7d`, cut in the zone: the day so far and the 6 whole local days before it.
  return { from: startOfLocalDay(zone, ...shiftDate(l.y, l.mo, l.d, -6)), to: at, word: 'last 7 days' };
}

/** Quiet hours [starts, ends) in their zone; an end before the start spans midnight. */
function inQuiet(q: { starts: string; ends: string; timezone: string }, t: number): boolean {
  const l = local(t, q.timezone);
  const m = l.h * 60 + l.mi;
  const [sh, sm] = q.starts.split(':').map(Number) as [number, number];
  const [eh, em] = q.ends.split(':').map(Number) as [number, number];
  const s = sh * 60 + sm;
  const e = eh * 60 + em;
  return s <= e ? m >= s && m < e : m >= s || m < e;
}
/** The first minute at or after t outside the quiet hours. */
function quietEnd(q: { starts: string; ends: string; timezone: string } | undefined, t: number): number {
  if (q === undefined) return t;
  let u = t;
  while (inQuiet(q, u)) u = (Math.floor(u / MIN) + 1) * MIN;
  return u;
}

// ---------------------------------------------------------------- driving the real scheduler with a fake clock

interface Post { channel: string; text: string; at: number }

function recordPosts(w: AlertWorld): Post[] {
  const posts: Post[] = [];
  w.slack.answer('chat.postMessage', (call) => {
    posts.push({ channel: String(call.args.channel), text: String(call.args.text), at: w.now });
    return { body: { ok: true, channel: call.args.channel, ts: `1700000000.${String(w.slack.calls.length).padStart(6, '0')}` } };
  });
  return posts;
}

function schedulerFor(w: AlertWorld, jobs: Job[]): Scheduler {
  const lease = new LeaderLease(w.db, { name: 'scheduler', holder: 'differential', ttlMs: 30_000, clock: w.clock });
  return new Scheduler({ lease, clock: w.clock, logger: silentLogger(), jobs });
}

/** One main tick at `at`, then one a second later while due rows wait in the outbox (pacing), at most 20. */
async function tickAt(w: AlertWorld, scheduler: Scheduler, at: number): Promise<void> {
  w.now = at;
  await scheduler.tick();
  for (let i = 0; i < 20; i += 1) {
    const [{ n }] = (await w.db('alert_outbox').whereIn('state', ['pending', 'sending']).where('next_attempt_at', '<=', w.now + SEC).count({ n: '*' })) as [{ n: number | string }];
    if (Number(n) === 0) break;
    w.now += SEC;
    await scheduler.tick();
  }
}

const fmt = (t: number) => new Date(t).toISOString().slice(0, 16);

// ---------------------------------------------------------------- Part 1a: digests through a simulated month

const ZONES = ['Europe/Istanbul', 'Asia/Jakarta', 'Asia/Kuala_Lumpur', 'Europe/Berlin', 'America/New_York'] as const;

interface Sub { id: number; channel: string; cron: string; kind: DigestKind; zone: string; quiet?: { starts: string; ends: string; timezone: string }; from: number; to: number }

/**
 * Random subscriptions, each live for a few days of the month (the engine
 * matches every minute of every subscription, so a month of a dozen at once
 * would not fit the time budget). `around` places some at instants of interest
 * (DST changes, an outage), with local hours near them.
 */
function randomSubs(rand: () => number, count: number, start: number, end: number, around: { at: number; zone?: string; hours?: number[] }[]): Omit<Sub, 'id'>[] {
  const subs: Omit<Sub, 'id'>[] = [];
  for (let i = 0; i < count; i += 1) {
    const near = around[i];
    const zone = near?.zone ?? pick(rand, ZONES);
    const h = near?.hours === undefined ? int(rand, 0, 23) : pick(rand, near.hours);
    const m = pick(rand, [0, 5, 15, 30, 45, int(rand, 0, 59)]);
    const kind = near?.hours !== undefined ? 'daily' : pick(rand, ['daily', 'weekdays', 'weekly', 'other'] as const);
    const quiet = rand() < 0.5 ? { starts: `${String(int(rand, 18, 23)).padStart(2, '0')}:${pick(rand, ['00', '30'])}`, ends: `${String(int(rand, 5, 9)).padStart(2, '0')}:00`, timezone: pick(rand, [zone, 'UTC']) } : undefined;
    const from = near === undefined ? start + Math.floor(rand() * (end - start - 3 * DAY) / HOUR) * HOUR : Math.max(start, Math.floor((near.at - DAY) / HOUR) * HOUR);
    const to = Math.min(end, from + 2 * DAY);
    let cron: string;
    if (kind === 'daily') cron = `${m} ${h} * * *`;
    else if (kind === 'weekdays') cron = `${m} ${h} * * 1-5`;
    else if (kind === 'weekly') cron = `${m} ${h} * * ${local(from + DAY, zone).dow}`; // a weekday inside its window
    else cron = pick(rand, [`${m} ${h} ${local(from + DAY, zone).d} * *`, `${m} ${h} * * 1,3,5`, `${m} ${h} */2 * *`]);
    subs.push({ channel: `CDIG${i}`, cron, kind, zone, from, to, ...(quiet === undefined ? {} : { quiet }) });
  }
  return subs;
}

describe(`digests through a simulated month, against an oracle from alerts.md, on ${TEST_ENGINE}`, () => {
  let w: AlertWorld;
  afterEach(async () => {
    await w.dispose();
  });

  /**
   * Runs the real scheduler (outbox every second, digests every minute, as
   * jobs.ts composes them) over [start, end) with a fake clock: a tick every
   * hour, every minute within 2 h of each DST change, none during the outage.
   * A subscription is added at the tick of its start and removed after the
   * tick of its end.
   */
  type Plan = Omit<Sub, 'id'>;
  async function simulate(seed: number, start: number, end: number, plan: (rand: () => number) => Plan[], outage?: [number, number], step = HOUR) {
    const rand = mulberry32(seed);
    w = await createAlertWorld(start);
    const posts = recordPosts(w);
    const store = new DigestStore(w.db);
    // Tickets over the month and the fortnight before it: the digests' volume tells which period each covers.
    const created: number[] = [];
    for (let i = 0; i < 400; i += 1) created.push(start - 15 * DAY + Math.floor(rand() * (end - start + 15 * DAY) / MIN) * MIN);
    await w.ingest(created.map((at, i) => ({ ticket: `V-${i}`, type: 'ticket_created' as const, at, actor: { type: 'customer' as const, id: `c${i}` }, data: { status: 'new' } })));
    const ticks = new Set<number>();
    for (let t = start; t < end; t += step) ticks.add(t + 30 * SEC);
    for (const zone of ZONES) for (const change of transitions(zone, start, end)) for (let t = change - HOUR; t <= change + HOUR; t += MIN) ticks.add(Math.floor(t / MIN) * MIN + 30 * SEC);
    const clock = [...ticks].filter((t) => outage === undefined || t < outage[0] || t >= outage[1]).sort((a, b) => a - b);
    const planned = plan(rand).map((s) => ({ ...s, from: clock.find((t) => t >= s.from) as number, to: [...clock].reverse().find((t) => t <= s.to) as number }));
    const subs: Sub[] = [];
    const scheduler = schedulerFor(w, [
      { name: 'outbox', everyMs: SEC, run: () => w.sender().deliverDue() },
      { name: 'digests', everyMs: MIN, run: (now) => runDigests({ db: w.db, locale: 'en' }, now) },
    ]);
    for (const t of clock) {
      for (const s of planned.filter((p) => p.from === t)) {
        const id = await store.add({ kind: 'channel', channelId: s.channel, schedule: s.cron, timezone: s.zone }, t);
        if (s.quiet !== undefined) await w.alerts.setQuietHours(s.channel, s.quiet, t);
        subs.push({ ...s, id });
      }
      await tickAt(w, scheduler, t);
      for (const s of planned.filter((p) => p.to === t)) await store.removeChannel(s.channel, w.now);
    }
    const rows = (await w.db('alert_outbox').where({ kind: 'digest' }).select('dedupe_key', 'channel_id', 'payload', 'state')) as { dedupe_key: string; channel_id: string; payload: string; state: string }[];
    return { subs, posts, rows, clock, created };
  }

  function expectations(sub: Sub, clock: number[]) {
    const out: { at: number; key: string; tick: number }[] = [];
    for (const at of scheduledInstants(sub.cron, sub.zone, sub.from, sub.to + 1)) {
      const tick = clock.find((t) => t >= at) as number;
      // alerts.md: "a digest missed for more than 6 hours (the bot was down) is not posted late".
      if (tick - at > 6 * HOUR) continue;
      out.push({ at, key: `digest:${sub.id}:${at}`, tick });
    }
    return out;
  }

  async function check(seed: number, start: number, end: number, plan: (rand: () => number) => Plan[], outage?: [number, number]) {
    const { subs, posts, rows, clock, created } = await simulate(seed, start, end, plan, outage, 3 * HOUR);
    const problems: string[] = [];
    let occurrences = 0;
    for (const sub of subs) {
      const expected = expectations(sub, clock);
      occurrences += expected.length;
      const label = `#${sub.id} "${sub.cron}" ${sub.zone}${sub.quiet ? ` quiet ${sub.quiet.starts}-${sub.quiet.ends} ${sub.quiet.timezone}` : ''}`;
      const keys = rows.filter((r) => r.channel_id === sub.channel).map((r) => r.dedupe_key).sort();
      const wantKeys = expected.map((e) => e.key).sort();
      const missing = wantKeys.filter((k) => !keys.includes(k)).map((k) => fmt(Number(k.split(':')[2])));
      const extra = keys.filter((k) => !wantKeys.includes(k)).map((k) => fmt(Number(k.split(':')[2])));
      if (missing.length + extra.length > 0) problems.push(`${label}: scheduled instants (UTC) missing ${JSON.stringify(missing)}, unexpected ${JSON.stringify(extra)}`);
      // Each posted once, at the first tick at or after its instant (a second's pacing allowed).
      // Digests are not alerts: quiet hours hold "alerts for that channel" (alerts.md, Quiet hours).
      const got = posts.filter((p) => p.channel === sub.channel).map((p) => p.at);
      const want = expected.map((e) => e.tick);
      const ok = got.length === want.length && got.every((t, i) => t >= (want[i] as number) && t <= (want[i] as number) + 20 * SEC);
      if (!ok) problems.push(`${label}: posts expected at ${JSON.stringify(want.map(fmt))}, got ${JSON.stringify(got.map(fmt))}`);
      // The period each covers: its header word and its volume (tickets created in the period).
      for (const e of expected) {
        const row = rows.find((r) => r.dedupe_key === e.key);
        if (row === undefined) continue;
        const text = (JSON.parse(row.payload) as { text: string }).text;
        const period = digestPeriod(sub.kind, sub.zone, e.at);
        const volume = created.filter((c) => c >= period.from && c < period.to).length;
        // The notification text: the title, what stands now, then the period's figures.
        const head = `Support digest: ${period.word} · `;
        const figure = ` · Ticket volume: ${volume} · `;
        if (!text.startsWith(head) || !text.includes(figure)) problems.push(`${label} at ${fmt(e.at)}: wanted "${head}…${figure}" (${fmt(period.from)}..${fmt(period.to)}), got "${text.slice(0, 100)}"`);
      }
    }
    return { problems, occurrences, subs: subs.length, ticks: clock.length };
  }

  it('a month (20 Oct - 19 Nov 2026): each digest once per scheduled local time, in its zone, none missed by more than 6 h in an outage, each covering its documented period', async () => {
    const start = Date.UTC(2026, 9, 20);
    const end = Date.UTC(2026, 10, 19);
    const outage: [number, number] = [Date.UTC(2026, 10, 5, 0, 0), Date.UTC(2026, 10, 5, 9, 0)];
    const berlin = Date.UTC(2026, 9, 25, 1, 0);
    // Berlin's 02:00-02:59 and New York's 01:00-01:59 occur twice on the night their clocks go back; the repeated
    // minutes are handled by their own focused test below, so here the DST nights get hours around them.
    const around = [{ at: berlin, zone: 'Europe/Berlin', hours: [0, 1, 3, 4] }, { at: berlin }, { at: Date.UTC(2026, 10, 1, 6, 0), zone: 'America/New_York', hours: [0, 2, 3] }, { at: outage[0] + 4 * HOUR }, { at: outage[0] + 4 * HOUR }];
    const result = await check(20261020, start, end, (rand) => randomSubs(rand, 14, start, end, around), outage);
    expect(result.occurrences).toBeGreaterThan(15);
    expect(result.problems).toEqual([]);
  }, 120_000);

  const focused = (cron: string, zone: string, from: number, to: number): Plan[] => [{ channel: 'CFOCUS', cron, kind: 'daily', zone, from, to }];

  it('a daily 01:15 New York digest is posted once on 1 Nov 2026, when 01:15 happens twice (EDT, then EST)', async () => {
    const start = Date.UTC(2026, 9, 31, 12);
    const end = Date.UTC(2026, 10, 2, 12);
    const { rows, posts } = await simulate(1, start, end, () => focused('15 1 * * *', 'America/New_York', start, end));
    // alerts.md: the leader matches "minute by minute in its zone since its last run, so daylight-saving changes ... are handled";
    // one occurrence of the local time, its first instant (05:15 UTC), as for a daily digest on any other day.
    expect(rows.map((r) => fmt(Number(r.dedupe_key.split(':')[2])))).toEqual(['2026-11-01T05:15', '2026-11-02T06:15']);
    // Posted once each: the first at its minute (the clock ticks each minute near the change), the second at the first tick after 06:15.
    expect(posts).toHaveLength(2);
    expect(fmt(posts[0]?.at ?? 0)).toBe('2026-11-01T05:15');
    expect(posts[1]?.at).toBeGreaterThanOrEqual(Date.UTC(2026, 10, 2, 6, 15));
    expect(posts[1]?.at).toBeLessThanOrEqual(Date.UTC(2026, 10, 2, 7, 1)); // with the outbox's pacing
  }, 60_000);

  it('spring: a daily 02:30 Berlin digest has no occurrence on 28 Mar 2027 (02:30 does not exist), and is back the next day', async () => {
    const start = Date.UTC(2027, 2, 27, 18);
    const end = Date.UTC(2027, 2, 29, 2);
    const { rows, posts } = await simulate(1, start, end, () => focused('30 2 * * *', 'Europe/Berlin', start, end));
    // Read literally ("matches ... minute by minute in its zone"), a wall-clock minute that never happens never matches.
    const want = scheduledInstants('30 2 * * *', 'Europe/Berlin', start, end).map(fmt);
    expect(want).toEqual(['2027-03-29T00:30']);
    expect(rows.map((r) => fmt(Number(r.dedupe_key.split(':')[2])))).toEqual(want);
    expect(posts).toHaveLength(1);
  }, 60_000);
});

// ---------------------------------------------------------------- Part 1b: an SLA breach's follow-ups

type Action = { kind: 'none' } | { kind: 'ack' | 'snooze1h' | 'snooze4h' | 'reply'; at: number };
interface BreachCase { ticket: string; user: string; created: number; urgent: boolean; action: Action }
interface Expected { target: string; at: number; what: string }

/**
 * alerts.md, "SLA alerts", "Acknowledge and snooze", "Quiet hours":
 * - the breach "from the due time on", to the team's alert channel and by DM to the assignee;
 * - "posted again every SLA_RENOTIFY_MINUTES ... at most SLA_RENOTIFY_MAX times" (to the same places), each N minutes
 *   after the previous post of the breach;
 * - "after SLA_ESCALATE_AFTER_MINUTES ... the team lead gets a DM" (counted from the breach);
 * - "Reminders stop as soon as the target is met ... or someone acknowledges"; acknowledge, and the target met, cancel
 *   reminders not yet sent; a channel still holding an earlier post of the breach gets no reminder behind it;
 * - "A snooze holds reminders and the lead's DM until it ends";
 * - quiet hours: "Alerts for that channel wait in the outbox until the quiet hours end — except breaches of urgent
 *   tickets, which are posted at once. DMs are not held."
 */
function breachOracle(c: BreachCase, s: { renotify: number; max: number; escalate: number; dueAfter: number }, quiet: { starts: string; ends: string; timezone: string }): Expected[] {
  const out: Expected[] = [];
  const due = c.created + s.dueAfter;
  const stop = c.action.kind === 'ack' || c.action.kind === 'reply' ? c.action.at : Infinity;
  const snooze = c.action.kind === 'snooze1h' || c.action.kind === 'snooze4h' ? [c.action.at, c.action.at + (c.action.kind === 'snooze1h' ? 1 : 4) * HOUR] : undefined;
  const held = (t: number) => (snooze !== undefined && t >= (snooze[0] as number) && t < (snooze[1] as number) ? (snooze[1] as number) : t);
  let channelFreeAt = Number.NEGATIVE_INFINITY; // when the channel's last post of the breach goes out
  const channel = (t: number, what: string, cancellable: boolean) => {
    // A reminder is the urgent breach "posted again": not held either.
    const at = c.urgent ? t : quietEnd(quiet, t);
    // "A channel whose earlier post of the alert is still held by quiet hours gets no reminder behind it."
    if (cancellable && channelFreeAt > t) return;
    // Still waiting when acknowledged, or when the target was met ("Reminders stop as soon as the target is met").
    if (cancellable && at > t && at >= stop) return;
    out.push({ target: 'CALERTS', at, what });
    channelFreeAt = at;
  };
  out.push({ target: `D${c.user}`, at: due, what: 'breach' });
  channel(due, 'breach', false);
  let previous = due;
  for (let k = 1; k <= s.max; k += 1) {
    const at = held(previous + s.renotify);
    if (at >= stop) break;
    out.push({ target: `D${c.user}`, at, what: `reminder ${k}` });
    channel(at, `reminder ${k}`, true);
    previous = at;
  }
  const lead = held(due + s.escalate);
  if (lead < stop) out.push({ target: 'DULEAD', at: lead, what: 'lead' });
  return out;
}

describe(`an SLA breach's follow-ups, against an oracle from alerts.md, on ${TEST_ENGINE}`, () => {
  let w: AlertWorld;
  afterEach(async () => {
    await w.dispose();
  });

  type Settings = { renotify: number; max: number; escalate: number; dueAfter: number };
  type Quiet = { starts: string; ends: string; timezone: string };
  const T0 = Date.UTC(2026, 10, 23, 3, 0); // a Monday

  /** Drives the real scheduler (outbox every second, SLA sweep every minute) every 5 minutes for 9 hours; actions land between ticks. */
  async function drive(settings: Settings, quiet: Quiet, cases: BreachCase[]) {
    w = await createAlertWorld(T0);
    const posts = recordPosts(w);
    await w.sla.addPolicy({ name: 'Everyone', firstResponseSeconds: settings.dueAfter / SEC, businessHours: false, pauseStatuses: [] });
    await w.alerts.setTeamRouting('Billing', { alertChannelId: 'CALERTS', leadSlackUserId: 'ULEAD' }, T0);
    await w.alerts.setQuietHours('CALERTS', quiet, T0);
    for (const [i, c] of cases.entries()) {
      await w.ingest([
        { ticket: c.ticket, type: 'ticket_created', at: c.created, actor: { type: 'customer', id: `c${i}` }, data: { status: 'new', team: 'Billing', priority: c.urgent ? 'urgent' : 'normal' } },
        { ticket: c.ticket, type: 'assignee_changed', at: c.created + 1000, data: { assignee: { type: 'agent', id: `a${i}`, email: `a${i}@example.com`, name: `Agent ${i}` } } },
      ]);
      await w.db('agents').where({ email: `a${i}@example.com` }).update({ slack_user_id: c.user });
    }
    const deps = { db: w.db, settings: { warningStages: [], renotifyMs: settings.renotify, renotifyMax: settings.max, escalateAfterMs: settings.escalate }, locale: 'en' as const, timezone: 'UTC', logger: silentLogger() };
    const scheduler = schedulerFor(w, [
      { name: 'outbox', everyMs: SEC, run: () => w.sender().deliverDue() },
      { name: 'sla-sweep', everyMs: MIN, run: (now) => sweepSla(deps, now) },
    ]);
    const actionDeps = { db: w.db, poster: w.poster, clock: w.clock, locale: 'en' as const, timezone: 'UTC', logger: silentLogger() };
    const ticks: number[] = [];
    for (let t = T0; t <= T0 + 9 * HOUR; t += 5 * MIN) ticks.push(t);
    for (const t of ticks) {
      for (const c of cases) {
        if (c.action.kind === 'none' || c.action.at <= t - 5 * MIN || c.action.at > t) continue;
        w.now = c.action.at;
        if (c.action.kind === 'reply') {
          await w.ingest([{ ticket: c.ticket, type: 'agent_reply', at: c.action.at, actor: { type: 'agent', id: 'a0', email: 'a0@example.com', name: 'Agent 0' } }]);
        } else {
          const [alert] = (await w.db('alerts').join('tickets', 'tickets.id', 'alerts.ticket_id').where('tickets.external_id', c.ticket).where('alerts.kind', 'sla_breach').select('alerts.id')) as { id: number }[];
          const id = { ack: ALERT_ACTIONS.acknowledge, snooze1h: ALERT_ACTIONS.snooze1h, snooze4h: ALERT_ACTIONS.snooze4h }[c.action.kind];
          expect(await handleAlertAction(id, String(alert?.id), c.user, actionDeps)).toMatch(/acknowledged|snoozed/);
        }
      }
      await tickAt(w, scheduler, Math.max(t, w.now));
    }
    const onTick = (at: number) => ticks.find((t) => t >= at) as number;
    return cases.map((c) => ({
      ticket: c.ticket,
      expected: breachOracle(c, settings, quiet).map((e) => `${e.target} ${fmt(onTick(e.at))} ${e.what}`).sort(),
      got: posts.filter((p) => p.text.includes(c.ticket)).map((p) => `${p.channel} ${fmt(p.at)}`).sort(),
    }));
  }
  const short = (lines: string[]) => lines.map((x) => x.split(' ').slice(0, 2).join(' ')).sort();

  async function run(seed: number) {
    const rand = mulberry32(seed);
    const settings = { renotify: pick(rand, [30, 45, 60]) * MIN, max: 1 + (seed % 3), escalate: pick(rand, [60, 90, 120, 150]) * MIN, dueAfter: HOUR };
    const zone = pick(rand, ['UTC', 'Asia/Jakarta', 'Europe/Istanbul']);
    const quietEndsAt = T0 + int(rand, 2, 5) * HOUR + pick(rand, [0, 30]) * MIN;
    const hhmm = (t: number) => { const l = local(t, zone); return `${String(l.h).padStart(2, '0')}:${String(l.mi).padStart(2, '0')}`; };
    const quiet = { starts: hhmm(T0 - 8 * HOUR), ends: hhmm(quietEndsAt), timezone: zone };
    const cases: BreachCase[] = [];
    const kinds = ['none', 'ack', 'snooze1h', 'snooze4h', 'reply'] as const;
    for (let i = 0; i < 5; i += 1) {
      const created = T0 - 55 * MIN + int(rand, 0, 30) * 5 * MIN;
      const kind = kinds[(i + seed) % kinds.length] as (typeof kinds)[number];
      const urgent = rand() < 0.3;
      let at = created + settings.dueAfter + int(rand, 0, 30) * 5 * MIN + 2 * MIN;
      // An acknowledgement while the breach itself still waits out the quiet hours is its own test (below).
      if (kind === 'ack' && !urgent && inQuiet(quiet, created + settings.dueAfter)) at = Math.max(at, quietEnd(quiet, created + settings.dueAfter) + 2 * MIN);
      cases.push({ ticket: `S-${seed}-${i}`, user: `U${i}`, created, urgent, action: kind === 'none' ? { kind } : { kind, at } });
    }
    const results = await drive(settings, quiet, cases);
    const problems = results.filter((r) => JSON.stringify(short(r.expected)) !== JSON.stringify(r.got)).map((r) => `${r.ticket}: expected ${JSON.stringify(r.expected)}, got ${JSON.stringify(r.got)}`);
    return { problems, settings, quiet, cases };
  }

  it('a 1 h snooze 10 min after the breach: the held reminder goes when it ends, the next ones every N minutes after it, the lead on time', async () => {
    const settings = { renotify: 30 * MIN, max: 3, escalate: 120 * MIN, dueAfter: HOUR };
    const c: BreachCase = { ticket: 'Z-1', user: 'U1', created: T0, urgent: false, action: { kind: 'snooze1h', at: T0 + HOUR + 10 * MIN } };
    const [r] = await drive(settings, { starts: '23:00', ends: '00:00', timezone: 'UTC' }, [c]);
    expect(r?.got).toEqual(short(r?.expected ?? []));
  }, 60_000);

  it('a non-urgent breach held by quiet hours still reaches the channel when they end, though acknowledged (by DM) meanwhile', async () => {
    // Quiet until 06:00 UTC; due 04:00; acknowledged from the DM at 04:12. alerts.md: acknowledge "cancels reminders not yet
    // sent" (the breach is not a reminder), and channel alerts "wait in the outbox until the quiet hours end".
    const settings = { renotify: 60 * MIN, max: 3, escalate: 120 * MIN, dueAfter: HOUR };
    const c: BreachCase = { ticket: 'Q-1', user: 'U1', created: T0, urgent: false, action: { kind: 'ack', at: T0 + HOUR + 12 * MIN } };
    const [r] = await drive(settings, { starts: '20:00', ends: '06:00', timezone: 'UTC' }, [c]);
    expect(r?.expected).toEqual(['CALERTS 2026-11-23T06:00 breach', 'DU1 2026-11-23T04:00 breach']);
    expect(r?.got).toEqual(short(r?.expected ?? []));
  }, 60_000);

  for (const seed of [1, 2, 3]) {
    it(`seed ${seed}: breach, reminders, the lead's DM, with quiet hours, acknowledge, snooze and a late reply`, async () => {
      const result = await run(seed);
      // The settings drawn go with the problems, so a failure says what it ran with.
      expect({ settings: result.settings, quiet: result.quiet, problems: result.problems }).toEqual({ settings: result.settings, quiet: result.quiet, problems: [] });
    }, 60_000);
  }
});

// ---------------------------------------------------------------- Part 2: `kpibot report --json` against docs/report.md

/** report.md, `unit`: "seconds for durations, percent (0-100) for rates, count, or score (NPS, eNPS: -100..100; CES: 1-7)"; metrics.md for which is which. */
const UNITS: Record<string, 'seconds' | 'percent' | 'count' | 'score'> = {
  volume: 'count', backlog: 'count', resolved: 'count', frt: 'seconds', response: 'seconds', resolution: 'seconds', overdue: 'count',
  escalations: 'count', fcr: 'percent', csat: 'percent', nps: 'score', ces: 'score', enps: 'score', aht: 'seconds', churn: 'percent',
  repeat: 'percent', selfservice: 'percent',
};
const REPORT_METRICS = Object.keys(UNITS);

/** A local wall-clock time on a local date; a time a DST change skipped "moves on by the gap", a repeated one "is its first occurrence" (metrics.md, Periods). */
function sameLocal(zone: string, date: [number, number, number], h: number, mi: number): number {
  const [y, mo, d] = date;
  const found = instantsOf(zone, y, mo, d, h, mi);
  if (found.length > 0) return found[0] as number;
  return (instantsOf(zone, y, mo, d, h + 1, mi)[0] as number);
}
const sod = (zone: string, date: [number, number, number]) => startOfLocalDay(zone, ...date);
const addMonths = (y: number, mo: number, n: number): [number, number] => { const t = new Date(Date.UTC(y, mo - 1 + n, 1)); return [t.getUTCFullYear(), t.getUTCMonth() + 1]; };

/**
 * report.md, `--period`: the period and its previous one, cut in the zone. "a finished period is compared with the one just
 * before it; a period still running (today, this-month, 7d...) with the same span one period earlier, cut at the same local
 * date and time". `<N>d` is read as the day so far and the N-1 local days before it (see the digests above).
 */
function oraclePeriod(word: string, now: number, zone: string): { from: number; to: number; prevFrom: number; prevTo: number } {
  const l = local(now, zone);
  const today: [number, number, number] = [l.y, l.mo, l.d];
  const day = (n: number) => shiftDate(l.y, l.mo, l.d, n);
  const at = (date: [number, number, number]) => sameLocal(zone, date, l.h, l.mi);
  const isoDow = l.dow === 0 ? 7 : l.dow;
  let m: RegExpExecArray | null;
  if (word === 'today') return { from: sod(zone, today), to: now, prevFrom: sod(zone, day(-1)), prevTo: at(day(-1)) };
  if (word === 'yesterday') return { from: sod(zone, day(-1)), to: sod(zone, today), prevFrom: sod(zone, day(-2)), prevTo: sod(zone, day(-1)) };
  if ((m = /^(\d+)d$/.exec(word))) {
    const n = Number(m[1]);
    return { from: sod(zone, day(-(n - 1))), to: now, prevFrom: sod(zone, day(-(2 * n - 1))), prevTo: at(day(-n)) };
  }
  if ((m = /^(\d+)h$/.exec(word))) {
    const n = Number(m[1]) * HOUR;
    return { from: now - n, to: now, prevFrom: now - 2 * n, prevTo: now - n };
  }
  if (word === 'this-week') return { from: sod(zone, day(1 - isoDow)), to: now, prevFrom: sod(zone, day(1 - isoDow - 7)), prevTo: at(day(-7)) };
  if (word === 'last-week') return { from: sod(zone, day(1 - isoDow - 7)), to: sod(zone, day(1 - isoDow)), prevFrom: sod(zone, day(1 - isoDow - 14)), prevTo: sod(zone, day(1 - isoDow - 7)) };
  const months = { month: 1, quarter: 3, year: 12 } as const;
  if ((m = /^(this|last)-(month|quarter|year)$/.exec(word))) {
    const size = months[m[2] as keyof typeof months];
    const firstMonth = size === 12 ? 1 : size === 3 ? Math.floor((l.mo - 1) / 3) * 3 + 1 : l.mo;
    const unit = (k: number): [number, number, number] => [...addMonths(l.y, firstMonth, k * size), 1] as [number, number, number];
    if (m[1] === 'this') {
      const [py, pmo] = addMonths(l.y, l.mo, -size);
      return { from: sod(zone, unit(0)), to: now, prevFrom: sod(zone, unit(-1)), prevTo: at([py, pmo, l.d]) };
    }
    return { from: sod(zone, unit(-1)), to: sod(zone, unit(0)), prevFrom: sod(zone, unit(-2)), prevTo: sod(zone, unit(-1)) };
  }
  if ((m = /^(\d{4})-(\d\d)-(\d\d)$/.exec(word))) {
    const d: [number, number, number] = [Number(m[1]), Number(m[2]), Number(m[3])];
    return { from: sod(zone, d), to: sod(zone, shiftDate(...d, 1)), prevFrom: sod(zone, shiftDate(...d, -1)), prevTo: sod(zone, d) };
  }
  if ((m = /^(\d{4})-(\d\d)-(\d\d)\.\.(\d{4})-(\d\d)-(\d\d)$/.exec(word))) {
    const a: [number, number, number] = [Number(m[1]), Number(m[2]), Number(m[3])];
    const b: [number, number, number] = [Number(m[4]), Number(m[5]), Number(m[6])];
    const days = Math.round((Date.UTC(b[0], b[1] - 1, b[2]) - Date.UTC(a[0], a[1] - 1, a[2])) / DAY) + 1;
    return { from: sod(zone, a), to: sod(zone, shiftDate(...b, 1)), prevFrom: sod(zone, shiftDate(...a, -days)), prevTo: sod(zone, a) };
  }
  if ((m = /^(\d{4})-(\d\d)-(\d\d)\.\.$/.exec(word))) {
    // Running: "the same span one period earlier, cut at the same local date and time" -- one period = its length in local days.
    const a: [number, number, number] = [Number(m[1]), Number(m[2]), Number(m[3])];
    const days = Math.round((Date.UTC(l.y, l.mo - 1, l.d) - Date.UTC(a[0], a[1] - 1, a[2])) / DAY) + 1;
    return { from: sod(zone, a), to: now, prevFrom: sod(zone, shiftDate(...a, -days)), prevTo: at(day(-days)) };
  }
  throw new Error(`no oracle for ${word}`);
}

/** report.md, `change`: "percent change from previous.value to value, for every unit; null when either is null or the previous is 0". */
function oracleChange(value: number | null, previous: number | null): number | null {
  if (value === null || previous === null || previous === 0) return null;
  return ((value - previous) / Math.abs(previous)) * 100;
}

/** percentile_cont over sorted values. */
function percentile(sorted: number[], p: number): number {
  const rank = p * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return (sorted[lo] as number) + ((sorted[hi] as number) - (sorted[lo] as number)) * (rank - lo);
}

interface GenTicket { id: string; created: number; reply?: number; solved?: number; escalated?: number; csat?: { at: number; score: number } }

describe(`kpibot report --json against report.md, on ${TEST_ENGINE}`, () => {
  let testDb: TestDatabase;
  let db: Database;
  const tickets: GenTicket[] = [];
  const NOWS = [Date.UTC(2026, 10, 20, 5, 34), Date.UTC(2026, 10, 2, 15, 7)];
  const END = Date.UTC(2026, 10, 20, 5, 0);

  beforeAll(async () => {
    testDb = await createTestDatabase({ migrated: true });
    db = openDatabase(testDb.config);
    const rand = mulberry32(4242);
    const events: NormalizedEvent[] = [];
    const agent = { type: 'agent' as const, id: 'a1', email: 'ayu@example.com', name: 'Ayu' };
    // Tickets from 1 June 2026 to the first "now" (none before: last year's periods have no data).
    for (let i = 0; i < 260; i += 1) {
      const created = Date.UTC(2026, 5, 1) + Math.floor(rand() * (END - Date.UTC(2026, 5, 1)) / SEC) * SEC;
      const t: GenTicket = { id: `K-${i}`, created };
      events.push({ kind: 'ticket', type: 'ticket_created', externalTicketId: t.id, occurredAt: created, actor: { type: 'customer', id: `c${i % 40}` }, data: { status: 'open', team: pick(rand, ['Billing', 'Sales']), assignee: agent }, dedupeKey: `c${i}` });
      if (rand() < 0.8) {
        t.reply = created + Math.floor(rand() * rand() * 3 * DAY / SEC) * SEC;
        events.push({ kind: 'ticket', type: 'agent_reply', externalTicketId: t.id, occurredAt: t.reply, actor: agent, data: {}, dedupeKey: `r${i}` });
        if (rand() < 0.7) {
          t.solved = t.reply + Math.floor(rand() * 2 * DAY / SEC) * SEC;
          events.push({ kind: 'ticket', type: 'status_changed', externalTicketId: t.id, occurredAt: t.solved, actor: agent, data: { status: 'solved' }, dedupeKey: `s${i}` });
          events.push({ kind: 'ticket', type: 'handle_time', externalTicketId: t.id, occurredAt: t.solved, actor: agent, data: { seconds: int(rand, 60, 3600) }, dedupeKey: `h${i}` });
          if (rand() < 0.6) {
            t.csat = { at: t.solved + int(rand, 1, 48) * HOUR, score: int(rand, 1, 5) };
            events.push({ kind: 'ticket', type: 'rating', externalTicketId: t.id, occurredAt: t.csat.at, actor: { type: 'customer', id: `c${i % 40}` }, data: { rating: { kind: 'csat', scale: '1-5', score: t.csat.score } }, dedupeKey: `q${i}` });
          }
        }
      }
      if (rand() < 0.15) {
        t.escalated = created + int(rand, 1, 20) * HOUR;
        events.push({ kind: 'ticket', type: 'escalated', externalTicketId: t.id, occurredAt: t.escalated, data: {}, dedupeKey: `e${i}` });
      }
      tickets.push(t);
    }
    for (let i = 0; i < 80; i += 1) {
      const at = Date.UTC(2026, 6, 1) + Math.floor(rand() * (END - Date.UTC(2026, 6, 1)) / HOUR) * HOUR;
      events.push({ kind: 'survey', rating: { kind: pick(rand, ['nps', 'enps'] as const), scale: '0-10', score: int(rand, 0, 10) }, occurredAt: at, customerId: `c${i % 40}`, dedupeKey: `n${i}` });
      events.push({ kind: 'survey', rating: { kind: 'ces', scale: '1-7', score: int(rand, 1, 7) }, occurredAt: at + MIN, customerId: `c${i % 40}`, dedupeKey: `x${i}` });
      events.push({ kind: 'self_service', sessionId: `ss${i}`, startedAt: at + 2 * MIN, resolvedWithoutTicket: rand() < 0.5, dedupeKey: `ss${i}` });
    }
    for (let i = 0; i < 40; i += 1) {
      events.push({ kind: 'customer', type: 'became_customer', customerId: `c${i}`, occurredAt: Date.UTC(2026, 4, 1) + i * HOUR, dedupeKey: `b${i}` });
      for (let k = 0; k < int(rand, 0, 3); k += 1) events.push({ kind: 'customer', type: 'purchase', customerId: `c${i}`, occurredAt: Date.UTC(2026, 6, 1) + Math.floor(rand() * 140 * DAY / HOUR) * HOUR, dedupeKey: `p${i}-${k}` });
      if (rand() < 0.2) events.push({ kind: 'customer', type: 'churned', customerId: `c${i}`, occurredAt: Date.UTC(2026, 7, 1) + Math.floor(rand() * 100 * DAY / HOUR) * HOUR, dedupeKey: `x${i}-churn` });
    }
    await new IngestStore(db, { escalationGroups: [], escalationTag: 'escalated' }).recordEvents('generic', events);
  }, 60_000);
  afterAll(async () => {
    await db.destroy();
    await testDb.dispose();
  });

  async function reportJson(args: string[], now: number, zone: string): Promise<Record<string, unknown>> {
    const lines: string[] = [];
    const errors: string[] = [];
    const config = parseConfig({ DATABASE_URL: testDb.url, KPI_TIMEZONE: zone });
    const code = await reportCommand(args, config, { out: (line) => lines.push(line), err: (line) => errors.push(line) }, now);
    expect({ code, errors }).toEqual({ code: 0, errors: [] });
    expect(lines).toHaveLength(1);
    return JSON.parse(lines[0] as string) as Record<string, unknown>;
  }

  const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
  const WORDS = ['today', 'yesterday', '7d', '30d', '90d', '3d', '36h', 'this-week', 'last-week', 'this-month', 'last-month', 'this-quarter', 'last-quarter', 'this-year', 'last-year', '2026-10-25', '2026-10-01..2026-10-31', '2026-09-14..2026-11-01'];

  /** Every disagreement of one JSON object with the docs and with computeMetric over the oracle's period and previous period. */
  async function judge(json: Record<string, unknown>, metric: string, word: string, now: number, zone: string): Promise<string[]> {
    const out: string[] = [];
    const say = (what: string) => out.push(`${metric} --period ${word} --timezone ${zone} at ${new Date(now).toISOString()}: ${what}`);
    const o = oraclePeriod(word, now, zone);
    const period = json.period as { from: string; to: string; timezone: string };
    if (!ISO.test(period.from) || !ISO.test(period.to)) say(`period not ISO-8601 UTC: ${JSON.stringify(period)}`);
    if (period.from !== new Date(o.from).toISOString() || period.to !== new Date(o.to).toISOString() || period.timezone !== zone) say(`period ${period.from}..${period.to} ${period.timezone}, expected ${new Date(o.from).toISOString()}..${new Date(o.to).toISOString()} ${zone}`);
    if (json.metric !== metric) say(`metric ${String(json.metric)}`);
    if (json.unit !== UNITS[metric]) say(`unit ${String(json.unit)}, expected ${UNITS[metric]}`);
    const store = new KpiStore(db);
    const range = (from: number, to: number, pf: number, pt: number) => ({ from, to, timezone: zone, previous: { from: pf, to: pt } });
    const id = metric as Parameters<typeof computeMetric>[0];
    const cur = await computeMetric(id, store, range(o.from, o.to, o.prevFrom, o.prevTo), {}, now);
    const prev = await computeMetric(id, store, range(o.prevFrom, o.prevTo, o.prevFrom - (o.to - o.from), o.prevFrom), {}, now);
    const value = json.value as number | null;
    const previous = json.previous as { value: number | null; n: number };
    if (value !== cur.value || json.n !== cur.n) say(`value ${value} (n ${String(json.n)}), computeMetric over the oracle's period ${cur.value} (n ${cur.n})`);
    if (previous.value !== prev.value || previous.n !== prev.n) say(`previous ${JSON.stringify(previous)}, computeMetric over the oracle's previous period ${new Date(o.prevFrom).toISOString()}..${new Date(o.prevTo).toISOString()} ${JSON.stringify({ value: prev.value, n: prev.n })}`);
    // "value: null when there is no data"; n is what it rests on.
    // alerts.md, eNPS: "nothing until at least 5 people answered".
    if (value === null && json.n !== 0 && !(metric === 'enps' && (json.n as number) < 5)) say(`value null with n ${String(json.n)}`);
    if (json.n === 0 && UNITS[metric] !== 'count' && value !== null) say(`n 0 but value ${value}`);
    const change = json.change as number | null;
    const want = oracleChange(value, previous.value);
    if ((want === null) !== (change === null) || (want !== null && Math.abs((change as number) - want) > 0.006)) say(`change ${change}, expected ${want} from ${previous.value} to ${value}`);
    if (!['better', 'worse', 'same', 'unknown'].includes(String(json.trend))) say(`trend ${String(json.trend)}`);
    // Independent values, from the generated data, in the documented units.
    const inP = (t: number | undefined) => t !== undefined && t >= o.from && t < o.to;
    if (metric === 'volume' && value !== tickets.filter((t) => inP(t.created)).length) say(`volume ${value}, oracle ${tickets.filter((t) => inP(t.created)).length}`);
    if (metric === 'escalations' && value !== tickets.filter((t) => inP(t.escalated)).length) say(`escalations ${value}, oracle ${tickets.filter((t) => inP(t.escalated)).length}`);
    if (metric === 'frt') {
      const waits = tickets.filter((t) => inP(t.created) && t.reply !== undefined).map((t) => ((t.reply as number) - t.created) / SEC).sort((a, b) => a - b);
      const summaryEntry = Object.keys(json.details as object).length === 0; // summary --json: "details empty ({})"
      const d = (summaryEntry ? { median: value, p90: null, n: json.n } : json.details) as { median: number | null; mean: number | null; p90: number | null; n: number };
      const expected = waits.length === 0 ? { value: null, median: null, p90: null, n: 0 } : { value: percentile(waits, 0.5), median: percentile(waits, 0.5), p90: percentile(waits, 0.9), n: waits.length };
      const close = (a: number | null, b: number | null) => (a === null || b === null ? a === b : Math.abs(a - b) <= 1);
      if (!close(value, expected.value) || !close(d.median, expected.median) || (!summaryEntry && !close(d.p90, expected.p90)) || d.n !== expected.n || json.n !== expected.n) say(`frt seconds ${JSON.stringify({ value, median: d.median, p90: d.p90, n: d.n })}, oracle ${JSON.stringify(expected)}`);
    }
    if (metric === 'csat') {
      const answers = tickets.filter((t) => inP(t.csat?.at));
      const expected = answers.length === 0 ? null : (100 * answers.filter((t) => (t.csat?.score ?? 0) >= 4).length) / answers.length;
      if ((expected === null) !== (value === null) || (expected !== null && Math.abs((value as number) - expected) > 0.051)) say(`csat ${value}%, oracle ${expected}% of ${answers.length}`);
    }
    return out;
  }

  it('every metric and period word, in three zones and at two instants: period, unit, value, n, previous, change; durations in seconds, rates in percent', async () => {
    const problems: string[] = [];
    let checked = 0;
    const CORE = ['volume', 'frt', 'csat', 'escalations'];
    const SOME = ['today', 'yesterday', '7d', '36h', 'this-week', 'last-month', 'this-quarter', 'last-year', '2026-10-25', '2026-10-01..'];
    const runs: [number, string, string[], string[]][] = [
      [NOWS[0] as number, 'Asia/Jakarta', REPORT_METRICS.filter((m) => !CORE.includes(m)), SOME],
      [NOWS[0] as number, 'Asia/Jakarta', CORE, WORDS.filter((w) => !SOME.includes(w))],
      [NOWS[0] as number, 'Europe/Berlin', CORE, SOME],
      [NOWS[1] as number, 'America/New_York', CORE, WORDS],
    ];
    for (const [now, zone, metrics, words] of runs) {
      for (const word of words) {
        for (const metric of metrics) {
          const json = await reportJson([metric, '--period', word, '--timezone', zone, '--json'], now, zone);
          problems.push(...(await judge(json, metric, word, now, zone)));
          checked += 1;
        }
      }
    }
    expect(checked).toBeGreaterThan(200);
    expect(problems).toEqual([]);
  }, 120_000);

  it('the real CLI (no clock to set, so finished periods): the same JSON as the report function; summary --json repeats each metric without details', async () => {
    const zone = 'America/New_York';
    const frt = runKpibot(['report', 'frt', '--period', '2026-10-01..2026-10-31', '--timezone', zone, '--json'], { DATABASE_URL: testDb.url });
    expect(frt.stderr).toBe('');
    const json = JSON.parse(frt.stdout) as Record<string, unknown>;
    expect(json).toEqual(await reportJson(['frt', '--period', '2026-10-01..2026-10-31', '--timezone', zone, '--json'], NOWS[0] as number, zone));
    expect(await judge(json, 'frt', '2026-10-01..2026-10-31', NOWS[0] as number, zone)).toEqual([]);
    const summary = runKpibot(['report', 'summary', '--period', '2026-11-01', '--json'], { DATABASE_URL: testDb.url, KPI_TIMEZONE: zone });
    expect(summary.stderr).toBe('');
    const metrics = (JSON.parse(summary.stdout) as { metrics: Record<string, unknown>[] }).metrics;
    expect(metrics.map((m) => m.metric)).toEqual(['volume', 'backlog', 'frt', 'resolution', 'overdue', 'escalations', 'csat', 'fcr']);
    for (const m of metrics) {
      const own = await reportJson([String(m.metric), '--period', '2026-11-01', '--timezone', zone, '--json'], NOWS[0] as number, zone);
      expect(m).toEqual({ ...own, details: {} });
      expect(await judge(m, String(m.metric), '2026-11-01', NOWS[0] as number, zone)).toEqual([]);
    }
  }, 60_000);
});
