/**
 * Opens the database behind a knex instance: a SQLite file (WAL, foreign keys
 * on, created with its folder on first use) or PostgreSQL through `pg`.
 *
 * Timestamps are stored on both engines as BIGINT milliseconds since the Unix
 * epoch, UTC (see docs/architecture.md): the same arithmetic, comparisons and
 * indexes on both, and no engine-specific time-zone conversion.
 */
import { mkdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import knexFactory, { type Knex } from 'knex';
import pg from 'pg';
import type { DatabaseConfig } from '../config.js';
import type { Logger } from '../logger.js';
import { ConfigError } from '../errors.js';

export type Database = Knex;
export type Engine = DatabaseConfig['client'];

// pg returns BIGINT (int8) and NUMERIC as strings to protect precision. Our
// BIGINTs are epoch milliseconds and counts, far below 2^53, and our NUMERICs are
// aggregates: parse both to numbers so rows look the same as on SQLite.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (value) => Number(value));

/**
 * Limits on a PostgreSQL connection, so a server that stops answering is a failure to report, not a wait without end:
 * a connection not made within 10 s is refused (a server that accepts and never answers held `kpibot start` for
 * good); TCP keep-alive finds a peer gone quiet. No statement time limit: a migration's backfill of a large
 * database may rightly run for minutes.
 */
export const PG_CONNECTION_LIMITS = { connectionTimeoutMillis: 10_000, keepAlive: true } as const;

export function openDatabase(config: DatabaseConfig, logger?: Logger): Database {
  // knex writes its own warnings to the console unless given a logger. A connection it could not open, or a driver it
  // could not load, it also throws, and the caller says so in one line (describeError): its own log of the same, with
  // a stack, goes to debug, so that a bad DATABASE_URL reads as one line on the command line.
  // knex's advice to run `knex migrate:unlock` after a failed migration names a command this bot does not have, and a
  // lock it does not hold (the migrations' own transaction is rolled back): the failure itself is said in one line.
  const echoOfThrown = (message: string) => message.startsWith('Acquire connection error') || message.startsWith('Knex: run') || message.includes('migrate:unlock') || message.startsWith("Can't take lock to run migrations");
  const log = {
    warn: (message: unknown) => (echoOfThrown(String(message)) ? logger?.debug({ component: 'knex' }, String(message)) : logger?.warn({ component: 'knex' }, String(message))),
    error: (message: unknown) => (echoOfThrown(String(message)) ? logger?.debug({ component: 'knex' }, String(message)) : logger?.error({ component: 'knex' }, String(message))),
    debug: (message: unknown) => logger?.debug({ component: 'knex' }, String(message)),
    deprecate: (method: string, alternative: string) => logger?.debug({ component: 'knex' }, `${method} is deprecated; use ${alternative}`),
  };
  if (config.client === 'sqlite') {
    if (config.filename === ':memory:') return openSqlite(config.filename, log);
    try {
      mkdirSync(dirname(config.filename), { recursive: true });
    } catch (error) {
      const { code } = error as NodeJS.ErrnoException;
      throw new ConfigError('DATABASE_URL', `cannot make the folder "${dirname(config.filename)}" for the SQLite file (${code ?? String(error)}${code === 'EEXIST' || code === 'ENOTDIR' ? ': a file is in the way' : ''})`);
    }
    const db = withReaders(writeImmediately(openSqlite(config.filename, log)), openSqlite(config.filename, log, SQLITE_READERS));
    files.set(db, { filename: config.filename, identity: undefined });
    return db;
  }
  return knexFactory({
    client: 'pg',
    connection: { connectionString: config.connectionString, ...PG_CONNECTION_LIMITS },
    pool: { min: 0, max: config.poolMax },
    acquireConnectionTimeout: 10_000,
    log,
  });
}

/**
 * Reports read through connections of their own on a SQLite file: WAL lets
 * them run beside the one writer, so a long report does not hold up webhook
 * deliveries waiting for the writer's connection, and a summary's queries run
 * side by side. Two, because node-sqlite3 works on libuv's pool of four
 * threads: two readers busy still leave the writer and file work a thread each.
 */
const SQLITE_READERS = 2;
const readers = new WeakMap<Database, Database>();

/** The connections reports read through (KpiStore): a SQLite file's read-only ones, else the database itself (PostgreSQL's pool, a transaction). */
export function readerOf(db: Database): Database {
  return readers.get(db) ?? db;
}

function withReaders(writer: Database, reader: Database): Database {
  readers.set(writer, reader);
  // Closing the database (db.destroy(), which calls its client's) closes its readers first, wherever it is closed.
  // knex's own destroy is read-only; its client's is an ordinary method.
  const client = writer.client as { destroy(callback?: unknown): Promise<void> };
  const destroyWriter = client.destroy.bind(client);
  client.destroy = async (callback?: unknown) => {
    await reader.destroy();
    return destroyWriter(callback);
  };
  return writer;
}

type KnexLog = NonNullable<Knex.Config['log']>;

/** `readers` > 0: that many read-only connections (`query_only`); else the one writer. */
function openSqlite(filename: string, log: KnexLog, readers = 0): Database {
  // Kept open (min = max): each connection has its own page cache, which a reopened one would have to warm again.
  const connections = readers === 0 ? 1 : readers;
  return knexFactory({
    client: 'sqlite3',
    connection: { filename },
    useNullAsDefault: true,
    log,
    pool: {
      min: connections,
      max: connections,
      afterCreate(connection: SqliteConnection, done: (error: Error | null, connection: unknown) => void) {
        // WAL lets readers run beside the writer; FULL sync makes a COMMIT
        // durable before we answer 2xx; busy_timeout waits out other processes.
        // Each statement reports its own error (a statement without a callback emits it as an 'error' event nobody
        // handles, which ended the process: a file that is not a database, SQLITE_NOTADB); the first one is passed on.
        let failed: Error | null = null;
        const note = (error: Error | null) => {
          failed ??= error;
        };
        connection.serialize(() => {
          if (readers === 0) {
            connection.run('PRAGMA journal_mode = WAL', note);
            connection.run('PRAGMA synchronous = FULL', note);
            connection.run('PRAGMA foreign_keys = ON', note);
          } else connection.run('PRAGMA query_only = ON', note);
          connection.run('PRAGMA busy_timeout = 5000', (error) => done(failed ?? error, connection));
        });
      },
    },
  });
}

/**
 * knex starts a SQLite transaction with a plain (deferred) BEGIN, which takes the write lock only at its first
 * write. In WAL mode, if another process (the running bot, `kpibot import`, `kpibot sla`) committed a write
 * after such a transaction first read, its write fails with SQLITE_BUSY at once: busy_timeout cannot help, as
 * the transaction's snapshot is stale. BEGIN IMMEDIATE takes the write lock first, waiting up to busy_timeout
 * for it, so two processes writing the same file take turns. The writer's transactions all write; the
 * read-only connections use none.
 */
type SqliteTransactionClass = new (...args: unknown[]) => { query(connection: unknown, sql: string): Promise<unknown> };
const SqliteTransaction = createRequire(import.meta.url)('knex/lib/dialects/sqlite3/execution/sqlite-transaction.js') as SqliteTransactionClass;

class ImmediateTransaction extends SqliteTransaction {
  begin(connection: unknown): Promise<unknown> {
    return this.query(connection, 'BEGIN IMMEDIATE;');
  }
}

function writeImmediately(db: Database): Database {
  (db.client as { transaction: (...args: unknown[]) => unknown }).transaction = function (this: unknown, ...args: unknown[]) {
    return new ImmediateTransaction(this, ...args);
  };
  return db;
}

/** The database stayed locked by another process past busy_timeout (SQLite), or a lock wait timed out (PostgreSQL 55P03). */
export function isBusyError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED' || code === '55P03';
}

