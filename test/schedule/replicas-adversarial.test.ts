/**
 * Trying to break what the docs promise about several replicas on one
 * PostgreSQL database, with real `kpibot start` processes, a fake Slack that
 * records every call, and signed generic webhooks. The oracles are the docs:
 *
 * - README.md, docs/architecture.md, docs/sources/generic.md: any number of
 *   processes serve webhooks; each delivery is stored once ("a redelivery
 *   changes nothing"), its events in one transaction before the 2xx; "Events
 *   are applied in the order of their own occurred_at, whatever order they
 *   arrive in"; a per-ticket advisory lock serializes writers of one ticket.
 * - docs/alerts.md: one leader (the `scheduler` lease) runs the jobs and the
 *   sender; outbox rows are unique by key, "two replicas, a restart or a second
 *   tick cannot post it twice"; Acknowledge "cancels reminders and the lead's DM
 *   not yet sent", "Reminders stop as soon as ... someone acknowledges"; "a
 *   claim left by a process that died expires and the row is delivered by the
 *   next leader", with one documented exception (a post Slack accepted just
 *   before the process died is sent again).
 * - docs/slack.md: only the admin role read from Slack is cached (10 minutes);
 *   configuration written through one replica is in the database for all.
 *
 * - README.md again: "Migrations run at start, so the first process creates the
 *   schema; `kpibot migrate` runs them on their own": replicas started at the
 *   same instant on a new database (as an orchestrator starts them).
 *
 * Waiting is by polling the fake Slack or the database against deadlines.
 * Two waits would take 30 s and 60 s of real time (the lease's expiry after a
 * SIGKILL, a dead process's outbox claim); there the test moves those two
 * stored instants back by exactly that much, as if the time had passed, and
 * says so. A few steps pause one replica at a precise point without touching
 * the code: a held answer from "Slack" (a gate in front of the fake), a row the
 * test inserts and leaves uncommitted, on which the replica's insert waits, or a
 * relay in front of PostgreSQL that lets the replicas' first connections through
 * together.
 *
 * SQLite runs one process by design (docs/alerts.md), so this file runs only
 * with TEST_DATABASE_URL pointing at PostgreSQL.
 */
import { createServer } from 'node:http';
import { connect, createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestDatabase, TEST_ENGINE, type TestDatabase } from '../helpers/databases.js';
import { runKpibotInBackground, startKpibot, type RunningKpibot } from '../helpers/process.js';
import { startFakeSlack, type FakeSlack, type RecordedCall } from '../helpers/fake-slack.js';
import { postButtonClick, postSlashCommand, SIGNING_SECRET } from '../helpers/slack-requests.js';
import { GENERIC_SECRET, postWebhook, standardWebhookHeaders, type Posted } from '../helpers/webhooks.js';
import { Rng } from '../helpers/random.js';
import { startTestBot } from '../helpers/bot.js';
import { openDatabase, type Database } from '../../src/store/database.js';
import { migrateLatest } from '../../src/store/migrations.js';

const onPostgres = TEST_ENGINE === 'postgres';
if (!onPostgres) console.info('replicas-adversarial.test.ts: skipped on SQLite (one process by design, docs/alerts.md); set TEST_DATABASE_URL to a PostgreSQL server to run it');

const MIN = 60_000;
const HOUR = 60 * MIN;
const ADMIN = 'U0000ADMIN';

type Row = Record<string, unknown>;
type GenericEvent = Record<string, unknown>;
interface Delivery {
  readonly id: string;
  readonly events: readonly GenericEvent[];
}
interface Agent {
  readonly id: string;
  readonly email: string;
  readonly name: string;
}

/** Polls `probe` until it gives a value (not undefined or false), or fails after `timeoutMs` naming `what`. */
async function until<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

// ---------------------------------------------------------------------------
// A gate in front of the fake Slack: passes every call through, except one
// matching call it holds until released (before Slack sees it, or after Slack
// recorded it but before the answer reaches the bot).

interface Hold {
  /** Resolves when the held call has arrived (and, with `afterSlack`, Slack has recorded it). */
  readonly arrived: Promise<void>;
  release(): void;
}

interface SlackGate {
  /** SLACK_API_URL for the replicas. */
  readonly url: string;
  hold(match: (method: string, args: URLSearchParams) => boolean, options?: { afterSlack?: boolean }): Hold;
  close(): Promise<void>;
}

