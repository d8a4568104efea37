import { describe, expect, it } from 'vitest';
import { DURATION_BUCKET_BOUNDS_MS, DURATION_BUCKET_COUNT, durationBucket, locateRanks } from '../../src/kpi/duration-buckets.js';

describe('duration buckets', () => {
  it('has 64 buckets whose bounds grow by about 1.237 from one minute, in whole seconds', () => {
    expect(DURATION_BUCKET_COUNT).toBe(64);
    expect(DURATION_BUCKET_BOUNDS_MS[0]).toBe(60_000);
    DURATION_BUCKET_BOUNDS_MS.forEach((bound, index) => {
      if (index > 0) expect(bound).toBe(Math.round(((DURATION_BUCKET_BOUNDS_MS[index - 1] as number) * 1.237) / 1000) * 1000);
    });
  });

  it('puts a duration in the bucket whose lower bound is the largest at or below it', () => {
    expect(durationBucket(-5_000)).toBe(0); // a reply stamped before the question
    expect(durationBucket(0)).toBe(0);
    expect(durationBucket(59_999)).toBe(0);
    expect(durationBucket(60_000)).toBe(1);
    expect(durationBucket(73_999)).toBe(1);
    expect(durationBucket(74_000)).toBe(2);
    expect(durationBucket(3_600_000)).toBe(20); // one hour: 3,408,000 <= 3,600,000 < 4,216,000
    expect(durationBucket(31_945_898_999)).toBe(62);
    expect(durationBucket(31_945_899_000)).toBe(63);
    expect(durationBucket(10 * 31_945_899_000)).toBe(63);
  });

  it('never decreases as the duration grows', () => {
    let previous = durationBucket(-1);
    for (let ms = 0; ms < 40_000_000_000; ms = Math.ceil(ms * 1.01) + 997) {
      const bucket = durationBucket(ms);
      expect(bucket).toBeGreaterThanOrEqual(previous);
      previous = bucket;
    }
  });

  it('locates ranks of the sorted whole inside the buckets that hold them', () => {
    // Sorted values: bucket 0 holds ranks 0-2, bucket 3 ranks 3-3, bucket 7 ranks 4-8 (empty buckets may be listed or not).
    const counts = [{ bucket: 7, n: 5 }, { bucket: 0, n: 3 }, { bucket: 5, n: 0 }, { bucket: 3, n: 1 }];
    const located = locateRanks(counts, [0, 2, 3, 4, 8, 9]);
    expect(located.get(0)).toEqual({ bucket: 0, offset: 0 });
    expect(located.get(2)).toEqual({ bucket: 0, offset: 2 });
    expect(located.get(3)).toEqual({ bucket: 3, offset: 0 });
    expect(located.get(4)).toEqual({ bucket: 7, offset: 0 });
    expect(located.get(8)).toEqual({ bucket: 7, offset: 4 });
    expect(located.has(9)).toBe(false); // past the end
  });
});
