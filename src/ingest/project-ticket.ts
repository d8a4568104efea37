/**
 * The ticket projection: a pure function from a ticket's normalized events to
 * the fields the KPIs read. Events are applied in their own time order (ties
 * broken by a fixed rank of event types, then by dedupe key), so the same set of
 * events gives the same projection whatever order they arrived in.
 */
import {
  isAutomated,
  MAX_INT,
  isResolvedStatus,
  type Actor,
  type Priority,
  type Rating,
  type TicketEventData,
  type TicketEventType,
  type TicketStatus,
} from './events.js';
import { linkableUrl, oneLine } from './values.js';

/** A ticket event as read back from the event log. */
export interface LoggedTicketEvent {
  readonly type: TicketEventType;
  readonly occurredAt: number;
  readonly actor?: Actor;
  readonly data: TicketEventData;
  readonly dedupeKey: string;
}

export interface ProjectedRating extends Rating {
  readonly respondedAt: number;
  /** The assignee when the rating came in. */
  readonly agent?: Actor;
}

export interface ResponseInterval {
  /** The customer message that started the wait. */
  readonly customerAt: number;
  /** The public agent reply that ended it. */
  readonly repliedAt: number;
}

export interface TicketProjection {
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly createdByAgent: boolean;
  readonly status: TicketStatus;
  readonly priority?: Priority;
  readonly channel?: string;
  readonly team?: string;
  readonly assignee?: Actor;
  readonly tags: readonly string[];
  readonly url?: string;
  readonly requesterId?: string;
  readonly firstCustomerMessageAt?: number;
  readonly firstResponseAt?: number;
  readonly firstResolvedAt?: number;
  readonly resolvedAt?: number;
  readonly closedAt?: number;
  readonly reopenCount: number;
  readonly agentReplyCount: number;
  readonly customerMessageCount: number;
  readonly escalatedAt?: number;
  readonly escalationCount: number;
  readonly handleTimeSeconds: number;
  readonly ratings: readonly ProjectedRating[];
  readonly responseIntervals: readonly ResponseInterval[];
  /** The customer message awaiting an agent's reply, while one is: the next-reply SLA clock runs from it. */
  readonly awaitingReplySince?: number;
  /** Due times reported by the helpdesk itself, if any. */
  readonly firstResponseDueAt?: number;
  readonly resolutionDueAt?: number;
  /** Every agent seen on the ticket (repliers, assignees, raters' agents), for the agent directory. */
  readonly agents: readonly Actor[];
  /** Each status the ticket entered, from when (the first is "new" at creation): SLA pauses are read from it. */
  readonly statusHistory: readonly { readonly status: TicketStatus; readonly from: number }[];
  /** Each resolution later undone by a reopening: the backlog at a past instant leaves these spans out. */
  readonly resolvedSpans: readonly { readonly resolvedAt: number; readonly reopenedAt: number }[];
  /** Deleted (or marked as spam) in the helpdesk and not restored since: the store keeps no row for it, so no KPI counts it. */
  readonly deleted: boolean;
  /** A deletion is among its events, restored since or not: the store looks for the row id it had. */
  readonly everDeleted: boolean;
}

export interface ProjectionOptions {
  /** Moving a ticket into one of these teams (case-insensitive) is an escalation. */
  readonly escalationGroups: readonly string[];
  /** Adding this tag is an escalation. */
  readonly escalationTag: string;
}

/** How an escalation group is compared with a ticket's team: ignoring case. */
export const escalationGroupKey = (group: string): string => group.toLowerCase();

export const DEFAULT_PROJECTION_OPTIONS: ProjectionOptions = { escalationGroups: [], escalationTag: 'escalated' };

/** The projection options a configuration asks for (KPI_ESCALATION_GROUPS). */
export function projectionOptions(kpi: { readonly escalationGroups: readonly string[] }): ProjectionOptions {
  return { ...DEFAULT_PROJECTION_OPTIONS, escalationGroups: kpi.escalationGroups };
}

// Within one instant: the ticket exists first, then messages, then attribute
// changes, then the status they led to, then ratings.
const RANK: Record<TicketEventType, number> = {
  ticket_created: 0,
  fields_updated: 1,
  customer_message: 2,
  agent_reply: 3,
  internal_note: 3,
  assignee_changed: 4,
  team_changed: 4,
  priority_changed: 4,
  tags_changed: 4,
  escalated: 5,
  status_changed: 6,
  reopened: 6,
  rating: 7,
  handle_time: 7,
  ticket_deleted: 8,
  ticket_restored: 8,
};