async function startSlackGate(upstream: string): Promise<SlackGate> {
  interface Pending {
    readonly match: (method: string, args: URLSearchParams) => boolean;
    readonly afterSlack: boolean;
    used: boolean;
    arrive(): void;
    readonly released: Promise<void>;
    release(): void;
  }
  const holds: Pending[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const body = Buffer.concat(chunks);
      const method = (req.url ?? '').split('?')[0]?.replace(/^\/api\//, '') ?? '';
      const hold = holds.find((pending) => !pending.used && pending.match(method, new URLSearchParams(body.toString('utf8'))));
      if (hold !== undefined) hold.used = true;
      const forward = () =>
        fetch(`${upstream}${method}`, {
          method: 'POST',
          body,
          headers: { 'content-type': String(req.headers['content-type'] ?? 'application/x-www-form-urlencoded'), ...(req.headers.authorization === undefined ? {} : { authorization: req.headers.authorization }) },
        });
      let answer: Response;
      if (hold?.afterSlack === true) {
        answer = await forward();
        hold.arrive();
        await hold.released;
      } else {
        if (hold !== undefined) {
          hold.arrive();
          await hold.released;
        }
        answer = await forward();
      }
      const text = await answer.text();
      res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' });
      res.end(text);
    })().catch(() => res.destroy());
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/`,
    hold(match, options = {}) {
      let arrive = () => undefined as void;
      let release = () => undefined as void;
      const arrived = new Promise<void>((resolve) => (arrive = resolve));
      const released = new Promise<void>((resolve) => (release = resolve));
      holds.push({ match, afterSlack: options.afterSlack === true, used: false, arrive, released, release });
      return { arrived, release };
    },
    async close() {
      for (const pending of holds) pending.release();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/**
 * A TCP relay to PostgreSQL that holds the first `parties` connections until all
 * of them have arrived, then lets them through at once (later ones pass at once).
 */
async function startConnectionBarrier(database: URL, parties: number): Promise<{ readonly url: string; close(): Promise<void> }> {
  const held: (() => void)[] = [];
  const sockets = new Set<Socket>();
  let open = false;
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  };
  const server = createNetServer((client) => {
    track(client);
    const relay = () => {
      const upstream = connect(Number(database.port === '' ? 5432 : database.port), database.hostname);
      track(upstream);
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    };
    if (open) return relay();
    held.push(relay);
    if (held.length >= parties) {
      open = true;
      for (const go of held.splice(0)) go();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(database.href);
  url.port = String((server.address() as AddressInfo).port);
  return {
    url: url.href,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

// ---------------------------------------------------------------------------
// One test's world: its own database, fake Slack (behind the gate), replicas.

interface Post {
  readonly channel: string;
  readonly text: string;
  /** The blocks, as JSON text. */
  readonly body: string;
  /** When the fake Slack received it (this machine's clock, as the replicas'). */
  readonly at: number;
  readonly ticket: string | undefined;
  readonly kind: 'warning' | 'breach' | 'reminder' | 'lead' | 'escalation' | 'digest' | 'other';
}

interface World {
  readonly slack: FakeSlack;
  readonly gate: SlackGate;
  readonly db: Database;
  readonly testDb: TestDatabase;
  readonly env: Record<string, string>;
  /** Starts `kpibot start` on this world's database (SCHEDULER=off for a replica that only serves requests). */
  start(extra?: Record<string, string>): Promise<RunningKpibot>;
  /** Runs a `kpibot` command to its end, without blocking this process (the fake Slack lives here). */
  cli(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }>;
  /** `/kpi <text>` through a replica, as `user`; the reply's text. One at a time. */
  command(replica: RunningKpibot, text: string, user?: string): Promise<string>;
  posts(): Post[];
  updates(): RecordedCall[];
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch((error: unknown) => console.error('cleanup failed', error));
});

function classify(call: RecordedCall, at: number): Post {
  const text = String(call.args.text ?? '');
  const body = JSON.stringify(call.args.blocks ?? []);
  const kind: Post['kind'] = body.includes('Reminder ')
    ? 'reminder'
    : body.includes('Raised to you as team lead')
      ? 'lead'
      : text.includes('SLA breached')
        ? 'breach'
        : text.includes('SLA warning')
          ? 'warning'
          : text.includes('Ticket escalated')
            ? 'escalation'
            : text.startsWith('Support digest')
              ? 'digest'
              : 'other';
  return { channel: String(call.args.channel), text, body, at, ticket: /#(T-[A-Za-z0-9-]+)/.exec(text)?.[1], kind };
}

async function createWorld(extraEnv: Record<string, string> = {}, options: { migrate?: boolean } = {}): Promise<World> {
  const slack = await startFakeSlack();
  const receivedAt = new WeakMap<RecordedCall, number>();
  let sequence = 0;
  slack.answer('chat.postMessage', (call) => {
    receivedAt.set(call, Date.now());
    sequence += 1;
    return { body: { ok: true, channel: call.args.channel, ts: `1700000000.${String(sequence).padStart(6, '0')}` } };
  });
  slack.answer('chat.update', (call) => {
    receivedAt.set(call, Date.now());
    return { body: { ok: true, channel: call.args.channel, ts: call.args.ts } };
  });
  slack.answer('conversations.open', (call) => ({ body: { ok: true, channel: { id: `D${String(call.args.users)}` } } }));
  const gate = await startSlackGate(slack.url);
  const testDb = await createTestDatabase();
  const db = openDatabase(testDb.config);
  const replicas: RunningKpibot[] = [];
  cleanups.push(async () => {
    for (const replica of replicas) {
      replica.child.kill('SIGKILL');
      await replica.exited;
    }
    await gate.close();
    await db.destroy();
    await testDb.dispose();
    await slack.close();
  });
  const env: Record<string, string> = {
    DATABASE_URL: testDb.url, SLACK_BOT_TOKEN: 'xoxb-test', SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: gate.url,
    KPI_ADMINS: ADMIN, GENERIC_WEBHOOK_SECRET: GENERIC_SECRET, SHUTDOWN_GRACE_SECONDS: '2', ...extraEnv,
  };
  const cli = async (...args: string[]) => {
    const { status, stdout, stderr } = await runKpibotInBackground(args, env);
    return { code: status, stdout, stderr };
  };
  // The schema first, once (README: "the first process creates the schema"); the last test starts replicas on a new database.
  if (options.migrate !== false) await migrateLatest(db);
  return {
    slack, gate, db, testDb, env, cli,
    async start(extra = {}) {
      const replica = await startKpibot({ ...env, ...extra });
      replicas.push(replica);
      return replica;
    },
    async command(replica, text, user = ADMIN) {
      const before = slack.callsTo('response_url').length;
      const answer = await postSlashCommand(replica.url, { text, userId: user, responseUrl: slack.responseUrl('command') });
      expect(answer.status).toBe(200);
      const replies = await slack.waitFor('response_url', before + 1, 10_000);
      return String(replies[before]?.args.text ?? '');
    },
    posts: () => slack.callsTo('chat.postMessage').map((call) => classify(call, receivedAt.get(call) ?? 0)),
    updates: () => slack.callsTo('chat.update'),
  };
}

function sendDelivery(replica: { readonly url: string }, delivery: Delivery): Promise<Posted> {
  const body = JSON.stringify({ events: delivery.events });
  return postWebhook(replica.url, 'generic', body, standardWebhookHeaders(body, delivery.id));
}

async function expectDelivered(replica: { readonly url: string }, delivery: Delivery): Promise<void> {
  const answer = await sendDelivery(replica, delivery);
  expect(answer, delivery.id).toMatchObject({ status: 200, body: { ok: true, duplicate: false } });
}

/** The replica holding the scheduler lease, once one of `candidates` holds it. */
async function leaderAmong(w: World, candidates: readonly RunningKpibot[], timeoutMs = 15_000): Promise<RunningKpibot> {
  return until('one of the replicas holds the scheduler lease', async () => {
    const lease = (await w.db('leases').where({ name: 'scheduler' }).first('holder', 'expires_at')) as { holder: string; expires_at: number } | undefined;
    if (lease === undefined || Number(lease.expires_at) <= Date.now()) return undefined;
    const pid = Number(lease.holder.split(':')[1]);
    return candidates.find((replica) => replica.child.pid === pid);
  }, timeoutMs);
}

/**
 * No outbox row is being sent, nor pending and due within a few seconds (a row the sender put back for its
 * channel's turn, one post a second, counts; one held for hours by quiet hours does not).
 */
async function outboxSettled(w: World): Promise<boolean> {
  const rows = (await w.db('alert_outbox')
    .where({ state: 'sending' })
    .orWhere((due) => void due.where({ state: 'pending' }).where('next_attempt_at', '<=', Date.now() + 5_000))
    .count({ n: '*' })) as { n: number | string }[];
  return Number(rows[0]?.n) === 0;
}

async function stopCleanly(replica: RunningKpibot): Promise<void> {
  replica.child.kill('SIGTERM');
  await replica.exited;
}

async function killHard(replica: RunningKpibot): Promise<void> {
  replica.child.kill('SIGKILL');
  await replica.exited;
}

const iso = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString();
const countBy = (keys: readonly string[]) => keys.reduce<Record<string, number>>((counts, key) => ({ ...counts, [key]: (counts[key] ?? 0) + 1 }), {});

/** A ticket opened at `createdAt` in `team`, assigned to `agent` a second later; nobody has answered. */
function openTicket(id: string, createdAt: number, team: string, agent?: Agent, priority = 'normal'): Delivery {
  const events: GenericEvent[] = [
    { type: 'ticket.created', id: `${id}-created`, occurred_at: iso(createdAt), actor: { type: 'customer', id: `cust-${id}` }, ticket: { id, status: 'new', priority, channel: 'email', team, url: `https://help.example.com/t/${id}` } },
  ];
  if (agent !== undefined) events.push({ type: 'ticket.assigned', id: `${id}-assigned`, occurred_at: iso(createdAt + 1000), ticket: { id, status: 'open', assignee: agent } });
  return { id: `open-${id}`, events };
}

