/**
 * Business-hours arithmetic: how much open time lies between two instants, and
 * when a given amount of open time will have elapsed. Pure: instants are epoch
 * milliseconds UTC, no clock is read, no I/O happens.
 *
 * Rules
 *
 * 1. A calendar is a time zone, weekly hours and holidays. `weeklyHours` maps the
 *    ISO weekday (1 = Monday .. 7 = Sunday) to a list of ["HH:MM", "HH:MM"] open
 *    intervals in wall-clock time, start inclusive, end exclusive. A missing or
 *    empty day is closed. "24:00" is allowed as an end (open until midnight) and
 *    nowhere else. Intervals of a day must not overlap (touching is fine) and must
 *    end after they start; an overnight shift is written as two days
 *    (["22:00","24:00"] and next day's ["00:00","06:00"]). A week with no open
 *    time at all is refused (no due time could ever be reached).
 * 2. Holidays are YYYY-MM-DD dates in the calendar's zone; the whole local day is
 *    closed.
 * 3. Wall-clock times become instants in the calendar's zone. A wall time that
 *    does not exist (inside a spring-forward gap) means the first instant after
 *    the gap; a wall time that happens twice (inside a fall-back overlap) means
 *    its first occurrence. Formally a wall time W is the earliest instant whose
 *    wall clock reads W or later. So open time is real elapsed time: 09:00–17:00
 *    is 8 h on every day (DST changes happen at night), and 00:00–06:00 is 5 h on
 *    a spring-forward night and 7 h on a fall-back night.
 * 4. The open set is the union of those instant intervals. `isOpen(c, t)` is
 *    membership in it; `businessMillisBetween(c, a, b)` is its measure within
 *    [a, b) (0 when b <= a); `nextOpening(c, t)` is the earliest open instant at
 *    or after t (t itself when open).
 * 5. `addBusinessMillis(c, t, m)` is the earliest instant u with
 *    businessMillisBetween(c, t, u) === m. With m = 0 that is nextOpening(c, t):
 *    a clock started outside open hours starts at the next opening. With m > 0
 *    the result is inside or at the end of an open interval: 1 h of work begun at
 *    16:00 on a 09:00–17:00 day is due at 17:00 that day, not at 09:00 next day.
 *    m must be a finite number >= 0.
 * 6. Calendars are treated as immutable values: the compiled form (per-day open
 *    intervals and running totals, built lazily 256 local days at a time) is
 *    cached per calendar object, and per content (zone, hours, holidays; the
 *    256 most recent) so that equal calendars built afresh for every row share
 *    it. Replacing `timezone`, `weeklyHours` or `holidays` with a new value is
 *    noticed; editing those arrays in place is not.
 *    Time-zone offsets come from the runtime's tz database (Intl) through
 *    @date-fns/tz and are cached per zone, assuming at most one offset change
 *    in any 24 hours (true of every zone in the tz database).
 *
 * Cost: after a block of days is compiled (once per calendar), both
 * businessMillisBetween and addBusinessMillis are O(1) for spans within a block
 * and O(blocks) = O(days / 256) beyond; no minute or day is walked.
 */
import { tzOffset } from '@date-fns/tz';
import { KpiBotError } from '../errors.js';

export type IsoWeekday = 1 | 2 | 3 | 4 | 5 | 6 | 7;
export type WeeklyHours = Record<IsoWeekday, [string, string][]>;

export interface BusinessCalendar {
  name: string;
  timezone: string;
  weeklyHours: WeeklyHours;
  holidays: readonly string[];
}

/** A calendar (weekly hours, holidays, zone) that cannot be used. */
export class BadCalendarError extends KpiBotError {
  constructor(message: string) {
    super('bad_calendar', message, 400);
  }
}

