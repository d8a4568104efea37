/**
 * Writes what the ingest path produces: a delivery and its normalized events in
 * one transaction, and the projections they change (tickets, tags, ratings,
 * response intervals, agents, customers), rebuilt from the event log in time
 * order. A delivery or event seen before changes nothing.
 */
import type { Knex } from 'knex';
import type { Database } from './database.js';
import { engineOf } from './database.js';
import type { Actor, CustomerEvent, NormalizedEvent, SelfServiceEvent, SurveyEvent, TicketEvent, TicketEventData } from '../ingest/events.js';
import { agentKey, projectTicket, type LoggedTicketEvent, type ProjectionOptions, type TicketProjection } from '../ingest/project-ticket.js';

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

export interface DeliveryOutcome {
  /** The delivery key was seen before: nothing was written. */
  readonly duplicate: boolean;
  /** Events new to the log. */
  readonly eventsWritten: number;
  /** External ids of tickets whose projection was rebuilt. */
  readonly ticketsUpdated: readonly string[];
  /** Tickets whose escalation count rose with this delivery. */
  readonly escalated: readonly { readonly ticketId: number; readonly externalId: string }[];
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
const CHUNK = 200;

export class IngestStore {
  constructor(
    private readonly db: Database,
    private readonly projection: ProjectionOptions,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Stores one accepted delivery and its events, then rebuilds what they touch; all or nothing. */
  async recordDelivery(delivery: DeliveryRecord, events: readonly NormalizedEvent[]): Promise<DeliveryOutcome> {
    return this.db.transaction(async (trx) => {
      const inserted = await trx('webhook_deliveries')
        .insert({
          source: delivery.source,
          delivery_key: delivery.deliveryKey,
          received_at: delivery.receivedAt,
          status: 'processed',
          content_type: delivery.contentType ?? null,
          body_bytes: delivery.bodyBytes,
          body_sha256: delivery.bodySha256,
          payload: delivery.payload ?? null,
          event_count: events.length,
        })
        .onConflict(['source', 'delivery_key'])
        .ignore()
        .returning('id');
      if (inserted.length === 0) return { duplicate: true, eventsWritten: 0, ticketsUpdated: [], escalated: [] };
      const deliveryId = rowId(inserted[0]);
      return this.writeEvents(trx, delivery.source, events, delivery.receivedAt, deliveryId);
    });
  }

  /** Writes events that came without a delivery (CSV import), in the caller's transaction or a new one. */
  async recordEvents(source: string, events: readonly NormalizedEvent[], trx?: Trx): Promise<DeliveryOutcome> {
    if (trx !== undefined) return this.writeEvents(trx, source, events, this.clock(), null);
    return this.db.transaction((inner) => this.writeEvents(inner, source, events, this.clock(), null));
  }

  /** Keeps a refused delivery for inspection (`kpibot deliveries --rejected`); a repeat is stored once. */
  async recordRejected(delivery: RejectedDelivery): Promise<void> {
    await this.db('webhook_deliveries')
      .insert({
        source: delivery.source,
        delivery_key: delivery.deliveryKey,
        received_at: delivery.receivedAt,
        status: 'rejected',
        reason: delivery.reason,
        detail: delivery.detail.slice(0, 500),
        content_type: delivery.contentType ?? null,
        body_bytes: delivery.bodyBytes,
        body_sha256: delivery.bodySha256,
        payload: delivery.payload ?? null,
        event_count: 0,
      })
      .onConflict(['source', 'delivery_key'])
      .ignore();
  }

  /** The latest deliveries, newest first; `rejected` keeps only refused ones. */
  async listDeliveries(options: { rejected?: boolean; source?: string; limit?: number } = {}): Promise<DeliveryRow[]> {
    const query = this.db('webhook_deliveries')
      .select('id', 'source', 'delivery_key', 'received_at', 'status', 'reason', 'detail', 'event_count', 'payload')
      .orderBy('received_at', 'desc')
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

  private async writeEvents(trx: Trx, source: string, events: readonly NormalizedEvent[], receivedAt: number, deliveryId: number | null): Promise<DeliveryOutcome> {
    const ticketEvents = events.filter((event): event is TicketEvent => event.kind === 'ticket');
    const ticketIds = [...new Set(ticketEvents.map((event) => event.externalTicketId))].sort();
    await lockTickets(trx, source, ticketIds);

    let eventsWritten = 0;
    const touched = new Set<string>();
    for (let start = 0; start < ticketEvents.length; start += CHUNK) {
      const rows = ticketEvents.slice(start, start + CHUNK).map((event) => ticketEventRow(source, event, receivedAt, deliveryId));
      const written = (await trx('ticket_events').insert(rows).onConflict(['source', 'dedupe_key']).ignore().returning(['external_ticket_id'])) as { external_ticket_id: string }[];
      eventsWritten += written.length;
      for (const row of written) touched.add(row.external_ticket_id);
    }

    const ticketsUpdated: string[] = [];
    const escalated: { ticketId: number; externalId: string }[] = [];
    for (const externalId of ticketIds) {
      if (!touched.has(externalId)) continue;
      const result = await this.rebuildTicket(trx, source, externalId);
      ticketsUpdated.push(externalId);
      if (result.escalationCount > result.previousEscalationCount) escalated.push({ ticketId: result.ticketId, externalId });
    }

    for (const event of events) {
      if (event.kind === 'customer') eventsWritten += await writeCustomerEvent(trx, source, event, this.clock());
      else if (event.kind === 'self_service') eventsWritten += await writeSelfService(trx, source, event);
      else if (event.kind === 'survey') eventsWritten += await writeSurvey(trx, source, event, this.clock());
    }
    return { duplicate: false, eventsWritten, ticketsUpdated, escalated };
  }

  /** Rebuilds one ticket's projection from all its events. */
  async rebuildTicket(trx: Trx, source: string, externalId: string): Promise<{ ticketId: number; escalationCount: number; previousEscalationCount: number }> {
    const rows = (await trx('ticket_events')
      .select('type', 'occurred_at', 'actor_type', 'actor_id', 'data', 'dedupe_key')
      .where({ source, external_ticket_id: externalId })) as EventRow[];
    const projection = projectTicket(rows.map(loggedEvent), this.projection);
    const previous = (await trx('tickets').first('escalation_count').where({ source, external_id: externalId })) as { escalation_count: number } | undefined;

    const now = this.clock();
    const agentIds = await upsertAgents(trx, source, projection.agents, now);
    const assigneeKey = projection.assignee === undefined ? undefined : agentKey(projection.assignee);
    const [inserted] = await trx('tickets')
      .insert(ticketRow(source, externalId, projection, assigneeKey === undefined ? null : (agentIds.get(assigneeKey) ?? null), now))
      .onConflict(['source', 'external_id'])
      .merge()
      .returning('id');
    const ticketId = rowId(inserted);

    await trx('ticket_tags').where({ ticket_id: ticketId }).delete();
    if (projection.tags.length > 0) await trx('ticket_tags').insert(projection.tags.map((tag) => ({ ticket_id: ticketId, tag: tag.slice(0, 100) })));

    await trx('ticket_response_intervals').where({ ticket_id: ticketId }).delete();
    for (let start = 0; start < projection.responseIntervals.length; start += CHUNK) {
      await trx('ticket_response_intervals').insert(
        projection.responseIntervals.slice(start, start + CHUNK).map((interval) => ({
          ticket_id: ticketId,
          customer_at: interval.customerAt,
          replied_at: interval.repliedAt,
          seconds: Math.round((interval.repliedAt - interval.customerAt) / 1000),
        })),
      );
    }

    await trx('survey_responses').where({ ticket_id: ticketId }).delete();
    if (projection.ratings.length > 0) {
      await trx('survey_responses').insert(
        projection.ratings.map((rating) => {
          const key = rating.agent === undefined ? undefined : agentKey(rating.agent);
          return {
            source,
            kind: rating.kind,
            scale: rating.scale,
            score: rating.score,
            ticket_id: ticketId,
            agent_id: key === undefined ? null : (agentIds.get(key) ?? null),
            responded_at: rating.respondedAt,
            dedupe_key: `ticket:${externalId}:${rating.kind}`,
          };
        }),
      );
    }
    return { ticketId, escalationCount: projection.escalationCount, previousEscalationCount: previous?.escalation_count ?? 0 };
  }
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

function ticketRow(source: string, externalId: string, p: TicketProjection, assigneeAgentId: number | null, now: number) {
  return {
    source,
    external_id: externalId,
    url: p.url?.slice(0, 500) ?? null,
    requester_id: p.requesterId ?? null,
    status: p.status,
    priority: p.priority ?? null,
    channel: p.channel?.slice(0, 50) ?? null,
    team: p.team?.slice(0, 200) ?? null,
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
    first_response_due_at: p.firstResponseDueAt ?? null,
    resolution_due_at: p.resolutionDueAt ?? null,
    projected_at: now,
  };
}

/** Upserts agents by helpdesk identity, keeping known emails and names; returns their ids by key. */
async function upsertAgents(trx: Trx, source: string, agents: readonly Actor[], now: number): Promise<Map<string, number>> {
  const ids = new Map<string, number>();
  const rows = agents.flatMap((agent) => {
    const key = agentKey(agent);
    return key === undefined
      ? []
      : [{ source, external_id: key, email: agent.email?.toLowerCase() ?? null, name: agent.name?.slice(0, 200) ?? null, created_at: now, updated_at: now }];
  });
  if (rows.length === 0) return ids;
  await trx('agents')
    .insert(rows)
    .onConflict(['source', 'external_id'])
    .merge({
      email: trx.raw('coalesce(excluded.email, agents.email)'),
      name: trx.raw('coalesce(excluded.name, agents.name)'),
      updated_at: trx.raw('excluded.updated_at'),
    });
  const found = (await trx('agents').select('id', 'external_id').where({ source }).whereIn('external_id', rows.map((row) => row.external_id))) as { id: number; external_id: string }[];
  for (const row of found) ids.set(row.external_id, row.id);
  return ids;
}

async function upsertCustomer(trx: Trx, source: string, externalId: string, now: number): Promise<number> {
  await trx('customers').insert({ source, external_id: externalId, created_at: now, updated_at: now }).onConflict(['source', 'external_id']).ignore();
  const row = (await trx('customers').first('id').where({ source, external_id: externalId })) as { id: number };
  return row.id;
}

async function writeCustomerEvent(trx: Trx, source: string, event: CustomerEvent, now: number): Promise<number> {
  const customerId = await upsertCustomer(trx, source, event.customerId, now);
  const written = await trx('customer_events')
    .insert({ source, customer_id: customerId, type: event.type, occurred_at: event.occurredAt, dedupe_key: event.dedupeKey })
    .onConflict(['source', 'dedupe_key'])
    .ignore()
    .returning('id');
  if (written.length === 0) return 0;
  // Customer since its first purchase or sign-up; churned at its latest churn not followed by a return.
  const history = (await trx('customer_events').select('type', 'occurred_at').where({ customer_id: customerId }).orderBy('occurred_at').orderBy('id')) as { type: CustomerEvent['type']; occurred_at: number }[];
  let becameCustomerAt: number | null = null;
  let churnedAt: number | null = null;
  for (const entry of history) {
    if (entry.type === 'churned') churnedAt = entry.occurred_at;
    else {
      becameCustomerAt ??= entry.occurred_at;
      churnedAt = null;
    }
  }
  await trx('customers').where({ id: customerId }).update({ became_customer_at: becameCustomerAt, churned_at: churnedAt, updated_at: now });
  return 1;
}

async function writeSelfService(trx: Trx, source: string, event: SelfServiceEvent): Promise<number> {
  const written = await trx('self_service_sessions')
    .insert({
      source,
      external_id: event.sessionId,
      started_at: event.startedAt,
      resolved_without_ticket: event.resolvedWithoutTicket,
      external_ticket_id: event.externalTicketId ?? null,
    })
    .onConflict(['source', 'external_id'])
    .merge(['resolved_without_ticket', 'external_ticket_id'])
    .returning('id');
  return written.length;
}

async function writeSurvey(trx: Trx, source: string, event: SurveyEvent, now: number): Promise<number> {
  const customerId = event.customerId === undefined ? null : await upsertCustomer(trx, source, event.customerId, now);
  const written = await trx('survey_responses')
    .insert({
      source,
      kind: event.rating.kind,
      scale: event.rating.scale,
      score: event.rating.score,
      customer_id: customerId,
      survey_id: event.surveyId ?? null,
      responded_at: event.occurredAt,
      dedupe_key: event.dedupeKey,
    })
    .onConflict(['source', 'dedupe_key'])
    .ignore()
    .returning('id');
  return written.length;
}

/**
 * On PostgreSQL, concurrent deliveries for one ticket are serialized with a
 * transaction-scoped advisory lock, so each rebuild sees the other's events.
 * Locks are taken in sorted order to avoid deadlocks. SQLite has one writer.
 */
async function lockTickets(trx: Trx, source: string, externalIds: readonly string[]): Promise<void> {
  if (externalIds.length === 0 || engineOf(trx) !== 'postgres') return;
  for (const id of externalIds) await trx.raw('select pg_advisory_xact_lock(hashtext(?))', [`${source}:${id}`]);
}

function rowId(row: unknown): number {
  return typeof row === 'object' && row !== null ? Number((row as { id: number }).id) : Number(row);
}
