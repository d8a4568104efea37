import { describe, expect, it } from 'vitest';
import { KpiBotError } from '../../src/errors.js';
import {
  ALWAYS_OPEN,
  BadCalendarError,
  addBusinessMillis,
  businessMillisBetween,
  isOpen,
  nextOpening,
  parseWeeklyHours,
  validateCalendar,
  validateWeeklyHours,
  type BusinessCalendar,
  type WeeklyHours,
} from '../../src/kpi/business-hours.js';
import { mulberry32 } from '../helpers/random.js';

const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

/** An instant from an ISO string with an explicit offset (independent of the code under test). */
const at = (iso: string): number => {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms) || !/(Z|[+-]\d\d:\d\d)$/.test(iso)) throw new Error(`bad test instant ${iso}`);
  return ms;
};

const weekdays = (...intervals: [string, string][]): WeeklyHours => ({ 1: intervals, 2: intervals, 3: intervals, 4: intervals, 5: intervals, 6: [], 7: [] });
const everyDay = (...intervals: [string, string][]): WeeklyHours => ({ 1: intervals, 2: intervals, 3: intervals, 4: intervals, 5: intervals, 6: intervals, 7: intervals });

const JAKARTA: BusinessCalendar = {
  name: 'Jakarta',
  timezone: 'Asia/Jakarta', // UTC+7, no DST
  weeklyHours: weekdays(['09:00', '17:00']),
  holidays: ['2026-08-17'], // Independence Day, a Monday
};
const ISTANBUL: BusinessCalendar = {
  name: 'Istanbul',
  timezone: 'Europe/Istanbul', // UTC+3, no DST
  weeklyHours: { ...weekdays(['09:00', '12:00'], ['13:00', '17:00']), 6: [['10:00', '14:00']] },
  holidays: ['2026-04-23'], // a Thursday
};
const BERLIN: BusinessCalendar = {
  name: 'Berlin office',
  timezone: 'Europe/Berlin',
  weeklyHours: weekdays(['09:00', '17:00']),
  holidays: ['2026-12-25'],
};
/** Open every night 00:00–06:00 and every day 09:00–17:00, weekends included: the DST nights are open. */
const BERLIN_NIGHTS: BusinessCalendar = {
  name: 'Berlin nights',
  timezone: 'Europe/Berlin',
  weeklyHours: everyDay(['00:00', '06:00'], ['09:00', '17:00']),
  holidays: [],
};
const NEW_YORK: BusinessCalendar = {
  name: 'New York',
  timezone: 'America/New_York',
  weeklyHours: weekdays(['09:00', '17:00']),
  holidays: ['2026-07-03'],
};
/** Open around the clock, with one holiday so that the general path (not the 24×7 shortcut) runs. */
const NEW_YORK_24H: BusinessCalendar = {
  name: 'New York 24h',
  timezone: 'America/New_York',
  weeklyHours: everyDay(['00:00', '24:00']),
  holidays: ['2030-01-01'],
};
/** Sundays only, with an interval that crosses the spring-forward hour and one that starts inside it. */
const NEW_YORK_SUNDAY_NIGHT: BusinessCalendar = {
  name: 'NY Sunday night',
  timezone: 'America/New_York',
  weeklyHours: { 1: [], 2: [], 3: [], 4: [], 5: [], 6: [], 7: [['01:00', '04:00']] },
  holidays: [],
};
const NEW_YORK_IN_GAP: BusinessCalendar = {
  name: 'NY opens in the gap',
  timezone: 'America/New_York',
  weeklyHours: { 1: [], 2: [], 3: [], 4: [], 5: [], 6: [], 7: [['02:30', '05:00']] },
  holidays: [],
};

describe('the instants used in these tests', () => {
  it('are the epoch values their ISO strings say', () => {
    expect(at('2026-03-27T16:30:00+07:00')).toBe(1_774_603_800_000);
    expect(at('2026-03-30T09:30:00+07:00')).toBe(1_774_837_800_000);
    expect(at('2026-03-29T00:00:00+01:00')).toBe(1_774_738_800_000);
    expect(at('2026-03-30T00:00:00+02:00')).toBe(1_774_821_600_000);
    expect(at('2026-10-25T00:00:00+02:00')).toBe(1_792_879_200_000);
    expect(at('2026-10-26T00:00:00+01:00')).toBe(1_792_969_200_000);
  });
});

