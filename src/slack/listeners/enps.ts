/**
 * The 0-10 buttons of the eNPS pulse DM: one answer per person per survey,
 * stored without the person (src/store/enps-store.ts); the DM is replaced by a
 * thank-you (or "already answered") in place.
 */
import type { App } from '@slack/bolt';
import { describeError } from '../../errors.js';
import { EnpsStore, type AnswerOutcome } from '../../store/enps-store.js';
import { ENPS_ACTION, enpsAnsweredView } from '../blocks/enps.js';
import { LanguageStore } from '../../store/language-store.js';
import type { AlertActionDeps } from './alert-actions.js';

type BoltApp = InstanceType<typeof App>;

/** What the eNPS buttons need: the alert buttons' dependencies, less the time zone. */
export type EnpsActionDeps = Omit<AlertActionDeps, 'timezone'>;

/** Records the answer in `value` (`<survey>:<score>`) for `userId`; the DM, when given, is updated in place. */
export async function handleEnpsAnswer(value: string | undefined, userId: string, message: { channel: string; ts: string } | undefined, deps: EnpsActionDeps): Promise<AnswerOutcome | 'ignored'> {
  const match = /^(\d+):(\d{1,2})$/.exec(value ?? '');
  if (match === null) return 'ignored';
  const outcome = await new EnpsStore(deps.db).answer(Number(match[1]), userId, Number(match[2]), deps.clock());
  if (outcome !== 'not_invited' && message !== undefined) {
    try {
      const locale = (await new LanguageStore(deps.db).chosen(userId)) ?? deps.locale;
      await deps.poster.update(message.channel, message.ts, enpsAnsweredView(outcome, locale));
    } catch (error) {
      deps.logger.warn({ err: describeError(error) }, 'eNPS message could not be updated');
    }
  }
  return outcome;
}

export function registerEnpsActions(app: BoltApp, deps: EnpsActionDeps): void {
  app.action(new RegExp(`^${ENPS_ACTION}:`), async ({ ack, action, body }) => {
    await ack();
    const value = 'value' in action && typeof action.value === 'string' ? action.value : undefined;
    const container = (body as { container?: { channel_id?: string; message_ts?: string } }).container;
    const message = container?.channel_id !== undefined && container.message_ts !== undefined ? { channel: container.channel_id, ts: container.message_ts } : undefined;
    try {
      await handleEnpsAnswer(value, body.user.id, message, deps);
    } catch (error) {
      deps.logger.error({ err: describeError(error) }, 'eNPS answer failed');
    }
  });
}
