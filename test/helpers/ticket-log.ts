/** What the seeded ticket generators of the differential tests share: fixed instants, the event log's shape and its actors. */
import type { Actor, TicketEvent } from '../../src/ingest/events.js';
import type { PeriodRange } from '../../src/kpi/metrics.js';

export const MIN = 60_000;
export const H = 60 * MIN;
export const DAY = 24 * H;
export const at = (iso: string) => Date.parse(iso);
/** The period under test: 20 days across a month boundary, and its previous period of the same length. */
export const PERIOD: PeriodRange = {
  from: at('2026-10-20T00:00:00Z'),
  to: at('2026-11-09T00:00:00Z'),
  timezone: 'UTC',
  previous: { from: at('2026-09-30T00:00:00Z'), to: at('2026-10-20T00:00:00Z') },
};
/** Long after every generated event: the answers' clock (never the real one). */
export const NOW = at('2026-12-15T00:00:00Z');

/** One generated event and the source it is sent as. */
export interface LogEvent {
  readonly source: string;
  readonly event: TicketEvent;
}

export const AGENTS: readonly Actor[] = [
  { type: 'agent', id: 'a1', email: 'ayu@example.com', name: 'Ayu Lestari' },
  { type: 'agent', id: 'a2', email: 'bob@example.com', name: 'Bob Stone' },
  { type: 'agent', id: 'a3', email: 'cem@example.com', name: 'Cem Yılmaz' },
];
export const BOT: Actor = { type: 'bot', id: 'answerbot' };