const AGENTS: readonly Agent[] = [
  { id: 'agent-1', email: 'ayu@example.com', name: 'Ayu' },
  { id: 'agent-2', email: 'budi@example.com', name: 'Budi' },
  { id: 'agent-3', email: 'cem@example.com', name: 'Cem' },
  { id: 'agent-4', email: 'dewi@example.com', name: 'Dewi' },
];
const SLACK_OF: Record<string, string> = { 'agent-1': 'U00000AYU', 'agent-2': 'U0000BUDI', 'agent-3': 'U00000CEM', 'agent-4': 'U0000DEWI' };

// ---------------------------------------------------------------------------
// Generated ticket histories (generic format) and the projection they leave.

/** A whole ticket life: assignments, replies both ways, notes, tags, priority and team moves, solves, ratings, reopenings, handle time, an escalation, the close. */
function ticketHistory(rng: Rng, ticket: string, start: number): GenericEvent[] {
  const events: GenericEvent[] = [];
  let at = start;
  const customer = { type: 'customer', id: `cust-${ticket}` };
  const add = (type: string, fields: Record<string, unknown>, state: Record<string, unknown> = {}) => {
    at += rng.int(1, 120) * MIN;
    events.push({ type, id: `${ticket}-e${events.length}`, occurred_at: iso(at), ...fields, ticket: { id: ticket, ...state } });
  };
  add('ticket.created', { actor: customer }, { status: 'new', priority: 'normal', channel: rng.pick(['email', 'chat']), team: 'Billing', tags: ['refund', 'vip'], url: `https://help.example.com/t/${ticket}`, requester_id: customer.id });
  const rounds = rng.int(2, 3);
  for (let round = 0; round < rounds; round += 1) {
    const agent = rng.pick(AGENTS);
    add('ticket.assigned', {}, { status: 'open', assignee: agent });
    add('ticket.agent_replied', { actor: { type: 'agent', ...agent } }, { status: 'pending' });
    add('ticket.customer_replied', { actor: customer }, { status: 'open' });
    if (rng.chance(0.6)) add('ticket.note_added', { actor: { type: 'agent', ...rng.pick(AGENTS) } });
    if (rng.chance(0.6)) add('ticket.tags_changed', {}, { tags_added: [`round-${round}`], tags_removed: rng.chance(0.5) ? ['vip'] : [] });
    if (rng.chance(0.6)) add('ticket.priority_changed', {}, { priority: rng.pick(['low', 'normal', 'high', 'urgent']) });
    if (rng.chance(0.4)) add('ticket.team_changed', {}, { team: rng.pick(['Billing', 'Support', 'Tier 2']) });
    if (round === 0 && rng.chance(0.7)) add('ticket.escalated', {});
    add('ticket.agent_replied', { actor: { type: 'agent', ...agent } }, { status: 'pending' });
    add('ticket.handle_time', { actor: { type: 'agent', ...agent }, seconds: rng.int(60, 1800) });
    add('ticket.status_changed', {}, { status: 'solved' });
    if (rng.chance(0.6)) add('ticket.rated', { actor: customer, rating: { kind: 'csat', score: rng.int(1, 5) } });
    if (round < rounds - 1) add('ticket.reopened', { actor: customer }, { status: 'open' });
  }
  add('ticket.status_changed', {}, { status: 'closed' });
  return events;
}

