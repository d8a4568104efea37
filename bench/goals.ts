/**
 * bench/goals: what goals add to a reply. Every reply, digest and report reads all the goals (one table, at most
 * MAX_GOALS rows) and judges its numbers by them; this times that read and judging, for the summary's eight
 * metrics and a breakdown's ten rows, with as many goals as the cap allows (each metric's, and per team).
 *
 *   npm run build && node dist/bench/goals.js [--goals 200] [--runs 300]
 *   BENCH_DATABASE_URL=postgres://... runs it on PostgreSQL (it adds goals there and removes them at the end;
 *   refused if the database already holds goals).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseConfig } from '../src/config.js';
import { openDatabase } from '../src/store/database.js';
import { migrateLatest } from '../src/store/migrations.js';
import { GoalStore } from '../src/store/goal-store.js';
import { breakdownWithGoals, GOAL_METRICS, MAX_GOALS, withGoal } from '../src/kpi/goals.js';
import { METRICS, type MetricId } from '../src/kpi/definitions.js';
import type { MetricResult } from '../src/kpi/metrics.js';
import type { BreakdownResult } from '../src/kpi/breakdown.js';

const { values } = parseArgs({ options: { goals: { type: 'string', default: String(MAX_GOALS) }, runs: { type: 'string', default: '300' } } });
const GOALS = Math.min(MAX_GOALS, Number(values.goals));
const RUNS = Number(values.runs);

const dir = mkdtempSync(join(tmpdir(), 'kpibot-bench-goals-'));
const config = parseConfig({ DATABASE_URL: process.env.BENCH_DATABASE_URL ?? `sqlite:${join(dir, 'goals.sqlite')}` });
const db = openDatabase(config.database);
await migrateLatest(db);
const store = new GoalStore(db);
if ((await store.all()).length > 0) throw new Error('the database holds goals already: point BENCH_DATABASE_URL at a database of its own');
// Each metric's goal for all tickets, then per team until the cap.
for (let index = 0; index < GOALS; index += 1) {
  const metric = GOAL_METRICS[index % GOAL_METRICS.length] as MetricId;
  const team = index < GOAL_METRICS.length ? undefined : `Team ${Math.floor(index / GOAL_METRICS.length)}`;
  await store.set({ metric, filters: team === undefined ? {} : { team }, target: 50 + index }, 'bench', 0);
}

const SUMMARY: MetricId[] = ['volume', 'backlog', 'frt', 'resolution', 'overdue', 'escalations', 'csat', 'fcr'];
const result = (metric: MetricId, value: number): MetricResult => ({ metric, period: { from: '', to: '', timezone: 'UTC' }, value, unit: METRICS[metric].unit, n: 10, previous: { value: null, n: 0 }, change: null, trend: 'unknown', details: {} });
const split: BreakdownResult = {
  metric: 'frt', by: 'team', period: { from: '', to: '', timezone: 'UTC' }, unit: 'seconds', overall: result('frt', 4000), more: 0, without: 0,
  rows: Array.from({ length: 10 }, (_, index) => ({ key: `team ${index}`, from: '', to: '', value: 3000 + index * 100, n: 10 })),
};

async function time(label: string, step: () => Promise<unknown>): Promise<void> {
  const ms: number[] = [];
  for (let run = 0; run < RUNS; run += 1) {
    const started = performance.now();
    await step();
    ms.push(performance.now() - started);
  }
  ms.sort((a, b) => a - b);
  const at = (q: number) => (ms[Math.min(ms.length - 1, Math.floor(q * ms.length))] ?? 0).toFixed(2);
  console.log(`${label}: median ${at(0.5)} ms, p95 ${at(0.95)} ms`);
}

console.log(`${config.database.client}, ${GOALS} goals, ${RUNS} runs each`);
await time('read the goals', () => store.all());
await time('read them and judge the summary\'s 8 metrics', async () => {
  const goals = await store.all();
  return SUMMARY.map((metric) => withGoal(result(metric, 100), goals, { team: 'Team 3' }));
});
await time('read them and judge a breakdown of 10 teams', async () => breakdownWithGoals(split, await store.all(), {}));

for (const goal of await store.all()) await store.remove(goal.metric, goal.filters);
await db.destroy();
rmSync(dir, { recursive: true, force: true });
