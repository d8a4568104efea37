/**
 * A seeded differential test of the ticket metrics in calendar time.
 *
 * The oracle below is written from docs/metrics.md ("Common rules" first),
 * docs/sources/generic.md, docs/report.md and the event types of
 * src/ingest/events.ts only, never from the engine's SQL or projection. It
 * replays each ticket's events in time order and computes every metric in
 * plain TypeScript; the engine ingests the same events (shuffled, in several
 * deliveries, from two sources) and computes through computeMetric and
 * computeSummary. Every value, n, previous and important detail must agree.
 *
 * Readings chosen where the docs leave room (each noted `READING:` below).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/store/database.js';
import { IngestStore } from '../../src/store/ingest-store.js';
import { KpiStore, type TicketFilters } from '../../src/store/kpi-store.js';
import { computeMetric, computeSummary, type MetricResult, type PeriodRange } from '../../src/kpi/metrics.js';
import type { Actor, Priority, TicketEvent, TicketEventData, TicketEventType, TicketStatus } from '../../src/ingest/events.js';
import { createTestDatabase, TEST_ENGINE, useTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { Rng } from '../helpers/random.js';
import { AGENTS, BOT, DAY, H, MIN, NOW, PERIOD, at, type LogEvent } from '../helpers/ticket-log.js';

// ---------------------------------------------------------------------------
// Fixed instants (never the real clock)

const ESCALATION_GROUP = 'Tier 2';
const ESCALATION_TAG = 'escalated';

// ---------------------------------------------------------------------------
// Event log: what the generator produces and both sides read

const SYSTEM: Actor = { type: 'system', id: 'trigger-7' };
const customerOf = (ticket: string): Actor => ({ type: 'customer', id: `c-${ticket}` });
/** Team spellings: the same team written differently, non-ASCII names, none. */
const TEAMS: readonly (string | null)[] = ['Billing', 'BILLING', ' billing ', 'Support', 'İade', 'Ödeme', null];
const CHANNELS = ['email', 'chat', 'phone', 'web'] as const;
const TAGS = ['refund', 'vip', 'bug', 'billing'] as const;

let keyCounter = 0;
function ev(source: string, ticket: string, type: TicketEventType, occurredAt: number, data: TicketEventData = {}, actor?: Actor): LogEvent {
  keyCounter += 1;
  return {
    source,
    event: { kind: 'ticket', type, externalTicketId: ticket, occurredAt, data, ...(actor === undefined ? {} : { actor }), dedupeKey: `d${keyCounter}` },
  };
}

/**
 * One ticket's life: created at a random instant (some before the previous
 * period, some after the period), then up to 14 steps chosen by its state.
 * Times are whole minutes plus 7 s, so nothing falls on a period or age-bucket
 * boundary (midnights) and no two events of a ticket share an instant.
 */
