/**
 * A seeded differential test: an independent oracle, written from docs/metrics.md, docs/sources/generic.md,
 * docs/report.md and docs/alerts.md (eNPS pulse) alone, computes the survey, customer and agent metrics
 * straight from the events it generated; the engine computes them from the database. Both must agree.
 *
 * Readings chosen where the docs leave room:
 * - A period is [from, to). A customer's state "at an instant" is their latest event strictly before it.
 * - "The latest answer per ticket" (CSAT) is the ticket's latest answer of that kind overall (a later rating
 *   replaces the earlier one, docs/sources/*), counted in the period it was given. The same for NPS and CES.
 * - Ticket filters use the ticket's current team, assignee, channel and tags; answers about no ticket drop out.
 * - agents.solved = the `resolved` metric for that agent: tickets solved in the period and still solved at its end.
 * - Sorting: counts and rates highest first, durations lowest first, no-data cells last, then by name.
 * - trend: unknown when either value is null, same when equal, else better/worse by the metric's direction.
 * - The agents table has no row for an agent whose every cell is empty (nothing solved, answered, handled, open or overdue).
 * - An outbound ticket's first response is the first human agent reply at or after the customer's first message.
 * - eNPS clicked in Slack: "its time rounded to the hour" is read as cut down to the hour.
 * - Solved then closed is avoided (one resolution or two?); so are two answers about no ticket from one customer.
 *
 * It found two faults, each now a test of its own: the agents table credited a rating to the ticket's
 * assignee when rated rather than its current one, and counted "solved" by first solve.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/store/database.js';
import { IngestStore } from '../../src/store/ingest-store.js';
import { KpiStore, type TicketFilters } from '../../src/store/kpi-store.js';
import { EnpsStore } from '../../src/store/enps-store.js';
import { AGENT_COLUMNS, computeAgents, computeMetric, computeSummary, type AgentColumn, type MetricResult, type PeriodRange } from '../../src/kpi/metrics.js';
import { METRICS_WITHOUT_TICKET_FILTERS, UNFILTERABLE_COUNTS } from '../../src/kpi/definitions.js';
import { parseKpiCommand } from '../../src/slack/command.js';
import { reportCommand } from '../../src/cli-report.js';
import { parseConfig } from '../../src/config.js';
import { UsageError } from '../../src/errors.js';
import type { Actor, CustomerEvent, NormalizedEvent, Rating, SelfServiceEvent, SurveyEvent, TicketEvent, TicketEventData, TicketEventType, TicketStatus } from '../../src/ingest/events.js';
import { createTestDatabase, TEST_ENGINE, clearIngestedData, type TestDatabase } from '../helpers/databases.js';
import { Rng as SeededRng } from '../helpers/random.js';

// ---------------------------------------------------------------------------------------------------------
// Time and randomness: fixed instants, a seeded PRNG.
// ---------------------------------------------------------------------------------------------------------
const SEC = 1000;
const MIN = 60 * SEC;
const H = 60 * MIN;
const DAY = 24 * H;
const S = Date.parse('2026-10-01T00:00:00Z');


class Rng extends SeededRng {
  float(): number {
    return this.next();
  }
  /** A whole-second instant in [lo, hi). */
  time(lo: number, hi: number): number {
    return Math.floor((lo + this.next() * (hi - lo)) / SEC) * SEC;
  }
  /** A duration in whole seconds, skewed short, from lo to hi ms. */
  duration(lo: number, hi: number): number {
    return Math.floor((lo + this.next() ** 2 * (hi - lo)) / SEC) * SEC;
  }
}

// ---------------------------------------------------------------------------------------------------------
// The world the generator draws from.
// ---------------------------------------------------------------------------------------------------------
interface Agent { readonly id: string; readonly email: string; readonly name: string }
const AGENTS: readonly Agent[] = [
  { id: 'ag1', email: 'ayu@example.com', name: 'Ayu' },
  { id: 'ag2', email: 'bob@example.com', name: 'Bob' },
  { id: 'ag3', email: 'cem@example.com', name: 'Cem' },
  { id: 'ag4', email: 'dewi@example.com', name: 'Dewi' },
  { id: 'ag5', email: 'eko@example.com', name: 'Eko' },
];
const agentActor = (agent: Agent): Actor => ({ type: 'agent', id: agent.id, email: agent.email, name: agent.name });
const BOT: Actor = { type: 'bot', id: 'bot1' };
const TEAMS = ['Billing', 'Sales', 'Support'] as const;
const CHANNELS = ['email', 'chat', 'phone'] as const;
const PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
const TAGS = ['refund', 'vip', 'bug', 'howto'] as const;

/** A batch is one recordEvents call; later batches are ingested after earlier ones. */
interface Dataset {
  readonly batches: NormalizedEvent[][];
  /** Self-service re-sends, delivered after every batch (the state a later delivery sets). */
  readonly lateBatch: NormalizedEvent[];
  /** eNPS answers clicked in Slack: their instant (ms) and score. */
  readonly slackEnps: { at: number; user: string; score: number }[];
}

interface Scenario {
  readonly name: string;
  readonly seed: number;
  readonly period: PeriodRange;
  readonly now: number;
}

const ENDED: Omit<Scenario, 'name' | 'seed'> = {
  period: { from: S, to: S + 30 * DAY, timezone: 'UTC', previous: { from: S - 30 * DAY, to: S } },
  now: S + 33 * DAY,
};
const RUNNING: Omit<Scenario, 'name' | 'seed'> = {
  period: { from: S, to: S + 20 * DAY + 7 * H, timezone: 'UTC', previous: { from: S - 20 * DAY - 7 * H, to: S } },
  now: S + 20 * DAY + 7 * H,
};

// ---------------------------------------------------------------------------------------------------------
// The generator.
// ---------------------------------------------------------------------------------------------------------
interface GenOptions {
  readonly tickets: number;
  readonly customers: number;
  readonly surveys: number;
  readonly sessions: number;
  readonly slackEnps: number;
}

