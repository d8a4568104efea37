/**
 * A metric split by a ticket field or by calendar unit (`/kpi frt 30d by:team`, `kpibot report frt --by week`).
 * No new arithmetic: a row by team is the metric with `team:<name>` added to the filters, against its own previous
 * period; a row by week is the metric over that week of the period (cut at the period's edges), as `/kpi` would
 * answer for those dates. So every row follows the metric's one written definition, and a row's median is a real
 * median of its tickets, never an average of averages.
 */
import { format } from 'date-fns';
import { TZDate } from '@date-fns/tz';
import type { KpiStore, TicketFilters } from '../store/kpi-store.js';
import { GROUPED_RESPONSE_KEYS, type GroupedResponseKey } from './request-words.js';
import { METRICS_WITHOUT_TICKET_FILTERS, METRICS, type MetricId, type Unit } from './definitions.js';
import { compared, computeHeadline, measureHeadline, type MetricResult, type PeriodRange } from './metrics.js';
import { bucketStarts, calendarUnits, periodInstant, type Interval } from './periods.js';
import { isTimeBreakdown, type Breakdown, type DimensionBreakdown } from './request-words.js';
import type { Trend } from './formulas.js';
import type { GoalStatus } from './goals.js';

/** Rows shown for a ticket field: its most active values (see KpiStore.breakdownValues); the rest are counted. */
export const MAX_BREAKDOWN_VALUES = 10;
/**
 * Values a split alert rule watches (`threshold frt > 4h by:agent`): every agent of a large team, most active first;
 * a cap only so that a field of thousands of values (channels from a CSV) cannot make one rule's minute run for long.
 */
export const MAX_WATCHED_VALUES = 100;
/** Days, weeks or months at most: two months of days, a year of weeks. */
export const MAX_BREAKDOWN_BUCKETS = 62;

export type BreakdownMetric = Exclude<MetricId, 'summary' | 'agents'>;

/** Why a breakdown cannot be made; undefined when it can. */
export type BreakdownProblem =
  /** The summary and the agents table are several numbers already; churn, repeat, self-service and eNPS count no tickets, so a ticket field cannot split them. */
  | 'breakdown_not_applicable'
  /** More days, weeks or months than MAX_BREAKDOWN_BUCKETS: a coarser unit reads better. */
  | 'breakdown_too_long';

export function breakdownProblem(metric: MetricId, by: Breakdown, period: Interval & { readonly timezone: string }): BreakdownProblem | undefined {
  if (metric === 'summary' || metric === 'agents') return 'breakdown_not_applicable';
  if (!isTimeBreakdown(by)) return METRICS_WITHOUT_TICKET_FILTERS.includes(metric) ? 'breakdown_not_applicable' : undefined;
  return bucketStarts(period, by, period.timezone, MAX_BREAKDOWN_BUCKETS).length > MAX_BREAKDOWN_BUCKETS ? 'breakdown_too_long' : undefined;
}

/** A split by a field that a filter already narrows to one value: it would make one row. */
export function splitsFilteredField(by: Breakdown, filters: TicketFilters): by is DimensionBreakdown {
  return !isTimeBreakdown(by) && filters[by] !== undefined;
}

/** The next coarser unit, to suggest when a breakdown has too many rows. */
export function coarserUnit(by: Breakdown): Breakdown | undefined {
  return by === 'day' ? 'week' : by === 'week' ? 'month' : undefined;
}

export interface BreakdownRow {
  /** The field's value (as a filter reads it), or the local date a day, week or month starts on (YYYY-MM-DD). */
  readonly key: string;
  /** An agent's name, and their Slack user when linked (the key is their e-mail address or helpdesk id). */
  readonly name?: string;
  readonly slackUserId?: string;
  /** An agent known by a helpdesk id alone: their helpdesk, which the row's filter adds (`agent:7 source:zendesk`). */
  readonly source?: string;
  /** The instants the row covers (a time row: its unit cut at the period's edges; a field row: the period). */
  readonly from: string;
  readonly to: string;
  /** A day, week or month the period covers only part of: the period starts or ends inside it (a running period ends now). */
  readonly partial?: boolean;
  readonly value: number | null;
  readonly n: number;
  /** A field row, against the previous period with the same filter. */
  readonly previous?: { readonly value: number | null; readonly n: number };
  readonly change?: number | null;
  readonly trend?: Trend;
  /** How the row stands against the goal that applies to it (its filters with the row's value added). */
  readonly goal?: GoalStatus;
}

