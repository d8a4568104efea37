/**
 * Jira Cloud / Jira Service Management (docs/sources/jira.md): admin webhooks
 * created with a secret carry `X-Hub-Signature: sha256=<hex HMAC-SHA256 of the
 * raw body>`, keyed with the secret exactly as typed. Nothing else is signed: no
 * timestamp, no delivery id. `X-Atlassian-Webhook-Identifier` names the delivery
 * (the same on Jira's retries).
 *
 * The ticket id is the issue's numeric `id` (stable when an issue moves between
 * projects, unlike its key). Events come from `jira:issue_created` (a snapshot),
 * from the changelog items of `jira:issue_updated`, and from `comment_created`.
 */
import type { WebhookSecrets } from '../config.js';
import { PayloadShapeError, type SourceAdapter, type WebhookRequest } from './adapter.js';
import type { Actor, NormalizedEvent, Priority, TicketEvent, TicketEventData, TicketEventType, TicketStatus } from './events.js';
import { isResolvedStatus, ticketEvent, withCreation } from './events.js';
import { header, hmac, safeEqual, unauthorized } from './signatures.js';
import { isObject, object, optionalNumber, optionalString, requiredString, requiredTime, optionalTime, type Json, lookup, quoted, tagList } from './values.js';

/** Events Jira sends that carry nothing the KPIs need: accepted, nothing written. */
const IGNORED_EVENTS = new Set([
  'comment_updated',
  'comment_deleted',
  'jira_expression_evaluation_failed',
  'app_access_to_objects_blocked',
  'app_access_to_objects_in_container_blocked',
]);
/** Families of events (worklogs, attachments, links, projects, versions, boards...) we accept and ignore. */
const IGNORED_PREFIXES = ['worklog_', 'attachment_', 'issuelink_', 'issue_property_', 'project_', 'jira:version_', 'issuetype_', 'filter_', 'user_', 'option_', 'sprint_', 'board_'];
const HANDLED_EVENTS = ['jira:issue_created', 'jira:issue_updated', 'jira:issue_deleted', 'comment_created'];

/**
 * Priorities by name (case-insensitive). Cloud's defaults are Highest..Lowest;
 * older schemes use Blocker..Trivial (Major is their default, hence normal).
 * Any other name (a site's own priority scheme) leaves the priority unknown.
 */
const PRIORITY_NAMES: Record<string, Priority> = {
  highest: 'urgent',
  high: 'high',
  medium: 'normal',
  low: 'low',
  lowest: 'low',
  blocker: 'urgent',
  critical: 'high',
  major: 'normal',
  minor: 'low',
  trivial: 'low',
};

/** Status names for the categories that do not decide on their own (everything outside "done"). */
const STATUS_NAMES: Record<string, TicketStatus> = {
  'waiting for customer': 'pending',
  'waiting on customer': 'pending',
  'waiting for reporter': 'pending',
  'pending': 'open',
  'waiting for support': 'open',
  'in progress': 'open',
  'work in progress': 'open',
  'escalated': 'open',
  'reopened': 'open',
  'on hold': 'on-hold',
  'on-hold': 'on-hold',
  // Only reached without a status category (a changelog name with no issue snapshot).
  'resolved': 'solved',
  'done': 'solved',
  'completed': 'solved',
  'canceled': 'solved',
  'cancelled': 'solved',
  'closed': 'closed',
};
const CATEGORY_STATUS: Record<string, TicketStatus> = { new: 'new', indeterminate: 'open' };

const FIRST_RESPONSE_SLA = 'time to first response';
const RESOLUTION_SLA = 'time to resolution';

