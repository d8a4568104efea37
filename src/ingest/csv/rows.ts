/**
 * One CSV row → one imported ticket → normalized ticket events.
 *
 * Dedupe keys are `csv:<ticket id>:<fact>`, so importing the same file again
 * writes nothing, and the keys say which facts a later export may add:
 * - facts that happen once keep the key of the fact alone, and the first value
 *   imported stays: `created`, `first_response`, `closed`, `escalated`,
 *   `handle_time`, `csat` / `nps` / `ces`;
 * - facts that can happen again carry their value: `resolved:<ms>` (a ticket
 *   solved again after a reopen has a new "Solved at"), `reopens:<n>`,
 *   `agent_replies:<n>` (the projection keeps the largest count).
 * Attributes that a later export shows changed (status while open, priority,
 * channel, group, assignee, requester, tags, a rating, more handle time) are
 * compared with the stored projection by the import runner, which then appends
 * a change event (see changeEvents).
 */
import { PayloadShapeError } from '../adapter.js';
import { MAX_INT, checkEvents, isResolvedStatus, type Actor, type Rating, type TicketEvent, type TicketEventData, type TicketEventType, type TicketStatus } from '../events.js';
import type { DateReader } from './dates.js';
import { parseDuration } from './dates.js';
import { isMissing, readBoolean, readCount, readRating, readTags } from './cells.js';
import { GENERIC_VALUES, type ImportField, type MappedColumn, type Mapping, type ValueReaders } from './mapping.js';

export interface ImportedTicket {
  readonly line: number;
  readonly id: string;
  readonly createdAt: number;
  readonly firstResponseAt?: number;
  /** The first solve, when the ticket was solved again later (resolvedAt): a reopening in between. */
  readonly firstResolvedAt?: number;
  readonly resolvedAt?: number;
  readonly closedAt?: number;
  /** Undefined when the column is not mapped or the cell is empty. */
  readonly status?: TicketStatus;
  readonly priority?: TicketEventData['priority'];
  readonly channel?: string;
  /** null: the column is mapped and the cell empty (no group). */
  readonly team?: string | null;
  readonly assignee?: Actor | null;
  readonly requesterId?: string;
  readonly tags?: readonly string[];
  readonly ratings: readonly Rating[];
  readonly reopens?: number;
  readonly agentReplies?: number;
  readonly escalated?: boolean;
  readonly handleTimeSeconds?: number;
}

export type RowResult =
  | { readonly ok: true; readonly ticket: ImportedTicket; readonly unknownStatus?: string; readonly requesterDropped?: boolean }
  | { readonly ok: false; readonly reason: string };

/** A requester "id" that is someone's e-mail address: not kept (no personal data is kept for customers). */
// Bounded first: the pattern backtracks over every dot, and a cell may hold megabytes (no address is over 320 characters).
const isEmailAddress = (text: string) => text.length <= 320 && /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(text);

class RowError extends Error {}

const SECOND = 1000;

/** Reads one record (already split into cells) with the mapping, statuses and priorities in `values`' words; never throws. */
export function readRow(cells: readonly string[], line: number, mapping: Mapping, dates: DateReader, values: ValueReaders = GENERIC_VALUES, latest = Number.POSITIVE_INFINITY): RowResult {
  try {
    const ticket = readTicket(cells, line, mapping, dates, values, latest);
    checkEvents(rowEvents(ticket)); // what a webhook's events must pass too (a date before 1970, say)
    const statusText = cellOf(cells, mapping, 'status');
    const requesterText = cellOf(cells, mapping, 'requester');
    return {
      ok: true,
      ticket,
      ...(statusText !== undefined && values.status(statusText) === undefined ? { unknownStatus: statusText.trim() } : {}),
      ...(requesterText !== undefined && isEmailAddress(requesterText) ? { requesterDropped: true } : {}),
    };
  } catch (error) {
    if (error instanceof RowError || error instanceof PayloadShapeError) return { ok: false, reason: error.message };
    throw error;
  }
}

/** A mapped cell's text, trimmed; undefined when the field is not mapped or the cell holds no value. */
function cellOf(cells: readonly string[], mapping: Mapping, field: ImportField): string | undefined {
  const column = mapping[field];
  if (column === undefined) return undefined;
  const value = cells[column.index];
  return isMissing(value) ? undefined : (value as string).trim();
}

