/**
 * The normalized event vocabulary every helpdesk adapter produces. An adapter
 * turns a vendor's payload into these; nothing downstream knows a vendor.
 * Times are epoch milliseconds, UTC. No free text travels in an event.
 */

import { PayloadShapeError } from './adapter.js';
import { compact, isTime } from './values.js';

export const TICKET_STATUSES = ['new', 'open', 'pending', 'on-hold', 'solved', 'closed'] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];

export const PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
export type Priority = (typeof PRIORITIES)[number];

export type ActorType = 'agent' | 'customer' | 'bot' | 'system';

/** A reply by a bot or an automation (trigger, macro, auto-responder): never a response, nor a contact. */
export const isAutomated = (actor: Actor | undefined): boolean => actor?.type === 'bot' || actor?.type === 'system';

/** Who did something. Email is kept for agents only (to match Slack users). */
export interface Actor {
  readonly type: ActorType;
  readonly id?: string;
  readonly email?: string;
  readonly name?: string;
}

export type SurveyKind = 'csat' | 'nps' | 'ces' | 'enps';
/** `good-bad` ratings score 1 (good) or 0 (bad). */
export type SurveyScale = '1-5' | 'good-bad' | '0-10' | '1-7';

/** The scales each kind of answer may use, the default first: an answer on another scale would skew its metric. */
export const SURVEY_SCALES: Readonly<Record<SurveyKind, readonly SurveyScale[]>> = { csat: ['1-5', 'good-bad'], nps: ['0-10'], ces: ['1-7'], enps: ['0-10'] };

export interface Rating {
  readonly kind: SurveyKind;
  readonly scale: SurveyScale;
  readonly score: number;
}

export const TICKET_EVENT_TYPES = [
  'ticket_created',
  'agent_reply', // public reply by an agent (a bot actor never counts as a response)
  'customer_message',
  'internal_note', // never counts as a response
  'status_changed',
  'reopened',
  'assignee_changed',
  'team_changed',
  'priority_changed',
  'tags_changed',
  'escalated',
  'rating',
  'handle_time',
  'fields_updated', // other attributes: channel, requester, url
  'ticket_deleted', // deleted or marked as spam in the helpdesk: the ticket leaves every KPI; its events are kept
  'ticket_restored', // undeleted: the ticket counts again, as its events say
] as const;
export type TicketEventType = (typeof TICKET_EVENT_TYPES)[number];

/** Attributes an event may carry; which ones depends on its type. */
export interface TicketEventData {
  readonly status?: TicketStatus;
  readonly priority?: Priority;
  readonly channel?: string;
  readonly team?: string | null;
  readonly assignee?: Actor | null;
  /** The full tag set after the event. */
  readonly tags?: readonly string[];
  readonly addedTags?: readonly string[];
  readonly removedTags?: readonly string[];
  readonly rating?: Rating;
  readonly seconds?: number;
  readonly url?: string;
  readonly requesterId?: string;
  /** The ticket was opened by an agent (outbound): response times start at the first customer message. */
  readonly createdByAgent?: boolean;
  /**
   * When the ticket was created, as the helpdesk states it in the ticket's state sent with a later event. It dates
   * a ticket whose creation event the bot never received (connected mid-conversation, or a lost delivery).
   */
  readonly ticketCreatedAt?: number;
  /** Due times the helpdesk itself reports (epoch ms), where it has SLAs; null: its clock is paused, no time is due. */
  readonly firstResponseDueAt?: number | null;
  readonly resolutionDueAt?: number | null;
  /**
   * Totals a source reports without the events behind them (a CSV export's
   * "Reopens" and "Replies" columns). The projection takes the larger of these
   * and what it counts from events.
   */
  readonly reportedReopens?: number;
  readonly reportedAgentReplies?: number;
  /**
   * On an `agent_reply` whose author the source may not tell from the requester (every public Jira comment by a full
   * account: its payload may omit the reporter): the projection counts it as the customer's message when the
   * author is the requester the ticket's events name.
   */
  readonly authorMayBeRequester?: boolean;
}