function generateTicket(rng: Rng, id: string, firstCreate: number, lastCreate: number): LogEvent[] {
  const source = rng.chance(0.25) ? 'zendesk' : 'generic';
  const customer = customerOf(id);
  const byAgent = rng.chance(0.15);
  let t = firstCreate + rng.int(0, Math.floor((lastCreate - firstCreate) / MIN)) * MIN + 7000;
  const events: LogEvent[] = [];
  let status: TicketStatus = rng.pick(['new', 'open'] as const);
  let priority: Priority = rng.pick(['low', 'normal', 'normal', 'high', 'urgent'] as const);
  let team = rng.pick(TEAMS);
  let assignee: Actor | null = rng.chance(0.8) ? rng.pick(AGENTS) : null;
  let tags: string[] = TAGS.filter(() => rng.chance(0.3));
  const creator = byAgent ? (assignee ?? AGENTS[0] as Actor) : customer;
  events.push(
    ev(source, id, 'ticket_created', t, {
      status, priority, channel: rng.pick(CHANNELS), team, assignee, tags, url: `https://help.example.com/${id}`, requesterId: customer.id,
      ...(byAgent ? { createdByAgent: true } : {}),
    }, creator),
  );
  const isResolved = () => status === 'solved' || status === 'closed';
  const replier = () => assignee ?? rng.pick(AGENTS);
  const steps = rng.int(0, 14);
  for (let step = 0; step < steps; step += 1) {
    // Gaps from a minute to a few days, skewed short.
    t += Math.max(1, Math.floor(rng.next() ** 3 * 5 * 24 * 60)) * MIN;
    const r = rng.next();
    if (isResolved()) {
      if (r < 0.25) {
        status = 'open';
        events.push(ev(source, id, 'reopened', t, { status }, customer));
      } else if (r < 0.35) {
        // A customer's message reopens the solved ticket (as helpdesks do).
        status = 'open';
        events.push(ev(source, id, 'customer_message', t, { status }, customer));
      } else if (r < 0.5 && status === 'solved') {
        status = 'closed';
        events.push(ev(source, id, 'status_changed', t, { status }));
      } else if (r < 0.6) {
        events.push(ev(source, id, 'handle_time', t, { seconds: rng.int(30, 3600) }, replier()));
      } else if (r < 0.68) {
        assignee = rng.pick(AGENTS);
        events.push(ev(source, id, 'assignee_changed', t, { assignee }));
      } else if (r < 0.72) {
        events.push(ev(source, id, 'internal_note', t, {}, replier()));
      } else if (r < 0.76) {
        // A reply on the solved ticket, which stays solved.
        events.push(ev(source, id, 'agent_reply', t, {}, replier()));
      } else if (r < 0.8) {
        // A customer's message that does not reopen it.
        events.push(ev(source, id, 'customer_message', t, {}, customer));
      } else {
        break; // stays resolved
      }
      continue;
    }
    if (r < 0.18) {
      events.push(ev(source, id, 'customer_message', t, {}, customer));
    } else if (r < 0.36) {
      const data: TicketEventData = rng.chance(0.3) ? { status: (status = 'pending') } : rng.chance(0.15) ? { status: (status = 'solved') } : {};
      events.push(ev(source, id, 'agent_reply', t, data, replier()));
    } else if (r < 0.42) {
      events.push(ev(source, id, 'agent_reply', t, {}, rng.chance(0.6) ? BOT : SYSTEM));
    } else if (r < 0.47) {
      events.push(ev(source, id, 'internal_note', t, {}, replier()));
    } else if (r < 0.53) {
      status = rng.pick(['open', 'pending', 'on-hold'] as const);
      events.push(ev(source, id, 'status_changed', t, { status }));
    } else if (r < 0.66) {
      status = rng.pick(['solved', 'solved', 'closed'] as const);
      events.push(ev(source, id, 'status_changed', t, { status }, replier()));
    } else if (r < 0.7) {
      assignee = rng.chance(0.15) ? null : rng.pick(AGENTS);
      events.push(ev(source, id, 'assignee_changed', t, { assignee }));
    } else if (r < 0.75) {
      team = rng.chance(0.4) ? ESCALATION_GROUP : rng.pick(TEAMS);
      events.push(ev(source, id, 'team_changed', t, { team }));
    } else if (r < 0.8) {
      priority = rng.pick(['low', 'normal', 'high', 'urgent'] as const);
      events.push(ev(source, id, 'priority_changed', t, { priority }));
    } else if (r < 0.86) {
      if (rng.chance(0.5)) {
        tags = [...TAGS, ESCALATION_TAG].filter(() => rng.chance(0.35));
        events.push(ev(source, id, 'tags_changed', t, { tags }));
      } else {
        const added = rng.chance(0.5) ? [ESCALATION_TAG] : [rng.pick(TAGS)];
        const removed = tags.filter((tag) => !added.includes(tag) && rng.chance(0.3));
        tags = [...new Set([...tags.filter((tag) => !removed.includes(tag)), ...added])];
        events.push(ev(source, id, 'tags_changed', t, { addedTags: added, removedTags: removed }));
      }
    } else if (r < 0.9) {
      events.push(ev(source, id, 'escalated', t, {}, replier()));
    } else {
      events.push(ev(source, id, 'handle_time', t, { seconds: rng.int(30, 3600) }, replier()));
    }
  }
  // Some tickets are deleted in the helpdesk afterwards (spam...), and a few of those restored.
  if (rng.chance(0.1)) {
    t += rng.int(1, 3 * 24 * 60) * MIN;
    events.push(ev(source, id, 'ticket_deleted', t));
    if (rng.chance(0.4)) events.push(ev(source, id, 'ticket_restored', t + rng.int(1, 24 * 60) * MIN));
  }
  return events;
}

function generateLog(seed: number): LogEvent[] {
  const rng = new Rng(seed);
  const tickets = rng.int(30, 80);
  const log: LogEvent[] = [];
  for (let i = 0; i < tickets; i += 1) {
    // Most tickets in the previous period or the period; some well before (backlog, late solves), a few after.
    const window = rng.next();
    const [lo, hi] = window < 0.15 ? [at('2026-08-20T00:00:00Z'), PERIOD.previous.from] : window < 0.95 ? [PERIOD.previous.from, PERIOD.to] : [PERIOD.to, at('2026-11-20T00:00:00Z')];
    log.push(...generateTicket(rng, `S${seed}-${i}`, lo, hi));
  }
  return log;
}

// ---------------------------------------------------------------------------
// The oracle: each ticket replayed from its own events

interface OracleTicket {
  source: string;
  id: string;
  createdAt: number;
  createdByAgent: boolean;
  url: string | null;
  // Latest attributes (READING: filters compare the ticket's latest attributes, as "the team is the ticket's latest").
  status: TicketStatus;
  priority: string | null;
  channel: string | null;
  team: string | null;
  assignee: Actor | null;
  tags: Set<string>;
  /** Every status the ticket took, in time order. */
  statuses: { at: number; status: TicketStatus }[];
  /** Instants the status went from not resolved (or none) to solved/closed. */
  solves: number[];
  /** Instants the status went from solved/closed back to an open status. */
  reopens: number[];
  humanReplies: number[];
  customerMessages: number[];
  /** Completed waits: start = first unanswered customer message or creation by the customer; end = next public human reply. */
  waits: { start: number; end: number }[];
  escalations: number[];
  handleSeconds: number;
  handleReports: number;
  /** "Deleted tickets count nowhere": the latest of its deletions and restores is a deletion. */
  deleted: boolean;
}

