/**
 * `/kpi goal <metric> <value> [filters]` and `/kpi goal <metric> off [filters]` (admins): sets or removes a goal,
 * and says what was done, warning about a filter that matches no ticket yet (the goal is kept: the team may get
 * tickets later).
 */
import type { Database } from '../../store/database.js';
import { GoalStore } from '../../store/goal-store.js';
import { KpiStore } from '../../store/kpi-store.js';
import { unmatchedFilters } from '../../kpi/metrics.js';
import { MAX_GOALS } from '../../kpi/goals.js';
import { t } from '../../i18n/catalogue.js';
import type { Locale } from '../../i18n/locale.js';
import type { AdminRequest } from '../command.js';
import { goalScopeText, metricName, unmatchedLines } from '../blocks/common.js';
import { goalTargetText } from '../blocks/goals.js';
import { message, section, type SlackMessage } from '../blocks/kit.js';

type GoalRequest = Extract<AdminRequest, { kind: 'goal_set' | 'goal_remove' }>;

export async function handleGoal(request: GoalRequest, ctx: { readonly db: Database; readonly userId: string; readonly locale: Locale; readonly now: number }): Promise<SlackMessage> {
  const { locale } = ctx;
  const store = new GoalStore(ctx.db);
  const words = { metric: metricName(locale, request.metric), scope: goalScopeText(locale, request.filters, request.metric) };
  let lines: string[];
  if (request.kind === 'goal_remove') {
    lines = [t(locale, (await store.remove(request.metric, request.filters)) ? 'goal.removed' : 'goal.not_found', words)];
  } else {
    const goal = { metric: request.metric, filters: request.filters, target: request.target };
    const change = await store.set(goal, ctx.userId, ctx.now);
    const target = goalTargetText(locale, goal);
    if (change.kind === 'too_many') lines = [t(locale, 'goal.too_many', { max: String(MAX_GOALS) })];
    else if (change.kind === 'changed' && change.previous === goal.target) lines = [t(locale, 'goal.same', { ...words, target })];
    else if (change.kind === 'changed') lines = [t(locale, 'goal.changed', { ...words, target, previous: goalTargetText(locale, { ...goal, target: change.previous ?? goal.target }) })];
    else lines = [t(locale, 'goal.set', { ...words, target })];
    lines.push(...unmatchedLines(locale, await unmatchedFilters(new KpiStore(ctx.db), request.filters)));
  }
  const text = lines.join('\n');
  return message(text, [section(text)], () => '');
}
