/**
 * From what a person typed or clicked to the message that answers it, with no
 * Slack transport in sight: the Bolt listeners and the local console both call
 * these. Text → parser → KPI engine (SQL in the store) → a pure view.
 */
import type { Database } from '../store/database.js';
import { KpiStore, type TicketFilters } from '../store/kpi-store.js';
import { computeAgents, computeMetric, computeSummary, unmatchedFilters, type AgentColumn } from '../kpi/metrics.js';
import { breakdownProblem, computeBreakdown } from '../kpi/breakdown.js';
import { agentRowsWithGoals, breakdownWithGoals, withGoal, type Goal } from '../kpi/goals.js';
import { GoalStore } from '../store/goal-store.js';
import { goalsView } from './blocks/goals.js';
import type { Breakdown } from '../kpi/request-words.js';
import { breakdownView } from './blocks/breakdown.js';
import { periodInstant, resolvePeriod, type Period } from '../kpi/periods.js';
import type { MetricId } from '../kpi/definitions.js';
import { t } from '../i18n/catalogue.js';
import type { Locale } from '../i18n/locale.js';
import { DEFAULT_PERIOD, isCommandError, parseKpiCommand, requiresAdmin, type AdminRequest } from './command.js';

export type { AdminRequest };
import type { SlackMessage } from './blocks/kit.js';
import { handlePersonalDigest } from './listeners/personal-digest.js';
import { decodeRef, type RequestRef } from './blocks/common.js';
import { ACTION, agentsView, metricView, summaryView } from './blocks/metric.js';
import { commandErrorView, explainView, helpView, noticeView } from './blocks/text-views.js';
import { TICKETS_PER_PAGE, ticketsView } from './blocks/tickets.js';
import { homeView, type HomeViewModel, type WorkspaceConfiguration } from './blocks/home.js';
import { DigestStore } from '../store/digest-store.js';
import { ALERT_RULE_KINDS, AlertStore } from '../store/alert-store.js';
import { DirectoryStore } from '../store/directory-store.js';
import { LanguageStore } from '../store/language-store.js';
import { handleLanguage } from './listeners/language.js';

/** Who asks: their Slack user id, language, and whether they may configure the bot. */
export interface Asker {
  readonly userId: string;
  readonly locale: Locale;
  readonly isAdmin: boolean;
  /** Their Slack profile e-mail (users:read.email), to link them to the helpdesk agent with the same address. */
  readonly email?: string;
  /** The channel the command was typed in (`/kpi enps start` without a channel surveys its members). */
  readonly channelId?: string;
  /** Slack could not be asked who they are (users.info failed): admin rights come from KPI_ADMINS alone this time. */
  readonly unverified?: boolean;
}


/** Carries out an admin request (already checked: the asker is an admin) and says what it did. */
export type AdminHandler = (request: AdminRequest, asker: Asker) => Promise<SlackMessage>;

export interface AnswerDeps {
  readonly db: Database;
  /** The workspace time zone (KPI_TIMEZONE): periods are read in it. */
  readonly timezone: string;
  readonly clock: () => number;
  readonly admin?: AdminHandler;
  /** The workspace language (KPI_LOCALE): a channel's when none was chosen for it. The asker's when absent. */
  readonly locale?: Locale;
}

export interface Answer {
  readonly message: SlackMessage;
  /** Post in the channel for everyone, rather than only to the asker. */
  readonly share: boolean;
  /** Replace the message the button was on (paging). */
  readonly replace?: boolean;
}

/** The asker with the language they chose (`/kpi language`), which wins over what Slack says of them. */
async function withChosenLanguage(asker: Asker, db: Database): Promise<Asker> {
  const chosen = await new LanguageStore(db).chosen(asker.userId);
  return chosen === undefined || chosen === asker.locale ? asker : { ...asker, locale: chosen };
}

/**
 * Who reads an answer: the asker; or, when it is shared in a channel, that channel's members, in the channel's
 * language (`/kpi language #channel tr`), else the workspace's, as everything else posted there.
 */
async function readerOf(asker: Asker, share: boolean, deps: AnswerDeps): Promise<Asker> {
  if (!share || asker.channelId === undefined) return asker;
  const locale = (await new LanguageStore(deps.db).chosen(asker.channelId)) ?? deps.locale ?? asker.locale;
  return locale === asker.locale ? asker : { ...asker, locale };
}

