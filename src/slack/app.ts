/**
 * The Slack side of the process, in one of three modes chosen by the
 * configuration: Socket Mode (SLACK_APP_TOKEN), HTTP mode (SLACK_SIGNING_SECRET;
 * `slackGate` checks each request and Slack's signature, then Bolt's HTTPReceiver
 * takes it, mounted on our own server at /slack/events), or the local console
 * when no Slack token is set.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { App, HTTPReceiver, webApi } from '@slack/bolt';
import { KpiBotError, describeError } from '../errors.js';
import { MAX_BODY_BYTES } from '../http/respond.js';
import type { SlackConfig } from '../config.js';
import type { Logger } from '../logger.js';
import { boltLogger } from './bolt-logger.js';
import { slackGate } from './http-gate.js';

type BoltApp = InstanceType<typeof App>;

export interface SlackSurface {
  readonly mode: SlackConfig['mode'];
  /** The Bolt app, absent in console mode. */
  readonly app?: BoltApp;
  /** Slack's Web API client with the bot token, absent in console mode. */
  readonly client?: webApi.WebClient;
  /**
   * users.info alone (every /kpi asks who is asking): a client of its own, because a 429 pauses a client's whole
   * queue for Retry-After, and one busy person would otherwise hold every admin command's calls (eNPS audiences,
   * link checks) for half a minute. Slack limits users.info on its own, so pausing only it loses nothing.
   */
  readonly usersClient?: webApi.WebClient;
  /** Mounted at POST /slack/events in HTTP mode: checks the request (`slackGate`), then hands it to Bolt. */
  readonly httpListener?: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createSlackSurface(config: SlackConfig, logger: Logger): SlackSurface {
  const log = boltLogger(logger);
  const clientOptions = config.apiUrl === undefined ? {} : { slackApiUrl: config.apiUrl };
  // Bolt would call auth.test from its constructor and leave a failure unhandled, or,
  // with that check off, call it again on every request. We check the token ourselves
  // at start, once, fail with a clear line, and hand Bolt the identity we learnt.
  let identity: Promise<BotIdentity> | undefined;
  const verifyToken = async () => {
    const found = await verifyBotToken(config.botToken ?? '', config.apiUrl, logger);
    identity = Promise.resolve(found);
  };
  // The listeners' client (users.info for every /kpi, the Home tab, eNPS audiences) answers people who wait:
  // a few quick retries, not the SDK's default of ten over half an hour, past the life of Slack's response_url.
  // Bolt's own client (the `client` its listeners are handed: the Home tab's views.publish) is made the same way.
  const listenerClientOptions = { ...clientOptions, timeout: 10_000, retryConfig: { retries: 2, factor: 2, minTimeout: 500, maxTimeout: 2_000 } };
  const client = new webApi.WebClient(config.botToken, { ...listenerClientOptions, logger: log });
  const usersClient = new webApi.WebClient(config.botToken, { ...listenerClientOptions, logger: log });
  const authorize = async () => {
    // A request before start() finished (HTTP mode) learns the identity itself, once.
    identity ??= client.auth.test().then((result) => ({ botUserId: result.user_id ?? '', botId: result.bot_id ?? '' }));
    return { botToken: config.botToken ?? '', ...(await identity) };
  };

  if (config.mode === 'socket') {
    // installerOptions.clientOptions is what Bolt hands the Socket Mode client, so apps.connections.open honours SLACK_API_URL too.
    const app = new App({ authorize, appToken: config.appToken, socketMode: true, logger: log, clientOptions: listenerClientOptions, installerOptions: { clientOptions } });
    return {
      mode: 'socket',
      app,
      client,
      usersClient,
      start: async () => {
        await verifyToken();
        await app.start();
      },
      stop: async () => {
        await app.stop();
      },
    };
  }

  if (config.mode === 'http') {
    const receiver = new HTTPReceiver({ signingSecret: config.signingSecret ?? '', endpoints: '/slack/events', logger: log, bodyLimit: MAX_BODY_BYTES });
    const app = new App({ authorize, receiver, logger: log, clientOptions: listenerClientOptions });
    return {
      mode: 'http',
      app,
      client,
      usersClient,
      httpListener: slackGate(receiver.requestListener, { signingSecret: config.signingSecret ?? '' }),
      // Our HTTP server carries the receiver's requests: only the token is checked here.
      start: verifyToken,
      stop: async () => undefined,
    };
  }

  return {
    mode: 'console',
    start: async () => {
      logger.info('no Slack token set: running in local console mode (webhooks and /healthz are served)');
    },
    stop: async () => undefined,
  };
}

/** The bot token is rejected by Slack, or Slack cannot be reached, at start. */
export class SlackUnavailableError extends KpiBotError {
  constructor(problem: string) {
    super('slack_unavailable', `Slack refused the bot token or could not be reached: ${problem}`, 503);
  }
}

interface BotIdentity {
  readonly botUserId: string;
  readonly botId: string;
}

async function verifyBotToken(token: string, apiUrl: string | undefined, logger: Logger): Promise<BotIdentity> {
  // One attempt with a short timeout: a start-up check must not hang on retries.
  const client = new webApi.WebClient(token, {
    ...(apiUrl === undefined ? {} : { slackApiUrl: apiUrl }),
    retryConfig: { retries: 0 },
    timeout: 10_000,
    logger: boltLogger(logger),
  });
  try {
    const result = await client.auth.test();
    logger.info({ team: result.team_id, botUser: result.user_id }, 'connected to Slack');
    return { botUserId: result.user_id ?? '', botId: result.bot_id ?? '' };
  } catch (error) {
    throw new SlackUnavailableError(describeError(error));
  }
}
