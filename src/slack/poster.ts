/**
 * Posting to Slack for the outbox: a channel id, or a user id (a DM, opened
 * with conversations.open). The Web API client here never retries on its own —
 * the outbox decides when to try again — so every failure comes back at once,
 * classified: rate limited (with Slack's Retry-After), transient (5xx, network,
 * Slack's own "try later" codes), refused (the token or the workspace: no post
 * can succeed until that is fixed, whatever its destination) or permanent (the
 * channel is gone, the bot is not in it, the message is refused...). The console
 * poster prints instead.
 */
import type { Writable } from 'node:stream';
import { webApi } from '@slack/bolt';
import { KpiBotError } from '../errors.js';
import type { SlackMessage } from './blocks/kit.js';
import { consoleName, renderMessage } from './console-render.js';
import { boltLogger } from './bolt-logger.js';
import type { Logger } from '../logger.js';

export interface PostedMessage {
  readonly channel: string;
  readonly ts: string;
}

export interface SlackPoster {
  /** `target`: a channel id (C…, G…, D…) or a user id (U…, W…), whose DM is opened first. */
  post(target: string, message: SlackMessage): Promise<PostedMessage>;
  update(channel: string, ts: string, message: SlackMessage): Promise<void>;
}

export type FailureKind = 'rate_limited' | 'transient' | 'refused' | 'permanent';

/** A delivery that failed, as data: what kind, Slack's code, and for 429 how long to wait. */
export class SlackDeliveryError extends KpiBotError {
  constructor(
    readonly kind: FailureKind,
    /** Slack's error code (`channel_not_found`), `http_503`, `network` or `ratelimited`. */
    readonly reason: string,
    readonly retryAfterSeconds?: number,
  ) {
    super('slack_delivery_failed', `Slack delivery failed (${kind}): ${reason}`, 502);
  }
}

/** Platform errors worth trying again; every other platform error is permanent. */
const TRANSIENT_CODES = new Set([
  'service_unavailable', 'internal_error', 'fatal_error', 'request_timeout', 'team_added_to_org', 'temporarily_unavailable',
]);

/**
 * Codes about the token or the workspace, not the post (Slack: `account_inactive` is a token of a deleted user or
 * workspace): every post fails alike until an admin fixes it, so none is failed for it. HTTP 401/403/404/407 come from
 * no Slack (it answers errors with 200): a proxy or a wrong SLACK_API_URL, which no post can get past either.
 */
const REFUSED_CODES = new Set([
  'invalid_auth', 'not_authed', 'token_revoked', 'token_expired', 'account_inactive', 'org_login_required', 'not_allowed_token_type', 'team_not_found',
]);
const REFUSED_HTTP = new Set([401, 403, 404, 407]);

/** Rate limited without a usable Retry-After (`ratelimited` in a 200, a 429 whose header the client could not read): wait this long. */
const RETRY_AFTER_UNSAID_SECONDS = 10;

/** Turns whatever the Web API client threw into a SlackDeliveryError. */
export function classifySlackError(error: unknown): SlackDeliveryError {
  if (error instanceof SlackDeliveryError) return error;
  if (error instanceof webApi.WebAPIRateLimitedError) return new SlackDeliveryError('rate_limited', 'ratelimited', error.retryAfter);
  if (error instanceof webApi.WebAPIPlatformError) {
    const code = String(error.data.error);
    if (code === 'ratelimited' || code === 'rate_limited') return new SlackDeliveryError('rate_limited', code, RETRY_AFTER_UNSAID_SECONDS);
    return new SlackDeliveryError(REFUSED_CODES.has(code) ? 'refused' : TRANSIENT_CODES.has(code) ? 'transient' : 'permanent', code);
  }
  if (error instanceof webApi.WebAPIHTTPError) {
    if (error.statusCode === 429) {
      const retryAfter = Number(error.headers['retry-after'] ?? RETRY_AFTER_UNSAID_SECONDS);
      return new SlackDeliveryError('rate_limited', 'ratelimited', Number.isFinite(retryAfter) ? retryAfter : RETRY_AFTER_UNSAID_SECONDS);
    }
    if (REFUSED_HTTP.has(error.statusCode)) return new SlackDeliveryError('refused', `http_${error.statusCode}`);
    return new SlackDeliveryError(error.statusCode >= 500 || error.statusCode === 408 ? 'transient' : 'permanent', `http_${error.statusCode}`);
  }
  if (error instanceof webApi.WebAPIRequestError) return new SlackDeliveryError('transient', 'network');
  // @slack/web-api throws a plain Error for a 429 whose Retry-After it cannot read, with rejectRateLimitedCalls too.
  if (error instanceof Error && /^(A rate limit was exceeded|Retry header did not contain a valid timeout)/.test(error.message)) {
    return new SlackDeliveryError('rate_limited', 'ratelimited', RETRY_AFTER_UNSAID_SECONDS);
  }
  return new SlackDeliveryError('transient', 'unknown');
}