/**
 * `latest`: the last instant a row's times may name (a day after the import runs): a later one is a typo or a wrong
 * column (a due date, a duration read as minutes), and would hold a ticket open or solved in the future.
 */
function readTicket(cells: readonly string[], line: number, mapping: Mapping, dates: DateReader, values: ValueReaders, latest: number): ImportedTicket {
  const bad = (field: ImportField, value: string, what: string): never => {
    const header = mapping[field]?.header ?? field;
    throw new RowError(`${field} (column "${header}") ${JSON.stringify(shorten(value))} ${what}`);
  };
  const cell = (field: ImportField): string | undefined => {
    const value = cellOf(cells, mapping, field);
    // Bytes that are not UTF-8 (a file saved as Windows-1254 or -1252) read as U+FFFD: "Ay�e" would be another agent.
    if (value?.includes('\ufffd') === true) bad(field, value, 'holds bytes that are not UTF-8 text: save the file as UTF-8 (in Excel: "CSV UTF-8") and import it again');
    return value;
  };

  const id = cell('id');
  if (id === undefined) throw new RowError(`id (column "${mapping.id?.header}") is empty`);
  if (id.length > 100) bad('id', id, 'is longer than 100 characters');

  const createdText = cell('created_at');
  if (createdText === undefined) throw new RowError(`created_at (column "${mapping.created_at?.header}") is empty`);
  const createdAt = dates.read(createdText, mapping.created_at?.zone) ?? bad('created_at', createdText, 'is not a date (see docs/import.md for the forms read)');
  const future = 'is more than a day after the import ran: a typo, or another column (a due date?)';
  if (createdAt > latest) bad('created_at', createdText, future);

  const time = (field: 'first_response_at' | 'first_resolved_at' | 'resolved_at' | 'closed_at'): number | undefined => {
    const text = cell(field);
    if (text === undefined) return undefined;
    const column = mapping[field];
    let at: number;
    if (column?.offsetUnit !== undefined) {
      const seconds = parseDuration(text, column.offsetUnit) ?? bad(field, text, `is not a duration in ${column.offsetUnit}`);
      at = createdAt + seconds * SECOND;
    } else {
      at = dates.read(text, column?.zone) ?? bad(field, text, 'is not a date (see docs/import.md for the forms read)');
    }
    // The two cells as written, in the file's own time: an instant in UTC beside a wall-clock time hides the order.
    if (at < createdAt) bad(field, text, `is before created_at ${JSON.stringify(shorten(createdText))}`);
    if (at > latest) bad(field, text, future);
    return at;
  };
  const firstResponseAt = time('first_response_at');
  const resolvedAt = time('resolved_at');
  const closedAt = time('closed_at');
  const firstResolvedAt = time('first_resolved_at');
  if (firstResolvedAt !== undefined && resolvedAt !== undefined && firstResolvedAt > resolvedAt) {
    bad('first_resolved_at', cell('first_resolved_at') ?? '', `is after resolved_at ${JSON.stringify(shorten(cell('resolved_at') ?? ''))}`);
  }
  if (resolvedAt !== undefined && closedAt !== undefined && closedAt < resolvedAt) {
    bad('closed_at', cell('closed_at') ?? '', `is before resolved_at ${JSON.stringify(shorten(cell('resolved_at') ?? ''))}`);
  }

  const statusText = cell('status');
  // A status no word of ours names (a custom one) counts as open.
  const status = statusText === undefined ? undefined : (values.status(statusText) ?? 'open');
  if (status !== undefined && isResolvedStatus(status) && resolvedAt === undefined && closedAt === undefined) {
    bad('status', statusText ?? '', 'is a resolved status but the row has no resolved_at or closed_at time');
  }

  const priorityText = cell('priority');
  const channelText = cell('channel');
  const requesterText = cell('requester');
  const requesterId = requesterText !== undefined && isEmailAddress(requesterText) ? undefined : requesterText;
  if (requesterId !== undefined && requesterId.length > 100) bad('requester', requesterId, 'is longer than 100 characters');

  const ratings: Rating[] = [];
  for (const kind of ['csat', 'nps', 'ces'] as const) {
    const text = cell(kind);
    if (text === undefined) continue;
    const rating = readRating(kind, text);
    if (rating === undefined) bad(kind, text, `is not a ${kind} rating`);
    else if (rating !== null) ratings.push(rating);
  }

  const count = (field: 'reopens' | 'agent_replies'): number | undefined => {
    const text = cell(field);
    const value = text === undefined ? undefined : (readCount(text) ?? bad(field, text, 'is not a whole number'));
    if (value !== undefined && value > MAX_INT) bad(field, text ?? '', 'is too large');
    return value;
  };
  const escalatedText = cell('escalated');
  const escalated = escalatedText === undefined ? undefined : (readBoolean(escalatedText) ?? bad('escalated', escalatedText, 'is not true or false'));
  const handleText = cell('handle_time');
  const handleTimeSeconds = handleText === undefined ? undefined : (parseDuration(handleText, mapping.handle_time?.unit) ?? bad('handle_time', handleText, 'is not a duration'));
  if (handleTimeSeconds !== undefined && handleTimeSeconds > MAX_INT) bad('handle_time', handleText ?? '', 'is too long');

  return {
    line,
    id,
    createdAt,
    ...(firstResponseAt === undefined ? {} : { firstResponseAt }),
    ...(firstResolvedAt === undefined ? {} : { firstResolvedAt }),
    ...(resolvedAt === undefined ? {} : { resolvedAt }),
    ...(closedAt === undefined ? {} : { closedAt }),
    ...(status === undefined ? {} : { status }),
    ...optional('priority', priorityText === undefined ? undefined : values.priority(priorityText)),
    ...optional('channel', channelText === undefined ? undefined : values.channel(channelText)),
    ...(mapping.group === undefined ? {} : { team: cell('group')?.slice(0, 200) ?? null }),
    ...(mapping.assignee === undefined && mapping.assignee_email === undefined ? {} : { assignee: readAssignee(cell('assignee_email'), cell('assignee'), bad) }),
    ...optional('requesterId', requesterId),
    ...(mapping.tags === undefined ? {} : { tags: readAllTags(cells, mapping.tags) }),
    ratings,
    ...optional('reopens', count('reopens')),
    ...optional('agentReplies', count('agent_replies')),
    ...optional('escalated', escalated),
    ...optional('handleTimeSeconds', handleTimeSeconds),
  };
}

