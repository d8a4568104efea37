/**
 * Reads what the projection holds for a batch of tickets: for change detection
 * (rows.ts changeEvents) and to tell new, updated and unchanged tickets apart
 * by comparing a fingerprint of the projection before and after a batch.
 */
import type { Knex } from 'knex';
import type { TicketStatus } from '../ingest/events.js';
import type { StoredTicket } from '../ingest/csv/rows.js';
import { engineOf, type Database } from './database.js';

export interface StoredState extends StoredTicket {
  /** Everything the projection shows for the ticket (ticket row, tags, ratings), as one string. */
  readonly fingerprint: string;
}

type Reader = Knex | Knex.Transaction;

interface TicketRow extends Record<string, unknown> {
  external_id: string;
  created_at: number;
  updated_at: number;
  status: TicketStatus;
  priority: string | null;
  channel: string | null;
  team: string | null;
  requester_id: string | null;
  handle_time_seconds: number;
  assignee_key: string | null;
}

export async function readStored(db: Reader, source: string, externalIds: readonly string[]): Promise<Map<string, StoredState>> {
  const states = new Map<string, StoredState>();
  if (externalIds.length === 0) return states;
  const ids = [...new Set(externalIds)];
  const rows = (await db('tickets as t')
    .leftJoin('agents as a', 'a.id', 't.assignee_agent_id')
    .where('t.source', source)
    .whereIn('t.external_id', ids)
    .select('t.*', 'a.external_id as assignee_key')) as TicketRow[];
  if (rows.length === 0) return states;
  const tags = (await db('ticket_tags as g')
    .join('tickets as t', 't.id', 'g.ticket_id')
    .where('t.source', source)
    .whereIn('t.external_id', ids)
    .select('t.external_id', 'g.tag')) as { external_id: string; tag: string }[];
  const ratings = (await db('survey_responses as s')
    .join('tickets as t', 't.id', 's.ticket_id')
    .where('t.source', source)
    .whereIn('t.external_id', ids)
    .select('t.external_id', 's.kind', 's.scale', 's.score', 's.responded_at', 's.agent_id')) as {
    external_id: string;
    kind: string;
    scale: string;
    score: number;
    responded_at: number;
    agent_id: number | null;
  }[];

  // Tickets with an event a webhook delivered: any whose key is not an import's (`csv:`).
  const delivered = new Set(
    ((await db('ticket_events')
      .where('source', source)
      .whereIn('external_ticket_id', rows.map((row) => row.external_id))
      .whereNot('dedupe_key', 'like', 'csv:%')
      .distinct('external_ticket_id')) as { external_ticket_id: string }[]).map((row) => row.external_ticket_id),
  );
  const tagsOf = new Map<string, string[]>();
  for (const row of tags) {
    const list = tagsOf.get(row.external_id);
    if (list === undefined) tagsOf.set(row.external_id, [row.tag]);
    else list.push(row.tag);
  }
  const ratingsOf = new Map<string, typeof ratings>();
  for (const row of ratings) {
    const list = ratingsOf.get(row.external_id);
    if (list === undefined) ratingsOf.set(row.external_id, [row]);
    else list.push(row);
  }

  for (const row of rows) {
    const { id: _id, projected_at: _projectedAt, ...shown } = row;
    const ticketTags = (tagsOf.get(row.external_id) ?? []).sort();
    const ticketRatings = (ratingsOf.get(row.external_id) ?? []).map(({ external_id: _e, ...rating }) => rating).sort((a, b) => (a.kind < b.kind ? -1 : 1));
    states.set(row.external_id, {
      createdAt: Number(row.created_at),
      updatedAt: Number(row.updated_at),
      delivered: delivered.has(row.external_id),
      status: row.status,
      priority: row.priority,
      channel: row.channel,
      team: row.team,
      requesterId: row.requester_id,
      assigneeKey: row.assignee_key,
      tags: ticketTags,
      handleTimeSeconds: Number(row.handle_time_seconds),
      ratings: ticketRatings.map((rating) => ({ kind: rating.kind, scale: rating.scale, score: Number(rating.score) })),
      fingerprint: JSON.stringify([Object.keys(shown).sort().map((key) => [key, shown[key]]), ticketTags, ticketRatings]),
    });
  }
  return states;
}

/** Which of these dedupe keys the event log of `source` already holds. */
export async function existingKeys(db: Reader, source: string, keys: readonly string[]): Promise<Set<string>> {
  const found = new Set<string>();
  for (let start = 0; start < keys.length; start += 1000) {
    const rows = (await db('ticket_events').where({ source }).whereIn('dedupe_key', keys.slice(start, start + 1000)).pluck('dedupe_key')) as string[];
    for (const key of rows) found.add(key);
  }
  return found;
}

/**
 * PostgreSQL plans from table statistics, which autovacuum refreshes only now
 * and then: while a big import grows the tables from nothing, the planner still
 * believes they are tiny and reads every row of the source to find a batch's
 * tickets. So the importer refreshes them each time the rows written double.
 * (SQLite needs no statistics to use the unique indexes.) A failure (no
 * permission) only costs speed.
 */
export async function refreshImportStatistics(db: Database): Promise<void> {
  if (engineOf(db) !== 'postgres') return;
  try {
    await db.raw('ANALYZE ticket_events, tickets, ticket_tags, survey_responses, agents');
  } catch {
    // Statistics are an optimisation.
  }
}
