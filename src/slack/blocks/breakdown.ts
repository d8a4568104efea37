/**
 * A metric split by a ticket field or by day, week or month (`/kpi frt 30d by:team`). Pure:
 * `(viewModel, locale) → { text, blocks }`.
 *
 * A header with the metric and what splits it, the whole period's value, then one line per row: a bar in a code
 * span (so the bars line up), the row's name, its value, and for a field its move against its own previous period
 * and whether that is good, and n (but for a count, whose n is the count). Under them, what a row is (`team:<name>` added), the tickets in no row,
 * and the Explain and Share buttons.
 */
import { MAX_BREAKDOWN_VALUES, type BreakdownResult, type BreakdownRow } from '../../kpi/breakdown.js';
import { isTimeBreakdown, type TimeBreakdown } from '../../kpi/request-words.js';
import { t } from '../../i18n/catalogue.js';
import { formatMetricValue, formatNumber } from '../../i18n/format.js';
import { dateFormat } from '../../i18n/intl.js';
import type { Locale } from '../../i18n/locale.js';
import { actions, button, context, escapeMrkdwn, header, lineSections, messageIn, section, type Block, type SlackMessage } from './kit.js';
import { contextText, encodeRef, goalLine, goalRowText, goalTarget, metricName, pageButtons, priorityWord, shortTrend, trendText, unmatchedLines } from './common.js';
import { goalScopeKey } from '../../kpi/goals.js';
import { ACTION, type ReplyModel } from './metric.js';

export interface BreakdownViewModel extends ReplyModel {
  readonly result: BreakdownResult;
}

const BAR_WIDTH = 10;

export function breakdownView(model: BreakdownViewModel, locale: Locale): SlackMessage {
  const { result, period, filters } = model;
  const title = t(locale, `breakdown.title.${result.by}`, { metric: metricName(locale, result.metric) });
  const overall = t(locale, 'breakdown.overall', { value: formatMetricValue(locale, result.overall.value, result.unit) });
  const overallTrend = trendText(locale, result.overall);
  const goal = goalLine(locale, result.overall, filters);
  const blocks: Block[] = [header(title), section([[`*${escapeMrkdwn(overall)}*`, overallTrend].filter((part) => part !== '').join('  '), goal].filter((part) => part !== '').join('\n'))];
  // A field of more than ten values goes by pages, most active first (each page by value), rather than "and N more".
  const offset = result.offset ?? 0;
  // Shared in a channel, the first page stays as posted, with "and N more".
  const paged = (offset > 0 || result.more > 0) && !model.shared;
  const lines = breakdownRowLines(locale, result, { paged });
  if (lines.length === 0) blocks.push(section(t(locale, 'breakdown.none')));
  blocks.push(...lineSections(lines));
  const notes = [contextText(locale, period, filters, result.overall.n, result.metric), ...rowNotes(locale, result), ...ownGoalNote(locale, result)];
  notes.push(...unmatchedLines(locale, model.unmatched ?? []));
  if (model.sharedBy !== undefined) notes.push(t(locale, 'view.shared_by', { user: `<@${model.sharedBy}>` }));
  const total = offset + result.rows.length + result.more;
  const page = Math.floor(offset / MAX_BREAKDOWN_VALUES);
  if (paged) notes.push(t(locale, 'tickets.page', { page: page + 1, pages: Math.ceil(total / MAX_BREAKDOWN_VALUES), total: formatNumber(locale, total) }));
  blocks.push(context(notes));
  const ref = { m: result.metric, p: period.word, f: filters, b: result.by };
  blocks.push(
    actions([
      button({ text: t(locale, 'button.explain'), actionId: ACTION.explain, value: encodeRef({ ...ref, n: result.overall.n }) }),
      // The page turns in place, in the reader's own answer (a shared post stays as posted); Share posts the first page.
      ...(paged ? pageButtons(locale, ACTION.breakdownPage, ref, page, Math.ceil(total / MAX_BREAKDOWN_VALUES)) : []),
      ...(model.shared ? [] : [button({ text: t(locale, 'button.share'), actionId: ACTION.share, value: encodeRef(ref) })]),
    ]),
  );
  const text = [`${title}: ${formatMetricValue(locale, result.overall.value, result.unit)}`, contextText(locale, period, filters, result.overall.n, result.metric), ...result.rows.map((row) => `${rowName(locale, result, row)}: ${formatMetricValue(locale, row.value, result.unit)}`)].join(' · ');
  return messageIn(locale, text, blocks);
}

