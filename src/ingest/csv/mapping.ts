/**
 * Which CSV column feeds which of our fields. In order of precedence:
 * 1. `--map field=Header`: the exact header name;
 * 2. a preset (zendesk, freshdesk, zohodesk, jira, intercom): the vendor's export headers,
 *    matched case-insensitively, first candidate found wins; a candidate also matches
 *    the same header followed by a time zone, `Conversation started at (Asia/Jakarta)`;
 * 3. automatic: a header equal to the field name ignoring case, spaces,
 *    underscores and dashes ("Created At", "created_at", "first-response-at").
 * `id` and `created_at` must end up mapped. Tags are read from every column
 * with the chosen header's name (Jira writes one `Labels` column per label).
 * A time column whose header ends in an IANA zone in brackets (Intercom writes
 * its workspace's zone there) is read in that zone: headerZone.
 */
import { UsageError } from '../../errors.js';
import { headerUnit, type DurationUnit } from './dates.js';
import { readChannel, readPriority, readStatus } from './cells.js';
import { channelOf } from '../zendesk.js';
import { freshdeskChannel } from '../freshdesk.js';
import { knownStatusName, priorityByName } from '../jira.js';
import { INTERCOM_PRIORITIES, INTERCOM_STATES } from '../intercom.js';
import type { Priority, TicketStatus } from '../events.js';

export const IMPORT_FIELDS = [
  'id', 'created_at', 'first_response_at', 'first_resolved_at', 'resolved_at', 'closed_at', 'status', 'priority', 'channel', 'group',
  'assignee_email', 'assignee', 'requester', 'csat', 'nps', 'ces', 'reopens', 'agent_replies', 'escalated',
  'handle_time', 'tags',
] as const;
export type ImportField = (typeof IMPORT_FIELDS)[number];

export const REQUIRED_FIELDS: readonly ImportField[] = ['id', 'created_at'];
/** Fields holding a time; a column whose header names a unit ("… in minutes") holds a duration after created_at instead. */
export const TIME_FIELDS: readonly ImportField[] = ['created_at', 'first_response_at', 'first_resolved_at', 'resolved_at', 'closed_at'];

export function isImportField(name: string): name is ImportField {
  return (IMPORT_FIELDS as readonly string[]).includes(name);
}

