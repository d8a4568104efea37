/** What the seeded ticket generators of the differential tests share: the event log's shape and its actors. */
import type { Actor, TicketEvent } from '../../src/ingest/events.js';

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
