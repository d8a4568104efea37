/**
 * The App Home tab: the team's headline numbers; for a linked agent, their open
 * tickets oldest first with the SLA time left, and their FRT and CSAT beside the
 * team's; for admins, what is configured. At most 100 blocks (Slack's limit for
 * the Home tab).
 */
import type { MetricResult } from '../../kpi/metrics.js';
import type { Period } from '../../kpi/periods.js';
import type { TicketListRow } from '../../store/kpi-store.js';
import { t } from '../../i18n/catalogue.js';
import { formatDate, formatMetricValue, formatPeriod } from '../../i18n/format.js';
import type { Locale } from '../../i18n/locale.js';
import { context, divider, escapeMrkdwn, fields, header, LIMITS, lineSections, messageIn, section, type Block, type SlackMessage } from './kit.js';
import { METRIC_IDS, type MetricId } from '../../kpi/definitions.js';
import { goalLines } from './goals.js';
import type { Goal } from '../../kpi/goals.js';
import { cronWords, dueText, goalLine, metricFields, metricName, quietHoursLine, statusWord, teamRouteLine, ticketLine } from './common.js';
import { alertKindName } from '../../i18n/alert-words.js';
import type { QuietHours, TeamRoute } from '../../store/alert-store.js';

/** What admins see configured: the active digests, alert rules, team routes and quiet hours (at most 10 of each listed) and their totals. */
export interface WorkspaceConfiguration {
  readonly subscriptionCount: number;
  readonly alertRuleCount: number;
  readonly teamRouteCount: number;
  readonly quietHoursCount: number;
  readonly subscriptions: readonly { readonly target: string; readonly personal: boolean; readonly schedule: string; readonly timezone: string; readonly metrics: readonly string[] }[];
  readonly alertRules: readonly { readonly kind: string; readonly channelId: string | null; readonly team: string | null }[];
  readonly teamRoutes: readonly TeamRoute[];
  readonly quietHours: readonly { readonly channelId: string; readonly quiet: QuietHours }[];
  readonly goalCount: number;
  readonly goals: readonly Goal[];
}

export interface HomeViewModel {
  readonly period: Period;
  readonly team: readonly MetricResult[];
  /** Present when the viewer is linked to a helpdesk agent. */
  readonly mine?: { readonly open: readonly TicketListRow[]; readonly openTotal: number; readonly frt: MetricResult; readonly csat: MetricResult; readonly teamFrt: MetricResult; readonly teamCsat: MetricResult };
  /** Present for admins. */
  readonly admin?: WorkspaceConfiguration;
  readonly now: number;
}

const MY_TICKETS = 15;

export function homeView(model: HomeViewModel, locale: Locale): SlackMessage {
  const period = formatPeriod(locale, model.period);
  const blocks: Block[] = [header(t(locale, 'home.title')), section(`*${t(locale, 'home.team', { period })}*`)];
  blocks.push(...metricFields(locale, model.team));
  blocks.push(divider());
  if (model.mine === undefined) {
    blocks.push(section(t(locale, 'home.not_linked')));
  } else {
    const mine = model.mine;
    blocks.push(section(`*${t(locale, 'home.my_tickets')}*`));
    if (mine.open.length === 0) blocks.push(section(t(locale, 'home.no_tickets')));
    const shown = mine.open.slice(0, MY_TICKETS);
    blocks.push(...lineSections(shown.map((row) => ticketLine(locale, row, statusWord(locale, row.status), dueText(locale, row.dueAt, model.now, row.slaPaused)))));
    if (mine.openTotal > shown.length) blocks.push(context([t(locale, 'list.more', { n: mine.openTotal - shown.length })]));
    const pair = (name: string, me: MetricResult, team: MetricResult) =>
      `*${name}*\n${t(locale, 'home.me')}: ${formatMetricValue(locale, me.value, me.unit)} · ${t(locale, 'home.team_short')}: ${formatMetricValue(locale, team.value, team.unit)}${me.goal === undefined ? '' : `\n${goalLine(locale, me, { agent: 'me' }) /* the person's own numbers: a goal is never theirs alone, so its scope is said */}`}`;
    blocks.push(section(`*${t(locale, 'home.me_vs_team', { period })}*`));
    blocks.push(fields([pair(metricName(locale, 'frt'), mine.frt, mine.teamFrt), pair(metricName(locale, 'csat'), mine.csat, mine.teamCsat)]));
  }
  if (model.admin !== undefined) {
    blocks.push(divider(), section(`*${t(locale, 'home.admin')}*`));
    const admin = model.admin;
    const where = (id: string | null, personal = false) => (id === null || id === '' ? '–' : personal ? `<@${id}>` : `<#${id}>`);
    // Metric names and rule kinds in the reader's language; a personal digest is the assignee's own tickets.
    const metricWord = (id: string) => ((METRIC_IDS as readonly string[]).includes(id) ? metricName(locale, id as MetricId) : escapeMrkdwn(id));
    const digests = admin.subscriptions.map((row) =>
      [where(row.target, row.personal), `${cronWords(locale, row.schedule)} (${row.timezone})`, row.personal ? t(locale, 'digest.personal_title') : row.metrics.map(metricWord).join(', ')].join(' · '),
    );
    const routes = admin.alertRules.map((row) => `${where(row.channelId)} · ${alertKindName(locale, row.kind)}${row.team === null ? '' : ` · ${escapeMrkdwn(row.team)}`}`);
    // Each list in sections of whole lines, its "and N more" kept however long the lines are, with the command that lists them all.
    const list = (title: string, lines: string[], total: number, command: string) =>
      lineSections([`*${title}*`, ...lines, ...(total > lines.length ? [`_${t(locale, 'list.more', { n: total - lines.length })}_ · \`${command}\``] : [])]);
    blocks.push(...list(t(locale, 'home.subscriptions', { n: admin.subscriptionCount }), digests, admin.subscriptionCount, '/kpi subscriptions'));
    blocks.push(...list(t(locale, 'home.alert_rules', { n: admin.alertRuleCount }), routes, admin.alertRuleCount, '/kpi alerts'));
    // Team routes and quiet hours only when some are set: most workspaces have none.
    if (admin.teamRouteCount > 0) blocks.push(...list(t(locale, 'home.team_routes', { n: admin.teamRouteCount }), admin.teamRoutes.map((route) => teamRouteLine(locale, route)), admin.teamRouteCount, '/kpi alerts'));
    // Goals only when some are set; each reply says whether its number meets them.
    if (admin.goalCount > 0) blocks.push(...list(t(locale, 'home.goals', { n: admin.goalCount }), goalLines(locale, admin.goals), admin.goalCount, '/kpi goals'));
    if (admin.quietHoursCount > 0) {
      const quiet = admin.quietHours.map((row) => quietHoursLine(locale, row.channelId, row.quiet));
      blocks.push(...list(t(locale, 'home.quiet_hours', { n: admin.quietHoursCount }), quiet, admin.quietHoursCount, '/kpi alerts'));
    }
  }
  // The reader's language and how to change it: Slack offers none of id, ms or tr, so few would find `/kpi language` otherwise.
  blocks.push(context([t(locale, 'home.updated', { time: formatDate(locale, model.now, model.period.timezone, { time: true }) }), t(locale, 'home.language', { language: t(locale, `language.name.${locale}`) })]));
  return messageIn(locale, t(locale, 'home.title'), blocks, LIMITS.homeBlocks);
}