export interface TicketEvent {
  readonly kind: 'ticket';
  readonly type: TicketEventType;
  readonly externalTicketId: string;
  readonly occurredAt: number;
  readonly actor?: Actor;
  readonly data: TicketEventData;
  /** Unique within the source: the same fact delivered twice carries the same key. */
  readonly dedupeKey: string;
}

export interface CustomerEvent {
  readonly kind: 'customer';
  readonly type: 'became_customer' | 'purchase' | 'churned' | 'reactivated';
  readonly customerId: string;
  readonly occurredAt: number;
  readonly dedupeKey: string;
}

export interface SelfServiceEvent {
  readonly kind: 'self_service';
  readonly sessionId: string;
  readonly startedAt: number;
  readonly resolvedWithoutTicket: boolean;
  readonly externalTicketId?: string;
  readonly dedupeKey: string;
}

/** A survey answer not tied to a ticket (relationship NPS, eNPS pulses). */
export interface SurveyEvent {
  readonly kind: 'survey';
  readonly rating: Rating;
  readonly occurredAt: number;
  readonly customerId?: string;
  readonly surveyId?: string;
  readonly dedupeKey: string;
}

export type NormalizedEvent = TicketEvent | CustomerEvent | SelfServiceEvent | SurveyEvent;

export function isTicketStatus(value: unknown): value is TicketStatus {
  return typeof value === 'string' && (TICKET_STATUSES as readonly string[]).includes(value);
}

export function isPriority(value: unknown): value is Priority {
  return typeof value === 'string' && (PRIORITIES as readonly string[]).includes(value);
}

export const isResolvedStatus = (status: TicketStatus): boolean => status === 'solved' || status === 'closed';

/** When, under which key, and by whom an event happened. */
export interface EventAnchor {
  readonly occurredAt: number;
  readonly dedupeKey: string;
  readonly actor?: Actor;
}

/**
 * An event's attributes with the ticket's creation time the helpdesk reported beside it, when it did: it dates a
 * ticket whose creation event never arrived (the projection's `ticketCreatedAt`).
 */
export function withCreation(data: TicketEventData, createdAt: number | undefined): TicketEventData {
  return createdAt === undefined ? data : { ...data, ticketCreatedAt: createdAt };
}

/** A ticket event, carrying only the attributes that are known (undefined ones dropped). */
export function ticketEvent(externalTicketId: string, type: TicketEventType, anchor: EventAnchor, data: TicketEventData): TicketEvent {
  return {
    kind: 'ticket',
    type,
    externalTicketId,
    occurredAt: anchor.occurredAt,
    ...(anchor.actor === undefined ? {} : { actor: anchor.actor }),
    data: compact(data),
    dedupeKey: anchor.dedupeKey,
  };
}

/** The longest identifier the tables hold (ticket, customer, session, actor, survey, requester ids), and the longest dedupe key. */
const MAX_ID = 100;
const MAX_DEDUPE_KEY = 200;
/** Counts and seconds are stored as 32-bit integers. */
export const MAX_INT = 2 ** 31 - 1;
/** The most handle time one event may carry: 30 days. */
export const MAX_HANDLE_SECONDS = 30 * 86_400;
/** The lowest and highest score of each scale. */
export const SCALE_BOUNDS: Readonly<Record<SurveyScale, readonly [number, number]>> = { '1-5': [1, 5], 'good-bad': [0, 1], '0-10': [0, 10], '1-7': [1, 7] };

/**
 * Half of a character: JSON may write one alone (`"\ud800"`), and the database stores it as U+FFFD, so two ids that
 * differ only there would become one ticket, and two events one event.
 */
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * The last check before events are written, whichever adapter made them:
 * known types, statuses and priorities, times a Date can hold from 1970 on,
 * whole counts and seconds that fit their columns, ratings on their kind's
 * scales, identifiers that fit theirs. Throws a PayloadShapeError naming the
 * first value that does not (answered 422 and kept), so a hostile or broken
 * payload never reaches the database as a 500 or as a number that skews a KPI.
 */
