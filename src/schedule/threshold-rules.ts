/**
 * Threshold rules, decided without SQL: whether a value crosses a limit, and
 * what to post given the rule's remembered state (crossed or not, when it last
 * alerted) and a cooldown. Pure; `now` is passed in.
 */
import { isBreakdown, isTimeBreakdown, type DimensionBreakdown } from '../kpi/request-words.js';
import type { GoalStatus } from '../kpi/goals.js';

export interface ThresholdState {
  readonly crossed?: boolean;
  readonly lastAlertAt?: number;
}

export type ThresholdDecision = { readonly action: 'alert' | 'recovered'; readonly state: ThresholdState } | { readonly action: 'none' };

export function thresholdCrossed(value: number, operator: string, limit: number): boolean {
  switch (operator) {
    case '>':
      return value > limit;
    case '>=':
      return value >= limit;
    case '<':
      return value < limit;
    case '<=':
      return value <= limit;
    default:
      return false;
  }
}

/** A rule's condition as stored: a limit (`frt > 4h`), or the goal that applies to the metric (`frt goal`). */
export type StoredThresholdCondition = { readonly operator: string; readonly limit: number } | { readonly goal: true };

export function thresholdCondition(config: Record<string, unknown>): StoredThresholdCondition {
  return config.goal === true ? { goal: true } : { operator: String(config.operator ?? '>'), limit: Number(config.value) };
}

/**
 * Whether a value crosses the rule: past its limit, or missing its goal. Undefined (nothing changes) with no data,
 * when the value rests on fewer than the rule's `sample:` (n below `minSample`), and for a goal rule when no goal
 * applies: a goal removed leaves the rule as it stood until one applies again.
 */
export function conditionCrossed(
  condition: StoredThresholdCondition, judged: { readonly value: number | null; readonly n: number; readonly goal?: GoalStatus | undefined }, minSample = 0,
): boolean | undefined {
  const { value, goal } = judged;
  if (judged.n < minSample) return undefined;
  if ('goal' in condition) return goal === undefined || goal.met === null ? undefined : !goal.met;
  return value === null ? undefined : thresholdCrossed(value, condition.operator, condition.limit);
}

/**
 * An alert when the rule becomes crossed, unless one was sent within the
 * cooldown (then it alerts once the cooldown is over, if still crossed); a
 * note when a crossed rule recovers. No data (`crossed` undefined) changes nothing.
 */
export function thresholdDecision(state: ThresholdState, crossed: boolean | undefined, now: number, cooldownMs: number): ThresholdDecision {
  if (crossed === undefined) return { action: 'none' };
  const wasCrossed = state.crossed === true;
  if (crossed && !wasCrossed) {
    if (state.lastAlertAt !== undefined && now - state.lastAlertAt < cooldownMs) return { action: 'none' };
    return { action: 'alert', state: { crossed: true, lastAlertAt: now } };
  }
  if (!crossed && wasCrossed) return { action: 'recovered', state: { crossed: false, ...(state.lastAlertAt === undefined ? {} : { lastAlertAt: state.lastAlertAt }) } };
  return { action: 'none' };
}

/**
 * The window a new rule gets when it names none: a day, but 30 days for churn,
 * repeat purchase and NPS and 90 for eNPS. Those are monthly or quarterly
 * measures: over a day, churn is a day's losses against a monthly limit, and
 * the surveys' answers come in waves, so the rule would read "no data" nearly
 * always and never fire. The window is kept in the rule when it is added.
 */
export function defaultWindowHours(metric: string): number {
  return LONG_WINDOW_HOURS[metric] ?? 24;
}

const LONG_WINDOW_HOURS: Readonly<Record<string, number>> = { churn: 30 * 24, repeat: 30 * 24, nps: 30 * 24, enps: 90 * 24 };

/** The ticket field a threshold rule holds each value of against its limit (`by:team`), if any. */
export function thresholdSplit(config: Record<string, unknown>): DimensionBreakdown | undefined {
  const by = config.by;
  return typeof by === 'string' && isBreakdown(by) && !isTimeBreakdown(by) ? by : undefined;
}

/**
 * A split rule's state: each value's own (crossed, last alert), by the row's key. Values the rule has not seen keep
 * none; a value missing from a run (no data, or no longer among the most active) keeps its state until it shows again.
 */
export interface SplitThresholdState {
  readonly values?: Readonly<Record<string, ThresholdState>>;
}

/**
 * A threshold rule's rolling window, cooldown and least sample, with their defaults (24 h, 4 h, any n) when the rule
 * names none (a rule added before windows were kept, or without `sample:`).
 */
export function thresholdTiming(config: Record<string, unknown>): { windowHours: number; cooldownMinutes: number; minSample: number } {
  return {
    windowHours: typeof config.windowHours === 'number' ? config.windowHours : 24,
    cooldownMinutes: typeof config.cooldownMinutes === 'number' ? config.cooldownMinutes : 240,
    minSample: typeof config.minSample === 'number' ? config.minSample : 0,
  };
}
