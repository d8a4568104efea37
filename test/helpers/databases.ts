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
import { parseConfig, type DatabaseConfig } from '../../src/config.js';

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
  'ticket_tags', 'ticket_response_intervals', 'survey_responses', 'tickets', 'ticket_events', 'webhook_deliveries',
  'agents', 'customer_events', 'customers', 'self_service_sessions',
] as const;

export async function clearIngestedData(db: (table: string) => { delete(): Promise<unknown> }): Promise<void> {
  for (const table of INGESTED_TABLES) await db(table).delete();
}
