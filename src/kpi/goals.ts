/**
 * Goals: the value a team aims for on a metric (`/kpi goal frt 1h`, `/kpi goal csat 90% team:billing`), shown beside
 * the number wherever it is shown: met, or missed and by how much. Pure: the goals are read by the store, and
 * the metric's own result is judged here, never recomputed.
 *
 * A goal is the most (lower is better) or the least (higher is better) the metric's headline may be, in the
 * metric's unit (seconds, percent, points of score, tickets). It has a scope: no filters (every ticket), or some of
 * team, priority, channel, helpdesk and tag. A goal applies to a reply whose filters include all of its own, so a
 * workspace goal applies to every team's reply too; the most specific goal that applies wins, and between two equally
 * specific ones (a team's and a priority's, on a reply filtered by both) the stricter.
 */
import { matchKey } from './sla.js';
import { METRICS, valueRange, type MetricId, type Unit } from './definitions.js';
import type { TicketFilters } from '../store/kpi-store.js';
import type { BreakdownResult, BreakdownRow } from './breakdown.js';
import { isFractionalNumber, isTimeBreakdown, readMetricValue, type DimensionBreakdown } from './request-words.js';

/** The filters a goal may be scoped by: ticket segments. Not an agent: a goal is the team's aim, not a person's. */
export const GOAL_FILTER_KEYS = ['team', 'priority', 'channel', 'source', 'tag'] as const;
export type GoalFilterKey = (typeof GOAL_FILTER_KEYS)[number];
export type GoalFilters = Partial<Record<GoalFilterKey, string>>;

/**
 * Metrics a goal can be set on: a headline with a good direction that does not grow with the period's length.
 * Not volume (neither direction is good), not resolved and escalations (their counts double with a period twice as
 * long, so one goal could not hold for a week and a month), not the summary and the agents table (several numbers).
 */
export const GOAL_METRICS: readonly MetricId[] = ['backlog', 'frt', 'response', 'resolution', 'overdue', 'fcr', 'csat', 'nps', 'ces', 'enps', 'aht', 'churn', 'repeat', 'selfservice'];

/**
 * Counts of open tickets at an instant: a team's, an agent's or a priority's is a part of the whole, so a goal for the
 * whole would be met by nearly any part. Such a goal applies only to a reply with exactly its filters (and, in a
 * breakdown, to rows by day, week or month, each the whole at its end).
 */
export const GOALS_FOR_EXACT_SCOPE: readonly MetricId[] = ['backlog', 'overdue'];

/** At most this many goals are kept: every reply reads them all. */
export const MAX_GOALS = 200;

export interface Goal {
  readonly metric: MetricId;
  readonly filters: GoalFilters;
  /** In the metric's unit: seconds, percent (0-100), points, tickets. */
  readonly target: number;
}

/** How a value stands against the goal that applies to it. */
export interface GoalStatus {
  readonly target: number;
  /** The target is the most the value may be (lower is better), or the least. */
  readonly direction: 'at_most' | 'at_least';
  /** The goal's own scope: fewer filters than the reply's when a wider goal applies. */
  readonly filters: GoalFilters;
  /** null: the value is "no data", so neither met nor missed. */
  readonly met: boolean | null;
  /** How far a missed value is from the target, in the metric's unit (0 when met); null with no data. */
  readonly gap: number | null;
}

export function isGoalMetric(metric: MetricId): boolean {
  return GOAL_METRICS.includes(metric);
}

export function isGoalFilterKey(key: string): key is GoalFilterKey {
  return (GOAL_FILTER_KEYS as readonly string[]).includes(key);
}

/** A filter value as the store compares it: a team by its match key (case, spaces and Turkish dotted i aside), the rest in lower case. */
function comparable(key: GoalFilterKey, value: string): string {
  return key === 'team' ? matchKey(value) : value.trim().toLowerCase();
}

/** The goal's filters as one string, the same for every spelling the store reads as the same filters: a goal's identity beside its metric. */
export function goalScopeKey(filters: GoalFilters): string {
  const parts = GOAL_FILTER_KEYS.filter((key) => filters[key] !== undefined).map((key) => [key, comparable(key, filters[key] ?? '')]);
  return JSON.stringify(Object.fromEntries(parts));
}

/**
 * Whether every filter of the goal is among the reply's, with the same value as the store compares it; for a count
 * of open tickets (GOALS_FOR_EXACT_SCOPE), whether the reply has exactly the goal's filters and no other (no agent).
 */
