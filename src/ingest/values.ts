/**
 * Reading untyped JSON safely: each helper returns a typed value or undefined,
 * or throws a PayloadShapeError naming the path, so adapters stay short and a
 * bad payload never reaches the store.
 */
import { PayloadShapeError } from './adapter.js';

export type Json = Record<string, unknown>;

export function isObject(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * A ticket's link as the helpdesk sent it, if it is safe to put in a Slack
 * link or button: http(s), at most 500 characters, and without the characters
 * that end Slack's `<url|label>` markup or a URL (`<`, `>`, `|`, blanks,
 * control characters). Otherwise undefined: a URL such as
 * `https://x/t/1|Reset your password> <!channel` would post a fake label and
 * an @channel in every alert about the ticket.
 */
export function linkableUrl(text: string): string | undefined {
  const trimmed = text.trim();
  if (trimmed.length > 500 || !/^https?:\/\//i.test(trimmed) || /[<>|\s\p{Cc}]/u.test(trimmed)) return undefined;
  try {
    new URL(trimmed);
  } catch {
    return undefined;
  }
  return trimmed;
}

/**
 * A name (team, agent, channel, tag) as one line of at most `max` characters: line breaks and other control
 * characters become spaces, direction controls and zero-width spaces are dropped, runs of spaces one, and a cut never splits a character in two. A name is shown inside
 * list lines and bold text in Slack, where a line break would start a line of its own; undefined when nothing is left.
 */
export function oneLine(text: string, max: number): string | undefined {
  // Direction overrides and isolates would turn the figures after a name around ("166" read as "661") and zero-width
  // spaces make two spellings of one name: both go. Joiners stay (emoji sequences and scripts need them).
  const line = text.replace(/[\u200B\u200E\u200F\u202A-\u202E\u2060\u2066-\u2069\uFEFF]+/gu, '').replace(/[\p{Cc}\u2028\u2029]+/gu, ' ').replace(/\s{2,}/g, ' ').trim();
  const cut = line.length <= max ? line : Array.from(line).slice(0, max).join('').trimEnd();
  return cut === '' ? undefined : cut;
}

/** Text from a request, cut to `max` characters (and an ellipsis) for an error message or a log line. */
export function clipText(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/**
 * A value the sender put where a code belongs, quoted for an error message (kept with a rejected delivery, logged,
 * answered): a misplaced placeholder can carry someone's text, e-mail or phone number, so anything longer than a
 * code, with an address, or with more than six digits is given as its length only.
 */
export function quoted(value: unknown): string {
  const text = typeof value === 'string' ? value : jsonText(value);
  const digits = text.replace(/\D/g, '').length;
  if (text.length > MAX_QUOTED || /[^\s@]+@[^\s@]+/.test(text) || digits > 6) return `[${[...text].length} characters]`;
  return JSON.stringify(text);
}
const MAX_QUOTED = 40;

/** A value as JSON, for an error message or a comparison; one nested too deep to write (thousands of levels) is named as such. */
export function jsonText(value: unknown): string {
  try {
    return JSON.stringify(value ?? null) ?? String(value);
  } catch {
    return Array.isArray(value) ? '[a list nested too deep]' : '[a value nested too deep]';
  }
}

export function object(value: unknown, path: string): Json {
  if (!isObject(value)) throw new PayloadShapeError(`${path} must be an object`);
  return value;
}

/** A non-empty string (numbers are accepted and turned into strings: ids often arrive as either). */
export function optionalString(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) {
    // 12345678901234567891 arrives as 12345678901234567000: two ids would become one. Sent as a string, it stays whole.
    if (Number.isInteger(value) && !Number.isSafeInteger(value)) throw new PayloadShapeError(`the number ${String(value)} is too large to be read exactly: send ids this long as strings`);
    return String(value);
  }
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

export function requiredString(value: unknown, path: string): string {
  const text = optionalString(value);
  if (text === undefined) throw new PayloadShapeError(`${path} is missing`);
  return text;
}

/**
 * `table[key]` for a key from a payload, own entries only: a plain lookup
 * would answer "constructor" or "__proto__" with Object's own members.
 */
export function lookup<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

/** The latest instant a JavaScript Date holds (epoch ms); a time beyond it, or before 1970, is not a time a helpdesk sends. */
export const MAX_TIME = 8.64e15;
export const isTime = (ms: number): boolean => Number.isFinite(ms) && ms >= 0 && ms <= MAX_TIME;

export function optionalNumber(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return undefined;
}

export function optionalBoolean(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === '1' || value === 1) return true;
  if (value === 'false' || value === '0' || value === 0) return false;
  return undefined;
}

/**
 * A time from an ISO-8601 string (with or without seconds or a zone; without a
 * zone it is read as UTC), or from epoch seconds / milliseconds; never free
 * text such as "May 18". Returns epoch ms,
 * or undefined for anything else, a time before 1970 or beyond MAX_TIME included.
 */
const ISO_TIME = /^\d{4}-\d\d-\d\d(T\d\d:\d\d(:\d\d(\.\d{1,3})?)?)?(Z|[+-]\d\d:\d\d)$/i;

export function optionalTime(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) {
    const ms = value < 1e11 ? Math.round(value * 1000) : Math.round(value);
    return isTime(ms) ? ms : undefined;
  }
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return optionalTime(Number(text));
  // Zendesk renders "2013-12-12T05:35Z" (no seconds) and "+0100" offsets; Date.parse wants seconds and "+01:00".
  const normalized = text
    .replace(/^(\d{4}-\d\d-\d\d)[ T](\d\d:\d\d)(?=Z|[+-]\d|$)/, '$1T$2:00')
    .replace(/([+-]\d\d)(\d\d)$/, '$1:$2')
    .replace(/\.(\d{3})\d+/, '.$1');
  const withZone = /(Z|[+-]\d\d:\d\d)$/i.test(normalized) ? normalized : `${normalized.replace(' ', 'T')}Z`;
  // ISO 8601 only: Date.parse also reads free text, so a Zendesk placeholder rendered "May 18" became 18 May 2001.
  if (!ISO_TIME.test(withZone)) return undefined;
  const ms = Date.parse(withZone);
  return isTime(ms) ? ms : undefined;
}

export function requiredTime(value: unknown, path: string): number {
  const ms = optionalTime(value);
  if (ms === undefined) throw new PayloadShapeError(`${path} is not a valid time`);
  return ms;
}

export function stringList(value: unknown): string[] | undefined {
  if (Array.isArray(value)) return value.map(optionalString).filter((item): item is string => item !== undefined);
  if (typeof value === 'string') return value.split(/[\s,]+/).filter((item) => item !== '');
  return undefined;
}

/**
 * A list of tags as helpdesks send them: names, or objects naming the tag under one of `nameKeys` (`{ name }`, Help
 * Scout's `{ tag }`). undefined when the value is no list; items without a name are left out.
 */
export function tagList(value: unknown, nameKeys: readonly string[] = ['name']): string[] | undefined {
  if (!Array.isArray(value)) return undefined;
  return value.flatMap((tag) => {
    const name = isObject(tag) ? nameKeys.map((key) => optionalString(tag[key])).find((found) => found !== undefined) : optionalString(tag);
    return name === undefined ? [] : [name];
  });
}

/** The object without its undefined fields (events carry only what they know). */
export function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined)) as T;
}
