/**
 * Pieces every KPI view shares: the trend against the previous period, the
 * context line (period, filters, n), a ticket as one line with its link, and
 * the request a button carries so that a click can re-run it.
 */
import { METRICS_NOT_OF_TICKETS, MOVES_IN_POINTS, moveShowsAsZero, type MetricId, type Unit } from '../../kpi/definitions.js';
import { isReplysOwnGoal, type GoalFilters, type GoalStatus } from '../../kpi/goals.js';
import { AGENT_COLUMNS, type AgentColumn, type MetricResult, type UnmatchedFilter } from '../../kpi/metrics.js';
import type { Period } from '../../kpi/periods.js';
import type { TicketFilters } from '../../store/kpi-store.js';
import { TICKET_LIST_KINDS, type TicketListKind } from '../../kpi/request-words.js';
import { isBreakdown, isFilterKey, isMetricId, type Breakdown } from '../../kpi/request-words.js';
import type { QuietHours, TeamRoute } from '../../store/alert-store.js';
import { isPriority, isTicketStatus } from '../../ingest/events.js';
import { t, type MessageKey } from '../../i18n/catalogue.js';
import { formatDuration, formatDurationExact, formatMetricValue, formatNumber, formatPercent, formatPeriod, headlineName } from '../../i18n/format.js';
import type { Locale } from '../../i18n/locale.js';
import { button, escapeMrkdwn, fields, LIMITS, link, type Block, type Button } from './kit.js';
import { SLACK_USER_ID, WEEKDAYS, type DigestSchedule } from '../command.js';
import { scheduleOfCron } from '../../schedule/digest-schedule.js';

/** What a button needs to re-run the request it belongs to (kept short: Slack allows 2,000 characters). */
export interface RequestRef {
  /** Metric id. */
  readonly m: MetricId;
  /** Period word, re-read at click time. */
  readonly p: string;
  /** Filters. */
  readonly f: TicketFilters;
  /** Ticket list page (Show tickets), from 0. */
  readonly pg?: number;
  /** Which list (Show tickets). */
  readonly l?: TicketListKind;
  /** The n behind the number shown (Explain). */
  readonly n?: number;
  /** What the metric is split by (`by:team`). */
  readonly b?: Breakdown;
  /** The agents table's order (`sort:frt`); with `pg`, its page. */
  readonly s?: AgentColumn;
}

export function encodeRef(ref: RequestRef): string {
  return JSON.stringify(ref);
}

/**
 * Previous and Next for a reply by pages (a ticket list, the agents table, a breakdown): `action` with `:prev` or
 * `:next`, each carrying the request with the page it turns to; none past either end.
 */
export function pageButtons(locale: Locale, action: string, ref: RequestRef, page: number, pages: number): Button[] {
  return [
    ...(page > 0 ? [button({ text: t(locale, 'button.previous_page'), actionId: `${action}:prev`, value: encodeRef({ ...ref, pg: page - 1 }) })] : []),
    ...(page + 1 < pages ? [button({ text: t(locale, 'button.next_page'), actionId: `${action}:next`, value: encodeRef({ ...ref, pg: page + 1 }) })] : []),
  ];
}

/** The ref a button carried, or undefined if it is not one of ours. */
export function decodeRef(value: string | undefined): RequestRef | undefined {
  if (value === undefined) return undefined;
  try {
    // Slack hands back what we encoded, but the value is checked as input all the same: known metric and list,
    // a filter object of known keys and text values, whole numbers.
    const parsed = JSON.parse(value) as Record<string, unknown>;
    const { m, p, f, pg, l, n, b, s } = parsed;
    if (typeof m !== 'string' || !isMetricId(m) || typeof p !== 'string' || f === null || typeof f !== 'object' || Array.isArray(f)) return undefined;
    if (!Object.entries(f).every(([key, text]) => isFilterKey(key) && typeof text === 'string')) return undefined;
    if (l !== undefined && !(TICKET_LIST_KINDS as readonly unknown[]).includes(l)) return undefined;
    if (b !== undefined && (typeof b !== 'string' || !isBreakdown(b))) return undefined;
    if (s !== undefined && !(AGENT_COLUMNS as readonly unknown[]).includes(s)) return undefined;
    if ((pg !== undefined && !Number.isSafeInteger(pg)) || (n !== undefined && !Number.isSafeInteger(n))) return undefined;
    return parsed as unknown as RequestRef;
  } catch {
    return undefined;
  }
}

export { headlineName, metricName } from '../../i18n/format.js';