const RESOLVED = (s: TicketStatus) => s === 'solved' || s === 'closed';

function replay(source: string, id: string, events: TicketEvent[]): OracleTicket {
  const sorted = [...events].sort((a, b) => a.occurredAt - b.occurredAt);
  const created = sorted.find((e) => e.type === 'ticket_created');
  if (created === undefined) throw new Error(`ticket ${id} has no creation`);
  const tk: OracleTicket = {
    source, id, createdAt: created.occurredAt, createdByAgent: created.data.createdByAgent === true, url: null,
    status: 'new', priority: null, channel: null, team: null, assignee: null, tags: new Set(),
    statuses: [], solves: [], reopens: [], humanReplies: [], customerMessages: [], waits: [], escalations: [], handleSeconds: 0, handleReports: 0, deleted: false,
  };
  let waitStart: number | null = null;
  let hadStatus = false;
  for (const e of sorted) {
    const d = e.data;
    const creation = e.type === 'ticket_created';
    if (e.type === 'ticket_deleted' || e.type === 'ticket_restored') tk.deleted = e.type === 'ticket_deleted';
    // Messages first (a reply that also solves ends its wait before the solve).
    // "Public replies by a human agent"; "Excluded: ... bot and automatic replies": only actor type `agent` is a human.
    if (e.type === 'agent_reply' && e.actor?.type === 'agent') {
      tk.humanReplies.push(e.occurredAt);
      if (waitStart !== null) tk.waits.push({ start: waitStart, end: e.occurredAt });
      waitStart = null;
    }
    if (e.type === 'customer_message') {
      tk.customerMessages.push(e.occurredAt);
      waitStart ??= e.occurredAt;
    }
    if (creation && !tk.createdByAgent) waitStart = e.occurredAt;
    // Attributes: the state after the event.
    if (d.priority !== undefined) {
      // READING: "priority raised to urgent" is a change to urgent; a ticket created urgent was not raised.
      if (!creation && d.priority === 'urgent' && tk.priority !== 'urgent') tk.escalations.push(e.occurredAt);
      tk.priority = d.priority;
    }
    if (d.team !== undefined) {
      // READING (docs/sources/generic.md, `team`): a name is kept on one line, the spaces around it dropped.
      const team = d.team === null ? null : d.team.replace(/[\p{Cc}\u2028\u2029]+/gu, ' ').replace(/\s{2,}/g, ' ').trim() || null;
      const into = team !== null && fold(team) === fold(ESCALATION_GROUP) && (tk.team === null || fold(tk.team) !== fold(ESCALATION_GROUP));
      if (!creation && into) tk.escalations.push(e.occurredAt);
      tk.team = team;
    }
    if (d.channel !== undefined) tk.channel = d.channel;
    if (d.url !== undefined) tk.url = d.url;
    if (d.assignee !== undefined) tk.assignee = d.assignee;
    if (d.tags !== undefined || d.addedTags !== undefined || d.removedTags !== undefined) {
      const before = tk.tags.has(ESCALATION_TAG);
      const next = d.tags !== undefined ? new Set(d.tags) : new Set(tk.tags);
      for (const tag of d.removedTags ?? []) next.delete(tag);
      for (const tag of d.addedTags ?? []) next.add(tag);
      if (!creation && !before && next.has(ESCALATION_TAG)) tk.escalations.push(e.occurredAt);
      tk.tags = next;
    }
    if (e.type === 'escalated') tk.escalations.push(e.occurredAt);
    if (e.type === 'handle_time' && d.seconds !== undefined) {
      tk.handleSeconds += d.seconds;
      tk.handleReports += 1;
    }
    if (d.status !== undefined) {
      const was = hadStatus ? tk.status : null;
      if (RESOLVED(d.status) && (was === null || !RESOLVED(was))) {
        tk.solves.push(e.occurredAt);
        waitStart = null; // "a ticket solved without a reply ends it uncounted"
      }
      if (!RESOLVED(d.status) && was !== null && RESOLVED(was)) tk.reopens.push(e.occurredAt);
      tk.status = d.status;
      hadStatus = true;
      tk.statuses.push({ at: e.occurredAt, status: d.status });
    }
  }
  return tk;
}

/** Case- and space-insensitive in every alphabet: İ lower-cases to i + U+0307, which is dropped. */
function fold(text: string): string {
  return text.trim().toLowerCase().normalize('NFC').replace(/\u0307/g, '');
}

function statusAt(tk: OracleTicket, instant: number): TicketStatus | null {
  let status: TicketStatus | null = null;
  for (const s of tk.statuses) if (s.at < instant) status = s.status;
  return status;
}

function matches(tk: OracleTicket, f: TicketFilters): boolean {
  if (f.team !== undefined && (tk.team === null || fold(tk.team) !== fold(f.team))) return false;
  if (f.priority !== undefined && tk.priority !== f.priority) return false;
  if (f.channel !== undefined && tk.channel !== f.channel) return false;
  if (f.source !== undefined && tk.source !== f.source) return false;
  if (f.agent !== undefined) {
    const a = tk.assignee;
    const want = fold(f.agent);
    if (a === null || ![a.id, a.email, a.name].some((v) => v !== undefined && fold(v) === want)) return false;
  }
  if (f.tag !== undefined && !tk.tags.has(f.tag)) return false;
  return true;
}

