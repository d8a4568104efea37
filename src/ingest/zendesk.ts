/**
 * Zendesk, both ways of connecting (docs/sources/zendesk.md):
 * - event-subscription webhooks: Zendesk's fixed `zen:event-type:ticket.*`
 *   payloads (envelope `id`, `time`, `type`, `detail` = the ticket after the
 *   change, `event` = what changed; statuses and priorities in upper case);
 * - trigger/automation webhooks: a JSON body the admin writes from placeholders,
 *   from our template, where every value renders as a string and status and
 *   priority labels follow the requester's language.
 * Signature: X-Zendesk-Webhook-Signature = base64 HMAC-SHA256 over
 * (X-Zendesk-Webhook-Signature-Timestamp + raw body), keyed with the signing
 * secret as text; the timestamp is ISO-8601 and must be within 5 minutes.
 */
import type { WebhookSecrets } from '../config.js';
import { PayloadShapeError, type SourceAdapter, type WebhookRequest } from './adapter.js';
import type { Actor, NormalizedEvent, Priority, TicketEvent, TicketEventData, TicketEventType, TicketStatus } from './events.js';
import { assertFresh, header, hmac, safeEqual, sha256Hex, unauthorized } from './signatures.js';
import { compact, isObject, object, optionalBoolean, optionalString, optionalTime, requiredString, requiredTime, stringList, type Json, lookup, quoted } from './values.js';

const EVENT_PREFIX = 'zen:event-type:';

const EVENT_STATUS: Record<string, TicketStatus | undefined> = {
  NEW: 'new', OPEN: 'open', PENDING: 'pending', HOLD: 'on-hold', SOLVED: 'solved', CLOSED: 'closed', ARCHIVED: 'closed',
};
const EVENT_PRIORITY: Record<string, Priority> = { LOW: 'low', NORMAL: 'normal', HIGH: 'high', URGENT: 'urgent' };

/**
 * Trigger placeholders render status and priority in the requester's language.
 * These are the labels we accept, per status, in English, Indonesian, Malay and
 * Turkish; anything else is refused (422) rather than guessed.
 */
const STATUS_LABELS: Record<TicketStatus, readonly string[]> = {
  new: ['new', 'baru', 'yeni'],
  open: ['open', 'terbuka', 'buka', 'dibuka', 'açık', 'acik'],
  pending: ['pending', 'tertunda', 'menunggu', 'beklemede', 'bekliyor'],
  'on-hold': ['on-hold', 'on hold', 'hold', 'ditahan', 'tertahan', 'bekletiliyor', 'askıda', 'askida'],
  solved: ['solved', 'terselesaikan', 'diselesaikan', 'selesai', 'çözüldü', 'cozuldu', 'çözülmüş'],
  closed: ['closed', 'ditutup', 'tutup', 'kapalı', 'kapali', 'kapatıldı', 'kapatildi'],
};
const PRIORITY_LABELS: Record<Priority, readonly string[]> = {
  low: ['low', 'rendah', 'düşük', 'dusuk'],
  normal: ['normal', 'biasa', 'sedang'],
  high: ['high', 'tinggi', 'yüksek', 'yuksek'],
  urgent: ['urgent', 'mendesak', 'segera', 'acil'],
};

const TRIGGER_EVENTS: Record<string, TicketEventType> = {
  'ticket.created': 'ticket_created',
  'ticket.updated': 'fields_updated',
  'ticket.agent_replied': 'agent_reply',
  'ticket.customer_replied': 'customer_message',
  'ticket.note_added': 'internal_note',
  'ticket.rated': 'rating',
};

