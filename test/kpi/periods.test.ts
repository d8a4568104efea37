/**
 * Period words → UTC intervals cut in a zone, worked example by example. Every
 * expectation is an exact instant (ISO 8601 in UTC, millisecond precision).
 */
import { describe, expect, it } from 'vitest';
import { KpiBotError } from '../../src/errors.js';
import {
  PERIOD_WORDS,
  PeriodError,
  bucketStarts,
  daysIn,
  resolvePeriod,
  unitsIn,
  type Interval,
  type Period,
} from '../../src/kpi/periods.js';

const at = (text: string) => Date.parse(text);
const iso = (ms: number) => new Date(ms).toISOString();

/** [from, to, previous.from, previous.to] as ISO strings without the seconds, and the label. */
type Expected = [string, string, string, string, string];

function shape(period: Period): Expected {
  return [iso(period.from), iso(period.to), iso(period.previous.from), iso(period.previous.to), period.label];
}

function expected(from: string, to: string, previousFrom: string, previousTo: string, label: string): Expected {
  const full = (text: string) => iso(at(text));
  return [full(from), full(to), full(previousFrom), full(previousTo), label];
}

function check(word: string, now: string, zone: string, want: Expected): void {
  const period = resolvePeriod(word, at(now), zone);
  expect(shape(period), `${word} at ${now} in ${zone}`).toEqual(want);
  expect(period.timezone).toBe(zone);
}

function hours(interval: Interval): number {
  return (interval.to - interval.from) / 3_600_000;
}

function errorOf(word: string, now = NOW, zone = 'UTC'): PeriodError {
  try {
    resolvePeriod(word, at(now), zone);
  } catch (error) {
    expect(error).toBeInstanceOf(PeriodError);
    return error as PeriodError;
  }
  throw new Error(`expected "${word}" to be refused`);
}

// Sunday 2026-11-22, 10:20 UTC (17:20 in Jakarta).
const NOW = '2026-11-22T10:20:00Z';