interface Stats {
  n: number;
  median: number | null;
  mean: number | null;
  p90: number | null;
}

/** percentile_cont, as "Common rules" defines it: h = q·(n-1), v⌊h⌋ + (h-⌊h⌋)·(v⌈h⌉ - v⌊h⌋). */
function quantile(values: number[], q: number): number | null {
  if (values.length === 0) return null;
  const v = [...values].sort((a, b) => a - b);
  const h = q * (v.length - 1);
  const lo = Math.floor(h);
  const hi = Math.ceil(h);
  return (v[lo] as number) + (h - lo) * ((v[hi] as number) - (v[lo] as number));
}

function stats(valuesMs: number[]): Stats {
  const s = valuesMs.map((ms) => ms / 1000);
  return { n: s.length, median: quantile(s, 0.5), mean: s.length === 0 ? null : s.reduce((a, b) => a + b, 0) / s.length, p90: quantile(s, 0.9) };
}

const inRange = (x: number, r: { from: number; to: number }) => x >= r.from && x < r.to;
const percentOrNull = (part: number, whole: number) => (whole === 0 ? null : (100 * part) / whole);

/** First public human reply after the start; start = creation, or the customer's first message when an agent opened the ticket. */
function firstResponse(tk: OracleTicket): { start: number | null; reply: number | null } {
  const start = tk.createdByAgent ? (tk.customerMessages[0] ?? null) : tk.createdAt;
  if (start === null) return { start: null, reply: null };
  return { start, reply: tk.humanReplies.find((r) => r > start) ?? null };
}

/** The fraction of each calendar month (UTC) the range covers. */
function monthsIn(r: { from: number; to: number }): number {
  let months = 0;
  let d = new Date(r.from);
  let cursor = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  while (cursor < r.to) {
    d = new Date(cursor);
    const next = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
    months += (Math.min(next, r.to) - Math.max(cursor, r.from)) / (next - cursor);
    cursor = next;
  }
  return months;
}

interface Expected {
  value: number | null;
  n: number;
  details: Record<string, unknown>;
}

/** Each metric for one range, straight from the docs. */
const oracle = {
  volume(ts: OracleTicket[], r: { from: number; to: number }): Expected {
    const created = ts.filter((t) => inRange(t.createdAt, r));
    const byChannel: Record<string, number> = {};
    for (const t of created) byChannel[t.channel ?? 'null'] = (byChannel[t.channel ?? 'null'] ?? 0) + 1;
    const days = (r.to - r.from) / DAY;
    return {
      value: created.length, n: created.length,
      details: { perDay: created.length / days, perWeek: created.length / (days / 7), perMonth: created.length / monthsIn(r), byChannel },
    };
  },
  /** READING: a ticket is open at `instant` when created before it and its status then is not solved/closed. */
  backlog(ts: OracleTicket[], instant: number): Expected {
    const open = ts.filter((t) => t.createdAt < instant && (() => {
      const s = statusAt(t, instant);
      return s !== null && !RESOLVED(s);
    })());
    const ages = { under1d: 0, d1to3: 0, d3to7: 0, over7d: 0 };
    for (const t of open) {
      const age = instant - t.createdAt;
      if (age < DAY) ages.under1d += 1;
      else if (age < 3 * DAY) ages.d1to3 += 1;
      else if (age < 7 * DAY) ages.d3to7 += 1;
      else ages.over7d += 1;
    }
    const oldest = [...open].sort((a, b) => a.createdAt - b.createdAt)[0];
    return { value: open.length, n: open.length, details: { ages, oldest: oldest === undefined ? null : { externalId: oldest.id, createdAt: oldest.createdAt, url: oldest.url, source: oldest.source, priority: oldest.priority, team: oldest.team } } as Record<string, unknown> };
  },
  /**
   * READING: the ticket as it stood at the period's end: resolved = solved or
   * closed then, its latest solve by then inside the period (so one solved in
   * it and reopened after still counts, as the edge case says; one solved and
   * reopened within it, open at its end, does not); unresolved = created in it
   * and not solved/closed at its end. n = resolved + unresolved (what the ratio rests on).
   */
  resolved(ts: OracleTicket[], r: { from: number; to: number }): Expected {
    const resolved = ts.filter((t) => {
      const solves = t.solves.filter((s) => s < r.to);
      const last = solves[solves.length - 1];
      const then = statusAt(t, r.to);
      return last !== undefined && last >= r.from && then !== null && RESOLVED(then);
    }).length;
    const unresolved = ts.filter((t) => inRange(t.createdAt, r) && !(statusAt(t, r.to) !== null && RESOLVED(statusAt(t, r.to) as TicketStatus))).length;
    return { value: resolved, n: resolved + unresolved, details: { resolved, unresolved, ratio: unresolved === 0 ? null : resolved / unresolved } };
  },
  /** READING: awaiting = every ticket created in the period without a first response (agent-opened ones with no customer message too). */
  frt(ts: OracleTicket[], r: { from: number; to: number }): Expected {
    const durations: number[] = [];
    let awaiting = 0;
    for (const t of ts.filter((x) => inRange(x.createdAt, r))) {
      const { start, reply } = firstResponse(t);
      if (start === null || reply === null) awaiting += 1;
      else durations.push(reply - start);
    }
    const s = stats(durations);
    return { value: s.median, n: s.n, details: { ...s, awaiting, business: s } };
  },
  response(ts: OracleTicket[], r: { from: number; to: number }): Expected {
    const s = stats(ts.flatMap((t) => t.waits.filter((w) => inRange(w.end, r)).map((w) => w.end - w.start)));
    return { value: s.median, n: s.n, details: { ...s } };
  },
  /**
   * READING: first = first solve - creation for tickets first solved in the
   * period (reopened since or not); full = latest solve - creation for tickets
   * last solved in the period and solved/closed now ("Excluded: unresolved").
   */
  resolution(ts: OracleTicket[], r: { from: number; to: number }): Expected {
    const first = stats(ts.filter((t) => t.solves[0] !== undefined && inRange(t.solves[0], r)).map((t) => (t.solves[0] as number) - t.createdAt));
    const full = stats(ts.filter((t) => RESOLVED(t.status) && inRange(t.solves[t.solves.length - 1] as number, r)).map((t) => (t.solves[t.solves.length - 1] as number) - t.createdAt));
    return { value: full.median, n: full.n, details: { first, full, business: { first, full } } };
  },
  /** READING: replies and reopens are counted over the ticket's whole life ("drops out of FCR when it is reopened"). */
  fcr(ts: OracleTicket[], r: { from: number; to: number }): Expected {
    const solved = ts.filter((t) => t.solves[0] !== undefined && inRange(t.solves[0], r));
    const first = solved.filter((t) => t.humanReplies.length === 1 && t.reopens.length === 0);
    return { value: percentOrNull(first.length, solved.length), n: solved.length, details: { resolved: solved.length, firstContact: first.length } };
  },
  escalations(ts: OracleTicket[], r: { from: number; to: number }): Expected {
    const escalated = ts.filter((t) => t.escalations.length > 0 && inRange(Math.min(...t.escalations), r)).length;
    const created = ts.filter((t) => inRange(t.createdAt, r)).length;
    return { value: escalated, n: escalated, details: { created, rate: percentOrNull(escalated, created) } };
  },
  aht(ts: OracleTicket[], r: { from: number; to: number }): Expected {
    const handled = ts.filter((t) => t.solves[0] !== undefined && inRange(t.solves[0], r) && t.handleReports > 0);
    const total = handled.reduce((sum, t) => sum + t.handleSeconds, 0);
    return { value: handled.length === 0 ? null : total / handled.length, n: handled.length, details: { total, tickets: handled.length } };
  },
};

