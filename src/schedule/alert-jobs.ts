/**
 * The alert jobs: the SLA sweep (every minute), escalations at ingest (after
 * the webhook's 200), and threshold rules. Each decision and the outbox rows it
 * sends are written in one transaction; the keys make a decision taken twice
 * (a second sweep, a restart, a second replica) change nothing.
 */
import type { Database } from '../store/database.js';
import type { Logger } from '../logger.js';
import type { Locale } from '../i18n/locale.js';
import { AlertStore, type AlertRuleRow, type OpenBreach, type QuietHours, type SlaTicketRow } from '../store/alert-store.js';
import { FOLLOW_UP_KIND, enqueue, heldPostOf, reminderKey } from '../store/outbox-store.js';
import { SlaStore } from '../store/sla-store.js';
import { LanguageStore, type Languages } from '../store/language-store.js';
import { KpiStore } from '../store/kpi-store.js';
import { ALWAYS_OPEN, type BusinessCalendar } from '../kpi/business-hours.js';
import { matchKey } from '../kpi/sla.js';
import { computeMetric, type PeriodRange } from '../kpi/metrics.js';
import { computeBreakdown, type BreakdownRow } from '../kpi/breakdown.js';
import type { DimensionBreakdown } from '../kpi/request-words.js';
import { METRICS, type MetricId } from '../kpi/definitions.js';
import { renderAlert, type AlertAssignee, type AlertTicket, type AlertView, type ThresholdAlertView, type TicketAlertView } from '../slack/blocks/alerts.js';
import { followUps, isUrgent, quietHoursEnd, slaAlertKey, stageReached, type SlaAlertSettings } from './sla-alerts.js';
import { conditionCrossed, thresholdCondition, thresholdDecision, thresholdSplit, thresholdTiming, type SplitThresholdState, type StoredThresholdCondition, type ThresholdState } from './threshold-rules.js';
import { GoalStore } from '../store/goal-store.js';
import { breakdownRowFilters, breakdownWithGoals, withGoal, type Goal, type GoalStatus } from '../kpi/goals.js';
import type { TicketFilters } from '../store/kpi-store.js';

export interface AlertJobDeps {
  readonly db: Database;
  readonly settings: SlaAlertSettings;
  /** The workspace language (KPI_LOCALE): a channel's or person's without a choice of their own (LanguageStore). */
  readonly locale: Locale;
  /** Zone times are shown in. */
  readonly timezone: string;
  readonly logger: Logger;
}

/** As the KPI filters and team routes match (matchKey: case, Turkish dotted and dotless i). */
const matches = (rule: AlertRuleRow, ticket: { team: string | null; priority: string | null }) =>
  (rule.filters.team === undefined || matchKey(rule.filters.team) === matchKey(ticket.team ?? '')) &&
  (rule.filters.priority === undefined || matchKey(rule.filters.priority) === matchKey(ticket.priority ?? ''));

const assigneeOf = (row: { assigned: boolean; assigneeName: string | null; assigneeSlackUserId: string | null }): AlertAssignee | null => {
  if (!row.assigned) return null;
  return row.assigneeSlackUserId === null ? { name: row.assigneeName } : { name: row.assigneeName, slackUserId: row.assigneeSlackUserId };
};

/** Held until the channel's quiet hours end, unless it is a breach of an urgent ticket. */
function channelNotBefore(quiet: Map<string, QuietHours>, channel: string, view: AlertView, now: number): number {
  const urgentBreach = view.kind === 'sla_breach' && isUrgent(view.ticket.priority);
  return urgentBreach ? now : (quietHoursEnd(quiet.get(channel), now) ?? now);
}

/**
 * A breach first decided more than this long after its due time is not alerted: tickets a CSV import, a newly added
 * policy or a newly connected helpdesk shows long late (a policy added today over last month's open tickets) would
 * otherwise post one alert and one DM each, at once, and three reminders each after. They are the backlog, which
 * `/kpi overdue` and the digests list; an alert is for what can still be caught.
 */
export const STALE_BREACH_MS = 24 * 60 * 60 * 1000;

export interface SweepReport {
  alerts: number;
  reminders: number;
  leads: number;
}

