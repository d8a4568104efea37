/**
 * The database a test runs against. Without TEST_DATABASE_URL: a fresh SQLite
 * file in a temporary folder. With TEST_DATABASE_URL=postgres://...: a fresh,
 * uniquely named PostgreSQL database created through that server and dropped
 * afterwards. Same suite, either engine (`npm test` vs. CI's second run).
 * Empty unless asked for `migrated`: then a copy of the run's migrated
 * template (test/helpers/global-setup.ts).
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { afterAll, afterEach, beforeAll, beforeEach, inject } from 'vitest';
import { parseConfig, type DatabaseConfig } from '../../src/config.js';
import { openDatabase, type Database } from '../../src/store/database.js';
import { withAdminClient } from './admin-client.js';

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL;
export const TEST_ENGINE: DatabaseConfig['client'] = TEST_DATABASE_URL === undefined ? 'sqlite' : 'postgres';

export interface TestDatabase {
  /** What DATABASE_URL would say for it. */
  readonly url: string;
  readonly config: DatabaseConfig;
  dispose(): Promise<void>;
}

/** `migrated`: at the latest schema already, as the bot leaves a database it has started on. */
export async function createTestDatabase(options: { migrated?: boolean } = {}): Promise<TestDatabase> {
  const serverUrl = TEST_DATABASE_URL;
  if (serverUrl === undefined) {
    const dir = mkdtempSync(join(tmpdir(), 'kpibot-test-'));
    const file = join(dir, 'kpibot.sqlite');
    if (options.migrated === true) copyFileSync(inject('migratedTemplate'), file);
    const url = `sqlite:${file}`;
    return { url, config: parseConfig({ DATABASE_URL: url }).database, dispose: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const name = `kpibot_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const template = options.migrated === true ? ` TEMPLATE ${inject('migratedTemplate')}` : '';
  await withAdminClient(serverUrl, (client) => client.query(`CREATE DATABASE ${name}${template}`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.href,
    config: parseConfig({ DATABASE_URL: url.href }).database,
    dispose: () => withAdminClient(serverUrl, (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}

/** A test's own database and its connection, as useTestDatabase keeps them. */
export interface OpenTestDatabase {
  readonly testDb: TestDatabase;
  /** Closed after the test; a test that closes it itself opens another here (`openDatabase(testDb.config)`). */
  db: Database;
}

/**
 * A fresh database for each test of the enclosing `describe` (or, with
 * `shared`, one for all its tests, which then build on each other), opened
 * before (at the latest schema when `migrate`) and closed and removed after.
 */
export function useTestDatabase(options: { migrate?: boolean; shared?: boolean } = {}): OpenTestDatabase {
  const current = {} as OpenTestDatabase;
  const [before, after] = options.shared === true ? [beforeAll, afterAll] : [beforeEach, afterEach];
  before(async () => {
    const testDb = await createTestDatabase({ migrated: options.migrate === true });
    Object.assign(current, { testDb, db: openDatabase(testDb.config) });
  });
  after(async () => {
    await current.db.destroy();
    await current.testDb.dispose();
  });
  return current;
}

/** Every table ingestion writes, children first: cleared between tests that share one database. */
export const INGESTED_TABLES = [
  'ticket_tags', 'ticket_response_intervals', 'ticket_resolved_spans', 'survey_responses', 'tickets', 'ticket_events', 'webhook_deliveries',
  'agents', 'customer_events', 'customers', 'self_service_sessions', 'deleted_tickets',
] as const;

export async function clearIngestedData(db: (table: string) => { delete(): Promise<unknown> }): Promise<void> {
  for (const table of INGESTED_TABLES) await db(table).delete();
}

/**
 * Another process's write lock on a SQLite file, as `kpibot` beside the bot takes it: a connection of its own in a
 * transaction that has written (`write`), held until `release()`, which rolls it back and closes the connection.
 */
export async function holdWriteLock(config: DatabaseConfig, write: (trx: Knex.Transaction) => Promise<unknown>): Promise<{ release(): Promise<void> }> {
  const other = openDatabase(config);
  let letGo = () => {};
  const held = new Promise<void>((resolve) => (letGo = resolve));
  let locked = () => {};
  const isLocked = new Promise<void>((resolve) => (locked = resolve));
  const holder = other.transaction(async (trx) => {
    await write(trx);
    locked();
    await held;
    throw new Error('rolled back on purpose');
  });
  // A write that fails ends the transaction before the lock: said at once, not waited for.
  await Promise.race([isLocked, holder]);
  return {
    release: async () => {
      letGo();
      await holder.catch((error: unknown) => {
        if (!(error instanceof Error && error.message === 'rolled back on purpose')) throw error;
      });
      await other.destroy();
    },
  };
}