type OracleMetric = keyof typeof oracle;
const METRICS: readonly OracleMetric[] = ['volume', 'backlog', 'resolved', 'frt', 'response', 'resolution', 'fcr', 'escalations', 'aht'];

function expectedFor(metric: OracleMetric, ts: OracleTicket[]): { current: Expected; previous: Expected } {
  if (metric === 'backlog') {
    // READING: `previous` is the backlog at the previous period's end (report.md: `change` is against previous.value);
    // "Change against the backlog 7 days earlier" is the detail beside it.
    const current = oracle.backlog(ts, PERIOD.to);
    const sevenDaysEarlier = oracle.backlog(ts, PERIOD.to - 7 * DAY).value as number;
    current.details.sevenDaysEarlier = sevenDaysEarlier;
    current.details.changeAgainstSevenDaysEarlier = changeOf(current.value, sevenDaysEarlier);
    return { current, previous: oracle.backlog(ts, PERIOD.previous.to) };
  }
  return { current: oracle[metric](ts, PERIOD), previous: oracle[metric](ts, PERIOD.previous) };
}

function changeOf(value: number | null, previous: number | null): number | null {
  if (value === null || previous === null || previous === 0) return null;
  return (100 * (value - previous)) / Math.abs(previous);
}

function buildOracle(log: readonly LogEvent[]): OracleTicket[] {
  const byTicket = new Map<string, { source: string; events: TicketEvent[] }>();
  for (const { source, event } of log) {
    const key = `${source}\u0000${event.externalTicketId}`;
    const entry = byTicket.get(key) ?? { source, events: [] };
    entry.events.push(event);
    byTicket.set(key, entry);
  }
  return [...byTicket.values()].map(({ source, events }) => replay(source, (events[0] as TicketEvent).externalTicketId, events)).filter((tk) => !tk.deleted);
}

// ---------------------------------------------------------------------------
// The engine

async function openEngine(): Promise<{ testDb: TestDatabase; db: Database; ingest: IngestStore; kpi: KpiStore }> {
  const testDb = await createTestDatabase({ migrated: true });
  const db = openDatabase(testDb.config);
  const ingest = new IngestStore(db, { escalationGroups: [ESCALATION_GROUP], escalationTag: ESCALATION_TAG }, () => NOW);
  return { testDb, db, ingest, kpi: new KpiStore(db) };
}

