/**
 * Numbers, percentages, durations, dates and periods as a reader of each
 * language expects them: Intl (Node's full ICU) for digits, separators and
 * dates; the catalogue for duration units and period words. `kpibot report`
 * uses the same functions with `en`.
 */
import type { MetricId, Unit } from '../kpi/definitions.js';
import { PERIOD_WORDS, type Period } from '../kpi/periods.js';
import { t, tn, type MessageKey } from './catalogue.js';
import { dateFormat, numberFormat } from './intl.js';
import type { Locale } from './locale.js';

/** `1234.56` → `1,234.6` (en), `1.234,6` (id, tr), `1,234.6` (ms); at most one decimal unless `options` say otherwise. */
export function formatNumber(locale: Locale, n: number, options: Intl.NumberFormatOptions = {}): string {
  return numberFormat(locale, { maximumFractionDigits: 1, ...options }).format(n);
}

/** `percent` is on the 0-100 scale the KPIs use: `72.3` → `72.3%` (en), `72,3%` (id), `%72,3` (tr). */
export function formatPercent(locale: Locale, percent: number, options: Intl.NumberFormatOptions = {}): string {
  return numberFormat(locale, { style: 'percent', maximumFractionDigits: 1, ...options }).format(percent / 100);
}

/**
 * Durations as people say them, in two units at most: `45 s`, `12 min`,
 * `1 h 24 min`, `3 d 4 h` (en); `1 j 24 mnt` (id), `1 j 24 min` (ms),
 * `1 sa 24 dk` (tr). Seconds below a minute, then whole minutes (rounded),
 * hours with minutes, days with hours.
 */
export function formatDuration(locale: Locale, seconds: number): string {
  const s = Math.round(Math.abs(seconds));
  const sign = seconds < 0 ? '-' : '';
  const part = (key: 'duration.seconds' | 'duration.minutes' | 'duration.hours' | 'duration.days', n: number) => t(locale, key, { n: formatNumber(locale, n) });
  if (s < 60) return sign + part('duration.seconds', s);
  const minutes = Math.round(s / 60);
  if (minutes < 60) return sign + part('duration.minutes', minutes);
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return sign + part('duration.hours', hours) + (minutes % 60 === 0 ? '' : ` ${part('duration.minutes', minutes % 60)}`);
  // From a day on, to the nearest hour (1 d 6 h 53 min reads 1 d 7 h), as below a day to the nearest minute.
  const wholeHours = Math.round(s / 3600);
  const days = Math.floor(wholeHours / 24);
  return sign + part('duration.days', days) + (wholeHours % 24 === 0 ? '' : ` ${part('duration.hours', wholeHours % 24)}`);
}

/**
 * A duration to the second, every unit named (`1 min 30 s`, `1 d 7 h 12 min`): for a value someone set (a goal's
 * target), which formatDuration would round (`90 s` reads `2 min` there).
 */
export function formatDurationExact(locale: Locale, seconds: number): string {
  let rest = Math.round(Math.abs(seconds));
  const parts: string[] = [];
  for (const [key, size] of [['duration.days', 86_400], ['duration.hours', 3600], ['duration.minutes', 60], ['duration.seconds', 1]] as const) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0) parts.push(t(locale, key, { n: formatNumber(locale, n) }));
  }
  return (seconds < 0 ? '-' : '') + (parts.length === 0 ? t(locale, 'duration.seconds', { n: formatNumber(locale, 0) }) : parts.join(' '));
}

/** A rolling window in words, as alert rules state it: `last 24 hours`, `last 7 days` (whole days from 48 h). */
export function formatWindow(locale: Locale, hours: number): string {
  return hours >= 48 && hours % 24 === 0 ? tn(locale, 'period.last_days', hours / 24) : tn(locale, 'period.last_hours', hours);
}

export interface DateOptions {
  /** Add the time of day. */
  readonly time?: boolean;
  /** Intl dateStyle; `medium` (`14 Okt 2026`) unless said. */
  readonly style?: 'short' | 'medium' | 'long' | 'full';
  /** Name the time zone after the time, "(Asia/Jakarta)": for a message read by people in several zones. */
  readonly zone?: boolean;
}

/** A local date (and time) in an IANA zone: `Oct 14, 2026` (en), `14 Okt 2026` (id, ms), `14 Eki 2026` (tr). */
export function formatDate(locale: Locale, epochMs: number, timezone: string, options: DateOptions = {}): string {
  const intl: Intl.DateTimeFormatOptions = { dateStyle: options.style ?? 'medium', timeZone: timezone };
  const text = dateFormat(locale, options.time === true ? { ...intl, timeStyle: 'short' } : intl).format(epochMs);
  return options.zone === true ? `${text} (${timezone})` : text;
}

/** A metric value in its unit, or "no data". Tables (summary, agents) have no single value and read as "". */
export function formatMetricValue(locale: Locale, value: number | null, unit: Unit): string {
  if (value === null) return t(locale, 'value.no_data');
  switch (unit) {
    case 'seconds':
      return formatDuration(locale, value);
    case 'percent':
      return formatPercent(locale, value);
    case 'score':
      return formatNumber(locale, value, { maximumFractionDigits: 1 });
    case 'count':
      return formatNumber(locale, value, { maximumFractionDigits: Number.isInteger(value) ? 0 : 1 });
    case 'table':
      return '';
  }
}

/**
 * A resolved period in words: `last 7 days`, `this month`, `yesterday`,
 * `Sep 1 – 30, 2026`, `since Oct 1, 2026`; dates in the period's zone.
 */
export function formatPeriod(locale: Locale, period: Period): string {
  const word = period.word;
  const days = /^(\d+)d$/.exec(word);
  if (days !== null) return Number(days[1]) === 1 ? t(locale, 'period.today') : tn(locale, 'period.last_days', Number(days[1]));
  const hours = /^(\d+)h$/.exec(word);
  if (hours !== null) return tn(locale, 'period.last_hours', Number(hours[1]));
  if ((PERIOD_WORDS as readonly string[]).includes(word)) return t(locale, `period.${word as FixedPeriodWord}`);
  const date = (epochMs: number) => formatDate(locale, epochMs, period.timezone);
  if (word.endsWith('..')) return t(locale, 'period.since', { from: date(period.from) });
  const last = Math.max(period.from, period.to - 1);
  if (date(period.from) === date(last)) return t(locale, 'period.day', { date: date(period.from) });
  // Intl writes once what both ends share: "Sep 1 – 30, 2026" (en), "1–30 Sep 2026" (id).
  return dateFormat(locale, { dateStyle: 'medium', timeZone: period.timezone }).formatRange(period.from, last);
}

type FixedPeriodWord = Exclude<(typeof PERIOD_WORDS)[number], '7d' | '30d' | '90d'>;

/** A metric's name in the reader's language (`metric.<id>.name`). */
export const metricName = (locale: Locale, id: MetricId) => t(locale, `metric.${id}.name` as MessageKey & `metric.${string}.name`);

/**
 * The name beside a metric's number. It is the metric's name, except for "Resolved vs unresolved", whose number
 * counts the resolved tickets only: "Resolved vs unresolved: 663" would read as if 663 compared the two.
 */
export const headlineName = (locale: Locale, id: MetricId) => (id === 'resolved' ? t(locale, 'detail.resolved') : metricName(locale, id));
