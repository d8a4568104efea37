/**
 * Composition root: opens the database, applies migrations, builds the Slack
 * surface for the configured mode and serves the one HTTP port. `stop()` shuts
 * down in order: stop accepting, let in-flight requests finish (up to the grace
 * period), stop Slack, close the database.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { Config } from './config.js';
import type { Logger } from './logger.js';
import { ConfigError, DatabaseUnavailableError, describeError } from './errors.js';
import { openDatabase, type Database } from './store/database.js';
import { migrateLatest } from './store/migrations.js';
import { createHttpServer, type Route } from './http/server.js';
import { createSlackSurface, type SlackSurface } from './slack/app.js';
import { webhookHandler, webhookProbeHandler } from './http/webhooks.js';
import { adapterMap } from './ingest/sources.js';
import { IngestStore } from './store/ingest-store.js';
import { serverProjection } from './store/projection-settings.js';
import type { Readable, Writable } from 'node:stream';
import type { AnswerDeps } from './slack/answer.js';
import { SlackUsers } from './slack/users.js';
import { registerKpiListeners } from './slack/listeners/kpi.js';
import { CONSOLE_USER, startConsole, type PromptLine, type RunningConsole } from './slack/console.js';
import { startScheduledJobs, type ScheduledJobs } from './schedule/jobs.js';
import { startBackfill, type BackfillRunner } from './schedule/backfill.js';
import { adminHandler } from './slack/listeners/admin.js';

/** Up to this many stored tickets, a `/kpi sla` change recomputes them before answering (a few seconds); above, in the background. */
export const SLACK_RECOMPUTE_AT_ONCE = 10_000;

