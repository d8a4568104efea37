import { existsSync, mkdtempSync } from 'node:fs';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestBot, type TestBot } from './helpers/bot.js';
import { createTestDatabase, TEST_ENGINE, type TestDatabase } from './helpers/databases.js';
import { spawn } from 'node:child_process';
import { childEnv, KPIBOT, startKpibot } from './helpers/process.js';
import { startFakeSlack } from './helpers/fake-slack.js';
import { openDatabase } from '../src/store/database.js';
import { migrateLatest } from '../src/store/migrations.js';
import { silentLogger } from '../src/logger.js';

describe(`graceful shutdown on ${TEST_ENGINE}`, () => {
  let bot: TestBot | undefined;
  let testDb: TestDatabase | undefined;
  afterEach(async () => {
    await bot?.dispose();
    await testDb?.dispose();
    bot = undefined;
    testDb = undefined;
  });

  it('stops accepting, finishes the request in flight, then closes the database', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    bot = await startTestBot({}, {
      routes: [{ method: 'GET', path: '/slow', handler: async (_req, res) => {
        entered();
        await gate;
        res.end('finished');
      } }],
    });

    const inFlight = fetch(`${bot.url}/slow`).then(async (res) => ({ status: res.status, text: await res.text() }));
    await inside;
    const stopped = bot.stop();
    let stopDone = false;
    void stopped.then(() => (stopDone = true));

    // No new connections once stopping has begun...
    await expect(fetch(`${bot.url}/healthz`)).rejects.toThrow();
    // ...while the request in flight is still being served.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(stopDone).toBe(false);

    release();
    expect(await inFlight).toEqual({ status: 200, text: 'finished' });
    // The client keeps its connection alive; the shutdown must not wait for it.
    const answeredAt = Date.now();
    await stopped;
    expect(Date.now() - answeredAt).toBeLessThan(1000);
    await expect(bot.db.raw('select 1')).rejects.toThrow();
  });

  it('cuts a request that outlives the grace period, and still closes', async () => {
    bot = await startTestBot({ SHUTDOWN_GRACE_SECONDS: '1' }, {
      routes: [{ method: 'GET', path: '/never', handler: () => new Promise<void>(() => undefined) }],
    });
    const hanging = fetch(`${bot.url}/never`).then(() => 'answered', () => 'cut');
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = Date.now();
    await bot.stop();
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(900);
    expect(took).toBeLessThan(3000);
    expect(await hanging).toBe('cut');
  });

  it('does not wait for idle keep-alive connections', async () => {
    bot = await startTestBot();
    const { port } = new URL(bot.url);
    const agentResponse = await new Promise<number>((resolve) => {
      const req = request({ host: '127.0.0.1', port, path: '/healthz', headers: { connection: 'keep-alive' } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.end();
    });
    expect(agentResponse).toBe(200);
    const started = Date.now();
    await bot.stop();
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('the kpibot process exits 0 on SIGTERM and on SIGINT, after closing the database', async () => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      testDb = await createTestDatabase();
      const cwd = mkdtempSync(join(tmpdir(), 'kpibot-cwd-'));
      const running = await startKpibot({ DATABASE_URL: testDb.url }, cwd);
      expect((await fetch(`${running.url}/healthz`)).status).toBe(200);
      running.child.kill(signal);
      expect(await running.exited).toBe(0);
      // Log lines are JSON; the local console (no Slack token) writes its banner between them.
      const lines = running.stdout().trim().split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as { msg: string });
      expect(lines.map((line) => line.msg)).toEqual(expect.arrayContaining(['signal received', 'stopped']));
      expect(running.stderr()).toBe('');
      if (testDb.config.client === 'sqlite') {
        // A cleanly closed SQLite database checkpoints and removes its write-ahead log.
        expect(existsSync(testDb.config.filename)).toBe(true);
        expect(existsSync(`${testDb.config.filename}-wal`)).toBe(false);
      }
      await testDb.dispose();
      testDb = undefined;
    }
  });

  /** Spawns `kpibot start`, sends SIGTERM once stdout shows `signalAt`, and resolves with its exit code and JSON log lines. */
  async function signalDuringStartUp(env: Record<string, string>, signalAt: string) {
    const cwd = mkdtempSync(join(tmpdir(), 'kpibot-cwd-'));
    const child = spawn(process.execPath, [KPIBOT, 'start'], { env: childEnv({ HOST: '127.0.0.1', PORT: '0', ...env }), cwd });
    let stdout = '';
    let signalledAt = 0;
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (signalledAt === 0 && stdout.includes(signalAt)) {
        signalledAt = Date.now();
        child.kill('SIGTERM');
      }
    });
    const code = await exited;
    const messages = stdout.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as { msg: string; starting?: boolean; duringStartUp?: boolean });
    return { code, messages, exitedAfterMs: Date.now() - signalledAt };
  }

  it('a signal during start-up lets the migrations finish, then stops before listening, exiting 0', async () => {
    testDb = await createTestDatabase();
    // The migrations of a new database (30 of them) are about to run: the server is far from listening.
    const { code, messages } = await signalDuringStartUp({ DATABASE_URL: testDb.url }, '"starting: ');
    expect(code).toBe(0);
    expect(messages.find((line) => line.msg === 'signal received')).toMatchObject({ starting: true });
    expect(messages.find((line) => line.msg === 'stopped')).toMatchObject({ duringStartUp: true });
    expect(messages.map((line) => line.msg)).not.toContain('kpibot is listening');
    // The migrations were not cut: the database is complete and usable.
    const db = openDatabase(testDb.config, silentLogger());
    try {
      expect(await migrateLatest(db)).toEqual([]);
    } finally {
      await db.destroy();
    }
  });

  it('a signal while Socket Mode keeps failing to connect stops at once, exiting 0', async () => {
    testDb = await createTestDatabase();
    const slack = await startFakeSlack();
    // A WebSocket address where nothing listens: the Socket Mode client retries it for as long as it runs.
    const nothing = createServer();
    await new Promise<void>((resolve) => nothing.listen(0, '127.0.0.1', resolve));
    const { port } = nothing.address() as AddressInfo;
    await new Promise<void>((resolve) => nothing.close(() => resolve()));
    slack.answer('apps.connections.open', () => ({ body: { ok: true, url: `ws://127.0.0.1:${port}/link` } }));
    try {
      const env = { DATABASE_URL: testDb.url, SLACK_BOT_TOKEN: 'xoxb-test', SLACK_APP_TOKEN: 'xapp-1-A0000TEST-1-abc', SLACK_API_URL: slack.url };
      const { code, messages, exitedAfterMs } = await signalDuringStartUp(env, '"connected to Slack"');
      expect(code).toBe(0);
      expect(exitedAfterMs).toBeLessThan(3000);
      expect(slack.callsTo('apps.connections.open').length).toBeGreaterThan(0);
      expect(messages.find((line) => line.msg === 'stopped')).toMatchObject({ duringStartUp: true });
      expect(messages.map((line) => line.msg)).not.toContain('kpibot is listening');
    } finally {
      await slack.close();
    }
  });
});
