/**
 * `kpibot`: the command line. `kpibot start` (what `npm start` runs) serves the
 * bot; `kpibot migrate` manages the schema; `kpibot config` shows the effective
 * configuration with secrets hidden. A bad word or a bad variable gives one line
 * on stderr and exit code 2; a failure at run time, one line and exit code 1.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, describeConfig, type Config } from './config.js';
import { ConfigError, DatabaseBusyError, KpiBotError, UsageError, describeError } from './errors.js';
import { createLogger } from './logger.js';
import { besidePrompt, type PromptLine } from './slack/console.js';
import { withMigratedDatabase } from './cli-database.js';
import { parseCommandArgs } from './cli-args.js';
import { didYouMean } from './kpi/suggest.js';
import { formatDuration } from './i18n/format.js';
import { startBot, StartAbortedError, type RunningBot } from './app.js';
import { isBusyError, openDatabase } from './store/database.js';
import { migrateDown, migrateLatest, migrateRollback, migrateUp, migrationStatus } from './store/migrations.js';
import { IngestStore } from './store/ingest-store.js';
import { OutboxStore, type OutboxState } from './store/outbox-store.js';
import { DEFAULT_PROJECTION_OPTIONS } from './ingest/project-ticket.js';
import { commandProjection } from './store/projection-settings.js';
import { ADAPTERS } from './ingest/sources.js';
import { REPORT_USAGE, reportCommand } from './cli-report.js';
import { importCommand } from './cli-import.js';
import { SLA_USAGE, runSla, slaCommand } from './cli-sla.js';
import { removeSource } from './store/source-store.js';
import { SlaStore } from './store/sla-store.js';
import { ALERTS_USAGE, alertsCommand } from './cli-alerts.js';
import { GOALS_USAGE, goalsCommand } from './cli-goals.js';
import { DEMO_SOURCE, loadDemo } from './demo/generate.js';
import { BACKUP_USAGE, backupCommand } from './cli-backup.js';
import { COPY_USAGE, copyCommand } from './cli-copy.js';

const USAGE = `Usage: kpibot <command> [options]

Commands:
  start [--demo]             Serve the bot (webhooks, /healthz, Slack). The default.
                             --demo loads the sample workspace first (as kpibot demo).
  demo [--tickets N]         Load a generated sample workspace (source "demo": 3 teams, 12 agents,
                             60 days of tickets with SLA targets), then serve the bot.
  demo --remove              Remove the sample workspace: everything of source "demo" and its
                             SLA policies ("Demo urgent"...); other tickets are recomputed.
  migrate [latest]           Apply pending database migrations.
  migrate rollback [--all] --yes
                             Undo the last batch of migrations (or all of them),
                             dropping their tables and the data in them.
  migrate up | down          Apply the next migration, or undo the last one.
  migrate status             List applied and pending migrations.
  import <file.csv> [--source NAME] [--preset zendesk|freshdesk|zohodesk|jira|intercom] [--map field=Header ...]
         [--timezone ZONE] [--date-order auto|dmy|mdy] [--delimiter D] [--limit N] [--batch-size N] [--dry-run]
                             Backfill tickets from a CSV export (kpibot import --help, docs/import.md).
  sla list | add | remove | calendar | holiday | team | recompute
                             SLA policies, business-hours calendars and team calendars (kpibot sla --help for details).
  alerts team | quiet | list | remove
                             A team's alert channel and lead, a channel's quiet hours (kpibot alerts --help for details).
  goals [list] | set <metric> <value> | remove <metric> [--filter key=value ...]
                             The goal of each metric that replies and digests judge it by (kpibot goals --help).
  report [metric] [--period P] [--filter key=value ...] [--timezone Z] [--by B [--all]] [--sort column] [--json | --csv]
                             Print a KPI (default: summary over 30d; kpibot report --help lists the words).
  deliveries [--rejected] [--source NAME] [--limit N] [--json]
                             List the latest webhook deliveries (refused ones with --rejected);
                             --json: one JSON object per line.
  outbox [--failed | --waiting] [--limit N] [--json]
                             List the latest Slack posts (digests, alerts, DMs) and how each went:
                             sent, waiting (with the next try and Slack's last error), failed (with why).
  backup <file>              Write a consistent copy of the SQLite database to <file>, also while the bot runs.
  copy --to <database>       Copy everything into another, empty database (SQLite to PostgreSQL, or back).
  config                     Print the effective configuration (secrets hidden).
  version                    Print kpibot's version.
  help                       Show this help.

Configuration comes from the environment and a .env file: see README.md.`;

type Output = { out: (line: string) => void; err: (line: string) => void };

/** Commands with a usage of their own, longer than their lines above. */
const COMMAND_USAGE: Readonly<Record<string, string>> = { sla: SLA_USAGE, alerts: ALERTS_USAGE, goals: GOALS_USAGE, report: REPORT_USAGE, backup: BACKUP_USAGE, copy: COPY_USAGE };

