/**
 * What stands in front of Bolt's HTTPReceiver on POST /slack/events, so that
 * Slack's endpoint refuses bad input as every other route does (a status and a
 * JSON reason) and before anything is buffered beyond 1 MiB or run:
 *
 * - Content-Encoding other than identity: 415; a media type other than a form or JSON: 415;
 * - a body over 1 MiB: 413, without reading the rest into memory;
 * - a missing, stale (5 minutes either way) or wrong signature: 401
 *   (v0 HMAC-SHA256 of `v0:<timestamp>:<raw body>` with the signing secret, constant-time);
 * - bytes that are not UTF-8, a form whose `payload` is not JSON, or a JSON body that is not an object: 400;
 * - the same signed request a second time (same signature) within its window: 200, and nothing runs.
 *
 * Slack's `ssl_check=1` probe carries no signature; it goes on to Bolt, which answers it and drops the rest.
 * Then the bytes read are handed to Bolt on `request.rawBody`, which Bolt reads instead of the stream.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { HttpError } from '../errors.js';
import { readBody, sendJson } from '../http/respond.js';
import { SIGNATURE_WINDOW_MS, assertFresh, header, hmac, safeEqual, unauthorized } from '../ingest/signatures.js';

const FORM = 'application/x-www-form-urlencoded';
const JSON_TYPE = 'application/json';

/** Signatures seen within their window: a replay of one is answered, not run. Bounded; the oldest go first. */
export class ReplayGuard {
  private readonly seen = new Map<string, number>();

  constructor(private readonly capacity = 100_000) {}

  /** True the first time a signature is offered until `expiresAt`; false for a replay. */
  firstTime(signature: string, expiresAt: number, now: number): boolean {
    for (const [key, expiry] of this.seen) {
      if (expiry > now && this.seen.size < this.capacity) break;
      this.seen.delete(key);
    }
    if (this.seen.has(signature)) return false;
    this.seen.set(signature, expiresAt);
    return true;
  }
}

export interface SlackGateOptions {
  readonly signingSecret: string;
  readonly clock?: () => number;
  readonly replays?: ReplayGuard;
}

export function slackGate(listener: RequestListener, options: SlackGateOptions): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const clock = options.clock ?? Date.now;
  const replays = options.replays ?? new ReplayGuard();
  return async (req, res) => {
    const encoding = (header(req.headers, 'content-encoding') ?? '').trim().toLowerCase();
    if (encoding !== '' && encoding !== 'identity') {
      req.resume();
      throw new HttpError(415, 'unsupported_content_encoding', `send the body uncompressed: Content-Encoding "${encoding.slice(0, 40)}" is not accepted`);
    }
    const mediaType = (header(req.headers, 'content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    if (mediaType !== FORM && mediaType !== JSON_TYPE) {
      req.resume();
      throw new HttpError(415, 'unsupported_media_type', `expected Content-Type ${FORM} or ${JSON_TYPE}, got "${mediaType.slice(0, 80) || 'none'}"`);
    }
    const rawBody = await readBody(req);
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(rawBody);
    } catch {
      throw new HttpError(400, 'malformed_body', 'the body is not valid UTF-8');
    }
    const form = mediaType === FORM ? new URLSearchParams(text) : undefined;
    // Bolt compares the media type exactly; a charset parameter would make it read a form as JSON.
    req.headers['content-type'] = mediaType;
    if (form?.get('ssl_check') === '1') {
      handOver(listener, req, res, rawBody);
      return;
    }

    const stamp = header(req.headers, 'x-slack-request-timestamp');
    const signature = header(req.headers, 'x-slack-signature');
    if (stamp === undefined || signature === undefined) throw unauthorized('X-Slack-Request-Timestamp and X-Slack-Signature are required');
    const timestampMs = /^\d{1,12}$/.test(stamp) ? Number(stamp) * 1000 : Number.NaN;
    const now = clock();
    assertFresh(timestampMs, now, 'X-Slack-Request-Timestamp');
    const expected = `v0=${hmac('sha256', options.signingSecret, `v0:${stamp}:`, rawBody).toString('hex')}`;
    if (!safeEqual(signature, expected)) throw unauthorized('X-Slack-Signature does not match the body (check SLACK_SIGNING_SECRET)');

    assertWellFormed(text, form);
    if (!replays.firstTime(signature, timestampMs + SIGNATURE_WINDOW_MS, now)) {
      sendJson(res, 200, { ok: true, duplicate: true });
      return;
    }
    handOver(listener, req, res, rawBody);
  };
}

function assertWellFormed(text: string, form: URLSearchParams | undefined): void {
  const payload = form === undefined ? text : form.get('payload');
  if (payload === null) return;
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload);
  } catch {
    throw new HttpError(400, 'malformed_body', form === undefined ? 'the body is not valid JSON' : 'the form field "payload" is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new HttpError(400, 'malformed_body', form === undefined ? 'the body is not a JSON object' : 'the form field "payload" is not a JSON object');
  }
}

/** Bolt reads `rawBody` when a request carries one, instead of the (consumed) stream. */
function handOver(listener: RequestListener, req: IncomingMessage, res: ServerResponse, rawBody: Buffer): void {
  (req as IncomingMessage & { rawBody?: Buffer }).rawBody = rawBody;
  void listener(req, res);
}
