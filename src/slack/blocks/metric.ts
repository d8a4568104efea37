/**
 * The replies to `/kpi`: one metric, the summary, the agents table. Pure:
 * `(viewModel, locale) → { text, blocks }`, tested on their JSON.
 *
 * One metric: a header with the key number, the trend against the previous
 * period (and whether that move is good), a context line (period, filters, n),
 * the details as fields, lists cut with "and N more", and buttons (Explain,
 * Show tickets where the number rests on tickets, Share when the reply is
 * only visible to the asker).
 */
import { METRICS, type MetricId } from '../../kpi/definitions.js';
import { AGENT_GOAL_COLUMNS, isReplysOwnGoal, type AgentGoalColumn, type AgentGoals, type GoalStatus } from '../../kpi/goals.js';
import { HIGHER_FIRST, type AgentColumn, type MetricResult, type UnmatchedFilter } from '../../kpi/metrics.js';
import { periodInstant, type Period } from '../../kpi/periods.js';
import type { AgentRow, TicketFilters } from '../../store/kpi-store.js';
import type { TicketListKind } from '../../kpi/request-words.js';
import { t, type MessageKey } from '../../i18n/catalogue.js';
import { formatDuration, formatMetricValue, formatNumber, formatPercent } from '../../i18n/format.js';
import type { Locale } from '../../i18n/locale.js';
import { actions, button, context, escapeMrkdwn, fields, header, lineSections, messageIn, section, type Block, type Button, type SlackMessage } from './kit.js';
import { contextText, dueText, encodeRef, goalGap, goalLine, goalScopeText, goalTarget, unmatchedLines, headlineName, metricFields, metricName, metricsPlain, pageButtons, previousText, ticketLine, trendText, type RequestRef } from './common.js';

export const ACTION = {
  explain: 'kpi_explain',
  showTickets: 'kpi_show_tickets',
  share: 'kpi_share',
  page: 'kpi_tickets_page',
  agentsPage: 'kpi_agents_page',
  breakdownPage: 'kpi_breakdown_page',
} as const;

/** Agents per page of the agents table: a section each, within a message's 50 blocks. */
export const AGENTS_PER_PAGE = 20;

/** Metrics whose number rests on a list of tickets the reader can open. */
export const TICKET_LISTS: Partial<Record<MetricId, TicketListKind>> = { backlog: 'backlog', overdue: 'overdue', escalations: 'escalations' };

/** What every KPI reply shows besides its numbers. */
export interface ReplyModel {
  readonly period: Period;
  readonly filters: TicketFilters;
  /** The reply is posted in the channel (no Share button then). */
  readonly shared: boolean;
  /** Who shared it, shown on a shared reply. */
  readonly sharedBy?: string;
  /** Filters that match no ticket at all, said under the numbers. */
  readonly unmatched?: readonly UnmatchedFilter[];
}

const unmatchedNote = (locale: Locale, model: ReplyModel): string[] => unmatchedLines(locale, model.unmatched ?? []);

/** "Shared by @someone", on a reply someone shared. */
function sharedNote(locale: Locale, model: ReplyModel): string[] {
  return model.sharedBy === undefined ? [] : [t(locale, 'view.shared_by', { user: `<@${model.sharedBy}>` })];
}

export interface MetricViewModel extends ReplyModel {
  readonly result: MetricResult;
  readonly now: number;
  /** A title other than the metric's name (one agent's numbers). */
  readonly title?: string;
}

const LIST_ROWS = 5;

export function metricView(model: MetricViewModel, locale: Locale): SlackMessage {
  const { result, period, filters, now } = model;
  const name = model.title ?? headlineName(locale, result.metric);
  const value = formatMetricValue(locale, result.value, result.unit);
  const trend = trendText(locale, result);
  const blocks: Block[] = [header(t(locale, 'view.title_value', { metric: name, value }))];
  blocks.push(section([trend, previousText(locale, result), goalLine(locale, result, filters)].filter((part) => part !== '').join('\n')));
  const detail = details(result, locale, period.timezone, now);
  if (detail.fields.length > 0) blocks.push(fields(detail.fields));
  // A list (the most overdue tickets, channels) in sections of whole lines.
  for (const text of detail.sections) blocks.push(...lineSections(text.split('\n')));
  blocks.push(context([contextText(locale, period, filters, result.n, result.metric), ...unmatchedNote(locale, model), ...sharedNote(locale, model)]));
  blocks.push(actions(buttonsFor(locale, { m: result.metric, p: period.word, f: filters, n: result.n }, model.shared)));
  // The fallback is mrkdwn, where Slack reads `<!channel>` as a mention: a title from the asker's words is escaped.
  const text = `${escapeMrkdwn(name)}: ${value}${trend === '' ? '' : ` (${trend})`} · ${contextText(locale, period, filters, result.n, result.metric)}`;
  return messageIn(locale, text, blocks);
}

