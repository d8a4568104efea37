/**
 * The digest job (every minute on the leader): each subscription whose cron
 * expression names a minute since its last run gets one outbox row, keyed by
 * subscription and scheduled instant, written with the run's record in one
 * transaction. "Only if changed" skips a post whose numbers equal the last
 * one's. `/kpi digest now #channel` builds the same message at once.
 */
import type { Logger } from '../logger.js';
import { createHash } from 'node:crypto';
import type { Database } from '../store/database.js';
import type { Locale } from '../i18n/locale.js';
import { DigestStore, type DigestSubscription } from '../store/digest-store.js';
import { KpiStore, type TicketFilters } from '../store/kpi-store.js';
import { enqueue } from '../store/outbox-store.js';
import { LanguageStore } from '../store/language-store.js';
import { computeAgents, computeMetric, computeSummary, type MetricResult } from '../kpi/metrics.js';
import { breakdownWithGoals, goalScopeKey, withGoal } from '../kpi/goals.js';
import { GoalStore } from '../store/goal-store.js';
import { resolvePeriod } from '../kpi/periods.js';
import { breakdownProblem, computeBreakdown, type BreakdownResult } from '../kpi/breakdown.js';
import { isTimeBreakdown, type Breakdown } from '../kpi/request-words.js';
import type { MetricId } from '../kpi/definitions.js';
import { digestView, personalDigestView } from '../slack/blocks/digest.js';
import type { SlackMessage } from '../slack/blocks/kit.js';
import { digestPeriodWord, latestDueInstant } from './digest-schedule.js';

export interface DigestDeps {
  readonly db: Database;
  /** The workspace language (KPI_LOCALE): a channel's or person's without a choice of their own. */
  readonly locale: Locale;
  /** Where a digest that could not be made is reported (the others still go). */
  readonly logger?: Logger;
}

export interface BuiltDigest {
  readonly message: SlackMessage;
  /** Over the numbers only (not the wording or the clock), for "only if changed". */
  readonly hash: string;
}

const hashOf = (value: unknown) => createHash('sha256').update(JSON.stringify(value)).digest('hex');

/** A channel digest at `at`: the period before it, in `timezone`. */
export async function buildChannelDigest(db: Database, spec: { metrics: readonly MetricId[]; filters: TicketFilters; timezone: string; periodWord: string; by?: Breakdown }, at: number, locale: Locale): Promise<BuiltDigest> {
  const kpi = new KpiStore(db);
  const period = resolvePeriod(spec.periodWord, at, spec.timezone);
  const ids = spec.metrics.filter((id) => id !== 'agents');
  const goals = await new GoalStore(db).all();
  const metrics: MetricResult[] = [];
  if (ids.length === 0 || ids.includes('summary')) metrics.push(...(await computeSummary(kpi, period, spec.filters, at)).metrics.map((result) => withGoal(result, goals, spec.filters)));
  for (const id of ids) {
    if (id === 'summary' || metrics.some((result) => result.metric === id)) continue;
    metrics.push(withGoal(await computeMetric(id, kpi, period, spec.filters, at), goals, spec.filters));
  }
  const backlog = (await kpi.backlog(at, spec.filters)).n;
  const overdue = await kpi.overdueNow(at, spec.filters, 5);
  const agents = await computeAgents(kpi, period, spec.filters, at, 'solved');
  const highlights = agents.rows.filter((row) => row.solved > 0).slice(0, 3).map((row) => ({ name: row.name, slackUserId: row.slackUserId, solved: row.solved, frtMedian: row.frtMedian }));
  // Each metric the digest names split by its `by:` (the parser let in only those that can be).
  const breakdowns: BreakdownResult[] = [];
  for (const id of ids) {
    if (spec.by === undefined || id === 'summary' || breakdownProblem(id, spec.by, period) !== undefined) continue;
    breakdowns.push(breakdownWithGoals(await computeBreakdown(id, spec.by, kpi, period, spec.filters, at), goals, spec.filters));
  }
  const message = digestView({ period, filters: spec.filters, metrics, breakdowns, backlog, overdue: overdue.n, oldestOverdue: overdue.oldest, highlights, now: at }, locale);
  // A day's row is named by its date, which moves on with every digest: time rows compare by their place. A goal set
  // or changed since the last digest changes what it says, so its target and scope count too.
  const hash = hashOf({
    m: metrics.map((result) => [result.metric, result.value, result.previous.value, ...(result.goal === undefined ? [] : [result.goal.target, goalScopeKey(result.goal.filters)])]),
    b: breakdowns.map((split) => [split.more, split.without, ...split.rows.map((row, index) => [isTimeBreakdown(split.by) ? index : row.key, row.value, row.previous?.value ?? null, row.slackUserId ?? null, ...(row.goal === undefined ? [] : [row.goal.target, goalScopeKey(row.goal.filters)])])]),
    backlog, overdue: overdue.n, oldest: overdue.oldest.map((ticket) => ticket.externalId), highlights,
  });
  return { message, hash };
}

