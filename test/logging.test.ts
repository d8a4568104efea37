import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { RefusalLog } from '../src/http/webhooks.js';
import { createLogger } from '../src/logger.js';
import { createTestDatabase, type TestDatabase } from './helpers/databases.js';
import { startFakeSlack, type FakeSlack } from './helpers/fake-slack.js';
import { runKpibot, startKpibot } from './helpers/process.js';
import { GENERIC_SECRET, postWebhook, standardWebhookHeaders } from './helpers/webhooks.js';

function memoryLogger(level: Parameters<typeof createLogger>[0] = 'info') {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter((line) => line !== ''));
      done();
    },
  });
  return { logger: createLogger(level, stream), lines };
}

describe('logs', () => {
  it('are JSON lines with a level, a time and a message', () => {
    const { logger, lines } = memoryLogger();
    logger.info({ deliveries: 3 }, 'ingested');
    logger.debug('not at info level');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({ level: 'info', app: 'kpibot', deliveries: 3, msg: 'ingested', time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
  });

  it('refused webhooks: the first of a source and reason at once, then at most one a minute with how many more were refused', () => {
    const { logger, lines } = memoryLogger();
    const refusals = new RefusalLog(logger);
    const t0 = Date.parse('2026-11-24T10:00:00Z');
    for (let i = 0; i < 500; i += 1) refusals.refused('zendesk', 'bad_signature', 'X-Zendesk-Webhook-Signature does not match', t0 + i * 100);
    refusals.refused('zendesk', 'stale_timestamp', 'too old', t0 + 1000); // another reason: its own line
    refusals.refused('generic', 'bad_signature', 'no match', t0 + 1000); // another source too
    refusals.refused('zendesk', 'bad_signature', 'X-Zendesk-Webhook-Signature does not match', t0 + 60_000);
    const logged = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(logged.map(({ msg, source, reason, alsoRefused }) => ({ msg, source, reason, alsoRefused }))).toEqual([
      { msg: 'webhook refused', source: 'zendesk', reason: 'bad_signature', alsoRefused: undefined },
      { msg: 'webhook refused', source: 'zendesk', reason: 'stale_timestamp', alsoRefused: undefined },
      { msg: 'webhook refused', source: 'generic', reason: 'bad_signature', alsoRefused: undefined },
      { msg: 'webhook refused', source: 'zendesk', reason: 'bad_signature', alsoRefused: 499 },
    ]);
    expect(logged[0]).toMatchObject({ level: 'warn', detail: 'X-Zendesk-Webhook-Signature does not match' });
  });

  it('censor secret-bearing fields at any of the first three depths', () => {
    const { logger, lines } = memoryLogger();
    logger.info({ token: 'xoxb-1', headers: { authorization: 'Basic abc', 'x-hub-signature': 'sha1=ff' }, slack: { options: { signingSecret: 's3' } } }, 'request');
    const text = lines.join('\n');
    for (const secret of ['xoxb-1', 'Basic abc', 'sha1=ff', 's3']) expect(text).not.toContain(secret);
    expect(text).toContain('[redacted]');
  });

  describe('of a running bot', () => {
    let slack: FakeSlack | undefined;
    let testDb: TestDatabase | undefined;
    afterEach(async () => {
      await slack?.close();
      await testDb?.dispose();
    });

    it('never contain a token, secret or the database password', async () => {
      slack = await startFakeSlack();
      testDb = await createTestDatabase();
      const secrets = { SLACK_BOT_TOKEN: 'xoxb-secret-bot-token', SLACK_SIGNING_SECRET: 'abcdef0123456789abcdef0123456789', ZENDESK_WEBHOOK_SECRET: 'zendesk-secret-value' };
      const running = await startKpibot({ ...secrets, DATABASE_URL: testDb.url, SLACK_API_URL: slack.url, LOG_LEVEL: 'trace' });
      await fetch(`${running.url}/healthz`);
      running.child.kill('SIGTERM');
      expect(await running.exited).toBe(0);
      const output = running.stdout() + running.stderr();
      expect(output).toContain('"mode":"http"');
      for (const secret of Object.values(secrets)) expect(output).not.toContain(secret);
      const password = new URL(testDb.url).password;
      if (password !== '') expect(output).not.toContain(password);
      for (const line of running.stdout().trim().split('\n')) expect(() => JSON.parse(line)).not.toThrow();
    });

    it('a flood of bodies of an unknown shape (422): each kept for kpibot deliveries --rejected, the first logged, the rest held back a minute', async () => {
      testDb = await createTestDatabase();
      const running = await startKpibot({ DATABASE_URL: testDb.url, GENERIC_WEBHOOK_SECRET: GENERIC_SECRET });
      for (let n = 0; n < 20; n += 1) {
        const body = JSON.stringify({ events: [{ type: 'ticket.exploded', id: `x-${n}`, occurred_at: '2026-11-01T10:00:00Z', ticket: { id: `K-${n}` } }] });
        expect((await postWebhook(running.url, 'generic', body, standardWebhookHeaders(body, `flood-${n}`))).status).toBe(422);
      }
      running.child.kill('SIGTERM');
      expect(await running.exited).toBe(0);
      const rejected = running.stdout().trim().split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>).filter((record) => String(record.msg).startsWith('webhook rejected'));
      expect(rejected).toHaveLength(1);
      expect(runKpibot(['deliveries', '--rejected', '--limit', '100'], { DATABASE_URL: testDb.url }).stdout.trim().split('\n')).toHaveLength(20);
    });
  });
});
