/**
 * Seeded differential tests of the time arithmetic against brute-force oracles
 * written from the documented rules (docs/metrics.md, docs/report.md, the rule
 * comments at the top of src/kpi/periods.ts, business-hours.ts,
 * business-durations.ts and sla.ts), not from the implementation bodies.
 *
 * The oracles read the local clock only through Intl.DateTimeFormat and find
 * local midnights and wall-clock instants by search; business hours are counted
 * minute by minute. Every random choice comes from a seeded PRNG, and every
 * instant is fixed: the real clock is never read.
 */
import { describe, expect, it } from 'vitest';
import { PeriodError, resolvePeriod, unitsIn, type CalendarUnit } from '../../src/kpi/periods.js';
import {
  addBusinessMillis,
  businessMillisBetween,
  isOpen,
  nextOpening,
  type BusinessCalendar,
  type IsoWeekday,
  type WeeklyHours,
} from '../../src/kpi/business-hours.js';
import { signedBusinessMillis } from '../../src/kpi/business-durations.js';
import { IngestStore } from '../../src/store/ingest-store.js';
import { KpiStore } from '../../src/store/kpi-store.js';
import { SlaStore } from '../../src/store/sla-store.js';
import { computeMetric, type PeriodRange } from '../../src/kpi/metrics.js';
import type { NormalizedEvent, TicketEventData, TicketEventType } from '../../src/ingest/events.js';
import type { Database } from '../../src/store/database.js';
import { TEST_ENGINE, clearIngestedData, useTestDatabase } from '../helpers/databases.js';
import { Rng } from '../helpers/random.js';

const rng = (seed: number): Rng => new Rng(seed);

// ---------------------------------------------------------------------------
// The local clock, through Intl only
// ---------------------------------------------------------------------------

const MIN = 60_000;
const H = 3_600_000;
const DAY = 86_400_000;

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
    });
    formatters.set(zone, f);
  }
  return f;
}

/** The wall clock of `t` in `zone` as "naive" epoch ms (the local date and time read as if UTC). */
function wall(zone: string, t: number): number {
  const seconds = Math.floor(t / 1000) * 1000;
  const parts: Record<string, number> = {};
  for (const part of formatter(zone).formatToParts(new Date(seconds))) if (part.type !== 'literal') parts[part.type] = Number(part.value);
  const naive = Date.UTC(parts.year as number, (parts.month as number) - 1, parts.day as number, parts.hour as number, parts.minute as number, parts.second as number);
  return naive + (t - seconds);
}
const offsetAt = (zone: string, t: number): number => wall(zone, t) - t;
/** Local civil day (days since 1970-01-01) of `t`. */
const localDay = (zone: string, t: number): number => Math.floor(wall(zone, t) / DAY);

/** Civil-day helpers: plain calendar arithmetic, no zone. */
const dayOf = (y: number, m: number, d: number): number => Date.UTC(y, m - 1, d) / DAY;
function ymd(day: number): { y: number; m: number; d: number } {
  const date = new Date(day * DAY);
  return { y: date.getUTCFullYear(), m: date.getUTCMonth() + 1, d: date.getUTCDate() };
}
const isoDate = (day: number): string => new Date(day * DAY).toISOString().slice(0, 10);
const daysInMonth = (y: number, m: number): number => new Date(Date.UTC(y, m, 0)).getUTCDate();
/** ISO weekday 1..7 of a civil day (1970-01-01 was a Thursday). */
const weekday = (day: number): IsoWeekday => ((((day + 3) % 7) + 7) % 7 + 1) as IsoWeekday;
/** Year and month `k` months after (y, m). */
function addMonths(y: number, m: number, k: number): { y: number; m: number } {
  const index = y * 12 + (m - 1) + k;
  return { y: Math.floor(index / 12), m: (index % 12) + 1 };
}

/** The first instant of local day `day`: the earliest minute whose local date is `day` or later, by binary search. */
const midnightCache = new Map<string, number>();
function startOfDay(zone: string, day: number): number {
  const key = `${zone} ${day}`;
  const cached = midnightCache.get(key);
  if (cached !== undefined) return cached;
  let lo = (day * DAY - 16 * H) / MIN; // local date surely before `day`
  let hi = (day * DAY + 16 * H) / MIN; // surely `day` or later
  if (localDay(zone, lo * MIN) >= day || localDay(zone, hi * MIN) < day) throw new Error(`oracle: no midnight bracket for ${zone} ${isoDate(day)}`);
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (localDay(zone, mid * MIN) >= day) hi = mid;
    else lo = mid;
  }
  midnightCache.set(key, hi * MIN);
  return hi * MIN;
}

/** Every instant whose wall clock reads `naive` (0, 1 or 2 of them), and the offsets seen within a day of it. */
function instantsOfWall(zone: string, naive: number): { matches: number[]; offsets: number[] } {
  const offsets = [...new Set(Array.from({ length: 17 }, (_, k) => offsetAt(zone, naive + (k - 8) * 3 * H)))];
  const matches = [...new Set(offsets.map((offset) => naive - offset).filter((t) => wall(zone, t) === naive))].sort((a, b) => a - b);
  return { matches, offsets };
}

// ---------------------------------------------------------------------------
// Part 1: periods
// ---------------------------------------------------------------------------

interface Expect {
  from: number;
  to: number;
  previous: { from: number; to: number };
  /** The previous period's end is a clock time the target day has twice (fall-back): both readings. */
  ambiguousPreviousTo?: [number, number];
}

const PERIOD_ZONES = ['Europe/Berlin', 'America/New_York', 'Europe/Istanbul', 'Asia/Jakarta', 'Australia/Lord_Howe', 'UTC', 'America/Santiago'] as const;

/**
 * The period oracle, from the rules: days start at local midnight (the first
 * instant of the local date); ISO weeks start on Monday; quarters in Jan, Apr,
 * Jul, Oct; a running period ends at now and compares with the same span one
 * period-length earlier cut at the same local date and clock time (a clock time
 * in a gap moves forward by the gap; a day the earlier month lacks cuts at that
 * month's end); a complete period compares with the one just before it.
 */