describe('businessMillisBetween', () => {
  it('counts open time within one day (Jakarta 10:00 → 15:30 is 5.5 h)', () => {
    expect(businessMillisBetween(JAKARTA, at('2026-03-23T10:00:00+07:00'), at('2026-03-23T15:30:00+07:00'))).toBe(19_800_000);
  });

  it('is 0 for an empty or reversed span', () => {
    const t = at('2026-03-23T10:00:00+07:00');
    expect(businessMillisBetween(JAKARTA, t, t)).toBe(0);
    expect(businessMillisBetween(JAKARTA, t + HOUR, t)).toBe(0);
  });

  it('skips the night (Tue 16:00 → Wed 10:00 is 2 h)', () => {
    expect(businessMillisBetween(JAKARTA, at('2026-03-24T16:00:00+07:00'), at('2026-03-25T10:00:00+07:00'))).toBe(2 * HOUR);
  });

  it('skips the weekend (Fri 16:30 → Mon 09:30 is 1 h)', () => {
    expect(businessMillisBetween(JAKARTA, 1_774_603_800_000, 1_774_837_800_000)).toBe(3_600_000);
  });

  it('skips holidays (Fri 12:00 → Tue 12:00 over Independence Day Monday is 5 h + 3 h)', () => {
    expect(businessMillisBetween(JAKARTA, at('2026-08-14T12:00:00+07:00'), at('2026-08-18T12:00:00+07:00'))).toBe(8 * HOUR);
    // The same span a week earlier has a working Monday.
    expect(businessMillisBetween(JAKARTA, at('2026-08-07T12:00:00+07:00'), at('2026-08-11T12:00:00+07:00'))).toBe(16 * HOUR);
  });

  it('counts nothing outside hours at either end', () => {
    // Saturday noon → Monday 10:00: only Monday 09:00–10:00.
    expect(businessMillisBetween(JAKARTA, at('2026-03-28T12:00:00+07:00'), at('2026-03-30T10:00:00+07:00'))).toBe(HOUR);
    // 07:00 → 20:00 on a Tuesday: the whole 8 h day.
    expect(businessMillisBetween(JAKARTA, at('2026-03-24T07:00:00+07:00'), at('2026-03-24T20:00:00+07:00'))).toBe(8 * HOUR);
    // Entirely in the night.
    expect(businessMillisBetween(JAKARTA, at('2026-03-24T18:00:00+07:00'), at('2026-03-25T08:59:59+07:00'))).toBe(0);
  });

  it('handles days with a lunch break (Istanbul 09:00–12:00, 13:00–17:00)', () => {
    // 11:00 → 14:00 is 11–12 and 13–14.
    expect(businessMillisBetween(ISTANBUL, at('2026-03-23T11:00:00+03:00'), at('2026-03-23T14:00:00+03:00'))).toBe(2 * HOUR);
    // Within the lunch break.
    expect(businessMillisBetween(ISTANBUL, at('2026-03-23T12:10:00+03:00'), at('2026-03-23T12:50:00+03:00'))).toBe(0);
    // A whole weekday is 7 h; Saturday 10:00–14:00 is 4 h; the holiday Thursday 0.
    expect(businessMillisBetween(ISTANBUL, at('2026-03-23T00:00:00+03:00'), at('2026-03-24T00:00:00+03:00'))).toBe(7 * HOUR);
    expect(businessMillisBetween(ISTANBUL, at('2026-03-28T00:00:00+03:00'), at('2026-03-29T00:00:00+03:00'))).toBe(4 * HOUR);
    expect(businessMillisBetween(ISTANBUL, at('2026-04-23T00:00:00+03:00'), at('2026-04-24T00:00:00+03:00'))).toBe(0);
    // Mon 2026-04-20 → Mon 2026-04-27: four weekdays × 7 h + Saturday 4 h.
    expect(businessMillisBetween(ISTANBUL, at('2026-04-20T00:00:00+03:00'), at('2026-04-27T00:00:00+03:00'))).toBe(32 * HOUR);
  });

  it('keeps a 09:00–17:00 day at 8 h on DST-change days (Berlin 2026-03-29 and 2026-10-25)', () => {
    expect(businessMillisBetween(BERLIN_NIGHTS, at('2026-03-29T08:00:00+02:00'), at('2026-03-29T18:00:00+02:00'))).toBe(8 * HOUR);
    expect(businessMillisBetween(BERLIN_NIGHTS, at('2026-10-25T08:00:00+01:00'), at('2026-10-25T18:00:00+01:00'))).toBe(8 * HOUR);
  });

  it('counts real elapsed time through the DST change at night (Berlin 00:00–06:00 is 5 h, then 7 h)', () => {
    // Spring forward: 02:00 CET → 03:00 CEST. The local day is 23 h long; open 5 h + 8 h.
    expect(businessMillisBetween(BERLIN_NIGHTS, 1_774_738_800_000, 1_774_821_600_000)).toBe(13 * HOUR);
    expect(businessMillisBetween(BERLIN_NIGHTS, at('2026-03-29T00:00:00+01:00'), at('2026-03-29T06:00:00+02:00'))).toBe(5 * HOUR);
    // Fall back: 03:00 CEST → 02:00 CET. The local day is 25 h long; open 7 h + 8 h.
    expect(businessMillisBetween(BERLIN_NIGHTS, 1_792_879_200_000, 1_792_969_200_000)).toBe(15 * HOUR);
    // 02:30 happens twice; both occurrences are open and an hour apart.
    expect(businessMillisBetween(BERLIN_NIGHTS, at('2026-10-25T02:30:00+02:00'), at('2026-10-25T02:30:00+01:00'))).toBe(HOUR);
    expect(isOpen(BERLIN_NIGHTS, at('2026-03-29T01:30:00+01:00'))).toBe(true);
    expect(isOpen(BERLIN_NIGHTS, at('2026-03-29T03:30:00+02:00'))).toBe(true);
    expect(isOpen(BERLIN_NIGHTS, at('2026-10-25T02:30:00+01:00'))).toBe(true);
    expect(isOpen(BERLIN_NIGHTS, at('2026-10-25T06:00:00+01:00'))).toBe(false);
  });

  it('spans a DST weekend in Berlin (Fri 16:00 CET → Mon 10:00 CEST is 2 h)', () => {
    expect(businessMillisBetween(BERLIN, 1_774_623_600_000, 1_774_857_600_000)).toBe(2 * HOUR);
    expect(businessMillisBetween(BERLIN, at('2026-10-23T16:00:00+02:00'), at('2026-10-26T10:00:00+01:00'))).toBe(2 * HOUR);
  });

  it('handles America/New_York across 2026-03-08 and 2026-11-01', () => {
    // Fri 16:00 EST → Mon 10:00 EDT.
    expect(businessMillisBetween(NEW_YORK, 1_772_830_800_000, 1_773_064_800_000)).toBe(2 * HOUR);
    // A calendar open around the clock: the spring-forward day has 23 h, the fall-back day 25 h.
    expect(businessMillisBetween(NEW_YORK_24H, 1_772_946_000_000, 1_773_028_800_000)).toBe(23 * HOUR);
    expect(businessMillisBetween(NEW_YORK_24H, at('2026-11-01T00:00:00-04:00'), at('2026-11-02T00:00:00-05:00'))).toBe(25 * HOUR);
    // 01:00–04:00 on the spring-forward night is 2 h of real time; on a normal Sunday 3 h.
    expect(businessMillisBetween(NEW_YORK_SUNDAY_NIGHT, at('2026-03-08T00:00:00-05:00'), at('2026-03-08T12:00:00-04:00'))).toBe(2 * HOUR);
    expect(businessMillisBetween(NEW_YORK_SUNDAY_NIGHT, at('2026-03-15T00:00:00-04:00'), at('2026-03-15T12:00:00-04:00'))).toBe(3 * HOUR);
    expect(businessMillisBetween(NEW_YORK_SUNDAY_NIGHT, at('2026-11-01T00:00:00-04:00'), at('2026-11-01T12:00:00-05:00'))).toBe(4 * HOUR);
  });

  it('opens an interval that starts inside the spring-forward gap at the first instant after it', () => {
    // "02:30" does not exist on 2026-03-08 in New York; the interval opens at 03:00 EDT (07:00Z).
    expect(nextOpening(NEW_YORK_IN_GAP, at('2026-03-08T00:00:00-05:00'))).toBe(1_772_953_200_000);
    expect(businessMillisBetween(NEW_YORK_IN_GAP, at('2026-03-08T00:00:00-05:00'), at('2026-03-08T12:00:00-04:00'))).toBe(2 * HOUR);
    expect(businessMillisBetween(NEW_YORK_IN_GAP, at('2026-03-15T00:00:00-04:00'), at('2026-03-15T12:00:00-04:00'))).toBe(2.5 * HOUR);
  });

  it('counts a local day the zone skipped as closed (Pacific/Apia has no 2011-12-30)', () => {
    const apia: BusinessCalendar = { name: 'Apia', timezone: 'Pacific/Apia', weeklyHours: weekdays(['09:00', '17:00']), holidays: [] };
    // Thursday 2011-12-29 (UTC-10) to Monday 2012-01-02 (UTC+14): Thursday only; Friday never happened.
    expect(businessMillisBetween(apia, at('2011-12-29T00:00:00-10:00'), at('2012-01-02T00:00:00+14:00'))).toBe(8 * HOUR);
    expect(at('2012-01-02T00:00:00+14:00') - at('2011-12-29T00:00:00-10:00')).toBe(3 * DAY);
  });

  it('measures a year in O(1) blocks and gets it right (2026: 261 weekdays)', () => {
    const start = at('2026-01-01T00:00:00+07:00');
    const end = at('2027-01-01T00:00:00+07:00');
    // 261 weekdays, minus Independence Day, × 8 h.
    expect(businessMillisBetween(JAKARTA, start, end)).toBe(7_488_000_000);
    expect(7_488_000_000).toBe(260 * 8 * HOUR);
    // Berlin: 261 weekdays minus Christmas (a Friday), DST changes included.
    expect(businessMillisBetween(BERLIN, at('2026-01-01T00:00:00+01:00'), at('2027-01-01T00:00:00+01:00'))).toBe(260 * 8 * HOUR);
    // The same year summed day by day.
    let byDay = 0;
    for (let day = at('2026-01-01T00:00:00+01:00'); day < at('2027-01-01T00:00:00+01:00'); day += HOUR * 6) {
      byDay += businessMillisBetween(BERLIN, day, day + HOUR * 6);
    }
    expect(byDay).toBe(260 * 8 * HOUR);
    // Ten years, 2026–2035, in New York: 2608 weekdays; the one listed holiday, 2026-07-03, is a Friday.
    const tenYears = businessMillisBetween(NEW_YORK, at('2026-01-01T00:00:00-05:00'), at('2036-01-01T00:00:00-05:00'));
    expect(tenYears).toBe((2608 - 1) * 8 * HOUR);
  });

  it('returns end - start on ALWAYS_OPEN', () => {
    expect(businessMillisBetween(ALWAYS_OPEN, 1_000, 5 * DAY + 1_000)).toBe(5 * DAY);
    expect(isOpen(ALWAYS_OPEN, 123)).toBe(true);
    expect(nextOpening(ALWAYS_OPEN, 123)).toBe(123);
    expect(addBusinessMillis(ALWAYS_OPEN, 123, HOUR)).toBe(123 + HOUR);
  });

  it('refuses instants that are not finite numbers', () => {
    expect(() => businessMillisBetween(JAKARTA, Number.NaN, 0)).toThrow(RangeError);
    expect(() => addBusinessMillis(JAKARTA, 0, -1)).toThrow(RangeError);
    expect(() => addBusinessMillis(JAKARTA, 0, Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });
});

describe('addBusinessMillis', () => {
  it('carries a Friday 16:30 start with 1 h over the weekend to Monday 09:30', () => {
    expect(addBusinessMillis(JAKARTA, 1_774_603_800_000, HOUR)).toBe(1_774_837_800_000);
  });

  it('starts the clock at the next opening when started outside hours', () => {
    // Saturday noon + 1 h → Monday 10:00.
    expect(addBusinessMillis(JAKARTA, at('2026-03-28T12:00:00+07:00'), HOUR)).toBe(at('2026-03-30T10:00:00+07:00'));
    // 06:00 + 30 min → 09:30 the same day.
    expect(addBusinessMillis(JAKARTA, at('2026-03-24T06:00:00+07:00'), 30 * MIN)).toBe(at('2026-03-24T09:30:00+07:00'));
    // 0 ms outside hours is the next opening; inside hours it is the start itself.
    expect(addBusinessMillis(JAKARTA, at('2026-03-24T20:00:00+07:00'), 0)).toBe(at('2026-03-25T09:00:00+07:00'));
    expect(addBusinessMillis(JAKARTA, at('2026-03-24T10:00:00+07:00'), 0)).toBe(at('2026-03-24T10:00:00+07:00'));
  });

  it('ends at closing time when the work fills the day exactly', () => {
    expect(addBusinessMillis(JAKARTA, at('2026-03-24T16:00:00+07:00'), HOUR)).toBe(at('2026-03-24T17:00:00+07:00'));
    expect(addBusinessMillis(JAKARTA, at('2026-03-24T16:00:00+07:00'), HOUR + 1)).toBe(at('2026-03-25T09:00:00.001+07:00'));
  });

  it('jumps the lunch break and holidays', () => {
    expect(addBusinessMillis(ISTANBUL, 1_774_254_600_000 /* Mon 11:30 */, HOUR)).toBe(1_774_261_800_000 /* Mon 13:30 */);
    // Wednesday 2026-04-22 16:00 + 2 h: 1 h Wednesday, Thursday is a holiday, 1 h Friday.
    expect(addBusinessMillis(ISTANBUL, at('2026-04-22T16:00:00+03:00'), 2 * HOUR)).toBe(at('2026-04-24T10:00:00+03:00'));
    // Friday 16:00 + 2 h: 1 h Friday, 1 h Saturday (opens 10:00).
    expect(addBusinessMillis(ISTANBUL, at('2026-04-24T16:00:00+03:00'), 2 * HOUR)).toBe(at('2026-04-25T11:00:00+03:00'));
  });

  it('crosses DST weekends on the wall clock (Berlin Fri 16:00 CET + 2 h = Mon 10:00 CEST)', () => {
    expect(addBusinessMillis(BERLIN, 1_774_623_600_000, 2 * HOUR)).toBe(1_774_857_600_000);
    expect(addBusinessMillis(NEW_YORK, 1_772_830_800_000, 2 * HOUR)).toBe(1_773_064_800_000);
    // Through the short night: 00:00 CET + 5 h of the 00:00–06:00 interval ends at 06:00 CEST.
    expect(addBusinessMillis(BERLIN_NIGHTS, 1_774_738_800_000, 5 * HOUR)).toBe(at('2026-03-29T06:00:00+02:00'));
    expect(addBusinessMillis(BERLIN_NIGHTS, 1_774_738_800_000, 5 * HOUR + 1)).toBe(at('2026-03-29T09:00:00.001+02:00'));
  });

  it('adds a year of business time', () => {
    const start = at('2026-01-01T00:00:00+07:00');
    expect(addBusinessMillis(JAKARTA, start, 260 * 8 * HOUR)).toBe(at('2026-12-31T17:00:00+07:00'));
  });
});

describe('isOpen and nextOpening', () => {
  it('treats the start of an interval as open and its end as closed', () => {
    expect(isOpen(ISTANBUL, at('2026-03-23T09:00:00+03:00'))).toBe(true);
    expect(isOpen(ISTANBUL, at('2026-03-23T11:59:59.999+03:00'))).toBe(true);
    expect(isOpen(ISTANBUL, at('2026-03-23T12:00:00+03:00'))).toBe(false);
    expect(isOpen(ISTANBUL, at('2026-03-23T13:00:00+03:00'))).toBe(true);
    expect(isOpen(ISTANBUL, at('2026-03-23T17:00:00+03:00'))).toBe(false);
    expect(isOpen(ISTANBUL, at('2026-04-23T10:00:00+03:00'))).toBe(false); // holiday
    expect(isOpen(ISTANBUL, at('2026-03-29T11:00:00+03:00'))).toBe(false); // Sunday
  });

  it('finds the next opening', () => {
    expect(nextOpening(ISTANBUL, at('2026-03-23T12:30:00+03:00'))).toBe(at('2026-03-23T13:00:00+03:00'));
    expect(nextOpening(ISTANBUL, at('2026-03-23T10:15:00+03:00'))).toBe(at('2026-03-23T10:15:00+03:00'));
    expect(nextOpening(ISTANBUL, at('2026-03-28T15:00:00+03:00'))).toBe(at('2026-03-30T09:00:00+03:00'));
    expect(nextOpening(ISTANBUL, at('2026-04-22T18:00:00+03:00'))).toBe(at('2026-04-24T09:00:00+03:00'));
    expect(nextOpening(JAKARTA, at('2026-08-14T17:00:00+07:00'))).toBe(at('2026-08-18T09:00:00+07:00'));
  });

  it('looks past the end of a compiled block and past long closures', () => {
    const yearly: BusinessCalendar = {
      name: 'once a year',
      timezone: 'UTC',
      weeklyHours: weekdays(['09:00', '10:00']),
      holidays: Array.from({ length: 700 }, (_, i) => new Date(Date.UTC(2026, 0, 1) + i * DAY).toISOString().slice(0, 10)),
    };
    // 2026-01-01 + 700 days = 2027-12-02, a Thursday.
    expect(nextOpening(yearly, at('2026-01-01T00:00:00Z'))).toBe(at('2027-12-02T09:00:00Z'));
    expect(addBusinessMillis(yearly, at('2026-01-01T00:00:00Z'), 30 * MIN)).toBe(at('2027-12-02T09:30:00Z'));
  });
});

describe('calendar validation', () => {
  const problem = (json: string): string => {
    try {
      parseWeeklyHours(json);
    } catch (error) {
      expect(error).toBeInstanceOf(BadCalendarError);
      expect(error).toBeInstanceOf(KpiBotError);
      expect((error as BadCalendarError).code).toBe('bad_calendar');
      expect((error as BadCalendarError).httpStatus).toBe(400);
      return (error as Error).message;
    }
    throw new Error(`expected ${json} to be refused`);
  };

  it('parses weekly hours, fills missing days and sorts intervals', () => {
    expect(parseWeeklyHours('{"1": [["13:00","17:00"],["09:00","12:00"]], "5": [["09:00","24:00"]]}')).toEqual({
      1: [
        ['09:00', '12:00'],
        ['13:00', '17:00'],
      ],
      2: [],
      3: [],
      4: [],
      5: [['09:00', '24:00']],
      6: [],
      7: [],
    });
    // Touching intervals are fine.
    expect(validateWeeklyHours({ 2: [['09:00', '12:00'], ['12:00', '13:00']] })[2]).toHaveLength(2);
  });

  it('names the problem', () => {
    expect(problem('not json')).toMatch(/not valid JSON/);
    expect(problem('[]')).toMatch(/must be an object/);
    expect(problem('{"8": []}')).toMatch(/unknown day "8"/);
    expect(problem('{"1": [["09:00","12:00"],["11:00","13:00"]]}')).toBe(
      'hours on day 1 (Monday): intervals ["09:00", "12:00"] and ["11:00", "13:00"] overlap',
    );
    expect(problem('{"2": [["17:00","09:00"]]}')).toMatch(/day 2 \(Tuesday\): interval \["17:00", "09:00"\] ends before it starts/);
    expect(problem('{"2": [["09:00","09:00"]]}')).toMatch(/is empty/);
    expect(problem('{"3": [["24:00","24:00"]]}')).toMatch(/"24:00" is only allowed as the end/);
    expect(problem('{"3": [["09:00","24:01"]]}')).toMatch(/"24:01" is not a time/);
    expect(problem('{"3": [["9:00","17:00"]]}')).toMatch(/"9:00" is not a time/);
    expect(problem('{"3": [["09:60","17:00"]]}')).toMatch(/"09:60" is not a time/);
    expect(problem('{"3": [["09:00"]]}')).toMatch(/is not a \["HH:MM", "HH:MM"\] interval/);
    expect(problem('{"3": "09:00-17:00"}')).toMatch(/must be a list/);
    expect(problem('{"6": []}')).toMatch(/the week has no open hours/);
  });

  it('checks zones and holidays too', () => {
    const base = { name: 'x', timezone: 'Europe/Berlin', weeklyHours: weekdays(['09:00', '17:00']), holidays: [] as string[] };
    expect(validateCalendar({ ...base, holidays: ['2026-12-26', '2026-12-25'] }).holidays).toEqual(['2026-12-25', '2026-12-26']);
    expect(() => validateCalendar({ ...base, timezone: 'Mars/Olympus' })).toThrow(/unknown time zone "Mars\/Olympus"/);
    expect(() => validateCalendar({ ...base, holidays: ['2026-02-30'] })).toThrow(BadCalendarError);
    expect(() => validateCalendar({ ...base, holidays: ['26-12-25'] })).toThrow(/holiday "26-12-25" is not a YYYY-MM-DD date/);
    // Using a bad calendar fails the same way.
    expect(() => businessMillisBetween({ ...base, timezone: 'Nowhere' }, 0, DAY)).toThrow(BadCalendarError);
    expect(() => businessMillisBetween({ ...base, weeklyHours: { ...base.weeklyHours, 1: [['10:00', '09:00']] } }, 0, DAY)).toThrow(
      /calendar "x": hours on day 1 \(Monday\)/,
    );
  });

  it('validates a calendar built afresh even when an equal-looking valid one was used before', () => {
    const valid: BusinessCalendar = { name: 'v', timezone: 'Europe/Istanbul', weeklyHours: weekdays(['09:00', '12:00'], ['13:00', '17:00']), holidays: [] };
    expect(businessMillisBetween(valid, at('2026-03-23T00:00:00+03:00'), at('2026-03-24T00:00:00+03:00'))).toBe(7 * HOUR);
    // Same content, new objects: same answer.
    expect(businessMillisBetween({ ...valid, weeklyHours: { ...valid.weeklyHours } }, at('2026-03-23T00:00:00+03:00'), at('2026-03-24T00:00:00+03:00'))).toBe(7 * HOUR);
    const sneaky: BusinessCalendar = { ...valid, weeklyHours: { ...valid.weeklyHours, 1: [['09:00-12:00,13:00', '17:00']] } };
    expect(() => businessMillisBetween(sneaky, 0, DAY)).toThrow(/is not a time/);
    expect(() => businessMillisBetween({ ...valid, weeklyHours: { ...valid.weeklyHours, 8: [] } as WeeklyHours }, 0, DAY)).toThrow(/unknown day "8"/);
  });

  it('notices a calendar whose holidays were replaced', () => {
    const calendar: BusinessCalendar = { ...JAKARTA, holidays: [] };
    const monday = [at('2026-08-17T00:00:00+07:00'), at('2026-08-18T00:00:00+07:00')] as const;
    expect(businessMillisBetween(calendar, ...monday)).toBe(8 * HOUR);
    calendar.holidays = ['2026-08-17'];
    expect(businessMillisBetween(calendar, ...monday)).toBe(0);
  });
});

// ---------------------------------------------------------------------------
// Properties on many random inputs
// ---------------------------------------------------------------------------

const RANDOM_CALENDARS = [JAKARTA, ISTANBUL, BERLIN, BERLIN_NIGHTS, NEW_YORK, NEW_YORK_24H, NEW_YORK_SUNDAY_NIGHT];
const FROM = at('2025-06-01T00:00:00Z');
const TO = at('2028-06-01T00:00:00Z');

describe('round trip: businessMillisBetween(c, s, addBusinessMillis(c, s, m)) === m', () => {
  for (const calendar of RANDOM_CALENDARS) {
    it(`holds on 3000 random inputs in ${calendar.name}`, () => {
      const random = mulberry32(20261122);
      for (let i = 0; i < 3000; i++) {
        const start = FROM + Math.floor(random() * (TO - FROM));
        const kind = random();
        // Whole minutes, arbitrary milliseconds, zero, and long spans.
        const millis =
          kind < 0.1 ? 0 : kind < 0.5 ? Math.floor(random() * 3 * 24 * 60) * MIN : kind < 0.9 ? Math.floor(random() * 30 * DAY) : Math.floor(random() * 400 * DAY);
        const due = addBusinessMillis(calendar, start, millis);
        expect(due).toBeGreaterThanOrEqual(start);
        expect(businessMillisBetween(calendar, start, due)).toBe(millis);
        if (millis > 0) {
          // The earliest such instant: open just before it.
          expect(isOpen(calendar, due - 1)).toBe(true);
        } else {
          expect(due).toBe(nextOpening(calendar, start));
        }
      }
    });
  }

  it('is additive: between(a, b) + between(b, c) === between(a, c)', () => {
    const random = mulberry32(7);
    for (const calendar of RANDOM_CALENDARS) {
      for (let i = 0; i < 500; i++) {
        const [a, b, c] = [0, 0, 0].map(() => FROM + Math.floor(random() * (TO - FROM))).sort((x, y) => x - y) as [number, number, number];
        expect(businessMillisBetween(calendar, a, b) + businessMillisBetween(calendar, b, c)).toBe(businessMillisBetween(calendar, a, c));
      }
    }
  });
});

/**
 * An independent, slow reference: step minute by minute, read the wall clock
 * with Intl.DateTimeFormat, and count the minute when the wall time is inside an
 * open interval of a non-holiday local day. (It agrees with the rules whenever
 * no interval boundary falls inside a repeated hour, true of these calendars.)
 * The zones used here have whole-hour offsets changing on whole UTC hours, so
 * the wall clock is read once per UTC hour and the minutes are the UTC minutes.
 */
function referenceOpenMinutes(calendar: BusinessCalendar, start: number, end: number): number {
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone: calendar.timezone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    weekday: 'short',
    hourCycle: 'h23',
  });
  const weekdayNumber: Record<string, 1 | 2 | 3 | 4 | 5 | 6 | 7> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };
  let open = 0;
  let hourStart = NaN;
  let date = '';
  let hour = '';
  let intervals: [string, string][] = [];
  for (let t = start; t < end; t += MIN) {
    if (Math.floor(t / HOUR) * HOUR !== hourStart) {
      hourStart = Math.floor(t / HOUR) * HOUR;
      const parts = Object.fromEntries(format.formatToParts(hourStart).map((part) => [part.type, part.value]));
      date = `${parts.year}-${parts.month}-${parts.day}`;
      hour = parts.hour!;
      intervals = calendar.weeklyHours[weekdayNumber[parts.weekday!]!];
    }
    if (calendar.holidays.includes(date)) continue;
    const wall = `${hour}:${String(new Date(t).getUTCMinutes()).padStart(2, '0')}`;
    if (intervals.some(([from, to]) => wall >= from && (to === '24:00' || wall < to))) open += 1;
  }
  return open * MIN;
}

describe('agreement with a minute-by-minute reference', () => {
  const dstWeekends = [
    at('2026-03-27T00:00:00Z'),
    at('2026-10-23T00:00:00Z'),
    at('2026-03-06T00:00:00Z'),
    at('2026-10-30T00:00:00Z'),
    at('2026-08-14T00:00:00Z'),
    at('2026-04-21T00:00:00Z'),
  ];
  for (const calendar of RANDOM_CALENDARS) {
    it(`agrees on random spans up to 4 days in ${calendar.name}, DST weekends included`, () => {
      const random = mulberry32(99);
      for (let i = 0; i < 24; i++) {
        const around = i < 12 ? dstWeekends[i % dstWeekends.length]! : FROM + Math.floor((random() * (TO - FROM)) / MIN) * MIN;
        const start = around + Math.floor(random() * 3 * 24 * 60) * MIN;
        const end = start + Math.floor(random() * 4 * 24 * 60) * MIN;
        expect(businessMillisBetween(calendar, start, end)).toBe(referenceOpenMinutes(calendar, start, end));
        expect(isOpen(calendar, start)).toBe(referenceOpenMinutes(calendar, start, start + MIN) === MIN);
      }
    });
  }
});
