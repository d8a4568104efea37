/** The database for one command-line run: opened with logs on stderr, migrated, always closed. */
import type { Config } from './config.js';
import { DatabaseUnavailableError } from './errors.js';
import { createLogger } from './logger.js';
import { openDatabase, type Database } from './store/database.js';
import { migrateLatest } from './store/migrations.js';

export async function withMigratedDatabase<T>(config: Config, work: (db: Database) => Promise<T>): Promise<T> {
  const db = openDatabase(config.database, createLogger(config.logLevel, 2));
  try {
    try {
      await migrateLatest(db);
    } catch (error) {
      throw new DatabaseUnavailableError(error);
    }
    return await work(db);
  } finally {
    await db.destroy();
  }
}
