/** `kpibot import` against a real database (SQLite, or PostgreSQL with TEST_DATABASE_URL). */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { importCommand } from '../../src/cli-import.js';
import { parseConfig, type Config } from '../../src/config.js';
import { UsageError } from '../../src/errors.js';
import { formatSummary, runImport, type ImportOptions, type ImportSummary } from '../../src/ingest/csv/run-import.js';
import { openDatabase, type Database } from '../../src/store/database.js';
import { IngestStore } from '../../src/store/ingest-store.js';
import { createTestDatabase, holdWriteLock, TEST_ENGINE, type TestDatabase } from '../helpers/databases.js';
import { withoutDerivedColumns } from '../helpers/webhooks.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/csv/', import.meta.url));
const fixture = (name: string) => join(FIXTURES, name);
const TABLES = ['ticket_tags', 'ticket_response_intervals', 'survey_responses', 'tickets', 'ticket_events', 'webhook_deliveries', 'agents'];
const at = (text: string) => Date.parse(text);

describe(`kpibot import on ${TEST_ENGINE}`, () => {
  let testDb: TestDatabase;
  let db: Database;
  let config: Config;
  let dir: string;

  beforeAll(async () => {
    testDb = await createTestDatabase({ migrated: true });
    config = parseConfig({ DATABASE_URL: testDb.url, KPI_TIMEZONE: 'Asia/Jakarta', LOG_LEVEL: 'silent' });
    db = openDatabase(config.database);
    dir = mkdtempSync(join(tmpdir(), 'kpibot-csv-'));
  });
  afterAll(async () => {
    await db.destroy();
    await testDb.dispose();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    for (const table of TABLES) await db(table).delete();
  });

  const run = (options: Partial<ImportOptions> & { file: string }) => runImport({ source: 'csv', timeZone: 'Asia/Jakarta', ...options }, { db });
  const counts = (summary: ImportSummary) => ({ rows: summary.rows, imported: summary.imported, updated: summary.updated, unchanged: summary.unchanged, skipped: summary.skipped });
  const ticket = async (externalId: string, source = 'csv') => {
    const row = (await db('tickets as t').leftJoin('agents as a', 'a.id', 't.assignee_agent_id').where({ 't.source': source, 't.external_id': externalId }).first('t.*', 'a.external_id as agent', 'a.email as agent_email', 'a.name as agent_name')) as Record<string, unknown> | undefined;
    if (row === undefined) return undefined;
    const tags = (await db('ticket_tags').where({ ticket_id: row.id }).orderBy('tag').pluck('tag')) as string[];
    const ratings = await db('survey_responses').where({ ticket_id: row.id }).orderBy('kind').select('kind', 'scale', 'score', 'responded_at');
    const { id: _id, projected_at: _p, assignee_agent_id: _a, customer_id: _c, sla_policy_id: _s, url: _u, next_reply_due_at: _n, next_reply_breached: _nb, first_response_due_at: _f, resolution_due_at: _r, ...rest } = withoutDerivedColumns(row);
    return { ...rest, created_by_agent: Boolean(rest.created_by_agent), tags, ratings };
  };
  const tableCounts = async () => Object.fromEntries(await Promise.all(TABLES.map(async (table) => [table, Number(((await db(table).count({ n: '*' })) as { n: number | string }[])[0]?.n)])));
  it.runIf(TEST_ENGINE === 'sqlite')('SQLite locked by another process past busy_timeout: the import stops with one clear line, skips no row and writes nothing', async () => {
    const lock = await holdWriteLock(testDb.config, (trx) => trx('settings').insert({ key: 'held-by-another-process', value: '1', updated_at: 1 }));
    try {
      await expect(run({ file: fixture('basic.csv') })).rejects.toThrow(/locked by another process .* run the command again/);
    } finally {
      await lock.release();
    }
    expect(Object.values(await tableCounts()).every((n) => n === 0)).toBe(true);
    // Once the other process is done, the same import goes through, skipping only the file's own bad rows.
    const summary = await run({ file: fixture('basic.csv') });
    expect(counts(summary)).toMatchObject({ imported: 5 });
    expect(summary.skippedRows.map((row) => row.reason).join('\n')).not.toMatch(/database/);
  }, 30_000);

  const snapshot = async () => ({
    tickets: await db('tickets').orderBy('external_id').select(db.raw('*')).then((rows: Record<string, unknown>[]) => rows.map(({ projected_at: _p, ...rest }) => rest)),
    events: await db('ticket_events').orderBy('dedupe_key').select('dedupe_key', 'occurred_at', 'data'),
    tags: await db('ticket_tags').orderBy(['ticket_id', 'tag']).select('ticket_id', 'tag'),
    ratings: await db('survey_responses').orderBy(['ticket_id', 'kind']).select('ticket_id', 'kind', 'scale', 'score', 'responded_at'),
  });

  describe('our own column names (basic.csv, read in Asia/Jakarta, UTC+7)', () => {
    it('imports the good rows and skips the bad ones with their line numbers and reasons', async () => {
      const summary = await run({ file: fixture('basic.csv') });
      expect(counts(summary)).toEqual({ rows: 11, imported: 5, updated: 0, unchanged: 0, skipped: 6 });
      expect(summary.skippedRows).toEqual([
        { line: 8, reason: 'created_at (column "created_at") is empty' },
        { line: 9, reason: 'created_at (column "created_at") "31/02/2026 10:00" is not a date (see docs/import.md for the forms read)' },
        { line: 10, reason: 'status (column "status") "Solved" is a resolved status but the row has no resolved_at or closed_at time' },
        { line: 11, reason: 'csat (column "csat") "7" is not a csat rating' },
        { line: 12, reason: 'first_response_at (column "first_response_at") "2026-03-05 09:00" is before created_at "2026-03-05 10:00"' },
        { line: 13, reason: 'has 4 fields where the header has 21' },
      ]);
      // A stray quote in the subject is kept as a character: B-11 is read, and would not cost the rows after it.
      expect(await ticket('B-11')).toMatchObject({ status: 'open' });
      expect(summary.mapping).toContain('group ← "group"');
    });

    it('projects each row field by field', async () => {
      await run({ file: fixture('basic.csv') });
      expect(await ticket('B-1')).toEqual({
        source: 'csv', external_id: 'B-1', requester_id: 'c-1', status: 'solved', priority: 'high', channel: 'email', team: 'Billing',
        agent: 'email:ayu@example.com', agent_email: 'ayu@example.com', agent_name: 'Ayu', created_by_agent: false,
        created_at: at('2026-03-02T02:00:00Z'), updated_at: at('2026-03-02T04:00:00Z'), first_customer_message_at: at('2026-03-02T02:00:00Z'),
        first_response_at: at('2026-03-02T02:45:00Z'), first_resolved_at: at('2026-03-02T04:00:00Z'), resolved_at: at('2026-03-02T04:00:00Z'), closed_at: null,
        reopen_count: 1, agent_reply_count: 3, customer_message_count: 0, escalated_at: null, escalation_count: 0, handle_time_seconds: 9000,
        // No calendar configured: business hours are calendar hours.
        first_response_business_ms: 45 * 60_000, first_resolution_business_ms: 2 * 3_600_000, resolution_business_ms: 2 * 3_600_000,
        tags: ['refund', 'vip'],
        ratings: [
          { kind: 'ces', scale: '1-7', score: 2, responded_at: at('2026-03-02T04:00:00Z') },
          { kind: 'csat', scale: '1-5', score: 5, responded_at: at('2026-03-02T04:00:00Z') },
          { kind: 'nps', scale: '0-10', score: 9, responded_at: at('2026-03-02T04:00:00Z') },
        ],
      });
      expect(await ticket('B-2')).toMatchObject({
        status: 'pending', priority: 'normal', channel: 'chat', team: 'Support', agent: 'name:Budi', agent_email: null, requester_id: 'c-2',
        created_at: at('2026-03-02T03:15:00Z'), first_response_at: null, resolved_at: null, reopen_count: 0,
        escalated_at: at('2026-03-02T03:15:00Z'), escalation_count: 1, handle_time_seconds: 2700, tags: [], ratings: [],
      });
      // Day-first dates; "?" is a missing value; closed after being solved; the "escalated" tag escalates.
      expect(await ticket('B-3')).toMatchObject({
        status: 'closed', priority: 'urgent', channel: 'phone', team: 'Billing', agent: null,
        created_at: at('2026-03-03T01:00:00Z'), first_response_at: at('2026-03-03T01:20:00Z'), first_resolved_at: at('2026-03-04T10:30:00Z'),
        resolved_at: at('2026-03-04T10:30:00Z'), closed_at: at('2026-03-05T17:00:00Z'), reopen_count: 0, agent_reply_count: 1,
        escalated_at: at('2026-03-03T01:00:00Z'), escalation_count: 1, handle_time_seconds: 5400, tags: ['escalated'],
        ratings: [{ kind: 'csat', scale: 'good-bad', score: 0, responded_at: at('2026-03-04T10:30:00Z') }],
      });
      expect(await ticket('B-4')).toMatchObject({ status: 'open', priority: null, channel: 'web', team: null, created_at: at('2026-03-03T17:00:00Z'), tags: [], ratings: [] });
    });

    it('importing the same file twice changes nothing', async () => {
      expect(counts(await run({ file: fixture('basic.csv') }))).toMatchObject({ imported: 5, updated: 0, unchanged: 0 });
      const before = await snapshot();
      expect(counts(await run({ file: fixture('basic.csv') }))).toEqual({ rows: 11, imported: 0, updated: 0, unchanged: 5, skipped: 6 });
      expect(await snapshot()).toEqual(before);
    });

    it('a dry run reads and checks everything and writes nothing, with or without a database', async () => {
      const summary = await run({ file: fixture('basic.csv'), dryRun: true });
      expect(summary).toMatchObject({ dryRun: true, rows: 11, valid: 5, imported: 0, skipped: 6 });
      expect(await tableCounts()).toEqual(Object.fromEntries(TABLES.map((table) => [table, 0])));
      const withoutDb = await runImport({ file: fixture('basic.csv'), source: 'csv', timeZone: 'Asia/Jakarta', dryRun: true });
      expect({ ...withoutDb, elapsedMs: 0 }).toEqual({ ...summary, elapsedMs: 0 });
      expect(formatSummary(summary)[1]).toMatch(/^dry run: 11 rows read, 5 valid, 6 would be skipped; nothing was written/);
    });

    it('reads gzip by the .gz extension', async () => {
      const gz = join(dir, 'basic.csv.gz');
      writeFileSync(gz, gzipSync(readFileSync(fixture('basic.csv'))));
      const summary = await run({ file: gz });
      expect(counts(summary)).toEqual({ rows: 11, imported: 5, updated: 0, unchanged: 0, skipped: 6 });
      expect(summary.skippedRows.map((row) => row.line)).toEqual([8, 9, 10, 11, 12, 13]);
      expect(await ticket('B-1')).toMatchObject({ first_response_at: at('2026-03-02T02:45:00Z'), resolved_at: at('2026-03-02T04:00:00Z') });
    });

    it('small batches give the same result as one', async () => {
      await run({ file: fixture('basic.csv'), batchSize: 1 });
      const one = await snapshot();
      for (const table of TABLES) await db(table).delete();
      await run({ file: fixture('basic.csv'), batchSize: 500 });
      const strip = (state: Awaited<ReturnType<typeof snapshot>>) => ({ ...state, tickets: state.tickets.map(({ id: _id, assignee_agent_id: _a, ...rest }) => rest), tags: state.tags.length, ratings: state.ratings.length });
      expect(strip(await snapshot())).toEqual(strip(one));
    });
  });

  describe('presets', () => {
    it('zendesk: minutes to first reply, Good/Bad, reopens and replies, a reopened ticket', async () => {
      const summary = await run({ file: fixture('zendesk.csv'), source: 'zendesk', preset: 'zendesk', timeZone: 'UTC' });
      expect(counts(summary)).toEqual({ rows: 4, imported: 4, updated: 0, unchanged: 0, skipped: 0 });
      expect(await ticket('101', 'zendesk')).toMatchObject({
        status: 'solved', priority: 'normal', channel: 'email', team: 'Support', agent: 'name:Agent Smith', requester_id: '9001',
        created_at: at('2026-03-02T09:00:00Z'), first_response_at: at('2026-03-02T09:30:00Z'), resolved_at: at('2026-03-02T12:00:00Z'),
        reopen_count: 0, agent_reply_count: 2, tags: ['printer', 'urgent_fix'],
        ratings: [{ kind: 'csat', scale: 'good-bad', score: 1, responded_at: at('2026-03-02T12:00:00Z') }],
      });
      expect(await ticket('102', 'zendesk')).toMatchObject({ status: 'open', priority: 'low', channel: 'web', agent: null, first_response_at: null, ratings: [] });
      expect(await ticket('103', 'zendesk')).toMatchObject({
        status: 'closed', priority: 'high', team: 'Tier 2', first_response_at: at('2026-03-01T08:15:00Z'),
        resolved_at: at('2026-03-02T16:00:00Z'), closed_at: at('2026-03-02T16:00:00Z'), reopen_count: 1, agent_reply_count: 4,
        ratings: [{ kind: 'csat', scale: 'good-bad', score: 0, responded_at: at('2026-03-02T16:00:00Z') }],
      });
      expect(await ticket('104', 'zendesk')).toMatchObject({
        status: 'open', priority: 'urgent', first_response_at: at('2026-03-02T12:00:00Z'), first_resolved_at: at('2026-03-02T15:00:00Z'),
        resolved_at: null, reopen_count: 1, agent_reply_count: 3, ratings: [],
      });
    });

    it('freshdesk: initial response, resolved and closed times, HH:MM time tracked, survey words', async () => {
      const summary = await run({ file: fixture('freshdesk.csv'), source: 'freshdesk', preset: 'freshdesk', timeZone: 'UTC' });
      expect(counts(summary)).toEqual({ rows: 2, imported: 2, updated: 0, unchanged: 0, skipped: 0 });
      expect(await ticket('201', 'freshdesk')).toMatchObject({
        status: 'closed', priority: 'normal', channel: 'email', team: 'Tier 1', agent: 'name:Dewi', requester_id: '5001',
        first_response_at: at('2026-03-02T08:30:00Z'), resolved_at: at('2026-03-02T10:00:00Z'), closed_at: at('2026-03-02T12:00:00Z'),
        agent_reply_count: 2, handle_time_seconds: 4500, tags: ['login', 'sso'],
        ratings: [{ kind: 'csat', scale: 'good-bad', score: 1, responded_at: at('2026-03-02T10:00:00Z') }],
      });
      expect(await ticket('202', 'freshdesk')).toMatchObject({ status: 'pending', channel: 'portal', agent: null, first_response_at: at('2026-03-02T09:20:00Z'), handle_time_seconds: 0, tags: ['billing'] });
    });

    it('freshdesk: an outbound e-mail is the agent\'s, as the webhook reads it: channel outbound-email, opened by an agent', async () => {
      const [header, row] = readFileSync(fixture('freshdesk.csv'), 'utf8').split('\n') as [string, string];
      const file = join(dir, 'freshdesk-outbound.csv');
      writeFileSync(file, `${header}\n${row.replace('201,', '299,').replace(',Email,', ',Outbound Email,')}\n`);
      expect(counts(await run({ file, source: 'freshdesk', preset: 'freshdesk', timeZone: 'UTC' }))).toMatchObject({ imported: 1, skipped: 0 });
      expect(await ticket('299', 'freshdesk')).toMatchObject({ channel: 'outbound-email', created_by_agent: true });
    });

    it('zohodesk: month-name dates, Is Escalated, Okay is no rating', async () => {
      const summary = await run({ file: fixture('zohodesk.csv'), source: 'zohodesk', preset: 'zohodesk', timeZone: 'UTC' });
      expect(counts(summary)).toEqual({ rows: 2, imported: 2, updated: 0, unchanged: 0, skipped: 0 });
      expect(await ticket('300000000000123', 'zohodesk')).toMatchObject({
        status: 'closed', priority: 'high', team: 'IT', agent: 'name:Rina', requester_id: '7001', created_at: at('2026-03-05T09:30:00Z'),
        resolved_at: at('2026-03-05T14:45:00Z'), closed_at: at('2026-03-05T14:45:00Z'), escalated_at: at('2026-03-05T09:30:00Z'), escalation_count: 1,
        ratings: [], tags: ['vpn'],
      });
      expect(await ticket('300000000000124', 'zohodesk')).toMatchObject({ status: 'open', escalation_count: 0, agent: null });
    });

    it('jira: the numeric issue id, day/month-name/two-digit-year dates, every Labels column, Jira\'s own status and priority words', async () => {
      const summary = await run({ file: fixture('jira.csv'), source: 'jira', preset: 'jira', timeZone: 'UTC' });
      expect(counts(summary)).toEqual({ rows: 4, imported: 4, updated: 0, unchanged: 0, skipped: 0 });
      expect(summary.mapping).toContain('id ← "Issue id"');
      expect(await ticket('10001', 'jira')).toMatchObject({
        status: 'solved', priority: 'high', agent: 'name:Ayu Lestari', requester_id: '6a21bd9e93f16c33dd8e5f06',
        created_at: at('2026-02-25T22:17:00Z'), resolved_at: at('2026-02-26T09:05:00Z'), tags: ['urgent-fix', 'vpn'],
        ratings: [{ kind: 'csat', scale: '1-5', score: 5, responded_at: at('2026-02-26T09:05:00Z') }],
      });
      // As the Jira webhook reads them: "Waiting for support" waits on the team (open), "Major" is Jira's default (normal).
      expect(await ticket('10002', 'jira')).toMatchObject({ status: 'open', priority: 'normal', agent: null, tags: ['billing'], resolved_at: null });
      expect(await ticket('10003', 'jira')).toMatchObject({ status: 'pending', priority: 'urgent', tags: ['login', 'sso', 'vip'] });
      expect(await ticket('10004', 'jira')).toMatchObject({ status: 'solved', priority: 'low', resolved_at: at('2026-03-03T16:30:00Z'), tags: [] });
    });

    it('intercom: the Conversations dataset, times read in the zone its headers name, Intercom\'s state and priority words', async () => {
      // The run's zone is UTC; the headers say Asia/Jakarta (UTC+7), which wins for their columns.
      const summary = await run({ file: fixture('intercom.csv'), source: 'intercom', preset: 'intercom', timeZone: 'UTC' });
      expect(counts(summary)).toEqual({ rows: 3, imported: 3, updated: 0, unchanged: 0, skipped: 0 });
      expect(summary.mapping).toContain('created_at ← "Conversation started at (Asia/Jakarta)"');
      expect(summary.mapping).toContain('first_response_at ← "Conversation first replied at (Asia/Jakarta)"');
      expect(await ticket('215468123000001', 'intercom')).toMatchObject({
        status: 'solved', priority: 'high', channel: 'chat', team: 'Billing', agent: 'name:Dewi Lestari',
        created_at: at('2026-03-02T02:00:00Z'), first_response_at: at('2026-03-02T02:04:00Z'), resolved_at: at('2026-03-02T04:00:00Z'),
        // First closed 10:30, last closed 11:00 (Jakarta): closed, reopened, closed again.
        first_resolved_at: at('2026-03-02T03:30:00Z'), reopen_count: 1,
        handle_time_seconds: 1800, tags: ['refund', 'vip'],
        ratings: [{ kind: 'csat', scale: '1-5', score: 5, responded_at: at('2026-03-02T04:00:00Z') }],
      });
      expect(await ticket('215468123000002', 'intercom')).toMatchObject({ status: 'open', priority: 'normal', channel: 'email', agent: null, first_response_at: null, ratings: [] });
      expect(await ticket('215468123000003', 'intercom')).toMatchObject({ status: 'on-hold', priority: 'normal', first_response_at: at('2026-03-03T01:31:00Z'), resolved_at: null, tags: ['login'] });
    });

    it('--map names columns the preset does not know, and wins over it', async () => {
      const summary = await run({ file: fixture('zendesk.csv'), source: 'zendesk', preset: 'zendesk', timeZone: 'UTC', map: { resolved_at: 'Updated at', requester: 'Requester' } });
      expect(summary.mapping).toContain('resolved_at ← "Updated at"');
      expect(await ticket('103', 'zendesk')).toMatchObject({ resolved_at: at('2026-03-03T08:00:00Z'), requester_id: 'Customer C' });
    });
  });

  describe('a later export', () => {
    const later = (text: string) => {
      const file = join(dir, `zendesk-${Math.random().toString(36).slice(2)}.csv`);
      writeFileSync(file, text);
      return file;
    };
    const original = () => readFileSync(fixture('zendesk.csv'), 'utf8');
    const options = { source: 'zendesk', preset: 'zendesk' as const, timeZone: 'UTC' };

    it('updates what changed (status, assignee, rating, a new solve) and counts those tickets as updated', async () => {
      await run({ file: fixture('zendesk.csv'), ...options });
      const before103 = await ticket('103', 'zendesk');
      const changed = original()
        .replace('102,Customer B,9002,,Support,Where is my order,,Open,', '102,Customer B,9002,Agent Jones,Support,Where is my order,,Pending,')
        .replace('Closed,High,Chat,2026-03-01 08:00,2026-03-03 08:00,2026-03-02 16:00,Bad,', 'Closed,High,Chat,2026-03-01 08:00,2026-03-03 08:00,2026-03-02 16:00,Good,')
        .replace('Reopened one,,Open,Urgent,Phone,2026-03-02 11:00,2026-03-03 09:00,2026-03-02 15:00,Not Offered,1,3,60,', 'Reopened one,,Solved,Urgent,Phone,2026-03-02 11:00,2026-03-03 09:00,2026-03-03 09:00,Not Offered,1,5,60,');
      const file = later(changed);
      expect(counts(await run({ file, ...options }))).toEqual({ rows: 4, imported: 0, updated: 3, unchanged: 1, skipped: 0 });
      expect(await ticket('102', 'zendesk')).toMatchObject({ status: 'pending', agent: 'name:Agent Jones' });
      expect(await ticket('103', 'zendesk')).toEqual({ ...before103, updated_at: at('2026-03-02T16:00:00.001Z'), ratings: [{ kind: 'csat', scale: 'good-bad', score: 1, responded_at: at('2026-03-02T16:00:00.001Z') }] });
      expect(await ticket('104', 'zendesk')).toMatchObject({
        status: 'solved', first_resolved_at: at('2026-03-02T15:00:00Z'), resolved_at: at('2026-03-03T09:00:00Z'), reopen_count: 1, agent_reply_count: 5,
      });
      // The corrected export again: nothing more.
      const state = await snapshot();
      expect(counts(await run({ file, ...options }))).toEqual({ rows: 4, imported: 0, updated: 0, unchanged: 4, skipped: 0 });
      expect(await snapshot()).toEqual(state);
    });

    it('keeps the first value of a fact that happens once (a corrected created_at or first reply is ignored)', async () => {
      await run({ file: fixture('zendesk.csv'), ...options });
      const before = await snapshot();
      const file = later(original().replace('Mail,2026-03-02 09:00,2026-03-02 12:00,2026-03-02 12:00,Good,0,2,30,', 'Mail,2026-03-02 08:00,2026-03-02 12:00,2026-03-02 12:00,Good,0,2,45,'));
      expect(counts(await run({ file, ...options }))).toEqual({ rows: 4, imported: 0, updated: 0, unchanged: 4, skipped: 0 });
      expect(await snapshot()).toEqual(before);
    });

    it('the same ticket twice in one file: the later row wins', async () => {
      const lines = original().split('\n');
      const file = later([...lines.slice(0, 6), lines[3]?.replace(',Open,Low,', ',Pending,Low,'), ''].join('\n'));
      const summary = await run({ file, ...options });
      expect(counts(summary)).toEqual({ rows: 5, imported: 4, updated: 1, unchanged: 0, skipped: 0 });
      expect(await ticket('102', 'zendesk')).toMatchObject({ status: 'pending' });
    });
  });

  describe('excerpts of the real datasets (test/fixtures/csv/README.md)', () => {
    it('UCI incident log (derived): naive times in America/Sao_Paulo, ServiceNow priorities, --map for its column names', async () => {
      const map = { id: 'number', created_at: 'opened_at', status: 'final_state', assignee: 'assigned_to', group: 'assignment_group', reopens: 'reopen_count' };
      const summary = await run({ file: fixture('uci-derived-excerpt.csv'), source: 'uci', timeZone: 'America/Sao_Paulo', map });
      expect(counts(summary)).toEqual({ rows: 20, imported: 20, updated: 0, unchanged: 0, skipped: 0 });
      expect(await ticket('INC0000047', 'uci')).toMatchObject({
        status: 'closed', priority: 'normal', channel: 'phone', team: 'Group 24', agent: 'name:Resolver 89',
        created_at: at('2016-02-29T07:40:00Z'), first_response_at: at('2016-02-29T08:30:00Z'), first_resolved_at: at('2016-03-01T12:52:00Z'),
        resolved_at: at('2016-03-01T12:52:00Z'), closed_at: at('2016-03-06T13:00:00Z'), reopen_count: 0, ratings: [],
      });
      expect(await ticket('INC0000062', 'uci')).toMatchObject({ priority: 'high', agent: null });
      expect(await ticket('INC0000083', 'uci')).toMatchObject({ priority: 'low' });
    });

    it('Kaggle tickets: no creation time, so it imports only with an explicit created_at, and rows without one are skipped', async () => {
      const map = { id: 'Ticket ID', created_at: 'First Response Time', resolved_at: 'Time to Resolution', status: 'Ticket Status', priority: 'Ticket Priority', channel: 'Ticket Channel', csat: 'Customer Satisfaction Rating' };
      const summary = await run({ file: fixture('kaggle-excerpt.csv'), source: 'kaggle', timeZone: 'UTC', map });
      expect(counts(summary)).toEqual({ rows: 8, imported: 4, updated: 0, unchanged: 0, skipped: 4 });
      expect(summary.skippedRows).toEqual([
        { line: 19, reason: 'resolved_at (column "Time to Resolution") "2023-06-01 01:57:40" is before created_at "2023-06-01 07:29:40"' },
        { line: 26, reason: 'created_at (column "First Response Time") is empty' },
        { line: 27, reason: 'created_at (column "First Response Time") is empty' },
        { line: 30, reason: 'created_at (column "First Response Time") is empty' },
      ]);
      expect(await ticket('1', 'kaggle')).toMatchObject({ status: 'pending', priority: 'urgent', channel: 'social media', created_at: at('2023-06-01T12:15:36Z'), ratings: [] });
      expect(await ticket('3', 'kaggle')).toMatchObject({ status: 'closed', priority: 'low', resolved_at: at('2023-06-01T18:05:38Z'), ratings: [{ kind: 'csat', scale: '1-5', score: 3, responded_at: at('2023-06-01T18:05:38Z') }] });
      expect(await ticket('5', 'kaggle')).toMatchObject({ ratings: [{ kind: 'csat', scale: '1-5', score: 1 }] });
    });
  });

  it('a row whose mapped cell holds bytes that are not UTF-8 is skipped, saying to save the file as UTF-8; unmapped columns do not matter', async () => {
    const file = join(dir, 'windows-1254-rows.csv');
    // Windows-1254: "Ayşe" has 0xFE for "ş"; the subject column is not read.
    writeFileSync(file, Buffer.concat([Buffer.from('id,created_at,assignee,subject\nE-1,2026-03-02 09:00,Ay'), Buffer.from([0xfe]), Buffer.from('e,x\nE-2,2026-03-02 09:00,Budi,'), Buffer.from([0xfe]), Buffer.from('\n')]));
    const summary = await run({ file });
    expect(summary.skippedRows).toEqual([{ line: 2, reason: 'assignee (column "assignee") "Ay\ufffde" holds bytes that are not UTF-8 text: save the file as UTF-8 (in Excel: "CSV UTF-8") and import it again' }]);
    expect(await ticket('E-2')).toMatchObject({ agent: 'name:Budi' });
  });

  it('warns that first contact resolution runs high when only the first response is mapped, not the reply count', async () => {
    const file = join(dir, 'no-replies.csv');
    writeFileSync(file, 'id,created_at,first_response_at,resolved_at\nF-1,2026-03-02 09:00,2026-03-02 10:00,2026-03-02 11:00\n');
    expect((await run({ file, dryRun: true })).warnings).toEqual(['no agent_replies column: each ticket with a first response counts as answered once, so first contact resolution reads as "not reopened" and runs high; map the reply count (--map agent_replies="<its column>") for a true one']);
    writeFileSync(file, 'id,created_at,first_response_at,resolved_at,agent_replies\nF-1,2026-03-02 09:00,2026-03-02 10:00,2026-03-02 11:00,2\n');
    expect((await run({ file, dryRun: true })).warnings).toEqual([]);
  });

  it('refuses a time more than a day after the import runs (a typo, or a due date mapped as a solve), naming it', async () => {
    const file = join(dir, 'future.csv');
    writeFileSync(file, 'id,created_at,first_response_at,resolved_at\nZ-1,2026-03-02 09:00,,2099-03-02 11:00\nZ-2,2026-03-04 09:00,,\nZ-3,2026-03-02 09:00,2026-03-02 10:00,2026-03-02 11:00\n');
    const summary = await run({ file, timeZone: 'UTC', now: at('2026-03-03T00:00:00Z') });
    expect(summary.skippedRows).toEqual([
      { line: 2, reason: 'resolved_at (column "resolved_at") "2099-03-02 11:00" is more than a day after the import ran: a typo, or another column (a due date?)' },
      { line: 3, reason: 'created_at (column "created_at") "2026-03-04 09:00" is more than a day after the import ran: a typo, or another column (a due date?)' },
    ]);
    expect(summary).toMatchObject({ imported: 1 });
  });

  it('keeps no requester e-mail address: the value is left out, the row imported, and the summary says so', async () => {
    const file = join(dir, 'requester-emails.csv');
    writeFileSync(file, 'id,requester,created_at\nQ-1,siti.customer@example.com,2026-03-02 09:00\nQ-2,9001,2026-03-02 09:00\n');
    const summary = await run({ file });
    expect(summary).toMatchObject({ imported: 2, skipped: 0 });
    expect(await ticket('Q-1')).toMatchObject({ requester_id: null });
    expect(await ticket('Q-2')).toMatchObject({ requester_id: '9001' });
    expect(JSON.stringify(await db('ticket_events').select('data'))).not.toContain('siti.customer');
    expect(summary.warnings).toEqual(['1 requester value(s) were e-mail addresses and were not kept (no personal data is kept for customers): map the requester\'s id instead (--map requester="<its column>")']);
  });

  it('reads Turkish and Indonesian statuses as such, and names the status words it does not know (counted as open)', async () => {
    const file = join(dir, 'statuses-tr.csv');
    writeFileSync(file, [
      'id,created_at,resolved_at,closed_at,status',
      'S-1,2026-03-02 09:00,2026-03-02 12:00,,Çözüldü',
      'S-2,2026-03-02 09:00,2026-03-02 12:00,2026-03-03 12:00,Kapalı',
      'S-3,2026-03-02 09:00,,,Beklemede',
      'S-4,2026-03-02 09:00,,,Eskalasi',
      'S-5,2026-03-02 09:00,,,Devam ediyor',
      'S-6,2026-03-02 09:00,,,Eskalasi',
      '',
    ].join('\n'));
    const summary = await run({ file });
    expect(summary).toMatchObject({ imported: 6, skipped: 0 });
    expect(await ticket('S-1')).toMatchObject({ status: 'solved', reopen_count: 0 });
    expect(await ticket('S-2')).toMatchObject({ status: 'closed', reopen_count: 0 });
    expect(await ticket('S-3')).toMatchObject({ status: 'pending' });
    expect(await ticket('S-4')).toMatchObject({ status: 'open' });
    expect(summary.warnings).toEqual(['3 row(s) have a status the import does not know, counted as open: "Eskalasi" (2), "Devam ediyor" (1); if one means solved or closed, give those rows their resolved_at or closed_at, or export the status in English']);
  });

  it('a file read with another --date-order than before cannot put a solve before the creation already stored: that row is skipped, saying why', async () => {
    const file = join(dir, 'date-order.csv');
    // Read day-first, R-1 is created 3 April and solved 3 May; month-first, it is solved 5 March, before that creation.
    writeFileSync(file, 'id,created_at,resolved_at\nR-1,3/4/2024 10:00,3/5/2024 10:00\nR-2,3/25/2024 10:00,3/26/2024 10:00\n');
    await run({ file, timeZone: 'UTC' });
    const again = await run({ file, timeZone: 'UTC', dateOrder: 'mdy' });
    expect(again.skippedRows).toEqual([{ line: 2, reason: "resolved_at 2024-03-05T10:00:00.000Z is before the ticket's created_at already in the database (2024-04-03T10:00:00.000Z): the file reads differently from when it was first imported (another --date-order or --timezone?); import it into a new --source" }]);
    const row = await ticket('R-1');
    expect(row).toMatchObject({ created_at: at('2024-04-03T10:00:00Z'), resolved_at: at('2024-05-03T10:00:00Z') });
    expect(await db('tickets').where('first_resolved_at', '<', db.ref('created_at')).orWhere('resolved_at', '<', db.ref('created_at')).count({ n: '*' }).then((rows) => Number((rows[0] as { n: number | string }).n))).toBe(0);
  });

  it('a ticket the webhooks brought, created and solved in one minute, is imported from an export at minute precision (its own creation is the earliest)', async () => {
    const created = at('2026-03-02T09:00:40Z');
    await new IngestStore(db, { escalationGroups: [], escalationTag: 'escalated' }).recordEvents('generic', [
      { kind: 'ticket', type: 'ticket_created', externalTicketId: 'M-1', occurredAt: created, data: { status: 'new' }, actor: { type: 'customer', id: 'c-1' }, dedupeKey: 'evt-m1-created' },
      { kind: 'ticket', type: 'status_changed', externalTicketId: 'M-1', occurredAt: created + 10_000, data: { status: 'solved' }, dedupeKey: 'evt-m1-solved' },
    ]);
    const file = join(dir, 'minute-precision.csv');
    writeFileSync(file, 'id,created_at,resolved_at,status\nM-1,2026-03-02 09:00,2026-03-02 09:00,Solved\n');
    const summary = await run({ file, source: 'generic', timeZone: 'UTC' });
    expect(summary.skippedRows).toEqual([]);
    const row = await ticket('M-1', 'generic');
    expect(row).toMatchObject({ status: 'solved', created_at: at('2026-03-02T09:00:00Z') });
    expect(Number((row as Record<string, unknown> | undefined)?.resolved_at)).toBeGreaterThanOrEqual(Number((row as Record<string, unknown> | undefined)?.created_at));
  });

  it('imported again after the helpdesk\'s webhooks moved its tickets on, an export changes nothing they said (no reopening, no older rating)', async () => {
    const file = join(dir, 'then-webhooks.csv');
    writeFileSync(file, 'id,created_at,resolved_at,status,csat\nW-1,2026-03-02 09:00,,Open,\nW-2,2026-03-02 09:00,2026-03-02 12:00,Solved,5\n');
    await run({ file, source: 'generic', timeZone: 'UTC' });
    const later = at('2026-03-04T09:00:00Z');
    await new IngestStore(db, { escalationGroups: [], escalationTag: 'escalated' }).recordEvents('generic', [
      { kind: 'ticket', type: 'status_changed', externalTicketId: 'W-1', occurredAt: later, data: { status: 'solved' }, dedupeKey: 'evt-w1-solved' },
      { kind: 'ticket', type: 'rating', externalTicketId: 'W-2', occurredAt: later, data: { rating: { kind: 'csat', scale: '1-5', score: 4 } }, dedupeKey: 'evt-w2-rated' },
    ]);
    const before = [await ticket('W-1', 'generic'), await ticket('W-2', 'generic')];
    expect(before[0]).toMatchObject({ status: 'solved', reopen_count: 0 });
    const again = await run({ file, source: 'generic', timeZone: 'UTC' });
    expect(counts(again)).toEqual({ rows: 2, imported: 0, updated: 0, unchanged: 2, skipped: 0 });
    expect([await ticket('W-1', 'generic'), await ticket('W-2', 'generic')]).toEqual(before);
  });

  it('warns when a file mixes month-first dates with ambiguous ones read day-first; --date-order mdy reads it right', async () => {
    const file = join(dir, 'us-dates.csv');
    writeFileSync(file, 'id,created_at\nD-1,3/25/2026 2:30 PM\nD-2,3/4/2026 9:00 AM\n');
    const auto = await run({ file, timeZone: 'UTC', dryRun: true });
    expect(auto.warnings).toEqual(['1 date(s) could only be month-first (like 3/25/2024) while 1 ambiguous date(s) (like 3/4/2024) were read day-first; if the file is month-first, check it with --dry-run --date-order mdy']);
    expect(formatSummary(auto).at(-1)).toMatch(/^warning: 1 date\(s\) could only be month-first/);
    await run({ file, timeZone: 'UTC', dateOrder: 'mdy' });
    expect(await ticket('D-2')).toMatchObject({ created_at: at('2026-03-04T09:00:00Z') });
  });

  it('a record over 4 MiB (a closed field of 5 MiB) ends the reading there, and says so: the rows before it stay, none after is misread', async () => {
    const file = join(dir, 'huge-field.csv');
    const after = Array.from({ length: 200 }, (_, i) => `A-${i},2026-03-02 09:00,"short, ""quoted"" text"`);
    writeFileSync(file, [`id,created_at,subject\nH-1,2026-03-02 09:00,fine\nH-2,2026-03-02 09:00,"${'x'.repeat(5 * 1024 * 1024)}"`, ...after, ''].join('\n'));
    const summary = await run({ file });
    expect(summary.skippedRows).toEqual([{ line: 3, reason: "not valid CSV (a record over 4 MiB: a field far longer than a ticket's, or a quoted field that never closes; the file was not read past it)" }]);
    expect(summary).toMatchObject({ rows: 2, imported: 1, skipped: 1, unreadFrom: 3 });
    expect(await ticket('H-1')).toBeDefined();
    expect(Number(((await db('tickets').where('external_id', 'like', 'A-%').count({ n: '*' })) as { n: number | string }[])[0]?.n)).toBe(0);
    expect(formatSummary(summary).at(-1)).toBe('error: the file was not read past line 3 (see above); the rows before it were imported. Close the quote, or leave out the long column (a subject or description is never read), and import again: rows already in change nothing');
  });

  it('interrupted (Ctrl-C), it stops after the batch in hand, says how far it got, and the same import again finishes it', async () => {
    const file = join(dir, 'interrupted.csv');
    const rows = Array.from({ length: 3000 }, (_, i) => `I-${i},2026-03-02 09:00,2026-03-02 10:00`);
    writeFileSync(file, ['id,created_at,first_response_at', ...rows, ''].join('\n'));
    const stop = new AbortController();
    const first = await runImport({ source: 'csv', timeZone: 'Asia/Jakarta', file, batchSize: 500 }, { db, signal: stop.signal, onProgress: () => stop.abort() });
    expect(first).toMatchObject({ interrupted: true, imported: 500, skipped: 0 });
    expect(first.rows).toBeLessThan(3000);
    expect(Number(((await db('tickets').count({ n: '*' })) as { n: number | string }[])[0]?.n)).toBe(500);
    expect(formatSummary(first).at(-1)).toMatch(/^interrupted after [\d,]+ rows: those are in the database; run the same command again to import the rest/);
    const again = await run({ file });
    expect(again).toMatchObject({ interrupted: false, rows: 3000, imported: 2500, unchanged: 500 });
  });

  it('an unclosed quote ends the reading at that record, and says so', async () => {
    const file = join(dir, 'unclosed.csv');
    writeFileSync(file, 'id,created_at,handle_time,subject\nU-1,2026-03-02 09:00,1h,fine\nU-2,2026-03-02 09:00,1h,"never closed\nU-3,2026-03-02 09:00,1h,lost\n');
    const summary = await run({ file });
    expect(counts(summary)).toEqual({ rows: 2, imported: 1, updated: 0, unchanged: 0, skipped: 1 });
    expect(summary.skippedRows).toEqual([{ line: expect.any(Number), reason: 'not valid CSV (a quoted field opened in this record never closes; the file was not read past it)' }]);
    expect(summary.unreadFrom).toBe(summary.skippedRows[0]?.line);
  });

  it('values too large for the database skip their row', async () => {
    const file = join(dir, 'large.csv');
    writeFileSync(file, 'id,created_at,handle_time,reopens\nL-1,2026-03-02 09:00,99999999 hours,0\nL-2,2026-03-02 09:00,1h,3000000000\nL-3,2026-03-02 09:00,1h,1\n');
    const summary = await run({ file });
    expect(counts(summary)).toEqual({ rows: 3, imported: 1, updated: 0, unchanged: 0, skipped: 2 });
    expect(summary.skippedRows).toEqual([
      { line: 2, reason: 'handle_time (column "handle_time") "99999999 hours" is too long' },
      { line: 3, reason: 'reopens (column "reopens") "3000000000" is too large' },
    ]);
  });

  it('lists at most 20 skipped rows and says how many more', async () => {
    const rows = Array.from({ length: 30 }, (_, index) => `S-${index},not a date`);
    const file = join(dir, 'many-bad.csv');
    writeFileSync(file, ['id,created_at', 'OK-1,2026-03-02 09:00', ...rows].join('\n'));
    const summary = await run({ file });
    expect(counts(summary)).toEqual({ rows: 31, imported: 1, updated: 0, unchanged: 0, skipped: 30 });
    expect(summary.skippedRows.map((row) => row.line)).toEqual(Array.from({ length: 20 }, (_, index) => index + 3));
    const lines = formatSummary(summary);
    expect(lines[1]).toMatch(/^imported 1 new ticket, updated 0, unchanged 0, skipped 30 \(31 rows from .*many-bad\.csv into source "csv", \d+\.\d s\)$/);
    expect(lines.at(-1)).toBe('  ... and 10 more skipped rows');
  });

  describe('importCommand', () => {
    const output = () => {
      const out: string[] = [];
      const err: string[] = [];
      return { out, err, sink: { out: (line: string) => out.push(line), err: (line: string) => err.push(line) } };
    };
    const notTerminal = { progress: { write: () => true, isTTY: false } };

    it('imports with KPI_TIMEZONE by default, defaults the preset from --source, and prints the summary', async () => {
      const { out, err, sink } = output();
      expect(await importCommand([fixture('zendesk.csv'), '--source', 'zendesk'], config, sink, notTerminal)).toBe(0);
      expect(err).toEqual([]);
      expect(out[0]).toMatch(/^columns: id ← "Id", created_at ← "Created at", first_response_at ← "First reply time in minutes" \(minutes after created_at\)/);
      expect(out[1]).toMatch(/^imported 4 new tickets, updated 0, unchanged 0, skipped 0 \(4 rows from .*zendesk\.csv into source "zendesk"/);
      expect(await ticket('101', 'zendesk')).toMatchObject({ created_at: at('2026-03-02T02:00:00Z') }); // 09:00 in Asia/Jakarta
    });

    it('--dry-run writes nothing; a terminal gets a progress line that is cleared', async () => {
      const { out, sink } = output();
      const written: string[] = [];
      const code = await importCommand([fixture('basic.csv'), '--dry-run', '--timezone', 'UTC'], config, sink, { progress: { write: (text: string) => written.push(text), isTTY: true } });
      expect(code).toBe(0);
      expect(out[1]).toMatch(/^dry run: 11 rows read, 5 valid, 6 would be skipped/);
      expect(await tableCounts()).toEqual(Object.fromEntries(TABLES.map((table) => [table, 0])));
      expect(written.slice(0, -1).join('')).toMatch(/^\r\[#+\] 100% +11 rows /);
      expect(written.at(-1)).toBe('\r\u001b[2K');
    });

    it('the progress line says 100 % only when every row is in (the bytes are read ahead of the rows)', async () => {
      const file = join(dir, 'progress.csv');
      writeFileSync(file, ['id,created_at,first_response_at', ...Array.from({ length: 30_000 }, (_, i) => `P-${i},2026-03-02 09:00,2026-03-02 10:00`), ''].join('\n'));
      const written: string[] = [];
      const { sink } = output();
      expect(await importCommand([file, '--timezone', 'UTC'], config, sink, { progress: { write: (text: string) => written.push(text), isTTY: true } })).toBe(0);
      const shown = written.flatMap((text) => /(\d+)% +([\d,]+) rows/.exec(text) ?? []).length;
      expect(shown).toBeGreaterThan(0);
      for (const text of written) {
        const match = /(\d+)% +([\d,]+) rows/.exec(text);
        if (match !== null && match[1] === '100') expect(match[2]).toBe('30,000');
      }
    }, 60_000);

    it('bad words, a missing file and missing columns are a UsageError (exit code 2 in the CLI)', async () => {
      const cases: [string[], string | RegExp][] = [
        [[], 'import needs a file: kpibot import <file.csv> [options]; run "kpibot import --help"'],
        [['a.csv', 'b.csv'], 'import takes one file, got 2: "a.csv" "b.csv"'],
        [[fixture('basic.csv'), '--nope'], 'unknown option "--nope"; "kpibot import --help" shows the options'],
        [[fixture('basic.csv'), '--preset', 'helpscout'], '--preset "helpscout" is not one of zendesk, freshdesk, zohodesk, jira, intercom'],
        [[fixture('basic.csv'), '--map', 'subject=Subject'], '--map: unknown field "subject"; fields are id, created_at, first_response_at, first_resolved_at, resolved_at, closed_at, status, priority, channel, group, assignee_email, assignee, requester, csat, nps, ces, reopens, agent_replies, escalated, handle_time, tags'],
        [[fixture('basic.csv'), '--map', 'id'], '--map "id" must be field=Header, e.g. --map created_at="Created at"'],
        [[fixture('basic.csv'), '--timezone', 'Mars/Olympus'], '--timezone "Mars/Olympus" is not an IANA time zone (e.g. Asia/Jakarta, America/Sao_Paulo, UTC)'],
        [[fixture('basic.csv'), '--date-order', 'ymd'], '--date-order "ymd" is not one of auto, dmy, mdy'],
        [[fixture('basic.csv'), '--source', 'Bad Name'], '--source "Bad Name" must be 1-32 lower-case letters, digits, "-" or "_"'],
        [[fixture('basic.csv'), '--limit', '0'], '--limit must be a whole number from 1 to 9007199254740991, got "0"'],
        [[join(dir, 'missing.csv')], `no such file "${join(dir, 'missing.csv')}"`],
        [[dir], `"${dir}" is not a file`],
        [[fixture('kaggle-excerpt.csv'), '--dry-run'], 'no column for id and created_at (use --map field=Header or --preset); the file\'s columns are "Ticket ID", "Customer Name", "Customer Email", "Customer Age", "Customer Gender", "Product Purchased", "Date of Purchase", "Ticket Type", "Ticket Subject", "Ticket Description", "Ticket Status", "Resolution", "Ticket Priority", "Ticket Channel", "First Response Time", "Time to Resolution", "Customer Satisfaction Rating"'],
        [[fixture('zendesk.csv'), '--map', 'csat=satisfaction score'], '--map csat=satisfaction score: the file has no column "satisfaction score" (names are exact); its columns are "Id", "Requester", "Requester id", "Assignee", "Group", "Subject", "Tags", "Status", "Priority", "Via", "Created at", "Updated at", "Solved at", "Satisfaction Score", "Reopens", "Replies", "First reply time in minutes", "Full resolution time in minutes"'],
      ];
      for (const [args, message] of cases) {
        const { sink } = output();
        const error = await importCommand(args, config, sink, notTerminal).then(() => undefined, (thrown: unknown) => thrown);
        expect(error, args.join(' ')).toBeInstanceOf(UsageError);
        if (typeof message === 'string') expect((error as Error).message, args.join(' ')).toBe(message);
        else expect((error as Error).message, args.join(' ')).toMatch(message);
        expect((error as Error).message).not.toContain('\n');
      }
      const empty = join(dir, 'empty.csv');
      writeFileSync(empty, '');
      await expect(importCommand([empty], config, output().sink, notTerminal)).rejects.toThrow(new UsageError(`"${empty}" is empty: it has no header line`));
      expect(await tableCounts()).toEqual(Object.fromEntries(TABLES.map((table) => [table, 0])));
    });

    it('a file saved with ";" or tabs between columns is pointed at --delimiter, and read with it; a binary or unnamed gzip file is named as such', async () => {
      const semicolons = join(dir, 'semicolons.csv');
      // As a spreadsheet saves it where the comma is the decimal mark: ";" between columns, so a comma is part of a value.
      writeFileSync(semicolons, 'id;created_at;status;csat\nS-1;2026-01-05 09:00;open;4\n"S-2, migrated";2026-01-06 10:30;pending;\n');
      const refused = await importCommand([semicolons, '--dry-run'], config, output().sink, notTerminal).then(() => undefined, (thrown: unknown) => thrown);
      expect((refused as Error).message).toBe('no column for id and created_at (use --map field=Header or --preset); the file\'s columns are "id;created_at;status;csat". The header is one column holding ";": add --delimiter ";"');
      const { out, sink } = output();
      expect(await importCommand([semicolons, '--delimiter', ';', '--dry-run'], config, sink, notTerminal)).toBe(0);
      expect(out[0]).toBe('columns: id ← "id", created_at ← "created_at", status ← "status", csat ← "csat"');
      expect(out[1]).toMatch(/^dry run: 2 rows read, 2 valid, 0 would be skipped/);
      const tabs = join(dir, 'tabs.tsv');
      writeFileSync(tabs, 'id\tcreated_at\nT-1\t2026-01-05 09:00\n');
      await expect(importCommand([tabs, '--dry-run'], config, output().sink, notTerminal)).rejects.toThrow(/The header is one column holding tabs: add --delimiter tab$/);
      expect(await importCommand([tabs, '--delimiter', 'tab', '--dry-run'], config, output().sink, notTerminal)).toBe(0);
      await expect(importCommand([tabs, '--delimiter', ':'], config, output().sink, notTerminal)).rejects.toThrow(new UsageError('--delimiter ":" is not one of ",", ";", tab, "|"'));
      const packed = join(dir, 'export.csv');
      writeFileSync(packed, gzipSync(readFileSync(fixture('basic.csv'))));
      await expect(importCommand([packed, '--dry-run'], config, output().sink, notTerminal)).rejects.toThrow(new UsageError(`"${packed}" is not a CSV text file: its first line holds binary bytes (it is gzip-compressed: name it .gz and it is read as such)`));
      // Saved as Windows-1254 (Turkish): "Ş" is the byte 0xDE, which UTF-8 does not have on its own.
      const turkish = join(dir, 'windows-1254.csv');
      writeFileSync(turkish, Buffer.concat([Buffer.from('id,created_at,'), Buffer.from([0xde]), Buffer.from('ube\nT-1,2026-01-05 09:00,x\n')]));
      await expect(importCommand([turkish, '--dry-run'], config, output().sink, notTerminal)).rejects.toThrow(/is not UTF-8 text: its first line holds bytes UTF-8 does not have .*save it as UTF-8 \(in Excel: "CSV UTF-8"\)/);
      const plain = join(dir, 'plain.csv.gz');
      writeFileSync(plain, readFileSync(fixture('basic.csv')));
      await expect(importCommand([plain, '--dry-run'], config, output().sink, notTerminal)).rejects.toThrow(new UsageError(`cannot read "${plain}": its name ends in .gz but it is not gzip-compressed (rename it to .csv) or it is damaged`));
      expect(await tableCounts()).toEqual(Object.fromEntries(TABLES.map((table) => [table, 0])));
    });

    it('--help prints the usage', async () => {
      const { out, sink } = output();
      expect(await importCommand(['--help'], config, sink)).toBe(0);
      expect(out[0]).toMatch(/^Usage: kpibot import <file\.csv \| file\.csv\.gz> \[options\]/);
    });
  });
});
