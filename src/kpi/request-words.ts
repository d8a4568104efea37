/**
 * The words a KPI request is made of, defined once for `kpibot report` and
 * `/kpi`: metric ids, filters (`key:value` or `key=value`) and period words.
 *
 * The readers return a value or a typed problem (a code and the word, never a
 * sentence), so the command line can phrase it in English and Slack in the
 * reader's language. `parseMetric` / `parseFilters` are the command line's
 * throwing forms, with its English messages.
 */
import type { BreakdownKey, TicketFilters } from '../store/kpi-store.js';
import { PRIORITIES, type Priority } from '../ingest/events.js';
import { UsageError } from '../errors.js';
import { METRIC_IDS, type MetricId, type Unit } from './definitions.js';
import { PERIOD_WORDS, PeriodError, resolvePeriod, type Period, type PeriodProblem } from './periods.js';
import { closestWord } from './suggest.js';

export const FILTER_KEYS = ['team', 'priority', 'channel', 'source', 'agent', 'tag'] as const;
export type FilterKey = (typeof FILTER_KEYS)[number];

/**
 * What `by:` splits a metric by: a ticket field (each row is the metric with that filter added) or a calendar unit
 * (each row is the metric over one day, ISO week or month of the period, in the workspace's zone).
 */
export const BREAKDOWNS = ['team', 'agent', 'priority', 'channel', 'source', 'day', 'week', 'month'] as const;
export type Breakdown = (typeof BREAKDOWNS)[number];
export type DimensionBreakdown = Extract<Breakdown, FilterKey>;
export type TimeBreakdown = Exclude<Breakdown, FilterKey>;

export function isTimeBreakdown(by: Breakdown): by is TimeBreakdown {
  return by === 'day' || by === 'week' || by === 'month';
}

export function isBreakdown(word: string): word is Breakdown {
  return (BREAKDOWNS as readonly string[]).includes(word);
}

/** A word that could not be read, and the closest known word when one is close enough. */
export type WordProblem =
  | { readonly code: 'unknown_metric'; readonly word: string; readonly suggestion?: MetricId }
  | { readonly code: 'bad_filter'; readonly word: string }
  | { readonly code: 'unknown_filter'; readonly word: string; readonly suggestion?: FilterKey }
  /** `priority:` takes the normalized priorities only: any other word would match no ticket. */
  | { readonly code: 'unknown_priority'; readonly word: string; readonly suggestion?: Priority }
  | { readonly code: 'bad_period'; readonly word: string; readonly reason: PeriodProblem; readonly suggestion?: string }
  /** `by:` with a word that is not one of BREAKDOWNS. */
  | { readonly code: 'unknown_breakdown'; readonly word: string; readonly suggestion?: Breakdown };

export type WordResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: WordProblem };

export interface Filter {
  readonly key: FilterKey;
  readonly value: string;
}

export function isMetricId(word: string): word is MetricId {
  return (METRIC_IDS as readonly string[]).includes(word);
}

export function isFilterKey(word: string): word is FilterKey {
  return (FILTER_KEYS as readonly string[]).includes(word);
}

/** A metric id, case-insensitive. */
export function readMetric(word: string): WordResult<MetricId> {
  const id = word.trim().toLowerCase();
  if (isMetricId(id)) return { ok: true, value: id };
  return { ok: false, problem: withSuggestion({ code: 'unknown_metric', word }, closestWord(id, METRIC_IDS) as MetricId | undefined) };
}

/**
 * `key:value` or `key=value`; the key is case-insensitive, the value is kept as written (trimmed), except a
 * priority, which is one of the normalized four (case-insensitive).
 */
