/**
 * Writes what the ingest path produces: a delivery and its normalized events in
 * one transaction, and the projections they change (tickets, tags, ratings,
 * response intervals, agents, customers), rebuilt from the event log in time
 * order. A delivery or event seen before changes nothing.
 */
import type { Knex } from 'knex';
import type { Database } from './database.js';
import { checkDatabaseFile, engineOf, independently, isUnavailableError } from './database.js';
import type { Actor, CustomerEvent, NormalizedEvent, SelfServiceEvent, SurveyEvent, TicketEvent, TicketEventData } from '../ingest/events.js';
import { agentKey, projectTicket, type LoggedTicketEvent, type ProjectionOptions, type TicketProjection } from '../ingest/project-ticket.js';
import { computeDueTimes, evaluateTarget, matchKey, matchPolicy, type SlaPolicy, type SlaTicket } from '../kpi/sla.js';
import { businessDurations, calendarDurations, calendarOfTeam, type TeamCalendars } from '../kpi/business-durations.js';
import { bucketed } from '../kpi/duration-buckets.js';
import { SlaStore } from './sla-store.js';
import { oneLine } from '../ingest/values.js';

const REBUILD_ALL = 'rebuild:all';

/**
 * Rebuilds asked for in the background (src/schedule/backfill.ts), by their
 * settings key, run in this order: every ticket after a large configuration
 * change, then the tickets whose projection an upgrade changed. Each migration
 * spells its own key (migrations import nothing); the store tests use these.
 */
const PROJECTION_BACKFILLS: Readonly<Record<string, (tickets: Knex.QueryBuilder) => void>> = {
  // Every ticket: an SLA configuration change made in Slack on a large database (IngestStore.askRebuildAll).
  [REBUILD_ALL]: () => undefined,
  // Migration 25: tickets reopened before it get their resolved spans.
  'backfill:resolved_spans': (tickets) => void tickets.where('reopen_count', '>', 0),
  // Migration 27: automated ("system") replies no longer count as agent replies.
  'backfill:automated_replies': (tickets) =>
    void tickets.whereExists((events) =>
      void events.select('e.id').from('ticket_events as e').whereRaw('e.source = tickets.source and e.external_ticket_id = tickets.external_id').where({ 'e.type': 'agent_reply', 'e.actor_type': 'system' }),
    ),
  // Migration 28: next-reply due times and breaches, and an agent-opened ticket's first-response clock.
  'backfill:sla_clocks': (tickets) =>
    void tickets.where(
      (affected) =>
        void affected
          .whereIn('sla_policy_id', (policies) => void policies.select('id').from('sla_policies').whereNotNull('next_reply_seconds'))
          .orWhere((agentOpened) => void agentOpened.where('created_by_agent', true).whereNotNull('sla_policy_id')),
    ),
  // Migrations 29 and 31: urgent set on a ticket that had no priority is an escalation; a Zendesk agent-opened ticket's description is
  // no reply (31 deletes the stored descriptions). The escalation can have been lowered since, or come beside an earlier or later
  // one (escalated_at, escalation_count): the tickets are those created without a priority and set to urgent after their creation,
  // whatever their priority and escalation now.
  'backfill:urgent_and_openings': (tickets) =>
    void tickets.where(
      (affected) =>
        void affected
          .whereExists((raised) =>
            void raised
              .select('e.id')
              .from('ticket_events as e')
              .whereRaw('e.source = tickets.source and e.external_ticket_id = tickets.external_id')
              .whereNot('e.type', 'ticket_created')
              .where('e.data', 'like', '%"priority":"urgent"%')
              .whereExists((created) =>
                void created
                  .select('c.id')
                  .from('ticket_events as c')
                  .whereRaw('c.source = e.source and c.external_ticket_id = e.external_ticket_id and c.occurred_at < e.occurred_at')
                  .where('c.type', 'ticket_created')
                  .whereNot('c.data', 'like', '%"priority":%'),
              ),
          )
          .orWhere((opened) => void opened.where({ source: 'zendesk', created_by_agent: true })),
    ),
  // Migration 37: a ticket whose creation event never arrived, and a later event of which says an agent opened it (the generic
  // format's created_by_agent), waits from the customer's first message, not from the reported creation.
  'backfill:reported_openers': (tickets) =>
    void tickets
      .whereExists((reported) =>
        void reported
          .select('e.id')
          .from('ticket_events as e')
          .whereRaw('e.source = tickets.source and e.external_ticket_id = tickets.external_id')
          .whereNot('e.type', 'ticket_created')
          .where('e.data', 'like', '%"createdByAgent":true%'),
      )
      .whereNotExists((created) =>
        void created.select('c.id').from('ticket_events as c').whereRaw('c.source = tickets.source and c.external_ticket_id = tickets.external_id').where('c.type', 'ticket_created'),
      ),
  // Migration 41: a Jira comment by the ticket's requester is the customer's message, also when its payload named no reporter.
  'backfill:jira_requester_replies': (tickets) => void tickets.where({ source: 'jira' }).where('agent_reply_count', '>', 0),
};

export interface DeliveryRecord {
  readonly source: string;
  readonly deliveryKey: string;
  readonly receivedAt: number;
  readonly contentType?: string;
  readonly bodyBytes: number;
  readonly bodySha256: string;
  /** The body with free text removed (see redactPayload). */
  readonly payload?: string;
}

/** A ticket whose escalation count a delivery raised, and the count it raised it to (the alert's key). */
export interface EscalatedTicket {
  readonly ticketId: number;
  readonly externalId: string;
  readonly escalationCount: number;
}

export interface DeliveryOutcome {
  /** The delivery key was seen before: nothing was written. */
  readonly duplicate: boolean;
  /** Events new to the log. */
  readonly eventsWritten: number;
  /** External ids of tickets whose projection was rebuilt. */
  readonly ticketsUpdated: readonly string[];
  /** Tickets whose escalation count rose with this delivery. */
  readonly escalated: readonly EscalatedTicket[];
}

export interface RejectedDelivery extends DeliveryRecord {
  readonly reason: string;
  readonly detail: string;
}

