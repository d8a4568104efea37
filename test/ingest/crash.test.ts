import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/database.js';
import { createTestDatabase, TEST_ENGINE, type TestDatabase } from '../helpers/databases.js';
import { startKpibot } from '../helpers/process.js';
import { GENERIC_SECRET, postWebhook, standardWebhookHeaders } from '../helpers/webhooks.js';

describe(`a kpibot process killed while ingesting, on ${TEST_ENGINE}`, () => {
  let testDb: TestDatabase | undefined;
  afterEach(async () => {
    await testDb?.dispose();
    testDb = undefined;
  });

  it('loses no acknowledged delivery and leaves no delivery half-written', async () => {
    testDb = await createTestDatabase();
    const running = await startKpibot({ DATABASE_URL: testDb.url, GENERIC_WEBHOOK_SECRET: GENERIC_SECRET });
    const acknowledged: string[] = [];
    let killed = false;
    const deliver = async (n: number) => {
      const body = JSON.stringify({
        events: [
          { type: 'ticket.created', id: `c-${n}`, occurred_at: '2026-10-01T08:00:00Z', actor: { type: 'customer', id: `u-${n}` }, ticket: { id: `K-${n}`, status: 'new' } },
          { type: 'ticket.agent_replied', id: `r-${n}`, occurred_at: '2026-10-01T08:30:00Z', actor: { type: 'agent', id: 'a-1' }, ticket: { id: `K-${n}`, status: 'pending' } },
        ],
      });
      try {
        const res = await postWebhook(running.url, 'generic', body, standardWebhookHeaders(body, `d-${n}`));
        if (res.status === 200) acknowledged.push(`d-${n}`);
      } catch {
        // The connection died with the process: not acknowledged.
      }
      if (acknowledged.length >= 60 && !killed) {
        killed = true;
        running.child.kill('SIGKILL');
      }
    };
    let next = 0;
    await Promise.all(Array.from({ length: 16 }, async () => {
      while (next < 400 && !killed) await deliver(next++);
    }));
    await running.exited;
    expect(killed).toBe(true);
    expect(acknowledged.length).toBeGreaterThanOrEqual(60);

    const db = openDatabase(testDb.config);
    try {
      const stored = (await db('webhook_deliveries').select('id', 'delivery_key')) as { id: number; delivery_key: string }[];
      const keys = new Set(stored.map((row) => row.delivery_key));
      for (const key of acknowledged) expect(keys.has(key), key).toBe(true);
      // Every stored delivery has both its events, and its ticket's projection.
      const perDelivery = (await db('ticket_events').select('delivery_id').count({ n: '*' }).groupBy('delivery_id')) as { delivery_id: number; n: number | string }[];
      expect(perDelivery).toHaveLength(stored.length);
      for (const row of perDelivery) expect(Number(row.n)).toBe(2);
      const tickets = (await db('tickets').select('external_id', 'first_response_at', 'agent_reply_count')) as { external_id: string; first_response_at: number; agent_reply_count: number }[];
      expect(tickets).toHaveLength(stored.length);
      for (const ticket of tickets) expect(ticket).toMatchObject({ first_response_at: Date.parse('2026-10-01T08:30:00Z'), agent_reply_count: 1 });
    } finally {
      await db.destroy();
    }
  });
});