function generate(seed: number, now: number, boundaries: readonly number[], options: GenOptions): Dataset {
  const rng = new Rng(seed);
  const first = S - 70 * DAY;
  const events: NormalizedEvent[] = [];
  const resent: NormalizedEvent[] = [];
  const late: NormalizedEvent[] = [];
  let key = 0;
  const nextKey = (prefix: string) => `${prefix}-${seed}-${key++}`;
  const customers = Array.from({ length: options.customers }, (_, i) => `cu${i}`);

  for (let i = 0; i < options.tickets; i += 1) {
    const id = `T${seed}-${i}`;
    const ticketEvents: TicketEvent[] = [];
    const push = (type: TicketEventType, at: number, data: TicketEventData = {}, actor?: Actor) => {
      if (at >= now) return false;
      ticketEvents.push({ kind: 'ticket', type, externalTicketId: id, occurredAt: at, data, ...(actor === undefined ? {} : { actor }), dedupeKey: nextKey('t') });
      return true;
    };
    const created = rng.time(first, now - H);
    const byAgent = rng.chance(0.15);
    const assignee = rng.chance(0.9) ? rng.pick(AGENTS) : null;
    const opener = assignee ?? rng.pick(AGENTS);
    const tags = TAGS.filter(() => rng.chance(0.35));
    const withDue = !byAgent && rng.chance(0.45);
    push('ticket_created', created, {
      status: 'new', priority: rng.pick(PRIORITIES), channel: rng.pick(CHANNELS), team: rng.pick(TEAMS),
      assignee: assignee === null ? null : agentActor(assignee), tags: [...tags], requesterId: rng.pick(customers),
      ...(byAgent ? { createdByAgent: true } : {}),
      ...(withDue ? { firstResponseDueAt: created + rng.duration(30 * MIN, 2 * DAY), resolutionDueAt: created + rng.duration(6 * H, 12 * DAY) } : {}),
    }, byAgent ? agentActor(opener) : { type: 'customer', id: 'cust' });
    let t = created;
    if (byAgent) {
      if (!rng.chance(0.85)) {
        // An outbound ticket the customer never answered: no start, so no first response.
      } else {
        t += rng.duration(10 * MIN, 2 * DAY);
        push('customer_message', t, {}, { type: 'customer', id: 'cust' });
      }
    }
    if (rng.chance(0.3)) push('internal_note', (t += rng.duration(MIN, 3 * H)), {}, agentActor(rng.pick(AGENTS)));
    if (rng.chance(0.3)) push('agent_reply', (t += rng.duration(MIN, 3 * H)), {}, BOT);
    const canReply = !byAgent || ticketEvents.some((e) => e.type === 'customer_message');
    const replier = () => agentActor(assignee !== null && rng.chance(0.8) ? assignee : rng.pick(AGENTS));
    let replied = false;
    if (canReply && rng.chance(0.85)) {
      replied = push('agent_reply', (t += rng.duration(MIN, 3 * DAY)), {}, replier());
      if (rng.chance(0.35)) {
        push('customer_message', (t += rng.duration(MIN, DAY)), {}, { type: 'customer', id: 'cust' });
        push('agent_reply', (t += rng.duration(MIN, 2 * DAY)), {}, replier());
      }
    }
    let solvedOnce = false;
    if (rng.chance(replied ? 0.75 : 0.3)) {
      solvedOnce = push('status_changed', (t += rng.duration(10 * MIN, 5 * DAY)), { status: rng.chance(0.8) ? 'solved' : 'closed' });
      if (solvedOnce && rng.chance(0.3)) {
        t += rng.duration(H, 6 * DAY);
        if (rng.chance(0.5)) push('reopened', t, { status: 'open' }, { type: 'customer', id: 'cust' });
        else push('status_changed', t, { status: 'open' });
        if (rng.chance(0.6)) {
          if (rng.chance(0.7)) push('agent_reply', (t += rng.duration(MIN, DAY)), {}, replier());
          push('status_changed', (t += rng.duration(10 * MIN, 4 * DAY)), { status: 'solved' });
        }
      }
    }
    const last = t;
    // Handle time: several reports add up, some after a reopening.
    for (let k = rng.int(0, 3); k > 0; k -= 1) push('handle_time', rng.time(created, last + DAY), { seconds: rng.int(30, 5000) });
    // Current attributes change.
    if (rng.chance(0.2)) {
      const other = rng.chance(0.2) ? null : rng.pick(AGENTS);
      push('assignee_changed', rng.time(created, last + 3 * DAY), { assignee: other === null ? null : agentActor(other) });
    }
    if (rng.chance(0.15)) push('team_changed', rng.time(created, last + 3 * DAY), { team: rng.pick(TEAMS) });
    if (rng.chance(0.2)) push('tags_changed', rng.time(created, last + 3 * DAY), { tags: TAGS.filter(() => rng.chance(0.35)) });
    if (rng.chance(0.1)) push('escalated', rng.time(created, last + DAY), {});
    // Ratings: CSAT on both scales, some re-rated; NPS and CES about a ticket.
    if (solvedOnce && rng.chance(0.7)) {
      const at = t + rng.duration(H, 3 * DAY);
      const csatRating = (): Rating => (rng.chance(0.7) ? { kind: 'csat', scale: '1-5', score: rng.int(1, 5) } : { kind: 'csat', scale: 'good-bad', score: rng.int(0, 1) });
      push('rating', at, { rating: csatRating() }, { type: 'customer', id: 'cust' });
      if (rng.chance(0.3)) push('rating', at + rng.duration(H, 25 * DAY), { rating: csatRating() }, { type: 'customer', id: 'cust' });
    }
    // NPS and CES about a ticket, some answered again (the later answer replaces the earlier one).
    for (let k = rng.chance(0.25) ? rng.int(1, 2) : 0; k > 0; k -= 1) push('rating', rng.time(created, last + 15 * DAY), { rating: { kind: 'nps', scale: '0-10', score: rng.int(0, 10) } });
    for (let k = rng.chance(0.25) ? rng.int(1, 2) : 0; k > 0; k -= 1) push('rating', rng.time(created, last + 15 * DAY), { rating: { kind: 'ces', scale: '1-7', score: rng.int(1, 7) } });
    events.push(...ticketEvents);
    // The same event delivered again changes nothing.
    if (rng.chance(0.1)) resent.push(rng.pick(ticketEvents));
  }

  // Customers: sign-ups, purchases, churns, returns; some re-sent; a churn and a purchase at one instant.
  customers.forEach((customer, i) => {
    const push = (type: CustomerEvent['type'], at: number, dedupeKey = nextKey('c')) => {
      if (at >= now) return;
      const event: CustomerEvent = { kind: 'customer', type, customerId: customer, occurredAt: at, dedupeKey };
      events.push(event);
      if (type === 'purchase' && rng.chance(0.15)) resent.push(event);
    };
    let t = rng.time(S - 150 * DAY, S + 10 * DAY);
    push(rng.chance(0.8) ? 'became_customer' : 'purchase', t);
    // A few customers with an event exactly on a period boundary.
    if (i < boundaries.length * 2) push(rng.pick(['churned', 'purchase', 'became_customer', 'reactivated'] as const), boundaries[i % boundaries.length] as number);
    for (;;) {
      t += rng.duration(12 * H, 30 * DAY);
      if (t >= now) break;
      const roll = rng.float();
      if (roll < 0.6) push('purchase', t);
      else if (roll < 0.78) push('churned', t);
      else if (roll < 0.9) push('reactivated', t);
      else if (roll < 0.95) push('became_customer', t);
      else {
        push('purchase', t);
        push('churned', t);
      }
    }
  });

  // Survey answers about no ticket (relationship NPS, CSAT surveys, CES, eNPS pulses from a survey tool).
  for (let i = 0; i < options.surveys; i += 1) {
    const kind = rng.pick(['csat', 'csat', 'nps', 'nps', 'ces', 'enps'] as const);
    const rating: Rating = kind === 'csat' ? (rng.chance(0.5) ? { kind, scale: '1-5', score: rng.int(1, 5) } : { kind, scale: 'good-bad', score: rng.int(0, 1) })
      : kind === 'ces' ? { kind, scale: '1-7', score: rng.int(1, 7) } : { kind, scale: '0-10', score: rng.int(0, 10) };
    const event: SurveyEvent = {
      kind: 'survey', rating, occurredAt: rng.time(first, now), dedupeKey: nextKey('s'),
      ...(kind === 'enps' ? { surveyId: `pulse-${rng.int(1, 3)}` } : { customerId: rng.pick(customers), surveyId: `survey-${i}` }),
    };
    events.push(event);
  }

  // Self-service sessions: resolved or not; some re-sent later as having led to a ticket.
  for (let i = 0; i < options.sessions; i += 1) {
    const sessionId = `ss${seed}-${i}`;
    const startedAt = rng.time(first, now);
    const resolved = rng.chance(0.6);
    const session: SelfServiceEvent = { kind: 'self_service', sessionId, startedAt, resolvedWithoutTicket: resolved, dedupeKey: nextKey('ss'), ...(resolved ? {} : { externalTicketId: `T${seed}-${rng.int(0, options.tickets - 1)}` }) };
    events.push(session);
    if (rng.chance(0.1)) resent.push(session);
    if (resolved && rng.chance(0.2)) late.push({ kind: 'self_service', sessionId, startedAt, resolvedWithoutTicket: false, externalTicketId: `T${seed}-${rng.int(0, options.tickets - 1)}`, dedupeKey: nextKey('ss') });
  }

  // eNPS clicked in Slack, kept at least an hour from any period boundary (their time is kept to the hour).
  const slackEnps: Dataset['slackEnps'] = [];
  for (let i = 0; i < options.slackEnps; i += 1) {
    let at = rng.time(first, now);
    while (boundaries.some((b) => Math.abs(at - b) < 2 * H) || at >= now - 2 * H) at = rng.time(first, now);
    slackEnps.push({ at, user: `U${seed}x${i}`, score: rng.int(0, 10) });
  }

  // eNPS pulses from a survey tool: waves of 3 to 8 answers over two days from a random start (those under 5 count
  // nowhere), and answers sent with no survey id (a wave per UTC month). Drawn last, so the data above stays as it was.
  for (let w = 0; w < 7; w += 1) {
    const start = rng.time(first, now - 3 * DAY);
    const count = rng.int(3, 8);
    for (let k = 0; k < count; k += 1) {
      events.push({ kind: 'survey', rating: { kind: 'enps', scale: '0-10', score: rng.int(0, 10) }, occurredAt: start + rng.int(0, 2 * DAY), dedupeKey: nextKey('w'), ...(w === 6 ? {} : { surveyId: `wave-${w}` }) });
    }
  }

  // Out of order: shuffle everything, deliver in several batches, re-sends among them.
  const all = rng.shuffle([...events, ...resent]);
  const batches: NormalizedEvent[][] = [];
  const size = Math.ceil(all.length / 5);
  for (let i = 0; i < all.length; i += size) batches.push(all.slice(i, i + size));
  return { batches, lateBatch: late, slackEnps };
}