const PRIORITY_ORDER: Record<Priority, number> = { low: 0, normal: 1, high: 2, urgent: 3 };

export function compareEvents(a: LoggedTicketEvent, b: LoggedTicketEvent): number {
  return a.occurredAt - b.occurredAt || RANK[a.type] - RANK[b.type] || compareKeys(a.dedupeKey, b.dedupeKey);
}

const KEY_RUNS = /\d+|\D+/g;

/**
 * The last tie-break: dedupe keys in natural order, their runs of digits compared as numbers, so that of two Zendesk
 * ratings in the same minute the later invocation (…:rated:8350205582 after …:rated:835020558) wins, as it would in
 * order of arrival, while the order still depends only on the events (a redelivery in any order projects the same).
 * A total order: keys are compared run by run, digit runs by value (then as text, so 007 and 7 differ), other runs
 * as text, and a digit run against another run by its first character.
 */
export function compareKeys(a: string, b: string): number {
  if (a === b) return 0;
  const runsA = a.match(KEY_RUNS) ?? [];
  const runsB = b.match(KEY_RUNS) ?? [];
  for (let i = 0; i < Math.min(runsA.length, runsB.length); i += 1) {
    const x = runsA[i] as string;
    const y = runsB[i] as string;
    if (x === y) continue;
    if (/^\d/.test(x) && /^\d/.test(y)) {
      const valueX = x.replace(/^0+(?=\d)/, '');
      const valueY = y.replace(/^0+(?=\d)/, '');
      if (valueX.length !== valueY.length) return valueX.length - valueY.length;
      if (valueX !== valueY) return valueX < valueY ? -1 : 1;
    }
    return x < y ? -1 : 1;
  }
  return runsA.length - runsB.length;
}

/**
 * An `agent_reply` the source flagged as possibly the requester's (TicketEventData.authorMayBeRequester) is the
 * customer's message when its author is the requester; any other event is as given.
 */
function requesterMessage(event: LoggedTicketEvent, requesterId: string | undefined): LoggedTicketEvent {
  if (event.type !== 'agent_reply' || event.data.authorMayBeRequester !== true || requesterId === undefined || event.actor?.id !== requesterId) return event;
  return { ...event, type: 'customer_message', actor: { ...event.actor, type: 'customer' } };
}

