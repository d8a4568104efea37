import { describe, expect, it } from 'vitest';
import { Scheduler, type Job } from '../../src/schedule/scheduler.js';
import { LeaderLease } from '../../src/store/lease-store.js';
import { Writable } from 'node:stream';
import { createLogger, silentLogger } from '../../src/logger.js';
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

  it('while the database does not answer, says so (not "another process runs the jobs"), and logs the failed checks once a minute', async () => {
    let now = T0;
    const clock = () => now;
    const lines: { msg: string; alsoFailed?: number }[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n')) if (line !== '') lines.push(JSON.parse(line) as { msg: string });
        done();
      },
    });
    const scheduler = new Scheduler({ lease: new LeaderLease(w.db, { name: 'scheduler', holder: 'replica-a', ttlMs: 30_000, clock }), clock, logger: createLogger('info', stream), jobs: [] });
    expect(await scheduler.tick()).toBe(true);
    // The lease's table out of reach, as a database that does not answer makes it.
    await w.db.schema.renameTable('leases', 'leases_away');
    try {
      for (let second = 0; second < 90; second += 1) {
        now += 1000;
        expect(await scheduler.tick()).toBe(false);
      }
    } finally {
      await w.db.schema.renameTable('leases_away', 'leases');
    }
    now += 1000;
    expect(await scheduler.tick()).toBe(true);
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines.map((line) => line.msg)).toEqual([
      'scheduler: this process now runs the scheduled jobs',
      'scheduler: the lease could not be checked',
      'scheduler: the database does not answer: no scheduled job runs until it does',
      'scheduler: the lease could not be checked',
      'scheduler: this process now runs the scheduled jobs',
    ]);
    expect(lines[3]?.alsoFailed).toBe(59);
  });
});