/** A linked agent's personal digest: open tickets, oldest first, with SLA time left. */
export async function buildPersonalDigest(db: Database, slackUserId: string, at: number, locale: Locale): Promise<BuiltDigest> {
  const kpi = new KpiStore(db);
  const filters = { agent: slackUserId };
  const list = await kpi.ticketList('backlog', { at, range: { from: 0, to: at }, filters, offset: 0, limit: 10 });
  const overdue = (await kpi.overdueNow(at, filters, 0)).n;
  const message = personalDigestView({ open: list.total, overdue, tickets: list.rows, now: at }, locale);
  return { message, hash: hashOf({ open: list.total, overdue, ids: list.rows.map((row) => [row.externalId, row.dueAt]) }) };
}

/** In the language chosen for the channel or person it goes to (`/kpi language`), else the workspace's. */
function buildFor(deps: DigestDeps, subscription: DigestSubscription, at: number, locale: Locale): Promise<BuiltDigest> {
  if (subscription.kind === 'personal' && subscription.slackUserId !== null) return buildPersonalDigest(deps.db, subscription.slackUserId, at, locale);
  return buildChannelDigest(deps.db, { metrics: subscription.metrics, filters: subscription.filters, timezone: subscription.timezone, periodWord: digestPeriodWord(subscription.schedule), ...(subscription.by === undefined ? {} : { by: subscription.by }) }, at, locale);
}

/**
 * Per database, the minute up to which each subscription (by id, schedule and zone) was found with nothing due. A
 * subscription's last run moves only when it is due, so each minute would otherwise match its schedule against every
 * minute of the 6 hours' catch-up again: 360 time-zone conversions a subscription a minute (100 subscriptions: 140 ms
 * each minute, 1.4 ms with this). Kept in memory: a new leader looks back the 6 hours once.
 */
const checkedThrough = new WeakMap<Database, Map<string, number>>();

/** Enqueues the digests that are due at `now`; how many posts were enqueued. */
export async function runDigests(deps: DigestDeps, now: number): Promise<number> {
  const store = new DigestStore(deps.db);
  const languages = await new LanguageStore(deps.db).languages(deps.locale);
  const checked = checkedThrough.get(deps.db);
  // Only the subscriptions enabled now are remembered.
  const checking = new Map<string, number>();
  checkedThrough.set(deps.db, checking);
  let posted = 0;
  let failed: unknown;
  for (const subscription of await store.enabled()) {
    const target = subscription.kind === 'personal' ? subscription.slackUserId : subscription.channelId;
    if (target === null) continue;
    try {
      const key = `${subscription.id}:${subscription.schedule}:${subscription.timezone}`;
      const through = checked?.get(key);
      // A clock set back (a test's, an operator's) forgets it.
      const after = Math.max(subscription.lastRunAt ?? subscription.createdAt, through !== undefined && through <= now ? through : Number.NEGATIVE_INFINITY);
      const instant = latestDueInstant(subscription.schedule, subscription.timezone, after, now);
      if (instant === undefined) {
        checking.set(key, Math.max(after, Math.floor(now / 60_000) * 60_000));
        continue;
      }
      const built = await buildFor(deps, subscription, instant, languages.of(target));
      const unchanged = subscription.onlyIfChanged && subscription.lastContentHash === built.hash;
      const enqueued = await deps.db.transaction(async (trx) => {
        await store.markRun(trx, subscription.id, instant, built.hash);
        if (unchanged) return false;
        return enqueue(trx, { dedupeKey: `digest:${subscription.id}:${instant}`, kind: subscription.kind === 'personal' ? 'personal_digest' : 'digest', target, message: built.message, notBefore: instant }, now);
      });
      if (enqueued) posted += 1;
    } catch (error) {
      // One subscription that cannot be made (a schedule or zone written by hand into the table) stops no other.
      failed ??= error;
      deps.logger?.error({ err: error, subscription: subscription.id, target }, 'a digest could not be made: the others go on');
    }
  }
  // Without a logger to tell, the failure goes to the caller, after the other digests went.
  if (failed !== undefined && deps.logger === undefined) throw failed;
  return posted;
}

/** Queues the channel's digest (its first subscription's), or yesterday's summary when it has none; says which. */
export async function enqueueDigestNow(deps: DigestDeps, channelId: string, timezone: string, now: number): Promise<'subscription' | 'summary'> {
  const [subscription] = await new DigestStore(deps.db).ofChannel(channelId);
  const locale = (await new LanguageStore(deps.db).chosen(channelId)) ?? deps.locale;
  const built = subscription === undefined
    ? await buildChannelDigest(deps.db, { metrics: ['summary'], filters: {}, timezone, periodWord: 'yesterday' }, now, locale)
    : await buildFor(deps, subscription, now, locale);
  await enqueue(deps.db, { dedupeKey: `digest-now:${channelId}:${now}`, kind: 'digest', target: channelId, message: built.message, notBefore: now }, now);
  return subscription === undefined ? 'summary' : 'subscription';
}
