import { describe, expect, it } from 'vitest';
import { KpiBotError } from '../../src/errors.js';
import type { BusinessCalendar, WeeklyHours } from '../../src/kpi/business-hours.js';
import {
  SlaPolicyError,
  computeDueTimes,
  elapsedFraction,
  matchPolicy,
  pausedSpans,
  type SlaPolicy,
  type StatusInterval,
} from '../../src/kpi/sla.js';

const MIN = 60_000;
const HOUR = 3_600_000;

const at = (iso: string): number => {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms) || !/(Z|[+-]\d\d:\d\d)$/.test(iso)) throw new Error(`bad test instant ${iso}`);
  return ms;
};

const weekdays = (...intervals: [string, string][]): WeeklyHours => ({ 1: intervals, 2: intervals, 3: intervals, 4: intervals, 5: intervals, 6: [], 7: [] });

const ISTANBUL: BusinessCalendar = {
  name: 'Istanbul office',
  timezone: 'Europe/Istanbul',
  weeklyHours: weekdays(['09:00', '12:00'], ['13:00', '17:00']),
  holidays: [],
};
const JAKARTA: BusinessCalendar = { name: 'Jakarta', timezone: 'Asia/Jakarta', weeklyHours: weekdays(['09:00', '17:00']), holidays: [] };
const BERLIN: BusinessCalendar = { name: 'Berlin', timezone: 'Europe/Berlin', weeklyHours: weekdays(['09:00', '17:00']), holidays: [] };

const policy = (overrides: Partial<SlaPolicy>): SlaPolicy => ({
  id: 1,
  name: 'standard',
  businessHours: true,
  calendar: JAKARTA,
  pauseStatuses: ['pending', 'on-hold'],
  position: 0,
  ...overrides,
});

describe('matchPolicy', () => {
  const policies: SlaPolicy[] = [
    policy({ id: 4, name: 'catch-all', position: 30 }),
    policy({ id: 2, name: 'urgent', priority: 'urgent', position: 20 }),
    policy({ id: 1, name: 'urgent billing', priority: 'urgent', team: 'Billing', position: 10 }),
    policy({ id: 9, name: 'disabled urgent', priority: 'urgent', position: 1, enabled: false }),
    policy({ id: 7, name: 'high A', priority: 'high', position: 15 }),
    policy({ id: 6, name: 'high B', priority: 'high', position: 15 }),
  ];
  const match = (ticket: { priority?: string; team?: string }): string | undefined => matchPolicy(policies, ticket)?.name;

  it('takes the first enabled policy by position whose priority and team match', () => {
    expect(match({ priority: 'urgent', team: 'Billing' })).toBe('urgent billing');
    expect(match({ priority: 'urgent', team: 'Support' })).toBe('urgent');
    expect(match({ priority: 'urgent' })).toBe('urgent');
    expect(match({ priority: 'low', team: 'Billing' })).toBe('catch-all');
    expect(match({})).toBe('catch-all');
  });

  it('compares team (and priority) ignoring case and surrounding spaces', () => {
    expect(match({ priority: 'urgent', team: ' billing ' })).toBe('urgent billing');
    expect(match({ priority: 'URGENT', team: 'BILLING' })).toBe('urgent billing');
  });

  it('breaks position ties by id and skips disabled policies', () => {
    expect(match({ priority: 'high' })).toBe('high B');
    expect(matchPolicy([policy({ id: 3, priority: 'urgent', enabled: false })], { priority: 'urgent' })).toBeUndefined();
  });

  it('takes the most specific policy, whatever the order: priority and team, then either, then neither (rule M2)', () => {
    const later = [
      policy({ id: 1, name: 'catch-all', position: 1 }),
      policy({ id: 2, name: 'urgent', priority: 'urgent', position: 2 }),
      policy({ id: 3, name: 'billing', team: 'Billing', position: 3 }),
      policy({ id: 4, name: 'urgent billing', priority: 'urgent', team: 'Billing', position: 4 }),
    ];
    const pick = (ticket: { priority?: string; team?: string }) => matchPolicy(later, ticket)?.name;
    expect(pick({ priority: 'urgent', team: 'billing' })).toBe('urgent billing');
    expect(pick({ priority: 'high', team: 'Billing' })).toBe('billing');
    expect(pick({ priority: 'urgent', team: 'Support' })).toBe('urgent');
    expect(pick({ priority: 'low' })).toBe('catch-all');
    // Equally specific (a priority's, a team's): the one added first.
    expect(matchPolicy(later.slice(0, 3), { priority: 'urgent', team: 'Billing' })?.name).toBe('urgent');
  });

  it('returns undefined when nothing matches', () => {
    expect(matchPolicy([], { priority: 'urgent' })).toBeUndefined();
    expect(matchPolicy([policy({ team: 'Billing' })], { priority: 'urgent' })).toBeUndefined();
  });
});

