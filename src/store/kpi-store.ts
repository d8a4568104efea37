/**
 * The SQL behind the KPIs: every aggregate runs in the database (counts, sums,
 * and percentiles through a window function that both engines have), never by
 * loading tickets into memory. Each method returns plain numbers; src/kpi turns
 * them into measures. Times are epoch ms; durations come back in seconds.
 */
import type { Knex } from 'knex';
import { engineOf, independently, readerOf, type Database } from './database.js';
import { interpolate, quantileRanks } from '../kpi/formulas.js';
import { locateRanks } from '../kpi/duration-buckets.js';
import { matchKey } from '../kpi/sla.js';
import type { GroupedResponseKey, TicketListKind } from '../kpi/request-words.js';
import { PRIORITIES, SURVEY_SCALES, type Priority } from '../ingest/events.js';

export interface TicketFilters {
  readonly team?: string;
  readonly priority?: string;
  readonly channel?: string;
  readonly source?: string;
  /** An agent's email, helpdesk id, name or Slack user id. */
  readonly agent?: string;
  readonly tag?: string;
}

/** Filters on names, which a typo can make match nothing (priority is checked as it is read; source is a word of ours). */
const NAME_FILTERS = ['team', 'agent', 'channel', 'tag'] as const;
/** At most this many known values are read to suggest one. */
const CANDIDATES = 2000;

/** A name filter that matched no ticket, and the values it could have meant. */
export interface FilterMiss {
  readonly key: (typeof NAME_FILTERS)[number];
  readonly value: string;
  readonly candidates: readonly string[];
}

export interface Range {
  readonly from: number;
  readonly to: number;
}

export interface DurationStats {
  readonly n: number;
  readonly mean: number | null;
  readonly median: number | null;
  readonly p90: number | null;
}

export interface OpenTicketRow {
  readonly source: string;
  readonly externalId: string;
  readonly url: string | null;
  readonly createdAt: number;
  readonly priority: string | null;
  readonly team: string | null;
}

type Builder = Knex.QueryBuilder;

/** The ticket fields a breakdown can split by. */
export type BreakdownKey = 'team' | 'priority' | 'channel' | 'source' | 'agent';

/** For each breakdown field: the expression rows are grouped by (what its filter compares) and the one they are labelled with. */
const BREAKDOWN_COLUMNS: Record<BreakdownKey, readonly [string, string]> = {
  team: ['t.team_key', 't.team'],
  priority: ['t.priority', 't.priority'],
  // Grouped as stored, then merged by their lower case here (SQLite's lower() changes A-Z alone).
  channel: ['t.channel', 't.channel'],
  source: ['t.source', 't.source'],
  // Read back as the agent's e-mail address (else helpdesk id) below: what `agent:` matches.
  agent: ['t.assignee_agent_id', 't.assignee_agent_id'],
};

/**
 * The fields whose `response` breakdown rows are computed in one grouped read (responseMedians). Not a channel: its
 * filter compares SQL's lower(), which the engines differ on beyond A-Z, so its rows stay one filtered read each.
 */

/** A value a breakdown shows a row for: as a filter reads it back, the name to show (an agent's), and how active it was. */
export interface BreakdownValue {
  readonly value: string;
  /** An agent's name, and their Slack user when linked. */
  readonly name?: string;
  readonly slackUserId?: string;
  /** An agent known by a helpdesk id alone: the helpdesk, which the row's filters add (`agent:7 source:zendesk`). */
  readonly source?: string;
  readonly active: number;
}

/** The durations the projection stores with their bucket: `<name>_ms`, `<name>_bucket` (migration 20261122000021). */
type BucketedDuration = 'first_response' | 'resolution';

/**
 * Milliseconds to seconds as a double on both engines: `double precision` is a
 * PostgreSQL float8 and, by SQLite's affinity rules ("DOUB"), a SQLite REAL.
 * (Dividing by 1000.0 would make PostgreSQL compute and sort in slow NUMERIC.)
 */
const seconds = (millis: string) => `cast(${millis} as double precision) / 1000`;

/** Spelled exactly as the partial index's predicate (migration 20261122000009), so planners use it; for `tickets as t`. */
export const OPEN_STATUS_SQL = "t.status in ('new', 'open', 'pending', 'on-hold')";

/** At instant `?` (bound twice): the first reply was due before it and had not come by then. */
const FIRST_REPLY_LATE = '(t.first_response_at is null or t.first_response_at >= ?) and t.first_response_due_at + 0 < ?';

/** A response wait (`ticket_response_intervals as r`) in whole milliseconds. */
const RESPONSE_WAIT_MS = '(r.replied_at - r.customer_at)';

const hasFilters = (filters: TicketFilters) => Object.values(filters).some((value) => value !== undefined);

export class KpiStore {
  private readonly db: Database;

  /** Reads through the database's report connections (readerOf): on a SQLite file, beside the writer. */
  constructor(db: Database) {
    this.db = readerOf(db);
  }

  /**
   * `tickets as t`, narrowed by the filters. `teamIndex: false` for reads that an index of their own narrows better
   * than the team's (team_key, created_at), which SQLite would otherwise walk through the team's whole history.
   */
  private tickets(filters: TicketFilters, options: { teamIndex?: boolean } = {}): Builder {
    const query = this.db('tickets as t');
    // Names compare by their stored keys (matchKey): SQL's lower() differs between the engines beyond A-Z.
    if (filters.team !== undefined) {
      // SQLite's unary `+` keeps its planner off the index; PostgreSQL's planner weighs the indexes by its statistics.
      if (options.teamIndex === false && engineOf(this.db) === 'sqlite') void query.whereRaw('+t.team_key = ?', [matchKey(filters.team)]);
      else void query.where('t.team_key', matchKey(filters.team));
    }
    if (filters.priority !== undefined) void query.where('t.priority', filters.priority.toLowerCase());
    if (filters.channel !== undefined) void query.whereRaw('lower(t.channel) = ?', [filters.channel.toLowerCase()]);
    if (filters.source !== undefined) void query.where('t.source', filters.source.toLowerCase());
    if (filters.tag !== undefined) {
      void query.whereExists((sub) => sub.select(this.db.raw('1')).from('ticket_tags as g').whereRaw('g.ticket_id = t.id').andWhere('g.tag', filters.tag?.toLowerCase() ?? ''));
    }
    if (filters.agent !== undefined) {
      const who = filters.agent.toLowerCase().replace(/^@/, '');
      void query.whereIn(
        't.assignee_agent_id',
        this.db('agents').select('id').where((inner) => {
          void inner.where('email', who).orWhere('external_id', filters.agent ?? '').orWhere('name_key', matchKey(who)).orWhere('slack_user_id', filters.agent ?? '');
        }),
      );
    }
    return query;
  }

  private async count(query: Builder): Promise<number> {
    const row = (await query.count({ n: '*' }).first()) as { n: number | string } | undefined;
    return Number(row?.n ?? 0);
  }

  /** Count, mean, median and p90 of a whole-millisecond duration expression over the rows of a query, in seconds. */
  private async durations(query: Builder, millis: string): Promise<DurationStats> {
    const { n, mean } = await this.meanSeconds(query, millis);
    if (n === 0) return { n: 0, mean: null, median: null, p90: null };
    return { ...(await this.quantiles(query, seconds(millis), n)), n, mean };
  }

  /**
   * The mean (s) of a whole-millisecond expression, over the rows where it is not null: its exact integer
   * sum divided once, here, so it is the correctly rounded mean on both engines (avg over doubles rounds
   * each partial sum, in each engine's own order and precision: SQLite and PostgreSQL differ in the last bits).
   */
  private async meanSeconds(query: Builder, millis: string): Promise<{ n: number; mean: number | null }> {
    const row = (await query.clone().select(this.db.raw(`count(${millis}) as n, sum(${millis}) as total`)).first()) as { n: number | string; total: number | string | null };
    const n = Number(row.n);
    return { n, mean: n === 0 ? null : Number(row.total) / (1000 * n) };
  }

