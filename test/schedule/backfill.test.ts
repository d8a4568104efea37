import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { IngestStore } from '../../src/store/ingest-store.js';
import { startBackfill } from '../../src/schedule/backfill.js';
import { createLogger } from '../../src/logger.js';
import { DEFAULT_PROJECTION_OPTIONS } from '../../src/ingest/project-ticket.js';
import { slaCommand } from '../../src/cli-sla.js';
import { parseConfig } from '../../src/config.js';
import { startBot } from '../../src/app.js';
import { openDatabase, type Database } from '../../src/store/database.js';
import { migrateLatest } from '../../src/store/migrations.js';
import type { NormalizedEvent } from '../../src/ingest/events.js';
import { TEST_ENGINE, useTestDatabase } from '../helpers/databases.js';

const T0 = Date.UTC(2026, 10, 20, 9, 0, 0);
const MINUTE = 60_000;

function memoryLogger() {
  const lines: { msg: string; [field: string]: unknown }[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line !== '') lines.push(JSON.parse(line) as { msg: string });
      done();
    },
  });
  return { logger: createLogger('info', stream), lines };
}

/** Ticket `T-i`: created, answered 10 + i minutes later, solved an hour later. */
function life(i: number): NormalizedEvent[] {
  const id = `T-${i}`;
  const at = T0 + i * MINUTE;
  return [
    { kind: 'ticket', type: 'ticket_created', externalTicketId: id, occurredAt: at, data: { status: 'new' }, dedupeKey: `${id}-c` },
    { kind: 'ticket', type: 'agent_reply', externalTicketId: id, occurredAt: at + (10 + i) * MINUTE, actor: { type: 'agent', id: 'a1' }, data: {}, dedupeKey: `${id}-r` },
    { kind: 'ticket', type: 'status_changed', externalTicketId: id, occurredAt: at + 60 * MINUTE, data: { status: 'solved' }, dedupeKey: `${id}-s` },
  ];
}

async function seed(db: Database, count: number): Promise<IngestStore> {
  const store = new IngestStore(db, DEFAULT_PROJECTION_OPTIONS, () => T0 + DAY);
  for (let i = 1; i <= count; i += 1) await store.recordEvents('generic', life(i));
  return store;
}
const DAY = 24 * 60 * MINUTE;

/** Each ticket's first response time, by external id; a damaged projection (as an older version left it) shows null. */
async function firstResponses(db: Database): Promise<Record<string, number | null>> {
  const rows = (await db('tickets').select('external_id', 'first_response_at').orderBy('id')) as { external_id: string; first_response_at: number | string | null }[];
  return Object.fromEntries(rows.map((row) => [row.external_id, row.first_response_at === null ? null : Number(row.first_response_at)]));
}
const damage = (db: Database) => db('tickets').update({ first_response_at: null });
const expected = (count: number) => Object.fromEntries(Array.from({ length: count }, (_, index) => [`T-${index + 1}`, T0 + (index + 1) * MINUTE + (11 + index) * MINUTE]));