/** A command's own lines of the usage (each of its lines, with the indented ones under them); undefined for a command it does not list. */
function commandUsage(command: string): string | undefined {
  const mine: string[] = [];
  let inside = false;
  for (const line of USAGE.split('\n')) {
    if (/^ {2}\S/.test(line)) inside = line.startsWith(`  ${command} `) || line === `  ${command}`;
    else if (!line.startsWith('        ')) inside = false;
    if (inside) mine.push(line);
  }
  return mine.length === 0 ? undefined : ['Usage: kpibot <command> [options]', '', ...mine].join('\n');
}

export async function main(argv: readonly string[], output: Output): Promise<number> {
  const [command = 'start', ...rest] = argv;
  // `<command> --help` (import has a longer help of its own): the command's usage lines, not a parse error.
  const usage = command === 'import' || !(rest.includes('--help') || rest.includes('-h')) ? undefined : (COMMAND_USAGE[command] ?? commandUsage(command));
  if (usage !== undefined) {
    output.out(usage);
    return 0;
  }
  try {
    switch (command) {
      case 'start': {
        const demo = parseCommandArgs('start', rest, { demo: { type: 'boolean' } }, false).values.demo === true;
        const config = loadConfig();
        if (demo) await runDemo(config, [], output);
        return await runStart(config);
      }
      case 'demo': {
        const config = loadConfig();
        if (rest.includes('--remove')) return await removeDemo(config, rest, output);
        await runDemo(config, rest, output);
        return await runStart(config);
      }
      case 'migrate':
        return await runMigrate(loadConfig(), rest, output);
      case 'import':
        return await importCommand(rest, loadConfig(), output);
      case 'sla':
        return await slaCommand(rest, loadConfig(), output);
      case 'alerts':
        return await alertsCommand(rest, loadConfig(), output);
      case 'goals':
        return await goalsCommand(rest, loadConfig(), output);
      case 'report':
        return await reportCommand(rest, loadConfig(), output);
      case 'deliveries':
        return await runDeliveries(loadConfig(), rest, output);
      case 'outbox':
        return await runOutbox(loadConfig(), rest, output);
      case 'backup':
        return await backupCommand(rest, loadConfig(), output);
      case 'copy':
        return await copyCommand(rest, loadConfig(), output);
      case 'config':
        expectNoArguments(command, rest);
        output.out(JSON.stringify(describeConfig(loadConfig()), null, 2));
        return 0;
      case 'help':
      case '--help':
      case '-h':
        output.out(USAGE);
        return 0;
      case 'version':
      case '--version':
      case '-v':
        expectNoArguments(command, rest);
        output.out(readVersion());
        return 0;
      default:
        throw new UsageError(`unknown command "${command}"${didYouMean(command, COMMANDS)}; run "kpibot help" for the list`);
    }
  } catch (error) {
    // Bad configuration, bad words, or input refused as such (4xx): exit code 2.
    if (error instanceof ConfigError || error instanceof UsageError || (error instanceof KpiBotError && error.httpStatus < 500)) {
      output.err(`kpibot: ${error.message}`);
      return 2;
    }
    output.err(`kpibot: ${isBusyError(error) ? new DatabaseBusyError().message : describeError(error)}`);
    return 1;
  }
}

