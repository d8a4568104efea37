/**
 * Business-hours durations of one ticket: first response, first resolution and
 * full resolution, counted in the open time of the calendar that measures the
 * ticket. Pure: instants are epoch milliseconds UTC, calendars are values.
 *
 * Rules
 *
 *  D1. The calendar of a ticket is its team's calendar (team names compare
 *      ignoring case and surrounding spaces, as SLA policies match teams); a
 *      ticket with no team, or a team without a calendar, has the default
 *      calendar; with no default either, ALWAYS_OPEN, so business hours equal
 *      calendar hours and every ticket keeps a business duration.
 *  D2. The spans are those of the calendar-hour KPIs: first response from the
 *      start (creation, or the first customer message when an agent opened the
 *      ticket) to the first public agent reply; first resolution from creation
 *      to the first solve; full resolution from creation to the latest solve.
 *      A span with an instant missing has no duration (null).
 *  D3. A duration is the open time in [start, end) (businessMillisBetween); a
 *      span that runs backwards (end before start, e.g. clock skew between
 *      systems) counts negative, as it does in calendar hours. So with
 *      ALWAYS_OPEN every duration equals its calendar-hour duration exactly.
 */
import { ALWAYS_OPEN, businessMillisBetween, type BusinessCalendar } from './business-hours.js';
import { matchKey } from './sla.js';

/** Calendars assigned to teams (keyed by matchKey(team)), and the default one. */
export interface TeamCalendars {
  readonly byTeam: ReadonlyMap<string, BusinessCalendar>;
  readonly fallback?: BusinessCalendar;
}

export interface DurationInstants {
  readonly createdAt: number;
  readonly createdByAgent: boolean;
  readonly firstCustomerMessageAt?: number;
  readonly firstResponseAt?: number;
  readonly firstResolvedAt?: number;
  readonly resolvedAt?: number;
}

export interface BusinessDurations {
  readonly firstResponseMs: number | null;
  readonly firstResolutionMs: number | null;
  readonly resolutionMs: number | null;
}

/** The calendar that measures a ticket of `team` (rule D1). */
export function calendarOfTeam(calendars: TeamCalendars, team: string | null | undefined): BusinessCalendar {
  const own = team == null ? undefined : calendars.byTeam.get(matchKey(team));
  return own ?? calendars.fallback ?? ALWAYS_OPEN;
}

/** Open time from `start` to `end`, negative when `end` is before `start` (rule D3). */
export function signedBusinessMillis(calendar: BusinessCalendar, start: number, end: number): number {
  return end >= start ? businessMillisBetween(calendar, start, end) : -businessMillisBetween(calendar, end, start);
}

/** The three spans of a ticket (rule D2), each measured by `measure`. */
function ticketDurations(ticket: DurationInstants, measure: (start: number, end: number) => number): BusinessDurations {
  const span = (start: number | undefined, end: number | undefined) => (start === undefined || end === undefined ? null : measure(start, end));
  const responseStart = ticket.createdByAgent ? ticket.firstCustomerMessageAt : ticket.createdAt;
  return {
    firstResponseMs: span(responseStart, ticket.firstResponseAt),
    firstResolutionMs: span(ticket.createdAt, ticket.firstResolvedAt),
    resolutionMs: span(ticket.createdAt, ticket.resolvedAt),
  };
}

/** The three business-hours durations of a ticket in `calendar` (rules D2, D3). */
export function businessDurations(calendar: BusinessCalendar, ticket: DurationInstants): BusinessDurations {
  return ticketDurations(ticket, (start, end) => signedBusinessMillis(calendar, start, end));
}

/** The same three spans in calendar hours (end - start), as the calendar-hour KPIs compute them in SQL. */
export function calendarDurations(ticket: DurationInstants): BusinessDurations {
  return ticketDurations(ticket, (start, end) => end - start);
}