  /**
   * Count, mean, median and p90 (with `medianOnly`, count and median) of a
   * duration the projection stores with its bucket (migration
   * 20261122000021): the quantiles come from `bucketQuantiles`, the mean from
   * `millis` (the same duration in ms, computed from the instants, which the
   * period's covering index holds where the stored duration is not; null, and
   * so skipped by avg, where the ticket has none) over `query`.
   */
  private async bucketedDurations(query: Builder, duration: BucketedDuration, millis: string, medianOnly: boolean, filtered: boolean): Promise<DurationStats> {
    const { n, valueAt } = await this.bucketQuantiles(query, duration, medianOnly ? [0.5] : [0.5, 0.9], filtered);
    if (n === 0) return { n: 0, mean: null, median: null, p90: null };
    const mean = medianOnly ? null : (await this.meanSeconds(query, millis)).mean;
    return { n, mean, median: interpolate(0.5, n, valueAt), p90: medianOnly ? null : interpolate(0.9, n, valueAt) };
  }

  /**
   * How many rows of the query fall in each duration bucket, in bucket order. Unfiltered, one index range per bucket
   * (the period's covering index is ordered by bucket); filtered (a team, an agent...), where that index no longer
   * narrows to the rows, one pass over them, grouped: 64 ranges over a team's index would each read its whole month
   * (1M tickets, a team's 30 days: 25 ms against 3 ms).
   */
  private async bucketCounts(query: Builder, duration: BucketedDuration, filtered: boolean): Promise<{ bucket: number; n: number }[]> {
    // Filtered, grouped by `bucket + 0`: by the bare column, SQLite skip-scans the (bucket, period) index, reading the
    // rows in bucket order all over the table; so it reads the period's rows in time order (1M tickets, a filtered
    // two years: 2.1 s against 0.6 s).
    const rows = filtered
      ? ((await query.clone().whereNotNull(`t.${duration}_bucket`).select(this.db.raw(`t.${duration}_bucket + 0 as bucket`)).count({ n: '*' }).groupByRaw(`t.${duration}_bucket + 0`)) as { bucket: number | string; n: number | string }[])
      : ((await this.db('duration_buckets as b').select('b.bucket', query.clone().count('*').whereRaw(`t.${duration}_bucket = b.bucket`).as('n'))) as { bucket: number | string; n: number | string }[]);
    return rows.map((row) => ({ bucket: Number(row.bucket), n: Number(row.n) })).sort((a, b) => a.bucket - b.bucket);
  }

  /**
   * Exact quantiles of a stored duration over the rows of a query, without
   * sorting them all: one statement counts the rows in each bucket (an index
   * range per bucket), then only the buckets that hold the wanted ranks are
   * sorted. Values in seconds.
   */
  private async bucketQuantiles(query: Builder, duration: BucketedDuration, qs: readonly number[], filtered: boolean): Promise<{ n: number; valueAt: (rank: number) => number }> {
    const counts = await this.bucketCounts(query, duration, filtered);
    const n = counts.reduce((sum, row) => sum + row.n, 0);
    const ranks = [...new Set(qs.flatMap((q) => {
      const { lower, upper } = quantileRanks(q, n);
      return n === 0 ? [] : [lower, upper];
    }))];
    const located = locateRanks(counts, ranks);
    const offsets = new Map<number, number[]>(); // bucket → offsets wanted in it
    for (const { bucket, offset } of located.values()) offsets.set(bucket, [...(offsets.get(bucket) ?? []), offset]);
    const values = new Map<string, number>(); // "bucket:offset" → seconds
    for (const [bucket, wanted] of offsets) {
      const first = Math.min(...wanted);
      const rows = (await query
        .clone()
        .where(`t.${duration}_bucket`, bucket)
        .select(`t.${duration}_ms as v`)
        .orderBy(`t.${duration}_ms`)
        .offset(first)
        .limit(Math.max(...wanted) - first + 1)) as { v: number | string }[];
      rows.forEach((row, index) => values.set(`${bucket}:${first + index}`, Number(row.v) / 1000));
    }
    return {
      n,
      valueAt: (rank) => {
        const at = located.get(rank);
        return at === undefined ? Number.NaN : (values.get(`${at.bucket}:${at.offset}`) ?? Number.NaN);
      },
    };
  }

  /** Median and p90 by numbering the rows once (window function, both engines). */
  private async quantiles(query: Builder, expression: string, n: number): Promise<{ median: number | null; p90: number | null }> {
    const ranks = [...new Set([0.5, 0.9].flatMap((q) => {
      const { lower, upper } = quantileRanks(q, n);
      return [lower, upper];
    }))];
    const inner = query.clone().select(this.db.raw(`${expression} as v`), this.db.raw(`row_number() over (order by ${expression}) - 1 as rn`)).as('ranked');
    const rows = (await this.db.select('v', 'rn').from(inner).whereIn('rn', ranks)) as { v: number | string; rn: number | string }[];
    const at = new Map(rows.map((row) => [Number(row.rn), Number(row.v)]));
    const valueAt = (rank: number) => at.get(rank) ?? Number.NaN;
    return { median: interpolate(0.5, n, valueAt), p90: interpolate(0.9, n, valueAt) };
  }

  async created(range: Range, filters: TicketFilters): Promise<number> {
    return this.count(this.tickets(filters).where('t.created_at', '>=', range.from).andWhere('t.created_at', '<', range.to));
  }

  async createdByChannel(range: Range, filters: TicketFilters): Promise<{ channel: string | null; n: number }[]> {
    const rows = (await this.tickets(filters)
      .where('t.created_at', '>=', range.from)
      .andWhere('t.created_at', '<', range.to)
      .select('t.channel')
      .count({ n: '*' })
      .groupBy('t.channel')
      .orderBy('n', 'desc')) as { channel: string | null; n: number | string }[];
    // Ties by channel name, no channel last, compared here: the engines order NULL and text by rules of their own.
    return rows.map((row) => ({ channel: row.channel, n: Number(row.n) })).sort((a, b) => b.n - a.n || Number(a.channel === null) - Number(b.channel === null) || ((a.channel ?? '') < (b.channel ?? '') ? -1 : (a.channel ?? '') > (b.channel ?? '') ? 1 : 0));
  }

  /**
   * Tickets open at instant `at`: created before it and not resolved by then
   * (closing resolves). Written as two index ranges so it never scans the
   * whole history: tickets open now (the status index) plus tickets whose
   * latest resolution is at or after `at` (the resolved_at index), less those
   * that were resolved at `at` and reopened since (their resolved spans).
   */
  private openAt(at: number, filters: TicketFilters): Builder {
    // `+ 0` keeps both engines' planners off the created_at index, which would walk all history; so for the team's.
    return this.tickets(filters, { teamIndex: false })
      .whereRaw('t.created_at + 0 < ?', [at])
      .andWhere((q) => void q.where((open) => void open.whereRaw(OPEN_STATUS_SQL).whereNull('t.resolved_at')).orWhere('t.resolved_at', '>=', at))
      .whereNotIn('t.id', this.resolvedSpansAt(at).select('s.ticket_id'));
  }

  /**
   * Tickets solved in the range and still solved at its end, in two disjoint parts: `now`, their latest resolution
   * in the range; `then`, a resolution in the range undone only after its end (at most one span of a ticket holds an instant).
   */
  private solvedAtEnd(range: Range, filters: TicketFilters): { now: Builder; then: Builder } {
    return {
      now: this.tickets(filters).where('t.resolved_at', '>=', range.from).andWhere('t.resolved_at', '<', range.to),
      then: this.tickets(filters).join('ticket_resolved_spans as s', 's.ticket_id', 't.id').where('s.resolved_at', '>=', range.from).andWhere('s.resolved_at', '<', range.to).andWhere('s.reopened_at', '>=', range.to),
    };
  }

