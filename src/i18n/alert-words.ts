/**
 * An alert rule in words, in one place for every reader: `/kpi alerts` and the
 * Home tab (escaped for Slack's mrkdwn) and `kpibot alerts list` (plain text).
 */
import { t } from './catalogue.js';
import type { Locale } from './locale.js';
import { formatMetricValue, formatNumber, formatWindow, metricName } from './format.js';
import { METRICS, METRICS_AT_AN_INSTANT, type MetricId } from '../kpi/definitions.js';
import { thresholdSplit, thresholdTiming } from '../schedule/threshold-rules.js';

/** What an alert rule of this kind posts, in words (a threshold rule by its kind alone; alertRuleWords adds its condition). */
export function alertKindName(locale: Locale, kind: string): string {
  return t(locale, kind === 'overdue' ? 'admin.alert.overdue' : kind === 'escalations' ? 'admin.alert.escalations' : kind === 'goal' ? 'admin.alert.kind_goal' : 'admin.alert.kind_threshold');
}

/** What an alert rule sends, as stored (`config` holds a threshold's metric, and its operator and value or `goal: true`); `escape` readies the operator for where it is shown. */
export function alertRuleWords(locale: Locale, kind: string, config: Record<string, unknown>, escape: (text: string) => string = (text) => text): string {
  if (kind !== 'threshold' && kind !== 'goal') return alertKindName(locale, kind);
  const metric = config.metric as MetricId;
  const unit = METRICS[metric]?.unit ?? 'count';
  // `by:team`: each team against the limit, or its goal.
  const by = thresholdSplit(config);
  const split = (text: string) => (by === undefined ? text : t(locale, `breakdown.title.${by}`, { metric: text }));
  // `frt goal`: against whichever goal applies when the rule is judged; the split named with the metric ("an alert
  // when Backlog by team misses its goal", not "misses its goal by team", which reads as the size of the miss).
  const condition = config.goal === true
    ? t(locale, 'admin.alert.goal', { metric: split(metricName(locale, metric)) })
    : split(t(locale, 'admin.alert.threshold', { metric: metricName(locale, metric), operator: escape(String(config.operator)), value: formatMetricValue(locale, Number(config.value), unit) }));
  const { windowHours, cooldownMinutes, minSample } = thresholdTiming(config);
  // `sample:20`: judged only on a value that rests on 20 or more.
  const what = minSample > 0 ? t(locale, 'admin.alert.min_sample', { what: condition, n: formatNumber(locale, minSample) }) : condition;
  const cooldown = formatMetricValue(locale, cooldownMinutes * 60, 'seconds');
  // Backlog and SLA overdue are counted now: "over the last 24 hours" would misdescribe them.
  if (METRICS_AT_AN_INSTANT.includes(metric)) return t(locale, 'admin.alert.threshold_timing_now', { what, cooldown });
  return t(locale, 'admin.alert.threshold_timing', { what, window: formatWindow(locale, windowHours), cooldown });
}
