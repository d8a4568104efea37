import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/store/database.js';
import { migrateLatest } from '../src/store/migrations.js';
import { IngestStore } from '../src/store/ingest-store.js';
import { OutboxStore } from '../src/store/outbox-store.js';
import { createTestDatabase, TEST_ENGINE, type TestDatabase } from './helpers/databases.js';
import { runKpibot } from './helpers/process.js';

describe(`kpibot deliveries on ${TEST_ENGINE}`, () => {
  let testDb: TestDatabase | undefined;
  afterEach(async () => {
    await testDb?.dispose();
    testDb = undefined;
  });

  it('lists rejected deliveries with their reason, as text and as JSON', async () => {
    testDb = await createTestDatabase();
    const env = { DATABASE_URL: testDb.url };
    const db = openDatabase(testDb.config);
    await migrateLatest(db);
    expect(runKpibot(['deliveries', '--rejected'], env)).toMatchObject({ status: 0, stdout: 'no rejected deliveries\n' });
    const store = new IngestStore(db, { escalationGroups: [], escalationTag: 'escalated' });
    const base = { source: 'zendesk', receivedAt: Date.parse('2026-11-01T10:00:00Z'), bodyBytes: 2, bodySha256: 'ab' };
    await store.recordRejected({ ...base, deliveryKey: 'bad-1', reason: 'unknown_shape', detail: 'event "ticket.exploded" is not known', payload: '{"event":"ticket.exploded"}' });
    await store.recordDelivery({ ...base, deliveryKey: 'good-1', receivedAt: base.receivedAt + 1000 }, []);
    await db.destroy();

    const text = runKpibot(['deliveries', '--rejected'], env);
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(/^2026-11-01T10:00:00\.000Z {2}#\d+ {2}zendesk {4}rejected {2}unknown_shape: event "ticket\.exploded" is not known\n$/);
    const all = runKpibot(['deliveries'], env);
    expect(all.stdout.trim().split('\n')).toHaveLength(2);
    const json = runKpibot(['deliveries', '--rejected', '--json', '--source', 'zendesk'], env);
    expect(JSON.parse(json.stdout)).toMatchObject({ source: 'zendesk', status: 'rejected', reason: 'unknown_shape', payload: { event: 'ticket.exploded' } });
    expect(runKpibot(['deliveries', '--limit', 'lots'], env)).toMatchObject({ status: 2, stderr: 'kpibot: --limit must be a whole number from 1 to 10000\n' });
    // Only a webhook source can have deliveries: another word is a typo, not an empty list.
    expect(runKpibot(['deliveries', '--source', 'zendsk'], env)).toMatchObject({
      status: 2, stderr: 'kpibot: --source "zendsk" is not a webhook source (did you mean "zendesk"?); sources: zendesk, freshdesk, zohodesk, intercom, helpscout, jira, generic\n',
    });
  });
});

describe(`kpibot outbox on ${TEST_ENGINE}`, () => {
  let testDb: TestDatabase | undefined;
  afterEach(async () => {
    await testDb?.dispose();
    testDb = undefined;
  });

  it('lists the latest posts to Slack and how each went: sent (and how late), waiting with the next try and the last error, failed with why; and how late the posts still due are', async () => {
    testDb = await createTestDatabase();
    const env = { DATABASE_URL: testDb.url };
    const db = openDatabase(testDb.config);
    const at = Date.parse('2026-11-01T10:00:00Z');
    try {
      await migrateLatest(db);
      expect(runKpibot(['outbox'], env)).toMatchObject({ status: 0, stdout: 'no posts\n' });
      const outbox = new OutboxStore(db);
      const message = { text: 'x', blocks: [] };
      await outbox.enqueue({ dedupeKey: 'd1', kind: 'digest', target: 'CSUPPORT', message, notBefore: at }, at);
      await outbox.enqueue({ dedupeKey: 'b1', kind: 'sla_breach', target: 'CGONE', message, notBefore: at }, at + 1000);
      await outbox.enqueue({ dedupeKey: 'm1', kind: 'sla_breach', target: 'UAYU', message, notBefore: at }, at + 2000);
      // Held back by Slack's pace, then sent 3 minutes after it fell due.
      await outbox.enqueue({ dedupeKey: 'd2', kind: 'digest', target: 'CBUSY', message, notBefore: at + 3000 }, at + 3000);
      const [sent, gone, waiting, busy] = (await outbox.all()).map((row) => row.id);
      await outbox.markSent(Number(sent), 'CSUPPORT', '1.1', at + 5000);
      await outbox.markFailed(Number(gone), 'channel_not_found');
      await outbox.retryAt(Number(waiting), at + 60_000, 'http_503', true);
      await outbox.retryAt(Number(busy), at + 90_000, null, false);
      await outbox.markSent(Number(busy), 'CBUSY', '1.2', at + 183_000);
    } finally {
      await db.destroy();
    }
    const all = runKpibot(['outbox'], env);
    expect(all.status).toBe(0);
    expect(all.stdout.trim().split('\n')).toEqual([
      // The post still waiting has been due since 10:00 (its retry at 10:01 does not make it less late).
      expect.stringMatching(/^1 post is due and not yet sent; the longest waiting has been due since 2026-11-01T10:00:00\.000Z \(\d+ d( \d+ h)?\)$/),
      expect.stringMatching(/^2026-11-01T10:00:03\.000Z +#\d+ +digest +CBUSY +sent 2026-11-01T10:03:03\.000Z, 3 min after it was due$/),
      expect.stringMatching(/^2026-11-01T10:00:02\.000Z +#\d+ +sla_breach +UAYU +waiting: next try 2026-11-01T10:01:00\.000Z, last error http_503 \(1 try\)$/),
      expect.stringMatching(/^2026-11-01T10:00:01\.000Z +#\d+ +sla_breach +CGONE +failed: channel_not_found \(1 try\)$/),
      expect.stringMatching(/^2026-11-01T10:00:00\.000Z +#\d+ +digest +CSUPPORT +sent 2026-11-01T10:00:05\.000Z$/),
    ]);
    expect(runKpibot(['outbox', '--failed'], env).stdout).toMatch(/^1 post is due[^\n]+\n[^\n]+CGONE[^\n]+\n$/);
    expect(runKpibot(['outbox', '--waiting'], env).stdout).toMatch(/^1 post is due[^\n]+\n[^\n]+UAYU[^\n]+\n$/);
    const json = runKpibot(['outbox', '--json', '--limit', '2'], env);
    expect(json.stdout.trim().split('\n').map((line) => JSON.parse(line) as unknown)).toEqual([
      expect.objectContaining({ kind: 'digest', target: 'CBUSY', state: 'sent', dueAt: '2026-11-01T10:00:03.000Z', sentAt: '2026-11-01T10:03:03.000Z' }),
      expect.objectContaining({ kind: 'sla_breach', target: 'UAYU', state: 'pending', attempts: 1, lastError: 'http_503', nextAttemptAt: '2026-11-01T10:01:00.000Z', dueAt: '2026-11-01T10:00:00.000Z', id: expect.any(Number) }),
    ]);
    expect(runKpibot(['outbox', '--failed', '--waiting'], env)).toMatchObject({ status: 2, stderr: 'kpibot: --failed and --waiting list different posts: give one\n' });
  });
});