describe('computeDueTimes: the Friday afternoon ticket', () => {
  // Istanbul (UTC+3), Mon–Fri 09:00–12:00 and 13:00–17:00; 1 h first response, 8 h resolution.
  const business = policy({ calendar: ISTANBUL, firstResponseSeconds: 3600, resolutionSeconds: 8 * 3600 });
  const friday1630 = 1_774_618_200_000; // 2026-03-27T16:30:00+03:00
  const monday0930 = 1_774_852_200_000; // 2026-03-30T09:30:00+03:00
  const history: StatusInterval[] = [{ status: 'new', from: friday1630 }];

  it('is due Monday 09:30 for a 1 h business-hours target', () => {
    expect(at('2026-03-27T16:30:00+03:00')).toBe(friday1630);
    expect(at('2026-03-30T09:30:00+03:00')).toBe(monday0930);
    const due = computeDueTimes(business, { createdAt: friday1630 }, history, at('2026-03-28T12:00:00+03:00'));
    expect(due.firstResponseDueAt).toBe(monday0930);
    // 8 h: Fri 0.5 h, Mon 3 h + 4 h, Tue 0.5 h.
    expect(due.resolutionDueAt).toBe(at('2026-03-31T09:30:00+03:00'));
    expect(due.firstResponseBreached).toBe(false);
    expect(due.resolutionBreached).toBe(false);
    expect(due.nextReplyBreached).toBeUndefined();
    expect(due.policyId).toBe(1);
  });

  it('is not breached at the due instant and breached one millisecond later', () => {
    expect(computeDueTimes(business, { createdAt: friday1630 }, history, monday0930).firstResponseBreached).toBe(false);
    expect(computeDueTimes(business, { createdAt: friday1630 }, history, monday0930 + 1).firstResponseBreached).toBe(true);
  });

  it('counts a response at the due instant as met, and one after it as breached', () => {
    const later = at('2026-04-02T12:00:00+03:00');
    const met = computeDueTimes(business, { createdAt: friday1630, firstResponseAt: monday0930 }, history, later);
    expect(met.firstResponseBreached).toBe(false);
    expect(met.firstResponse).toMatchObject({ met: true, stoppedAt: monday0930, elapsedMs: HOUR, remainingMs: 0 });
    const late = computeDueTimes(business, { createdAt: friday1630, firstResponseAt: monday0930 + MIN }, history, later);
    expect(late.firstResponseBreached).toBe(true);
    expect(late.firstResponse).toMatchObject({ met: false, elapsedMs: HOUR + MIN });
  });

  it('evaluates at `now`, before a response that comes later', () => {
    const due = computeDueTimes(business, { createdAt: friday1630, firstResponseAt: monday0930 + MIN }, history, at('2026-03-30T09:15:00+03:00'));
    expect(due.firstResponseBreached).toBe(false);
    expect(due.firstResponse?.met).toBeUndefined();
    expect(due.firstResponse?.elapsedMs).toBe(45 * MIN);
  });

  it('measures the elapsed fraction in business time', () => {
    expect(elapsedFraction(business, { createdAt: friday1630 }, history, at('2026-03-28T12:00:00+03:00'))).toBe(0.5);
    expect(elapsedFraction(business, { createdAt: friday1630 }, history, at('2026-03-30T09:15:00+03:00'))).toBe(0.75);
    expect(elapsedFraction(business, { createdAt: friday1630 }, history, at('2026-03-30T10:00:00+03:00'))).toBe(1.5);
    expect(elapsedFraction(business, { createdAt: friday1630 }, history, at('2026-03-30T10:00:00+03:00'), 'resolution')).toBe(1.5 / 8);
  });

  it('uses plain elapsed time for a calendar-hours policy, whatever its calendar', () => {
    const calendarHours = { ...business, businessHours: false };
    const due = computeDueTimes(calendarHours, { createdAt: friday1630 }, history, friday1630);
    expect(due.firstResponseDueAt).toBe(friday1630 + HOUR); // Friday 17:30
    expect(due.resolutionDueAt).toBe(friday1630 + 8 * HOUR);
    expect(elapsedFraction(calendarHours, { createdAt: friday1630 }, history, friday1630 + 45 * MIN)).toBe(0.75);
  });
});

