/**
 * Freshdesk (docs/sources/freshdesk.md). Freshdesk signs nothing: an automation
 * rule's "Trigger webhook" action sends a body the admin writes from our one
 * template (Advanced content, JSON), with a literal `event` per rule, and
 * authenticates with the shared token FRESHDESK_WEBHOOK_TOKEN as the HTTP Basic
 * password (any username) or in an `X-Webhook-Token` custom header. The body
 * carries no event id and no signed timestamp: dedupe keys come from the ticket
 * id, the rule's event and the rendered ticket times.
 */
import { localInstant } from '../kpi/periods.js';
import type { WebhookSecrets } from '../config.js';
import { PayloadShapeError, type ParseContext, type SourceAdapter, type WebhookRequest } from './adapter.js';
import { withCreation, type Actor, type NormalizedEvent, type Priority, type Rating, type TicketEvent, type TicketEventData, type TicketEventType, type TicketStatus } from './events.js';
import { offeredTokens, safeEqual, unauthorized } from './signatures.js';
import { compact, isObject, optionalString, optionalTime, requiredString, type Json, lookup, quoted, tagList } from './values.js';

/** The literal `event` values of the template, one per automation rule. */
export const FRESHDESK_EVENTS = ['ticket_created', 'agent_replied', 'customer_replied', 'note_added', 'ticket_updated', 'satisfaction_rated'] as const;
type FreshdeskEvent = (typeof FRESHDESK_EVENTS)[number];

const STATUS_CODES: Record<string, TicketStatus> = { '2': 'open', '3': 'pending', '4': 'solved', '5': 'closed' };
// Freshdesk's default names, plus our own words so a template can map a custom status onto them.
const STATUS_NAMES: Record<string, TicketStatus> = {
  open: 'open',
  pending: 'pending',
  resolved: 'solved',
  closed: 'closed',
  'waiting on customer': 'pending',
  'waiting on third party': 'on-hold',
  new: 'new',
  'on hold': 'on-hold',
  'on-hold': 'on-hold',
  solved: 'solved',
};

const PRIORITY_CODES: Record<string, Priority> = { '1': 'low', '2': 'normal', '3': 'high', '4': 'urgent' };
const PRIORITY_NAMES: Record<string, Priority> = { low: 'low', medium: 'normal', normal: 'normal', high: 'high', urgent: 'urgent' };

/** Ticket source codes (API v2) as channel names. */
const SOURCE_CODES: Record<string, string> = {
  '1': 'email',
  '2': 'portal',
  '3': 'phone',
  '4': 'forum',
  '5': 'twitter',
  '6': 'facebook',
  '7': 'chat',
  '8': 'mobihelp',
  '9': 'feedback-widget',
  '10': 'outbound-email',
  '11': 'ecommerce',
};

/**
 * Satisfaction survey answers (custom surveys): 103 extremely happy, 102 very
 * happy, 101 happy, 100 neutral, -101 unhappy, -102 very unhappy, -103 extremely
 * unhappy. Stored as csat on the good-bad scale; neutral is not a rating.
 */
const RATING_NAMES: Record<string, number> = {
  extremely_happy: 103,
  very_happy: 102,
  happy: 101,
  neutral: 100,
  unhappy: -101,
  very_unhappy: -102,
  extremely_unhappy: -103,
};
const RATING_VALUES = new Set(Object.values(RATING_NAMES));

