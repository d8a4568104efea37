/**
 * Computes a metric for a period and filters: asks the store for aggregates of
 * the period and of the previous one, applies the formula, and returns the
 * stable result shape of `kpibot report --json` (durations in seconds, rates in
 * percent, value null when there is no data).
 */
import type { AgentRow, KpiStore, Range, TicketFilters, DurationStats } from '../store/kpi-store.js';
import { METRICS, type MetricId, type Unit } from './definitions.js';
import { localDaysBefore, periodInstant, unitsIn } from './periods.js';
import { closestWord } from './suggest.js';
import { matchKey } from './sla.js';
import type { GoalStatus } from './goals.js';
import { change, churnRate, csat, mean, netPromoterScore, percent, trend, type Measure, type Trend } from './formulas.js';

export interface PeriodRange extends Range {
  readonly timezone: string;
  readonly previous: Range;
}

export interface MetricResult {
  readonly metric: MetricId;
  readonly period: { readonly from: string; readonly to: string; readonly timezone: string };
  readonly value: number | null;
  readonly unit: Unit;
  readonly n: number;
  readonly previous: { readonly value: number | null; readonly n: number };
  /** Percent change against the previous period. */
  readonly change: number | null;
  readonly trend: Trend;
  readonly details: Record<string, unknown>;
  /** How the value stands against the goal that applies to it (src/kpi/goals.ts), when one does and the caller asked. */
  readonly goal?: GoalStatus;
}

type Computed = { measure: Measure; details: Record<string, unknown> };
type Compute = (store: KpiStore, range: Range, filters: TicketFilters, now: number, timezone: string) => Promise<Computed>;

/** eNPS is shown from this many answers, and a wave of fewer counts nowhere (anonymity). */
export const ENPS_MIN_ANSWERS = 5;

const durationDetails = (stats: DurationStats) => ({ median: stats.median, mean: stats.mean, p90: stats.p90, n: stats.n });

function surveyBuckets(rows: { scale: string; score: number; n: number }[]) {
  let satisfied = 0;
  let all = 0;
  let promoters = 0;
  let passives = 0;
  let detractors = 0;
  let sum = 0;
  let easy = 0;
  for (const row of rows) {
    all += row.n;
    sum += row.score * row.n;
    if ((row.scale === '1-5' && row.score >= 4) || (row.scale === 'good-bad' && row.score >= 1)) satisfied += row.n;
    if (row.scale === '0-10') {
      if (row.score >= 9) promoters += row.n;
      else if (row.score >= 7) passives += row.n;
      else detractors += row.n;
    }
    if (row.scale === '1-7' && row.score >= 5) easy += row.n;
  }
  return { satisfied, all, promoters, passives, detractors, sum, easy };
}

