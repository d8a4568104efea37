import { describe, expect, it } from 'vitest';
import { describeError } from '../src/errors.js';

const driverError = (message: string, code: string) => Object.assign(new Error(message), { code });

describe('describeError: one line naming the problem', () => {
  it("keeps a driver's reason and drops the SQL knex puts before it", () => {
    expect(describeError(driverError("insert into `ticket_events` (`a`, `b`) values (1, 'x - y') - SQLITE_BUSY: database is locked", 'SQLITE_BUSY'))).toBe('SQLITE_BUSY: database is locked');
    expect(describeError(driverError('update "tickets" set "x" = $1 - canceling statement due to lock timeout', '55P03'))).toBe('canceling statement due to lock timeout');
  });

  it('names a database driver that did not load, with knex\'s reason, not knex\'s first line ("Knex: run")', () => {
    const knex = new Error('Knex: run\n$ npm install sqlite3 --save\nCould not locate the bindings file. Tried:\n → /app/node_modules/sqlite3/build/node_sqlite3.node');
    expect(describeError(knex)).toBe('the sqlite3 driver could not be loaded (Could not locate the bindings file. Tried:): run "npm ci" again and read its output for a failed build of sqlite3');
  });

  it('leaves other messages whole, first line only', () => {
    expect(describeError(new Error('a - b\nstack'))).toBe('a - b');
    expect(describeError(driverError('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'))).toBe('connect ECONNREFUSED 127.0.0.1:5432');
    expect(describeError('plain')).toBe('plain');
  });
});
