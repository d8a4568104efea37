/**
 * Period words → half-open UTC intervals `[from, to)` (epoch ms) cut in an IANA
 * time zone, plus the period each one is compared with. Pure: `now` is passed
 * in, nothing is read from the clock or the environment.
 *
 * Every day boundary is the local midnight of the zone (the first instant of
 * the local day: where midnight falls in a spring-forward gap, as in
 * America/Santiago or America/Havana, the day starts when the clock jumps), so
 * a day is 23, 24 or 25 hours long across DST changes. Weeks are ISO weeks
 * (Monday to Sunday), quarters start in January, April, July and October.
 *
 * The words (case-insensitive, surrounding blanks ignored):
 * - `today`: the start of today to now.
 * - `yesterday`: the whole of yesterday.
 * - `<N>d` (N 1..3660; `7d`, `30d`, `90d` are the usual ones): "the last N
 *   days, today included": from the start of the day N−1 days ago to now. `1d`
 *   is `today`.
 * - `<N>h` (N 1..2000, e.g. `24h`): the last N×60 minutes to now, whatever the
 *   calendar says.
 * - `this-week`, `this-month`, `this-quarter`, `this-year`: the start of the
 *   current week/month/quarter/year to now.
 * - `last-week`, `last-month`, `last-quarter`, `last-year`: the whole previous
 *   week/month/quarter/year.
 * - `YYYY-MM-DD`: that day. `YYYY-MM-DD..YYYY-MM-DD`: both days inclusive, whole
 *   days. `YYYY-MM-DD..`: from that day to now. A range or day that reaches
 *   past now ends at now; one that starts after now is refused, and so is an
 *   end before the start. Years 1970..9999.
 *
 * The comparison period (`previous`):
 * - A complete period (`yesterday`, `last-*`, a range or day wholly in the
 *   past) compares with the preceding period of equal calendar length:
 *   yesterday vs the day before, last-month vs the month before (whatever its
 *   number of days), a range of D days vs the D days before it. It ends where
 *   the period starts.
 * - A period still running (`today`, `this-*`, `<N>d`, a range reaching now)
 *   compares with the same span one period-length earlier, cut at the same
 *   local date and clock time: "this month so far" vs "last month up to the
 *   same day and time", `today` vs yesterday up to the same clock time, `7d` vs
 *   the 7 days before it up to the same weekday and clock time a week ago. A
 *   day of the month the earlier month lacks (March 31 → February) cuts at the
 *   end of that month, so the whole earlier month is compared. The cut is taken
 *   on the local clock, not by elapsed milliseconds, so across a DST change the
 *   two spans may differ by an hour (a clock time inside a spring-forward gap
 *   moves forward by the gap, as @date-fns/tz resolves it).
 * - `<N>h` compares with the N hours before it.
 *
 * The label is the local dates covered, `2026-10-01 – 2026-10-31`, or one date
 * for a single whole day; a period that ends at now shows the local clock time
 * of its end (`2026-11-16 – 2026-11-22 10:20`, `2026-11-22 00:00 – 10:20`); an
 * hour period shows date and time at both ends.
 *
 * Averages: `unitsIn` / `daysIn` count calendar units fractionally, each unit
 * measured against its own real length: a whole local day is 1 whether it lasts
 * 23, 24 or 25 hours, October is 31 days and 1 month, today up to 10:20 is
 * 10h20m / 24h ≈ 0.43 day, a week is 7 days; an empty period counts 0. Divide a
 * total by them for "per day / week / month". `bucketStarts` lists the local
 * starts of the days, ISO weeks or months a period touches (partial ones
 * included), for per-bucket series.
 */
import { TZDate } from '@date-fns/tz';
import { KpiBotError } from '../errors.js';

/** The fixed period words (for help texts and "did you mean"); `<N>d`, `<N>h` and dates are also accepted. */
export const PERIOD_WORDS = [
  'today',
  'yesterday',
  '7d',
  '30d',
  '90d',
  'this-week',
  'last-week',
  'this-month',
  'last-month',
  'this-quarter',
  'last-quarter',
  'this-year',
  'last-year',
] as const;

/** A half-open UTC interval: epoch ms, `from` inclusive, `to` exclusive. */
export interface Interval {
  from: number;
  to: number;
}

export interface Period {
  /** The word as read: trimmed and lower-cased. */
  word: string;
  /** The local dates covered, e.g. "2026-10-01 – 2026-10-31". */
  label: string;
  from: number;
  to: number;
  timezone: string;
  previous: Interval;
}