export const zendeskAdapter: SourceAdapter = {
  source: 'zendesk',
  credentialHint: 'ZENDESK_WEBHOOK_SECRET',
  isConfigured: (secrets: WebhookSecrets) => secrets.zendesk !== undefined,

  verify(request: WebhookRequest, secrets: WebhookSecrets): void {
    const signature = header(request.headers, 'x-zendesk-webhook-signature');
    const timestamp = header(request.headers, 'x-zendesk-webhook-signature-timestamp');
    if (signature === undefined || timestamp === undefined) {
      throw unauthorized('X-Zendesk-Webhook-Signature and X-Zendesk-Webhook-Signature-Timestamp headers are required');
    }
    assertFresh(optionalTime(timestamp) ?? Number.NaN, request.receivedAt, 'X-Zendesk-Webhook-Signature-Timestamp');
    const expected = hmac('sha256', secrets.zendesk ?? '', timestamp, request.rawBody).toString('base64');
    if (!safeEqual(signature, expected)) throw unauthorized('X-Zendesk-Webhook-Signature does not match the body and timestamp signed with ZENDESK_WEBHOOK_SECRET');
  },

  /**
   * An event subscription's event id is in the signed body. A trigger's request is named by its signature, which
   * covers the timestamp and the body: the invocation id header is not signed, so a captured request sent again
   * under new invocation ids within the 5 minutes would otherwise count its reply again and again. Each firing
   * is still one fact by its invocation id (the events' keys), so a retry Zendesk signs afresh adds nothing either.
   */
  deliveryId(request, body) {
    if (isObject(body) && typeof body.type === 'string' && body.type.startsWith(EVENT_PREFIX)) return optionalString(body.id);
    const signature = header(request.headers, 'x-zendesk-webhook-signature');
    return signature === undefined ? undefined : `signature:${sha256Hex(signature)}`;
  },

  parse(body, context): NormalizedEvent[] {
    const payload = object(body, 'body');
    if (typeof payload.type === 'string' && payload.type.startsWith(EVENT_PREFIX)) return parseSubscriptionEvent(payload);
    if (typeof payload.event === 'string' && isObject(payload.ticket)) {
      return parseTriggerBody(payload, header(context.headers, 'x-zendesk-webhook-invocation-id'));
    }
    throw new PayloadShapeError('neither a Zendesk event (type "zen:event-type:...") nor a trigger body from our template ("event" and "ticket")');
  },
};

// --- Event-subscription webhooks -------------------------------------------

function parseSubscriptionEvent(payload: Json): NormalizedEvent[] {
  const type = (payload.type as string).slice(EVENT_PREFIX.length);
  if (!type.startsWith('ticket.')) return []; // user, organization... events: nothing the KPIs need
  const id = requiredString(payload.id, 'id');
  const detail = object(payload.detail, 'detail');
  const change = isObject(payload.event) ? payload.event : {};
  const ticketId = requiredString(detail.id, 'detail.id');
  const at = requiredTime(payload.time, 'time');
  const snapshot = snapshotOf(detail);
  const base = { kind: 'ticket' as const, externalTicketId: ticketId, occurredAt: at, dedupeKey: id };

  switch (type.slice('ticket.'.length)) {
    case 'created': {
      const requester = optionalString(detail.requester_id);
      const submitter = optionalString(detail.submitter_id);
      const createdByAgent = agentOpened(detail, snapshot);
      return [{
        ...base,
        type: 'ticket_created',
        occurredAt: optionalTime(detail.created_at) ?? at,
        actor: createdByAgent ? { type: 'agent', id: submitter } : { type: 'customer', ...(requester === undefined ? {} : { id: requester }) },
        data: { ...snapshot, createdByAgent },
      }];
    }
    case 'comment_added': {
      const comment = object(change.comment, 'event.comment');
      const commentId = requiredString(comment.id, 'event.comment.id');
      const author = isObject(comment.author) ? comment.author : {};
      const isPublic = optionalBoolean(comment.is_public);
      const isStaff = optionalBoolean(author.is_staff);
      if (isPublic === undefined || isStaff === undefined) throw new PayloadShapeError('event.comment needs is_public and author.is_staff');
      const authorId = optionalString(author.id);
      if (isPublic && isStaff && isOpeningComment(detail, authorId, at, snapshot)) return [];
      const eventType: TicketEventType = !isPublic ? 'internal_note' : isStaff ? 'agent_reply' : 'customer_message';
      const actor: Actor = isStaff
        ? { type: 'agent', ...(authorId === undefined ? {} : { id: authorId }), ...nameOf(author) }
        : { type: 'customer', ...(authorId === undefined ? {} : { id: authorId }) };
      return [{ ...base, type: eventType, actor, data: snapshot, dedupeKey: `comment:${commentId}` }];
    }
    case 'status_changed':
      return [{ ...base, type: 'status_changed', data: { ...snapshot, ...statusData(change.current) } }];
    case 'priority_changed':
      return [{ ...base, type: 'priority_changed', data: { ...snapshot, ...priorityData(change.current) } }];
    case 'agent_assignment_changed': {
      const assignee = optionalString(change.current);
      return [{ ...base, type: 'assignee_changed', data: { ...snapshot, assignee: assignee === undefined ? null : { type: 'agent', id: assignee } } }];
    }
    case 'group_assignment_changed':
      return [{ ...base, type: 'team_changed', data: { ...snapshot, team: optionalString(change.current) ?? null } }];
    case 'soft_deleted':
    case 'permanently_deleted':
    case 'marked_as_spam':
      // Gone from the helpdesk's views and reports: from ours too (the ticket's last status stays as it was).
      return [{ ...base, type: 'ticket_deleted', data: {} }];
    case 'undeleted':
      return [{ ...base, type: 'ticket_restored', data: snapshot }];
    case 'tags_changed':
      return [{
        ...base,
        type: 'tags_changed',
        data: { ...snapshot, addedTags: stringList(change.tags_added) ?? [], removedTags: stringList(change.tags_removed) ?? [] },
      }];
    default:
      // Subject, description, custom fields...: only the ticket's state after the change is of use.
      return [{ ...base, type: 'fields_updated', data: snapshot }];
  }
}