// ---------------------------------------------------------------------------------------------------------
// The oracle: plain replays of the event list, from the docs.
// ---------------------------------------------------------------------------------------------------------
interface Range { readonly from: number; readonly to: number }
const inRange = (t: number | undefined, r: Range): t is number => t !== undefined && t >= r.from && t < r.to;
const isResolved = (status: TicketStatus | undefined) => status === 'solved' || status === 'closed';
const isOpen = (status: TicketStatus | undefined) => status === 'new' || status === 'open' || status === 'pending' || status === 'on-hold';

interface TicketFacts {
  id: string;
  created?: number;
  byAgent: boolean;
  status?: TicketStatus;
  team?: string | null;
  channel?: string;
  tags: string[];
  assignee: Actor | null;
  solves: number[];
  reopens: number[];
  replies: number[];
  customerMessages: number[];
  ratings: { at: number; rating: Rating }[];
  handleSeconds: number;
  hasHandle: boolean;
  firstResponseDueAt?: number;
  resolutionDueAt?: number;
}

class Oracle {
  readonly tickets: TicketFacts[];
  readonly surveys: SurveyEvent[];
  readonly customerEvents: CustomerEvent[];
  readonly sessions: Map<string, SelfServiceEvent>;
  /** eNPS answers with their wave: one Slack pulse, or a generic answer's survey id (each per source). */
  readonly enps: { at: number; score: number; wave: string }[];

  constructor(data: Dataset) {
    // Deliveries: the same event id twice counts once.
    const seen = new Set<string>();
    const unique: NormalizedEvent[] = [];
    for (const event of [...data.batches.flat(), ...data.lateBatch]) {
      if (seen.has(event.dedupeKey)) continue;
      seen.add(event.dedupeKey);
      unique.push(event);
    }
    const byTicket = new Map<string, TicketEvent[]>();
    for (const event of unique) if (event.kind === 'ticket') byTicket.set(event.externalTicketId, [...(byTicket.get(event.externalTicketId) ?? []), event]);
    // Events are applied in the order of their own occurred_at.
    this.tickets = [...byTicket.entries()].map(([id, list]) => replay(id, [...list].sort((a, b) => a.occurredAt - b.occurredAt)));
    this.surveys = unique.filter((e): e is SurveyEvent => e.kind === 'survey');
    this.customerEvents = unique.filter((e): e is CustomerEvent => e.kind === 'customer');
    // A session's state is the one its latest delivery set.
    this.sessions = new Map();
    for (const event of unique) if (event.kind === 'self_service') this.sessions.set(event.sessionId, event);
    // Slack eNPS answers: "its time rounded to the hour" (kept far from boundaries, so floor or nearest agree).
    this.enps = [
      ...data.slackEnps.map((a) => ({ at: Math.floor(a.at / H) * H, score: a.score, wave: 'slack pulse' })),
      ...this.surveys.filter((s) => s.rating.kind === 'enps').map((s) => ({ at: s.occurredAt, score: s.rating.score, wave: `generic ${s.surveyId ?? `month ${new Date(s.occurredAt).toISOString().slice(0, 7)}`}` })),
    ];
  }

  static matches(ticket: TicketFacts, filters: TicketFilters): boolean {
    const norm = (s: string | null | undefined) => (s ?? '').trim().toLowerCase();
    if (filters.team !== undefined && norm(ticket.team) !== norm(filters.team)) return false;
    if (filters.channel !== undefined && ticket.channel !== filters.channel) return false;
    if (filters.tag !== undefined && !ticket.tags.includes(filters.tag)) return false;
    if (filters.agent !== undefined) {
      const a = ticket.assignee;
      if (a === null || ![a.email, a.id, a.name].some((v) => v !== undefined && norm(v) === norm(filters.agent))) return false;
    }
    return true;
  }