const MINUTE = 60_000;
const DAY = 86_400_000;
const WEEKDAYS: readonly IsoWeekday[] = [1, 2, 3, 4, 5, 6, 7];
const WEEKDAY_NAMES = ['', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const OFFSET_ZONE = /^[+-]\d{2}(:?\d{2})?$/;

/** Open 24×7 with no holidays: the clock of calendar-hours SLAs. */
export const ALWAYS_OPEN: BusinessCalendar = deepFreeze({
  name: '24x7',
  timezone: 'UTC',
  weeklyHours: {
    1: [['00:00', '24:00']],
    2: [['00:00', '24:00']],
    3: [['00:00', '24:00']],
    4: [['00:00', '24:00']],
    5: [['00:00', '24:00']],
    6: [['00:00', '24:00']],
    7: [['00:00', '24:00']],
  },
  holidays: [],
});

// ---------------------------------------------------------------------------
// Parsing and validation
// ---------------------------------------------------------------------------

/** Weekly hours from the `business_calendars.weekly_hours` JSON text. */
export function parseWeeklyHours(json: string): WeeklyHours {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw new BadCalendarError(`weekly_hours is not valid JSON: ${(error as Error).message}`);
  }
  return validateWeeklyHours(value);
}

/**
 * Checks weekly hours and returns a normalized copy: all seven days present,
 * each day's intervals sorted by start.
 */
export function validateWeeklyHours(value: unknown): WeeklyHours {
  return compileWeeklyHours(value).hours;
}

/** Checks a whole calendar (zone, weekly hours, holidays) and returns a normalized copy. */
export function validateCalendar(calendar: BusinessCalendar): BusinessCalendar {
  const name = typeof calendar.name === 'string' ? calendar.name : String(calendar.name);
  checkTimezone(calendar.timezone, name);
  const { hours } = compileWeeklyHours(calendar.weeklyHours, name);
  const holidays = [...compileHolidays(calendar.holidays, name).keys()].sort((a, b) => a - b).map(formatDay);
  return { name, timezone: calendar.timezone, weeklyHours: hours, holidays };
}

function where(calendarName: string | undefined): string {
  return calendarName === undefined ? '' : `calendar "${calendarName}": `;
}

interface CompiledWeek {
  hours: WeeklyHours;
  /** Index 1..7: flat [startMinute, endMinute, ...] per ISO weekday. */
  minutes: Int32Array[];
  alwaysOpen: boolean;
}

function compileWeeklyHours(value: unknown, calendarName?: string): CompiledWeek {
  const prefix = `${where(calendarName)}hours`;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new BadCalendarError(`${prefix} must be an object from ISO weekday "1".."7" to a list of ["HH:MM", "HH:MM"]`);
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!/^[1-7]$/.test(key)) {
      throw new BadCalendarError(`${prefix}: unknown day "${key}" (use ISO weekdays "1" = Monday .. "7" = Sunday)`);
    }
  }
  const hours = {} as WeeklyHours;
  const minutes: Int32Array[] = [new Int32Array(0)];
  let weekTotal = 0;
  let alwaysOpen = true;
  for (const day of WEEKDAYS) {
    const label = `${prefix} on day ${day} (${WEEKDAY_NAMES[day]})`;
    const raw = record[String(day)];
    const list: [string, string, number, number][] = [];
    if (raw !== undefined && raw !== null) {
      if (!Array.isArray(raw)) throw new BadCalendarError(`${label} must be a list of ["HH:MM", "HH:MM"] intervals`);
      for (const item of raw as unknown[]) {
        if (!Array.isArray(item) || item.length !== 2 || typeof item[0] !== 'string' || typeof item[1] !== 'string') {
          throw new BadCalendarError(`${label}: ${JSON.stringify(item)} is not a ["HH:MM", "HH:MM"] interval`);
        }
        const [from, to] = item as [string, string];
        const start = parseTime(from, false, label);
        const end = parseTime(to, true, label);
        if (end <= start) {
          throw new BadCalendarError(
            `${label}: interval ["${from}", "${to}"] ${end === start ? 'is empty' : 'ends before it starts'} (split an overnight shift over two days)`,
          );
        }
        list.push([from, to, start, end]);
      }
    }
    list.sort((a, b) => a[2] - b[2]);
    for (let i = 1; i < list.length; i++) {
      const previous = list[i - 1]!;
      const current = list[i]!;
      if (current[2] < previous[3]) {
        throw new BadCalendarError(
          `${label}: intervals ["${previous[0]}", "${previous[1]}"] and ["${current[0]}", "${current[1]}"] overlap`,
        );
      }
    }
    hours[day] = list.map(([from, to]) => [from, to]);
    const flat = new Int32Array(list.length * 2);
    list.forEach(([, , start, end], i) => {
      flat[2 * i] = start;
      flat[2 * i + 1] = end;
      weekTotal += end - start;
    });
    minutes.push(flat);
    if (!(list.length === 1 && list[0]![2] === 0 && list[0]![3] === 1440)) alwaysOpen = false;
  }
  if (weekTotal === 0) throw new BadCalendarError(`${prefix}: the week has no open hours`);
  return { hours, minutes, alwaysOpen };
}

