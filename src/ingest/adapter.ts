/**
 * One adapter per helpdesk behind one interface: check authenticity over the
 * raw bytes, name the delivery for idempotency, and parse the JSON into
 * normalized events. Adapters are pure apart from reading configuration.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { WebhookSecrets } from '../config.js';
import { KpiBotError } from '../errors.js';
import type { NormalizedEvent } from './events.js';

export interface WebhookRequest {
  readonly rawBody: Buffer;
  readonly headers: IncomingHttpHeaders;
  /** When the request arrived (epoch ms): the clock for timestamp windows. */
  readonly receivedAt: number;
}

export interface ParseContext {
  readonly headers: IncomingHttpHeaders;
  readonly receivedAt: number;
  /** IANA zone of the source's times that carry no offset (FRESHDESK_TIMEZONE); UTC when not given. */
  readonly timezone?: string;
}

export interface SourceAdapter {
  readonly source: string;
  /** The variable(s) to set, named in the refusal when the source is not configured. */
  readonly credentialHint: string;
  isConfigured(secrets: WebhookSecrets): boolean;
  /** Throws an HttpError (401) when the request is not authentic. */
  verify(request: WebhookRequest, secrets: WebhookSecrets): void;
  /** The vendor's own delivery or event id, when it sends one; else a content hash is used. */
  deliveryId(request: WebhookRequest, body: unknown): string | undefined;
  /** Throws a PayloadShapeError when the JSON is valid but not a shape this source sends. */
  parse(body: unknown, context: ParseContext): NormalizedEvent[];
}

/** Valid JSON that is not a payload this source sends: answered 422 and kept for inspection. */
export class PayloadShapeError extends KpiBotError {
  constructor(message: string) {
    super('unknown_shape', message, 422);
  }
}
