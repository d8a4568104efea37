/**
 * Help Scout (docs/sources/helpscout.md), Mailbox API 2.0 webhooks. The event
 * name travels only in the `X-HelpScout-Event` header; the body is the bare
 * resource: for `convo.*` the conversation with its threads under
 * `_embedded.threads`, for `satisfaction.ratings` the rating. `X-HelpScout-Signature`
 * is the base64 HMAC-SHA1 of the raw body keyed with the webhook's secret key;
 * nothing time-bound is signed, so there is no replay window to check.
 *
 * Thread-driven events (replies, notes) take their time, author, status and
 * dedupe key from the newest published thread of the right kind; the embedded
 * order is not documented, so threads are ordered by `createdAt`. The
 * conversation's own attributes are a snapshot, carried only on the events
 * they belong to (creation, assignment, move, status, tags).
 */
import type { WebhookSecrets } from '../config.js';
import { PayloadShapeError, type SourceAdapter, type WebhookRequest } from './adapter.js';
import { ticketEvent, withCreation, type Actor, type EventAnchor, type NormalizedEvent, type TicketEvent, type TicketEventData, type TicketEventType, type TicketStatus } from './events.js';
import { header, hmac, safeEqual, sha256Hex, unauthorized } from './signatures.js';
import { isObject, object, optionalString, optionalTime, requiredString, requiredTime, type Json, lookup, quoted, tagList } from './values.js';

/**
 * Help Scout conversation status → ours. Closed reopens on a customer reply (solved). Spam is not a status of ours:
 * Help Scout's reports leave spam out, as deleted conversations, so `convo.status` spam is a deletion and a later
 * status (Not spam sets Active) a restore; a thread marked spam sets no status.
 */
export const HELPSCOUT_STATUSES: Readonly<Record<string, TicketStatus | null>> = { active: 'open', open: 'open', pending: 'pending', closed: 'solved', spam: null };

/** Ratings on the good-bad scale; Okay (and "unknown") is neither good nor bad and is not recorded. */
const RATING_SCORES: Readonly<Record<string, 1 | 0 | null>> = { great: 1, 'not good': 0, bad: 0, okay: null, ok: null, unknown: null };

/** Events Help Scout documents that the KPIs do not use: accepted, nothing written. */
const UNUSED_EVENTS = new Set([
  'helpscout.test',
  'convo.merged',
  'convo.custom-fields',
  'convo.ai-answers.created',
  'customer.created',
  'customer.updated',
  'customer.deleted',
  'tag.created',
  'tag.updated',
  'tag.deleted',
  'beacon.chat.created',
  'beacon.chat.customer.replied',
  'message.survey.response.received',
  'organization.created',
  'organization.updated',
  'organization.deleted',
  'user.status.changed',
]);

const NOT_REPLIES = new Set(['note', 'lineitem', 'customer', 'forwardparent', 'forwardchild']);

interface Conversation {
  readonly id: string;
  readonly body: Json;
  readonly threads: readonly Json[];
}

type EventHandler = (conversation: Conversation) => TicketEvent[];

/** A `customer` thread is the customer's words even when an agent logged it for them. */
const isCustomerMessage = (thread: Json) => (threadType(thread) === 'customer' || personType(thread.createdBy) === 'customer') && !['note', 'lineitem'].includes(threadType(thread));
const isAgentReply = (thread: Json) => !NOT_REPLIES.has(threadType(thread)) && personType(thread.createdBy) !== 'customer';
const isNote = (thread: Json) => threadType(thread) === 'note';
/** What each thread is, first match wins: as the reply and note events read their newest thread. */
const THREAD_KINDS: readonly (readonly [TicketEventType, (thread: Json) => boolean])[] = [['customer_message', isCustomerMessage], ['agent_reply', isAgentReply], ['internal_note', isNote]];