  /** The ticket's latest answer of a kind (a later rating replaces the earlier one). */
  static latest(ticket: TicketFacts, kind: Rating['kind']): { at: number; rating: Rating } | undefined {
    const mine = ticket.ratings.filter((r) => r.rating.kind === kind);
    return mine.length === 0 ? undefined : mine.reduce((a, b) => (b.at > a.at ? b : a));
  }

  /** Answers of a kind given in r: the latest per ticket of the filtered tickets, and (without filters) those about no ticket. */
  answers(kind: Rating['kind'], r: Range, filters: TicketFilters): Rating[] {
    const out: Rating[] = [];
    for (const ticket of this.tickets) {
      if (!Oracle.matches(ticket, filters)) continue;
      const latest = Oracle.latest(ticket, kind);
      if (latest !== undefined && inRange(latest.at, r)) out.push(latest.rating);
    }
    if (Object.keys(filters).length === 0) for (const s of this.surveys) if (s.rating.kind === kind && inRange(s.occurredAt, r)) out.push(s.rating);
    return out;
  }

  csat(r: Range, filters: TicketFilters): Measure {
    const answers = this.answers('csat', r, filters);
    const satisfied = answers.filter((a) => (a.scale === 'good-bad' ? a.score === 1 : a.score >= 4)).length;
    return { value: pct(satisfied, answers.length), n: answers.length, details: { satisfied, answers: answers.length } };
  }

  nps(r: Range, filters: TicketFilters): Measure {
    return npsOf(this.answers('nps', r, filters).map((a) => a.score));
  }

  ces(r: Range, filters: TicketFilters): Measure {
    const scores = this.answers('ces', r, filters).map((a) => a.score);
    const n = scores.length;
    return { value: n === 0 ? null : scores.reduce((a, b) => a + b, 0) / n, n, details: { easyShare: pct(scores.filter((s) => s >= 5).length, n) } };
  }

  /**
   * "Waves that started in the period, all their answers; a wave of fewer than 5 counts nowhere": a wave starts at its
   * first answer, whenever that was.
   */
  enpsOf(r: Range): Measure {
    const waves = new Map<string, { at: number; score: number }[]>();
    for (const answer of this.enps) waves.set(answer.wave, [...(waves.get(answer.wave) ?? []), answer]);
    const counted = [...waves.values()].filter((answers) => answers.length >= 5 && inRange(Math.min(...answers.map((a) => a.at)), r));
    const scores = counted.flat().map((a) => a.score);
    const nps = npsOf(scores);
    // Shown only from 5 answers.
    return scores.length < 5 ? { value: null, n: scores.length, details: { hidden: true } } : nps;
  }

  /** Is the customer one at the instant: their latest event before it (a churn wins a tie) is not a churn. */
  isCustomerAt(customer: string, instant: number): boolean {
    const before = this.customerEvents.filter((e) => e.customerId === customer && e.occurredAt < instant);
    if (before.length === 0) return false;
    const latestAt = Math.max(...before.map((e) => e.occurredAt));
    return !before.some((e) => e.occurredAt === latestAt && e.type === 'churned');
  }

  churn(r: Range): Measure {
    const customers = [...new Set(this.customerEvents.map((e) => e.customerId))];
    const atStart = customers.filter((c) => this.isCustomerAt(c, r.from));
    const lost = atStart.filter((c) => !this.isCustomerAt(c, r.to)).length;
    return { value: pct(lost, atStart.length), n: atStart.length, details: { atStart: atStart.length, lost } };
  }

  repeat(r: Range): Measure {
    const counts = new Map<string, number>();
    for (const e of this.customerEvents) if (e.type === 'purchase' && inRange(e.occurredAt, r)) counts.set(e.customerId, (counts.get(e.customerId) ?? 0) + 1);
    const buyers = counts.size;
    const repeatBuyers = [...counts.values()].filter((n) => n >= 2).length;
    return { value: pct(repeatBuyers, buyers), n: buyers, details: { buyers, repeatBuyers } };
  }

  selfservice(r: Range): Measure {
    const resolvedSessions = [...this.sessions.values()].filter((s) => s.resolvedWithoutTicket && inRange(s.startedAt, r)).length;
    const ticketsCreated = this.tickets.filter((t) => inRange(t.created, r)).length;
    return { value: pct(resolvedSessions, resolvedSessions + ticketsCreated), n: resolvedSessions + ticketsCreated, details: { resolvedSessions, ticketsCreated } };
  }

  /** First response: first public human reply at or after the start (creation, or the customer's first message for outbound tickets). */
  static frt(t: TicketFacts): number | undefined {
    const start = t.byAgent ? t.customerMessages[0] : t.created;
    if (start === undefined) return undefined;
    const reply = t.replies.find((at) => at >= start);
    return reply === undefined ? undefined : (reply - start) / SEC;
  }

  agents(r: Range, filters: TicketFilters, now: number): OracleAgentRow[] {
    const tickets = this.tickets.filter((t) => t.assignee !== null && Oracle.matches(t, filters));
    const emails = [...new Set(tickets.map((t) => t.assignee?.email as string))];
    const rows = emails.map((email): OracleAgentRow => {
      const agent = AGENTS.find((a) => a.email === email) as Agent;
      const mine = tickets.filter((t) => t.assignee?.email === email);
      const lastSolve = (t: TicketFacts) => t.solves[t.solves.length - 1];
      // Solved in the range and still solved at its end: the last solve before the end is in the range, no reopening after it.
      const solvedAtEnd = (t: TicketFacts) => {
        const solve = t.solves.filter((at) => at < r.to).pop();
        return solve !== undefined && solve >= r.from && !t.reopens.some((at) => at >= solve && at < r.to);
      };
      const solved = mine.filter(solvedAtEnd).length;
      const frts = mine.filter((t) => inRange(t.created, r)).map(Oracle.frt).filter((v): v is number => v !== undefined);
      const resolutions = mine.filter((t) => isResolved(t.status) && inRange(lastSolve(t), r)).map((t) => ((lastSolve(t) as number) - (t.created as number)) / SEC);
      const csat = this.csat(r, { ...filters, agent: email });
      const firstSolved = mine.filter((t) => inRange(t.solves[0], r));
      const firstContact = firstSolved.filter((t) => t.replies.length === 1 && t.reopens.length === 0).length;
      const handled = firstSolved.filter((t) => t.hasHandle);
      const open = mine.filter((t) => isOpen(t.status));
      const overdue = open.filter((t) => (t.firstResponseDueAt !== undefined && t.firstResponseDueAt < now && !t.replies.some((at) => at < now)) || (t.resolutionDueAt !== undefined && t.resolutionDueAt < now));
      return {
        name: agent.name, email, solved, frtMedian: median(frts), resolutionMedian: median(resolutions), csat: csat.value, csatAnswers: csat.n,
        fcr: pct(firstContact, firstSolved.length), aht: handled.length === 0 ? null : handled.reduce((sum, t) => sum + t.handleSeconds, 0) / handled.length,
        openAssigned: open.length, overdue: overdue.length,
      };
    });
    // Reading: an agent whose every cell is empty (nothing solved, answered, handled, open or overdue) has no row.
    return rows.filter((row) => hasData(row, AGENT_COLUMNS));
  }
}

