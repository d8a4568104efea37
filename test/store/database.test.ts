import { beforeEach, describe, expect, it } from 'vitest';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { migrateLatest } from '../../src/store/migrations.js';
import { independently, openDatabase, pingDatabase, readerOf, type Database } from '../../src/store/database.js';
import { IngestStore } from '../../src/store/ingest-store.js';
import { KpiStore } from '../../src/store/kpi-store.js';
import type { TicketEvent } from '../../src/ingest/events.js';
import { TEST_ENGINE, useTestDatabase } from '../helpers/databases.js';

const NOW = Date.UTC(2026, 10, 22, 10, 0, 0);
const DAY = 86_400_000;
const RANGE = { from: NOW - DAY, to: NOW };

const created = (id: string): TicketEvent => ({
  kind: 'ticket', type: 'ticket_created', externalTicketId: id, occurredAt: NOW - 3_600_000, data: { status: 'new' }, actor: { type: 'customer', id: 'c1' }, dedupeKey: `created:${id}`,
});

/** Rejects if `promise` has not settled within `ms`: a report waiting for the writer's connection would hang. */
function within<T>(ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still waiting after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

describe(`report connections on ${TEST_ENGINE}`, () => {
  const t = useTestDatabase({ migrate: true });
  let db: Database;
  let ingest: IngestStore;
  beforeEach(() => {
    db = t.db;
    ingest = new IngestStore(db, { escalationGroups: [], escalationTag: 'escalated' }, () => NOW);
  });

  it('a report reads the committed data while a write transaction holds the writer, and sees the write once it commits', async () => {
    await ingest.recordEvents('generic', [created('1')]);
    const kpi = new KpiStore(db);
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    let writing = () => {};
    const written = new Promise<void>((resolve) => (writing = resolve));
    const transaction = db.transaction(async (trx) => {
      await ingest.recordEvents('generic', [created('2')], trx);
      writing();
      await held;
    });
    await written;
    try {
      expect(await within(2000, kpi.created(RANGE, {}))).toBe(1);
    } finally {
      release();
      await transaction;
    }
    expect(await kpi.created(RANGE, {})).toBe(2);
  });

  it.runIf(TEST_ENGINE === 'sqlite')('SQLite: reports have read-only connections of their own, closed with the database', async () => {
    const reader = readerOf(db);
    expect(reader).not.toBe(db);
    await expect(reader('settings').insert({ key: 'k', value: 'v', updated_at: NOW })).rejects.toThrow(/readonly/i);
    expect(await db('settings').count({ n: '*' })).toEqual([{ n: 0 }]);
    await db.destroy();
    await expect(reader.raw('select 1')).rejects.toThrow();
    t.db = openDatabase(t.testDb.config); // for afterEach
  });

  it.runIf(TEST_ENGINE === 'postgres')('PostgreSQL: reports read through the same pool', () => {
    expect(readerOf(db)).toBe(db);
  });

  it('inside a transaction, a report reads through the transaction and sees its own writes', async () => {
    await db.transaction(async (trx) => {
      await ingest.recordEvents('generic', [created('3')], trx);
      expect(readerOf(trx)).toBe(trx);
      expect(await new KpiStore(trx).created(RANGE, {})).toBe(1);
    });
  });
});

describe(`independent statements in a transaction on ${TEST_ENGINE}`, () => {
  const t = useTestDatabase();

  it('answers in the order asked; side by side on SQLite, one after another on PostgreSQL, whose client takes one query at a time', async () => {
    const log: string[] = [];
    const step = (trx: Database, name: string, value: number) => () => {
      log.push(`start ${name}`);
      return trx.raw('select 1').then(() => {
        log.push(`end ${name}`);
        return value;
      });
    };
    const results = await t.db.transaction((trx) => independently<[number, number, number]>(trx, step(trx, 'a', 1), step(trx, 'b', 2), step(trx, 'c', 3)));
    expect(results).toEqual([1, 2, 3]);
    if (TEST_ENGINE === 'sqlite') expect(log.slice(0, 3)).toEqual(['start a', 'start b', 'start c']);
    else expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  });
});

describe(`two processes writing one database on ${TEST_ENGINE}`, () => {
  const t = useTestDatabase({ migrate: true });

  // The bot and `kpibot import` (or `kpibot sla`) each open the file. A transaction that read, then wrote after
  // the other process committed, failed at once with SQLITE_BUSY (a deferred BEGIN in WAL mode), and import
  // skipped valid rows as "refused by the database". Now the first write waits its turn.
  it('a transaction that reads, then writes after another connection wrote, commits; the other write waits its turn', async () => {
    const other = openDatabase(t.testDb.config);
    try {
      let otherWrite: Promise<unknown> | undefined;
      await t.db.transaction(async (trx) => {
        await trx('settings').select('key');
        otherWrite = other('settings').insert({ key: 'other', value: '1', updated_at: NOW }).then(() => undefined);
        await new Promise((resolve) => setTimeout(resolve, 200));
        await trx('settings').insert({ key: 'mine', value: '1', updated_at: NOW });
      });
      await otherWrite;
      expect(((await t.db('settings').select('key').orderBy('key')) as { key: string }[]).map((row) => row.key)).toEqual(['mine', 'other']);
    } finally {
      await other.destroy();
    }
  });
});

/** A server that takes TCP connections and never answers, and a database pointed at it as PostgreSQL. */
async function silentServer(): Promise<{ db: Database; sockets: Socket[]; close(): Promise<void> }> {
  const sockets: Socket[] = [];
  const silent = createServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const { port } = silent.address() as AddressInfo;
  const db = openDatabase({ client: 'postgres', connectionString: `postgres://postgres@127.0.0.1:${port}/x`, poolMax: 10 });
  return {
    db,
    sockets,
    close: async () => {
      silent.close();
      for (const socket of sockets) socket.destroy();
      await db.destroy().catch(() => undefined);
    },
  };
}

describe('a PostgreSQL server that accepts connections and never answers', () => {
  it('health checks share one ping, so they never take more than one pooled connection; each says no within its time', async () => {
    const { db, sockets, close } = await silentServer();
    try {
      for (let check = 0; check < 5; check += 1) {
        const started = Date.now();
        expect(await pingDatabase(db, 200)).toBe(false);
        expect(Date.now() - started).toBeLessThan(1_000);
      }
      expect(sockets).toHaveLength(1);
    } finally {
      await close();
    }
  }, 20_000);

  it('migrating (as kpibot start does first) fails within about 10 s, not waited on for good', async () => {
    const { db, close } = await silentServer();
    try {
      const started = Date.now();
      await expect(migrateLatest(db)).rejects.toThrow(/timeout/i);
      expect(Date.now() - started).toBeLessThan(15_000);
    } finally {
      await close();
    }
  }, 30_000);
});
