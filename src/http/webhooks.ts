/**
 * POST /webhooks/:source. The order of checks: known source (404), configured
 * (503, so the vendor retries once the operator sets the secret), JSON content
 * type (415), body within 1 MiB (413), authentic over the raw bytes (401), valid
 * JSON (400), a shape the source sends (422, kept as a rejected delivery), then
 * the delivery and its events committed in one transaction before any 2xx.
 * Work that may follow (alerts) runs after the answer, through `afterCommit`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { WebhookSecrets } from '../config.js';
import { HttpError, describeError } from '../errors.js';
import { LogThrottle, type Logger } from '../logger.js';
import { PayloadShapeError, type SourceAdapter, type WebhookRequest } from '../ingest/adapter.js';
import { checkEvents } from '../ingest/events.js';
import { redactPayload } from '../ingest/redact.js';
import { sha256Hex } from '../ingest/signatures.js';
import { clipText } from '../ingest/values.js';
import type { DeliveryOutcome, IngestStore } from '../store/ingest-store.js';
import { readBody, sendError, sendJson } from './respond.js';
import type { RouteHandler } from './server.js';

/** An event may be dated this far after its delivery arrived (clocks differ by seconds), not more; as `kpibot import` allows. */
const FUTURE_TOLERANCE_MS = 86_400_000;

export interface WebhookDeps {
  readonly adapters: ReadonlyMap<string, SourceAdapter>;
  readonly secrets: WebhookSecrets;
  /** Per source, the zone of its times without an offset (only Freshdesk renders such times). */
  readonly timezones?: Readonly<Record<string, string>>;
  readonly store: IngestStore;
  readonly logger: Logger;
  readonly clock?: () => number;
  /** Runs after the 2xx answer has been sent; its failures are logged, never answered. */
  readonly afterCommit?: (source: string, outcome: DeliveryOutcome) => Promise<void> | void;
}

/**
 * GET /webhooks/:source: some helpdesks (Zoho Desk) check a URL with a GET
 * before they send to it. Answers whether the source exists; reveals nothing else.
 */
export function webhookProbeHandler(adapters: ReadonlyMap<string, SourceAdapter>): RouteHandler {
  return (_req, res, params) => {
    const source = params.source ?? '';
    if (!adapters.has(source)) throw new HttpError(404, 'unknown_source', `no webhook source named "${source}"`);
    sendJson(res, 200, { ok: true, source });
  };
}

/**
 * Refused (401) webhooks in the log: the first of a source and reason at once, then at most one a minute, saying how
 * many more were refused meanwhile (`alsoRefused`), so a flood of forged requests cannot flood the log. Sources and
 * reason codes are the bot's own words, so the map stays small.
 */
export class RefusalLog {
  private readonly throttle: LogThrottle;

  constructor(
    private readonly logger: Logger,
    intervalMs = 60_000,
  ) {
    this.throttle = new LogThrottle(intervalMs);
  }

  refused(source: string, reason: string, detail: string, now: number): void {
    const held = this.throttle.due(`${source}\u0000${reason}`, now);
    if (held === undefined) return;
    this.logger.warn({ source, reason, detail, ...(held === 0 ? {} : { alsoRefused: held }) }, 'webhook refused');
  }
}