export interface SummaryViewModel extends ReplyModel {
  readonly metrics: readonly MetricResult[];
  readonly title?: string;
}

export function summaryView(model: SummaryViewModel, locale: Locale): SlackMessage {
  const title = model.title ?? t(locale, 'view.summary_title');
  const blocks: Block[] = [header(title), ...metricFields(locale, model.metrics, model.filters)];
  blocks.push(context([contextText(locale, model.period, model.filters), ...unmatchedNote(locale, model), ...sharedNote(locale, model)]));
  const ref = { p: model.period.word, f: model.filters };
  const listButtons = model.metrics
    .filter((result) => TICKET_LISTS[result.metric] !== undefined && (result.value ?? 0) > 0)
    .map((result) => button({ text: t(locale, 'button.show_tickets_of', { metric: metricName(locale, result.metric) }), actionId: `${ACTION.showTickets}:${result.metric}`, value: encodeRef({ ...ref, m: result.metric, l: TICKET_LISTS[result.metric], pg: 0 }) }));
  const explain = button({ text: t(locale, 'button.explain'), actionId: ACTION.explain, value: encodeRef({ ...ref, m: 'summary' }) });
  const share = model.shared ? [] : [button({ text: t(locale, 'button.share'), actionId: ACTION.share, value: encodeRef({ ...ref, m: 'summary' }) })];
  blocks.push(actions([explain, ...listButtons, ...share]));
  // The period and filters in the notification too: two summaries of different teams or weeks read alike otherwise.
  const text = [escapeMrkdwn(title), contextText(locale, model.period, model.filters), ...metricsPlain(locale, model.metrics)].join(' · ');
  return messageIn(locale, text, blocks);
}

export interface AgentsViewModel extends ReplyModel {
  /** Each with the goals its columns are judged by, where any applies (agentRowsWithGoals), in the table's order. */
  readonly rows: readonly (AgentRow & { readonly goals?: AgentGoals })[];
  /** The column the rows are in the order of (`sort:frt`); absent: solved. */
  readonly sort?: AgentColumn;
  /** Which page of AGENTS_PER_PAGE rows, from 0. */
  readonly page?: number;
}

/** The column label an agents table is sorted by, as its heading in the table. */
const SORT_LABEL = {
  solved: 'agents.solved', frtMedian: 'agents.frt', resolutionMedian: 'agents.resolution', csat: 'agents.csat', fcr: 'agents.fcr', aht: 'agents.aht', openAssigned: 'agents.open', overdue: 'agents.overdue',
} as const satisfies Record<AgentColumn, MessageKey>;

/**
 * One section per agent (fields read well on a phone, where tables do not), a page of AGENTS_PER_PAGE at a time,
 * in the order asked for (`sort:`), with Previous and Next when there are more.
 */
