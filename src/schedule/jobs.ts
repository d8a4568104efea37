/**
 * The scheduled side of the process, composed: the poster (Slack, or the
 * console), the outbox sender, the alert jobs, the leader lease and the
 * scheduler that runs them, and the alert buttons. `startBot` builds it once.
 */
import { hostname } from 'node:os';
import type { Writable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import type { Config } from '../config.js';
import type { Database } from '../store/database.js';
import type { Logger } from '../logger.js';
import type { SlackSurface } from '../slack/app.js';
import type { DeliveryOutcome } from '../store/ingest-store.js';
import { describeError } from '../errors.js';
import { OutboxStore } from '../store/outbox-store.js';
import { consolePoster, createPostingClient, webClientPoster, type SlackPoster } from '../slack/poster.js';
import { registerAlertActions } from '../slack/listeners/alert-actions.js';
import { registerEnpsActions } from '../slack/listeners/enps.js';
import { OutboxSender } from './sender.js';
import { LeaderLease } from '../store/lease-store.js';
import { Scheduler, within, type Job } from './scheduler.js';
import { alertEscalations, evaluateThresholds, sweepEscalations, sweepSla, type AlertJobDeps } from './alert-jobs.js';
import type { SlaAlertSettings } from './sla-alerts.js';
import { runDigests } from './digests.js';
import { RetentionStore } from '../store/retention-store.js';

export const LEASE_NAME = 'scheduler';
/** A lease lasts 30 s and is renewed every tick (1 s): a successor takes over within 30 s of the leader's death. */
export const LEASE_TTL_MS = 30_000;
export const TICK_MS = 1000;
/** Between any two posts: 200 ms, at most 300 a minute, under Slack's workspace-wide limit for chat.postMessage. */
export const WORKSPACE_GAP_MS = 200;

export interface ScheduledJobs {
  readonly scheduler: Scheduler;
  readonly sender: OutboxSender;
  readonly poster: SlackPoster;
  readonly alertDeps: AlertJobDeps;
  /** After a webhook's 200: escalation alerts into the outbox, delivered at once if this process leads. */
  afterDelivery(outcome: DeliveryOutcome): Promise<void>;
  start(): void;
  /** Starts no job and no post from now on; waits up to `waitMs` for those in progress (a post Slack is answering), then gives up the lease. */
  stop(waitMs?: number): Promise<void>;
  /**
   * After the HTTP server has closed: waits up to `waitMs` for the work webhooks started after their 200 (escalation
   * alerts, and the outbox pass that posts them, which is no scheduler tick), so that a post Slack is answering is
   * marked sent before the database closes.
   */
  drain(waitMs: number): Promise<void>;
}

export function alertSettings(config: Config): SlaAlertSettings {
  return {
    warningStages: config.alerts.warningStages,
    renotifyMs: config.alerts.renotifyMinutes * 60_000,
    renotifyMax: config.alerts.renotifyMax,
    escalateAfterMs: config.alerts.escalateAfterMinutes * 60_000,
  };
}

export interface JobsInput {
  readonly config: Config;
  readonly db: Database;
  readonly slack: SlackSurface;
  readonly logger: Logger;
  readonly clock: () => number;
  /** Console mode: where posts are printed (the console's output, else stdout). */
  readonly consoleOutput?: Writable;
  readonly poster?: SlackPoster;
}

export function startScheduledJobs(input: JobsInput): ScheduledJobs {
  const { config, db, slack, logger, clock } = input;
  const poster = input.poster ?? (config.slack.botToken === undefined ? consolePoster(input.consoleOutput ?? process.stdout) : webClientPoster(createPostingClient(config.slack.botToken, config.slack.apiUrl, logger)));
  const sender = new OutboxSender({ store: new OutboxStore(db), poster, clock, logger, admins: config.kpi.admins, locale: config.kpi.locale, workspaceGapMs: WORKSPACE_GAP_MS, batchSize: 25 });
  const alertDeps: AlertJobDeps = { db, settings: alertSettings(config), locale: config.kpi.locale, timezone: config.kpi.timezone, logger };
  const jobs: Job[] = [
    { name: 'outbox', everyMs: TICK_MS, run: () => sender.deliverDue() },
    { name: 'sla-sweep', everyMs: 60_000, run: (now) => sweepSla(alertDeps, now) },
    { name: 'escalations-sweep', everyMs: 10_000, run: (now) => sweepEscalations(alertDeps, now) },
    { name: 'thresholds', everyMs: 60_000, run: (now) => evaluateThresholds(alertDeps, now) },
    { name: 'digests', everyMs: 60_000, run: (now) => runDigests({ db, locale: config.kpi.locale, logger }, now) },
  ];
  jobs.push(outboxWatchJob(new OutboxStore(db), logger));
  if (config.payloadRetentionDays > 0) jobs.push(retentionJob(db, config.payloadRetentionDays, logger));
  const lease = new LeaderLease(db, { name: LEASE_NAME, holder: `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`, ttlMs: LEASE_TTL_MS, clock });
  const scheduler = new Scheduler({ lease, jobs, clock, logger });
  if (slack.app !== undefined) {
    registerAlertActions(slack.app, { db, poster, clock, locale: config.kpi.locale, timezone: config.kpi.timezone, logger, leadAfterSeconds: config.alerts.escalateAfterMinutes * 60 });
    registerEnpsActions(slack.app, { db, poster, clock, locale: config.kpi.locale, logger });
  }
  /** After-delivery work in progress (afterDelivery), for drain. */
  const afterDeliveries = new Set<Promise<void>>();
  return {
    scheduler,
    sender,
    poster,
    alertDeps,
    async afterDelivery(outcome) {
      if (outcome.escalated.length === 0) return;
      const work = (async () => {
        const created = await alertEscalations(alertDeps, outcome.escalated, clock());
        if (created > 0 && scheduler.isLeader) await sender.deliverDue().catch((error: unknown) => logger.warn({ err: describeError(error) }, 'outbox delivery failed'));
      })();
      afterDeliveries.add(work);
      try {
        await work;
      } finally {
        afterDeliveries.delete(work);
      }
    },
    start() {
      if (config.alerts.scheduler) scheduler.start(TICK_MS);
    },
    stop: (waitMs) => {
      sender.halt();
      return scheduler.stop(waitMs);
    },
    drain: (waitMs) => within(Promise.allSettled([...afterDeliveries, sender.idle()]), waitMs),
  };
}

/** A post still unsent this long after it fell due means the outbox is behind: the watch says so (warn). */
export const OUTBOX_LATE_MS = 5 * 60_000;
/** ... and this long, an error: SLA alerts this late have lost their point. */
export const OUTBOX_VERY_LATE_MS = 30 * 60_000;
/** While posts run late, the watch repeats its line this often. */
const OUTBOX_LATE_REPEAT_MS = 15 * 60_000;

/**
 * Every minute: whether posts to Slack run late (OutboxStore.backlog: the longest-waiting due post). Slack's pace (one
 * post a second per channel, a few hundred a minute per workspace), a refused token, an outage or a sender that no
 * longer runs all show here as one thing an operator can watch for: a `warn` line once a post is 5 minutes late, an
 * `error` from 30, repeated every 15 minutes while it lasts, and an `info` line once the outbox has caught up.
 */
export function outboxWatchJob(store: OutboxStore, logger: Logger): Job {
  let lateSince: number | undefined;
  let saidAt = Number.NEGATIVE_INFINITY;
  return {
    name: 'outbox-watch',
    everyMs: 60_000,
    run: async (now) => {
      const backlog = await store.backlog(now);
      const lateMs = backlog.oldestDueAt === null ? 0 : now - backlog.oldestDueAt;
      if (lateMs >= OUTBOX_LATE_MS) {
        lateSince ??= now;
        if (now - saidAt < OUTBOX_LATE_REPEAT_MS) return;
        saidAt = now;
        const line = { due: backlog.due, oldestDueAt: new Date(backlog.oldestDueAt ?? now).toISOString(), lateMinutes: Math.floor(lateMs / 60_000) };
        const message = 'outbox: posts to Slack are late (`kpibot outbox --waiting` lists them with their last error)';
        if (lateMs >= OUTBOX_VERY_LATE_MS) logger.error(line, message);
        else logger.warn(line, message);
      } else if (lateSince !== undefined) {
        logger.info({ due: backlog.due, lateNoticedAt: new Date(lateSince).toISOString() }, 'outbox: posts to Slack are on time again');
        lateSince = undefined;
        saidAt = Number.NEGATIVE_INFINITY;
      }
    },
  };
}

/** Every 5 minutes: clears stored bodies older than the retention (RetentionStore). */
export function retentionJob(db: Database, days: number, logger: Logger): Job {
  const store = new RetentionStore(db);
  return {
    name: 'retention',
    everyMs: 5 * 60_000,
    run: async (now) => {
      const cleared = await store.clearPayloadsBefore(now - days * 86_400_000, now);
      if (cleared.deliveries + cleared.outbox > 0) logger.info({ ...cleared, olderThanDays: days }, 'cleared stored bodies past their retention');
    },
  };
}