/** The ticket's state as Zendesk sends it beside every event. */
/**
 * The description of a ticket an agent opened arrives as its first comment, by the submitter, at the ticket's
 * creation: the opening message, not a reply (triggers never send it, and Zendesk's own first reply time skips
 * it). ticket.created carries the same state at that instant, so nothing is lost. A phone ticket an agent logged
 * is the customer's (createdByAgent false), as in ticket.created.
 */
function isOpeningComment(detail: Json, authorId: string | undefined, at: number, snapshot: TicketEventData): boolean {
  const createdAt = optionalTime(detail.created_at);
  return agentOpened(detail, snapshot) && authorId === optionalString(detail.submitter_id) && createdAt !== undefined && Math.abs(at - createdAt) <= OPENING_COMMENT_WINDOW_MS;
}

/** Submitted by someone other than the requester (an agent), unless by phone, where the agent logs the customer's call. */
function agentOpened(detail: Json, snapshot: TicketEventData): boolean {
  const submitter = optionalString(detail.submitter_id);
  const requester = optionalString(detail.requester_id);
  return submitter !== undefined && requester !== undefined && submitter !== requester && !isPhone(snapshot.channel);
}

/** How far from the ticket's creation its description's comment event may be stamped. */
const OPENING_COMMENT_WINDOW_MS = 5_000;

function snapshotOf(detail: Json): TicketEventData {
  const assigneeId = optionalString(detail.assignee_id);
  const via = isObject(detail.via) ? channelOf(optionalString(detail.via.channel)) : undefined;
  const data: Record<string, unknown> = {
    ...statusData(detail.status),
    ...priorityData(detail.priority),
    team: optionalString(detail.group_id) ?? null,
    assignee: assigneeId === undefined ? null : { type: 'agent', id: assigneeId },
    channel: via,
    requesterId: optionalString(detail.requester_id),
    ticketCreatedAt: optionalTime(detail.created_at),
  };
  if (Array.isArray(detail.tags)) data.tags = stringList(detail.tags);
  return compact(data);
}

function statusData(value: unknown): Pick<TicketEventData, 'status'> {
  const label = optionalString(value);
  if (label === undefined) return {};
  const status = lookup(EVENT_STATUS, label.toUpperCase());
  return status === undefined ? {} : { status }; // deleted, scrubbed: no status of ours
}

function priorityData(value: unknown): Pick<TicketEventData, 'priority'> {
  const label = optionalString(value);
  const priority = label === undefined ? undefined : lookup(EVENT_PRIORITY, label.toUpperCase());
  return priority === undefined ? {} : { priority };
}

// --- Trigger / automation webhooks ------------------------------------------

