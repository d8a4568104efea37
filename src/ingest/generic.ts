/**
 * The generic format (docs/sources/generic.md): any system can send it, signed
 * the Standard Webhooks way. `webhook-signature` holds one or more space-
 * separated `v1,<base64 HMAC-SHA256 of "id.timestamp.body">` entries, keyed with
 * the base64 part of a `whsec_` secret; `webhook-timestamp` is Unix seconds.
 */
import type { WebhookSecrets } from '../config.js';
import { closestWord } from '../kpi/suggest.js';
import { PayloadShapeError, type SourceAdapter, type WebhookRequest } from './adapter.js';
import {
  SCALE_BOUNDS,
  SURVEY_SCALES,
  TICKET_STATUSES,
  isPriority,
  isTicketStatus,
  type Actor,
  type ActorType,
  type NormalizedEvent,
  type Rating,
  type SurveyKind,
  type SurveyScale,
  type TicketEventData,
  type TicketEventType,
} from './events.js';
import { assertFresh, hmac, header, safeEqual, unauthorized } from './signatures.js';
import { compact, isObject, object, optionalBoolean, optionalNumber, optionalString, requiredString, requiredTime, stringList, type Json, lookup, quoted } from './values.js';

const TICKET_TYPES: Record<string, TicketEventType> = {
  'ticket.created': 'ticket_created',
  'ticket.agent_replied': 'agent_reply',
  'ticket.customer_replied': 'customer_message',
  'ticket.note_added': 'internal_note',
  'ticket.status_changed': 'status_changed',
  'ticket.reopened': 'reopened',
  'ticket.assigned': 'assignee_changed',
  'ticket.team_changed': 'team_changed',
  'ticket.priority_changed': 'priority_changed',
  'ticket.tags_changed': 'tags_changed',
  'ticket.escalated': 'escalated',
  'ticket.rated': 'rating',
  'ticket.handle_time': 'handle_time',
  'ticket.updated': 'fields_updated',
  'ticket.deleted': 'ticket_deleted',
  'ticket.restored': 'ticket_restored',
};

const CUSTOMER_TYPES = { 'customer.became_customer': 'became_customer', 'customer.purchased': 'purchase', 'customer.churned': 'churned', 'customer.reactivated': 'reactivated' } as const;


export const EVENT_TYPES: readonly string[] = [...Object.keys(TICKET_TYPES), ...Object.keys(CUSTOMER_TYPES), 'selfservice.session', 'survey.response'];

export const genericAdapter: SourceAdapter = {
  source: 'generic',
  credentialHint: 'GENERIC_WEBHOOK_SECRET (whsec_...)',
  isConfigured: (secrets: WebhookSecrets) => secrets.generic !== undefined,

  verify(request: WebhookRequest, secrets: WebhookSecrets): void {
    const id = header(request.headers, 'webhook-id');
    const timestamp = header(request.headers, 'webhook-timestamp');
    const signatures = header(request.headers, 'webhook-signature');
    if (id === undefined || timestamp === undefined || signatures === undefined) {
      throw unauthorized('webhook-id, webhook-timestamp and webhook-signature headers are required');
    }
    if (!/^\d+$/.test(timestamp)) throw unauthorized('webhook-timestamp must be Unix seconds');
    if (timestamp.length >= 13) throw unauthorized('webhook-timestamp must be Unix seconds, not milliseconds');
    assertFresh(Number(timestamp) * 1000, request.receivedAt, 'webhook-timestamp');
    const key = Buffer.from((secrets.generic ?? '').replace(/^whsec_/, ''), 'base64');
    const expected = hmac('sha256', key, `${id}.${timestamp}.`, request.rawBody).toString('base64');
    const matched = signatures
      .split(' ')
      .map((entry) => entry.split(','))
      .some(([version, signature]) => version === 'v1' && signature !== undefined && safeEqual(signature, expected));
    if (!matched) throw unauthorized('no v1 webhook-signature entry matches the id, timestamp and body signed with GENERIC_WEBHOOK_SECRET');
  },

  deliveryId: (request) => header(request.headers, 'webhook-id'),

  parse(body: unknown): NormalizedEvent[] {
    const list = isObject(body) && Array.isArray(body.events) ? body.events : [body];
    if (list.length === 0) throw new PayloadShapeError('events is empty');
    // A lone event's fields are named as they are ("type"); in a batch, with where they are ("events[2].type").
    const single = list.length === 1 && list[0] === body;
    return list.map((item, index) => parseEvent(object(item, single ? 'the body' : `events[${index}]`), single ? '' : `events[${index}].`));
  },
};

