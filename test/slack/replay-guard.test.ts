import { describe, expect, it } from 'vitest';
import { ReplayGuard } from '../../src/slack/http-gate.js';

describe('ReplayGuard: signatures seen within their window', () => {
  it('takes a signature once until it expires, then again', () => {
    const guard = new ReplayGuard();
    expect(guard.firstTime('v0=a', 1_000, 0)).toBe(true);
    expect(guard.firstTime('v0=a', 1_000, 999)).toBe(false);
    expect(guard.firstTime('v0=b', 2_000, 999)).toBe(true);
    // Past its expiry the timestamp check refuses a replay anyway; the entry is dropped.
    expect(guard.firstTime('v0=a', 3_000, 1_001)).toBe(true);
    expect(guard.firstTime('v0=b', 2_000, 1_500)).toBe(false);
  });

  it('keeps at most its capacity, forgetting the oldest first', () => {
    const guard = new ReplayGuard(3);
    for (const signature of ['s1', 's2', 's3', 's4']) expect(guard.firstTime(signature, 10_000, 0)).toBe(true);
    expect(guard.firstTime('s4', 10_000, 1)).toBe(false);
    expect(guard.firstTime('s3', 10_000, 1)).toBe(false);
    expect(guard.firstTime('s1', 10_000, 1)).toBe(true);
  });
});