  /** Resolved spans holding instant `at`: resolved before it, reopened at or after it (none when `at` is now). */
  private resolvedSpansAt(at: number): Builder {
    return this.db('ticket_resolved_spans as s').where('s.reopened_at', '>=', at).andWhere('s.resolved_at', '<', at);
  }

  async backlog(at: number, filters: TicketFilters): Promise<{ n: number; ages: { under1d: number; d1to3: number; d3to7: number; over7d: number }; oldest: OpenTicketRow | null }> {
    const day = 86_400_000;
    const row = (await this.openAt(at, filters)
      .select(
        this.db.raw('count(*) as n'),
        this.db.raw('sum(case when t.created_at > ? then 1 else 0 end) as under1d', [at - day]),
        this.db.raw('sum(case when t.created_at <= ? and t.created_at > ? then 1 else 0 end) as d1to3', [at - day, at - 3 * day]),
        this.db.raw('sum(case when t.created_at <= ? and t.created_at > ? then 1 else 0 end) as d3to7', [at - 3 * day, at - 7 * day]),
        this.db.raw('sum(case when t.created_at <= ? then 1 else 0 end) as over7d', [at - 7 * day]),
      )
      .first()) as Record<string, number | string | null>;
    // Ordered by `created_at + 0`: walking the created_at index from the oldest ticket would pass every solved one.
    const oldest = (await this.openAt(at, filters).select('t.source', 't.external_id', 't.url', 't.created_at', 't.priority', 't.team').orderByRaw('t.created_at + 0').orderBy('t.id').first()) as
      | { source: string; external_id: string; url: string | null; created_at: number; priority: string | null; team: string | null }
      | undefined;
    const num = (value: number | string | null | undefined) => Number(value ?? 0);
    return {
      n: num(row.n),
      ages: { under1d: num(row.under1d), d1to3: num(row.d1to3), d3to7: num(row.d3to7), over7d: num(row.over7d) },
      oldest: oldest === undefined ? null : { source: oldest.source, externalId: oldest.external_id, url: oldest.url, createdAt: oldest.created_at, priority: oldest.priority, team: oldest.team },
    };
  }

  /**
   * Tickets solved in the range and still solved at its end (their latest resolution, or a resolution in
   * the range undone only after it); and tickets created in it still unresolved at its end.
   */
  async resolvedVsUnresolved(range: Range, filters: TicketFilters): Promise<{ resolved: number; unresolved: number }> {
    const solved = this.solvedAtEnd(range, filters);
    const [resolvedNow, resolvedThen] = await Promise.all([this.count(solved.now), this.count(solved.then)]);
    const resolved = resolvedNow + resolvedThen;
    const unresolved = await this.count(
      this.tickets(filters)
        .where('t.created_at', '>=', range.from)
        .andWhere('t.created_at', '<', range.to)
        .andWhere((q) => void q.whereNull('t.resolved_at').orWhere('t.resolved_at', '>=', range.to))
        // Solved at the end and reopened since: resolved then.
        .whereNotIn('t.id', this.resolvedSpansAt(range.to).select('s.ticket_id')),
    );
    return { resolved, unresolved };
  }

  /**
   * First response time (s) of tickets created in the range that have one, in
   * calendar hours and in business hours (the stored open time of the ticket's
   * calendar); and how many have no response yet.
   */
  async firstResponse(range: Range, filters: TicketFilters): Promise<DurationStats & { awaiting: number; business: DurationStats }> {
    const created = this.tickets(filters).where('t.created_at', '>=', range.from).andWhere('t.created_at', '<', range.to);
    const stats = await this.firstResponseCalendar(range, filters);
    const business = await this.durations(created.clone().whereNotNull('t.first_response_business_ms'), 't.first_response_business_ms');
    const awaiting = await this.count(created.clone().whereNull('t.first_response_at'));
    return { ...stats, awaiting, business };
  }

  /** First response time (s) in calendar hours; with `medianOnly`, its count and median alone (the summary's headline). */
  async firstResponseCalendar(range: Range, filters: TicketFilters, medianOnly = false): Promise<DurationStats> {
    const start = 'case when t.created_by_agent = ? then t.first_customer_message_at else t.created_at end';
    return this.bucketedDurations(
      this.tickets(filters).where('t.created_at', '>=', range.from).andWhere('t.created_at', '<', range.to),
      'first_response',
      this.db.raw(`t.first_response_at - (${start})`, [true]).toString(),
      medianOnly,
      hasFilters(filters),
    );
  }

  /** Every wait from a customer message to the next public agent reply, replied within the range (s). */
  async responseIntervals(range: Range, filters: TicketFilters): Promise<DurationStats> {
    // Without filters the intervals alone (each belongs to a ticket that is there: its row goes with the ticket's).
    const intervals = hasFilters(filters) ? this.tickets(filters).join('ticket_response_intervals as r', 'r.ticket_id', 't.id') : this.db('ticket_response_intervals as r');
    const query = intervals.where('r.replied_at', '>=', range.from).andWhere('r.replied_at', '<', range.to);
    // In milliseconds from the two instants, as first response and resolution times are (the stored whole seconds round).
    return this.durations(query, RESPONSE_WAIT_MS);
  }

  /**
   * The response time's median (s) and n for each of a breakdown's values at once (`response 30d by:agent`): the
   * period's intervals read once and numbered within each value, where a query per value joined each value's tickets
   * to the intervals apart (PostgreSQL hashed every ticket for each: 1M tickets, ten agents and their previous
   * periods, 6.9 s). A value's intervals are those its filter reads (`team:`, `priority:`, `source:`); an agent's, those
   * of the tickets assigned to the agent's accounts (every account with the address, or the one helpdesk id).
   */
  async responseMedians(key: GroupedResponseKey, range: Range, filters: TicketFilters, values: readonly BreakdownValue[]): Promise<Map<BreakdownValue, { n: number; median: number | null }>> {
    const groupOf = (value: BreakdownValue): string =>
      key === 'team' ? matchKey(value.value) : key === 'agent' ? (value.source === undefined ? `e:${value.value}` : `i:${value.source}:${value.value}`) : value.value.toLowerCase();
    // An agent is an address (`e:`) or, with none, a helpdesk's id (`i:`): agentFilterValues' values.
    const expression = key === 'agent' ? "case when a.email is null then 'i:' || a.source || ':' || a.external_id else 'e:' || a.email end" : BREAKDOWN_COLUMNS[key][0];
    const stats = new Map<string, { n: number; at: Map<number, number> }>();
    // Every value's intervals, not only the page's: a list of the page's values to compare each ticket with made
    // PostgreSQL test it on every ticket of its scan (1M tickets: 360 ms against 150 ms); two rows a value come back.
    if (values.length > 0) {
      const intervals = this.tickets(filters).join('ticket_response_intervals as r', 'r.ticket_id', 't.id');
      if (key === 'agent') void intervals.join('agents as a', 'a.id', 't.assignee_agent_id');
      const numbered = intervals
        .where('r.replied_at', '>=', range.from)
        .andWhere('r.replied_at', '<', range.to)
        .select(
          this.db.raw(`${expression} as g`),
          this.db.raw(`${RESPONSE_WAIT_MS} as v`),
          this.db.raw(`row_number() over (partition by ${expression} order by ${RESPONSE_WAIT_MS}) - 1 as rn`),
          this.db.raw(`count(*) over (partition by ${expression}) as n`),
        )
        .as('numbered');
      // The median's two ranks (quantileRanks at 0.5), in integer division on both engines: (n - 1) / 2 and n / 2.
      const rows = (await this.db.from(numbered).select('g', 'v', 'rn', 'n').whereRaw('rn = (n - 1) / 2 or rn = n / 2')) as { g: string; v: number | string; rn: number | string; n: number | string }[];
      for (const row of rows) {
        const entry = stats.get(row.g) ?? { n: Number(row.n), at: new Map<number, number>() };
        entry.at.set(Number(row.rn), Number(row.v) / 1000);
        stats.set(row.g, entry);
      }
    }
    return new Map(
      values.map((value) => {
        const entry = stats.get(groupOf(value));
        return [value, entry === undefined ? { n: 0, median: null } : { n: entry.n, median: interpolate(0.5, entry.n, (rank) => entry.at.get(rank) ?? Number.NaN) }];
      }),
    );
  }