export const jiraAdapter: SourceAdapter = {
  source: 'jira',
  credentialHint: 'JIRA_WEBHOOK_SECRET',
  isConfigured: (secrets: WebhookSecrets) => secrets.jira !== undefined,

  verify(request: WebhookRequest, secrets: WebhookSecrets): void {
    const value = header(request.headers, 'x-hub-signature');
    if (value === undefined || value.trim() === '') throw unauthorized('X-Hub-Signature header is required (give the Jira webhook a secret)');
    const separator = value.indexOf('=');
    if (separator <= 0) throw unauthorized('X-Hub-Signature must be method=signature');
    // Atlassian says the method may change: read it rather than assume it.
    const method = value.slice(0, separator).trim().toLowerCase();
    if (method !== 'sha256') throw unauthorized(`X-Hub-Signature method "${method.slice(0, 20)}" is not supported (only sha256)`);
    const expected = hmac('sha256', secrets.jira ?? '', request.rawBody).toString('hex');
    if (!safeEqual(value.slice(separator + 1).trim().toLowerCase(), expected)) throw unauthorized('X-Hub-Signature does not match the body signed with JIRA_WEBHOOK_SECRET');
  },

  deliveryId: (request) => header(request.headers, 'x-atlassian-webhook-identifier'),

  parse(body: unknown): NormalizedEvent[] {
    const payload = object(body, 'body');
    const event = optionalString(payload.webhookEvent);
    if (event === undefined) throw new PayloadShapeError('webhookEvent is missing: not a Jira webhook');
    switch (event) {
      case 'jira:issue_created':
        return parseIssueCreated(payload);
      case 'jira:issue_updated':
        return parseIssueUpdated(payload);
      case 'jira:issue_deleted': {
        // Deleted issues are gone from Jira's reports; a deletion cannot be undone.
        const issue = readIssue(payload.issue, 'issue');
        return [{ kind: 'ticket', type: 'ticket_deleted', externalTicketId: issue.id, occurredAt: requiredTime(payload.timestamp, 'timestamp'), data: {}, dedupeKey: `issue:${issue.id}:deleted` }];
      }
      case 'comment_created':
        return parseComment(payload);
    }
    if (IGNORED_EVENTS.has(event) || IGNORED_PREFIXES.some((prefix) => event.startsWith(prefix))) return [];
    throw new PayloadShapeError(`webhookEvent ${quoted(event)} is not a Jira webhook event (handled: ${HANDLED_EVENTS.join(', ')})`);
  },
};

interface Issue {
  readonly id: string;
  readonly fields: Json;
  readonly url?: string;
}

function readIssue(value: unknown, path: string): Issue {
  const issue = object(value, path);
  const id = requiredString(issue.id, `${path}.id`);
  const fields = isObject(issue.fields) ? issue.fields : {};
  return { id, fields, url: browseUrl(issue) };
}

/** `https://<site>/browse/<KEY>`, from the REST `self` link and the key. */
function browseUrl(issue: Json): string | undefined {
  const key = optionalString(issue.key);
  const self = optionalString(issue.self);
  if (key === undefined || self === undefined) return undefined;
  try {
    return `${new URL(self).origin}/browse/${encodeURIComponent(key)}`;
  } catch {
    return undefined;
  }
}

function parseIssueCreated(payload: Json): NormalizedEvent[] {
  const issue = readIssue(payload.issue, 'issue');
  const fields = issue.fields;
  const reporter = isObject(fields.reporter) ? fields.reporter : undefined;
  const requesterId = optionalString(reporter?.accountId);
  const status = fields.status === undefined ? undefined : statusOf(fields.status);
  const priority = priorityOf(fields.priority);
  const tags = tagList(fields.labels);
  const data: TicketEventData = {
    // A JSM request is the requester's, also when an agent raised it on their behalf.
    createdByAgent: false,
    ...(status === undefined ? {} : { status }),
    ...(priority === undefined ? {} : { priority }),
    ...(tags === undefined ? {} : { tags }),
    ...('assignee' in fields ? { assignee: agentOf(fields.assignee) ?? null } : {}),
    ...(requesterId === undefined ? {} : { requesterId }),
    ...(issue.url === undefined ? {} : { url: issue.url }),
    ...slaDueTimes(fields),
  };
  const actor: Actor | undefined = reporter === undefined ? undefined : optionalString(reporter.accountType) === 'app' ? botOf(reporter) : customerOf(reporter);
  return [
    {
      kind: 'ticket',
      type: 'ticket_created',
      externalTicketId: issue.id,
      occurredAt: requiredTime(fields.created ?? payload.timestamp, 'issue.fields.created'),
      ...(actor === undefined ? {} : { actor }),
      data,
      dedupeKey: `issue:${issue.id}:created`,
    },
  ];
}

