/**
 * Intercom (docs/sources/intercom.md). A Developer Hub app's webhook posts a
 * `notification_event` envelope `{ id: "notif_…", topic, created_at, data: { item } }`
 * signed with `X-Hub-Signature: sha1=<hex HMAC-SHA1 of the raw body>`, keyed with
 * the app's client secret. Nothing time-bound is signed, so there is no replay
 * window to check; the envelope id names the delivery.
 *
 * For conversation topics `data.item` is the conversation (API 2.x shape). The
 * topic says what happened; the conversation part that triggered it (the newest
 * part of the matching kind) gives the time, the author and the dedupe key. The
 * conversation's own attributes are a snapshot taken when the notification was
 * rendered, so they are carried only on the events they belong to (creation,
 * assignment, priority, tags, and the state a customer reply left behind), each
 * at that event's time.
 */
import type { WebhookSecrets } from '../config.js';
import { PayloadShapeError, type SourceAdapter, type WebhookRequest } from './adapter.js';
import { ticketEvent, withCreation, type Actor, type EventAnchor, type NormalizedEvent, type Priority, type TicketEvent, type TicketEventData, type TicketEventType, type TicketStatus } from './events.js';
import { header, hmac, safeEqual, sha256Hex, unauthorized } from './signatures.js';
import { isObject, object, optionalBoolean, optionalNumber, optionalString, optionalTime, requiredString, requiredTime, type Json, lookup, quoted, tagList } from './values.js';

/** Intercom conversation `state` → our status. Closed conversations reopen on a customer reply, hence solved. */
export const INTERCOM_STATES: Readonly<Record<string, TicketStatus>> = { open: 'open', closed: 'solved', snoozed: 'on-hold' };

/**
 * Intercom's priority is a yes/no flag: flagged → high, unflagged → normal. Not
 * urgent: a rise to urgent counts as an escalation, and flagging is routine triage.
 */
export const INTERCOM_PRIORITIES: Readonly<Record<string, Priority>> = { priority: 'high', not_priority: 'normal' };

const CUSTOMER_AUTHORS = new Set(['user', 'lead', 'contact', 'visitor']);

/** What one notification says about its conversation. */
interface Notification {
  readonly topic: string;
  readonly conversationId: string;
  readonly item: Json;
  readonly parts: readonly Json[];
  /** The envelope's `created_at`: when Intercom created the notification. */
  readonly notifiedAt?: number;
}

type TopicHandler = (notification: Notification) => TicketEvent[];

const TOPICS: Record<string, TopicHandler> = {
  'conversation.user.created': (n) => [created(n, false)],
  'conversation.admin.single.created': (n) => [created(n, true)],
  'conversation.user.replied': (n) => {
    const anchor = partAnchor(n, 'customer_message', (part) => CUSTOMER_AUTHORS.has(authorType(part)));
    return [event(n, 'customer_message', anchor, { ...channelOf(n.item), ...stateOf(n.item) })];
  },
  'conversation.admin.replied': (n) => {
    const anchor = partAnchor(n, 'agent_reply', (part) => isReplyPart(part) && authorType(part) === 'admin', isTeamReplyPart);
    return [event(n, 'agent_reply', anchor, channelOf(n.item))];
  },
  'conversation.operator.replied': (n) => {
    const anchor = partAnchor(n, 'agent_reply', (part) => isReplyPart(part) && (authorType(part) === 'bot' || isAiPart(part)), isTeamReplyPart);
    // The topic itself says a bot (Fin, Operator, a workflow) answered: whatever the author's type, it never counts as a response.
    const id = anchor.actor?.id;
    return [event(n, 'agent_reply', { ...anchor, actor: { type: 'bot', ...(id === undefined ? {} : { id }) } }, channelOf(n.item))];
  },
  'conversation.admin.noted': (n) => [event(n, 'internal_note', partAnchor(n, 'internal_note', (part) => partType(part).includes('note')), channelOf(n.item))],
  'conversation.admin.assigned': assigned,
  'conversation.admin.open.assigned': assigned,
  'conversation.admin.closed': (n) => [event(n, 'status_changed', partAnchor(n, 'status_changed', (part) => partType(part) === 'close'), { status: 'solved' })],
  'conversation.admin.opened': (n) => [event(n, 'reopened', partAnchor(n, 'reopened', (part) => partType(part).includes('open')), { status: 'open' })],
  'conversation.admin.snoozed': (n) => [event(n, 'status_changed', partAnchor(n, 'status_changed', (part) => partType(part) === 'snoozed'), { status: 'on-hold' })],
  'conversation.admin.unsnoozed': (n) => [event(n, 'status_changed', partAnchor(n, 'status_changed', (part) => partType(part).includes('unsnooze')), { status: 'open' })],
  'conversation.priority.updated': (n) => {
    const priority = priorityOf(n.item, true) as Priority;
    const at = conversationTime(n);
    return [event(n, 'priority_changed', { occurredAt: at, dedupeKey: `${n.conversationId}:priority_changed:${priority}:${at}` }, { priority })];
  },
  'conversation.rating.added': rated,
  'conversation_part.tag.created': tagged,
};

