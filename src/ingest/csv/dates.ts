/**
 * Reading the dates and durations of helpdesk CSV exports. The rules (also in
 * docs/import.md):
 *
 * Dates, after trimming:
 * - ISO 8601 and its space-separated form, year first: `2024-03-05`,
 *   `2024-03-05 14:30`, `2024-03-05T14:30:15.250`, `2024/03/05 14:30`; with a
 *   zone (`Z`, `UTC`, `+07:00`, `+0700`, `+07`) the zone is used, without one the
 *   time is wall-clock time in the import's time zone.
 * - Numeric day and month with a four-digit year last, separated by `/`, `.` or
 *   `-`, optionally with `H:MM[:SS]` and `AM`/`PM`: `29/2/2016 01:16`,
 *   `05-03-2024 14:30`, `3/25/2024 2:30 PM`. The order is day-first (the UCI
 *   log, most of the world) unless `--date-order mdy` says month-first. In the
 *   default `auto` order a value that can only be month-first (`3/25/2024`) is
 *   read month-first, and the reader counts such values and the ambiguous ones it
 *   read day-first, so the import can warn when a file mixes them.
 * - Month names: `5 Mar 2024 2:30 PM`, `05-Mar-2024 14:30`, `Mar 5, 2024 14:30`; day first, the
 *   year may have two digits (20yy): `25/Feb/26 10:17 PM` (Jira).
 * - Epoch seconds (10 digits) or milliseconds (13 digits).
 * Anything else (other two-digit years, `31/02/2024`, `25:00`, Excel serial numbers,
 * zone abbreviations such as `IST`) is not a date.
 *
 * Wall-clock times are turned into instants with @date-fns/tz: a time inside a
 * spring-forward gap moves forward by the gap (02:30 becomes 03:30), an
 * ambiguous fall-back time is read as its first occurrence (daylight time).
 */
import { localInstant } from '../../kpi/periods.js';
import { lookup } from '../values.js';

export type DateOrder = 'auto' | 'dmy' | 'mdy';
export const DATE_ORDERS: readonly DateOrder[] = ['auto', 'dmy', 'mdy'];

const MONTHS: Record<string, number> = {
  jan: 1, january: 1, feb: 2, february: 2, mar: 3, march: 3, apr: 4, april: 4, may: 5, jun: 6, june: 6,
  jul: 7, july: 7, aug: 8, august: 8, sep: 9, sept: 9, september: 9, oct: 10, october: 10, nov: 11, november: 11,
  dec: 12, december: 12,
};

// The clock part shared by every form: H:MM[:SS[.fff]] [AM|PM]
const TIME = String.raw`(?:(?:[T ]|,\s*|\s+(?:at\s+)?)(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?\s*([ap]\.?m\.?)?)?`;
const ZONE = String.raw`\s*(Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?`;
const ISO = new RegExp(String.raw`^(\d{4})[-/](\d{1,2})[-/](\d{1,2})${TIME}${ZONE}$`, 'i');
const NUMERIC = new RegExp(String.raw`^(\d{1,2})([./-])(\d{1,2})\2(\d{4})${TIME}${ZONE}$`, 'i');
// The year may have two digits only here, after a month name, where the order cannot be misread: Jira's
// `25/Feb/26 10:17 PM` (read as 20yy).
const DAY_MONTH_NAME = new RegExp(String.raw`^(\d{1,2})[ /-]([a-z]{3,9})\.?[ /-](\d{4}|\d{2})${TIME}${ZONE}$`, 'i');
const MONTH_NAME_DAY = new RegExp(String.raw`^([a-z]{3,9})\.? (\d{1,2}),? (\d{4})${TIME}${ZONE}$`, 'i');

interface Parts {
  year: number;
  month: number;
  day: number;
  clock: (string | undefined)[]; // hour, minute, second, fraction, am/pm
  zone: string | undefined;
}

export class DateReader {
  /** Values that could be read either way and were read day-first (auto order). */
  ambiguousDayFirst = 0;
  /** Values read month-first because they cannot be day-first (auto order). */
  monthFirst = 0;
  /** Per zone: the offset of each wall-clock hour (fromWallClock). */
  private readonly offsets = new Map<string, Map<number, number>>();

  constructor(
    readonly timeZone: string,
    readonly order: DateOrder = 'auto',
  ) {}