/** A SQLite database's file, and the file it was when first checked (device and inode). */
const files = new WeakMap<Database, { filename: string; identity: string | undefined }>();

/**
 * Throws (code SQLITE_FILE_GONE) when a SQLite database's file was deleted or replaced since it was opened: the open
 * connections would go on writing to the unlinked file, and every write acknowledged would be lost at the next start.
 * Nothing for PostgreSQL, or before the file exists.
 */
export function checkDatabaseFile(db: Database): void {
  const file = files.get(db);
  if (file === undefined) return;
  let identity: string | undefined;
  try {
    const stat = statSync(file.filename);
    identity = `${stat.dev}:${stat.ino}`;
  } catch {
    identity = undefined;
  }
  file.identity ??= identity;
  if (identity === undefined || identity !== file.identity) {
    throw Object.assign(new Error(`the SQLite file ${file.filename} was ${identity === undefined ? 'deleted' : 'replaced'} while the bot ran: restart it`), { code: 'SQLITE_FILE_GONE' });
  }
}

/** Codes of a database that cannot be reached or is going away: a connection refused, reset or timed out, a server shutting down. */
const UNREACHABLE_CODES = new Set(['SQLITE_FILE_GONE', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', '57P01', '57P02', '57P03', '08000', '08001', '08003', '08006']);

/**
 * A database that answers but cannot store anything, by the driver's code: what the operator must fix. A PostgreSQL
 * read-only transaction is a failover onto a standby, or `default_transaction_read_only`.
 */
const STORAGE_PROBLEMS: Readonly<Record<string, string>> = {
  SQLITE_FULL: 'the disk is full',
  SQLITE_READONLY: 'the database file or its folder is read-only',
  SQLITE_IOERR: 'the disk could not be read or written (I/O error)',
  '53100': 'the disk is full',
  '25006': 'the database is read-only (a standby after a failover, or default_transaction_read_only)',
};

/** What keeps the database from storing anything, when that is why `error` happened; else undefined. */
export function storageProblem(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? STORAGE_PROBLEMS[code] : undefined;
}

/** How long /healthz reports a storage failure after the last one seen. */
const STORAGE_TROUBLE_MS = 120_000;
const storageFailures = new WeakMap<Database, { at: number; problem: string }>();

/** Remembers a failure to store (for /healthz); resolves what kept it from storing, or undefined for any other error. */
export function noteStorageFailure(db: Database, error: unknown, now = Date.now()): string | undefined {
  const problem = storageProblem(error);
  if (problem !== undefined) storageFailures.set(db, { at: now, problem });
  return problem;
}

/** Why the database could not store something within the last two minutes, if it could not. */
export function storageTrouble(db: Database, now = Date.now()): string | undefined {
  const failure = storageFailures.get(db);
  return failure !== undefined && now - failure.at < STORAGE_TROUBLE_MS ? failure.problem : undefined;
}

/** Why a PostgreSQL database takes only reads (a standby, `default_transaction_read_only`); undefined on SQLite, when it takes writes, or when it cannot say. */
export async function readOnlyProblem(db: Database): Promise<string | undefined> {
  if (engineOf(db) !== 'postgres') return undefined;
  try {
    const { rows } = (await db.raw("select current_setting('transaction_read_only') as ro")) as { rows: { ro: string }[] };
    return rows[0]?.ro === 'on' ? STORAGE_PROBLEMS['25006'] : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether a failure is the database's state (busy, unreachable, not answering in time, unable to store anything)
 * rather than anything in the request: the same request may succeed later, and a batch that fails so has no one item
 * to blame.
 */
export function isUnavailableError(error: unknown): boolean {
  if (isBusyError(error) || storageProblem(error) !== undefined) return true;
  const { code, name, message } = (error ?? {}) as { code?: unknown; name?: unknown; message?: unknown };
  if (typeof code === 'string' && UNREACHABLE_CODES.has(code)) return true;
  if (name === 'KnexTimeoutError') return true;
  return typeof message === 'string' && /^(Connection terminated|timeout expired|Client has encountered a connection error)/.test(message);
}

interface SqliteConnection {
  serialize(callback: () => void): void;
  run(sql: string, callback?: (error: Error | null) => void): void;
}

export function engineOf(db: Database): Engine {
  const client = db.client.config.client as string;
  return client === 'pg' || client === 'postgres' || client === 'postgresql' ? 'postgres' : 'sqlite';
}

/**
 * Runs statements that do not depend on each other side by side: on SQLite,
 * even on one connection (a transaction, the writer), node-sqlite3 hands each
 * to libuv's pool, so their round trips overlap; on PostgreSQL through the pool.
 * In a PostgreSQL transaction they run one after another: its one client takes
 * one query at a time.
 */
export async function independently<T extends readonly unknown[]>(db: Database, ...steps: { readonly [K in keyof T]: () => PromiseLike<T[K]> }): Promise<T> {
  if (engineOf(db) === 'sqlite' || db.isTransaction !== true) return (await Promise.all(steps.map((step) => step()))) as unknown as T;
  const results: unknown[] = [];
  for (const step of steps) results.push(await step());
  return results as unknown as T;
}

/** The ping under way per database: callers while one is running wait for it, so checks never take more than one connection. */
const pings = new WeakMap<Database, Promise<unknown>>();

/** Answers whether the database takes a trivial query within `timeoutMs`. */
export async function pingDatabase(db: Database, timeoutMs = 2000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    checkDatabaseFile(db);
  } catch {
    return false;
  }
  let ping = pings.get(db);
  if (ping === undefined) {
    // A ping the server does not answer stays under way after its caller gave up: health checks every few seconds
    // would otherwise take one pooled connection each, until webhooks found none.
    ping = Promise.resolve(db.raw('select 1 as ok')).finally(() => pings.delete(db));
    ping.catch(() => undefined);
    pings.set(db, ping);
  }
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('database ping timed out')), timeoutMs);
    });
    await Promise.race([ping, timeout]);
    return true;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