export interface DeliveryRow {
  readonly id: number;
  readonly source: string;
  readonly deliveryKey: string;
  readonly receivedAt: number;
  readonly status: string;
  readonly reason: string | null;
  readonly detail: string | null;
  readonly eventCount: number;
  /** The body as kept: free text removed. */
  readonly payload: string | null;
}

type Trx = Knex.Transaction;
type ProjectionContext = Awaited<ReturnType<SlaStore['projectionContext']>>;
const CHUNK = 200;

/** One unit of work for the writer: a delivery with its events, or events alone (CSV import). */
interface WriteItem {
  readonly source: string;
  readonly delivery?: DeliveryRecord;
  readonly events: readonly NormalizedEvent[];
  readonly receivedAt: number;
}

interface Pending {
  readonly item: WriteItem;
  resolve(outcome: DeliveryOutcome): void;
  reject(error: unknown): void;
}

const MAX_BATCH = 256;
const DUPLICATE: DeliveryOutcome = { duplicate: true, eventsWritten: 0, ticketsUpdated: [], escalated: [] };

/**
 * Deliveries that arrive while a write is in progress are written together in
 * the next transaction (group commit): one COMMIT, one fsync, a few set-based
 * statements for the whole batch. Each caller is answered only after the commit
 * that holds its delivery. If a batch fails, its items are retried one by one,
 * so one bad delivery fails alone.
 */
export class IngestStore {
  private queue: Pending[] = [];
  private flushing = false;