export const freshdeskAdapter: SourceAdapter = {
  source: 'freshdesk',
  credentialHint: 'FRESHDESK_WEBHOOK_TOKEN',
  isConfigured: (secrets: WebhookSecrets) => secrets.freshdesk !== undefined,

  verify(request: WebhookRequest, secrets: WebhookSecrets): void {
    // No signature and no timestamp exist: the token proves the sender, not the body.
    const token = secrets.freshdesk ?? '';
    const offered = offeredTokens(request.headers);
    if (offered.length === 0) throw unauthorized('send the token as the Basic auth password or in an X-Webhook-Token header');
    // Every offered value is compared, so the time taken does not depend on which one matched.
    const matches = offered.map((value) => safeEqual(value, token));
    if (!matches.includes(true)) throw unauthorized('the Basic auth password / X-Webhook-Token does not match FRESHDESK_WEBHOOK_TOKEN');
  },

  // Freshdesk sends no delivery or event id: the content hash names the delivery.
  deliveryId: () => undefined,

  parse(body: unknown, context: ParseContext): NormalizedEvent[] {
    if (!isObject(body)) throw new PayloadShapeError('the body must be a JSON object written from the Freshdesk template (docs/sources/freshdesk.md)');
    if ('freshdesk_webhook' in body) {
      throw new PayloadShapeError('this is a "Simple" webhook body (freshdesk_webhook): choose Advanced content and paste the template from docs/sources/freshdesk.md');
    }
    const event = optionalString(body.event);
    if (event === undefined) throw new PayloadShapeError(`event is missing: each rule's body needs a literal event, one of ${FRESHDESK_EVENTS.join(', ')}`);
    if (!(FRESHDESK_EVENTS as readonly string[]).includes(event)) {
      throw new PayloadShapeError(`event ${quoted(event)} is not a Freshdesk template event (one of ${FRESHDESK_EVENTS.join(', ')})`);
    }
    return parseEvent(event as FreshdeskEvent, body, context.timezone ?? 'UTC');
  },
};


function parseEvent(event: FreshdeskEvent, body: Json, timezone: string): NormalizedEvent[] {
  const ticketId = requiredString(body.ticket_id, 'ticket_id');
  const updatedAt = freshdeskTime(body.updated_at, 'updated_at', timezone);
  const snapshot = ticketSnapshot(body);
  const agent = snapshot.assignee ?? undefined;
  const requesterId = optionalString(body.requester_id);
  const customer: Actor = { type: 'customer', ...(requesterId === undefined ? {} : { id: requesterId }) };
  const key = `${ticketId}:${event}:${updatedAt}`;
  // Every body of the template carries the ticket's creation time: it dates a ticket whose creation rule never fired.
  const reported = reportedCreation(body, timezone);
  const later = (data: TicketEventData): TicketEventData => withCreation(data, reported);
  const ticketEvent = (type: TicketEventType, occurredAt: number, data: TicketEventData, actor: Actor | undefined, dedupeKey = key): TicketEvent => ({
    kind: 'ticket',
    type,
    externalTicketId: ticketId,
    occurredAt,
    ...(actor === undefined ? {} : { actor }),
    data,
    dedupeKey,
  });

  switch (event) {
    case 'ticket_created': {
      // One creation per ticket: keyed by the ticket alone, timed by its own creation time.
      const createdAt = body.created_at === undefined || body.created_at === '' ? updatedAt : freshdeskTime(body.created_at, 'created_at', timezone);
      const createdByAgent = snapshot.channel === 'outbound-email';
      const data: TicketEventData = { ...snapshot, createdByAgent, ...(requesterId === undefined ? {} : { requesterId }), ...urlOf(body) };
      return [ticketEvent('ticket_created', createdAt, data, createdByAgent ? (agent ?? { type: 'agent' }) : customer, `${ticketId}:ticket_created`)];
    }
    case 'agent_replied':
      // The template names the assigned agent, not the replier: the best Freshdesk's placeholders give.
      return [ticketEvent('agent_reply', updatedAt, later(withoutCreation(snapshot)), agent ?? { type: 'agent' })];
    case 'customer_replied':
      return [ticketEvent('customer_message', updatedAt, later(withoutCreation(snapshot)), customer)];
    case 'note_added':
      // Public or private, a note is not a reply: Freshdesk does not send it as one.
      return [ticketEvent('internal_note', updatedAt, later(withoutCreation(snapshot)), agent ?? { type: 'agent' })];
    case 'ticket_updated':
      return [ticketEvent(updateType(triggeredEvent(body.triggered_event)), updatedAt, later(withoutCreation(snapshot)), undefined)];
    case 'satisfaction_rated': {
      const value = ratingValue(body);
      if (value === 100) return []; // neutral: neither good nor bad on our scale
      const rating: Rating = { kind: 'csat', scale: 'good-bad', score: value > 0 ? 1 : 0 };
      return [ticketEvent('rating', updatedAt, later({ rating }), customer)];
    }
  }
}