type Comparable = Pick<MetricResult, 'value' | 'unit' | 'previous' | 'change' | 'trend'>;

/**
 * The pieces of a move against the previous period: ▲/▼/→, the percent change or the points (MOVES_IN_POINTS), and
 * better/worse; undefined with nothing to compare. A move that shows as 0% or 0 points is no change: "▲ 0% · worse"
 * would call a difference too small to print a decline.
 */
function move(locale: Locale, result: Comparable): { arrow: string; amount: string; verdict: string; same: boolean } | undefined {
  if (result.value === null || result.previous.value === null) return undefined;
  const inPoints = MOVES_IN_POINTS.includes(result.unit);
  const same = result.value === result.previous.value || moveShowsAsZero(result);
  const arrow = same ? '→' : result.value > result.previous.value ? '▲' : '▼';
  const points = () => t(locale, 'trend.points', { n: formatNumber(locale, Math.abs((result.value ?? 0) - (result.previous.value ?? 0)), { maximumFractionDigits: 1 }) });
  const amount = same ? '' : inPoints ? ` ${points()}` : result.change === null ? '' : ` ${formatPercent(locale, Math.abs(result.change), { maximumFractionDigits: 0 })}`;
  const verdict = same ? '' : result.trend === 'better' ? t(locale, 'trend.better') : result.trend === 'worse' ? t(locale, 'trend.worse') : '';
  return { arrow, amount, verdict, same };
}

/**
 * `▼ 12% vs the previous period · better`; `no change`; from a previous 0, where no percent exists, `▲ up from 0 ·
 * worse` (a bare arrow means nothing to a screen reader, nor in a notification); empty when there is nothing to compare.
 */
export function trendText(locale: Locale, result: Comparable): string {
  const m = move(locale, result);
  if (m === undefined) return '';
  if (m.same) return t(locale, 'trend.same');
  const moved = m.amount !== '' ? t(locale, 'trend.vs_previous', { change: `${m.arrow}${m.amount}` }) : `${m.arrow} ${fromPrevious(locale, result, m.arrow)}`;
  return m.verdict === '' ? moved : `${moved} · ${m.verdict}`;
}

/** `up from 0`, `down from 3`: a move with no percent to give. */
function fromPrevious(locale: Locale, result: Comparable, arrow: string): string {
  return t(locale, arrow === '▲' ? 'trend.up_from' : 'trend.down_from', { value: formatMetricValue(locale, result.previous.value, result.unit) });
}

/**
 * A short trend for a summary field: `▼ 12% · better`; `→ no change`; from a previous 0, where no percent exists,
 * `▲ up from 0 · worse` (a bare arrow says too little where the previous value is not shown).
 */
export function shortTrend(locale: Locale, result: Comparable): string {
  const m = move(locale, result);
  if (m === undefined) return '';
  if (m.same) return `${m.arrow} ${t(locale, 'trend.same')}`;
  const amount = m.amount !== '' ? m.amount : ` ${fromPrevious(locale, result, m.arrow)}`;
  return `${m.arrow}${amount}${m.verdict === '' ? '' : ` · ${m.verdict}`}`;
}

/** A goal's target in words: "at most 1 h", "at least 90%", "at most 1 min 30 s" (a duration to the second, as set). */
export function goalTarget(locale: Locale, goal: Pick<GoalStatus, 'target' | 'direction'>, unit: Unit): string {
  const value = unit === 'seconds' ? formatDurationExact(locale, goal.target) : formatMetricValue(locale, goal.target, unit);
  return t(locale, goal.direction === 'at_most' ? 'goal.at_most' : 'goal.at_least', { value });
}

/** How far a value misses its goal: a duration, points of a rate or score (a tenth at least), or a number of tickets. */
export function goalGap(locale: Locale, gap: number, unit: Unit): string {
  if (unit === 'seconds') return formatDuration(locale, gap);
  if (MOVES_IN_POINTS.includes(unit)) return t(locale, 'trend.points', { n: formatNumber(locale, gap, { maximumFractionDigits: 1 }) });
  return formatNumber(locale, gap);
}

/** "met", "missed by 12 min", or "no data". */
function goalVerdict(locale: Locale, goal: GoalStatus, unit: Unit): string {
  if (goal.met === null) return t(locale, 'value.no_data');
  return goal.met ? t(locale, 'goal.met') : t(locale, 'goal.missed_by', { gap: goalGap(locale, goal.gap ?? 0, unit) });
}