  constructor(
    private readonly db: Database,
    private readonly projection: ProjectionOptions,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Stores one accepted delivery and its events, then rebuilds what they touch; all or nothing. */
  recordDelivery(delivery: DeliveryRecord, events: readonly NormalizedEvent[]): Promise<DeliveryOutcome> {
    return this.enqueue({ source: delivery.source, delivery, events, receivedAt: delivery.receivedAt });
  }

  /** Writes events that came without a delivery (CSV import), in the caller's transaction or a new one. */
  async recordEvents(source: string, events: readonly NormalizedEvent[], trx?: Trx): Promise<DeliveryOutcome> {
    const item: WriteItem = { source, events, receivedAt: this.clock() };
    if (trx !== undefined) return (await this.writeBatch(trx, [item]))[0] as DeliveryOutcome;
    return this.enqueue(item);
  }

  private enqueue(item: WriteItem): Promise<DeliveryOutcome> {
    return new Promise((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.flushing) {
        this.flushing = true;
        // Let requests parsed in the same turn of the event loop join this batch.
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, MAX_BATCH);
      try {
        checkDatabaseFile(this.db);
        const outcomes = await this.db.transaction((trx) => this.writeBatch(trx, batch.map((pending) => pending.item)));
        batch.forEach((pending, index) => pending.resolve(outcomes[index] as DeliveryOutcome));
      } catch (error) {
        // A database busy or out of reach fails every delivery alike: the batch and those queued behind it are answered
        // now (503), not tried again one after another, each waiting out its own time limit.
        if (isUnavailableError(error)) {
          for (const pending of [...batch, ...this.queue.splice(0)]) pending.reject(error);
          continue;
        }
        if (batch.length === 1) {
          batch[0]?.reject(error);
          continue;
        }
        for (const pending of batch) {
          try {
            const [outcome] = await this.db.transaction((trx) => this.writeBatch(trx, [pending.item]));
            pending.resolve(outcome as DeliveryOutcome);
          } catch (single) {
            pending.reject(single);
          }
        }
      }
    }
    this.flushing = false;
  }

  /** Keeps a refused delivery for inspection (`kpibot deliveries --rejected`); a repeat is stored once. */
  /**
   * Keeps a refused delivery for inspection. Its key is the delivery's own with
   * the body's hash after it, so that a refusal does not claim the id: the same
   * refused body sent again is kept once, but a corrected body sent under the
   * same id (a generic sender fixing its payload) is taken, not called a duplicate.
   */
  async recordRejected(delivery: RejectedDelivery): Promise<void> {
    const suffix = `#rejected:${delivery.bodySha256.slice(0, 16)}`;
    await this.db('webhook_deliveries')
      .insert({
        ...deliveryRow(delivery, 0),
        delivery_key: `${delivery.deliveryKey.slice(0, 200 - suffix.length)}${suffix}`,
        status: 'rejected',
        reason: delivery.reason,
        detail: delivery.detail.slice(0, 500),
      })
      .onConflict(['source', 'delivery_key'])
      .ignore();
  }

  /**
   * The latest deliveries, newest first; `rejected` keeps only refused ones. Newest by id, which follows arrival (a
   * delivery is written once received): read backwards from the end, where ordering by the receipt time would sort the
   * whole table (no index leads with it), every delivery of years.
   */
  async listDeliveries(options: { rejected?: boolean; source?: string; limit?: number } = {}): Promise<DeliveryRow[]> {
    const query = this.db('webhook_deliveries')
      .select('id', 'source', 'delivery_key', 'received_at', 'status', 'reason', 'detail', 'event_count', 'payload')
      .orderBy('id', 'desc')
      .limit(options.limit ?? 50);
    if (options.rejected === true) void query.where({ status: 'rejected' });
    if (options.source !== undefined) void query.where({ source: options.source });
    const rows = (await query) as {
      id: number; source: string; delivery_key: string; received_at: number; status: string; reason: string | null; detail: string | null; event_count: number; payload: string | null;
    }[];
    return rows.map((row) => ({
      id: row.id, source: row.source, deliveryKey: row.delivery_key, receivedAt: row.received_at, status: row.status,
      reason: row.reason, detail: row.detail, eventCount: row.event_count, payload: row.payload,
    }));
  }

  /**
   * Rebuilds every ticket (after an SLA policy or calendar changed), or those `only` selects, in batches of
   * their own transaction; returns how many. `onBatch` hears the running count after each batch.
   */
  async rebuildAll(batch = 500, only: (query: Knex.QueryBuilder) => void = () => undefined, onBatch?: (rebuilt: number) => void): Promise<number> {
    let after = 0;
    let total = 0;
    for (;;) {
      const done = await this.db.transaction((trx) => this.rebuildAfter(trx, after, batch, only));
      if (done === undefined) return total;
      after = done.lastId;
      total += done.tickets;
      onBatch?.(total);
    }
  }

  /** How many tickets `only` selects: what `rebuildAll` will rebuild. */
  async countTickets(only: (query: Knex.QueryBuilder) => void = () => undefined): Promise<number> {
    const row = (await this.db('tickets').count({ n: '*' }).modify(only).first()) as { n: number | string } | undefined;
    return Number(row?.n ?? 0);
  }

  /**
   * The next batch of selected tickets after row id `after`, rebuilt in the caller's transaction;
   * undefined when none is left. The tickets are locked first, as a delivery's are, so a delivery
   * committed meanwhile is never overwritten by a rebuild that did not see it.
   */
  private async rebuildAfter(trx: Trx, after: number, batch: number, only: (query: Knex.QueryBuilder) => void): Promise<{ tickets: number; lastId: number } | undefined> {
    const rows = (await trx('tickets').select('id', 'source', 'external_id').where('id', '>', after).modify(only).orderBy('id').limit(batch)) as { id: number; source: string; external_id: string }[];
    const last = rows[rows.length - 1];
    if (last === undefined) return undefined;
    const keys = rows.map((row) => sourceKey(row.source, row.external_id)).sort();
    await lockTickets(trx, keys);
    await this.rebuildTickets(trx, keys);
    return { tickets: rows.length, lastId: Number(last.id) };
  }

  /** Whether any ticket is stored yet (the local console says where data comes from when none is). */
  async hasTickets(): Promise<boolean> {
    return (await this.db('tickets').first('id')) !== undefined;
  }

  /**
   * The rebuilds asked for (PROJECTION_BACKFILLS: an upgrade's, or every ticket's) and not yet finished,
   * in the order they are run, each with the tickets it still has to rebuild.
   */
  async pendingBackfills(): Promise<{ key: string; remaining: number }[]> {
    const asked = await this.askedBackfills();
    const pending: { key: string; remaining: number }[] = [];
    for (const { key, after, which } of asked) pending.push({ key, remaining: await this.countTickets((query) => void query.where('id', '>', after).modify(which)) });
    return pending;
  }

  /**
   * One batch of the first unfinished rebuild asked for, with this process's projection options, in one
   * transaction that also moves the rebuild's saved position (its settings value: the last ticket row
   * id done), so a stop or a crash resumes after the last batch committed. The key is removed when
   * nothing is left. Undefined when no rebuild is asked for.
   */
  async backfillStep(batch = 500): Promise<{ key: string; tickets: number; finished: boolean } | undefined> {
    const [first] = await this.askedBackfills();
    if (first === undefined) return undefined;
    return this.db.transaction(async (trx) => {
      const done = await this.rebuildAfter(trx, first.after, batch, first.which);
      if (done === undefined) {
        await trx('settings').where({ key: first.key }).delete();
        return { key: first.key, tickets: 0, finished: true };
      }
      await trx('settings').where({ key: first.key }).update({ value: String(done.lastId), updated_at: this.clock() });
      return { key: first.key, tickets: done.tickets, finished: false };
    });
  }

  /** Runs every asked rebuild to its end; returns how many tickets each rebuilt (in this call). */
  async backfillProjections(batch = 500): Promise<{ key: string; tickets: number }[]> {
    const done: { key: string; tickets: number }[] = [];
    for (let step = await this.backfillStep(batch); step !== undefined; step = await this.backfillStep(batch)) {
      const last = done[done.length - 1];
      if (last?.key === step.key) done[done.length - 1] = { key: step.key, tickets: last.tickets + step.tickets };
      else done.push({ key: step.key, tickets: step.tickets });
    }
    return done;
  }

  /** Whether any rebuild is asked for and not finished (one small read: what the background runner polls). */
  async backfillAsked(): Promise<boolean> {
    return (await this.db('settings').whereIn('key', Object.keys(PROJECTION_BACKFILLS)).first('key')) !== undefined;
  }

  /** Asks for every ticket to be rebuilt in the background (startBackfill), from the first again if a rebuild was under way. */
  async askRebuildAll(): Promise<void> {
    await this.db('settings').insert({ key: REBUILD_ALL, value: 'true', updated_at: this.clock() }).onConflict('key').merge();
  }

  /** The asked rebuilds in PROJECTION_BACKFILLS order, each with its saved position ("true" when not started). */
  private async askedBackfills(): Promise<{ key: string; after: number; which: (tickets: Knex.QueryBuilder) => void }[]> {
    const rows = (await this.db('settings').select('key', 'value').whereIn('key', Object.keys(PROJECTION_BACKFILLS))) as { key: string; value: string }[];
    const positions = new Map(rows.map((row) => [row.key, /^\d+$/.test(row.value) ? Number(row.value) : 0]));
    return Object.entries(PROJECTION_BACKFILLS).flatMap(([key, which]) => {
      const after = positions.get(key);
      return after === undefined ? [] : [{ key, after, which }];
    });
  }

  /** Writes a batch in one transaction with set-based statements; returns one outcome per item. */
  private async writeBatch(trx: Trx, items: readonly WriteItem[]): Promise<DeliveryOutcome[]> {
    // 1. Deliveries: the ones whose key is new go on; the others are duplicates.
    const deliveryIds = new Map<number, number>(); // item index → delivery row id
    const withDelivery = items.map((item, index) => ({ item, index })).filter(({ item }) => item.delivery !== undefined);
    const seenKeys = new Set<string>();
    const fresh = withDelivery.filter(({ item }) => {
      const key = `${item.source}\u0000${item.delivery?.deliveryKey ?? ''}`;
      if (seenKeys.has(key)) return false;
      seenKeys.add(key);
      return true;
    });
    for (const group of chunks(fresh, CHUNK)) {
      const inserted = (await trx('webhook_deliveries')
        .insert(group.map(({ item }) => deliveryRow(item.delivery as DeliveryRecord, item.events.length)))
        .onConflict(['source', 'delivery_key'])
        .ignore()
        .returning(['id', 'source', 'delivery_key'])) as { id: number; source: string; delivery_key: string }[];
      const byKey = new Map(inserted.map((row) => [`${row.source}\u0000${row.delivery_key}`, Number(row.id)]));
      for (const { item, index } of group) {
        const id = byKey.get(`${item.source}\u0000${item.delivery?.deliveryKey ?? ''}`);
        if (id !== undefined) deliveryIds.set(index, id);
      }
    }
    const live = items.map((item, index) => ({ item, index })).filter(({ item, index }) => item.delivery === undefined || deliveryIds.has(index));

    // 2. Ticket events, with the tickets they touch locked first (PostgreSQL).
    const ticketKeys = new Set<string>();
    const eventRows: ReturnType<typeof ticketEventRow>[] = [];
    const rowOwner: number[] = [];
    for (const { item, index } of live) {
      for (const event of item.events) {
        if (event.kind !== 'ticket') continue;
        ticketKeys.add(sourceKey(item.source, event.externalTicketId));
        eventRows.push(ticketEventRow(item.source, event, item.receivedAt, deliveryIds.get(index) ?? null));
        rowOwner.push(index);
      }
    }
    await lockTickets(trx, [...ticketKeys].sort());
    const written = new Map<number, number>(); // item index → events written
    const touched = new Set<string>();
    const touchedBy = new Map<number, Set<string>>();
    const ownerOf = new Map<string, number>(); // source + dedupe key → item index (first writer)
    eventRows.forEach((row, position) => {
      const key = `${row.source}\u0000${row.dedupe_key}`;
      if (!ownerOf.has(key)) ownerOf.set(key, rowOwner[position] as number);
    });
    for (const group of chunks(eventRows, CHUNK)) {
      const inserted = (await trx('ticket_events').insert(group).onConflict(['source', 'dedupe_key']).ignore().returning(['source', 'external_ticket_id', 'dedupe_key'])) as {
        source: string; external_ticket_id: string; dedupe_key: string;
      }[];
      for (const row of inserted) {
        const owner = ownerOf.get(`${row.source}\u0000${row.dedupe_key}`) as number;
        const key = sourceKey(row.source, row.external_ticket_id);
        written.set(owner, (written.get(owner) ?? 0) + 1);
        touched.add(key);
        if (!touchedBy.has(owner)) touchedBy.set(owner, new Set());
        touchedBy.get(owner)?.add(key);
      }
    }

    // 3. Rebuild every touched ticket from all its events.
    const escalatedTickets = await this.rebuildTickets(trx, [...touched]);
    // A webhook's escalations are kept to be alerted, in this transaction: the alert follows the 200, and the leader's
    // sweep makes any the process did not live to make (src/schedule/alert-jobs.ts). A CSV import or the demo alerts none.
    const toAlert = live.flatMap(({ item, index }) => (item.delivery === undefined ? [] : [...(touchedBy.get(index) ?? [])].flatMap((key) => {
      const escalated = escalatedTickets.get(key);
      return escalated === undefined ? [] : [{ ticket_id: escalated.ticketId, escalation_count: escalated.count, created_at: this.clock() }];
    })));
    // Two deliveries of one batch raising one ticket's count share its one rebuild, so one row and one alert.
    const unique = [...new Map(toAlert.map((row) => [`${row.ticket_id}:${row.escalation_count}`, row])).values()];
    if (unique.length > 0) await trx('escalations_to_alert').insert(unique).onConflict(['ticket_id', 'escalation_count']).ignore();

    // 4. Customer, self-service and survey events, set-based like ticket events.
    const others = live.flatMap(({ item, index }) => item.events.flatMap((event) => (event.kind === 'ticket' ? [] : [{ source: item.source, event, owner: index }])));
    for (const [owner, count] of await writeOtherEvents(trx, others, this.clock())) written.set(owner, (written.get(owner) ?? 0) + count);

    return items.map((item, index) => {
      if (item.delivery !== undefined && !deliveryIds.has(index)) return DUPLICATE;
      const mine = [...(touchedBy.get(index) ?? [])];
      return {
        duplicate: false,
        eventsWritten: written.get(index) ?? 0,
        ticketsUpdated: mine.map((key) => splitSourceKey(key).externalId),
        escalated: mine.flatMap((key) => {
          const escalated = escalatedTickets.get(key);
          return escalated === undefined ? [] : [{ ticketId: escalated.ticketId, externalId: splitSourceKey(key).externalId, escalationCount: escalated.count }];
        }),
      };
    });
  }

  /**
   * Rebuilds the projections of the given tickets ("source\0externalId" keys)
   * from all their events; returns the row ids of those whose escalation count rose, with the count.
   */
  private async rebuildTickets(trx: Trx, keys: readonly string[]): Promise<Map<string, { ticketId: number; count: number }>> {
    const escalated = new Map<string, { ticketId: number; count: number }>();
    if (keys.length === 0) return escalated;
    const bySource = new Map<string, string[]>();
    // Tickets (and below, agents and customers) are written in one order, their keys', whatever order the deliveries
    // named them in: two replicas' transactions then take their row locks in the same order and cannot deadlock.
    for (const key of [...keys].sort()) {
      const { source, externalId } = splitSourceKey(key);
      bySource.set(source, [...(bySource.get(source) ?? []), externalId]);
    }
    const now = this.clock();
    const slaStore = new SlaStore(trx as unknown as Database, this.clock);
    // The SLA context is read once, with the first chunk's reads; reads that do not depend on each other go together (independently).
    let context: ProjectionContext | undefined;
    for (const [source, externalIds] of bySource) {
      for (const ids of chunks(externalIds, CHUNK)) {
        const known = context;
        const [{ policies, calendars }, rows, previousRows] = await independently<[ProjectionContext, (EventRow & { external_ticket_id: string })[], { external_id: string; escalation_count: number }[]]>(
          trx,
          () => known === undefined ? slaStore.projectionContext() : Promise.resolve(known),
          () => trx('ticket_events').select('external_ticket_id', 'type', 'occurred_at', 'actor_type', 'actor_id', 'data', 'dedupe_key').where({ source }).whereIn('external_ticket_id', ids),
          () => trx('tickets').select('external_id', 'escalation_count').where({ source }).whereIn('external_id', ids),
        );
        context = { policies, calendars };
        const eventsByTicket = new Map<string, LoggedTicketEvent[]>();
        for (const row of rows) {
          const list = eventsByTicket.get(row.external_ticket_id) ?? [];
          list.push(loggedEvent(row));
          eventsByTicket.set(row.external_ticket_id, list);
        }
        const previous = new Map(previousRows.map((row) => [row.external_id, row.escalation_count]));
        const projected = ids.flatMap((id) => {
          const events = eventsByTicket.get(id);
          return events === undefined ? [] : [{ id, projection: projectTicket(events, this.projection) }];
        });
        // A deleted ticket keeps its events (a restore brings it back) but no row: every KPI reads rows, so none counts it.
        await removeDeletedTickets(trx, source, projected.filter(({ projection }) => projection.deleted).map(({ id }) => id), now);
        const projections = projected.filter(({ projection }) => !projection.deleted);
        if (projections.length === 0) continue;
        const agentIds = await upsertAgents(trx, source, projections.flatMap(({ projection }) => projection.agents), now);
        const agentIdOf = (actor: Actor | undefined) => {
          const key = actor === undefined ? undefined : agentKey(actor);
          return key === undefined ? null : (agentIds.get(key) ?? null);
        };
        const rowOf = ({ id, projection }: { id: string; projection: TicketProjection }) => ({
          ...ticketRow(source, id, projection, agentIdOf(projection.assignee), now, slaOf(policies, projection, now)),
          ...businessColumns(calendars, projection),
        });
        // A restored ticket takes back the row id it had, so its alerts already posted are not posted again.
        const mayBeRestored = projections.filter(({ projection }) => projection.everDeleted).map(({ id }) => id);
        const restored = mayBeRestored.length === 0 ? [] : ((await trx('deleted_tickets').select('external_id', 'ticket_id').where({ source }).whereIn('external_id', mayBeRestored)) as { external_id: string; ticket_id: number }[]);
        if (restored.length > 0) {
          const oldIds = new Map(restored.map((row) => [row.external_id, Number(row.ticket_id)]));
          await trx('tickets').insert(projections.filter(({ id }) => oldIds.has(id)).map((entry) => ({ id: oldIds.get(entry.id), ...rowOf(entry) })));
          await trx('deleted_tickets').where({ source }).whereIn('external_id', [...oldIds.keys()]).delete();
        }
        const upserted = (await trx('tickets')
          .insert(projections.map(rowOf))
          .onConflict(['source', 'external_id'])
          .merge()
          .returning(['id', 'external_id'])) as { id: number; external_id: string }[];
        const ticketIds = new Map(upserted.map((row) => [row.external_id, Number(row.id)]));
        const rowIds = [...ticketIds.values()];

        const tags: { ticket_id: number; tag: string }[] = [];
        const intervals: { ticket_id: number; customer_at: number; replied_at: number; seconds: number }[] = [];
        const surveys: Record<string, unknown>[] = [];
        const spans: { ticket_id: number; resolved_at: number; reopened_at: number }[] = [];
        for (const { id, projection } of projections) {
          const ticketId = ticketIds.get(id) as number;
          if (projection.escalationCount > (previous.get(id) ?? 0)) escalated.set(sourceKey(source, id), { ticketId, count: projection.escalationCount });
          const texts = new Set(projection.tags.map((tag) => oneLine(tag, 100)));
          for (const tag of texts) if (tag !== undefined) tags.push({ ticket_id: ticketId, tag });
          for (const span of projection.resolvedSpans) spans.push({ ticket_id: ticketId, resolved_at: span.resolvedAt, reopened_at: span.reopenedAt });
          for (const interval of projection.responseIntervals) {
            intervals.push({ ticket_id: ticketId, customer_at: interval.customerAt, replied_at: interval.repliedAt, seconds: Math.round((interval.repliedAt - interval.customerAt) / 1000) });
          }
          for (const rating of projection.ratings) {
            surveys.push({
              source, kind: rating.kind, scale: rating.scale, score: rating.score, ticket_id: ticketId, agent_id: agentIdOf(rating.agent),
              responded_at: rating.respondedAt, dedupe_key: `ticket:${id}:${rating.kind}`,
            });
          }
        }
        // Each child table is replaced by a chain of its own (delete, then insert); the chains are independent.
        const replace = async (table: string, children: readonly Record<string, unknown>[]) => {
          await trx(table).whereIn('ticket_id', rowIds).delete();
          for (const group of chunks(children, CHUNK)) await trx(table).insert(group);
        };
        await independently(
          trx,
          () => replace('ticket_tags', tags),
          () => replace('ticket_response_intervals', intervals),
          () => replace('survey_responses', surveys),
          () => replace('ticket_resolved_spans', spans),
        );
      }
    }
    return escalated;
  }
}

function deliveryRow(delivery: DeliveryRecord, eventCount: number) {
  return {
    source: delivery.source,
    delivery_key: delivery.deliveryKey,
    received_at: delivery.receivedAt,
    status: 'processed',
    content_type: delivery.contentType ?? null,
    body_bytes: delivery.bodyBytes,
    body_sha256: delivery.bodySha256,
    payload: delivery.payload ?? null,
    event_count: eventCount,
  };
}

/** A key of one thing of one source (a ticket, a customer, a session): source and external id. */
const sourceKey = (source: string, externalId: string) => `${source}\u0000${externalId}`;
function splitSourceKey(key: string): { source: string; externalId: string } {
  const at = key.indexOf('\u0000');
  return { source: key.slice(0, at), externalId: key.slice(at + 1) };
}

function chunks<T>(list: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let start = 0; start < list.length; start += size) out.push(list.slice(start, start + size));
  return out;
}

