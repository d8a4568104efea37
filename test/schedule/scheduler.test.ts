import { describe, expect, it } from 'vitest';
import { Scheduler, type Job } from '../../src/schedule/scheduler.js';
import { LeaderLease } from '../../src/store/lease-store.js';
import { silentLogger } from '../../src/logger.js';
import { TEST_ENGINE, useTestDatabase } from '../helpers/databases.js';

const T0 = Date.UTC(2026, 10, 24, 9, 0, 0);

describe(`the scheduler's lease on ${TEST_ENGINE}`, () => {
  const w = useTestDatabase({ migrate: true });

  it('is renewed between jobs: a job that outlives the lease, while another process takes it over, is the last this process runs that tick', async () => {
    let now = T0;
    const clock = () => now;
    const ran: string[] = [];
    const lease = (holder: string) => new LeaderLease(w.db, { name: 'scheduler', holder, ttlMs: 30_000, clock });
    const job = (name: string, run: () => Promise<void> = async () => undefined): Job => ({ name, everyMs: 60_000, run: async () => (ran.push(name), run()) });
    const other = new Scheduler({ lease: lease('replica-b'), clock, logger: silentLogger(), jobs: [job('b:outbox'), job('b:sla-sweep')] });
    const first = new Scheduler({ lease: lease('replica-a'), clock, logger: silentLogger(), jobs: [
      // A pass against a slow Slack: 31 s, past the 30 s lease; the other replica ticks meanwhile and takes the lease.
      job('a:outbox', async () => {
        now += 31_000;
        expect(await other.tick()).toBe(true);
      }),
      job('a:sla-sweep'),
    ] });
    expect(await first.tick()).toBe(false);
    expect(ran).toEqual(['a:outbox', 'b:outbox', 'b:sla-sweep']);
    expect(first.isLeader).toBe(false);
    expect(other.isLeader).toBe(true);
    // While it keeps the lease, a leader runs all its due jobs in one tick.
    now += 60_000;
    ran.length = 0;
    expect(await other.tick()).toBe(true);
    expect(ran).toEqual(['b:outbox', 'b:sla-sweep']);
  });
});
