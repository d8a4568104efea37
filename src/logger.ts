/**
 * Structured JSON logs (pino), one line per record, with a level. Services take
 * a Logger as an argument; none builds its own. Known secret-bearing fields are
 * censored wherever they appear, and callers log ids and counts, never ticket or
 * personal data.
 */
import { pino, type Logger as PinoLogger, type DestinationStream } from 'pino';
import type { LogLevel } from './config.js';

export type Logger = PinoLogger;

const REDACTED_KEYS = [
  'token', 'botToken', 'appToken', 'signingSecret', 'secret', 'password', 'authorization', 'cookie',
  'connectionString', 'x-zendesk-webhook-signature', 'x-hub-signature', 'x-helpscout-signature',
  'webhook-signature', 'x-slack-signature', 'x-webhook-token', 'x-zdesk-jwt',
];

/** A JSON logger writing to `destination`, or standard output (fd 1); the CLI's own commands log to fd 2. */
export function createLogger(level: LogLevel, destination?: DestinationStream | number): Logger {
  return pino(
    {
      level,
      base: { app: 'kpibot' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: {
        paths: REDACTED_KEYS.flatMap((key) => [quote(key), `*.${quote(key)}`, `*.*.${quote(key)}`]),
        censor: '[redacted]',
      },
    },
    typeof destination === 'object' ? destination : pino.destination({ fd: destination ?? 1, sync: true }),
  );
}

function quote(key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? key : `["${key}"]`;
}

/** A logger that writes nothing, for tests and library use. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/**
 * At most one log line per key per interval: the first at once, then one an interval, each saying how many were held
 * back since the last (so a flood of the same failure cannot flood the log).
 */
export class LogThrottle {
  private readonly seen = new Map<string, { at: number; held: number }>();

  constructor(private readonly intervalMs: number) {}

  /** When a line is due now, how many were held back before it; undefined when this one is held back. */
  due(key: string, now: number): number | undefined {
    const last = this.seen.get(key);
    if (last !== undefined && now - last.at < this.intervalMs) {
      last.held += 1;
      return undefined;
    }
    // Keys may come from requests (a path): a few thousand at most are remembered.
    if (this.seen.size >= 5_000) this.seen.clear();
    this.seen.set(key, { at: now, held: 0 });
    return last?.held ?? 0;
  }
}
