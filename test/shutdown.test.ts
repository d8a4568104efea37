import { existsSync, mkdtempSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestBot, type TestBot } from './helpers/bot.js';
import { createTestDatabase, TEST_ENGINE, type TestDatabase } from './helpers/databases.js';
import { spawn } from 'node:child_process';
import { childEnv, KPIBOT, startKpibot } from './helpers/process.js';

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

  it('a signal during start-up stops the bot once it has started, exiting 0', async () => {
    testDb = await createTestDatabase();
    const cwd = mkdtempSync(join(tmpdir(), 'kpibot-cwd-'));
    const child = spawn(process.execPath, [KPIBOT, 'start'], { env: childEnv({ DATABASE_URL: testDb.url, HOST: '127.0.0.1', PORT: '0' }), cwd });
    let stdout = '';
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.stdout.on('data', (chunk: Buffer) => {
      const first = !stdout.includes('"starting: ');
      stdout += chunk.toString();
      // The migrations of a new database (30 of them) are about to run: the server is far from listening.
      if (first && stdout.includes('"starting: ')) child.kill('SIGTERM');
    });
    expect(await exited).toBe(0);
    const messages = stdout.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as { msg: string; starting?: boolean });
    expect(messages.find((line) => line.msg === 'signal received')).toMatchObject({ starting: true });
    expect(messages.map((line) => line.msg)).toEqual(expect.arrayContaining(['kpibot is listening', 'stopped']));
  });
});
