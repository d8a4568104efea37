/**
 * bench/kpi: latency of the `summary` report over 30 days on a realistic
 * synthetic dataset (1,000,000 tickets over 2 years, 50 agents, 10 teams, with
 * replies, resolutions, reopens, escalations, tags, response intervals and
 * CSAT answers), beside the floor: one raw SQL aggregate over the same rows,
 * in the same run. Prints median and p95 of each, and peak memory.
 *
 *   npm run build && node dist/bench/kpi.js [--tickets 1000000] [--runs 30] [--db /tmp/kpibot-bench-kpi.sqlite]
 *   BENCH_DATABASE_URL=postgres://... runs it on PostgreSQL instead.
 * The generated database is kept and reused when its ticket count matches.
 */
import { cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import type { Database } from '../src/store/database.js';
import { benchDatabase } from './bench-database.js';
import { KpiStore } from '../src/store/kpi-store.js';
import { IngestStore } from '../src/store/ingest-store.js';
import { computeAgents, computeSummary } from '../src/kpi/metrics.js';
import { computeBreakdown, type BreakdownMetric, type BreakdownPaging } from '../src/kpi/breakdown.js';
import type { Breakdown } from '../src/kpi/request-words.js';
import { resolvePeriod } from '../src/kpi/periods.js';
import { random } from '../src/demo/random.js';
import { bucketed } from '../src/kpi/duration-buckets.js';
import { matchKey } from '../src/kpi/sla.js';

/** A ticket's team and the key filters compare (as the projection writes them). */
const teamColumns = (team: string) => ({ team, team_key: matchKey(team) });

const { values } = parseArgs({ options: { tickets: { type: 'string', default: '1000000' }, runs: { type: 'string', default: '30' }, db: { type: 'string', default: '/tmp/kpibot-bench-kpi.sqlite' } } });
const TICKETS = Number(values.tickets);
const RUNS = Number(values.runs);
const H = 3_600_000;
const END = Date.parse('2026-11-01T00:00:00Z');
const START = END - 730 * 24 * H;


async function generate(db: Database): Promise<void> {
  const rand = random(42);
  const now = Date.now();
  await db.transaction(async (trx) => {
    const agents = Array.from({ length: 50 }, (_, i) => ({ source: 'bench', external_id: `a${i}`, email: `agent${i}@example.com`, name: `Agent ${i}`, name_key: matchKey(`Agent ${i}`), created_at: now, updated_at: now }));
    await trx('agents').insert(agents);
  });
  const agentIds = ((await db('agents').select('id').orderBy('id')) as { id: number }[]).map((row) => row.id);
  const priorities = ['low', 'normal', 'normal', 'normal', 'high', 'urgent'];
  const channels = ['email', 'email', 'chat', 'web', 'phone'];
  const BATCH = 1000;
  for (let start = 0; start < TICKETS; start += BATCH) {
    const tickets: Record<string, unknown>[] = [];
    const ratings: { created: number; score: number; index: number }[] = [];
    const spans = new Map<string, { resolved_at: number; reopened_at: number }>(); // external id → the resolution a reopening undid
    for (let i = start; i < Math.min(TICKETS, start + BATCH); i += 1) {
      const created = START + Math.floor((i / TICKETS) * (END - START)) + Math.floor(rand() * 60_000);
      // Nearly every ticket is answered and solved within days; what stays open is recent (a realistic backlog).
      const recent = created > END - 14 * 24 * H;
      const replied = !recent || rand() < 0.9 ? created + Math.floor(rand() ** 3 * 48 * H) : null;
      const resolved = replied !== null && (!recent || rand() < 0.7) ? replied + Math.floor(rand() ** 2 * 96 * H) : null;
      // A reopened ticket: solved, reopened within two days, then (unless recent) solved again within two more.
      const reopenedAt = resolved !== null && rand() < 0.06 ? resolved + Math.floor(rand() * 48 * H) : null;
      const escalated = rand() < 0.05 ? created + Math.floor(rand() * 24 * H) : null;
      const open = resolved === null || (reopenedAt !== null && created > END - 30 * 24 * H);
      const lastResolved = open ? null : reopenedAt !== null ? reopenedAt + Math.floor(rand() * 48 * H) : resolved;
      if (reopenedAt !== null && resolved !== null) spans.set(`T${i}`, { resolved_at: resolved, reopened_at: reopenedAt });
      // The stored durations and their buckets, as the projection writes them (src/store/ingest-store.ts).
      const firstResponse = bucketed(replied === null ? null : replied - created);
      const resolution = bucketed(lastResolved === null ? null : lastResolved - created);
      tickets.push({
        source: 'bench', external_id: `T${i}`, status: open ? 'open' : 'solved', priority: priorities[Math.floor(rand() * priorities.length)],
        channel: channels[Math.floor(rand() * channels.length)], ...teamColumns(`Team ${Math.floor(rand() * 10)}`), assignee_agent_id: agentIds[Math.floor(rand() * agentIds.length)],
        created_by_agent: false, created_at: created, updated_at: lastResolved ?? reopenedAt ?? resolved ?? replied ?? created, first_customer_message_at: created,
        first_response_at: replied, first_resolved_at: resolved, resolved_at: lastResolved, closed_at: null,
        reopen_count: reopenedAt === null ? 0 : 1, agent_reply_count: replied === null ? 0 : 1 + Math.floor(rand() * 3), customer_message_count: 1 + Math.floor(rand() * 3),
        escalated_at: escalated, escalation_count: escalated === null ? 0 : 1, handle_time_seconds: Math.floor(rand() * 1800),
        first_response_due_at: created + 8 * H, resolution_due_at: created + 72 * H, projected_at: now,
        first_response_ms: firstResponse.ms, first_response_bucket: firstResponse.bucket, resolution_ms: resolution.ms, resolution_bucket: resolution.bucket,
      });
      if (lastResolved !== null && rand() < 0.25) ratings.push({ created: lastResolved + H, score: 1 + Math.floor(rand() * 5), index: i });
    }
    await db.transaction(async (trx) => {
      // SQLite allows at most 500 terms in a compound SELECT, which knex uses for multi-row inserts.
      const inserted: { id: number; created_at: number; first_response_at: number | null; external_id: string }[] = [];
      for (let k = 0; k < tickets.length; k += 200) {
        inserted.push(...((await trx('tickets').insert(tickets.slice(k, k + 200)).returning(['id', 'created_at', 'first_response_at', 'external_id'])) as typeof inserted));
      }
      const intervals = inserted.filter((row) => row.first_response_at !== null).map((row) => ({ ticket_id: row.id, customer_at: row.created_at, replied_at: row.first_response_at as number, seconds: Math.round(((row.first_response_at as number) - row.created_at) / 1000) }));
      for (let k = 0; k < intervals.length; k += 250) await trx('ticket_response_intervals').insert(intervals.slice(k, k + 250));
      const tags = inserted.filter((_, k) => k % 3 === 0).map((row) => ({ ticket_id: row.id, tag: 'vip' }));
      for (let k = 0; k < tags.length; k += 400) await trx('ticket_tags').insert(tags.slice(k, k + 400));
      const byExternal = new Map(inserted.map((row) => [row.external_id, row.id]));
      const spanRows = [...spans].map(([external, span]) => ({ ticket_id: byExternal.get(external), ...span }));
      for (let k = 0; k < spanRows.length; k += 300) await trx('ticket_resolved_spans').insert(spanRows.slice(k, k + 300));
      const surveys = ratings.map((r) => ({ source: 'bench', kind: 'csat', scale: '1-5', score: r.score, ticket_id: byExternal.get(`T${r.index}`), responded_at: r.created, dedupe_key: `csat:${r.index}` }));
      for (let k = 0; k < surveys.length; k += 200) await trx('survey_responses').insert(surveys.slice(k, k + 200));
    });
    if ((start / BATCH) % 50 === 0) process.stderr.write(`\rgenerating: ${start.toLocaleString('en')} / ${TICKETS.toLocaleString('en')} tickets`);
  }
  process.stderr.write('\n');
}

function stats(samples: number[]): { median: number; p95: number; p99: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0;
  return { median: at(0.5), p95: at(0.95), p99: at(0.99) };
}

const { db, client } = await benchDatabase({ file: values.db, table: 'tickets', count: TICKETS, noun: 'tickets', generate });

const now = END;
const period = resolvePeriod('30d', now, 'UTC');
const store = new KpiStore(db);
const summaryTimes: number[] = [];
const floorTimes: number[] = [];
let result;
for (let run = 0; run < RUNS + 3; run += 1) {
  let t = performance.now();
  result = await computeSummary(store, period, {}, now);
  const summaryMs = performance.now() - t;
  t = performance.now();
  // The floor: one aggregate over the same 30 days of tickets, the least any report must do.
  await db('tickets').where('created_at', '>=', period.from).andWhere('created_at', '<', period.to).select(db.raw('count(*) as n, avg(first_response_at - created_at) as frt, sum(case when resolved_at is null then 1 else 0 end) as open'));
  const floorMs = performance.now() - t;
  if (run >= 3) {
    summaryTimes.push(summaryMs);
    floorTimes.push(floorMs);
  }
}
const summary = stats(summaryTimes);
const floor = stats(floorTimes);
// Also timed (no goal set): the `agents` table over the same 30 days, which every digest carries beside the summary.
const agentTimes: number[] = [];
let agentRows = 0;
for (let run = 0; run < Math.min(RUNS, 10) + 1; run += 1) {
  const t = performance.now();
  agentRows = (await computeAgents(store, period, {}, now)).rows.length;
  if (run >= 1) agentTimes.push(performance.now() - t);
}
const agentsTable = stats(agentTimes);

// Also timed (no goal set): breakdowns, each row one more run of the metric's own queries (src/kpi/breakdown.ts);
// and the values a split alert rule judges each minute (`threshold frt > 4h by:agent`: every agent, no previous period).
const BREAKDOWN_CASES: readonly (readonly [BreakdownMetric, Breakdown, string, BreakdownPaging?])[] = [
  ['frt', 'team', '30d'], ['frt', 'agent', '30d'], ['csat', 'priority', '30d'], ['volume', 'day', '30d'], ['backlog', 'day', '30d'], ['frt', 'week', '90d'], ['resolution', 'month', 'this-year'],
  ['frt', 'agent', '24h', { watch: true }], ['frt', 'agent', '30d', { watch: true }],
];
const breakdownLines: string[] = [];
for (const [metric, by, word, paging] of BREAKDOWN_CASES) {
  const over = resolvePeriod(word, now, 'UTC');
  const times: number[] = [];
  let rows = 0;
  for (let run = 0; run < Math.min(RUNS, 10) + 1; run += 1) {
    const t = performance.now();
    rows = (await computeBreakdown(metric, by, store, over, {}, now, paging)).rows.length;
    if (run >= 1) times.push(performance.now() - t);
  }
  const timed = stats(times);
  breakdownLines.push(`${metric} ${word} by:${by}${paging?.watch === true ? ', as a split alert rule watches it' : ''} (${rows} rows): median ${timed.median.toFixed(1)} ms, p95 ${timed.p95.toFixed(1)} ms`);
}

// Webhook deliveries written one at a time (5 ms apart), alone and while agents tables are computed
// back to back: what a long report costs the ingest path. The rows are removed afterwards.
const WRITES_SOURCE = 'bench-writes';
async function deliveryLatencies(withReports: boolean): Promise<{ median: number; p95: number; p99: number; reports: number }> {
  const ingest = new IngestStore(db, { escalationGroups: [], escalationTag: 'escalated' }, () => now);
  let reporting = withReports;
  let reports = 0;
  const reportLoop = (async () => {
    while (reporting) {
      await computeAgents(store, period, {}, now);
      reports += 1;
    }
  })();
  const times: number[] = [];
  try {
    for (let i = 0; i < 200; i += 1) {
      const key = `${withReports ? 'r' : 'a'}${i}`;
      const t = performance.now();
      await ingest.recordDelivery({ source: WRITES_SOURCE, deliveryKey: key, receivedAt: now, bodyBytes: 0, bodySha256: key }, [
        { kind: 'ticket', type: 'ticket_created', externalTicketId: key, occurredAt: now - H, data: { status: 'new' }, actor: { type: 'customer', id: 'c' }, dedupeKey: key },
      ]);
      times.push(performance.now() - t);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  } finally {
    reporting = false;
    await reportLoop;
    for (const table of ['tickets', 'ticket_events', 'webhook_deliveries']) await db(table).where({ source: WRITES_SOURCE }).delete();
  }
  return { ...stats(times), reports };
}
const writesAlone = await deliveryLatencies(false);
const writesBeside = await deliveryLatencies(true);
console.log(`bench/kpi on ${client}: ${TICKETS.toLocaleString('en')} tickets; ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`);
console.log(`summary over 30 days (${result?.metrics[0]?.value ?? 0} tickets created): median ${summary.median.toFixed(1)} ms, p95 ${summary.p95.toFixed(1)} ms (${RUNS} runs)`);
console.log(`floor, one raw aggregate over the same rows: median ${floor.median.toFixed(1)} ms, p95 ${floor.p95.toFixed(1)} ms`);
console.log(`agents table over 30 days (${agentRows} agents): median ${agentsTable.median.toFixed(1)} ms, p95 ${agentsTable.p95.toFixed(1)} ms (${agentTimes.length} runs)`);
for (const line of breakdownLines) console.log(`breakdown ${line}`);
const latencyLine = (w: { median: number; p95: number; p99: number }) => `median ${w.median.toFixed(1)} ms, p95 ${w.p95.toFixed(1)} ms, p99 ${w.p99.toFixed(1)} ms`;
console.log(`one delivery written, alone: ${latencyLine(writesAlone)}; while agents tables run (${writesBeside.reports} computed): ${latencyLine(writesBeside)}`);
console.log(`ratio (median): ${(summary.median / floor.median).toFixed(1)}x; peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
await db.destroy();
