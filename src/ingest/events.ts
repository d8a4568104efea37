/**
 * The normalized event vocabulary every helpdesk adapter produces. An adapter
 * turns a vendor's payload into these; nothing downstream knows a vendor.
 * Times are epoch milliseconds, UTC. No free text travels in an event.
 */

import { compact } from './values.js';

export const TICKET_STATUSES = ['new', 'open', 'pending', 'on-hold', 'solved', 'closed'] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];

export const PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
export type Priority = (typeof PRIORITIES)[number];

export type ActorType = 'agent' | 'customer' | 'bot' | 'system';

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
  /** Due times the helpdesk itself reports (epoch ms), where it has SLAs. */
  readonly firstResponseDueAt?: number;
  readonly resolutionDueAt?: number;
  /**
   * Totals a source reports without the events behind them (a CSV export's
   * "Reopens" and "Replies" columns). The projection takes the larger of these
   * and what it counts from events.
   */
  readonly reportedReopens?: number;
  readonly reportedAgentReplies?: number;
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

export const OPEN_STATUSES: readonly TicketStatus[] = ['new', 'open', 'pending', 'on-hold'];
export const isResolvedStatus = (status: TicketStatus): boolean => status === 'solved' || status === 'closed';

/** When, under which key, and by whom an event happened. */
export interface EventAnchor {
  readonly occurredAt: number;
  readonly dedupeKey: string;
  readonly actor?: Actor;
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