const CONVERSATION_EVENTS: Record<string, EventHandler> = {
  'convo.created': (c) => {
    const ticket = created(c);
    // Created straight into spam (the spam filter): kept out from its creation.
    return isSpam(c.body) ? [ticket, { ...ticket, type: 'ticket_deleted', data: {}, dedupeKey: `${c.id}:spam:created` }] : [ticket];
  },
  'convo.customer.reply.created': (c) => [threadEvent(c, 'customer_message', isCustomerMessage)],
  'convo.agent.reply.created': (c) => [threadEvent(c, 'agent_reply', isAgentReply)],
  'convo.note.created': (c) => [threadEvent(c, 'internal_note', isNote)],
  'convo.assigned': (c) => {
    const assignee = assigneeOf(c.body);
    const anchor = lineItemAnchor(c, 'assignee_changed', 'changed-ticket-assignee', assignee === null ? 'nobody' : (assignee.id ?? '?'));
    return [event(c, 'assignee_changed', anchor, { assignee })];
  },
  'convo.moved': (c) => {
    const team = mailboxOf(c.body);
    return [event(c, 'team_changed', lineItemAnchor(c, 'team_changed', 'moved-from-mailbox', team ?? 'none'), { team })];
  },
  'convo.status': (c) => {
    const raw = requiredString(c.body.status, 'status').toLowerCase();
    const status = statusOf(raw, 'status');
    // The thread that set this status (a status line item, or a reply sent with a status): the newest thread that set
    // any, when it set this one; else the close time or the last update. An older thread with this status set it
    // before (Not spam makes a conversation active again, and its active thread is the customer's first message).
    const setter = newestThread(c, (candidate) => !['nochange', ''].includes(optionalString(candidate.status)?.toLowerCase() ?? ''));
    const thread = optionalString(setter?.status)?.toLowerCase() === raw ? setter : undefined;
    const anchorFor = (type: TicketEventType) => (thread !== undefined ? threadAnchor(c, type, thread) : fallbackAnchor(c, type, raw, status === 'solved' ? optionalTime(c.body.closedAt) : undefined));
    if (status === null) return [event(c, 'ticket_deleted', anchorFor('ticket_deleted'), {})];
    // The restore is timed when the conversation was last updated (marked Not spam), not by the newest thread with
    // this status, which may be the customer's first message, long before the spam marking it undoes.
    return [event(c, 'status_changed', anchorFor('status_changed'), { status }), event(c, 'ticket_restored', fallbackAnchor(c, 'ticket_restored', raw), {})];
  },
  'convo.tags': (c) => {
    const tags = tagsOf(c.body) ?? [];
    const anchor = fallbackAnchor(c, 'tags_changed', sha256Hex([...tags].sort().join('\n')).slice(0, 16));
    return [event(c, 'tags_changed', anchor, { tags })];
  },
};

export const helpscoutAdapter: SourceAdapter = {
  source: 'helpscout',
  credentialHint: 'HELPSCOUT_WEBHOOK_SECRET',
  isConfigured: (secrets: WebhookSecrets) => secrets.helpscout !== undefined,

  verify(request: WebhookRequest, secrets: WebhookSecrets): void {
    const signature = header(request.headers, 'x-helpscout-signature');
    if (signature === undefined) throw unauthorized('the X-HelpScout-Signature header is required');
    const expected = hmac('sha1', secrets.helpscout ?? '', request.rawBody).toString('base64');
    if (/^[0-9a-f]{40}$/i.test(signature.trim())) throw unauthorized('X-HelpScout-Signature must be base64, not hex');
    if (!safeEqual(signature.trim(), expected)) throw unauthorized('X-HelpScout-Signature does not match the body signed with HELPSCOUT_WEBHOOK_SECRET');
  },

  /**
   * Help Scout sends no delivery id. One action can fire several events with
   * the same body (a reply sent as Closed: `convo.agent.reply.created` and
   * `convo.status`), so the content hash must include the event name, or the
   * second event would be taken for a redelivery of the first and dropped.
   */
  deliveryId(request: WebhookRequest): string | undefined {
    const name = header(request.headers, 'x-helpscout-event')?.trim();
    return name === undefined || name === '' ? undefined : `${name}:sha256:${sha256Hex(request.rawBody)}`;
  },

  parse(body: unknown, context): NormalizedEvent[] {
    const name = header(context.headers, 'x-helpscout-event')?.trim();
    if (name === undefined || name === '') throw new PayloadShapeError('the X-HelpScout-Event header is missing: it names the event');
    if (name === 'satisfaction.ratings') return rating(object(body, 'the body'));
    if (name === 'convo.deleted') return [deleted(object(body, 'the body'), context.receivedAt)];
    const handler = lookup(CONVERSATION_EVENTS, name);
    if (handler !== undefined) {
      const conversation = conversationOf(body, name);
      return withThreadHistory(conversation, handler(conversation));
    }
    if (UNUSED_EVENTS.has(name)) return [];
    throw new PayloadShapeError(`X-HelpScout-Event ${quoted(name)} is not a Help Scout webhook event this source knows`);
  },
};