/** The answer to `/kpi <text>`. */
export async function answerCommand(text: string, slackAsker: Asker, deps: AnswerDeps): Promise<Answer> {
  const now = deps.clock();
  const asker = await withChosenLanguage(slackAsker, deps.db);
  const request = parseKpiCommand(text, { now, timezone: deps.timezone });
  if (isCommandError(request)) return { message: commandErrorView(request, asker.locale), share: false };
  if (requiresAdmin(request)) {
    if (!asker.isAdmin) return { message: noticeView(t(asker.locale, asker.unverified === true ? 'error.admin_unverified' : 'error.admin_only')), share: false };
    if (deps.admin === undefined) return { message: noticeView(t(asker.locale, 'error.generic')), share: false };
    return { message: await deps.admin(request as AdminRequest, asker), share: false };
  }
  switch (request.kind) {
    case 'help':
      return { message: helpView((await readerOf(asker, request.share, deps)).locale), share: request.share };
    case 'explain': {
      // The n behind the number the reader would see with `/kpi <metric>` (30 days, no filters).
      const n = request.metric === 'summary' || request.metric === 'agents' ? undefined : (await computeMetric(request.metric, new KpiStore(deps.db), resolvePeriod(DEFAULT_PERIOD, now, deps.timezone), {}, now)).n;
      return { message: explainView({ metric: request.metric, ...(n === undefined ? {} : { n }) }, (await readerOf(asker, request.share, deps)).locale), share: request.share };
    }
    case 'metric':
      return { message: await metricAnswer(request.metric, request.period, request.filters, request.share, asker, deps, now, { ...(request.by === undefined ? {} : { by: request.by }), ...(request.sort === undefined ? {} : { sort: request.sort }) }), share: request.share };
    case 'agent': {
      // The header is plain text, where Slack shows a mention as `<@U…>`: the name Slack sent, else the linked agent's.
      const agent = request.agent;
      const linked = agent.kind === 'slack_user' ? await new DirectoryStore(deps.db).linkedAgent(agent.id) : undefined;
      // A Slack user linked to no helpdesk agent has no tickets here: say why, rather than a summary of zeros.
      if (agent.kind === 'slack_user' && linked === undefined) return { message: noticeView(t(asker.locale, 'view.agent_not_linked', { user: `<@${agent.id}>` })), share: false };
      const name = agent.kind === 'text' ? agent.value : agent.name !== undefined ? `@${agent.name}` : (linked?.name ?? agent.id);
      const title = (locale: Locale) => t(locale, 'view.agent_title', { agent: name });
      return { message: await metricAnswer('summary', request.period, request.filters, request.share, asker, deps, now, { title }), share: request.share };
    }
    case 'language':
      return { message: await handleLanguage(request, { db: deps.db, userId: asker.userId, locale: asker.locale, unchosen: slackAsker.locale, workspaceLocale: deps.locale ?? slackAsker.locale, now }), share: false };
    case 'goals':
      return { message: goalsView(await new GoalStore(deps.db).all(), asker.locale), share: false };
    case 'digest_me':
      return { message: await handlePersonalDigest(request, { db: deps.db, userId: asker.userId, locale: asker.locale, now, timezone: deps.timezone }), share: false };
    default:
      return { message: noticeView(t(asker.locale, 'error.generic')), share: false };
  }
}

/**
 * The answer to a click on one of our buttons. A button this version cannot read (a message from an older or newer
 * version, a value altered on its way) is answered with a note to ask again, never with silence.
 */
