/**
 * `kpibot report <metric> [--period P] [--filter key=value ...] [--timezone Z] [--by B [--all]] [--sort column] [--json | --csv]`:
 * a readable table, with --json one stable JSON object per metric, or with --csv rows for a spreadsheet
 * (see docs/report.md).
 */
import { stringify } from 'csv-stringify/sync';
import { isValidTimeZone, type Config } from './config.js';
import { UsageError, describeError } from './errors.js';
import { withMigratedDatabase } from './cli-database.js';
import { parseCommandArgs } from './cli-args.js';
import { KpiStore, type TicketFilters } from './store/kpi-store.js';
import { METRIC_IDS, METRICS, MOVES_IN_POINTS, moveShowsAsZero, UNFILTERABLE_COUNTS } from './kpi/definitions.js';
import { AGENT_COLUMNS, AGENT_SORT_WORDS, agentColumnOf, computeAgents, computeMetric, computeSummary, unmatchedFilters, type MetricResult } from './kpi/metrics.js';
import { PERIOD_WORDS, PeriodError, periodInstant, resolvePeriod } from './kpi/periods.js';
import { didYouMean } from './kpi/suggest.js';
import { BREAKDOWNS, FILTER_KEYS, isTimeBreakdown, parseBreakdown, parseFilters, parseMetric, readPeriod } from './kpi/request-words.js';
import { breakdownProblem, coarserUnit, computeBreakdown, splitsFilteredField, MAX_BREAKDOWN_BUCKETS, MAX_BREAKDOWN_VALUES, type BreakdownResult } from './kpi/breakdown.js';
import { formatGoalGap, formatGoalScope, formatGoalTarget, formatValue } from './kpi/format.js';
import { AGENT_GOAL_COLUMNS, agentRowsWithGoals, breakdownWithGoals, isReplysOwnGoal, withGoal, type AgentGoalColumn, type AgentGoals, type GoalStatus } from './kpi/goals.js';
import { GoalStore } from './store/goal-store.js';
import { formatDate, formatDuration } from './i18n/format.js';

type Output = { out: (line: string) => void; err: (line: string) => void };

export const REPORT_USAGE = `Usage:
  kpibot report [metric] [--period P] [--filter key=value ...] [--timezone Z] [--by B [--all]] [--sort column] [--json | --csv]

  metric      ${METRIC_IDS.join(', ')}
              (default summary; definitions in docs/metrics.md)
  --period    ${PERIOD_WORDS.join(', ')},
              <N>d, <N>h, a day 2026-10-05, a range 2026-10-01..2026-10-31 or 2026-10-01.. (default 30d)
  --filter    ${FILTER_KEYS.join(', ')}=value, repeatable, all must hold
  --timezone  an IANA zone that cuts the period (default KPI_TIMEZONE)
  --by        split one metric by ${BREAKDOWNS.join(', ')}
  --all       with --by a field: every value, not the ${MAX_BREAKDOWN_VALUES} most active
  --sort      with agents: ${AGENT_COLUMNS.join(', ')}
              (or ${Object.keys(AGENT_SORT_WORDS).join(', ')})
  --json      one JSON object; --csv: rows for a spreadsheet (docs/report.md)`;

