/**
 * Webhooks while the database is out of reach: locked by another process past SQLite's busy_timeout (the same path a
 * PostgreSQL that refuses connections takes). Each delivery is answered 503 with Retry-After, nothing half-written,
 * and a batch of them is answered together, not each after its own wait.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBot, type TestBot } from '../helpers/bot.js';
import { holdWriteLock, TEST_ENGINE } from '../helpers/databases.js';
import { GENERIC_SECRET, standardWebhookHeaders } from '../helpers/webhooks.js';

const event = (n: number) =>
  JSON.stringify({ type: 'ticket.created', id: `evt-lock-${n}`, occurred_at: new Date().toISOString(), actor: { type: 'customer', id: 'c-1' }, ticket: { id: `L-${n}`, status: 'new' } });

describe.runIf(TEST_ENGINE === 'sqlite')('webhooks while the database is locked by another process', () => {
  let bot: TestBot;
  beforeAll(async () => {
    bot = await startTestBot({ GENERIC_WEBHOOK_SECRET: GENERIC_SECRET });
  });
  afterAll(async () => {
    await bot.dispose();
  });

  it('answer 503 database_unavailable with Retry-After, all of a batch at once; stored once the lock goes', async () => {
    const lock = await holdWriteLock(bot.config.database, (trx) => trx('settings').insert({ key: 'held-by-another-process', value: '1', updated_at: 1 }));
    const bodies = new Map([1, 2, 3, 4, 5, 6].map((n) => [n, event(n)]));
    const send = (n: number) => {
      const body = bodies.get(n) ?? '';
      return fetch(`${bot.url}/webhooks/generic`, { method: 'POST', headers: { 'content-type': 'application/json', ...standardWebhookHeaders(body, `msg-lock-${n}`) }, body });
    };
    let answers: Response[];
    const started = Date.now();
    try {
      answers = await Promise.all([1, 2, 3, 4, 5, 6].map(send));
    } finally {
      await lock.release();
    }
    // One busy_timeout (5 s) for the batch, not one each.
    expect(Date.now() - started).toBeLessThan(12_000);
    for (const answer of answers) {
      expect(answer.status).toBe(503);
      expect(answer.headers.get('retry-after')).toBe('30');
      expect(await answer.json()).toMatchObject({ error: 'database_unavailable' });
    }
    expect(await bot.db('webhook_deliveries').count({ n: '*' })).toEqual([{ n: 0 }]);
    // The helpdesk sends them again: stored.
    for (const n of [1, 2, 3, 4, 5, 6]) expect((await send(n)).status).toBe(200);
    expect(await bot.db('tickets').count({ n: '*' })).toEqual([{ n: 6 }]);
  }, 40_000);
});

describe.runIf(TEST_ENGINE === 'sqlite')('the SQLite file deleted while the bot runs', () => {
  it('webhooks answer 503 and /healthz says unavailable: nothing is acknowledged into a file that is gone', async () => {
    const bot = await startTestBot({ GENERIC_WEBHOOK_SECRET: GENERIC_SECRET });
    try {
      const send = async (n: number) => {
        const body = event(n);
        return fetch(`${bot.url}/webhooks/generic`, { method: 'POST', headers: { 'content-type': 'application/json', ...standardWebhookHeaders(body, `msg-gone-${n}`) }, body });
      };
      expect((await send(1)).status).toBe(200);
      expect((await fetch(`${bot.url}/healthz`)).status).toBe(200);
      const file = (bot.config.database as { filename: string }).filename;
      for (const suffix of ['', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
      const answer = await send(2);
      expect(answer.status).toBe(503);
      expect(await answer.json()).toMatchObject({ error: 'database_unavailable' });
      const health = await fetch(`${bot.url}/healthz`);
      expect(health.status).toBe(503);
      expect(await health.json()).toMatchObject({ status: 'unavailable' });
    } finally {
      await bot.dispose();
    }
  }, 30_000);
});
