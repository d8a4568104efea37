/**
 * bench/customers: latency of the customer metrics (churn, repeat purchase)
 * on a generated customer base: N customers over 2 years, each with a
 * start and ten purchases, 15 % of them churned once. Churn reads every
 * churner's event history (docs/metrics.md, churn), so it grows with the
 * churners and their events, not with the period. Also eNPS, which reads
 * every wave's answers to find the waves that start in the period: a weekly
 * pulse to 1,000 people over the 2 years (about 70 % answer; one wave a month
 * answered by 3, which counts nowhere) and 300 answers a month sent with no
 * survey id.
 *
 *   npm run build && node dist/bench/customers.js [--customers 100000] [--runs 12] [--db /tmp/kpibot-bench-customers.sqlite]
 *   BENCH_DATABASE_URL=postgres://... runs it on PostgreSQL instead (an empty database).
 * The generated database is kept and reused when its customer count matches.
 */
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import type { Database } from '../src/store/database.js';
import { benchDatabase } from './bench-database.js';
import { KpiStore } from '../src/store/kpi-store.js';
import { random } from '../src/demo/random.js';

const { values } = parseArgs({ options: { customers: { type: 'string', default: '100000' }, runs: { type: 'string', default: '12' }, db: { type: 'string', default: '/tmp/kpibot-bench-customers.sqlite' } } });
const CUSTOMERS = Number(values.customers);
const RUNS = Number(values.runs);
const DAY = 86_400_000;
const END = Date.parse('2026-11-01T00:00:00Z');
const START = END - 730 * DAY;

async function generate(db: Database): Promise<number> {
  const rand = random(7);
  let events = 0;
  for (let first = 0; first < CUSTOMERS; first += 1000) {
    await db.transaction(async (trx) => {
      const batch = Array.from({ length: Math.min(1000, CUSTOMERS - first) }, (_, k) => ({
        source: 'bench', external_id: `c${first + k}`, became_customer_at: START + Math.floor(rand() * 700 * DAY), churned_at: null, created_at: 0, updated_at: 0,
      }));
      const rows: { id: number; became_customer_at: number }[] = [];
      for (let k = 0; k < batch.length; k += 100) rows.push(...((await trx('customers').insert(batch.slice(k, k + 100)).returning(['id', 'became_customer_at'])) as typeof rows));
      const history: Record<string, unknown>[] = [];
      for (const { id, became_customer_at: since } of rows) {
        const event = (type: string, at: number, key: string) => history.push({ source: 'bench', customer_id: id, type, occurred_at: Math.min(at, END - 1), dedupe_key: `${key}${id}` });
        event('became_customer', Number(since), 'b');
        for (let p = 0; p < 10; p += 1) event('purchase', Number(since) + Math.floor(rand() * 30 * DAY * p), `p${p}-`);
        if (rand() < 0.15) event('churned', Number(since) + Math.floor(rand() * 400 * DAY), 'x');
      }
      for (let k = 0; k < history.length; k += 150) await trx('customer_events').insert(history.slice(k, k + 150));
      events += history.length;
    });
  }
  return events;
}

/** The eNPS answers, added once to a database that has none. */
async function generateEnps(db: Database): Promise<number> {
  const rand = random(11);
  const rows: Record<string, unknown>[] = [];
  const answer = (survey: string | null, at: number, key: string) => rows.push({ source: survey === null ? 'generic' : 'slack', kind: 'enps', scale: '0-10', score: Math.floor(rand() * 11), survey_id: survey, responded_at: at, dedupe_key: key });
  for (let week = 0; week < 104; week += 1) {
    const start = START + week * 7 * DAY;
    const answers = week % 4 === 3 ? 3 : Math.floor(650 + rand() * 100);
    for (let k = 0; k < answers; k += 1) answer(String(week + 1), start + Math.floor(rand() * 4 * DAY), `w${week}-${k}`);
  }
  for (let month = 0; month < 24; month += 1) {
    for (let k = 0; k < 300; k += 1) answer(null, START + month * 30 * DAY + Math.floor(rand() * 29 * DAY), `m${month}-${k}`);
  }
  for (let k = 0; k < rows.length; k += 500) await db('survey_responses').insert(rows.slice(k, k + 500));
  return rows.length;
}

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

const { db, client } = await benchDatabase({ file: values.db, table: 'customers', count: CUSTOMERS, noun: 'customers', generate: async (target) => `, ${(await generate(target)).toLocaleString('en')} events,` });
const churners = Number(((await db('customer_events').where('type', 'churned').countDistinct({ n: 'customer_id' }).first()) as { n: number | string }).n);
console.log(`bench/customers on ${client}: ${CUSTOMERS.toLocaleString('en')} customers, ${churners.toLocaleString('en')} churned; ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`);
const store = new KpiStore(db);
const enpsRows = Number(((await db('survey_responses').where('kind', 'enps').count({ n: '*' }).first()) as { n: number | string }).n);
const enpsAnswers = enpsRows > 0 ? enpsRows : await generateEnps(db);
console.log(`eNPS: ${enpsAnswers.toLocaleString('en')} answers${enpsRows > 0 ? '' : ' (added now)'}`);
for (const days of [30, 90, 365]) {
  const range = { from: END - days * DAY, to: END };
  const churnTimes: number[] = [];
  const repeatTimes: number[] = [];
  let churn = { atStart: 0, lost: 0 };
  for (let run = 0; run < RUNS + 2; run += 1) {
    let t = performance.now();
    churn = await store.churn(range);
    const churnMs = performance.now() - t;
    t = performance.now();
    await store.repeatPurchase(range);
    if (run >= 2) {
      churnTimes.push(churnMs);
      repeatTimes.push(performance.now() - t);
    }
  }
  console.log(`${days} d: churn ${churn.lost.toLocaleString('en')} of ${churn.atStart.toLocaleString('en')}, median ${median(churnTimes).toFixed(1)} ms; repeat purchase median ${median(repeatTimes).toFixed(1)} ms (${RUNS} runs)`);
}
for (const days of [30, 90, 365]) {
  const range = { from: END - days * DAY, to: END };
  const times: number[] = [];
  let answers = 0;
  for (let run = 0; run < RUNS + 2; run += 1) {
    const t = performance.now();
    answers = (await store.enpsWaveScores(range, 5)).reduce((sum, row) => sum + row.n, 0);
    if (run >= 2) times.push(performance.now() - t);
  }
  console.log(`${days} d: eNPS over ${answers.toLocaleString('en')} answers of whole waves, median ${median(times).toFixed(1)} ms (${RUNS} runs)`);
}
await db.destroy();