function applies(goal: Goal, filters: TicketFilters): boolean {
  if (GOALS_FOR_EXACT_SCOPE.includes(goal.metric)) return isReplysOwnGoal(goal, filters);
  return GOAL_FILTER_KEYS.every((key) => {
    const wanted = goal.filters[key];
    if (wanted === undefined) return true;
    const given = filters[key];
    return given !== undefined && comparable(key, given) === comparable(key, wanted);
  });
}

const scopeSize = (goal: Goal) => GOAL_FILTER_KEYS.filter((key) => goal.filters[key] !== undefined).length;

/** The goal for a reply on this metric with these filters: the most specific that applies, then the stricter; none when none applies. */
export function goalFor(goals: readonly Goal[], metric: MetricId, filters: TicketFilters): Goal | undefined {
  const lowerIsBetter = METRICS[metric].higherIsBetter === false;
  let best: Goal | undefined;
  for (const goal of goals) {
    if (goal.metric !== metric || !applies(goal, filters)) continue;
    if (best === undefined) {
      best = goal;
      continue;
    }
    const size = scopeSize(goal) - scopeSize(best);
    const stricter = lowerIsBetter ? goal.target < best.target : goal.target > best.target;
    if (size > 0 || (size === 0 && stricter)) best = goal;
  }
  return best;
}

/**
 * The steps a value is judged in: as it is shown. Rates and scores to a tenth (a CSAT of 89.96% shows as 90% and
 * meets a goal of 90%), durations to the second, counts whole. A goal is kept in the same steps (roundGoalTarget).
 */
const STEPS_PER_UNIT: Readonly<Record<Unit, number>> = { percent: 10, score: 10, seconds: 1, count: 1, table: 1 };

/**
 * A value in whole steps of its unit, rounded as it is printed: from its exact decimal expansion, a half away from
 * zero (toFixed, as Intl's number format does: NPS -10.25 shows as -10.3, and 0.45 stored as 0.4499… as 0.4).
 */
function inSteps(unit: Unit, value: number): number {
  const per = STEPS_PER_UNIT[unit];
  return Math.round(Number(value.toFixed(per === 10 ? 1 : 0)) * per);
}

/** A goal's target in its metric's steps (`csat 92.54` is 92.5); -0 is 0. */
export function roundGoalTarget(metric: MetricId, value: number): number {
  const unit = METRICS[metric].unit;
  return inSteps(unit, value) / STEPS_PER_UNIT[unit] + 0;
}

/**
 * Whether a goal is set for exactly the reply's filters. Otherwise it is a wider one, whose scope the reply names: a
 * team's reply judged by the goal for all tickets, or an agent's (no goal is set per agent).
 */
export function isReplysOwnGoal(goal: { readonly filters: GoalFilters }, filters: TicketFilters): boolean {
  const entries = Object.entries(filters).filter(([, value]) => value !== undefined);
  if (entries.some(([key]) => !isGoalFilterKey(key))) return false;
  return goalScopeKey(goal.filters) === goalScopeKey(Object.fromEntries(entries) as GoalFilters);
}

/** A goal's direction: the most the metric may be where lower is better, else the least. */
export function goalDirection(metric: MetricId): GoalStatus['direction'] {
  return METRICS[metric].higherIsBetter === false ? 'at_most' : 'at_least';
}

/** Why a goal's value was refused: not a value of the metric's unit, a count that is not whole, beyond the metric's range. */
export type GoalValueProblem = { readonly problem: 'not_a_value' | 'not_whole' } | { readonly problem: 'out_of_range'; readonly range: readonly [number, number] };

/**
 * A goal's target from what was typed (`1h`, `90%`, `50`), in the metric's unit and kept in its steps (a rate or score
 * to a tenth, a duration to the second), or why not: `/kpi goal` and `kpibot goals set` read it alike.
 */
export function readGoalTarget(metric: MetricId, text: string): { readonly target: number } | GoalValueProblem {
  const unit = METRICS[metric].unit;
  const value = unit === 'table' || text === '' ? undefined : readMetricValue(text, unit);
  if (value === undefined) return { problem: unit === 'count' && isFractionalNumber(text) ? 'not_whole' : 'not_a_value' };
  const range = valueRange(metric);
  if (value < range[0] || value > range[1]) return { problem: 'out_of_range', range };
  return { target: roundGoalTarget(metric, value) };
}

