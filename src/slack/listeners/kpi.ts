/**
 * The Bolt listeners: `/kpi`, our buttons, and the Home tab. Each acknowledges
 * Slack at once (Slack allows 3 seconds), then computes and answers through the
 * response URL (`respond`), so a slow query on a large database never loses the
 * reply. A failure is logged and answered with a short apology, never thrown.
 */
import type { App } from '@slack/bolt';
import type { Logger } from '../../logger.js';
import { t } from '../../i18n/catalogue.js';
import { answerAction, answerCommand, answerHome, type Answer, type AnswerDeps, type Asker } from '../answer.js';
import { LanguageStore } from '../../store/language-store.js';
import type { Locale } from '../../i18n/locale.js';
import type { SlackUsers } from '../users.js';
import { noticeView } from '../blocks/text-views.js';
import { ACTION } from '../blocks/metric.js';

type BoltApp = InstanceType<typeof App>;

/** How long after a Share click was answered the same click from the same person is taken for a double click. */
const SHARE_CLICK_MS = 5_000;

export interface ListenerDeps extends AnswerDeps {
  readonly users: SlackUsers;
  readonly logger: Logger;
}

type Respond = (message: Record<string, unknown>) => Promise<unknown>;

/**
 * Waits before the second and third try of an answer Slack's response URL refused for its own sake (5xx, 429, a
 * dropped connection): the answer was computed, and the URL takes five posts within half an hour. A 4xx (the message refused) is
 * not tried again. A post Slack took but answered with an error would show twice, which beats not at all.
 */
const RESPOND_RETRY_MS = [1_000, 3_000] as const;

async function respondPatiently(respond: Respond, message: Record<string, unknown>): Promise<void> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      await respond(message);
      return;
    } catch (error) {
      const status = (error as { response?: { status?: unknown } } | null)?.response?.status;
      const wait = RESPOND_RETRY_MS[attempt];
      if (wait === undefined || (typeof status === 'number' && status < 500 && status !== 429)) throw error;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}

async function send(respond: Respond, answer: Answer): Promise<void> {
  await respondPatiently(respond, {
    response_type: answer.share ? 'in_channel' : 'ephemeral',
    ...(answer.replace === true ? { replace_original: true } : { replace_original: false }),
    text: answer.message.text,
    blocks: answer.message.blocks,
  });
}

/** The language of an apology for a failed answer: the one the asker chose, if the database can still say. */
async function apologyLocale(deps: ListenerDeps, asker: Asker): Promise<Locale> {
  return (await new LanguageStore(deps.db).chosen(asker.userId).catch(() => undefined)) ?? asker.locale;
}

export function registerKpiListeners(app: BoltApp, deps: ListenerDeps): void {
  const { logger } = deps;

  app.command('/kpi', async ({ command, ack, respond }) => {
    await ack();
    const asker = { ...(await deps.users.asker(command.user_id)), channelId: command.channel_id };
    try {
      // Slack always sends `text`, if empty; a request without it is read as an empty command.
      await send(respond as Respond, await answerCommand(typeof command.text === 'string' ? command.text : '', asker, deps));
    } catch (error) {
      // The first word names the command; the rest may hold an e-mail address (`link`), which is not logged.
      logger.error({ err: error, command: String(command.text ?? '').trim().split(/\s+/)[0]?.slice(0, 20) ?? '' }, '/kpi failed');
      await (respond as Respond)({ response_type: 'ephemeral', ...noticeView(t(await apologyLocale(deps, asker), 'error.generic')) }).catch(() => undefined);
    }
  });

  // Share clicks being answered, by who clicked what on which message: a double click posts once.
  const sharing = new Set<string>();
  app.action(/^kpi_/, async ({ action, body, ack, respond }) => {
    await ack();
    if (action.type !== 'button' || !('action_id' in action)) return;
    // The channel the button's message is in: a shared answer is written in its language, when it has one.
    const channelId = body.channel?.id;
    const container = (body as { container?: { message_ts?: string; is_ephemeral?: boolean } }).container;
    const click = `${body.user.id}:${container?.message_ts ?? ''}:${action.action_id}:${action.value ?? ''}`;
    const share = action.action_id.split(':')[0] === ACTION.share;
    if (share && sharing.has(click)) return;
    if (share) sharing.add(click);
    let posted = false;
    let asker: Asker = { userId: body.user.id, locale: deps.locale ?? 'en', isAdmin: false };
    try {
      asker = { ...(await deps.users.asker(body.user.id)), ...(channelId === undefined ? {} : { channelId }) };
      const answer = await answerAction(action.action_id, action.value, asker, deps);
      await send(respond as Respond, answer);
      posted = answer.share;
      // Once posted in the channel, the private answer it was shared from goes: its Share button would post it again.
      // It stays if Slack will not delete it; the answer was posted all the same.
      if (posted && container?.is_ephemeral === true) await (respond as Respond)({ delete_original: true }).catch((error: unknown) => logger.warn({ err: error }, 'the shared private answer could not be deleted'));
    } catch (error) {
      logger.error({ err: error, action: action.action_id }, 'button failed');
      await (respond as Respond)({ response_type: 'ephemeral', replace_original: false, ...noticeView(t(await apologyLocale(deps, asker), 'error.generic')) }).catch(() => undefined);
    } finally {
      // Once posted, a few seconds more: the second click of a double click can reach us after the first was answered.
      // A click that posted nothing (an error, a refusal) may be tried again at once.
      if (share && posted) setTimeout(() => sharing.delete(click), SHARE_CLICK_MS).unref();
      else sharing.delete(click);
    }
  });

  app.event('app_home_opened', async ({ event, client }) => {
    if (event.tab !== 'home') return;
    try {
      const asker = await deps.users.asker(event.user);
      const view = await answerHome(asker, deps);
      await client.views.publish({ user_id: event.user, view: { type: 'home', blocks: view.blocks } });
    } catch (error) {
      logger.error({ err: error }, 'the Home tab could not be published');
    }
  });
}
