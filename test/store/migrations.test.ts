import { beforeEach, describe, expect, it } from 'vitest';
import { engineOf, type Database } from '../../src/store/database.js';
import { migrateDown, migrateLatest, migrateRollback, migrateUp, migrationStatus } from '../../src/store/migrations.js';
import { DURATION_BUCKET_BOUNDS_MS, DURATION_BUCKET_COUNT, durationBucket } from '../../src/kpi/duration-buckets.js';
import { TEST_ENGINE, useTestDatabase } from '../helpers/databases.js';
import { IngestStore } from '../../src/store/ingest-store.js';

const TABLES = [
  'webhook_deliveries', 'ticket_events', 'business_calendars', 'calendar_holidays', 'sla_policies', 'teams', 'agents',
  'customers', 'tickets', 'ticket_tags', 'customer_events', 'self_service_sessions', 'survey_responses',
  'digest_subscriptions', 'alert_rules', 'alert_outbox', 'settings', 'leases', 'ticket_response_intervals',
  'alerts', 'quiet_hours', 'enps_surveys', 'enps_participants', 'duration_buckets',
];
const MIGRATIONS = 35;
const NOW = Date.UTC(2026, 10, 22, 10, 0, 0);

describe(`migrations on ${TEST_ENGINE}`, () => {
  const t = useTestDatabase();
  let db: Database;
  beforeEach(() => {
    db = t.db;
  });

  const existing = async () => {
    const present: string[] = [];
    for (const table of TABLES) if (await db.schema.hasTable(table)) present.push(table);
    return present;
  };

  it('runs on the engine under test', () => {
    expect(engineOf(db)).toBe(TEST_ENGINE);
  });

  it('latest creates every table; rollback --all removes them; latest again restores them', async () => {
    expect(await migrateLatest(db)).toHaveLength(MIGRATIONS);
    expect(await existing()).toEqual(TABLES);
    expect(await migrateLatest(db)).toEqual([]);
    expect(await migrationStatus(db)).toMatchObject({ pending: [] });

    expect(await migrateRollback(db, true)).toHaveLength(MIGRATIONS);
    expect(await existing()).toEqual([]);
    const status = await migrationStatus(db);
    expect(status.applied).toEqual([]);
    expect(status.pending).toHaveLength(MIGRATIONS);
    expect(status.pending[0]).toBe('20261122000001_deliveries_and_event_log');

    expect(await migrateLatest(db)).toHaveLength(MIGRATIONS);
    expect(await existing()).toEqual(TABLES);
  });

  it('a database a newer version migrated is refused with what happened and the way back, not knex\'s "migration directory is corrupt"', async () => {
    await migrateLatest(db);
    await db('knex_migrations').insert({ name: '20991231000099_from_the_future', batch: 99, migration_time: new Date() });
    await expect(migrateLatest(db)).rejects.toThrow(/^a newer kpibot has migrated this database \(it has 20991231000099_from_the_future, which this version does not know\)\. .*`kpibot migrate down` with the newer version/);
    await db('knex_migrations').where({ name: '20991231000099_from_the_future' }).delete();
  });

  it('going down keeps the rows of the tables the older schema has: no column dropped from tickets cascades into its tags, waits, answers or alerts', async () => {
    await migrateLatest(db);
    const store = new IngestStore(db, { escalationGroups: [], escalationTag: 'escalated' }, () => NOW);
    const at = NOW - 3_600_000;
    const customer = { type: 'customer' as const, id: 'c1' };
    const agent = { type: 'agent' as const, id: 'a1', email: 'ayu@example.com' };
    await store.recordEvents('generic', [
      { kind: 'ticket', type: 'ticket_created', externalTicketId: 'K-1', occurredAt: at, data: { status: 'new', tags: ['vip', 'billing'], assignee: agent }, actor: customer, dedupeKey: 'k1' },
      { kind: 'ticket', type: 'agent_reply', externalTicketId: 'K-1', occurredAt: at + 600_000, data: {}, actor: agent, dedupeKey: 'k2' },
      { kind: 'ticket', type: 'status_changed', externalTicketId: 'K-1', occurredAt: at + 1_200_000, data: { status: 'solved' }, dedupeKey: 'k3' },
      { kind: 'ticket', type: 'rating', externalTicketId: 'K-1', occurredAt: at + 1_800_000, data: { rating: { kind: 'csat', scale: '1-5', score: 5 } }, actor: customer, dedupeKey: 'k4' },
    ]);
    const ticketId = ((await db('tickets').first('id')) as { id: number }).id;
    await db('alerts').insert({ dedupe_key: 'sla:k', kind: 'sla_breach', ticket_id: ticketId, view: '{}', notify_count: 1, last_notified_at: NOW, created_at: NOW });
    const counts = async () => Object.fromEntries(await Promise.all(['tickets', 'ticket_tags', 'ticket_response_intervals', 'survey_responses', 'alerts'].map(async (table) => [table, (await db.schema.hasTable(table)) ? Number(((await db(table).count({ n: '*' }).first()) as { n: number | string }).n) : 'gone'])));
    const before = await counts();
    expect(before).toEqual({ tickets: 1, ticket_tags: 2, ticket_response_intervals: 1, survey_responses: 1, alerts: 1 });
    // Down to the schema of migration 20 (alerts' own): past every migration that dropped a column of tickets.
    while ((await migrationStatus(db)).applied.at(-1) !== '20261122000020_alert_state_quiet_hours_enps') await migrateDown(db);
    expect(await counts()).toEqual(before);
    if (engineOf(db) === 'sqlite') expect(await db.raw('PRAGMA foreign_keys')).toEqual([{ foreign_keys: 1 }]);
  });

  it('each migration goes up and down on its own, in order', async () => {
    const names: string[] = [];
    for (let name = await migrateUp(db); name !== undefined; name = await migrateUp(db)) names.push(name);
    expect(names).toHaveLength(MIGRATIONS);
    expect([...names].sort()).toEqual(names);
    const undone: string[] = [];
    for (let name = await migrateDown(db); name !== undefined; name = await migrateDown(db)) undone.push(name);
    expect(undone).toEqual([...names].reverse());
    expect(await existing()).toEqual([]);
  });

  it('the later migrations go down to the previous schema, other indexes kept', async () => {
    await migrateLatest(db);
    expect(await db.schema.hasColumn('tickets', 'first_response_business_ms')).toBe(true);
    expect(await db.schema.hasTable('ticket_resolved_spans')).toBe(true);
    expect(await indexedColumns(db, 'tickets')).toContain('resolved_at,created_at,resolution_business_ms,first_response_due_at,first_response_at,resolution_due_at');
    expect(await db.schema.hasColumn('alert_outbox', 'claimed_by')).toBe(true);
    expect(await db.schema.hasTable('deleted_tickets')).toBe(true);
    expect(await db.schema.hasTable('slack_languages')).toBe(true);
    expect(await db.schema.hasColumn('digest_subscriptions', 'breakdown')).toBe(true);
    expect(await db.schema.hasTable('kpi_goals')).toBe(true);
    expect(await db.schema.hasTable('escalations_to_alert')).toBe(true);
    expect(await db.schema.hasColumn('alert_outbox', 'due_at')).toBe(true);
    expect(await indexedColumns(db, 'alerts')).toContain('kind,acknowledged_at,escalated_at,notify_count');
    expect(await indexedColumns(db, 'alerts')).not.toContain('kind,acknowledged_at');
    expect(await migrateDown(db)).toBe('20261125000043_open_breach_index');
    expect(await indexedColumns(db, 'alerts')).toContain('kind,acknowledged_at');
    expect(await indexedColumns(db, 'alerts')).not.toContain('kind,acknowledged_at,escalated_at,notify_count');
    expect(await migrateDown(db)).toBe('20261125000042_outbox_due_at');
    expect(await db.schema.hasColumn('alert_outbox', 'due_at')).toBe(false);
    expect(await migrateDown(db)).toBe('20261124000041_jira_requester_replies');
    expect(await migrateDown(db)).toBe('20261124000040_escalations_to_alert');
    expect(await db.schema.hasTable('escalations_to_alert')).toBe(false);
    expect(await migrateDown(db)).toBe('20261124000039_kpi_goals');
    expect(await db.schema.hasTable('kpi_goals')).toBe(false);
    expect(await migrateDown(db)).toBe('20261124000038_digest_breakdown');
    expect(await db.schema.hasColumn('digest_subscriptions', 'breakdown')).toBe(false);
    expect(await migrateDown(db)).toBe('20261124000037_reported_openers_rebuild');
    expect(await migrateDown(db)).toBe('20261124000036_slack_languages');
    expect(await db.schema.hasTable('slack_languages')).toBe(false);
    expect(await migrateDown(db)).toBe('20261124000035_deleted_tickets');
    expect(await db.schema.hasTable('deleted_tickets')).toBe(false);
    expect(await migrateDown(db)).toBe('20261124000034_outbox_claimer');
    expect(await db.schema.hasColumn('alert_outbox', 'claimed_by')).toBe(false);
    expect(await migrateDown(db)).toBe('20261123000033_policy_precedence');
    expect(await migrateDown(db)).toBe('20261123000032_impossible_holidays');
    expect(await migrateDown(db)).toBe('20261123000031_urgent_raised_and_descriptions');
    expect(await migrateDown(db)).toBe('20261123000030_scrub_changed_subjects');
    expect(await migrateDown(db)).toBe('20261123000029_urgent_and_openings_rebuild');
    expect(await db.schema.hasColumn('tickets', 'next_reply_breached')).toBe(true);
    expect(await migrateDown(db)).toBe('20261123000028_next_reply_sla');
    expect(await db.schema.hasColumn('tickets', 'next_reply_breached')).toBe(false);
    await db('settings').insert({ key: 'backfill:automated_replies', value: 'true', updated_at: NOW });
    expect(await migrateDown(db)).toBe('20261123000027_automated_replies_rebuild');
    expect(await db('settings').pluck('key')).toEqual([]);
    expect(await migrateDown(db)).toBe('20261122000026_resolved_at_cover_due_times');
    expect(await indexedColumns(db, 'tickets')).toContain('resolved_at,created_at,resolution_business_ms');
    expect(await migrateDown(db)).toBe('20261122000025_resolved_spans');
    expect(await db.schema.hasTable('ticket_resolved_spans')).toBe(false);
    expect(await indexedColumns(db, 'customer_events')).toEqual(expect.arrayContaining(['type,occurred_at,customer_id', 'customer_id,occurred_at,type']));
    expect(await migrateDown(db)).toBe('20261122000024_customer_events_cover_indexes');
    expect(await indexedColumns(db, 'customer_events')).toEqual(expect.arrayContaining(['type,occurred_at', 'customer_id,occurred_at']));
    expect(await migrateDown(db)).toBe('20261122000023_match_keys');
    expect(await db.schema.hasColumn('tickets', 'team_key')).toBe(false);
    expect(await db.schema.hasColumn('agents', 'name_key')).toBe(false);
    expect(await indexedColumns(db, 'tickets')).toContain('team,created_at');
    expect(await migrateDown(db)).toBe('20261122000022_survey_scores_cover_index');
    expect(await indexedColumns(db, 'survey_responses')).toContain('kind,responded_at');
    expect(await migrateDown(db)).toBe('20261122000021_duration_buckets');
    for (const column of ['first_response_ms', 'first_response_bucket', 'resolution_ms', 'resolution_bucket']) expect(await db.schema.hasColumn('tickets', column)).toBe(false);
    expect(await db.schema.hasTable('duration_buckets')).toBe(false);
    expect(await migrateDown(db)).toBe('20261122000020_alert_state_quiet_hours_enps');
    expect(await db.schema.hasColumn('alert_outbox', 'alert_id')).toBe(false);
    expect(await migrateDown(db)).toBe('20261122000011_business_hours_durations');
    for (const column of ['first_response_business_ms', 'first_resolution_business_ms', 'resolution_business_ms']) expect(await db.schema.hasColumn('tickets', column)).toBe(false);
    const indexed = await indexedColumns(db, 'tickets');
    expect(indexed).toContain('created_at,first_response_at,first_customer_message_at,created_by_agent');
    expect(indexed).toContain('resolved_at,created_at');
    expect(indexed).toContain('first_resolved_at,created_at,agent_reply_count,reopen_count,handle_time_seconds');
    // The partial index over open tickets (migration 20261122000009) survives the column drop.
    expect(indexed.filter((columns) => columns === 'created_at')).toHaveLength(1);
  });

  it('the match-keys migration keys the team and agent names stored before it, beyond A-Z', async () => {
    for (let name = await migrateUp(db); name !== '20261122000022_survey_scores_cover_index'; name = await migrateUp(db)) expect(name).toBeDefined();
    const base = { source: 'zendesk', status: 'open', created_at: NOW, updated_at: NOW, projected_at: NOW };
    await db('tickets').insert([{ ...base, external_id: '1', team: 'Ödeme' }, { ...base, external_id: '2', team: ' İade ' }, { ...base, external_id: '3', team: 'Ödeme' }, { ...base, external_id: '4', team: null }]);
    await db('agents').insert({ source: 'zendesk', external_id: 'a1', name: 'Öznur YILMAZ', created_at: NOW, updated_at: NOW });
    await db('teams').insert({ name: 'ŞİKAYET', created_at: NOW, updated_at: NOW });
    expect(await migrateUp(db)).toBe('20261122000023_match_keys');
    expect(await db('tickets').orderBy('external_id').pluck('team_key')).toEqual(['ödeme', 'iade', 'ödeme', null]);
    expect(await db('agents').pluck('name_key')).toEqual(['öznur yilmaz']);
    expect(await db('teams').pluck('name_key')).toEqual(['şikayet']);
  });

  it('the impossible-holidays migration removes the days that do not exist, and only those', async () => {
    for (let name = await migrateUp(db); name !== '20261123000031_urgent_raised_and_descriptions'; name = await migrateUp(db)) expect(name).toBeDefined();
    await db('business_calendars').insert({ name: 'office', timezone: 'Asia/Jakarta', weekly_hours: JSON.stringify({ 1: [['09:00', '17:00']] }), is_default: true, created_at: NOW, updated_at: NOW });
    const calendarId = ((await db('business_calendars').first('id')) as { id: number }).id;
    await db('calendar_holidays').insert(['2026-02-30', '2026-12-25', '2028-02-29', '2027-02-29', '2026-04-31'].map((date) => ({ calendar_id: calendarId, date })));
    expect(await migrateUp(db)).toBe('20261123000032_impossible_holidays');
    expect(await db('calendar_holidays').orderBy('date').pluck('date')).toEqual(['2026-12-25', '2028-02-29']);
  });

  it('the policy-precedence migration asks for a rebuild of every ticket only when a more specific SLA policy came after a less specific one', async () => {
    for (let name = await migrateUp(db); name !== '20261123000032_impossible_holidays'; name = await migrateUp(db)) expect(name).toBeDefined();
    const policy = (name: string, position: number, scope: { priority?: string; team?: string }) => ({
      name, priority: scope.priority ?? null, team: scope.team ?? null, first_response_seconds: 3600, business_hours: false, pause_statuses: '[]', position, enabled: true, created_at: NOW, updated_at: NOW,
    });
    // Most specific first: the old rule and the new agree.
    await db('sla_policies').insert([policy('urgent billing', 1, { priority: 'urgent', team: 'Billing' }), policy('urgent', 2, { priority: 'urgent' }), policy('all', 3, {})]);
    expect(await migrateUp(db)).toBe('20261123000033_policy_precedence');
    expect(await db('settings').pluck('key')).toEqual([]);
    await migrateDown(db);
    // A team's policy added after a catch-all: the old rule gave its tickets the catch-all.
    await db('sla_policies').insert(policy('billing', 4, { team: 'Billing' }));
    await migrateUp(db);
    expect(await db('settings').pluck('key')).toEqual(['rebuild:all']);
  });

  it('the resolved-spans migration asks for a rebuild only when tickets were reopened before it', async () => {
    for (let name = await migrateUp(db); name !== '20261122000024_customer_events_cover_indexes'; name = await migrateUp(db)) expect(name).toBeDefined();
    const ticket = { source: 'zendesk', status: 'open', created_at: NOW, updated_at: NOW, projected_at: NOW };
    await db('tickets').insert({ ...ticket, external_id: '1' });
    expect(await migrateUp(db)).toBe('20261122000025_resolved_spans');
    expect(await db('settings').pluck('key')).toEqual([]);
    await migrateDown(db);
    await db('tickets').insert({ ...ticket, external_id: '2', reopen_count: 1 });
    await migrateUp(db);
    expect(await db('settings').pluck('key')).toEqual(['backfill:resolved_spans']);
  });

  it('the automated-replies migration asks for a rebuild only when an automation replied', async () => {
    for (let name = await migrateUp(db); name !== '20261122000026_resolved_at_cover_due_times'; name = await migrateUp(db)) expect(name).toBeDefined();
    const event = { source: 'generic', external_ticket_id: '1', occurred_at: NOW, received_at: NOW, data: '{}' };
    await db('ticket_events').insert([{ ...event, type: 'agent_reply', actor_type: 'bot', dedupe_key: 'a' }, { ...event, type: 'status_changed', actor_type: 'system', dedupe_key: 'b' }]);
    expect(await migrateUp(db)).toBe('20261123000027_automated_replies_rebuild');
    expect(await db('settings').pluck('key')).toEqual([]);
    await migrateDown(db);
    await db('ticket_events').insert({ ...event, type: 'agent_reply', actor_type: 'system', dedupe_key: 'c' });
    await migrateUp(db);
    expect(await db('settings').pluck('key')).toEqual(['backfill:automated_replies']);
  });

  it('the next-reply migration asks for a rebuild only of tickets under a next-reply target, or opened by an agent under a policy', async () => {
    for (let name = await migrateUp(db); name !== '20261123000027_automated_replies_rebuild'; name = await migrateUp(db)) expect(name).toBeDefined();
    const [plain] = (await db('sla_policies').insert({ name: 'plain', first_response_seconds: 3600, business_hours: false, pause_statuses: '[]', position: 1, created_at: NOW, updated_at: NOW }).returning('id')) as ({ id: number } | number)[];
    const policyId = typeof plain === 'object' ? plain.id : plain;
    const ticket = { source: 'zendesk', status: 'open', created_at: NOW, updated_at: NOW, projected_at: NOW, sla_policy_id: policyId };
    await db('tickets').insert({ ...ticket, external_id: '1' });
    expect(await migrateUp(db)).toBe('20261123000028_next_reply_sla');
    expect(await db('settings').pluck('key')).toEqual([]);
    await migrateDown(db);
    await db('tickets').insert({ ...ticket, external_id: '2', created_by_agent: true });
    await migrateUp(db);
    expect(await db('settings').pluck('key')).toEqual(['backfill:sla_clocks']);
  });

  it('the urgent-and-openings migration asks for a rebuild only when an urgent ticket was never escalated, or Zendesk has an agent-opened ticket', async () => {
    for (let name = await migrateUp(db); name !== '20261123000028_next_reply_sla'; name = await migrateUp(db)) expect(name).toBeDefined();
    const ticket = { status: 'open', created_at: NOW, updated_at: NOW, projected_at: NOW };
    await db('tickets').insert([
      { ...ticket, source: 'generic', external_id: '1', priority: 'urgent', escalated_at: NOW, created_by_agent: false },
      { ...ticket, source: 'generic', external_id: '2', priority: 'high', created_by_agent: true },
    ]);
    expect(await migrateUp(db)).toBe('20261123000029_urgent_and_openings_rebuild');
    expect(await db('settings').pluck('key')).toEqual([]);
    for (const row of [{ source: 'generic', external_id: '3', priority: 'urgent', created_by_agent: false }, { source: 'zendesk', external_id: '4', created_by_agent: true }]) {
      await migrateDown(db);
      await db('tickets').insert({ ...ticket, ...row });
      await migrateUp(db);
      expect(await db('settings').pluck('key')).toEqual(['backfill:urgent_and_openings']);
      await db('tickets').where({ external_id: row.external_id }).delete();
    }
  });

  it('the scrub migration removes the text of kept Zendesk subject changes, and nothing else', async () => {
    for (let name = await migrateUp(db); name !== '20261123000029_urgent_and_openings_rebuild'; name = await migrateUp(db)) expect(name).toBeDefined();
    const delivery = (key: string, payload: unknown) => ({ source: 'zendesk', delivery_key: key, received_at: NOW, status: 'accepted', body_bytes: 1, body_sha256: 'x', payload: JSON.stringify(payload) });
    const subject = { type: 'zen:event-type:ticket.subject_changed', event: { current: 'Refund still missing', previous: 'Refund' } };
    const status = { type: 'zen:event-type:ticket.status_changed', event: { current: 'SOLVED', previous: 'OPEN' } };
    await db('webhook_deliveries').insert([delivery('a', subject), delivery('b', status), { ...delivery('c', null), payload: null }]);
    expect(await migrateUp(db)).toBe('20261123000030_scrub_changed_subjects');
    const kept = Object.fromEntries(((await db('webhook_deliveries').select('delivery_key', 'payload')) as { delivery_key: string; payload: string | null }[]).map((row) => [row.delivery_key, row.payload === null ? null : JSON.parse(row.payload)]));
    expect(kept).toEqual({ a: { ...subject, event: { current: '[removed: 20 chars]', previous: '[removed: 6 chars]' } }, b: status, c: null });
  });

  it('the duration-buckets migration lists the buckets and fills in the tickets stored before it', async () => {
    for (let name = await migrateUp(db); name !== '20261122000020_alert_state_quiet_hours_enps'; name = await migrateUp(db)) expect(name).toBeDefined();
    const minute = 60_000;
    const stored = [
      // [id, created_at, first_customer_message_at, created_by_agent, first_response_at, resolved_at]
      ['a', NOW, null, false, NOW + 59_999, NOW + 60_000], // just under and exactly at the first bound
      ['b', NOW, NOW + 10 * minute, true, NOW + 70 * minute, null], // opened by an agent: counts from the customer's first message
      ['c', NOW, null, true, NOW + 5 * minute, NOW + 400 * 86_400_000], // no customer message: no first response time; past the last bound
      ['d', NOW, null, false, null, null],
    ] as const;
    for (const [id, created, customer, byAgent, response, resolved] of stored) {
      await db('tickets').insert({
        source: 'zendesk', external_id: id, status: 'open', created_at: created, updated_at: NOW, projected_at: NOW,
        first_customer_message_at: customer, created_by_agent: byAgent, first_response_at: response, resolved_at: resolved,
      });
    }
    expect(await migrateUp(db)).toBe('20261122000021_duration_buckets');
    const rows = (await db('tickets').select('external_id', 'first_response_ms', 'first_response_bucket', 'resolution_ms', 'resolution_bucket').orderBy('external_id')) as Record<string, unknown>[];
    const expected = (ms: number | null) => (ms === null ? null : durationBucket(ms));
    expect(rows.map((row) => ({ ...row, first_response_ms: row.first_response_ms === null ? null : Number(row.first_response_ms), resolution_ms: row.resolution_ms === null ? null : Number(row.resolution_ms) }))).toEqual([
      { external_id: 'a', first_response_ms: 59_999, first_response_bucket: 0, resolution_ms: 60_000, resolution_bucket: 1 },
      { external_id: 'b', first_response_ms: 60 * minute, first_response_bucket: expected(60 * minute), resolution_ms: null, resolution_bucket: null },
      { external_id: 'c', first_response_ms: null, first_response_bucket: null, resolution_ms: 400 * 86_400_000, resolution_bucket: 63 },
      { external_id: 'd', first_response_ms: null, first_response_bucket: null, resolution_ms: null, resolution_bucket: null },
    ]);
    const buckets = (await db('duration_buckets').select('bucket', 'lower_ms').orderBy('bucket')) as { bucket: number; lower_ms: number | string | null }[];
    expect(buckets.map((row) => row.bucket)).toEqual(Array.from({ length: DURATION_BUCKET_COUNT }, (_, index) => index));
    expect(buckets.map((row) => (row.lower_ms === null ? null : Number(row.lower_ms)))).toEqual([null, ...DURATION_BUCKET_BOUNDS_MS]);
  });

  describe('the schema', () => {
    beforeEach(async () => {
      await migrateLatest(db);
    });

    const ticket = (externalId: string) => ({
      source: 'zendesk', external_id: externalId, status: 'open', created_at: NOW, updated_at: NOW, projected_at: NOW,
    });

    it('stores epoch-millisecond timestamps as numbers on both engines', async () => {
      const far = Date.UTC(2099, 11, 31, 23, 59, 59, 999);
      await db('tickets').insert({ ...ticket('1'), created_at: far });
      const row = await db('tickets').first('created_at', 'reopen_count');
      expect(row).toEqual({ created_at: far, reopen_count: 0 });
      const [sum] = await db('tickets').sum({ total: 'created_at' });
      expect(Number(sum?.total)).toBe(far);
    });

    it('keeps one ticket per source and external id', async () => {
      await db('tickets').insert(ticket('42'));
      await expect(db('tickets').insert(ticket('42'))).rejects.toThrow(/unique|UNIQUE/);
      await db('tickets').insert({ ...ticket('42'), source: 'freshdesk' });
      expect(await db('tickets').count({ n: '*' })).toEqual([{ n: 2 }]);
    });

    it('refuses a second event with the same dedupe key from the same source', async () => {
      const event = { source: 'zendesk', external_ticket_id: '42', type: 'ticket_created', occurred_at: NOW, received_at: NOW, dedupe_key: 'evt-1' };
      await db('ticket_events').insert(event);
      await expect(db('ticket_events').insert(event)).rejects.toThrow(/unique|UNIQUE/);
      const inserted = await db('ticket_events').insert({ ...event, source: 'intercom' }).onConflict(['source', 'dedupe_key']).ignore();
      expect(inserted).toBeDefined();
      await db('ticket_events').insert(event).onConflict(['source', 'dedupe_key']).ignore();
      expect(await db('ticket_events').count({ n: '*' })).toEqual([{ n: 2 }]);
    });

    it('enforces foreign keys, and cascades tags with their ticket', async () => {
      await expect(db('ticket_tags').insert({ ticket_id: 999, tag: 'vip' })).rejects.toThrow(/foreign key|FOREIGN KEY/i);
      const [inserted] = await db('tickets').insert(ticket('7')).returning('id');
      const id = typeof inserted === 'object' ? inserted.id : inserted;
      await db('ticket_tags').insert([{ ticket_id: id, tag: 'vip' }, { ticket_id: id, tag: 'escalated' }]);
      await db('tickets').where({ id }).delete();
      expect(await db('ticket_tags').count({ n: '*' })).toEqual([{ n: 0 }]);
    });

    it('keeps one outbox row per alert key', async () => {
      const row = { dedupe_key: 'sla_breach:zendesk:42:first_response:1763805600000', kind: 'sla_breach', channel_id: 'C1', payload: '{}', next_attempt_at: NOW, created_at: NOW };
      await db('alert_outbox').insert(row);
      await db('alert_outbox').insert(row).onConflict('dedupe_key').ignore();
      expect(await db('alert_outbox').count({ n: '*' })).toEqual([{ n: 1 }]);
      expect(await db('alert_outbox').first('state', 'attempts')).toEqual({ state: 'pending', attempts: 0 });
    });

    it.runIf(TEST_ENGINE === 'sqlite')('opens SQLite in WAL mode with foreign keys on', async () => {
      const [journal] = (await db.raw('PRAGMA journal_mode')) as { journal_mode: string }[];
      const [keys] = (await db.raw('PRAGMA foreign_keys')) as { foreign_keys: number }[];
      expect(journal?.journal_mode).toBe('wal');
      expect(keys?.foreign_keys).toBe(1);
    });

    it('has the indexes the KPI queries filter on', async () => {
      const indexed = await indexedColumns(db, 'tickets');
      for (const columns of [
        'created_at,first_response_at,first_customer_message_at,created_by_agent,first_response_business_ms', 'resolved_at,created_at,resolution_business_ms,first_response_due_at,first_response_at,resolution_due_at',
        'first_resolved_at,created_at,agent_reply_count,reopen_count,handle_time_seconds,first_resolution_business_ms', 'status,created_at',
        'first_response_bucket,created_at,first_response_ms', 'resolution_bucket,resolved_at,resolution_ms', 'team_key,created_at', 'assignee_agent_id,status', 'escalated_at',
      ]) {
        expect(indexed).toContain(columns);
      }
      expect(await indexedColumns(db, 'survey_responses')).toContain('kind,responded_at,scale,score');
    });
  });
});

/** Each index of a table as its comma-joined column list. */
async function indexedColumns(db: Database, table: string): Promise<string[]> {
  if (engineOf(db) === 'sqlite') {
    const indexes = (await db.raw(`PRAGMA index_list('${table}')`)) as { name: string }[];
    const lists: string[] = [];
    for (const index of indexes) {
      const columns = (await db.raw(`PRAGMA index_info('${index.name}')`)) as { seqno: number; name: string }[];
      lists.push(columns.sort((a, b) => a.seqno - b.seqno).map((column) => column.name).join(','));
    }
    return lists;
  }
  const result = (await db.raw(
    `select string_agg(a.attname, ',' order by k.ordinality) as columns
       from pg_index i
       join pg_class t on t.oid = i.indrelid
       cross join lateral unnest(i.indkey) with ordinality as k(attnum, ordinality)
       join pg_attribute a on a.attrelid = t.oid and a.attnum = k.attnum
      where t.relname = ?
      group by i.indexrelid`,
    [table],
  )) as { rows: { columns: string }[] };
  return result.rows.map((row) => row.columns);
}
