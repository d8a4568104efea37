/**
 * `kpibot demo`: a realistic sample workspace, so a newcomer sees real numbers
 * in a minute. Generated, deterministic for a seed: three teams, twelve agents
 * with names and e-mail addresses, tickets over the last 60 days with their
 * whole lives (creation, internal notes, public replies, customer replies,
 * escalations, solves, reopens, CSAT and CES ratings), SLA targets per
 * priority, and some tickets still open and overdue; beside the tickets,
 * customers who sign up, buy and leave, help-centre sessions, relationship NPS
 * answers and two eNPS pulses, so every metric has data. The events go through
 * the same store and projection as webhooks, under the source `demo`, so every
 * KPI is computed from them exactly as from real data.
 */
import type { Database } from '../store/database.js';
import { IngestStore } from '../store/ingest-store.js';
import { SlaStore } from '../store/sla-store.js';
import type { ProjectionOptions } from '../ingest/project-ticket.js';
import type { Actor, CustomerEvent, NormalizedEvent, Priority, TicketEvent, TicketEventData, TicketEventType } from '../ingest/events.js';
import { random } from './random.js';

export const DEMO_SOURCE = 'demo';

const TEAMS = ['Billing', 'Technical', 'Onboarding'] as const;
const AGENTS = [
  'Ayu Lestari', 'Budi Santoso', 'Dewi Kartika', 'Rizky Pratama', 'Nurul Aina', 'Hafiz Rahman',
  'Siti Aminah', 'Arif Hakim', 'Elif Yılmaz', 'Mehmet Demir', 'Zeynep Kaya', 'Can Öztürk',
] as const;
const CHANNELS = ['email', 'chat', 'whatsapp', 'web'] as const;
const PRIORITY_WEIGHTS: readonly (readonly [Priority, number])[] = [['low', 0.25], ['normal', 0.5], ['high', 0.2], ['urgent', 0.05]];
const TARGETS: Record<Priority, { firstResponse: number; resolution: number }> = {
  urgent: { firstResponse: 3600, resolution: 8 * 3600 },
  high: { firstResponse: 4 * 3600, resolution: 24 * 3600 },
  normal: { firstResponse: 8 * 3600, resolution: 3 * 86_400 },
  low: { firstResponse: 24 * 3600, resolution: 7 * 86_400 },
};

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export interface DemoResult {
  readonly tickets: number;
  readonly events: number;
}

