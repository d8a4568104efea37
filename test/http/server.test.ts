import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestBot, type TestBot } from '../helpers/bot.js';
import { TEST_ENGINE } from '../helpers/databases.js';
import { startFakeSlack, type FakeSlack } from '../helpers/fake-slack.js';
import { OutboxStore } from '../../src/store/outbox-store.js';
import { createLogger } from '../../src/logger.js';
import { withAdminClient } from '../helpers/admin-client.js';
import { GENERIC_SECRET, standardWebhookHeaders } from '../helpers/webhooks.js';

const SIGNING_SECRET = '8f742231b10e8888abcd99yyyzzz85a5'.replace(/[yz]/g, 'f');

describe(`HTTP server on ${TEST_ENGINE}`, () => {
  let bot: TestBot | undefined;
  let slack: FakeSlack | undefined;
  afterEach(async () => {
    await bot?.dispose();
    await slack?.close();
    bot = undefined;
    slack = undefined;
  });

  it('GET /healthz answers 200 while the database answers, and 503 once it does not', async () => {
    bot = await startTestBot();
    const ok = await fetch(`${bot.url}/healthz`);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await ok.json()).toEqual({ status: 'ok', database: 'ok', outbox: { due: 0, late_seconds: 0 } });

    await bot.db.destroy();
    const down = await fetch(`${bot.url}/healthz`);
    expect(down.status).toBe(503);
    expect(await down.json()).toEqual({ status: 'unavailable', database: 'unreachable' });
  });

  it('a database that answers but cannot store (SQLite full; PostgreSQL read-only, as after a failover): webhooks 503 with the reason and Retry-After, /healthz 503 cannot_write, one log line; stored once it can again', async () => {
    const lines: Record<string, unknown>[] = [];
    bot = await startTestBot({ GENERIC_WEBHOOK_SECRET: GENERIC_SECRET, SCHEDULER: 'off' }, {}, createLogger('info', { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) }));
    const running = bot;
    const name = new URL(running.config.database.client === 'postgres' ? running.config.database.connectionString : 'sqlite:x').pathname.slice(1);
    const admin = async (sql: string) => withAdminClient(process.env.TEST_DATABASE_URL ?? '', (client) => client.query(sql));
    // 200 events: more than the pages the file has room for.
    const body = JSON.stringify({ events: Array.from({ length: 200 }, (_, n) => ({ type: 'ticket.created', id: `full-${n}`, occurred_at: '2026-10-01T08:00:00Z', actor: { type: 'customer', id: `u-${n}` }, ticket: { id: `F-${n}`, status: 'new' } })) });
    const send = async () => {
      const res = await fetch(`${running.url}/webhooks/generic`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...standardWebhookHeaders(body, 'full-delivery') } });
      return { status: res.status, retryAfter: res.headers.get('retry-after'), text: await res.text() };
    };
    const reason = TEST_ENGINE === 'sqlite' ? 'the disk is full' : 'the database is read-only (a standby after a failover, or default_transaction_read_only)';
    if (TEST_ENGINE === 'sqlite') {
      const [row] = (await running.db.raw('PRAGMA page_count')) as { page_count: number }[];
      await running.db.raw(`PRAGMA max_page_count = ${row!.page_count}`);
    } else {
      await admin(`ALTER DATABASE ${name} SET default_transaction_read_only = on`);
      await admin(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${name}'`);
    }
    // A connection the server just ended may answer first as unreachable: the reason comes with the next.
    let refused = await send();
    for (let tries = 0; tries < 5 && !refused.text.includes('cannot store'); tries += 1) refused = await send();
    expect(refused.status).toBe(503);
    expect(refused.retryAfter).toBe('30');
    expect(JSON.parse(refused.text)).toEqual({ error: 'database_unavailable', message: `the database cannot store anything now (${reason}); nothing was stored: send it again later` });
    expect((await send()).status).toBe(503);
    const health = await fetch(`${running.url}/healthz`);
    expect(health.status).toBe(503);
    expect(await health.json()).toEqual({ status: 'unavailable', database: 'cannot_write', reason });
    expect(lines.filter((line) => line.msg === `request failed: the database cannot store anything: ${reason}`)).toHaveLength(1);
    expect(lines.filter((line) => line.level === 50 && line.msg === 'request failed')).toEqual([]);

    if (TEST_ENGINE === 'sqlite') await running.db.raw('PRAGMA max_page_count = 1073741823');
    else {
      await admin(`ALTER DATABASE ${name} RESET default_transaction_read_only`);
      await admin(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${name}'`);
    }
    let stored = await send();
    for (let tries = 0; tries < 5 && stored.status !== 200; tries += 1) stored = await send();
    expect(stored.status).toBe(200);
    expect(Number(((await running.db('tickets').count({ n: '*' }))[0] as { n: unknown }).n)).toBe(200);
  });

  it('GET /healthz tells how many posts to Slack are due and unsent, and how late the longest-waiting is; still 200', async () => {
    bot = await startTestBot({ SCHEDULER: 'off' });
    const outbox = new OutboxStore(bot.db);
    const now = Date.now();
    const message = { text: 'x', blocks: [] };
    await outbox.enqueue({ dedupeKey: 'h1', kind: 'digest', target: 'C1', message, notBefore: now - 600_000 }, now - 600_000);
    await outbox.enqueue({ dedupeKey: 'h2', kind: 'sla_breach', target: 'C2', message, notBefore: now - 60_000 }, now - 60_000);
    // Held by quiet hours for an hour: not due.
    await outbox.enqueue({ dedupeKey: 'h3', kind: 'sla_breach', target: 'C3', message, notBefore: now + 3_600_000 }, now);
    const health = await fetch(`${bot.url}/healthz`);
    expect(health.status).toBe(200);
    const body = (await health.json()) as { outbox: { due: number; late_seconds: number } };
    expect(body).toMatchObject({ status: 'ok', database: 'ok', outbox: { due: 2 } });
    expect(body.outbox.late_seconds).toBeGreaterThanOrEqual(600);
    expect(body.outbox.late_seconds).toBeLessThan(660);
  });

  it('answers unknown paths, wrong methods and unknown sources with a JSON reason', async () => {
    bot = await startTestBot();
    const missing = await fetch(`${bot.url}/nowhere`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: 'not_found', message: 'nothing at /nowhere' });

    // A helpdesk may check the webhook URL with a GET first.
    expect(await (await fetch(`${bot.url}/webhooks/zohodesk`)).json()).toEqual({ ok: true, source: 'zohodesk' });
    expect((await fetch(`${bot.url}/webhooks/nosuchdesk`)).status).toBe(404);

    const wrongMethod = await fetch(`${bot.url}/healthz`, { method: 'POST' });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('GET');
    expect(await wrongMethod.json()).toMatchObject({ error: 'method_not_allowed' });

    const unknownSource = await fetch(`${bot.url}/webhooks/nosuchdesk`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    expect(unknownSource.status).toBe(404);
    expect(await unknownSource.json()).toMatchObject({ error: 'unknown_source' });

    // Slack's endpoint exists only in HTTP mode.
    expect((await fetch(`${bot.url}/slack/events`, { method: 'POST', body: '{}' })).status).toBe(404);
  });

  it('survives a malformed HTTP request and keeps serving', async () => {
    bot = await startTestBot();
    const { port } = new URL(bot.url);
    const net = await import('node:net');
    const reply = await new Promise<string>((resolve) => {
      const socket = net.connect(Number(port), '127.0.0.1', () => socket.write('NOT-HTTP \x00\r\n\r\n'));
      let text = '';
      socket.on('data', (chunk) => (text += chunk.toString()));
      socket.on('close', () => resolve(text));
    });
    expect(reply).toMatch(/^HTTP\/1\.1 400/);
    expect((await fetch(`${bot.url}/healthz`)).status).toBe(200);
  });

  describe('Slack HTTP mode', () => {
    const sign = (body: string, timestamp: number, secret = SIGNING_SECRET) =>
      `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;

    it('checks the token with auth.test at start, through SLACK_API_URL', async () => {
      slack = await startFakeSlack();
      bot = await startTestBot({ SLACK_BOT_TOKEN: 'xoxb-test', SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: slack.url });
      expect(bot.slack.mode).toBe('http');
      expect(slack.callsTo('auth.test')).toHaveLength(1);
      expect(slack.callsTo('auth.test')[0]?.token).toBe('xoxb-test');
    });

    it('refuses to start when Slack rejects the token', async () => {
      slack = await startFakeSlack();
      slack.answer('auth.test', () => ({ body: { ok: false, error: 'invalid_auth' } }));
      await expect(startTestBot({ SLACK_BOT_TOKEN: 'xoxb-bad', SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: slack.url })).rejects.toThrow(
        /Slack refused the bot token or could not be reached: .*invalid_auth/,
      );
    });

    it('says in the log, once a minute, that Slack\'s requests are refused and which variable to check; a webhook source not configured too; a scanner\'s path not at warn', async () => {
      slack = await startFakeSlack();
      const lines: Record<string, unknown>[] = [];
      bot = await startTestBot({ SLACK_BOT_TOKEN: 'xoxb-test', SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: slack.url, LOG_LEVEL: 'debug' }, {}, createLogger('debug', { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) }));
      const body = 'command=%2Fkpi&text=backlog';
      const now = Math.floor(Date.now() / 1000);
      for (let n = 0; n < 3; n += 1) {
        const refused = await fetch(`${bot.url}/slack/events`, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': String(now), 'x-slack-signature': sign(body, now, 'f'.repeat(32)) } });
        expect(refused.status).toBe(401);
      }
      expect((await fetch(`${bot.url}/webhooks/intercom`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } })).status).toBe(503);
      expect((await fetch(`${bot.url}/wp-login.php`)).status).toBe(404);
      const refusals = lines.filter((line) => line.msg === 'request refused');
      expect(refusals.map((line) => [line.level, line.path, line.code])).toEqual([['warn', '/slack/events', 'bad_signature'], ['warn', '/webhooks/intercom', 'source_not_configured']]);
      expect(refusals.some((line) => line.level === 'warn' && line.path === 'other')).toBe(false);
      expect(String(refusals[0]?.detail)).toContain('check SLACK_SIGNING_SECRET');
      expect(String(refusals[1]?.detail)).toContain('set INTERCOM_CLIENT_SECRET');
      expect(JSON.stringify(lines)).not.toContain(SIGNING_SECRET);
    });

    it('serves POST /slack/events on the same port, with Slack\'s signature checked', async () => {
      slack = await startFakeSlack();
      bot = await startTestBot({ SLACK_BOT_TOKEN: 'xoxb-test', SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: slack.url });
      const body = JSON.stringify({ type: 'url_verification', token: 'x', challenge: 'challenge-123' });
      const now = Math.floor(Date.now() / 1000);
      const post = (signature: string, timestamp: number) =>
        fetch(`${bot?.url}/slack/events`, {
          method: 'POST',
          body,
          headers: { 'content-type': 'application/json', 'x-slack-request-timestamp': String(timestamp), 'x-slack-signature': signature },
        });

      const good = await post(sign(body, now), now);
      expect(good.status).toBe(200);
      expect(await good.text()).toContain('challenge-123');

      expect((await post(sign(body, now, 'f'.repeat(32)), now)).status).toBe(401);
      expect((await post(sign(body, now - 600), now - 600)).status).toBe(401);
      // The webhooks and health check still share the port.
      expect((await fetch(`${bot.url}/healthz`)).status).toBe(200);
    });
  });
});