interface Measure { value: number | null; n: number; details: Record<string, unknown> }
type OracleAgentRow = { name: string; email: string } & Record<AgentColumn | 'csatAnswers', number | null>;

function replay(id: string, list: readonly TicketEvent[]): TicketFacts {
  const t: TicketFacts = { id, byAgent: false, tags: [], assignee: null, solves: [], reopens: [], replies: [], customerMessages: [], ratings: [], handleSeconds: 0, hasHandle: false };
  for (const e of list) {
    const d = e.data;
    if (e.type === 'ticket_created') {
      t.created = e.occurredAt;
      t.byAgent = d.createdByAgent === true;
    }
    if (d.status !== undefined) {
      if (!isResolved(t.status) && isResolved(d.status)) t.solves.push(e.occurredAt);
      if (isResolved(t.status) && !isResolved(d.status)) t.reopens.push(e.occurredAt);
      t.status = d.status;
    }
    if (d.team !== undefined) t.team = d.team;
    if (d.channel !== undefined) t.channel = d.channel;
    if (d.tags !== undefined) t.tags = [...d.tags];
    if (d.assignee !== undefined) t.assignee = d.assignee;
    if (d.firstResponseDueAt !== undefined) t.firstResponseDueAt = d.firstResponseDueAt ?? undefined;
    if (d.resolutionDueAt !== undefined) t.resolutionDueAt = d.resolutionDueAt ?? undefined;
    if (e.type === 'agent_reply' && e.actor?.type === 'agent') t.replies.push(e.occurredAt);
    if (e.type === 'customer_message') t.customerMessages.push(e.occurredAt);
    if (e.type === 'rating' && d.rating !== undefined) t.ratings.push({ at: e.occurredAt, rating: d.rating });
    if (e.type === 'handle_time' && d.seconds !== undefined) {
      t.handleSeconds += d.seconds;
      t.hasHandle = true;
    }
  }
  return t;
}

const COUNT_COLUMNS = ['solved', 'csatAnswers', 'openAssigned', 'overdue'];
/** Whether any of the columns holds something: a count above 0, or a value (a CSAT of 0 is a value). */
function hasData(row: Record<string, unknown>, columns: readonly string[]): boolean {
  return columns.some((column) => (COUNT_COLUMNS.includes(column) ? (row[column] as number) > 0 : row[column] !== null && row[column] !== undefined));
}

function pct(part: number, whole: number): number | null {
  return whole === 0 ? null : (part / whole) * 100;
}

function npsOf(scores: readonly number[]): Measure {
  const promoters = scores.filter((s) => s >= 9).length;
  const detractors = scores.filter((s) => s <= 6).length;
  const passives = scores.length - promoters - detractors;
  return { value: scores.length === 0 ? null : ((promoters - detractors) / scores.length) * 100, n: scores.length, details: { promoters, passives, detractors } };
}

/** Linear interpolation between the closest ranks, as percentile_cont. */
function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const h = 0.5 * (sorted.length - 1);
  const lo = sorted[Math.floor(h)] as number;
  const hi = sorted[Math.ceil(h)] as number;
  return lo + (h - Math.floor(h)) * (hi - lo);
}

function changeOf(current: number | null, previous: number | null): number | null {
  if (current === null || previous === null || previous === 0) return null;
  return ((current - previous) / Math.abs(previous)) * 100;
}

function trendOf(current: number | null, previous: number | null, higherIsBetter: boolean): string {
  if (current === null || previous === null) return 'unknown';
  if (Math.abs(current - previous) < 1e-9) return 'same';
  return current > previous === higherIsBetter ? 'better' : 'worse';
}

/** Numbers compared to 1e-6, so 100/3 computed two ways agree. */
function rounded(value: unknown): unknown {
  if (typeof value === 'number') return Math.round(value * 1e6) / 1e6;
  if (Array.isArray(value)) return value.map(rounded);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rounded(v)]));
  return value;
}

type SurveyMetric = 'csat' | 'nps' | 'ces' | 'enps' | 'churn' | 'repeat' | 'selfservice';
const HIGHER_IS_BETTER: Record<SurveyMetric, boolean> = { csat: true, nps: true, ces: true, enps: true, churn: false, repeat: true, selfservice: true };
const TICKET_FILTERED: readonly SurveyMetric[] = ['csat', 'nps', 'ces'];
/** The columns whose definitions the docs settle; solved and CSAT have tests of their own. */
const OTHER_COLUMNS: readonly AgentColumn[] = ['frtMedian', 'resolutionMedian', 'fcr', 'aht', 'openAssigned', 'overdue'];

function expectedResult(oracle: Oracle, metric: SurveyMetric, period: PeriodRange, filters: TicketFilters) {
  const measure = (r: Range): Measure => {
    switch (metric) {
      case 'csat': return oracle.csat(r, filters);
      case 'nps': return oracle.nps(r, filters);
      case 'ces': return oracle.ces(r, filters);
      case 'enps': return oracle.enpsOf(r);
      case 'churn': return oracle.churn(r);
      case 'repeat': return oracle.repeat(r);
      case 'selfservice': return oracle.selfservice(r);
    }
  };
  const current = measure(period);
  const previous = measure(period.previous);
  return {
    value: current.value, n: current.n, previous: { value: previous.value, n: previous.n },
    change: changeOf(current.value, previous.value), trend: trendOf(current.value, previous.value, HIGHER_IS_BETTER[metric]), details: current.details,
  };
}

const pickShape = (result: MetricResult) => ({ value: result.value, n: result.n, previous: result.previous, change: result.change, trend: result.trend, details: result.details });

/** Sorted as the chosen reading: counts and rates highest first, durations lowest first, no data last, then by name. */
function sortRows(rows: OracleAgentRow[], column: AgentColumn): OracleAgentRow[] {
  const lowerFirst = column === 'frtMedian' || column === 'resolutionMedian' || column === 'aht';
  return [...rows].sort((a, b) => {
    const x = a[column];
    const y = b[column];
    if (x === null && y !== null) return 1;
    if (y === null && x !== null) return -1;
    if (x !== null && y !== null && Math.abs(x - y) > 1e-9) return lowerFirst ? x - y : y - x;
    return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
  });
}

// ---------------------------------------------------------------------------------------------------------
// The tests.
// ---------------------------------------------------------------------------------------------------------
const SCENARIOS: readonly Scenario[] = [
  { name: 'seed 11, a 30-day period that has ended', seed: 11, ...ENDED },
  { name: 'seed 23, a 30-day period that has ended', seed: 23, ...ENDED },
  { name: 'seed 37, a period running to now', seed: 37, ...RUNNING },
  { name: 'seed 41, a 30-day period that has ended', seed: 41, ...ENDED },
];
const OPTIONS: GenOptions = { tickets: 90, customers: 40, surveys: 70, sessions: 40, slackEnps: 14 };

