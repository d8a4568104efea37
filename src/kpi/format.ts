/**
 * Plain-text renderings of metric values for the command line. Durations come
 * from the one localized formatter, in English; Slack views use
 * src/i18n/format.ts with the reader's locale.
 */
import type { Unit } from './definitions.js';
import { formatDuration } from '../i18n/format.js';

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
