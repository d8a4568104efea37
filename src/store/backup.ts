/**
 * A consistent copy of a SQLite database file (`kpibot backup`): SQLite's `VACUUM INTO` reads one snapshot, beside
 * a running writer in WAL mode, and writes it to a new file, which is then checked. The database is opened read-only.
 */
import sqlite3 from 'sqlite3';

/** Copies `source` to `partial` (one read snapshot) and checks the copy; resolves with its number of tickets. */
export async function copySqliteDatabase(source: string, partial: string): Promise<number> {
  const from = await open(source, sqlite3.OPEN_READONLY);
  try {
    // Another process's write lock is waited out as the bot's own connections do; a read in WAL mode needs none.
    await run(from, 'PRAGMA busy_timeout = 5000');
    await run(from, 'VACUUM INTO ?', [partial]);
  } finally {
    await close(from);
  }
  const copy = await open(partial, sqlite3.OPEN_READONLY);
  try {
    const check = await all(copy, 'PRAGMA quick_check');
    const verdict = check.map((row) => String(Object.values(row)[0])).join('; ');
    if (verdict !== 'ok') throw new Error(`the copy does not pass SQLite's quick_check: ${verdict.slice(0, 200)}`);
    const tables = await all(copy, "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'tickets'");
    if (tables.length === 0) return 0;
    const [row] = await all(copy, 'SELECT COUNT(*) AS n FROM tickets');
    return Number(row?.n ?? 0);
  } finally {
    await close(copy);
  }
}

function open(file: string, mode: number): Promise<sqlite3.Database> {
  return new Promise((done, fail) => {
    const db = new sqlite3.Database(file, mode, (error) => (error === null ? done(db) : fail(error)));
  });
}

function run(db: sqlite3.Database, sql: string, params: unknown[] = []): Promise<void> {
  return new Promise((done, fail) => db.run(sql, params, (error: Error | null) => (error === null ? done() : fail(error))));
}

function all(db: sqlite3.Database, sql: string): Promise<Record<string, unknown>[]> {
  return new Promise((done, fail) => db.all(sql, (error: Error | null, rows: Record<string, unknown>[]) => (error === null ? done(rows) : fail(error))));
}

function close(db: sqlite3.Database): Promise<void> {
  return new Promise((done) => db.close(() => done()));
}
