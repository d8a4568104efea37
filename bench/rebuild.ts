/**
 * bench/rebuild: how fast every ticket is rebuilt from its events, as after an
 * SLA policy or calendar change, or an upgrade that asks for it
 * (IngestStore.rebuildAll, 500 tickets a transaction). It reads an existing
 * database, for instance the one `bench/import --keep` leaves:
 *
 *   npm run build && node dist/bench/import.js --rows 100000 --keep
 *   node dist/bench/rebuild.js --db /tmp/kpibot-bench-XXXX/bench.sqlite
 *   BENCH_DATABASE_URL=postgres://... node dist/bench/rebuild.js   (a database holding tickets)
 */
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { parseConfig } from '../src/config.js';
import { openDatabase } from '../src/store/database.js';
import { migrateLatest } from '../src/store/migrations.js';
import { IngestStore } from '../src/store/ingest-store.js';
import { projectionOptions } from '../src/ingest/project-ticket.js';

const { values } = parseArgs({ options: { db: { type: 'string' } } });
const url = process.env.BENCH_DATABASE_URL ?? (values.db === undefined ? undefined : `sqlite:${values.db}`);
if (url === undefined) throw new Error('say which database: --db FILE.sqlite, or BENCH_DATABASE_URL');
const config = parseConfig({ DATABASE_URL: url });
const db = openDatabase(config.database);
try {
  await migrateLatest(db);
  const store = new IngestStore(db, projectionOptions({ escalationGroups: [] }));
  const tickets = await store.countTickets();
  if (tickets === 0) throw new Error('the database holds no tickets');
  console.log(`bench/rebuild: ${tickets.toLocaleString('en-US')} tickets on ${config.database.client}; ${cpus().length} × ${cpus()[0]?.model ?? '?'}, Node ${process.version}`);
  const started = performance.now();
  const rebuilt = await store.rebuildAll();
  const seconds = (performance.now() - started) / 1000;
  console.log(`rebuilt ${rebuilt.toLocaleString('en-US')} tickets in ${seconds.toFixed(1)} s = ${Math.round(rebuilt / seconds).toLocaleString('en-US')} tickets/s; peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MB`);
} finally {
  await db.destroy();
}