/**
 * `convo.deleted` carries only the conversation's id, and no time: it is dated when it arrived. Help Scout signs the
 * body, not the X-HelpScout-Event header, so a whole conversation under this name is a signed body replayed with
 * another header, and is refused rather than taken to delete the conversation.
 */
function deleted(body: Json, receivedAt: number): TicketEvent {
  const others = Object.keys(body).filter((key) => key !== 'id');
  if (others.length > 0) throw new PayloadShapeError(`convo.deleted carries only the conversation's id, but this body has ${others.slice(0, 5).join(', ')}: another event's body sent with this X-HelpScout-Event header (the header is not signed)`);
  const id = requiredString(body.id, 'id');
  return { kind: 'ticket', type: 'ticket_deleted', externalTicketId: id, occurredAt: receivedAt, data: {}, dedupeKey: `convo.deleted:${id}` };
}

function conversationOf(value: unknown, name: string): Conversation {
  const body = object(value, 'the body');
  if (body.id === undefined) throw new PayloadShapeError(`${name}: the body must be a Help Scout conversation (no id)`);
  const id = requiredString(body.id, 'id');
  if (body.status === undefined || body.createdAt === undefined) throw new PayloadShapeError(`${name}: the body must be a Help Scout conversation (status and createdAt are missing)`);
  const embedded = body._embedded;
  const rawThreads = isObject(embedded) ? embedded.threads : undefined;
  if (rawThreads !== undefined && !Array.isArray(rawThreads)) throw new PayloadShapeError('_embedded.threads must be a list');
  const threads = (rawThreads ?? []).map((thread, index) => object(thread, `_embedded.threads[${index}]`));
  return { id, body, threads };
}

type Anchor = EventAnchor;

/** Every event about a conversation carries its creation time, which dates it if `convo.created` never arrived. */
/**
 * An event of the conversation, with what a ticket whose creation the bot never saw needs: the creation time, and
 * whether an agent opened it (then its waits start at the customer's first message, not at the creation).
 */
function event(c: Conversation, type: TicketEventType, anchor: Anchor, data: TicketEventData): TicketEvent {
  const outbound = type !== 'ticket_created' && openedByAgent(c) ? { createdByAgent: true } : {};
  return ticketEvent(c.id, type, anchor, withCreation({ ...data, ...outbound }, optionalTime(c.body.createdAt)));
}

/** An agent's outbound conversation; a phone conversation an agent logs is the customer's call. */
function openedByAgent(c: Conversation): boolean {
  return personType(c.body.createdBy) === 'user' && optionalString(c.body.type)?.toLowerCase() !== 'phone';
}

function created(c: Conversation): TicketEvent {
  const occurredAt = requiredTime(c.body.createdAt, 'createdAt');
  const actor = personActor(c.body.createdBy, 'createdBy');
  const channel = optionalString(c.body.type)?.toLowerCase();
  const primary = isObject(c.body.primaryCustomer) ? c.body.primaryCustomer : isObject(c.body.customer) ? c.body.customer : undefined;
  const links = isObject(c.body._links) && isObject(c.body._links.web) ? c.body._links.web : undefined;
  // An agent's outbound email starts no wait; a phone conversation an agent logs is the customer's call.
  const createdByAgent = actor?.type === 'agent' && channel !== 'phone';
  return event(c, 'ticket_created', { occurredAt, dedupeKey: `${c.id}:created`, ...(actor === undefined ? {} : { actor }) }, {
    status: statusOf(requiredString(c.body.status, 'status').toLowerCase(), 'status') ?? undefined,
    channel,
    team: mailboxOf(c.body),
    assignee: assigneeOf(c.body),
    tags: tagsOf(c.body),
    requesterId: optionalString(primary?.id),
    url: optionalString(links?.href),
    createdByAgent,
  });
}

/** A reply or note: the newest published thread of its kind, with the status it set. */
function threadEvent(c: Conversation, type: TicketEventType, accepts: (thread: Json) => boolean): TicketEvent {
  const thread = newestThread(c, accepts);
  if (thread === undefined) throw new PayloadShapeError(`_embedded.threads holds no published thread for this ${type} event`);
  return eventOfThread(c, type, thread);
}

