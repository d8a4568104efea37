/**
 * The buttons on alert messages: Acknowledge (records who and when, stops
 * reminders and the lead's DM, updates every message of the alert in place),
 * Snooze 1 h / 4 h / until tomorrow's working hours (holds reminders until
 * then, says so on the messages), Open in helpdesk (a link; only acknowledged
 * to Slack). `handleAlertAction` is the whole work, testable without Bolt.
 */
import type { App } from '@slack/bolt';
import type { Database } from '../../store/database.js';
import { t } from '../../i18n/catalogue.js';
import type { Locale } from '../../i18n/locale.js';
import type { Logger } from '../../logger.js';
import { describeError } from '../../errors.js';
import { AlertStore, type AlertRow } from '../../store/alert-store.js';
import { OutboxStore } from '../../store/outbox-store.js';
import { SlaStore } from '../../store/sla-store.js';
import { LanguageStore } from '../../store/language-store.js';
import { tomorrowsWorkingHours } from '../../schedule/sla-alerts.js';
import { matchKey } from '../../kpi/sla.js';
import { ALERT_ACTIONS, acknowledgedLine, acknowledgedList, renderAlert, type AlertView, type TicketAlertView } from '../blocks/alerts.js';
import type { Block } from '../blocks/kit.js';
import type { SlackPoster } from '../poster.js';

type BoltApp = InstanceType<typeof App>;

export interface AlertActionDeps {
  readonly db: Database;
  readonly poster: SlackPoster;
  readonly clock: () => number;
  readonly locale: Locale;
  readonly timezone: string;
  readonly logger: Logger;
  /** How long a breach waits unacknowledged before the lead's DM (ALERT_ESCALATE_AFTER_MINUTES): said again when that DM is updated. */
  readonly leadAfterSeconds?: number;
}

export type AlertActionOutcome = 'acknowledged' | 'snoozed' | 'already_acknowledged' | 'unknown_alert' | 'ignored';

const HOUR = 3_600_000;

/**
 * Acknowledge all (a burst's list): every alert it names that nobody acknowledged yet, each as its own button would,
 * by the same person at the same instant. Resolves with how many it acknowledged.
 */
export async function acknowledgeAll(value: string | undefined, userId: string, deps: AlertActionDeps, updates: { failed: number } = { failed: 0 }): Promise<number> {
  let acknowledged = 0;
  for (const id of alertIdsOf(value)) if ((await handleAlertAction(ALERT_ACTIONS.acknowledge, String(id), userId, deps, updates)) === 'acknowledged') acknowledged += 1;
  return acknowledged;
}

/** The alert ids an Acknowledge all button names: 500 at most (a list holds far fewer), each once. */
export function alertIdsOf(value: string | undefined): number[] {
  return [...new Set((value ?? '').split(',').map(Number).filter((id) => Number.isInteger(id) && id > 0))].slice(0, 500);
}

/** `updates.failed` counts the alert's messages Slack would not rewrite (rate-limited, slow): the clicker is told. */
export async function handleAlertAction(actionId: string, value: string | undefined, userId: string, deps: AlertActionDeps, updates: { failed: number } = { failed: 0 }): Promise<AlertActionOutcome> {
  const alertId = Number(value);
  if (actionId === ALERT_ACTIONS.open || !Number.isInteger(alertId) || alertId <= 0) return 'ignored';
  const alerts = new AlertStore(deps.db);
  const outbox = new OutboxStore(deps.db);
  const before = await alerts.alert(alertId);
  if (before === undefined) return 'unknown_alert';
  if (before.acknowledgedAt !== null) {
    // A message still showing the buttons (its update failed: Slack was slow or rate-limited) is rewritten again now.
    await updateMessages(before, outbox, deps, updates);
    return 'already_acknowledged';
  }
  const now = deps.clock();
  let after: AlertRow | undefined;
  let outcome: AlertActionOutcome;
  if (actionId === ALERT_ACTIONS.acknowledge) {
    after = await alerts.acknowledge(alertId, userId, now);
    await outbox.cancelFollowUpsOfAlert(alertId);
    outcome = 'acknowledged';
  } else {
    const until = await snoozeEnd(actionId, before, deps, now);
    if (until === undefined) return 'ignored';
    after = await alerts.snooze(alertId, userId, until);
    outcome = 'snoozed';
  }
  if (after === undefined) return 'unknown_alert';
  await updateMessages(after, outbox, deps, updates);
  return outcome;
}

async function snoozeEnd(actionId: string, alert: AlertRow, deps: AlertActionDeps, now: number): Promise<number | undefined> {
  if (actionId === ALERT_ACTIONS.snooze1h) return now + HOUR;
  if (actionId === ALERT_ACTIONS.snooze4h) return now + 4 * HOUR;
  if (actionId !== ALERT_ACTIONS.snoozeTomorrow) return undefined;
  const view = alert.view as TicketAlertView;
  const teamCalendars = await new SlaStore(deps.db).teamCalendars();
  const team = 'ticket' in view && view.ticket.team !== null ? teamCalendars.byTeam.get(matchKey(view.ticket.team)) : undefined;
  return tomorrowsWorkingHours(now, team ?? teamCalendars.fallback, deps.timezone);
}

