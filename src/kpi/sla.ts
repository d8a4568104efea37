/**
 * SLA policies: which policy applies to a ticket, when its targets are due, and
 * whether they were met or breached. Pure: instants are epoch milliseconds UTC
 * and `now` is passed in.
 *
 * Rules
 *
 * Matching
 *  M1. Disabled policies (`enabled: false`) never match; a policy without
 *      `enabled` is enabled.
 *  M2. Of the policies that match, the most specific wins: one that names a
 *      priority and a team, then one that names either, then one that names
 *      neither. Among equally specific ones, the lowest `position` wins, ties
 *      by ascending `id` (the one added first). So a team's own policy, added
 *      after a catch-all for its priority, applies to that team.
 *  M3. A policy with a priority matches only tickets with that priority; one
 *      with a team only tickets in that team. Both comparisons ignore case and
 *      surrounding spaces. A policy without priority (or team) matches any
 *      priority (or team), including none.
 *
 * Clocks
 *  C1. A policy with `businessHours` measures targets in open time of its
 *      `calendar` (see business-hours.ts); without `businessHours` the clock is
 *      ALWAYS_OPEN (calendar hours) and any calendar is ignored. A
 *      business-hours policy without a calendar is refused (SlaPolicyError);
 *      the caller resolves the default calendar.
 *  C2. Targets are in seconds (`*_seconds` columns) and must be positive.
 *
 * The clock of one target
 *  T1. First response and resolution start at `ticket.createdAt`; first response
 *      at `ticket.firstResponseStartAt` instead when given (a ticket an agent
 *      opened: the customer's first message, as frt measures; null while the
 *      customer has not written, so no first-response clock runs). Next reply
 *      starts at `ticket.nextReplyStartAt`, the customer message awaiting an
 *      answer, when given.
 *  T2. The clock stops at `firstResponseAt`, `resolvedAt` or `nextReplyAt`.
 *  T3. Time the ticket spends in one of the policy's `pauseStatuses` (e.g.
 *      pending, on-hold) does not count; status names compare ignoring case.
 *      Elapsed time is open time (per C1) outside pauses, between the start and
 *      the instant asked about.
 *  T4. The due time is the earliest instant at which the elapsed time equals the
 *      target. So while paused the due time moves later by the paused open time
 *      (a pause outside open hours moves nothing), and a clock started outside
 *      open hours starts at the next opening.
 *  T5. Status history: intervals are taken in order of `from`; an interval ends
 *      at its `to` or at the next interval's `from`, whichever is earlier; an
 *      interval without `to` lasts until the next one, or for ever if it is the
 *      last (the ticket is still in that status). Time covered by no interval
 *      counts as not paused.
 *  T6. Once the clock has stopped, later status changes are ignored: pauses that
 *      begin at or after the stop instant do not move the due time.
 *  T7. When the ticket is in a pause that has no end (the last interval, no `to`)
 *      before the target is reached and the clock has not stopped, there is no
 *      due time (`dueAt` undefined, `paused` true); `remainingMs` says how much
 *      of the target is left.
 *
 * Met and breached, at `now`
 *  B1. A stopped target (stop instant <= now) is met when the stop instant is at
 *      or before the due time (or there is no due time), otherwise breached.
 *  B2. A running target is breached when now is after the due time; at the due
 *      time itself it is not yet breached.
 *  B3. A target the policy does not set has no due time and `breached` undefined.
 *  B4. `elapsedFraction` is elapsed / target at min(now, stop), pauses excluded.
 *      It reaches 1 at the due time and stays there while the calendar is closed
 *      (breached, by B2, from the next instant on); it grows past 1 with open
 *      time after that. The 75% warning fires at 0.75.
 */
import { t } from '../i18n/catalogue.js';
import type { Locale } from '../i18n/locale.js';
import { KpiBotError } from '../errors.js';
import { ALWAYS_OPEN, addBusinessMillis, businessMillisBetween, type BusinessCalendar } from './business-hours.js';

export interface SlaPolicy {
  id: number;
  name: string;
  priority?: string;
  team?: string;
  firstResponseSeconds?: number;
  nextReplySeconds?: number;
  resolutionSeconds?: number;
  businessHours: boolean;
  calendar?: BusinessCalendar;
  pauseStatuses: readonly string[];
  position: number;
  /** Absent means enabled. */
  enabled?: boolean;
}