interface EventRow {
  type: LoggedTicketEvent['type'];
  occurred_at: number;
  actor_type: Actor['type'] | null;
  actor_id: string | null;
  data: string;
  dedupe_key: string;
}

function ticketEventRow(source: string, event: TicketEvent, receivedAt: number, deliveryId: number | null) {
  // Actor email and name (agents only) travel inside data; the id and type have columns.
  const extras = event.actor?.type === 'agent' && (event.actor.email !== undefined || event.actor.name !== undefined) ? { actor: { email: event.actor.email, name: event.actor.name } } : {};
  return {
    source,
    external_ticket_id: event.externalTicketId,
    type: event.type,
    occurred_at: event.occurredAt,
    received_at: receivedAt,
    actor_type: event.actor?.type ?? null,
    actor_id: event.actor?.id ?? null,
    delivery_id: deliveryId,
    data: JSON.stringify({ ...event.data, ...extras }),
    dedupe_key: event.dedupeKey,
  };
}

function loggedEvent(row: EventRow): LoggedTicketEvent {
  const { actor: extras, ...data } = JSON.parse(row.data) as TicketEventData & { actor?: { email?: string; name?: string } };
  const actor: Actor | undefined =
    row.actor_type === null ? undefined : { type: row.actor_type, ...(row.actor_id === null ? {} : { id: row.actor_id }), ...(extras ?? {}) };
  return { type: row.type, occurredAt: row.occurred_at, actor, data, dedupeKey: row.dedupe_key };
}

