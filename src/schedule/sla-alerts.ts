/**
 * What the SLA sweeper decides, without SQL or Slack: which stage a running
 * target has reached (a warning when a configured share of the target has
 * elapsed, a breach at the due time), whether an unacknowledged breach is due
 * a reminder or goes to the team lead, whether a channel is in its quiet
 * hours, and when "until tomorrow's working hours" ends. `now` is passed in.
 */
import { TZDate } from '@date-fns/tz';
import { ALWAYS_OPEN, businessMillisBetween, nextOpening, type BusinessCalendar } from '../kpi/business-hours.js';
import type { SlaTarget } from '../kpi/sla.js';
import { localInstant, localInstants } from '../kpi/periods.js';

export interface SlaAlertSettings {
  /** Warning stages as shares of the target, ascending, e.g. [0.75]. */
  readonly warningStages: readonly number[];
  /** A breach nobody acknowledged is posted again this often... */
  readonly renotifyMs: number;
  /** ...at most this many times. */
  readonly renotifyMax: number;
  /** After this long unacknowledged, the team lead gets a DM. */
  readonly escalateAfterMs: number;
}

export interface RunningTarget {
  readonly ticketId: number;
  readonly target: SlaTarget;
  readonly dueAt: number;
  readonly targetMs: number;
  /** The policy's clock: ALWAYS_OPEN for calendar hours. */
  readonly clock: BusinessCalendar;
}

export type SlaStage = { readonly kind: 'sla_warning'; readonly share: number; readonly at: number } | { readonly kind: 'sla_breach'; readonly at: number };

/**
 * The instant `share` of the target has elapsed: the due time minus the rest
 * of the target measured on the policy's clock (pauses before it are already
 * in the due time; a pause after `now` moves the due time and so the stage).
 */
export function stageInstant(dueAt: number, targetMs: number, share: number, clock: BusinessCalendar): number {
  const rest = Math.max(0, targetMs * (1 - share));
  if (clock === ALWAYS_OPEN || rest === 0) return dueAt - rest;
  // The earliest x with at most `rest` open time left before the due time (open time left shrinks as x grows): a
  // share reached at Friday's close is reached then, not at Monday's opening with the rest of the target still to run.
  let low = dueAt - rest - 400 * 86_400_000;
  let high = dueAt - rest;
  if (businessMillisBetween(clock, low, dueAt) <= rest) return low;
  while (high - low > 1000) {
    const middle = Math.floor((low + high) / 2);
    if (businessMillisBetween(clock, middle, dueAt) <= rest) high = middle;
    else low = middle;
  }
  return high;
}

/**
 * The furthest stage reached at `now`: the breach from the due time on, else the highest warning stage whose
 * instant has come, else none. A ticket first seen already late yields only its breach.
 */
export function stageReached(target: RunningTarget, settings: SlaAlertSettings, now: number): SlaStage | undefined {
  if (now >= target.dueAt) return { kind: 'sla_breach', at: target.dueAt };
  let reached: SlaStage | undefined;
  for (const share of [...settings.warningStages].sort((a, b) => a - b)) {
    const at = stageInstant(target.dueAt, target.targetMs, share, target.clock);
    if (at <= now) reached = { kind: 'sla_warning', share, at };
  }
  return reached;
}

/** The alert's identity: one per ticket, target, stage and due time (a moved due time alerts afresh). */
export function slaAlertKey(ticketId: number, target: SlaTarget, stage: SlaStage, dueAt: number): string {
  const name = stage.kind === 'sla_breach' ? 'breach' : `warning${Math.round(stage.share * 100)}`;
  return `sla:${ticketId}:${target}:${name}:${dueAt}`;
}

export interface BreachState {
  readonly createdAt: number;
  readonly notifyCount: number;
  readonly lastNotifiedAt: number;
  readonly acknowledgedAt: number | null;
  readonly snoozedUntil: number | null;
  readonly escalatedAt: number | null;
}