export function checkEvents(events: readonly NormalizedEvent[], latest = Number.POSITIVE_INFINITY): void {
  events.forEach((event, index) => {
    const refuse = (what: string): never => {
      throw new PayloadShapeError(`event ${index + 1} (${event.kind === 'ticket' ? event.type : event.kind}): ${what}`);
    };
    const time = (name: string, value: number | undefined) => {
      if (value !== undefined && !(Number.isInteger(value) && isTime(value))) refuse(`${name} is not a time from 1970 on`);
    };
    // What happened cannot come after it was sent: a time in microseconds read as milliseconds (year 58,000), or a wrong
    // clock, would make every duration it ends absurd. Due times may lie ahead; they are checked with `time`.
    const happened = (name: string, value: number | undefined) => {
      time(name, value);
      if (value !== undefined && value > latest) refuse(`${name} is ${new Date(value).toISOString()}, more than a day after it was sent (a time in microseconds, or a clock that is wrong?)`);
    };
    const id = (name: string, value: string | undefined, required = false) => {
      if (value === undefined ? required : typeof value !== 'string' || value === '' || value.length > MAX_ID) refuse(`${name} must be a text of 1 to ${MAX_ID} characters`);
      if (value !== undefined && LONE_SURROGATE.test(value)) refuse(`${name} holds half of a character (a lone \\u surrogate escape)`);
    };
    const whole = (name: string, value: number | undefined) => {
      if (value !== undefined && !(Number.isInteger(value) && value >= 0 && value <= MAX_INT)) refuse(`${name} must be a whole number from 0 to ${MAX_INT}`);
    };
    const rating = (value: Rating) => {
      const bounds = Object.hasOwn(SURVEY_SCALES, value.kind) && SURVEY_SCALES[value.kind].includes(value.scale) ? SCALE_BOUNDS[value.scale] : undefined;
      if (bounds === undefined) refuse(`a ${String(value.kind)} rating on the scale ${String(value.scale)} is not one the KPIs read`);
      else if (!Number.isInteger(value.score) || value.score < bounds[0] || value.score > bounds[1]) refuse(`a ${value.kind} score must be a whole number within ${value.scale}`);
    };
    if (typeof event.dedupeKey !== 'string' || event.dedupeKey === '' || event.dedupeKey.length > MAX_DEDUPE_KEY) refuse(`its event id must be a text of 1 to ${MAX_DEDUPE_KEY} characters`);
    if (LONE_SURROGATE.test(event.dedupeKey)) refuse('its event id holds half of a character (a lone \\u surrogate escape)');
    switch (event.kind) {
      case 'ticket': {
        if (!(TICKET_EVENT_TYPES as readonly string[]).includes(event.type)) refuse('unknown event type');
        id('the ticket id', event.externalTicketId, true);
        happened('its time', event.occurredAt);
        id('the actor id', event.actor?.id);
        const { data } = event;
        if (data.status !== undefined && !isTicketStatus(data.status)) refuse('unknown status');
        if (data.priority !== undefined && !isPriority(data.priority)) refuse('unknown priority');
        id('the assignee id', data.assignee?.id ?? undefined);
        id('the requester id', data.requesterId);
        time('the first response due time', data.firstResponseDueAt ?? undefined);
        time('the resolution due time', data.resolutionDueAt ?? undefined);
        happened('the ticket\'s creation time', data.ticketCreatedAt);
        whole('the handle time in seconds', data.seconds);
        // One interaction's time, or a ticket's tracked total: 30 days is past either (and sums stay within the column).
        if (data.seconds !== undefined && data.seconds > MAX_HANDLE_SECONDS) refuse(`the handle time (${data.seconds} s) is more than 30 days`);
        whole('the reported reopens', data.reportedReopens);
        whole('the reported agent replies', data.reportedAgentReplies);
        if (data.rating !== undefined) rating(data.rating);
        break;
      }
      case 'customer':
        id('the customer id', event.customerId, true);
        happened('its time', event.occurredAt);
        break;
      case 'self_service':
        id('the session id', event.sessionId, true);
        id('the ticket id', event.externalTicketId);
        happened('its start', event.startedAt);
        break;
      case 'survey':
        id('the customer id', event.customerId);
        id('the survey id', event.surveyId);
        happened('its time', event.occurredAt);
        rating(event.rating);
        break;
      default:
        refuse('unknown kind of event');
    }
  });
}
