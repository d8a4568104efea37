/**
 * bench/sweep: how long each `/kpi` reply takes on the database bench/kpi generated (1M tickets over two years, run
 * bench/kpi first): every metric over periods from today to two years, with each filter, split by agent, team and
 * time, the Show tickets lists and the Home tab; the computations the Slack reply and `kpibot report` make, timed one
 * after another. Prints one JSON line per case (median of --runs; a case under --fast ms on its first run is timed
 * once), then the slowest 15.
 *
 *   npm run build && node dist/bench/sweep.js [--db FILE] [--runs 3] [--fast 300] [--match REGEX]
 *   BENCH_DATABASE_URL=postgres://... node dist/bench/sweep.js      # PostgreSQL
 */
import { parseArgs } from 'node:util';
import { parseConfig } from '../src/config.js';
import { openDatabase } from '../src/store/database.js';
import { KpiStore, type TicketFilters } from '../src/store/kpi-store.js';
import { GoalStore } from '../src/store/goal-store.js';
import { computeAgents, computeMetric, computeSummary, unmatchedFilters } from '../src/kpi/metrics.js';
import { breakdownProblem, computeBreakdown, type BreakdownMetric } from '../src/kpi/breakdown.js';
import { periodInstant, resolvePeriod } from '../src/kpi/periods.js';
import type { PeriodRange } from '../src/kpi/metrics.js';
import type { Breakdown } from '../src/kpi/request-words.js';
import type { MetricId } from '../src/kpi/definitions.js';

const { values } = parseArgs({ options: { db: { type: 'string', default: '/tmp/kpibot-bench-kpi.sqlite' }, runs: { type: 'string', default: '3' }, fast: { type: 'string', default: '300' }, match: { type: 'string' } } });
const RUNS = Number(values.runs);
const FAST_MS = Number(values.fast);
const match = values.match === undefined ? undefined : new RegExp(values.match);

const config = parseConfig({ DATABASE_URL: process.env.BENCH_DATABASE_URL ?? `sqlite:${values.db}` });
const db = openDatabase(config.database);
const tickets = Number(((await db('tickets').count({ n: '*' }).first()) as { n: number | string } | undefined)?.n ?? 0);
if (tickets === 0) throw new Error('no tickets: run bench/kpi first (node dist/bench/kpi.js), which generates the database this reads');
const store = new KpiStore(db);
const goals = new GoalStore(db);
/** The end of bench/kpi's data. */
const now = Date.parse('2026-11-01T00:00:00Z');
const period = (word: string): PeriodRange => resolvePeriod(word, now, 'UTC');

const PERIODS = ['today', '7d', '30d', '90d', 'this-quarter', 'last-year', 'this-year', '2024-11-01..2026-10-31'];
const METRICS: MetricId[] = ['volume', 'backlog', 'resolved', 'frt', 'response', 'resolution', 'overdue', 'escalations', 'fcr', 'csat', 'nps', 'ces', 'enps', 'aht', 'churn', 'repeat', 'selfservice'];
const WORKSPACE_WIDE = new Set<MetricId>(['churn', 'repeat', 'enps', 'selfservice']);
const FILTERS: Record<string, TicketFilters> = { team: { team: 'Team 3' }, agent: { agent: 'agent7@example.com' }, priority: { priority: 'high' }, tag: { tag: 'vip' }, channel: { channel: 'chat' } };
const SPLITS: [string, Breakdown[]][] = [['30d', ['agent', 'team', 'day']], ['90d', ['week']], ['this-year', ['month']]];

/** As the /kpi reply: the filters checked and the goals read first, then the computation. */
async function reply(metric: MetricId | 'summary' | 'agents', range: PeriodRange, filters: TicketFilters, by?: Breakdown): Promise<unknown> {
  await Promise.all([unmatchedFilters(store, filters), goals.all()]);
  if (by !== undefined) return computeBreakdown(metric as BreakdownMetric, by, store, range, filters, now, {});
  if (metric === 'summary') return computeSummary(store, range, filters, now);
  if (metric === 'agents') return computeAgents(store, range, filters, now);
  return computeMetric(metric, store, range, filters, now);
}

const cases: { name: string; run: () => Promise<unknown> }[] = [];
const add = (name: string, run: () => Promise<unknown>) => {
  if (match === undefined || match.test(name)) cases.push({ name, run });
};
for (const metric of [...METRICS, 'summary', 'agents'] as const) for (const word of PERIODS) add(`${metric} ${word}`, () => reply(metric, period(word), {}));
for (const metric of [...METRICS.filter((id) => !WORKSPACE_WIDE.has(id)), 'summary', 'agents'] as const) {
  for (const word of ['30d', 'this-year', '2024-11-01..2026-10-31']) for (const [key, filters] of Object.entries(FILTERS)) add(`${metric} ${word} ${key}:${Object.values(filters)[0] as string}`, () => reply(metric, period(word), filters));
}
for (const metric of METRICS) {
  for (const [word, splits] of SPLITS) {
    for (const by of splits) if (breakdownProblem(metric as BreakdownMetric, by, period(word)) === undefined) add(`${metric} ${word} by:${by}`, () => reply(metric, period(word), {}, by));
  }
}
for (const list of ['backlog', 'overdue', 'escalations'] as const) {
  for (const word of ['today', '30d', 'this-year', '2024-11-01..2026-10-31']) {
    for (const [key, filters] of [['', {}], ['team', FILTERS.team ?? {}], ['agent', FILTERS.agent ?? {}]] as const) {
      const range = period(word);
      add(`tickets ${list} ${word}${key === '' ? '' : ` ${key}`}`, () => store.ticketList(list, { at: periodInstant(range, now), range, filters, offset: 0, limit: 10 }));
    }
  }
}
add('home tab of a linked agent', async () => {
  const week = period('7d');
  await goals.all();
  await computeSummary(store, week, {}, now);
  await store.ticketList('backlog', { at: now, range: week, filters: FILTERS.agent ?? {}, offset: 0, limit: 15 });
  await computeMetric('frt', store, week, FILTERS.agent ?? {}, now);
  return computeMetric('csat', store, week, FILTERS.agent ?? {}, now);
});

console.log(`bench/sweep on ${config.database.client}: ${tickets.toLocaleString('en')} tickets, ${cases.length} cases, median of ${RUNS} runs (one when under ${FAST_MS} ms)`);
const results: { name: string; median: number }[] = [];
for (const { name, run } of cases) {
  const times: number[] = [];
  for (let round = 0; round < RUNS; round += 1) {
    const started = performance.now();
    await run();
    times.push(performance.now() - started);
    if (round === 0 && (times[0] ?? 0) < FAST_MS) break;
  }
  const sorted = [...times].sort((a, b) => a - b);
  const median = sorted[Math.floor((sorted.length - 1) / 2)] ?? 0;
  results.push({ name, median });
  console.log(JSON.stringify({ case: name, median_s: Number((median / 1000).toFixed(3)), runs_s: times.map((ms) => Number((ms / 1000).toFixed(3))) }));
}
console.log('slowest:');
for (const { name, median } of [...results].sort((a, b) => b.median - a.median).slice(0, 15)) console.log(`  ${(median / 1000).toFixed(2)} s  ${name}`);
console.log(`over 1 s: ${results.filter((row) => row.median > 1000).length} of ${results.length}`);
await db.destroy();
