/**
 * bench/digest-fanout: 500 digest subscriptions due at the same minute, built
 * and posted through the outbox against a loopback fake of Slack's Web API that
 * enforces Slack's documented chat.postMessage limits: one message per second
 * per channel (a second post to a channel within the second is answered 429
 * with Retry-After: 1) and, workspace-wide, "several hundred a minute" (taken
 * as 300 in any 60 s). Prints the time to build the digests, the time to post
 * them, the posts per minute, the highest per-channel rate seen, and the 429s.
 *
 *   npm run build && node dist/bench/digest-fanout.js [--subscriptions 500] [--channels 50] [--tickets 2000]
 *   ... --pace 0 --gap 0   the same without the sender's pacing, for comparison
 *   BENCH_DATABASE_URL=postgres://... runs it on PostgreSQL instead.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseConfig } from '../src/config.js';
import { openDatabase } from '../src/store/database.js';
import { migrateLatest } from '../src/store/migrations.js';
import { DigestStore } from '../src/store/digest-store.js';
import { OutboxStore } from '../src/store/outbox-store.js';
import { IngestStore } from '../src/store/ingest-store.js';
import { DEFAULT_PROJECTION_OPTIONS } from '../src/ingest/project-ticket.js';
import { ticketEvent } from '../src/ingest/events.js';
import { runDigests } from '../src/schedule/digests.js';
import { OutboxSender } from '../src/schedule/sender.js';
import { WORKSPACE_GAP_MS } from '../src/schedule/jobs.js';
import { createPostingClient, webClientPoster } from '../src/slack/poster.js';
import { silentLogger } from '../src/logger.js';

const { values } = parseArgs({ options: { subscriptions: { type: 'string', default: '500' }, channels: { type: 'string', default: '50' }, tickets: { type: 'string', default: '2000' }, pace: { type: 'string', default: '1000' }, gap: { type: 'string', default: String(WORKSPACE_GAP_MS) } } });
const SUBSCRIPTIONS = Number(values.subscriptions);
const CHANNELS = Number(values.channels);
const TICKETS = Number(values.tickets);
const WORKSPACE_PER_MINUTE = 300;

// --- The fake Slack, with Slack's limits -------------------------------------------------
const posts: { channel: string; at: number }[] = [];
let rejected = 0;
const lastByChannel = new Map<string, number>();
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const args = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
    const channel = args.get('channel') ?? '';
    const at = Date.now();
    const windowStart = at - 60_000;
    const lastMinute = posts.filter((post) => post.at > windowStart).length;
    if (at - (lastByChannel.get(channel) ?? 0) < 1000 || lastMinute >= WORKSPACE_PER_MINUTE) {
      rejected += 1;
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '1' });
      res.end(JSON.stringify({ ok: false, error: 'ratelimited' }));
      return;
    }
    lastByChannel.set(channel, at);
    posts.push({ channel, at });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ ok: true, channel, ts: `${at / 1000}` }));
  });
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/`;

// --- Data ---------------------------------------------------------------------------------
const dir = mkdtempSync(join(tmpdir(), 'kpibot-bench-digest-'));
const config = parseConfig({ DATABASE_URL: process.env.BENCH_DATABASE_URL ?? `sqlite:${join(dir, 'bench.sqlite')}` });
const db = openDatabase(config.database);
await migrateLatest(db);
await db('alert_outbox').delete();
await db('digest_subscriptions').delete();
const H = 3_600_000;
const NINE = Date.UTC(2026, 10, 23, 9, 0, 0);
const ingest = new IngestStore(db, DEFAULT_PROJECTION_OPTIONS);
for (let batch = 0; batch < TICKETS; batch += 200) {
  const events = [];
  for (let n = batch; n < Math.min(TICKETS, batch + 200); n += 1) {
    const created = NINE - ((n * 7919) % (14 * 24)) * H;
    events.push(ticketEvent(`B-${n}`, 'ticket_created', { occurredAt: created, dedupeKey: `c${n}` }, { status: 'new', team: `Team ${n % 10}` }));
    if (n % 3 !== 0) events.push(ticketEvent(`B-${n}`, 'agent_reply', { occurredAt: created + ((n % 17) + 1) * 600_000, dedupeKey: `r${n}`, actor: { type: 'agent', id: `a${n % 20}` } }, {}));
    if (n % 2 === 0) events.push(ticketEvent(`B-${n}`, 'status_changed', { occurredAt: created + 20 * H, dedupeKey: `s${n}` }, { status: 'solved' }));
  }
  await ingest.recordDelivery({ source: 'generic', deliveryKey: `bench-${batch}`, receivedAt: NINE, bodyBytes: 1, bodySha256: `b${batch}` }, events);
}
const digests = new DigestStore(db);
for (let n = 0; n < SUBSCRIPTIONS; n += 1) {
  await digests.add({ kind: 'channel', channelId: `CBENCH${n % CHANNELS}`, schedule: '0 9 * * *', timezone: 'UTC', filters: n % 2 === 0 ? {} : { team: `Team ${n % 10}` } }, NINE - H);
}

// --- Build, then post -------------------------------------------------------------------------
const buildStart = performance.now();
const enqueued = await runDigests({ db, locale: 'en' }, NINE + 1000);
const buildMs = performance.now() - buildStart;

const sender = new OutboxSender({
  store: new OutboxStore(db), poster: webClientPoster(createPostingClient('xoxb-bench', apiUrl)), clock: Date.now, logger: silentLogger(), admins: [], locale: 'en', paceMs: Number(values.pace), workspaceGapMs: Number(values.gap), batchSize: 25,
});
// Due now on the wall clock (the digests were decided on the bench's fake 09:00).
await db('alert_outbox').update({ next_attempt_at: Date.now() });
const postStart = Date.now();
while (posts.length < enqueued && Date.now() - postStart < 30 * 60_000) {
  await sender.deliverDue();
  await new Promise((resolve) => setTimeout(resolve, 100));
}
const postMs = Date.now() - postStart;

let maxPerChannelSecond = 0;
const byChannel = new Map<string, number[]>();
for (const post of posts) byChannel.set(post.channel, [...(byChannel.get(post.channel) ?? []), post.at]);
for (const times of byChannel.values()) {
  for (let i = 0; i < times.length; i += 1) {
    const within = times.filter((at) => at >= (times[i] ?? 0) && at < (times[i] ?? 0) + 1000).length;
    maxPerChannelSecond = Math.max(maxPerChannelSecond, within);
  }
}
let maxPerMinute = 0;
for (const post of posts) maxPerMinute = Math.max(maxPerMinute, posts.filter((other) => other.at >= post.at && other.at < post.at + 60_000).length);

console.log(JSON.stringify({
  engine: config.database.client,
  subscriptions: SUBSCRIPTIONS,
  channels: CHANNELS,
  tickets: TICKETS,
  paceMs: Number(values.pace),
  workspaceGapMs: Number(values.gap),
  enqueued,
  posted: posts.length,
  buildMs: Math.round(buildMs),
  buildMsPerDigest: Math.round((buildMs / Math.max(1, enqueued)) * 10) / 10,
  postSeconds: Math.round(postMs / 100) / 10,
  postsPerMinute: Math.round((posts.length / postMs) * 60_000),
  maxPostsPerChannelInOneSecond: maxPerChannelSecond,
  maxPostsInAnyMinute: maxPerMinute,
  rateLimited429: rejected,
}, null, 2));

await db.destroy();
server.close();
rmSync(dir, { recursive: true, force: true });