/**
 * The instant a period's open-ticket numbers (backlog, overdue, their ticket
 * lists and ages) are taken at: its end, or now while it runs.
 */
export function periodInstant(period: { readonly to: number }, now: number): number {
  return Math.min(now, period.to);
}

export type CalendarUnit = 'day' | 'week' | 'month';

export const MAX_PERIOD_DAYS = 3660;
export const MAX_PERIOD_HOURS = 2000;

/** Every accepted form, for error and help texts. */
export const PERIOD_FORMS =
  `${PERIOD_WORDS.join(', ')}, <N>d (N 1-${MAX_PERIOD_DAYS}), <N>h (N 1-${MAX_PERIOD_HOURS}), ` +
  'YYYY-MM-DD, YYYY-MM-DD..YYYY-MM-DD, YYYY-MM-DD.. (to now)';

/** Why a period word was refused: a stable code for translated messages. */
export type PeriodProblem = 'not_a_period' | 'out_of_range' | 'bad_date' | 'ends_before_start' | 'starts_after_now';

/** A period word that cannot be read. */
export class PeriodError extends KpiBotError {
  constructor(
    readonly word: string,
    readonly reason: PeriodProblem,
    problem: string,
  ) {
    super('bad_period', `period "${word}" ${problem}; use one of: ${PERIOD_FORMS}`, 400);
  }
}

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const MIN_YEAR = 1970;

/** A calendar date as days since 1970-01-01 (a "civil day"); arithmetic on dates is arithmetic on these. */
type CivilDay = number;

interface Clock {
  hours: number;
  minutes: number;
  seconds: number;
  ms: number;
}

interface LocalTime {
  day: CivilDay;
  clock: Clock;
}

/**
 * Resolve a period word at `now` (epoch ms) in `timezone` (IANA). Throws a
 * PeriodError for a word it cannot read, a RangeError for an unknown zone or a
 * `now` that is not a finite number.
 */
export function resolvePeriod(word: string, now: number, timezone: string): Period {
  checkZone(timezone);
  if (!Number.isFinite(now)) throw new RangeError(`now must be epoch milliseconds, got ${now}`);
  const normalized = word.trim().toLowerCase();
  const zone = new Zone(timezone);
  const local = zone.local(now);
  const today = local.day;

  const build = (interval: Interval & { previous: Interval }, label: string): Period => ({
    word: normalized,
    label,
    from: interval.from,
    to: interval.to,
    timezone,
    previous: interval.previous,
  });
  const days = (start: CivilDay, end: CivilDay): Period => {
    const interval = dayWindow(zone, start, end, now, local);
    return build(interval, dayLabel(zone, start, end, interval, now));
  };
  const months = (startMonth: number, count: number): Period => {
    const interval = monthWindow(zone, startMonth, count, now, local);
    return build(interval, dayLabel(zone, monthStart(startMonth), monthStart(startMonth + count), interval, now));
  };

  const thisMonth = monthIndexOf(today);
  const thisQuarter = thisMonth - (thisMonth % 3);
  const thisYear = thisMonth - (thisMonth % 12);
  const monday = today - weekdayOf(today);

  switch (normalized) {
    case 'today':
      return days(today, today + 1);
    case 'yesterday':
      return days(today - 1, today);
    case 'this-week':
      return days(monday, monday + 7);
    case 'last-week':
      return days(monday - 7, monday);
    case 'this-month':
      return months(thisMonth, 1);
    case 'last-month':
      return months(thisMonth - 1, 1);
    case 'this-quarter':
      return months(thisQuarter, 3);
    case 'last-quarter':
      return months(thisQuarter - 3, 3);
    case 'this-year':
      return months(thisYear, 12);
    case 'last-year':
      return months(thisYear - 12, 12);
  }

  const relative = /^(\d{1,5})([dh])$/.exec(normalized);
  if (relative !== null) {
    const count = Number(relative[1]);
    if (relative[2] === 'd') {
      if (count < 1 || count > MAX_PERIOD_DAYS) throw new PeriodError(normalized, 'out_of_range', `is out of range: days go from 1d to ${MAX_PERIOD_DAYS}d`);
      return days(today - count + 1, today + 1);
    }
    if (count < 1 || count > MAX_PERIOD_HOURS) throw new PeriodError(normalized, 'out_of_range', `is out of range: hours go from 1h to ${MAX_PERIOD_HOURS}h`);
    const from = now - count * HOUR_MS;
    const previous = { from: from - count * HOUR_MS, to: from };
    return build({ from, to: now, previous }, `${zone.dateTime(from)} – ${sameDay(zone, from, now) ? zone.time(now) : zone.dateTime(now)}`);
  }

  const range = /^([^.]+)(?:\.\.([^.]*))?$/.exec(normalized);
  if (range !== null && /^\d{4}-/.test(normalized)) {
    const start = parseDate(normalized, range[1] ?? '');
    const open = range[2] === '';
    const end = range[2] === undefined ? start : open ? Math.max(start, today) : parseDate(normalized, range[2]);
    if (end < start) throw new PeriodError(normalized, 'ends_before_start', 'ends before it starts');
    if (zone.midnight(start) > now) throw new PeriodError(normalized, 'starts_after_now', 'starts after now');
    return days(start, end + 1);
  }

  throw new PeriodError(normalized, 'not_a_period', 'is not a period');
}