describe('computeDueTimes: pauses', () => {
  // Jakarta (UTC+7), Mon–Fri 09:00–17:00; 2 h first response, 8 h resolution.
  const business = policy({ firstResponseSeconds: 2 * 3600, resolutionSeconds: 8 * 3600 });
  const created = at('2026-03-23T10:00:00+07:00'); // Monday
  const pendingOvernight: StatusInterval[] = [
    { status: 'open', from: created, to: at('2026-03-23T11:00:00+07:00') },
    { status: 'pending', from: at('2026-03-23T11:00:00+07:00'), to: at('2026-03-24T10:00:00+07:00') },
    { status: 'open', from: at('2026-03-24T10:00:00+07:00') },
  ];
  const later = at('2026-03-25T12:00:00+07:00');

  it('moves the due time later by the paused open time', () => {
    // Pending Mon 11:00 → Tue 10:00 covers 6 h + 1 h of open time.
    const paused = computeDueTimes(business, { createdAt: created }, pendingOvernight, later);
    expect(paused.resolutionDueAt).toBe(at('2026-03-24T17:00:00+07:00'));
    expect(paused.firstResponseDueAt).toBe(at('2026-03-24T11:00:00+07:00'));
    // Without the pause: Mon 10:00 + 8 h = Tue 10:00; + 2 h = Mon 12:00.
    const unpaused = computeDueTimes(policy({ ...business, pauseStatuses: [] }), { createdAt: created }, pendingOvernight, later);
    expect(unpaused.resolutionDueAt).toBe(at('2026-03-24T10:00:00+07:00'));
    expect(unpaused.firstResponseDueAt).toBe(at('2026-03-23T12:00:00+07:00'));
  });

  it('excludes paused time from the elapsed fraction', () => {
    expect(elapsedFraction(business, { createdAt: created }, pendingOvernight, at('2026-03-24T09:30:00+07:00'), 'resolution')).toBe(1 / 8);
    expect(elapsedFraction(business, { createdAt: created }, pendingOvernight, at('2026-03-24T10:30:00+07:00'))).toBe(0.75);
  });

  it('only pauses in the listed statuses (any case)', () => {
    const onHold = pendingOvernight.map((interval) => (interval.status === 'pending' ? { ...interval, status: 'On-Hold' } : interval));
    expect(computeDueTimes(business, { createdAt: created }, onHold, later).resolutionDueAt).toBe(at('2026-03-24T17:00:00+07:00'));
    const pendingOnly = policy({ ...business, pauseStatuses: ['pending'] });
    expect(computeDueTimes(pendingOnly, { createdAt: created }, onHold, later).resolutionDueAt).toBe(at('2026-03-24T10:00:00+07:00'));
  });

  it('moves nothing for a pause wholly outside open hours', () => {
    const night: StatusInterval[] = [
      { status: 'open', from: created },
      { status: 'pending', from: at('2026-03-23T18:00:00+07:00') },
      { status: 'open', from: at('2026-03-24T08:00:00+07:00') },
    ];
    expect(computeDueTimes(business, { createdAt: created }, night, later).resolutionDueAt).toBe(at('2026-03-24T10:00:00+07:00'));
  });

  it('has no due time while an endless pause holds the clock, and is not breached', () => {
    const stillPending: StatusInterval[] = [
      { status: 'open', from: created },
      { status: 'pending', from: at('2026-03-23T11:00:00+07:00') },
    ];
    const due = computeDueTimes(business, { createdAt: created }, stillPending, at('2026-04-30T12:00:00+07:00'));
    expect(due.resolutionDueAt).toBeUndefined();
    expect(due.firstResponseDueAt).toBeUndefined();
    expect(due.resolutionBreached).toBe(false);
    expect(due.resolution).toMatchObject({ paused: true, elapsedMs: HOUR, remainingMs: 7 * HOUR });
    expect(elapsedFraction(business, { createdAt: created }, stillPending, at('2026-04-30T12:00:00+07:00'), 'resolution')).toBe(1 / 8);
  });

  it('ignores pauses that begin after the clock stopped', () => {
    const stillPending: StatusInterval[] = [
      { status: 'open', from: created },
      { status: 'pending', from: at('2026-03-23T11:00:00+07:00') },
    ];
    const ticket = { createdAt: created, firstResponseAt: at('2026-03-23T10:30:00+07:00') };
    const due = computeDueTimes(business, ticket, stillPending, later);
    expect(due.firstResponseDueAt).toBe(at('2026-03-23T12:00:00+07:00'));
    expect(due.firstResponseBreached).toBe(false);
    expect(due.firstResponse?.paused).toBe(false);
    expect(due.resolutionDueAt).toBeUndefined(); // still pending, unresolved
  });

  it('still reports a breach that happened before the pause began', () => {
    const lateThenPending: StatusInterval[] = [
      { status: 'open', from: created },
      { status: 'pending', from: at('2026-03-23T13:00:00+07:00') },
    ];
    const due = computeDueTimes(business, { createdAt: created }, lateThenPending, later);
    expect(due.firstResponseDueAt).toBe(at('2026-03-23T12:00:00+07:00'));
    expect(due.firstResponseBreached).toBe(true);
  });
});

