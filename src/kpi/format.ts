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

/** A goal's target for the command line: a duration to the second, every unit named (`1 min 30 s`), as it was set. */
export function formatTarget(value: number, unit: Unit): string {
  return unit === 'seconds' ? formatDurationExact('en', value) : formatValue(value, unit);
}