describe('resolvePeriod in UTC at Sunday 2026-11-22 10:20', () => {
  const cases: [string, Expected][] = [
    ['today', expected('2026-11-22T00:00Z', NOW, '2026-11-21T00:00Z', '2026-11-21T10:20Z', '2026-11-22 00:00 – 10:20')],
    ['yesterday', expected('2026-11-21T00:00Z', '2026-11-22T00:00Z', '2026-11-20T00:00Z', '2026-11-21T00:00Z', '2026-11-21')],
    ['1d', expected('2026-11-22T00:00Z', NOW, '2026-11-21T00:00Z', '2026-11-21T10:20Z', '2026-11-22 00:00 – 10:20')],
    ['7d', expected('2026-11-16T00:00Z', NOW, '2026-11-09T00:00Z', '2026-11-15T10:20Z', '2026-11-16 – 2026-11-22 10:20')],
    ['30d', expected('2026-10-24T00:00Z', NOW, '2026-09-24T00:00Z', '2026-10-23T10:20Z', '2026-10-24 – 2026-11-22 10:20')],
    ['90d', expected('2026-08-25T00:00Z', NOW, '2026-05-27T00:00Z', '2026-08-24T10:20Z', '2026-08-25 – 2026-11-22 10:20')],
    ['14d', expected('2026-11-09T00:00Z', NOW, '2026-10-26T00:00Z', '2026-11-08T10:20Z', '2026-11-09 – 2026-11-22 10:20')],
    ['24h', expected('2026-11-21T10:20Z', NOW, '2026-11-20T10:20Z', '2026-11-21T10:20Z', '2026-11-21 10:20 – 2026-11-22 10:20')],
    ['3h', expected('2026-11-22T07:20Z', NOW, '2026-11-22T04:20Z', '2026-11-22T07:20Z', '2026-11-22 07:20 – 10:20')],
    ['this-week', expected('2026-11-16T00:00Z', NOW, '2026-11-09T00:00Z', '2026-11-15T10:20Z', '2026-11-16 – 2026-11-22 10:20')],
    ['last-week', expected('2026-11-09T00:00Z', '2026-11-16T00:00Z', '2026-11-02T00:00Z', '2026-11-09T00:00Z', '2026-11-09 – 2026-11-15')],
    ['this-month', expected('2026-11-01T00:00Z', NOW, '2026-10-01T00:00Z', '2026-10-22T10:20Z', '2026-11-01 – 2026-11-22 10:20')],
    ['last-month', expected('2026-10-01T00:00Z', '2026-11-01T00:00Z', '2026-09-01T00:00Z', '2026-10-01T00:00Z', '2026-10-01 – 2026-10-31')],
    ['this-quarter', expected('2026-10-01T00:00Z', NOW, '2026-07-01T00:00Z', '2026-08-22T10:20Z', '2026-10-01 – 2026-11-22 10:20')],
    ['last-quarter', expected('2026-07-01T00:00Z', '2026-10-01T00:00Z', '2026-04-01T00:00Z', '2026-07-01T00:00Z', '2026-07-01 – 2026-09-30')],
    ['this-year', expected('2026-01-01T00:00Z', NOW, '2025-01-01T00:00Z', '2025-11-22T10:20Z', '2026-01-01 – 2026-11-22 10:20')],
    ['last-year', expected('2025-01-01T00:00Z', '2026-01-01T00:00Z', '2024-01-01T00:00Z', '2025-01-01T00:00Z', '2025-01-01 – 2025-12-31')],
    // Explicit ranges: both days inclusive; a range of D days compares with the D days before it.
    ['2026-10-01..2026-10-31', expected('2026-10-01T00:00Z', '2026-11-01T00:00Z', '2026-08-31T00:00Z', '2026-10-01T00:00Z', '2026-10-01 – 2026-10-31')],
    ['2026-10-05', expected('2026-10-05T00:00Z', '2026-10-06T00:00Z', '2026-10-04T00:00Z', '2026-10-05T00:00Z', '2026-10-05')],
    ['2026-10-05..2026-10-05', expected('2026-10-05T00:00Z', '2026-10-06T00:00Z', '2026-10-04T00:00Z', '2026-10-05T00:00Z', '2026-10-05')],
    ['2026-11-01..2026-11-03', expected('2026-11-01T00:00Z', '2026-11-04T00:00Z', '2026-10-29T00:00Z', '2026-11-01T00:00Z', '2026-11-01 – 2026-11-03')],
    ['2026-02-25..2026-03-02', expected('2026-02-25T00:00Z', '2026-03-03T00:00Z', '2026-02-19T00:00Z', '2026-02-25T00:00Z', '2026-02-25 – 2026-03-02')],
    ['2025-12-30..2026-01-02', expected('2025-12-30T00:00Z', '2026-01-03T00:00Z', '2025-12-26T00:00Z', '2025-12-30T00:00Z', '2025-12-30 – 2026-01-02')],
    // Open end: to now, like `<N>d` with N the days touched (here 7d).
    ['2026-11-16..', expected('2026-11-16T00:00Z', NOW, '2026-11-09T00:00Z', '2026-11-15T10:20Z', '2026-11-16 – 2026-11-22 10:20')],
    // A range reaching past now ends at now; its previous is the 30 days before, cut 30 days before now.
    ['2026-11-01..2026-11-30', expected('2026-11-01T00:00Z', NOW, '2026-10-02T00:00Z', '2026-10-23T10:20Z', '2026-11-01 – 2026-11-22 10:20')],
    // Today written as a date is `today`.
    ['2026-11-22', expected('2026-11-22T00:00Z', NOW, '2026-11-21T00:00Z', '2026-11-21T10:20Z', '2026-11-22 00:00 – 10:20')],
    ['2026-11-22..', expected('2026-11-22T00:00Z', NOW, '2026-11-21T00:00Z', '2026-11-21T10:20Z', '2026-11-22 00:00 – 10:20')],
  ];
  for (const [word, want] of cases) {
    it(word, () => check(word, NOW, 'UTC', want));
  }

  it('reads words case-insensitively, ignoring surrounding blanks, and reports the word as read', () => {
    const period = resolvePeriod('  This-Month ', at(NOW), 'UTC');
    expect(period.word).toBe('this-month');
    expect(period.from).toBe(at('2026-11-01T00:00:00Z'));
    expect(period.to).toBe(at(NOW));
    expect(resolvePeriod('24H', at(NOW), 'UTC').word).toBe('24h');
  });

  it('gives exact epoch milliseconds, keeping the milliseconds of now', () => {
    const now = at('2026-11-22T10:20:30.456Z');
    const period = resolvePeriod('today', now, 'UTC');
    expect(period).toEqual({
      word: 'today',
      label: '2026-11-22 00:00 – 10:20',
      from: 1_795_305_600_000,
      to: 1_795_342_830_456,
      timezone: 'UTC',
      previous: { from: 1_795_219_200_000, to: 1_795_256_430_456 },
    });
  });

  it('accepts the bounds of <N>d and <N>h', () => {
    const longest = resolvePeriod('3660d', at(NOW), 'UTC');
    expect(iso(longest.from)).toBe('2016-11-15T00:00:00.000Z');
    expect(iso(longest.previous.from)).toBe('2006-11-08T00:00:00.000Z');
    expect(daysIn(longest, 'UTC')).toBeCloseTo(3659 + 620 / 1440, 9);
    const hours2000 = resolvePeriod('2000h', at(NOW), 'UTC');
    expect(hours(hours2000)).toBe(2000);
    expect(hours(hours2000.previous)).toBe(2000);
    expect(hours2000.previous.to).toBe(hours2000.from);
  });

  it('makes today an empty period at exactly midnight', () => {
    check('today', '2026-11-22T00:00:00Z', 'UTC', expected('2026-11-22T00:00Z', '2026-11-22T00:00Z', '2026-11-21T00:00Z', '2026-11-21T00:00Z', '2026-11-22 00:00 – 00:00'));
  });

  it('treats a range ending yesterday as complete when now is midnight', () => {
    check('2026-11-20..2026-11-21', '2026-11-22T00:00:00Z', 'UTC', expected('2026-11-20T00:00Z', '2026-11-22T00:00Z', '2026-11-18T00:00Z', '2026-11-20T00:00Z', '2026-11-20 – 2026-11-21'));
  });

  it('lists the fixed words', () => {
    expect(PERIOD_WORDS).toEqual([
      'today', 'yesterday', '7d', '30d', '90d', 'this-week', 'last-week', 'this-month', 'last-month',
      'this-quarter', 'last-quarter', 'this-year', 'last-year',
    ]);
    for (const word of PERIOD_WORDS) expect(() => resolvePeriod(word, at(NOW), 'Asia/Jakarta')).not.toThrow();
  });
});

