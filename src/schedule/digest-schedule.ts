/**
 * When a digest is due, without timers: a subscription's cron expression (five
 * fields, read by node-cron's parser) is matched minute by minute in the
 * subscription's own time zone, so a test moves a fake clock and asks which
 * scheduled instant has come. Pure; `now` is passed in.
 */
import cron from 'node-cron';
import type { DigestSchedule, Weekday } from '../slack/command.js';

const WEEKDAY_NUMBERS: Record<Weekday, number> = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 };
const MINUTE = 60_000;
/** A digest missed for longer (the bot was down) is not posted late. */
export const MAX_CATCH_UP_MS = 6 * 60 * MINUTE;

/** The cron expression of `/kpi subscribe ... daily|weekdays|weekly [day] HH:MM`. */
export function cronFor(schedule: DigestSchedule, time: string | undefined): string {
  if (schedule.frequency === 'cron') return schedule.expression;
  const [hours, minutes] = (time ?? '00:00').split(':').map(Number);
  const at = `${minutes ?? 0} ${hours ?? 0}`;
  if (schedule.frequency === 'daily') return `${at} * * *`;
  if (schedule.frequency === 'weekdays') return `${at} * * 1-5`;
  return `${at} * * ${WEEKDAY_NUMBERS[schedule.weekday]}`;
}

/**
 * The schedule a stored cron expression was made from, for saying it in words: what cronFor writes for daily,
 * weekdays and weekly reads back as that; anything else stays a cron expression.
 */
export function scheduleOfCron(expression: string): { schedule: DigestSchedule; time: string } {
  const match = /^(\d{1,2}) (\d{1,2}) \* \* (\*|1-5|[0-6])$/.exec(expression.trim());
  const minute = Number(match?.[1]);
  const hour = Number(match?.[2]);
  if (match === null || minute > 59 || hour > 23) return { schedule: { frequency: 'cron', expression }, time: '' };
  const time = `${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}`;
  const days = match[3];
  if (days === '*') return { schedule: { frequency: 'daily' }, time };
  if (days === '1-5') return { schedule: { frequency: 'weekdays' }, time };
  const weekday = (Object.keys(WEEKDAY_NUMBERS) as Weekday[]).find((day) => WEEKDAY_NUMBERS[day] === Number(days)) ?? 'mon';
  return { schedule: { frequency: 'weekly', weekday }, time };
}

export function isValidCron(expression: string): boolean {
  return expression.trim().split(/\s+/).length === 5 && cron.validate(expression);
}

/** Whether a valid expression names one minute of the hour at most (`0 * * * *` hourly); `* * * * *` would post each minute. */
export function cronAtMostHourly(expression: string): boolean {
  return matcherOf(expression).minute.size === 1;
}

interface Matcher {
  minute: Set<number>;
  hour: Set<number>;
  dayOfMonth: Set<number>;
  month: Set<number>;
  dayOfWeek: Set<number>;
  anyDayOfMonth: boolean;
  anyDayOfWeek: boolean;
}

/** Parsed expressions, by their text: those of the digests in force, and any typed (the parser checks before the admin check). */
const matchers = new Map<string, Matcher>();
const MAX_MATCHERS = 1_000;

function matcherOf(expression: string): Matcher {
  let matcher = matchers.get(expression);
  if (matcher === undefined) {
    const fields = cron.parse(expression);
    const numbers = (values: (number | string)[]) => new Set(values.filter((value): value is number => typeof value === 'number'));
    const dayOfWeek = new Set([...numbers(fields.dayOfWeek)].map((day) => day % 7));
    matcher = {
      minute: new Set(fields.minute),
      hour: new Set(fields.hour),
      dayOfMonth: numbers(fields.dayOfMonth),
      month: new Set(fields.month),
      dayOfWeek,
      anyDayOfMonth: numbers(fields.dayOfMonth).size === 31,
      anyDayOfWeek: dayOfWeek.size === 7,
    };
    // Anyone can type expressions: the cache starts again rather than grow without bound.
    if (matchers.size >= MAX_MATCHERS) matchers.clear();
    matchers.set(expression, matcher);
  }
  return matcher;
}

const partsFormats = new Map<string, Intl.DateTimeFormat>();

function localParts(instant: number, timezone: string) {
  let format = partsFormats.get(timezone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-US', { timeZone: timezone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', weekday: 'short' });
    partsFormats.set(timezone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(instant).map((part) => [part.type, part.value]));
  const weekday = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(parts.weekday ?? '');
  return { minute: Number(parts.minute), hour: Number(parts.hour), day: Number(parts.day), month: Number(parts.month), weekday };
}

/** How far back a fall-back can repeat a local time: 30 min (Lord Howe), 1 h, or 2 h (historic double summer time). */
const REPEAT_SHIFTS = [30 * MINUTE, 60 * MINUTE, 120 * MINUTE];

/**
 * Whether the minute starting at `instant` is one the expression names, in `timezone` (cron's rule: day of month
 * OR day of week when both are restricted). A local minute a fall-back repeats matches at its first occurrence
 * only, so a digest at 01:15 on that night is posted once.
 */
export function cronMatches(expression: string, timezone: string, instant: number): boolean {
  const m = matcherOf(expression);
  const local = localParts(instant, timezone);
  if (!m.minute.has(local.minute) || !m.hour.has(local.hour) || !m.month.has(local.month)) return false;
  const same = (other: ReturnType<typeof localParts>) => other.minute === local.minute && other.hour === local.hour && other.day === local.day && other.month === local.month;
  if (REPEAT_SHIFTS.some((shift) => same(localParts(instant - shift, timezone)))) return false;
  const dom = m.dayOfMonth.has(local.day);
  const dow = m.dayOfWeek.has(local.weekday);
  if (m.anyDayOfMonth && m.anyDayOfWeek) return true;
  if (m.anyDayOfMonth) return dow;
  if (m.anyDayOfWeek) return dom;
  return dom || dow;
}

/**
 * The latest scheduled minute in (after, now], looking back at most
 * MAX_CATCH_UP_MS; undefined when none. A minute tick finds each instant once;
 * a tick that comes late still finds it.
 */
export function latestDueInstant(expression: string, timezone: string, after: number, now: number): number | undefined {
  const last = Math.floor(now / MINUTE) * MINUTE;
  const first = Math.max(Math.floor(after / MINUTE) * MINUTE + MINUTE, last - MAX_CATCH_UP_MS);
  for (let instant = last; instant >= first; instant -= MINUTE) {
    if (cronMatches(expression, timezone, instant)) return instant;
  }
  return undefined;
}

/**
 * The period a digest covers: the day before a daily or weekday one, the week before a weekly one (one day of the
 * week), the last 7 days otherwise. Read from the days the expression names, not its spelling: `* * mon`,
 * `* * 1` and `* * 7` are one weekly schedule, `* * mon-fri` and `* * 1,2,3,4,5` one weekday schedule.
 */
export function digestPeriodWord(expression: string): 'yesterday' | 'last-week' | '7d' {
  const m = matcherOf(expression);
  if (!m.anyDayOfMonth || m.month.size !== 12) return '7d';
  if (m.anyDayOfWeek || (m.dayOfWeek.size === 5 && [1, 2, 3, 4, 5].every((day) => m.dayOfWeek.has(day)))) return 'yesterday';
  return m.dayOfWeek.size === 1 ? 'last-week' : '7d';
}