function parseIssueUpdated(payload: Json): NormalizedEvent[] {
  const issue = readIssue(payload.issue, 'issue');
  // A comment also arrives as jira:issue_updated (issue_commented); comment_created carries it.
  if (payload.changelog === undefined || payload.changelog === null) return [];
  const changelog = object(payload.changelog, 'changelog');
  const changelogId = requiredString(changelog.id, 'changelog.id');
  if (!Array.isArray(changelog.items)) throw new PayloadShapeError('changelog.items must be an array');
  const items = changelog.items.map((item, index) => object(item, `changelog.items[${index}]`));
  const fields = issue.fields;
  const occurredAt = requiredTime(fields.updated ?? payload.timestamp, 'issue.fields.updated (or timestamp)');
  const actor = userActor(payload.user, fields);
  const events: TicketEvent[] = [];
  // Each event carries the issue's creation time, which dates it if jira:issue_created never arrived.
  const createdAt = optionalTime(fields.created);
  const push = (type: TicketEventType, suffix: string, data: TicketEventData) =>
    events.push({ kind: 'ticket', type, externalTicketId: issue.id, occurredAt, ...(actor === undefined ? {} : { actor }), data: withCreation(data, createdAt), dedupeKey: `changelog:${changelogId}:${suffix}` });

  // With the issue's status: a request resolved before it was rated is solved, also when its resolution never
  // arrived: at its resolutiondate when Jira gives one, else with the rating.
  const ratingOf = (score: number) => {
    const current = fields.status === undefined ? undefined : statusOf(fields.status);
    const resolvedAt = current !== undefined && isResolvedStatus(current) ? optionalTime(fields.resolutiondate) : undefined;
    if (resolvedAt !== undefined) {
      events.push(ticketEvent(issue.id, 'status_changed', { occurredAt: resolvedAt, dedupeKey: `issue:${issue.id}:resolved:${resolvedAt}` }, withCreation({ status: current as TicketStatus }, createdAt)));
    }
    push('rating', 'satisfaction', { rating: { kind: 'csat', scale: '1-5', score }, ...(current === undefined || resolvedAt !== undefined ? {} : { status: current }) });
  };
  let status: TicketStatus | undefined;
  let resolution: 'set' | 'cleared' | undefined;
  for (const item of items) {
    const field = (optionalString(item.fieldId) ?? optionalString(item.field) ?? '').toLowerCase();
    const to = own(item, 'to');
    const toString = own(item, 'toString');
    if (field === 'status') {
      status = sameValue(fields.status, to, toString) ? statusOf(fields.status) : statusByName(toString, undefined);
    } else if (field === 'resolution') {
      resolution = to !== undefined || toString !== undefined ? 'set' : 'cleared';
    } else if (field === 'assignee') {
      const assignee = to === undefined ? null : isObject(fields.assignee) && optionalString(fields.assignee.accountId) === to ? agentOf(fields.assignee) : { type: 'agent' as const, id: to, ...(toString === undefined ? {} : { name: toString }) };
      push('assignee_changed', 'assignee', { assignee: assignee ?? null });
    } else if (field === 'priority') {
      const priority = sameValue(fields.priority, to, toString) ? priorityOf(fields.priority) : priorityByName(toString);
      if (priority !== undefined) push('priority_changed', 'priority', { priority });
    } else if (field === 'labels') {
      // The changelog gives the whole label set after the change, space-separated (labels hold no spaces).
      const tags = toString === undefined ? [] : toString.split(/\s+/).filter((tag) => tag !== '');
      push('tags_changed', 'labels', { tags });
    } else {
      const rating = satisfactionOf(item, field, fields);
      if (rating !== undefined) ratingOf(rating);
    }
  }

  // One status fact per changelog: the status item decides; a resolution set
  // without a resolved status still means solved; a resolution cleared reopens.
  if (resolution === 'set' && (status === undefined || !isResolvedStatus(status))) status = 'solved';
  if (resolution === 'cleared' && (status === undefined || !isResolvedStatus(status))) {
    push('reopened', 'status', status === undefined ? {} : { status });
  } else if (status !== undefined) {
    push('status_changed', 'status', { status });
  }

  const due = slaDueTimes(fields);
  if (Object.keys(due).length > 0) push('fields_updated', 'sla', due);
  return events;
}

