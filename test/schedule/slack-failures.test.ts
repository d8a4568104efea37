/**
 * The bot against a misbehaving Slack Web API: the real bot (`startBot`, or
 * the built `kpibot start` for the token test) on a real database, its real
 * stores, outbox sender, scheduler and Bolt HTTP receiver, with SLACK_API_URL
 * pointing at a "front" on loopback that this file puts before the fake Slack
 * (test/helpers/fake-slack.ts): the front records when each call arrives and
 * can hold an answer back (a slow Slack) or close the socket (a network
 * failure); the fake answers each method as a test says (errors, 429s). No
 * module of the project is mocked. Time is the real one where the test is
 * about seconds (Retry-After, a slow Slack, a stop), and the bot's own clock
 * option (`StartOptions.clock`, ticks driven with `jobs.scheduler.tick()`)
 * where it is about minutes (backoff up to 10 attempts).
 *
 * The oracles are the project's docs:
 * - docs/alerts.md, "Delivery: the outbox": one row per post; ok → sent;
 *   "429 Retry-After: n — every post of this process waits n s; the row is
 *   retried then"; "5xx, network error, service_unavailable, internal_error… —
 *   retried after 5 s, 10 s, 20 s… (at most 10 min), failed after 10
 *   attempts"; "channel_not_found, not_in_channel, is_archived,
 *   user_not_found, user_disabled… — failed at once with the
 *   reason; each KPI_ADMINS user gets one DM per destination and reason";
 *   "A restart never re-sends a row marked sent and never drops a pending
 *   one", with one stated exception (a process that dies after Slack accepted
 *   a post); SLA alerts go to the team's channel and by DM to the assignee.
 * - docs/slack.md, "Speed": "Every command and click is acknowledged first",
 *   Slack wanting that within 3 seconds.
 * - docs/architecture.md: after a webhook's commit the server answers 2xx,
 *   then escalation alerts are decided and posted; on SIGTERM, requests in
 *   flight finish (up to SHUTDOWN_GRACE_SECONDS) before the database closes.
 * - README.md: logs are JSON lines on standard output; secrets are never logged.
 * Slack's documentation, for the failures reproduced: errors usually come as
 * HTTP 200 with `ok: false` and a code; a rate-limited call is HTTP 429 with
 * Retry-After in seconds, limits being per method, app and workspace, and
 * posting about one message a second per channel; internal_error and
 * fatal_error are failures on Slack's side; account_inactive, invalid_auth
 * and token_revoked concern the token itself; user_not_found, user_disabled
 * and cannot_dm_bot come from opening a DM.
 *
 * Readings chosen where the docs leave room:
 * 1. "Retried after 5 s, 10 s, 20 s…" counts from the failed attempt; the
 *    gaps double up to 10 min and no attempt comes earlier.
 * 2. fatal_error, request_timeout, HTTP 500/502/504 and a closed socket are
 *    in the "5xx, network error, … internal_error…" row (transient).
 * 3. too_many_attachments, restricted_action, invalid_blocks and
 *    msg_too_long are in the "…" of the permanent row: a message Slack refuses
 *    will be refused again, so it is not retried.
 * 4. cannot_dm_bot and user_disabled (opening an assignee's DM) are permanent
 *    like user_not_found: the DM's row fails with the reason, admins are told,
 *    and the channel alert for the same ticket still goes out once.
 * 5. A delivery given up after 10 attempts has failed permanently, so
 *    KPI_ADMINS ("also who is told about permanent delivery failures") are
 *    told, as for a permanent error; and each give-up is logged at error level
 *    naming the destination and the reason.
 * 6. "Every post of this process waits n s" includes posts to other channels
 *    and DMs; within one channel, posts keep the order they were written in
 *    across that wait.
 * 7. A clean stop (SIGTERM, `stop()`) is not a death: a post Slack is still
 *    answering when the stop begins, within SHUTDOWN_GRACE_SECONDS, is recorded
 *    as sent, so the next start does not post it again.
 * 8. With the token refused (invalid_auth, token_revoked) the bot does what
 *    the table says: no row is failed or counted, every post waits (1 min,
 *    doubling to 15 min), it keeps running, logs the reason at error level
 *    once per wait, and once the token is fixed and the bot restarted, posts
 *    each row once.
 * 9. While Slack is slow (answers taking seconds), /healthz and webhooks
 *    answer within a second and /kpi is acknowledged within Slack's 3 s.
 * 10. "Posts are paced: one per channel (or DM) a second" with "the leader's
 *    sender (every second)": a backlog in one channel goes out at about one
 *    post a second (each gap 0.9-1.5 s), not more slowly.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { startBot, type RunningBot, type StartOptions } from '../../src/app.js';
import { createLogger, type Logger } from '../../src/logger.js';
import { openDatabase, type Database } from '../../src/store/database.js';
import { migrateLatest } from '../../src/store/migrations.js';
import { IngestStore } from '../../src/store/ingest-store.js';
import { SlaStore } from '../../src/store/sla-store.js';
import { AlertStore } from '../../src/store/alert-store.js';
import { OutboxStore, type OutboxRow } from '../../src/store/outbox-store.js';
import { DEFAULT_PROJECTION_OPTIONS } from '../../src/ingest/project-ticket.js';
import { ticketEvent, type TicketEvent } from '../../src/ingest/events.js';
import { createTestDatabase, TEST_ENGINE, type TestDatabase } from '../helpers/databases.js';
import { startFakeSlack, type FakeAnswer, type FakeSlack } from '../helpers/fake-slack.js';
import { startKpibot, type RunningKpibot } from '../helpers/process.js';
import { postButtonClick, postSlashCommand, SIGNING_SECRET } from '../helpers/slack-requests.js';
import { GENERIC_SECRET, postWebhook, standardWebhookHeaders } from '../helpers/webhooks.js';

const SEC = 1000;
const MIN = 60 * SEC;
const HOUR = 60 * MIN;
const TOKEN = 'xoxb-slackfail-0000-never-in-a-log';
const ADMIN = 'U0000ADMIN';
const ADMIN2 = 'U0000ADMN2';
const SECRETS = [TOKEN, SIGNING_SECRET, GENERIC_SECRET];

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `probe` until it is true, or fails after `timeoutMs` naming `what`. */
async function until(what: string, probe: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await sleep(25);
  }
}