  /**
   * Resolution times (s): first resolution of tickets first resolved in the
   * range; full resolution of tickets last resolved in it. In calendar hours,
   * and in business hours (stored per ticket).
   */
  async resolution(range: Range, filters: TicketFilters): Promise<{ first: DurationStats; full: DurationStats; business: { first: DurationStats; full: DurationStats } }> {
    const firstResolved = () => this.tickets(filters).where('t.first_resolved_at', '>=', range.from).andWhere('t.first_resolved_at', '<', range.to);
    const lastResolved = () => this.tickets(filters).where('t.resolved_at', '>=', range.from).andWhere('t.resolved_at', '<', range.to);
    const first = await this.durations(firstResolved(), 't.first_resolved_at - t.created_at');
    const full = await this.fullResolution(range, filters);
    const business = {
      first: await this.durations(firstResolved().whereNotNull('t.first_resolution_business_ms'), 't.first_resolution_business_ms'),
      full: await this.durations(lastResolved().whereNotNull('t.resolution_business_ms'), 't.resolution_business_ms'),
    };
    return { first, full, business };
  }

  /** Full resolution time (s) of tickets last resolved in the range, calendar hours: what the summary shows. */
  async fullResolution(range: Range, filters: TicketFilters, medianOnly = false): Promise<DurationStats> {
    return this.bucketedDurations(this.tickets(filters).where('t.resolved_at', '>=', range.from).andWhere('t.resolved_at', '<', range.to), 'resolution', 't.resolved_at - t.created_at', medianOnly, hasFilters(filters));
  }

  /**
   * How many tickets were open at `at` (the backlog without its breakdown),
   * narrowed by `also` (a condition on the ticket row): the two disjoint
   * halves of `openAt` counted apart, unresolved tickets open now and tickets
   * resolved at or after `at`. One OR across two indexes makes SQLite merge
   * row sets: 13 ms against 2 ms on 1M tickets.
   */
  private async countOpenAt(at: number, filters: TicketFilters, also: (query: Builder) => void = () => undefined): Promise<number> {
    const parts = this.openAtParts(at, filters);
    // Three independent reads, issued together (the report connections or the pool take them side by side).
    const [open, resolvedSince, solvedThen] = await Promise.all([this.count(parts.open.andWhere(also)), this.count(parts.resolvedSince.andWhere(also)), this.count(parts.solvedThen.andWhere(also))]);
    return open + resolvedSince - solvedThen;
  }

  /**
   * The tickets open at `at` as three index ranges (see countOpenAt): unresolved tickets open now, tickets resolved
   * at or after `at`, and those to take away, counted by one of the two but solved at `at` and reopened since (each
   * such ticket is in exactly one).
   */
  private openAtParts(at: number, filters: TicketFilters): { open: Builder; resolvedSince: Builder; solvedThen: Builder } {
    const createdBefore = () => this.tickets(filters, { teamIndex: false }).whereRaw('t.created_at + 0 < ?', [at]);
    return {
      open: createdBefore().whereRaw(OPEN_STATUS_SQL).whereNull('t.resolved_at'),
      resolvedSince: createdBefore().where('t.resolved_at', '>=', at),
      solvedThen: this.tickets(filters, { teamIndex: false }).whereIn('t.id', this.resolvedSpansAt(at).select('s.ticket_id')),
    };
  }

  async backlogCount(at: number, filters: TicketFilters): Promise<number> {
    return this.countOpenAt(at, filters);
  }

  async escalated(range: Range, filters: TicketFilters): Promise<number> {
    return this.count(this.tickets(filters).where('t.escalated_at', '>=', range.from).andWhere('t.escalated_at', '<', range.to));
  }

  /** Of the tickets first resolved in the range: how many with exactly one public agent reply and no reopen. */
  async firstContactResolution(range: Range, filters: TicketFilters): Promise<{ resolved: number; firstContact: number }> {
    const row = (await this.tickets(filters)
      .where('t.first_resolved_at', '>=', range.from)
      .andWhere('t.first_resolved_at', '<', range.to)
      .select(this.db.raw('count(*) as resolved'), this.db.raw('sum(case when t.agent_reply_count = 1 and t.reopen_count = 0 then 1 else 0 end) as fc'))
      .first()) as { resolved: number | string; fc: number | string | null };
    return { resolved: Number(row.resolved), firstContact: Number(row.fc ?? 0) };
  }

  /** Handle time of tickets first resolved in the range that carry any. */
  async handleTime(range: Range, filters: TicketFilters): Promise<{ total: number; tickets: number }> {
    const row = (await this.tickets(filters)
      .where('t.first_resolved_at', '>=', range.from)
      .andWhere('t.first_resolved_at', '<', range.to)
      .andWhere('t.handle_time_seconds', '>', 0)
      .select(this.db.raw('count(*) as n'), this.db.raw('sum(t.handle_time_seconds) as total'))
      .first()) as { n: number | string; total: number | string | null };
    return { total: Number(row.total ?? 0), tickets: Number(row.n) };
  }

  /**
   * Survey answers of a kind responded in the range, bucketed by score. Ticket filters apply to ticket-bound answers only.
   * Not eNPS: its answers are read by whole waves (enpsWaveScores), never one by one, which let reports be subtracted.
   */
  async surveyScores(kind: 'csat' | 'nps' | 'ces', range: Range, filters: TicketFilters): Promise<{ scale: string; score: number; n: number }[]> {
    // Only the kind's own scales (answers on another scale could have been stored before ingestion refused them).
    const query = this.db('survey_responses as s').where('s.kind', kind).andWhere('s.responded_at', '>=', range.from).andWhere('s.responded_at', '<', range.to).whereIn('s.scale', SURVEY_SCALES[kind]);
    if (hasFilters(filters)) {
      // Each answer's own ticket, looked up by its key: `ticket_id in (the filtered tickets)` would first list every
      // ticket of the filter, in all history (1M tickets, priority:high: 100 ms against 6 ms).
      void query.whereExists(this.tickets(filters).select(this.db.raw('1')).whereRaw('t.id = s.ticket_id'));
    }
    const rows = (await query.select('s.scale', 's.score').count({ n: '*' }).groupBy('s.scale', 's.score')) as { scale: string; score: number | string; n: number | string }[];
    return rows.map((row) => ({ scale: row.scale, score: Number(row.score), n: Number(row.n) }));
  }