function parseTime(text: string, isEnd: boolean, label: string): number {
  if (text === '24:00') {
    if (isEnd) return 1440;
    throw new BadCalendarError(`${label}: "24:00" is only allowed as the end of an interval`);
  }
  const match = TIME.exec(text);
  if (!match) throw new BadCalendarError(`${label}: "${text}" is not a time (use "HH:MM", 00:00 to 23:59, or "24:00" as an end)`);
  return Number(match[1]) * 60 + Number(match[2]);
}

function checkTimezone(timezone: unknown, calendarName: string): void {
  if (typeof timezone !== 'string' || timezone === '') {
    throw new BadCalendarError(`${where(calendarName)}a time zone is required`);
  }
  if (OFFSET_ZONE.test(timezone)) return;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
  } catch {
    throw new BadCalendarError(`${where(calendarName)}unknown time zone "${timezone}"`);
  }
}

/** Whether `text` is a real day written YYYY-MM-DD (2026-02-30 is not: Date.parse would roll it over to March 2). */
export function isCalendarDate(text: string): boolean {
  return dayNumber(text) !== undefined;
}

function dayNumber(text: string): number | undefined {
  const match = DATE.exec(text);
  if (!match) return undefined;
  const ms = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  return Number.isFinite(ms) && formatDay(ms / DAY) === text ? ms / DAY : undefined;
}

/** Holiday dates as local day numbers (days since 1970-01-01). */
function compileHolidays(holidays: unknown, calendarName: string): Set<number> {
  if (!Array.isArray(holidays)) throw new BadCalendarError(`${where(calendarName)}holidays must be a list of YYYY-MM-DD dates`);
  const days = new Set<number>();
  for (const item of holidays as unknown[]) {
    const day = typeof item === 'string' ? dayNumber(item) : undefined;
    if (day === undefined) throw new BadCalendarError(`${where(calendarName)}holiday ${JSON.stringify(item)} is not a YYYY-MM-DD date`);
    days.add(day);
  }
  return days;
}

function formatDay(day: number): string {
  return new Date(day * DAY).toISOString().slice(0, 10);
}

// ---------------------------------------------------------------------------
// Time-zone offsets: piecewise-constant tables per zone, 256 UTC days a block
// ---------------------------------------------------------------------------

const ZONE_BLOCK_DAYS = 256;
const ZONE_BLOCK_MS = ZONE_BLOCK_DAYS * DAY;

interface ZoneBlock {
  /** Offset (ms) in effect at the block's start. */
  readonly base: number;
  /** Instants at which the offset changes inside the block, ascending. */
  readonly changes: number[];
  /** Offset in effect from changes[i] on. */
  readonly offsets: number[];
}