const COMPUTE: Record<Exclude<MetricId, 'summary' | 'agents'>, Compute> = {
  async volume(store, range, filters, _now, timezone) {
    const n = await store.created(range, filters);
    // Calendar units in the workspace zone, partial ones as fractions (a 25-hour DST day is one day).
    const per = (units: number) => (units === 0 ? null : n / units);
    return {
      measure: { value: n, n },
      details: {
        perDay: per(unitsIn(range, 'day', timezone)),
        perWeek: per(unitsIn(range, 'week', timezone)),
        perMonth: per(unitsIn(range, 'month', timezone)),
        byChannel: await store.createdByChannel(range, filters),
      },
    };
  },
  async backlog(store, range, filters, _now, timezone) {
    const now = await store.backlog(range.to, filters);
    // Seven local days back, as periods count days: the Monday midnight before, across a change of the clocks too.
    const weekBefore = await store.backlog(localDaysBefore(range.to, 7, timezone), filters);
    return {
      measure: { value: now.n, n: now.n },
      details: { ages: now.ages, oldest: now.oldest, sevenDaysEarlier: weekBefore.n, changeAgainstSevenDaysEarlier: change(now.n, weekBefore.n) },
    };
  },
  async resolved(store, range, filters) {
    const { resolved, unresolved } = await store.resolvedVsUnresolved(range, filters);
    return { measure: { value: resolved, n: resolved + unresolved }, details: { resolved, unresolved, ratio: unresolved === 0 ? null : resolved / unresolved } };
  },
  async frt(store, range, filters) {
    const stats = await store.firstResponse(range, filters);
    return { measure: { value: stats.median, n: stats.n }, details: { ...durationDetails(stats), awaiting: stats.awaiting, business: durationDetails(stats.business) } };
  },
  async response(store, range, filters) {
    const stats = await store.responseIntervals(range, filters);
    return { measure: { value: stats.median, n: stats.n }, details: durationDetails(stats) };
  },
  async resolution(store, range, filters) {
    const { first, full, business } = await store.resolution(range, filters);
    return {
      measure: { value: full.median, n: full.n },
      details: { full: durationDetails(full), first: durationDetails(first), business: { full: durationDetails(business.full), first: durationDetails(business.first) } },
    };
  },
  async overdue(store, range, filters, now) {
    // At the period's end, or now while it runs (as Show tickets lists them).
    const current = await store.overdueNow(periodInstant(range, now), filters, 10);
    const share = await store.breachShare(range, now, filters);
    return {
      measure: { value: current.n, n: current.n },
      details: { oldest: current.oldest, breachedShare: percent(share.breached, share.withTarget).value, breached: share.breached, withTarget: share.withTarget },
    };
  },
  async escalations(store, range, filters) {
    const escalated = await store.escalated(range, filters);
    const created = await store.created(range, filters);
    return { measure: { value: escalated, n: escalated }, details: { created, rate: percent(escalated, created).value } };
  },
  async fcr(store, range, filters) {
    const { resolved, firstContact } = await store.firstContactResolution(range, filters);
    return { measure: percent(firstContact, resolved), details: { firstContact, resolved } };
  },
  async csat(store, range, filters) {
    const b = surveyBuckets(await store.surveyScores('csat', range, filters));
    return { measure: csat(b.satisfied, b.all), details: { satisfied: b.satisfied, answers: b.all } };
  },
  async nps(store, range, filters) {
    const b = surveyBuckets(await store.surveyScores('nps', range, filters));
    return { measure: netPromoterScore(b.promoters, b.passives, b.detractors), details: { promoters: b.promoters, passives: b.passives, detractors: b.detractors } };
  },
  async ces(store, range, filters) {
    const b = surveyBuckets(await store.surveyScores('ces', range, filters));
    return { measure: mean(b.sum, b.all), details: { easyShare: percent(b.easy, b.all).value } };
  },
  async enps(store, range) {
    // Whole waves of at least 5 answers, by the period their first answer is in (KpiStore.enpsWaveScores): fewer would
    // let people be identified, directly or by subtracting one period's report from another's.
    const b = surveyBuckets(await store.enpsWaveScores(range, ENPS_MIN_ANSWERS));
    const score = netPromoterScore(b.promoters, b.passives, b.detractors);
    // A guard: counted waves hold 5 or more, so a period holds none or 5 or more.
    const hidden = score.n < ENPS_MIN_ANSWERS;
    return { measure: hidden ? { value: null, n: score.n } : score, details: hidden ? { hidden: true } : { promoters: b.promoters, passives: b.passives, detractors: b.detractors } };
  },
  async aht(store, range, filters) {
    const { total, tickets } = await store.handleTime(range, filters);
    return { measure: mean(total, tickets), details: { totalSeconds: total, tickets } };
  },
  async churn(store, range) {
    const { atStart, lost } = await store.churn(range);
    return { measure: churnRate(lost, atStart), details: { atStart, lost } };
  },
  async repeat(store, range) {
    const { buyers, repeatBuyers } = await store.repeatPurchase(range);
    return { measure: percent(repeatBuyers, buyers), details: { buyers, repeatBuyers } };
  },
  async selfservice(store, range) {
    const { resolvedSessions, ticketsCreated } = await store.selfService(range);
    return { measure: percent(resolvedSessions, resolvedSessions + ticketsCreated), details: { resolvedSessions, ticketsCreated } };
  },
};

export const SUMMARY_METRICS = ['volume', 'backlog', 'frt', 'resolution', 'overdue', 'escalations', 'csat', 'fcr'] as const;
type SummaryMetric = (typeof SUMMARY_METRICS)[number];