const FILTERS: readonly TicketFilters[] = [
  { team: 'billing' }, { team: ' SALES ' }, { agent: 'bob@example.com' }, { agent: 'Cem' }, { agent: 'ag4' }, { channel: 'chat' }, { tag: 'vip' }, { team: 'Support', channel: 'email' },
];

describe(`differential: survey, customer and agent metrics against an oracle from the docs (${TEST_ENGINE})`, () => {
  let testDb: TestDatabase;
  let db: Database;
  let kpi: KpiStore;
  beforeAll(async () => {
    testDb = await createTestDatabase({ migrated: true });
    db = openDatabase(testDb.config);
    kpi = new KpiStore(db);
  });
  afterAll(async () => {
    await db.destroy();
    await testDb.dispose();
  });
  async function load(scenario: Scenario, options: GenOptions = OPTIONS): Promise<Oracle> {
    const { period, now, seed } = scenario;
    await clearIngestedData(db);
    await db('enps_participants').delete();
    await db('enps_surveys').delete();
    const data = generate(seed, now, [period.from, period.to, period.previous.from], options);
    const ingest = new IngestStore(db, { escalationGroups: [], escalationTag: 'escalated' }, () => now);
    for (const batch of data.batches) await ingest.recordEvents('generic', batch);
    if (data.lateBatch.length > 0) await ingest.recordEvents('generic', data.lateBatch);
    if (data.slackEnps.length > 0) {
      const enps = new EnpsStore(db);
      const surveyId = await db.transaction((trx) => enps.createSurvey(trx, { audience: 'C0PULSE', question: null, startedBy: 'U0ADMIN', invited: data.slackEnps.map((a) => a.user) }, S - 80 * DAY));
      for (const answer of data.slackEnps) expect(await enps.answer(surveyId, answer.user, answer.score, answer.at)).toBe('recorded');
      // A second click is refused: the score counts once.
      const again = data.slackEnps[0] as Dataset['slackEnps'][number];
      expect(await enps.answer(surveyId, again.user, 10, again.at + MIN)).toBe('already_answered');
    }
    return new Oracle(data);
  }

  /**
   * Each agents table (this period and the previous one as a past period, unfiltered and under each filter),
   * keyed by email, restricted to the given columns; the rows compared are those holding data in those columns.
   */
  async function agentTables(oracle: Oracle, scenario: Scenario, columns: readonly string[]) {
    const { period, now } = scenario;
    const past: PeriodRange = { from: period.previous.from, to: period.previous.to, timezone: 'UTC', previous: { from: 2 * period.previous.from - period.previous.to, to: period.previous.from } };
    const got: Record<string, unknown> = {};
    const want: Record<string, unknown> = {};
    const keep = (rows: readonly Record<string, unknown>[]) =>
      Object.fromEntries(rows.filter((row) => hasData(row, columns)).map((row) => [row.email, rounded(Object.fromEntries(['name', ...columns].map((c) => [c, row[c]])))]));
    for (const [label, range] of [['period', period], ['past', past]] as const) {
      for (const filters of [{}, ...FILTERS]) {
        const key = `${label} ${JSON.stringify(filters)}`;
        want[key] = keep(oracle.agents(range, filters, now));
        got[key] = keep((await computeAgents(kpi, range, filters, now, 'solved')).rows as unknown as Record<string, unknown>[]);
      }
    }
    return { got, want };
  }

  /** The order of the rows sorted by each column, unfiltered. */
  async function agentOrders(oracle: Oracle, scenario: Scenario, columns: readonly AgentColumn[]) {
    const { period, now } = scenario;
    const rows = oracle.agents(period, {}, now);
    const got: Record<string, unknown> = {};
    const want: Record<string, unknown> = {};
    for (const column of columns) {
      const table = await computeAgents(kpi, period, {}, now, column);
      expect(table.sort).toBe(column);
      // The order of the agents both sides list (which rows there are is compared column by column above).
      const engineEmails = table.rows.map((row) => row.email);
      const oracleEmails = rows.map((row) => row.email);
      want[column] = sortRows(rows, column).map((row) => row.email).filter((email) => engineEmails.includes(email));
      got[column] = engineEmails.filter((email) => email !== null && oracleEmails.includes(email));
    }
    return { got, want };
  }

  for (const scenario of SCENARIOS) {
    describe(scenario.name, () => {
      // The tests of a scenario only read: its data is loaded once.
      let oracle: Oracle;
      beforeAll(async () => {
        oracle = await load(scenario);
      });
      it('csat, nps, ces, enps, churn, repeat and selfservice: value, n, previous, change, trend and details', async () => {
        const { period, now } = scenario;
        const got: Record<string, unknown> = {};
        const want: Record<string, unknown> = {};
        for (const metric of ['csat', 'nps', 'ces', 'enps', 'churn', 'repeat', 'selfservice'] as const) {
          const expected = expectedResult(oracle, metric, period, {});
          const result = await computeMetric(metric, kpi, period, {}, now);
          want[metric] = rounded(expected);
          got[metric] = rounded(pickShape(result));
          // The data is not trivial: each metric rests on something in the period or the previous one.
          expect(expected.n + expected.previous.n, `${metric} has data`).toBeGreaterThan(0);
        }
        // The summary's CSAT line is the same, without details.
        const { metrics } = await computeSummary(kpi, period, {}, now);
        const line = metrics.find((m) => m.metric === 'csat') as MetricResult;
        got.summaryCsat = rounded(pickShape(line));
        want.summaryCsat = rounded({ ...expectedResult(oracle, 'csat', period, {}), details: {} });
        expect(got).toEqual(want);
      });

      it('csat, nps and ces under team:, agent:, channel: and tag: filters', async () => {
        const { period, now } = scenario;
        const got: Record<string, unknown> = {};
        const want: Record<string, unknown> = {};
        for (const filters of FILTERS) {
          for (const metric of TICKET_FILTERED) {
            const label = `${metric} ${JSON.stringify(filters)}`;
            want[label] = rounded(expectedResult(oracle, metric, period, filters));
            got[label] = rounded(pickShape(await computeMetric(metric, kpi, period, filters, now)));
          }
        }
        expect(got).toEqual(want);
      });

      it('agents: FRT and resolution medians, FCR, AHT, open and overdue of every row, this period and a past one, with and without filters; sorted by each', async () => {
        const { got, want } = await agentTables(oracle, scenario, OTHER_COLUMNS);
        const full = want['period {}'] as Record<string, unknown>;
        expect(Object.keys(full).length).toBeGreaterThanOrEqual(4);
        expect(Object.values(full).some((row) => (row as { overdue: number }).overdue > 0)).toBe(true);
        expect(got).toEqual(want);
        const orders = await agentOrders(oracle, scenario, OTHER_COLUMNS);
        expect(orders.got).toEqual(orders.want);
      });

      it('agents: the solved column of every row, this period and a past one, with and without filters; sorted by it', async () => {
        const { got, want } = await agentTables(oracle, scenario, ['solved']);
        expect(Object.keys(want['period {}'] as Record<string, unknown>).length).toBeGreaterThanOrEqual(3);
        expect(got).toEqual(want);
        const orders = await agentOrders(oracle, scenario, ['solved']);
        expect(orders.got).toEqual(orders.want);
      });

      it('agents: the CSAT column (and its answers) of every row, this period and a past one, with and without filters; sorted by it', async () => {
        const { got, want } = await agentTables(oracle, scenario, ['csat', 'csatAnswers']);
        expect(Object.values(want['period {}'] as Record<string, unknown>).some((row) => (row as { csatAnswers: number }).csatAnswers > 0)).toBe(true);
        expect(got).toEqual(want);
        const orders = await agentOrders(oracle, scenario, ['csat']);
        expect(orders.got).toEqual(orders.want);
      });
    });
  }

  describe('the smallest cases of the differences found, and of readings the docs leave open', () => {
    const P: PeriodRange = ENDED.period;
    const NOW = ENDED.now;
    const ayu = agentActor(AGENTS[0] as Agent);
    const bob = agentActor(AGENTS[1] as Agent);
    const customer: Actor = { type: 'customer', id: 'c1' };
    let n = 0;
    const ev = (ticket: string, type: TicketEventType, at: number, data: TicketEventData = {}, actor?: Actor): TicketEvent =>
      ({ kind: 'ticket', type, externalTicketId: ticket, occurredAt: at, data, ...(actor === undefined ? {} : { actor }), dedupeKey: `m${n++}` });
    const loadSmall = async (events: NormalizedEvent[]) => {
      await clearIngestedData(db);
      await new IngestStore(db, { escalationGroups: [], escalationTag: 'escalated' }, () => NOW).recordEvents('generic', events);
      return new Oracle({ batches: [events], lateBatch: [], slackEnps: [] });
    };
    const cells = (rows: readonly Record<string, unknown>[], columns: readonly string[]) => rows.map((row) => Object.fromEntries(['name', ...columns].map((c) => [c, row[c]])));

    it('agents: a rating counts for the ticket\'s current assignee, not the one it had when rated', async () => {
      // Assigned to Ayu, rated 5, then reassigned to Bob. docs/metrics.md, agents: "A ticket counts for its current
      // assignee, for past periods too: reassigning a solved ticket moves it"; each column "as its metric above, for that agent's tickets".
      const oracle = await loadSmall([
        ev('R1', 'ticket_created', S + DAY, { status: 'new', assignee: ayu }, customer),
        ev('R1', 'rating', S + DAY + 3 * H, { rating: { kind: 'csat', scale: '1-5', score: 5 } }, customer),
        ev('R1', 'assignee_changed', S + DAY + 4 * H, { assignee: bob }),
      ]);
      // The csat metric under agent: already follows the current assignee.
      expect(pickShape(await computeMetric('csat', kpi, P, { agent: 'bob@example.com' }, NOW))).toMatchObject({ value: 100, n: 1 });
      expect(pickShape(await computeMetric('csat', kpi, P, { agent: 'ayu@example.com' }, NOW))).toMatchObject({ value: null, n: 0 });
      const want = cells(oracle.agents(P, {}, NOW), ['csat', 'csatAnswers', 'openAssigned']);
      expect(want).toEqual([{ name: 'Bob', csat: 100, csatAnswers: 1, openAssigned: 1 }]);
      for (const filters of [{}, { agent: 'bob@example.com' }]) {
        const rows = (await computeAgents(kpi, P, filters, NOW, 'solved')).rows as unknown as Record<string, unknown>[];
        expect({ filters, rows: cells(rows, ['csat', 'csatAnswers', 'openAssigned']) }).toEqual({ filters, rows: want });
      }
    });

    it('agents: a ticket unassigned after its rating gives no agent its CSAT', async () => {
      // docs/metrics.md, agents: "Excluded: Unassigned tickets."
      await loadSmall([
        ev('R2', 'ticket_created', S + DAY, { status: 'new', assignee: ayu }, customer),
        ev('R2', 'rating', S + DAY + 3 * H, { rating: { kind: 'csat', scale: 'good-bad', score: 0 } }, customer),
        ev('R2', 'assignee_changed', S + DAY + 4 * H, { assignee: null }),
      ]);
      const rows = (await computeAgents(kpi, P, {}, NOW, 'solved')).rows as unknown as Record<string, unknown>[];
      expect(cells(rows, ['csat', 'csatAnswers'])).toEqual([]);
    });

    it('agents: solved counts the tickets solved in the period and still solved at its end, as the resolved metric, beside the row\'s own resolution median', async () => {
      // Solved the day before the period, reopened, solved again on its first day. docs/metrics.md, resolved: "resolved = tickets
      // solved in the period and still solved at its end"; resolution: "a reopened ticket moves its full resolution to its latest solve".
      const oracle = await loadSmall([
        ev('R3', 'ticket_created', S - 2 * DAY, { status: 'new', assignee: bob }, customer),
        ev('R3', 'status_changed', S - DAY, { status: 'solved' }),
        ev('R3', 'status_changed', S - DAY + H, { status: 'open' }),
        ev('R3', 'status_changed', S + DAY, { status: 'solved' }),
      ]);
      const resolved = await computeMetric('resolved', kpi, P, { agent: 'bob@example.com' }, NOW);
      expect(resolved).toMatchObject({ value: 1, previous: { value: 0 } });
      const past: PeriodRange = { ...P.previous, timezone: 'UTC', previous: { from: P.previous.from - 30 * DAY, to: P.previous.from } };
      for (const [label, range, solved, resolutionMedian] of [['period', P, 1, 3 * 86_400], ['previous', past, 0, null]] as const) {
        const want = cells(oracle.agents(range, {}, NOW), ['solved', 'resolutionMedian']).filter((row) => hasData(row, ['solved', 'resolutionMedian']));
        expect(want).toEqual(solved === 0 && resolutionMedian === null ? [] : [{ name: 'Bob', solved, resolutionMedian }]);
        const rows = (await computeAgents(kpi, range, {}, NOW, 'solved')).rows as unknown as Record<string, unknown>[];
        expect({ label, rows: cells(rows, ['solved', 'resolutionMedian']).filter((row) => hasData(row, ['solved', 'resolutionMedian'])) }).toEqual({ label, rows: want });
      }
    });

    it('agents: the first response of a ticket an agent opened counts from the customer\'s first message to the next agent reply', async () => {
      // docs/metrics.md, frt: "start = creation, or the customer's first message when an agent opened the ticket". An agent
      // message before the customer wrote (a nudge) answers nothing: the response is the first reply after the start.
      const oracle = await loadSmall([
        ev('R4', 'ticket_created', S + DAY, { status: 'new', assignee: ayu, createdByAgent: true }, ayu),
        ev('R4', 'agent_reply', S + DAY + 5 * MIN, {}, ayu),
        ev('R4', 'customer_message', S + DAY + H, {}, customer),
        ev('R4', 'agent_reply', S + DAY + 3 * H, {}, ayu),
      ]);
      expect(cells(oracle.agents(P, {}, NOW), ['frtMedian'])).toEqual([{ name: 'Ayu', frtMedian: 2 * 3600 }]);
      const rows = (await computeAgents(kpi, P, {}, NOW, 'solved')).rows as unknown as Record<string, unknown>[];
      expect(cells(rows, ['frtMedian'])).toEqual([{ name: 'Ayu', frtMedian: 2 * 3600 }]);
    });

    it('csat: a later rating replaces the earlier one, in the period it is given; the previous period loses it', async () => {
      await loadSmall([
        ev('R5', 'ticket_created', S - 5 * DAY, { status: 'new', assignee: ayu }, customer),
        ev('R5', 'rating', S - 3 * DAY, { rating: { kind: 'csat', scale: '1-5', score: 1 } }, customer),
        ev('R5', 'rating', S + 3 * DAY, { rating: { kind: 'csat', scale: 'good-bad', score: 1 } }, customer),
      ]);
      expect(pickShape(await computeMetric('csat', kpi, P, {}, NOW))).toMatchObject({ value: 100, n: 1, previous: { value: null, n: 0 }, change: null, trend: 'unknown' });
    });

    it('enps: whole waves of at least 5, in the period of their first answer (Slack answers kept to the hour): no report can be subtracted from another to reveal fewer', async () => {
      await clearIngestedData(db);
      const enps = new EnpsStore(db);
      const pulse = async (users: string[], at: number) => db.transaction((trx) => enps.createSurvey(trx, { audience: 'C0PULSE', question: null, startedBy: 'U0ADMIN', invited: users }, at));
      const first = Array.from({ length: 9 }, (_, i) => `UE${i}`);
      const one = await pulse(first, S - 2 * DAY);
      // Five clicked 20 minutes before the period (kept at 23:00, the previous period), four 10 minutes into it: one
      // wave, begun in the previous period, counts whole there.
      for (const [i, user] of first.entries()) expect(await enps.answer(one, user, i < 5 ? 10 : 3, i < 5 ? S - 20 * MIN : S + 10 * MIN)).toBe('recorded');
      // A second pulse answered by four, in the period: a wave under 5 counts in no period at all.
      const second = ['UF0', 'UF1', 'UF2', 'UF3'];
      const two = await pulse(second, S + DAY);
      for (const user of second) expect(await enps.answer(two, user, 0, S + 2 * DAY)).toBe('recorded');
      const result = await computeMetric('enps', kpi, P, {}, NOW);
      // 5 promoters and 4 detractors of 9: (5 - 4) / 9 = 11.1.
      expect(rounded(pickShape(result))).toEqual(rounded({ value: null, n: 0, previous: { value: (100 * (5 - 4)) / 9, n: 9 }, change: null, trend: 'unknown', details: { hidden: true } }));
      // Any window: the same two numbers or nothing, never the four, nor the four of the first wave given in the period.
      for (const [from, to] of [[S - DAY, S + DAY], [S, S + 3 * DAY], [S + DAY, S + 3 * DAY], [S - 3 * DAY, S + 3 * DAY], [S + H, S + 30 * DAY]]) {
        const n = (await computeMetric('enps', kpi, { from: from ?? 0, to: to ?? 0, timezone: 'UTC', previous: { from: 0, to: 1 } }, {}, NOW)).n;
        expect([0, 9], `${from}..${to}`).toContain(n);
      }
    });

    it.runIf(TEST_ENGINE === 'postgres')('enps: a score cannot be matched to its author through the rows\' transaction ids (xmin)', async () => {
      await clearIngestedData(db);
      const enps = new EnpsStore(db);
      const users = ['UX0', 'UX1', 'UX2', 'UX3', 'UX4', 'UX5'];
      const survey = await db.transaction((trx) => enps.createSurvey(trx, { audience: 'C0PULSE', question: null, startedBy: 'U0ADMIN', invited: users }, S));
      for (const [i, user] of users.slice(0, 5).entries()) expect(await enps.answer(survey, user, i * 2, S + i * MIN)).toBe('recorded');
      const scores = (await db.raw("select xmin::text as x from survey_responses where kind = 'enps' and survey_id = ?", [String(survey)])).rows as { x: string }[];
      const marks = (await db.raw('select slack_user_id, answered, xmin::text as x from enps_participants where survey_id = ?', [survey])).rows as { slack_user_id: string; answered: boolean; x: string }[];
      expect(scores).toHaveLength(5);
      // Each score's transaction wrote either no participant's mark or every answered one's: never its author's alone.
      for (const { x } of scores) {
        const same = marks.filter((mark) => mark.x === x).map((mark) => mark.slack_user_id).sort();
        expect([[], ['UX0', 'UX1', 'UX2', 'UX3', 'UX4']]).toContainEqual(same);
      }
    });

    it('kpibot report refuses a ticket filter with churn, repeat, enps and selfservice, and takes one with csat', async () => {
      const config = parseConfig({ DATABASE_URL: testDb.url });
      const output = { out: () => undefined, err: () => undefined };
      for (const metric of ['churn', 'repeat', 'enps', 'selfservice']) {
        await expect(reportCommand([metric, '--filter', 'team=billing', '--json'], config, output, S + 33 * DAY), metric).rejects.toBeInstanceOf(UsageError);
      }
      await expect(reportCommand(['csat', '--filter', 'team=billing', '--json'], config, output, S + 33 * DAY)).resolves.toBe(0);
    });
  });

  it('churn, repeat, enps and selfservice are the metrics that refuse ticket filters, in Slack too', () => {
    expect([...METRICS_WITHOUT_TICKET_FILTERS].sort()).toEqual(['churn', 'enps', 'repeat', 'selfservice']);
    expect(Object.keys(UNFILTERABLE_COUNTS).sort()).toEqual(['churn', 'enps', 'repeat', 'selfservice']);
    const options = { now: S + 33 * DAY, timezone: 'UTC' };
    const outcome = (text: string) => {
      const parsed = parseKpiCommand(text, options);
      return parsed.kind === 'error' ? parsed.code : parsed.kind;
    };
    const got: Record<string, string> = {};
    const want: Record<string, string> = {};
    for (const metric of ['churn', 'repeat', 'enps', 'selfservice']) {
      for (const filter of ['team:billing', 'agent:bob@example.com', 'channel:chat', 'tag:vip', 'priority:high', 'source:generic']) {
        want[`${metric} ${filter}`] = 'filters_not_applicable';
        got[`${metric} ${filter}`] = outcome(`${metric} ${filter}`);
      }
      want[metric] = 'metric';
      got[metric] = outcome(metric);
    }
    for (const metric of ['csat', 'nps', 'ces', 'agents']) {
      want[`${metric} team:billing`] = 'metric';
      got[`${metric} team:billing`] = outcome(`${metric} team:billing`);
    }
    expect(got).toEqual(want);
  });
});
