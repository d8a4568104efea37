import { describe, expect, it } from 'vitest';
import { ALWAYS_OPEN, type BusinessCalendar, type WeeklyHours } from '../../src/kpi/business-hours.js';
import { businessDurations, calendarDurations, calendarOfTeam, signedBusinessMillis, type TeamCalendars } from '../../src/kpi/business-durations.js';

const MIN = 60_000;
const H = 3_600_000;
const weekdays = (from: string, to: string): WeeklyHours => ({ 1: [[from, to]], 2: [[from, to]], 3: [[from, to]], 4: [[from, to]], 5: [[from, to]], 6: [], 7: [] });
/** Mon-Fri 09:00-17:00 in Jakarta (UTC+7, no DST), Christmas off. */
const JAKARTA: BusinessCalendar = { name: 'jakarta', timezone: 'Asia/Jakarta', weeklyHours: weekdays('09:00', '17:00'), holidays: ['2026-12-25'] };
/** Mon-Fri 08:00-12:00 in Berlin (UTC+1 in November). */
const BERLIN: BusinessCalendar = { name: 'berlin', timezone: 'Europe/Berlin', weeklyHours: weekdays('08:00', '12:00'), holidays: [] };

// Friday 2026-11-20 17:00 in Jakarta is 10:00 UTC; Monday 2026-11-23 09:30 in Jakarta is 02:30 UTC.
const FRIDAY_1700_JAKARTA = Date.parse('2026-11-20T10:00:00Z');
const MONDAY_0930_JAKARTA = Date.parse('2026-11-23T02:30:00Z');

describe('business-hours durations of a ticket', () => {
  it('calendar durations are the same spans in plain time: 64.5 h over the weekend; an agent-opened ticket counts from the customer', () => {
    expect(calendarDurations({ createdAt: FRIDAY_1700_JAKARTA, createdByAgent: false, firstResponseAt: MONDAY_0930_JAKARTA, resolvedAt: MONDAY_0930_JAKARTA + H })).toEqual({
      firstResponseMs: 64.5 * H, firstResolutionMs: null, resolutionMs: 65.5 * H,
    });
    expect(calendarDurations({ createdAt: 0, createdByAgent: true, firstCustomerMessageAt: 10 * MIN, firstResponseAt: 70 * MIN })).toMatchObject({ firstResponseMs: 60 * MIN });
    expect(calendarDurations({ createdAt: 0, createdByAgent: true, firstResponseAt: 5 * MIN })).toMatchObject({ firstResponseMs: null });
    expect(calendarDurations({ createdAt: 10 * MIN, createdByAgent: false, firstResponseAt: 0 })).toMatchObject({ firstResponseMs: -10 * MIN });
  });

  it('created Friday 17:00, answered Monday 09:30 on Mon-Fri 09:00-17:00 in Jakarta: 30 min, not 64.5 h', () => {
    const durations = businessDurations(JAKARTA, { createdAt: FRIDAY_1700_JAKARTA, createdByAgent: false, firstResponseAt: MONDAY_0930_JAKARTA });
    expect(durations).toEqual({ firstResponseMs: 30 * MIN, firstResolutionMs: null, resolutionMs: null });
    expect(MONDAY_0930_JAKARTA - FRIDAY_1700_JAKARTA).toBe(64.5 * H);
  });

  it('a holiday in the span counts nothing: Thursday 16:00 to Monday 10:00 over Christmas Friday is 2 h', () => {
    const created = Date.parse('2026-12-24T09:00:00Z'); // Thursday 16:00 in Jakarta
    const solved = Date.parse('2026-12-28T03:00:00Z'); // Monday 10:00 in Jakarta
    // Thursday 16:00-17:00 (1 h) + Monday 09:00-10:00 (1 h); Friday the 25th is a holiday, then the weekend.
    expect(businessDurations(JAKARTA, { createdAt: created, createdByAgent: false, firstResolvedAt: solved, resolvedAt: solved })).toEqual({
      firstResponseMs: null, firstResolutionMs: 2 * H, resolutionMs: 2 * H,
    });
    expect(businessDurations({ ...JAKARTA, holidays: [] }, { createdAt: created, createdByAgent: false, resolvedAt: solved }).resolutionMs).toBe(10 * H);
  });

  it('first and full resolution differ for a reopened ticket; both count open time only', () => {
    const created = Date.parse('2026-11-23T02:00:00Z'); // Monday 09:00 in Jakarta
    const firstSolve = Date.parse('2026-11-23T05:00:00Z'); // Monday 12:00
    const lastSolve = Date.parse('2026-11-24T03:00:00Z'); // Tuesday 10:00
    expect(businessDurations(JAKARTA, { createdAt: created, createdByAgent: false, firstResolvedAt: firstSolve, resolvedAt: lastSolve })).toMatchObject({
      firstResolutionMs: 3 * H, resolutionMs: 9 * H,
    });
  });

  it('an agent-created ticket starts its first response at the first customer message, like the calendar-hour FRT', () => {
    const ticket = { createdAt: FRIDAY_1700_JAKARTA - 2 * H, createdByAgent: true, firstCustomerMessageAt: FRIDAY_1700_JAKARTA, firstResponseAt: MONDAY_0930_JAKARTA };
    expect(businessDurations(JAKARTA, ticket).firstResponseMs).toBe(30 * MIN);
    const { firstCustomerMessageAt: _, ...withoutCustomerMessage } = ticket;
    expect(businessDurations(JAKARTA, withoutCustomerMessage).firstResponseMs).toBeNull();
  });

  it('with ALWAYS_OPEN every duration equals its calendar-hour duration to the millisecond', () => {
    const created = FRIDAY_1700_JAKARTA + 123;
    const ticket = { createdAt: created, createdByAgent: false, firstResponseAt: MONDAY_0930_JAKARTA + 7, firstResolvedAt: created + 5 * H + 1, resolvedAt: created + 50 * H + 999 };
    expect(businessDurations(ALWAYS_OPEN, ticket)).toEqual({
      firstResponseMs: ticket.firstResponseAt - created, firstResolutionMs: ticket.firstResolvedAt - created, resolutionMs: ticket.resolvedAt - created,
    });
  });

  it('a span that runs backwards counts negative', () => {
    expect(signedBusinessMillis(JAKARTA, MONDAY_0930_JAKARTA, FRIDAY_1700_JAKARTA)).toBe(-30 * MIN);
    expect(signedBusinessMillis(ALWAYS_OPEN, 10 * H, 4 * H)).toBe(-6 * H);
    expect(signedBusinessMillis(JAKARTA, MONDAY_0930_JAKARTA, MONDAY_0930_JAKARTA)).toBe(0);
  });
});

