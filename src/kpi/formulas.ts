/**
 * The formulas of the KPIs, as pure functions over counts and values the store
 * aggregated in SQL. Every result carries n; with n = 0 the value is null
 * ("no data"), never 0 or NaN. docs/metrics.md is the written definition of
 * each; the worked examples there are tests in test/kpi/metrics.test.ts.
 */

export interface Measure {
  /** null when there is no data (n = 0). */
  readonly value: number | null;
  /** How many tickets, responses or customers the value rests on. */
  readonly n: number;
}

/** A share in percent (0-100): part / whole, null when whole is 0. */
export function percent(part: number, whole: number): Measure {
  return { value: whole === 0 ? null : (100 * part) / whole, n: whole };
}

/** CSAT: satisfied answers (4-5 on 1-5, or "good") / all answers, in percent. */
export function csat(satisfied: number, answers: number): Measure {
  return percent(satisfied, answers);
}

/** NPS (and eNPS): % promoters (9-10) minus % detractors (0-6), from -100 to 100. */
export function netPromoterScore(promoters: number, passives: number, detractors: number): Measure {
  const n = promoters + passives + detractors;
  return { value: n === 0 ? null : (100 * (promoters - detractors)) / n, n };
}

/** Churn: customers lost during the period / customers at its start, in percent. */
export function churnRate(lost: number, atStart: number): Measure {
  return percent(lost, atStart);
}

/** A mean from a sum and a count. */
export function mean(sum: number, n: number): Measure {
  return { value: n === 0 ? null : sum / n, n };
}

/**
 * The q-quantile (0..1) by linear interpolation between closest ranks (the
 * definition of PostgreSQL's percentile_cont): rank h = q·(n-1) over values
 * sorted ascending (0-based); value = v[floor h] + (h - floor h)·(v[ceil h] - v[floor h]).
 */
export function quantileRanks(q: number, n: number): { lower: number; upper: number; weight: number } {
  const h = q * (n - 1);
  const lower = Math.floor(h);
  return { lower, upper: Math.ceil(h), weight: h - lower };
}

export function interpolate(q: number, n: number, valueAt: (rank: number) => number): number | null {
  if (n === 0) return null;
  const { lower, upper, weight } = quantileRanks(q, n);
  const a = valueAt(lower);
  return a + weight * (valueAt(upper) - a);
}

/** Percent change from previous to current; null when either is missing or previous is 0. */
export function change(current: number | null, previous: number | null): number | null {
  if (current === null || previous === null || previous === 0) return null;
  return (100 * (current - previous)) / Math.abs(previous);
}

export type Trend = 'better' | 'worse' | 'same' | 'unknown';

/** Whether a move from previous to current is good, given which direction is good for the metric. */
export function trend(current: number | null, previous: number | null, higherIsBetter: boolean | null): Trend {
  if (current === null || previous === null || higherIsBetter === null) return 'unknown';
  if (current === previous) return 'same';
  return (current > previous) === higherIsBetter ? 'better' : 'worse';
}