export async function reportCommand(args: readonly string[], config: Config, output: Output, now = Date.now()): Promise<number> {
  const parsed = parseCommandArgs('report', args, {
    period: { type: 'string', default: '30d' },
    filter: { type: 'string', multiple: true, default: [] },
    timezone: { type: 'string' },
    by: { type: 'string' },
    sort: { type: 'string' },
    all: { type: 'boolean' },
    json: { type: 'boolean' },
    csv: { type: 'boolean' },
  });
  const [word, ...extra] = parsed.positionals;
  if (extra.length > 0) {
    // `report frt 7d` (as /kpi frt 7d says it in Slack): the second word is a period, so say how to give it here.
    const period = extra.length === 1 && extra[0] !== undefined && readPeriod(extra[0], now, 'UTC').ok ? `; for a period, say --period ${extra[0]}` : '';
    throw new UsageError(`report takes one metric, got "${parsed.positionals.join(' ')}"${period}`);
  }
  const metric = parseMetric(word);
  const timezone = parsed.values.timezone ?? config.kpi.timezone;
  if (!isValidTimeZone(timezone)) throw new UsageError(`--timezone "${timezone}" is not an IANA time zone (e.g. Asia/Jakarta)`);
  let period;
  try {
    period = resolvePeriod(parsed.values.period ?? '30d', now, timezone);
  } catch (error) {
    // A near miss of a period word gets that word, not the list of every form.
    const near = error instanceof PeriodError && error.reason === 'not_a_period' ? didYouMean(error.word, PERIOD_WORDS) : '';
    throw new UsageError(near === '' ? describeError(error) : `period "${(error as PeriodError).word}" is not a period${near}; "kpibot report --help" lists them`);
  }
  const filters = parseFilters(parsed.values.filter ?? []);
  const counts = UNFILTERABLE_COUNTS[metric];
  if (counts !== undefined && Object.keys(filters).length > 0) {
    throw new UsageError(`--filter does not apply to ${metric}: it counts ${counts}, which ticket filters cannot narrow`);
  }
  // Columns are matched without regard to case (frtmedian is frtMedian), or by the short word Slack's sort: takes (frt); a near miss gets its column.
  const sortWord = parsed.values.sort ?? 'solved';
  const sort = agentColumnOf(sortWord);
  if (sort === undefined) throw new UsageError(`--sort "${sortWord}" is not a column${didYouMean(sortWord, AGENT_COLUMNS)}; columns: ${AGENT_COLUMNS.join(', ')} (or ${Object.keys(AGENT_SORT_WORDS).join(', ')})`);
  if (parsed.values.sort !== undefined && metric !== 'agents') throw new UsageError('--sort goes with "report agents"');
  if (parsed.values.json === true && parsed.values.csv === true) throw new UsageError('choose one of --json and --csv');
  const by = parseBreakdown(parsed.values.by);
  // Every value of a field; a time split (at most 62 rows) and no split have no ten to go beyond.
  if (parsed.values.all === true && (by === undefined || isTimeBreakdown(by))) throw new UsageError('--all goes with --by team, agent, priority, channel or source');
  if (by !== undefined) {
    if (splitsFilteredField(by, filters)) throw new UsageError(`--by ${by} and --filter ${by}=${String(filters[by])} both choose the ${by}: keep one`);
    const problem = breakdownProblem(metric, by, period);
    if (problem === 'breakdown_not_applicable') {
      throw new UsageError(metric === 'summary' || metric === 'agents' ? `--by goes with one metric, not ${metric}` : `--by ${by} does not apply to ${metric}: it counts ${counts ?? 'no tickets'}; --by day, week or month do`);
    }
    if (problem === 'breakdown_too_long') {
      const coarser = coarserUnit(by);
      throw new UsageError(`--by ${by} would give more than ${MAX_BREAKDOWN_BUCKETS} rows; try ${coarser === undefined ? '' : `--by ${coarser} or `}a shorter --period`);
    }
  }

  // What the numbers cover, on the first line of the text: the period, its zone and the filters.
  const filterWords = Object.entries(filters).map(([key, value]) => `${key}=${String(value)}`).join(', ');
  const heading = `${period.label} (${timezone})${filterWords === '' ? '' : ` · ${filterWords}`}`;
  return withMigratedDatabase(config, async (db) => {
    const store = new KpiStore(db);
    const goals = await new GoalStore(db).all();
    // A filter that matches no ticket is said on stderr, so that the numbers on stdout stay as they are for scripts.
    for (const { key, value, suggestion } of await unmatchedFilters(store, filters)) {
      output.err(`kpibot: note: no ticket matches ${key}=${value}${suggestion === undefined ? '' : ` (did you mean "${suggestion}"?)`}`);
    }
    const json = parsed.values.json === true;
    const csv = parsed.values.csv === true;
    if (by !== undefined && metric !== 'agents' && metric !== 'summary') {
      const result = breakdownWithGoals(await computeBreakdown(metric, by, store, period, filters, now, { all: parsed.values.all === true }), goals, filters);
      if (json) output.out(JSON.stringify(result));
      else if (csv) output.out(breakdownCsv(result));
      else printBreakdown(output, heading, result, filters);
    } else if (metric === 'agents') {
      const computed = await computeAgents(store, period, filters, now, sort);
      const table = { ...computed, rows: agentRowsWithGoals(computed.rows, goals, filters) };
      if (json) output.out(JSON.stringify(table));
      else if (csv) output.out(agentsCsv(table));
      else printAgents(output, heading, table.rows, filters);
    } else if (metric === 'summary') {
      const computed = await computeSummary(store, period, filters, now);
      const summary = { ...computed, metrics: computed.metrics.map((result) => withGoal(result, goals, filters)) };
      if (json) output.out(JSON.stringify(summary));
      else if (csv) output.out(metricsCsv(summary.metrics));
      else printSummary(output, heading, summary.metrics, filters);
    } else {
      const result = withGoal(await computeMetric(metric, store, period, filters, now), goals, filters);
      if (json) output.out(JSON.stringify(result));
      else if (csv) output.out(metricsCsv([result]));
      else for (const line of metricLines(result, heading, { timezone, now }, filters)) output.out(line);
    }
    return 0;
  }, { readOnly: true });
}

