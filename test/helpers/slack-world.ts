/**
 * The whole bot behind its real Bolt HTTP receiver, with the fake Slack Web API on loopback answering users.info,
 * a fixed clock and the given events ingested; `command` and `click` send signed requests and return what the bot
 * sent to the response URL.
 */
import { expect } from 'vitest';
import { IngestStore } from '../../src/store/ingest-store.js';
import type { NormalizedEvent } from '../../src/ingest/events.js';
import { startTestBot, type TestBot } from './bot.js';
import { startFakeSlack, type FakeSlack, type RecordedCall } from './fake-slack.js';
import { postButtonClick, postSlashCommand, SIGNING_SECRET } from './slack-requests.js';

/** What users.info says of a user: admin or not, their Slack locale (en-US when not said). */
export type SlackUsers = Record<string, { readonly locale?: string; readonly is_admin?: boolean }>;

export interface SlackWorld {
  readonly slack: FakeSlack;
  readonly bot: TestBot;
  /** `/kpi <words>` from `userId`: the bot's answer. */
  command(words: string, userId?: string): Promise<RecordedCall>;
  /** A click on a button of an answer: the bot's answer to it. */
  click(button: { action_id?: string; value?: string } | undefined, userId?: string): Promise<RecordedCall>;
  dispose(): Promise<void>;
}

export async function startSlackWorld(options: { readonly now: number; readonly events: NormalizedEvent[]; readonly users?: SlackUsers; readonly timezone?: string }): Promise<SlackWorld> {
  const users = options.users ?? {};
  const slack = await startFakeSlack();
  slack.answer('users.info', (call) => {
    const id = String(call.args.user);
    return { body: { ok: true, user: { id, is_admin: users[id]?.is_admin ?? false, is_owner: false, locale: users[id]?.locale ?? 'en-US', profile: {} } } };
  });
  const bot = await startTestBot({ SLACK_BOT_TOKEN: 'xoxb-test', SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: slack.url, KPI_TIMEZONE: options.timezone ?? 'Asia/Jakarta' }, { clock: () => options.now });
  await new IngestStore(bot.db, { escalationGroups: [], escalationTag: 'escalated' }, () => options.now).recordEvents('generic', options.events);
  let sequence = 0;
  /** Waits for the next response-URL post after `send`. */
  const answer = async (send: (responseUrl: string) => Promise<Response>): Promise<RecordedCall> => {
    const before = slack.callsTo('response_url').length;
    expect((await send(slack.responseUrl(`world-${++sequence}`))).status).toBe(200);
    return (await slack.waitFor('response_url', before + 1)).at(-1) as RecordedCall;
  };
  return {
    slack,
    bot,
    command: (words, userId = 'U0000LEAD') => answer((responseUrl) => postSlashCommand(bot.url, { text: words, userId, responseUrl })),
    click: (button, userId = 'U0000LEAD') => {
      expect(button).toBeDefined();
      return answer((responseUrl) => postButtonClick(bot.url, { actionId: button?.action_id ?? '', value: button?.value ?? '', userId, responseUrl }));
    },
    dispose: async () => {
      await bot.dispose();
      await slack.close();
    },
  };
}
