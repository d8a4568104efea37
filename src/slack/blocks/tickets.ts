/**
 * "Show tickets": the tickets behind a number (backlog, overdue,
 * escalations), a page at a time, each with its link into the helpdesk, and
 * buttons to the previous and next page.
 */
import { periodInstant, type Period } from '../../kpi/periods.js';
import type { TicketFilters, TicketListRow } from '../../store/kpi-store.js';
import type { TicketListKind } from '../../kpi/request-words.js';
import { isResolvedStatus, type TicketStatus } from '../../ingest/events.js';
import { t } from '../../i18n/catalogue.js';
import { formatDate, formatDuration, formatNumber } from '../../i18n/format.js';
import type { Locale } from '../../i18n/locale.js';
import { actions, context, escapeMrkdwn, header, lineSections, messageIn, section, type Block, type SlackMessage } from './kit.js';
import { contextText, dueText, pageButtons, statusWord, ticketLine } from './common.js';
import { ACTION } from './metric.js';

export const TICKETS_PER_PAGE = 10;

export interface TicketsViewModel {
  readonly list: TicketListKind;
  readonly rows: readonly TicketListRow[];
  readonly total: number;
  /** From 0. */
  readonly page: number;
  readonly period: Period;
  readonly filters: TicketFilters;
  readonly now: number;
}

export function ticketsView(model: TicketsViewModel, locale: Locale): SlackMessage {
  const title = t(locale, `tickets.title.${model.list}`);
  const pages = Math.max(1, Math.ceil(model.total / TICKETS_PER_PAGE));
  const blocks: Block[] = [header(title)];
  if (model.rows.length === 0) blocks.push(section(t(locale, 'tickets.none')));
  // The list stands at the period's end (now, while it runs): durations are counted to then.
  const at = periodInstant(model.period, model.now);
  const lines = model.rows.map((row) => {
    const assignee = row.assigneeSlackUserId !== null ? `<@${row.assigneeSlackUserId}>` : (row.assigneeName === null ? t(locale, 'detail.unassigned') : escapeMrkdwn(row.assigneeName));
    const when =
      model.list === 'escalations' && row.escalatedAt !== null
        ? t(locale, 'detail.escalated_at', { date: formatDate(locale, row.escalatedAt, model.period.timezone, { time: true }) })
        : model.list === 'overdue'
          ? dueText(locale, row.dueAt, at)
          : t(locale, 'detail.open_for', { duration: formatDuration(locale, (at - row.createdAt) / 1000) });
    // The status is today's; in a list at a past instant, a ticket open then and solved since says so.
    const status = model.list !== 'escalations' && at < model.now && isResolvedStatus(row.status as TicketStatus) ? t(locale, 'tickets.solved_since') : statusWord(locale, row.status);
    return ticketLine(locale, row, status, when, assignee);
  });
  blocks.push(...lineSections(lines));
  blocks.push(context([t(locale, 'tickets.page', { page: model.page + 1, pages, total: formatNumber(locale, model.total) }), contextText(locale, model.period, model.filters)]));
  const ref = { m: model.list, p: model.period.word, f: model.filters, l: model.list } as const;
  const paging = pageButtons(locale, ACTION.page, ref, model.page, pages);
  if (paging.length > 0) blocks.push(actions(paging));
  return messageIn(locale, `${title}: ${formatNumber(locale, model.total)}`, blocks);
}
