/**
 * Alert messages: SLA warning and breach, escalation, threshold crossed and
 * recovered, and the note to admins about a post Slack refused. Pure
 * `(viewModel, locale) → SlackMessage`; the view model is stored with the alert
 * so Acknowledge and Snooze can render the same message again, changed.
 */
import { t, tn } from '../../i18n/catalogue.js';
import { formatDate, formatDuration, formatMetricValue, formatNumber, formatPercent, formatWindow } from '../../i18n/format.js';
import type { Locale } from '../../i18n/locale.js';
import { METRICS, METRICS_AT_AN_INSTANT, type MetricId } from '../../kpi/definitions.js';
import type { SlaTarget } from '../../kpi/sla.js';
import { LIMITS, POSTED_TEXT_BUDGET, actions, button, context, type ButtonSpec, escapeMrkdwn, lineSections, link, messageIn, section, type Block, type SlackMessage } from './kit.js';
import { filtersText, goalGap, goalScopeText, goalTarget, priorityWord } from './common.js';
import { isReplysOwnGoal, type GoalStatus } from '../../kpi/goals.js';
import type { TicketFilters } from '../../store/kpi-store.js';
import type { DimensionBreakdown } from '../../kpi/request-words.js';

export const ALERT_ACTIONS = {
  acknowledge: 'alert_acknowledge',
  /** The list of a burst of alerts: every alert it names (their ids, comma-separated). */
  acknowledgeAll: 'alert_acknowledge_all',
  snooze1h: 'alert_snooze_1h',
  snooze4h: 'alert_snooze_4h',
  snoozeTomorrow: 'alert_snooze_tomorrow',
  open: 'alert_open',
} as const;

export interface AlertTicket {
  readonly externalId: string;
  readonly url: string | null;
  readonly priority: string | null;
  readonly team: string | null;
}

export interface AlertAssignee {
  readonly name: string | null;
  /** Absent: the agent is not linked to a Slack user. */
  readonly slackUserId?: string;
}

export type AlertView = SlaAlertView | EscalationAlertView | ThresholdAlertView | GoalAlertView;
export type TicketAlertView = SlaAlertView | EscalationAlertView;

export interface SlaAlertView {
      readonly kind: 'sla_warning' | 'sla_breach';
      readonly alertId: number;
      readonly ticket: AlertTicket;
      readonly target: SlaTarget;
      readonly dueAt: number;
      /** The instant the alert speaks of (time left is counted from it). */
      readonly at: number;
      /** Share of the target elapsed, 0-100 (warnings). */
      readonly percent: number;
      readonly assignee: AlertAssignee | null;
      readonly timezone: string;
      readonly reminder?: number;
      /** Escalated to the lead after this many seconds without acknowledgement. */
      readonly leadAfterSeconds?: number;
      readonly acknowledged?: { readonly by: string; readonly at: number };
      readonly snoozed?: { readonly by: string; readonly until: number };
}

export interface EscalationAlertView {
      readonly kind: 'escalation';
      readonly alertId: number;
      readonly ticket: AlertTicket;
      readonly assignee: AlertAssignee | null;
      readonly timezone: string;
      readonly acknowledged?: { readonly by: string; readonly at: number };
      readonly snoozed?: { readonly by: string; readonly until: number };
}

/** What a threshold or goal rule's alert says of the metric: its value over the rule's window, and for which row. */
interface MetricAlertBase {
      readonly metric: Exclude<MetricId, 'summary' | 'agents'>;
      readonly value: number | null;
      /** How many tickets, answers or customers the value rests on; said beside it, unless the metric is a count (its value is its n). */
      readonly n: number;
      readonly windowHours: number;
      /** The rule's own filters (`team:billing`), named with the metric: a channel may hold one rule per team. */
      readonly ruleFilters?: TicketFilters;
      /** A split rule's row (`by:team`): which field and value crossed, as the reader sees them. */
      readonly subject?: { readonly by: DimensionBreakdown; readonly value: string; readonly name?: string; readonly slackUserId?: string; readonly source?: string };
}