  /**
   * eNPS answers, bucketed by score, of the waves that started in the range: a wave is one pulse (its survey id, per
   * source), or, for answers sent with none, a source's answers of one UTC calendar month; it starts at its first
   * answer, and counts whole in the range that holds its start. A wave of fewer than `minAnswers` answers counts in no
   * range. So any two ranges differ by whole waves of at least `minAnswers`: no answer, nor any handful of answers, can
   * be worked out by subtracting one report from another, as answers counted one by one in each range allowed.
   */
  async enpsWaveScores(range: Range, minAnswers: number): Promise<{ scale: string; score: number; n: number }[]> {
    const month = (alias: string) => (engineOf(this.db) === 'postgres'
      ? `to_char(to_timestamp(${alias}.responded_at / 1000) at time zone 'UTC', 'YYYY-MM')`
      : `strftime('%Y-%m', ${alias}.responded_at / 1000, 'unixepoch')`);
    // A survey id is free text: marked apart from a month's key (`generic:s:<id>`, `generic:m:2026-11`), so an id that
    // reads `month:2026-11` is not that month's wave. Sources are our own names, with no colon.
    const wave = (alias: string) => `${alias}.source || (case when ${alias}.survey_id is null then ':m:' || ${month(alias)} else ':s:' || ${alias}.survey_id end)`;
    const scales = SURVEY_SCALES.enps;
    const rows = (await this.db
      .with('waves', (q) => void q
        .from('survey_responses as w').where('w.kind', 'enps').whereIn('w.scale', scales)
        .select(this.db.raw(`${wave('w')} as wave`), this.db.raw('min(w.responded_at) as started'))
        .groupByRaw(wave('w')).havingRaw('count(*) >= ?', [minAnswers]))
      .from('survey_responses as s').where('s.kind', 'enps').whereIn('s.scale', scales)
      .whereExists((q) => void q.from('waves').whereRaw(`waves.wave = ${wave('s')}`).andWhere('waves.started', '>=', range.from).andWhere('waves.started', '<', range.to))
      .select('s.scale', 's.score').count({ n: '*' }).groupBy('s.scale', 's.score')) as { scale: string; score: number | string; n: number | string }[];
    return rows.map((row) => ({ scale: row.scale, score: Number(row.score), n: Number(row.n) }));
  }

  /**
   * Customers at the range's start, and how many of them were no longer customers at its end. A customer's
   * state at an instant follows their latest event before it: a churn, or anything else (a customer); a churn
   * and another event at the same instant count as a churn. Read from the events, not the customers' latest
   * state, so a customer who comes back later still counts as lost in the period they left.
   */
  async churn(range: Range): Promise<{ atStart: number; lost: number }> {
    const churners = this.db('customer_events').where('type', 'churned').andWhere('occurred_at', '<', range.to).distinct('customer_id');
    // Customers with no churn before the end were customers throughout once they became one.
    const steady = () => this.count(this.db('customers as c').where('c.became_customer_at', '<', range.from).whereNotIn('c.id', churners.clone()));
    const latest = (type: 'churned' | 'other', before: number) =>
      this.db.raw(`max(case when type ${type === 'churned' ? '=' : '<>'} 'churned' and occurred_at < ? then occurred_at end)`, [before]);
    // Each churner's latest churn and latest other event before the start and before the end.
    const spans = this.db('customer_events')
      .whereIn('customer_id', churners)
      .andWhere('occurred_at', '<', range.to)
      .groupBy('customer_id')
      .select({ active_start: latest('other', range.from), churn_start: latest('churned', range.from), active_end: latest('other', range.to), churn_end: latest('churned', range.to) })
      .as('s');
    const churnersRow = () => this.db
      .from(spans)
      .whereNotNull('active_start')
      .andWhere((q) => void q.whereNull('churn_start').orWhereRaw('churn_start < active_start'))
      .select(this.db.raw('count(*) as n'), this.db.raw('sum(case when churn_end >= active_end then 1 else 0 end) as lost'))
      .first() as Promise<{ n: number | string; lost: number | string | null }>;
    const [stayed, row] = await independently(this.db, steady, churnersRow);
    return { atStart: stayed + Number(row.n), lost: Number(row.lost ?? 0) };
  }

  /** Customers with at least one purchase in the range, and with two or more. */
  async repeatPurchase(range: Range): Promise<{ buyers: number; repeatBuyers: number }> {
    const perCustomer = this.db('customer_events').where('type', 'purchase').andWhere('occurred_at', '>=', range.from).andWhere('occurred_at', '<', range.to).select('customer_id').count({ purchases: '*' }).groupBy('customer_id').as('p');
    const row = (await this.db.from(perCustomer).select(this.db.raw('count(*) as buyers'), this.db.raw('sum(case when purchases >= 2 then 1 else 0 end) as repeaters')).first()) as {
      buyers: number | string; repeaters: number | string | null;
    };
    return { buyers: Number(row.buyers), repeatBuyers: Number(row.repeaters ?? 0) };
  }

  /** Sessions have no team, agent or tag, so both counts are of everything (ticket filters are refused with this metric). */
  async selfService(range: Range): Promise<{ resolvedSessions: number; ticketsCreated: number }> {
    const resolvedSessions = await this.count(this.db('self_service_sessions').where('resolved_without_ticket', true).andWhere('started_at', '>=', range.from).andWhere('started_at', '<', range.to));
    return { resolvedSessions, ticketsCreated: await this.created(range, {}) };
  }

  /**
   * Past a due time unmet at `at`, for a ticket open then: its first reply
   * was due before `at` and had not come by then, or its resolution was due
   * before `at`. `+ 0`: due times are mostly in the past, so their indexes
   * would walk all history; the open-status and resolved_at indexes are the narrow ones.
   */
  private overdueThen(at: number): (query: Builder) => void {
    return (query) => void query.whereRaw(`(${FIRST_REPLY_LATE}) or t.resolution_due_at + 0 < ?`, [at, at, at]);
  }

  /** Tickets open at `at` and past a due time unmet then. */
  private overdueAt(at: number, filters: TicketFilters): Builder {
    return this.openAt(at, filters).andWhere(this.overdueThen(at));
  }

  /**
   * Which target an overdue ticket had missed at `at`, and when it was due:
   * its first reply's while that was late and had not come by then, else its resolution's.
   */
  private missedThen(at: number): { target: Knex.Raw; dueAt: Knex.Raw } {
    return {
      target: this.db.raw(`case when ${FIRST_REPLY_LATE} then 'first_response' else 'resolution' end`, [at, at]),
      dueAt: this.db.raw(`case when ${FIRST_REPLY_LATE} then t.first_response_due_at else t.resolution_due_at end`, [at, at]),
    };
  }

  /** How many tickets were open and past a due time unmet at `at` (now, or a past period's end). */
  async overdueCount(at: number, filters: TicketFilters): Promise<number> {
    return this.countOpenAt(at, filters, this.overdueThen(at));
  }

  /** Open tickets past a due time they have not met, at `now`; oldest due first. */
  async overdueNow(at: number, filters: TicketFilters, limit: number): Promise<{ n: number; oldest: (OpenTicketRow & { dueAt: number; target: 'first_response' | 'resolution' })[] }> {
    const n = await this.overdueCount(at, filters);
    if (n === 0 || limit === 0) return { n, oldest: [] };
    const missed = this.missedThen(at);
    const rows = (await this.overdueAt(at, filters)
      .select('t.source', 't.external_id', 't.url', 't.created_at', 't.priority', 't.team', { target: missed.target, due_at: missed.dueAt })
      .orderBy(missed.dueAt)
      .orderBy('t.id')
      .limit(limit)) as { source: string; external_id: string; url: string | null; created_at: number; priority: string | null; team: string | null; target: 'first_response' | 'resolution'; due_at: number | string }[];
    return {
      n,
      oldest: rows.map((row) => ({
        source: row.source, externalId: row.external_id, url: row.url, createdAt: row.created_at, priority: row.priority, team: row.team, target: row.target, dueAt: Number(row.due_at),
      })),
    };
  }