/** The tags of the mapped column and of every other column of its name (one `Labels` column per label). */
function readAllTags(cells: readonly string[], column: MappedColumn): string[] {
  const texts = [column.index, ...(column.more ?? [])].map((index) => cells[index]).filter((text) => !isMissing(text));
  return texts.length <= 1 ? readTags(texts[0] ?? '') : [...new Set(texts.flatMap((text) => readTags(text as string)))].sort();
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/**
 * The assignee as an agent: known by e-mail when the file has one (so it meets
 * the same agent from webhooks and Slack), else by name (`name:<name>`).
 */
function readAssignee(email: string | undefined, name: string | undefined, bad: (field: ImportField, value: string, what: string) => never): Actor | null {
  if (email !== undefined) {
    if (!/^[^\s@]+@[^\s@]+$/.test(email)) bad('assignee_email', email, 'is not an e-mail address');
    if (email.length > 94) bad('assignee_email', email, 'is longer than 94 characters');
    return { type: 'agent', email: email.toLowerCase(), ...(name === undefined ? {} : { name: name.slice(0, 200) }) };
  }
  if (name !== undefined) return { type: 'agent', id: `name:${name.slice(0, 95)}`, name: name.slice(0, 200) };
  return null;
}

/** The key an imported assignee has in the agents table (agentKey of the projection). */
export function assigneeKey(assignee: Actor | null | undefined): string | null | undefined {
  if (assignee === undefined) return undefined;
  if (assignee === null) return null;
  return assignee.id ?? (assignee.email === undefined ? null : `email:${assignee.email.toLowerCase()}`);
}

function shorten(text: string): string {
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

function event(ticket: ImportedTicket, type: TicketEventType, occurredAt: number, data: TicketEventData, fact: string, actor?: Actor): TicketEvent {
  return { kind: 'ticket', type, externalTicketId: ticket.id, occurredAt, data, dedupeKey: `csv:${ticket.id}:${fact}`, ...(actor === undefined ? {} : { actor }) };
}

/**
 * The events a row states by itself (no knowledge of what is stored):
 * ticket_created at created_at with the attributes; agent_reply at
 * first_response_at; status_changed solved at resolved_at and closed at
 * closed_at; ratings and handle time at the resolution (else creation) time;
 * escalated at created_at (the export gives a flag, not a time); the reported
 * reopen and reply totals.
 *
 * Status: an open-like status is the status at creation. A resolved one comes
 * from the resolution events (so resolution times are real); "closed" without a
 * closed_at closes at resolved_at. An open-like status beside a resolved_at
 * means the ticket was solved and then reopened: it is solved at resolved_at
 * and reopened one second later. A resolved status with a reopen count gets a
 * reopening one second before resolved_at, so a ticket solved again since an
 * earlier import moves its resolution to the new time. A first_resolved_at
 * before resolved_at is a first solve, reopened one second later: the first
 * resolution is real and the ticket is not a first-contact resolution.
 */
export function rowEvents(ticket: ImportedTicket): TicketEvent[] {
  const { createdAt, resolvedAt, closedAt, status } = ticket;
  const resolved = status === undefined ? resolvedAt !== undefined || closedAt !== undefined : isResolvedStatus(status);
  const created: TicketEventData = {
    ...(status !== undefined && !resolved ? { status } : {}),
    // Sent by an agent (Freshdesk's outbound e-mail, as its webhook reads it): response times start at the customer's first message.
    ...(ticket.channel === 'outbound-email' ? { createdByAgent: true } : {}),
    ...optional('priority', ticket.priority),
    ...optional('channel', ticket.channel),
    ...(ticket.team ? { team: ticket.team } : {}),
    ...(ticket.assignee ? { assignee: ticket.assignee } : {}),
    ...optional('requesterId', ticket.requesterId),
    ...(ticket.tags !== undefined && ticket.tags.length > 0 ? { tags: ticket.tags } : {}),
  };
  const events = [event(ticket, 'ticket_created', createdAt, created, 'created')];
  if (ticket.firstResponseAt !== undefined) events.push(event(ticket, 'agent_reply', ticket.firstResponseAt, {}, 'first_response', { type: 'agent' }));

  const firstSolve = ticket.firstResolvedAt !== undefined && resolvedAt !== undefined && ticket.firstResolvedAt < resolvedAt - SECOND ? ticket.firstResolvedAt : undefined;
  if (firstSolve !== undefined) {
    events.push(event(ticket, 'status_changed', firstSolve, { status: 'solved' }, `first_resolved:${firstSolve}`));
    events.push(event(ticket, 'reopened', firstSolve + SECOND, {}, `reopened_after:${firstSolve}`));
  }
  if (resolved) {
    if (firstSolve === undefined && resolvedAt !== undefined && (ticket.reopens ?? 0) > 0 && resolvedAt - SECOND > createdAt) {
      events.push(event(ticket, 'reopened', resolvedAt - SECOND, {}, `reopened_before:${resolvedAt}`));
    }
    // A "solved" status ignores closed_at; "closed" without closed_at closes at resolved_at.
    const closeAt = status === 'solved' ? undefined : (closedAt ?? (status === 'closed' ? resolvedAt : undefined));
    const solveAt = resolvedAt ?? (closeAt === undefined ? closedAt : undefined);
    // Solved and closed in the same instant: the closing alone (it also resolves), so the order cannot flip them.
    if (solveAt !== undefined && solveAt !== closeAt) events.push(event(ticket, 'status_changed', solveAt, { status: 'solved' }, `resolved:${solveAt}`));
    if (closeAt !== undefined) events.push(event(ticket, 'status_changed', closeAt, { status: 'closed' }, 'closed'));
  } else if (resolvedAt !== undefined) {
    events.push(event(ticket, 'status_changed', resolvedAt, { status: 'solved' }, `resolved:${resolvedAt}`));
    events.push(event(ticket, 'reopened', resolvedAt + SECOND, { ...(status === undefined ? {} : { status }) }, `reopened_after:${resolvedAt}`));
  }

  const settledAt = resolvedAt ?? closedAt ?? createdAt;
  for (const rating of ticket.ratings) events.push(event(ticket, 'rating', settledAt, { rating }, rating.kind));
  if (ticket.handleTimeSeconds !== undefined && ticket.handleTimeSeconds > 0) {
    events.push(event(ticket, 'handle_time', settledAt, { seconds: ticket.handleTimeSeconds }, 'handle_time'));
  }
  if (ticket.escalated === true) events.push(event(ticket, 'escalated', createdAt, {}, 'escalated'));
  if (ticket.reopens !== undefined && ticket.reopens > 0) {
    events.push(event(ticket, 'fields_updated', createdAt, { reportedReopens: ticket.reopens }, `reopens:${ticket.reopens}`));
  }
  if (ticket.agentReplies !== undefined && ticket.agentReplies > 0) {
    events.push(event(ticket, 'fields_updated', createdAt, { reportedAgentReplies: ticket.agentReplies }, `agent_replies:${ticket.agentReplies}`));
  }
  return events;
}

/**
 * Why a row cannot be added to the ticket already stored: a solve before the stored creation, which would make a
 * negative resolution time (the file read another way than when it was first imported: another --date-order or
 * --timezone). Solves are the facts a later import adds as new events (a ticket solved again); its creation, first
 * reply and close happen once, and the first value imported stays. undefined when the row can be added.
 */
export function conflictWithStored(ticket: ImportedTicket, stored: Pick<StoredTicket, 'createdAt'>): string | undefined {
  const times: [string, number | undefined][] = [['first_resolved_at', ticket.firstResolvedAt], ['resolved_at', ticket.resolvedAt]];
  const early = times.find(([, at]) => at !== undefined && at < stored.createdAt);
  if (early === undefined) return undefined;
  const iso = (at: number) => new Date(at).toISOString();
  return `${early[0]} ${iso(early[1] as number)} is before the ticket's created_at already in the database (${iso(stored.createdAt)}): ` +
    'the file reads differently from when it was first imported (another --date-order or --timezone?); import it into a new --source';
}

/** What the projection currently holds for a ticket, as the change detection needs it. */
export interface StoredTicket {
  readonly createdAt: number;
  readonly updatedAt: number;
  /** Whether the helpdesk's webhooks have delivered events of this ticket (dedupe keys not of an import). */
  readonly delivered: boolean;
  readonly status: TicketStatus;
  readonly priority: string | null;
  readonly channel: string | null;
  readonly team: string | null;
  readonly requesterId: string | null;
  readonly assigneeKey: string | null;
  readonly tags: readonly string[];
  readonly handleTimeSeconds: number;
  readonly ratings: readonly { readonly kind: string; readonly scale: string; readonly score: number }[];
}

/**
 * Events for what the row says differs from the stored projection after the
 * row's own events were written: an attribute that changed since an earlier
 * import (a ticket moved from open to pending, reassigned, re-tagged), a
 * changed rating, more handle time. The export does not say when these
 * changed, so they are dated one millisecond after the ticket's latest known
 * event; each change event's key carries that time. Nothing is emitted when the
 * projection already agrees, so importing the same file again adds nothing.
 * Handle time only grows (the projection sums it); a lower value is ignored.
 * A ticket the helpdesk's webhooks deliver gets none: its events say when each
 * change happened, and an export (perhaps older than they are) would undo them.
 */
export function changeEvents(ticket: ImportedTicket, stored: StoredTicket): TicketEvent[] {
  if (stored.delivered) return [];
  const at = stored.updatedAt + 1;
  const data: { -readonly [K in keyof TicketEventData]: TicketEventData[K] } = {};
  if (ticket.status !== undefined && ticket.status !== stored.status) data.status = ticket.status;
  if (ticket.priority !== undefined && ticket.priority !== stored.priority) data.priority = ticket.priority;
  if (ticket.channel !== undefined && ticket.channel !== stored.channel) data.channel = ticket.channel;
  if (ticket.team !== undefined && (ticket.team ?? null) !== stored.team) data.team = ticket.team;
  if (ticket.requesterId !== undefined && ticket.requesterId !== stored.requesterId) data.requesterId = ticket.requesterId;
  const key = assigneeKey(ticket.assignee);
  if (key !== undefined && key !== stored.assigneeKey) data.assignee = ticket.assignee ?? null;
  if (ticket.tags !== undefined && ticket.tags.join(' ') !== [...stored.tags].sort().join(' ')) data.tags = ticket.tags;

  const events: TicketEvent[] = [];
  if (Object.keys(data).length > 0) events.push(event(ticket, 'fields_updated', at, data, `changed:${at}`));
  for (const rating of ticket.ratings) {
    const current = stored.ratings.find((candidate) => candidate.kind === rating.kind);
    if (current !== undefined && current.scale === rating.scale && current.score === rating.score) continue;
    events.push(event(ticket, 'rating', at, { rating }, `${rating.kind}:${at}`));
  }
  if (ticket.handleTimeSeconds !== undefined && ticket.handleTimeSeconds > stored.handleTimeSeconds) {
    events.push(event(ticket, 'handle_time', at, { seconds: ticket.handleTimeSeconds - stored.handleTimeSeconds }, `handle_time:${at}`));
  }
  return events;
}