/**
 * The summary's headline of each of its metrics: the same value and n as the
 * metric's own computation, without the details (breakdowns, percentiles
 * beyond the median, business hours, lists) that only the metric's own reply shows.
 */
const HEADLINE: Record<SummaryMetric, Compute> = {
  volume: async (store, range, filters) => {
    const n = await store.created(range, filters);
    return { measure: { value: n, n }, details: {} };
  },
  backlog: async (store, range, filters) => {
    const n = await store.backlogCount(range.to, filters);
    return { measure: { value: n, n }, details: {} };
  },
  frt: async (store, range, filters) => {
    const stats = await store.firstResponseCalendar(range, filters, true);
    return { measure: { value: stats.median, n: stats.n }, details: {} };
  },
  resolution: async (store, range, filters) => {
    const full = await store.fullResolution(range, filters, true);
    return { measure: { value: full.median, n: full.n }, details: {} };
  },
  overdue: async (store, range, filters, now) => {
    const n = await store.overdueCount(periodInstant(range, now), filters);
    return { measure: { value: n, n }, details: {} };
  },
  escalations: async (store, range, filters) => {
    const n = await store.escalated(range, filters);
    return { measure: { value: n, n }, details: {} };
  },
  csat: async (...args) => ({ measure: (await COMPUTE.csat(...args)).measure, details: {} }),
  fcr: async (...args) => ({ measure: (await COMPUTE.fcr(...args)).measure, details: {} }),
};

const isSummaryMetric = (id: MetricId): id is SummaryMetric => (SUMMARY_METRICS as readonly MetricId[]).includes(id);

/** A metric's value and n alone: its headline where the summary has one, else its own computation. */
const headlineOf = (id: Exclude<MetricId, 'summary' | 'agents'>): Compute => (isSummaryMetric(id) ? HEADLINE[id] : COMPUTE[id]);

/** A metric over a period against the one before, without the details: one row of a breakdown by a ticket field. */
export async function computeHeadline(id: Exclude<MetricId, 'summary' | 'agents'>, store: KpiStore, period: PeriodRange, filters: TicketFilters, now: number): Promise<MetricResult> {
  return measureWith(headlineOf(id), headlineOf(id), id, store, period, filters, now);
}

/** A metric's value and n over one range, with no comparison: one row of a breakdown by day, week or month. */
export async function measureHeadline(id: Exclude<MetricId, 'summary' | 'agents'>, store: KpiStore, range: Range, filters: TicketFilters, now: number, timezone: string): Promise<Measure> {
  return (await headlineOf(id)(store, range, filters, now, timezone)).measure;
}

export async function computeMetric(id: Exclude<MetricId, 'summary' | 'agents'>, store: KpiStore, period: PeriodRange, filters: TicketFilters, now: number): Promise<MetricResult> {
  // Only the previous period's value and n are shown: where a headline computes just those, it stands in for the full computation.
  return measureWith(COMPUTE[id], isSummaryMetric(id) ? HEADLINE[id] : COMPUTE[id], id, store, period, filters, now);
}

/** A value against the previous period's: the fields of a MetricResult (and of a breakdown's row) that compare them. */
export function compared(id: MetricId, current: Measure, previous: Measure): Pick<MetricResult, 'value' | 'n' | 'previous' | 'change' | 'trend'> {
  return {
    value: current.value,
    n: current.n,
    previous: { value: previous.value, n: previous.n },
    change: change(current.value, previous.value),
    trend: trend(current.value, previous.value, METRICS[id].higherIsBetter),
  };
}

async function measureWith(compute: Compute, computePrevious: Compute, id: MetricId, store: KpiStore, period: PeriodRange, filters: TicketFilters, now: number): Promise<MetricResult> {
  // The two periods are independent queries: they run side by side on PostgreSQL's pool and on SQLite's two report connections.
  // The previous period's "now" is its end: open-ticket metrics look at that instant.
  const [current, previous] = await Promise.all([
    compute(store, period, filters, now, period.timezone),
    computePrevious(store, period.previous, filters, periodInstant(period.previous, now), period.timezone),
  ]);
  return {
    metric: id,
    period: { from: new Date(period.from).toISOString(), to: new Date(period.to).toISOString(), timezone: period.timezone },
    unit: METRICS[id].unit,
    ...compared(id, current.measure, previous.measure),
    details: current.details,
  };
}