/** Delivers the log shuffled, per source, in a few deliveries: later deliveries carry earlier events, and some again. */
async function deliver(ingest: IngestStore, log: readonly LogEvent[], rng: Rng): Promise<void> {
  // A tenth of the events delivered a second time (the same id): "sent again changes nothing".
  const shuffled = rng.shuffle([...log, ...log.filter(() => rng.chance(0.1))]);
  const cut = Math.max(1, Math.floor(shuffled.length / 3));
  for (const part of [shuffled.slice(0, cut), shuffled.slice(cut, 2 * cut), shuffled.slice(2 * cut)]) {
    for (const source of ['generic', 'zendesk']) {
      const events = part.filter((e) => e.source === source).map((e) => e.event);
      if (events.length > 0) await ingest.recordEvents(source, events);
    }
  }
}

// ---------------------------------------------------------------------------
// Comparison

const close = (actual: unknown, expected: number | null, label: string) => {
  if (expected === null) expect.soft(actual, label).toBeNull();
  else expect.soft(actual, label).toBeCloseTo(expected, 3);
};

async function compare(metric: OracleMetric, kpi: KpiStore, ts: OracleTicket[], filters: TicketFilters, label: string): Promise<MetricResult> {
  const mine = ts.filter((t) => matches(t, filters));
  const { current, previous } = expectedFor(metric, mine);
  const got = await computeMetric(metric, kpi, PERIOD, filters, NOW);
  const at = `${label} ${metric} ${JSON.stringify(filters)}`;
  close(got.value, current.value, `${at} value`);
  expect.soft(got.n, `${at} n`).toBe(current.n);
  close(got.previous.value, previous.value, `${at} previous.value`);
  expect.soft(got.previous.n, `${at} previous.n`).toBe(previous.n);
  close(got.change, changeOf(current.value, previous.value), `${at} change`);
  // Details are per-metric shapes read field by field below; each read is compared, so loose typing hides nothing.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const d = got.details as Record<string, any>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const e = current.details as Record<string, any>;
  const stat = (actual: Record<string, unknown> | undefined, want: Stats, name: string) => {
    expect.soft(actual?.n, `${at} ${name}.n`).toBe(want.n);
    close(actual?.median, want.median, `${at} ${name}.median`);
    close(actual?.mean, want.mean, `${at} ${name}.mean`);
    close(actual?.p90, want.p90, `${at} ${name}.p90`);
  };
  switch (metric) {
    case 'volume': {
      close(d.perDay, e.perDay, `${at} perDay`);
      close(d.perWeek, e.perWeek, `${at} perWeek`);
      close(d.perMonth, e.perMonth, `${at} perMonth`);
      const channels = Object.fromEntries((d.byChannel as { channel: string | null; n: number }[]).map((c) => [c.channel ?? 'null', c.n]));
      expect.soft(channels, `${at} byChannel`).toEqual(e.byChannel);
      break;
    }
    case 'backlog':
      expect.soft(d.ages, `${at} ages`).toEqual(e.ages);
      if (e.oldest === null) expect.soft(d.oldest ?? null, `${at} oldest`).toBeNull();
      else expect.soft(d.oldest, `${at} oldest`).toMatchObject(e.oldest);
      expect.soft(d.sevenDaysEarlier, `${at} sevenDaysEarlier`).toBe(e.sevenDaysEarlier);
      close(d.changeAgainstSevenDaysEarlier, e.changeAgainstSevenDaysEarlier, `${at} changeAgainstSevenDaysEarlier`);
      break;
    case 'resolved':
      expect.soft(d.resolved, `${at} resolved`).toBe(e.resolved);
      expect.soft(d.unresolved, `${at} unresolved`).toBe(e.unresolved);
      close(d.ratio, e.ratio, `${at} ratio`);
      break;
    case 'frt':
      stat(d, e as unknown as Stats, 'calendar');
      stat(d.business, e.business, 'business');
      expect.soft(d.awaiting, `${at} awaiting`).toBe(e.awaiting);
      break;
    case 'response':
      stat(d, e as unknown as Stats, 'waits');
      break;
    case 'resolution':
      stat(d.first, e.first, 'first');
      stat(d.full, e.full, 'full');
      stat(d.business?.first, e.first, 'business.first');
      stat(d.business?.full, e.full, 'business.full');
      break;
    case 'escalations':
      expect.soft(d.created, `${at} created`).toBe(e.created);
      close(d.rate, e.rate, `${at} rate`);
      break;
    default:
      break;
  }
  return got;
}

// ---------------------------------------------------------------------------
// The smallest logs that still show each difference the seeded runs found.
// Each expectation is the oracle's, and the doc sentence it rests on is quoted.