export interface SlaTicket {
  createdAt: number;
  /** Where the first-response clock starts when not at creation; null: it has not started (rule T1). */
  firstResponseStartAt?: number | null;
  firstResponseAt?: number;
  resolvedAt?: number;
  /** The customer message awaiting an agent's answer (starts the next-reply clock). */
  nextReplyStartAt?: number;
  /** The agent reply answering it (stops the next-reply clock). */
  nextReplyAt?: number;
}

export interface StatusInterval {
  status: string;
  from: number;
  to?: number;
}

export type SlaTarget = 'firstResponse' | 'nextReply' | 'resolution';

/** One target's state at `now`. */
export interface SlaTargetState {
  targetMs: number;
  startedAt: number;
  dueAt?: number;
  /** The stop instant when it is at or before `now`. */
  stoppedAt?: number;
  /** Elapsed time (policy clock, pauses excluded) at min(now, stop). */
  elapsedMs: number;
  remainingMs: number;
  /** Running and in a pause status at `now`. */
  paused: boolean;
  /** Set once stopped: met (true) or breached (false). */
  met?: boolean;
  breached: boolean;
}

export interface SlaDueTimes {
  policyId: number;
  firstResponseDueAt?: number;
  nextReplyDueAt?: number;
  resolutionDueAt?: number;
  firstResponseBreached: boolean | undefined;
  nextReplyBreached: boolean | undefined;
  resolutionBreached: boolean | undefined;
  firstResponse?: SlaTargetState;
  nextReply?: SlaTargetState;
  resolution?: SlaTargetState;
}

/** Why a policy, calendar or team change was refused: the catalogue's `sla.refused.<reason>`. */
export type SlaRefusal =
  | { readonly reason: 'team_required' | 'no_target' | 'needs_calendar' }
  | { readonly reason: 'no_calendar' | 'not_a_date' | 'no_holiday'; readonly value: string }
  | { readonly reason: 'same_scope'; readonly value: string; readonly name: string }
  | { readonly reason: 'calendar_in_use'; readonly value: string; readonly policies: string }
  | { readonly reason: 'policy_name' | 'team_name' | 'calendar_name'; readonly max: number };

/** The longest names the database keeps (sla_policies.name, teams.name, business_calendars.name). */
export const NAME_LIMITS = { policy_name: 100, team_name: 200, calendar_name: 100 } as const;

/** Refuses a name that is empty (once trimmed) or longer than its column keeps. */
export function checkName(kind: keyof typeof NAME_LIMITS, name: string): void {
  if (name.trim() === '' || name.length > NAME_LIMITS[kind]) throw SlaPolicyError.refused({ reason: kind, max: NAME_LIMITS[kind] });
}

/** What a refusal says in `locale`: the command line's English, an admin's language in Slack. */
export function refusalText(locale: Locale, refusal: SlaRefusal): string {
  switch (refusal.reason) {
    case 'team_required':
    case 'no_target':
    case 'needs_calendar':
      return t(locale, `sla.refused.${refusal.reason}`);
    case 'no_calendar':
    case 'not_a_date':
    case 'no_holiday':
      return t(locale, `sla.refused.${refusal.reason}`, { value: refusal.value });
    case 'same_scope':
      return t(locale, 'sla.refused.same_scope', { value: refusal.value, name: refusal.name });
    case 'calendar_in_use':
      return t(locale, 'sla.refused.calendar_in_use', { value: refusal.value, policies: refusal.policies });
    case 'policy_name':
    case 'team_name':
    case 'calendar_name':
      return t(locale, `sla.refused.${refusal.reason}`, { max: String(refusal.max) });
  }
}

/** An SLA policy that cannot be applied; `refusal`, where an admin's words were refused, says why in any language. */
export class SlaPolicyError extends KpiBotError {
  constructor(
    message: string,
    readonly refusal?: SlaRefusal,
  ) {
    super('bad_sla_policy', message, 400);
  }

  /** A refusal, its message in English. */
  static refused(refusal: SlaRefusal): SlaPolicyError {
    return new SlaPolicyError(refusalText('en', refusal), refusal);
  }
}

/**
 * How names (teams, agents, priorities, statuses) compare: ignoring case and
 * surrounding spaces, in Unicode (`ödeme` finds `Ödeme`), with the Turkish
 * dotted İ and dotless ı folded to i (`iade` finds `İade`). Tickets, agents and
 * teams store the key of their name (team_key, name_key) so that queries
 * compare keys: SQL's lower() differs between the engines.
 */