export function agentsView(model: AgentsViewModel, locale: Locale): SlackMessage {
  const title = metricName(locale, 'agents');
  const sort = model.sort ?? 'solved';
  const pages = Math.max(1, Math.ceil(model.rows.length / AGENTS_PER_PAGE));
  const page = Math.min(Math.max(0, model.page ?? 0), pages - 1);
  const order = t(locale, 'agents.sorted', { column: t(locale, SORT_LABEL[sort]), order: t(locale, HIGHER_FIRST[sort] ? 'agents.order.high' : 'agents.order.low') });
  const blocks: Block[] = [header(title), context([contextText(locale, model.period, model.filters), ...unmatchedNote(locale, model)])];
  if (model.rows.length === 0) blocks.push(section(t(locale, 'agents.none')));
  else blocks.push(context([order]));
  const shown = model.rows.slice(page * AGENTS_PER_PAGE, (page + 1) * AGENTS_PER_PAGE);
  // A value that misses its goal is marked with how far (`:warning: +12 min`, `:warning: −3.2 pts`); the goals are
  // said under the table. Rates to a tenth, as goals judge them.
  const mark = (row: AgentsViewModel['rows'][number], column: AgentGoalColumn) => {
    const goal = row.goals?.[column];
    if (goal?.met !== false) return '';
    return ` ${MISSED} ${goal.direction === 'at_most' ? '+' : '−'}${goalGap(locale, goal.gap ?? 0, METRICS[AGENT_GOAL_COLUMNS[column]].unit)}`;
  };
  const d = (seconds: number | null) => (seconds === null ? '–' : formatDuration(locale, seconds));
  const p = (percent: number | null) => (percent === null ? '–' : formatPercent(locale, percent, { maximumFractionDigits: 1 }));
  for (const row of shown) {
    const who = row.slackUserId === null ? `*${escapeMrkdwn(row.name)}*` : `*<@${row.slackUserId}>*`;
    blocks.push(
      section(
        `${who}\n${t(locale, 'agents.solved')}: ${formatNumber(locale, row.solved)} · ${t(locale, 'agents.frt')}: ${d(row.frtMedian)}${mark(row, 'frtMedian')} · ${t(locale, 'agents.resolution')}: ${d(row.resolutionMedian)}${mark(row, 'resolutionMedian')}\n` +
          `${t(locale, 'agents.csat')}: ${p(row.csat)}${mark(row, 'csat')}${row.csat === null ? '' : ` (${t(locale, 'view.n', { n: row.csatAnswers })})`} · ${t(locale, 'agents.fcr')}: ${p(row.fcr)}${mark(row, 'fcr')} · ${t(locale, 'agents.aht')}: ${d(row.aht)}${mark(row, 'aht')} · ${t(locale, 'agents.open')}: ${formatNumber(locale, row.openAssigned)} · ${t(locale, 'agents.overdue')}: ${formatNumber(locale, row.overdue)}`,
      ),
    );
  }
  // Shared in a channel, the first page stays as posted, with "and N more"; an answer of one's own turns its pages.
  if (pages > 1) blocks.push(context([model.shared ? t(locale, 'list.more', { n: model.rows.length - shown.length }) : t(locale, 'tickets.page', { page: page + 1, pages, total: formatNumber(locale, model.rows.length) })]));
  const legend = agentGoalLegend(locale, model.rows, model.filters);
  if (legend !== '') blocks.push(context([legend]));
  const ref = { m: 'agents' as const, p: model.period.word, f: model.filters, ...(sort === 'solved' ? {} : { s: sort }) };
  const buttons = [button({ text: t(locale, 'button.explain'), actionId: ACTION.explain, value: encodeRef({ m: 'agents', p: model.period.word, f: model.filters }) })];
  // The page turns in place (the message is replaced), in the reader's own answer: a table shared in a channel is the
  // first page, left as posted (a click there would rewrite the channel's message as the clicker's private answer).
  // Share posts the table in its order, from its first page.
  if (!model.shared) buttons.push(...pageButtons(locale, ACTION.agentsPage, ref, page, pages));
  if (!model.shared) buttons.push(button({ text: t(locale, 'button.share'), actionId: ACTION.share, value: encodeRef(ref) }));
  blocks.push(actions(buttons));
  const note = sharedNote(locale, model);
  if (note.length > 0) blocks.push(context(note));
  return messageIn(locale, `${title} · ${contextText(locale, model.period, model.filters)}`, blocks);
}

const MISSED = ':warning:';

/** ":warning: misses its goal: FRT at most 1 h, CSAT at least 90%", for the goals the table's columns are judged by; empty with none. */
function agentGoalLegend(locale: Locale, rows: AgentsViewModel['rows'], filters: TicketFilters): string {
  const judged = new Map<AgentGoalColumn, GoalStatus>();
  for (const row of rows) for (const [column, goal] of Object.entries(row.goals ?? {}) as [AgentGoalColumn, GoalStatus][]) judged.set(column, goal);
  if (judged.size === 0) return '';
  // A goal wider than the table's filters says its scope, as every reply does ("CSAT at least 90% (all tickets)").
  const goals = [...judged].map(([column, goal]) => {
    const metric = AGENT_GOAL_COLUMNS[column];
    const scope = isReplysOwnGoal(goal, filters) ? '' : ` (${goalScopeText(locale, goal.filters, metric)})`;
    return `${t(locale, `agents.${AGENT_COLUMN_LABEL[column]}`)} ${goalTarget(locale, goal, METRICS[metric].unit)}${scope}`;
  });
  return `${MISSED} ${t(locale, 'agents.goal_legend', { goals: goals.join(', ') })}`;
}

