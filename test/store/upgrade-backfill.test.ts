/**
 * An upgrade leaves each ticket as a fresh ingest of the same life would under
 * the new rules. Each case seeds a database as an earlier release left it (the
 * events it stored, the projection it wrote), applies the later migrations
 * again as an upgrade does, runs the start's rebuild
 * (IngestStore.backfillProjections, as src/app.ts), and compares the ticket's
 * row and child rows with the same life ingested afresh under another id. The
 * database holds only the cases' tickets, so the migration must ask for the
 * rebuild from them alone.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { IngestStore } from '../../src/store/ingest-store.js';
import { migrateDown, migrateLatest } from '../../src/store/migrations.js';
import { zendeskAdapter } from '../../src/ingest/zendesk.js';
import type { Actor, NormalizedEvent, TicketEvent, TicketEventData } from '../../src/ingest/events.js';
import type { Database } from '../../src/store/database.js';
import { TEST_ENGINE, useTestDatabase } from '../helpers/databases.js';

const T0 = Date.UTC(2026, 10, 20, 9, 0, 0);
const HOUR = 3_600_000;
const NOW = T0 + 48 * HOUR;
const OPTIONS = { escalationGroups: [], escalationTag: 'escalated' };
const AGENT: Actor = { type: 'agent', id: 'a1' };

const event = (id: string, key: string, type: TicketEvent['type'], at: number, data: TicketEventData = {}): TicketEvent => ({
  kind: 'ticket', type, externalTicketId: id, occurredAt: at, actor: type === 'ticket_created' ? { type: 'customer', id: 'c1' } : AGENT, data, dedupeKey: `${id}:${key}`,
});

/** A ticket created without a priority, then the changes given (time in hours after creation). */
const life = (id: string, changes: readonly [number, TicketEvent['type'], TicketEventData][]): TicketEvent[] => [
  event(id, 'created', 'ticket_created', T0, { status: 'new' }),
  ...changes.map(([hours, type, data], index) => event(id, `e${index}`, type, T0 + hours * HOUR, data)),
];

/** Zendesk event-subscription deliveries: a ticket agent 501 opened for requester 9001, its description by 501 a second later, the customer's answer. */
function zendeskDeliveries(ticketId: string): unknown[] {
  const envelope = (key: string, at: number, type: string, change: Record<string, unknown>) => ({
    account_id: 1, id: `${ticketId}-${key}`, time: new Date(at).toISOString(), type: `zen:event-type:ticket.${type}`, subject: `zen:ticket:${ticketId}`, zendesk_event_version: '2022-11-06',
    detail: {
      id: ticketId, created_at: new Date(T0).toISOString(), updated_at: new Date(at).toISOString(), status: 'NEW', priority: null, group_id: null, assignee_id: null,
      requester_id: '9001', submitter_id: '501', tags: [], via: { channel: 'web' },
    },
    event: change,
  });
  const comment = (id: string, author: { id: string; is_staff: boolean; name: string }) => ({ comment: { id: `${ticketId}-${id}`, body: 'text', is_public: true, author } });
  return [
    envelope('created', T0, 'created', {}),
    envelope('description', T0 + 1000, 'comment_added', comment('description', { id: '501', is_staff: true, name: 'Agent One' })),
    envelope('answer', T0 + 2 * HOUR, 'comment_added', comment('answer', { id: '9001', is_staff: false, name: 'Customer' })),
  ];
}
const zendeskEvents = (ticketId: string): NormalizedEvent[] => zendeskDeliveries(ticketId).flatMap((body) => zendeskAdapter.parse(body, { headers: {}, receivedAt: NOW }));

/** The description as the adapter before migration 29 kept it: a public agent reply (src/ingest/zendesk.ts at that release). */
const storedDescription = (ticketId: string): TicketEvent => ({
  kind: 'ticket', type: 'agent_reply', externalTicketId: ticketId, occurredAt: T0 + 1000, actor: { type: 'agent', id: '501', name: 'Agent One' },
  data: { status: 'new', team: null, assignee: null, channel: 'web', requesterId: '9001', tags: [] }, dedupeKey: `comment:${ticketId}-description`,
});