export function readFilter(pair: string): WordResult<Filter> {
  const match = /^([a-z]+)[=:](.*)$/is.exec(pair.trim());
  const value = match?.[2]?.trim() ?? '';
  if (match === null || value === '') return { ok: false, problem: { code: 'bad_filter', word: pair } };
  const key = (match[1] ?? '').toLowerCase();
  if (!isFilterKey(key)) {
    return { ok: false, problem: withSuggestion({ code: 'unknown_filter', word: key }, closestWord(key, FILTER_KEYS) as FilterKey | undefined) };
  }
  if (key === 'priority') {
    const priority = value.toLowerCase();
    if (!(PRIORITIES as readonly string[]).includes(priority)) {
      return { ok: false, problem: withSuggestion({ code: 'unknown_priority', word: value }, closestWord(priority, PRIORITIES) as Priority | undefined) };
    }
    return { ok: true, value: { key, value: priority } };
  }
  return { ok: true, value: { key, value } };
}

/** `by:<x>` or `by=<x>`, case-insensitive: `by:team`, `by:week`. */
export function readBreakdown(word: string): WordResult<Breakdown> {
  const match = /^by[=:](.*)$/is.exec(word.trim());
  const value = (match?.[1] ?? '').trim().toLowerCase();
  if (isBreakdown(value)) return { ok: true, value };
  return { ok: false, problem: withSuggestion({ code: 'unknown_breakdown', word }, closestWord(value, BREAKDOWNS) as Breakdown | undefined) };
}

/** The `by:` of the command line (`--by team`); undefined when none is given. */
export function parseBreakdown(word: string | undefined): Breakdown | undefined {
  if (word === undefined) return undefined;
  const read = readBreakdown(`by:${word}`);
  if (!read.ok) throw new UsageError(describeWordProblem(read.problem));
  return read.value;
}

/**
 * A period word, read by resolvePeriod itself (so both surfaces accept exactly
 * the same words). An unknown zone or a non-finite `now` is a programming error
 * and still throws.
 */
export function readPeriod(word: string, now: number, timezone: string): WordResult<Period> {
  try {
    return { ok: true, value: resolvePeriod(word, now, timezone) };
  } catch (error) {
    if (!(error instanceof PeriodError)) throw error;
    const suggestion = error.reason === 'not_a_period' ? closestWord(error.word, PERIOD_WORDS) : undefined;
    return { ok: false, problem: withSuggestion({ code: 'bad_period', word: error.word, reason: error.reason }, suggestion) };
  }
}

function withSuggestion<P extends WordProblem>(problem: P, suggestion: string | undefined): P {
  return suggestion === undefined ? problem : { ...problem, suggestion };
}

// --- The command line's forms: English messages, thrown as UsageError ---

/** The metric named on the command line (summary when none is). */
export function parseMetric(word: string | undefined): MetricId {
  if (word === undefined) return 'summary';
  const read = readMetric(word);
  if (!read.ok) throw new UsageError(describeWordProblem(read.problem));
  return read.value;
}

/**
 * `--filter key=value` pairs, combined with AND. A key given twice is refused: one ticket has one team, so
 * `team=a --filter team=b` could only mean "neither" or "either", and keeping the last one silently reported on b alone.
 */
export function parseFilters(pairs: readonly string[]): TicketFilters {
  const filters: Partial<Record<FilterKey, string>> = {};
  const given: Partial<Record<FilterKey, string>> = {};
  for (const pair of pairs) {
    const read = readFilter(pair);
    if (!read.ok) throw new UsageError(describeWordProblem(read.problem));
    const { key, value } = read.value;
    if (given[key] !== undefined) throw new UsageError(`--filter names ${key} twice ("${given[key]}" and "${pair}"): a ticket has one ${key}: keep one, or run the command once for each`);
    given[key] = pair;
    filters[key] = value;
  }
  return filters;
}

