/**
 * Requests as Slack sends them to an app in HTTP mode: slash commands,
 * button clicks (block_actions) and events, signed with the signing secret
 * (v0 HMAC-SHA256 of "v0:timestamp:body").
 */
import { createHmac } from 'node:crypto';

export const SIGNING_SECRET = '0123456789abcdef0123456789abcdef';

export function slackSignature(body: string, timestamp: number, secret = SIGNING_SECRET): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

async function signedPost(baseUrl: string, body: string, contentType: string, secret = SIGNING_SECRET): Promise<Response> {
  const timestamp = Math.floor(Date.now() / 1000);
  return fetch(`${baseUrl}/slack/events`, {
    method: 'POST',
    body,
    headers: { 'content-type': contentType, 'x-slack-request-timestamp': String(timestamp), 'x-slack-signature': slackSignature(body, timestamp, secret) },
  });
}

export interface SlashCommand {
  readonly text: string;
  readonly userId?: string;
  readonly channelId?: string;
  readonly responseUrl: string;
}

/**
 * Slack gives every command and click a trigger_id of its own, so no two requests are the same bytes. With one fixed
 * here, the same command sent twice within a second was the same signature, and the gate answered the second as a
 * replay (`duplicate`) without running it.
 */
let triggers = 0;
const nextTrigger = () => `${process.pid}.${++triggers}.${Date.now()}`;

export function postSlashCommand(baseUrl: string, command: SlashCommand, secret?: string): Promise<Response> {
  const body = new URLSearchParams({
    token: 'legacy-unused', team_id: 'T0000TEST', team_domain: 'example', channel_id: command.channelId ?? 'C0000TEST', channel_name: 'support',
    user_id: command.userId ?? 'U0000LEAD', user_name: 'lead', command: '/kpi', text: command.text, api_app_id: 'A0000TEST',
    response_url: command.responseUrl, trigger_id: nextTrigger(),
  }).toString();
  return signedPost(baseUrl, body, 'application/x-www-form-urlencoded', secret);
}

export interface ButtonClick {
  readonly actionId: string;
  readonly value: string;
  readonly userId?: string;
  readonly responseUrl: string;
  /** The message the button is on, as Slack sends it with a click on a message posted in a channel (not ephemeral). */
  readonly message?: { readonly ts: string; readonly channel: string; readonly text: string; readonly blocks: unknown[] };
  /** Where the click was, without the message (an alert's channel or DM): the message's channel, else C0000TEST. */
  readonly channel?: string;
}

export function postButtonClick(baseUrl: string, click: ButtonClick): Promise<Response> {
  const payload = {
    type: 'block_actions', team: { id: 'T0000TEST', domain: 'example' }, user: { id: click.userId ?? 'U0000LEAD', name: 'lead', team_id: 'T0000TEST' },
    api_app_id: 'A0000TEST', token: 'legacy-unused',
    container: { type: 'message', message_ts: click.message?.ts ?? '1.000', channel_id: click.message?.channel ?? click.channel ?? 'C0000TEST', is_ephemeral: click.message === undefined },
    trigger_id: nextTrigger(), channel: { id: click.message?.channel ?? click.channel ?? 'C0000TEST', name: 'support' }, response_url: click.responseUrl,
    ...(click.message === undefined ? {} : { message: { type: 'message', user: 'U0000BOT', ts: click.message.ts, text: click.message.text, blocks: click.message.blocks } }),
    actions: [{ type: 'button', action_id: click.actionId, block_id: 'b1', value: click.value, text: { type: 'plain_text', text: 'x' }, action_ts: '1.000' }],
  };
  return signedPost(baseUrl, new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), 'application/x-www-form-urlencoded');
}

export function postEvent(baseUrl: string, event: Record<string, unknown>): Promise<Response> {
  const body = JSON.stringify({ token: 'legacy-unused', team_id: 'T0000TEST', api_app_id: 'A0000TEST', type: 'event_callback', event_id: `Ev${Date.now()}`, event_time: Math.floor(Date.now() / 1000), event });
  return signedPost(baseUrl, body, 'application/json');
}
