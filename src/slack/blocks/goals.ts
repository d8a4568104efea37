/**
 * `/kpi goals`: every goal, by metric, each with its scope and target. Pure: `(goals, locale) → SlackMessage`.
 */
import { goalDirection, type Goal } from '../../kpi/goals.js';
import { METRICS } from '../../kpi/definitions.js';
import { t } from '../../i18n/catalogue.js';
import type { Locale } from '../../i18n/locale.js';
import { goalScopeText, goalTarget, metricName } from './common.js';
import { clip, context, header, lineSections, message, messageIn, section, type Block, type SlackMessage } from './kit.js';

/** A goal's target as a reply shows it, without a value to judge: "at most 1 h". */
export function goalTargetText(locale: Locale, goal: Goal): string {
  return goalTarget(locale, { target: goal.target, direction: goalDirection(goal.metric) }, METRICS[goal.metric].unit);
}

/** "• *First response time* (all tickets): at most 1 h", one per goal (`/kpi goals`, the Home tab). */
export function goalLines(locale: Locale, goals: readonly Goal[]): string[] {
  // Only a scope longer than any real one is cut, so that a line always fits a section's 3,000 characters.
  return goals.map((goal) => `• ${t(locale, 'goals.line', { metric: metricName(locale, goal.metric), scope: clip(goalScopeText(locale, goal.filters, goal.metric), 1000), target: goalTargetText(locale, goal) })}`);
}

export function goalsView(goals: readonly Goal[], locale: Locale): SlackMessage {
  const title = t(locale, 'goals.title');
  if (goals.length === 0) return message(`${title}: ${t(locale, 'goals.none')}`, [header(title), section(t(locale, 'goals.none'))], () => '');
  const lines = goalLines(locale, goals);
  const blocks: Block[] = [header(title), ...lineSections(lines)];
  blocks.push(context([t(locale, 'goals.footer')]));
  return messageIn(locale, [title, ...lines].join('\n'), blocks);
}