const ARROW = { better: '(better)', worse: '(worse)', same: '(same)', unknown: '' } as const;

/** The move against the previous period: a percent change, or a difference in points for rates and scores (MOVES_IN_POINTS). */
function changeText(result: MetricResult): string {
  if (result.value === null || result.previous.value === null) return '';
  const difference = result.value - result.previous.value;
  const arrow = difference > 0 ? '▲' : difference < 0 ? '▼' : '=';
  // A move that shows as 0 is no change (as in Slack): not "▲ 0% (worse)".
  if (moveShowsAsZero(result)) return `= ${ARROW.same}`;
  if (MOVES_IN_POINTS.includes(result.unit)) return `${arrow} ${Number(Math.abs(difference).toFixed(1))} pts ${ARROW[result.trend]}`.trim();
  if (result.change === null) return '';
  return `${arrow} ${Math.abs(result.change).toFixed(0)}% ${ARROW[result.trend]}`.trim();
}

/**
 * A goal and how the value stands against it: `at most 1 h: met`, `at least 90.0%: missed by 3.2 pts`; with the goal's
 * scope when it is not the report's own (`(goal of team=billing)` on a report filtered by team and priority).
 */
function goalText(goal: GoalStatus, unit: MetricResult['unit'], filters: TicketFilters): string {
  const verdict = goal.met === null ? 'no data' : goal.met ? 'met' : `missed by ${formatGoalGap(goal.gap ?? 0, unit)}`;
  return `${formatGoalTarget(goal.direction, goal.target, unit)}${goalScopeNote(goal, filters)}: ${verdict}`;
}

/** ` (goal of team=billing)` where the goal is not the report's own, else nothing. */
function goalScopeNote(goal: GoalStatus, filters: TicketFilters): string {
  return isReplysOwnGoal(goal, filters) ? '' : ` (goal of ${formatGoalScope(goal.filters)})`;
}

function printSummary(output: Output, label: string, metrics: readonly MetricResult[], filters: TicketFilters): void {
  output.out(`Summary · ${label}`);
  // The goal column only where a goal is set.
  const goals = metrics.some((m) => m.goal !== undefined);
  const rows = metrics.map((m) => [METRICS[m.metric].title, formatValue(m.value, m.unit), String(m.n), formatValue(m.previous.value, m.unit), changeText(m), ...(goals ? [m.goal === undefined ? '' : goalText(m.goal, m.unit, filters)] : [])]);
  printTable(output, ['Metric', 'Value', 'n', 'Previous', 'Change', ...(goals ? ['Goal'] : [])], rows);
}

/** One metric as text lines: the value, the previous period, then each detail readably (tickets, ages, channels). */
export function metricLines(result: MetricResult, label: string, at: { timezone: string; now: number }, filters: TicketFilters = {}): string[] {
  const lines = [
    `${METRICS[result.metric].title} · ${label}`,
    `  ${formatValue(result.value, result.unit)}   (n = ${result.n})   ${changeText(result)}`.trimEnd(),
    `  previous period: ${formatValue(result.previous.value, result.unit)} (n = ${result.previous.n})`,
    ...(result.goal === undefined ? [] : [`  goal: ${goalText(result.goal, result.unit, filters)}`]),
  ];
  // Tickets stood as listed at the period's end (now, while it runs): how long overdue, counted to then.
  detailLines(lines, result.unit, result.details, '', { ...at, now: periodInstant({ to: Date.parse(result.period.to) }, at.now) });
  return lines;
}