  /** Of the tickets created in the range that have a target: how many missed any (or are past it unmet at `now`). */
  async breachShare(range: Range, now: number, filters: TicketFilters): Promise<{ withTarget: number; breached: number }> {
    const row = (await this.tickets(filters)
      .where('t.created_at', '>=', range.from)
      .andWhere('t.created_at', '<', range.to)
      // A target: a policy matched (it sets at least one, though a target paused for good has no due time), or the helpdesk's own due times.
      .andWhere((q) => void q.whereNotNull('t.sla_policy_id').orWhereNotNull('t.first_response_due_at').orWhereNotNull('t.resolution_due_at'))
      .select(
        this.db.raw('count(*) as n'),
        this.db.raw(
          `sum(case when (t.first_response_due_at is not null and coalesce(t.first_response_at, ?) > t.first_response_due_at)
                      or (t.resolution_due_at is not null and coalesce(t.resolved_at, ?) > t.resolution_due_at)
                      or t.next_reply_breached = ? or (t.next_reply_due_at is not null and ? > t.next_reply_due_at) then 1 else 0 end) as breached`,
          [now, now, true, now],
        ),
      )
      .first()) as { n: number | string; breached: number | string | null };
    return { withTarget: Number(row.n), breached: Number(row.breached ?? 0) };
  }

  /**
   * The name filters (team, agent, channel, tag) that match no ticket at all, each with the values it could have
   * meant: a misspelt name would otherwise read as a real zero. Each check reads at most one row; the candidates are
   * read only for a filter that misses.
   */
  async filterMisses(filters: TicketFilters): Promise<FilterMiss[]> {
    const misses: FilterMiss[] = [];
    for (const key of NAME_FILTERS) {
      const value = filters[key];
      if (value === undefined) continue;
      if ((await this.tickets({ [key]: value }).first('t.id')) !== undefined) continue;
      misses.push({ key, value, candidates: await this.filterCandidates(key) });
    }
    return misses;
  }

  private async filterCandidates(key: (typeof NAME_FILTERS)[number]): Promise<string[]> {
    const strings = (rows: unknown[], column: string) => rows.map((row) => (row as Record<string, unknown>)[column]).filter((value): value is string => typeof value === 'string');
    switch (key) {
      case 'team':
        return strings(await this.db('tickets').distinct('team').whereNotNull('team').limit(CANDIDATES), 'team');
      case 'channel':
        return strings(await this.db('tickets').distinct('channel').whereNotNull('channel').limit(CANDIDATES), 'channel');
      case 'tag':
        return strings(await this.db('ticket_tags').distinct('tag').limit(CANDIDATES), 'tag');
      case 'agent': {
        const rows = (await this.db('agents').select('name', 'email').limit(CANDIDATES)) as { name: string | null; email: string | null }[];
        return rows.flatMap((row) => [row.name, row.email].filter((value): value is string => value !== null));
      }
    }
  }

  /**
   * The tickets behind a number, one page at a time: `backlog` (open at `at`,
   * oldest first), `overdue` (past an unmet due time at `at`, most overdue
   * first) or `escalations` (escalated in the range, latest first).
   */
  async ticketList(list: TicketListKind, query: { at: number; range: Range; filters: TicketFilters; offset: number; limit: number }): Promise<{ total: number; rows: TicketListRow[] }> {
    const { at, range, filters } = query;
    const base = (): Builder => {
      if (list === 'backlog') return this.openAt(at, filters);
      if (list === 'overdue') return this.overdueAt(at, filters);
      return this.tickets(filters).where('t.escalated_at', '>=', range.from).andWhere('t.escalated_at', '<', range.to);
    };
    const total = await this.count(base());
    const missed = this.missedThen(at);
    const page = base()
      .leftJoin('agents as a', 'a.id', 't.assignee_agent_id')
      .select('t.source', 't.external_id', 't.url', 't.created_at', 't.priority', 't.team', 't.status', 't.first_response_at', 't.first_response_due_at', 't.resolution_due_at', 't.sla_policy_id', 't.escalated_at', 'a.name as assignee_name', 'a.slack_user_id as assignee_slack_user_id')
      .offset(query.offset)
      .limit(query.limit);
    if (list === 'backlog') void page.orderByRaw('t.created_at + 0').orderBy('t.id');
    else if (list === 'overdue') void page.select({ missed_due_at: missed.dueAt }).orderBy(missed.dueAt).orderBy('t.id');
    else void page.orderBy('t.escalated_at', 'desc').orderBy('t.id', 'desc');
    const rows = (await page) as {
      source: string; external_id: string; url: string | null; created_at: number; priority: string | null; team: string | null; status: string;
      first_response_at: number | null; first_response_due_at: number | null; resolution_due_at: number | null; sla_policy_id: number | null; escalated_at: number | null;
      assignee_name: string | null; assignee_slack_user_id: string | null; missed_due_at?: number | string;
    }[];
    return {
      total,
      rows: rows.map((row) => {
        // Overdue: the target missed at `at`, as the list is ordered. Otherwise the next one still running: first response until answered, then resolution.
        const dueAt = row.missed_due_at !== undefined ? Number(row.missed_due_at) : ((row.first_response_at === null ? row.first_response_due_at : null) ?? row.resolution_due_at);
        return {
        source: row.source, externalId: row.external_id, url: row.url, createdAt: row.created_at, priority: row.priority, team: row.team, status: row.status,
        dueAt,
        // A policy's clock paused while pending or on hold leaves no due time: that is not "no SLA".
        slaPaused: dueAt === null && row.sla_policy_id !== null && (row.status === 'pending' || row.status === 'on-hold'),
        escalatedAt: row.escalated_at, assigneeName: row.assignee_name, assigneeSlackUserId: row.assignee_slack_user_id,
        };
      }),
    };
  }

  /**
   * Exact median of a stored duration per assignee, without sorting every row:
   * one statement counts each agent's rows per bucket, a second reads only the
   * rows of the buckets that hold each agent's middle ranks (as bucketQuantiles
   * does for one group). Tickets without the duration (no bucket) are not counted.
   */
  private async mediansByAgent(query: Builder, duration: BucketedDuration): Promise<Map<number, number>> {
    const assigned = query.clone().whereNotNull('t.assignee_agent_id').whereNotNull(`t.${duration}_bucket`);
    const counts = (await assigned
      .clone()
      .select('t.assignee_agent_id as agent', `t.${duration}_bucket as bucket`)
      .count({ n: '*' })
      .groupBy('t.assignee_agent_id', `t.${duration}_bucket`)) as { agent: number | string; bucket: number | string; n: number | string }[];
    const perAgent = new Map<number, { bucket: number; n: number }[]>();
    for (const row of counts) {
      const agent = Number(row.agent);
      perAgent.set(agent, [...(perAgent.get(agent) ?? []), { bucket: Number(row.bucket), n: Number(row.n) }]);
    }
    // Each agent's two middle ranks (the same one when n is odd), located in their buckets.
    const middles = new Map<number, { n: number; located: Map<number, { bucket: number; offset: number }> }>();
    const pairs = new Map<string, [number, number]>();
    for (const [agent, buckets] of perAgent) {
      const n = buckets.reduce((sum, row) => sum + row.n, 0);
      const { lower, upper } = quantileRanks(0.5, n);
      const located = locateRanks(buckets, [lower, upper]);
      middles.set(agent, { n, located });
      for (const { bucket } of located.values()) pairs.set(`${agent}:${bucket}`, [agent, bucket]);
    }
    if (pairs.size === 0) return new Map();
    const rows = (await assigned
      .clone()
      .whereIn(['t.assignee_agent_id', `t.${duration}_bucket`], [...pairs.values()])
      .select('t.assignee_agent_id as agent', `t.${duration}_bucket as bucket`, `t.${duration}_ms as v`)) as { agent: number | string; bucket: number | string; v: number | string }[];
    const values = new Map<string, number[]>();
    for (const row of rows) {
      const key = `${Number(row.agent)}:${Number(row.bucket)}`;
      values.set(key, [...(values.get(key) ?? []), Number(row.v)]);
    }
    for (const list of values.values()) list.sort((a, b) => a - b);
    const medians = new Map<number, number>();
    for (const [agent, { n, located }] of middles) {
      const valueAt = (rank: number) => {
        const at = located.get(rank);
        return at === undefined ? Number.NaN : (values.get(`${agent}:${at.bucket}`)?.[at.offset] ?? Number.NaN) / 1000;
      };
      const median = interpolate(0.5, n, valueAt);
      if (median !== null && !Number.isNaN(median)) medians.set(agent, median);
    }
    return medians;
  }