export async function answerAction(actionId: string, value: string | undefined, slackAsker: Asker, deps: AnswerDeps): Promise<Answer> {
  const asker = await withChosenLanguage(slackAsker, deps.db);
  const stale: Answer = { message: noticeView(t(asker.locale, 'error.stale_button')), share: false };
  const ref = decodeRef(value);
  if (ref === undefined) return stale;
  const now = deps.clock();
  const action = actionId.split(':')[0];
  if (action === ACTION.explain) return { message: explainView({ metric: ref.m, ...(ref.n === undefined ? {} : { n: ref.n }) }, asker.locale), share: false };
  const period = periodOf(ref, deps, now);
  if (period === undefined) return stale;
  if ((action === ACTION.share || action === ACTION.breakdownPage) && ref.b !== undefined) {
    // The period is read again at the click: `2026-09-24.. by:day` a day later has 63 days. Said to the sharer, not
    // posted unsplit in the channel.
    const problem = breakdownProblem(ref.m, ref.b, period);
    if (problem !== undefined) return { message: commandErrorView({ kind: 'error', code: problem, word: `by:${ref.b}` }, asker.locale), share: false };
  }
  const order = ref.s === undefined ? {} : { sort: ref.s };
  if (action === ACTION.share) return { message: await metricAnswer(ref.m, period, ref.f, true, asker, deps, now, { sharedBy: asker.userId, ...(ref.b === undefined ? {} : { by: ref.b }), ...order }), share: true };
  // A breakdown's next or previous page of values, read again at the click; in place of the page shown.
  if (action === ACTION.breakdownPage && ref.b !== undefined) {
    return { message: await metricAnswer(ref.m, period, ref.f, false, asker, deps, now, { by: ref.b, page: Math.max(0, ref.pg ?? 0) }), share: false, replace: true };
  }
  // The agents table's next or previous page, in its order, read again at the click; in place of the page shown.
  if (action === ACTION.agentsPage && ref.m === 'agents') {
    return { message: await metricAnswer('agents', period, ref.f, false, asker, deps, now, { ...order, page: Math.max(0, ref.pg ?? 0) }), share: false, replace: true };
  }
  if ((action === ACTION.showTickets || action === ACTION.page) && ref.l !== undefined) {
    const store = new KpiStore(deps.db);
    const pageOf = (page: number) => store.ticketList(ref.l!, { at: periodInstant(period, now), range: period, filters: ref.f, offset: page * TICKETS_PER_PAGE, limit: TICKETS_PER_PAGE });
    let page = Math.max(0, Math.floor(ref.pg ?? 0));
    let list = await pageOf(page);
    // A page past the end (tickets went since the page before was read, or an altered button): the last one.
    const last = Math.max(0, Math.ceil(list.total / TICKETS_PER_PAGE) - 1);
    if (page > last) list = await pageOf((page = last));
    const message = ticketsView({ list: ref.l, rows: list.rows, total: list.total, page, period, filters: ref.f, now }, asker.locale);
    return { message, share: false, replace: action === ACTION.page };
  }
  return stale;
}

function periodOf(ref: RequestRef, deps: AnswerDeps, now: number): Period | undefined {
  try {
    return resolvePeriod(ref.p, now, deps.timezone);
  } catch {
    return undefined;
  }
}

/** How a metric answer is asked for besides its metric, period and filters. */
interface AnswerOptions {
  /** A title other than the metric's name (one agent's numbers), in the reader's language. */
  readonly title?: (locale: Locale) => string;
  /** Who pressed Share. */
  readonly sharedBy?: string;
  /** What the metric is split by; the parser (or the button's ref, checked again here) allows it. */
  readonly by?: Breakdown;
  /** The agents table's order (`sort:frt`); its page, or a breakdown's. */
  readonly sort?: AgentColumn;
  readonly page?: number;
}

async function metricAnswer(metric: MetricId, period: Period, filters: TicketFilters, share: boolean, asker: Asker, deps: AnswerDeps, now: number, options: AnswerOptions = {}): Promise<SlackMessage> {
  const reader = await readerOf(asker, share, deps);
  const title = options.title?.(reader.locale);
  const { sharedBy, by, sort, page } = options;
  const store = new KpiStore(deps.db);
  const [unmatched, goals] = await Promise.all([unmatchedFilters(store, filters), new GoalStore(deps.db).all()]);
  const shared = { shared: share, ...(sharedBy === undefined ? {} : { sharedBy }), ...(unmatched.length === 0 ? {} : { unmatched }) };
  if (by !== undefined && metric !== 'summary' && metric !== 'agents' && breakdownProblem(metric, by, period) === undefined) {
    const result = breakdownWithGoals(await computeBreakdown(metric, by, store, period, filters, now, { ...(page === undefined ? {} : { page }) }), goals, filters);
    return breakdownView({ result, period, filters, ...shared }, reader.locale);
  }
  if (metric === 'summary') {
    const metrics = (await computeSummary(store, period, filters, now)).metrics.map((result) => withGoal(result, goals, filters));
    return summaryView({ metrics, period, filters, ...shared, ...(title === undefined ? {} : { title }) }, reader.locale);
  }
  if (metric === 'agents') {
    const rows = agentRowsWithGoals((await computeAgents(store, period, filters, now, sort)).rows, goals, filters);
    return agentsView({ rows, period, filters, ...shared, ...(sort === undefined ? {} : { sort }), ...(page === undefined ? {} : { page }) }, reader.locale);
  }
  const result = withGoal(await computeMetric(metric, store, period, filters, now), goals, filters);
  return metricView({ result, period, filters, now, ...shared, ...(title === undefined ? {} : { title }) }, reader.locale);
}