export function projectTicket(events: readonly LoggedTicketEvent[], options: ProjectionOptions = DEFAULT_PROJECTION_OPTIONS): TicketProjection {
  if (events.length === 0) throw new Error('a ticket projection needs at least one event');
  const ordered = [...events].sort(compareEvents);
  const escalationGroups = new Set(options.escalationGroups.map(escalationGroupKey));
  const escalationTag = options.escalationTag.toLowerCase();

  const created = ordered.find((event) => event.type === 'ticket_created');
  // Without its creation event, a ticket is as old as the helpdesk says (the earliest creation time its events
  // report), else as its first event: a conversation rated today that began months ago is not today's ticket.
  const reportedCreatedAt = created === undefined ? earliestReportedCreation(ordered) : undefined;
  // A reported creation after the first event contradicts it: the first event's time stands.
  const firstAt = (ordered[0] as LoggedTicketEvent).occurredAt;
  const createdAt = created?.occurredAt ?? (reportedCreatedAt === undefined ? firstAt : Math.min(reportedCreatedAt, firstAt));
  // Without the creation event, a later event may say the ticket was opened by an agent (Help Scout's createdBy).
  const createdByAgent = created !== undefined ? (created.data.createdByAgent ?? created.actor?.type === 'agent') : ordered.some((event) => event.data.createdByAgent === true);

  let status: TicketStatus = 'new';
  let priority: Priority | undefined;
  let channel: string | undefined;
  let team: string | undefined;
  let assignee: Actor | undefined;
  let tags = new Set<string>();
  let url: string | undefined;
  let requesterId: string | undefined;
  let firstCustomerMessageAt: number | undefined;
  let firstResponseAt: number | undefined;
  let firstResolvedAt: number | undefined;
  let resolvedAt: number | undefined;
  let closedAt: number | undefined;
  let reopenCount = 0;
  let agentReplyCount = 0;
  let customerMessageCount = 0;
  let escalatedAt: number | undefined;
  const escalationInstants = new Set<number>();
  let handleTimeSeconds = 0;
  const ratings = new Map<string, ProjectedRating>();
  const responseIntervals: ResponseInterval[] = [];
  let waitingSince: number | undefined;
  let firstResponseDueAt: number | undefined;
  let resolutionDueAt: number | undefined;
  let reportedReopens = 0;
  let reportedAgentReplies = 0;
  const agents = new Map<string, Actor>();
  const statusHistory: { status: TicketStatus; from: number }[] = [{ status: 'new', from: createdAt }];
  const resolvedSpans: { resolvedAt: number; reopenedAt: number }[] = [];
  let deleted = false;
  // A ticket known only from later events, with its creation time reported: the customer has waited since then
  // (as for a customer's ticket whose creation was seen), so the first wait and first response are measured from it;
  // unless an agent opened it, when the wait starts at the customer's first message, as it would have.
  if (reportedCreatedAt !== undefined && !createdByAgent) {
    firstCustomerMessageAt = createdAt;
    waitingSince = createdAt;
  }

  const noteAgent = (actor: Actor | undefined | null) => {
    if (actor?.type !== 'agent') return;
    const key = agentKey(actor);
    if (key !== undefined) agents.set(key, { ...agents.get(key), ...actor });
  };
  const escalate = (at: number) => {
    escalationInstants.add(at);
    escalatedAt ??= at;
  };
  const setStatus = (next: TicketStatus, at: number) => {
    const wasResolved = isResolvedStatus(status);
    if (isResolvedStatus(next) && !wasResolved) {
      resolvedAt = at;
      firstResolvedAt ??= at;
      waitingSince = undefined; // solved without a further reply: nobody is waiting
    } else if (!isResolvedStatus(next) && wasResolved) {
      reopenCount += 1;
      if (resolvedAt !== undefined && at > resolvedAt) resolvedSpans.push({ resolvedAt, reopenedAt: at });
      resolvedAt = undefined;
      closedAt = undefined;
    }
    if (next === 'closed' && status !== 'closed') closedAt = at;
    if (next !== status) statusHistory.push({ status: next, from: Math.max(at, createdAt) });
    status = next;
  };
  const applyAttributes = (data: TicketEventData, at: number, isCreation: boolean) => {
    if (data.channel !== undefined) channel = data.channel;
    // A link Slack could not show safely is not kept; the last good one stays.
    if (data.url !== undefined) url = linkableUrl(data.url) ?? url;
    if (data.requesterId !== undefined) requesterId = data.requesterId;
    if (data.firstResponseDueAt !== undefined) firstResponseDueAt = data.firstResponseDueAt ?? undefined;
    if (data.resolutionDueAt !== undefined) resolutionDueAt = data.resolutionDueAt ?? undefined;
    if (data.reportedReopens !== undefined) reportedReopens = Math.max(reportedReopens, data.reportedReopens);
    if (data.reportedAgentReplies !== undefined) reportedAgentReplies = Math.max(reportedAgentReplies, data.reportedAgentReplies);
    if (data.priority !== undefined) {
      // Raised to urgent: from a lower priority, or from none once the ticket exists (as a move from no team into an
      // escalation group counts); not at creation, nor when the creation is unknown (its first event may be its first word).
      const raised = priority !== undefined ? PRIORITY_ORDER[priority] < PRIORITY_ORDER.urgent : !isCreation && created !== undefined && at > createdAt;
      if (data.priority === 'urgent' && raised) escalate(at);
      priority = data.priority;
    }
    if (data.team !== undefined) {
      // One line, as stored and shown: the same name for SLA policies, calendars and escalation groups as for filters.
      const next = data.team === null ? undefined : oneLine(data.team, 200);
      if (!isCreation && next !== undefined && escalationGroups.has(escalationGroupKey(next)) && (team === undefined || !escalationGroups.has(escalationGroupKey(team)))) {
        escalate(at);
      }
      team = next;
    }
    if (data.assignee !== undefined) {
      assignee = data.assignee ?? undefined;
      noteAgent(data.assignee);
    }
    if (data.tags !== undefined || data.addedTags !== undefined || data.removedTags !== undefined) {
      const next = data.tags !== undefined ? new Set(data.tags.map(normalizeTag)) : new Set(tags);
      for (const tag of data.addedTags ?? []) next.add(normalizeTag(tag));
      for (const tag of data.removedTags ?? []) next.delete(normalizeTag(tag));
      if (next.has(escalationTag) && !tags.has(escalationTag)) escalate(at);
      tags = next;
    }
    if (data.status !== undefined) setStatus(data.status, at);
  };

  // The requester as the ticket's events last name them, read before the walk: a reply that may be theirs is placed
  // by it wherever it falls, even before the event that names the requester.
  const knownRequester = ordered.findLast((event) => event.data.requesterId !== undefined)?.data.requesterId;
  for (const given of ordered) {
    const event = requesterMessage(given, knownRequester);
    const at = event.occurredAt;
    noteAgent(event.actor);
    switch (event.type) {
      case 'ticket_created':
        // A customer's ticket (also one an agent logged for a customer, e.g. by phone) starts a wait.
        if (!createdByAgent) {
          firstCustomerMessageAt ??= at;
          waitingSince ??= at;
        }
        applyAttributes(event.data, at, true);
        break;
      case 'customer_message':
        customerMessageCount += 1;
        firstCustomerMessageAt ??= at;
        waitingSince ??= at;
        applyAttributes(event.data, at, false);
        break;
      case 'agent_reply':
        if (!isAutomated(event.actor)) {
          agentReplyCount += 1;
          const responseStart = createdByAgent ? firstCustomerMessageAt : createdAt;
          if (firstResponseAt === undefined && responseStart !== undefined && (createdByAgent ? at >= responseStart : true)) {
            firstResponseAt = Math.max(at, responseStart);
          }
          if (waitingSince !== undefined) {
            responseIntervals.push({ customerAt: waitingSince, repliedAt: Math.max(at, waitingSince) });
            waitingSince = undefined;
          }
        }
        applyAttributes(event.data, at, false);
        break;
      case 'reopened':
        if (isResolvedStatus(status)) setStatus('open', at);
        applyAttributes(event.data, at, false);
        break;
      case 'escalated':
        escalate(at);
        applyAttributes(event.data, at, false);
        break;
      case 'rating': {
        const rating = event.data.rating;
        if (rating !== undefined) ratings.set(rating.kind, { ...rating, respondedAt: at, ...(assignee === undefined ? {} : { agent: assignee }) });
        // The ticket's state sent with the rating (a conversation closed before it was rated) applies, after the rating.
        applyAttributes(event.data, at, false);
        break;
      }
      case 'handle_time':
        // Within the column's integer (PostgreSQL's refuses more, which would refuse the delivery for good): 829 events of 30 days.
        handleTimeSeconds = Math.min(MAX_INT, handleTimeSeconds + Math.max(0, Math.round(event.data.seconds ?? 0)));
        break;
      case 'ticket_deleted':
        deleted = true;
        break;
      case 'ticket_restored':
        deleted = false;
        applyAttributes(event.data, at, false);
        break;
      default:
        applyAttributes(event.data, at, false);
    }
  }

  const last = ordered[ordered.length - 1] as LoggedTicketEvent;
  return {
    createdAt,
    updatedAt: last.occurredAt,
    createdByAgent,
    status,
    priority,
    channel,
    team,
    assignee,
    tags: [...tags].sort(),
    url,
    requesterId,
    firstCustomerMessageAt,
    firstResponseAt,
    firstResolvedAt,
    resolvedAt,
    closedAt,
    reopenCount: Math.max(reopenCount, reportedReopens),
    agentReplyCount: Math.max(agentReplyCount, reportedAgentReplies),
    customerMessageCount,
    escalatedAt,
    escalationCount: escalationInstants.size,
    handleTimeSeconds,
    ratings: [...ratings.values()],
    responseIntervals,
    awaitingReplySince: waitingSince,
    firstResponseDueAt,
    resolutionDueAt,
    agents: [...agents.values()],
    statusHistory,
    resolvedSpans,
    // Known only from deletions and restores (a restore of a ticket never seen): nothing to count.
    deleted: deleted || ordered.every((event) => event.type === 'ticket_deleted' || event.type === 'ticket_restored'),
    everDeleted: ordered.some((event) => event.type === 'ticket_deleted'),
  };
}

/** The earliest creation time a ticket's events report (`ticketCreatedAt`), if any does. */
function earliestReportedCreation(events: readonly LoggedTicketEvent[]): number | undefined {
  let earliest: number | undefined;
  for (const event of events) {
    const at = event.data.ticketCreatedAt;
    if (at !== undefined && (earliest === undefined || at < earliest)) earliest = at;
  }
  return earliest;
}

/** The key an agent is known by within a source: its helpdesk id, else its email. */
export function agentKey(actor: Actor): string | undefined {
  if (actor.id !== undefined && actor.id !== '') return actor.id;
  if (actor.email !== undefined && actor.email !== '') return `email:${actor.email.toLowerCase()}`;
  return undefined;
}

function normalizeTag(tag: string): string {
  return tag.trim().toLowerCase();
}