export async function computeSummary(store: KpiStore, period: PeriodRange, filters: TicketFilters, now: number): Promise<{ metrics: MetricResult[] }> {
  const metrics = await Promise.all(SUMMARY_METRICS.map((id) => measureWith(HEADLINE[id], HEADLINE[id], id, store, period, filters, now)));
  return { metrics };
}

export const AGENT_COLUMNS = ['solved', 'frtMedian', 'resolutionMedian', 'csat', 'fcr', 'aht', 'openAssigned', 'overdue'] as const;
export type AgentColumn = (typeof AGENT_COLUMNS)[number];
/** For each column, whether a higher value ranks first by default. */
export const HIGHER_FIRST: Readonly<Record<AgentColumn, boolean>> = { solved: true, frtMedian: false, resolutionMedian: false, csat: true, fcr: true, aht: false, openAssigned: true, overdue: true };

/** The short words a column is sorted by (`/kpi agents sort:frt`, `kpibot report agents --sort frt`), as its metric is named. */
export const AGENT_SORT_WORDS: Readonly<Record<string, AgentColumn>> = { solved: 'solved', frt: 'frtMedian', resolution: 'resolutionMedian', csat: 'csat', fcr: 'fcr', aht: 'aht', open: 'openAssigned', overdue: 'overdue' };

/** A column by its short word or its name (`frt`, `frtMedian`, any case); undefined when it is neither. */
export function agentColumnOf(word: string): AgentColumn | undefined {
  const lower = word.toLowerCase();
  // Own words only: `constructor` or `__proto__` are no column (an object's inherited keys would have read as one).
  return (Object.hasOwn(AGENT_SORT_WORDS, lower) ? AGENT_SORT_WORDS[lower] : undefined) ?? AGENT_COLUMNS.find((column) => column.toLowerCase() === lower);
}

/**
 * The agents table's order by a column: its better end first (HIGHER_FIRST), no value last, then by name, and last by
 * the agent's id, so that two agents of one name and value (one person's accounts in two helpdesks) keep one order from
 * one read to the next, which pages rely on (PostgreSQL returns rows in no set order).
 */
export function agentOrder(sort: AgentColumn): (a: AgentRow, b: AgentRow) => number {
  const direction = HIGHER_FIRST[sort] ? -1 : 1;
  return (a, b) => {
    const x = a[sort];
    const y = b[sort];
    if (x === null && y === null) return a.name.localeCompare(b.name) || a.agentId - b.agentId;
    if (x === null) return 1;
    if (y === null) return -1;
    return direction * (x - y) || a.name.localeCompare(b.name) || a.agentId - b.agentId;
  };
}

/** The `agents` table: one row per agent, sorted by a column (no-data cells last), then by name. */
export async function computeAgents(store: KpiStore, period: PeriodRange, filters: TicketFilters, now: number, sort: AgentColumn = 'solved'): Promise<{ metric: 'agents'; period: MetricResult['period']; sort: AgentColumn; rows: AgentRow[] }> {
  const rows = (await store.agentTable(period, now, filters)).sort(agentOrder(sort));
  return {
    metric: 'agents',
    period: { from: new Date(period.from).toISOString(), to: new Date(period.to).toISOString(), timezone: period.timezone },
    sort,
    rows,
  };
}

/** A name filter that matches no ticket (a typo reads as a real zero otherwise), with the known name closest to it. */
export interface UnmatchedFilter {
  readonly key: 'team' | 'agent' | 'channel' | 'tag';
  readonly value: string;
  readonly suggestion?: string;
}

export async function unmatchedFilters(store: KpiStore, filters: TicketFilters): Promise<UnmatchedFilter[]> {
  return (await store.filterMisses(filters)).map(({ key, value, candidates }) => {
    const suggestion = closestWord(value, candidates);
    // The same name back (an agent who exists but has no ticket here) is no suggestion.
    return suggestion === undefined || matchKey(suggestion) === matchKey(value) ? { key, value } : { key, value, suggestion };
  });
}