const COMMANDS = ['start', 'demo', 'migrate', 'import', 'sla', 'alerts', 'goals', 'report', 'deliveries', 'outbox', 'backup', 'copy', 'config', 'help', 'version'];

function expectNoArguments(command: string, rest: readonly string[]): void {
  if (rest.length > 0) throw new UsageError(`"${command}" takes no arguments, got "${rest.join(' ')}"`);
}

async function runMigrate(config: Config, args: readonly string[], output: Output): Promise<number> {
  const parsed = parseCommandArgs('migrate', args, { all: { type: 'boolean' }, yes: { type: 'boolean' } });
  const [action = 'latest', ...extra] = parsed.positionals;
  if (extra.length > 0) throw new UsageError(`"migrate ${action}" takes no further words, got "${extra.join(' ')}"`);
  if (parsed.values.all === true && action !== 'rollback') throw new UsageError('--all goes with "migrate rollback"');
  if (parsed.values.yes === true && action !== 'rollback') throw new UsageError('--yes goes with "migrate rollback"');
  if (!['latest', 'up', 'down', 'rollback', 'status'].includes(action)) {
    throw new UsageError(`unknown migrate action "${action}"; use latest, up, down, rollback or status`);
  }
  const db = openDatabase(config.database, createLogger(config.logLevel, 2));
  try {
    if (action === 'status') {
      const status = await migrationStatus(db);
      for (const name of status.applied) output.out(`applied  ${name}`);
      for (const name of status.pending) output.out(`pending  ${name}`);
      output.out(`${status.applied.length} applied, ${status.pending.length} pending`);
    } else if (action === 'up') {
      const name = await migrateUp(db);
      output.out(name === undefined ? 'already up to date' : `applied ${name}`);
    } else if (action === 'down') {
      const name = await migrateDown(db);
      output.out(name === undefined ? 'nothing to roll back' : `rolled back ${name}`);
    } else if (action === 'rollback') {
      // The last batch is every migration a fresh install applied: undoing it drops every table, with the data in it.
      if (parsed.values.yes !== true) {
        const { applied } = await migrationStatus(db);
        if (applied.length > 0) {
          throw new UsageError(`"migrate rollback" undoes the last batch of migrations${parsed.values.all === true ? ' (with --all, every one)' : ''}, dropping the tables they made and all the data in them; to go back one release, run "kpibot migrate down" once per migration it added. Add --yes to roll back anyway`);
        }
      }
      const undone = await migrateRollback(db, parsed.values.all === true);
      output.out(undone.length === 0 ? 'nothing to roll back' : `rolled back ${undone.length}: ${undone.join(', ')}`);
    } else {
      const applied = await migrateLatest(db);
      output.out(applied.length === 0 ? 'already up to date' : `applied ${applied.length}: ${applied.join(', ')}`);
    }
    return 0;
  } finally {
    await db.destroy();
  }
}