describe('resolvePeriod in zones without DST', () => {
  // 2026-11-22T10:20Z is Sunday 17:20 in Jakarta (UTC+7): today starts at 2026-11-21T17:00Z.
  const jakarta: [string, Expected][] = [
    ['today', expected('2026-11-21T17:00Z', NOW, '2026-11-20T17:00Z', '2026-11-21T10:20Z', '2026-11-22 00:00 – 17:20')],
    ['yesterday', expected('2026-11-20T17:00Z', '2026-11-21T17:00Z', '2026-11-19T17:00Z', '2026-11-20T17:00Z', '2026-11-21')],
    ['7d', expected('2026-11-15T17:00Z', NOW, '2026-11-08T17:00Z', '2026-11-15T10:20Z', '2026-11-16 – 2026-11-22 17:20')],
    ['30d', expected('2026-10-23T17:00Z', NOW, '2026-09-23T17:00Z', '2026-10-23T10:20Z', '2026-10-24 – 2026-11-22 17:20')],
    ['90d', expected('2026-08-24T17:00Z', NOW, '2026-05-26T17:00Z', '2026-08-24T10:20Z', '2026-08-25 – 2026-11-22 17:20')],
    ['24h', expected('2026-11-21T10:20Z', NOW, '2026-11-20T10:20Z', '2026-11-21T10:20Z', '2026-11-21 17:20 – 2026-11-22 17:20')],
    ['this-week', expected('2026-11-15T17:00Z', NOW, '2026-11-08T17:00Z', '2026-11-15T10:20Z', '2026-11-16 – 2026-11-22 17:20')],
    ['last-week', expected('2026-11-08T17:00Z', '2026-11-15T17:00Z', '2026-11-01T17:00Z', '2026-11-08T17:00Z', '2026-11-09 – 2026-11-15')],
    ['this-month', expected('2026-10-31T17:00Z', NOW, '2026-09-30T17:00Z', '2026-10-22T10:20Z', '2026-11-01 – 2026-11-22 17:20')],
    ['last-month', expected('2026-09-30T17:00Z', '2026-10-31T17:00Z', '2026-08-31T17:00Z', '2026-09-30T17:00Z', '2026-10-01 – 2026-10-31')],
    ['this-quarter', expected('2026-09-30T17:00Z', NOW, '2026-06-30T17:00Z', '2026-08-22T10:20Z', '2026-10-01 – 2026-11-22 17:20')],
    ['last-quarter', expected('2026-06-30T17:00Z', '2026-09-30T17:00Z', '2026-03-31T17:00Z', '2026-06-30T17:00Z', '2026-07-01 – 2026-09-30')],
    ['this-year', expected('2025-12-31T17:00Z', NOW, '2024-12-31T17:00Z', '2025-11-22T10:20Z', '2026-01-01 – 2026-11-22 17:20')],
    ['last-year', expected('2024-12-31T17:00Z', '2025-12-31T17:00Z', '2023-12-31T17:00Z', '2024-12-31T17:00Z', '2025-01-01 – 2025-12-31')],
    ['2026-10-01..2026-10-31', expected('2026-09-30T17:00Z', '2026-10-31T17:00Z', '2026-08-30T17:00Z', '2026-09-30T17:00Z', '2026-10-01 – 2026-10-31')],
    ['2026-10-05', expected('2026-10-04T17:00Z', '2026-10-05T17:00Z', '2026-10-03T17:00Z', '2026-10-04T17:00Z', '2026-10-05')],
  ];
  for (const [word, want] of jakarta) {
    it(`Asia/Jakarta: ${word}`, () => check(word, NOW, 'Asia/Jakarta', want));
  }

  it('Asia/Jakarta: the local date is already Monday 2026-11-23 at 2026-11-22T20:00Z', () => {
    const now = '2026-11-22T20:00:00Z'; // 03:00 on Monday in Jakarta
    check('today', now, 'Asia/Jakarta', expected('2026-11-22T17:00Z', now, '2026-11-21T17:00Z', '2026-11-21T20:00Z', '2026-11-23 00:00 – 03:00'));
    check('yesterday', now, 'Asia/Jakarta', expected('2026-11-21T17:00Z', '2026-11-22T17:00Z', '2026-11-20T17:00Z', '2026-11-21T17:00Z', '2026-11-22'));
    check('this-week', now, 'Asia/Jakarta', expected('2026-11-22T17:00Z', now, '2026-11-15T17:00Z', '2026-11-15T20:00Z', '2026-11-23 00:00 – 03:00'));
    check('last-week', now, 'Asia/Jakarta', expected('2026-11-15T17:00Z', '2026-11-22T17:00Z', '2026-11-08T17:00Z', '2026-11-15T17:00Z', '2026-11-16 – 2026-11-22'));
    // In UTC the same instant is still Sunday.
    check('this-week', now, 'UTC', expected('2026-11-16T00:00Z', now, '2026-11-09T00:00Z', '2026-11-15T20:00Z', '2026-11-16 – 2026-11-22 20:00'));
  });

  it('Asia/Jakarta: New Year comes seven hours before UTC', () => {
    const now = '2025-12-31T18:00:00Z'; // 2026-01-01 01:00 in Jakarta
    check('this-year', now, 'Asia/Jakarta', expected('2025-12-31T17:00Z', now, '2024-12-31T17:00Z', '2024-12-31T18:00Z', '2026-01-01 00:00 – 01:00'));
    check('last-year', now, 'Asia/Jakarta', expected('2024-12-31T17:00Z', '2025-12-31T17:00Z', '2023-12-31T17:00Z', '2024-12-31T17:00Z', '2025-01-01 – 2025-12-31'));
    check('yesterday', now, 'Asia/Jakarta', expected('2025-12-30T17:00Z', '2025-12-31T17:00Z', '2025-12-29T17:00Z', '2025-12-30T17:00Z', '2025-12-31'));
    check('this-year', now, 'UTC', expected('2025-01-01T00:00Z', now, '2024-01-01T00:00Z', '2024-12-31T18:00Z', '2025-01-01 – 2025-12-31 18:00'));
  });

  it('Asia/Kuala_Lumpur (UTC+8)', () => {
    check('today', NOW, 'Asia/Kuala_Lumpur', expected('2026-11-21T16:00Z', NOW, '2026-11-20T16:00Z', '2026-11-21T10:20Z', '2026-11-22 00:00 – 18:20'));
    check('this-month', NOW, 'Asia/Kuala_Lumpur', expected('2026-10-31T16:00Z', NOW, '2026-09-30T16:00Z', '2026-10-22T10:20Z', '2026-11-01 – 2026-11-22 18:20'));
    check('last-quarter', NOW, 'Asia/Kuala_Lumpur', expected('2026-06-30T16:00Z', '2026-09-30T16:00Z', '2026-03-31T16:00Z', '2026-06-30T16:00Z', '2026-07-01 – 2026-09-30'));
    check('2026-10-01..2026-10-31', NOW, 'Asia/Kuala_Lumpur', expected('2026-09-30T16:00Z', '2026-10-31T16:00Z', '2026-08-30T16:00Z', '2026-09-30T16:00Z', '2026-10-01 – 2026-10-31'));
  });

  it('Europe/Istanbul (UTC+3 all year since 2016)', () => {
    check('today', NOW, 'Europe/Istanbul', expected('2026-11-21T21:00Z', NOW, '2026-11-20T21:00Z', '2026-11-21T10:20Z', '2026-11-22 00:00 – 13:20'));
    check('last-week', NOW, 'Europe/Istanbul', expected('2026-11-08T21:00Z', '2026-11-15T21:00Z', '2026-11-01T21:00Z', '2026-11-08T21:00Z', '2026-11-09 – 2026-11-15'));
    // No 23- or 25-hour days around the end of March and October.
    check('2026-03-29', NOW, 'Europe/Istanbul', expected('2026-03-28T21:00Z', '2026-03-29T21:00Z', '2026-03-27T21:00Z', '2026-03-28T21:00Z', '2026-03-29'));
    check('2026-10-25', NOW, 'Europe/Istanbul', expected('2026-10-24T21:00Z', '2026-10-25T21:00Z', '2026-10-23T21:00Z', '2026-10-24T21:00Z', '2026-10-25'));
    check('last-month', NOW, 'Europe/Istanbul', expected('2026-09-30T21:00Z', '2026-10-31T21:00Z', '2026-08-31T21:00Z', '2026-09-30T21:00Z', '2026-10-01 – 2026-10-31'));
  });
});