/** Every message of the alert, posted or held by quiet hours, rendered again with its acknowledgement or snooze. */
async function updateMessages(alert: AlertRow, outbox: OutboxStore, deps: AlertActionDeps, updates: { failed: number }): Promise<void> {
  const base = alert.view as TicketAlertView;
  const view: AlertView = {
    ...base,
    ...(alert.acknowledgedBy !== null && alert.acknowledgedAt !== null ? { acknowledged: { by: alert.acknowledgedBy, at: alert.acknowledgedAt } } : {}),
    ...(alert.snoozedBy !== null && alert.snoozedUntil !== null ? { snoozed: { by: alert.snoozedBy, until: alert.snoozedUntil } } : {}),
  };
  // Each message in the language its channel or person has now (a choice changed since is followed).
  const languages = await new LanguageStore(deps.db).languages(deps.locale);
  await outbox.reviseHeldOfAlert(alert.id, (target) => renderAlert(view, languages.of(target)));
  for (const posted of await outbox.postedOfAlert(alert.id)) {
    // A reminder, or the lead's DM, keeps saying why it came.
    const followUp = view.kind === 'escalation' || posted.followUp === undefined ? {}
      : posted.followUp.kind === 'reminder' ? { reminder: posted.followUp.n }
        : deps.leadAfterSeconds === undefined ? {} : { leadAfterSeconds: deps.leadAfterSeconds };
    try {
      await deps.poster.update(posted.channel, posted.ts, renderAlert({ ...view, ...followUp } as AlertView, languages.of(posted.target)));
    } catch (error) {
      updates.failed += 1;
      deps.logger.warn({ alert: alert.id, channel: posted.channel, err: describeError(error) }, 'alert message could not be updated');
    }
  }
}

/** Registers the alert buttons on the Bolt app (Socket Mode or HTTP mode). */
export function registerAlertActions(app: BoltApp, deps: AlertActionDeps): void {
  app.action(/^alert_/, async ({ ack, action, body, respond }) => {
    await ack();
    const actionId = 'action_id' in action ? action.action_id : '';
    const value = 'value' in action && typeof action.value === 'string' ? action.value : undefined;
    const channelId = body.channel?.id;
    const locale = async () => (await new LanguageStore(deps.db).chosen(body.user.id)) ?? deps.locale;
    try {
      if (actionId === ALERT_ACTIONS.open) return;
      // A click counts only where its alert was shown (its channel, the DM it went to, a list holding it): a button's
      // value is the clicker's to send, and anyone could otherwise silence another team's breaches, or learn who took them.
      const named = alertIdsOf(value);
      const shown = channelId === undefined ? new Set<number>() : await new OutboxStore(deps.db).alertsShownIn(named, channelId);
      const elsewhere = named.filter((id) => !shown.has(id));
      if (elsewhere.length > 0) {
        const existing = await new AlertStore(deps.db).existing(elsewhere);
        if (existing.length > 0) deps.logger.warn({ user: body.user.id, channel: channelId, alerts: existing.slice(0, 10) }, 'alert button clicked where its alert was not shown: ignored');
        // A list's other alerts are still taken; a click on one alert, or on a list of none shown here, is refused.
        if (existing.length > 0 && (actionId !== ALERT_ACTIONS.acknowledgeAll || shown.size === 0)) {
          await respond({ response_type: 'ephemeral', replace_original: false, text: t(await locale(), 'alert.not_shown_here') });
          return;
        }
      }
      if (actionId === ALERT_ACTIONS.acknowledgeAll) {
        const updates = { failed: 0 };
        await acknowledgeAll(named.filter((id) => shown.has(id)).join(','), body.user.id, deps, updates);
        // The list says so, in place of its button (everyone in the channel sees who took them), in the list's language.
        const message = (body as { message?: { blocks?: Block[]; text?: string } }).message;
        const languages = await new LanguageStore(deps.db).languages(deps.locale);
        if (message?.blocks !== undefined) {
          // A DM's list is in its person's language; a channel's, in the channel's.
          const reader = channelId === undefined || channelId.startsWith('D') ? body.user.id : channelId;
          const view = acknowledgedList(message.blocks, body.user.id, deps.clock(), deps.timezone, languages.of(reader), message.text ?? '');
          await respond({ replace_original: true, text: view.text, blocks: view.blocks });
        }
        if (updates.failed > 0) await respond({ response_type: 'ephemeral', replace_original: false, text: t(languages.of(body.user.id), 'alert.not_updated') });
        return;
      }
      const updates = { failed: 0 };
      const outcome = await handleAlertAction(actionId, value, body.user.id, deps, updates);
      // Done, but a message still shows its buttons: say so, and that the next click rewrites it.
      if ((outcome === 'acknowledged' || outcome === 'snoozed') && updates.failed > 0) await respond({ response_type: 'ephemeral', replace_original: false, text: t(await locale(), 'alert.not_updated') });
      // The alert went with its ticket (deleted in the helpdesk): say so to whoever clicked, rather than nothing.
      if (outcome === 'unknown_alert') await respond({ response_type: 'ephemeral', replace_original: false, text: t(await locale(), 'alert.gone') });
      // Acknowledged already (by someone else, or from a message whose update failed): say by whom, rather than nothing.
      if (outcome === 'already_acknowledged') {
        const alert = await new AlertStore(deps.db).alert(Number(value));
        if (alert?.acknowledgedBy != null && alert.acknowledgedAt !== null) {
          await respond({ response_type: 'ephemeral', replace_original: false, text: acknowledgedLine({ by: alert.acknowledgedBy, at: alert.acknowledgedAt }, deps.timezone, await locale()) });
        }
      }
    } catch (error) {
      deps.logger.error({ actionId, err: describeError(error) }, 'alert action failed');
    }
  });
}
