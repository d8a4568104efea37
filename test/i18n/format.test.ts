import { describe, expect, it } from 'vitest';
import { formatDate, formatDuration, formatMetricValue, formatNumber, formatPercent, formatPeriod, formatWindow } from '../../src/i18n/format.js';
import type { Locale } from '../../src/i18n/locale.js';
import { formatValue } from '../../src/kpi/format.js';
import { resolvePeriod } from '../../src/kpi/periods.js';

const NOW = Date.UTC(2026, 9, 14, 3, 20); // Wednesday 2026-10-14 10:20 in Jakarta, 06:20 in Istanbul
const byLocale = (f: (locale: Locale) => string) => ({ en: f('en'), id: f('id'), ms: f('ms'), tr: f('tr') });

describe('numbers and percentages', () => {
  it('group and separate as each language does', () => {
    expect(byLocale((l) => formatNumber(l, 1234567.891))).toEqual({ en: '1,234,567.9', id: '1.234.567,9', ms: '1,234,567.9', tr: '1.234.567,9' });
    expect(byLocale((l) => formatNumber(l, 0.125, { maximumFractionDigits: 2 }))).toEqual({ en: '0.13', id: '0,13', ms: '0.13', tr: '0,13' });
  });

  it('put the percent sign where each language puts it (KPI percent scale 0-100)', () => {
    expect(byLocale((l) => formatPercent(l, 72.34))).toEqual({ en: '72.3%', id: '72,3%', ms: '72.3%', tr: '%72,3' });
    expect(byLocale((l) => formatPercent(l, 100))).toEqual({ en: '100%', id: '100%', ms: '100%', tr: '%100' });
  });
});

describe('formatDuration', () => {
  const cases: [number, Record<Locale, string>][] = [
    [45, { en: '45 s', id: '45 dtk', ms: '45 saat', tr: '45 sn' }],
    [720, { en: '12 min', id: '12 mnt', ms: '12 min', tr: '12 dk' }],
    [5040, { en: '1 h 24 min', id: '1 j 24 mnt', ms: '1 j 24 min', tr: '1 sa 24 dk' }],
    [3600, { en: '1 h', id: '1 j', ms: '1 j', tr: '1 sa' }],
    [3 * 86_400 + 4 * 3600, { en: '3 d 4 h', id: '3 hari 4 j', ms: '3 hari 4 j', tr: '3 gün 4 sa' }],
    [2 * 86_400, { en: '2 d', id: '2 hari', ms: '2 hari', tr: '2 gün' }],
    [1500 * 86_400, { en: '1,500 d', id: '1.500 hari', ms: '1,500 hari', tr: '1.500 gün' }],
    [-90, { en: '-2 min', id: '-2 mnt', ms: '-2 min', tr: '-2 dk' }],
  ];
  it.each(cases)('%d s', (seconds, expected) => {
    expect(byLocale((l) => formatDuration(l, seconds))).toEqual(expected);
  });

  it('rounds to whole minutes, carrying into the hour', () => {
    expect(formatDuration('en', 59.4)).toBe('59 s');
    expect(formatDuration('en', 3599)).toBe('1 h');
    expect(formatDuration('en', 3630)).toBe('1 h 1 min');
  });

  it('from a day on, rounds to whole hours, carrying into the day (not cut off)', () => {
    expect(formatDuration('en', 111_178)).toBe('1 d 7 h'); // 1 d 6 h 52 min 58 s
    expect(formatDuration('en', 103_119)).toBe('1 d 5 h'); // 1 d 4 h 38 min 39 s
    expect(formatDuration('en', 86_400 + 29 * 60)).toBe('1 d');
    expect(formatDuration('en', 2 * 86_400 - 10 * 60)).toBe('2 d');
    // Rounded once, from the seconds: 1 d 12 h 29 min 35 s is nearer 1 d 12 h (29.6 min would round to 30 first).
    expect(formatDuration('en', 86_400 + 12 * 3600 + 29 * 60 + 35)).toBe('1 d 12 h');
  });

  it('is the one the command line uses', () => {
    expect(formatValue(5040, 'seconds')).toBe('1 h 24 min');
  });
});

describe('formatDate', () => {
  it('writes the local date in the given zone', () => {
    expect(byLocale((l) => formatDate(l, NOW, 'Asia/Jakarta'))).toEqual({ en: 'Oct 14, 2026', id: '14 Okt 2026', ms: '14 Okt 2026', tr: '14 Eki 2026' });
    expect(byLocale((l) => formatDate(l, NOW, 'Asia/Jakarta', { time: true }))).toEqual({
      en: 'Oct 14, 2026, 10:20 AM', id: '14 Okt 2026, 10.20', ms: '14 Okt 2026, 10:20 PG', tr: '14 Eki 2026 10:20',
    });
    expect(byLocale((l) => formatDate(l, NOW, 'Europe/Istanbul', { style: 'long', time: true }))).toEqual({
      en: 'October 14, 2026 at 6:20 AM', id: '14 Oktober 2026 pukul 06.20', ms: '14 Oktober 2026 pada 6:20 PG', tr: '14 Ekim 2026 06:20',
    });
  });

  it('changes day with the zone', () => {
    const lateUtc = Date.UTC(2026, 9, 14, 20, 0);
    expect(formatDate('en', lateUtc, 'UTC')).toBe('Oct 14, 2026');
    expect(formatDate('en', lateUtc, 'Asia/Jakarta')).toBe('Oct 15, 2026');
  });
});