/** Loads the demo workspace (idempotent: a second run writes nothing new for the same `now` day and seed). */
export async function loadDemo(db: Database, projection: ProjectionOptions, options: { now: number; tickets?: number; days?: number; seed?: number }): Promise<DemoResult> {
  const count = options.tickets ?? 1500;
  const days = options.days ?? 60;
  const next = random(options.seed ?? 7);
  // A stream of its own for what is not tickets, so the tickets stay as they were for a seed.
  const more = random((options.seed ?? 7) + 1);
  const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)] as T;
  const weighted = <T>(list: readonly (readonly [T, number])[]) => weightedBy(next, list);
  /** Log-normal around a median, for waits people experience. */
  const wait = (medianMs: number, spread = 1) => Math.round(medianMs * Math.exp(spread * Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next())));

  const sla = new SlaStore(db);
  if ((await sla.policies()).length === 0) {
    for (const [priority, target] of Object.entries(TARGETS)) {
      await sla.addPolicy({ name: `Demo ${priority}`, priority, firstResponseSeconds: target.firstResponse, resolutionSeconds: target.resolution, businessHours: false, pauseStatuses: ['pending'] });
    }
  }

  // The day of `now` anchors the data, so the numbers move with the calendar but a rerun the same day adds nothing.
  const end = Math.floor(options.now / DAY) * DAY;
  const start = end - days * DAY;
  const agents: Actor[] = AGENTS.map((name, index) => ({ type: 'agent', id: `demo-agent-${index + 1}`, name, email: `${name.split(' ')[0]?.toLowerCase() ?? 'agent'}@demo.example` }));
  const store = new IngestStore(db, projection, () => options.now);
  let events = 0;
  let batch: NormalizedEvent[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    events += (await store.recordEvents(DEMO_SOURCE, batch)).eventsWritten;
    batch = [];
  };

  for (let index = 0; index < count; index += 1) {
    const id = `D-${end / DAY}-${index + 1}`;
    // More tickets on weekdays and in working hours (Asia/Jakarta, UTC+7).
    let createdAt = start + Math.floor(next() * (end - start));
    const hourLocal = new Date(createdAt + 7 * HOUR).getUTCHours();
    if (hourLocal < 8 || hourLocal > 19) createdAt += Math.round(next() * 6 * HOUR);
    createdAt = Math.min(createdAt, options.now - 10 * MINUTE);
    const team = pick(TEAMS);
    const agent = agents[TEAMS.indexOf(team) * 4 + Math.floor(next() * 4)] as Actor;
    const priority = weighted(PRIORITY_WEIGHTS);
    const customer: Actor = { type: 'customer', id: `demo-customer-${1 + Math.floor(next() * 900)}` };
    const life: { type: TicketEventType; at: number; actor?: Actor; data?: TicketEventData }[] = [];
    const add = (type: TicketEventType, at: number, actor?: Actor, data: TicketEventData = {}) => {
      if (at <= options.now) life.push({ type, at, ...(actor === undefined ? {} : { actor }), data });
    };
    const urgency = priority === 'urgent' ? 0.25 : priority === 'high' ? 0.5 : priority === 'low' ? 2 : 1;
    add('ticket_created', createdAt, customer, { status: 'new', priority, channel: pick(CHANNELS), team, url: `https://helpdesk.demo.example/tickets/${id}`, requesterId: customer.id ?? '', tags: next() < 0.2 ? ['vip'] : [] });
    add('assignee_changed', createdAt + wait(5 * MINUTE), undefined, { assignee: agent });
    if (next() < 0.3) add('internal_note', createdAt + wait(20 * MINUTE), agent);
    const firstReply = createdAt + wait(2 * HOUR * urgency, 1.1);
    add('agent_reply', firstReply, agent, { status: 'pending' });
    let at = firstReply;
    const exchanges = next() < 0.55 ? 0 : 1 + Math.floor(next() * 3);
    for (let k = 0; k < exchanges; k += 1) {
      at += wait(5 * HOUR);
      add('customer_message', at, customer, { status: 'open' });
      at += wait(3 * HOUR * urgency);
      add('agent_reply', at, agent, { status: 'pending' });
    }
    if (next() < 0.06) add('escalated', createdAt + wait(6 * HOUR), agent, { team: 'Technical' });
    add('handle_time', at, agent, { seconds: Math.round(wait(25 * 60)) });
    const unresolvedChance = (options.now - createdAt) < 3 * DAY ? 0.45 : 0.04;
    if (next() >= unresolvedChance) {
      const solvedAt = at + wait(6 * HOUR * urgency);
      add('status_changed', solvedAt, agent, { status: 'solved' });
      if (next() < 0.45) {
        const score = weighted([[5, 0.5], [4, 0.28], [3, 0.1], [2, 0.06], [1, 0.06]] as const);
        add('rating', solvedAt + wait(3 * HOUR), customer, { rating: { kind: 'csat', scale: '1-5', score } });
      }
      if (more() < 0.2) {
        const score = weightedBy(more, [[7, 0.3], [6, 0.28], [5, 0.18], [4, 0.1], [3, 0.07], [2, 0.04], [1, 0.03]] as const);
        add('rating', solvedAt + wait(4 * HOUR), customer, { rating: { kind: 'ces', scale: '1-7', score } });
      }
      if (next() < 0.05) {
        const reopened = solvedAt + wait(DAY);
        add('reopened', reopened, customer, { status: 'open' });
        add('agent_reply', reopened + wait(2 * HOUR), agent, { status: 'pending' });
        add('status_changed', reopened + wait(8 * HOUR), agent, { status: 'solved' });
      }
    }
    life.forEach((event, k) => {
      const ticketEvent: TicketEvent = {
        kind: 'ticket', type: event.type, externalTicketId: id, occurredAt: event.at, data: event.data ?? {}, dedupeKey: `${id}:${k}`,
        ...(event.actor === undefined ? {} : { actor: event.actor }),
      };
      batch.push(ticketEvent);
    });
    if (batch.length >= 2000) await flush();
  }
  // One at a time, flushed as the tickets are: spread as arguments, 100,000 tickets' surveys and sessions overflowed the stack.
  for (const event of otherEvents(more, { start, end, now: options.now, days, tickets: count })) {
    batch.push(event);
    if (batch.length >= 2000) await flush();
  }
  await flush();
  return { tickets: count, events };
}