async function runDeliveries(config: Config, args: readonly string[], output: Output): Promise<number> {
  const parsed = parseCommandArgs('deliveries', args, { rejected: { type: 'boolean' }, source: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' } }, false);
  const limit = parsed.values.limit === undefined ? 50 : Number(parsed.values.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new UsageError('--limit must be a whole number from 1 to 10000');
  // Deliveries come from the webhook routes only, so a source is one of theirs (any other word would list nothing).
  const sources = ADAPTERS.map((adapter) => adapter.source);
  const { source } = parsed.values;
  if (source !== undefined && !sources.includes(source)) {
    throw new UsageError(`--source "${source}" is not a webhook source${didYouMean(source, sources)}; sources: ${sources.join(', ')}`);
  }
  return withMigratedDatabase(config, async (db) => {
    // Lists deliveries only: no ticket is rebuilt, so the projection's options do not matter here.
    const store = new IngestStore(db, DEFAULT_PROJECTION_OPTIONS);
    const rows = await store.listDeliveries({ rejected: parsed.values.rejected === true, source, limit });
    if (parsed.values.json === true) {
      for (const row of rows) output.out(JSON.stringify({ ...row, receivedAt: new Date(row.receivedAt).toISOString(), payload: row.payload === null ? null : (JSON.parse(row.payload) as unknown) }));
      return 0;
    }
    if (rows.length === 0) {
      output.out(parsed.values.rejected === true ? 'no rejected deliveries' : 'no deliveries');
      return 0;
    }
    for (const row of rows) {
      const what = row.status === 'rejected' ? `rejected  ${row.reason ?? ''}: ${row.detail ?? ''}` : `processed ${row.eventCount} event(s)`;
      output.out(`${new Date(row.receivedAt).toISOString()}  #${row.id}  ${row.source.padEnd(9)}  ${what}`);
    }
    return 0;
  }, { readOnly: true });
}

/** `kpibot outbox`: the latest posts to Slack and how each went, newest first. */
async function runOutbox(config: Config, args: readonly string[], output: Output): Promise<number> {
  const parsed = parseCommandArgs('outbox', args, { failed: { type: 'boolean' }, waiting: { type: 'boolean' }, limit: { type: 'string' }, json: { type: 'boolean' } }, false);
  const limit = parsed.values.limit === undefined ? 50 : Number(parsed.values.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new UsageError('--limit must be a whole number from 1 to 10000');
  if (parsed.values.failed === true && parsed.values.waiting === true) throw new UsageError('--failed and --waiting list different posts: give one');
  const states: OutboxState[] | undefined = parsed.values.failed === true ? ['failed'] : parsed.values.waiting === true ? ['pending', 'sending'] : undefined;
  return withMigratedDatabase(config, async (db) => {
    const store = new OutboxStore(db);
    const rows = await store.recent({ states, limit });
    const iso = (ms: number) => new Date(ms).toISOString();
    if (parsed.values.json === true) {
      for (const row of rows) output.out(JSON.stringify({ ...row, nextAttemptAt: iso(row.nextAttemptAt), dueAt: row.dueAt === null ? null : iso(row.dueAt), sentAt: row.sentAt === null ? null : iso(row.sentAt), createdAt: iso(row.createdAt) }));
      return 0;
    }
    const now = Date.now();
    const backlog = await store.backlog(now);
    if (backlog.oldestDueAt !== null) {
      output.out(`${backlog.due} ${backlog.due === 1 ? 'post is' : 'posts are'} due and not yet sent; the longest waiting has been due since ${iso(backlog.oldestDueAt)} (${formatDuration('en', (now - backlog.oldestDueAt) / 1000)})`);
    }
    if (rows.length === 0) {
      output.out(states === undefined ? 'no posts' : parsed.values.failed === true ? 'no failed posts' : 'no posts waiting');
      return 0;
    }
    const tries = (n: number) => `${n} ${n === 1 ? 'try' : 'tries'}`;
    const late = (sentAt: number, dueAt: number | null) => (dueAt !== null && sentAt - dueAt >= OUTBOX_LATE_LISTED_MS ? `, ${formatDuration('en', (sentAt - dueAt) / 1000)} after it was due` : '');
    for (const row of rows) {
      const how = row.state === 'sent' ? `sent ${iso(row.sentAt ?? row.createdAt)}${late(row.sentAt ?? row.createdAt, row.dueAt)}`
        : row.state === 'failed' ? `failed: ${row.lastError ?? 'unknown'} (${tries(row.attempts)})`
          : row.state === 'cancelled' ? 'cancelled'
            : `waiting: next try ${iso(row.nextAttemptAt)}${row.lastError === null ? '' : `, last error ${row.lastError}`}${row.attempts > 0 ? ` (${tries(row.attempts)})` : ''}`;
      output.out(`${iso(row.createdAt)}  #${row.id}  ${row.kind.padEnd(16)}  ${row.target.padEnd(12)}  ${how}`);
    }
    return 0;
  }, { readOnly: true });
}

/** A post sent this long or more after it fell due says so in `kpibot outbox` (one channel's posts go a second apart). */
const OUTBOX_LATE_LISTED_MS = 60_000;

/** The SLA policies the sample workspace adds (loadDemo). */
const DEMO_POLICY = /^Demo (low|normal|high|urgent)$/;

/** `kpibot demo --remove`: the sample workspace out of the database, its SLA policies too, other tickets recomputed. */
async function removeDemo(config: Config, args: readonly string[], output: Output): Promise<number> {
  parseCommandArgs('demo', args, { remove: { type: 'boolean' } }, false);
  return withMigratedDatabase(config, async (db) => {
    const removed = await removeSource(db, DEMO_SOURCE);
    const sla = new SlaStore(db);
    const policies = (await sla.policies()).filter((policy) => DEMO_POLICY.test(policy.name));
    for (const policy of policies) await sla.removePolicy(policy.id);
    output.out(`demo: removed ${removed.tickets} tickets (${removed.events} events), ${removed.customers} customers, ${removed.agents} agents and ${policies.length} SLA policies of the sample workspace`);
    // Tickets of other sources that a demo policy timed are timed again by what is left.
    if (policies.length > 0) {
      const projection = await commandProjection(db, config.kpi, Date.now());
      await runSla(['recompute'], db, projection.options, output, 'en');
    }
    return 0;
  });
}

/** Loads the sample workspace into the configured database. */
async function runDemo(config: Config, args: readonly string[], output: Output): Promise<void> {
  const parsed = parseCommandArgs('demo', args, { tickets: { type: 'string', default: '1500' } }, false);
  const tickets = Number(parsed.values.tickets);
  if (!Number.isInteger(tickets) || tickets < 1 || tickets > 200_000) throw new UsageError(`--tickets must be a whole number from 1 to 200000, got "${parsed.values.tickets}"`);
  await withMigratedDatabase(config, async (db) => {
    const started = Date.now();
    const projection = await commandProjection(db, config.kpi, started);
    if (projection.note !== undefined) output.err(projection.note);
    const result = await loadDemo(db, projection.options, { now: started, tickets });
    output.out(`demo: ${result.tickets} tickets (${result.events} new events) loaded as source "${DEMO_SOURCE}" in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return 0;
  });
}

/**
 * Serves until SIGINT or SIGTERM, then shuts down gracefully; a second signal exits at once. The handlers
 * are in place before starting: a signal during start-up lets the migrations finish (never cut half-way),
 * then stops before listening, or while the Socket Mode connection is still being made, exiting 0.
 */
async function runStart(config: Config): Promise<number> {
  // On a terminal the console's prompt shares stdout with the log: log lines go beside it, not after `kpi> `.
  const prompting = process.stdin.isTTY === true;
  const promptLine: PromptLine = { shown: false };
  const logger = prompting ? createLogger(config.logLevel, besidePrompt(process.stdout, promptLine)) : createLogger(config.logLevel);
  process.on('unhandledRejection', (reason) => logger.error({ err: describeError(reason) }, 'unhandled promise rejection'));
  const started: { bot?: RunningBot } = {};
  const starting = new AbortController();
  let signalled = false;
  let exit!: (code: number) => void;
  const exited = new Promise<number>((resolve) => (exit = resolve));
  const stop = (running: RunningBot) =>
    running.stop().then(
      () => exit(0),
      (error: unknown) => {
        logger.error({ err: describeError(error) }, 'shutdown failed');
        exit(1);
      },
    );
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    signalled = true;
    logger.info({ signal, starting: started.bot === undefined }, 'signal received');
    if (started.bot !== undefined) void stop(started.bot);
    else starting.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    started.bot = await startBot(config, logger, { console: { input: process.stdin, output: process.stdout, prompt: prompting, promptLine }, abort: starting.signal });
  } catch (error) {
    if (!(error instanceof StartAbortedError)) throw error;
    logger.info({ duringStartUp: true }, 'stopped');
    return 0;
  }
  return exited;
}

function readVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i += 1) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
    dir = dirname(dir);
  }
  return 'unknown';
}