describe(`ticket rebuilds in the background on ${TEST_ENGINE}`, () => {
  const t = useTestDatabase({ migrate: true });

  it('go batch by batch, each saving its position with it, so a stop resumes after the last batch committed', async () => {
    const store = await seed(t.db, 7);
    await damage(t.db);
    await store.askRebuildAll();
    expect(await store.pendingBackfills()).toEqual([{ key: 'rebuild:all', remaining: 7 }]);

    // Two batches of 3, then the process stops: six tickets rebuilt, the seventh not yet.
    expect(await store.backfillStep(3)).toEqual({ key: 'rebuild:all', tickets: 3, finished: false });
    expect(await store.backfillStep(3)).toEqual({ key: 'rebuild:all', tickets: 3, finished: false });
    const halfway = await firstResponses(t.db);
    expect(Object.values(halfway).filter((value) => value === null)).toHaveLength(1);
    expect(halfway['T-7']).toBeNull();
    expect(await store.pendingBackfills()).toEqual([{ key: 'rebuild:all', remaining: 1 }]);

    // A runner (another start) takes it from there, and says so in the log.
    const { logger, lines } = memoryLogger();
    const runner = startBackfill({ db: t.db, store, logger, batch: 3, clock: () => T0 + DAY });
    await runner.idle();
    await runner.stop();
    expect(await firstResponses(t.db)).toEqual(expected(7));
    expect(await store.pendingBackfills()).toEqual([]);
    expect(await store.backfillAsked()).toBe(false);
    expect(lines.map((line) => line.msg)).toEqual([
      expect.stringMatching(/^rebuilding tickets in the background/),
      expect.stringMatching(/^rebuild finished/),
    ]);
    expect(lines[0]).toMatchObject({ tickets: 1, rebuilds: ['rebuild:all'] });
    expect(lines[1]).toMatchObject({ rebuilt: 1 });
    // The lease is given back at the end, so a later rebuild need not wait for its expiry.
    expect(Number((await t.db('leases').where({ name: 'backfill' }).first('expires_at'))?.expires_at)).toBe(0);
  });

  it('one process at a time: a second runner waits while the first holds the lease, and both end idle', async () => {
    const store = await seed(t.db, 5);
    await damage(t.db);
    await store.askRebuildAll();
    const first = memoryLogger();
    const second = memoryLogger();
    // Whichever takes the lease first does it all; the other asks again every 20 ms and finds it taken, then nothing left.
    const a = startBackfill({ db: t.db, store, logger: first.logger, batch: 1, retryMs: 20, clock: () => T0 + DAY });
    const b = startBackfill({ db: t.db, store, logger: second.logger, batch: 1, retryMs: 20, clock: () => T0 + DAY });
    await Promise.all([a.idle(), b.idle()]);
    await Promise.all([a.stop(), b.stop()]);
    expect(await firstResponses(t.db)).toEqual(expected(5));
    const started = [...first.lines, ...second.lines].filter((line) => line.msg.startsWith('rebuilding tickets'));
    expect(started).toHaveLength(1);
  });

  it('a process that finds the rebuild held by another (one killed mid-rebuild holds it until its lease runs out) says so, once', async () => {
    const store = await seed(t.db, 3);
    await store.askRebuildAll();
    // A dead process's lease, renewed a moment ago.
    await t.db('leases').insert({ name: 'backfill', holder: 'dead-host:1:00000000', acquired_at: T0 + DAY - 1000, expires_at: T0 + DAY + 60_000 }).onConflict('name').merge();
    const { logger, lines } = memoryLogger();
    const runner = startBackfill({ db: t.db, store, logger, retryMs: 10, clock: () => T0 + DAY });
    await new Promise((resolve) => setTimeout(resolve, 200));
    await runner.stop();
    expect(lines.filter((line) => line.msg.startsWith('rebuild: another process holds it'))).toHaveLength(1);
  });

  it('a rebuild asked with nothing left to rebuild (finished by another process a moment before) is cleared without a word', async () => {
    const store = await seed(t.db, 0);
    await store.askRebuildAll();
    expect(await store.backfillAsked()).toBe(true);
    const { logger, lines } = memoryLogger();
    const runner = startBackfill({ db: t.db, store, logger, retryMs: 20, clock: () => T0 + DAY });
    await runner.idle();
    await runner.stop();
    expect(await store.backfillAsked()).toBe(false);
    expect(lines).toEqual([]);
  });

  it('with nothing asked, a runner is idle at once and a later ask is taken up when kicked', async () => {
    const store = await seed(t.db, 2);
    const { logger, lines } = memoryLogger();
    const runner = startBackfill({ db: t.db, store, logger, retryMs: 60_000, clock: () => T0 + DAY });
    await runner.idle();
    expect(lines).toEqual([]);
    await damage(t.db);
    await store.askRebuildAll();
    runner.kick();
    await runner.idle();
    await runner.stop();
    expect(await firstResponses(t.db)).toEqual(expected(2));
    expect(lines.map((line) => line.msg)).toEqual([expect.stringMatching(/^rebuilding/), expect.stringMatching(/^rebuild finished/)]);
  });

  it('asking again while a rebuild is under way starts it from the first ticket', async () => {
    const store = await seed(t.db, 4);
    await store.askRebuildAll();
    await store.backfillStep(3);
    await damage(t.db); // as if a second change came after three were done: all four need it again
    await store.askRebuildAll();
    expect(await store.pendingBackfills()).toEqual([{ key: 'rebuild:all', remaining: 4 }]);
    await store.backfillProjections(3);
    expect(await firstResponses(t.db)).toEqual(expected(4));
  });

  it('a rebuild beside deliveries to the same tickets leaves every ticket as its events say', async () => {
    const store = await seed(t.db, 30);
    const rebuilds = (async () => {
      for (let round = 0; round < 5; round += 1) await store.rebuildAll(7);
    })();
    // Meanwhile each ticket gets a reopen and a second reply, one delivery at a time.
    const deliveries = (async () => {
      for (let i = 1; i <= 30; i += 1) {
        const at = T0 + i * MINUTE + 2 * 60 * MINUTE;
        await store.recordEvents('generic', [
          { kind: 'ticket', type: 'status_changed', externalTicketId: `T-${i}`, occurredAt: at, data: { status: 'open' }, dedupeKey: `T-${i}-o` },
          { kind: 'ticket', type: 'agent_reply', externalTicketId: `T-${i}`, occurredAt: at + MINUTE, actor: { type: 'agent', id: 'a1' }, data: {}, dedupeKey: `T-${i}-r2` },
        ]);
      }
    })();
    await Promise.all([rebuilds, deliveries]);
    const snapshot = async () => t.db('tickets').select('external_id', 'status', 'reopen_count', 'agent_reply_count').orderBy('external_id');
    const after = await snapshot();
    // Without the rebuild locking its tickets (PostgreSQL), a rebuild that read the events before a delivery committed overwrote it.
    expect(after.filter((row) => row.status !== 'open' || Number(row.reopen_count) !== 1 || Number(row.agent_reply_count) !== 2)).toEqual([]);
    await store.rebuildAll();
    expect(await snapshot()).toEqual(after);
  });
});