interface SlaColumns {
  readonly policyId: number | null;
  readonly firstResponseDueAt: number | null;
  readonly nextReplyDueAt: number | null;
  readonly resolutionDueAt: number | null;
  /** A customer message answered after its next-reply due time (the wait still running is judged by its due time). */
  readonly nextReplyBreached: boolean;
}

/**
 * Due times from the first matching SLA policy (business hours and pauses
 * included); without one, the due times the helpdesk itself reported.
 */
export function slaOf(policies: readonly SlaPolicy[], p: TicketProjection, now: number): SlaColumns {
  const policy = policies.length === 0 ? undefined : matchPolicy(policies, { ...(p.priority === undefined ? {} : { priority: p.priority }), ...(p.team === undefined ? {} : { team: p.team }) });
  if (policy === undefined) {
    return { policyId: null, firstResponseDueAt: p.firstResponseDueAt ?? null, nextReplyDueAt: null, resolutionDueAt: p.resolutionDueAt ?? null, nextReplyBreached: false };
  }
  const intervals = p.statusHistory.map((entry, index) => ({ status: entry.status, from: entry.from, ...(p.statusHistory[index + 1] === undefined ? {} : { to: p.statusHistory[index + 1]?.from }) }));
  const ticket: SlaTicket = {
    createdAt: p.createdAt,
    // A ticket an agent opened: the first response answers the customer's first message, as frt measures it; none yet, no clock.
    ...(p.createdByAgent ? { firstResponseStartAt: p.firstCustomerMessageAt ?? null } : {}),
    ...(p.firstResponseAt === undefined ? {} : { firstResponseAt: p.firstResponseAt }),
    ...(p.resolvedAt === undefined ? {} : { resolvedAt: p.resolvedAt }),
  };
  const firstResponseAt = p.firstResponseAt;
  // Next reply: each customer message waiting once the first response was given (the wait before it is the first response's).
  const due = computeDueTimes(policy, { ...ticket, ...(firstResponseAt !== undefined && p.awaitingReplySince !== undefined ? { nextReplyStartAt: p.awaitingReplySince } : {}) }, intervals, now);
  const nextReplyBreached =
    policy.nextReplySeconds != null &&
    firstResponseAt !== undefined &&
    p.responseIntervals.some(
      (wait) => wait.repliedAt > firstResponseAt && evaluateTarget(policy, { ...ticket, nextReplyStartAt: wait.customerAt, nextReplyAt: wait.repliedAt }, intervals, now, 'nextReply')?.breached === true,
    );
  return { policyId: policy.id, firstResponseDueAt: due.firstResponseDueAt ?? null, nextReplyDueAt: due.nextReplyDueAt ?? null, resolutionDueAt: due.resolutionDueAt ?? null, nextReplyBreached };
}