/**
 * The local starts (epoch ms) of every day, ISO week (Monday) or month that
 * overlaps the interval, in order; the first may lie before `from`. An empty
 * interval gets the one bucket holding `from`. With `limit`, it stops after
 * limit + 1 starts: enough to tell that there are too many, without walking
 * 56 years day by day (a second on the event loop).
 */
export function bucketStarts(period: Interval, unit: CalendarUnit, timezone: string, limit = Number.POSITIVE_INFINITY): number[] {
  checkZone(timezone);
  const zone = new Zone(timezone);
  const starts: number[] = [];
  let day = unitStart(zone.local(period.from).day, unit);
  for (;;) {
    const start = zone.midnight(day);
    // A day a zone skipped entirely (Pacific/Apia, 2011-12-30) has the start of the next one.
    if (starts.length === 0 || start > (starts[starts.length - 1] ?? start)) starts.push(start);
    day = nextUnit(day, unit);
    if (starts.length > limit || zone.midnight(day) >= period.to) break;
  }
  return starts;
}

/** Every day, ISO week or month that overlaps the interval, whole: its local start and the next one's (see bucketStarts). */
export function calendarUnits(period: Interval, unit: CalendarUnit, timezone: string): Interval[] {
  const starts = bucketStarts(period, unit, timezone);
  const zone = new Zone(timezone);
  const last = starts[starts.length - 1] ?? period.from;
  const after = zone.midnight(nextUnit(unitStart(zone.local(last).day, unit), unit));
  return starts.map((from, index) => ({ from, to: starts[index + 1] ?? after }));
}

/**
 * Calendar days, ISO weeks or months in the interval, fractional where it
 * covers part of one; each unit counts against its own length (a 23-hour or
 * 25-hour day is 1 day, February is 1 month). A part of a day is its share of
 * that day's hours; a part of a week or month is its days (so counted) over the
 * unit's days, so a DST day inside it weighs as any other day. 0 for an empty interval.
 */
export function unitsIn(period: Interval, unit: CalendarUnit, timezone: string): number {
  checkZone(timezone);
  if (!(period.to > period.from)) return 0;
  const zone = new Zone(timezone);
  const part = (start: CivilDay, from: number, to: number): number => {
    if (unit !== 'day') return unitsIn({ from, to }, 'day', timezone) / (nextUnit(start, unit) - start);
    const dayStart = zone.midnight(start);
    return (to - from) / (zone.midnight(nextUnit(start, unit)) - dayStart);
  };
  const first = unitStart(zone.local(period.from).day, unit);
  const firstEnd = zone.midnight(nextUnit(first, unit));
  if (period.to <= firstEnd) return part(first, period.from, period.to);
  const last = unitStart(zone.local(period.to).day, unit);
  const lastStart = zone.midnight(last);
  const whole = unitsBetween(nextUnit(first, unit), last, unit);
  return part(first, period.from, firstEnd) + whole + (period.to === lastStart ? 0 : part(last, lastStart, period.to));
}

/** Calendar days in the interval, fractional for a partial day (see unitsIn): the divisor for "per day". */
export function daysIn(period: Interval, timezone: string): number {
  return unitsIn(period, 'day', timezone);
}

// ---------------------------------------------------------------------------

