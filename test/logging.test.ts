import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../src/logger.js';
import { createTestDatabase, type TestDatabase } from './helpers/databases.js';
import { startFakeSlack, type FakeSlack } from './helpers/fake-slack.js';
import { startKpibot } from './helpers/process.js';

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
  });
});
