/**
 * Benchmark of `kpibot import`: writes a CSV of N synthetic tickets (1,000,000
 * by default) to a temporary file, imports it into a fresh SQLite file, and into
 * PostgreSQL when BENCH_DATABASE_URL is set (a fresh database created through
 * that server and dropped after), then prints rows per second and memory.
 *
 *   npm run build && node dist/bench/import.js [--rows N] [--dry-run] [--twice] [--keep]
 *
 * --dry-run  only read and check the file (the streaming parser, no database)
 * --twice    import the file a second time (every row unchanged: the idempotent path)
 * --keep     keep the temporary folder (the CSV and the SQLite file)
 *
 * Peak RSS is sampled during each run (process.memoryUsage().rss); the
 * process-wide peak (process.resourceUsage().maxRSS) is printed at the end.
 */
import { once } from 'node:events';
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { parseConfig } from '../src/config.js';
import { openDatabase, type Database } from '../src/store/database.js';
import { migrateLatest } from '../src/store/migrations.js';
import { runImport, type ImportOptions, type ImportSummary } from '../src/ingest/csv/run-import.js';
import { random } from '../src/demo/random.js';

const { values } = parseArgs({
  options: { rows: { type: 'string' }, 'dry-run': { type: 'boolean' }, twice: { type: 'boolean' }, keep: { type: 'boolean' } },
});
const ROWS = Number(values.rows ?? 1_000_000);
if (!Number.isSafeInteger(ROWS) || ROWS < 1) throw new Error('--rows must be a whole number');
const MB = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MB`;


async function writeCsv(file: string, rows: number): Promise<void> {
  const next = random(42);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  const statuses = ['Open', 'Pending', 'Solved', 'Solved', 'Closed', 'Closed', 'On-hold'];
  const priorities = ['Low', 'Normal', 'Normal', 'High', 'Urgent'];
  const channels = ['Email', 'Web Form', 'Chat', 'Phone'];
  const groups = Array.from({ length: 12 }, (_, index) => `Group ${index + 1}`);
  const agents = Array.from({ length: 60 }, (_, index) => `agent${index + 1}@example.com`);
  const tags = ['billing', 'refund', 'bug', 'login', 'vip', 'escalated', 'shipping'];
  const start = Date.parse('2025-01-01T00:00:00Z');
  const pad = (n: number) => String(n).padStart(2, '0');
  const local = (ms: number) => {
    const d = new Date(ms);
    return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
  };

  const out = createWriteStream(file);
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, 'drain');
  };
  await write('id,created_at,first_response_at,resolved_at,closed_at,status,priority,channel,group,assignee_email,requester,csat,reopens,agent_replies,handle_time,tags,subject\n');
  let chunk = '';
  for (let index = 0; index < rows; index += 1) {
    const created = start + Math.floor(next() * 365 * 86_400_000);
    const status = pick(statuses);
    const replied = next() < 0.9 ? created + Math.floor(next() * 8 * 3_600_000) : undefined;
    const resolved = status === 'Solved' || status === 'Closed' ? (replied ?? created) + Math.floor(next() * 72 * 3_600_000) : undefined;
    const closed = status === 'Closed' && resolved !== undefined ? resolved + 4 * 86_400_000 : undefined;
    const csat = resolved !== undefined && next() < 0.3 ? String(1 + Math.floor(next() * 5)) : '';
    const ticketTags = next() < 0.5 ? `"${pick(tags)},${pick(tags)}"` : '';
    const subject = next() < 0.1 ? '"Two lines,\nwith a ""quote"""' : 'Short subject';
    chunk += [
      `T-${index + 1}`, local(created), replied === undefined ? '' : local(replied), resolved === undefined ? '' : local(resolved),
      closed === undefined ? '' : local(closed), status, pick(priorities), pick(channels), pick(groups), next() < 0.95 ? pick(agents) : '',
      `c-${1 + Math.floor(next() * 200_000)}`, csat, next() < 0.1 ? '1' : '0', String(1 + Math.floor(next() * 6)),
      `${Math.floor(next() * 90)}m`, ticketTags, subject,
    ].join(',') + '\n';
    if (chunk.length > 1 << 16) {
      await write(chunk);
      chunk = '';
    }
  }
  await write(chunk);
  out.end();
  await once(out, 'finish');
}

async function measure(label: string, options: ImportOptions, db?: Database): Promise<ImportSummary> {
  let peak = process.memoryUsage().rss;
  const samples: string[] = [];
  let nextSample = 0.25;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 250);
  const started = performance.now();
  try {
    const summary = await runImport(options, {
      ...(db === undefined ? {} : { db }),
      onProgress: (progress) => {
        const rss = process.memoryUsage().rss;
        peak = Math.max(peak, rss);
        if (progress.rows >= ROWS * nextSample) {
          samples.push(`${Math.round(nextSample * 100)}%: ${MB(rss)}`);
          nextSample += 0.25;
        }
      },
    });
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `${label}: ${summary.rows.toLocaleString('en-US')} rows in ${seconds.toFixed(1)} s = ${Math.round(summary.rows / seconds).toLocaleString('en-US')} rows/s; ` +
        `imported ${summary.imported}, updated ${summary.updated}, unchanged ${summary.unchanged}, valid ${summary.valid}, skipped ${summary.skipped}; ` +
        `peak RSS during the run ${MB(peak)} (RSS at ${samples.join(', ') || 'n/a'})`,
    );
    return summary;
  } finally {
    clearInterval(sampler);
  }
}

async function importInto(label: string, url: string, file: string): Promise<void> {
  const db = openDatabase(parseConfig({ DATABASE_URL: url }).database);
  try {
    await migrateLatest(db);
    const options: ImportOptions = { file, source: 'bench', timeZone: 'Europe/Istanbul' };
    await measure(`${label} import`, options, db);
    if (values.twice === true) await measure(`${label} re-import`, options, db);
  } finally {
    await db.destroy();
  }
}

async function withPostgres(url: string, work: (url: string) => Promise<void>): Promise<void> {
  const name = `kpibot_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  try {
    const target = new URL(url);
    target.pathname = `/${name}`;
    await work(target.href);
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

const dir = mkdtempSync(join(tmpdir(), 'kpibot-bench-'));
try {
  const file = join(dir, 'tickets.csv');
  const generated = performance.now();
  await writeCsv(file, ROWS);
  console.log(`generated ${ROWS.toLocaleString('en-US')} rows, ${MB(statSync(file).size)}, in ${((performance.now() - generated) / 1000).toFixed(1)} s: ${file}`);
  if (values['dry-run'] === true) {
    await measure('dry run (parse and check only)', { file, source: 'bench', timeZone: 'Europe/Istanbul', dryRun: true });
  } else {
    await importInto('sqlite', `sqlite:${join(dir, 'bench.sqlite')}`, file);
    const postgres = process.env.BENCH_DATABASE_URL;
    if (postgres !== undefined && postgres !== '') await withPostgres(postgres, (url) => importInto('postgres', url, file));
  }
  console.log(`process peak RSS (maxRSS): ${MB(process.resourceUsage().maxRSS * 1024)}`);
} finally {
  if (values.keep === true) console.log(`kept ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}