/** Business-hours durations (ms) in the calendar of the ticket's team, else the default, else calendar hours. */
function businessColumns(calendars: TeamCalendars, p: TicketProjection) {
  const durations = businessDurations(calendarOfTeam(calendars, p.team), p);
  return { first_response_business_ms: durations.firstResponseMs, first_resolution_business_ms: durations.firstResolutionMs, resolution_business_ms: durations.resolutionMs };
}

function ticketRow(source: string, externalId: string, p: TicketProjection, assigneeAgentId: number | null, now: number, sla: SlaColumns) {
  const team = p.team === undefined ? undefined : oneLine(p.team, 200);
  return {
    source,
    external_id: externalId,
    url: p.url?.slice(0, 500) ?? null,
    requester_id: p.requesterId ?? null,
    status: p.status,
    priority: p.priority ?? null,
    channel: (p.channel === undefined ? undefined : oneLine(p.channel, 50)) ?? null,
    team: team ?? null,
    team_key: team === undefined ? null : matchKey(team),
    assignee_agent_id: assigneeAgentId,
    created_by_agent: p.createdByAgent,
    created_at: p.createdAt,
    updated_at: p.updatedAt,
    first_customer_message_at: p.firstCustomerMessageAt ?? null,
    first_response_at: p.firstResponseAt ?? null,
    first_resolved_at: p.firstResolvedAt ?? null,
    resolved_at: p.resolvedAt ?? null,
    closed_at: p.closedAt ?? null,
    reopen_count: p.reopenCount,
    agent_reply_count: p.agentReplyCount,
    customer_message_count: p.customerMessageCount,
    escalated_at: p.escalatedAt ?? null,
    escalation_count: p.escalationCount,
    handle_time_seconds: p.handleTimeSeconds,
    ...durationColumns(p),
    sla_policy_id: sla.policyId,
    first_response_due_at: sla.firstResponseDueAt,
    next_reply_due_at: sla.nextReplyDueAt,
    next_reply_breached: sla.nextReplyBreached,
    resolution_due_at: sla.resolutionDueAt,
    projected_at: now,
  };
}