export const matchKey = (value: string): string => value.normalize('NFC').trim().toLowerCase().replace(/\u0307/g, '').replace(/ı/g, 'i');
const norm = matchKey;

/** The policy that applies to a ticket (rules M1–M3), or undefined. */
export function matchPolicy<P extends SlaPolicy>(
  policies: readonly P[],
  ticket: { priority?: string | null; team?: string | null },
): P | undefined {
  const priority = ticket.priority == null ? undefined : norm(ticket.priority);
  const team = ticket.team == null ? undefined : norm(ticket.team);
  let best: P | undefined;
  for (const policy of policies) {
    if (policy.enabled === false) continue;
    if (policy.priority != null && norm(policy.priority) !== priority) continue;
    if (policy.team != null && norm(policy.team) !== team) continue;
    if (best === undefined || comesBefore(policy, best)) best = policy;
  }
  return best;
}

/** How many of priority and team a policy names (rule M2): 2 beats 1 beats 0. */
export const policySpecificity = (policy: Scope): number => (policy.priority == null ? 0 : 1) + (policy.team == null ? 0 : 1);

function comesBefore(a: SlaPolicy, b: SlaPolicy): boolean {
  const specific = policySpecificity(a) - policySpecificity(b);
  if (specific !== 0) return specific > 0;
  return a.position < b.position || (a.position === b.position && a.id < b.id);
}

/** Whether two policies cover the same tickets (same priority and team, compared as rule M3 does): the later would never apply. */
type Scope = { readonly priority?: string | null | undefined; readonly team?: string | null | undefined };
export const sameScope = (a: Scope, b: Scope): boolean =>
  (a.priority == null ? null : norm(a.priority)) === (b.priority == null ? null : norm(b.priority)) && (a.team == null ? null : norm(a.team)) === (b.team == null ? null : norm(b.team));

/** The clock a policy measures in (rule C1). */
export function policyClock(policy: SlaPolicy): BusinessCalendar {
  if (!policy.businessHours) return ALWAYS_OPEN;
  if (!policy.calendar) throw new SlaPolicyError(`SLA policy "${policy.name}" uses business hours but has no calendar`);
  return policy.calendar;
}

function targetMs(policy: SlaPolicy, target: SlaTarget): number | undefined {
  const seconds =
    target === 'firstResponse' ? policy.firstResponseSeconds : target === 'nextReply' ? policy.nextReplySeconds : policy.resolutionSeconds;
  if (seconds == null) return undefined;
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new SlaPolicyError(`SLA policy "${policy.name}": ${target} target must be a positive number of seconds, got ${seconds}`);
  }
  return seconds * 1000;
}

function span(ticket: SlaTicket, target: SlaTarget): { start: number; stop: number | undefined } | undefined {
  if (target === 'firstResponse') return ticket.firstResponseStartAt === null ? undefined : { start: ticket.firstResponseStartAt ?? ticket.createdAt, stop: ticket.firstResponseAt };
  if (target === 'resolution') return { start: ticket.createdAt, stop: ticket.resolvedAt };
  if (ticket.nextReplyStartAt == null) return undefined;
  return { start: ticket.nextReplyStartAt, stop: ticket.nextReplyAt };
}

/** Paused spans [from, to) (to may be Infinity), sorted and merged (rule T5). */
export function pausedSpans(statusIntervals: readonly StatusInterval[], pauseStatuses: readonly string[]): [number, number][] {
  if (pauseStatuses.length === 0 || statusIntervals.length === 0) return [];
  const pausing = new Set(pauseStatuses.map(norm));
  const ordered = statusIntervals
    .map((interval, index) => ({ interval, index }))
    .sort((a, b) => a.interval.from - b.interval.from || a.index - b.index)
    .map(({ interval }) => interval);
  const spans: [number, number][] = [];
  for (let i = 0; i < ordered.length; i++) {
    const interval = ordered[i]!;
    if (!pausing.has(norm(interval.status))) continue;
    const next = ordered[i + 1];
    const end = Math.min(interval.to ?? Infinity, next?.from ?? Infinity);
    if (!(end > interval.from)) continue;
    const last = spans[spans.length - 1];
    if (last !== undefined && interval.from <= last[1]) last[1] = Math.max(last[1], end);
    else spans.push([interval.from, end]);
  }
  return spans;
}