describe(`shrunk differences on ${TEST_ENGINE}`, () => {
  const open = useTestDatabase({ migrate: true });
  const D0 = PERIOD.from + DAY + 10 * H; // 2026-10-21T10:00Z, inside the period
  const agent = AGENTS[0] as Actor;
  const customer = customerOf('M');
  const load = async (events: LogEvent[]) => {
    const ingest = new IngestStore(open.db, { escalationGroups: [ESCALATION_GROUP], escalationTag: ESCALATION_TAG }, () => NOW);
    await ingest.recordEvents('generic', events.map((e) => e.event));
    return new KpiStore(open.db);
  };
  /** Created by the customer, an automatic (actor `system`) public reply after 1 h, an agent's reply after 3 h, solved after 4 h. */
  const systemReplyLog = () => [
    ev('generic', 'M', 'ticket_created', D0, { status: 'new', priority: 'normal', channel: 'email' }, customer),
    ev('generic', 'M', 'agent_reply', D0 + 1 * H, {}, SYSTEM),
    ev('generic', 'M', 'agent_reply', D0 + 3 * H, {}, agent),
    ev('generic', 'M', 'status_changed', D0 + 4 * H, { status: 'solved' }, agent),
  ];

  // frt "What counts: Public replies by a human agent. Excluded: ... bot and automatic replies".
  it('frt: an automatic reply (actor system) is not the first response', async () => {
    const kpi = await load(systemReplyLog());
    const frt = await computeMetric('frt', kpi, PERIOD, {}, NOW);
    expect({ value: frt.value, n: frt.n }).toEqual({ value: 3 * 3600, n: 1 });
  });

  it('frt: a bot reply is not the first response (the control for the case above)', async () => {
    const kpi = await load(systemReplyLog().map((e) => (e.event.actor?.type === 'system' ? { ...e, event: { ...e.event, actor: BOT } } : e)));
    const frt = await computeMetric('frt', kpi, PERIOD, {}, NOW);
    expect({ value: frt.value, n: frt.n }).toEqual({ value: 3 * 3600, n: 1 });
  });

  // response "ends at the next public agent reply"; "Excluded: Internal notes and bot replies do not end a wait".
  it('response: an automatic reply (actor system) does not end the wait', async () => {
    const kpi = await load(systemReplyLog());
    const response = await computeMetric('response', kpi, PERIOD, {}, NOW);
    expect({ value: response.value, n: response.n }).toEqual({ value: 3 * 3600, n: 1 });
  });

  // fcr "exactly one public agent reply"; "What counts: Public agent replies (bots and notes excluded)".
  it('fcr: an automatic reply (actor system) is not a second agent reply', async () => {
    const kpi = await load(systemReplyLog());
    const fcr = await computeMetric('fcr', kpi, PERIOD, {}, NOW);
    expect({ value: fcr.value, n: fcr.n }).toEqual({ value: 100, n: 1 });
  });

  // volume "A partial day, week or month counts as the fraction of it inside the period ...; a 23- or 25-hour DST day counts as one day."
  it('volume: weeks and months in a period with a 25-hour day count that day as one day', async () => {
    // 2026-10-20..2026-11-08 in Europe/Berlin: 20 local days; Sunday 25 October has 25 hours.
    const berlin: PeriodRange = {
      from: at('2026-10-19T22:00:00Z'), to: at('2026-11-08T23:00:00Z'), timezone: 'Europe/Berlin',
      previous: { from: at('2026-09-29T22:00:00Z'), to: at('2026-10-19T22:00:00Z') },
    };
    const kpi = await load([ev('generic', 'M', 'ticket_created', D0, { status: 'new', channel: 'email' }, customer)]);
    const volume = await computeMetric('volume', kpi, berlin, {}, NOW);
    // Weeks: 6 of the 7 days of 19-25 October, then two whole weeks. Months: 12 of October's 31 days, 8 of November's 30.
    expect({ value: volume.value, perDay: volume.details.perDay }).toEqual({ value: 1, perDay: 1 / 20 });
    expect.soft(volume.details.perWeek, 'perWeek').toBeCloseTo(1 / (6 / 7 + 2), 6);
    expect.soft(volume.details.perMonth, 'perMonth').toBeCloseTo(1 / (12 / 31 + 8 / 30), 6);
  });

  // resolved "Edge cases: A ticket solved by the period's end and reopened after it counts as resolved then, not as unresolved."
  it('resolved: a ticket solved in the period and reopened after its end counts as resolved in it', async () => {
    const kpi = await load([
      ev('generic', 'M', 'ticket_created', D0, { status: 'new' }, customer),
      ev('generic', 'M', 'status_changed', D0 + DAY, { status: 'solved' }, agent),
      ev('generic', 'M', 'reopened', PERIOD.to + DAY, { status: 'open' }, customer),
    ]);
    const resolved = await computeMetric('resolved', kpi, PERIOD, {}, NOW);
    expect({ value: resolved.value, resolved: resolved.details.resolved, unresolved: resolved.details.unresolved }).toEqual({ value: 1, resolved: 1, unresolved: 0 });
  });

  // The same edge case, the ticket solved again after the period. The formula's "latest resolution is in the period"
  // would move it to the later period; the edge case says it "counts as resolved then". The doc contradicts itself:
  // the edge case is the more specific sentence, so it is the one asserted.
  it('resolved: solved in the period, reopened and solved again after it, still counts as resolved in it', async () => {
    const kpi = await load([
      ev('generic', 'M', 'ticket_created', D0, { status: 'new' }, customer),
      ev('generic', 'M', 'status_changed', D0 + DAY, { status: 'solved' }, agent),
      ev('generic', 'M', 'reopened', PERIOD.to + DAY, { status: 'open' }, customer),
      ev('generic', 'M', 'status_changed', PERIOD.to + 2 * DAY, { status: 'solved' }, agent),
    ]);
    const resolved = await computeMetric('resolved', kpi, PERIOD, {}, NOW);
    expect({ value: resolved.value, resolved: resolved.details.resolved, unresolved: resolved.details.unresolved }).toEqual({ value: 1, resolved: 1, unresolved: 0 });
  });
});

