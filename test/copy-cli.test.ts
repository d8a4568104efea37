import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config.js';
import { loadDemo } from '../src/demo/generate.js';
import { engineOf, openDatabase, type Database } from '../src/store/database.js';
import { migrateLatest } from '../src/store/migrations.js';
import { parentsFirst } from '../src/store/transfer.js';
import { createTestDatabase, TEST_ENGINE, type TestDatabase } from './helpers/databases.js';
import { runKpibot } from './helpers/process.js';

const NOW = Date.parse('2026-11-20T10:00:00Z');
const PROJECTION = { escalationGroups: [], escalationTag: 'escalated' };

/** Tables each database keeps for itself, which `kpibot copy` leaves alone. */
const OWN_TABLES = new Set(['knex_migrations', 'knex_migrations_lock', 'leases', 'sqlite_sequence']);

async function tablesOf(db: Database): Promise<string[]> {
  const rows =
    engineOf(db) === 'sqlite'
      ? ((await db.raw("SELECT name FROM sqlite_master WHERE type = 'table'")) as { name: string }[])
      : ((await db.raw("SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'")) as { rows: { name: string }[] }).rows;
  return rows.map((row) => row.name).filter((name) => !OWN_TABLES.has(name)).sort();
}

async function rowsIn(db: Database, table: string): Promise<number> {
  return Number(((await db(table).count({ n: '*' }))[0] as { n: unknown }).n);
}

/** A table's rows in a form both engines agree on: booleans as 0/1, PostgreSQL's bigint strings as numbers, in key order. */
async function contentOf(db: Database, table: string): Promise<string[]> {
  const rows = (await db(table).select('*')) as Record<string, unknown>[];
  return rows
    .map((row) =>
      JSON.stringify(
        Object.keys(row)
          .sort()
          .map((column) => {
            const value = row[column];
            if (typeof value === 'boolean') return [column, value ? 1 : 0];
            if (typeof value === 'string' && /^-?\d{1,15}$/.test(value) && column !== 'external_id' && column !== 'date') return [column, Number(value)];
            return [column, value];
          }),
      ),
    )
    .sort();
}

/** A source with rows in every table the copy carries: the demo workspace, and a row of each kind of set-up the demo has none of. */
async function fillSource(db: Database): Promise<void> {
  await loadDemo(db, PROJECTION, { now: NOW, tickets: 150 });
  const at = NOW - 3_600_000;
  const [calendar] = (await db('business_calendars').insert({ name: 'Jakarta', timezone: 'Asia/Jakarta', weekly_hours: '{"1":[["09:00","18:00"]]}', created_at: at, updated_at: at }, ['id'])) as { id: number }[];
  await db('calendar_holidays').insert({ calendar_id: calendar!.id, date: '2026-12-25', name: 'Natal' });
  await db('teams').insert({ name: 'Billing', calendar_id: calendar!.id, alert_channel_id: 'C0BILLING', created_at: at, updated_at: at });
  await db('alert_rules').insert({ kind: 'threshold', channel_id: 'C0ALERTS', config: '{"metric":"backlog"}', created_at: at, updated_at: at });
  await db('digest_subscriptions').insert({ kind: 'channel', channel_id: 'C0DIGEST', schedule: '0 9 * * 1', timezone: 'Asia/Jakarta', only_if_changed: true, created_at: at, updated_at: at });
  await db('quiet_hours').insert({ channel_id: 'C0ALERTS', starts: '22:00', ends: '07:00', timezone: 'Asia/Jakarta', updated_at: at });
  await db('slack_languages').insert({ slack_id: 'U0LEAD', locale: 'id', set_by: 'U0LEAD', updated_at: at });
  await db('kpi_goals').insert({ metric: 'csat', scope_key: '', filters: '{}', target: 85.5, set_by: 'U0LEAD', updated_at: at });
  const [survey] = (await db('enps_surveys').insert({ audience: 'C0TEAM', started_by: 'U0LEAD', invited: 2, started_at: at }, ['id'])) as { id: number }[];
  await db('enps_participants').insert([{ survey_id: survey!.id, slack_user_id: 'U0A', answered: true }, { survey_id: survey!.id, slack_user_id: 'U0B', answered: false }]);
  const [delivery] = (await db('webhook_deliveries').insert({ source: 'generic', delivery_key: 'msg_1', received_at: at, status: 'rejected', reason: 'unknown_shape', body_bytes: 2, body_sha256: 'a'.repeat(64), payload: '{}' }, ['id'])) as { id: number }[];
  expect(delivery!.id).toBeGreaterThan(0);
  const first = (await db('tickets').orderBy('id').first('id')) as { id: number };
  await db('alerts').insert({ dedupe_key: `sla:${first.id}:first_response`, kind: 'sla_breach', ticket_id: first.id, channel_id: 'C0ALERTS', due_at: at - 60_000, view: '{}', last_notified_at: at, created_at: at });
  await db('escalations_to_alert').insert({ ticket_id: first.id, escalation_count: 1, created_at: at });
  await db('deleted_tickets').insert({ source: 'zendesk', external_id: '99', ticket_id: 999_999, deleted_at: at });
  await db('alert_outbox').insert({ dedupe_key: 'digest:1:2026-11-20', kind: 'digest', channel_id: 'C0DIGEST', payload: '{}', next_attempt_at: at, created_at: at, state: 'sent', sent_at: at });
  await db('settings').insert({ key: 'projection:escalation_groups', value: '["Tier 2"]', updated_at: at }).onConflict('key').merge();
  // An expired lease: a bot that stopped cleanly.
  await db('leases').insert({ name: 'scheduler', holder: 'host:1:ab', acquired_at: at - 60_000, expires_at: at });
}