/** A ticket's projection and child rows, without what names the row (id, external id) or when it was written. */
async function projection(db: Database, source: string, externalId: string) {
  const row = (await db('tickets').where({ source, external_id: externalId }).first()) as Record<string, unknown> | undefined;
  if (row === undefined) throw new Error(`no ticket ${source}/${externalId}`);
  const { id, external_id: _externalId, projected_at: _projectedAt, ...columns } = row;
  const children = async (table: string, order: string[]) => (await db(table).where({ ticket_id: id }).orderBy(order)) as Record<string, unknown>[];
  const strip = (rows: Record<string, unknown>[]) => rows.map(({ id: _id, ticket_id: _ticketId, dedupe_key: _key, ...rest }) => rest);
  return {
    columns,
    tags: strip(await children('ticket_tags', ['tag'])),
    intervals: strip(await children('ticket_response_intervals', ['customer_at'])),
    spans: strip(await children('ticket_resolved_spans', ['resolved_at'])),
    surveys: strip(await children('survey_responses', ['kind'])),
  };
}

/** Upgrades from the release before migration 29, and from the release that had it (whose selection missed tickets). */
const FROM = [
  { release: 'before migration 29', undo: ['20261125000043_open_breach_index', '20261125000042_outbox_due_at', '20261124000041_jira_requester_replies', '20261124000040_escalations_to_alert', '20261124000039_kpi_goals', '20261124000038_digest_breakdown', '20261124000037_reported_openers_rebuild', '20261124000036_slack_languages', '20261124000035_deleted_tickets', '20261124000034_outbox_claimer', '20261123000033_policy_precedence', '20261123000032_impossible_holidays', '20261123000031_urgent_raised_and_descriptions', '20261123000030_scrub_changed_subjects', '20261123000029_urgent_and_openings_rebuild'] },
  { release: 'with migrations 29 and 30', undo: ['20261125000043_open_breach_index', '20261125000042_outbox_due_at', '20261124000041_jira_requester_replies', '20261124000040_escalations_to_alert', '20261124000039_kpi_goals', '20261124000038_digest_breakdown', '20261124000037_reported_openers_rebuild', '20261124000036_slack_languages', '20261124000035_deleted_tickets', '20261124000034_outbox_claimer', '20261123000033_policy_precedence', '20261123000032_impossible_holidays', '20261123000031_urgent_raised_and_descriptions'] },
];