describe('month ends, quarters and years', () => {
  it('on March 31 last-month is February, and this-month compares with the whole of February', () => {
    const now = '2026-03-31T10:20:00Z';
    check('last-month', now, 'UTC', expected('2026-02-01T00:00Z', '2026-03-01T00:00Z', '2026-01-01T00:00Z', '2026-02-01T00:00Z', '2026-02-01 – 2026-02-28'));
    check('this-month', now, 'UTC', expected('2026-03-01T00:00Z', now, '2026-02-01T00:00Z', '2026-03-01T00:00Z', '2026-03-01 – 2026-03-31 10:20'));
  });

  it('this-month on March 28 cuts February at the same day and time; on March 29 and 30 at its end', () => {
    check('this-month', '2026-03-28T10:20:00Z', 'UTC', expected('2026-03-01T00:00Z', '2026-03-28T10:20Z', '2026-02-01T00:00Z', '2026-02-28T10:20Z', '2026-03-01 – 2026-03-28 10:20'));
    check('this-month', '2026-03-29T10:20:00Z', 'UTC', expected('2026-03-01T00:00Z', '2026-03-29T10:20Z', '2026-02-01T00:00Z', '2026-03-01T00:00Z', '2026-03-01 – 2026-03-29 10:20'));
    check('this-month', '2026-03-30T00:00:00Z', 'UTC', expected('2026-03-01T00:00Z', '2026-03-30T00:00Z', '2026-02-01T00:00Z', '2026-03-01T00:00Z', '2026-03-01 – 2026-03-30 00:00'));
  });

  it('this-month on May 31 compares with April up to its end (April has 30 days)', () => {
    check('this-month', '2026-05-31T08:00:00Z', 'UTC', expected('2026-05-01T00:00Z', '2026-05-31T08:00Z', '2026-04-01T00:00Z', '2026-05-01T00:00Z', '2026-05-01 – 2026-05-31 08:00'));
  });

  it('this-month in Jakarta on the local March 31 (still March 30 in UTC)', () => {
    const now = '2026-03-30T18:00:00Z'; // 2026-03-31 01:00 in Jakarta
    check('this-month', now, 'Asia/Jakarta', expected('2026-02-28T17:00Z', now, '2026-01-31T17:00Z', '2026-02-28T17:00Z', '2026-03-01 – 2026-03-31 01:00'));
    check('last-month', now, 'Asia/Jakarta', expected('2026-01-31T17:00Z', '2026-02-28T17:00Z', '2025-12-31T17:00Z', '2026-01-31T17:00Z', '2026-02-01 – 2026-02-28'));
  });

  it('leap years: February 2028 has 29 days; this-year on 2028-02-29 cuts 2027 at the end of February', () => {
    check('last-month', '2028-03-15T12:00:00Z', 'UTC', expected('2028-02-01T00:00Z', '2028-03-01T00:00Z', '2028-01-01T00:00Z', '2028-02-01T00:00Z', '2028-02-01 – 2028-02-29'));
    check('this-month', '2028-03-30T12:00:00Z', 'UTC', expected('2028-03-01T00:00Z', '2028-03-30T12:00Z', '2028-02-01T00:00Z', '2028-03-01T00:00Z', '2028-03-01 – 2028-03-30 12:00'));
    check('this-month', '2028-03-29T12:00:00Z', 'UTC', expected('2028-03-01T00:00Z', '2028-03-29T12:00Z', '2028-02-01T00:00Z', '2028-02-29T12:00Z', '2028-03-01 – 2028-03-29 12:00'));
    check('this-year', '2028-02-29T12:00:00Z', 'UTC', expected('2028-01-01T00:00Z', '2028-02-29T12:00Z', '2027-01-01T00:00Z', '2027-03-01T00:00Z', '2028-01-01 – 2028-02-29 12:00'));
    check('2028-02-29', '2028-03-15T12:00:00Z', 'UTC', expected('2028-02-29T00:00Z', '2028-03-01T00:00Z', '2028-02-28T00:00Z', '2028-02-29T00:00Z', '2028-02-29'));
  });

  it('quarters: Q2 on May 31 compares with Q1 up to the end of February', () => {
    check('this-quarter', '2026-05-31T10:20:00Z', 'UTC', expected('2026-04-01T00:00Z', '2026-05-31T10:20Z', '2026-01-01T00:00Z', '2026-03-01T00:00Z', '2026-04-01 – 2026-05-31 10:20'));
    check('last-quarter', '2026-05-31T10:20:00Z', 'UTC', expected('2026-01-01T00:00Z', '2026-04-01T00:00Z', '2025-10-01T00:00Z', '2026-01-01T00:00Z', '2026-01-01 – 2026-03-31'));
    check('this-quarter', '2026-09-30T23:59:59Z', 'UTC', expected('2026-07-01T00:00Z', '2026-09-30T23:59:59Z', '2026-04-01T00:00Z', '2026-06-30T23:59:59Z', '2026-07-01 – 2026-09-30 23:59'));
  });

  it('quarters and weeks across the new year', () => {
    const now = '2026-01-15T00:00:00Z'; // Thursday
    check('this-quarter', now, 'UTC', expected('2026-01-01T00:00Z', now, '2025-10-01T00:00Z', '2025-10-15T00:00Z', '2026-01-01 – 2026-01-15 00:00'));
    check('last-quarter', now, 'UTC', expected('2025-10-01T00:00Z', '2026-01-01T00:00Z', '2025-07-01T00:00Z', '2025-10-01T00:00Z', '2025-10-01 – 2025-12-31'));
    const newYear = '2026-01-01T05:00:00Z'; // Thursday; its ISO week started on Monday 2025-12-29
    check('yesterday', newYear, 'UTC', expected('2025-12-31T00:00Z', '2026-01-01T00:00Z', '2025-12-30T00:00Z', '2025-12-31T00:00Z', '2025-12-31'));
    check('this-week', newYear, 'UTC', expected('2025-12-29T00:00Z', newYear, '2025-12-22T00:00Z', '2025-12-25T05:00Z', '2025-12-29 – 2026-01-01 05:00'));
    check('last-week', newYear, 'UTC', expected('2025-12-22T00:00Z', '2025-12-29T00:00Z', '2025-12-15T00:00Z', '2025-12-22T00:00Z', '2025-12-22 – 2025-12-28'));
    check('last-month', newYear, 'UTC', expected('2025-12-01T00:00Z', '2026-01-01T00:00Z', '2025-11-01T00:00Z', '2025-12-01T00:00Z', '2025-12-01 – 2025-12-31'));
    check('this-year', newYear, 'UTC', expected('2026-01-01T00:00Z', newYear, '2025-01-01T00:00Z', '2025-01-01T05:00Z', '2026-01-01 00:00 – 05:00'));
    check('7d', newYear, 'UTC', expected('2025-12-26T00:00Z', newYear, '2025-12-19T00:00Z', '2025-12-25T05:00Z', '2025-12-26 – 2026-01-01 05:00'));
  });
});