/** A goal's scope: "Team: billing", or "all tickets" (for a metric of customers, answers or employees, "workspace-wide"). */
export function goalScopeText(locale: Locale, filters: GoalFilters, metric: MetricId): string {
  const text = filtersText(locale, filters);
  if (text !== '') return text;
  return METRICS_NOT_OF_TICKETS.includes(metric) ? t(locale, 'goal.scope_all') : t(locale, 'filter.none');
}

/**
 * "Goal: at most 1 h · met"; with the goal's scope when it is wider than the reply's filters ("Goal (all tickets): …"
 * on a reply for one team), so the reader knows which goal judged the number. Empty without a goal.
 */
export function goalLine(locale: Locale, result: { readonly metric: MetricId; readonly unit: Unit; readonly goal?: GoalStatus }, filters: TicketFilters): string {
  const { goal } = result;
  if (goal === undefined) return '';
  const params = { target: goalTarget(locale, goal, result.unit), status: goalVerdict(locale, goal, result.unit) };
  return isReplysOwnGoal(goal, filters) ? t(locale, 'goal.line', params) : t(locale, 'goal.line_for', { ...params, scope: goalScopeText(locale, goal.filters, result.metric) });
}

/** A breakdown row's goal, short: "goal met", "goal missed by 12 min"; empty without a goal or with no data. */
export function goalRowText(locale: Locale, goal: GoalStatus | undefined, unit: Unit): string {
  if (goal === undefined || goal.met === null) return '';
  return goal.met ? t(locale, 'goal.row_met') : t(locale, 'goal.row_missed', { gap: goalGap(locale, goal.gap ?? 0, unit) });
}

/**
 * Several metrics side by side (summary, digest, Home tab): "*Name*\nvalue  ▲ 5% · worse" each, and the goal under it
 * where one applies, in as many field blocks as Slack's limit needs.
 */
export function metricFields(locale: Locale, results: readonly MetricResult[], filters: TicketFilters = {}): Block[] {
  const lines = results.map((result) => {
    const trend = shortTrend(locale, result);
    const goal = goalLine(locale, result, filters);
    return `*${headlineName(locale, result.metric)}*\n${formatMetricValue(locale, result.value, result.unit)}${trend === '' ? '' : `  ${trend}`}${goal === '' ? '' : `\n${goal}`}`;
  });
  const blocks: Block[] = [];
  for (let start = 0; start < lines.length; start += LIMITS.fields) blocks.push(fields(lines.slice(start, start + LIMITS.fields)));
  return blocks;
}

/** "Name: value" per metric, for a message's plain-text fallback. */
export function metricsPlain(locale: Locale, results: readonly MetricResult[]): string[] {
  return results.map((result) => `${headlineName(locale, result.metric)}: ${formatMetricValue(locale, result.value, result.unit)}`);
}

/** `Team: billing, Priority: high`, or "" without filters; an agent given as a Slack user shows as a mention (Slack writes the name). */
export function filtersText(locale: Locale, filters: TicketFilters): string {
  return Object.entries(filters)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => {
      const text = String(value);
      const shown = key === 'agent' && SLACK_USER_ID.test(text) ? `<@${text}>` : escapeMrkdwn(text);
      return `${t(locale, `filter.${key}` as MessageKey & `filter.${string}`)}: ${shown}`;
    })
    .join(', ');
}

/** The context line: period · filters · n. */
export function contextText(locale: Locale, period: Period, filters: TicketFilters, n?: number, metric?: MetricId): string {
  const parts = [formatPeriod(locale, period)];
  const filtered = filtersText(locale, filters);
  // "all tickets" only where only tickets are counted.
  if (filtered !== '') parts.push(t(locale, 'view.filters', { filters: filtered }));
  else if (metric === undefined || !METRICS_NOT_OF_TICKETS.includes(metric)) parts.push(t(locale, 'filter.none'));
  if (n !== undefined) parts.push(t(locale, 'view.n', { n }));
  return parts.join(' · ');
}

export function previousText(locale: Locale, result: MetricResult): string {
  return t(locale, 'view.previous', { value: formatMetricValue(locale, result.previous.value, result.unit) });
}

export interface TicketLine {
  readonly externalId: string;
  readonly url: string | null;
  readonly priority: string | null;
  readonly team: string | null;
}

/** A ticket's priority in the reader's language (the stored codes are English words); anything else as stored. */
export function priorityWord(locale: Locale, priority: string | null): string | null {
  if (priority === null) return null;
  return isPriority(priority) ? t(locale, `ticket.priority.${priority}`) : escapeMrkdwn(priority);
}