describe.each(FROM)(`an upgrade from the release $release rebuilds as a fresh ingest would, on ${TEST_ENGINE}`, ({ undo }) => {
  const t = useTestDatabase({ migrate: true });
  let store: IngestStore;

  beforeEach(async () => {
    for (const name of undo) expect(await migrateDown(t.db)).toBe(name);
    store = new IngestStore(t.db, OPTIONS, () => NOW);
  });

  /** The migrations undone, then the rebuild at start. */
  const upgrade = async () => {
    await migrateLatest(t.db);
    return store.backfillProjections();
  };

  it('a ticket set to urgent after a creation without a priority, then lowered, gets the escalation', async () => {
    const changes: [number, TicketEvent['type'], TicketEventData][] = [[1, 'priority_changed', { priority: 'urgent' }], [2, 'priority_changed', { priority: 'normal' }]];
    await store.recordEvents('generic', life('U-1', changes));
    // As projected before: no escalation.
    await t.db('tickets').where({ external_id: 'U-1' }).update({ escalated_at: null, escalation_count: 0 });

    expect(await upgrade()).toEqual([{ key: 'backfill:urgent_and_openings', tickets: 1 }]);
    await store.recordEvents('generic', life('U-1-fresh', changes));
    expect(await t.db('tickets').where({ external_id: 'U-1' }).first('priority', 'escalated_at', 'escalation_count')).toEqual({ priority: 'normal', escalated_at: T0 + HOUR, escalation_count: 1 });
    expect(await projection(t.db, 'generic', 'U-1')).toEqual(await projection(t.db, 'generic', 'U-1-fresh'));
  });

  it('a ticket escalated by its tag before or after being set to urgent counts both escalations, from the first', async () => {
    const tagFirst: [number, TicketEvent['type'], TicketEventData][] = [[1, 'tags_changed', { addedTags: ['escalated'] }], [2, 'priority_changed', { priority: 'urgent' }]];
    const urgentFirst: [number, TicketEvent['type'], TicketEventData][] = [[1, 'priority_changed', { priority: 'urgent' }], [2, 'tags_changed', { addedTags: ['escalated'] }]];
    await store.recordEvents('generic', [...life('T-1', tagFirst), ...life('T-2', urgentFirst)]);
    // As projected before: the tag's escalation alone.
    await t.db('tickets').where({ external_id: 'T-1' }).update({ escalated_at: T0 + HOUR, escalation_count: 1 });
    await t.db('tickets').where({ external_id: 'T-2' }).update({ escalated_at: T0 + 2 * HOUR, escalation_count: 1 });

    expect(await upgrade()).toEqual([{ key: 'backfill:urgent_and_openings', tickets: 2 }]);
    await store.recordEvents('generic', [...life('T-1-fresh', tagFirst), ...life('T-2-fresh', urgentFirst)]);
    expect(await t.db('tickets').whereIn('external_id', ['T-1', 'T-2']).orderBy('external_id').select('escalated_at', 'escalation_count')).toEqual([
      { escalated_at: T0 + HOUR, escalation_count: 2 },
      { escalated_at: T0 + HOUR, escalation_count: 2 },
    ]);
    expect(await projection(t.db, 'generic', 'T-1')).toEqual(await projection(t.db, 'generic', 'T-1-fresh'));
    expect(await projection(t.db, 'generic', 'T-2')).toEqual(await projection(t.db, 'generic', 'T-2-fresh'));
  });

  it('a ticket first seen mid-life that a later event says an agent opened waits from the customer\'s first message', async () => {
    // No creation event; the reply carries the reported creation and created_by_agent (the generic format).
    const events = (id: string): TicketEvent[] => [
      { ...event(id, 'msg', 'customer_message', T0 + HOUR, { ticketCreatedAt: T0, createdByAgent: true }), actor: { type: 'customer', id: 'c1' } },
      event(id, 'reply', 'agent_reply', T0 + 2 * HOUR, { ticketCreatedAt: T0, createdByAgent: true }),
    ];
    await store.recordEvents('generic', events('O-1'));
    // As projected before: waiting since the reported creation.
    await t.db('tickets').where({ external_id: 'O-1' }).update({ first_customer_message_at: T0 });

    expect(await upgrade()).toEqual([{ key: 'backfill:reported_openers', tickets: 1 }]);
    await store.recordEvents('generic', events('O-1-fresh'));
    expect(await t.db('tickets').where({ external_id: 'O-1' }).first('first_customer_message_at', 'first_response_at')).toEqual({ first_customer_message_at: T0 + HOUR, first_response_at: T0 + 2 * HOUR });
    expect(await projection(t.db, 'generic', 'O-1')).toEqual(await projection(t.db, 'generic', 'O-1-fresh'));
  });

  it('tickets the rule cannot touch are not rebuilt: created urgent, raised from a priority, never urgent', async () => {
    await store.recordEvents('generic', [
      ...life('U-1', [[1, 'priority_changed', { priority: 'urgent' }], [2, 'priority_changed', { priority: 'low' }]]),
      event('C-URGENT', 'created', 'ticket_created', T0, { status: 'new', priority: 'urgent' }),
      event('C-RAISED', 'created', 'ticket_created', T0, { status: 'new', priority: 'normal' }), event('C-RAISED', 'p', 'priority_changed', T0 + HOUR, { priority: 'urgent' }),
      ...life('C-HIGH', [[1, 'priority_changed', { priority: 'high' }]]),
    ]);
    await t.db('tickets').where({ external_id: 'U-1' }).update({ escalated_at: null, escalation_count: 0 });

    expect(await upgrade()).toEqual([{ key: 'backfill:urgent_and_openings', tickets: 1 }]);
    expect(await t.db('tickets').where({ external_id: 'U-1' }).first('escalated_at', 'escalation_count')).toEqual({ escalated_at: T0 + HOUR, escalation_count: 1 });
  });

  it("a Zendesk agent-opened ticket's stored description is no longer an agent reply", async () => {
    // Stored before: the description as a public agent reply, counted.
    await store.recordEvents('zendesk', [...zendeskEvents('Z-1'), storedDescription('Z-1')]);
    expect(await t.db('tickets').where({ external_id: 'Z-1' }).first('created_by_agent', 'agent_reply_count')).toEqual({ created_by_agent: TEST_ENGINE === 'sqlite' ? 1 : true, agent_reply_count: 1 });

    expect(await upgrade()).toEqual([{ key: 'backfill:urgent_and_openings', tickets: 1 }]);
    await store.recordEvents('zendesk', zendeskEvents('Z-1-fresh'));
    expect(await t.db('ticket_events').where({ source: 'zendesk', external_ticket_id: 'Z-1', type: 'agent_reply' }).first('id')).toBeUndefined();
    expect(await t.db('tickets').where({ external_id: 'Z-1' }).first('agent_reply_count', 'updated_at')).toEqual({ agent_reply_count: 0, updated_at: T0 + 2 * HOUR });
    expect(await projection(t.db, 'zendesk', 'Z-1')).toEqual(await projection(t.db, 'zendesk', 'Z-1-fresh'));
  });

  it('a Jira comment by the requester (a full Atlassian account), stored as an agent reply, becomes the customer\'s message; a real reply stays', async () => {
    const requester: Actor = { type: 'agent', id: 'emp-1' };
    const jira = (id: string, flagged: boolean): TicketEvent[] => {
      const mark = flagged ? { authorMayBeRequester: true } : {};
      return [
        { ...event(id, 'created', 'ticket_created', T0, { status: 'new', requesterId: 'emp-1' }), actor: { type: 'customer', id: 'emp-1' } },
        { ...event(id, 'c1', 'agent_reply', T0 + HOUR, mark), actor: requester },
        event(id, 'c2', 'agent_reply', T0 + 2 * HOUR, mark),
      ];
    };
    await store.recordEvents('jira', jira('J-1', false));
    await store.recordEvents('jira', [event('J-2', 'created', 'ticket_created', T0, { status: 'new', requesterId: 'emp-2' })]);
    expect(await t.db('tickets').where({ external_id: 'J-1' }).first('agent_reply_count', 'first_response_at')).toEqual({ agent_reply_count: 2, first_response_at: T0 + HOUR });

    expect(await upgrade()).toEqual([{ key: 'backfill:jira_requester_replies', tickets: 1 }]);
    await store.recordEvents('jira', jira('J-1-fresh', true));
    expect(await t.db('tickets').where({ external_id: 'J-1' }).first('agent_reply_count', 'customer_message_count', 'first_response_at')).toEqual({ agent_reply_count: 1, customer_message_count: 1, first_response_at: T0 + 2 * HOUR });
    expect(await projection(t.db, 'jira', 'J-1')).toEqual(await projection(t.db, 'jira', 'J-1-fresh'));
    // Undone, the stored events are as they were.
    expect(await migrateDown(t.db)).toBe('20261125000043_open_breach_index');
    expect(await migrateDown(t.db)).toBe('20261125000042_outbox_due_at');
    expect(await migrateDown(t.db)).toBe('20261124000041_jira_requester_replies');
    expect(await t.db('ticket_events').where({ source: 'jira', external_ticket_id: 'J-1', type: 'agent_reply' }).orderBy('dedupe_key').pluck('data')).toEqual(['{}', '{}']);
  });

  it('a later reply by the agent who opened the ticket, or one outside the seconds of its creation, stays', async () => {
    const late: TicketEvent = { ...storedDescription('Z-2'), occurredAt: T0 + 6000, dedupeKey: 'comment:Z-2-late' };
    const trigger: TicketEvent = { ...storedDescription('Z-2'), dedupeKey: 'trigger:Z-2:agent_replied:1' };
    await store.recordEvents('zendesk', [...zendeskEvents('Z-2'), late, trigger]);

    await upgrade();
    expect(await t.db('ticket_events').where({ external_ticket_id: 'Z-2', type: 'agent_reply' }).orderBy('dedupe_key').pluck('dedupe_key')).toEqual(['comment:Z-2-late', 'trigger:Z-2:agent_replied:1']);
  });
});