export const intercomAdapter: SourceAdapter = {
  source: 'intercom',
  credentialHint: 'INTERCOM_CLIENT_SECRET',
  isConfigured: (secrets: WebhookSecrets) => secrets.intercom !== undefined,

  verify(request: WebhookRequest, secrets: WebhookSecrets): void {
    const signature = header(request.headers, 'x-hub-signature');
    if (signature === undefined) throw unauthorized('the X-Hub-Signature header is required');
    if (!/^sha1=/i.test(signature.trim())) throw unauthorized('X-Hub-Signature must be "sha1=" and the hex HMAC-SHA1 of the body');
    const expected = `sha1=${hmac('sha1', secrets.intercom ?? '', request.rawBody).toString('hex')}`;
    if (!safeEqual(signature.trim().toLowerCase(), expected)) throw unauthorized('X-Hub-Signature does not match the body signed with INTERCOM_CLIENT_SECRET');
  },

  deliveryId: (_request, body) => (isObject(body) ? optionalString(body.id) : undefined),

  parse(body: unknown): NormalizedEvent[] {
    const envelope = object(body, 'the body');
    if (envelope.type !== 'notification_event') {
      throw new PayloadShapeError(`type must be "notification_event" (an Intercom webhook notification), got ${quoted(envelope.type ?? null)}`);
    }
    const topic = requiredString(envelope.topic, 'topic');
    if (topic === 'conversation.deleted') {
      // A deletion carries only the conversation's identity ({ id, object: "conversation", deleted: true }): it is dated
      // by the notification. The conversation leaves every KPI, as a deletion does from the other helpdesks.
      const item = object(object(envelope.data, 'data').item, 'data.item');
      const conversationId = requiredString(item.id, 'data.item.id');
      return [{ kind: 'ticket', type: 'ticket_deleted', externalTicketId: conversationId, occurredAt: requiredTime(envelope.created_at, 'created_at'), data: {}, dedupeKey: `conversation.deleted:${conversationId}` }];
    }
    const handler = lookup(TOPICS, topic);
    if (handler === undefined) return []; // ping, and topics the KPIs do not use
    const item = object(object(envelope.data, 'data').item, 'data.item');
    const notifiedAt = optionalTime(envelope.created_at);
    if (topic === 'conversation_part.tag.created' && item.type === 'conversation_part') {
      // The current topic table names a Conversation Part as this topic's object; it must say which conversation it belongs to.
      const conversationId = optionalString(item.conversation_id);
      if (conversationId === undefined) throw new PayloadShapeError('data.item is a conversation_part without conversation_id: the conversation it belongs to is unknown');
      return handler({ topic, conversationId, item, parts: [item], ...(notifiedAt === undefined ? {} : { notifiedAt }) });
    }
    if (item.type !== 'conversation') throw new PayloadShapeError(`data.item.type must be "conversation" for ${topic}, got ${quoted(item.type ?? null)}`);
    // The 1.x conversation has its first message in conversation_message where 2.x has source: read as 2.x, it would
    // lose the channel, the author and the assignee without a word, so it is refused, saying what to change.
    if (item.conversation_message !== undefined && item.source === undefined) {
      throw new PayloadShapeError('data.item is an Intercom API 1.x conversation (conversation_message, no source): set the app\'s webhook API version to 2.x');
    }
    const conversationId = requiredString(item.id, 'data.item.id');
    const list = item.conversation_parts;
    const rawParts = isObject(list) ? list.conversation_parts : undefined;
    if (rawParts !== undefined && !Array.isArray(rawParts)) throw new PayloadShapeError('data.item.conversation_parts.conversation_parts must be a list');
    const parts = (rawParts ?? []).map((part, index) => object(part, `data.item.conversation_parts.conversation_parts[${index}]`));
    return handler({ topic, conversationId, item, parts, ...(notifiedAt === undefined ? {} : { notifiedAt }) });
  },
};

