import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { engineOf, openDatabase, type Database } from '../../src/store/database.js';
import { OutboxStore } from '../../src/store/outbox-store.js';
import { OutboxSender } from '../../src/schedule/sender.js';
import { outboxWatchJob } from '../../src/schedule/jobs.js';
import { createPostingClient, webClientPoster } from '../../src/slack/poster.js';
import { createLogger, silentLogger } from '../../src/logger.js';
import { createTestDatabase, TEST_ENGINE, type TestDatabase } from '../helpers/databases.js';
import { startFakeSlack, type FakeSlack } from '../helpers/fake-slack.js';
import { deliveryFailureMessage } from '../../src/slack/blocks/alerts.js';

const T0 = Date.UTC(2026, 10, 23, 9, 0, 0);
const message = (text: string) => ({ text, blocks: [{ type: 'section' as const, text: { type: 'mrkdwn' as const, text } }] });

describe(`the outbox and its sender on ${TEST_ENGINE}`, () => {
  let testDb: TestDatabase;
  let db: Database;
  let slack: FakeSlack;
  let now: number;
  const clock = () => now;
  let store: OutboxStore;

  const sender = (admins: string[] = []) =>
    new OutboxSender({ store, poster: webClientPoster(createPostingClient('xoxb-test', slack.url)), clock, logger: silentLogger(), admins, locale: 'en' });

  beforeAll(async () => {
    testDb = await createTestDatabase({ migrated: true });
    db = openDatabase(testDb.config);
    slack = await startFakeSlack();
  });
  afterAll(async () => {
    await slack.close();
    await db.destroy();
    await testDb.dispose();
  });
  beforeEach(() => {
    now = T0;
    store = new OutboxStore(db);
    slack.calls.length = 0;
    slack.answer('chat.postMessage', (call) => ({ body: { ok: true, channel: call.args.channel, ts: `${Date.now()}.000100` } }));
    slack.answer('conversations.open', (call) => ({ body: { ok: true, channel: { id: `D${String(call.args.users)}` } } }));
  });
  afterEach(async () => {
    await db('alert_outbox').delete();
  });

  it('a key enqueued twice is one row, posted once; a restarted sender does not post it again', async () => {
    expect(await store.enqueue({ dedupeKey: 'k1', kind: 'sla_breach', target: 'C1', message: message('one'), notBefore: now }, now)).toBe(true);
    expect(await store.enqueue({ dedupeKey: 'k1', kind: 'sla_breach', target: 'C1', message: message('one again'), notBefore: now }, now)).toBe(false);
    expect(await sender().deliverDue()).toMatchObject({ sent: 1 });
    now += 120_000;
    expect(await sender().deliverDue()).toMatchObject({ sent: 0 });
    expect(slack.callsTo('chat.postMessage').map((call) => call.args.text)).toEqual(['one']);
    expect(await store.byKey('k1')).toMatchObject({ state: 'sent', messageChannelId: 'C1', attempts: 1 });
  });

  it('a post Slack took while the database could not record it is recorded at the next pass, and not posted again', async () => {
    await store.enqueue({ dedupeKey: 'away', kind: 'sla_breach', target: 'C1', message: message('once'), notBefore: now }, now);
    // The database refuses to mark any post sent (as it would while unreachable), and then comes back.
    if (engineOf(db) === 'sqlite') {
      await db.raw("create trigger no_sent before update on alert_outbox when new.state = 'sent' begin select raise(abort, 'database away'); end");
    } else {
      await db.raw("create or replace function no_sent() returns trigger language plpgsql as $$ begin raise exception 'database away'; end $$");
      await db.raw("create trigger no_sent before update on alert_outbox for each row when (new.state = 'sent') execute function no_sent()");
    }
    const one = sender();
    try {
      await expect(one.deliverDue()).rejects.toThrow(/database away/);
    } finally {
      await db.raw(engineOf(db) === 'sqlite' ? 'drop trigger no_sent' : 'drop trigger no_sent on alert_outbox');
    }
    expect(slack.callsTo('chat.postMessage')).toHaveLength(1);
    // Past the row's claim: the same sender records it before it claims anything, and posts nothing again; so does
    // a sender that is stopping (its last pass records, and claims nothing).
    now += 120_000;
    one.halt();
    expect(await one.deliverDue()).toMatchObject({ sent: 0, failed: 0 });
    expect(slack.callsTo('chat.postMessage')).toHaveLength(1);
    expect(await store.byKey('away')).toMatchObject({ state: 'sent', messageChannelId: 'C1', attempts: 1, lastError: null });
  });

  it('a user id is posted as a DM through conversations.open', async () => {
    await store.enqueue({ dedupeKey: 'dm', kind: 'sla_breach', target: 'U123', message: message('to you'), notBefore: now }, now);
    await sender().deliverDue();
    expect(slack.callsTo('conversations.open')[0]?.args.users).toBe('U123');
    expect(slack.callsTo('chat.postMessage')[0]?.args.channel).toBe('DU123');
  });

  it('a DM channel is opened once per person and remembered, up to a bound (an eNPS pulse to a large channel): past it, the remembered are forgotten and opened again', async () => {
    const poster = webClientPoster(createPostingClient('xoxb-test', slack.url), 3);
    const opened = () => slack.callsTo('conversations.open').map((call) => call.args.users);
    await poster.post('UA', message('1'));
    await poster.post('UA', message('2'));
    expect(opened()).toEqual(['UA']);
    await poster.post('UB', message('3'));
    await poster.post('UC', message('4'));
    await poster.post('UA', message('5'));
    expect(opened()).toEqual(['UA', 'UB', 'UC']);
    // A fourth person: the three remembered are forgotten first.
    await poster.post('UD', message('6'));
    await poster.post('UA', message('7'));
    await poster.post('UD', message('8'));
    expect(opened()).toEqual(['UA', 'UB', 'UC', 'UD', 'UA']);
    expect(slack.callsTo('chat.postMessage').map((call) => call.args.channel)).toEqual(['DUA', 'DUA', 'DUB', 'DUC', 'DUA', 'DUD', 'DUA', 'DUD']);
  });

  it('a row is not posted before its time', async () => {
    await store.enqueue({ dedupeKey: 'later', kind: 'digest', target: 'C1', message: message('later'), notBefore: now + 60_000 }, now);
    expect(await sender().deliverDue()).toMatchObject({ sent: 0 });
    now += 60_000;
    expect(await sender().deliverDue()).toMatchObject({ sent: 1 });
  });

  it('a 429 with Retry-After is waited out, then the row is delivered once', async () => {
    let first = true;
    slack.answer('chat.postMessage', (call) => {
      if (first) {
        first = false;
        return { status: 429, headers: { 'retry-after': '3' }, body: { ok: false, error: 'ratelimited' } };
      }
      return { body: { ok: true, channel: call.args.channel, ts: '1.1' } };
    });
    await store.enqueue({ dedupeKey: 'rl', kind: 'sla_breach', target: 'C1', message: message('limited'), notBefore: now }, now);
    const s = sender();
    expect(await s.deliverDue()).toMatchObject({ retried: 1, sent: 0 });
    expect(await store.byKey('rl')).toMatchObject({ state: 'pending', nextAttemptAt: T0 + 3000, lastError: 'ratelimited' });
    now += 2000;
    expect(await s.deliverDue()).toMatchObject({ sent: 0 });
    now += 1000;
    expect(await s.deliverDue()).toMatchObject({ sent: 1 });
    now += 60_000;
    expect(await s.deliverDue()).toMatchObject({ sent: 0 });
    expect(slack.callsTo('chat.postMessage')).toHaveLength(2);
    // The 429 was Slack's pacing, not a failed attempt: only the post counts towards the 10 attempts.
    expect(await store.byKey('rl')).toMatchObject({ state: 'sent', attempts: 1 });
  });

  it('the watch says when posts run late, by when each first fell due (a put-back does not hide it): warn from 5 min, error from 30, every 15 min, then once on time again', async () => {
    // Slack holds the app back with a 429 every time: each pass puts the rows back for later.
    let limited = true;
    slack.answer('chat.postMessage', (call) => (limited ? { status: 429, headers: { 'retry-after': '60' }, body: { ok: false, error: 'ratelimited' } } : { body: { ok: true, channel: call.args.channel, ts: '1.1' } }));
    for (const n of [1, 2, 3]) await store.enqueue({ dedupeKey: `late${n}`, kind: 'digest', target: `CLATE${n}`, message: message(`late ${n}`), notBefore: T0 }, T0);
    // A post held by quiet hours until later is not late.
    await store.enqueue({ dedupeKey: 'quiet', kind: 'sla_breach', target: 'CQUIET', message: message('quiet'), notBefore: T0 + 3 * 3600_000 }, T0);
    const lines: { level: string; msg: string; due?: number; lateMinutes?: number; oldestDueAt?: string }[] = [];
    const watch = outboxWatchJob(store, createLogger('info', { write: (line: string) => void lines.push(JSON.parse(line) as (typeof lines)[number]) }));
    const s = sender();
    const MIN = 60_000;
    for (let minute = 0; minute <= 35; minute += 1) {
      now = T0 + minute * MIN;
      await s.deliverDue();
      await watch.run(now);
      if (minute === 4) {
        expect(lines).toEqual([]);
        expect(await store.backlog(now)).toEqual({ due: 3, oldestDueAt: T0 });
        // Every row was put back past its due time, still late by that time.
        expect((await store.all()).filter((row) => row.target.startsWith('CLATE')).every((row) => row.nextAttemptAt > T0)).toBe(true);
      }
    }
    expect(lines.map((line) => [line.level, line.lateMinutes, line.due, line.oldestDueAt])).toEqual([
      ['warn', 5, 3, new Date(T0).toISOString()],
      ['warn', 20, 3, new Date(T0).toISOString()],
      ['error', 35, 3, new Date(T0).toISOString()],
    ]);
    expect(lines[0]?.msg).toContain('kpibot outbox --waiting');
    // Slack takes posts again: once they are out, one line says so, and no more.
    limited = false;
    now += 2 * MIN;
    await s.deliverDue();
    await watch.run(now);
    now += MIN;
    await watch.run(now);
    expect(lines.slice(3).map((line) => [line.level, line.msg, line.due])).toEqual([['info', 'outbox: posts to Slack are on time again', 0]]);
    expect(await store.backlog(now)).toEqual({ due: 0, oldestDueAt: null });
  });

  it('a transient error is retried with backoff', async () => {
    let failures = 2;
    slack.answer('chat.postMessage', (call) => (failures-- > 0 ? { status: 503, body: { ok: false } } : { body: { ok: true, channel: call.args.channel, ts: '1.2' } }));
    await store.enqueue({ dedupeKey: 'tr', kind: 'sla_breach', target: 'C1', message: message('flaky'), notBefore: now }, now);
    const s = sender();
    await s.deliverDue();
    expect(await store.byKey('tr')).toMatchObject({ state: 'pending', nextAttemptAt: T0 + 5000, lastError: 'http_503' });
    now += 5000;
    await s.deliverDue();
    expect(await store.byKey('tr')).toMatchObject({ state: 'pending', nextAttemptAt: T0 + 5000 + 10_000 });
    now += 10_000;
    await s.deliverDue();
    expect(await store.byKey('tr')).toMatchObject({ state: 'sent', attempts: 3 });
  });

  it('a permanent error is recorded with its reason and reported to each admin once', async () => {
    slack.answer('chat.postMessage', (call) => (call.args.channel === 'CGONE' ? { body: { ok: false, error: 'channel_not_found' } } : { body: { ok: true, channel: call.args.channel, ts: '1.3' } }));
    await store.enqueue({ dedupeKey: 'p1', kind: 'sla_breach', target: 'CGONE', message: message('lost'), notBefore: now }, now);
    await store.enqueue({ dedupeKey: 'p2', kind: 'sla_warning', target: 'CGONE', message: message('lost too'), notBefore: now }, now);
    const s = sender(['UADMIN1']);
    expect(await s.deliverDue()).toMatchObject({ failed: 1, deferred: 1 });
    now += 1000;
    expect(await s.deliverDue()).toMatchObject({ failed: 1, sent: 1 });
    now += 1000;
    await s.deliverDue();
    expect(await store.byKey('p1')).toMatchObject({ state: 'failed', lastError: 'channel_not_found' });
    expect(await store.byKey('p2')).toMatchObject({ state: 'failed', lastError: 'channel_not_found' });
    const reports = slack.callsTo('chat.postMessage').filter((call) => call.args.channel === 'DUADMIN1');
    expect(reports).toHaveLength(1);
    expect(String(reports[0]?.args.text)).toContain('channel_not_found');
    expect(String(reports[0]?.args.text)).toContain('Check that the channel still exists and that the bot is invited to it.');
    // The next day, the same channel failing again is said again (an archived alert channel is not told once for good).
    now += 24 * 3_600_000;
    await store.enqueue({ dedupeKey: 'p3', kind: 'sla_breach', target: 'CGONE', message: message('lost again'), notBefore: now }, now);
    await s.deliverDue();
    now += 1000;
    await s.deliverDue();
    expect(slack.callsTo('chat.postMessage').filter((call) => call.args.channel === 'DUADMIN1')).toHaveLength(2);
  });

  it('the SDK\'s own lines on a refused post (Slack\'s messages) are JSON lines of our log, not plain text on stdout', async () => {
    slack.answer('chat.postMessage', () => ({ body: { ok: false, error: 'invalid_blocks', response_metadata: { messages: ['[ERROR] must be more than 0 characters [json-pointer:/blocks/0/text/text]'] } } }));
    const lines: string[] = [];
    const client = createPostingClient('xoxb-test', slack.url, createLogger('warn', { write: (line: string) => void lines.push(line) }));
    await expect(webClientPoster(client).post('C1', { text: 'x', blocks: [] })).rejects.toMatchObject({ reason: 'invalid_blocks' });
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(JSON.parse(line)).toMatchObject({ component: 'slack' });
    expect(lines.join('\n')).toContain('must be more than 0 characters');
  });

  it('the report\'s advice follows Slack\'s reason: a revoked token is not a channel to check', () => {
    const text = (reason: string, locale: 'en' | 'tr' = 'en') => String(deliveryFailureMessage({ target: 'C1', reason, kind: 'digest' }, locale).text);
    expect(text('invalid_auth')).toContain('SLACK_BOT_TOKEN');
    expect(text('invalid_auth')).not.toContain('invited');
    expect(text('cannot_dm_bot')).toContain('be a bot');
    expect(text('invalid_blocks')).toContain('The bot\'s log has the details.');
    expect(text('token_revoked', 'tr')).toContain('SLACK_BOT_TOKEN');
  });

  it('posts to one channel are paced to one a second; other channels are not held', async () => {
    for (const n of [1, 2, 3]) await store.enqueue({ dedupeKey: `pace${n}`, kind: 'digest', target: 'CBUSY', message: message(`busy ${n}`), notBefore: now }, now);
    await store.enqueue({ dedupeKey: 'other', kind: 'digest', target: 'COTHER', message: message('other'), notBefore: now }, now);
    const s = sender();
    expect(await s.deliverDue()).toMatchObject({ sent: 2, deferred: 2 });
    now += 500;
    expect(await s.deliverDue()).toMatchObject({ sent: 0 });
    now += 500;
    expect(await s.deliverDue()).toMatchObject({ sent: 1, deferred: 1 });
    now += 1000;
    expect(await s.deliverDue()).toMatchObject({ sent: 1 });
    expect(slack.callsTo('chat.postMessage').map((call) => call.args.text)).toEqual(['busy 1', 'other', 'busy 2', 'busy 3']);
  });

  it('keeps a workspace-wide gap between any two posts, waiting inside the pass', async () => {
    for (const n of [1, 2, 3]) await store.enqueue({ dedupeKey: `gap${n}`, kind: 'digest', target: `CGAP${n}`, message: message(`gap ${n}`), notBefore: now }, now);
    const waits: number[] = [];
    const s = new OutboxSender({
      store, poster: webClientPoster(createPostingClient('xoxb-test', slack.url)), clock, logger: silentLogger(), admins: [], locale: 'en', workspaceGapMs: 200,
      sleep: async (ms) => {
        waits.push(ms);
        now += ms;
      },
    });
    expect(await s.deliverDue()).toMatchObject({ sent: 3 });
    expect(waits).toEqual([200, 200]);
    expect(now).toBe(T0 + 400);
  });

  it('two senders that overlap (a long pass against a slow Slack outlives its claims) post each row once: a lapsed claim taken by the other is skipped', async () => {
    for (const text of ['r1', 'r2', 'r3']) await store.enqueue({ dedupeKey: text, kind: 'digest', target: `C${text}`, message: message(text), notBefore: now }, now);
    const posts: string[] = [];
    const fast = new OutboxSender({ store, clock, logger: silentLogger(), admins: [], locale: 'en', claimMs: 60_000, poster: {
      post: async (target, sent) => (posts.push(`fast:${sent.text}`), { channel: target, ts: '1.1' }),
      update: async () => undefined,
    } });
    // Each post takes 40 s: by r2 the batch's claim on r3 (60 s) has lapsed, and the other sender, running then, takes it.
    const slow = new OutboxSender({ store, clock, logger: silentLogger(), admins: [], locale: 'en', claimMs: 60_000, poster: {
      post: async (target, sent) => {
        now += 40_000;
        if (sent.text === 'r2') await fast.deliverDue();
        posts.push(`slow:${sent.text}`);
        return { channel: target, ts: '1.2' };
      },
      update: async () => undefined,
    } });
    await slow.deliverDue();
    expect(posts).toEqual(['slow:r1', 'fast:r3', 'slow:r2']);
    expect((await store.all()).map((row) => [row.dedupeKey, row.state, row.attempts])).toEqual([['r1', 'sent', 1], ['r2', 'sent', 1], ['r3', 'sent', 1]]);
  });

  it('a row claimed by a process that died is delivered after the claim expires, not dropped', async () => {
    await store.enqueue({ dedupeKey: 'orphan', kind: 'sla_breach', target: 'C1', message: message('orphan'), notBefore: now }, now);
    const claimed = await store.claimDue(now, 10, 60_000, 'sender:dead');
    expect(claimed).toHaveLength(1);
    // The claimer dies here. Another pass before the claim expires leaves it alone...
    expect(await sender().deliverDue()).toMatchObject({ sent: 0 });
    now += 60_000;
    expect(await sender().deliverDue()).toMatchObject({ sent: 1 });
  });
});