/** Active (not paused) open time in [start, until), pauses given as sorted spans. */
function activeMillis(clock: BusinessCalendar, start: number, until: number, pauses: readonly [number, number][]): number {
  let elapsed = 0;
  let cursor = start;
  for (const [from, to] of pauses) {
    if (cursor >= until) break;
    if (to <= cursor) continue;
    if (from > cursor) elapsed += businessMillisBetween(clock, cursor, Math.min(from, until));
    cursor = to;
  }
  if (cursor < until) elapsed += businessMillisBetween(clock, cursor, until);
  return elapsed;
}

/** The due time (rule T4), or undefined when an endless pause comes first (T7). */
function dueTime(clock: BusinessCalendar, start: number, target: number, pauses: readonly [number, number][]): number | undefined {
  let remaining = target;
  let cursor = start;
  for (const [from, to] of pauses) {
    if (to <= cursor) continue;
    if (from > cursor) {
      const open = businessMillisBetween(clock, cursor, from);
      if (open >= remaining) return addBusinessMillis(clock, cursor, remaining);
      remaining -= open;
    }
    cursor = to;
    if (cursor === Infinity) return undefined;
  }
  return addBusinessMillis(clock, cursor, remaining);
}

/** The state of one target at `now` (rules T1–T7, B1–B3); undefined when the policy sets no such target. */
export function evaluateTarget(
  policy: SlaPolicy,
  ticket: SlaTicket,
  statusIntervals: readonly StatusInterval[],
  now: number,
  target: SlaTarget,
): SlaTargetState | undefined {
  const ms = targetMs(policy, target);
  const times = span(ticket, target);
  if (ms === undefined || times === undefined) return undefined;
  const clock = policyClock(policy);
  const { start, stop } = times;
  // Rule T6: pauses beginning at or after the stop are ignored.
  const pauses = pausedSpans(statusIntervals, policy.pauseStatuses).filter(([from]) => stop === undefined || from < stop);
  const dueAt = dueTime(clock, start, ms, pauses);
  const stopped = stop !== undefined && stop <= now;
  const until = stopped ? stop : now;
  const elapsedMs = activeMillis(clock, start, until, pauses);
  const paused = !stopped && now >= start && pauses.some(([from, to]) => from <= now && now < to);
  const state: SlaTargetState = {
    targetMs: ms,
    startedAt: start,
    elapsedMs,
    remainingMs: Math.max(0, ms - elapsedMs),
    paused,
    breached: false,
  };
  if (dueAt !== undefined) state.dueAt = dueAt;
  if (stopped) {
    state.stoppedAt = stop;
    state.met = dueAt === undefined || stop <= dueAt;
    state.breached = !state.met;
  } else {
    state.breached = dueAt !== undefined && now > dueAt;
  }
  return state;
}

/** Due times and met / breached flags of every target the policy sets, at `now`. */
export function computeDueTimes(
  policy: SlaPolicy,
  ticket: SlaTicket,
  statusIntervals: readonly StatusInterval[],
  now: number,
): SlaDueTimes {
  const firstResponse = evaluateTarget(policy, ticket, statusIntervals, now, 'firstResponse');
  const nextReply = evaluateTarget(policy, ticket, statusIntervals, now, 'nextReply');
  const resolution = evaluateTarget(policy, ticket, statusIntervals, now, 'resolution');
  const result: SlaDueTimes = {
    policyId: policy.id,
    firstResponseBreached: firstResponse?.breached,
    nextReplyBreached: nextReply?.breached,
    resolutionBreached: resolution?.breached,
  };
  if (firstResponse) {
    result.firstResponse = firstResponse;
    if (firstResponse.dueAt !== undefined) result.firstResponseDueAt = firstResponse.dueAt;
  }
  if (nextReply) {
    result.nextReply = nextReply;
    if (nextReply.dueAt !== undefined) result.nextReplyDueAt = nextReply.dueAt;
  }
  if (resolution) {
    result.resolution = resolution;
    if (resolution.dueAt !== undefined) result.resolutionDueAt = resolution.dueAt;
  }
  return result;
}

/**
 * How much of a target has elapsed at `now` (rule B4): 0.75 is the warning
 * threshold, 1 the due time. Undefined when the policy sets no such target.
 */
export function elapsedFraction(
  policy: SlaPolicy,
  ticket: SlaTicket,
  statusIntervals: readonly StatusInterval[],
  now: number,
  target: SlaTarget = 'firstResponse',
): number | undefined {
  const state = evaluateTarget(policy, ticket, statusIntervals, now, target);
  return state === undefined ? undefined : state.elapsedMs / state.targetMs;
}