function oracle(word: string, now: number, zone: string): Expect | 'refused' {
  const nowWall = wall(zone, now);
  const today = Math.floor(nowWall / DAY);
  const clock = nowWall - today * DAY;
  const sod = (day: number) => startOfDay(zone, day);
  let ambiguous: [number, number] | undefined;
  /** The instant of local `day` at now's clock time. */
  const cut = (day: number): number => {
    const { matches, offsets } = instantsOfWall(zone, day * DAY + clock);
    if (matches.length === 0) return day * DAY + clock - Math.min(...offsets); // in a gap: forward by the gap
    if (matches.length > 1) ambiguous = [matches[0] as number, matches[matches.length - 1] as number];
    return matches[0] as number; // reading chosen: the first occurrence
  };
  /** The cut `k` months earlier at the same date and clock; a day that month lacks cuts at its end. */
  const monthsBack = (k: number): number => {
    const { y, m, d } = ymd(today);
    const back = addMonths(y, m, -k);
    if (d > daysInMonth(back.y, back.m)) {
      const after = addMonths(back.y, back.m, 1);
      return sod(dayOf(after.y, after.m, 1));
    }
    return cut(dayOf(back.y, back.m, d));
  };
  const done = (from: number, to: number, pf: number, pt: number): Expect => ({ from, to, previous: { from: pf, to: pt }, ...(ambiguous === undefined ? {} : { ambiguousPreviousTo: ambiguous }) });
  const { y, m } = ymd(today);
  const monday = today - (weekday(today) - 1);
  const quarterMonth = m - ((m - 1) % 3);
  const hours = /^(\d+)h$/.exec(word);
  if (hours !== null) {
    const n = Number(hours[1]);
    return done(now - n * H, now, now - 2 * n * H, now - n * H);
  }
  const days = /^(\d+)d$/.exec(word);
  if (days !== null) {
    const n = Number(days[1]);
    return done(sod(today - (n - 1)), now, sod(today - (n - 1) - n), cut(today - n));
  }
  switch (word) {
    case 'today':
      return done(sod(today), now, sod(today - 1), cut(today - 1));
    case 'yesterday':
      return done(sod(today - 1), sod(today), sod(today - 2), sod(today - 1));
    case 'this-week':
      return done(sod(monday), now, sod(monday - 7), cut(today - 7));
    case 'last-week':
      return done(sod(monday - 7), sod(monday), sod(monday - 14), sod(monday - 7));
    case 'this-month': {
      const prev = addMonths(y, m, -1);
      return done(sod(dayOf(y, m, 1)), now, sod(dayOf(prev.y, prev.m, 1)), monthsBack(1));
    }
    case 'last-month': {
      const prev = addMonths(y, m, -1);
      const prev2 = addMonths(y, m, -2);
      return done(sod(dayOf(prev.y, prev.m, 1)), sod(dayOf(y, m, 1)), sod(dayOf(prev2.y, prev2.m, 1)), sod(dayOf(prev.y, prev.m, 1)));
    }
    case 'this-quarter': {
      const prev = addMonths(y, quarterMonth, -3);
      return done(sod(dayOf(y, quarterMonth, 1)), now, sod(dayOf(prev.y, prev.m, 1)), monthsBack(3));
    }
    case 'last-quarter': {
      const prev = addMonths(y, quarterMonth, -3);
      const prev2 = addMonths(y, quarterMonth, -6);
      return done(sod(dayOf(prev.y, prev.m, 1)), sod(dayOf(y, quarterMonth, 1)), sod(dayOf(prev2.y, prev2.m, 1)), sod(dayOf(prev.y, prev.m, 1)));
    }
    case 'this-year':
      return done(sod(dayOf(y, 1, 1)), now, sod(dayOf(y - 1, 1, 1)), monthsBack(12));
    case 'last-year':
      return done(sod(dayOf(y - 1, 1, 1)), sod(dayOf(y, 1, 1)), sod(dayOf(y - 2, 1, 1)), sod(dayOf(y - 1, 1, 1)));
    default:
      break;
  }
  const range = /^(\d{4}-\d{2}-\d{2})(?:(\.\.)(\d{4}-\d{2}-\d{2})?)?$/.exec(word);
  if (range === null) throw new Error(`oracle: no rule for ${word}`);
  const a = Date.parse(`${range[1]}T00:00:00Z`) / DAY;
  const b = range[2] === undefined ? a : range[3] === undefined ? today : Date.parse(`${range[3]}T00:00:00Z`) / DAY;
  if (sod(a) > now) return 'refused';
  const length = b - a + 1;
  if (sod(b + 1) <= now) return done(sod(a), sod(b + 1), sod(a - length), sod(a));
  // Reaches now: ends at now, compared with the same span one period-length (b - a + 1 days) earlier.
  return done(sod(a), now, sod(a - length), cut(today - length));
}

/** Local transitions (offset changes) of a zone between two instants, found by a 12-hour scan and bisection. */
const transitionCache = new Map<string, number[]>();
function transitions(zone: string, from: number, to: number): number[] {
  const key = `${zone} ${from} ${to}`;
  const cached = transitionCache.get(key);
  if (cached !== undefined) return cached;
  const found: number[] = [];
  const STEP = 12 * H; // no zone changes its offset twice within 12 hours
  let previous = offsetAt(zone, from);
  for (let t = from + STEP; t <= to; t += STEP) {
    const offset = offsetAt(zone, t);
    if (offset !== previous) {
      let lo = t - STEP;
      let hi = t;
      while (hi - lo > MIN) {
        const mid = lo + Math.floor((hi - lo) / 2 / MIN) * MIN;
        if (offsetAt(zone, mid) === previous) lo = mid;
        else hi = mid;
      }
      found.push(hi);
      previous = offset;
    }
  }
  transitionCache.set(key, found);
  return found;
}

const NEAR = [0, 1, -1, 30 * MIN, -30 * MIN, H, -H, 90 * MIN, 2 * H, 3 * H, -3 * H, 23 * H, 25 * H, DAY, -DAY, 7 * DAY];

/** Instants worth testing in a zone: random ones, and ones near transitions and month, quarter and year ends. */
function interestingInstants(zone: string, r: Rng, count: number): number[] {
  const lo = Date.UTC(2012, 0, 1);
  const hi = Date.UTC(2029, 0, 1);
  const out: number[] = [];
  const switches = transitions(zone, Date.UTC(2014, 0, 1), Date.UTC(2028, 11, 31)).filter((t) => t > Date.UTC(2023, 0, 1) || r.chance(0.15));
  for (let i = 0; i < count; i++) {
    const kind = r.int(0, 3);
    if (kind === 0 || (kind === 1 && switches.length === 0)) out.push(lo + Math.floor(r.next() * (hi - lo)));
    else if (kind === 1) out.push(r.pick(switches) + r.pick(NEAR) + r.pick([0, 0, r.int(0, 59) * MIN + r.int(0, 59_999)]));
    else {
      // Near a month start (quarter and year starts are months too, weighted up).
      const year = r.int(2013, 2028);
      const month = kind === 2 ? r.int(1, 12) : r.pick([1, 4, 7, 10, 1, 3, 12]);
      const day = r.pick([1, 1, 1, 2, 28, 29, 30, 31].filter((d) => d <= daysInMonth(year, month)));
      out.push(startOfDay(zone, dayOf(year, month, day)) + r.pick(NEAR) + r.pick([0, 0, r.int(0, 1439) * MIN, r.int(0, 86_399_999)]));
    }
  }
  return out;
}

const describePeriod = (word: string, now: number, zone: string): string => `${word} at ${new Date(now).toISOString()} (local ${new Date(wall(zone, now)).toISOString().slice(0, 19)}) in ${zone}`;

interface PeriodOutcome {
  checked: number;
  ambiguous: { what: string; engine: number; first: number; second: number }[];
}

function comparePeriods(words: (today: number) => string[], seed: number, perZone: number, strictAmbiguity: boolean): PeriodOutcome {
  const outcome: PeriodOutcome = { checked: 0, ambiguous: [] };
  PERIOD_ZONES.forEach((zone, zoneIndex) => {
    const r = rng(seed + zoneIndex * 7919);
    for (const now of interestingInstants(zone, r, perZone)) {
      const today = localDay(zone, now);
      for (const word of words(today)) {
        const what = describePeriod(word, now, zone);
        const want = oracle(word, now, zone);
        if (want === 'refused') {
          expect(() => resolvePeriod(word, now, zone), what).toThrow(PeriodError);
          outcome.checked++;
          continue;
        }
        const got = resolvePeriod(word, now, zone);
        const shape = (p: { from: number; to: number; previous: { from: number; to: number } }) => ({
          from: new Date(p.from).toISOString(), to: new Date(p.to).toISOString(), previousFrom: new Date(p.previous.from).toISOString(), previousTo: new Date(p.previous.to).toISOString(),
        });
        if (want.ambiguousPreviousTo !== undefined && !strictAmbiguity) {
          // The docs do not say which of the two: accept either here; the strict test below takes the first.
          const [first, second] = want.ambiguousPreviousTo;
          expect([first, second], `${what}: previous.to must be one of the two readings of the clock time`).toContain(got.previous.to);
          expect({ ...shape(got), previousTo: '' }, what).toEqual({ ...shape(want), previousTo: '' });
          if (got.previous.to !== first) outcome.ambiguous.push({ what, engine: got.previous.to, first, second });
        } else {
          expect(shape(got), what).toEqual(shape(want));
        }
        // A running period ends at now, never later; a complete one before now.
        expect(got.to, what).toBeLessThanOrEqual(now);
        expect(got.previous.to, what).toBeLessThanOrEqual(got.from);
        outcome.checked++;
      }
    }
  });
  return outcome;
}