/** Everything ingestion wrote, keyed by what the helpdesk calls things (not by row ids, nor by the time the bot wrote it). */
async function projection(db: Database): Promise<Record<string, unknown>> {
  const agents = (await db('agents').select('*').orderBy('external_id')) as Row[];
  const agentOf = new Map(agents.map((agent) => [Number(agent.id), agent.external_id]));
  const customers = (await db('customers').select('id', 'external_id')) as Row[];
  const customerOf = new Map(customers.map((customer) => [Number(customer.id), customer.external_id]));
  const tickets = (await db('tickets').select('*').orderBy('external_id')) as Row[];
  const ticketOf = new Map(tickets.map((ticket) => [Number(ticket.id), ticket.external_id]));
  const without = (row: Row, ...keys: string[]) => Object.fromEntries(Object.entries(row).filter(([key]) => !keys.includes(key)));
  const ref = (map: Map<number, unknown>, value: unknown) => (value === null || value === undefined ? null : (map.get(Number(value)) ?? `missing ${String(value)}`));
  const children = async (table: string) =>
    ((await db(table).select('*')) as Row[])
      .map((row) => ({ ...without(row, 'id', 'ticket_id', 'agent_id', 'customer_id'), ticket: ref(ticketOf, row.ticket_id), ...('agent_id' in row ? { agent: ref(agentOf, row.agent_id), customer: ref(customerOf, row.customer_id) } : {}) }))
      .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  return {
    tickets: tickets.map((ticket) => ({ ...without(ticket, 'id', 'projected_at', 'assignee_agent_id', 'customer_id'), assignee: ref(agentOf, ticket.assignee_agent_id), customer: ref(customerOf, ticket.customer_id) })),
    ticket_tags: await children('ticket_tags'),
    ticket_response_intervals: await children('ticket_response_intervals'),
    ticket_resolved_spans: await children('ticket_resolved_spans'),
    survey_responses: await children('survey_responses'),
    agents: agents.map((agent) => without(agent, 'id', 'created_at', 'updated_at')),
    ticket_events: await db('ticket_events').select('source', 'external_ticket_id', 'type', 'occurred_at', 'actor_type', 'actor_id', 'data', 'dedupe_key').orderBy('dedupe_key'),
  };
}

// ---------------------------------------------------------------------------

