/**
 * `kpibot goals ...`: the goals replies, digests and the Home tab judge each metric by (src/kpi/goals.ts), as
 * `/kpi goal` sets them in Slack.
 */
import { parseCommandArgs } from './cli-args.js';
import type { Config } from './config.js';
import { UsageError } from './errors.js';
import { withMigratedDatabase } from './cli-database.js';
import { GoalStore } from './store/goal-store.js';
import { KpiStore } from './store/kpi-store.js';
import { unmatchedFilters } from './kpi/metrics.js';
import { METRICS, UNFILTERABLE_COUNTS, type MetricId } from './kpi/definitions.js';
import { GOAL_FILTER_KEYS, GOAL_METRICS, goalDirection, isGoalFilterKey, isGoalMetric, MAX_GOALS, readGoalTarget, type Goal, type GoalFilters } from './kpi/goals.js';
import { parseFilters, parseMetric } from './kpi/request-words.js';
import { didYouMean } from './kpi/suggest.js';
import { formatGoalScope, formatGoalTarget, formatTargetValue } from './kpi/format.js';

type Output = { out: (line: string) => void; err: (line: string) => void };

export const GOALS_USAGE = `Usage:
  kpibot goals [list] [--json]
  kpibot goals set <metric> <value> [--filter key=value ...]
  kpibot goals remove <metric> [--filter key=value ...]

  metric   ${GOAL_METRICS.join(', ')}
  value    in the metric's unit: a duration (90s, 30m, 4h, 1.5d), a percent (90 or 90%), a score or a count;
           the most a duration or count may be, the least a rate or score may be
  --filter ${GOAL_FILTER_KEYS.join(', ')}=value, repeatable: the goal of those tickets (none: all tickets)`;

export async function goalsCommand(args: readonly string[], config: Config, output: Output, now: number = Date.now()): Promise<number> {
  // A negative value (`kpibot goals set nps -10`) is a value, not an option: held apart while the options are read.
  const negatives: string[] = [];
  const words = args.map((arg) => (/^-\d/.test(arg) ? `\u0000${negatives.push(arg) - 1}` : arg));
  const parsed = parseCommandArgs('goals', words, { filter: { type: 'string', multiple: true, default: [] }, json: { type: 'boolean' } });
  const { values } = parsed;
  const positionals = parsed.positionals.map((word) => (word.startsWith('\u0000') ? (negatives[Number(word.slice(1))] ?? word) : word));
  const [verb = 'list', metricWord, ...valueWords] = positionals;
  if (verb === 'list') {
    if (positionals.length > 1 || (values.filter ?? []).length > 0) throw new UsageError('kpibot goals list takes no other words');
    const goals = await withMigratedDatabase(config, (db) => new GoalStore(db).all(), { readOnly: true });
    if (values.json === true) {
      // One object per goal, in the report's units: {"metric", "filters", "target", "direction"}.
      output.out(JSON.stringify({ goals: goals.map((goal) => ({ metric: goal.metric, filters: goal.filters, target: goal.target, direction: goalDirection(goal.metric) })) }));
      return 0;
    }
    if (goals.length === 0) output.out('no goals; set one with: kpibot goals set frt 1h');
    for (const goal of goals) output.out(goalText(goal));
    return 0;
  }
  if (values.json === true) throw new UsageError('--json goes with kpibot goals list');
  if (verb !== 'set' && verb !== 'remove') throw new UsageError(`unknown goals action "${verb}"${didYouMean(verb, ['list', 'set', 'remove'])}; use list, set or remove ("kpibot goals --help")`);
  if (metricWord === undefined) throw new UsageError(`kpibot goals ${verb} needs a metric: ${GOAL_METRICS.join(', ')}`);
  const metric = parseMetric(metricWord);
  if (!isGoalMetric(metric)) throw new UsageError(`${metric} cannot have a goal: ${notForMetric(metric)}`);
  const filters = goalFilters(metric, values.filter ?? []);
  if (verb === 'remove') {
    if (valueWords.length > 0) throw new UsageError(`kpibot goals remove takes a metric and --filter, not "${valueWords.join(' ')}"`);
    const removed = await withMigratedDatabase(config, (db) => new GoalStore(db).remove(metric, filters));
    if (!removed) throw new UsageError(`there is no goal for ${metric}${scopeText(filters)}; "kpibot goals" lists them`);
    output.out(`goal removed: ${metric}${scopeText(filters)}`);
    return 0;
  }
  const target = goalValue(metric, valueWords.join(''));
  const goal = { metric, filters, target };
  const change = await withMigratedDatabase(config, async (db) => {
    const done = await new GoalStore(db).set(goal, 'cli', now);
    // A filter that matches no ticket is said (the goal is kept: the team may get tickets later).
    for (const { key, value, suggestion } of await unmatchedFilters(new KpiStore(db), filters)) {
      output.err(`kpibot: note: no ticket matches ${key}=${value}${suggestion === undefined ? '' : ` (did you mean "${suggestion}"?)`}`);
    }
    return done;
  });
  if (change.kind === 'too_many') throw new UsageError(`there are already ${MAX_GOALS} goals: remove one first (kpibot goals remove <metric>)`);
  const done = change.kind === 'added' ? 'set' : change.previous === target ? 'unchanged' : `changed (was ${formatTargetValue(change.previous ?? target, METRICS[metric].unit)})`;
  output.out(`goal ${done}: ${goalText(goal)}`);
  return 0;
}

function notForMetric(metric: MetricId): string {
  if (METRICS[metric].unit === 'table') return 'it is a table of several numbers';
  if (METRICS[metric].higherIsBetter === null) return 'neither more nor fewer is better';
  return 'its count grows with the length of the period, so one goal cannot hold for a week and a month';
}

function goalFilters(metric: MetricId, pairs: readonly string[]): GoalFilters {
  // A key given twice is refused there, as /kpi goal refuses it.
  const parsed = parseFilters(pairs);
  const agent = Object.keys(parsed).find((key) => !isGoalFilterKey(key));
  if (agent !== undefined) throw new UsageError(`--filter ${agent}= does not apply to a goal: goals are set for all tickets or by ${GOAL_FILTER_KEYS.join(', ')}`);
  const counts = UNFILTERABLE_COUNTS[metric];
  if (counts !== undefined && Object.keys(parsed).length > 0) throw new UsageError(`--filter does not apply to ${metric}: it counts ${counts}, which ticket filters cannot narrow`);
  return parsed as GoalFilters;
}

function goalValue(metric: MetricId, text: string): number {
  const unit = METRICS[metric].unit;
  const example = unit === 'seconds' ? '1h, 30m or 90s' : unit === 'percent' ? '90 or 90%' : unit === 'count' ? 'a whole number such as 50' : '50';
  const read = readGoalTarget(metric, text);
  if (!('problem' in read)) return read.target;
  if (read.problem !== 'out_of_range') throw new UsageError(`${text === '' ? 'a goal needs a value' : `"${text}" is not a value of ${metric}`}: give it as ${example}`);
  const [lowest, highest] = read.range;
  throw new UsageError(`${metric} runs from ${lowest} to ${highest === Number.POSITIVE_INFINITY ? 'any value above' : highest}: ${text} is not a goal it can take`);
}

const scopeText = (filters: GoalFilters) => ` (${formatGoalScope(filters)})`;

/** `frt (team=billing): at most 1 h`. */
function goalText(goal: Goal): string {
  return `${goal.metric}${scopeText(goal.filters)}: ${formatGoalTarget(goalDirection(goal.metric), goal.target, METRICS[goal.metric].unit)}`;
}
