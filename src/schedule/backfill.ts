/**
 * Ticket rebuilds in the background. When a release changes how events are
 * projected, its migration asks for the affected tickets to be rebuilt
 * (IngestStore.backfillProjections); a large SLA configuration change made
 * in Slack asks for every ticket. On a large database that takes minutes
 * (1,000-2,000 tickets a second on two cores, docs/performance.md), so the
 * process answers webhooks and Slack at once and rebuilds beside them, one
 * batch per transaction; until a ticket's turn comes, it shows the numbers of
 * the version before. One process of however many share the database does it
 * (the `backfill` lease); each batch saves its position with it, so a stop or a
 * crash resumes after the last batch committed, in this process or another.
 * A rebuild asked by another process (`kpibot sla` with the bot running
 * elsewhere, another replica) is found within `retryMs` (30 s).
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Database } from '../store/database.js';
import type { IngestStore } from '../store/ingest-store.js';
import type { Logger } from '../logger.js';
import { LeaderLease } from '../store/lease-store.js';
import { describeError } from '../errors.js';

export const BACKFILL_LEASE = 'backfill';
/** The holder renews the lease after every batch (well under a second): a successor takes over a minute after it dies. */
const LEASE_TTL_MS = 60_000;

export interface BackfillOptions {
  readonly db: Database;
  readonly store: IngestStore;
  readonly logger: Logger;
  readonly clock?: () => number;
  /** Tickets per transaction. */
  readonly batch?: number;
  /** How long a process that does not hold the lease waits before asking again. */
  readonly retryMs?: number;
  /** How often progress is logged while rebuilding. */
  readonly logEveryMs?: number;
}

export interface BackfillRunner {
  /** Resolves once nothing is left to rebuild (at once when nothing was asked), or after stop(). */
  idle(): Promise<void>;
  /** Looks for asked rebuilds now rather than at the next poll (a configuration change in this process asked for one). */
  kick(): void;
  /** Stops after the batch in progress (its transaction commits or rolls back whole). */
  stop(): Promise<void>;
}

export function startBackfill(options: BackfillOptions): BackfillRunner {
  const { db, store, logger } = options;
  const clock = options.clock ?? Date.now;
  const retryMs = options.retryMs ?? 30_000;
  const logEveryMs = options.logEveryMs ?? 10_000;
  const lease = new LeaderLease(db, { name: BACKFILL_LEASE, holder: `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`, ttlMs: LEASE_TTL_MS, clock });
  let stopped = false;
  let kicked = false;
  let wake: (() => void) | undefined;
  let idleWaiters: (() => void)[] = [];
  const settle = () => {
    for (const resolve of idleWaiters) resolve();
    idleWaiters = [];
  };
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      timer.unref();
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  let held = false;
  /** Whether this process has said it waits for another's rebuild lease (once per wait). */
  let waitSaid = false;
  let run: { rebuilt: number; of: number; loggedAt: number } | undefined;
  /** One turn of the loop: a batch rebuilt, or nothing to do now. Returns whether to go on at once. */
  const turn = async (): Promise<boolean> => {
    if (!(await store.backfillAsked())) {
      if (run !== undefined && run.of > 0) logger.info({ rebuilt: run.rebuilt }, 'rebuild finished: every ticket follows this version and configuration');
      run = undefined;
      if (held) await lease.release();
      held = false;
      settle();
      return false;
    }
    if (!(await lease.acquire())) {
      if (held) logger.info('rebuild: another process has taken it over');
      // Said once: a process killed mid-rebuild holds it until its lease runs out, and the reports wait without a word.
      else if (!waitSaid) logger.info({ withinSeconds: Math.ceil((LEASE_TTL_MS + retryMs) / 1000) }, 'rebuild: another process holds it, or held it until it stopped; this one takes it over when that lease runs out');
      waitSaid = true;
      held = false;
      return false;
    }
    waitSaid = false;
    held = true;
    if (run === undefined) {
      const pending = await store.pendingBackfills();
      run = { rebuilt: 0, of: pending.reduce((sum, { remaining }) => sum + remaining, 0), loggedAt: clock() };
      // Nothing left (another process finished between our look and our lease, or there are no tickets): nothing to
      // announce; the step below still clears the ask.
      if (run.of > 0) logger.info({ tickets: run.of, rebuilds: pending.map(({ key }) => key) }, 'rebuilding tickets in the background (an upgrade or a configuration change asked for it); until its turn, a ticket shows the numbers it had');
    }
    const step = await store.backfillStep(options.batch);
    if (step === undefined) return true;
    run.rebuilt += step.tickets;
    if (clock() - run.loggedAt >= logEveryMs) {
      run.loggedAt = clock();
      logger.info({ rebuilt: run.rebuilt, of: run.of }, 'rebuild in progress');
    }
    return true;
  };

  const loop = (async () => {
    while (!stopped) {
      kicked = false;
      let again: boolean;
      try {
        again = await turn();
      } catch (error) {
        // The position saved with the last committed batch stays: the next turn resumes from it.
        if (stopped) break;
        logger.error({ err: describeError(error) }, 'rebuild: a batch failed; trying again later');
        again = false;
      }
      if (!again && !stopped && !kicked) await pause(retryMs);
    }
    if (held) await lease.release().catch(() => undefined);
    settle();
  })();

  return {
    idle() {
      if (stopped) return Promise.resolve();
      return new Promise<void>((resolve) => {
        idleWaiters.push(resolve);
        kicked = true;
        wake?.();
      });
    },
    kick() {
      kicked = true;
      wake?.();
    },
    async stop() {
      stopped = true;
      wake?.();
      await loop;
    },
  };
}