/** The calendar first response and full resolution times (ms) and their buckets (src/kpi/duration-buckets.ts). */
function durationColumns(p: TicketProjection) {
  const durations = calendarDurations(p);
  const firstResponse = bucketed(durations.firstResponseMs);
  const resolution = bucketed(durations.resolutionMs);
  return {
    first_response_ms: firstResponse.ms,
    first_response_bucket: firstResponse.bucket,
    resolution_ms: resolution.ms,
    resolution_bucket: resolution.bucket,
  };
}

/**
 * Removes the rows of tickets deleted in the helpdesk; their tags, intervals, spans, survey answers and alerts go
 * with them (foreign keys), and their posts still waiting in the outbox are cancelled. Each row id is kept in
 * `deleted_tickets` for a restore.
 */
async function removeDeletedTickets(trx: Trx, source: string, externalIds: readonly string[], now: number): Promise<void> {
  if (externalIds.length === 0) return;
  const rows = (await trx('tickets').select('id', 'external_id').where({ source }).whereIn('external_id', externalIds)) as { id: number; external_id: string }[];
  if (rows.length === 0) return;
  const ids = rows.map((row) => Number(row.id));
  await trx('deleted_tickets').insert(rows.map((row) => ({ source, external_id: row.external_id, ticket_id: Number(row.id), deleted_at: now }))).onConflict(['source', 'external_id']).merge();
  await trx('alert_outbox').whereIn('ticket_id', ids).whereIn('state', ['pending', 'sending']).update({ state: 'cancelled' });
  await trx('tickets').whereIn('id', ids).delete();
}

/** The one order rows are written in (keys compared as code units, as `[].sort()` does), so that concurrent writers lock rows alike. */
function inKeyOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Upserts agents by helpdesk identity, keeping known emails and names; returns their ids by key. */
async function upsertAgents(trx: Trx, source: string, agents: readonly Actor[], now: number): Promise<Map<string, number>> {
  const ids = new Map<string, number>();
  // One row per agent (PostgreSQL refuses an upsert that touches a row twice), keeping any known email and name.
  const byKey = new Map<string, { source: string; external_id: string; email: string | null; name: string | null; name_key: string | null; created_at: number; updated_at: number }>();
  for (const agent of agents) {
    const key = agentKey(agent);
    if (key === undefined) continue;
    const known = byKey.get(key);
    const name = (agent.name === undefined ? undefined : oneLine(agent.name, 200)) ?? known?.name ?? null;
    byKey.set(key, {
      source,
      external_id: key,
      email: agent.email?.toLowerCase() ?? known?.email ?? null,
      name,
      name_key: name === null ? null : matchKey(name),
      created_at: now,
      updated_at: now,
    });
  }
  const rows = [...byKey.values()].sort((a, b) => inKeyOrder(a.external_id, b.external_id));
  if (rows.length === 0) return ids;
  // An account with the address of a person already linked to Slack (`/kpi link`, the Home tab) is that person's too:
  // a second helpdesk's account, or one first seen after the link, gets their Slack user (an index lookup by address).
  const linkedByAddress = (email: string | null) =>
    email === null ? null : trx.raw('(select l.slack_user_id from agents as l where l.email = ? and l.slack_user_id is not null order by l.id limit 1)', [email]);
  // RETURNING gives each row's id, inserted or updated, on both engines: no second read.
  const found = (await trx('agents')
    .insert(rows.map((row) => ({ ...row, slack_user_id: linkedByAddress(row.email) })))
    .onConflict(['source', 'external_id'])
    .merge({
      email: trx.raw('coalesce(excluded.email, agents.email)'),
      name: trx.raw('coalesce(excluded.name, agents.name)'),
      name_key: trx.raw('coalesce(excluded.name_key, agents.name_key)'),
      slack_user_id: trx.raw('coalesce(agents.slack_user_id, excluded.slack_user_id)'),
      updated_at: trx.raw('excluded.updated_at'),
    })
    .returning(['id', 'external_id'])) as { id: number; external_id: string }[];
  for (const row of found) ids.set(row.external_id, row.id);
  return ids;
}

type OtherEvent = CustomerEvent | SelfServiceEvent | SurveyEvent;

/**
 * Writes customer, self-service and survey events with a few statements per
 * batch; returns how many each owner (item index) wrote. A customer event or
 * survey answer seen before is skipped (the first of a batch wins); a session
 * seen before is updated, and counts only if that changes it. Customers are
 * created on first mention, and those with new events get their span
 * recomputed from their whole history.
 */