/** The SLA sweep: new warning and breach alerts, then reminders and the lead's DM for unacknowledged breaches. */
export async function sweepSla(deps: AlertJobDeps, now: number): Promise<SweepReport> {
  const store = new AlertStore(deps.db);
  const report: SweepReport = { alerts: 0, reminders: 0, leads: 0 };
  const calendars = await new SlaStore(deps.db).calendars();
  const fallback = calendars.find((calendar) => calendar.isDefault);
  const clockOf = (row: SlaTicketRow): BusinessCalendar => {
    if (!row.businessHours) return ALWAYS_OPEN;
    return calendars.find((calendar) => calendar.id === row.calendarId) ?? fallback ?? ALWAYS_OPEN;
  };
  const overdueRules = await store.rules('overdue');
  const quiet = await store.quietHours();
  const languages = await new LanguageStore(deps.db).languages(deps.locale);

  const decisions = (await store.runningSlaTargets()).flatMap((row) => {
    const stage = stageReached({ ticketId: row.ticketId, target: row.target, dueAt: row.dueAt, targetMs: row.targetMs, clock: clockOf(row) }, deps.settings, now);
    if (stage === undefined || (stage.kind === 'sla_breach' && now - row.dueAt > STALE_BREACH_MS)) return [];
    return [{ row, stage, key: slaAlertKey(row.ticketId, row.target, stage, row.dueAt) }];
  });
  const existing = await store.existingKeys(decisions.map((decision) => decision.key));
  for (const { row, stage, key } of decisions) {
    if (existing.has(key)) continue;
    // The team's own channel, else the first matching overdue rule's, which its post names (removing the rule cancels it while it waits).
    const rule = row.teamChannelId === null ? overdueRules.find((candidate) => matches(candidate, row)) : undefined;
    const channel = row.teamChannelId ?? rule?.channelId ?? null;
    const ruleRef = rule === undefined ? {} : { alertRuleId: rule.id };
    const ticket: AlertTicket = { externalId: row.externalId, url: row.url, priority: row.priority, team: row.team };
    const view: AlertView = {
      kind: stage.kind, alertId: 0, ticket, target: row.target, dueAt: row.dueAt, at: now,
      percent: stage.kind === 'sla_warning' ? stage.share * 100 : 100, assignee: assigneeOf(row), timezone: deps.timezone,
    };
    const created = await deps.db.transaction(async (trx) => {
      const alertId = await store.createAlert(trx, { dedupeKey: key, kind: stage.kind, ticketId: row.ticketId, ...ruleRef, channelId: channel, assigneeSlackUserId: row.assigneeSlackUserId, leadSlackUserId: row.leadSlackUserId, dueAt: row.dueAt, view }, now);
      if (alertId === undefined) return false;
      const message = (target: string) => renderAlert({ ...view, alertId }, languages.of(target));
      if (channel !== null) await enqueue(trx, { dedupeKey: `${key}:channel`, kind: stage.kind, target: channel, message: message(channel), notBefore: channelNotBefore(quiet, channel, view, now), ticketId: row.ticketId, alertId, ...ruleRef }, now);
      if (row.assigneeSlackUserId !== null) await enqueue(trx, { dedupeKey: `${key}:dm`, kind: stage.kind, target: row.assigneeSlackUserId, message: message(row.assigneeSlackUserId), notBefore: now, ticketId: row.ticketId, alertId }, now);
      return true;
    });
    if (created) report.alerts += 1;
  }

  // Warnings and reminders held by quiet hours for a target met or stopped since are not posted when the hours end.
  await store.cancelHeldOfSettledAlerts();
  for (const alert of await store.openBreaches(deps.settings.renotifyMax)) {
    for (const step of followUps(alert, deps.settings, now)) {
      await deps.db.transaction(async (trx) => {
        // Decided from the read above: still due now that the row is locked (an Acknowledge may have come in between)?
        const current = await store.lockForFollowUp(trx, alert.id);
        if (current === undefined || !followUps(current, deps.settings, now).some((due) => due.kind === step.kind)) return;
        if (step.kind === 'reminder') {
          await sendReminder(trx, alert, step.count, { quiet, languages, overdueRules }, now);
          await store.recordReminder(trx, alert.id, step.count + 1, now);
          report.reminders += 1;
        } else {
          if (alert.leadSlackUserId !== null) {
            const view = { ...(alert.view as TicketAlertView), assignee: assigneeOf(alert.assigneeNow), leadAfterSeconds: deps.settings.escalateAfterMs / 1000 } as AlertView;
            await enqueue(trx, { dedupeKey: `${alert.dedupeKey}:lead`, kind: FOLLOW_UP_KIND.lead, target: alert.leadSlackUserId, message: renderAlert(view, languages.of(alert.leadSlackUserId)), notBefore: now, ticketId: alert.ticketId ?? undefined, alertId: alert.id }, now);
            report.leads += 1;
          }
          await store.recordEscalated(trx, alert.id, now);
        }
      });
    }
  }
  return report;
}