/** One English line for the command line. */
export function describeWordProblem(problem: WordProblem): string {
  const hint = 'suggestion' in problem && problem.suggestion !== undefined ? `; did you mean "${problem.suggestion}"?` : '';
  switch (problem.code) {
    case 'unknown_metric':
      return `unknown metric "${problem.word}"${hint} (metrics: ${METRIC_IDS.join(', ')})`;
    case 'bad_filter':
      return `filter "${problem.word}" is not key=value (keys: ${FILTER_KEYS.join(', ')})`;
    case 'unknown_filter':
      return `unknown filter "${problem.word}"${hint} (keys: ${FILTER_KEYS.join(', ')})`;
    case 'unknown_priority':
      return `unknown priority "${problem.word}"${hint} (priorities: ${PRIORITIES.join(', ')})`;
    case 'bad_period':
      return `period "${problem.word}" cannot be read (${problem.reason.replaceAll('_', ' ')})${hint}`;
    case 'unknown_breakdown':
      return `cannot split by "${problem.word.replace(/^by[=:]/i, '')}"${hint} (by: ${BREAKDOWNS.join(', ')})`;
  }
}

/**
 * Words for a duration's unit, in seconds: `4h`, `4 hours`, `30min`; and the units the bot writes durations in, in
 * Indonesian and Malay (`30 mnt`, `1 j`, `1 jam`, `2 hari`) and Turkish (`45 sn`, `30 dk`, `1 sa`, `2 gün`), so a
 * value can be typed as a reply shows it. Not Malay `saat` (seconds), which is Turkish for an hour.
 */
export const DURATION_UNITS: Record<string, number> = {
  s: 1, sec: 1, secs: 1, second: 1, seconds: 1, m: 60, min: 60, mins: 60, minute: 60, minutes: 60, h: 3600, hr: 3600, hrs: 3600, hour: 3600, hours: 3600, d: 86_400, day: 86_400, days: 86_400,
  dtk: 1, detik: 1, mnt: 60, menit: 60, minit: 60, j: 3600, jam: 3600, hari: 86_400,
  sn: 1, saniye: 1, dk: 60, dakika: 60, sa: 3600, gün: 86_400,
};

/**
 * A number in the metric's unit (a threshold's limit, a goal): a duration needs its unit (`90s`, `30m`, `4h`, `1.5d`),
 * a percent may carry `%`, a decimal comma is read as a point (`92,5%`). A count is a whole number: `1,500` is refused,
 * not read as 1.5 (nor as 1500: the comma is a decimal mark in Indonesian, Malay and Turkish).
 */
export function readMetricValue(text: string, unit: Exclude<Unit, 'table'>): number | undefined {
  // `%90`: the percent sign first, as Turkish writes it.
  const trimmed = text.trim();
  const match = /^(-?\d+(?:[.,]\d+)?)\s*([\p{L}%]*)$/iu.exec(/^%\d/.test(trimmed) ? `${trimmed.slice(1)}%` : trimmed);
  if (match === null) return undefined;
  if (unit === 'count' && !/^-?\d+$/.test(match[1] ?? '')) return undefined;
  const number = Number((match[1] ?? '').replace(',', '.'));
  if (!Number.isFinite(number)) return undefined;
  const suffix = (match[2] ?? '').toLowerCase();
  if (unit === 'seconds') {
    const factor = DURATION_UNITS[suffix];
    return factor === undefined || number < 0 || !Number.isFinite(number * factor) ? undefined : number * factor;
  }
  if (unit === 'percent') return suffix === '' || suffix === '%' ? number : undefined;
  return suffix === '' ? number : undefined;
}

/** Whether a refused value is a number a count cannot take (`1,500`, `2.5`): a count is whole, and the comma a decimal mark. */
export function isFractionalNumber(text: string): boolean {
  return /^-?\d+[.,]\d+$/.test(text.trim());
}

/** Breakdowns whose `response` medians the store computes in one grouped read (KpiStore.responseMedians). */
export const GROUPED_RESPONSE_KEYS = ['team', 'priority', 'source', 'agent'] as const satisfies readonly BreakdownKey[];
export type GroupedResponseKey = (typeof GROUPED_RESPONSE_KEYS)[number];

/** The ticket lists a reply can open (Show tickets). */
export const TICKET_LIST_KINDS = ['backlog', 'overdue', 'escalations'] as const;
export type TicketListKind = (typeof TICKET_LIST_KINDS)[number];
