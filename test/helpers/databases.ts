/**
 * The database a test runs against. Without TEST_DATABASE_URL: a fresh SQLite
 * file in a temporary folder. With TEST_DATABASE_URL=postgres://...: a fresh,
 * uniquely named PostgreSQL database created through that server and dropped
 * afterwards. Same suite, either engine (`npm test` vs. CI's second run).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterEach, beforeEach } from 'vitest';
import { parseConfig, type DatabaseConfig } from '../../src/config.js';
import { openDatabase, type Database } from '../../src/store/database.js';
import { migrateLatest } from '../../src/store/migrations.js';

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL;
export const TEST_ENGINE: DatabaseConfig['client'] = TEST_DATABASE_URL === undefined ? 'sqlite' : 'postgres';

export interface TestDatabase {
  /** What DATABASE_URL would say for it. */
  readonly url: string;
  readonly config: DatabaseConfig;
  dispose(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  if (TEST_DATABASE_URL === undefined) {
    const dir = mkdtempSync(join(tmpdir(), 'kpibot-test-'));
    const url = `sqlite:${join(dir, 'kpibot.sqlite')}`;
    return { url, config: parseConfig({ DATABASE_URL: url }).database, dispose: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const name = `kpibot_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  await withAdminClient((client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  return {
    url: url.href,
    config: parseConfig({ DATABASE_URL: url.href }).database,
    dispose: () => withAdminClient((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}

/** A test's own database and its connection, as useTestDatabase keeps them. */
export interface OpenTestDatabase {
  readonly testDb: TestDatabase;
  /** Closed after the test; a test that closes it itself opens another here (`openDatabase(testDb.config)`). */
  db: Database;
}

/**
 * A fresh database for each test of the enclosing `describe`, opened before it
 * (migrated when `migrate`) and closed and removed after it.
 */
export function useTestDatabase(options: { migrate?: boolean } = {}): OpenTestDatabase {
  const current = {} as OpenTestDatabase;
  beforeEach(async () => {
    const testDb = await createTestDatabase();
    Object.assign(current, { testDb, db: openDatabase(testDb.config) });
    if (options.migrate === true) await migrateLatest(current.db);
  });
  afterEach(async () => {
    await current.db.destroy();
    await current.testDb.dispose();
  });
  return current;
}

async function withAdminClient<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Every table ingestion writes, children first: cleared between tests that share one database. */
export const INGESTED_TABLES = [
  'ticket_tags', 'ticket_response_intervals', 'ticket_resolved_spans', 'survey_responses', 'tickets', 'ticket_events', 'webhook_deliveries',
  'agents', 'customer_events', 'customers', 'self_service_sessions',
] as const;

export async function clearIngestedData(db: (table: string) => { delete(): Promise<unknown> }): Promise<void> {
  for (const table of INGESTED_TABLES) await db(table).delete();
}