/** What the ticket looks like in this delivery; the projection applies it idempotently. */
function ticketSnapshot(body: Json): TicketEventData & { channel?: string; assignee?: Actor | null } {
  const data: Record<string, unknown> = {
    status: freshdeskStatus(body.status),
    priority: freshdeskPriority(body.priority),
    channel: freshdeskChannel(body.source),
    tags: freshdeskTags(body.tags),
  };
  if ('group' in body) data.team = optionalString(body.group) ?? null;
  if ('agent_id' in body || 'agent_email' in body) data.assignee = agentOf(body);
  return compact(data) as TicketEventData;
}

/** The body's `created_at`, when it reads; a later event is not refused for it (its creation rule checks it). */
function reportedCreation(body: Json, timezone: string): number | undefined {
  if (body.created_at === undefined || body.created_at === '') return undefined;
  try {
    return freshdeskTime(body.created_at, 'created_at', timezone);
  } catch {
    return undefined;
  }
}

function withoutCreation(snapshot: TicketEventData): TicketEventData {
  // The channel is the ticket's source: set at creation, not by every later event.
  const { channel: _channel, ...rest } = snapshot;
  return rest;
}

function urlOf(body: Json): { url?: string } {
  const url = optionalString(body.url);
  return url !== undefined && /^https?:\/\//.test(url) ? { url } : {};
}

function agentOf(body: Json): Actor | null {
  const id = optionalString(body.agent_id);
  const email = optionalString(body.agent_email)?.toLowerCase();
  const name = optionalString(body.agent_name);
  if (id === undefined && email === undefined) return null;
  return { type: 'agent', ...(id === undefined ? {} : { id }), ...(email === undefined ? {} : { email }), ...(name === undefined ? {} : { name }) };
}

function freshdeskStatus(value: unknown): TicketStatus | undefined {
  const text = optionalString(value);
  if (text === undefined) return undefined;
  if (/^\d+$/.test(text)) {
    const status = lookup(STATUS_CODES, text);
    if (status === undefined) {
      throw new PayloadShapeError(`status code ${text} is a custom Freshdesk status: send its name with {{ticket.status}} and map it (docs/sources/freshdesk.md, "Custom statuses")`);
    }
    return status;
  }
  const status = lookup(STATUS_NAMES, text.toLowerCase().replace(/\s+/g, ' '));
  if (status === undefined) {
    throw new PayloadShapeError(
      `status ${quoted(text)} is a custom Freshdesk status the bot cannot place: map it in the webhook template to Open, Pending, On hold, Resolved or Closed (docs/sources/freshdesk.md, "Custom statuses")`,
    );
  }
  return status;
}

function freshdeskPriority(value: unknown): Priority | undefined {
  const text = optionalString(value);
  if (text === undefined) return undefined;
  const priority = /^\d+$/.test(text) ? lookup(PRIORITY_CODES, text) : lookup(PRIORITY_NAMES, text.toLowerCase());
  if (priority === undefined) {
    throw new PayloadShapeError(`priority ${quoted(text)} is not Low, Medium, High or Urgent (or 1-4): if your helpdesk shows translated names, send {{ticket.priority_id}} instead`);
  }
  return priority;
}

export function freshdeskChannel(value: unknown): string | undefined {
  const text = optionalString(value);
  if (text === undefined) return undefined;
  if (/^\d+$/.test(text)) return lookup(SOURCE_CODES, text) ?? `source-${text}`;
  return text.toLowerCase().replace(/[\s_]+/g, '-');
}

/** `{{ticket.tags}}` renders the names joined by ", "; a tag may itself contain spaces. */
function freshdeskTags(value: unknown): string[] | undefined {
  if (Array.isArray(value)) return tagList(value);
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new PayloadShapeError('tags must be the rendered {{ticket.tags}} string');
  return value
    .split(',')
    .map((tag) => tag.trim())
    .filter((tag) => tag !== '');
}

/**
 * Freshdesk renders `{{ticket.created_on}}` / `{{ticket.modified_on}}` as Ruby
 * times: "2026-03-11 12:44:19 +0530", "... UTC", or with no zone at all, read
 * as the wall-clock time of `timezone` (FRESHDESK_TIMEZONE, the account's zone;
 * daylight saving included). ISO strings and epoch numbers are accepted too.
 */