const FILTERS: readonly TicketFilters[] = [
  {},
  { team: 'billing' },
  { team: 'iade' },
  { team: 'ÖDEME' },
  { priority: 'urgent' },
  { priority: 'normal' },
  { channel: 'chat' },
  { source: 'zendesk' },
  { agent: 'bob@example.com' },
  { agent: 'ayu lestari' },
  { agent: 'a3' },
  { tag: 'vip' },
  { team: 'Billing', channel: 'email', source: 'generic' },
];

const SEEDS = [1, 2, 3, 4, 5];

describe(`differential: ticket metrics against a doc-written oracle on ${TEST_ENGINE}`, () => {
  for (const seed of SEEDS) {
    describe(`seed ${seed}`, () => {
      let engine: Awaited<ReturnType<typeof openEngine>>;
      let tickets: OracleTicket[];
      beforeAll(async () => {
        engine = await openEngine();
        const log = generateLog(seed);
        tickets = buildOracle(log);
        await deliver(engine.ingest, log, new Rng(seed * 7919));
      });
      afterAll(async () => {
        await engine.db.destroy();
        await engine.testDb.dispose();
      });

      it('the generated log has the shapes the metrics read', () => {
        expect(tickets.length).toBeGreaterThanOrEqual(30);
        expect(tickets.length).toBeLessThanOrEqual(80);
        expect(tickets.some((t) => t.createdAt < PERIOD.previous.from)).toBe(true);
        expect(tickets.some((t) => t.reopens.length > 0)).toBe(true);
        expect(tickets.some((t) => t.createdByAgent)).toBe(true);
      });

      for (const metric of METRICS) {
        it(`${metric}: engine equals oracle, unfiltered and under each filter`, async () => {
          for (const filters of FILTERS) await compare(metric, engine.kpi, tickets, filters, `seed ${seed}`);
        });
      }

      it('volume averages in a time zone with a DST change inside the period (Europe/Berlin)', async () => {
        // 2026-10-20..2026-11-08 local (20 days, 25 October is 25 h long), and the 20 days before.
        const berlin: PeriodRange = {
          from: at('2026-10-19T22:00:00Z'), to: at('2026-11-08T23:00:00Z'), timezone: 'Europe/Berlin',
          previous: { from: at('2026-09-29T22:00:00Z'), to: at('2026-10-19T22:00:00Z') },
        };
        // READING: "a 23- or 25-hour DST day counts as one day": fractions of weeks and months count whole local days.
        // 2026-10-20..31 is 12 of October's 31 days, 1..8 November 8 of 30; the previous period 1 of September's 30 and 19 of October's 31.
        const months = { current: 12 / 31 + 8 / 30, previous: 1 / 30 + 19 / 31 };
        for (const filters of [{}, { channel: 'email' }] as TicketFilters[]) {
          const mine = tickets.filter((t) => matches(t, filters));
          const count = (r: { from: number; to: number }) => mine.filter((t) => inRange(t.createdAt, r)).length;
          const got = await computeMetric('volume', engine.kpi, berlin, filters, NOW);
          const label = `seed ${seed} volume Europe/Berlin ${JSON.stringify(filters)}`;
          expect.soft(got.value, `${label} value`).toBe(count(berlin));
          expect.soft(got.previous.value, `${label} previous`).toBe(count(berlin.previous));
          close(got.details.perDay, count(berlin) / 20, `${label} perDay`);
          close(got.details.perWeek, count(berlin) / (20 / 7), `${label} perWeek`);
          close(got.details.perMonth, count(berlin) / months.current, `${label} perMonth`);
        }
      });

      it('summary headlines equal each metric of their own and the oracle', async () => {
        for (const filters of [{}, { team: 'billing' }, { agent: 'bob@example.com' }] as TicketFilters[]) {
          const { metrics } = await computeSummary(engine.kpi, PERIOD, filters, NOW);
          const mine = tickets.filter((t) => matches(t, filters));
          expect(metrics.map((m) => m.metric)).toEqual(['volume', 'backlog', 'frt', 'resolution', 'overdue', 'escalations', 'csat', 'fcr']);
          for (const id of ['volume', 'backlog', 'frt', 'resolution', 'overdue', 'escalations', 'csat', 'fcr'] as const) {
            const line = metrics.find((m) => m.metric === id);
            const own = await computeMetric(id, engine.kpi, PERIOD, filters, NOW);
            const label = `seed ${seed} summary ${id} ${JSON.stringify(filters)}`;
            expect.soft(line?.value, `${label} value vs own`).toEqual(own.value);
            expect.soft(line?.n, `${label} n vs own`).toEqual(own.n);
            expect.soft(line?.previous, `${label} previous vs own`).toEqual(own.previous);
            expect.soft(line?.change, `${label} change vs own`).toEqual(own.change);
            if (id === 'overdue' || id === 'csat') continue; // no SLA policies, no ratings: only "equals its own metric" applies
            const { current, previous } = expectedFor(id, mine);
            close(line?.value, current.value, `${label} value vs oracle`);
            close(line?.previous.value, previous.value, `${label} previous vs oracle`);
          }
        }
      });
    });
  }
});