/** A ticket's status in the reader's language. */
export function statusWord(locale: Locale, status: string): string {
  return isTicketStatus(status) ? t(locale, `ticket.status.${status}`) : escapeMrkdwn(status);
}

/** `<url|#123> · high · Billing` (the priority in the reader's language) and whatever else the caller appends. */
export function ticketLine(locale: Locale, ticket: TicketLine, ...extra: string[]): string {
  const id = `#${ticket.externalId}`;
  const head = ticket.url === null ? escapeMrkdwn(id) : link(ticket.url, id);
  return [head, priorityWord(locale, ticket.priority), ticket.team === null ? null : escapeMrkdwn(ticket.team), ...extra].filter((part) => part !== null && part !== '').join(' · ');
}

/** Time left before `dueAt`, or how long past it, at `now`. */
export function dueText(locale: Locale, dueAt: number | null, now: number, slaPaused = false): string {
  if (dueAt === null) return t(locale, slaPaused ? 'home.sla_paused' : 'home.no_sla');
  const seconds = Math.abs(dueAt - now) / 1000;
  return dueAt >= now ? t(locale, 'detail.due_in', { duration: formatDuration(locale, seconds) }) : t(locale, 'detail.overdue_by', { duration: formatDuration(locale, seconds) });
}

/** A team's alert route in words: its channel, or none, and its lead, or none. */
export function routingParts(locale: Locale, team: string, channelId: string | null, leadId: string | null): { team: string; channel: string; lead: string } {
  return {
    team: escapeMrkdwn(team),
    channel: channelId === null ? t(locale, 'admin.team_no_channel') : t(locale, 'admin.team_channel', { channel: `<#${channelId}>` }),
    lead: leadId === null ? t(locale, 'admin.team_no_lead') : t(locale, 'admin.team_lead', { lead: `<@${leadId}>` }),
  };
}

/** One line per team route and per channel's quiet hours, as `/kpi alerts` and the Home tab list them. */
export function teamRouteLine(locale: Locale, route: TeamRoute): string {
  return t(locale, 'admin.team_line', routingParts(locale, route.name, route.alertChannelId, route.leadSlackUserId));
}

export function quietHoursLine(locale: Locale, channelId: string, quiet: QuietHours): string {
  return t(locale, 'admin.quiet_line', { channel: `<#${channelId}>`, ...quiet });
}

/** When a digest goes out, in words: "every Monday at 09:00", "on weekdays at 08:30", or its cron. */
export function scheduleWords(locale: Locale, schedule: DigestSchedule, time: string): string {
  switch (schedule.frequency) {
    case 'cron':
      return t(locale, 'admin.when.cron', { cron: schedule.expression });
    case 'weekly': {
      // 2026-11-23 is a Monday: add the weekday's offset and let Intl name it. Turkish writes day names in lower case
      // within a sentence (her pazartesi); Indonesian and Malay capitalise them (setiap Senin, setiap Isnin).
      const weekday = new Intl.DateTimeFormat(locale, { weekday: 'long', timeZone: 'UTC' }).format(Date.UTC(2026, 10, 23 + WEEKDAYS.indexOf(schedule.weekday)));
      return t(locale, 'admin.when.weekly', { weekday: locale === 'tr' ? weekday.toLocaleLowerCase('tr') : weekday, time });
    }
    case 'daily':
      return t(locale, 'admin.when.daily', { time });
    case 'weekdays':
      return t(locale, 'admin.when.weekdays', { time });
  }
}

/** A stored digest schedule (its cron expression) in words, as scheduleWords says a new one. */
export function cronWords(locale: Locale, expression: string): string {
  const { schedule, time } = scheduleOfCron(expression);
  return scheduleWords(locale, schedule, time);
}

/** `:warning: No ticket matches `team:Biling`. Did you mean `Billing`?`, one per filter that matches nothing. */
export function unmatchedLines(locale: Locale, unmatched: readonly UnmatchedFilter[]): string[] {
  const safe = (word: string) => escapeMrkdwn(word.replaceAll('`', "'"));
  return unmatched.map(({ key, value, suggestion }) =>
    [`:warning: ${t(locale, 'view.no_match', { filter: safe(`${key}:${value}`) })}`, ...(suggestion === undefined ? [] : [t(locale, 'error.suggestion', { suggestion: safe(suggestion) })])].join(' '),
  );
}