/** One line per row; "and N more" after the last when values were left out (a digest's split), unless the view pages them. */
export function breakdownRowLines(locale: Locale, result: BreakdownResult, options: { readonly paged?: boolean } = {}): string[] {
  const bars = barsOf(result.rows);
  const lines = result.rows.map((row, index) => {
    const name = `*${rowName(locale, result, row)}*${row.partial === true ? ' ◐' : ''}`;
    const trend = row.previous === undefined ? '' : shortTrend(locale, { value: row.value, unit: result.unit, previous: row.previous, change: row.change ?? null, trend: row.trend ?? 'unknown' });
    // A count's n is the count itself: said once.
    const n = result.unit === 'count' && row.n === row.value ? '' : t(locale, 'view.n', { n: formatNumber(locale, row.n) });
    const parts = [formatMetricValue(locale, row.value, result.unit), trend, n, goalRowText(locale, row.goal, result.unit)].filter((part) => part !== '');
    return `${bars === undefined ? '' : `\`${bars[index] ?? ''}\`  `}${name}  ${parts.join(' · ')}`;
  });
  if (result.more > 0 && options.paged !== true) lines.push(`_${t(locale, 'list.more', { n: result.more })}_`);
  return lines;
}

/**
 * The rows judged by a goal other than the whole period's (a team's own goal, or any goal when the whole has none):
 * "Rows with a goal of their own: Billing (at most 30 min)". Also under a digest's split.
 */
export function ownGoalNote(locale: Locale, result: BreakdownResult): string[] {
  const overall = result.overall.goal;
  const own = result.rows.filter((row) => row.goal !== undefined && (overall === undefined || row.goal.target !== overall.target || goalScopeKey(row.goal.filters) !== goalScopeKey(overall.filters)));
  if (own.length === 0) return [];
  const rows = own.map((row) => `${rowName(locale, result, row)} (${row.goal === undefined ? '' : goalTarget(locale, row.goal, result.unit)})`).join(', ');
  return [t(locale, 'goal.rows_own', { rows })];
}

/** What a row is, the partial-unit mark, and the tickets in no row. */
function rowNotes(locale: Locale, result: BreakdownResult): string[] {
  if (isTimeBreakdown(result.by)) {
    const notes = [t(locale, `breakdown.each_${result.by}`)];
    if (result.rows.some((row) => row.partial === true)) notes.push(`◐ ${t(locale, 'breakdown.partial')}`);
    return notes;
  }
  const notes = [t(locale, 'breakdown.each_field', { filter: `${result.by}:…` })];
  if (result.without > 0) notes.push(t(locale, `breakdown.without.${result.by}`, { n: formatNumber(locale, result.without) }));
  return notes;
}

/** A row's name: the field's value (a priority in the reader's language), or the day, week or month. */
function rowName(locale: Locale, result: BreakdownResult, row: BreakdownRow): string {
  if (isTimeBreakdown(result.by)) return unitName(locale, result.by, row.key, result.rows);
  if (result.by === 'priority') return priorityWord(locale, row.key) ?? escapeMrkdwn(row.key);
  if (row.slackUserId !== undefined) return `<@${row.slackUserId}>`;
  return escapeMrkdwn(row.name ?? row.key);
}

/** `Mon, Nov 16` (day), `Nov 16` (week, by its Monday), `November 2026` (month); days and weeks add the year when the rows span two. */
function unitName(locale: Locale, unit: TimeBreakdown, key: string, rows: readonly BreakdownRow[]): string {
  // The key is the local date the unit starts on: read it as a UTC date and print it in UTC, so no zone moves it.
  const date = Date.parse(`${key}T00:00:00Z`);
  if (unit === 'month') return dateFormat(locale, { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(date);
  const years = new Set(rows.map((row) => row.key.slice(0, 4)));
  const year = years.size > 1 ? ({ year: 'numeric' } as const) : {};
  const weekday = unit === 'day' ? ({ weekday: 'short' } as const) : {};
  return dateFormat(locale, { ...weekday, day: 'numeric', month: 'short', ...year, timeZone: 'UTC' }).format(date);
}

/**
 * A bar per row, its length the row's share of the largest value (at least one block for a value above 0): the
 * rows side by side at a glance. None when a value is below 0 (NPS), where a bar's length would mean nothing.
 */
function barsOf(rows: readonly BreakdownRow[]): string[] | undefined {
  const values = rows.map((row) => row.value);
  if (values.some((value) => value !== null && value < 0)) return undefined;
  const max = Math.max(0, ...values.map((value) => value ?? 0));
  return values.map((value) => {
    const filled = value === null || max === 0 ? 0 : Math.max(value > 0 ? 1 : 0, Math.round((value / max) * BAR_WIDTH));
    return '█'.repeat(filled) + '░'.repeat(BAR_WIDTH - filled);
  });
}