export interface RunningBot {
  readonly db: Database;
  readonly server: Server;
  readonly slack: SlackSurface;
  /** The scheduled jobs (leader lease, outbox sender, SLA sweep...). */
  readonly jobs: ScheduledJobs;
  /** Rebuilds of tickets an upgrade or a large SLA change asked for, run beside the server (src/schedule/backfill.ts). */
  readonly backfill: BackfillRunner;
  /** Base URL of the HTTP server, e.g. http://127.0.0.1:3000 */
  readonly url: string;
  /** The local console, when one was asked for in console mode. */
  readonly console?: RunningConsole;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Extra HTTP routes (the composition of later features, or a test's probe). */
  readonly routes?: readonly Route[];
  /** In console mode, where commands are read and replies written (`kpibot start` passes the terminal). */
  readonly console?: { readonly input: Readable; readonly output: Writable; readonly prompt?: boolean; readonly promptLine?: PromptLine };
  /** The clock of every answer and scheduled job (tests pass a fixed one). */
  readonly clock?: () => number;
  /** Whether the scheduler ticks on its own timer (tests drive `jobs.scheduler.tick()` instead). */
  readonly schedulerTimer?: boolean;
  /**
   * A stop asked for during start-up (a signal). The migrations are never cut: once they are done, and while
   * the Slack connection is being made (Socket Mode retries for as long as Slack cannot be reached),
   * `startBot` closes what it opened and throws {@link StartAbortedError}.
   */
  readonly abort?: AbortSignal;
}

/** The start-up was stopped (`StartOptions.abort`) before the bot was running; everything it opened is closed. */
export class StartAbortedError extends Error {
  constructor() {
    super('stopped during start-up');
    this.name = 'StartAbortedError';
  }
}

/** Settles as `work` does, or rejects with StartAbortedError as soon as `abort` fires (at once if it already has). */
function unlessAborted<T>(work: Promise<T>, abort: AbortSignal | undefined): Promise<T> {
  if (abort === undefined) return work;
  if (abort.aborted) {
    work.catch(() => undefined); // settled later, and nobody waits for it
    return Promise.reject(new StartAbortedError());
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new StartAbortedError());
    abort.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        abort.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        abort.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

export async function startBot(config: Config, logger: Logger, options: StartOptions = {}): Promise<RunningBot> {
  logger.info({ database: config.database.client }, 'starting: opening the database and applying its migrations');
  const db = openDatabase(config.database, logger);
  try {
    const applied = await migrateLatest(db);
    if (applied.length > 0) logger.info({ migrations: applied }, 'database migrated');
  } catch (error) {
    await db.destroy();
    throw new DatabaseUnavailableError(error);
  }

  const slack = createSlackSurface(config.slack, logger);
  const clock = options.clock ?? Date.now;
  const projection = await serverProjection(db, config.kpi, clock());
  if (projection.changed !== undefined) {
    // With several replicas, a replica started with other groups than the rest makes escalations depend on which one a webhook reached.
    logger.warn(projection.changed, 'KPI_ESCALATION_GROUPS differs from the groups kept in the database: every ticket is rebuilt in the background to follow this process\'s; with several replicas, give every one the same value');
  }
  const background: { backfill?: BackfillRunner } = {}; // started once listening
  // A Slack SLA change on a large database recomputes in the background: Slack's answer must not wait minutes.
  const recompute = { backgroundAbove: SLACK_RECOMPUTE_AT_ONCE, onBackgroundAsked: () => background.backfill?.kick() };
  const answers: AnswerDeps = {
    db, timezone: config.kpi.timezone, clock, locale: config.kpi.locale,
    admin: adminHandler({ db, clock, timezone: config.kpi.timezone, locale: config.kpi.locale, projection: projection.options, recompute, ...(slack.client === undefined ? {} : { client: slack.client }) }),
  };
  if (slack.app !== undefined) {
    const users = new SlackUsers(slack.usersClient, config.kpi.locale, config.kpi.admins, logger, answers.clock);
    registerKpiListeners(slack.app, { ...answers, users, logger });
  }
  const ingestStore = new IngestStore(db, projection.options);
  // Read before listening: once the server answers, the caller installs its signal handlers, with nothing awaited in between.
  const noTicketsYet = slack.mode === 'console' && !(await ingestStore.hasTickets());
  const adapters = adapterMap();
  const jobs = startScheduledJobs({ config, db, slack, logger, clock: answers.clock, consoleOutput: options.console?.output });
  const webhooks = webhookHandler({ adapters, secrets: config.webhooks, timezones: config.sourceTimezones, store: ingestStore, logger, afterCommit: (_source, outcome) => jobs.afterDelivery(outcome) });
  const server = createHttpServer({ db, logger, webhooks, webhookProbe: webhookProbeHandler(adapters), slackEvents: slack.httpListener, routes: options.routes });
  try {
    if (options.abort?.aborted === true) throw new StartAbortedError();
    await listen(server, config.http.port, config.http.host);
    await unlessAborted(slack.start(), options.abort);
    if (options.schedulerTimer !== false) jobs.start();
  } catch (error) {
    await jobs.stop();
    server.close();
    server.closeAllConnections();
    // A Socket Mode connection still being made (retrying an unreachable Slack) is given up.
    if (error instanceof StartAbortedError) await slack.stop().catch((stopError: unknown) => logger.warn({ err: describeError(stopError) }, 'stopping the Slack connection failed'));
    await db.destroy();
    throw error;
  }

  // After listening: an upgrade's rebuild of many tickets must not keep webhooks and Slack waiting.
  const running = startBackfill({ db, store: ingestStore, logger, clock });
  background.backfill = running;
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${address.port}`;
  logger.info({ url, port: address.port, mode: slack.mode, database: config.database.client }, 'kpibot is listening');
  const localConsole =
    slack.mode === 'console' && options.console !== undefined
      ? startConsole({
          ...options.console,
          asker: { userId: CONSOLE_USER, locale: config.kpi.locale, isAdmin: true },
          deps: answers,
          logger,
          noTicketsYet,
        })
      : undefined;

  let stopping: Promise<void> | undefined;
  const stop = () => {
    localConsole?.close();
    stopping ??= shutdown(server, slack, jobs, running, db, config.http.shutdownGraceMs, logger);
    return stopping;
  };
  return { db, server, slack, jobs, backfill: running, url, stop, ...(localConsole === undefined ? {} : { console: localConsole }) };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    // The usual reasons are the configuration's: say which variable to change.
    const onError = (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') reject(new ConfigError('PORT', `${port} is already in use on ${host} (another kpibot or another server); set PORT to a free port`));
      else if (error.code === 'EACCES') reject(new ConfigError('PORT', `${port} needs privileges this process does not have; use a port above 1023`));
      else if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND') reject(new ConfigError('HOST', `${host} is not an address of this machine`));
      else reject(error);
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

async function shutdown(server: Server, slack: SlackSurface, jobs: ScheduledJobs, backfill: BackfillRunner, db: Database, graceMs: number, logger: Logger): Promise<void> {
  logger.info({ graceMs }, 'shutting down: no new requests; finishing those in flight');
  // No job or post starts from now on; a post Slack is still answering gets the grace a request gets, so its row is marked sent.
  const jobsStopped = jobs.stop(Math.max(graceMs, 3000));
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  // A keep-alive connection becomes idle when its last request is answered: close
  // each as soon as it does, so clients' keep-alive does not hold the shutdown.
  server.closeIdleConnections();
  const sweep = setInterval(() => server.closeIdleConnections(), 50);
  const grace = setTimeout(() => {
    logger.warn('grace period over: closing the connections still open');
    server.closeAllConnections();
  }, graceMs);
  await closed;
  clearInterval(sweep);
  clearTimeout(grace);
  await jobsStopped;
  // The requests are answered; what their deliveries started after the 200 (an escalation's alert and its post) ends now.
  await jobs.drain(Math.max(graceMs, 3000));
  await backfill.stop();
  await slack.stop();
  await db.destroy();
  logger.info('stopped');
}