interface Zone {
  readonly name: string;
  readonly blocks: Map<number, ZoneBlock>;
  last: ZoneBlock | undefined;
  lastKey: number;
}

const zones = new Map<string, Zone>();

function zoneOf(name: string): Zone {
  let zone = zones.get(name);
  if (!zone) {
    zone = { name, blocks: new Map(), last: undefined, lastKey: NaN };
    zones.set(name, zone);
  }
  return zone;
}

function rawOffset(zone: string, instant: number): number {
  return Math.round(tzOffset(zone, new Date(instant)) * MINUTE);
}

function zoneBlock(zone: Zone, key: number): ZoneBlock {
  if (key === zone.lastKey) return zone.last!;
  let block = zone.blocks.get(key);
  if (!block) {
    const start = key * ZONE_BLOCK_MS;
    const base = rawOffset(zone.name, start);
    if (!Number.isFinite(base)) throw new BadCalendarError(`unknown time zone "${zone.name}"`);
    const changes: number[] = [];
    const offsets: number[] = [];
    let previous = base;
    for (let day = 1; day <= ZONE_BLOCK_DAYS; day++) {
      const sample = rawOffset(zone.name, start + day * DAY);
      if (sample === previous) continue;
      // One change between the two samples: find its first instant.
      let low = start + (day - 1) * DAY;
      let high = start + day * DAY;
      while (high - low > 1) {
        const middle = Math.floor((low + high) / 2);
        if (rawOffset(zone.name, middle) === previous) low = middle;
        else high = middle;
      }
      changes.push(high);
      offsets.push(sample);
      previous = sample;
    }
    block = { base, changes, offsets };
    zone.blocks.set(key, block);
  }
  zone.last = block;
  zone.lastKey = key;
  return block;
}

function offsetAt(zone: Zone, instant: number): number {
  const block = zoneBlock(zone, Math.floor(instant / ZONE_BLOCK_MS));
  let offset = block.base;
  for (let i = 0; i < block.changes.length && instant >= block.changes[i]!; i++) offset = block.offsets[i]!;
  return offset;
}

/**
 * The earliest instant whose wall clock reads `wall` or later (`wall` is a local
 * date-time written as if it were UTC milliseconds). See rule 3.
 */
function wallToInstant(zone: Zone, wall: number): number {
  const before = offsetAt(zone, wall - DAY);
  const after = offsetAt(zone, wall + DAY);
  const early = wall - before;
  if (before === after) return early;
  const late = wall - after;
  const earlyValid = offsetAt(zone, early) === before;
  const lateValid = offsetAt(zone, late) === after;
  if (earlyValid && lateValid) return Math.min(early, late);
  if (earlyValid) return early;
  if (lateValid) return late;
  // In a gap: the first instant at which the wall clock has passed `wall`.
  let low = Math.min(early, late);
  let high = Math.max(early, late);
  if (low + offsetAt(zone, low) >= wall) return low;
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (middle + offsetAt(zone, middle) >= wall) high = middle;
    else low = middle;
  }
  return high;
}

// ---------------------------------------------------------------------------
// Compiled calendars: open intervals and running totals per block of local days
// ---------------------------------------------------------------------------

const CHUNK_DAYS = 256;

interface Chunk {
  readonly key: number;
  readonly firstDay: number;
  /** dayStart[i]: the first instant of local day firstDay + i (i = 0..CHUNK_DAYS). */
  readonly dayStart: Float64Array;
  /** dayOpen[i]: open ms in the chunk before local day i (i = 0..CHUNK_DAYS). */
  readonly dayOpen: Float64Array;
  /** Intervals of day i are bounds[dayIndex[i] .. dayIndex[i + 1]) as start, end pairs. */
  readonly dayIndex: Int32Array;
  readonly bounds: Float64Array;
  readonly total: number;
}