/** A value drawn from weighted choices. */
function weightedBy<T>(next: () => number, list: readonly (readonly [T, number])[]): T {
  let r = next();
  for (const [value, weight] of list) if ((r -= weight) <= 0) return value;
  return list[list.length - 1]?.[0] as T;
}

/**
 * What is not a ticket: customers (most signed up before the period; some buy
 * once or more in it, about 3% a month leave), help-centre sessions (about two
 * in three end without a ticket), relationship NPS answers, and an eNPS pulse
 * a month answered by most of the twelve agents. Keys carry the day of `end`,
 * as tickets' do, so a rerun the same day adds nothing.
 */
function otherEvents(next: () => number, span: { start: number; end: number; now: number; days: number; tickets: number }): NormalizedEvent[] {
  const { start, end, now, days } = span;
  const day = end / DAY;
  const between = (from: number, to: number) => Math.min(now, from + Math.floor(next() * Math.max(1, to - from)));
  const events: NormalizedEvent[] = [];
  const customers = Math.round(span.tickets * 0.4);
  for (let c = 1; c <= customers; c += 1) {
    const customerId = `demo-${day}-customer-${c}`;
    const customer = (type: CustomerEvent['type'], at: number, n: number): CustomerEvent => ({ kind: 'customer', type, customerId, occurredAt: at, dedupeKey: `${customerId}:${type}:${n}` });
    const since = next() < 0.85 ? start - Math.floor(next() * 700 * DAY) : between(start, now);
    events.push(customer('became_customer', since, 0));
    const leaves = next() < 0.03 * (days / 30) ? between(Math.max(since, start), now) : undefined;
    const purchases = weightedBy(next, [[0, 0.4], [1, 0.35], [2, 0.15], [3, 0.1]] as const);
    for (let k = 0; k < purchases; k += 1) events.push(customer('purchase', between(Math.max(since, start), leaves ?? now), k));
    if (leaves !== undefined) events.push(customer('churned', leaves, 0));
    if (next() < 0.15) {
      const score = weightedBy(next, [[10, 0.3], [9, 0.2], [8, 0.18], [7, 0.1], [6, 0.08], [5, 0.06], [3, 0.05], [0, 0.03]] as const);
      events.push({ kind: 'survey', rating: { kind: 'nps', scale: '0-10', score }, occurredAt: between(start, now), customerId, dedupeKey: `${customerId}:nps` });
    }
  }
  const sessions = Math.round(span.tickets * 0.7);
  for (let k = 1; k <= sessions; k += 1) {
    events.push({ kind: 'self_service', sessionId: `demo-${day}-session-${k}`, startedAt: between(start, now), resolvedWithoutTicket: next() < 0.65, dedupeKey: `demo-${day}-session-${k}` });
  }
  for (let pulse = start + 10 * DAY; pulse < now; pulse += 30 * DAY) {
    for (let a = 1; a <= AGENTS.length; a += 1) {
      if (next() < 0.2) continue; // not everyone answers
      const score = weightedBy(next, [[10, 0.2], [9, 0.25], [8, 0.25], [7, 0.12], [6, 0.08], [4, 0.06], [2, 0.04]] as const);
      events.push({ kind: 'survey', rating: { kind: 'enps', scale: '0-10', score }, occurredAt: Math.min(now, pulse + Math.floor(next() * 2 * DAY)), surveyId: `demo-${day}-pulse-${pulse / DAY}`, dedupeKey: `demo-${day}-pulse-${pulse / DAY}-${a}` });
    }
  }
  return events;
}