/** Met when the value, in the metric's steps, is at most (lower is better) or at least the target; equal is met. */
export function goalStatus(goal: Goal, value: number | null): GoalStatus {
  const direction = goalDirection(goal.metric);
  const base = { target: goal.target, direction, filters: goal.filters } as const;
  if (value === null) return { ...base, met: null, gap: null };
  // Whole steps, so that 66.7 - 66.66… is no float remainder: both counted in tenths (or seconds, or tickets).
  const unit = METRICS[goal.metric].unit;
  const steps = (inSteps(unit, value) - inSteps(unit, goal.target)) * (direction === 'at_most' ? 1 : -1);
  return { ...base, met: steps <= 0, gap: steps <= 0 ? 0 : steps / STEPS_PER_UNIT[unit] };
}

/** The result with the status of the goal that applies to it, if one does. */
export function withGoal<T extends { readonly metric: MetricId; readonly value: number | null }>(result: T, goals: readonly Goal[], filters: TicketFilters): T & { readonly goal?: GoalStatus } {
  const goal = goalFor(goals, result.metric, filters);
  return goal === undefined ? result : { ...result, goal: goalStatus(goal, result.value) };
}

/**
 * The filters a breakdown row's goal is looked up by: the reply's, with the row's value added (a day's row: the
 * reply's alone). An agent's row adds the agent: no goal is set per agent, and a helpdesk's goal does not judge an
 * agent known by helpdesk id alone when it does not judge one known by address.
 */
export function breakdownRowFilters(by: BreakdownResult['by'], row: Pick<BreakdownRow, 'key'>, filters: TicketFilters): TicketFilters {
  if (isTimeBreakdown(by)) return filters;
  if (by === 'agent') return { ...filters, agent: row.key };
  return { ...filters, [by]: row.key };
}

/**
 * Whether any goal can judge a row of this split (a goal rule `by:team`): one set for some value of the field (with
 * the filters), or a wider one that judges every row (not for backlog and SLA overdue, which take only their own).
 */
export function goalCanJudgeSplit(goals: readonly Goal[], metric: MetricId, by: DimensionBreakdown, filters: TicketFilters): boolean {
  return goals.some((goal) => goal.metric === metric && goalFor([goal], metric, breakdownRowFilters(by, { key: isGoalFilterKey(by) ? (goal.filters[by] ?? '') : '' }, filters)) !== undefined);
}

/**
 * A breakdown with each row judged against its own goal: a team's row against that team's goal, else the goal of the
 * reply's filters; a day's or an agent's row against the goal of the reply's filters (goals are not set per agent).
 */
export function breakdownWithGoals(result: BreakdownResult, goals: readonly Goal[], filters: TicketFilters): BreakdownResult {
  if (!goals.some((goal) => goal.metric === result.metric)) return result;
  const rowFilters = (row: BreakdownRow) => breakdownRowFilters(result.by, row, filters);
  return {
    ...result,
    overall: withGoal(result.overall, goals, filters),
    rows: result.rows.map((row) => {
      const goal = goalFor(goals, result.metric, rowFilters(row));
      return goal === undefined ? row : { ...row, goal: goalStatus(goal, row.value) };
    }),
  };
}

/** The agents table's columns that are a metric's headline for the agent's tickets, and their metric. */
export const AGENT_GOAL_COLUMNS = { frtMedian: 'frt', resolutionMedian: 'resolution', csat: 'csat', fcr: 'fcr', aht: 'aht' } as const satisfies Record<string, MetricId>;
export type AgentGoalColumn = keyof typeof AGENT_GOAL_COLUMNS;
export type AgentGoals = Partial<Record<AgentGoalColumn, GoalStatus>>;

/**
 * The agents table with each column judged by its metric's goal, as `/kpi <metric> agent:<them>` would be: the goal of
 * the table's filters (no goal is set per agent), the same for every row. Rows get `goals` only where one applies.
 */
export function agentRowsWithGoals<R extends Partial<Record<AgentGoalColumn, number | null>>>(rows: readonly R[], goals: readonly Goal[], filters: TicketFilters): (R & { readonly goals?: AgentGoals })[] {
  const columns = (Object.keys(AGENT_GOAL_COLUMNS) as AgentGoalColumn[]).flatMap((column) => {
    const goal = goalFor(goals, AGENT_GOAL_COLUMNS[column], { ...filters, agent: '*' });
    return goal === undefined ? [] : [[column, goal] as const];
  });
  if (columns.length === 0) return [...rows];
  return rows.map((row) => ({ ...row, goals: Object.fromEntries(columns.map(([column, goal]) => [column, goalStatus(goal, row[column] ?? null)])) as AgentGoals }));
}