/** The Home tab of one person: the team's numbers over 7 days, their own tickets if linked, the configuration for admins. */
export async function answerHome(slackAsker: Asker, deps: AnswerDeps): Promise<SlackMessage> {
  const now = deps.clock();
  const asker = await withChosenLanguage(slackAsker, deps.db);
  const store = new KpiStore(deps.db);
  const directory = new DirectoryStore(deps.db);
  const period = resolvePeriod('7d', now, deps.timezone);
  const goals = await new GoalStore(deps.db).all();
  const team = (await computeSummary(store, period, {}, now)).metrics.map((result) => withGoal(result, goals, {}));
  // A person whose Slack e-mail is an agent's address, not linked to anyone yet, is linked on the way.
  if (asker.email !== undefined && (await directory.linkedAgent(asker.userId)) === undefined) await directory.linkByEmail(asker.email, asker.userId, now, { onlyUnlinked: true });
  const agent = await directory.linkedAgent(asker.userId);
  let mine: HomeViewModel['mine'];
  if (agent !== undefined) {
    const filters = { agent: asker.userId };
    const open = await store.ticketList('backlog', { at: now, range: period, filters, offset: 0, limit: 15 });
    mine = {
      open: open.rows,
      openTotal: open.total,
      frt: withGoal(await computeMetric('frt', store, period, filters, now), goals, filters),
      csat: withGoal(await computeMetric('csat', store, period, filters, now), goals, filters),
      teamFrt: team.find((result) => result.metric === 'frt') ?? (await computeMetric('frt', store, period, {}, now)),
      teamCsat: team.find((result) => result.metric === 'csat') ?? (await computeMetric('csat', store, period, {}, now)),
    };
  }
  const admin = asker.isAdmin ? await workspaceConfiguration(deps.db, 10, goals) : undefined;
  return homeView({ period, team, now, ...(mine === undefined ? {} : { mine }), ...(admin === undefined ? {} : { admin }) }, asker.locale);
}

/** The active digests and alert routes for the Home tab, from the stores the scheduler reads. */
async function workspaceConfiguration(db: Database, limit: number, goals: readonly Goal[]): Promise<WorkspaceConfiguration> {
  const subscriptions = await new DigestStore(db).enabled();
  const alerts = new AlertStore(db);
  const [rules, teamRoutes, quietHours] = await Promise.all([Promise.all(ALERT_RULE_KINDS.map((kind) => alerts.rules(kind))).then((lists) => lists.flat()), alerts.teamRouting(), alerts.quietHours()]);
  return {
    subscriptionCount: subscriptions.length,
    alertRuleCount: rules.length,
    teamRouteCount: teamRoutes.length,
    quietHoursCount: quietHours.size,
    subscriptions: subscriptions.slice(0, limit).map((row) => ({ target: row.channelId ?? row.slackUserId ?? '', personal: row.kind === 'personal', schedule: row.schedule, timezone: row.timezone, metrics: row.metrics })),
    alertRules: rules.slice(0, limit).map((row) => ({ kind: row.kind, channelId: row.channelId, team: row.team })),
    teamRoutes: teamRoutes.slice(0, limit),
    quietHours: [...quietHours].slice(0, limit).map(([channelId, quiet]) => ({ channelId, quiet })),
    goalCount: goals.length,
    goals: goals.slice(0, limit),
  };
}