describe('DST: Europe/Berlin', () => {
  const zone = 'Europe/Berlin';

  it('2026-03-29 is 23 hours long (02:00 CET → 03:00 CEST)', () => {
    const now = '2026-03-30T08:00:00Z'; // Monday 10:00 CEST
    const yesterday = resolvePeriod('yesterday', at(now), zone);
    check('yesterday', now, zone, expected('2026-03-28T23:00Z', '2026-03-29T22:00Z', '2026-03-27T23:00Z', '2026-03-28T23:00Z', '2026-03-29'));
    expect(hours(yesterday)).toBe(23);
    expect(hours(yesterday.previous)).toBe(24);
    expect(daysIn(yesterday, zone)).toBe(1);
    // Today is cut at 10:00 CEST; yesterday at 10:00 CEST too, an hour fewer after its midnight.
    check('today', now, zone, expected('2026-03-29T22:00Z', now, '2026-03-28T23:00Z', '2026-03-29T08:00Z', '2026-03-30 00:00 – 10:00'));
    const last = resolvePeriod('last-week', at(now), zone);
    check('last-week', now, zone, expected('2026-03-22T23:00Z', '2026-03-29T22:00Z', '2026-03-15T23:00Z', '2026-03-22T23:00Z', '2026-03-23 – 2026-03-29'));
    expect(hours(last)).toBe(167);
    expect(daysIn(last, zone)).toBe(7);
    expect(unitsIn(last, 'week', zone)).toBe(1);
  });

  it('on the 23-hour day itself, today is cut on the clock: 12:00 CEST vs 12:00 CET', () => {
    const now = '2026-03-29T10:00:00Z'; // 12:00 CEST
    const today = resolvePeriod('today', at(now), zone);
    check('today', now, zone, expected('2026-03-28T23:00Z', now, '2026-03-27T23:00Z', '2026-03-28T11:00Z', '2026-03-29 00:00 – 12:00'));
    expect(hours(today)).toBe(11);
    expect(hours(today.previous)).toBe(12);
    expect(daysIn(today, zone)).toBeCloseTo(11 / 23, 12);
  });

  it('a cut inside the spring-forward gap moves forward by the gap', () => {
    const now = '2026-03-30T00:30:00Z'; // Monday 02:30 CEST; Sunday had no 02:30
    check('today', now, zone, expected('2026-03-29T22:00Z', now, '2026-03-28T23:00Z', '2026-03-29T01:30Z', '2026-03-30 00:00 – 02:30'));
  });

  it('2026-10-25 is 25 hours long (03:00 CEST → 02:00 CET)', () => {
    const now = '2026-10-26T09:00:00Z'; // Monday 10:00 CET
    const yesterday = resolvePeriod('yesterday', at(now), zone);
    check('yesterday', now, zone, expected('2026-10-24T22:00Z', '2026-10-25T23:00Z', '2026-10-23T22:00Z', '2026-10-24T22:00Z', '2026-10-25'));
    expect(hours(yesterday)).toBe(25);
    expect(daysIn(yesterday, zone)).toBe(1);
    check('2026-10-25', now, zone, expected('2026-10-24T22:00Z', '2026-10-25T23:00Z', '2026-10-23T22:00Z', '2026-10-24T22:00Z', '2026-10-25'));
    check('7d', now, zone, expected('2026-10-19T22:00Z', now, '2026-10-12T22:00Z', '2026-10-19T08:00Z', '2026-10-20 – 2026-10-26 10:00'));
    const last = resolvePeriod('last-week', at(now), zone);
    check('last-week', now, zone, expected('2026-10-18T22:00Z', '2026-10-25T23:00Z', '2026-10-11T22:00Z', '2026-10-18T22:00Z', '2026-10-19 – 2026-10-25'));
    expect(hours(last)).toBe(169);
  });

  it('October in Berlin is 31 days and one hour, and counts as 31 days and 1 month', () => {
    const now = '2026-11-05T12:00:00Z';
    const october = resolvePeriod('last-month', at(now), zone);
    check('last-month', now, zone, expected('2026-09-30T22:00Z', '2026-10-31T23:00Z', '2026-08-31T22:00Z', '2026-09-30T22:00Z', '2026-10-01 – 2026-10-31'));
    expect(hours(october)).toBe(31 * 24 + 1);
    expect(daysIn(october, zone)).toBe(31);
    expect(unitsIn(october, 'month', zone)).toBe(1);
    expect(unitsIn(october, 'week', zone)).toBeCloseTo(31 / 7, 12);
    // A part of a week or month holding the 25-hour day counts it as one day of 7 (or 31), not 25 of 169 (or 745) hours.
    const acrossTheChange = resolvePeriod('2026-10-20..2026-11-08', at('2026-11-20T12:00:00Z'), zone);
    expect(daysIn(acrossTheChange, zone)).toBe(20);
    expect(unitsIn(acrossTheChange, 'week', zone)).toBeCloseTo(6 / 7 + 2, 12);
    expect(unitsIn(acrossTheChange, 'month', zone)).toBeCloseTo(12 / 31 + 8 / 30, 12);
    check('2026-10-01..2026-10-31', now, zone, expected('2026-09-30T22:00Z', '2026-10-31T23:00Z', '2026-08-30T22:00Z', '2026-09-30T22:00Z', '2026-10-01 – 2026-10-31'));
    check('this-month', now, zone, expected('2026-10-31T23:00Z', now, '2026-09-30T22:00Z', '2026-10-05T11:00Z', '2026-11-01 – 2026-11-05 13:00'));
  });

  it('March in Berlin (one hour short) counts as 31 days', () => {
    const march = resolvePeriod('2026-03-01..2026-03-31', at('2026-04-10T00:00:00Z'), zone);
    expect(shape(march)).toEqual(expected('2026-02-28T23:00Z', '2026-03-31T22:00Z', '2026-01-28T23:00Z', '2026-02-28T23:00Z', '2026-03-01 – 2026-03-31'));
    expect(hours(march)).toBe(31 * 24 - 1);
    expect(daysIn(march, zone)).toBe(31);
  });
});