type Anchor = EventAnchor;

/** Every event about a conversation carries its creation time, which dates it if `conversation.*.created` never arrived. */
function event(n: Notification, type: TicketEventType, anchor: Anchor, data: TicketEventData): TicketEvent {
  const createdAt = n.item.type === 'conversation' ? optionalTime(n.item.created_at) : undefined;
  return ticketEvent(n.conversationId, type, anchor, withCreation(data, createdAt));
}

/**
 * The part that triggered the notification: the newest part the topic accepts
 * (webhooks have been seen to carry only that part), trying each test in turn.
 */
function triggeringPart(n: Notification, ...tests: ((part: Json) => boolean)[]): Json | undefined {
  for (const test of tests) {
    let best: Json | undefined;
    let bestAt = -Infinity;
    for (const part of n.parts) {
      if (!test(part)) continue;
      const at = optionalTime(part.created_at) ?? -Infinity;
      if (at >= bestAt) {
        best = part;
        bestAt = at;
      }
    }
    if (best !== undefined) return best;
  }
  return undefined;
}

/**
 * Time, author and dedupe key of an event from its part. Keyed by the part id
 * and the event type, since one part can be two facts (a reply that also assigns
 * is sent under both topics). Without a part: the conversation's `updated_at`.
 */
function anchorOf(n: Notification, type: TicketEventType, part: Json | undefined): Anchor {
  if (part === undefined) {
    const at = conversationTime(n);
    return { occurredAt: at, dedupeKey: `${n.conversationId}:${type}:${n.topic}:${at}` };
  }
  const id = requiredString(part.id, 'the conversation part id');
  const actor = authorActor(part.author, `conversation part ${id} author`);
  return {
    occurredAt: requiredTime(part.created_at, `conversation part ${id} created_at`),
    dedupeKey: `${n.conversationId}:part:${id}:${type}`,
    ...(actor === undefined ? {} : { actor }),
  };
}

function partAnchor(n: Notification, type: TicketEventType, ...tests: ((part: Json) => boolean)[]): Anchor {
  return anchorOf(n, type, triggeringPart(n, ...tests));
}

/** The conversation's last update, else when the notification was created. */
function conversationTime(n: Notification): number {
  const at = optionalTime(n.item.updated_at) ?? n.notifiedAt;
  if (at === undefined) throw new PayloadShapeError("data.item.updated_at and the notification's created_at are both missing: no time for this event");
  return at;
}

function created(n: Notification, byAgent: boolean): TicketEvent {
  const occurredAt = requiredTime(n.item.created_at, 'data.item.created_at');
  const source = isObject(n.item.source) ? n.item.source : {};
  const actor = authorActor(source.author, 'data.item.source.author');
  const contacts = isObject(n.item.contacts) && Array.isArray(n.item.contacts.contacts) ? n.item.contacts.contacts : [];
  const firstContact = contacts.find(isObject);
  const requesterId = actor?.type === 'customer' ? actor.id : optionalString(firstContact?.id);
  const tags = tagNames(n.item.tags);
  return event(n, 'ticket_created', { occurredAt, dedupeKey: `${n.conversationId}:created`, ...(actor === undefined ? {} : { actor }) }, {
    ...channelOf(n.item),
    ...stateOf(n.item),
    priority: priorityOf(n.item, false),
    ...assignmentOf(n.item, false),
    ...(tags === undefined ? {} : { tags }),
    requesterId,
    createdByAgent: byAgent,
  });
}

/** An assignment to a team is a team change, any other an assignee change; both carry the snapshot's assignee and team. */
function assigned(n: Notification): TicketEvent[] {
  const part = triggeringPart(n, isAssignmentPart);
  const target = part !== undefined && isObject(part.assigned_to) ? optionalString(part.assigned_to.type)?.toLowerCase() : undefined;
  const type: TicketEventType = target === 'team' ? 'team_changed' : 'assignee_changed';
  return [event(n, type, anchorOf(n, type, part), assignmentOf(n.item, true))];
}