const FIXED_WORDS = ['today', 'yesterday', '7d', '30d', '90d', 'this-week', 'last-week', 'this-month', 'last-month', 'this-quarter', 'last-quarter', 'this-year', 'last-year'];

describe('periods against a wall-clock oracle (Intl, midnight by search)', () => {
  it('the fixed words, in zones with and without DST, near switches and month, quarter and year ends', () => {
    const outcome = comparePeriods(() => FIXED_WORDS, 20261123, 45, false);
    expect(outcome.checked).toBeGreaterThan(4000);
  });

  it('<N>d, <N>h, single days and A..B / A.. ranges (ending before today, today, or open)', () => {
    const r = rng(4242);
    const outcome = comparePeriods((today) => {
      const a = today - r.int(0, 400);
      const before = a + r.int(0, Math.max(0, today - 1 - a));
      const words = [`${r.int(1, 120)}d`, `${r.int(1, 3660)}d`, `${r.int(1, 2000)}h`, `${isoDate(a)}..`, `${isoDate(a)}..${isoDate(today)}`, isoDate(a), isoDate(today), isoDate(today + 1)];
      if (before >= a && before < today) words.push(`${isoDate(a)}..${isoDate(before)}`);
      return words;
    }, 777, 40, false);
    expect(outcome.checked).toBeGreaterThan(2000);
  });

  it('a range reaching past now ends at now and compares with the span one range-length (B - A + 1 days) earlier [doc ambiguity: which length]', () => {
    const r = rng(99);
    comparePeriods((today) => {
      const a = today - r.int(0, 60);
      return [`${isoDate(a)}..${isoDate(today + r.int(1, 60))}`];
    }, 31337, 25, false);
  });

  // The docs say how a skipped clock time resolves (forward by the gap), not a repeated one. Reading chosen: its first occurrence,
  // as business-hours.ts rule 3 reads a repeated wall time. Whatever the reading, it should not depend on the zone.
  it('a previous period cut at a clock time the earlier day has twice takes its first occurrence (docs/metrics.md, Common rules)', () => {
    // Only instants just after a fall-back, so that yesterday / a week / a month ago repeats now's clock time.
    let checked = 0;
    const mismatches: string[] = [];
    for (const zone of ['Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe']) {
      for (const fallBack of transitions(zone, Date.UTC(2024, 0, 1), Date.UTC(2026, 11, 31)).filter((t) => offsetAt(zone, t) < offsetAt(zone, t - H))) {
        // The repeated local clock times are those of [fallBack - gap, fallBack) first time; now = the same clock a day, a week, a month later.
        const gap = offsetAt(zone, fallBack - H) - offsetAt(zone, fallBack);
        for (const later of [DAY, 7 * DAY]) {
          const now = instantsOfWall(zone, wall(zone, fallBack - gap / 2) + later).matches[0] as number;
          for (const word of later === DAY ? ['today', '1d'] : ['this-week', '7d', 'today']) {
            const want = oracle(word, now, zone);
            if (want === 'refused' || want.ambiguousPreviousTo === undefined) continue;
            const got = resolvePeriod(word, now, zone);
            if (got.previous.to !== want.ambiguousPreviousTo[0]) {
              mismatches.push(`${describePeriod(word, now, zone)}: previous.to ${new Date(got.previous.to).toISOString()}, not the first occurrence ${new Date(want.ambiguousPreviousTo[0]).toISOString()}`);
            }
            checked++;
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(5);
    expect(mismatches).toEqual([]);
  });

  it('a previous period cut at a clock time the earlier day skipped (spring forward) moves forward by the gap', () => {
    let checked = 0;
    for (const zone of ['Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe', 'America/Santiago']) {
      for (const spring of transitions(zone, Date.UTC(2023, 0, 1), Date.UTC(2026, 11, 31)).filter((t) => offsetAt(zone, t) > offsetAt(zone, t - H))) {
        const gap = offsetAt(zone, spring) - offsetAt(zone, spring - H);
        const skipped = wall(zone, spring) - gap / 2; // a wall time inside the gap, on the day of the switch
        const day = Math.floor(skipped / DAY);
        const { y, m, d } = ymd(day);
        const monthLater = addMonths(y, m, 1);
        const later = [skipped + DAY, skipped + 7 * DAY, dayOf(monthLater.y, monthLater.m, d) * DAY + (skipped - day * DAY)];
        later.forEach((naive, index) => {
          const now = instantsOfWall(zone, naive).matches[0];
          if (now === undefined) return; // that later day skips it too
          for (const word of [['today', '1d'], ['7d', 'this-week'], ['this-month']][index] as string[]) {
            const want = oracle(word, now, zone);
            if (want === 'refused') continue;
            const got = resolvePeriod(word, now, zone);
            if (!(want.previous.to > startOfDay(zone, day) && want.previous.to < startOfDay(zone, day + 1))) continue; // the cut is not on the switch day (e.g. this-week on a Monday)
            expect(new Date(got.previous.to).toISOString(), `${describePeriod(word, now, zone)}: previous.to`).toBe(new Date(want.previous.to).toISOString());
            expect(new Date(got.previous.from).toISOString(), `${describePeriod(word, now, zone)}: previous.from`).toBe(new Date(want.previous.from).toISOString());
            checked++;
          }
        });
      }
    }
    expect(checked).toBeGreaterThan(20);
  });

  it('unitsIn counts days fractionally by their hours, and ISO weeks and months by their days (a DST day is one day)', () => {
    const r = rng(555);
    let checked = 0;
    for (const zone of PERIOD_ZONES) {
      for (const now of interestingInstants(zone, r, 12)) {
        for (const word of ['today', '7d', 'this-week', 'this-month', 'last-month', 'this-quarter', '2023-02-27..2023-04-02']) {
          const period = oracle(word, now, zone);
          if (period === 'refused') continue;
          for (const unit of ['day', 'week', 'month'] as CalendarUnit[]) {
            // Oracle: walk the local days that overlap [from, to), each adding overlap / its own length (docs/metrics.md, volume:
            // "a 23- or 25-hour DST day counts as one day"); a week or month is those days over its count of days.
            const daysOverlapping = (from: number, to: number) => {
              let days = 0;
              for (let d = localDay(zone, from); startOfDay(zone, d) < to; d++) {
                const s = startOfDay(zone, d);
                const e = startOfDay(zone, d + 1);
                const overlap = Math.min(e, to) - Math.max(s, from);
                if (overlap > 0) days += overlap / (e - s);
              }
              return days;
            };
            let want = 0;
            let day = localDay(zone, period.from);
            const unitStart = (d: number) => (unit === 'day' ? d : unit === 'week' ? d - (weekday(d) - 1) : dayOf(ymd(d).y, ymd(d).m, 1));
            const unitNext = (d: number) => (unit === 'day' ? d + 1 : unit === 'week' ? d + 7 : dayOf(addMonths(ymd(d).y, ymd(d).m, 1).y, addMonths(ymd(d).y, ymd(d).m, 1).m, 1));
            for (day = unitStart(day); startOfDay(zone, day) < period.to; day = unitNext(day)) {
              const s = startOfDay(zone, day);
              const e = startOfDay(zone, unitNext(day));
              const overlap = Math.min(e, period.to) - Math.max(s, period.from);
              if (overlap > 0) want += unit === 'day' ? overlap / (e - s) : daysOverlapping(Math.max(s, period.from), Math.min(e, period.to)) / (unitNext(day) - day);
            }
            expect(unitsIn({ from: period.from, to: period.to }, unit, zone), `${unit}s in ${describePeriod(word, now, zone)}`).toBeCloseTo(want, 9);
            checked++;
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(1000);
  });
});

// ---------------------------------------------------------------------------
// Part 2: business-hours durations and due times
// ---------------------------------------------------------------------------

const hhmm = (minutes: number): string => `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
const minutesOf = (text: string): number => Number(text.slice(0, 2)) * 60 + Number(text.slice(3, 5));

const CALENDAR_ZONES = ['Europe/Berlin', 'America/New_York', 'Europe/Istanbul', 'Asia/Jakarta', 'Australia/Lord_Howe', 'UTC', 'America/Santiago'] as const;

/** A random calendar: 0-3 ranges a day, boundaries often at night (where DST switches happen), sometimes 24:00; random holidays. */
function randomCalendar(r: Rng, name: string, holidayDays: readonly number[]): BusinessCalendar {
  const zone = r.pick(CALENDAR_ZONES);
  const nightly = r.chance(0.4);
  const week = {} as WeeklyHours;
  for (let d = 1 as IsoWeekday; d <= 7; d = (d + 1) as IsoWeekday) {
    const count = r.pick([0, 1, 1, 1, 2, 2, 3]);
    const points = new Set<number>();
    const grain = r.pick([1, 15, 30, 60]);
    while (points.size < count * 2) {
      const special = nightly && r.chance(0.5) ? r.pick([0, 60, 90, 120, 135, 150, 180, 210, 1380, 1440]) : Math.round(r.int(0, 1440) / grain) * grain;
      points.add(Math.min(1440, special));
    }
    const sorted = [...points].sort((a, b) => a - b);
    const ranges: [string, string][] = [];
    for (let i = 0; i < sorted.length; i += 2) ranges.push([hhmm(sorted[i] as number), (sorted[i + 1] as number) === 1440 ? '24:00' : hhmm(sorted[i + 1] as number)]);
    // "24:00" may only end a range; a range starting at 24:00 cannot exist (points are distinct and sorted, so only an end can be 1440).
    week[d] = r.chance(0.5) ? ranges.reverse() : ranges; // unsorted input is allowed
  }
  if (Object.values(week).every((ranges) => ranges.length === 0)) week[3] = [['09:00', '17:00']];
  const holidays = holidayDays.filter(() => r.chance(0.5)).map(isoDate);
  return { name, timezone: zone, weeklyHours: week, holidays };
}

/**
 * The open minutes of a calendar from `start` for `minutes` minutes (both minute-aligned), by rule 3 of
 * business-hours.ts: a wall time W becomes the earliest instant whose wall clock reads W or later, so
 * instant t lies in [inst(s), inst(e)) exactly when the largest wall clock seen up to t, M(t), lies in
 * [s, e) of its own local day. Stepping minute by minute through real time with that running maximum
 * counts the open minutes. Offsets come from Intl once an hour, and once a minute in an hour that changes.
 */
function openMinutes(calendar: BusinessCalendar, start: number, minutes: number): Uint8Array {
  const zone = calendar.timezone;
  const holidays = new Set(calendar.holidays.map((date) => Date.parse(`${date}T00:00:00Z`) / DAY));
  const ranges = new Map<number, [number, number][]>();
  for (let d = 1; d <= 7; d++) ranges.set(d, (calendar.weeklyHours[d as IsoWeekday] ?? []).map(([s, e]) => [minutesOf(s), minutesOf(e)]));
  const warmUp = 26 * 60; // start the running maximum a day early, outside any repeated hour
  const open = new Uint8Array(minutes);
  let max = -Infinity;
  let hourStart = Number.NaN;
  let hourOffset = 0;
  let nextHourOffset = 0;
  for (let i = -warmUp; i < minutes; i++) {
    const t = start + i * MIN;
    const hour = Math.floor(t / H) * H;
    if (hour !== hourStart) {
      hourStart = hour;
      hourOffset = offsetAt(zone, hour);
      nextHourOffset = offsetAt(zone, hour + H);
    }
    const offset = hourOffset === nextHourOffset ? hourOffset : offsetAt(zone, t);
    const w = t + offset;
    if (w > max) max = w;
    if (i < 0) continue;
    const day = Math.floor(max / DAY);
    if (holidays.has(day)) continue;
    const minute = Math.floor((max - day * DAY) / MIN);
    for (const [s, e] of ranges.get(weekday(day)) as [number, number][]) {
      if (s <= minute && minute < e) {
        open[i] = 1;
        break;
      }
    }
  }
  return open;
}

interface OpenMap {
  readonly base: number;
  readonly open: Uint8Array;
}

/** Open ms in [a, b) by the minute map. */
function oracleBusiness(map: OpenMap, a: number, b: number): number {
  if (b <= a) return 0;
  let total = 0;
  const first = Math.floor((a - map.base) / MIN);
  const last = Math.ceil((b - map.base) / MIN);
  if (first < 0 || last > map.open.length) throw new Error('oracle: outside the map');
  for (let i = first; i < last; i++) {
    if (map.open[i] === 0) continue;
    const s = map.base + i * MIN;
    total += Math.min(b, s + MIN) - Math.max(a, s);
  }
  return total;
}

/** The earliest u with open time in [a, u) = m (m = 0: the first open instant at or after a); undefined past the map. */
function oracleDue(map: OpenMap, a: number, m: number): number | undefined {
  let acc = 0;
  for (let i = Math.floor((a - map.base) / MIN); i < map.open.length; i++) {
    if (map.open[i] === 0) continue;
    const s = Math.max(a, map.base + i * MIN);
    const e = map.base + (i + 1) * MIN;
    if (m === 0) return s;
    if (acc + (e - s) >= m) return s + (m - acc);
    acc += e - s;
  }
  return undefined;
}

const calendarText = (c: BusinessCalendar): string => JSON.stringify(c);

describe('business hours against a minute-by-minute oracle', () => {
  it('businessMillisBetween, isOpen, nextOpening and addBusinessMillis on random calendars and intervals of up to 60 days', () => {
    const r = rng(8080);
    let compared = 0;
    for (let c = 0; c < 90; c++) {
      // Intervals biased towards DST switches of the calendar's zone.
      const base0 = Date.UTC(2024, 0, 1) + r.int(0, 3 * 365) * DAY;
      const calendarDays = Array.from({ length: 6 }, () => Math.floor(base0 / DAY) + r.int(-2, 62));
      const calendar = randomCalendar(r, `c${c}`, calendarDays);
      const switches = transitions(calendar.timezone, Date.UTC(2024, 0, 1), Date.UTC(2027, 11, 31));
      const a = switches.length > 0 && r.chance(0.6) ? r.pick(switches) - r.int(0, 10 * 24 * 60) * MIN + r.pick([0, r.int(0, 59_999)]) : base0 + r.int(0, DAY - 1);
      const length = r.pick([0, r.int(1, 120) * MIN, r.int(1, 3 * DAY), r.int(1, 60 * DAY), 60 * DAY]);
      const b = a + length;
      const base = Math.floor(a / MIN) * MIN - DAY;
      const map: OpenMap = { base, open: openMinutes(calendar, base, Math.ceil((b - base) / MIN) + 2 * 24 * 60) };
      const what = `${calendarText(calendar)} [${new Date(a).toISOString()}, ${new Date(b).toISOString()})`;
      const total = oracleBusiness(map, a, b);
      expect(businessMillisBetween(calendar, a, b), `businessMillisBetween ${what}`).toBe(total);
      expect(signedBusinessMillis(calendar, b, a) + 0, `signedBusinessMillis backwards ${what}`).toBe(-total + 0);
      // Sub-intervals, isOpen and nextOpening at random instants inside.
      for (let k = 0; k < 6; k++) {
        const x = a + Math.floor(r.next() * (length + 1));
        const y = x + Math.floor(r.next() * (b - x + 1));
        expect(businessMillisBetween(calendar, x, y), `businessMillisBetween ${calendarText(calendar)} [${new Date(x).toISOString()}, ${new Date(y).toISOString()})`).toBe(oracleBusiness(map, x, y));
        expect(isOpen(calendar, x), `isOpen ${calendarText(calendar)} at ${new Date(x).toISOString()}`).toBe(map.open[Math.floor((x - base) / MIN)] === 1);
        const opening = oracleDue(map, x, 0);
        if (opening !== undefined) expect(nextOpening(calendar, x), `nextOpening ${calendarText(calendar)} at ${new Date(x).toISOString()}`).toBe(opening);
      }
      // Due times: the instant at which m open ms have elapsed since a, for m up to the whole interval's open time.
      for (const m of [0, total, Math.floor(total / 2), r.int(0, total), Math.min(total, r.int(1, 8) * H), Math.min(total, 1)]) {
        const due = oracleDue(map, a, m);
        if (due === undefined) continue;
        expect(addBusinessMillis(calendar, a, m), `addBusinessMillis ${what} + ${m} ms`).toBe(due);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(300);
  });

  it('the documented examples of rule 3 hold in the oracle too (09:00-17:00 is 8 h; 00:00-06:00 is 5 h on a spring-forward night, 7 h on a fall-back one)', () => {
    // A guard on the oracle itself, so that its agreement with the engine means something.
    const every = (ranges: [string, string][]): WeeklyHours => ({ 1: ranges, 2: ranges, 3: ranges, 4: ranges, 5: ranges, 6: ranges, 7: ranges });
    const berlin = (ranges: [string, string][]): BusinessCalendar => ({ name: 'b', timezone: 'Europe/Berlin', weeklyHours: every(ranges), holidays: [] });
    const day = (iso: string) => startOfDay('Europe/Berlin', Date.parse(`${iso}T00:00:00Z`) / DAY);
    for (const [ranges, date, hours] of [[[['00:00', '06:00']], '2026-03-29', 5], [[['00:00', '06:00']], '2026-10-25', 7], [[['09:00', '17:00']], '2026-03-29', 8], [[['09:00', '17:00']], '2026-10-25', 8], [[['02:00', '02:30']], '2026-10-25', 0.5], [[['02:30', '03:00']], '2026-10-25', 1.5], [[['02:00', '03:00']], '2026-03-29', 0]] as [[string, string][], string, number][]) {
      const calendar = berlin(ranges);
      const from = day(date);
      const to = from + DAY + 2 * H;
      const map: OpenMap = { base: from - DAY, open: openMinutes(calendar, from - DAY, (to - from + 2 * DAY) / MIN) };
      const end = day(new Date(Date.parse(`${date}T00:00:00Z`) + DAY).toISOString().slice(0, 10));
      expect(oracleBusiness(map, from, end) / H, `oracle ${JSON.stringify(ranges)} on ${date}`).toBe(hours);
      expect(businessMillisBetween(calendar, from, end) / H, `engine ${JSON.stringify(ranges)} on ${date}`).toBe(hours);
    }
  });
});

// ---------------------------------------------------------------------------
// Part 3: SLA policies through the database
// ---------------------------------------------------------------------------

type Status = 'new' | 'open' | 'pending' | 'on-hold' | 'solved' | 'closed';
const RESOLVED: readonly Status[] = ['solved', 'closed'];

interface Life {
  id: string;
  priority: 'low' | 'normal' | 'high' | 'urgent';
  team: string | null;
  createdAt: number;
  /** Every status the ticket entered, from when; the first is "new" at creation. */
  statuses: { status: Status; from: number; viaReopen?: boolean }[];
  replies: number[];
  customerMessages: number[];
  /** Opened by an agent (outbound): first response counts from the customer's first message. */
  createdByAgent?: boolean;
}

interface PolicySpec {
  name: string;
  priority?: Life['priority'];
  team?: string;
  firstResponseSeconds?: number;
  /** Only in the case-by-case tests: the random lives' oracle covers first response and resolution. */
  nextReplySeconds?: number;
  resolutionSeconds?: number;
  businessHours: boolean;
  calendar?: string;
  pauseStatuses: ('pending' | 'on-hold')[];
}

/** A random ticket life on whole minutes, all of it before `now`. */
function randomLife(r: Rng, id: string, windowStart: number, now: number, teams: readonly (string | null)[], agentOpened = 0): Life {
  const minute = (t: number) => Math.floor(t / MIN) * MIN;
  const createdAt = minute(windowStart + r.next() * (now - windowStart - H));
  const life: Life = { id, priority: r.pick(['low', 'normal', 'high', 'urgent'] as const), team: r.pick(teams), createdAt, statuses: [{ status: 'new', from: createdAt }], replies: [], customerMessages: [] };
  if (r.chance(agentOpened)) life.createdByAgent = true;
  let t = createdAt;
  let status: Status = 'new';
  const steps = r.int(0, 9);
  for (let s = 0; s < steps; s++) {
    // Gaps from a minute to a few days, many of them short.
    t += MIN * Math.max(1, Math.floor(r.pick([5, 30, 90, 240, 600, 1440, 3000]) * r.next() * 2));
    if (t >= now) break;
    const resolved = RESOLVED.includes(status);
    const move = r.next();
    if (resolved) {
      if (move < 0.5) {
        life.statuses.push({ status: 'open', from: t, viaReopen: r.chance(0.5) });
        status = 'open';
      }
      continue;
    }
    if (move < 0.3 && life.createdByAgent === true && life.customerMessages.length === 0) {
      life.customerMessages.push(t); // an outbound ticket's replies come after the customer has written
    } else if (move < 0.3) {
      life.replies.push(t);
    } else if (move < 0.45 && (status === 'new' || status === 'open')) {
      life.customerMessages.push(t);
    } else {
      const next: Status = r.pick(status === 'new' ? ['open', 'pending', 'on-hold', 'solved'] : ['open', 'pending', 'on-hold', 'solved', 'solved', 'closed']);
      if (next === status) continue;
      life.statuses.push({ status: next, from: t });
      status = next;
    }
  }
  return life;
}

/** The normalized events of a life, through the generic vocabulary. */
function lifeEvents(life: Life, keys: { next: number }): NormalizedEvent[] {
  const agent = { type: 'agent' as const, id: 'a1', email: 'ayu@example.com' };
  const customer = { type: 'customer' as const, id: `cust-${life.id}` };
  const ev = (type: TicketEventType, at: number, data: TicketEventData, actor?: typeof agent | typeof customer) =>
    ({ kind: 'ticket' as const, type, externalTicketId: life.id, occurredAt: at, data, ...(actor === undefined ? {} : { actor }), dedupeKey: `e${keys.next++}` });
  const events = [ev('ticket_created', life.createdAt, { status: 'new', priority: life.priority, channel: 'email', team: life.team, assignee: agent, ...(life.createdByAgent === true ? { createdByAgent: true } : {}) }, life.createdByAgent === true ? agent : customer)];
  for (const change of life.statuses.slice(1)) events.push(change.viaReopen === true ? ev('reopened', change.from, { status: 'open' }) : ev('status_changed', change.from, { status: change.status }));
  for (const at of life.replies) events.push(ev('agent_reply', at, {}, agent));
  for (const at of life.customerMessages) events.push(ev('customer_message', at, {}, customer));
  return events;
}

interface Clock {
  /** 1 when open at minute i from `base`, or undefined for calendar hours (always open). */
  map?: OpenMap;
}

/** Status of a life at instant x (the last change at or before x). */
function statusAt(life: Life, x: number): Status {
  let status: Status = 'new';
  for (const change of life.statuses) if (change.from <= x) status = change.status;
  return status;
}

/** The instant the ticket was last solved, when it is resolved now (else undefined): the clock stop of its resolution target. */
function resolvedAtNow(life: Life): number | undefined {
  const last = life.statuses[life.statuses.length - 1] as Life['statuses'][number];
  if (!RESOLVED.includes(last.status)) return undefined;
  let i = life.statuses.length - 1;
  while (i > 0 && RESOLVED.includes((life.statuses[i - 1] as Life['statuses'][number]).status)) i--;
  return (life.statuses[i] as Life['statuses'][number]).from;
}

/**
 * A target's due time by stepping minute by minute from `start` (rules T1-T7 of sla.ts): a minute counts
 * when the clock is open and the ticket is not in a pause status that began before the stop; the due time
 * is where the count reaches the target; an endless pause before that leaves no due time. `limit` bounds
 * the walk (a due time past it is returned as Infinity).
 */
function oracleTargetDue(life: Life, start: number, stop: number | undefined, targetMs: number, clock: Clock, pauses: readonly string[], limit: number): number | undefined {
  let acc = 0;
  let index = 0; // the status change in force
  const changes = life.statuses;
  // A pause is a run of consecutive pause statuses (pending then on-hold is one pause); it begins where the run begins.
  const runStart = changes.map((change, i) => {
    let j = i;
    while (j > 0 && pauses.includes((changes[j - 1] as Life['statuses'][number]).status)) j--;
    return (changes[j] as Life['statuses'][number]).from;
  });
  for (let t = start; t < limit; t += MIN) {
    while (index + 1 < changes.length && (changes[index + 1] as Life['statuses'][number]).from <= t) index++;
    const change = changes[index] as Life['statuses'][number];
    const paused = pauses.includes(change.status) && (stop === undefined || (runStart[index] as number) < stop);
    if (paused && index === changes.length - 1) return undefined; // T7: paused for ever before the target is reached
    if (paused) continue;
    if (clock.map !== undefined && clock.map.open[(t - clock.map.base) / MIN] !== 1) continue;
    if (acc + MIN >= targetMs) return t + (targetMs - acc);
    acc += MIN;
  }
  return Infinity;
}

interface Judged {
  life: Life;
  policy?: PolicySpec;
  firstResponseDue?: number;
  resolutionDue?: number;
}

function percentileCont(values: number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const h = q * (sorted.length - 1);
  const lo = Math.floor(h);
  const hi = Math.ceil(h);
  return (sorted[lo] as number) + (h - lo) * ((sorted[hi] as number) - (sorted[lo] as number));
}
const stats = (values: number[]) => ({ median: percentileCont(values, 0.5), mean: values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length, p90: percentileCont(values, 0.9), n: values.length });

const SLA_NOW = Date.UTC(2026, 10, 3, 10, 17); // 2026-11-03 10:17 UTC: the window spans the October and November DST ends and Lord Howe's start
const SLA_WINDOW = 40 * DAY;

interface Scenario {
  calendars: { name: string; calendar: BusinessCalendar; isDefault: boolean }[];
  teamCalendars: { team: string; calendar: string }[];
  policies: PolicySpec[];
  lives: Life[];
  period: PeriodRange;
}

function randomScenario(seed: number, tickets: number, agentOpened = 0): Scenario {
  const r = rng(seed);
  const windowStart = SLA_NOW - SLA_WINDOW;
  const holidayDays = Array.from({ length: 8 }, () => Math.floor(windowStart / DAY) + r.int(0, 45));
  const calendars: Scenario['calendars'] = [];
  const withDefault = r.chance(0.7);
  calendars.push({ name: 'cal-a', calendar: { ...randomCalendar(r, 'cal-a', holidayDays) }, isDefault: withDefault });
  if (r.chance(0.7)) calendars.push({ name: 'cal-b', calendar: randomCalendar(r, 'cal-b', holidayDays), isDefault: false });
  const teamCalendars = calendars.length > 1 && r.chance(0.6) ? [{ team: 'Billing', calendar: 'cal-b' }] : [];
  const policies: PolicySpec[] = [];
  const targets = (): Pick<PolicySpec, 'firstResponseSeconds' | 'resolutionSeconds'> => {
    const which = r.int(0, 2);
    return {
      ...(which !== 1 ? { firstResponseSeconds: r.pick([900, 3600, 5400, 4 * 3600, 86_400]) } : {}),
      ...(which !== 0 ? { resolutionSeconds: r.pick([8 * 3600, 86_400, 3 * 86_400, 5 * 86_400]) } : {}),
    };
  };
  const clock = (): Pick<PolicySpec, 'businessHours' | 'calendar' | 'pauseStatuses'> => {
    const business = r.chance(0.6) && (withDefault || calendars.length > 1);
    // Its own calendar (a non-default one), else none: then the default calendar (refused when there is none).
    const own = calendars.filter((c) => !c.isDefault).map((c) => c.name);
    const calendar = business && own.length > 0 && (!withDefault || r.chance(0.4)) ? r.pick(own) : undefined;
    const pauseStatuses = r.pick([[], ['pending'], ['on-hold'], ['pending', 'on-hold']] as ('pending' | 'on-hold')[][]);
    return { businessHours: business, ...(calendar === undefined ? {} : { calendar }), pauseStatuses };
  };
  if (r.chance(0.5)) policies.push({ name: 'billing', team: r.pick(['Billing', ' billing ']), ...(r.chance(0.5) ? { priority: r.pick(['high', 'urgent'] as const) } : {}), ...targets(), ...clock() });
  for (const priority of ['urgent', 'high', 'normal', 'low'] as const) if (r.chance(0.6)) policies.push({ name: `p-${priority}`, priority, ...targets(), ...clock() });
  if (r.chance(0.6) || policies.length === 0) policies.push({ name: 'catch-all', ...targets(), ...clock() });
  const keysTeams = ['Billing', 'Support', null];
  const lives = Array.from({ length: tickets }, (_, i) => randomLife(r, `T${i}`, windowStart, SLA_NOW, keysTeams, agentOpened));
  const from = SLA_NOW - 14 * DAY;
  const period: PeriodRange = { from, to: SLA_NOW, timezone: 'UTC', previous: { from: from - 14 * DAY, to: from } };
  return { calendars, teamCalendars, policies, lives, period };
}

const matches = (a: string | undefined | null, b: string | undefined | null): boolean => (a ?? '').trim().toLowerCase() === (b ?? '').trim().toLowerCase();

interface OracleOutcome {
  judged: Judged[];
  overdueAt(x: number): string[];
  breached(from: number, to: number): { withTarget: string[]; breached: string[] };
  frt(from: number, to: number): { calendar: number[]; business: number[] };
  resolution(from: number, to: number): { first: number[]; full: number[] };
}

function slaOracle(scenario: Scenario): OracleOutcome {
  const windowStart = SLA_NOW - SLA_WINDOW;
  const base = windowStart - 2 * DAY;
  const limit = SLA_NOW + 30 * DAY;
  const maps = new Map<string, OpenMap>();
  for (const { name, calendar } of scenario.calendars) maps.set(name, { base, open: openMinutes(calendar, base, (limit + DAY - base) / MIN) });
  const defaultName = scenario.calendars.find((c) => c.isDefault)?.name;
  /** The clock of a policy (C1): its calendar, else the default; calendar hours without businessHours. */
  const policyClock = (policy: PolicySpec): Clock => (policy.businessHours ? { map: maps.get(policy.calendar ?? (defaultName as string)) as OpenMap } : {});
  /** The calendar measuring a ticket's business durations (D1). */
  const ticketMap = (life: Life): OpenMap | undefined => {
    const own = scenario.teamCalendars.find((tc) => life.team !== null && matches(tc.team, life.team));
    const name = own?.calendar ?? defaultName;
    return name === undefined ? undefined : maps.get(name);
  };
  const business = (map: OpenMap | undefined, a: number, b: number) => (map === undefined ? b - a : oracleBusiness(map, a, b));
  const judged: Judged[] = scenario.lives.map((life) => {
    const policy = scenario.policies.find((p) => (p.priority === undefined || matches(p.priority, life.priority)) && (p.team === undefined || matches(p.team, life.team)));
    if (policy === undefined) return { life };
    const clock = policyClock(policy);
    const firstReply = life.replies[0];
    const resolvedAt = resolvedAtNow(life);
    return {
      life,
      policy,
      ...(policy.firstResponseSeconds === undefined ? {} : { firstResponseDue: oracleTargetDue(life, life.createdAt, firstReply, policy.firstResponseSeconds * 1000, clock, policy.pauseStatuses, limit) }),
      ...(policy.resolutionSeconds === undefined ? {} : { resolutionDue: oracleTargetDue(life, life.createdAt, resolvedAt, policy.resolutionSeconds * 1000, clock, policy.pauseStatuses, limit) }),
    };
  });
  const firstSolve = (life: Life) => life.statuses.find((s) => RESOLVED.includes(s.status))?.from;
  return {
    judged,
    overdueAt: (x) =>
      judged
        .filter(({ life, firstResponseDue, resolutionDue }) => {
          if (!(life.createdAt < x) || RESOLVED.includes(statusAt(life, x))) return false;
          const replied = life.replies[0] !== undefined && (life.replies[0] as number) <= x;
          return (firstResponseDue !== undefined && firstResponseDue < x && !replied) || (resolutionDue !== undefined && resolutionDue < x);
        })
        .map(({ life }) => life.id),
    breached: (from, to) => {
      const inPeriod = judged.filter(({ life, policy }) => policy !== undefined && life.createdAt >= from && life.createdAt < to);
      // B1/B2 at now: a stopped target is breached when it stopped after its due time; a running one when now is past it.
      const late = (due: number | undefined, stop: number | undefined) => due !== undefined && (stop !== undefined && stop <= SLA_NOW ? stop > due : SLA_NOW > due);
      return {
        withTarget: inPeriod.map(({ life }) => life.id),
        breached: inPeriod.filter(({ life, firstResponseDue, resolutionDue }) => late(firstResponseDue, life.replies[0]) || late(resolutionDue, resolvedAtNow(life))).map(({ life }) => life.id),
      };
    },
    frt: (from, to) => {
      // Start: creation, or the customer's first message when an agent opened the ticket (docs/metrics.md, frt).
      const startOf = (life: Life) => (life.createdByAgent === true ? life.customerMessages[0] : life.createdAt);
      const replied = scenario.lives.filter((life) => life.createdAt >= from && life.createdAt < to && life.replies.length > 0 && startOf(life) !== undefined);
      return {
        calendar: replied.map((life) => ((life.replies[0] as number) - (startOf(life) as number)) / 1000),
        business: replied.map((life) => business(ticketMap(life), startOf(life) as number, life.replies[0] as number) / 1000),
      };
    },
    resolution: (from, to) => {
      const first = scenario.lives.filter((life) => { const at = firstSolve(life); return at !== undefined && at >= from && at < to; });
      const full = scenario.lives.filter((life) => { const at = resolvedAtNow(life); return at !== undefined && at >= from && at < to; });
      return {
        first: first.map((life) => business(ticketMap(life), life.createdAt, firstSolve(life) as number) / 1000),
        full: full.map((life) => business(ticketMap(life), life.createdAt, resolvedAtNow(life) as number) / 1000),
      };
    },
  };
}

async function loadScenario(db: Database, scenario: Scenario): Promise<void> {
  await clearIngestedData(db);
  for (const table of ['sla_policies', 'teams', 'calendar_holidays', 'business_calendars']) await db(table).delete();
  const sla = new SlaStore(db, () => SLA_NOW);
  for (const { name, calendar, isDefault } of scenario.calendars) {
    await sla.saveCalendar(name, calendar.timezone, calendar.weeklyHours, isDefault);
    for (const date of calendar.holidays) await sla.addHoliday(name, date);
  }
  for (const { team, calendar } of scenario.teamCalendars) await sla.assignTeamCalendar(team, calendar);
  for (const policy of scenario.policies) await sla.addPolicy(policy);
  const ingest = new IngestStore(db, { escalationGroups: [], escalationTag: 'escalated' }, () => SLA_NOW);
  const keys = { next: 0 };
  await ingest.recordEvents('generic', scenario.lives.flatMap((life) => lifeEvents(life, keys)));
}

const describeScenario = (scenario: Scenario): string => JSON.stringify({ calendars: scenario.calendars, teamCalendars: scenario.teamCalendars, policies: scenario.policies });
const describeLife = (life: Life): string => JSON.stringify({ ...life, createdAt: new Date(life.createdAt).toISOString(), statuses: life.statuses.map((s) => `${s.status}${s.viaReopen === true ? '(reopened)' : ''}@${new Date(s.from).toISOString()}`), replies: life.replies.map((t) => new Date(t).toISOString()), customerMessages: life.customerMessages.map((t) => new Date(t).toISOString()) });

function expectStats(got: unknown, want: ReturnType<typeof stats>, what: string): void {
  const g = got as { median: number | null; mean: number | null; p90: number | null; n: number };
  expect(g.n, `${what} n`).toBe(want.n);
  for (const key of ['median', 'mean', 'p90'] as const) {
    if (want[key] === null) expect(g[key], `${what} ${key}`).toBeNull();
    else expect(g[key], `${what} ${key}`).toBeCloseTo(want[key] as number, 3);
  }
}

describe(`SLA overdue and business-hours durations over the database on ${TEST_ENGINE}, against a ticket-life oracle`, () => {
  const current = useTestDatabase({ migrate: true });

  it('stored due times, the overdue count now and at the previous period\'s end, the breached share and business-hours frt/resolution', async () => {
    const { db } = current;
    const kpi = new KpiStore(db);
    let overdueSeen = 0;
    for (const seed of [11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22]) {
      const scenario = randomScenario(seed, 70);
      await loadScenario(db, scenario);
      const oracle = slaOracle(scenario);
      const setting = `seed ${seed}: ${describeScenario(scenario)}`;
      // Due times per ticket (T4), where the oracle's walk found one.
      const rows = (await db('tickets').select('external_id', 'first_response_due_at', 'resolution_due_at')) as { external_id: string; first_response_due_at: number | string | null; resolution_due_at: number | string | null }[];
      const stored = new Map(rows.map((row) => [row.external_id, row]));
      for (const { life, firstResponseDue, resolutionDue } of oracle.judged) {
        const row = stored.get(life.id);
        const asNumber = (value: number | string | null | undefined) => (value === null || value === undefined ? undefined : Number(value));
        if (firstResponseDue !== Infinity) expect(asNumber(row?.first_response_due_at), `first response due of ${describeLife(life)} in ${setting}`).toBe(firstResponseDue);
        if (resolutionDue !== Infinity) expect(asNumber(row?.resolution_due_at), `resolution due of ${describeLife(life)} in ${setting}`).toBe(resolutionDue);
      }
      const { period } = scenario;
      const overdue = await computeMetric('overdue', kpi, period, {}, SLA_NOW);
      const now = oracle.overdueAt(SLA_NOW);
      const then = oracle.overdueAt(period.previous.to);
      overdueSeen += now.length + then.length;
      expect(overdue.value, `overdue now (${now.join(',')}) in ${setting}`).toBe(now.length);
      expect(overdue.previous.value, `overdue at the previous period's end (${then.join(',')}) in ${setting}`).toBe(then.length);
      const share = oracle.breached(period.from, period.to);
      // The numerator here; the denominator (tickets with a target) has its own test below.
      expect(overdue.details.breached, `breached tickets (${share.breached.join(',')}) in ${setting}`).toBe(share.breached.length);
      const frt = await computeMetric('frt', kpi, period, {}, SLA_NOW);
      const wantFrt = oracle.frt(period.from, period.to);
      expect(frt.value, `frt calendar median in ${setting}`).toBe(stats(wantFrt.calendar).median);
      expectStats((frt.details as { business: unknown }).business, stats(wantFrt.business), `frt business in ${setting}`);
      const resolution = await computeMetric('resolution', kpi, period, {}, SLA_NOW);
      const wantResolution = oracle.resolution(period.from, period.to);
      const business = (resolution.details as { business: { full: unknown; first: unknown } }).business;
      expectStats(business.full, stats(wantResolution.full), `resolution business full in ${setting}`);
      expectStats(business.first, stats(wantResolution.first), `resolution business first in ${setting}`);
    }
    expect(overdueSeen).toBeGreaterThan(10);
  });

  it('frt of agent-opened tickets counts from the customer\'s first message, in calendar and in business hours', async () => {
    const { db } = current;
    const kpi = new KpiStore(db);
    let outbound = 0;
    for (const seed of [31, 32, 33]) {
      const scenario = randomScenario(seed, 60, 0.5);
      await loadScenario(db, scenario);
      const oracle = slaOracle(scenario);
      const setting = `seed ${seed}: ${describeScenario(scenario)}`;
      const frt = await computeMetric('frt', kpi, scenario.period, {}, SLA_NOW);
      const want = oracle.frt(scenario.period.from, scenario.period.to);
      outbound += scenario.lives.filter((life) => life.createdByAgent === true && life.replies.length > 0 && life.createdAt >= scenario.period.from).length;
      expect(frt.value, `frt calendar median in ${setting}`).toBe(stats(want.calendar).median);
      expectStats((frt.details as { business: unknown }).business, stats(want.business), `frt business in ${setting}`);
    }
    expect(outbound).toBeGreaterThan(8);
  });
});

describe(`SLA targets the random lives leave out, case by case, on ${TEST_ENGINE}`, () => {
  const current = useTestDatabase({ migrate: true });
  const agent = { type: 'agent' as const, id: 'a1', email: 'ayu@example.com' };
  const customer = { type: 'customer' as const, id: 'c1' };
  let key = 0;
  const ev = (ticket: string, type: TicketEventType, at: number, data: TicketEventData = {}, actor?: typeof agent | typeof customer): NormalizedEvent => ({
    kind: 'ticket', type, externalTicketId: ticket, occurredAt: at, data, ...(actor === undefined ? {} : { actor }), dedupeKey: `m${key++}`,
  });
  const created = (ticket: string, at: number, data: TicketEventData = {}) => ev(ticket, 'ticket_created', at, { status: 'new', priority: 'normal', channel: 'email', ...data }, data.createdByAgent === true ? agent : customer);
  const setUp = async (policy: PolicySpec, events: NormalizedEvent[]) => {
    const { db } = current;
    await new SlaStore(db, () => SLA_NOW).addPolicy(policy);
    await new IngestStore(db, { escalationGroups: [], escalationTag: 'escalated' }, () => SLA_NOW).recordEvents('generic', events);
    return new KpiStore(db);
  };
  const lastWeek: PeriodRange = { from: SLA_NOW - 7 * DAY, to: SLA_NOW, timezone: 'UTC', previous: { from: SLA_NOW - 14 * DAY, to: SLA_NOW - 7 * DAY } };

  it('the breached share counts every ticket with a target, also one paused for ever (so with no due time) whose target was met', async () => {
    // docs/metrics.md, overdue: "breached share: breached / tickets created in the period that have a target"; sla.ts T7: a ticket paused
    // with no end has no due time, but the policy still sets its target (B3 keeps "no target" for a target the policy does not set).
    const kpi = await setUp({ name: 'fr', firstResponseSeconds: 3600, businessHours: false, pauseStatuses: ['on-hold'] }, [
      created('HOLD', SLA_NOW - 2 * DAY), ev('HOLD', 'status_changed', SLA_NOW - 2 * DAY + 10 * MIN, { status: 'on-hold' }),
      ev('HOLD', 'agent_reply', SLA_NOW - DAY, {}, agent), // met: no due time was ever reached (B1)
      created('QUICK', SLA_NOW - 2 * DAY), ev('QUICK', 'agent_reply', SLA_NOW - 2 * DAY + 30 * MIN, {}, agent),
    ]);
    const overdue = await computeMetric('overdue', kpi, lastWeek, {}, SLA_NOW);
    expect(overdue.details).toMatchObject({ withTarget: 2, breached: 0, breachedShare: 0 });
  });

  it('a next-reply target gets a due time from the customer message awaiting an answer', async () => {
    // README: targets "for first response, next reply and resolution ... every ticket's due times follow the policy in force";
    // sla.ts T1: next reply starts at the customer message awaiting an answer. The wait is from the first unanswered message (docs/metrics.md, response).
    const { db } = current;
    await setUp({ name: 'nr', firstResponseSeconds: 86_400, nextReplySeconds: 3600, businessHours: false, pauseStatuses: [] }, [
      created('WAIT', SLA_NOW - 3 * DAY), ev('WAIT', 'agent_reply', SLA_NOW - 3 * DAY + 10 * MIN, {}, agent),
      ev('WAIT', 'customer_message', SLA_NOW - 5 * H, {}, customer), ev('WAIT', 'customer_message', SLA_NOW - 4 * H, {}, customer),
    ]);
    const row = (await db('tickets').first('next_reply_due_at').where({ external_id: 'WAIT' })) as { next_reply_due_at: number | string | null };
    expect(row.next_reply_due_at === null ? null : Number(row.next_reply_due_at)).toBe(SLA_NOW - 4 * H);
  });

  it('a next reply answered late, or still awaited past its due time, is a breach in the breached share (docs/metrics.md, overdue: any target counts)', async () => {
    // docs/metrics.md, overdue: "A target met late is a breach; an open ticket past its due time is a breach already."
    const kpi = await setUp({ name: 'nr', firstResponseSeconds: 86_400, nextReplySeconds: 3600, businessHours: false, pauseStatuses: [] }, [
      created('LATE', SLA_NOW - 3 * DAY), ev('LATE', 'agent_reply', SLA_NOW - 3 * DAY + 10 * MIN, {}, agent),
      ev('LATE', 'customer_message', SLA_NOW - 2 * DAY, {}, customer), ev('LATE', 'agent_reply', SLA_NOW - 2 * DAY + 3 * H, {}, agent),
      created('WAIT', SLA_NOW - 3 * DAY), ev('WAIT', 'agent_reply', SLA_NOW - 3 * DAY + 10 * MIN, {}, agent), ev('WAIT', 'customer_message', SLA_NOW - 5 * H, {}, customer),
      created('FINE', SLA_NOW - 3 * DAY), ev('FINE', 'agent_reply', SLA_NOW - 3 * DAY + 10 * MIN, {}, agent),
    ]);
    const overdue = await computeMetric('overdue', kpi, lastWeek, {}, SLA_NOW);
    expect(overdue.details).toMatchObject({ withTarget: 3, breached: 2 });
  });

  it('an agent-opened ticket\'s first-response clock starts at the customer\'s first message', async () => {
    // sla.ts T1: "for a ticket an agent opened, pass the first customer message as createdAt"; docs/metrics.md frt: start = "the
    // customer's first message when an agent opened the ticket". Opened 3 days ago, the customer wrote a day ago, answered 30 min later.
    const { db } = current;
    const kpi = await setUp({ name: 'fr', firstResponseSeconds: 3600, businessHours: false, pauseStatuses: [] }, [
      created('OUT', SLA_NOW - 3 * DAY, { createdByAgent: true }), ev('OUT', 'customer_message', SLA_NOW - DAY, {}, customer), ev('OUT', 'agent_reply', SLA_NOW - DAY + 30 * MIN, {}, agent),
    ]);
    const row = (await db('tickets').first('first_response_due_at').where({ external_id: 'OUT' })) as { first_response_due_at: number | string | null };
    expect.soft(Number(row.first_response_due_at), 'first response due').toBe(SLA_NOW - DAY + H);
    // Two days ago the ticket waited for the customer, not for an agent: not overdue then, and its target was met.
    const ended: PeriodRange = { from: SLA_NOW - 4 * DAY, to: SLA_NOW - 2 * DAY, timezone: 'UTC', previous: { from: SLA_NOW - 6 * DAY, to: SLA_NOW - 4 * DAY } };
    expect.soft((await computeMetric('overdue', kpi, ended, {}, SLA_NOW)).value, 'overdue two days ago').toBe(0);
    expect.soft((await computeMetric('overdue', kpi, lastWeek, {}, SLA_NOW)).details, 'breached share').toMatchObject({ withTarget: 1, breached: 0 });
  });
});