describe('DST: America/New_York', () => {
  const zone = 'America/New_York';

  it('2026-03-08 is 23 hours long (02:00 EST → 03:00 EDT)', () => {
    const now = '2026-03-09T14:00:00Z'; // Monday 10:00 EDT
    const yesterday = resolvePeriod('yesterday', at(now), zone);
    check('yesterday', now, zone, expected('2026-03-08T05:00Z', '2026-03-09T04:00Z', '2026-03-07T05:00Z', '2026-03-08T05:00Z', '2026-03-08'));
    expect(hours(yesterday)).toBe(23);
    const last = resolvePeriod('last-week', at(now), zone);
    check('last-week', now, zone, expected('2026-03-02T05:00Z', '2026-03-09T04:00Z', '2026-02-23T05:00Z', '2026-03-02T05:00Z', '2026-03-02 – 2026-03-08'));
    expect(hours(last)).toBe(167);
    check('today', now, zone, expected('2026-03-09T04:00Z', now, '2026-03-08T05:00Z', '2026-03-08T14:00Z', '2026-03-09 00:00 – 10:00'));
    // 24h is 24 elapsed hours: 10:00 EDT back to 10:00 EDT the day before (the jump was at 07:00Z).
    check('24h', now, zone, expected('2026-03-08T14:00Z', now, '2026-03-07T14:00Z', '2026-03-08T14:00Z', '2026-03-08 10:00 – 2026-03-09 10:00'));
  });

  it('yesterday on 2026-11-02 is the 25-hour 2026-11-01 (02:00 EDT → 01:00 EST)', () => {
    const now = '2026-11-02T15:00:00Z'; // Monday 10:00 EST
    const yesterday = resolvePeriod('yesterday', at(now), zone);
    check('yesterday', now, zone, expected('2026-11-01T04:00Z', '2026-11-02T05:00Z', '2026-10-31T04:00Z', '2026-11-01T04:00Z', '2026-11-01'));
    expect(hours(yesterday)).toBe(25);
    expect(hours(yesterday.previous)).toBe(24);
    expect(daysIn(yesterday, zone)).toBe(1);
    check('today', now, zone, expected('2026-11-02T05:00Z', now, '2026-11-01T04:00Z', '2026-11-01T15:00Z', '2026-11-02 00:00 – 10:00'));
  });

  it('last-week spanning the change is 169 hours; this-week compares with the same clock time a week ago (EDT)', () => {
    const now = '2026-11-02T15:00:00Z';
    const last = resolvePeriod('last-week', at(now), zone);
    check('last-week', now, zone, expected('2026-10-26T04:00Z', '2026-11-02T05:00Z', '2026-10-19T04:00Z', '2026-10-26T04:00Z', '2026-10-26 – 2026-11-01'));
    expect(hours(last)).toBe(169);
    expect(hours(last.previous)).toBe(168);
    expect(daysIn(last, zone)).toBe(7);
    check('this-week', now, zone, expected('2026-11-02T05:00Z', now, '2026-10-26T04:00Z', '2026-10-26T14:00Z', '2026-11-02 00:00 – 10:00'));
    check('7d', now, zone, expected('2026-10-27T04:00Z', now, '2026-10-20T04:00Z', '2026-10-26T14:00Z', '2026-10-27 – 2026-11-02 10:00'));
    check('last-month', now, zone, expected('2026-10-01T04:00Z', '2026-11-01T04:00Z', '2026-09-01T04:00Z', '2026-10-01T04:00Z', '2026-10-01 – 2026-10-31'));
    check('this-month', now, zone, expected('2026-11-01T04:00Z', now, '2026-10-01T04:00Z', '2026-10-02T14:00Z', '2026-11-01 – 2026-11-02 10:00'));
  });

  it('24h on the 25-hour day runs from 11:00 EDT to 10:00 EST', () => {
    const now = '2026-11-01T15:00:00Z'; // Sunday 10:00 EST
    const period = resolvePeriod('24h', at(now), zone);
    expect(shape(period)).toEqual(expected('2026-10-31T15:00Z', now, '2026-10-30T15:00Z', '2026-10-31T15:00Z', '2026-10-31 11:00 – 2026-11-01 10:00'));
    // 13 of the 24 hours of October 31 plus 11 of the 25 hours of November 1.
    expect(daysIn(period, zone)).toBeCloseTo(13 / 24 + 11 / 25, 12);
    check('today', now, zone, expected('2026-11-01T04:00Z', now, '2026-10-31T04:00Z', '2026-10-31T14:00Z', '2026-11-01 00:00 – 10:00'));
  });
});

describe('a zone whose midnight falls in the DST gap', () => {
  it('America/Havana: 2026-03-08 starts at 01:00 CDT, when the clock jumps from 00:00 CST', () => {
    const now = '2026-03-08T15:00:00Z'; // 11:00 CDT
    const today = resolvePeriod('today', at(now), 'America/Havana');
    expect(iso(today.from)).toBe('2026-03-08T05:00:00.000Z');
    expect(iso(today.previous.from)).toBe('2026-03-07T05:00:00.000Z');
    const yesterday = resolvePeriod('yesterday', at('2026-03-09T12:00:00Z'), 'America/Havana');
    expect(hours(yesterday)).toBe(23);
  });
});