describe('computeDueTimes: resolution met or breached', () => {
  const business = policy({ resolutionSeconds: 8 * 3600 });
  const created = at('2026-03-23T10:00:00+07:00');
  const due = at('2026-03-24T10:00:00+07:00');
  const history: StatusInterval[] = [{ status: 'open', from: created }];

  it('is met when resolved at or before the due time', () => {
    const result = computeDueTimes(business, { createdAt: created, resolvedAt: due }, history, due + 5 * HOUR);
    expect(result.resolutionDueAt).toBe(due);
    expect(result.resolutionBreached).toBe(false);
    expect(result.resolution?.met).toBe(true);
    expect(result.firstResponseBreached).toBeUndefined();
    expect(result.firstResponseDueAt).toBeUndefined();
  });

  it('is breached when resolved after it, or unresolved past it', () => {
    expect(computeDueTimes(business, { createdAt: created, resolvedAt: due + 1 }, history, due + 5 * HOUR).resolutionBreached).toBe(true);
    const open = computeDueTimes(business, { createdAt: created }, history, due + 1);
    expect(open.resolutionBreached).toBe(true);
    expect(open.resolution?.met).toBeUndefined();
  });

  it('counts a ticket resolved after closing time, with no open time since the due instant, as breached', () => {
    const closing = at('2026-03-23T17:00:00+07:00');
    const short = policy({ resolutionSeconds: 7 * 3600 });
    const result = computeDueTimes(short, { createdAt: created, resolvedAt: at('2026-03-23T18:00:00+07:00') }, history, later());
    expect(result.resolutionDueAt).toBe(closing);
    expect(result.resolutionBreached).toBe(true);
    expect(result.resolution?.elapsedMs).toBe(7 * HOUR);
  });

  function later(): number {
    return at('2026-03-30T00:00:00+07:00');
  }
});