describe.skipIf(!onPostgres)('several kpibot replicas on one PostgreSQL, adversarially', () => {
  describe('ingestion across replicas', () => {
    it('the same signed delivery sent to two replicas at the same instant, many times over, is stored once; every answer is 2xx', async () => {
      const w = await createWorld();
      const [a, b] = await Promise.all([w.start({ SCHEDULER: 'off' }), w.start({ SCHEDULER: 'off' })]) as [RunningKpibot, RunningKpibot];
      const rng = new Rng(20261123);
      const start = Date.now() - 5 * 24 * HOUR;
      // 60 deliveries of 1-3 events each, over 6 tickets whose replies name the same agents in different orders.
      const deliveries: Delivery[] = Array.from({ length: 60 }, (_, index) => {
        const ticket = `T-DUP-${index % 6}`;
        const events = Array.from({ length: rng.int(1, 3) }, (_unused, n) => {
          const agent = rng.pick(AGENTS);
          const at = iso(start + index * MIN + n * 1000);
          return index < 6 && n === 0
            ? { type: 'ticket.created', id: `d${index}-${n}`, occurred_at: iso(start), actor: { type: 'customer', id: 'c1' }, ticket: { id: ticket, status: 'new', team: 'Billing' } }
            : rng.chance(0.5)
              ? { type: 'ticket.agent_replied', id: `d${index}-${n}`, occurred_at: at, actor: { type: 'agent', ...agent }, ticket: { id: ticket, status: 'pending', assignee: agent } }
              : { type: 'ticket.customer_replied', id: `d${index}-${n}`, occurred_at: at, actor: { type: 'customer', id: 'c1' }, ticket: { id: ticket, status: 'open' } };
        });
        return { id: `msg_dup_${index}`, events };
      });

      // Each delivery to both replicas at once, all deliveries at once; then the whole lot again.
      const wave = () => Promise.all(deliveries.map((delivery) => Promise.all([sendDelivery(a, delivery), sendDelivery(b, delivery)])));
      const first = await wave();
      const second = await wave();

      const statuses = [...first, ...second].flat().map((answer) => answer.status);
      expect(countBy(statuses.map(String))).toEqual({ 200: deliveries.length * 4 });
      // Of the two simultaneous copies, one is stored and says so; the other is the redelivery.
      expect(first.map((pair) => pair.map((answer) => answer.body).sort((x, y) => Number(x.duplicate) - Number(y.duplicate)))).toEqual(
        deliveries.map((delivery) => [{ ok: true, duplicate: false, events: delivery.events.length }, { ok: true, duplicate: true, events: 0 }]),
      );
      expect(second.flat().every((answer) => answer.body.duplicate === true)).toBe(true);

      const byKey = (x: Row, y: Row) => String(x.delivery_key).localeCompare(String(y.delivery_key));
      const stored = ((await w.db('webhook_deliveries').select('delivery_key', 'status', 'event_count')) as Row[]).sort(byKey);
      expect(stored).toEqual(deliveries.map((delivery): Row => ({ delivery_key: delivery.id, status: 'processed', event_count: delivery.events.length })).sort(byKey));
      const events = (await w.db('ticket_events').select('dedupe_key')) as Row[];
      expect(events.map((event) => event.dedupe_key).sort()).toEqual(deliveries.flatMap((delivery) => delivery.events.map((event) => event.id as string)).sort());
    }, 40_000);

    it('the events of tickets split across two replicas, concurrently and shuffled, project exactly as when sent in order to one replica; no 5xx', async () => {
      const w = await createWorld();
      const [a, b] = await Promise.all([w.start({ SCHEDULER: 'off' }), w.start({ SCHEDULER: 'off' })]) as [RunningKpibot, RunningKpibot];
      // The reference: one replica (in this process, on a database of its own) that gets every delivery in order.
      const single = await startTestBot({ SCHEDULER: 'off', GENERIC_WEBHOOK_SECRET: GENERIC_SECRET });
      cleanups.push(() => single.dispose());
      const rng = new Rng(7);
      const start = Date.now() - 30 * 24 * HOUR;
      // Four tickets whose agents are drawn from one pool (agent rows are shared between tickets).
      const histories = ['T-SPLIT-1', 'T-SPLIT-2', 'T-SPLIT-3', 'T-SPLIT-4'].map((ticket, index) => ticketHistory(rng, ticket, start + index * 7 * MIN));
      // Mostly one event per delivery, some carry two.
      const deliveries: Delivery[] = [];
      for (const history of histories) {
        for (let index = 0; index < history.length; ) {
          const size = rng.chance(0.2) && index + 1 < history.length ? 2 : 1;
          deliveries.push({ id: `msg_split_${deliveries.length}`, events: history.slice(index, index + size) });
          index += size;
        }
      }
      const inOrder = [...deliveries].sort((x, y) => Date.parse(String(x.events[0]?.occurred_at)) - Date.parse(String(y.events[0]?.occurred_at)));
      for (const delivery of inOrder) await expectDelivered(single, delivery);

      // Shuffled, each to one replica at random; a fifth also to the other replica (same webhook-id), and a fifth of the
      // events again in a new delivery (another webhook-id) to the other replica: all at the same moment.
      const sends: (() => Promise<Posted>)[] = [];
      for (const delivery of rng.shuffle([...deliveries])) {
        const [to, other] = rng.chance(0.5) ? [a, b] : [b, a];
        sends.push(() => sendDelivery(to, delivery));
        if (rng.chance(0.2)) sends.push(() => sendDelivery(other, delivery));
        if (rng.chance(0.2)) sends.push(() => sendDelivery(other, { id: `${delivery.id}_again`, events: delivery.events }));
      }
      const answers = await Promise.all(rng.shuffle(sends).map((send) => send()));
      expect(countBy(answers.map((answer) => (answer.status >= 500 ? `${answer.status} ${JSON.stringify(answer.body)}` : String(answer.status))))).toEqual({ 200: answers.length });

      expect(await projection(w.db)).toEqual(await projection(single.db));
    }, 40_000);
  });

  describe('alerts exactly once with both replicas running their schedulers', () => {
    it('SLA warnings and breaches: one channel post and one DM each, across a change of leader', async () => {
      const w = await createWorld();
      const web = await w.start({ SCHEDULER: 'off' });
      expect(await w.command(web, 'sla add everyone --first-response 1h')).toContain('added policy');
      // Three teams, each with its channel (posts to one channel are paced a second apart); "Tier 2" has a space.
      expect(await w.command(web, 'alerts team Billing <#C0BILLING>')).toContain('Done');
      expect(await w.command(web, 'alerts team Support <#C0SUPPORT>')).toContain('Done');
      expect(await w.command(web, 'alerts team Tier 2 <#C00TIER2>')).toContain('Done');
      const now = Date.now();
      // Three breached (first response was due an hour or more ago), one past 75 % of its hour, one too young for anything.
      const tickets = [
        openTicket('T-B1', now - 2 * HOUR, 'Billing', AGENTS[0]),
        openTicket('T-B2', now - 2 * HOUR, 'Support', AGENTS[1]),
        openTicket('T-B3', now - 3 * HOUR, 'tier 2', AGENTS[2]),
        openTicket('T-W1', now - 50 * MIN, 'Billing', AGENTS[3]),
        openTicket('T-N1', now - 5 * MIN, 'Support', AGENTS[0]),
      ];
      for (const ticket of tickets) await expectDelivered(web, ticket);
      for (const agent of AGENTS) expect(await w.command(web, `link <@${SLACK_OF[agent.id]}> ${agent.email}`)).toContain('Done');

      // Both schedulers start at the same moment and race for the lease.
      const schedulers = await Promise.all([w.start(), w.start()]);
      const leader = await leaderAmong(w, schedulers);
      await until('the 4 alerts posted to their channels and by DM', () => w.posts().length >= 8);
      await until('the outbox settled', () => outboxSettled(w));

      // A canary only the next leader's first sweep can alert: the old leader sweeps again only a minute later.
      await expectDelivered(web, openTicket('T-C1', now - 2 * HOUR, 'Support', AGENTS[1]));
      await stopCleanly(leader);
      const successor = await leaderAmong(w, schedulers.filter((replica) => replica !== leader));
      expect(successor).not.toBe(leader);
      await until('the canary alerted by the new leader', () => w.posts().filter((post) => post.ticket === 'T-C1').length >= 2);
      await until('the outbox settled', () => outboxSettled(w));

      const dm = (agent: Agent | undefined) => `D${SLACK_OF[agent?.id ?? ''] ?? ''}`;
      const seen = countBy(w.posts().map((post) => `${post.ticket} ${post.kind} ${post.channel}`));
      expect(seen).toEqual({
        'T-B1 breach C0BILLING': 1, [`T-B1 breach ${dm(AGENTS[0])}`]: 1,
        'T-B2 breach C0SUPPORT': 1, [`T-B2 breach ${dm(AGENTS[1])}`]: 1,
        'T-B3 breach C00TIER2': 1, [`T-B3 breach ${dm(AGENTS[2])}`]: 1,
        'T-W1 warning C0BILLING': 1, [`T-W1 warning ${dm(AGENTS[3])}`]: 1,
        'T-C1 breach C0SUPPORT': 1, [`T-C1 breach ${dm(AGENTS[1])}`]: 1,
      });
      expect(Number(((await w.db('alerts').count({ n: '*' })) as Row[])[0]?.n)).toBe(5);
    }, 40_000);

    it('escalations: the same escalation sent to both replicas at once (and again in another delivery) posts once to the channel and once by DM', async () => {
      const w = await createWorld();
      const [a, b] = await Promise.all([w.start(), w.start()]) as [RunningKpibot, RunningKpibot];
      expect(await w.command(a, 'alerts <#C0ESCALATE|escalations> escalations')).toContain('Done');
      const now = Date.now();
      const tickets = ['T-E1', 'T-E2', 'T-E3'];
      for (const [index, ticket] of tickets.entries()) await expectDelivered(index % 2 === 0 ? a : b, openTicket(ticket, now - HOUR, 'Billing', AGENTS[index]));
      for (const agent of AGENTS.slice(0, tickets.length)) expect(await w.command(b, `link <@${SLACK_OF[agent.id]}> ${agent.email}`)).toContain('Done');

      const escalation = (ticket: string): GenericEvent => ({ type: 'ticket.escalated', id: `${ticket}-escalated`, occurred_at: iso(now - MIN), ticket: { id: ticket } });
      const answers = await Promise.all(
        tickets.flatMap((ticket) => {
          const delivery = { id: `msg_esc_${ticket}`, events: [escalation(ticket)] };
          return [sendDelivery(a, delivery), sendDelivery(b, delivery), sendDelivery(b, { id: `msg_esc_${ticket}_again`, events: [escalation(ticket)] })];
        }),
      );
      expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 200));
      await until('every escalation posted to the channel and by DM', () => w.posts().filter((post) => post.kind === 'escalation').length >= 2 * tickets.length);
      await until('the outbox settled', () => outboxSettled(w));
      // Every answer came back before the wait began; the after-commit work of each (after its 200) wrote what it wrote.
      expect(Number(((await w.db('alerts').count({ n: '*' })) as Row[])[0]?.n)).toBe(tickets.length);
      expect(countBy(((await w.db('alert_outbox').select('state')) as Row[]).map((row) => String(row.state)))).toEqual({ sent: 2 * tickets.length });

      const seen = countBy(w.posts().map((post) => `${post.ticket} ${post.kind} ${post.channel}`));
      const expected: Record<string, number> = {};
      for (const [index, ticket] of tickets.entries()) {
        expected[`${ticket} escalation C0ESCALATE`] = 1;
        expected[`${ticket} escalation D${SLACK_OF[AGENTS[index]?.id ?? '']}`] = 1;
      }
      expect(seen).toEqual(expected);
    }, 40_000);
  });

  describe('Acknowledge through one replica while the other sweeps', () => {
    /**
     * A breach alert already posted by a first leader (S1) to #C0BILLING and to
     * the assignee's DM, and older than SLA_RENOTIFY_MINUTES and
     * SLA_ESCALATE_AFTER_MINUTES (its stored times moved back 2 minutes, as if
     * they had passed), so that the next sweep owes a reminder and the lead's
     * DM. A request-only replica (web) takes the clicks; S2 stands by.
     */
    async function breachNobodyAcknowledged() {
      const w = await createWorld({ SLA_RENOTIFY_MINUTES: '1', SLA_RENOTIFY_MAX: '3', SLA_ESCALATE_AFTER_MINUTES: '1' });
      const web = await w.start({ SCHEDULER: 'off' });
      expect(await w.command(web, 'sla add everyone --first-response 1h')).toContain('added policy');
      expect(await w.command(web, 'alerts team Billing <#C0BILLING> <@U00000LEAD>')).toContain('Done');
      expect(await w.command(web, 'alerts team Ops <#C0000OPS>')).toContain('Done');
      const now = Date.now();
      await expectDelivered(web, openTicket('T-ACK', now - 2 * HOUR, 'Billing', AGENTS[0]));
      expect(await w.command(web, `link <@${SLACK_OF['agent-1']}> ${AGENTS[0]?.email}`)).toContain('Done');
      const s1 = await w.start();
      await leaderAmong(w, [s1]);
      await until('the breach posted to the channel and by DM', () => w.posts().filter((post) => post.ticket === 'T-ACK').length >= 2);
      await until('the outbox settled', () => outboxSettled(w));
      const alert = (await w.db('alerts').first('id', 'dedupe_key')) as { id: number; dedupe_key: string };
      await w.db('alerts').where({ id: alert.id }).update({ created_at: w.db.raw('created_at - ?', [2 * MIN]), last_notified_at: w.db.raw('last_notified_at - ?', [2 * MIN]) });
      const s2 = await w.start();
      return { w, web, s1, s2, alert: { id: Number(alert.id), key: alert.dedupe_key } };
    }

    /** Presses Acknowledge on the alert through `web`, as another Slack user; resolves once Slack answered the click (its work goes on after). */
    async function click(w: World, web: RunningKpibot, alertId: number): Promise<void> {
      const clicked = await postButtonClick(web.url, { actionId: 'alert_acknowledge', value: String(alertId), userId: 'U0000SARI', responseUrl: w.slack.responseUrl('ack'), channel: 'C0BILLING' });
      expect(clicked.status).toBe(200);
    }

    /** Once the click's work is done (both posted messages rewritten in place): when the acknowledgement was recorded. */
    async function acknowledged(w: World, alertId: number): Promise<number> {
      await until('both messages of the alert rewritten as acknowledged', () => w.updates().length >= 2);
      const row = (await w.db('alerts').where({ id: alertId }).first('acknowledged_at', 'acknowledged_by')) as { acknowledged_at: number | null; acknowledged_by: string | null };
      expect(row.acknowledged_by).toBe('U0000SARI');
      return Number(row.acknowledged_at);
    }

    /** Whether a session of this database waits for a lock in a statement that starts with `statement`. */
    async function waitingIn(w: World, statement: string): Promise<boolean> {
      const waiting = await w.db.raw(`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and query ilike ?`, [`${statement}%`]);
      return ((waiting.rows as { n: number }[])[0]?.n ?? 0) > 0;
    }

    it('a sweep that found the breach unacknowledged just before the click: no reminder or lead DM goes out after it', async () => {
      const { w, web, s1, alert } = await breachNobodyAcknowledged();
      // Holds the sweep between its read of open breaches and its write of the reminder: the test inserts, and leaves
      // uncommitted, a row with the reminder's outbox key, so the replica's insert of that key waits for this transaction.
      const blocker = new pg.Client({ connectionString: w.testDb.url });
      await blocker.connect();
      cleanups.push(() => blocker.end());
      await blocker.query('begin');
      await blocker.query(`insert into alert_outbox (dedupe_key, kind, channel_id, payload, state, attempts, next_attempt_at, created_at) values ($1, 'test_blocker', 'C0NOWHERE', '{}', 'cancelled', 0, 0, 0)`, [`${alert.key}:reminder1:channel`]);
      // S1 stops cleanly: S2 takes the lease and sweeps at once.
      await stopCleanly(s1);
      await until('the new leader\'s sweep waits on the reminder\'s outbox key', () => waitingIn(w, 'insert into "alert_outbox"'));
      await click(w, web, alert.id);
      // The click's work is done, or it waits for the sweep's transaction (which would be right: it then follows it).
      await until('the click handled, or waiting for the sweep', async () => w.updates().length >= 2 || (await waitingIn(w, 'update "alerts"')));
      await blocker.query('rollback');
      const ackedAt = await acknowledged(w, alert.id);
      // A digest asked for after the sweep resumed is posted after every row that sweep wrote (rows go out in order).
      expect(await w.command(web, 'digest now <#C0CANARY|canary>')).toContain('yesterday\'s summary now');
      await until('the canary digest posted', () => w.posts().some((post) => post.channel === 'C0CANARY'));
      await until('the outbox settled', () => outboxSettled(w));

      const late = w.posts().filter((post) => post.ticket === 'T-ACK' && post.at >= ackedAt).map((post) => `${post.kind} ${post.channel}`);
      expect(late, 'posts of the alert after its acknowledgement was recorded').toEqual([]);
    }, 40_000);

    it('a reminder and lead DM already claimed by the sender when the click lands: none goes out after it', async () => {
      const { w, web, s1, alert } = await breachNobodyAcknowledged();
      // A new breach in team Ops, alerted by the same sweep, is first in the sender's batch; Slack is slow to answer it,
      // so the reminder and the lead's DM, claimed in the same batch, wait behind it.
      await expectDelivered(web, openTicket('T-OPS', Date.now() - 2 * HOUR, 'Ops'));
      const slow = w.gate.hold((method, args) => method === 'chat.postMessage' && args.get('channel') === 'C0000OPS');
      await stopCleanly(s1);
      await slow.arrived;
      const claimed = (await w.db('alert_outbox').where({ alert_id: alert.id }).whereIn('kind', ['sla_reminder', 'sla_lead']).select('dedupe_key', 'state')) as Row[];
      expect(claimed.map((row) => row.state)).toEqual(['sending', 'sending', 'sending']);
      await click(w, web, alert.id);
      const ackedAt = await acknowledged(w, alert.id);
      slow.release();
      await until('the Ops breach posted', () => w.posts().some((post) => post.ticket === 'T-OPS'));
      await until('the outbox settled', () => outboxSettled(w));

      const late = w.posts().filter((post) => post.ticket === 'T-ACK' && post.at >= ackedAt).map((post) => `${post.kind} ${post.channel}`);
      expect(late, 'posts of the alert after its acknowledgement was recorded').toEqual([]);
    }, 40_000);
  });

  describe('the outbox when the leader dies mid-way', () => {
    it('digests claimed by a leader killed (SIGKILL) while posting are posted by the next leader: each once, except the one Slack had accepted (documented: sent again)', async () => {
      const w = await createWorld();
      const web = await w.start({ SCHEDULER: 'off' });
      const channels = ['C0000DIG1', 'C0000DIG2', 'C0000DIG3', 'C0000DIG4', 'C0000DIG5', 'C0000DIG6'];
      for (const channel of channels) expect(await w.command(web, `digest now <#${channel}|digests>`)).toContain('yesterday\'s summary now');
      // The third post reaches Slack, and the leader dies before it hears back.
      const third = w.gate.hold((method, args) => method === 'chat.postMessage' && args.get('channel') === 'C0000DIG3', { afterSlack: true });
      const s1 = await w.start();
      await leaderAmong(w, [s1]);
      const s2 = await w.start();
      await third.arrived;
      await killHard(s1);
      const states = countBy(((await w.db('alert_outbox').select('state')) as Row[]).map((row) => String(row.state)));
      expect(states).toEqual({ sent: 2, sending: 4 });
      // Time travel, instead of waiting: the dead leader's lease would expire 30 s after its last renewal, and its
      // claims a minute after they were made (docs/alerts.md); move both instants back by that much.
      await w.db('leases').where({ name: 'scheduler' }).update({ expires_at: w.db.raw('expires_at - 30000') });
      await w.db('alert_outbox').where({ state: 'sending' }).update({ next_attempt_at: w.db.raw('next_attempt_at - 60000') });
      expect(await leaderAmong(w, [s2])).toBe(s2);
      await until('every digest posted', () => channels.every((channel) => w.posts().some((post) => post.channel === channel)));
      await until('the outbox settled', () => outboxSettled(w));

      const { C0000DIG3: inFlight, ...others } = countBy(w.posts().map((post) => post.channel));
      expect(others).toEqual({ C0000DIG1: 1, C0000DIG2: 1, C0000DIG4: 1, C0000DIG5: 1, C0000DIG6: 1 });
      // The one post in flight when the process died: "that one post is sent again" (docs/alerts.md, Delivery).
      expect(inFlight).toBeGreaterThanOrEqual(1);
      expect(inFlight).toBeLessThanOrEqual(2);
      console.info(`replicas-adversarial: the digest in flight at the SIGKILL was posted ${inFlight} time(s)`);
    }, 40_000);
  });

  describe('configuration written through one replica', () => {
    it('is what the other replica uses at its next command, webhook and sweep', async () => {
      const w = await createWorld();
      const web = await w.start({ SCHEDULER: 'off' });
      const [s1, s2] = await Promise.all([w.start(), w.start()]) as [RunningKpibot, RunningKpibot];
      const leader = await leaderAmong(w, [s1, s2]);
      const standby = leader === s1 ? s2 : s1;
      const now = Date.now();
      await expectDelivered(web, openTicket('T-CFG0', now - 30 * MIN, 'Billing', AGENTS[0]));
      // The standby answers commands (and so has read what it reads) before the configuration changes.
      expect(await w.command(standby, 'alerts')).not.toContain('C0ROUTE');
      expect(await w.command(standby, 'sla list')).toContain('no SLA policies');

      // Through `web` (Slack) and the command line (another process): an SLA policy, a team route, a link, an escalation rule, quiet hours.
      expect(await w.command(web, 'sla add one-hour --first-response 1h')).toContain('added policy');
      expect(await w.command(web, 'alerts team Billing <#C0ROUTE1>')).toContain('Done');
      expect((await w.cli('alerts', 'team', 'Billing', '--channel', 'C0ROUTE2', '--lead', 'U00000LEAD')).code).toBe(0);
      expect(await w.command(web, `link <@${SLACK_OF['agent-1']}> ${AGENTS[0]?.email}`)).toContain('Done');
      expect(await w.command(web, 'alerts <#C0000ESC|esc> escalations')).toContain('Done');
      const hhmm = (ms: number) => iso(ms).slice(11, 16);
      expect((await w.cli('alerts', 'quiet', 'C0000ESC', hhmm(now - HOUR), hhmm(now + 2 * HOUR), '--timezone', 'UTC')).code).toBe(0);

      // The standby's next command sees all of it.
      const listed = await w.command(standby, 'alerts');
      expect(listed).toContain('C0ROUTE2');
      expect(listed).toContain('C0000ESC');
      expect(await w.command(standby, 'sla list')).toContain('one-hour');
      // Its next webhook: the ticket's due time follows the new policy; its escalation is held by the quiet hours just set.
      await expectDelivered(standby, openTicket('T-CFG1', now - 2 * HOUR, 'Billing', AGENTS[0]));
      const due = (await w.db('tickets').where({ external_id: 'T-CFG1' }).first('first_response_due_at')) as { first_response_due_at: number | null };
      expect(Number(due.first_response_due_at)).toBe(Math.floor((now - 2 * HOUR) / 1000) * 1000 + HOUR);
      await expectDelivered(standby, { id: 'msg_cfg_escalated', events: [{ type: 'ticket.escalated', id: 'T-CFG1-escalated', occurred_at: iso(now), ticket: { id: 'T-CFG1' } }] });
      const held = await until('the escalation alert written', async () => (await w.db('alert_outbox').where({ kind: 'escalation', channel_id: 'C0000ESC' }).first('next_attempt_at', 'state')) as Row | undefined);
      expect(held.state).toBe('pending');
      expect(Number(held.next_attempt_at)).toBeGreaterThan(Date.now() + HOUR);

      // Its next sweep (it takes the lease when the leader stops): the route set last, and the link.
      await stopCleanly(leader);
      expect(await leaderAmong(w, [standby])).toBe(standby);
      await until('the breach of T-CFG1 posted', () => w.posts().filter((post) => post.ticket === 'T-CFG1' && post.kind === 'breach').length >= 2);
      await until('the outbox settled', () => outboxSettled(w));
      const seen = countBy(w.posts().map((post) => `${post.ticket} ${post.kind} ${post.channel}`));
      expect(seen).toEqual({ 'T-CFG1 breach C0ROUTE2': 1, [`T-CFG1 breach D${SLACK_OF['agent-1']}`]: 1, [`T-CFG1 escalation D${SLACK_OF['agent-1']}`]: 1 });
    }, 40_000);
  });

  describe('replicas started at the same instant on a new database', () => {
    it('all come up, and the database stays usable', async () => {
      // README: "Migrations run at start, so the first process creates the schema; `kpibot migrate` runs them on their
      // own. Any number of processes may then serve webhooks". An orchestrator starts a deployment's replicas together;
      // a relay in front of PostgreSQL lets their first connections through together, so that they do start together.
      const w = await createWorld({}, { migrate: false });
      const barrier = await startConnectionBarrier(new URL(w.testDb.url), 3);
      const started = await Promise.allSettled([0, 1, 2].map(() => w.start({ DATABASE_URL: barrier.url })));
      for (const outcome of started) if (outcome.status === 'fulfilled') await killHard(outcome.value);
      await barrier.close();
      const refusals = started.flatMap((outcome) => (outcome.status === 'rejected' ? [String((outcome.reason as Error).message).split('\n').filter((line) => line.startsWith('kpibot:')).join(' ')] : []));
      const migrate = await w.cli('migrate');
      console.info(`replicas-adversarial: three replicas started at once on a new database: ${started.length - refusals.length} came up; refusals: ${JSON.stringify(refusals)}; then \`kpibot migrate\` alone: exit ${migrate.code} ${migrate.stderr.trim()}`);
      expect.soft(migrate.code, '`kpibot migrate` alone afterwards (exit code)').toBe(0);
      expect(refusals, 'replicas that exited at start').toEqual([]);
    }, 40_000);
  });
});