  /**
   * The values of a ticket field that a `by:` breakdown shows a row for: those of the tickets active in the range
   * (created or resolved in it, or open at `at`), most active first (a ticket counted once per way it is active),
   * at most `limit` after the first `offset` (a page; one past the last values reads the last page); with how many
   * values there are in all, the offset used, and how many active tickets have no value (each once).
   * Each value is as a filter reads it back: a team or channel in the spelling most of its tickets have.
   * `rankBy` the tickets open at `at` (backlog) or open and overdue then (overdue): the values with most of those, and
   * only those, so "who is overdue" names everyone who is, and `without` counts those tickets with no value.
   */
  async breakdownValues(key: BreakdownKey, range: Range, at: number, filters: TicketFilters, limit: number, offset = 0, rankBy: 'activity' | 'open' | 'overdue' = 'activity'): Promise<{ values: BreakdownValue[]; total: number; offset: number; without: number }> {
    // The group is what the filter compares (the team's key; a channel, lowered below); the label one spelling of it.
    const [column, label] = BREAKDOWN_COLUMNS[key];
    // Grouped by an expression, not the bare column: given `group by t.team_key`, SQLite walks the whole (team_key,
    // created_at) index to skip a sort, rather than read the few rows the range picks (1M tickets: 450 ms against 2 ms).
    const group = `(case when ${column} is null then null else ${column} end)`;
    const grouped = (query: Builder) => query.select(this.db.raw(`${group} as g`), this.db.raw(`${label} as label`)).count({ n: '*' }).groupByRaw(`${group}, ${label}`);
    // Active in the range: created in it, resolved in it, open at its end, or rated in it (a rating often comes days
    // after the solve, and CSAT by team counts the answers); a ticket may be all four.
    const createdIn = () => this.tickets(filters).where('t.created_at', '>=', range.from).andWhere('t.created_at', '<', range.to);
    const resolvedIn = () => this.tickets(filters).where('t.resolved_at', '>=', range.from).andWhere('t.resolved_at', '<', range.to);
    // From the period's answers to their tickets (the answers' index, then each ticket by its key), once per answer;
    // `t.id in (answers)` made PostgreSQL hash every ticket (1M tickets: +100 ms).
    const ratedIn = () =>
      this.tickets(filters).join('survey_responses as s', 's.ticket_id', 't.id').whereIn('s.kind', Object.keys(SURVEY_SCALES)).andWhere('s.responded_at', '>=', range.from).andWhere('s.responded_at', '<', range.to);
    const active = () => [createdIn(), resolvedIn(), this.openAt(at, filters), ratedIn()];
    // The tickets with no value, each once: a union of their ids (no parentheses around its parts, which SQLite refuses).
    const withoutIds = this.db.union(active().map((query) => query.whereRaw(`${column} is null`).select('t.id')), false);
    // Counted for the ranking as countOpenAt counts the open tickets: the halves of openAt apart (one OR across two
    // indexes, grouped, reads far more rows), less the tickets solved at `at` and reopened since.
    const open = this.openAtParts(at, filters);
    const narrowed = (query: Builder) => void (rankBy === 'overdue' ? query.andWhere(this.overdueThen(at)) : query);
    for (const part of Object.values(open)) narrowed(part);
    const counted = rankBy === 'activity' ? [createdIn(), resolvedIn(), open.open, open.resolvedSince, ratedIn()] : [open.open, open.resolvedSince];
    const [parts, without] = (await Promise.all([
      Promise.all([...counted.map(grouped), grouped(open.solvedThen).then((rows: { n: number | string }[]) => rows.map((row) => ({ ...row, n: -Number(row.n) })))]),
      rankBy === 'activity'
        ? this.db.from(withoutIds.as('u')).count({ n: '*' }).first().then((row: { n: number | string } | undefined) => Number(row?.n ?? 0))
        : this.countOpenAt(at, filters, (query) => narrowed(query.whereRaw(`${column} is null`))),
    ])) as [{ g: string | null; label: string | null; n: number | string }[][], number];
    const rows = parts.flat();
    const agents = key === 'agent' ? await this.agentFilterValues(rows.map((row) => row.g)) : undefined;
    const values = new Map<string, { value: string; name?: string; slackUserId?: string; source?: string; active: number; spellings: Map<string, number> }>();
    for (const row of rows) {
      // An agent's tickets group under the address the agent filter reads back: one person with two helpdesk accounts is one row, as `agent:` counts them.
      const agent = row.g === null ? undefined : agents?.get(String(row.g));
      const group = agent !== undefined ? agent.group : key === 'channel' && row.g !== null ? String(row.g).toLowerCase() : row.g;
      if (group === null || row.label === null || (agents !== undefined && agent === undefined)) continue;
      const entry = values.get(group) ?? { value: agent?.value ?? String(row.label), active: 0, spellings: new Map<string, number>() };
      // The name and Slack user of whichever of the person's accounts has them.
      if (agent?.name !== undefined) entry.name ??= agent.name;
      if (agent?.slackUserId !== undefined) entry.slackUserId ??= agent.slackUserId;
      if (agent?.source !== undefined) entry.source = agent.source;
      entry.active += Number(row.n);
      entry.spellings.set(String(row.label), (entry.spellings.get(String(row.label)) ?? 0) + Number(row.n));
      values.set(group, entry);
    }
    // A value whose tickets all cancel out (solved before the range, reopened after it) is active in no way.
    for (const [group, entry] of values) if (entry.active <= 0) values.delete(group);
    // A team or channel spelt two ways ("Billing", "billing ") is named as most of its tickets spell it.
    for (const entry of values.values()) {
      if (agents === undefined) entry.value = [...entry.spellings].sort(([a, x], [b, y]) => y - x || (a < b ? -1 : a > b ? 1 : 0))[0]?.[0] ?? entry.value;
    }
    // Priorities from urgent down; anything else most active first. Ties by value, compared here: the engines order text by rules of their own.
    const rank = (value: string) => (key === 'priority' ? -PRIORITIES.indexOf(value as Priority) : 0);
    // Then by helpdesk: two helpdesks' agents 7 (no address) are two values of one name, which must keep one order from
    // one read to the next for pages to show each once (PostgreSQL returns grouped rows in no set order).
    const text = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
    const ranked = [...values.values()].sort((a, b) => rank(a.value) - rank(b.value) || b.active - a.active || text(a.value, b.value) || text(a.source ?? '', b.source ?? ''));
    // A page past the end (values went since the page before was read): the last one; with none, the first.
    const from = offset < ranked.length ? offset : Math.max(0, Math.floor((ranked.length - 1) / limit) * limit);
    return { values: ranked.slice(from, from + limit).map(({ spellings: _spellings, ...value }) => value), total: ranked.length, offset: from, without };
  }