describe('computeDueTimes: clocks', () => {
  it('starts a business clock at the next opening for a ticket created on Saturday', () => {
    const p = policy({ firstResponseSeconds: 3600 });
    const saturday = at('2026-03-28T11:00:00+07:00');
    expect(computeDueTimes(p, { createdAt: saturday }, [], saturday).firstResponseDueAt).toBe(at('2026-03-30T10:00:00+07:00'));
  });

  it('keeps business days at 8 h across the DST weekend (Berlin, 16 h from Fri 09:00 CET)', () => {
    const p = policy({ calendar: BERLIN, resolutionSeconds: 16 * 3600 });
    const friday = 1_774_598_400_000; // 2026-03-27T09:00:00+01:00
    expect(at('2026-03-27T09:00:00+01:00')).toBe(friday);
    expect(computeDueTimes(p, { createdAt: friday }, [], friday).resolutionDueAt).toBe(1_774_882_800_000); // Mon 17:00 CEST
  });

  it('times next replies from the customer message awaiting one', () => {
    const p = policy({ nextReplySeconds: 1800 });
    const ticket = { createdAt: at('2026-03-23T09:00:00+07:00'), nextReplyStartAt: at('2026-03-23T16:45:00+07:00') };
    const due = computeDueTimes(p, ticket, [], at('2026-03-24T09:10:00+07:00'));
    expect(due.nextReplyDueAt).toBe(at('2026-03-24T09:15:00+07:00'));
    expect(due.nextReplyBreached).toBe(false);
    const answered = computeDueTimes(p, { ...ticket, nextReplyAt: at('2026-03-24T09:20:00+07:00') }, [], at('2026-03-24T10:00:00+07:00'));
    expect(answered.nextReplyBreached).toBe(true);
    // No customer message waiting: no next-reply target.
    expect(computeDueTimes(p, { createdAt: ticket.createdAt }, [], ticket.createdAt).nextReplyBreached).toBeUndefined();
  });

  it('refuses a business-hours policy without a calendar and targets that are not positive', () => {
    const noCalendar = policy({ calendar: undefined, firstResponseSeconds: 60 });
    expect(() => computeDueTimes(noCalendar, { createdAt: 0 }, [], 0)).toThrow(SlaPolicyError);
    try {
      computeDueTimes(noCalendar, { createdAt: 0 }, [], 0);
    } catch (error) {
      expect(error).toBeInstanceOf(KpiBotError);
      expect((error as SlaPolicyError).code).toBe('bad_sla_policy');
      expect((error as SlaPolicyError).httpStatus).toBe(400);
    }
    expect(() => computeDueTimes(policy({ firstResponseSeconds: 0 }), { createdAt: 0 }, [], 0)).toThrow(/positive number of seconds/);
    // A calendar-hours policy needs no calendar.
    expect(computeDueTimes(policy({ calendar: undefined, businessHours: false, firstResponseSeconds: 60 }), { createdAt: 0 }, [], 0).firstResponseDueAt).toBe(60_000);
  });
});

describe('pausedSpans', () => {
  it('orders the history, ends each interval at the next, merges neighbours and ignores case', () => {
    const history: StatusInterval[] = [
      { status: 'open', from: 500, to: 600 },
      { status: 'Pending', from: 100, to: 250 }, // cut at 200 by the next interval
      { status: 'open', from: 0, to: 100 },
      { status: 'on-hold', from: 200, to: 300 },
      { status: 'pending', from: 300 }, // lasts until 500
      { status: 'pending', from: 600 }, // for ever
    ];
    expect(pausedSpans(history, ['pending', 'on-hold'])).toEqual([
      [100, 500],
      [600, Infinity],
    ]);
    expect(pausedSpans(history, ['on-hold'])).toEqual([[200, 300]]);
    expect(pausedSpans(history, [])).toEqual([]);
  });
});