/** Whole local days [start, end); ends at now when it reaches past it. */
function dayWindow(zone: Zone, start: CivilDay, end: CivilDay, now: number, local: LocalTime): Interval & { previous: Interval } {
  const length = end - start;
  const from = zone.midnight(start);
  const endMs = zone.midnight(end);
  const previousFrom = zone.midnight(start - length);
  if (endMs <= now) return { from, to: endMs, previous: { from: previousFrom, to: from } };
  const cut = zone.wallClock(local.day - length, local.clock);
  return { from, to: now, previous: { from: previousFrom, to: clamp(cut, previousFrom, from) } };
}

/** Whole local months [startMonth, startMonth + count); ends at now when it reaches past it. */
function monthWindow(zone: Zone, startMonth: number, count: number, now: number, local: LocalTime): Interval & { previous: Interval } {
  const from = zone.midnight(monthStart(startMonth));
  const endMs = zone.midnight(monthStart(startMonth + count));
  const previousFrom = zone.midnight(monthStart(startMonth - count));
  if (endMs <= now) return { from, to: endMs, previous: { from: previousFrom, to: from } };
  // The same day of the month `count` months earlier at the same clock time,
  // or the end of that month when it is shorter.
  const { day } = civilDate(local.day);
  const month = monthIndexOf(local.day) - count;
  const cut =
    day > daysInMonth(month)
      ? zone.midnight(monthStart(month + 1))
      : zone.wallClock(monthStart(month) + day - 1, local.clock);
  return { from, to: now, previous: { from: previousFrom, to: clamp(cut, previousFrom, from) } };
}

function dayLabel(zone: Zone, start: CivilDay, end: CivilDay, interval: Interval, now: number): string {
  const first = formatDay(start);
  if (interval.to !== now || zone.midnight(end) === now) {
    const last = formatDay(end - 1);
    return first === last ? first : `${first} – ${last}`;
  }
  const today = zone.local(now).day;
  return today === start ? `${first} ${zone.time(interval.from)} – ${zone.time(now)}` : `${first} – ${formatDay(today)} ${zone.time(now)}`;
}

function sameDay(zone: Zone, a: number, b: number): boolean {
  return zone.local(a).day === zone.local(b).day;
}

function parseDate(word: string, text: string): CivilDay {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (match === null) throw new PeriodError(word, 'bad_date', `has a date "${text}" that is not YYYY-MM-DD`);
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  if (year < MIN_YEAR) throw new PeriodError(word, 'bad_date', `has a date "${text}" before ${MIN_YEAR}`);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year * 12 + month - 1)) {
    throw new PeriodError(word, 'bad_date', `has a date "${text}" that does not exist`);
  }
  return civilDay(year, month, day);
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(Math.max(value, low), high);
}

function unitStart(day: CivilDay, unit: CalendarUnit): CivilDay {
  if (unit === 'day') return day;
  if (unit === 'week') return day - weekdayOf(day);
  return monthStart(monthIndexOf(day));
}

function nextUnit(start: CivilDay, unit: CalendarUnit): CivilDay {
  if (unit === 'day') return start + 1;
  if (unit === 'week') return start + 7;
  return monthStart(monthIndexOf(start) + 1);
}

/** Whole units from one unit start to another. */
function unitsBetween(from: CivilDay, to: CivilDay, unit: CalendarUnit): number {
  if (unit === 'day') return to - from;
  if (unit === 'week') return (to - from) / 7;
  return monthIndexOf(to) - monthIndexOf(from);
}

// --- Calendar arithmetic (proleptic Gregorian, zone-free) ---

function civilDay(year: number, month: number, day: number): CivilDay {
  return Math.round(Date.UTC(year, month - 1, day) / DAY_MS);
}

function civilDate(day: CivilDay): { year: number; month: number; day: number } {
  const date = new Date(day * DAY_MS);
  return { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() };
}

/** Monday 0 … Sunday 6. */
function weekdayOf(day: CivilDay): number {
  return (new Date(day * DAY_MS).getUTCDay() + 6) % 7;
}

/** Months since year 0: year × 12 + (month − 1). */
function monthIndexOf(day: CivilDay): number {
  const { year, month } = civilDate(day);
  return year * 12 + month - 1;
}

function monthStart(monthIndex: number): CivilDay {
  return civilDay(Math.floor(monthIndex / 12), (monthIndex % 12) + 1, 1);
}

function daysInMonth(monthIndex: number): number {
  return monthStart(monthIndex + 1) - monthStart(monthIndex);
}

function formatDay(day: CivilDay): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

// --- The zone ---

const knownZones = new Set<string>();