async function writeOtherEvents(trx: Trx, others: readonly { source: string; event: OtherEvent; owner: number }[], now: number): Promise<Map<number, number>> {
  const counts = new Map<number, number>();
  const count = (owner: number | undefined) => {
    if (owner !== undefined) counts.set(owner, (counts.get(owner) ?? 0) + 1);
  };
  if (others.length === 0) return counts;

  // Customers first mentioned here are created; the ids of all mentioned are read back.
  const mentioned = new Map<string, { source: string; external_id: string }>();
  for (const { source, event } of others) {
    const externalId = event.kind === 'customer' ? event.customerId : event.kind === 'survey' ? event.customerId : undefined;
    if (externalId !== undefined) mentioned.set(sourceKey(source, externalId), { source, external_id: externalId });
  }
  const customerIds = new Map<string, number>();
  const customerById = new Map<number, { source: string; external_id: string }>();
  for (const group of chunks([...mentioned].sort(([a], [b]) => inKeyOrder(a, b)).map(([, row]) => row), CHUNK)) {
    await trx('customers').insert(group.map((row) => ({ ...row, created_at: now, updated_at: now }))).onConflict(['source', 'external_id']).ignore();
    const rows = (await trx('customers').select('id', 'source', 'external_id').whereIn(['source', 'external_id'], group.map((row) => [row.source, row.external_id]))) as { id: number; source: string; external_id: string }[];
    for (const row of rows) {
      customerIds.set(sourceKey(row.source, row.external_id), Number(row.id));
      customerById.set(Number(row.id), { source: row.source, external_id: row.external_id });
    }
  }

  // Customer events and survey answers: inserted unless seen; each new row counts for the first owner of its key.
  const firstOwner = new Map<string, number>();
  const claim = (source: string, dedupeKey: string, owner: number) => {
    const key = `${source}\u0000${dedupeKey}`;
    if (!firstOwner.has(key)) firstOwner.set(key, owner);
  };
  const customerRows = others.flatMap(({ source, event, owner }) => {
    if (event.kind !== 'customer') return [];
    claim(`c:${source}`, event.dedupeKey, owner);
    return [{ source, customer_id: customerIds.get(sourceKey(source, event.customerId)) as number, type: event.type, occurred_at: event.occurredAt, dedupe_key: event.dedupeKey }];
  });
  const changedCustomers = new Set<number>();
  for (const group of chunks(customerRows, CHUNK)) {
    const inserted = (await trx('customer_events').insert(group).onConflict(['source', 'dedupe_key']).ignore().returning(['source', 'dedupe_key', 'customer_id'])) as { source: string; dedupe_key: string; customer_id: number }[];
    for (const row of inserted) {
      count(firstOwner.get(`c:${row.source}\u0000${row.dedupe_key}`));
      changedCustomers.add(Number(row.customer_id));
    }
  }
  const surveyRows = others.flatMap(({ source, event, owner }) => {
    if (event.kind !== 'survey') return [];
    claim(`s:${source}`, event.dedupeKey, owner);
    return [{
      source, kind: event.rating.kind, scale: event.rating.scale, score: event.rating.score,
      customer_id: event.customerId === undefined ? null : (customerIds.get(sourceKey(source, event.customerId)) ?? null),
      survey_id: event.surveyId ?? null, responded_at: event.occurredAt, dedupe_key: event.dedupeKey,
    }];
  });
  for (const group of chunks(surveyRows, CHUNK)) {
    const inserted = (await trx('survey_responses').insert(group).onConflict(['source', 'dedupe_key']).ignore().returning(['source', 'dedupe_key'])) as { source: string; dedupe_key: string }[];
    for (const row of inserted) count(firstOwner.get(`s:${row.source}\u0000${row.dedupe_key}`));
  }

  // Sessions: each word counts if it is new or changes the session as it stood (stored, or as the batch's earlier words left it);
  // the last word is written (one statement may not touch a row twice).
  type SessionRow = { source: string; external_id: string; started_at: number; resolved_without_ticket: boolean; external_ticket_id: string | null };
  const words = others.flatMap(({ source, event, owner }): { owner: number; row: SessionRow }[] =>
    event.kind !== 'self_service' ? [] : [{ owner, row: { source, external_id: event.sessionId, started_at: event.startedAt, resolved_without_ticket: event.resolvedWithoutTicket, external_ticket_id: event.externalTicketId ?? null } }],
  );
  const state = new Map<string, { resolved: boolean; ticket: string | null } | undefined>();
  const pairs = [...new Set(words.map(({ row }) => sourceKey(row.source, row.external_id)))].map((key) => key.split('\u0000') as [string, string]);
  for (const group of chunks(pairs, CHUNK)) {
    const stored = (await trx('self_service_sessions').select('source', 'external_id', 'resolved_without_ticket', 'external_ticket_id').whereIn(['source', 'external_id'], group)) as { source: string; external_id: string; resolved_without_ticket: boolean | number; external_ticket_id: string | null }[];
    for (const row of stored) state.set(sourceKey(row.source, row.external_id), { resolved: Boolean(row.resolved_without_ticket), ticket: row.external_ticket_id });
  }
  const last = new Map<string, SessionRow>();
  for (const { owner, row } of words) {
    const key = sourceKey(row.source, row.external_id);
    const before = state.get(key);
    if (before === undefined || before.resolved !== row.resolved_without_ticket || before.ticket !== row.external_ticket_id) {
      count(owner);
      state.set(key, { resolved: row.resolved_without_ticket, ticket: row.external_ticket_id });
      last.set(key, row);
    }
  }
  for (const group of chunks([...last.values()], CHUNK)) {
    await trx('self_service_sessions').insert(group).onConflict(['source', 'external_id']).merge(['resolved_without_ticket', 'external_ticket_id']);
  }

  // A customer since its first event that is not a churn; churned at its latest churn not followed by a return.
  for (const group of chunks([...changedCustomers], CHUNK)) {
    const history = (await trx('customer_events').select('customer_id', 'type', 'occurred_at').whereIn('customer_id', group).orderBy('customer_id').orderBy('occurred_at').orderBy('id')) as { customer_id: number; type: CustomerEvent['type']; occurred_at: number }[];
    const spans = new Map<number, { became_customer_at: number | null; churned_at: number | null }>();
    for (const entry of history) {
      const span = spans.get(Number(entry.customer_id)) ?? { became_customer_at: null, churned_at: null };
      if (entry.type === 'churned') span.churned_at = entry.occurred_at;
      else {
        span.became_customer_at ??= entry.occurred_at;
        span.churned_at = null;
      }
      spans.set(Number(entry.customer_id), span);
    }
    const rows = [...spans].map(([id, span]) => ({ ...(customerById.get(id) as { source: string; external_id: string }), ...span, created_at: now, updated_at: now }));
    await trx('customers').insert(rows).onConflict(['source', 'external_id']).merge(['became_customer_at', 'churned_at', 'updated_at']);
  }
  return counts;
}

/**
 * On PostgreSQL, concurrent writers touching one ticket are serialized with a
 * transaction-scoped advisory lock, so each rebuild sees the other's events.
 * Locks are taken in sorted order to avoid deadlocks. SQLite has one writer.
 */
async function lockTickets(trx: Trx, keys: readonly string[]): Promise<void> {
  if (keys.length === 0 || engineOf(trx) !== 'postgres') return;
  for (const group of chunks(keys, CHUNK)) {
    await trx.raw(`select pg_advisory_xact_lock(hashtext(k)) from unnest(?::text[]) with ordinality as t(k, n) order by n`, [group.map((key) => key.replace('\u0000', ':'))]);
  }
}

