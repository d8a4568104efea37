/** The database for one command-line run: opened with logs on stderr, migrated, always closed. */
import type { Config } from './config.js';
import { existsSync } from 'node:fs';
import { DatabaseUnavailableError, UsageError, describeError } from './errors.js';
import { createLogger } from './logger.js';
import { isBusyError, openDatabase, type Database } from './store/database.js';
import { migrateLatest, migrationStatus } from './store/migrations.js';

export async function withMigratedDatabase<T>(config: Config, work: (db: Database) => Promise<T>, options: { readOnly?: boolean } = {}): Promise<T> {
  // A command that only reads (report, deliveries) on a SQLite file that is not there would make an empty one and
  // print zeros: a mistyped DATABASE_URL would read as a workspace with no tickets.
  const { database } = config;
  if (options.readOnly === true && database.client === 'sqlite' && database.filename !== ':memory:' && !existsSync(database.filename)) {
    throw new UsageError(`no database at ${database.filename} (DATABASE_URL): check the path; the bot makes the file when it first starts (npm start), as kpibot import and kpibot demo do`);
  }
  const db = openDatabase(config.database, createLogger(config.logLevel, 2));
  try {
    try {
      // A command that only reads takes no lock on a database already up to date: a read-only copy can be reported on.
      if (options.readOnly !== true || !(await upToDate(db))) await migrateLatest(db);
    } catch (error) {
      // Locked by another process: the busy line (run it again), not "cannot use the database".
      if (isBusyError(error)) throw error;
      // A SQLite file or folder that cannot be written: name it, as SQLite does not.
      // knex's migration lock wraps the driver's error in its own, whose message keeps the code.
      const code = /\b(SQLITE_READONLY|SQLITE_CANTOPEN)\b/.exec(`${String((error as { code?: unknown } | null)?.code)} ${describeError(error)}`)?.[1];
      if (database.client === 'sqlite' && code !== undefined) {
        const check = code === 'SQLITE_READONLY' ? 'written (SQLITE_READONLY): check that this user may write the file and its folder' : 'opened (SQLITE_CANTOPEN): check that it is a file, and that this user may read and write it and its folder';
        throw new DatabaseUnavailableError(new Error(`${database.filename} cannot be ${check}`));
      }
      throw new DatabaseUnavailableError(error);
    }
    return await work(db);
  } finally {
    await db.destroy();
  }
}

/** Whether no migration is pending (false when that cannot be read: migrating says why). */
async function upToDate(db: Database): Promise<boolean> {
  try {
    return (await migrationStatus(db)).pending.length === 0;
  } catch {
    return false;
  }
}