/**
 * Every conversation event carries all its threads: each published reply, customer message and note after the
 * opening one becomes its event, under the key it had when it was the newest thread of its own event. For a
 * conversation followed from its start these are events already kept (the same keys: nothing changes); for one
 * first seen mid-life (the webhook added to a busy mailbox, a delivery lost) they are the replies and messages the
 * bot missed, so its first response, replies and waits are counted as they happened. A thread too malformed to
 * read is left out here; the event's own thread must still be readable.
 */
function withThreadHistory(c: Conversation, events: TicketEvent[]): TicketEvent[] {
  const published = c.threads
    .filter((thread) => (optionalString(thread.state)?.toLowerCase() ?? 'published') === 'published' && threadType(thread) !== 'lineitem')
    .map((thread) => ({ thread, at: optionalTime(thread.createdAt) }))
    .filter((entry): entry is { thread: Json; at: number } => entry.at !== undefined)
    .sort((a, b) => a.at - b.at || Number(a.thread.id) - Number(b.thread.id));
  const [opening] = published;
  const keys = new Set(events.map((event) => event.dedupeKey));
  const history: TicketEvent[] = [];
  for (const { thread } of published) {
    // The earliest thread opened the conversation (a customer's message, an agent's outbound one, a call logged late):
    // it is the creation, whenever it is dated, never a reply or a message after it.
    if (thread === opening?.thread) continue;
    const kind = THREAD_KINDS.find(([, accepts]) => accepts(thread))?.[0];
    if (kind === undefined) continue;
    try {
      const event = eventOfThread(c, kind, thread);
      if (!keys.has(event.dedupeKey)) history.push(event);
      keys.add(event.dedupeKey);
    } catch (error) {
      if (!(error instanceof PayloadShapeError)) throw error;
    }
  }
  return [...events, ...history];
}

/** A thread's event: its author, its time and the status it set. */
function eventOfThread(c: Conversation, type: TicketEventType, thread: Json): TicketEvent {
  const raw = optionalString(thread.status)?.toLowerCase();
  const status = raw === undefined || raw === 'nochange' ? undefined : (statusOf(raw, `thread ${optionalString(thread.id) ?? '?'} status`) ?? undefined);
  const anchor = threadAnchor(c, type, thread);
  if (type === 'customer_message' && anchor.actor?.type !== 'customer') {
    const customerId = isObject(thread.customer) ? optionalString(thread.customer.id) : undefined;
    return event(c, type, { ...anchor, actor: { type: 'customer', ...(customerId === undefined ? {} : { id: customerId }) } }, { status, channel: optionalString(c.body.type)?.toLowerCase() });
  }
  return event(c, type, anchor, { status, channel: optionalString(c.body.type)?.toLowerCase() });
}

/** Published (not draft, hidden or under review) threads the test accepts; the newest by createdAt. */
function newestThread(c: Conversation, accepts: (thread: Json) => boolean): Json | undefined {
  let best: Json | undefined;
  let bestAt = -Infinity;
  for (const thread of c.threads) {
    const state = optionalString(thread.state)?.toLowerCase();
    if ((state !== undefined && state !== 'published') || !accepts(thread)) continue;
    const at = optionalTime(thread.createdAt) ?? -Infinity;
    if (at > bestAt || (at === bestAt && best !== undefined && Number(thread.id) > Number(best.id))) {
      best = thread;
      bestAt = at;
    }
  }
  return best;
}

function threadAnchor(c: Conversation, type: TicketEventType, thread: Json): Anchor {
  const id = requiredString(thread.id, 'the thread id');
  const actor = personActor(thread.createdBy, `thread ${id} createdBy`);
  return {
    occurredAt: requiredTime(thread.createdAt, `thread ${id} createdAt`),
    dedupeKey: `${c.id}:thread:${id}:${type}`,
    ...(actor === undefined ? {} : { actor }),
  };
}

/** Assignment and moves leave a line-item thread with this action type; without one, the last user update. */
function lineItemAnchor(c: Conversation, type: TicketEventType, action: string, value: string): Anchor {
  const thread = newestThread(c, (candidate) => threadType(candidate) === 'lineitem' && isObject(candidate.action) && optionalString(candidate.action.type) === action);
  return thread === undefined ? fallbackAnchor(c, type, value) : threadAnchor(c, type, thread);
}

/**
 * No thread marks the change (tags never do): the conversation's `userUpdatedAt`
 * (else its newest thread, else its creation), keyed with the new value so two
 * different changes never share a key.
 */