function rated(n: Notification): TicketEvent[] {
  const rating = object(n.item.conversation_rating, 'data.item.conversation_rating');
  const score = optionalNumber(rating.rating);
  if (score === undefined || !Number.isInteger(score) || score < 1 || score > 5) {
    throw new PayloadShapeError(`data.item.conversation_rating.rating must be a whole number from 1 to 5, got ${quoted(rating.rating ?? null)}`);
  }
  // `created_at` is when the rating was requested; `updated_at` when the customer rated (or changed it).
  const occurredAt = optionalTime(rating.updated_at) ?? n.notifiedAt ?? conversationTime(n);
  const contactId = isObject(rating.contact) ? optionalString(rating.contact.id) : undefined;
  const state = stateOf(n.item);
  // A conversation closed before it was rated is solved, also when its closing never arrived: at its last close
  // (statistics.last_close_at) when Intercom says, else with the rating.
  const statistics = isObject(n.item.statistics) ? n.item.statistics : {};
  const closedAt = state.status === 'solved' ? optionalTime(statistics.last_close_at) : undefined;
  const rated = event(
    n,
    'rating',
    { occurredAt, dedupeKey: `${n.conversationId}:rating:${occurredAt}`, actor: { type: 'customer', ...(contactId === undefined ? {} : { id: contactId }) } },
    { rating: { kind: 'csat', scale: '1-5', score }, ...(closedAt === undefined ? state : {}) },
  );
  if (closedAt === undefined) return [rated];
  return [event(n, 'status_changed', { occurredAt: closedAt, dedupeKey: `${n.conversationId}:closed:${closedAt}` }, { status: 'solved' }), rated];
}

function tagged(n: Notification): TicketEvent[] {
  // Older payloads: the conversation with `tags_added`; current table: the tagged part with its `tags`.
  const added = n.item.type === 'conversation_part' ? tagNames(n.item.tags) : (tagNames(n.item.tags_added) ?? tagNames(newestPart(n.parts)?.tags));
  if (added === undefined || added.length === 0) throw new PayloadShapeError(`${n.topic} names no tag that was added`);
  const all = n.item.type === 'conversation' ? tagNames(n.item.tags) : undefined;
  const appliedAt = tagTimes(n.item.type === 'conversation_part' ? n.item.tags : n.item.tags_added);
  const occurredAt = appliedAt ?? n.notifiedAt ?? conversationTime(n);
  const part = n.item.type === 'conversation_part' ? n.item : newestPart(n.parts);
  const partId = optionalString(part?.id) ?? '-';
  const digest = sha256Hex([...added].sort().join('\n')).slice(0, 16);
  const actor = part === undefined ? undefined : authorActor(part.author, 'the tagged part author');
  return [
    event(
      n,
      'tags_changed',
      { occurredAt, dedupeKey: `${n.conversationId}:tags_changed:${partId}:${occurredAt}:${digest}`, ...(actor === undefined ? {} : { actor }) },
      { addedTags: added, ...(all === undefined || all.length === 0 ? {} : { tags: [...new Set([...all, ...added])] }) },
    ),
  ];
}

function newestPart(parts: readonly Json[]): Json | undefined {
  let best: Json | undefined;
  for (const part of parts) if (best === undefined || (optionalTime(part.created_at) ?? 0) >= (optionalTime(best.created_at) ?? 0)) best = part;
  return best;
}

function partType(part: Json): string {
  return optionalString(part.part_type)?.toLowerCase() ?? '';
}

function authorType(part: Json): string {
  return isObject(part.author) ? (optionalString(part.author.type)?.toLowerCase() ?? '') : '';
}

function isAiPart(part: Json): boolean {
  return isObject(part.author) && (optionalBoolean(part.author.from_ai_agent) === true || optionalBoolean(part.author.is_ai_answer) === true);
}

/** A part that says something to the customer: not a note, and with a body (a reply may ride on an assignment or close part). */
function isReplyPart(part: Json): boolean {
  return !partType(part).includes('note') && (partType(part) === 'comment' || optionalString(part.body) !== undefined);
}