describe('invalid words', () => {
  const refused: [string, RegExp][] = [
    ['', /is not a period/],
    ['week', /is not a period/],
    ['last week', /is not a period/],
    ['next-month', /is not a period/],
    ['8x', /is not a period/],
    ['-7d', /is not a period/],
    ['7.5d', /is not a period/],
    ['0d', /out of range: days go from 1d to 3660d/],
    ['3661d', /out of range/],
    ['0h', /out of range: hours go from 1h to 2000h/],
    ['2001h', /out of range/],
    ['123456d', /is not a period/],
    ['2026-02-29', /date "2026-02-29" that does not exist/],
    ['2026-13-01', /does not exist/],
    ['2026-04-31', /does not exist/],
    ['1969-12-31', /date "1969-12-31" before 1970/],
    ['2026-10-1', /date "2026-10-1" that is not YYYY-MM-DD/],
    ['2026-10-01..31', /date "31" that is not YYYY-MM-DD/],
    ['2026-10-01..2026-10-31..2026-11-30', /is not a period|not YYYY-MM-DD/],
    ['2026-10-31..2026-10-01', /ends before it starts/],
    ['2026-11-23', /starts after now/],
    ['2026-12-01..2026-12-31', /starts after now/],
    ['2026-12-01..', /starts after now/],
  ];
  for (const [word, problem] of refused) {
    it(`refuses "${word}"`, () => {
      const error = errorOf(word);
      expect(error.message).toMatch(problem);
      expect(error.message).toContain(`period "${word.trim().toLowerCase()}"`);
    });
  }

  it('says what went wrong in one line, with every accepted form, as a 400 bad_period KpiBotError', () => {
    const error = errorOf('fortnight');
    expect(error).toBeInstanceOf(KpiBotError);
    expect(error.name).toBe('PeriodError');
    expect(error.code).toBe('bad_period');
    expect(error.httpStatus).toBe(400);
    expect(error.word).toBe('fortnight');
    expect(error.message).not.toContain('\n');
    expect(error.message).toBe(
      'period "fortnight" is not a period; use one of: today, yesterday, 7d, 30d, 90d, this-week, last-week, ' +
        'this-month, last-month, this-quarter, last-quarter, this-year, last-year, <N>d (N 1-3660), <N>h (N 1-2000), ' +
        'YYYY-MM-DD, YYYY-MM-DD..YYYY-MM-DD, YYYY-MM-DD.. (to now)',
    );
  });

  it('uses the local date: 2026-11-23 has begun in Jakarta but not in UTC', () => {
    expect(errorOf('2026-11-23', '2026-11-22T20:00:00Z', 'UTC').message).toMatch(/starts after now/);
    const period = resolvePeriod('2026-11-23', at('2026-11-22T20:00:00Z'), 'Asia/Jakarta');
    expect(iso(period.from)).toBe('2026-11-22T17:00:00.000Z');
    expect(iso(period.to)).toBe('2026-11-22T20:00:00.000Z');
  });

  it('throws a RangeError for an unknown zone or a now that is not a number', () => {
    expect(() => resolvePeriod('today', at(NOW), 'Mars/Olympus_Mons')).toThrow(RangeError);
    expect(() => resolvePeriod('today', Number.NaN, 'UTC')).toThrow(RangeError);
    expect(() => bucketStarts({ from: 0, to: 1 }, 'day', 'Nowhere')).toThrow(RangeError);
  });
});

describe('bucketStarts', () => {
  const isos = (starts: number[]) => starts.map(iso);

  it('days of 7d in UTC: seven midnights, today included', () => {
    const period = resolvePeriod('7d', at(NOW), 'UTC');
    expect(isos(bucketStarts(period, 'day', 'UTC'))).toEqual([
      '2026-11-16T00:00:00.000Z', '2026-11-17T00:00:00.000Z', '2026-11-18T00:00:00.000Z', '2026-11-19T00:00:00.000Z',
      '2026-11-20T00:00:00.000Z', '2026-11-21T00:00:00.000Z', '2026-11-22T00:00:00.000Z',
    ]);
  });

  it('with a limit, stops one start past it: 56 years of days are not walked to be refused', () => {
    const period = { from: Date.parse('1970-01-01T00:00:00Z'), to: Date.parse('2026-01-01T00:00:00Z') };
    const starts = bucketStarts(period, 'day', 'Asia/Jakarta', 62);
    expect(starts).toHaveLength(63);
    expect(iso(starts[0] ?? 0)).toBe('1969-12-31T17:00:00.000Z');
    expect(iso(starts[62] ?? 0)).toBe('1970-03-03T17:00:00.000Z');
    // A limit the interval stays under changes nothing.
    expect(bucketStarts(resolvePeriod('7d', at(NOW), 'UTC'), 'day', 'UTC', 62)).toEqual(bucketStarts(resolvePeriod('7d', at(NOW), 'UTC'), 'day', 'UTC'));
  });

  it('ISO weeks overlapping this-month start on the Monday before November 1 (a Sunday)', () => {
    const period = resolvePeriod('this-month', at(NOW), 'UTC');
    expect(isos(bucketStarts(period, 'week', 'UTC'))).toEqual([
      '2026-10-26T00:00:00.000Z', '2026-11-02T00:00:00.000Z', '2026-11-09T00:00:00.000Z', '2026-11-16T00:00:00.000Z',
    ]);
  });

  it('months of this-year in Europe/Berlin follow CET and CEST', () => {
    const period = resolvePeriod('this-year', at('2026-11-05T12:00:00Z'), 'Europe/Berlin');
    expect(isos(bucketStarts(period, 'month', 'Europe/Berlin'))).toEqual([
      '2025-12-31T23:00:00.000Z', '2026-01-31T23:00:00.000Z', '2026-02-28T23:00:00.000Z', '2026-03-31T22:00:00.000Z',
      '2026-04-30T22:00:00.000Z', '2026-05-31T22:00:00.000Z', '2026-06-30T22:00:00.000Z', '2026-07-31T22:00:00.000Z',
      '2026-08-31T22:00:00.000Z', '2026-09-30T22:00:00.000Z', '2026-10-31T23:00:00.000Z',
    ]);
  });

  it('days of last-week across the New York fall-back, and its one week', () => {
    const zone = 'America/New_York';
    const period = resolvePeriod('last-week', at('2026-11-02T15:00:00Z'), zone);
    expect(isos(bucketStarts(period, 'day', zone))).toEqual([
      '2026-10-26T04:00:00.000Z', '2026-10-27T04:00:00.000Z', '2026-10-28T04:00:00.000Z', '2026-10-29T04:00:00.000Z',
      '2026-10-30T04:00:00.000Z', '2026-10-31T04:00:00.000Z', '2026-11-01T04:00:00.000Z',
    ]);
    expect(isos(bucketStarts(period, 'week', zone))).toEqual(['2026-10-26T04:00:00.000Z']);
    expect(isos(bucketStarts(period, 'month', zone))).toEqual(['2026-10-01T04:00:00.000Z', '2026-11-01T04:00:00.000Z']);
  });

  it('days of the Berlin week holding the 25-hour day', () => {
    const zone = 'Europe/Berlin';
    const period = resolvePeriod('last-week', at('2026-10-26T09:00:00Z'), zone);
    expect(isos(bucketStarts(period, 'day', zone))).toEqual([
      '2026-10-18T22:00:00.000Z', '2026-10-19T22:00:00.000Z', '2026-10-20T22:00:00.000Z', '2026-10-21T22:00:00.000Z',
      '2026-10-22T22:00:00.000Z', '2026-10-23T22:00:00.000Z', '2026-10-24T22:00:00.000Z',
    ]);
  });

  it('today in Jakarta is one day starting at 17:00 UTC; 24h touches two local days', () => {
    expect(isos(bucketStarts(resolvePeriod('today', at(NOW), 'Asia/Jakarta'), 'day', 'Asia/Jakarta'))).toEqual(['2026-11-21T17:00:00.000Z']);
    expect(isos(bucketStarts(resolvePeriod('24h', at(NOW), 'Asia/Jakarta'), 'day', 'Asia/Jakarta'))).toEqual([
      '2026-11-20T17:00:00.000Z', '2026-11-21T17:00:00.000Z',
    ]);
  });

  it('months of last-quarter in New York, and of the previous period', () => {
    const zone = 'America/New_York';
    const period = resolvePeriod('last-quarter', at('2026-11-02T15:00:00Z'), zone);
    expect(isos(bucketStarts(period, 'month', zone))).toEqual(['2026-07-01T04:00:00.000Z', '2026-08-01T04:00:00.000Z', '2026-09-01T04:00:00.000Z']);
    expect(isos(bucketStarts(period.previous, 'month', zone))).toEqual(['2026-04-01T04:00:00.000Z', '2026-05-01T04:00:00.000Z', '2026-06-01T04:00:00.000Z']);
  });

  it('an empty period gets the bucket holding its start', () => {
    const empty = resolvePeriod('today', at('2026-11-22T00:00:00Z'), 'UTC');
    expect(isos(bucketStarts(empty, 'day', 'UTC'))).toEqual(['2026-11-22T00:00:00.000Z']);
    expect(isos(bucketStarts(empty, 'week', 'UTC'))).toEqual(['2026-11-16T00:00:00.000Z']);
    expect(isos(bucketStarts(empty, 'month', 'UTC'))).toEqual(['2026-11-01T00:00:00.000Z']);
  });
});