function checkZone(timezone: string): void {
  if (knownZones.has(timezone)) return;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
  } catch {
    throw new RangeError(`"${timezone}" is not an IANA time zone`);
  }
  knownZones.add(timezone);
}

/**
 * A local date and clock time in `timezone` → epoch ms (month 1–12; a day past the month's end rolls over): a time
 * in a spring-forward gap moves forward by the gap, and a time a fall-back repeats is its first occurrence, on either
 * side of Greenwich (see Zone.wallClock). Every reading of a wall-clock time (CSV dates, Freshdesk's zoneless times,
 * quiet hours, snoozes) goes through here, so all read a repeated hour alike.
 */
export function localInstant(timezone: string, year: number, month: number, day: number, hours = 0, minutes = 0, seconds = 0, ms = 0): number {
  return localInstants(timezone, year, month, day, hours, minutes, seconds, ms)[0] as number;
}

/**
 * Every instant at which `timezone` shows this local date and time, earliest first: two in an hour the autumn
 * change repeats, else one (in a spring-forward gap, the time moved forward by the gap). For the end of a span read
 * on the clock (quiet hours): at 02:10 in the second of two 02:00–03:00 hours, 02:30 is still to come.
 */
export function localInstants(timezone: string, year: number, month: number, day: number, hours = 0, minutes = 0, seconds = 0, ms = 0): readonly number[] {
  checkZone(timezone);
  return new Zone(timezone).readings(civilDay(year, month, day), { hours, minutes, seconds, ms });
}

/**
 * The same local clock time `days` calendar days before `instant` in `timezone`: seven days before a Monday midnight
 * is the Monday midnight before, 167 or 169 hours back when the clocks changed in between.
 */
export function localDaysBefore(instant: number, days: number, timezone: string): number {
  checkZone(timezone);
  const zone = new Zone(timezone);
  const { day, clock } = zone.local(instant);
  return zone.wallClock(day - days, clock);
}

/** Local calendar and clock of one zone, with a cache of local midnights. */
class Zone {
  private readonly midnights = new Map<CivilDay, number>();

  constructor(readonly name: string) {}

  local(instant: number): LocalTime {
    const t = new TZDate(instant, this.name);
    return {
      day: civilDay(t.getFullYear(), t.getMonth() + 1, t.getDate()),
      clock: { hours: t.getHours(), minutes: t.getMinutes(), seconds: t.getSeconds(), ms: t.getMilliseconds() },
    };
  }

  /** The first instant of a local day. */
  midnight(day: CivilDay): number {
    let instant = this.midnights.get(day);
    if (instant === undefined) {
      instant = this.wallClock(day, { hours: 0, minutes: 0, seconds: 0, ms: 0 });
      this.midnights.set(day, instant);
    }
    return instant;
  }

  /**
   * A local date and clock time → epoch ms. A time in a spring-forward gap moves forward by the gap; a time a
   * fall-back repeats is its first occurrence (as business hours read it), on either side of UTC: TZDate
   * alone picks the first west of Greenwich and the second east of it.
   */
  wallClock(day: CivilDay, clock: Clock): number {
    return this.readings(day, clock)[0] as number;
  }

  /** Every instant showing that local date and time, earliest first (see localInstants); never empty. */
  readings(day: CivilDay, clock: Clock): number[] {
    const { year, month, day: date } = civilDate(day);
    const instant = new TZDate(year, month - 1, date, clock.hours, clock.minutes, clock.seconds, clock.ms, this.name).getTime();
    const wall = instant + this.offset(instant);
    // TZDate's reading, and the other one if any: the wall time less the offset in force a day before or a day after.
    const found = new Set([instant]);
    for (const probe of [instant - DAY_MS, instant + DAY_MS]) {
      const candidate = wall - this.offset(probe);
      if (candidate + this.offset(candidate) === wall) found.add(candidate);
    }
    return [...found].sort((a, b) => a - b);
  }

  /** Local time minus UTC at an instant, in ms. */
  private offset(instant: number): number {
    return -new TZDate(instant, this.name).getTimezoneOffset() * 60_000;
  }

  time(instant: number): string {
    const { clock } = this.local(instant);
    return `${pad(clock.hours)}:${pad(clock.minutes)}`;
  }

  dateTime(instant: number): string {
    return `${formatDay(this.local(instant).day)} ${this.time(instant)}`;
  }
}

function pad(value: number): string {
  return String(value).padStart(2, '0');
}