interface DurationDetails { median: number | null; mean: number | null; p90: number | null; n: number }
interface TicketDetail { externalId: string; createdAt: number; priority: string | null; team: string | null; url: string | null; target?: string; dueAt?: number }
const DETAIL_LABELS: Record<string, string> = { business: 'business hours' };
const AGE_LABELS: Record<string, string> = { under1d: '< 1 d', d1to3: '1-3 d', d3to7: '3-7 d', over7d: '> 7 d' };
const isDurationDetails = (value: unknown): value is DurationDetails =>
  typeof value === 'object' && value !== null && ['median', 'mean', 'p90', 'n'].every((key) => key in value) && Object.keys(value).length === 4;
const isTicket = (value: unknown): value is TicketDetail => typeof value === 'object' && value !== null && 'externalId' in value && 'createdAt' in value;
const isCounts = (value: object): value is Record<string, number> => Object.values(value).every((item) => typeof item === 'number');
/** `sevenDaysEarlier` → `seven days earlier`. */
const words = (key: string) => key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();

/** A ticket on one line: id, priority, team, when it was opened, what is due (overdue), its link. */
function ticketLine(ticket: TicketDetail, at: { timezone: string; now: number }): string {
  const when = (ms: number) => formatDate('en', ms, at.timezone, { time: true });
  const parts = [ticket.externalId, ticket.priority ?? '-', ticket.team ?? '-', `opened ${when(ticket.createdAt)}`];
  if (ticket.target !== undefined && ticket.dueAt !== undefined) {
    parts.push(`${ticket.target.replace('_', ' ')} due ${when(ticket.dueAt)}${ticket.dueAt < at.now ? `, overdue by ${formatDuration('en', (at.now - ticket.dueAt) / 1000)}` : ''}`);
  }
  if (ticket.url !== null) parts.push(ticket.url);
  return parts.join(' · ');
}

/** Scalars one per line; duration statistics (calendar or business hours) as one line each; tickets, ages and counts by channel readably; anything else as JSON. */
function detailLines(lines: string[], unit: MetricResult['unit'], details: Record<string, unknown>, prefix: string, at: { timezone: string; now: number }): void {
  for (const [key, value] of Object.entries(details)) {
    const label = `${prefix}${DETAIL_LABELS[key] ?? words(key)}`;
    if (value === null || typeof value !== 'object') {
      // Percent details: changes, shares and the escalation rate (escalations' details.rate, 0-100).
      const percent = typeof value === 'number' && /^(change|rate$)|Share$/.test(key);
      const shown =
        typeof value === 'number' && unit === 'seconds' && ['median', 'mean', 'p90'].includes(key) ? formatDuration('en', value)
        : value === null ? 'no data'
        : typeof value === 'boolean' ? (value ? 'yes' : 'no')
        : typeof value === 'number' && !Number.isInteger(value) ? value.toFixed(percent ? 1 : 2)
        : String(value);
      lines.push(`  ${label}: ${shown}${percent ? '%' : ''}`);
    } else if (isDurationDetails(value)) {
      const d = (seconds: number | null) => (seconds === null ? 'no data' : formatDuration('en', seconds));
      lines.push(`  ${label}: median ${d(value.median)}, mean ${d(value.mean)}, p90 ${d(value.p90)} (n = ${value.n})`);
    } else if (Array.isArray(value) && value.length === 0) {
      lines.push(`  ${label}: none`);
    } else if (isTicket(value)) {
      lines.push(`  ${label}: ${ticketLine(value, at)}`);
    } else if (Array.isArray(value) && value.length > 0 && value.every(isTicket)) {
      lines.push(`  ${label}:`, ...value.map((ticket) => `    ${ticketLine(ticket, at)}`));
    } else if (Array.isArray(value) && value.length > 0 && value.every((row) => typeof row === 'object' && row !== null && Object.keys(row).length === 2 && typeof (row as { n?: unknown }).n === 'number')) {
      // Counts by one attribute, e.g. byChannel: [{ channel, n }]
      const count = (row: Record<string, unknown>) => `${String(Object.entries(row).find(([name]) => name !== 'n')?.[1] ?? '-')} ${String(row.n)}`;
      lines.push(`  ${label}: ${(value as Record<string, unknown>[]).map(count).join(' · ')}`);
    } else if (!Array.isArray(value) && Object.keys(value).every((name) => name in AGE_LABELS) && isCounts(value)) {
      lines.push(`  ${label}: ${Object.entries(value).map(([name, n]) => `${AGE_LABELS[name] ?? name} ${n}`).join(' · ')}`);
    } else if (!Array.isArray(value) && Object.values(value).length > 0 && Object.values(value).every(isDurationDetails)) {
      detailLines(lines, unit, value as Record<string, unknown>, `${label}, `, at);
    } else {
      lines.push(`  ${label}: ${JSON.stringify(value)}`);
    }
  }
}