/**
 * A breach's reminder, to its channel and to the ticket's assignee as it is now (reassigned or linked since the
 * breach). A channel an `overdue` rule chose hears no more once the rule is removed (and a reminder held by quiet hours
 * is cancelled with it); the assignee's DM goes on. A channel whose earlier post of the alert is still held by quiet
 * hours gets no reminder behind it: when the hours end it hears once, not the breach and every reminder together.
 */
async function sendReminder(trx: Parameters<typeof enqueue>[0], alert: OpenBreach, count: number, ctx: { quiet: Map<string, QuietHours>; languages: Languages; overdueRules: readonly AlertRuleRow[] }, now: number): Promise<void> {
  const { quiet, languages } = ctx;
  const view = { ...(alert.view as TicketAlertView), assignee: assigneeOf(alert.assigneeNow), reminder: count } as AlertView;
  const base = { kind: FOLLOW_UP_KIND.reminder, ticketId: alert.ticketId ?? undefined, alertId: alert.id };
  const ruleGone = alert.alertRuleId !== null && !ctx.overdueRules.some((rule) => rule.id === alert.alertRuleId);
  if (alert.channelId !== null && !ruleGone && !(await heldPostOf(trx, alert.id, alert.channelId))) {
    const rule = alert.alertRuleId === null ? {} : { alertRuleId: alert.alertRuleId };
    await enqueue(trx, { ...base, ...rule, message: renderAlert(view, languages.of(alert.channelId)), dedupeKey: reminderKey(alert.dedupeKey, count, 'channel'), target: alert.channelId, notBefore: channelNotBefore(quiet, alert.channelId, view, now) }, now);
  }
  const assignee = alert.assigneeNow.assigneeSlackUserId;
  if (assignee !== null) await enqueue(trx, { ...base, message: renderAlert(view, languages.of(assignee)), dedupeKey: reminderKey(alert.dedupeKey, count, 'dm'), target: assignee, notBefore: now }, now);
}

/**
 * Escalations a delivery brought (DeliveryOutcome.escalated, after the 200; or left in `escalations_to_alert` by a
 * process that stopped before, see sweepEscalations): to every channel with an `escalations` rule that matches the
 * ticket, and a DM to the new assignee. One alert per ticket and escalation count, the count the delivery raised it
 * to (two escalations committed one after the other are two alerts, even when both are alerted after the second).
 */
export async function alertEscalations(deps: AlertJobDeps, escalated: readonly { ticketId: number; escalationCount: number }[], now: number): Promise<number> {
  if (escalated.length === 0) return 0;
  const store = new AlertStore(deps.db);
  const rules = await store.rules('escalations');
  const quiet = await store.quietHours();
  const languages = await new LanguageStore(deps.db).languages(deps.locale);
  let created = 0;
  for (const { ticketId, escalationCount } of escalated) {
    const row = await store.ticketForAlert(ticketId);
    if (row === undefined) {
      await store.escalationAlerted(deps.db, ticketId, escalationCount);
      continue;
    }
    const matching = rules.filter((rule) => matches(rule, row));
    const channels = [...new Set(matching.map((rule) => rule.channelId))];
    // A channel's post names the rule that asked for it, so removing the rule cancels it while it waits (quiet hours);
    // a post two rules ask for names neither, and stays when one of them is removed.
    const ruleOf = (channel: string) => {
      const asking = matching.filter((rule) => rule.channelId === channel);
      return asking.length === 1 ? { alertRuleId: asking[0]?.id } : {};
    };
    const key = `escalation:${ticketId}:${escalationCount}`;
    const view: AlertView = { kind: 'escalation', alertId: 0, ticket: { externalId: row.externalId, url: row.url, priority: row.priority, team: row.team }, assignee: assigneeOf(row), timezone: deps.timezone };
    const made = await deps.db.transaction(async (trx) => {
      await store.escalationAlerted(trx, ticketId, escalationCount);
      const alertId = await store.createAlert(trx, { dedupeKey: key, kind: 'escalation', ticketId, channelId: channels[0] ?? null, assigneeSlackUserId: row.assigneeSlackUserId, leadSlackUserId: null, dueAt: null, view }, now);
      if (alertId === undefined) return false;
      const message = (target: string) => renderAlert({ ...view, alertId }, languages.of(target));
      for (const channel of channels) await enqueue(trx, { dedupeKey: `${key}:${channel}`, kind: 'escalation', target: channel, message: message(channel), notBefore: channelNotBefore(quiet, channel, view, now), ticketId, alertId, ...ruleOf(channel) }, now);
      if (row.assigneeSlackUserId !== null) await enqueue(trx, { dedupeKey: `${key}:dm`, kind: 'escalation', target: row.assigneeSlackUserId, message: message(row.assigneeSlackUserId), notBefore: now, ticketId, alertId }, now);
      return true;
    });
    if (made) created += 1;
  }
  return created;
}

