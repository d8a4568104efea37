/** Bolt and the Slack SDKs log through this adapter into our structured logger. */
import { LogLevel, type Logger as BoltLogger } from '@slack/bolt';
import type { Logger } from '../logger.js';

const LEVELS: Record<string, LogLevel> = { debug: LogLevel.DEBUG, info: LogLevel.INFO, warn: LogLevel.WARN, error: LogLevel.ERROR };

export function boltLogger(logger: Logger): BoltLogger {
  const child = logger.child({ component: 'slack' });
  const line = (parts: unknown[]) => withoutBodies(parts.map((part) => (part instanceof Error ? part.message : typeof part === 'string' ? part : JSON.stringify(part))).join(' '));
  return {
    debug: (...parts: unknown[]) => child.debug(line(parts)),
    info: (...parts: unknown[]) => child.info(line(parts)),
    warn: (...parts: unknown[]) => child.warn(line(parts)),
    error: (...parts: unknown[]) => child.error(line(parts)),
    // Our logger's level is set from LOG_LEVEL once; Bolt may ask but not change it.
    setLevel: () => undefined,
    getLevel: () => LEVELS[child.level] ?? LogLevel.ERROR,
    setName: () => undefined,
  };
}

/**
 * The SDKs' lines (at debug level mostly) quote whole request and response
 * bodies: a `/kpi link` command's e-mail address, a `users.info` profile, a
 * post's blocks with agents' names. Personal data is not logged: a line is kept
 * up to where such a body starts (`{`, `[`, `body:`, `payload`, `data:`).
 */
export function withoutBodies(text: string): string {
  const at = text.search(/[{[]|\bbody:|\bpayload|\bdata: /i);
  return at < 0 ? text : `${text.slice(0, at).trimEnd()} [body not logged]`;
}