export function freshdeskTime(value: unknown, path: string, timezone = 'UTC'): number {
  let ms: number | undefined;
  if (typeof value === 'string') {
    const text = value.trim().replace(/\s+/g, ' ');
    const match = /^(\d{4})-(\d\d)-(\d\d)[ T](\d\d):(\d\d)(?::(\d\d)(?:\.(\d+))?)? ?(UTC|GMT|Z|[+-]\d\d:?\d\d)?$/i.exec(text);
    if (match !== null) {
      const [, year, month, day, hour, minute, second = '0', fraction = '0', zone] = match;
      const parts = [Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute), Number(second), Number(fraction.slice(0, 3).padEnd(3, '0'))] as const;
      // A date or time that does not exist (month 13, 25:00...) is refused, not rolled over.
      const exists = new Date(Date.UTC(...parts)).toISOString().startsWith(`${year}-${month}-${day}T${hour}:${minute}:${second.padStart(2, '0')}`);
      if (!exists) ms = undefined;
      // A time the autumn change repeats is its first occurrence, as a CSV import reads it.
      else if (zone === undefined) ms = localInstant(timezone, parts[0], parts[1] + 1, parts[2], parts[3], parts[4], parts[5], parts[6]);
      else ms = optionalTime(`${year}-${month}-${day}T${hour}:${minute}:${second.padStart(2, '0')}.${fraction.slice(0, 3).padEnd(3, '0')}${/^(utc|gmt|z)$/i.test(zone) ? 'Z' : zone}`);
    } else {
      ms = optionalTime(text);
    }
  } else {
    ms = optionalTime(value);
  }
  if (ms === undefined) throw new PayloadShapeError(`${path} is missing or not a time Freshdesk renders (e.g. "2026-03-11 12:44:19 +0530")`);
  return ms;
}

interface TriggeredEvent {
  readonly name: string;
  readonly value?: string;
  readonly to?: string;
}

/**
 * `{{triggered_event}}` renders the change that matched the rule, either bare
 * (`{status:{from:4,to:6}}`) or as escaped JSON (`{\"status\":{\"from\":4,\"to\":6}}`).
 * Both are read by stripping quotes and backslashes.
 */
function triggeredEvent(value: unknown): TriggeredEvent | undefined {
  const text = optionalString(value)?.replace(/[\\"'\s]/g, '');
  if (text === undefined) return undefined;
  const match = /^\{?([A-Za-z0-9_]+):(.*?)\}?$/.exec(text);
  if (match === null) return undefined;
  const name = match[1] ?? '';
  const rest = match[2] ?? '';
  const to = /to:([^,}]*)/.exec(rest)?.[1];
  return rest.startsWith('{') ? { name, ...(to === undefined ? {} : { to }) } : { name, value: rest };
}

function updateType(trigger: TriggeredEvent | undefined): TicketEventType {
  switch (trigger?.name) {
    case 'status':
      return 'status_changed';
    case 'priority':
      return 'priority_changed';
    case 'responder_id':
      return 'assignee_changed';
    case 'group_id':
      return 'team_changed';
    default:
      return 'fields_updated';
  }
}

/** The survey answer: from `{{triggered_event}}` (`{customer_feedback:103}`), else a `rating` field. */
function ratingValue(body: Json): number {
  const trigger = triggeredEvent(body.triggered_event);
  const raw = trigger?.name === 'customer_feedback' ? (trigger.value ?? trigger.to) : optionalString(body.rating);
  if (raw === undefined) {
    throw new PayloadShapeError('satisfaction_rated needs triggered_event {customer_feedback:<rating>} from a "Customer feedback is received" rule');
  }
  const value = /^-?\d+$/.test(raw) ? Number(raw) : lookup(RATING_NAMES, raw.toLowerCase().replace(/[\s-]+/g, '_'));
  if (value === undefined || !RATING_VALUES.has(value)) {
    throw new PayloadShapeError(`customer_feedback ${quoted(raw)} is not a Freshdesk survey rating (103, 102, 101, 100, -101, -102, -103)`);
  }
  return value;
}