  /**
   * For agent ids: the value `agent:` finds them by (their e-mail address, else their helpdesk id, then with their
   * helpdesk as `source`, since two helpdesks may both have an agent 7), the row they group under, their name and Slack user.
   */
  private async agentFilterValues(ids: readonly (string | number | null)[]): Promise<Map<string, { value: string; group: string; source?: string; name?: string; slackUserId?: string }>> {
    const wanted = [...new Set(ids.filter((id): id is string | number => id !== null).map(Number))];
    const rows = wanted.length === 0 ? [] : ((await this.db('agents').whereIn('id', wanted).select('id', 'source', 'external_id', 'name', 'email', 'slack_user_id')) as { id: number | string; source: string; external_id: string; name: string | null; email: string | null; slack_user_id: string | null }[]);
    return new Map(
      rows.map((row) => [
        String(row.id),
        {
          ...(row.email === null ? { value: row.external_id, group: `${row.source}\u0000${row.external_id}`, source: row.source } : { value: row.email, group: row.email }),
          ...(row.name === null ? {} : { name: row.name }),
          ...(row.slack_user_id === null ? {} : { slackUserId: row.slack_user_id }),
        },
      ]),
    );
  }

  /** One row per agent with assigned tickets: the columns of the `agents` table. */
  async agentTable(range: Range, now: number, filters: TicketFilters): Promise<AgentRow[]> {
    // FCR and AHT over the tickets first solved in the range, as their metrics.
    const firstSolvedQuery = this.tickets(filters)
      .where('t.first_resolved_at', '>=', range.from)
      .andWhere('t.first_resolved_at', '<', range.to)
      .whereNotNull('t.assignee_agent_id')
      .select('t.assignee_agent_id as agent')
      .select(
        this.db.raw('count(*) as first_solved'),
        this.db.raw('sum(case when t.agent_reply_count = 1 and t.reopen_count = 0 then 1 else 0 end) as fc'),
        this.db.raw('sum(t.handle_time_seconds) as handle'),
        this.db.raw('sum(case when t.handle_time_seconds > 0 then 1 else 0 end) as handled'),
      )
      .groupBy('t.assignee_agent_id') as Promise<{ agent: number; first_solved: number | string; fc: number | string; handle: number | string; handled: number | string }[]>;
    // Solved, as `resolved`: solved in the range and still solved at its end (latest resolution, or a resolved span holding the end).
    const solvedAtEnd = this.solvedAtEnd(range, filters);
    const perAgent = (query: Builder) => query.whereNotNull('t.assignee_agent_id').select('t.assignee_agent_id as agent').count({ n: '*' }).groupBy('t.assignee_agent_id') as Promise<{ agent: number; n: number | string }[]>;
    // `+ 0` keeps SQLite off the (assignee, status) index, which it would walk whole (137 ms on 1M tickets) instead of the open ones (10 ms).
    const openQuery = this.tickets(filters)
      .whereRaw('t.assignee_agent_id + 0 is not null')
      .whereRaw(OPEN_STATUS_SQL)
      .select('t.assignee_agent_id as agent')
      .select(
        this.db.raw('count(*) as open'),
        this.db.raw(
          'sum(case when (t.first_response_at is null and t.first_response_due_at < ?) or t.resolution_due_at < ? then 1 else 0 end) as overdue',
          [now, now],
        ),
      )
      .groupBy('t.assignee_agent_id') as Promise<{ agent: number; open: number | string; overdue: number | string }[]>;
    const createdInRange = this.tickets(filters).where('t.created_at', '>=', range.from).andWhere('t.created_at', '<', range.to).whereNotNull('t.first_response_at');
    // A ticket's answers count for its current assignee, as everything else here (and as `csat agent:`): the ticket row gives it.
    const csatQuery = this.tickets(filters)
      .join('survey_responses as s', 's.ticket_id', 't.id')
      .where('s.kind', 'csat')
      .andWhere('s.responded_at', '>=', range.from)
      .andWhere('s.responded_at', '<', range.to)
      .whereIn('s.scale', SURVEY_SCALES.csat)
      .whereNotNull('t.assignee_agent_id')
      .select('t.assignee_agent_id as agent')
      .select(this.db.raw("sum(case when (s.scale = '1-5' and s.score >= 4) or (s.scale = 'good-bad' and s.score >= 1) then 1 else 0 end) as good"), this.db.raw('count(*) as answers'))
      .groupBy('t.assignee_agent_id') as Promise<{ agent: number; good: number | string; answers: number | string }[]>;
    const [firstSolved, solvedNowRows, solvedThenRows, open, frt, resolution, csatRows] = await Promise.all([
      firstSolvedQuery,
      perAgent(solvedAtEnd.now),
      perAgent(solvedAtEnd.then),
      openQuery,
      this.mediansByAgent(createdInRange, 'first_response'),
      // As the resolution headline: full resolution (latest solve - creation) of the tickets last solved in the range.
      this.mediansByAgent(this.tickets(filters).where('t.resolved_at', '>=', range.from).andWhere('t.resolved_at', '<', range.to), 'resolution'),
      csatQuery,
    ]);
    const solved = new Map<number, number>();
    for (const row of [...solvedNowRows, ...solvedThenRows]) solved.set(Number(row.agent), (solved.get(Number(row.agent)) ?? 0) + Number(row.n));

    const ids = new Set<number>([...solved.keys(), ...firstSolved.map((r) => Number(r.agent)), ...open.map((r) => Number(r.agent)), ...frt.keys(), ...resolution.keys(), ...csatRows.map((r) => Number(r.agent))]);
    if (ids.size === 0) return [];
    const agents = (await this.db('agents').select('id', 'external_id', 'email', 'name', 'slack_user_id').whereIn('id', [...ids])) as {
      id: number; external_id: string; email: string | null; name: string | null; slack_user_id: string | null;
    }[];
    const byFirstSolved = new Map(firstSolved.map((r) => [Number(r.agent), r]));
    const byOpen = new Map(open.map((r) => [Number(r.agent), r]));
    const byCsat = new Map(csatRows.map((r) => [Number(r.agent), r]));
    return agents.map((agent) => {
      const s = byFirstSolved.get(agent.id);
      const o = byOpen.get(agent.id);
      const c = byCsat.get(agent.id);
      const firstSolvedCount = Number(s?.first_solved ?? 0);
      const handled = Number(s?.handled ?? 0);
      const answers = Number(c?.answers ?? 0);
      return {
        agentId: agent.id,
        name: agent.name ?? agent.email ?? agent.external_id,
        email: agent.email,
        slackUserId: agent.slack_user_id,
        solved: solved.get(agent.id) ?? 0,
        frtMedian: frt.get(agent.id) ?? null,
        resolutionMedian: resolution.get(agent.id) ?? null,
        csat: answers === 0 ? null : (100 * Number(c?.good ?? 0)) / answers,
        csatAnswers: answers,
        fcr: firstSolvedCount === 0 ? null : (100 * Number(s?.fc ?? 0)) / firstSolvedCount,
        aht: handled === 0 ? null : Number(s?.handle ?? 0) / handled,
        openAssigned: Number(o?.open ?? 0),
        overdue: Number(o?.overdue ?? 0),
      };
    });
  }
}


export interface TicketListRow extends OpenTicketRow {
  readonly status: string;
  /** In the overdue list, the due time missed at the list's instant; otherwise the next unmet one: first response while unanswered, else resolution. */
  readonly dueAt: number | null;
  /** No due time because the policy's clock is paused (pending or on hold), not because no policy applies. */
  readonly slaPaused?: boolean;
  readonly escalatedAt: number | null;
  readonly assigneeName: string | null;
  readonly assigneeSlackUserId: string | null;
}

export interface AgentRow {
  readonly agentId: number;
  readonly name: string;
  readonly email: string | null;
  readonly slackUserId: string | null;
  readonly solved: number;
  readonly frtMedian: number | null;
  readonly resolutionMedian: number | null;
  readonly csat: number | null;
  readonly csatAnswers: number;
  readonly fcr: number | null;
  readonly aht: number | null;
  readonly openAssigned: number;
  readonly overdue: number;
}