describe('the calendar that measures a ticket', () => {
  const assigned: TeamCalendars = { byTeam: new Map([['billing', BERLIN]]), fallback: JAKARTA };

  it("is the team's calendar, the team matched ignoring case and surrounding spaces", () => {
    expect(calendarOfTeam(assigned, 'Billing')).toBe(BERLIN);
    expect(calendarOfTeam(assigned, '  BILLING ')).toBe(BERLIN);
  });

  it('else the default calendar: no team, or a team without a calendar', () => {
    expect(calendarOfTeam(assigned, undefined)).toBe(JAKARTA);
    expect(calendarOfTeam(assigned, null)).toBe(JAKARTA);
    expect(calendarOfTeam(assigned, 'Support')).toBe(JAKARTA);
  });

  it('else ALWAYS_OPEN: business hours are calendar hours', () => {
    expect(calendarOfTeam({ byTeam: new Map() }, 'Support')).toBe(ALWAYS_OPEN);
    expect(calendarOfTeam({ byTeam: new Map([['billing', BERLIN]]) }, 'Sales')).toBe(ALWAYS_OPEN);
  });

  it('the same ticket measures differently in its team calendar and in the default', () => {
    const ticket = { createdAt: FRIDAY_1700_JAKARTA, createdByAgent: false, firstResponseAt: MONDAY_0930_JAKARTA };
    // Friday 17:00 Jakarta is 11:00 in Berlin: 1 h left that Friday; Monday 09:30 Jakarta is 03:30 Berlin, before opening.
    expect(businessDurations(calendarOfTeam(assigned, 'Billing'), ticket).firstResponseMs).toBe(1 * H);
    expect(businessDurations(calendarOfTeam(assigned, 'Support'), ticket).firstResponseMs).toBe(30 * MIN);
  });
});