describe(`kpibot sla on ${TEST_ENGINE}`, () => {
  const t = useTestDatabase({ migrate: true });

  it('shows the recompute on a terminal as a progress line, erased at the end, and lists a background recompute still under way', async () => {
    await seed(t.db, 3);
    const config = parseConfig({ DATABASE_URL: t.testDb.url, KPI_TIMEZONE: 'UTC' });
    const written: string[] = [];
    const out: string[] = [];
    const sink = { out: (line: string) => out.push(line), err: (line: string) => out.push(line) };
    expect(await slaCommand(['add', 'Normal', '--priority', 'normal', '--first-response', '1h'], config, sink, { progress: { write: (text: string) => written.push(text), isTTY: true } })).toBe(0);
    expect(out).toContain('recomputed the due times and business-hours durations of 3 tickets');
    expect(written[0]).toMatch(/^\r\[#+\.*\] +\d+% {2}3 tickets {2}[\d,]+ tickets\/s $/);
    expect(written[written.length - 1]).toBe('\r\x1b[2K');

    // Not a terminal: no progress line.
    written.length = 0;
    await slaCommand(['recompute'], config, sink, { progress: { write: (text: string) => written.push(text), isTTY: false } });
    expect(written).toEqual([]);

    await new IngestStore(t.db, DEFAULT_PROJECTION_OPTIONS).askRebuildAll();
    out.length = 0;
    await slaCommand(['list'], config, sink, { progress: { write: () => true, isTTY: false } });
    expect(out[out.length - 1]).toBe('recompute in progress: 3 tickets left');
  });
});

describe(`an upgrade's rebuild at start on ${TEST_ENGINE}`, () => {
  const t = useTestDatabase();

  it('runs after the bot is listening, and the bot answers meanwhile', async () => {
    await migrateLatest(t.db);
    await seed(t.db, 6);
    await damage(t.db);
    await t.db('settings').insert({ key: 'backfill:automated_replies', value: 'true', updated_at: T0 });
    await t.db('ticket_events').where({ dedupe_key: 'T-2-r' }).update({ actor_type: 'system' }); // now an automated reply: no response
    await t.db.destroy();

    const config = parseConfig({ DATABASE_URL: t.testDb.url, HOST: '127.0.0.1', PORT: '0' });
    const { logger, lines } = memoryLogger();
    const bot = await startBot(config, logger, { schedulerTimer: false });
    try {
      expect((await fetch(`${bot.url}/healthz`)).status).toBe(200);
      await bot.backfill.idle();
      expect(lines.map((line) => line.msg)).toContain('kpibot is listening');
      const listening = lines.findIndex((line) => line.msg === 'kpibot is listening');
      const rebuilding = lines.findIndex((line) => line.msg.startsWith('rebuilding tickets in the background'));
      expect(rebuilding).toBeGreaterThan(listening);
      expect(lines[rebuilding]).toMatchObject({ tickets: 1, rebuilds: ['backfill:automated_replies'] });
      // Only the ticket the upgrade changed was rebuilt: T-2 lost its response, the others stay as they were.
      const db = openDatabase(t.testDb.config);
      try {
        expect(await firstResponses(db)).toEqual({ 'T-1': null, 'T-2': null, 'T-3': null, 'T-4': null, 'T-5': null, 'T-6': null });
        expect(await db('tickets').where({ external_id: 'T-2' }).first('agent_reply_count')).toEqual({ agent_reply_count: 0 });
      } finally {
        await db.destroy();
      }
    } finally {
      await bot.stop();
    }
    t.db = openDatabase(t.testDb.config);
  });
});
