/**
 * Digest messages. Pure `(viewModel, locale) → SlackMessage`:
 * - the channel digest: the period's headline KPIs against the previous period,
 *   open and overdue now, the five oldest overdue tickets with links, agent
 *   highlights;
 * - the personal digest: an agent's open tickets, oldest first, with SLA time left.
 */
import { t } from '../../i18n/catalogue.js';
import { formatMetricValue, formatNumber, formatPeriod } from '../../i18n/format.js';
import type { Locale } from '../../i18n/locale.js';
import type { MetricResult } from '../../kpi/metrics.js';
import type { Period } from '../../kpi/periods.js';
import type { TicketFilters } from '../../store/kpi-store.js';
import { contextText, dueText, filtersText, metricFields, metricName, metricsPlain, ticketLine, type TicketLine } from './common.js';
import { breakdownRowLines, ownGoalNote } from './breakdown.js';
import type { BreakdownResult } from '../../kpi/breakdown.js';
import { LIMITS, POSTED_TEXT_BUDGET, context, divider, escapeMrkdwn, header, lineSections, messageIn, section, type Block, type SlackMessage } from './kit.js';

export interface DigestViewModel {
  readonly period: Period;
  readonly filters: TicketFilters;
  readonly metrics: readonly MetricResult[];
  /** The digest's metrics split by its `by:`, each under its title. */
  readonly breakdowns?: readonly BreakdownResult[];
  readonly backlog: number;
  readonly overdue: number;
  readonly oldestOverdue: readonly (TicketLine & { readonly dueAt: number })[];
  readonly highlights: readonly { readonly name: string; readonly slackUserId: string | null; readonly solved: number; readonly frtMedian: number | null }[];
  readonly now: number;
}

export function digestView(model: DigestViewModel, locale: Locale): SlackMessage {
  const title = t(locale, 'digest.title', { period: formatPeriod(locale, model.period) });
  const blocks: Block[] = [header(title), ...metricFields(locale, model.metrics, model.filters)];
  for (const split of model.breakdowns ?? []) {
    const lines = breakdownRowLines(locale, split);
    const goals = ownGoalNote(locale, split).map((note) => `_${note}_`);
    blocks.push(...lineSections([`*${t(locale, `breakdown.title.${split.by}`, { metric: metricName(locale, split.metric) })}*`, ...(lines.length === 0 ? [t(locale, 'breakdown.none')] : lines), ...goals]));
  }
  const now = t(locale, 'digest.now', { backlog: formatNumber(locale, model.backlog), overdue: formatNumber(locale, model.overdue) });
  blocks.push(section(now));
  blocks.push(divider());
  if (model.oldestOverdue.length === 0) blocks.push(section(t(locale, 'digest.none_overdue')));
  else blocks.push(...lineSections([t(locale, 'digest.oldest_overdue'), ...model.oldestOverdue.map((ticket) => `• ${ticketLine(locale, ticket, dueText(locale, ticket.dueAt, model.now))}`)]));
  if (model.highlights.length > 0) {
    const people = model.highlights.map((agent) => `• ${t(locale, 'digest.highlight', {
      agent: agent.slackUserId === null ? escapeMrkdwn(agent.name) : `<@${agent.slackUserId}>`,
      solved: formatNumber(locale, agent.solved),
      frt: formatMetricValue(locale, agent.frtMedian, 'seconds'),
    })}`);
    blocks.push(...lineSections([t(locale, 'digest.highlights'), ...people]));
  }
  blocks.push(context([contextText(locale, model.period, model.filters), t(locale, 'digest.scheduled_by')]));
  // The notification: which digest (its team, when filtered) and what stands now, before the period's figures.
  const filtered = filtersText(locale, model.filters);
  const text = [title, ...(filtered === '' ? [] : [filtered]), now, ...metricsPlain(locale, model.metrics)].join(' · ');
  return messageIn(locale, text, blocks, LIMITS.messageBlocks, POSTED_TEXT_BUDGET);
}

export interface PersonalDigestViewModel {
  readonly open: number;
  readonly overdue: number;
  readonly tickets: readonly (TicketLine & { readonly dueAt: number | null; readonly slaPaused?: boolean })[];
  readonly now: number;
}

export function personalDigestView(model: PersonalDigestViewModel, locale: Locale): SlackMessage {
  const title = t(locale, 'digest.personal_title');
  const blocks: Block[] = [header(title)];
  if (model.open === 0) {
    blocks.push(section(t(locale, 'digest.personal_none')));
  } else {
    const intro = t(locale, 'digest.personal_intro', { open: formatNumber(locale, model.open), overdue: formatNumber(locale, model.overdue) });
    const more = model.open > model.tickets.length ? [t(locale, 'list.more', { n: model.open - model.tickets.length })] : [];
    blocks.push(...lineSections([intro, ...model.tickets.map((ticket) => `• ${ticketLine(locale, ticket, dueText(locale, ticket.dueAt, model.now, ticket.slaPaused))}`), ...more]));
  }
  const text = model.open === 0 ? `${title}: ${t(locale, 'digest.personal_none')}` : `${title}: ${t(locale, 'digest.personal_intro', { open: formatNumber(locale, model.open), overdue: formatNumber(locale, model.overdue) })}`;
  return messageIn(locale, text, blocks, LIMITS.messageBlocks, POSTED_TEXT_BUDGET);
}