function parseComment(payload: Json): NormalizedEvent[] {
  const comment = object(payload.comment, 'comment');
  const commentId = requiredString(comment.id, 'comment.id');
  const issue = payload.issue === undefined || payload.issue === null ? undefined : readIssue(payload.issue, 'issue');
  // Whether comment events carry the issue is not documented; the comment's own self link names it.
  const ticketId = issue?.id ?? /\/issue\/([^/]+)\/comment\//.exec(optionalString(comment.self) ?? '')?.[1];
  if (ticketId === undefined) throw new PayloadShapeError('comment_created carries neither issue.id nor a comment.self link to its issue');
  const fields = issue?.fields ?? {};
  const author = isObject(comment.author) ? comment.author : undefined;
  const accountType = optionalString(author?.accountType);
  const reporterId = isObject(fields.reporter) ? optionalString(fields.reporter.accountId) : undefined;
  const authorId = optionalString(author?.accountId);
  // jsdPublic false is JSM's internal comment; a comment restricted to a role or group is not shown to the customer either.
  const internal = comment.jsdPublic === false || isObject(comment.visibility);

  let type: TicketEventType;
  let actor: Actor | undefined;
  if (accountType === 'app') {
    type = internal ? 'internal_note' : 'agent_reply';
    actor = botOf(author);
  } else if (internal) {
    type = 'internal_note';
    actor = agentOf(author);
  } else if (accountType === 'customer' || (authorId !== undefined && authorId === reporterId)) {
    type = 'customer_message';
    actor = author === undefined ? undefined : customerOf(author);
  } else {
    type = 'agent_reply';
    actor = agentOf(author);
  }
  // Comment events may carry a shortened issue without its reporter: a requester with a full Atlassian account (an
  // internal service desk) is then told from an agent by the requester the ticket's own events name (projectTicket).
  // The ticket's assignee is an agent for sure. Anyone else may be that requester, so their name and address are not
  // kept (agents are named from the events that say who they are: assignments, their other comments).
  const assigneeId = isObject(fields.assignee) ? optionalString(fields.assignee.accountId) : undefined;
  const unsure = type === 'agent_reply' && accountType !== 'app' && reporterId === undefined && (authorId === undefined || authorId !== assigneeId);
  if (unsure) actor = authorId === undefined ? undefined : { type: 'agent', id: authorId };
  return [
    {
      kind: 'ticket',
      type,
      externalTicketId: ticketId,
      occurredAt: requiredTime(comment.created ?? payload.timestamp, 'comment.created'),
      ...(actor === undefined ? {} : { actor }),
      data: withCreation(unsure ? { authorMayBeRequester: true } : {}, optionalTime(fields.created)),
      dedupeKey: `comment:${commentId}`,
    },
  ];
}

/**
 * Status category first: "done" is solved, or closed for a status named
 * exactly Closed. Otherwise the name decides (Waiting for customer is pending),
 * and an unknown name falls back to its category (new, else open).
 */
function statusOf(value: unknown): TicketStatus | undefined {
  if (!isObject(value)) return undefined;
  const name = optionalString(value.name);
  const category = isObject(value.statusCategory) ? optionalString(value.statusCategory.key)?.toLowerCase() : undefined;
  if (category === 'done') return name?.toLowerCase() === 'closed' ? 'closed' : 'solved';
  return statusByName(name, category);
}

function statusByName(name: string | undefined, category: string | undefined): TicketStatus | undefined {
  const known = name === undefined ? undefined : knownStatusName(name);
  if (known !== undefined && !(category !== undefined && isResolvedStatus(known))) return known;
  if (category !== undefined) return lookup(CATEGORY_STATUS, category) ?? 'open';
  return name === undefined ? undefined : 'open';
}

/** The status a name of Jira's own workflows means (`kpibot import --preset jira` reads them too); undefined for a site's own name. */
export function knownStatusName(name: string): TicketStatus | undefined {
  const normalized = name.trim().toLowerCase().replace(/\s+/g, ' ');
  const byName = lookup(STATUS_NAMES, normalized);
  if (byName !== undefined) return byName;
  return /^waiting (for|on) (the )?(customer|reporter|requester)/.test(normalized) ? 'pending' : undefined;
}

function priorityOf(value: unknown): Priority | undefined {
  return isObject(value) ? priorityByName(optionalString(value.name)) : undefined;
}

/** A priority from its name (case-insensitive); a site's own scheme gives undefined. */
export function priorityByName(name: string | undefined): Priority | undefined {
  return name === undefined ? undefined : lookup(PRIORITY_NAMES, name.toLowerCase());
}