function isTeamReplyPart(part: Json): boolean {
  return isReplyPart(part) && !CUSTOMER_AUTHORS.has(authorType(part));
}

function isAssignmentPart(part: Json): boolean {
  return partType(part).includes('assign') || isObject(part.assigned_to);
}

/** Part authors: admin → agent (Fin answers → bot); bot and team (automation speaking for a team) → bot; contacts → customer (id only). */
function authorActor(value: unknown, path: string): Actor | undefined {
  if (!isObject(value)) return undefined;
  const type = optionalString(value.type)?.toLowerCase();
  if (type === undefined) return undefined;
  const id = optionalString(value.id);
  const withId = id === undefined ? {} : { id };
  if (CUSTOMER_AUTHORS.has(type)) return { type: 'customer', ...withId };
  if (type === 'bot' || type === 'team') return { type: 'bot', ...withId };
  if (type !== 'admin') throw new PayloadShapeError(`${path}.type ${quoted(type)} is not admin, bot, team, user, lead or contact`);
  if (optionalBoolean(value.from_ai_agent) === true || optionalBoolean(value.is_ai_answer) === true) return { type: 'bot', ...withId };
  const email = optionalString(value.email)?.toLowerCase();
  const name = optionalString(value.name);
  return { type: 'agent', ...withId, ...(email === undefined ? {} : { email }), ...(name === undefined ? {} : { name }) };
}

function channelOf(item: Json): { channel?: string } {
  const channel = isObject(item.source) ? optionalString(item.source.type)?.toLowerCase() : undefined;
  return channel === undefined ? {} : { channel };
}

function stateOf(item: Json): { status?: TicketStatus } {
  const state = optionalString(item.state)?.toLowerCase();
  if (state === undefined) return {};
  const status = lookup(INTERCOM_STATES, state);
  if (status === undefined) throw new PayloadShapeError(`data.item.state ${quoted(state)} is not open, closed or snoozed`);
  return { status };
}

/** The priority flag; required (and checked) only where the topic is about it. */
function priorityOf(item: Json, required: boolean): Priority | undefined {
  const value = optionalString(item.priority)?.toLowerCase();
  const priority = value === undefined ? undefined : lookup(INTERCOM_PRIORITIES, value);
  if (priority === undefined && required) throw new PayloadShapeError(`data.item.priority must be "priority" or "not_priority", got ${quoted(item.priority ?? null)}`);
  return priority;
}

/**
 * `admin_assignee_id` (a number) and `team_assignee_id` (a string, a number in
 * the Preview API), both as strings. Unassigned is null, or 0 since the Preview
 * API's change "assignee IDs return 0 instead of null". The team is Intercom's team id.
 */
function assignmentOf(item: Json, required: boolean): Pick<TicketEventData, 'assignee' | 'team'> {
  const hasAdmin = 'admin_assignee_id' in item;
  const hasTeam = 'team_assignee_id' in item;
  if (required && !hasAdmin && !hasTeam) {
    throw new PayloadShapeError('data.item has neither admin_assignee_id nor team_assignee_id: set the app to an Intercom API version 2.x');
  }
  const assigned = (value: unknown) => {
    const id = optionalString(value);
    return id === undefined || id === '0' ? undefined : id;
  };
  const adminId = assigned(item.admin_assignee_id);
  const teamId = assigned(item.team_assignee_id);
  return {
    ...(hasAdmin ? { assignee: adminId === undefined ? null : { type: 'agent' as const, id: adminId } } : {}),
    ...(hasTeam ? { team: teamId ?? null } : {}),
  };
}

/** Tag names from a `tag.list` object or a plain list of tags. */
function tagNames(value: unknown): string[] | undefined {
  return tagList(isObject(value) ? value.tags : value);
}

/** The latest `applied_at` among the tags, if Intercom sent one. */
function tagTimes(value: unknown): number | undefined {
  const list = isObject(value) ? value.tags : value;
  if (!Array.isArray(list)) return undefined;
  const times = list.flatMap((tag) => {
    const at = isObject(tag) ? optionalTime(tag.applied_at) : undefined;
    return at === undefined ? [] : [at];
  });
  return times.length === 0 ? undefined : Math.max(...times);
}