/** How long an escalation waits for the alert its delivery makes after the 200 before the sweep makes it instead. */
export const ESCALATION_SWEEP_AFTER_MS = 30_000;

/**
 * The leader's catch-up (every 10 s): escalations a delivery kept (`escalations_to_alert`) whose alert was not made
 * after the 200 within ESCALATION_SWEEP_AFTER_MS (the process was killed or stopped, or the database failed then).
 */
export async function sweepEscalations(deps: AlertJobDeps, now: number): Promise<number> {
  return alertEscalations(deps, await new AlertStore(deps.db).escalationsLeft(now - ESCALATION_SWEEP_AFTER_MS, 500), now);
}

const HOUR = 3_600_000;

/**
 * Threshold rules (`/kpi alerts #c threshold frt > 4h`, or `frt goal`): the metric over the rule's rolling window
 * (default 24 h) against its limit or its goal; an alert when it crosses (not again within the cooldown, default 4 h),
 * a note when it recovers.
 */
export async function evaluateThresholds(deps: AlertJobDeps, now: number): Promise<number> {
  const store = new AlertStore(deps.db);
  const rules = await store.rules('threshold', 'goal');
  if (rules.length === 0) return 0;
  const kpi = new KpiStore(deps.db);
  const quiet = await store.quietHours();
  const languages = await new LanguageStore(deps.db).languages(deps.locale);
  // Read once a run, and only when a rule is judged by them.
  const goals = rules.some((rule) => rule.config.goal === true) ? await new GoalStore(deps.db).all() : [];
  let posted = 0;
  for (const rule of rules) {
    const metric = rule.config.metric as MetricId | undefined;
    if (metric === undefined || metric === 'summary' || metric === 'agents' || METRICS[metric] === undefined) continue;
    const { windowHours, cooldownMinutes, minSample } = thresholdTiming(rule.config);
    const window = windowHours * HOUR;
    const period = { from: now - window, to: now, timezone: deps.timezone, previous: { from: now - 2 * window, to: now - window } };
    const spec: ThresholdSpec = { metric, condition: thresholdCondition(rule.config), windowHours, cooldownMs: cooldownMinutes * 60_000, minSample, period };
    const by = thresholdSplit(rule.config);
    if (by !== undefined) {
      posted += await evaluateSplitThreshold(deps, { store, kpi, quiet, languages, goals }, rule, { ...spec, by }, now);
      continue;
    }
    const result = withGoal(await computeMetric(metric, kpi, period, rule.filters, now), goals, rule.filters);
    const decision = thresholdDecision((rule.state ?? {}) as ThresholdState, conditionCrossed(spec.condition, result, spec.minSample), now, spec.cooldownMs);
    if (decision.action === 'none') continue;
    const view = thresholdView(spec, decision.action, { value: result.value, n: result.n, goal: result.goal, filters: rule.filters, ruleFilters: rule.filters });
    const moved = await deps.db.transaction(async (trx) => {
      if (!(await store.saveRuleState(trx, rule.id, rule.state, decision.state as unknown as Record<string, unknown>, now))) return false;
      await enqueue(trx, { dedupeKey: `threshold:${rule.id}:${view.kind}:${now}`, kind: view.kind, target: rule.channelId, message: renderAlert(view, languages.of(rule.channelId)), notBefore: quietHoursEnd(quiet.get(rule.channelId), now) ?? now, alertRuleId: rule.id }, now);
      return true;
    });
    if (moved) posted += 1;
  }
  return posted;
}

interface ThresholdSpec {
  readonly metric: Exclude<MetricId, 'summary' | 'agents'>;
  readonly condition: StoredThresholdCondition;
  readonly windowHours: number;
  readonly cooldownMs: number;
  /** `sample:`: the least n a value is judged on (0: any). */
  readonly minSample: number;
  readonly period: PeriodRange;
}