export type FollowUp = { readonly kind: 'reminder'; readonly count: number } | { readonly kind: 'lead' };

/**
 * What an unacknowledged breach needs at `now`: the lead's DM once
 * `escalateAfterMs` has passed, and reminders every `renotifyMs` (at most
 * `renotifyMax`); a snooze holds both until it ends.
 */
export function followUps(state: BreachState, settings: SlaAlertSettings, now: number): FollowUp[] {
  if (state.acknowledgedAt !== null) return [];
  if (state.snoozedUntil !== null && now < state.snoozedUntil) return [];
  const due: FollowUp[] = [];
  const reminders = state.notifyCount - 1;
  if (reminders < settings.renotifyMax && now >= state.lastNotifiedAt + settings.renotifyMs) due.push({ kind: 'reminder', count: reminders + 1 });
  if (state.escalatedAt === null && now >= state.createdAt + settings.escalateAfterMs) due.push({ kind: 'lead' });
  return due;
}

/** `HH:MM` → minutes after midnight. */
const minutesOf = (hhmm: string): number => {
  const [h, m] = hhmm.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
};

/**
 * When the channel's quiet hours end, if `now` is inside them (else
 * undefined). `ends` before `starts` spans midnight; equal means no quiet hours.
 */
export function quietHoursEnd(quiet: { starts: string; ends: string; timezone: string } | undefined, now: number): number | undefined {
  if (quiet === undefined) return undefined;
  const starts = minutesOf(quiet.starts);
  const ends = minutesOf(quiet.ends);
  if (starts === ends) return undefined;
  const local = new TZDate(now, quiet.timezone);
  const minute = local.getHours() * 60 + local.getMinutes();
  const inside = starts < ends ? minute >= starts && minute < ends : minute >= starts || minute < ends;
  if (!inside) return undefined;
  // The first time the clock shows the end after now: today's (either of two, in an hour the autumn change repeats), or
  // tomorrow's. An end the spring change skips is reached when the clock jumps past it, as `inside` reads it.
  const endOn = (day: number) => localInstants(quiet.timezone, local.getFullYear(), local.getMonth() + 1, day, Math.floor(ends / 60), ends % 60).map((instant) => jumpedTo(instant, ends, quiet.timezone));
  return [...endOn(local.getDate()), ...endOn(local.getDate() + 1)].find((instant) => instant > now);
}

/**
 * `instant` reads a local clock time `minutes` into the day, moved forward by a spring gap when the clock never shows
 * it: then the instant the clock jumped past it (02:00 BST for a 01:30 end on London's spring night), found minute by
 * minute back through the gap (at most three hours).
 */
function jumpedTo(instant: number, minutes: number, timezone: string): number {
  const minuteOfDay = (at: number) => {
    const t = new TZDate(at, timezone);
    return { day: t.getDate(), minute: t.getHours() * 60 + t.getMinutes() };
  };
  const shown = minuteOfDay(instant);
  if (shown.minute === minutes) return instant;
  let at = instant;
  for (let step = 0; step < 180; step += 1) {
    const before = minuteOfDay(at - 60_000);
    if (before.day !== shown.day || before.minute < minutes) break;
    at -= 60_000;
  }
  return at;
}

/**
 * "Snooze until tomorrow's working hours": the first opening of the calendar
 * from tomorrow's midnight in its zone; without a calendar, 09:00 tomorrow in `timezone`.
 */
export function tomorrowsWorkingHours(now: number, calendar: BusinessCalendar | undefined, timezone: string): number {
  const zone = calendar?.timezone ?? timezone;
  const local = new TZDate(now, zone);
  const midnight = localInstant(zone, local.getFullYear(), local.getMonth() + 1, local.getDate() + 1);
  if (calendar === undefined) return localInstant(zone, local.getFullYear(), local.getMonth() + 1, local.getDate() + 1, 9);
  return nextOpening(calendar, midnight);
}

export const isUrgent = (priority: string | null): boolean => priority !== null && priority.trim().toLowerCase() === 'urgent';
