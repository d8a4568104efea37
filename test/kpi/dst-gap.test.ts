import { describe, expect, it } from 'vitest';
import { isOpen, nextOpening, addBusinessMillis, type BusinessCalendar } from '../../src/kpi/business-hours.js';

describe('an interval wholly inside a spring-forward gap', () => {
  // 2026-03-29 in Berlin: 02:00 CET jumps to 03:00 CEST (01:00Z). The Sunday interval 02:30-03:00 never happens.
  const calendar: BusinessCalendar = {
    name: 'gap', timezone: 'Europe/Berlin', holidays: [],
    weeklyHours: { 1: [], 2: [], 3: [], 4: [], 5: [], 6: [], 7: [['02:30', '03:00'], ['10:00', '12:00']] },
  };
  const saturdayMidnightLocal = Date.parse('2026-03-28T23:00:00Z'); // Sunday 00:00 CET
  const tenLocal = Date.parse('2026-03-29T08:00:00Z'); // Sunday 10:00 CEST
  it('is no opening: the next opening is 10:00, an instant the calendar is open at', () => {
    const next = nextOpening(calendar, saturdayMidnightLocal);
    expect(next).toBe(tenLocal);
    expect(isOpen(calendar, next)).toBe(true);
    expect(addBusinessMillis(calendar, saturdayMidnightLocal, 0)).toBe(tenLocal);
  });
});
