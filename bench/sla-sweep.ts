/**
 * bench/sla-sweep: how long the minute's SLA sweep takes on a large open
 * backlog. Runs on a copy of bench/kpi's generated database (1,000,000
 * tickets, about 9,000 open, every ticket with due times): the first sweep
 * raises an alert for every open ticket past a stage (one transaction each,
 * with its outbox rows); the following sweeps find nothing new, which is the
 * steady state every minute.
 *
 *   npm run build && node dist/bench/kpi.js --runs 1 && node dist/bench/sla-sweep.js [--db /tmp/kpibot-bench-kpi.sqlite] [--runs 10]
 */
import { copyFileSync, existsSync, rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parseConfig } from '../src/config.js';
import { openDatabase } from '../src/store/database.js';
import { migrateLatest } from '../src/store/migrations.js';
import { silentLogger } from '../src/logger.js';
import { sweepSla } from '../src/schedule/alert-jobs.js';
import { alertSettings } from '../src/schedule/jobs.js';

const { values } = parseArgs({ options: { db: { type: 'string', default: '/tmp/kpibot-bench-kpi.sqlite' }, runs: { type: 'string', default: '10' } } });
if (!existsSync(values.db)) throw new Error(`${values.db} is missing: run bench/kpi first, which generates it`);
const copy = `${values.db}.sweep`;
for (const suffix of ['', '-wal', '-shm']) rmSync(`${copy}${suffix}`, { force: true });
copyFileSync(values.db, copy);
const db = openDatabase(parseConfig({ DATABASE_URL: `sqlite:${copy}` }).database);
await migrateLatest(db);
await db('alert_rules').insert({ kind: 'overdue', channel_id: 'C0000SLA1', config: '{}', created_at: 0, updated_at: 0 });
// One calendar-hours policy (1 h first response, 1 d resolution) governs every ticket, as its due times were generated.
const [policy] = (await db('sla_policies').insert({ name: 'bench', first_response_seconds: 3600, resolution_seconds: 86_400, business_hours: false, pause_statuses: '[]', position: 0, enabled: true, created_at: 0, updated_at: 0 }).returning('id')) as { id: number }[];
await db('tickets').update({ sla_policy_id: policy?.id ?? 1 });
const deps = { db, settings: alertSettings(parseConfig({})), locale: 'en' as const, timezone: 'UTC', logger: silentLogger() };
const open = Number(((await db('tickets').whereIn('status', ['new', 'open', 'pending', 'on-hold']).count({ n: '*' }).first()) as { n: number }).n);
const now = Date.parse('2026-11-01T00:00:00Z');
let t = performance.now();
const first = await sweepSla(deps, now);
console.log(`first sweep: ${(performance.now() - t).toFixed(0)} ms, ${first.alerts} alerts raised over ${open.toLocaleString('en')} open tickets`);
const times: number[] = [];
for (let run = 0; run < Number(values.runs); run += 1) {
  t = performance.now();
  await sweepSla(deps, now + (run + 1) * 60_000);
  times.push(performance.now() - t);
}
times.sort((a, b) => a - b);
console.log(`steady sweeps (nothing new): median ${(times[Math.floor(times.length / 2)] ?? 0).toFixed(0)} ms, max ${(times.at(-1) ?? 0).toFixed(0)} ms over ${times.length} runs`);
await db.destroy();
for (const suffix of ['', '-wal', '-shm']) rmSync(`${copy}${suffix}`, { force: true });
