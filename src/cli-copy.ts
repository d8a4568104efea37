/**
 * `kpibot copy --to <database>`: everything in the bot's database copied into another, empty one, of either engine
 * (src/store/transfer.ts does the copy). The way from the SQLite default to PostgreSQL when a team runs replicas.
 */
import { resolve } from 'node:path';
import { parseCommandArgs } from './cli-args.js';
import { withMigratedDatabase } from './cli-database.js';
import { parseDatabase, redactUrlPassword, type Config, type DatabaseConfig } from './config.js';
import { DatabaseUnavailableError, UsageError, describeError } from './errors.js';
import { heldLease } from './store/lease-store.js';
import { copyDatabase, CopyRefused } from './store/transfer.js';

type Output = { out: (line: string) => void; err: (line: string) => void };

export const COPY_USAGE = `Usage: kpibot copy --to <database>

Copies everything in the bot's database (DATABASE_URL) into another, empty database, written as
DATABASE_URL is: postgres://user@host:5432/kpibot, or sqlite:<file>. The way from the SQLite default
to PostgreSQL when you run several replicas (or back to one file).

Stop every process that uses DATABASE_URL first: what arrived during the copy would not be in it.
The target is migrated to this version and must hold no data. The copy is one transaction: it is
made whole or not at all. The source is not changed.

A PostgreSQL password can come from PGPASSWORD instead of the URL, which keeps it out of the shell's
history and the process list.`;

export async function copyCommand(args: readonly string[], config: Config, output: Output): Promise<number> {
  const { values, positionals } = parseCommandArgs('copy', args, { to: { type: 'string' } });
  if (positionals.length > 0) throw new UsageError(`copy takes its target as --to <database>, got "${positionals.join(' ')}"`);
  if (values.to === undefined || values.to === '') throw new UsageError('copy needs the database to copy into: kpibot copy --to postgres://user@host:5432/kpibot');
  const target = parseDatabase(values.to, config.database.poolMax, '--to');
  const source = config.database;
  if (sameDatabase(source, target)) throw new UsageError(`--to names the bot's own database (DATABASE_URL): name a new, empty one`);
  if (source.client === 'sqlite' && source.filename === ':memory:') throw new UsageError('the database is in memory (DATABASE_URL=sqlite::memory:): there is nothing to copy');
  if (target.client === 'sqlite' && target.filename === ':memory:') throw new UsageError('--to names a database in memory, which ends with this command: name a file or a PostgreSQL database');

  const started = Date.now();
  return await withMigratedDatabase(
    config,
    async (from) => {
      const running = await heldLease(from, Date.now());
      if (running !== undefined) {
        throw new UsageError(
          `a bot is running on ${describeDatabase(source)} (process ${running.holder.split(':').slice(0, 2).join(':')} holds the scheduler's lease until ${new Date(running.expiresAt).toISOString()}): stop every process that uses it, then copy; what arrived during a copy would be missing from it`,
        );
      }
      let opened = false;
      return await withMigratedDatabase({ ...config, database: target }, async (to) => {
        opened = true;
        let total = 0;
        try {
          const tables = await copyDatabase(from, to, ({ table, rows }) => {
            total += rows;
            output.out(`  ${table.padEnd(28)} ${rows.toLocaleString('en-US').padStart(12)}`);
          });
          output.out(`copied ${total.toLocaleString('en-US')} rows in ${tables.length} tables from ${describeDatabase(source)} to ${describeDatabase(target)} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
          output.out(`next: set DATABASE_URL to the new database for every process and start them; ${describeDatabase(source)} is unchanged, keep it until you have checked /kpi summary there`);
          return 0;
        } catch (error) {
          if (error instanceof CopyRefused) throw new UsageError(error.message);
          throw new Error(`the copy failed and nothing was written to ${describeDatabase(target)}: ${describeError(error)}`, { cause: error });
        }
      }).catch((error: unknown) => {
        // Opening or migrating the target: said as the target's, not as DATABASE_URL's.
        if (opened || error instanceof UsageError) throw error;
        throw new Error(`cannot use the database to copy into (${describeDatabase(target)}): ${error instanceof DatabaseUnavailableError ? describeError(error.cause) : describeError(error)}`, { cause: error });
      });
    },
    { readOnly: true },
  );
}

function sameDatabase(a: DatabaseConfig, b: DatabaseConfig): boolean {
  if (a.client === 'sqlite' && b.client === 'sqlite') return a.filename !== ':memory:' && resolve(a.filename) === resolve(b.filename);
  if (a.client === 'postgres' && b.client === 'postgres') return pgIdentity(a.connectionString) === pgIdentity(b.connectionString);
  return false;
}

/** Host, port and database of a postgres:// URL: two spellings of the same database are the same. */
function pgIdentity(url: string): string {
  const parsed = new URL(url);
  return `${parsed.searchParams.get('host') ?? parsed.hostname}:${parsed.port || '5432'}/${decodeURIComponent(parsed.pathname.slice(1)) || decodeURIComponent(parsed.username)}`;
}

function describeDatabase(database: DatabaseConfig): string {
  return database.client === 'sqlite' ? `sqlite:${database.filename}` : redactUrlPassword(database.connectionString);
}
