/**
 * The generated database a bench reads: BENCH_DATABASE_URL, else the SQLite
 * file `file`; migrated; generated once when `table` is empty, reused when it
 * holds `count` rows, refused otherwise; then analyzed as a live database
 * would be.
 */
import { existsSync } from 'node:fs';
import { parseConfig } from '../src/config.js';
import { openDatabase, type Database } from '../src/store/database.js';
import { migrateLatest } from '../src/store/migrations.js';

export async function benchDatabase(options: {
  file: string;
  table: string;
  count: number;
  /** What the rows are, for the messages: "tickets", "customers". */
  noun: string;
  /** Fills the database; may return more to say of what it made (", 1,000 events"). */
  generate: (db: Database) => Promise<string | void>;
}): Promise<{ db: Database; client: string }> {
  const config = parseConfig({ DATABASE_URL: process.env.BENCH_DATABASE_URL ?? `sqlite:${options.file}` });
  const fresh = config.database.client === 'sqlite' && !existsSync(config.database.filename);
  const db = openDatabase(config.database);
  await migrateLatest(db);
  const have = Number(((await db(options.table).count({ n: '*' }).first()) as { n: number | string }).n);
  if (have !== options.count) {
    if (have > 0) throw new Error(`the database holds ${have} ${options.noun}, not ${options.count}: remove it (or point --db elsewhere) to generate anew`);
    const started = performance.now();
    const more = (await options.generate(db)) ?? '';
    console.log(`generated ${options.count.toLocaleString('en')} ${options.noun}${more} in ${((performance.now() - started) / 1000).toFixed(0)} s${fresh ? '' : ' (into an existing database)'}`);
  }
  // PostgreSQL: VACUUM too, as autovacuum does on a live database after inserts; until then the
  // visibility map is empty, index-only scans read the table, and the costlier plans are JIT-compiled.
  await db.raw(config.database.client === 'sqlite' ? 'ANALYZE' : 'VACUUM ANALYZE');
  return { db, client: config.database.client };
}