export interface ThresholdAlertView extends MetricAlertBase {
      readonly kind: 'threshold_crossed' | 'threshold_recovered';
      readonly operator: string;
      readonly limit: number;
}

/** A goal rule's (`threshold frt goal`): the value against the goal that judged it. */
export interface GoalAlertView extends MetricAlertBase {
      readonly kind: 'goal_missed' | 'goal_met';
      readonly goal: GoalStatus;
      /** The filters the goal was looked up by (the rule's, and a split row's value): a wider goal's scope is named. */
      readonly filters: TicketFilters;
}

const ticketLabel = (ticket: AlertTicket) => (ticket.url === null ? `*#${escapeMrkdwn(ticket.externalId)}*` : `*${link(ticket.url, `#${ticket.externalId}`)}*`);

export function renderAlert(view: AlertView, locale: Locale): SlackMessage {
  switch (view.kind) {
    case 'threshold_crossed':
    case 'threshold_recovered':
    case 'goal_missed':
    case 'goal_met':
      return renderMetricAlert(view, locale);
    default:
      return renderTicketAlert(view, locale);
  }
}

function renderTicketAlert(view: TicketAlertView, locale: Locale): SlackMessage {
  const blocks: Block[] = [];
  const ticket = ticketLabel(view.ticket);
  let headline: string;
  if (view.kind === 'escalation') {
    headline = t(locale, 'alert.escalation', { ticket });
  } else {
    const due = formatDate(locale, view.dueAt, view.timezone, { time: true, zone: true });
    const target = t(locale, `alert.target.${view.target}`);
    headline = view.kind === 'sla_warning'
      ? t(locale, 'alert.sla_warning', { ticket, percent: formatPercent(locale, view.percent, { maximumFractionDigits: 0 }), target, due, left: formatDuration(locale, Math.max(0, (view.dueAt - view.at) / 1000)) })
      : t(locale, 'alert.sla_breach', { ticket, target, due });
  }
  blocks.push(section(headline));
  const details: string[] = [];
  if (view.assignee === null) details.push(t(locale, 'alert.unassigned'));
  else if (view.assignee.slackUserId !== undefined) details.push(t(locale, 'alert.assignee', { assignee: `<@${view.assignee.slackUserId}>` }));
  else details.push(t(locale, 'alert.assignee_not_linked', { name: escapeMrkdwn(view.assignee.name ?? '?') }));
  const about = [
    view.ticket.priority === null ? '' : t(locale, 'alert.priority', { priority: priorityWord(locale, view.ticket.priority) ?? '' }),
    view.ticket.team === null ? '' : t(locale, 'alert.team', { team: escapeMrkdwn(view.ticket.team) }),
  ].filter((part) => part !== '');
  blocks.push(context([...details, ...about]));
  // Why this message came: a reminder, or the lead's DM (said in the notification too, or it reads as the breach again).
  const followUp = view.kind === 'escalation' ? undefined
    : view.leadAfterSeconds !== undefined ? t(locale, 'alert.lead', { after: formatDuration(locale, view.leadAfterSeconds) })
      : view.reminder !== undefined ? t(locale, 'alert.reminder', { n: view.reminder }) : undefined;
  if (followUp !== undefined) blocks.push(context([followUp]));
  // What became of it (an update's text, read in the conversation list and by screen readers, says it first).
  let state: string | undefined;
  if (view.acknowledged !== undefined) {
    state = acknowledgedLine(view.acknowledged, view.timezone, locale);
    blocks.push(context([state]));
  } else {
    if (view.snoozed !== undefined) {
      state = t(locale, 'alert.snoozed', { user: `<@${view.snoozed.by}>`, time: formatDate(locale, view.snoozed.until, view.timezone, { time: true, zone: true }) });
      blocks.push(context([state]));
    }
    blocks.push(actions(alertButtons(view.alertId, view.ticket, locale), `alert:${view.alertId}`));
  }
  // An escalation's headline names only the ticket: its priority and team say in the notification how urgent, and whose.
  return messageIn(locale, plain([`${state ?? followUp ?? ''} ${headline}`.trim(), ...(view.kind === 'escalation' ? about : [])].join(' · ')), blocks);
}

/**
 * SLA alerts waiting for one channel or person all at once (src/schedule/sender.ts), in one message: each alert's own
 * line (its message's text), and one button that acknowledges every alert listed.
 */
export function renderAlertList(lines: readonly string[], alertIds: readonly number[], locale: Locale): SlackMessage {
  const headline = tn(locale, 'alert.list', lines.length);
  const blocks: Block[] = [
    section(headline),
    actions([button({ text: t(locale, 'alert.button.acknowledge_all', { n: alertIds.length }), actionId: ALERT_ACTIONS.acknowledgeAll, value: alertIds.join(','), style: 'primary' })], 'alert_list'),
    context([t(locale, 'alert.list_hint')]),
    ...lineSections(lines.map((line) => `• ${line}`)),
  ];
  return messageIn(locale, plain([headline, ...lines].join('\n')), blocks, LIMITS.messageBlocks, POSTED_TEXT_BUDGET);
}

function alertButtons(alertId: number, ticket: AlertTicket, locale: Locale) {
  const value = String(alertId);
  // Read out with the ticket: a channel of alerts holds many "Acknowledge" buttons.
  const spec = (text: string, actionId: string, extra: Partial<ButtonSpec> = {}) => button({ text, actionId, value, accessibilityLabel: `${text} #${ticket.externalId}`, ...extra });
  const buttons = [
    spec(t(locale, 'alert.button.acknowledge'), ALERT_ACTIONS.acknowledge, { style: 'primary' }),
    spec(t(locale, 'alert.button.snooze_1h'), ALERT_ACTIONS.snooze1h),
    spec(t(locale, 'alert.button.snooze_4h'), ALERT_ACTIONS.snooze4h),
    spec(t(locale, 'alert.button.snooze_tomorrow'), ALERT_ACTIONS.snoozeTomorrow),
  ];
  if (ticket.url !== null) buttons.push(spec(t(locale, 'alert.button.open'), ALERT_ACTIONS.open, { url: ticket.url }));
  return buttons;
}

function renderMetricAlert(view: ThresholdAlertView | GoalAlertView, locale: Locale): SlackMessage {
  const unit = METRICS[view.metric].unit;
  const now = METRICS_AT_AN_INSTANT.includes(view.metric);
  const metric = t(locale, `metric.${view.metric}.name`);
  // "First response time (Team: Billing, Priority: urgent)": the split row's value, then the rule's filters.
  const rowText = view.subject === undefined ? '' : `${t(locale, `filter.${view.subject.by}`)}: ${subjectName(locale, view.subject)}`;
  const qualifiers = [rowText, filtersText(locale, view.ruleFilters ?? {})].filter((part) => part !== '').join(', ');
  const params = {
    metric: qualifiers === '' ? metric : t(locale, 'alert.threshold_subject', { metric, filters: qualifiers }),
    window: formatWindow(locale, view.windowHours),
    // "62% (n = 23)": every value with what it rests on, as replies show it.
    value: `${formatMetricValue(locale, view.value, unit)}${unit === 'count' ? '' : ` (${t(locale, 'view.n', { n: formatNumber(locale, view.n) })})`}`,
  };
  const timing = now ? '_now' : '';
  if ('goal' in view) {
    const target = goalTarget(locale, view.goal, unit);
    const text = view.kind === 'goal_missed'
      ? t(locale, `alert.goal_missed${timing}`, { ...params, target, gap: goalGap(locale, view.goal.gap ?? 0, unit) })
      : t(locale, `alert.goal_met${timing}`, { ...params, target });
    // A wider goal than the rule's filters (the whole workspace's for one team's rule; any for an agent): which one.
    const blocks: Block[] = [section(text)];
    if (!isReplysOwnGoal(view.goal, view.filters)) blocks.push(context([t(locale, 'alert.goal_scope', { scope: goalScopeText(locale, view.goal.filters, view.metric) })]));
    return messageIn(locale, plain(text), blocks);
  }
  const text = t(locale, `${view.kind === 'threshold_crossed' ? 'alert.threshold_crossed' : 'alert.threshold_recovered'}${timing}`, {
    ...params,
    operator: escapeMrkdwn(view.operator),
    limit: formatMetricValue(locale, view.limit, unit),
  });
  return messageIn(locale, plain(text), [section(text)]);
}

/** A split rule's row: a priority in the reader's language, a linked agent as a mention, anything else as stored. */
function subjectName(locale: Locale, subject: NonNullable<MetricAlertBase['subject']>): string {
  if (subject.slackUserId !== undefined) return `<@${subject.slackUserId}>`;
  if (subject.by === 'priority') return priorityWord(locale, subject.value) ?? escapeMrkdwn(subject.value);
  // An agent known by a helpdesk id alone: which helpdesk's.
  return escapeMrkdwn(subject.source === undefined ? (subject.name ?? subject.value) : `${subject.name ?? subject.value} (${subject.source})`);
}

/** To an admin: a post Slack refused for good (reported at most once a day per target and reason). */
/** What an admin can do about a delivery Slack refused for good, by Slack's error code. */
const DELIVERY_ADVICE: Record<string, 'channel' | 'person' | 'token'> = {
  channel_not_found: 'channel', not_in_channel: 'channel', is_archived: 'channel', channel_is_archived: 'channel', restricted_action: 'channel',
  user_not_found: 'person', user_disabled: 'person', cannot_dm_bot: 'person',
  invalid_auth: 'token', not_authed: 'token', token_revoked: 'token', token_expired: 'token', account_inactive: 'token', missing_scope: 'token', no_permission: 'token',
};

/** "Acknowledged by @someone on <time>.": on the alert's messages, and to whoever clicks an alert already acknowledged. */
export function acknowledgedLine(acknowledged: { by: string; at: number }, timezone: string, locale: Locale): string {
  return t(locale, 'alert.acknowledged', { user: `<@${acknowledged.by}>`, time: formatDate(locale, acknowledged.at, timezone, { time: true, zone: true }) });
}

/** A list of alerts once its Acknowledge all was clicked: its lines as they were; the button and its hint replaced by who and when. */
export function acknowledgedList(blocks: readonly Block[], by: string, at: number, timezone: string, locale: Locale, text: string): SlackMessage {
  const [headline, ...rest] = blocks.filter((block) => block.type !== 'actions');
  // The hint (a context right after the button) spoke of the button.
  const lines = rest[0]?.type === 'context' ? rest.slice(1) : rest;
  const acknowledged = acknowledgedLine({ by, at }, timezone, locale);
  return { text: plain(`${acknowledged} ${text}`), blocks: [...(headline === undefined ? [] : [headline]), context([acknowledged]), ...lines] };
}

export function deliveryFailureMessage(failure: { target: string; reason: string; kind: string }, locale: Locale): SlackMessage {
  const target = /^[UW]/.test(failure.target) ? `<@${failure.target}>` : `<#${failure.target}>`;
  const advice = t(locale, `alert.delivery_advice.${DELIVERY_ADVICE[failure.reason] ?? 'log'}`);
  const text = t(locale, 'alert.delivery_failed', { target, reason: escapeMrkdwn(failure.reason), advice });
  return messageIn(locale, plain(text), [section(text)]);
}

/** The notification text: mrkdwn markers and emoji codes dropped. */
function plain(mrkdwn: string): string {
  return mrkdwn.replace(/:[a-z_]+: /g, '').replace(/\*/g, '');
}