  /**
   * Epoch milliseconds, or undefined when the text is not a date by the rules above. A time written without a
   * zone is wall-clock time in `zone` (a column's own, named in its header), else in the reader's.
   */
  read(text: string, zone: string = this.timeZone): number | undefined {
    const value = text.trim();
    if (/^\d{10}$/.test(value)) return Number(value) * 1000;
    if (/^\d{13}$/.test(value)) return Number(value);
    const parts = this.parts(value);
    if (parts === undefined) return undefined;
    const { year, month, day } = parts;
    const [hourText, minuteText, secondText, fraction, meridiem] = parts.clock;
    let hour = hourText === undefined ? 0 : Number(hourText);
    const minute = minuteText === undefined ? 0 : Number(minuteText);
    const second = secondText === undefined ? 0 : Number(secondText);
    const ms = fraction === undefined ? 0 : Math.floor(Number(`0.${fraction}`) * 1000);
    if (meridiem !== undefined) {
      if (hour < 1 || hour > 12) return undefined;
      const pm = meridiem.toLowerCase().startsWith('p');
      hour = (hour % 12) + (pm ? 12 : 0);
    }
    if (year < 1900 || year > 2199 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
    if (hour > 23 || minute > 59 || second > 59) return undefined;
    const wall = Date.UTC(year, month - 1, day, hour, minute, second, ms);
    if (parts.zone !== undefined) {
      const offset = zoneOffsetMinutes(parts.zone);
      return offset === undefined ? undefined : wall - offset * 60_000;
    }
    return this.fromWallClock(wall, zone);
  }

  private parts(value: string): Parts | undefined {
    let match = ISO.exec(value);
    if (match !== null) return { year: Number(match[1]), month: Number(match[2]), day: Number(match[3]), clock: match.slice(4, 9), zone: match[9] };
    match = NUMERIC.exec(value);
    if (match !== null) {
      const first = Number(match[1]);
      const second = Number(match[3]);
      const order = this.numericOrder(first, second);
      if (order === undefined) return undefined;
      const [day, month] = order === 'dmy' ? [first, second] : [second, first];
      return { year: Number(match[4]), month, day, clock: match.slice(5, 10), zone: match[10] };
    }
    match = DAY_MONTH_NAME.exec(value);
    if (match !== null) {
      const month = lookup(MONTHS, (match[2] ?? '').toLowerCase());
      if (month === undefined) return undefined;
      const year = match[3] ?? '';
      return { year: year.length === 2 ? 2000 + Number(year) : Number(year), month, day: Number(match[1]), clock: match.slice(4, 9), zone: match[9] };
    }
    match = MONTH_NAME_DAY.exec(value);
    if (match !== null) {
      const month = lookup(MONTHS, (match[1] ?? '').toLowerCase());
      if (month === undefined) return undefined;
      return { year: Number(match[3]), month, day: Number(match[2]), clock: match.slice(4, 9), zone: match[9] };
    }
    return undefined;
  }

  private numericOrder(first: number, second: number): 'dmy' | 'mdy' | undefined {
    if (this.order !== 'auto') return this.order;
    if (first > 12 && second > 12) return undefined;
    if (first > 12) return 'dmy';
    if (second > 12) {
      this.monthFirst += 1;
      return 'mdy';
    }
    if (first !== second) this.ambiguousDayFirst += 1;
    return 'dmy';
  }

  /**
   * Wall-clock time in the reader's zone → epoch ms. localInstant is exact but slow
   * (it asks Intl for each value), so the offset is cached per wall-clock hour
   * whenever both ends of that hour have the same offset; an hour holding a
   * transition is converted value by value.
   */
  private fromWallClock(wall: number, zone: string): number {
    if (/^(utc|etc\/utc|gmt|etc\/gmt|z)$/i.test(zone)) return wall;
    let offsets = this.offsets.get(zone);
    if (offsets === undefined) {
      offsets = new Map();
      this.offsets.set(zone, offsets);
    }
    const hour = Math.floor(wall / 3_600_000);
    let offset = offsets.get(hour);
    if (offset === undefined) {
      const start = hour * 3_600_000;
      const end = start + 3_599_999;
      const startOffset = start - exact(start, zone);
      offset = end - exact(end, zone) === startOffset ? startOffset : Number.NaN;
      if (offsets.size >= 100_000) offsets.clear();
      offsets.set(hour, offset);
    }
    return Number.isNaN(offset) ? exact(wall, zone) : wall - offset;
  }
}

/** Wall-clock time in `zone` → epoch ms; a repeated autumn hour is its first occurrence (summer time). */
function exact(wall: number, zone: string): number {
  const d = new Date(wall);
  return localInstant(zone, d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds());
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** A written offset in minutes; undefined for one no place has (over 14 hours, or minutes past 59). */
function zoneOffsetMinutes(zone: string): number | undefined {
  if (/^(z|utc|gmt)$/i.test(zone)) return 0;
  const match = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone);
  if (match === null) return 0;
  const hours = Number(match[2]);
  const mins = Number(match[3] ?? '0');
  if (mins > 59 || hours * 60 + mins > 14 * 60) return undefined;
  const minutes = hours * 60 + mins;
  return match[1] === '-' ? -minutes : minutes;
}

export type DurationUnit = 'seconds' | 'minutes' | 'hours';

const UNIT_SECONDS: Record<string, number> = {
  d: 86_400, day: 86_400, days: 86_400,
  h: 3600, hr: 3600, hrs: 3600, hour: 3600, hours: 3600,
  m: 60, min: 60, mins: 60, minute: 60, minutes: 60,
  s: 1, sec: 1, secs: 1, second: 1, seconds: 1,
};
const BARE_SECONDS: Record<DurationUnit, number> = { seconds: 1, minutes: 60, hours: 3600 };

/**
 * A duration in whole seconds, or undefined. Forms: `2h 30m`, `2h30m`,
 * `5.5 hours`, `45 min`, `1 day 2 hours`, `1:30:00` (H:MM:SS, hours not capped
 * at 24), `1:30` (H:MM), ISO 8601 `PT2H30M`, and a bare number, read in
 * `bareUnit` (seconds unless the column's header names another unit).
 */
export function parseDuration(text: string, bareUnit: DurationUnit = 'seconds'): number | undefined {
  const value = text.trim().toLowerCase();
  if (value === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * BARE_SECONDS[bareUnit]);
  const clock = /^(\d+):([0-5]\d)(?::([0-5]\d))?$/.exec(value);
  if (clock !== null) return Number(clock[1]) * 3600 + Number(clock[2]) * 60 + Number(clock[3] ?? '0');
  const iso = /^p(?:(\d+(?:\.\d+)?)d)?(?:t(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s)?)?$/.exec(value);
  if (iso !== null && value !== 'p' && value !== 'pt' && !value.endsWith('t')) {
    const [, d, h, m, s] = iso;
    return Math.round(Number(d ?? 0) * 86_400 + Number(h ?? 0) * 3600 + Number(m ?? 0) * 60 + Number(s ?? 0));
  }
  const pieces = /^(?:\d+(?:\.\d+)?\s*[a-z]+(?:\s*,\s*|\s+and\s+|\s*))+$/.test(value) ? [...value.matchAll(/(\d+(?:\.\d+)?)\s*([a-z]+)/g)] : [];
  if (pieces.length === 0) return undefined;
  let total = 0;
  for (const [, amount, unit] of pieces) {
    const seconds = lookup(UNIT_SECONDS, unit ?? '');
    if (seconds === undefined) return undefined;
    total += Number(amount) * seconds;
  }
  return Math.round(total);
}

/** The unit a column's header names for its bare numbers ("First reply time in minutes", "Resolution time (in hrs)"), if any. */
export function headerUnit(header: string): DurationUnit | undefined {
  const text = header.trim().toLowerCase();
  if (/\bin\s+min(?:ute)?s?\b|\(\s*(?:in\s+)?min(?:ute)?s?\s*\)|[_ ]min(?:ute)?s$/.test(text)) return 'minutes';
  if (/\bin\s+(?:hrs?|hours?)\b|\(\s*(?:in\s+)?(?:hrs?|hours?)\s*\)|[_ ](?:hrs|hours)$/.test(text)) return 'hours';
  if (/\bin\s+sec(?:ond)?s?\b|\(\s*(?:in\s+)?sec(?:ond)?s?\s*\)|[_ ]sec(?:ond)?s$/.test(text)) return 'seconds';
  return undefined;
}
