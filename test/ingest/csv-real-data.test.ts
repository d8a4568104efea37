/**
 * `kpibot import` against the full real datasets in ../shared/data (see their
 * README.md files). They live beside the repository, not in it: in a clone
 * without them these tests are skipped, and the skip says why.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { UsageError } from '../../src/errors.js';
import { runImport } from '../../src/ingest/csv/run-import.js';
import { openDatabase, type Database } from '../../src/store/database.js';
import { createTestDatabase, TEST_ENGINE, type TestDatabase } from '../helpers/databases.js';

const DATA = fileURLToPath(new URL('../../../shared/data/', import.meta.url));
const UCI = `${DATA}uci-incident-management-event-log/incident_tickets_derived.csv.gz`;
const KAGGLE = `${DATA}kaggle-customer-support-tickets/customer_support_tickets.csv`;
const present = existsSync(UCI) && existsSync(KAGGLE);
const TABLES = ['ticket_tags', 'ticket_response_intervals', 'survey_responses', 'tickets', 'ticket_events', 'agents'];
const at = (text: string) => Date.parse(text);

const title = present ? `real datasets on ${TEST_ENGINE}` : `real datasets (skipped: ${DATA} is not here; it sits beside the repository on the team's machines only)`;

describe.skipIf(!present)(title, () => {
  let testDb: TestDatabase;
  let db: Database;
  beforeAll(async () => {
    testDb = await createTestDatabase({ migrated: true });
    db = openDatabase(parseConfig({ DATABASE_URL: testDb.url }).database);
  });
  afterAll(async () => {
    await db?.destroy();
    await testDb?.dispose();
  });
  beforeEach(async () => {
    for (const table of TABLES) await db(table).delete();
  });
  const count = async (table: string, where: Record<string, unknown> = {}) => Number(((await db(table).where(where).count({ n: '*' })) as { n: number | string }[])[0]?.n);

  describe('UCI incident management log, derived one-row-per-incident file (gzip)', () => {
    const map = { id: 'number', created_at: 'opened_at', status: 'final_state', assignee: 'assigned_to', group: 'assignment_group', reopens: 'reopen_count' };
    const options = { file: UCI, source: 'uci', map, timeZone: 'America/Sao_Paulo' };
    const skippedLines = [
      { line: 55, reason: 'first_response_at (column "first_response_at") "2016-02-29 07:14" is before created_at "2016-02-29 09:41"' },
      { line: 58, reason: 'first_response_at (column "first_response_at") "2016-02-29 09:27" is before created_at "2016-02-29 09:45"' },
    ];

    it('every row reads: 24,918 incidents, the 2 the README calls anomalies are skipped', async () => {
      const summary = await runImport({ ...options, dryRun: true });
      expect(summary).toMatchObject({ rows: 24_918, valid: 24_916, skipped: 2, skippedRows: skippedLines, warnings: [expect.stringMatching(/^no agent_replies column: each ticket with a first response counts as answered once/)] });
    }, 60_000);

    it('imports with the right projection, and a second import changes nothing', async () => {
      const summary = await runImport(options, { db });
      expect(summary).toMatchObject({ rows: 24_918, imported: 24_916, updated: 0, unchanged: 0, skipped: 2, skippedRows: skippedLines });
      expect(await count('tickets', { source: 'uci' })).toBe(24_916);
      expect(await count('tickets', { source: 'uci', status: 'closed' })).toBe(24_916);
      // 1,556 incidents have no resolved_at: they resolve when they close.
      expect(await count('tickets', { source: 'uci', first_resolved_at: db.ref('closed_at') })).toBeGreaterThanOrEqual(1556);
      expect(await count('tickets', { source: 'uci', priority: 'urgent' })).toBe(270);
      const first = (await db('tickets').where({ source: 'uci', external_id: 'INC0000045' }).first()) as Record<string, unknown>;
      expect(first).toMatchObject({
        status: 'closed', priority: 'normal', channel: 'phone', team: 'Group 56', assignee_agent_id: null,
        created_at: at('2016-02-29T04:16:00Z'), first_response_at: at('2016-02-29T11:53:00Z'), resolved_at: at('2016-02-29T14:29:00Z'),
        closed_at: at('2016-03-05T15:00:00Z'), reopen_count: 0, agent_reply_count: 1,
      });
      const events = await count('ticket_events');
      const again = await runImport(options, { db });
      expect(again).toMatchObject({ imported: 0, updated: 0, unchanged: 24_916, skipped: 2 });
      expect(await count('ticket_events')).toBe(events);
    }, 300_000);
  });

  describe('Kaggle customer support tickets (synthetic; a CSAT fixture)', () => {
    it('has no creation time: without --map the import stops at once and names the columns', async () => {
      await expect(runImport({ file: KAGGLE, source: 'kaggle', timeZone: 'UTC' }, { db })).rejects.toThrow(UsageError);
      await expect(runImport({ file: KAGGLE, source: 'kaggle', timeZone: 'UTC' }, { db })).rejects.toThrow(/^no column for id and created_at .* "Ticket ID", "Customer Name", .* "Customer Satisfaction Rating"$/);
      expect(await count('ticket_events')).toBe(0);
    });

    it('with created_at = First Response Time: 4,285 tickets, 1,404 CSAT ratings, the rest skipped and explained', async () => {
      const map = { id: 'Ticket ID', created_at: 'First Response Time', resolved_at: 'Time to Resolution', status: 'Ticket Status', priority: 'Ticket Priority', channel: 'Ticket Channel', csat: 'Customer Satisfaction Rating' };
      const summary = await runImport({ file: KAGGLE, source: 'kaggle', timeZone: 'UTC', map }, { db });
      // 2,819 Open tickets have no First Response Time; 1,365 Closed ones resolve before it (the README's caveat).
      expect(summary).toMatchObject({ rows: 8469, imported: 4285, skipped: 2819 + 1365 });
      expect(summary.skippedRows.slice(0, 2)).toEqual([
        { line: 19, reason: 'resolved_at (column "Time to Resolution") "2023-06-01 01:57:40" is before created_at "2023-06-01 07:29:40"' },
        { line: 26, reason: 'created_at (column "First Response Time") is empty' },
      ]);
      expect(await db('tickets').where({ source: 'kaggle' }).select('status').count({ n: '*' }).groupBy('status').orderBy('status')).toEqual([
        { status: 'closed', n: 1404 },
        { status: 'pending', n: 2881 },
      ]);
      expect(await db('survey_responses').where({ source: 'kaggle', kind: 'csat', scale: '1-5' }).select('score').count({ n: '*' }).groupBy('score').orderBy('score')).toEqual([
        { score: 1, n: 269 },
        { score: 2, n: 272 },
        { score: 3, n: 290 },
        { score: 4, n: 296 },
        { score: 5, n: 277 },
      ]);
    }, 180_000);
  });
});