describe('daysIn and unitsIn', () => {
  it('counts whole days exactly and a partial day by its share of that day', () => {
    expect(daysIn(resolvePeriod('yesterday', at(NOW), 'UTC'), 'UTC')).toBe(1);
    expect(daysIn(resolvePeriod('last-week', at(NOW), 'UTC'), 'UTC')).toBe(7);
    expect(daysIn(resolvePeriod('last-month', at(NOW), 'UTC'), 'UTC')).toBe(31);
    expect(daysIn(resolvePeriod('last-year', at(NOW), 'UTC'), 'UTC')).toBe(365);
    expect(daysIn(resolvePeriod('2026-10-01..2026-10-31', at(NOW), 'Asia/Jakarta'), 'Asia/Jakarta')).toBe(31);
    // 10:20 is 620 of the 1440 minutes of the day.
    expect(daysIn(resolvePeriod('today', at(NOW), 'UTC'), 'UTC')).toBeCloseTo(620 / 1440, 12);
    expect(daysIn(resolvePeriod('7d', at(NOW), 'UTC'), 'UTC')).toBeCloseTo(6 + 620 / 1440, 12);
    expect(daysIn(resolvePeriod('24h', at(NOW), 'UTC'), 'UTC')).toBeCloseTo(1, 12);
    expect(daysIn(resolvePeriod('90d', at(NOW), 'Asia/Jakarta'), 'Asia/Jakarta')).toBeCloseTo(89 + 1040 / 1440, 12);
    const sevenDays = resolvePeriod('7d', at(NOW), 'UTC');
    expect(daysIn(sevenDays.previous, 'UTC')).toBeCloseTo(6 + 620 / 1440, 12);
  });

  it('counts weeks and months fractionally, each against its own length', () => {
    const thisYear = resolvePeriod('this-year', at(NOW), 'UTC');
    // Ten whole months, then 21 days and 10:20 of November's 30 days.
    expect(unitsIn(thisYear, 'month', 'UTC')).toBeCloseTo(10 + (21 * 1440 + 620) / (30 * 1440), 12);
    expect(unitsIn(resolvePeriod('last-quarter', at(NOW), 'UTC'), 'month', 'UTC')).toBe(3);
    expect(unitsIn(resolvePeriod('last-week', at(NOW), 'UTC'), 'week', 'UTC')).toBe(1);
    // November 1 (Sunday) is the last day of its ISO week: 1/7 + 2 whole weeks + Nov 16..22 10:20.
    const thisMonth = resolvePeriod('this-month', at(NOW), 'UTC');
    expect(unitsIn(thisMonth, 'week', 'UTC')).toBeCloseTo(1 / 7 + 2 + (6 * 1440 + 620) / (7 * 1440), 12);
    expect(unitsIn(resolvePeriod('2026-02-01..2026-02-28', at(NOW), 'UTC'), 'month', 'UTC')).toBe(1);
    expect(unitsIn(resolvePeriod('2026-02-15..2026-03-14', at(NOW), 'UTC'), 'month', 'UTC')).toBeCloseTo(14 / 28 + 14 / 31, 12);
  });

  it('is 0 for an empty period', () => {
    const empty = resolvePeriod('today', at('2026-11-22T00:00:00Z'), 'UTC');
    expect(daysIn(empty, 'UTC')).toBe(0);
    expect(unitsIn(empty, 'month', 'UTC')).toBe(0);
  });
});