interface Compiled {
  readonly alwaysOpen: boolean;
  readonly zone: Zone;
  readonly minutes: Int32Array[];
  readonly holidays: Set<number>;
  readonly chunks: Map<number, Chunk>;
  last: Chunk | undefined;
}

interface CacheEntry {
  readonly timezone: string;
  readonly weeklyHours: unknown;
  readonly holidays: unknown;
  readonly compiled: Compiled;
}

/** Per calendar object: the fast path. */
const byObject = new WeakMap<BusinessCalendar, CacheEntry>();
/** Per calendar content, so equal calendars rebuilt per row share one compiled form. */
const byContent = new Map<string, Compiled>();
const MAX_CONTENTS = 256;

function compiled(calendar: BusinessCalendar): Compiled {
  const cached = byObject.get(calendar);
  if (
    cached !== undefined &&
    cached.timezone === calendar.timezone &&
    cached.weeklyHours === calendar.weeklyHours &&
    cached.holidays === calendar.holidays
  ) {
    return cached.compiled;
  }
  const key = contentKey(calendar);
  let result = key === undefined ? undefined : byContent.get(key);
  if (result === undefined) {
    const name = String(calendar.name);
    checkTimezone(calendar.timezone, name);
    const week = compileWeeklyHours(calendar.weeklyHours, name);
    const holidays = compileHolidays(calendar.holidays, name);
    result = {
      alwaysOpen: week.alwaysOpen && holidays.size === 0,
      zone: zoneOf(calendar.timezone),
      minutes: week.minutes,
      holidays,
      chunks: new Map(),
      last: undefined,
    };
    if (key !== undefined) {
      if (byContent.size >= MAX_CONTENTS) byContent.delete(byContent.keys().next().value!);
      byContent.set(key, result);
    }
  }
  byObject.set(calendar, { timezone: calendar.timezone, weeklyHours: calendar.weeklyHours, holidays: calendar.holidays, compiled: result });
  return result;
}

/**
 * The calendar's content as a string, unambiguous for well-formed calendars;
 * undefined when it is not (then it is validated and compiled uncached).
 */
function contentKey(calendar: BusinessCalendar): string | undefined {
  const hours = calendar.weeklyHours as Partial<Record<IsoWeekday, unknown>> | null;
  const holidays: unknown = calendar.holidays;
  if (typeof calendar.timezone !== 'string' || calendar.timezone.includes('|') || typeof hours !== 'object' || hours === null || !Array.isArray(holidays)) return undefined;
  for (const day in hours) if (day.length !== 1 || day < '1' || day > '7') return undefined;
  let key = `${calendar.timezone}|`;
  for (const day of WEEKDAYS) {
    const list = hours[day];
    if (list === undefined || list === null) {
      key += ';';
      continue;
    }
    if (!Array.isArray(list)) return undefined;
    for (const interval of list as unknown[]) {
      if (!Array.isArray(interval) || interval.length !== 2) return undefined;
      const [from, to] = interval as unknown[];
      // Valid times are 5 characters, so no separator can hide in one.
      if (typeof from !== 'string' || typeof to !== 'string' || from.length !== 5 || to.length !== 5) return undefined;
      key += `${from}-${to},`;
    }
    key += ';';
  }
  for (const holiday of holidays as unknown[]) {
    if (typeof holiday !== 'string' || holiday.length !== 10) return undefined;
    key += `${holiday},`;
  }
  return key;
}

function chunkByKey(calendar: Compiled, key: number): Chunk {
  const last = calendar.last;
  if (last !== undefined && last.key === key) return last;
  let chunk = calendar.chunks.get(key);
  if (!chunk) {
    chunk = buildChunk(calendar, key);
    calendar.chunks.set(key, chunk);
  }
  calendar.last = chunk;
  return chunk;
}

