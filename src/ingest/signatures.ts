/**
 * Signature checks shared by the adapters: HMACs over the raw body bytes,
 * compared in constant time, and timestamp windows against replay.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { HttpError } from '../errors.js';

export const SIGNATURE_WINDOW_MS = 5 * 60 * 1000;

export function hmac(algorithm: 'sha1' | 'sha256', key: string | Buffer, ...parts: (string | Buffer)[]): Buffer {
  const mac = createHmac(algorithm, key);
  for (const part of parts) mac.update(part);
  return mac.digest();
}

/**
 * Constant-time equality of two byte strings of any length: both are hashed
 * first, so neither the contents nor the length of the expected value leak.
 */
export function safeEqual(a: Buffer | string, b: Buffer | string): boolean {
  const digest = (value: Buffer | string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(a), digest(b)) && Buffer.byteLength(a) === Buffer.byteLength(b);
}

export function header(headers: Readonly<Record<string, string | string[] | undefined>>, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

export function unauthorized(message: string): HttpError {
  return new HttpError(401, 'bad_signature', message);
}

/** Refuses a timestamp (epoch ms) more than the window away from now, either way. */
export function assertFresh(timestampMs: number, now: number, what: string): void {
  if (!Number.isFinite(timestampMs)) throw new HttpError(401, 'bad_timestamp', `${what} is not a valid timestamp`);
  if (Math.abs(now - timestampMs) > SIGNATURE_WINDOW_MS) {
    throw new HttpError(401, 'stale_timestamp', `${what} is more than 5 minutes away from the server's clock`);
  }
}

export function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * The shared token a request offers, for helpdesks that sign nothing: the
 * `X-Webhook-Token` header and the HTTP Basic password (whatever the username).
 */
export function offeredTokens(headers: Readonly<Record<string, string | string[] | undefined>>): string[] {
  const offered: string[] = [];
  const custom = header(headers, 'x-webhook-token');
  if (custom !== undefined && custom !== '') offered.push(custom);
  const authorization = header(headers, 'authorization');
  const basic = authorization === undefined ? null : /^basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(authorization);
  if (basic !== null) {
    const decoded = Buffer.from(basic[1] ?? '', 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon >= 0) offered.push(decoded.slice(colon + 1));
  }
  return offered;
}