function parseEvent(event: Json, prefix: string): NormalizedEvent {
  const type = requiredString(event.type, `${prefix}type`);
  const id = requiredString(event.id, `${prefix}id`);
  const occurredAt = requiredTime(event.occurred_at, `${prefix}occurred_at`);
  const ticketType = lookup(TICKET_TYPES, type);
  if (ticketType !== undefined) {
    const ticket = object(event.ticket, `${prefix}ticket`);
    return {
      kind: 'ticket',
      type: ticketType,
      externalTicketId: requiredString(ticket.id, `${prefix}ticket.id`),
      occurredAt,
      actor: parseActor(event.actor, `${prefix}actor`),
      data: parseTicketData(ticket, event, ticketType, prefix),
      dedupeKey: id,
    };
  }
  const customerType = lookup(CUSTOMER_TYPES, type);
  if (customerType !== undefined) {
    const customer = object(event.customer, `${prefix}customer`);
    return { kind: 'customer', type: customerType, customerId: requiredString(customer.id, `${prefix}customer.id`), occurredAt, dedupeKey: id };
  }
  if (type === 'selfservice.session') {
    const session = object(event.session, `${prefix}session`);
    const resolved = optionalBoolean(session.resolved_without_ticket);
    if (resolved === undefined) throw new PayloadShapeError(`${prefix}session.resolved_without_ticket must be true or false`);
    const ticketId = optionalString(session.ticket_id);
    return { kind: 'self_service', sessionId: requiredString(session.id, `${prefix}session.id`), startedAt: occurredAt, resolvedWithoutTicket: resolved, ...(ticketId === undefined ? {} : { externalTicketId: ticketId }), dedupeKey: id };
  }
  if (type === 'survey.response') {
    const customerId = isObject(event.customer) ? optionalString(event.customer.id) : undefined;
    const surveyId = isObject(event.survey) ? optionalString(event.survey.id) : undefined;
    return {
      kind: 'survey',
      rating: parseRating(event.rating, `${prefix}rating`),
      occurredAt,
      ...(customerId === undefined ? {} : { customerId }),
      ...(surveyId === undefined ? {} : { surveyId }),
      dedupeKey: id,
    };
  }
  // Short enough to be read whole in a 422 and in `kpibot deliveries` (300 characters): the nearest type, and where the
  // list is; the list itself (22 types) used to be cut off after ticket.handle_t….
  const near = closestWord(type.toLowerCase(), EVENT_TYPES);
  throw new PayloadShapeError(`${prefix}type ${quoted(type)} is not a generic event type${near === undefined ? '' : `; did you mean "${near}"?`} docs/sources/generic.md lists all ${EVENT_TYPES.length}`);
}

function parseTicketData(ticket: Json, event: Json, type: TicketEventType, prefix: string): TicketEventData {
  const status = optionalString(ticket.status)?.toLowerCase().replace(/[_ ]/g, '-');
  if (status !== undefined && !isTicketStatus(status)) {
    throw new PayloadShapeError(`${prefix}ticket.status ${quoted(status)} is not one of ${TICKET_STATUSES.join(', ')}`);
  }
  const priority = optionalString(ticket.priority)?.toLowerCase();
  if (priority !== undefined && !isPriority(priority)) throw new PayloadShapeError(`${prefix}ticket.priority ${quoted(priority)} is not low, normal, high or urgent`);
  const data: Record<string, unknown> = {
    status,
    priority,
    channel: optionalString(ticket.channel)?.toLowerCase(),
    url: optionalString(ticket.url),
    requesterId: optionalString(ticket.requester_id),
    createdByAgent: optionalBoolean(ticket.created_by_agent),
    ticketCreatedAt: ticket.created_at === undefined || ticket.created_at === null ? undefined : requiredTime(ticket.created_at, `${prefix}ticket.created_at`),
    tags: ticket.tags === undefined ? undefined : stringList(ticket.tags),
    addedTags: stringList(ticket.tags_added),
    removedTags: stringList(ticket.tags_removed),
  };
  if ('team' in ticket) data.team = optionalString(ticket.team) ?? null;
  if ('assignee' in ticket) data.assignee = ticket.assignee === null ? null : parseActor({ type: 'agent', ...object(ticket.assignee, `${prefix}ticket.assignee`) }, `${prefix}ticket.assignee`);
  if (type === 'rating') data.rating = parseRating(event.rating, `${prefix}rating`);
  if (type === 'handle_time') {
    const seconds = optionalNumber(event.seconds);
    if (seconds === undefined || seconds < 0) throw new PayloadShapeError(`${prefix}seconds must be a number of seconds`);
    data.seconds = seconds;
  }
  return compact(data) as TicketEventData;
}

function parseActor(value: unknown, path: string): Actor | undefined {
  if (value === undefined || value === null) return undefined;
  const actor = object(value, path);
  const type = optionalString(actor.type) as ActorType | undefined;
  if (type === undefined || !['agent', 'customer', 'bot', 'system'].includes(type)) throw new PayloadShapeError(`${path}.type must be agent, customer, bot or system`);
  const id = optionalString(actor.id);
  const email = type === 'agent' ? optionalString(actor.email)?.toLowerCase() : undefined;
  const name = type === 'agent' ? optionalString(actor.name) : undefined;
  return { type, ...(id === undefined ? {} : { id }), ...(email === undefined ? {} : { email }), ...(name === undefined ? {} : { name }) };
}

function parseRating(value: unknown, path: string): Rating {
  const rating = object(value, path);
  const kind = optionalString(rating.kind) as SurveyKind | undefined;
  if (kind === undefined || !Object.hasOwn(SURVEY_SCALES, kind)) throw new PayloadShapeError(`${path}.kind must be csat, nps, ces or enps`);
  const allowed = SURVEY_SCALES[kind];
  const scale = (optionalString(rating.scale) ?? allowed[0]) as SurveyScale;
  if (!allowed.includes(scale)) throw new PayloadShapeError(`${path}.scale must be ${allowed.join(' or ')} for ${kind}`);
  const bounds = SCALE_BOUNDS[scale];
  const raw = rating.score;
  const score = scale === 'good-bad' && typeof raw === 'string' ? ({ good: 1, bad: 0 } as Record<string, number>)[raw.toLowerCase()] : optionalNumber(raw);
  if (score === undefined || !Number.isInteger(score) || score < bounds[0] || score > bounds[1]) throw new PayloadShapeError(`${path}.score must be a whole number within ${scale}`);
  return { kind, scale, score };
}