/** Transient failures of Slack or the way to it, not of one post: the pass stops trying others for a while. */
export function isOutage(failure: SlackDeliveryError): boolean {
  return failure.kind === 'transient' && (failure.reason === 'network' || /^http_5\d\d$/.test(failure.reason) || ['service_unavailable', 'temporarily_unavailable', 'request_timeout'].includes(failure.reason));
}

/** A Web API client for the outbox: no retries, 429s thrown at once with their Retry-After. The outbox's client; with `logger`, the SDK's own warnings (Slack's messages on a refused post) are our JSON log lines. */
export function createPostingClient(botToken: string, apiUrl: string | undefined, logger?: Logger): InstanceType<typeof webApi.WebClient> {
  return new webApi.WebClient(botToken, {
    ...(apiUrl === undefined ? {} : { slackApiUrl: apiUrl }),
    ...(logger === undefined ? {} : { logger: boltLogger(logger) }),
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: 15_000,
    logLevel: webApi.LogLevel.ERROR,
  });
}

/** DM channels remembered (user → channel), so that conversations.open is not called before every DM. */
const MAX_KNOWN_DMS = 5_000;

const isUserId = (target: string) => /^[UW][A-Z0-9]+$/.test(target);

export function webClientPoster(client: InstanceType<typeof webApi.WebClient>, maxKnownDms = MAX_KNOWN_DMS): SlackPoster {
  const dms = new Map<string, string>();
  const dmChannel = async (user: string): Promise<string> => {
    const known = dms.get(user);
    if (known !== undefined) return known;
    const opened = await client.conversations.open({ users: user });
    const id = opened.channel?.id;
    if (id === undefined) throw new SlackDeliveryError('permanent', 'no_dm_channel');
    // A DM channel is a user's for good, but an eNPS pulse to a large channel would keep every member: opened again past that.
    if (dms.size >= maxKnownDms) dms.clear();
    dms.set(user, id);
    return id;
  };
  return {
    async post(target, message) {
      try {
        const channel = isUserId(target) ? await dmChannel(target) : target;
        const result = await client.chat.postMessage({ channel, text: message.text, blocks: message.blocks, unfurl_links: false, unfurl_media: false });
        return { channel: result.channel ?? channel, ts: result.ts ?? '' };
      } catch (error) {
        throw classifySlackError(error);
      }
    },
    async update(channel, ts, message) {
      try {
        await client.chat.update({ channel, ts, text: message.text, blocks: message.blocks });
      } catch (error) {
        throw classifySlackError(error);
      }
    },
  };
}

/** Local console mode: each post printed as `→ #channel` / `→ DM @user` and the message as text. */
export function consolePoster(out: Writable): SlackPoster {
  let sequence = 0;
  return {
    async post(target, message) {
      sequence += 1;
      const heading = isUserId(target) ? `→ DM @${consoleName(target)}` : `→ #${consoleName(target)}`;
      out.write(`${heading}\n${renderMessage(message, consoleName)}\n\n`);
      return { channel: target, ts: `console.${sequence}` };
    },
    async update(channel, ts, message) {
      out.write(`↻ #${consoleName(channel)} (${ts})\n${renderMessage(message, consoleName)}\n\n`);
    },
  };
}
