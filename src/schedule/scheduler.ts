/**
 * Runs the periodic jobs (outbox sender, SLA sweep, threshold rules, digests)
 * in one process of however many share the database: each tick first takes or
 * renews the leader lease, and only the holder runs the jobs that are due.
 * `tick()` is the whole step, so tests drive it with a fake clock and never
 * wait; `start()` calls it on a timer.
 */
import { LogThrottle, type Logger } from '../logger.js';
import { describeError } from '../errors.js';
import type { LeaderLease } from '../store/lease-store.js';
import { noteStorageFailure } from '../store/database.js';

/** How early a tick may come (timer drift, the lease query's time) and still run a job due that tick. */
const TICK_JITTER_MS = 100;

export interface Job {
  readonly name: string;
  /** Run at most this often (ms). */
  readonly everyMs: number;
  run(now: number): Promise<unknown>;
}

export interface SchedulerOptions {
  readonly lease: LeaderLease;
  readonly jobs: readonly Job[];
  readonly clock: () => number;
  readonly logger: Logger;
}

/** At most one log line a minute for a lease the database cannot be asked about. */
const LEASE_FAILURE_LOG_MS = 60_000;

export class Scheduler {
  private readonly lastRun = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private leader = false;
  private stopping = false;
  /** Whether the last lease check failed (the database out of reach); its failures are logged once a minute. */
  private unreachable = false;
  /** What keeps the database from storing anything, when that is why the lease could not be checked. */
  private storage: string | undefined;
  private readonly leaseFailures = new LogThrottle(LEASE_FAILURE_LOG_MS);

  constructor(private readonly options: SchedulerOptions) {}

  get isLeader(): boolean {
    return this.leader;
  }

  /** One step: renew or take the lease; if held, run every job whose interval has passed. */
  async tick(): Promise<boolean> {
    const { lease, jobs, clock, logger } = this.options;
    const leader = await this.holdsLease('checked');
    if (leader !== this.leader) {
      const said = leader
        ? 'scheduler: this process now runs the scheduled jobs'
        : this.storage !== undefined
          ? `scheduler: the database cannot store anything (${this.storage}): no scheduled job runs until it can`
          : this.unreachable
            ? 'scheduler: the database does not answer: no scheduled job runs until it does'
            : 'scheduler: another process runs the scheduled jobs';
      logger.info({ holder: lease.holder, leader }, said);
    }
    this.leader = leader;
    if (!leader) return false;
    let ran = false;
    for (const job of jobs) {
      if (this.stopping) break; // a stop lets the job in progress finish and starts no other
      const now = clock();
      const last = this.lastRun.get(job.name);
      // A tick a few ms early against the last run's clock is still that job's turn: skipping it would halve its rate.
      if (last !== undefined && now - last < job.everyMs - TICK_JITTER_MS) continue;
      // A job after another renews the lease first: a long job (a pass against a slow Slack) may have outlived it,
      // and another process taken over; then this one runs no more jobs (the outbox's claims guard its posts).
      if (ran && !(await this.stillLeader())) return false;
      ran = true;
      this.lastRun.set(job.name, now);
      try {
        await job.run(now);
      } catch (error) {
        logger.error({ job: job.name, err: describeError(error) }, 'scheduled job failed');
      }
    }
    return true;
  }

  /** Takes or renews the lease; a database error counts as not holding it (logged). */
  private async holdsLease(what: 'checked' | 'renewed'): Promise<boolean> {
    try {
      const held = await this.options.lease.acquire();
      this.unreachable = false;
      this.storage = undefined;
      return held;
    } catch (error) {
      this.unreachable = true;
      // Also what /healthz reports: a leader's renewal each second is the write that finds a full disk first.
      this.storage = noteStorageFailure(this.options.lease.database, error);
      // Checked every second: while the database is away, one line a minute says so, with how many checks failed since.
      const held = this.leaseFailures.due('lease', this.options.clock());
      if (held !== undefined) this.options.logger.error({ err: describeError(error), ...(held === 0 ? {} : { alsoFailed: held }) }, `scheduler: the lease could not be ${what}`);
      return false;
    }
  }

  /** Renews the lease between jobs; false (and logged) when another process holds it now. */
  private async stillLeader(): Promise<boolean> {
    const { lease, logger } = this.options;
    const held = await this.holdsLease('renewed');
    if (!held) {
      // A renewal that failed (said above, once a minute) is no takeover: the jobs wait for the database, not for another process.
      if (!this.unreachable) logger.warn({ holder: lease.holder }, 'scheduler: the lease passed to another process during a tick; its remaining jobs are left to it');
      this.leader = false;
    }
    return held;
  }

  start(intervalMs: number): void {
    if (this.timer !== undefined) return;
    const step = () => {
      this.ticking ??= this.tick().then(
        () => undefined,
        () => undefined,
      ).finally(() => {
        this.ticking = undefined;
      });
    };
    this.timer = setInterval(step, intervalMs);
    this.timer.unref();
    step();
  }

  /**
   * Stops ticking, waits (a few seconds at most: the database may be gone) for
   * a tick in progress, and gives the lease up so a successor need not wait.
   */
  async stop(waitMs = 3000): Promise<void> {
    this.stopping = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    await within(this.ticking ?? Promise.resolve(), waitMs);
    if (this.leader) await within(this.options.lease.release().catch(() => undefined), waitMs);
    this.leader = false;
  }
}

/** Resolves when `promise` settles or after `ms`, whichever comes first. */
export function within(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
    timer.unref();
  });
  return Promise.race([promise.then(() => undefined, () => undefined), timeout]).finally(() => clearTimeout(timer));
}