/** Whether the issue's current value (status, priority: `{id, name}`) is the one a changelog item moved to. */
function sameValue(current: unknown, to: string | undefined, toString: string | undefined): boolean {
  if (!isObject(current)) return false;
  return (to !== undefined && optionalString(current.id) === to) || (toString !== undefined && optionalString(current.name) === toString);
}

/** A property the JSON itself holds (so `toString` is never Object.prototype's). */
function own(object_: Json, key: string): string | undefined {
  return Object.hasOwn(object_, key) ? optionalString(object_[key]) : undefined;
}

function agentOf(value: unknown): Actor | undefined {
  if (!isObject(value)) return undefined;
  const id = optionalString(value.accountId);
  const email = optionalString(value.emailAddress)?.toLowerCase();
  const name = optionalString(value.displayName);
  return { type: 'agent', ...(id === undefined ? {} : { id }), ...(email === undefined ? {} : { email }), ...(name === undefined ? {} : { name }) };
}

function customerOf(value: Json): Actor {
  const id = optionalString(value.accountId);
  return { type: 'customer', ...(id === undefined ? {} : { id }) };
}

function botOf(value: unknown): Actor {
  const id = isObject(value) ? optionalString(value.accountId) : undefined;
  return { type: 'bot', ...(id === undefined ? {} : { id }) };
}

/** Who made a change (the top-level `user`, which has no email): an app, the requester, a customer, else an agent. */
function userActor(value: unknown, fields: Json): Actor | undefined {
  if (!isObject(value)) return undefined;
  const accountType = optionalString(value.accountType);
  if (accountType === 'app') return botOf(value);
  const reporterId = isObject(fields.reporter) ? optionalString(fields.reporter.accountId) : undefined;
  const id = optionalString(value.accountId);
  if (accountType === 'customer' || (id !== undefined && id === reporterId)) return customerOf(value);
  return agentOf(value);
}

/**
 * JSM SLA fields, found by shape (`ongoingCycle` with `paused` or `breachTime.epochMillis`) and assigned by their own
 * `name` only: custom field numbers differ between sites and an unnamed SLA could be any of a project's SLAs. A paused
 * cycle (Waiting for customer...) not yet breached has no due time while it is paused (null), whatever breach time it
 * still shows: JSM's own clock has stopped, and the update that resumes it brings the new breach time.
 */
function slaDueTimes(fields: Json): { firstResponseDueAt?: number | null; resolutionDueAt?: number | null } {
  const due: { firstResponseDueAt?: number | null; resolutionDueAt?: number | null } = {};
  for (const [key, value] of Object.entries(fields)) {
    if (!key.startsWith('customfield_') || !isObject(value) || !isObject(value.ongoingCycle)) continue;
    const cycle = value.ongoingCycle;
    const breachAt = isObject(cycle.breachTime) ? optionalNumber(cycle.breachTime.epochMillis) : undefined;
    const known = breachAt !== undefined && optionalTime(breachAt) !== undefined ? breachAt : undefined;
    // A cycle that breached before it was paused stays breached (Jira reports it so): its due time stands.
    const at = cycle.paused === true && cycle.breached !== true ? null : known;
    if (at === undefined) continue;
    const name = optionalString(value.name)?.toLowerCase().replace(/\s+/g, ' ');
    if (name === FIRST_RESPONSE_SLA) due.firstResponseDueAt = at;
    else if (name === RESOLUTION_SLA) due.resolutionDueAt = at;
  }
  return due;
}

/**
 * A changelog item for a custom field whose current value has the shape of a
 * JSM satisfaction rating, `{ rating: 1..5 }`: the item by field id, or by the
 * field name "Satisfaction" when the item has no id.
 */
function satisfactionOf(item: Json, field: string, fields: Json): number | undefined {
  const score = (value: unknown) => (isObject(value) && typeof value.rating === 'number' && Number.isInteger(value.rating) && value.rating >= 1 && value.rating <= 5 ? value.rating : undefined);
  if (field.startsWith('customfield_')) return score(fields[field]);
  if (optionalString(item.fieldId) === undefined && field === 'satisfaction') {
    for (const [key, value] of Object.entries(fields)) {
      const rating = key.startsWith('customfield_') ? score(value) : undefined;
      if (rating !== undefined) return rating;
    }
  }
  return undefined;
}
