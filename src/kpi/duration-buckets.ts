/**
 * Duration buckets: 64 ranges of growing width that the projection stores
 * beside a ticket's calendar first response and resolution times, so that an
 * exact median or p90 needs no sort of every duration in a period. The store
 * counts the period's tickets per bucket (an index range each), finds the
 * bucket that holds the wanted rank, and sorts only that bucket's durations
 * (docs/metrics.md, "Common rules").
 *
 * The bounds are frozen: migration 20261122000021 copied them into the
 * `duration_buckets` table and bucketed every stored ticket with them. Changing
 * them needs a new migration that rebuilds that table and both bucket columns.
 */

/**
 * The lower bound (ms, inclusive) of buckets 1..63; bucket 0 holds everything
 * under a minute (and any negative duration). Each bound is the previous one
 * × 1.237, rounded to a whole second: one minute up to 370 days.
 */
export const DURATION_BUCKET_BOUNDS_MS: readonly number[] = Object.freeze([
  60000, 74000, 92000, 114000, 141000, 174000, 215000, 266000, 329000, 407000, 503000, 622000, 769000, 951000, 1176000, 1455000,
  1800000, 2227000, 2755000, 3408000, 4216000, 5215000, 6451000, 7980000, 9871000, 12210000, 15104000, 18684000, 23112000, 28590000,
  35366000, 43748000, 54116000, 66941000, 82806000, 102431000, 126707000, 156737000, 193884000, 239835000, 296676000, 366988000,
  453964000, 561553000, 694641000, 859271000, 1062918000, 1314830000, 1626445000, 2011912000, 2488735000, 3078565000, 3808185000,
  4710725000, 5827167000, 7208206000, 8916551000, 11029774000, 13643830000, 16877418000, 20877366000, 25825302000, 31945899000,
]);

export const DURATION_BUCKET_COUNT = DURATION_BUCKET_BOUNDS_MS.length + 1;

/** The bucket (0..63) of a duration in ms: how many bounds lie at or below it. Never decreases as the duration grows. */
export function durationBucket(ms: number): number {
  let low = 0;
  let high = DURATION_BUCKET_BOUNDS_MS.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((DURATION_BUCKET_BOUNDS_MS[middle] as number) <= ms) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** A duration and its bucket, or both null when the duration is unknown. */
export function bucketed(ms: number | null): { ms: number | null; bucket: number | null } {
  return ms === null ? { ms: null, bucket: null } : { ms, bucket: durationBucket(ms) };
}

/**
 * Where each 0-based rank of a sorted list falls, given how many values each
 * bucket holds (in bucket order): the bucket and the rank inside it.
 */
export function locateRanks(counts: readonly { bucket: number; n: number }[], ranks: readonly number[]): Map<number, { bucket: number; offset: number }> {
  const located = new Map<number, { bucket: number; offset: number }>();
  const ordered = [...counts].sort((a, b) => a.bucket - b.bucket);
  for (const rank of ranks) {
    let before = 0;
    for (const { bucket, n } of ordered) {
      if (rank < before + n) {
        located.set(rank, { bucket, offset: rank - before });
        break;
      }
      before += n;
    }
  }
  return located;
}