// ---------------------------------------------------------------------------
// A front before the fake Slack: records each call's arrival (method, time,
// arguments) and passes it on, answers late, or closes the socket unanswered.

type FrontAction = 'pass' | 'drop' | { readonly answerAfterMs: number };

interface Arrival {
  readonly method: string;
  readonly at: number;
  readonly args: Readonly<Record<string, string>>;
}

interface SlackFront {
  /** SLACK_API_URL for the bot. */
  readonly url: string;
  /** A response URL (slash command) that goes through this front to the fake. */
  responseUrl(id: string): string;
  readonly arrivals: Arrival[];
  /** How calls to `method` are handled from now on (default: passed on at once). */
  treat(method: string, action: (args: Readonly<Record<string, string>>) => FrontAction): void;
  close(): Promise<void>;
}

function argsOf(text: string, contentType: string): Record<string, string> {
  if (contentType.includes('application/json')) {
    try {
      return Object.fromEntries(Object.entries(JSON.parse(text) as Record<string, unknown>).map(([key, value]) => [key, typeof value === 'string' ? value : JSON.stringify(value)]));
    } catch {
      return {};
    }
  }
  return Object.fromEntries(new URLSearchParams(text));
}

async function startSlackFront(fake: FakeSlack): Promise<SlackFront> {
  const upstream = new URL(fake.url).origin;
  const arrivals: Arrival[] = [];
  const actions = new Map<string, (args: Readonly<Record<string, string>>) => FrontAction>();
  const server = createServer((req, res) => {
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const body = Buffer.concat(chunks);
      const path = (req.url ?? '').split('?')[0] ?? '';
      const method = path.startsWith('/response/') ? 'response_url' : path.replace(/^\/api\//, '');
      const args = argsOf(body.toString('utf8'), String(req.headers['content-type'] ?? ''));
      arrivals.push({ method, at: Date.now(), args });
      const action = actions.get(method)?.(args) ?? 'pass';
      if (action === 'drop') {
        req.socket.destroy();
        return;
      }
      const headers: Record<string, string> = {};
      for (const name of ['content-type', 'authorization']) {
        const value = req.headers[name];
        if (typeof value === 'string') headers[name] = value;
      }
      // Slack sees (and the fake records) the call now; the answer may come later.
      const answer = await fetch(`${upstream}${req.url ?? ''}`, { method: 'POST', headers, body });
      const text = await answer.text();
      if (action !== 'pass') await sleep(action.answerAfterMs);
      const out: Record<string, string> = { 'content-type': answer.headers.get('content-type') ?? 'application/json' };
      const retryAfter = answer.headers.get('retry-after');
      if (retryAfter !== null) out['retry-after'] = retryAfter;
      if (!res.destroyed) {
        res.writeHead(answer.status, out);
        res.end(text);
      }
    })().catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/`,
    responseUrl: (id) => `http://127.0.0.1:${port}/response/${id}`,
    arrivals,
    treat: (method, action) => actions.set(method, action),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

// ---------------------------------------------------------------------------
// Logs kept in memory, as JSON lines.

interface MemoryLog {
  readonly logger: Logger;
  readonly lines: string[];
  records(): Record<string, unknown>[];
}

function memoryLog(): MemoryLog {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter((line) => line !== ''));
      done();
    },
  });
  return { logger: createLogger('debug', stream), lines, records: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

// ---------------------------------------------------------------------------
// Seeding: an SLA policy (first response within 1 h), teams routed to alert
// channels, and tickets opened 2 h before `at`, some assigned to linked agents.

interface TicketSpec {
  readonly id: string;
  readonly team: string;
  /** The Slack user id the assignee is linked to; none: unassigned. */
  readonly assignee?: string;
}

async function seedBreaches(db: Database, at: number, routes: Record<string, string>, tickets: readonly TicketSpec[]): Promise<void> {
  await new SlaStore(db, () => at).addPolicy({ name: 'Everyone', firstResponseSeconds: 3600, businessHours: false, pauseStatuses: [] });
  const alerts = new AlertStore(db);
  for (const [team, channel] of Object.entries(routes)) await alerts.setTeamRouting(team, { alertChannelId: channel }, at);
  const email = (user: string) => `${user.toLowerCase()}@example.com`;
  const events: TicketEvent[] = [];
  tickets.forEach((ticket, n) => {
    const created = at - 2 * HOUR + n * MIN;
    events.push(ticketEvent(ticket.id, 'ticket_created', { occurredAt: created, dedupeKey: `${ticket.id}:created`, actor: { type: 'customer', id: `c-${ticket.id}` } }, { status: 'new', team: ticket.team, priority: 'normal', url: `https://help.example.com/t/${ticket.id}` }));
    if (ticket.assignee !== undefined) {
      events.push(ticketEvent(ticket.id, 'assignee_changed', { occurredAt: created + SEC, dedupeKey: `${ticket.id}:assigned` }, { assignee: { type: 'agent', id: `agent-${ticket.assignee}`, email: email(ticket.assignee), name: `Agent ${ticket.assignee}` } }));
    }
  });
  await new IngestStore(db, DEFAULT_PROJECTION_OPTIONS, () => at).recordEvents('generic', events);
  for (const ticket of tickets) if (ticket.assignee !== undefined) await db('agents').where({ email: email(ticket.assignee) }).update({ slack_user_id: ticket.assignee });
}

const message = (text: string) => ({ text, blocks: [{ type: 'section' as const, text: { type: 'mrkdwn' as const, text } }] });

// ---------------------------------------------------------------------------

interface Delivered {
  readonly channel: string;
  readonly text: string;
}

describe(`the bot when Slack's Web API fails, on ${TEST_ENGINE}`, () => {
  let fake: FakeSlack;
  let front: SlackFront;
  let testDb: TestDatabase;
  let log: MemoryLog;
  let bots: RunningBot[];
  let child: RunningKpibot | undefined;
  /** Every post Slack accepted, in order. */
  let delivered: Delivered[];
  /** How chat.postMessage fails for a channel (undefined: accepted), `n` counting the calls to that channel from 1. */
  let postFailure: (channel: string, n: number) => FakeAnswer | undefined;
  /** How conversations.open fails for a user (undefined: the DM opens as D<user>). */
  let openFailure: (user: string) => FakeAnswer | undefined;
  let now: number;
  /** Real time added to `now` (0: the clock moves only when a test moves it). */
  let drift: () => number;
  const clock = () => now + drift();
  const crashes: unknown[] = [];
  const onCrash = (error: unknown) => {
    crashes.push(error);
  };

  beforeEach(async () => {
    crashes.length = 0;
    process.on('uncaughtException', onCrash);
    process.on('unhandledRejection', onCrash);
    fake = await startFakeSlack();
    front = await startSlackFront(fake);
    testDb = await createTestDatabase({ migrated: true });
    log = memoryLog();
    bots = [];
    child = undefined;
    delivered = [];
    postFailure = () => undefined;
    openFailure = () => undefined;
    now = Math.floor(Date.now() / MIN) * MIN;
    drift = () => 0;
    const seen = new Map<string, number>();
    fake.answer('chat.postMessage', (call) => {
      const channel = String(call.args.channel);
      const n = (seen.get(channel) ?? 0) + 1;
      seen.set(channel, n);
      const failure = postFailure(channel, n);
      if (failure !== undefined) return failure;
      delivered.push({ channel, text: String(call.args.text) });
      return { body: { ok: true, channel, ts: `1700000000.${String(delivered.length).padStart(6, '0')}` } };
    });
    fake.answer('conversations.open', (call) => openFailure(String(call.args.users)) ?? { body: { ok: true, channel: { id: `D${String(call.args.users)}` } } });
    fake.answer('users.info', (call) => ({ body: { ok: true, user: { id: call.args.user, is_admin: false, is_owner: false, locale: 'en-US', profile: {} } } }));
  });

  afterEach(async () => {
    for (const bot of bots) await bot.stop().catch(() => undefined);
    if (child !== undefined && child.child.exitCode === null) {
      child.child.kill('SIGKILL');
      await child.exited;
    }
    await front.close();
    await fake.close();
    await testDb.dispose();
    process.off('uncaughtException', onCrash);
    process.off('unhandledRejection', onCrash);
    // Every secret stays out of every log line, whatever the test did.
    for (const line of log.lines) for (const secret of SECRETS) expect(line).not.toContain(secret);
    expect(crashes).toEqual([]);
  });

  /** The real bot on this test's database, in HTTP mode, with the scheduler driven by the test unless it calls `jobs.start()`. */
  async function startOurBot(options: StartOptions & { readonly env?: Record<string, string> } = {}): Promise<RunningBot> {
    const { env = {}, ...start } = options;
    const config = parseConfig({
      DATABASE_URL: testDb.url, HOST: '127.0.0.1', PORT: '0', SHUTDOWN_GRACE_SECONDS: '5',
      SLACK_BOT_TOKEN: TOKEN, SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: front.url, GENERIC_WEBHOOK_SECRET: GENERIC_SECRET,
      KPI_ADMINS: ADMIN, SLA_RENOTIFY_MAX: '0', SLA_ESCALATE_AFTER_MINUTES: '10080', LOG_LEVEL: 'debug', ...env,
    });
    const bot = await startBot(config, log.logger, { schedulerTimer: false, ...start });
    bots.push(bot);
    return bot;
  }

  /**
   * From now on the bot's clock also moves with real time. The sender waits
   * (for real) 200 ms between two posts and checks its clock again; a clock
   * that stands still would make it wait that long before every row of a pass.
   */
  function letClockRun(): void {
    const base = Date.now();
    drift = () => Date.now() - base;
  }

  /** Moves the bot's clock by `ms`, `times` times, ticking the scheduler after each move. */
  async function step(bot: RunningBot, ms: number, times = 1): Promise<void> {
    for (let i = 0; i < times; i += 1) {
      now += ms;
      await bot.jobs.scheduler.tick();
    }
  }

  /** The first tick runs the SLA sweep (the outbox job runs before it), the next one posts. */
  async function sweepThenPost(bot: RunningBot): Promise<void> {
    await bot.jobs.scheduler.tick();
    await step(bot, SEC);
  }

  const postsTo = (channel: string) => front.arrivals.filter((call) => call.method === 'chat.postMessage' && call.args.channel === channel);
  const deliveredTo = (channel: string) => delivered.filter((post) => post.channel === channel);
  const rows = (bot: RunningBot): Promise<OutboxRow[]> => new OutboxStore(bot.db).all();

  async function expectServing(bot: RunningBot): Promise<void> {
    const health = await fetch(`${bot.url}/healthz`);
    expect(health.status).toBe(200);
  }

  it('a 429 with Retry-After holds every post of the process for that long; then each alert reaches its channel and DM exactly once', async () => {
    const bot = await startOurBot();
    await seedBreaches(bot.db, Date.now(), { Billing: 'CBILLING', Support: 'CSUPPORT' }, [
      { id: 'T-1', team: 'Billing', assignee: 'UAYU' },
      { id: 'T-2', team: 'Support', assignee: 'UBOB' },
    ]);
    postFailure = (channel, n) => (channel === 'CBILLING' && n === 1 ? { status: 429, headers: { 'retry-after': '2' }, body: { ok: false, error: 'ratelimited' } } : undefined);
    bot.jobs.start();
    await until('four posts accepted', () => delivered.length >= 4, 12_000);
    await sleep(SEC); // a duplicate would come now

    const [limited, retried] = postsTo('CBILLING');
    expect(limited).toBeDefined();
    expect(retried).toBeDefined();
    // Nothing was posted, to any channel or DM, within the 2 s Slack asked for.
    const early = front.arrivals.filter((call) => call.method === 'chat.postMessage' && call.at > (limited?.at ?? 0) && call.at < (limited?.at ?? 0) + 2 * SEC);
    expect(early).toEqual([]);
    expect((retried?.at ?? 0) - (limited?.at ?? 0)).toBeGreaterThanOrEqual(2 * SEC);
    expect(delivered.map((post) => post.channel).sort()).toEqual(['CBILLING', 'CSUPPORT', 'DUAYU', 'DUBOB']);
    expect(deliveredTo('CBILLING')[0]?.text).toContain('T-1');
    expect(deliveredTo('CSUPPORT')[0]?.text).toContain('T-2');
    expect(front.arrivals.filter((call) => call.method === 'chat.postMessage')).toHaveLength(5);
    expect((await rows(bot)).map((row) => row.state)).toEqual(['sent', 'sent', 'sent', 'sent']);
    await expectServing(bot);
  });

  it('within one channel, posts keep their order across a 429; a post to another channel waits out the Retry-After too; none is posted twice', async () => {
    const bot = await startOurBot({ clock });
    const outbox = new OutboxStore(bot.db);
    for (const n of [1, 2, 3]) await outbox.enqueue({ dedupeKey: `digest:order:${n}`, kind: 'digest', target: 'CDIGEST', message: message(`digest ${n}`), notBefore: now }, now);
    await outbox.enqueue({ dedupeKey: 'digest:other', kind: 'digest', target: 'COTHER', message: message('other digest'), notBefore: now }, now);
    postFailure = (channel, n) => (channel === 'CDIGEST' && n === 1 ? { status: 429, headers: { 'retry-after': '3' }, body: { ok: false, error: 'ratelimited' } } : undefined);
    await bot.jobs.scheduler.tick();
    await step(bot, SEC, 2); // 2 s after the 429
    expect(delivered).toEqual([]);
    expect(front.arrivals.filter((call) => call.method === 'chat.postMessage')).toHaveLength(1);
    await step(bot, SEC, 10);
    await step(bot, HOUR);
    await step(bot, SEC, 3);
    expect(deliveredTo('CDIGEST').map((post) => post.text)).toEqual(['digest 1', 'digest 2', 'digest 3']);
    expect(deliveredTo('COTHER').map((post) => post.text)).toEqual(['other digest']);
    expect(postsTo('CDIGEST')).toHaveLength(4);
    expect((await rows(bot)).every((row) => row.state === 'sent')).toBe(true);
    await expectServing(bot);
  });

  it('a backlog in one channel drains at one post a second, as the pacing and the sender\'s one-second cadence say', async () => {
    const bot = await startOurBot();
    const outbox = new OutboxStore(bot.db);
    const at = Date.now();
    for (const n of [1, 2, 3, 4]) await outbox.enqueue({ dedupeKey: `digest:pace:${n}`, kind: 'digest', target: 'CPACE', message: message(`digest ${n}`), notBefore: at }, at);
    bot.jobs.start();
    await until('four posts', () => deliveredTo('CPACE').length === 4, 15_000);
    const times = postsTo('CPACE').map((call) => call.at);
    const gaps = times.slice(1).map((time, n) => time - (times[n] ?? 0));
    expect(deliveredTo('CPACE').map((post) => post.text)).toEqual(['digest 1', 'digest 2', 'digest 3', 'digest 4']);
    for (const gap of gaps) {
      expect(gap, `gaps ${gaps.join(', ')} ms`).toBeGreaterThanOrEqual(900);
      expect(gap, `gaps ${gaps.join(', ')} ms`).toBeLessThan(1500);
    }
    await expectServing(bot);
  });

  it('Slack-side and network failures (internal_error, fatal_error, service_unavailable, request_timeout, HTTP 500/502/504, a closed socket) are retried after 5 s and posted once', async () => {
    const failures: Record<string, FakeAnswer> = {
      CINTERNAL: { body: { ok: false, error: 'internal_error' } },
      CFATAL: { body: { ok: false, error: 'fatal_error' } },
      CUNAVAIL: { body: { ok: false, error: 'service_unavailable' } },
      CTIMEOUT: { body: { ok: false, error: 'request_timeout' } },
      CHTTP500: { status: 500, body: { ok: false } },
      CHTTP502: { status: 502, body: { ok: false } },
      CHTTP504: { status: 504, body: { ok: false } },
    };
    const channels = [...Object.keys(failures), 'CDROP'];
    const bot = await startOurBot({ clock });
    const outbox = new OutboxStore(bot.db);
    for (const channel of channels) await outbox.enqueue({ dedupeKey: `digest:${channel}`, kind: 'digest', target: channel, message: message(`digest for ${channel}`), notBefore: now }, now);
    postFailure = (channel, n) => (n === 1 ? failures[channel] : undefined);
    let dropped = false;
    front.treat('chat.postMessage', (args) => {
      if (args.channel !== 'CDROP' || dropped) return 'pass';
      dropped = true;
      return 'drop';
    });
    // Each channel fails once. The first outage (service_unavailable, the third row) holds the rest of the pass for
    // 5 s: those are tried then, and fail once in turn; internal_error and fatal_error hold nothing back.
    await bot.jobs.scheduler.tick();
    expect(channels.map((channel) => postsTo(channel).length)).toEqual([1, 1, 1, 0, 0, 0, 0, 0]);
    expect(delivered).toEqual([]);
    await step(bot, 4 * SEC);
    expect(channels.map((channel) => postsTo(channel).length), 'nothing more before 5 s').toEqual([1, 1, 1, 0, 0, 0, 0, 0]);
    for (let n = 0; n < 12; n += 1) await step(bot, SEC);
    await step(bot, HOUR);
    for (let n = 0; n < 12; n += 1) await step(bot, SEC);
    for (const channel of channels) {
      expect(postsTo(channel), channel).toHaveLength(2);
      expect(deliveredTo(channel), channel).toHaveLength(1);
    }
    for (const row of await rows(bot)) expect(row, row.target).toMatchObject({ state: 'sent', attempts: 2 });
    await expectServing(bot);
  });

  it('a post that keeps failing with 503 is tried 10 times, 5 s, 10 s, 20 s… apart (at most 10 min), then failed, logged and reported to the admin once; the DM of the same alert goes out', async () => {
    const bot = await startOurBot({ clock });
    await seedBreaches(bot.db, now, { Billing: 'CBILLING' }, [{ id: 'T-1', team: 'Billing', assignee: 'UAYU' }]);
    postFailure = (channel) => (channel === 'CBILLING' ? { status: 503, body: { ok: false, error: 'service_unavailable' } } : undefined);
    await sweepThenPost(bot);
    expect(postsTo('CBILLING')).toHaveLength(1);
    // A 503 is Slack out: every post waits 5 s; then the DM goes first, as its channel was not the one that failed.
    expect(deliveredTo('DUAYU')).toHaveLength(0);
    for (let attempt = 1; attempt < 10; attempt += 1) {
      const gap = Math.min(5 * SEC * 2 ** (attempt - 1), 10 * MIN);
      await step(bot, gap - SEC);
      expect(postsTo('CBILLING'), `attempt ${attempt + 1} not before ${gap / SEC} s`).toHaveLength(attempt);
      await step(bot, SEC);
      expect(postsTo('CBILLING'), `attempt ${attempt + 1} after ${gap / SEC} s`).toHaveLength(attempt + 1);
      expect(deliveredTo('DUAYU')).toHaveLength(1);
    }
    const channelRow = (await rows(bot)).find((row) => row.target === 'CBILLING');
    expect(channelRow).toMatchObject({ state: 'failed', attempts: 10 });
    expect(channelRow?.lastError).toMatch(/503|service_unavailable/);
    await step(bot, SEC, 3);
    await step(bot, HOUR);
    await step(bot, SEC, 3);
    expect(postsTo('CBILLING')).toHaveLength(10);
    const reports = deliveredTo(`D${ADMIN}`);
    expect(reports).toHaveLength(1);
    expect(reports[0]?.text).toContain('CBILLING');
    expect(deliveredTo('DUAYU')).toHaveLength(1);
    const gaveUp = log.records().filter((record) => record.level === 'error' && JSON.stringify(record).includes('CBILLING'));
    expect(gaveUp.length).toBeGreaterThanOrEqual(1);
    expect(JSON.stringify(gaveUp)).toMatch(/503|service_unavailable/);
    await expectServing(bot);
  });

  it('permanent errors (channel_not_found, not_in_channel, is_archived, invalid_blocks, msg_too_long, too_many_attachments, restricted_action) fail at once with the reason, are never retried, and each admin gets one DM per channel and reason; other channels are served', async () => {
    const codes: Record<string, string> = {
      CGONE: 'channel_not_found', CNOTIN: 'not_in_channel', CARCHIVED: 'is_archived', CBLOCKS: 'invalid_blocks',
      CLONG: 'msg_too_long', CATTACH: 'too_many_attachments', CRESTRICT: 'restricted_action',
    };
    const bot = await startOurBot({ clock, env: { KPI_ADMINS: `${ADMIN},${ADMIN2}` } });
    letClockRun();
    const routes: Record<string, string> = { Healthy: 'CGOOD' };
    const tickets: TicketSpec[] = [{ id: 'T-GOOD', team: 'Healthy' }, { id: 'T-GONE-2', team: 'Team CGONE' }];
    for (const channel of Object.keys(codes)) {
      routes[`Team ${channel}`] = channel;
      tickets.push({ id: `T-${channel}`, team: `Team ${channel}` });
    }
    await seedBreaches(bot.db, now, routes, tickets);
    postFailure = (channel) => (codes[channel] === undefined ? undefined : { body: { ok: false, error: codes[channel] } });
    await sweepThenPost(bot);
    await step(bot, SEC, 12);
    await step(bot, HOUR);
    await step(bot, SEC, 3);

    expect(deliveredTo('CGOOD')).toHaveLength(1);
    const byTarget = new Map<string, OutboxRow[]>();
    for (const row of await rows(bot)) byTarget.set(row.target, [...(byTarget.get(row.target) ?? []), row]);
    expect(byTarget.get('CGONE')).toHaveLength(2);
    for (const [channel, code] of Object.entries(codes)) {
      const channelRows = byTarget.get(channel) ?? [];
      expect(channelRows.length, channel).toBeGreaterThan(0);
      for (const row of channelRows) expect(row, channel).toMatchObject({ state: 'failed', lastError: code });
      // Tried at most once per row, and never again.
      expect(postsTo(channel).length, channel).toBeGreaterThanOrEqual(1);
      expect(postsTo(channel).length, channel).toBeLessThanOrEqual(channelRows.length);
      for (const admin of [ADMIN, ADMIN2]) {
        const reports = deliveredTo(`D${admin}`).filter((post) => post.text.includes(channel));
        expect(reports, `${admin} about ${channel}`).toHaveLength(1);
        expect(reports[0]?.text).toContain(code);
      }
      const logged = log.records().filter((record) => record.level === 'error' && JSON.stringify(record).includes(channel) && JSON.stringify(record).includes(code));
      expect(logged.length, `an error log line naming ${channel} and ${code}`).toBeGreaterThanOrEqual(1);
    }
    expect(deliveredTo(`D${ADMIN}`)).toHaveLength(Object.keys(codes).length);
    expect(deliveredTo(`D${ADMIN2}`)).toHaveLength(Object.keys(codes).length);
    await expectServing(bot);
  });

  it('when the assignee\'s DM cannot be opened or posted (user_not_found, user_disabled, cannot_dm_bot, user_not_visible), the channel alert still goes out once, the DM fails at once with the reason and the admin is told', async () => {
    const dmCodes: Record<string, string> = { UGONE: 'user_not_found', UOFF: 'user_disabled', UBOTUSER: 'cannot_dm_bot', UINACTIVE: 'user_not_visible' };
    const bot = await startOurBot({ clock });
    letClockRun();
    await seedBreaches(bot.db, now, { Billing: 'CBILLING' }, Object.keys(dmCodes).map((user, n) => ({ id: `T-${n + 1}`, team: 'Billing', assignee: user })));
    openFailure = (user) => (user === 'UINACTIVE' || dmCodes[user] === undefined ? undefined : { body: { ok: false, error: dmCodes[user] } });
    postFailure = (channel) => (channel === 'DUINACTIVE' ? { body: { ok: false, error: 'user_not_visible' } } : undefined);
    await sweepThenPost(bot);
    await step(bot, SEC, 10);
    await step(bot, HOUR);
    await step(bot, SEC, 3);

    const channelTexts = deliveredTo('CBILLING').map((post) => post.text);
    expect(channelTexts).toHaveLength(4);
    for (const n of [1, 2, 3, 4]) expect(channelTexts.filter((text) => text.includes(`T-${n}`)), `T-${n}`).toHaveLength(1);
    const all = await rows(bot);
    for (const [user, code] of Object.entries(dmCodes)) {
      expect(all.filter((row) => row.target === user), user).toEqual([expect.objectContaining({ state: 'failed', lastError: code })]);
      const opens = front.arrivals.filter((call) => call.method === 'conversations.open' && call.args.users === user);
      expect(opens.length, `${user}: DM opened once, not retried`).toBe(1);
      const reports = deliveredTo(`D${ADMIN}`).filter((post) => post.text.includes(user));
      expect(reports, `admin told about ${user}`).toHaveLength(1);
      expect(reports[0]?.text).toContain(code);
    }
    expect(postsTo('DUINACTIVE')).toHaveLength(1);
    expect(all.filter((row) => row.target === 'CBILLING').every((row) => row.state === 'sent')).toBe(true);
    await expectServing(bot);
  });

  it('Acknowledge while Slack will not update the alert\'s messages (429): the clicker is told it is saved and that a click shows it; the next click rewrites them', async () => {
    const bot = await startOurBot({ clock });
    letClockRun();
    await seedBreaches(bot.db, now, { Billing: 'CBILLING' }, [{ id: 'T-1', team: 'Billing', assignee: 'UAYU' }]);
    await sweepThenPost(bot);
    await step(bot, 2 * SEC);
    expect(deliveredTo('CBILLING')).toHaveLength(1);
    const alert = (await bot.db('alerts').first('id')) as { id: number };
    fake.answer('chat.update', () => ({ status: 429, headers: { 'retry-after': '30' }, body: { ok: false, error: 'ratelimited' } }));
    const answers = () => front.arrivals.filter((call) => call.method === 'response_url');
    expect((await postButtonClick(bot.url, { actionId: 'alert_acknowledge', value: String(alert.id), userId: 'UAYU', responseUrl: front.responseUrl('ack') , channel: 'CBILLING' })).status).toBe(200);
    await until('the clicker told', () => answers().length === 1);
    expect(answers()[0]?.args.text).toContain('Saved. Slack would not let the alert\'s message be updated just now');
    expect(answers()[0]?.args.response_type).toBe('ephemeral');
    fake.answer('chat.update', () => ({ body: { ok: true } }));
    const updatesBefore = fake.callsTo('chat.update').length;
    await postButtonClick(bot.url, { actionId: 'alert_acknowledge', value: String(alert.id), userId: 'UAYU', responseUrl: front.responseUrl('ack2') , channel: 'CBILLING' });
    await until('the messages rewritten', () => fake.callsTo('chat.update').length >= updatesBefore + 2);
    await until('the second click answered', () => answers().length === 2);
    expect(answers()[1]?.args.text).not.toContain('Saved.');
    await expectServing(bot);
  });

  it('seven breaches due at once in one channel go as one list; Acknowledge all, clicked in Slack, acknowledges each and says who on the list in place of its button', async () => {
    const bot = await startOurBot({ clock });
    letClockRun();
    await seedBreaches(bot.db, now, { Billing: 'CBILLING' }, Array.from({ length: 7 }, (_, n) => ({ id: `T-${n + 1}`, team: 'Billing' })));
    await sweepThenPost(bot);
    for (let n = 0; n < 3; n += 1) await step(bot, SEC);
    const posts = fake.callsTo('chat.postMessage').filter((call) => call.args.channel === 'CBILLING');
    expect(posts).toHaveLength(1);
    const list = posts[0];
    expect(String(list?.args.text)).toContain('7 SLA alerts came due together');
    const blocks = (typeof list?.args.blocks === 'string' ? JSON.parse(list.args.blocks) : list?.args.blocks) as { type: string; elements?: { action_id: string; value: string }[] }[];
    const button = blocks.find((block) => block.type === 'actions')?.elements?.[0];
    expect(button?.action_id).toBe('alert_acknowledge_all');
    const answers = () => front.arrivals.filter((call) => call.method === 'response_url');
    await postButtonClick(bot.url, { actionId: 'alert_acknowledge_all', value: button?.value ?? '', userId: 'ULEAD', responseUrl: front.responseUrl('all'), message: { ts: '1700000000.000001', channel: 'CBILLING', text: String(list?.args.text), blocks } });
    await until('the list rewritten', () => answers().length === 1);
    const rewritten = answers()[0]?.args ?? {};
    expect(rewritten.replace_original).toBe('true');
    expect(String(rewritten.blocks)).toContain('Acknowledged by <@ULEAD>');
    // The notification text says so first (what the conversation list and screen readers show), then the list as it was.
    expect(String(rewritten.text)).toMatch(/^Acknowledged by <@ULEAD> on [^\n]+\. 7 SLA alerts came due together/);
    expect(String(rewritten.blocks)).not.toContain('alert_acknowledge_all');
    expect(String(rewritten.blocks)).not.toContain('stops their reminders');
    expect(String(rewritten.blocks)).toContain('#T-7');
    const acknowledged = (await bot.db('alerts').whereNotNull('acknowledged_at').select('acknowledged_by')) as { acknowledged_by: string }[];
    expect(acknowledged.map((row) => row.acknowledged_by)).toEqual(Array.from({ length: 7 }, () => 'ULEAD'));
    await expectServing(bot);
  });

  it('a list Slack answers 503 is tried again after 5 s, every row with it, and posted once', async () => {
    const bot = await startOurBot({ clock });
    await seedBreaches(bot.db, now, { Billing: 'CBILLING' }, Array.from({ length: 6 }, (_, n) => ({ id: `T-${n + 1}`, team: 'Billing' })));
    postFailure = (channel, n) => (channel === 'CBILLING' && n === 1 ? { status: 503, body: { ok: false } } : undefined);
    await sweepThenPost(bot);
    expect(postsTo('CBILLING')).toHaveLength(1);
    expect((await rows(bot)).map((row) => row.state)).toEqual(Array.from({ length: 6 }, () => 'pending'));
    await step(bot, 5 * SEC);
    await step(bot, SEC, 3);
    expect(postsTo('CBILLING')).toHaveLength(2);
    expect(deliveredTo('CBILLING')).toHaveLength(1);
    expect(deliveredTo('CBILLING')[0]?.text).toContain('6 SLA alerts came due together');
    expect((await rows(bot)).map((row) => row.state)).toEqual(Array.from({ length: 6 }, () => 'sent'));
  });

  it('a post still failing when the bot stops is delivered once by the next start on the same database; what was sent is not sent again', async () => {
    const first = await startOurBot({ clock });
    await seedBreaches(first.db, now, { Billing: 'CBILLING' }, [{ id: 'T-1', team: 'Billing', assignee: 'UAYU' }]);
    postFailure = (channel) => (channel === 'CBILLING' ? { body: { ok: false, error: 'internal_error' } } : undefined);
    await sweepThenPost(first);
    expect(postsTo('CBILLING')).toHaveLength(1);
    expect(deliveredTo('DUAYU')).toHaveLength(1);
    await first.stop();

    postFailure = () => undefined; // Slack is back
    const second = await startOurBot({ clock });
    await step(second, 5 * SEC);
    await step(second, SEC, 3);
    await step(second, HOUR);
    await step(second, SEC, 3);
    expect(deliveredTo('CBILLING')).toHaveLength(1);
    expect(deliveredTo('CBILLING')[0]?.text).toContain('T-1');
    expect(deliveredTo('DUAYU')).toHaveLength(1);
    expect(delivered).toHaveLength(2);
    expect((await rows(second)).map((row) => row.state)).toEqual(['sent', 'sent']);
    await expectServing(second);
  });

  it('a clean stop while Slack is still answering a post (4 s, within the 5 s grace) does not make the next start post it again', async () => {
    const first = await startOurBot();
    await seedBreaches(first.db, Date.now(), { Billing: 'CBILLING' }, [{ id: 'T-1', team: 'Billing' }]);
    let slow = true;
    front.treat('chat.postMessage', () => (slow ? { answerAfterMs: 4 * SEC } : 'pass'));
    first.jobs.start();
    await until('Slack has the post', () => delivered.length === 1);
    await first.stop();
    slow = false;

    // The next start, a minute later (so that any claim the first process left has expired).
    const second = await startOurBot({ clock: () => Date.now() + 61 * SEC });
    second.jobs.start();
    await sleep(3 * SEC);
    expect(deliveredTo('CBILLING')).toHaveLength(1);
    expect((await rows(second)).map((row) => row.state)).toEqual(['sent']);
    await expectServing(second);
  });

  it('while Slack takes 6 s to answer, /healthz and webhooks answer within a second, /kpi is acknowledged within 3 s, and the slow post still goes out once', async () => {
    const bot = await startOurBot();
    await seedBreaches(bot.db, Date.now(), { Billing: 'CBILLING' }, [{ id: 'T-1', team: 'Billing' }]);
    for (const method of ['chat.postMessage', 'conversations.open', 'users.info', 'chat.postEphemeral']) front.treat(method, () => ({ answerAfterMs: 6 * SEC }));
    bot.jobs.start();
    await until('the post is with Slack', () => postsTo('CBILLING').length === 1);

    const timed = async <T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> => {
      const started = Date.now();
      const value = await work();
      return { value, ms: Date.now() - started };
    };
    const health = await timed(() => fetch(`${bot.url}/healthz`));
    expect(health.value.status).toBe(200);
    expect(health.ms).toBeLessThan(SEC);
    const body = JSON.stringify({ type: 'ticket.created', id: 'evt-slow-1', occurred_at: new Date().toISOString(), actor: { type: 'customer', id: 'c-9' }, ticket: { id: 'T-9', status: 'new', team: 'Billing' } });
    const webhook = await timed(() => postWebhook(bot.url, 'generic', body, standardWebhookHeaders(body, 'msg-slow-1')));
    expect(webhook.value.status).toBe(200);
    expect(webhook.ms).toBeLessThan(SEC);
    const command = await timed(() => postSlashCommand(bot.url, { text: 'help', userId: 'U0000LEAD', responseUrl: front.responseUrl('slow-1') }));
    expect(command.value.status).toBe(200);
    expect(command.ms).toBeLessThan(3 * SEC);

    await until('the post is recorded as sent', async () => (await rows(bot)).every((row) => row.state === 'sent'), 15_000);
    await until('the /kpi reply reaches the response URL', () => fake.callsTo('response_url').length >= 1, 15_000);
    expect(deliveredTo('CBILLING')).toHaveLength(1);
    await expectServing(bot);
  });

  it('with the token refused (token_revoked on posts, invalid_auth on opening DMs), kpibot keeps running, fails no post and calls Slack no more for a minute; fixed and restarted, it posts each once; the token is never logged', async () => {
    const seed = openDatabase(testDb.config);
    try {
      await migrateLatest(seed);
      await seedBreaches(seed, Date.now(), { Billing: 'CBILLING' }, [{ id: 'T-1', team: 'Billing', assignee: 'UAYU' }]);
    } finally {
      await seed.destroy();
    }
    postFailure = () => ({ body: { ok: false, error: 'token_revoked' } });
    openFailure = () => ({ body: { ok: false, error: 'invalid_auth' } });
    const env = {
      DATABASE_URL: testDb.url, SLACK_BOT_TOKEN: TOKEN, SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: front.url,
      KPI_ADMINS: ADMIN, SLA_RENOTIFY_MAX: '0', LOG_LEVEL: 'debug',
    };
    child = await startKpibot(env);
    type Row = { channel_id: string; state: string; attempts: number; last_error: string | null; kind: string };
    const view = openDatabase(testDb.config);
    let outbox: Row[] = [];
    const refused = async () => {
      outbox = (await view('alert_outbox').select('channel_id', 'state', 'attempts', 'last_error', 'kind')) as Row[];
      return outbox.some((row) => row.last_error !== null);
    };
    const calls = () => front.arrivals.filter((call) => call.method !== 'auth.test');
    try {
      await until('a post refused', refused, 15_000);
      await sleep(2 * SEC);
      await refused();
    } finally {
      await view.destroy();
    }
    expect(child.child.exitCode).toBeNull();
    expect((await fetch(`${child.url}/healthz`)).status).toBe(200);
    // One refusal holds every post: at most the DM's conversations.open, or one post.
    expect(calls().length).toBe(1);
    expect(outbox.map((row) => row.channel_id).sort()).toEqual(['CBILLING', 'UAYU']);
    for (const row of outbox) expect(row, row.channel_id).toMatchObject({ state: 'pending', attempts: 0 });
    expect(outbox.filter((row) => row.last_error !== null).map((row) => row.last_error)).toEqual([expect.stringMatching(/^(token_revoked|invalid_auth)$/)]);

    child.child.kill('SIGTERM');
    expect(await child.exited).toBe(0);
    const first = child.stdout() + child.stderr();
    const records = child.stdout().trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    const told = records.filter((record) => record.level === 'error' && /token_revoked|invalid_auth/.test(JSON.stringify(record)));
    expect(told).toHaveLength(1);
    expect(String(told[0]?.msg)).toContain('SLACK_BOT_TOKEN');

    // The token fixed, the bot restarted: each post goes out once; no admin is told of a failure that was not the posts'.
    postFailure = () => undefined;
    openFailure = () => undefined;
    child = await startKpibot(env);
    await until('both posts delivered', () => deliveredTo('CBILLING').length === 1 && deliveredTo('DUAYU').length === 1, 15_000);
    await sleep(2 * SEC);
    expect(deliveredTo('CBILLING')).toHaveLength(1);
    expect(deliveredTo('DUAYU')).toHaveLength(1);
    expect(deliveredTo(`D${ADMIN}`)).toEqual([]);
    child.child.kill('SIGTERM');
    expect(await child.exited).toBe(0);
    for (const secret of SECRETS) expect(first + child.stdout() + child.stderr()).not.toContain(secret);
  });

  it('while the token is refused, every post waits 1 min, then 2, 4, 8 and at most 15 min between tries, uncounted; posts resume after the next wait once Slack takes the token again', async () => {
    const bot = await startOurBot({ clock });
    const outbox = new OutboxStore(bot.db);
    for (const channel of ['CONE', 'CTWO']) await outbox.enqueue({ dedupeKey: `digest:${channel}`, kind: 'digest', target: channel, message: message(`digest for ${channel}`), notBefore: now }, now);
    postFailure = () => ({ body: { ok: false, error: 'invalid_auth' } });
    const tries = () => front.arrivals.filter((call) => call.method === 'chat.postMessage').length;
    await bot.jobs.scheduler.tick();
    expect(tries()).toBe(1);
    for (const [n, minutes] of [1, 2, 4, 8, 15, 15].entries()) {
      await step(bot, minutes * MIN - SEC);
      expect(tries(), `not before ${minutes} min`).toBe(n + 1);
      await step(bot, SEC);
      expect(tries(), `after ${minutes} min`).toBe(n + 2);
    }
    for (const row of await rows(bot)) expect(row, row.target).toMatchObject({ state: 'pending', attempts: 0 });
    postFailure = () => undefined;
    await step(bot, 15 * MIN);
    await step(bot, SEC, 2);
    expect(delivered.map((post) => post.channel).sort()).toEqual(['CONE', 'CTWO']);
    expect(log.records().filter((record) => record.level === 'error' && JSON.stringify(record).includes('invalid_auth'))).toHaveLength(7);
    await expectServing(bot);
  });

  it('a destination Slack rate-limits on every post does not hold the others back; a 429 without Retry-After and a ratelimited answer are waited out, never counted or failed', async () => {
    const bot = await startOurBot({ clock });
    const outbox = new OutboxStore(bot.db);
    for (const channel of ['CHOT', 'CNOHEADER', 'CBODY', 'COK']) await outbox.enqueue({ dedupeKey: `digest:${channel}`, kind: 'digest', target: channel, message: message(`digest for ${channel}`), notBefore: now }, now);
    postFailure = (channel) =>
      channel === 'CHOT' ? { status: 429, headers: { 'retry-after': '1' }, body: { ok: false, error: 'ratelimited' } }
        : channel === 'CNOHEADER' ? { status: 429, body: { ok: false, error: 'ratelimited' } }
          : channel === 'CBODY' ? { body: { ok: false, error: 'ratelimited' } } : undefined;
    await bot.jobs.scheduler.tick();
    for (let n = 0; n < 9; n += 1) await step(bot, SEC);
    // The header-less 429 (tried a second in, after CHOT's) is waited out for 10 s.
    expect(postsTo('CNOHEADER')).toHaveLength(1);
    for (let n = 0; n < 31; n += 1) await step(bot, SEC);
    expect(deliveredTo('COK')).toHaveLength(1);
    await step(bot, HOUR);
    for (let n = 0; n < 40; n += 1) await step(bot, SEC);
    for (const row of await rows(bot)) {
      if (row.target === 'COK') continue;
      expect(row, row.target).toMatchObject({ state: 'pending', attempts: 0, lastError: 'ratelimited' });
    }
    // Each limited destination is tried again in turn: none starves behind the one Slack limits every second.
    for (const channel of ['CNOHEADER', 'CBODY']) {
      const times = postsTo(channel).map((call) => call.at);
      expect(times.length, channel).toBeGreaterThanOrEqual(2);
    }
    expect(log.records().filter((record) => record.msg === 'Slack rate limit: waiting as told').length).toBeLessThanOrEqual(3);
    await expectServing(bot);
  });
});