function buildChunk(calendar: Compiled, key: number): Chunk {
  const firstDay = key * CHUNK_DAYS;
  const dayStart = new Float64Array(CHUNK_DAYS + 1);
  for (let i = 0; i <= CHUNK_DAYS; i++) dayStart[i] = wallToInstant(calendar.zone, (firstDay + i) * DAY);
  const dayOpen = new Float64Array(CHUNK_DAYS + 1);
  const dayIndex = new Int32Array(CHUNK_DAYS + 1);
  const bounds: number[] = [];
  let total = 0;
  for (let i = 0; i < CHUNK_DAYS; i++) {
    dayOpen[i] = total;
    dayIndex[i] = bounds.length;
    const day = firstDay + i;
    if (calendar.holidays.has(day)) continue;
    const weekday = ((((day + 3) % 7) + 7) % 7) + 1; // 1970-01-01 was a Thursday
    const minutes = calendar.minutes[weekday]!;
    for (let j = 0; j < minutes.length; j += 2) {
      const start = wallToInstant(calendar.zone, day * DAY + minutes[j]! * MINUTE);
      const endMinute = minutes[j + 1]!;
      const end = endMinute === 1440 ? dayStart[i + 1]! : wallToInstant(calendar.zone, day * DAY + endMinute * MINUTE);
      if (end <= start) continue; // wholly inside a DST gap
      const previousEnd = bounds.length > dayIndex[i]! ? bounds[bounds.length - 1]! : NaN;
      if (previousEnd === start) {
        bounds[bounds.length - 1] = end; // touching intervals: merge
      } else {
        bounds.push(start, end);
      }
      total += end - start;
    }
  }
  dayOpen[CHUNK_DAYS] = total;
  dayIndex[CHUNK_DAYS] = bounds.length;
  return { key, firstDay, dayStart, dayOpen, dayIndex, bounds: Float64Array.from(bounds), total };
}

// The chunk and day `locate` found, kept in module state to spare an allocation
// on the hot path (everything here is synchronous).
let foundChunk: Chunk = undefined as unknown as Chunk;
let foundDay = 0;

/** Finds the chunk and local day holding `instant`. */
function locate(calendar: Compiled, instant: number): void {
  const utcDay = Math.floor(instant / DAY);
  let key = Math.floor(utcDay / CHUNK_DAYS);
  let chunk = chunkByKey(calendar, key);
  let i = utcDay - chunk.firstDay;
  for (;;) {
    if (instant < chunk.dayStart[i]!) {
      if (--i < 0) {
        chunk = chunkByKey(calendar, --key);
        i = CHUNK_DAYS - 1;
      }
    } else if (instant >= chunk.dayStart[i + 1]!) {
      if (++i >= CHUNK_DAYS) {
        chunk = chunkByKey(calendar, ++key);
        i = 0;
      }
    } else {
      break;
    }
  }
  foundChunk = chunk;
  foundDay = i;
}

/** Open ms from the start of the chunk holding `instant` up to `instant`. */
function openBefore(calendar: Compiled, instant: number): number {
  locate(calendar, instant);
  const chunk = foundChunk;
  const bounds = chunk.bounds;
  let open = chunk.dayOpen[foundDay]!;
  const last = chunk.dayIndex[foundDay + 1]!;
  for (let j = chunk.dayIndex[foundDay]!; j < last; j += 2) {
    const start = bounds[j]!;
    if (instant <= start) break;
    const end = bounds[j + 1]!;
    open += (instant < end ? instant : end) - start;
  }
  return open;
}

function requireInstant(value: number, what: string): void {
  if (!Number.isFinite(value)) throw new RangeError(`${what} must be a finite epoch-millisecond instant, got ${value}`);
}

// ---------------------------------------------------------------------------
// The API
// ---------------------------------------------------------------------------

