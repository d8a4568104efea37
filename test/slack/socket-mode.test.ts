/**
 * Socket Mode against a local fake: the app asks the fake Web API for a
 * WebSocket URL (apps.connections.open, via SLACK_API_URL), connects to a
 * WebSocket server on loopback, acknowledges a slash command envelope and
 * answers through the response URL.
 */
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBot, type TestBot } from '../helpers/bot.js';
import { startFakeSlack, type FakeSlack, type RecordedCall } from '../helpers/fake-slack.js';

describe('Socket Mode', () => {
  let slack: FakeSlack;
  let sockets: WebSocketServer;
  let bot: TestBot;
  const received: Record<string, unknown>[] = [];
  let connected: Promise<WebSocket>;

  beforeAll(async () => {
    slack = await startFakeSlack();
    sockets = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => sockets.once('listening', () => resolve()));
    const { port } = sockets.address() as AddressInfo;
    slack.answer('apps.connections.open', () => ({ body: { ok: true, url: `ws://127.0.0.1:${port}/link` } }));
    connected = new Promise((resolve) => {
      sockets.on('connection', (socket) => {
        socket.on('message', (data: Buffer) => received.push(JSON.parse(data.toString()) as Record<string, unknown>));
        socket.send(JSON.stringify({ type: 'hello', num_connections: 1, debug_info: { host: 'fake' }, connection_info: { app_id: 'A0000TEST' } }));
        resolve(socket);
      });
    });
    bot = await startTestBot({ SLACK_BOT_TOKEN: 'xoxb-test', SLACK_APP_TOKEN: 'xapp-1-A0000TEST-1-abc', SLACK_API_URL: slack.url });
  });
  afterAll(async () => {
    await bot.dispose();
    sockets.close();
    await slack.close();
  });

  it('connects through apps.connections.open with the app token, acknowledges /kpi and answers it', async () => {
    expect(bot.slack.mode).toBe('socket');
    const open = slack.callsTo('apps.connections.open');
    expect(open.length).toBeGreaterThan(0);
    expect(open[0]?.token).toBe('xapp-1-A0000TEST-1-abc');
    const socket = await connected;
    socket.send(JSON.stringify({
      envelope_id: 'env-1', type: 'slash_commands', accepts_response_payload: true,
      payload: { token: 'x', team_id: 'T0000TEST', channel_id: 'C0000TEST', user_id: 'U0000LEAD', command: '/kpi', text: 'backlog', response_url: slack.responseUrl('socket'), trigger_id: '1.2.3', api_app_id: 'A0000TEST' },
    }));
    const [reply] = await slack.waitFor('response_url', 1);
    expect(received.some((message) => message.envelope_id === 'env-1')).toBe(true);
    expect(((reply as RecordedCall).args.blocks as { text?: { text: string } }[])[0]?.text?.text).toBe('Backlog: 0');
  });
});
