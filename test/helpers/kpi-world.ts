/**
 * What a KPI test over the database sets up: one migrated database for the `describe` (emptied of ingested data
 * before each test), the ingest and KPI stores on it, and a maker of generic ticket events with unique keys.
 */
import { beforeAll, beforeEach } from 'vitest';
import type { Database } from '../../src/store/database.js';
import { IngestStore } from '../../src/store/ingest-store.js';
import { KpiStore } from '../../src/store/kpi-store.js';
import type { Actor, NormalizedEvent, TicketEvent, TicketEventData, TicketEventType } from '../../src/ingest/events.js';
import { clearIngestedData, useTestDatabase } from './databases.js';

export interface KpiWorld {
  db: Database;
  ingest: IngestStore;
  kpi: KpiStore;
  /** Records the events as the generic source's. */
  load(events: NormalizedEvent[]): Promise<unknown>;
}

export function useKpiWorld(now: number): KpiWorld {
  const t = useTestDatabase({ migrate: true, shared: true });
  const world = {} as KpiWorld;
  beforeAll(() => {
    const ingest = new IngestStore(t.db, { escalationGroups: [], escalationTag: 'escalated' }, () => now);
    Object.assign(world, { db: t.db, ingest, kpi: new KpiStore(t.db), load: (events: NormalizedEvent[]) => ingest.recordEvents('generic', events) });
  });
  beforeEach(() => clearIngestedData(t.db));
  return world;
}

/** A ticket event of the given type at `at` (epoch ms), keyed `<prefix><n>`. */
export function ticketEvents(prefix: string): (ticket: string, type: TicketEventType, at: number, data?: TicketEventData, actor?: Actor) => TicketEvent {
  let key = 0;
  return (ticket, type, at, data = {}, actor) => ({ kind: 'ticket', type, externalTicketId: ticket, occurredAt: at, data, ...(actor === undefined ? {} : { actor }), dedupeKey: `${prefix}${key++}` });
}