function printBreakdown(output: Output, label: string, result: BreakdownResult, filters: TicketFilters): void {
  output.out(`${METRICS[result.metric].title} by ${result.by} · ${label}`);
  output.out(`  whole period: ${formatValue(result.overall.value, result.unit)}   (n = ${result.overall.n})   ${changeText(result.overall)}`.trimEnd());
  if (result.overall.goal !== undefined) output.out(`  goal: ${goalText(result.overall.goal, result.unit, filters)}`);
  const goals = result.rows.some((row) => row.goal !== undefined);
  const time = isTimeBreakdown(result.by);
  const header = [time ? `${result.by[0]?.toUpperCase() ?? ''}${result.by.slice(1)} from` : `${result.by[0]?.toUpperCase() ?? ''}${result.by.slice(1)}`, 'Value', 'n', ...(time ? [] : ['Previous', 'Change']), ...(goals ? ['Goal'] : [])];
  const rows = result.rows.map((row) => {
    const cells = [`${row.name === undefined ? row.key : `${row.name} <${row.key}>`}${row.partial === true ? ' (part)' : ''}`, formatValue(row.value, result.unit), String(row.n)];
    const goal = goals ? [row.goal === undefined ? '' : goalText(row.goal, result.unit, time || result.by === 'agent' ? filters : { ...filters, [result.by]: row.key })] : [];
    if (time) return [...cells, ...goal];
    const previous = row.previous === undefined ? ['', ''] : [formatValue(row.previous.value, result.unit), changeText({ ...result.overall, value: row.value, previous: row.previous, change: row.change ?? null, trend: row.trend ?? 'unknown' })];
    return [...cells, ...previous, ...goal];
  });
  if (rows.length === 0) output.out('  no data');
  else printTable(output, header, rows);
  if (result.more > 0) output.out(`  and ${result.more} more ${result.by} values, with fewer tickets`);
  if (result.without > 0) output.out(`  tickets with no ${result.by}, in no row: ${result.without}`);
  if (rows.some((row) => row[0]?.endsWith(' (part)') === true)) output.out('  (part): only part of that unit is in the period');
}

type AgentRows = readonly (Awaited<ReturnType<typeof computeAgents>>['rows'][number] & { readonly goals?: AgentGoals })[];

function printAgents(output: Output, label: string, rows: AgentRows, filters: TicketFilters): void {
  output.out(`Agents · ${label}`);
  if (rows.length === 0) {
    output.out('  no data');
    return;
  }
  // A value that misses its goal is marked with "!" and how far, the goals said under the table; rates to a tenth,
  // as goals judge them.
  const mark = (row: AgentRows[number], column: AgentGoalColumn, text: string) => {
    const goal = row.goals?.[column];
    if (goal?.met !== false) return text;
    return `${text} ! ${goal.direction === 'at_most' ? '+' : '-'}${formatGoalGap(goal.gap ?? 0, METRICS[AGENT_GOAL_COLUMNS[column]].unit)}`;
  };
  const d = (value: number | null) => (value === null ? '-' : formatDuration('en', value));
  const p = (value: number | null) => (value === null ? '-' : `${Number(value.toFixed(1))}%`);
  printTable(
    output,
    ['Agent', 'Solved', 'FRT median', 'Resolution median', 'CSAT', 'FCR', 'AHT', 'Open now', 'Overdue now'],
    rows.map((row) => [
      row.name, String(row.solved), mark(row, 'frtMedian', d(row.frtMedian)), mark(row, 'resolutionMedian', d(row.resolutionMedian)),
      mark(row, 'csat', p(row.csat)), mark(row, 'fcr', p(row.fcr)), mark(row, 'aht', d(row.aht)), String(row.openAssigned), String(row.overdue),
    ]),
  );
  const judged = Object.entries(rows.find((row) => row.goals !== undefined)?.goals ?? {}) as [AgentGoalColumn, GoalStatus][];
  if (judged.length > 0) {
    const goals = judged.map(([column, goal]) => `${AGENT_GOAL_COLUMNS[column]} ${formatGoalTarget(goal.direction, goal.target, METRICS[AGENT_GOAL_COLUMNS[column]].unit)}${goalScopeNote(goal, filters)}`);
    output.out(`  ! misses its goal: ${goals.join(', ')}`);
  }
}