export const PRESET_NAMES = ['zendesk', 'freshdesk', 'zohodesk', 'jira', 'intercom'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

export function isPresetName(name: string): name is PresetName {
  return (PRESET_NAMES as readonly string[]).includes(name);
}

/**
 * The vendors' ticket-export headers (see docs/import.md for the sources and
 * what is left out). Candidates are tried in order, case-insensitively.
 */
export const PRESETS: Record<PresetName, Partial<Record<ImportField, readonly string[]>>> = {
  zendesk: {
    id: ['Id'],
    created_at: ['Created at'],
    // Calendar minutes from creation to the first public reply; empty when none.
    first_response_at: ['First reply time in minutes'],
    resolved_at: ['Solved at'],
    status: ['Status'],
    priority: ['Priority'],
    channel: ['Via'],
    group: ['Group'],
    assignee: ['Assignee'],
    requester: ['Requester id'],
    tags: ['Tags'],
    reopens: ['Reopens'],
    agent_replies: ['Replies'],
    csat: ['Satisfaction Score'],
  },
  freshdesk: {
    id: ['Ticket ID'],
    created_at: ['Created time'],
    first_response_at: ['Initial response time'],
    resolved_at: ['Resolved time'],
    closed_at: ['Closed time'],
    status: ['Status'],
    priority: ['Priority'],
    channel: ['Source'],
    group: ['Group'],
    assignee: ['Agent'],
    requester: ['Contact ID'],
    tags: ['Tags'],
    agent_replies: ['Agent interactions'],
    csat: ['Survey results'],
    handle_time: ['Time tracked'],
  },
  zohodesk: {
    id: ['ID', 'Ticket Id'],
    created_at: ['Created Time', 'Created Time (Ticket)'],
    // Zoho's report exports name a column "Field (Module)": `Status (Ticket)`.
    closed_at: ['Ticket Closed Time', 'Ticket Closed Time (Ticket)', 'Closed Time'],
    status: ['Status', 'Status (Ticket)'],
    priority: ['Priority', 'Priority (Ticket)'],
    channel: ['Channel'],
    group: ['Department'],
    assignee: ['Ticket Owner'],
    requester: ['Contact ID'],
    tags: ['Tags'],
    escalated: ['Is Escalated'],
    csat: ['Happiness Rating'],
  },
  jira: {
    // The numeric issue id, as the webhook names the ticket (the key changes when an issue moves project).
    id: ['Issue id'],
    created_at: ['Created'],
    resolved_at: ['Resolved'],
    status: ['Status'],
    priority: ['Priority'],
    assignee: ['Assignee'],
    requester: ['Reporter Id'],
    tags: ['Labels'],
    csat: ['Satisfaction rating', 'Custom field (Satisfaction)', 'Satisfaction'],
  },
  // Intercom's Conversations dataset (Reports → Export, or the reporting data export API). Its time headers end in
  // the workspace's zone, `Conversation started at (America/New_York)`, and its durations are in seconds.
  intercom: {
    // The id the webhook names the conversation by.
    id: ['Conversation ID'],
    created_at: ['Conversation started at', 'Conversation created at'],
    // The timestamp: its `First response time (seconds)` is counted from another instant (the first contact reply).
    first_response_at: ['Conversation first replied at'],
    // First and last close differ: closed, reopened, closed again (not a first-contact resolution).
    first_resolved_at: ['Conversation first closed at'],
    resolved_at: ['Conversation last closed at'],
    status: ['Current conversation state'],
    priority: ['Conversation priority'],
    channel: ['Channel'],
    group: ['Team currently assigned'],
    assignee: ['Teammate currently assigned'],
    tags: ['Conversation tag'],
    csat: ['Last teammate rating'],
    handle_time: ['Handling time (seconds)'],
  },
};

/** How a cell's words become a status and a priority. */
export interface ValueReaders {
  /** undefined for a word it does not know: the row counts as open, and the summary names the word. */
  status(text: string): TicketStatus | undefined;
  priority(text: string): Priority | undefined;
  /** A channel name, at most 50 characters (the column's size). */
  channel(text: string): string | undefined;
}

export const GENERIC_VALUES: ValueReaders = { status: readStatus, priority: readPriority, channel: readChannel };

/**
 * A preset whose vendor names statuses and priorities its own way reads them as that vendor's webhook does,
 * so an imported ticket and a delivered one agree (Jira: `Waiting for support` is open, `Canceled` solved,
 * `Major` normal); words the webhook does not know fall back to the generic ones.
 */
export const PRESET_VALUES: Readonly<Partial<Record<PresetName, ValueReaders>>> = {
  // Channels as each webhook names them: Zendesk's `Web service (API)` is `api`, Freshdesk's `Outbound Email` `outbound-email`.
  zendesk: { ...GENERIC_VALUES, channel: (text) => channelOf(readChannel(text))?.slice(0, 50) },
  freshdesk: { ...GENERIC_VALUES, channel: (text) => freshdeskChannel(readChannel(text))?.slice(0, 50) },
  jira: {
    ...GENERIC_VALUES,
    status: (text) => knownStatusName(text) ?? readStatus(text),
    priority: (text) => priorityByName(text.trim()) ?? readPriority(text),
  },
  // As the Intercom webhook reads them: closed is solved, snoozed on hold; `Not priority` is normal.
  intercom: {
    ...GENERIC_VALUES,
    status: (text) => INTERCOM_STATES[vocabularyWord(text)] ?? readStatus(text),
    priority: (text) => INTERCOM_PRIORITIES[vocabularyWord(text)] ?? readPriority(text),
  },
};

/** `Not Priority`, `not_priority` → `not_priority`: a vendor's value as its API spells it. */
const vocabularyWord = (text: string) => text.trim().toLowerCase().replace(/[\s-]+/g, '_');

export interface MappedColumn {
  readonly header: string;
  readonly index: number;
  /** Where the choice came from. */
  readonly via: 'map' | 'preset' | 'auto';
  /** For a time field: the column holds a duration after created_at, in this unit for bare numbers. */
  readonly offsetUnit?: DurationUnit;
  /** For handle_time: the unit of bare numbers. */
  readonly unit: DurationUnit;
  /** For tags: the other columns of the same name, read too. */
  readonly more?: readonly number[];
  /** The IANA zone the header names (`… (Asia/Jakarta)`): its times are read in it. */
  readonly zone?: string;
}

export type Mapping = Readonly<Partial<Record<ImportField, MappedColumn>>>;

export interface MappingRequest {
  readonly preset?: PresetName;
  /** field → exact header, from --map. */
  readonly map: Readonly<Partial<Record<ImportField, string>>>;
}

const squash = (text: string) => text.trim().toLowerCase().replace(/[\s_-]+/g, '');

export function resolveMapping(headers: readonly string[], request: MappingRequest): Mapping {
  const mapping: Partial<Record<ImportField, MappedColumn>> = {};
  const column = (field: ImportField, index: number, via: MappedColumn['via']): MappedColumn => {
    const header = headers[index] as string;
    const unit = headerUnit(header);
    const offsetUnit = TIME_FIELDS.includes(field) && field !== 'created_at' && unit !== undefined ? unit : undefined;
    const zone = TIME_FIELDS.includes(field) ? headerZone(header) : undefined;
    const named = zoneLike(header);
    if (TIME_FIELDS.includes(field) && zone === undefined && named !== undefined) {
      throw new UsageError(`${field}: column "${header}" names the time zone "${named}", which is not an IANA time zone (e.g. Asia/Jakarta, America/New_York, UTC)`);
    }
    return { header, index, via, unit: unit ?? 'seconds', ...(offsetUnit === undefined ? {} : { offsetUnit }), ...(zone === undefined ? {} : { zone }) };
  };

  for (const field of IMPORT_FIELDS) {
    const wanted = request.map[field];
    if (wanted === undefined) continue;
    const index = headers.indexOf(wanted);
    if (index < 0) {
      throw new UsageError(`--map ${field}=${wanted}: the file has no column "${wanted}" (names are exact); its columns are ${listHeaders(headers)}`);
    }
    mapping[field] = column(field, index, 'map');
  }
  if (request.preset !== undefined) {
    const lowered = headers.map((header) => header.trim().toLowerCase());
    for (const [field, candidates] of Object.entries(PRESETS[request.preset]) as [ImportField, readonly string[]][]) {
      if (mapping[field] !== undefined) continue;
      const index = candidates.map((candidate) => presetColumn(headers, lowered, candidate)).find((found) => found >= 0);
      if (index !== undefined) mapping[field] = column(field, index, 'preset');
    }
  }
  const squashed = headers.map(squash);
  for (const field of IMPORT_FIELDS) {
    if (mapping[field] !== undefined) continue;
    const index = squashed.indexOf(squash(field));
    if (index >= 0) mapping[field] = column(field, index, 'auto');
  }

  // A column read by a field whose header another column repeats: which of the two holds the field cannot be told.
  // Not tags, which read every column of their name (Jira exports one Labels column per label).
  for (const [field, mapped] of Object.entries(mapping) as [ImportField, MappedColumn][]) {
    if (field === 'tags') continue;
    const twin = headers.findIndex((header, index) => index !== mapped.index && header.trim().toLowerCase() === mapped.header.trim().toLowerCase());
    if (twin >= 0) {
      const [first, second] = [mapped.index, twin].sort((a, b) => a - b).map((index) => index + 1);
      throw new UsageError(`${field}: the header names "${mapped.header}" twice (columns ${String(first)} and ${String(second)}), so which one holds ${field} cannot be told: rename one of them in the file`);
    }
  }

  const tags = mapping.tags;
  if (tags !== undefined) {
    const name = tags.header.trim().toLowerCase();
    const more = headers.flatMap((header, index) => (index !== tags.index && header.trim().toLowerCase() === name ? [index] : []));
    if (more.length > 0) mapping.tags = { ...tags, more };
  }

  const missing = REQUIRED_FIELDS.filter((field) => mapping[field] === undefined);
  if (missing.length > 0) {
    const how = request.preset === undefined ? 'use --map field=Header or --preset' : `the ${request.preset} preset found none; use --map field=Header`;
    throw new UsageError(`no column for ${missing.join(' and ')} (${how}); the file's columns are ${listHeaders(headers)}`);
  }
  return mapping;
}

/** Where a preset's candidate header is: exactly (ignoring case), else followed by a zone, `… (Europe/Istanbul)`; -1 if nowhere. */
function presetColumn(headers: readonly string[], lowered: readonly string[], candidate: string): number {
  const exact = lowered.indexOf(candidate.toLowerCase());
  if (exact >= 0) return exact;
  const prefix = `${candidate.toLowerCase()} (`;
  // A zone that is not one is still this column: column() refuses it, naming the zone, rather than leaving it unmapped.
  return lowered.findIndex((header, index) => header.startsWith(prefix) && zoneLike(headers[index] as string) !== undefined);
}

/** What a header's closing brackets hold when it looks like a time zone (`Area/City`, `UTC`, `GMT+7`), valid or not. */
function zoneLike(header: string): string | undefined {
  return /\(([A-Za-z_]+\/[A-Za-z0-9_/+-]+|UTC|GMT|(?:UTC|GMT)[+-]\d{1,2}(?::?\d{2})?)\)\s*$/i.exec(header)?.[1];
}

/** The IANA zone at the end of a header, `Conversation started at (America/Sao_Paulo)` → `America/Sao_Paulo`. */
export function headerZone(header: string): string | undefined {
  const named = zoneLike(header);
  if (named === undefined) return undefined;
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: named }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

/** The file's headers for an error message: quoted, at most 40 of them. */
export function listHeaders(headers: readonly string[]): string {
  if (headers.length === 0) return '(none)';
  const shown = headers.slice(0, 40).map((header) => JSON.stringify(header)).join(', ');
  return headers.length > 40 ? `${shown} and ${headers.length - 40} more` : shown;
}

/** "id ← Id, created_at ← Created at, …" for the summary. */
export function describeMapping(mapping: Mapping): string {
  return IMPORT_FIELDS.flatMap((field) => {
    const column = mapping[field];
    if (column === undefined) return [];
    const offset = column.offsetUnit === undefined ? '' : ` (${column.offsetUnit} after created_at)`;
    return [`${field} ← ${JSON.stringify(column.header)}${offset}`];
  }).join(', ');
}
