/**
 * Typed errors with stable codes. Every layer throws one of these (or lets an
 * unknown error through, which the sink wraps once); the HTTP sink and the CLI
 * turn them into a status / exit code and a one-line message.
 */
export class KpiBotError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly httpStatus = 500,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A configuration variable is missing or malformed. The CLI exits with code 2. */
export class ConfigError extends KpiBotError {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super('config_invalid', `${variable}: ${problem}`, 500);
  }
}

/** Wrong words on the command line. The CLI exits with code 2. */
export class UsageError extends KpiBotError {
  constructor(message: string) {
    super('usage', message, 400);
  }
}

/** The database cannot be reached or opened. */
export class DatabaseUnavailableError extends KpiBotError {
  constructor(cause: unknown) {
    super('database_unavailable', `cannot use the database: ${describeError(cause)}`, 503, { cause });
  }
}

/** Another process held the database past the wait (SQLite's busy_timeout, 5 s): nothing of the work in hand was written. */
export class DatabaseBusyError extends KpiBotError {
  constructor() {
    super('database_busy', 'the database stayed locked by another process (the bot, or another kpibot command) for more than 5 s; nothing of this step was written: run the command again', 503);
  }
}

/** A request the HTTP layer refuses: carries its status and a stable reason code. */
export class HttpError extends KpiBotError {
  constructor(status: number, code: string, message: string) {
    super(code, message, status);
  }
}

/** The one-line description of any thrown value, for logs and the command line. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const [first = error.name, ...rest] = error.message.split('\n');
  // knex's "Knex: run\n$ npm install sqlite3 --save\n<why the driver did not load>": the driver is missing or was never
  // built (sqlite3 builds from source where npm has no binary for the platform). Its first line alone named nothing.
  if (first === 'Knex: run') {
    const install = rest.find((line) => line.startsWith('$ '))?.slice(2);
    const why = rest.find((line) => line.trim() !== '' && !line.startsWith('$ ')) ?? 'no reason given';
    const driver = /npm install (\S+)/.exec(install ?? '')?.[1] ?? 'database';
    return `the ${driver} driver could not be loaded (${why.trim()}): run "npm ci" again and read its output for a failed build of ${driver}`;
  }
  // knex puts the whole SQL before a driver's message ("insert into … - SQLITE_BUSY: database is locked"): the reason is the driver's.
  const code = (error as { code?: unknown }).code;
  const fromDriver = typeof code === 'string' && (code.startsWith('SQLITE_') || /^[0-9A-Z]{5}$/.test(code));
  const cut = first.lastIndexOf(' - ');
  return fromDriver && cut >= 0 ? first.slice(cut + 3) : first;
}
