/**
 * Once per test run: a database migrated to the latest schema, for tests to copy
 * instead of migrating their own from empty (a SQLite file copied, or a
 * PostgreSQL `CREATE DATABASE ... TEMPLATE`). Migrating takes about 0.1 s on
 * SQLite and 0.3-0.5 s on PostgreSQL; a copy takes a tenth of that. The
 * migrations themselves stay tested from empty (test/store/migrations.test.ts,
 * the upgrade backfill, and every test that asks for an empty database).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { TestProject } from 'vitest/node';
import { parseConfig } from '../../src/config.js';
import { openDatabase } from '../../src/store/database.js';
import { migrateLatest } from '../../src/store/migrations.js';
import { withAdminClient } from './admin-client.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A migrated SQLite file to copy, or the name of a migrated PostgreSQL database to use as a template. */
    migratedTemplate: string;
  }
}

async function migrated(url: string): Promise<void> {
  const db = openDatabase(parseConfig({ DATABASE_URL: url }).database);
  try {
    await migrateLatest(db);
  } finally {
    await db.destroy();
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const serverUrl = process.env.TEST_DATABASE_URL;
  if (serverUrl === undefined) {
    const dir = mkdtempSync(join(tmpdir(), 'kpibot-template-'));
    const file = join(dir, 'template.sqlite');
    await migrated(`sqlite:${file}`);
    project.provide('migratedTemplate', file);
    return async () => rmSync(dir, { recursive: true, force: true });
  }
  const name = `kpibot_template_${process.pid}_${randomBytes(4).toString('hex')}`;
  await withAdminClient(serverUrl, (client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  await migrated(url.href);
  project.provide('migratedTemplate', name);
  return async () => {
    await withAdminClient(serverUrl, (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  };
}