function printTable(output: Output, header: string[], rows: string[][]): void {
  const widths = header.map((cell, i) => Math.max(cell.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) => `  ${cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ')}`.trimEnd();
  output.out(line(header));
  for (const row of rows) output.out(line(row));
}

/**
 * A text cell a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, a tab or a carriage return first) is
 * written with a leading apostrophe: an agent's name comes from the helpdesk, and "=HYPERLINK(...)" must stay text.
 */
function textCell(value: string | null): string {
  if (value === null) return '';
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

/** A number as a spreadsheet should read it: no binary noise (a mean of 7266.862999999999 s is 7266.863), no data an empty cell. */
const numberCell = (value: number | null): number | string => (value === null ? '' : Number(value.toFixed(6)));

/** RFC 4180 quoting, a header row, lines ending in LF like the rest of the output; output.out adds the last one. */
function csvText(columns: readonly string[], rows: readonly (string | number)[][]): string {
  return stringify([...rows], { header: true, columns: [...columns], record_delimiter: 'unix' }).replace(/\n$/, '');
}

/** A goal in CSV: its target in the JSON unit, at_most or at_least, and met as yes, no or empty (no data, or no goal). */
const GOAL_COLUMNS = ['goal_target', 'goal_direction', 'goal_met'];
const goalCells = (goal: GoalStatus | undefined): (string | number)[] => (goal === undefined ? ['', '', ''] : [numberCell(goal.target), goal.direction, goal.met === null ? '' : goal.met ? 'yes' : 'no']);

/** One row per metric: the values as the JSON interface gives them (durations in seconds, rates in percent); no data is an empty cell. */
export function metricsCsv(results: readonly MetricResult[]): string {
  return csvText(
    ['metric', 'title', 'from', 'to', 'timezone', 'value', 'unit', 'n', 'previous_value', 'previous_n', 'change_percent', 'trend', ...GOAL_COLUMNS],
    results.map((result) => [
      result.metric, textCell(METRICS[result.metric].title), result.period.from, result.period.to, result.period.timezone,
      numberCell(result.value), result.unit, result.n, numberCell(result.previous.value), result.previous.n, numberCell(result.change), result.trend,
      ...goalCells(result.goal),
    ]),
  );
}

/** One row per breakdown row: its key, the instants it covers, its value (and, by a field, the previous period's). */
function breakdownCsv(result: BreakdownResult): string {
  return csvText(
    ['metric', 'by', 'key', 'from', 'to', 'timezone', 'partial', 'value', 'unit', 'n', 'previous_value', 'previous_n', 'change_percent', 'trend', 'name', 'source', ...GOAL_COLUMNS],
    result.rows.map((row) => [
      result.metric, result.by, textCell(row.key), row.from, row.to, result.period.timezone, row.partial === true ? 'yes' : '',
      numberCell(row.value), result.unit, row.n, numberCell(row.previous?.value ?? null), row.previous?.n ?? '', numberCell(row.change ?? null), row.trend ?? '',
      textCell(row.name ?? null), row.source ?? '', ...goalCells(row.goal),
    ]),
  );
}

/** One row per agent, in the table's order: durations in seconds, rates in percent; the metrics whose goal the agent misses, space-separated. */
function agentsCsv(table: { readonly period: MetricResult['period']; readonly rows: AgentRows }): string {
  return csvText(
    ['agent', 'email', 'slack_user_id', 'solved', 'frt_median_seconds', 'resolution_median_seconds', 'csat_percent', 'csat_answers', 'fcr_percent', 'aht_seconds', 'open_assigned', 'overdue', 'from', 'to', 'timezone', 'goals_missed'],
    table.rows.map((row) => [
      textCell(row.name), textCell(row.email), textCell(row.slackUserId), row.solved, numberCell(row.frtMedian), numberCell(row.resolutionMedian),
      numberCell(row.csat), row.csatAnswers, numberCell(row.fcr), numberCell(row.aht), row.openAssigned, row.overdue, table.period.from, table.period.to, table.period.timezone,
      (Object.entries(row.goals ?? {}) as [AgentGoalColumn, GoalStatus][]).filter(([, goal]) => goal.met === false).map(([column]) => AGENT_GOAL_COLUMNS[column]).join(' '),
    ]),
  );
}