describe(`kpibot copy from SQLite to ${TEST_ENGINE} and back`, () => {
  let dir: string;
  let target: TestDatabase;
  const open: Database[] = [];
  const openAt = (url: string) => {
    const db = openDatabase(parseConfig({ DATABASE_URL: url }).database);
    open.push(db);
    return db;
  };
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kpibot-copy-'));
    target = await createTestDatabase();
  });
  afterEach(async () => {
    for (const db of open.splice(0)) await db.destroy();
    await target.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  async function sourceFile(): Promise<{ url: string; db: Database }> {
    const url = `sqlite:${join(dir, 'source.sqlite')}`;
    const db = openAt(url);
    await migrateLatest(db);
    await fillSource(db);
    return { url, db };
  }

  it('carries every row of every table, keeps ids and each id high-water mark, and the KPIs read the same on both', async () => {
    const { url, db: source } = await sourceFile();
    // The newest ticket deleted: its id is never given again, on either side.
    const newest = (await source('tickets').max({ id: 'id' }))[0] as { id: number };
    await source('ticket_tags').where({ ticket_id: newest.id }).delete();
    await source('ticket_response_intervals').where({ ticket_id: newest.id }).delete();
    await source('ticket_resolved_spans').where({ ticket_id: newest.id }).delete();
    await source('survey_responses').where({ ticket_id: newest.id }).delete();
    await source('tickets').where({ id: newest.id }).delete();
    const tables = await tablesOf(source);
    for (const table of tables) expect(await rowsIn(source, table), `${table} has rows to copy`).toBeGreaterThan(0);

    const copied = runKpibot(['copy', '--to', target.url], { DATABASE_URL: url });
    expect(copied.stderr).toBe('');
    expect(copied.status).toBe(0);
    expect(copied.stdout).toMatch(new RegExp(`^copied [\\d,]+ rows in ${tables.length} tables from sqlite:.*source\\.sqlite to .* in \\d+\\.\\d s$`, 'm'));
    expect(copied.stdout).toMatch(/^ {2}tickets +\d{3}$/m);

    const copy = openAt(target.url);
    expect(await tablesOf(copy)).toEqual(tables);
    for (const table of tables) expect(await contentOf(copy, table), table).toEqual(await contentOf(source, table));
    expect(await rowsIn(copy, 'leases')).toBe(0);
    for (const metric of ['summary', 'agents']) {
      const args = ['report', metric, '--period', '2026-10-21..2026-11-20', '--timezone', 'Asia/Jakarta', '--json'];
      const before = runKpibot(args, { DATABASE_URL: url });
      const after = runKpibot(args, { DATABASE_URL: target.url });
      expect(before.status, before.stderr).toBe(0);
      expect(after.stdout, metric).toBe(before.stdout);
    }

    const [fresh] = (await copy('tickets').insert({ source: 'generic', external_id: 'after-copy', status: 'new', created_at: NOW, updated_at: NOW, projected_at: NOW }, ['id'])) as { id: number }[];
    expect(Number(fresh!.id)).toBe(newest.id + 1);

    // And back into a new SQLite file: the same rows again.
    await copy('tickets').where({ id: fresh!.id }).delete();
    const back = `sqlite:${join(dir, 'back.sqlite')}`;
    const returned = runKpibot(['copy', '--to', back], { DATABASE_URL: target.url });
    expect(returned.stderr).toBe('');
    expect(returned.status).toBe(0);
    const again = openAt(back);
    for (const table of tables) expect(await contentOf(again, table), table).toEqual(await contentOf(source, table));
    const [after] = (await again('tickets').insert({ source: 'generic', external_id: 'after-return', status: 'new', created_at: NOW, updated_at: NOW, projected_at: NOW }, ['id'])) as { id: number }[];
    expect(Number(after!.id)).toBe(newest.id + 2);
  }, 120_000);

  it('writes nothing when the target refuses a row half-way: the copy is one transaction', async () => {
    const { url } = await sourceFile();
    const prepared = openAt(target.url);
    await migrateLatest(prepared);
    // ticket_tags is copied after tickets and ticket_events: a target that refuses its rows stops the copy there.
    if (engineOf(prepared) === 'postgres') {
      await prepared.raw("CREATE FUNCTION refuse_tags() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'no tags here'; END $$");
      await prepared.raw('CREATE TRIGGER refuse_tags BEFORE INSERT ON ticket_tags FOR EACH ROW EXECUTE FUNCTION refuse_tags()');
    } else {
      await prepared.raw("CREATE TRIGGER refuse_tags BEFORE INSERT ON ticket_tags BEGIN SELECT RAISE(ABORT, 'no tags here'); END");
    }
    const result = runKpibot(['copy', '--to', target.url], { DATABASE_URL: url });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^kpibot: the copy failed and nothing was written to .*: ticket_tags \(rows with ticket_id \d+–\d+, tag .*\): the target refused them: .*no tags here/);
    for (const table of ['tickets', 'ticket_events', 'agents', 'customers']) expect(await rowsIn(prepared, table), table).toBe(0);
  }, 60_000);

  it('refuses a target that holds data, a running bot, its own database and a bad --to, each in one line, changing nothing', async () => {
    const { url, db: source } = await sourceFile();
    const prepared = openAt(target.url);
    await migrateLatest(prepared);
    await prepared('teams').insert({ name: 'Already here', created_at: NOW, updated_at: NOW });
    const holding = runKpibot(['copy', '--to', target.url], { DATABASE_URL: url });
    expect(holding.status).toBe(2);
    expect(holding.stderr).toBe('kpibot: the target already holds data (teams): copy into a new, empty database\n');
    expect(await rowsIn(prepared, 'tickets')).toBe(0);

    // A target that cannot be reached is named as the target, its password hidden.
    const away = runKpibot(['copy', '--to', 'postgres://kpibot:secret@127.0.0.1:1/none'], { DATABASE_URL: url });
    expect(away.stderr).toBe('kpibot: cannot use the database to copy into (postgres://kpibot:***@127.0.0.1:1/none): connect ECONNREFUSED 127.0.0.1:1\n');
    expect(away.status).toBe(1);

    await source('leases').update({ holder: 'kpibot-host:4242:abcd', expires_at: Date.now() + 60_000 });
    const running = runKpibot(['copy', '--to', `sqlite:${join(dir, 'new.sqlite')}`], { DATABASE_URL: url });
    expect(running.status).toBe(2);
    expect(running.stderr).toMatch(/^kpibot: a bot is running on sqlite:.*source\.sqlite \(process kpibot-host:4242 holds the scheduler's lease until 20\d\d-.*Z\): stop every process that uses it, then copy; what arrived during a copy would be missing from it\n$/);

    const itself = runKpibot(['copy', '--to', `sqlite:${join(dir, '.', 'source.sqlite')}`], { DATABASE_URL: url });
    expect(itself.stderr).toBe("kpibot: --to names the bot's own database (DATABASE_URL): name a new, empty one\n");
    const badUrl = runKpibot(['copy', '--to', 'mysql://db/kpibot'], { DATABASE_URL: url });
    expect(badUrl.stderr).toBe('kpibot: --to: unsupported database "mysql": use sqlite:<file> or postgres://...\n');
    const none = runKpibot(['copy'], { DATABASE_URL: url });
    expect(none.stderr).toBe('kpibot: copy needs the database to copy into: kpibot copy --to postgres://user@host:5432/kpibot\n');
    for (const result of [itself, badUrl, none]) expect(result.status).toBe(2);
  }, 120_000);
});

describe('the order tables are copied in', () => {
  it('puts every table after the tables it refers to, and refuses a circle', () => {
    const parents = new Map([
      ['tickets', new Set(['customers', 'tickets'])],
      ['ticket_tags', new Set(['tickets'])],
      ['customers', new Set<string>()],
      ['survey_responses', new Set(['tickets', 'customers'])],
    ]);
    const order = parentsFirst(['ticket_tags', 'survey_responses', 'tickets', 'customers'], parents);
    expect(order).toEqual(['customers', 'tickets', 'ticket_tags', 'survey_responses']);
    expect(() => parentsFirst(['a', 'b'], new Map([['a', new Set(['b'])], ['b', new Set(['a'])]]))).toThrow('the tables refer to each other in a circle (a → b → a)');
  });
});