/** Open time (ms) in [start, end); 0 when end <= start. */
export function businessMillisBetween(calendar: BusinessCalendar, start: number, end: number): number {
  requireInstant(start, 'start');
  requireInstant(end, 'end');
  if (end <= start) return 0;
  const c = compiled(calendar);
  if (c.alwaysOpen) return end - start;
  const before = openBefore(c, start);
  const startKey = foundChunk.key;
  let open = openBefore(c, end) - before;
  for (let key = startKey; key < foundChunk.key; key++) open += chunkByKey(c, key).total;
  return open;
}

/** Whether the calendar is open at `instant`. */
export function isOpen(calendar: BusinessCalendar, instant: number): boolean {
  requireInstant(instant, 'instant');
  const c = compiled(calendar);
  if (c.alwaysOpen) return true;
  locate(c, instant);
  const chunk = foundChunk;
  const last = chunk.dayIndex[foundDay + 1]!;
  for (let j = chunk.dayIndex[foundDay]!; j < last; j += 2) {
    if (instant < chunk.bounds[j]!) return false;
    if (instant < chunk.bounds[j + 1]!) return true;
  }
  return false;
}

/** The earliest instant at or after `instant` at which the calendar is open. */
export function nextOpening(calendar: BusinessCalendar, instant: number): number {
  requireInstant(instant, 'instant');
  const c = compiled(calendar);
  if (c.alwaysOpen) return instant;
  locate(c, instant);
  let chunk = foundChunk;
  for (let j = chunk.dayIndex[foundDay]!; j < chunk.bounds.length; j += 2) {
    if (instant < chunk.bounds[j + 1]!) return Math.max(instant, chunk.bounds[j]!);
  }
  let closedChunks = 0;
  for (;;) {
    chunk = chunkByKey(c, chunk.key + 1);
    if (chunk.bounds.length > 0) return chunk.bounds[0]!;
    if (++closedChunks > MAX_CLOSED_CHUNKS) throw neverOpens(calendar);
  }
}

/** ~45 years of consecutive closed days: the calendar never opens again. */
const MAX_CLOSED_CHUNKS = 64;

function neverOpens(calendar: BusinessCalendar): BadCalendarError {
  return new BadCalendarError(`${where(calendar.name)}no open hours in the next ${Math.floor((MAX_CLOSED_CHUNKS * CHUNK_DAYS) / 365)} years`);
}

/**
 * The earliest instant by which `millis` of open time have elapsed after
 * `start`. Outside open hours the clock starts at the next opening.
 */
export function addBusinessMillis(calendar: BusinessCalendar, start: number, millis: number): number {
  requireInstant(start, 'start');
  if (!Number.isFinite(millis) || millis < 0) throw new RangeError(`millis must be a finite number >= 0, got ${millis}`);
  const c = compiled(calendar);
  if (c.alwaysOpen) return start + millis;
  if (millis === 0) return nextOpening(calendar, start);
  let target = openBefore(c, start) + millis; // open ms from the start of `chunk`, > 0
  let chunk = foundChunk;
  let closedChunks = 0;
  while (target > chunk.total) {
    if (chunk.total === 0 && ++closedChunks > MAX_CLOSED_CHUNKS) throw neverOpens(calendar);
    if (chunk.total > 0) closedChunks = 0;
    target -= chunk.total;
    chunk = chunkByKey(c, chunk.key + 1);
  }
  // The first day whose running total reaches the target: dayOpen[i] < target <= dayOpen[i + 1].
  let low = 0;
  let high = CHUNK_DAYS - 1;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (chunk.dayOpen[middle + 1]! >= target) high = middle;
    else low = middle + 1;
  }
  let open = chunk.dayOpen[low]!;
  const last = chunk.dayIndex[low + 1]!;
  for (let j = chunk.dayIndex[low]!; j < last; j += 2) {
    const intervalStart = chunk.bounds[j]!;
    const length = chunk.bounds[j + 1]! - intervalStart;
    if (open + length >= target) return intervalStart + (target - open);
    open += length;
  }
  throw new Error('addBusinessMillis: running totals are inconsistent');
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
