/**
 * Runs the migrations in `migrations/` (timestamped files, each with `up` and
 * `down`). They are found next to this module's own location, so the same code
 * works on the TypeScript sources (tests) and on the compiled `dist/` output.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';
import type { Knex } from 'knex';
import pg from 'pg';
import { engineOf, PG_CONNECTION_LIMITS, type Database } from './database.js';

const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url));
const MIGRATION_FILE = /^(\d{14}_[a-z0-9_]+)\.(ts|js)$/;

interface MigrationModule {
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

class DirectoryMigrationSource implements Knex.MigrationSource<string> {
  async getMigrations(): Promise<string[]> {
    return readdirSync(MIGRATIONS_DIR).filter((file) => MIGRATION_FILE.test(file) && !file.endsWith('.d.ts')).sort();
  }
  getMigrationName(file: string): string {
    // Recorded without the extension, so sources and compiled output agree.
    return MIGRATION_FILE.exec(file)?.[1] ?? file;
  }
  async getMigration(file: string): Promise<MigrationModule> {
    return (await import(pathToFileURL(join(MIGRATIONS_DIR, file)).href)) as MigrationModule;
  }
}

const migrationConfig = (): Knex.MigratorConfig => ({
  migrationSource: new DirectoryMigrationSource(),
  tableName: 'knex_migrations',
});

/** What knex's migrator answers: the batch, and the names it applied or undid. */
type MigrationResult = readonly [unknown, readonly string[]];

/** Any fixed 64-bit key: the session-level advisory lock that serializes migrating processes on PostgreSQL. */
const MIGRATION_LOCK_KEY = 7_316_920_415;

/**
 * On PostgreSQL, processes that start together migrate one after the other: knex's own lock lives in a table that
 * knex creates with "create if it does not exist", which two processes can both do at once (one then fails, or both
 * insert a lock row and no process can ever migrate again). The lock is held on a connection of its own, outside the
 * pool, so a pool of one connection still migrates.
 */
async function oneAtATime<T extends MigrationResult>(db: Database, work: () => Promise<T>): Promise<T> {
  if (engineOf(db) === 'sqlite') return withoutForeignKeys(db, () => explained(work));
  if (engineOf(db) !== 'postgres') return explained(work);
  const { connectionString } = db.client.config.connection as { connectionString: string };
  const client = new pg.Client({ connectionString, connectionTimeoutMillis: PG_CONNECTION_LIMITS.connectionTimeoutMillis, keepAlive: true });
  // A connection lost while migrations run ends the lock (PostgreSQL frees it); it must not end the process.
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    return await explained(work);
  } finally {
    await client.end();
  }
}

/**
 * SQLite drops or changes a column by rebuilding the table (a copy, the table dropped, the copy renamed). With foreign
 * keys on, dropping `tickets` deletes every row that cascades from it: `migrate down` past a migration that dropped a
 * column of `tickets` emptied ticket_tags, ticket_response_intervals, the tickets' survey answers and alerts. Foreign
 * keys are off while migrations run (a PRAGMA a transaction cannot change, so it is set around them, on the one writer
 * connection), then checked: a violation is reported, never left silent.
 */
async function withoutForeignKeys<T extends MigrationResult>(db: Database, work: () => Promise<T>): Promise<T> {
  await db.raw('PRAGMA foreign_keys = OFF');
  try {
    const result = await work();
    // Checked only when a migration ran: the check reads every referencing table (a start with nothing to migrate
    // would read a million tickets' tags and waits for nothing).
    if (result[1].length === 0) return result;
    const violations = (await db.raw('PRAGMA foreign_key_check')) as { table: string; parent: string }[];
    if (violations.length > 0) {
      const tables = [...new Set(violations.map((row) => `${row.table} → ${row.parent}`))].join(', ');
      throw new Error(`the migrations left ${violations.length} rows whose referenced row is missing (${tables}): restore the database from its backup, or report this with the migration's name`);
    }
    return result;
  } finally {
    await db.raw('PRAGMA foreign_keys = ON');
  }
}

/** knex's "migration directory is corrupt" for a database a newer kpibot migrated, said as such, with the way back. */
async function explained<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    const missing = /the following files are missing: (.+)$/s.exec(error instanceof Error ? error.message : '')?.[1];
    if (missing === undefined) throw error;
    throw new Error(
      `a newer kpibot has migrated this database (it has ${missing.trim()}, which this version does not know). Run the newer version, or, to go back, run \`kpibot migrate down\` with the newer version once for each of those migrations first`,
      { cause: error },
    );
  }
}

/** Applies every pending migration; returns the names applied. */
export async function migrateLatest(db: Database): Promise<string[]> {
  const [, applied] = (await oneAtATime(db, () => db.migrate.latest(migrationConfig()))) as [number, string[]];
  return applied;
}

/** Rolls back the last batch, or every migration with `all`; returns the names undone. */
export async function migrateRollback(db: Database, all = false): Promise<string[]> {
  const [, undone] = (await oneAtATime(db, () => db.migrate.rollback(migrationConfig(), all))) as [number, string[]];
  return undone;
}

/** Applies the next pending migration only; returns its name, or undefined when none is pending. */
export async function migrateUp(db: Database): Promise<string | undefined> {
  const [, applied] = (await oneAtATime(db, () => db.migrate.up(migrationConfig()))) as [number, string[]];
  return applied[0];
}

/** Undoes the last applied migration only; returns its name, or undefined when none is applied. */
export async function migrateDown(db: Database): Promise<string | undefined> {
  const [, undone] = (await oneAtATime(db, () => db.migrate.down(migrationConfig()))) as [number, string[]];
  return undone[0];
}

export interface MigrationStatus {
  readonly applied: string[];
  readonly pending: string[];
}

export async function migrationStatus(db: Database): Promise<MigrationStatus> {
  // With a custom source, knex lists pending migrations as the source's own items (file names here).
  const [completed, pending] = (await db.migrate.list(migrationConfig())) as [{ name: string }[], (string | { file: string })[]];
  const source = new DirectoryMigrationSource();
  return {
    applied: completed.map((row) => row.name),
    pending: pending.map((item) => source.getMigrationName(typeof item === 'string' ? item : item.file)),
  };
}