function parseTriggerBody(payload: Json, invocationId: string | undefined): NormalizedEvent[] {
  const eventName = payload.event as string;
  const type = lookup(TRIGGER_EVENTS, eventName);
  if (type === undefined) throw new PayloadShapeError(`event ${quoted(eventName)} is not one of ${Object.keys(TRIGGER_EVENTS).join(', ')}`);
  const ticket = payload.ticket as Json;
  const ticketId = requiredString(ticket.id, 'ticket.id');
  const createdAt = requiredTime(ticket.created_at, 'ticket.created_at (use {{ticket.created_at_with_timestamp}})');
  // Absent or empty: the creation time. Present but unreadable (the plain placeholder's "May 18"): refused, not guessed.
  const updatedAt = ticket.updated_at === undefined || ticket.updated_at === '' ? createdAt : requiredTime(ticket.updated_at, 'ticket.updated_at (use {{ticket.updated_at_with_timestamp}})');
  const actorInfo = isObject(payload.actor) ? payload.actor : {};
  const actorId = optionalString(actorInfo.id);
  const role = optionalString(actorInfo.role)?.toLowerCase();
  const actorIsAgent = role !== undefined && !['end user', 'end-user', 'enduser', 'pengguna akhir', 'son kullanıcı'].includes(role);

  const status = labelled(ticket.status, STATUS_LABELS, 'ticket.status');
  const priority = labelled(ticket.priority, PRIORITY_LABELS, 'ticket.priority');
  const assigneeId = optionalString(ticket.assignee_id);
  const assigneeEmail = optionalString(ticket.assignee_email)?.toLowerCase();
  const channel = channelOf(optionalString(ticket.via));
  const data: TicketEventData = compact({
    status,
    priority,
    channel,
    team: optionalString(ticket.group) ?? null,
    assignee: assigneeId === undefined && assigneeEmail === undefined
      ? null
      : { type: 'agent', ...(assigneeId === undefined ? {} : { id: assigneeId }), ...(assigneeEmail === undefined ? {} : { email: assigneeEmail }), ...nameOf({ name: ticket.assignee_name }) },
    tags: stringList(ticket.tags) ?? [],
    url: optionalString(ticket.link),
    requesterId: optionalString(ticket.requester_id),
    ticketCreatedAt: createdAt,
  });

  // One trigger firing is one fact: its invocation id (or, without one, the ticket's update minute) names it.
  const instance = invocationId ?? String(updatedAt);
  const event = (eventType: TicketEventType, occurredAt: number, extra: Partial<TicketEvent>, key: string): TicketEvent => ({
    kind: 'ticket', type: eventType, externalTicketId: ticketId, occurredAt, data, dedupeKey: key, ...extra,
  });
  const actor: Actor | undefined = actorId === undefined ? undefined : actorIsAgent ? { type: 'agent', id: actorId } : { type: 'customer', id: actorId };

  switch (type) {
    case 'ticket_created': {
      const createdByAgent = actorIsAgent && !isPhone(channel) && actorId !== optionalString(ticket.requester_id);
      return [event('ticket_created', createdAt, { actor, data: { ...data, createdByAgent } }, `trigger:${ticketId}:created`)];
    }
    case 'rating': {
      const rating = goodOrBad(payload.satisfaction);
      if (rating === undefined) throw new PayloadShapeError('satisfaction must be "good" or "bad" (or the legacy "Good, I\'m satisfied" / "Bad, I\'m unsatisfied" text)');
      return [event('rating', updatedAt, { data: { ...data, rating: { kind: 'csat', scale: 'good-bad', score: rating } } }, `trigger:${ticketId}:rated:${instance}`)];
    }
    case 'agent_reply':
      return [event('agent_reply', updatedAt, { actor: actor?.type === 'agent' ? actor : { type: 'agent', ...(actorId === undefined ? {} : { id: actorId }) } }, `trigger:${ticketId}:agent_replied:${instance}`)];
    default:
      return [event(type, updatedAt, { ...(actor === undefined ? {} : { actor }) }, `trigger:${ticketId}:${eventName}:${instance}`)];
  }
}

function labelled<T extends string>(value: unknown, labels: Record<T, readonly string[]>, path: string): T | undefined {
  const label = optionalString(value)?.toLocaleLowerCase('tr').normalize('NFC');
  if (label === undefined) return undefined;
  for (const [key, names] of Object.entries(labels) as [T, readonly string[]][]) {
    if (names.includes(label) || names.includes(label.toLowerCase())) return key;
  }
  throw new PayloadShapeError(`${path} ${quoted(label)} is not a label we know; put the literal value in the trigger body (see docs/sources/zendesk.md)`);
}

function goodOrBad(value: unknown): number | undefined {
  const text = optionalString(value)?.toLowerCase();
  if (text === undefined) return undefined;
  if (text.startsWith('good')) return 1;
  if (text.startsWith('bad')) return 0;
  return undefined;
}

/**
 * One channel vocabulary for both ways in: a trigger's `{{ticket.via}}` label ("Web form", "Mail",
 * "Web service (API)", "Phone call (incoming)"...) and an event's `via.channel` type ("web", "email", "api", "web_service",
 * "voice", "native_messaging"...). API tickets are `api`, not `web`. Other labels stay as written, in lower case.
 */
export function channelOf(via: string | undefined): string | undefined {
  if (via === undefined) return undefined;
  const label = via.toLowerCase();
  // Voice first: "voicemail" contains "email".
  if (label.includes('phone') || label.startsWith('voice')) return 'phone';
  if (label === 'mail' || label.includes('email')) return 'email';
  if (label.includes('chat') || label.includes('messaging')) return 'chat';
  // Zendesk's own ticket.created example says `web_service` for a ticket made through the API.
  if (label === 'api' || label.startsWith('web service') || label.startsWith('web_service')) return 'api';
  if (label.includes('web')) return 'web';
  return label;
}

function isPhone(channel: string | undefined): boolean {
  return channel === 'phone';
}

function nameOf(holder: Json): { name?: string } {
  const name = optionalString(holder.name);
  return name === undefined ? {} : { name };
}