function fallbackAnchor(c: Conversation, type: TicketEventType, value: string, at?: number): Anchor {
  const newest = newestThread(c, () => true);
  const occurredAt = at ?? optionalTime(c.body.userUpdatedAt) ?? optionalTime(newest?.createdAt) ?? requiredTime(c.body.createdAt, 'createdAt');
  return { occurredAt, dedupeKey: `${c.id}:${type}:${occurredAt}:${value}` };
}

function rating(body: Json): NormalizedEvent[] {
  const id = requiredString(body.id, 'id');
  const raw = requiredString(body.rating, 'rating');
  const key = raw.toLowerCase().replace(/[\s_-]+/g, ' ');
  if (!Object.hasOwn(RATING_SCORES, key)) throw new PayloadShapeError(`rating ${quoted(raw)} is not Great, Okay or Not Good`);
  const score = lookup(RATING_SCORES, key);
  if (score === null || score === undefined) return []; // Okay: neither good nor bad, so not part of good / (good + bad)
  const conversationId = optionalString(body.conversationId) ?? optionalString(body.ticketId);
  if (conversationId === undefined) throw new PayloadShapeError('the rating names no conversation (conversationId or ticketId)');
  const occurredAt = optionalTime(body.modifiedAt) ?? requiredTime(body.createdAt, 'createdAt');
  const customerId = isObject(body.customer) ? optionalString(body.customer.id) : undefined;
  const ticketEvent: TicketEvent = {
    kind: 'ticket',
    type: 'rating',
    externalTicketId: conversationId,
    occurredAt,
    actor: { type: 'customer', ...(customerId === undefined ? {} : { id: customerId }) },
    data: { rating: { kind: 'csat', scale: 'good-bad', score } },
    // A customer may change a rating: the same rating id at a later modifiedAt is a new fact.
    dedupeKey: `${conversationId}:rating:${id}:${occurredAt}`,
  };
  return [ticketEvent];
}

function threadType(thread: Json): string {
  return optionalString(thread.type)?.toLowerCase() ?? '';
}

function personType(value: unknown): string {
  return isObject(value) ? (optionalString(value.type)?.toLowerCase() ?? '') : '';
}

/** customer → customer (id only); user → agent with email and name; Help Scout's AI and system users → bot. */
function personActor(value: unknown, path: string): Actor | undefined {
  if (!isObject(value)) return undefined;
  const type = personType(value);
  if (type === '') return undefined;
  const id = optionalString(value.id);
  const withId = id === undefined ? {} : { id };
  if (type === 'customer') return { type: 'customer', ...withId };
  if (type === 'system_user' || type === 'bot' || type === 'ai') return { type: 'bot', ...withId };
  if (type !== 'user') throw new PayloadShapeError(`${path}.type ${quoted(type)} is not customer or user`);
  const email = optionalString(value.email)?.toLowerCase();
  const name = [optionalString(value.first), optionalString(value.last)].filter((part) => part !== undefined).join(' ');
  return { type: 'agent', ...withId, ...(email === undefined ? {} : { email }), ...(name === '' ? {} : { name }) };
}

/** The assigned user; null when unassigned or assigned to a Help Scout team (a team is not a person). */
function assigneeOf(body: Json): Actor | null {
  if (!isObject(body.assignee)) return null;
  const type = personType(body.assignee);
  if (type === 'team') return null;
  const actor = personActor({ ...body.assignee, type: 'user' }, 'assignee');
  return actor?.id === undefined ? null : actor;
}

/** The mailbox (inbox) is the team: Help Scout's queue, the thing a conversation is moved between. */
function mailboxOf(body: Json): string | null {
  return optionalString(body.mailboxId) ?? (isObject(body.mailbox) ? (optionalString(body.mailbox.id) ?? null) : null);
}

/** Tag names: Help Scout spells them `tag` (`name` accepted too). */
function tagsOf(body: Json): string[] | undefined {
  return tagList(body.tags, ['tag', 'name']);
}

function isSpam(body: Json): boolean {
  return optionalString(body.status)?.toLowerCase() === 'spam';
}

/** Ours for a Help Scout status; null for spam (not a status of ours: see HELPSCOUT_STATUSES). */
function statusOf(raw: string, path: string): TicketStatus | null {
  const status = lookup(HELPSCOUT_STATUSES, raw);
  if (status === undefined) throw new PayloadShapeError(`${path} ${quoted(raw)} is not active, pending, closed or spam`);
  return status;
}
