/**
 * Plain-text renderings of metric values for the command line. Durations come
 * from the one localized formatter, in English; Slack views use
 * src/i18n/format.ts with the reader's locale.
 */
import type { Unit } from './definitions.js';
import { formatDuration, formatDurationExact } from '../i18n/format.js';

export function formatValue(value: number | null, unit: Unit): string {
  if (value === null) return 'no data';
  switch (unit) {
    case 'seconds':
      return formatDuration('en', value);
    case 'percent':
      return `${value.toFixed(1)}%`;
    case 'score':
      return value.toFixed(1);
    default:
      return Number.isInteger(value) ? String(value) : value.toFixed(1);
  }
}

/** A goal's value for the command line, as it was set: a duration to the second, every unit named (`1 min 30 s`). */
export function formatTargetValue(value: number, unit: Unit): string {
  return unit === 'seconds' ? formatDurationExact('en', value) : formatValue(value, unit);
}

/** A goal's target for the command line: `at most 1 h 30 min`, `at least 90.0%`. */
export function formatGoalTarget(direction: 'at_most' | 'at_least', value: number, unit: Unit): string {
  return `${direction === 'at_most' ? 'at most' : 'at least'} ${formatTargetValue(value, unit)}`;
}

/** How far a value misses its goal, for the command line: `30 min`, `3.2 pts` (a rate or score), `7` (tickets). */
export function formatGoalGap(gap: number, unit: Unit): string {
  if (unit === 'seconds') return formatDuration('en', gap);
  return `${Number(gap.toFixed(1))}${unit === 'percent' || unit === 'score' ? ' pts' : ''}`;
}

/** A goal's scope for the command line: `team=billing, tag=vip`, or `all tickets`. */
export function formatGoalScope(filters: Readonly<Record<string, string | undefined>>): string {
  return Object.entries(filters).map(([key, value]) => `${key}=${String(value)}`).join(', ') || 'all tickets';
}