/** What a rule's decision posts: the value against the limit, or against the goal that judged it (and for which filters). */
function thresholdView(
  spec: ThresholdSpec,
  action: 'alert' | 'recovered',
  judged: { value: number | null; n: number; goal: GoalStatus | undefined; filters: TicketFilters; ruleFilters: TicketFilters; subject?: ThresholdAlertView['subject'] },
): AlertView {
  const common = { metric: spec.metric, value: judged.value, n: judged.n, windowHours: spec.windowHours, ruleFilters: judged.ruleFilters, ...(judged.subject === undefined ? {} : { subject: judged.subject }) };
  if ('goal' in spec.condition) {
    // A goal rule decides only when a goal applies (conditionCrossed).
    if (judged.goal === undefined) throw new Error('a goal rule decided without a goal');
    return { kind: action === 'alert' ? 'goal_missed' : 'goal_met', ...common, goal: judged.goal, filters: judged.filters };
  }
  return { kind: action === 'alert' ? 'threshold_crossed' : 'threshold_recovered', ...common, operator: spec.condition.operator, limit: spec.condition.limit };
}

/**
 * What a split rule keeps a value's state under: what its filter compares (a team's key, a channel in lower case,
 * an agent with their helpdesk when they have no address), so another spelling of the same team is the same team and
 * two helpdesks' agents 7 are two; prefixed, so no value (`__proto__`) is taken for a property of the state.
 */
function splitStateKey(by: DimensionBreakdown, row: BreakdownRow): string {
  const value = by === 'team' ? matchKey(row.key) : by === 'channel' ? row.key.toLowerCase() : row.source === undefined ? row.key : `${row.source}:${row.key}`;
  return `=${value}`;
}

/**
 * A split threshold rule (`threshold frt > 4h by:team`): the metric of every value active in the window (up to
 * MAX_WATCHED_VALUES, src/kpi/breakdown.ts) against the limit, each with its own crossed state and cooldown, all kept in the
 * rule's state and swapped in one transaction with the alerts they decide; how many were posted.
 */
async function evaluateSplitThreshold(
  deps: AlertJobDeps,
  ctx: { store: AlertStore; kpi: KpiStore; quiet: ReadonlyMap<string, QuietHours>; languages: Languages; goals: readonly Goal[] },
  rule: AlertRuleRow,
  spec: ThresholdSpec & { by: DimensionBreakdown },
  now: number,
): Promise<number> {
  const split = breakdownWithGoals(await computeBreakdown(spec.metric, spec.by, ctx.kpi, spec.period, rule.filters, now, { watch: true }), ctx.goals, rule.filters);
  const before = new Map(Object.entries(((rule.state ?? {}) as SplitThresholdState).values ?? {}));
  const values = new Map(before);
  const views: { key: string; view: AlertView }[] = [];
  for (const row of split.rows) {
    const key = splitStateKey(spec.by, row);
    const decision = thresholdDecision(before.get(key) ?? {}, conditionCrossed(spec.condition, row, spec.minSample), now, spec.cooldownMs);
    if (decision.action === 'none') continue;
    values.set(key, decision.state);
    const subject = { by: spec.by, value: row.key, ...(row.name === undefined ? {} : { name: row.name }), ...(row.slackUserId === undefined ? {} : { slackUserId: row.slackUserId }), ...(row.source === undefined ? {} : { source: row.source }) };
    views.push({ key, view: thresholdView(spec, decision.action, { value: row.value, n: row.n, goal: row.goal, filters: breakdownRowFilters(spec.by, row, rule.filters), ruleFilters: rule.filters, subject }) });
  }
  if (views.length === 0) return 0;
  const moved = await deps.db.transaction(async (trx) => {
    if (!(await ctx.store.saveRuleState(trx, rule.id, rule.state, { values: Object.fromEntries(values) } as unknown as Record<string, unknown>, now))) return false;
    for (const { key, view } of views) {
      await enqueue(trx, { dedupeKey: `threshold:${rule.id}:${key}:${view.kind}:${now}`, kind: view.kind, target: rule.channelId, message: renderAlert(view, ctx.languages.of(rule.channelId)), notBefore: quietHoursEnd(ctx.quiet.get(rule.channelId), now) ?? now, alertRuleId: rule.id }, now);
    }
    return true;
  });
  return moved ? views.length : 0;
}