const AGENT_COLUMN_LABEL = { frtMedian: 'frt', resolutionMedian: 'resolution', csat: 'csat', fcr: 'fcr', aht: 'aht' } as const satisfies Record<AgentGoalColumn, string>;

function buttonsFor(locale: Locale, ref: RequestRef, shared: boolean): Button[] {
  const list = TICKET_LISTS[ref.m];
  return [
    button({ text: t(locale, 'button.explain'), actionId: ACTION.explain, value: encodeRef(ref) }),
    ...(list === undefined ? [] : [button({ text: t(locale, 'button.show_tickets'), actionId: ACTION.showTickets, value: encodeRef({ m: ref.m, p: ref.p, f: ref.f, l: list, pg: 0 }) })]),
    ...(shared ? [] : [button({ text: t(locale, 'button.share'), actionId: ACTION.share, value: encodeRef({ m: ref.m, p: ref.p, f: ref.f }) })]),
  ];
}

type Stats = { median: number | null; mean: number | null; p90: number | null; n: number };

/** The details of a result as fields (label and value) and free sections (lists). */
function details(result: MetricResult, locale: Locale, timezone: string, now: number): { fields: string[]; sections: string[] } {
  const d = result.details as Record<string, unknown>;
  const num = (value: unknown) => (typeof value === 'number' ? formatNumber(locale, value) : t(locale, 'value.no_data'));
  const pct = (value: unknown) => (typeof value === 'number' ? formatPercent(locale, value) : t(locale, 'value.no_data'));
  const dur = (value: unknown) => (typeof value === 'number' ? formatDuration(locale, value) : t(locale, 'value.no_data'));
  const field = (label: string, value: string) => `*${escapeMrkdwn(label)}*\n${value}`; // labels are text: "Open < 1 day"
  const stats = (s: Stats) => `${t(locale, 'detail.median')} ${dur(s.median)} · ${t(locale, 'detail.mean')} ${dur(s.mean)} · p90 ${dur(s.p90)} · ${t(locale, 'view.n', { n: s.n })}`;
  const more = (total: number, shown: number) => (total > shown ? `\n_${t(locale, 'list.more', { n: total - shown })}_` : '');
  switch (result.metric) {
    case 'volume': {
      const channels = (d.byChannel as { channel: string | null; n: number }[] | undefined) ?? [];
      const shown = channels.slice(0, LIST_ROWS);
      return {
        fields: [field(t(locale, 'detail.per_day'), num(d.perDay)), field(t(locale, 'detail.per_week'), num(d.perWeek)), field(t(locale, 'detail.per_month'), num(d.perMonth))],
        sections: shown.length === 0 ? [] : [`*${t(locale, 'detail.by_channel')}*\n${shown.map((row) => `${escapeMrkdwn(row.channel ?? t(locale, 'detail.no_channel'))}: ${formatNumber(locale, row.n)}`).join('\n')}${more(channels.length, shown.length)}`],
      };
    }
    case 'backlog': {
      const ages = d.ages as { under1d: number; d1to3: number; d3to7: number; over7d: number };
      const oldest = d.oldest as { externalId: string; url: string | null; priority: string | null; team: string | null; createdAt: number } | null;
      return {
        fields: [
          field(t(locale, 'detail.age_under1d'), num(ages.under1d)), field(t(locale, 'detail.age_1to3d'), num(ages.d1to3)),
          field(t(locale, 'detail.age_3to7d'), num(ages.d3to7)), field(t(locale, 'detail.age_over7d'), num(ages.over7d)),
          field(t(locale, 'detail.seven_days_earlier'), num(d.sevenDaysEarlier)),
        ],
        sections: oldest === null ? [] : [`*${t(locale, 'detail.oldest')}*\n${ticketLine(locale, oldest, t(locale, 'detail.open_for', { duration: formatDuration(locale, (periodInstant({ to: Date.parse(result.period.to) }, now) - oldest.createdAt) / 1000) }))}`],
      };
    }
    case 'resolved':
      return { fields: [field(t(locale, 'detail.resolved'), num(d.resolved)), field(t(locale, 'detail.unresolved'), num(d.unresolved)), field(t(locale, 'detail.ratio'), num(d.ratio))], sections: [] };
    case 'frt': {
      const business = d.business as Stats | undefined;
      return {
        fields: [field(t(locale, 'detail.median'), dur(d.median)), field(t(locale, 'detail.mean'), dur(d.mean)), field(t(locale, 'detail.p90'), dur(d.p90)), field(t(locale, 'detail.awaiting'), num(d.awaiting))],
        sections: business === undefined ? [] : [`*${t(locale, 'detail.business_hours')}*\n${stats(business)}`],
      };
    }
    case 'response':
      return { fields: [field(t(locale, 'detail.median'), dur(d.median)), field(t(locale, 'detail.mean'), dur(d.mean)), field(t(locale, 'detail.p90'), dur(d.p90))], sections: [] };
    case 'resolution': {
      const full = d.full as Stats;
      const first = d.first as Stats;
      const business = d.business as { full: Stats; first: Stats } | undefined;
      return {
        fields: [field(t(locale, 'detail.median'), dur(full.median)), field(t(locale, 'detail.mean'), dur(full.mean)), field(t(locale, 'detail.p90'), dur(full.p90))],
        sections: [
          `*${t(locale, 'detail.first_resolution')}*\n${stats(first)}`,
          ...(business === undefined ? [] : [`*${t(locale, 'detail.business_hours')}*\n${t(locale, 'detail.full_resolution')}: ${stats(business.full)}\n${t(locale, 'detail.first_resolution')}: ${stats(business.first)}`]),
        ],
      };
    }
    case 'overdue': {
      const oldest = (d.oldest as { externalId: string; url: string | null; priority: string | null; team: string | null; dueAt: number; target: 'first_response' | 'resolution' }[] | undefined) ?? [];
      const shown = oldest.slice(0, LIST_ROWS);
      const target = (kind: 'first_response' | 'resolution') => t(locale, kind === 'first_response' ? 'detail.target_first_response' : 'detail.target_resolution');
      return {
        fields: [field(t(locale, 'detail.breached_share'), pct(d.breachedShare))],
        sections: shown.length === 0 ? [] : [`*${t(locale, 'detail.most_overdue')}*\n${shown.map((row) => ticketLine(locale, row, target(row.target), dueText(locale, row.dueAt, periodInstant({ to: Date.parse(result.period.to) }, now)))).join('\n')}${more(result.value ?? 0, shown.length)}`],
      };
    }
    case 'escalations':
      return { fields: [field(t(locale, 'detail.escalation_rate'), pct(d.rate)), field(t(locale, 'detail.created'), num(d.created))], sections: [] };
    case 'fcr':
      return { fields: [field(t(locale, 'detail.first_contact'), num(d.firstContact)), field(t(locale, 'detail.first_solved'), num(d.resolved))], sections: [] };
    case 'csat':
      return { fields: [field(t(locale, 'detail.satisfied'), num(d.satisfied)), field(t(locale, 'detail.answers'), num(d.answers))], sections: [] };
    case 'nps':
    case 'enps':
      // eNPS hides its breakdown under 5 answers (details.hidden).
      if (d.hidden === true) return { fields: [], sections: [t(locale, 'detail.hidden')] };
      return { fields: [field(t(locale, 'detail.promoters'), num(d.promoters)), field(t(locale, 'detail.passives'), num(d.passives)), field(t(locale, 'detail.detractors'), num(d.detractors))], sections: [] };
    case 'ces':
      return { fields: [field(t(locale, 'detail.easy_share'), pct(d.easyShare))], sections: [] };
    case 'aht':
      return { fields: [field(t(locale, 'detail.handle_total'), dur(d.totalSeconds)), field(t(locale, 'detail.handled'), num(d.tickets))], sections: [] };
    case 'churn':
      return { fields: [field(t(locale, 'detail.at_start'), num(d.atStart)), field(t(locale, 'detail.lost'), num(d.lost))], sections: [] };
    case 'repeat':
      return { fields: [field(t(locale, 'detail.buyers'), num(d.buyers)), field(t(locale, 'detail.repeat_buyers'), num(d.repeatBuyers))], sections: [] };
    case 'selfservice':
      return { fields: [field(t(locale, 'detail.resolved_sessions'), num(d.resolvedSessions)), field(t(locale, 'detail.created'), num(d.ticketsCreated))], sections: [] };
    default:
      return { fields: [], sections: [] };
  }
}