describe('formatMetricValue', () => {
  it('formats each unit, and says when there is no data', () => {
    expect(byLocale((l) => formatMetricValue(l, 12_345, 'count'))).toEqual({ en: '12,345', id: '12.345', ms: '12,345', tr: '12.345' });
    expect(byLocale((l) => formatMetricValue(l, 4.25, 'count'))).toEqual({ en: '4.3', id: '4,3', ms: '4.3', tr: '4,3' });
    expect(byLocale((l) => formatMetricValue(l, 5040, 'seconds'))).toEqual({ en: '1 h 24 min', id: '1 j 24 mnt', ms: '1 j 24 min', tr: '1 sa 24 dk' });
    expect(byLocale((l) => formatMetricValue(l, 72, 'percent'))).toEqual({ en: '72%', id: '72%', ms: '72%', tr: '%72' });
    expect(byLocale((l) => formatMetricValue(l, -12.5, 'score'))).toEqual({ en: '-12.5', id: '-12,5', ms: '-12.5', tr: '-12,5' });
    expect(byLocale((l) => formatMetricValue(l, null, 'percent'))).toEqual({ en: 'no data', id: 'tidak ada data', ms: 'tiada data', tr: 'veri yok' });
    expect(formatMetricValue('en', 3, 'table')).toBe('');
  });
});

describe('formatWindow', () => {
  it('states an alert rule\'s window in hours, or in whole days from 48 h', () => {
    expect(byLocale((l) => formatWindow(l, 24))).toEqual({ en: 'last 24 hours', id: '24 jam terakhir', ms: '24 jam terakhir', tr: 'son 24 saat' });
    expect(byLocale((l) => formatWindow(l, 36))).toEqual({ en: 'last 36 hours', id: '36 jam terakhir', ms: '36 jam terakhir', tr: 'son 36 saat' });
    expect(byLocale((l) => formatWindow(l, 168))).toEqual({ en: 'last 7 days', id: '7 hari terakhir', ms: '7 hari terakhir', tr: 'son 7 gün' });
    expect(formatWindow('en', 50)).toBe('last 50 hours');
  });
});

describe('formatPeriod', () => {
  const period = (word: string) => resolvePeriod(word, NOW, 'Asia/Jakarta');
  const cases: [string, Record<Locale, string>][] = [
    ['7d', { en: 'last 7 days', id: '7 hari terakhir', ms: '7 hari terakhir', tr: 'son 7 gün' }],
    ['1d', { en: 'today', id: 'hari ini', ms: 'hari ini', tr: 'bugün' }],
    ['24h', { en: 'last 24 hours', id: '24 jam terakhir', ms: '24 jam terakhir', tr: 'son 24 saat' }],
    ['1h', { en: 'last hour', id: '1 jam terakhir', ms: '1 jam terakhir', tr: 'son 1 saat' }],
    ['2h', { en: 'last 2 hours', id: '2 jam terakhir', ms: '2 jam terakhir', tr: 'son 2 saat' }],
    ['yesterday', { en: 'yesterday', id: 'kemarin', ms: 'semalam', tr: 'dün' }],
    ['this-month', { en: 'this month', id: 'bulan ini', ms: 'bulan ini', tr: 'bu ay' }],
    ['last-quarter', { en: 'last quarter', id: 'kuartal lalu', ms: 'suku tahun lepas', tr: 'geçen çeyrek' }],
    ['2026-10-02', { en: 'Oct 2, 2026', id: '2 Okt 2026', ms: '2 Okt 2026', tr: '2 Eki 2026' }],
    // ICU writes thin spaces around the English range dash.
    ['2026-09-01..2026-09-30', { en: 'Sep 1\u2009–\u200930, 2026', id: '1–30 Sep 2026', ms: '1–30 Sep 2026', tr: '1–30 Eyl 2026' }],
    ['2026-10-01..', { en: 'since Oct 1, 2026', id: 'sejak 1 Okt 2026', ms: 'sejak 1 Okt 2026', tr: '1 Eki 2026 tarihinden bu yana' }],
  ];
  it.each(cases)('%s', (word, expected) => {
    expect(byLocale((l) => formatPeriod(l, period(word)))).toEqual(expected);
  });
});