export interface BreakdownResult {
  readonly metric: BreakdownMetric;
  readonly by: Breakdown;
  readonly period: MetricResult['period'];
  readonly unit: Unit;
  /** The metric over the whole period with the filters given, against the previous period. */
  readonly overall: MetricResult;
  readonly rows: readonly BreakdownRow[];
  /** Values of the field not shown after these rows (beyond MAX_BREAKDOWN_VALUES, or the page). */
  readonly more: number;
  /** A page after the first (Slack's Next): how many values, most active first, came before these rows. */
  readonly offset?: number;
  /** Active tickets with no value for the field (no team, no channel...): in no row. */
  readonly without: number;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The days, weeks or months of the period, each cut at the period's edges, with the local date each unit starts on. */
export function breakdownBuckets(period: Interval & { readonly timezone: string }, unit: 'day' | 'week' | 'month'): { key: string; range: Interval; partial: boolean }[] {
  return calendarUnits(period, unit, period.timezone).map((whole) => {
    const range = { from: Math.max(whole.from, period.from), to: Math.min(whole.to, period.to) };
    return { key: format(new TZDate(whole.from, period.timezone), 'yyyy-MM-dd'), range, partial: range.from > whole.from || range.to < whole.to };
  });
}

/** The metric split by `by` over the period: see the file's comment. The caller has checked breakdownProblem. */
/**
 * How many rows of a field: a page of MAX_BREAKDOWN_VALUES (`page`, from 0; Slack's Previous and Next), or `all` of
 * them (`kpibot report --by team --all`, for a spreadsheet).
 */
export interface BreakdownPaging {
  readonly page?: number;
  readonly all?: boolean;
  /**
   * A split alert rule's values: the first MAX_WATCHED_VALUES, each over the period alone (a rule compares a value
   * with its limit or goal, never with the period before, so the previous period is not read).
   */
  readonly watch?: boolean;
}

export async function computeBreakdown(metric: BreakdownMetric, by: Breakdown, store: KpiStore, period: PeriodRange, filters: TicketFilters, now: number, paging: BreakdownPaging = {}): Promise<BreakdownResult> {
  const overall = computeHeadline(metric, store, period, filters, now);
  const base = { metric, by, period: { from: iso(period.from), to: iso(period.to), timezone: period.timezone }, unit: METRICS[metric].unit };
  if (isTimeBreakdown(by)) {
    const buckets = breakdownBuckets(period, by);
    const rows = await Promise.all(
      buckets.map(async ({ key, range, partial }): Promise<BreakdownRow> => {
        const measure = await measureHeadline(metric, store, range, filters, now, period.timezone);
        return { key, from: iso(range.from), to: iso(range.to), ...(partial ? { partial } : {}), value: measure.value, n: measure.n };
      }),
    );
    return { ...base, overall: await overall, rows, more: 0, without: 0 };
  }
  const limit = paging.all === true ? Number.MAX_SAFE_INTEGER : paging.watch === true ? MAX_WATCHED_VALUES : MAX_BREAKDOWN_VALUES;
  const fromFirst = paging.all === true || paging.watch === true;
  // Open-ticket counts rank their values by those tickets: the ten most active agents need not be the ones with overdue
  // tickets. Not for a split alert rule: a value whose last overdue ticket went would drop out of its rows unjudged, so
  // its crossed state would never recover and it would never alert again; it watches the most active, 0 included.
  const rankBy = paging.watch === true ? 'activity' : metric === 'backlog' ? 'open' : metric === 'overdue' ? 'overdue' : 'activity';
  const { values, total, offset, without } = await store.breakdownValues(by, period, periodInstant(period, now), filters, limit, fromFirst ? 0 : Math.max(0, paging.page ?? 0) * MAX_BREAKDOWN_VALUES, rankBy);
  // Response rows by a field: every value's intervals numbered in one read a period, not one filtered read a value.
  const grouped = metric === 'response' && (GROUPED_RESPONSE_KEYS as readonly string[]).includes(by) ? (by as GroupedResponseKey) : undefined;
  const [medians, previousMedians] =
    grouped === undefined ? [] : await Promise.all([store.responseMedians(grouped, period, filters, values), paging.watch === true ? undefined : store.responseMedians(grouped, period.previous, filters, values)]);
  const computed = await Promise.all(
    values.map(async (breakdownValue): Promise<BreakdownRow> => {
      const { value, name, slackUserId, source } = breakdownValue;
      const row = { key: value, ...(name === undefined ? {} : { name }), ...(slackUserId === undefined ? {} : { slackUserId }), ...(source === undefined ? {} : { source }), from: base.period.from, to: base.period.to };
      const current = medians?.get(breakdownValue);
      if (current !== undefined) {
        const measure = { value: current.median, n: current.n };
        const previous = previousMedians?.get(breakdownValue);
        return { ...row, ...(previous === undefined ? measure : compared(metric, measure, { value: previous.median, n: previous.n })) };
      }
      const rowFilters = { ...filters, [by]: value, ...(source === undefined ? {} : { source }) };
      if (paging.watch === true) {
        const measure = await measureHeadline(metric, store, period, rowFilters, now, period.timezone);
        return { ...row, value: measure.value, n: measure.n };
      }
      const result = await computeHeadline(metric, store, period, rowFilters, now);
      return { ...row, value: result.value, n: result.n, previous: result.previous, change: result.change, trend: result.trend };
    }),
  );
  // Priorities stay in their order (urgent first); other values largest first, so the team with the slowest replies
  // or the most open tickets leads; no data last.
  const rows = by === 'priority' ? computed : [...computed].sort((a, b) => (b.value ?? Number.NEGATIVE_INFINITY) - (a.value ?? Number.NEGATIVE_INFINITY) || b.n - a.n);
  return { ...base, overall: await overall, rows, more: total - offset - values.length, ...(offset > 0 ? { offset } : {}), without };
}