export function webhookHandler(deps: WebhookDeps): RouteHandler {
  const clock = deps.clock ?? Date.now;
  const refusals = new RefusalLog(deps.logger);
  // Rejected (422) bodies are kept for `kpibot deliveries --rejected`: the log says the first of a source and reason, then one a minute.
  const rejections = new LogThrottle(60_000);
  return async (req: IncomingMessage, res: ServerResponse, params: Record<string, string>) => {
    const source = params.source ?? '';
    const adapter = deps.adapters.get(source);
    if (adapter === undefined) {
      req.resume();
      throw new HttpError(404, 'unknown_source', `no webhook source named "${source}"; known sources: ${[...deps.adapters.keys()].join(', ')}`);
    }
    if (!adapter.isConfigured(deps.secrets)) {
      req.resume();
      throw new HttpError(503, 'source_not_configured', `the ${source} webhook is not configured: set ${adapter.credentialHint} and restart`);
    }
    const contentType = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    if (contentType !== 'application/json' && !contentType.endsWith('+json')) {
      req.resume();
      throw new HttpError(415, 'unsupported_media_type', `expected Content-Type application/json, got "${contentType || 'none'}"`);
    }
    // Bodies are read as sent, never inflated (a small gzip can inflate without bound): a compressed one is refused.
    const encoding = (req.headers['content-encoding'] ?? '').trim().toLowerCase();
    if (encoding !== '' && encoding !== 'identity') {
      req.resume();
      throw new HttpError(415, 'unsupported_content_encoding', `send the body uncompressed: Content-Encoding "${encoding.slice(0, 40)}" is not accepted`);
    }

    const rawBody = await readBody(req);
    const receivedAt = clock();
    const request: WebhookRequest = { rawBody, headers: req.headers, receivedAt };
    try {
      adapter.verify(request, deps.secrets);
    } catch (error) {
      // Said in the log too: a wrong secret or organisation is the operator's to fix, and the answer goes to the helpdesk.
      if (error instanceof HttpError && error.httpStatus === 401) refusals.refused(source, error.code, error.message, receivedAt);
      throw error;
    }

    let body: unknown;
    let text: string;
    try {
      // JSON is UTF-8 (RFC 8259): bytes that are not are refused, not replaced by U+FFFD (which made distinct ids one).
      text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(rawBody);
      body = JSON.parse(text);
    } catch (error) {
      throw new HttpError(400, 'malformed_json', `the body is not valid JSON: ${describeError(error)}`);
    }

    const bodySha256 = sha256Hex(rawBody);
    const deliveryKey = (adapter.deliveryId(request, body) ?? `sha256:${bodySha256}`).slice(0, 200);
    const record = {
      source,
      deliveryKey,
      receivedAt,
      contentType,
      bodyBytes: rawBody.length,
      bodySha256,
      payload: JSON.stringify(redactPayload(body)),
    };

    let events;
    try {
      // A NUL character (only a \u0000 escape can carry one) is no helpdesk's text, and PostgreSQL's text columns refuse it.
      if (text.includes('\\u0000') && holdsNul(body)) throw new PayloadShapeError('a text in the body holds a NUL character (\\u0000)');
      events = adapter.parse(body, { headers: req.headers, receivedAt, timezone: deps.timezones?.[source] ?? 'UTC' });
      checkEvents(events, receivedAt + FUTURE_TOLERANCE_MS);
    } catch (error) {
      if (!(error instanceof PayloadShapeError)) throw error;
      // The reason may quote the sender's text: cut short, and without NUL characters, for the answer, the log and the column.
      const reason = sendersText(error.message);
      await deps.store.recordRejected({ ...record, reason: error.code, detail: reason });
      const held = rejections.due(`${source}\u0000${error.code}`, clock());
      if (held !== undefined) deps.logger.warn({ source, deliveryKey, reason, ...(held === 0 ? {} : { alsoRejected: held }) }, 'webhook rejected: unknown shape (kpibot deliveries --rejected lists them all)');
      sendError(res, new HttpError(422, error.code, reason));
      return;
    }

    const outcome = await deps.store.recordDelivery(record, events);
    sendJson(res, 200, { ok: true, duplicate: outcome.duplicate, events: outcome.eventsWritten });
    deps.logger.debug({ source, deliveryKey, duplicate: outcome.duplicate, events: outcome.eventsWritten }, 'webhook stored');
    if (deps.afterCommit !== undefined && !outcome.duplicate) {
      try {
        await deps.afterCommit(source, outcome);
      } catch (error) {
        deps.logger.error({ source, err: describeError(error) }, 'after-commit work failed');
      }
    }
  };
}

/** Whether any string in a parsed JSON value, key or value, holds a NUL character. */
function holdsNul(value: unknown): boolean {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const item = stack.pop();
    if (typeof item === 'string') {
      if (item.includes('\u0000')) return true;
    } else if (item !== null && typeof item === 'object') {
      for (const [key, child] of Object.entries(item)) {
        if (key.includes('\u0000')) return true;
        stack.push(child);
      }
    }
  }
  return false;
}

/** A refusal's reason, which may quote what was sent: NUL characters replaced, and at most 300 characters. */
function sendersText(message: string): string {
  return clipText(message.replaceAll('\u0000', '\ufffd'), 300);
}
