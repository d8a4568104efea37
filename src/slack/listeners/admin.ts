/**
 * The admin verbs of `/kpi`, carried out: subscribe / unsubscribe /
 * subscriptions (digests), alerts (alert rules, team routes, quiet hours), link (a Slack user to a
 * helpdesk agent), digest now, enps start. `handleAdminRequest` stores what
 * was asked and returns the reply to show; the /kpi listener calls it after
 * checking the asker's rights. Stores hold the SQL; this file decides and phrases.
 */
import type { webApi } from '@slack/bolt';
import type { Database } from '../../store/database.js';
import type { Locale } from '../../i18n/locale.js';
import { t, tn } from '../../i18n/catalogue.js';
import { DigestStore } from '../../store/digest-store.js';
import { ALERT_RULE_KINDS, AlertStore } from '../../store/alert-store.js';
import { DirectoryStore } from '../../store/directory-store.js';
import { teamHasTickets } from '../../store/teams.js';
import { EnpsStore } from '../../store/enps-store.js';
import { enqueue } from '../../store/outbox-store.js';
import { METRICS, type MetricId } from '../../kpi/definitions.js';
import { goalCanJudgeSplit, goalFor } from '../../kpi/goals.js';
import { GoalStore } from '../../store/goal-store.js';
import type { Breakdown, DimensionBreakdown } from '../../kpi/request-words.js';
import { cronFor } from '../../schedule/digest-schedule.js';
import { enqueueDigestNow } from '../../schedule/digests.js';
import { defaultWindowHours } from '../../schedule/threshold-rules.js';
import { alertRuleWords } from '../../i18n/alert-words.js';
import type { AdminRequest, SurveyAudience } from '../command.js';
import { classifySlackError } from '../poster.js';
import type { Asker } from '../answer.js';
import { cronWords, filtersText, metricName, quietHoursLine, routingParts, scheduleWords, teamRouteLine, unmatchedLines } from '../blocks/common.js';
import { KpiStore, type TicketFilters } from '../../store/kpi-store.js';
import { unmatchedFilters } from '../../kpi/metrics.js';
import { enpsQuestionView } from '../blocks/enps.js';
import { handleChannelLanguage } from './language.js';
import { handleGoal } from './goals.js';
import { LanguageStore } from '../../store/language-store.js';
import { runSla, type RecomputeOptions } from '../../cli-sla.js';
import { KpiBotError } from '../../errors.js';
import { SlaPolicyError, refusalText } from '../../kpi/sla.js';
import type { ProjectionOptions } from '../../ingest/project-ticket.js';
import { escapeMrkdwn, lineSections, messageIn, type SlackMessage } from '../blocks/kit.js';

type WebClient = InstanceType<typeof webApi.WebClient>;

export type { AdminRequest };

export interface AdminContext {
  readonly db: Database;
  /** Slack's Web API (absent in console mode: no e-mail lookup, no member lists). */
  readonly client?: WebClient;
  readonly userId: string;
  /** The admin's language: the reply's. */
  readonly locale: Locale;
  /**
   * KPI_LOCALE: the language of what goes to other people on the admin's behalf (a digest posted now, the eNPS
   * question's DMs), as the scheduled digests and the eNPS answer's update are written. The admin's when absent.
   */
  readonly workspaceLocale?: Locale;
  readonly now: number;
  /** The workspace zone, for digests without one (KPI_TIMEZONE). */
  readonly timezone?: string;
  /** Where the command was typed: the audience of `enps start` without one. */
  readonly channelId?: string;
  /** With it, `/kpi sla ...` runs `kpibot sla ...` (each change recomputes the tickets). */
  readonly projection?: ProjectionOptions;
  /** How that recompute runs: on a large database, in the background rather than before the answer. */
  readonly recompute?: RecomputeOptions;
}

/** An answer of lines (a list of any length): in sections of whole lines, none lost to a section's 3,000 characters. */
const reply = (locale: Locale, text: string, options: { code?: boolean } = {}): SlackMessage => messageIn(locale, text, lineSections(text.split('\n'), options));
const channelRef = (id: string) => `<#${id}>`;

export async function handleAdminRequest(request: AdminRequest, ctx: AdminContext): Promise<SlackMessage> {
  const { locale, now } = ctx;
  switch (request.kind) {
    case 'subscribe': {
      const timezone = request.timezone ?? ctx.timezone ?? 'UTC';
      const schedule = request.schedule;
      const store = new DigestStore(ctx.db);
      const cron = cronFor(schedule, request.time);
      const when = scheduleWords(locale, schedule, request.time ?? '');
      // The same digest twice would post twice at each time: said, not added.
      const same = (await store.ofChannel(request.channel.id)).find((s) => s.schedule === cron && s.timezone === timezone && sameJson(s.metrics, request.metrics) && sameJson(s.filters, request.filters) && s.by === request.by && s.onlyIfChanged === request.onlyIfChanged);
      if (same !== undefined) return reply(locale, t(locale, 'admin.already_subscribed', { channel: channelRef(request.channel.id), when, timezone }));
      await store.add({ kind: 'channel', channelId: request.channel.id, schedule: cron, timezone, metrics: request.metrics, filters: request.filters, ...(request.by === undefined ? {} : { by: request.by }), createdBy: ctx.userId, onlyIfChanged: request.onlyIfChanged }, now);
      const filters = filtersText(locale, request.filters);
      const done = t(locale, 'admin.subscribed', { channel: channelRef(request.channel.id), when, timezone, metrics: `${digestMetrics(locale, request.metrics, request.by)}${filters === '' ? '' : ` (${filters})`}` });
      return reply(locale, request.onlyIfChanged ? `${done} ${t(locale, 'admin.if_changed')}` : done);
    }
    case 'unsubscribe': {
      const stopped = await new DigestStore(ctx.db).removeChannel(request.channel.id, now);
      return reply(locale, t(locale, stopped > 0 ? 'admin.unsubscribed' : 'admin.no_subscription', { channel: channelRef(request.channel.id) }));
    }
    case 'subscriptions': {
      const subscriptions = await new DigestStore(ctx.db).enabled();
      if (subscriptions.length === 0) return reply(locale, t(locale, 'admin.subscriptions_none'));
      const chosen = await new LanguageStore(ctx.db).allChosen();
      const lines = subscriptions.map((subscription) => {
        const target = subscription.kind === 'personal' ? `<@${subscription.slackUserId ?? ''}>` : channelRef(subscription.channelId ?? '');
        const filters = filtersText(locale, subscription.filters);
        // A personal digest lists the agent's own tickets, not metrics.
        const metrics = subscription.kind === 'personal' ? t(locale, 'digest.personal_title') : digestMetrics(locale, subscription.metrics, subscription.by);
        // The language, when the channel or person has one of their own (`/kpi language`).
        const language = chosen.get(subscription.channelId ?? subscription.slackUserId ?? '');
        const extras = [filters, language === undefined ? '' : t(locale, `language.name.${language}`)].filter((part) => part !== '');
        return `• ${t(locale, 'admin.subscription_line', { target, schedule: cronWords(locale, subscription.schedule), timezone: subscription.timezone, metrics })}${extras.map((part) => ` · ${part}`).join('')}`;
      });
      return reply(locale, [t(locale, 'admin.subscriptions_title'), ...lines].join('\n'));
    }
    case 'alerts': {
      const store = new AlertStore(ctx.db);
      const rule = request.rule;
      const config = rule.type === 'threshold'
        ? { metric: rule.metric, ...('goal' in rule ? { goal: true } : { operator: rule.operator, value: rule.value }), windowHours: rule.windowHours ?? defaultWindowHours(rule.metric), ...(rule.cooldownMinutes === undefined ? {} : { cooldownMinutes: rule.cooldownMinutes }), ...(rule.minSample === undefined ? {} : { minSample: rule.minSample }), ...(rule.by === undefined ? {} : { by: rule.by }) }
        : {};
      const kind = rule.type === 'threshold' && 'goal' in rule ? 'goal' : rule.type;
      await store.addRule({ kind, channelId: request.channel.id, filters: request.filters, config, createdBy: ctx.userId }, now);
      // The filters are said, and one that matches no ticket is warned about (kept: the team may get tickets later).
      const filters = filtersText(locale, request.filters);
      const what = `${alertRuleWords(locale, kind, config, escapeMrkdwn)}${filters === '' ? '' : ` (${filters})`}`;
      const kpi = new KpiStore(ctx.db);
      const lines = [t(locale, 'admin.alert_added', { channel: channelRef(request.channel.id), what }), ...unmatchedLines(locale, await unmatchedFilters(kpi, request.filters))];
      if (rule.type === 'overdue') lines.push(...(await overdueRuleNotes(locale, store, kpi, request.filters, now)));
      // A goal rule with no goal to judge by would never fire: said now, not discovered in a month.
      if (rule.type === 'threshold' && 'goal' in rule && !(await hasGoalFor(ctx.db, rule.metric, request.filters, rule.by))) lines.push(t(locale, 'admin.alert_goal_none'));
      return reply(locale, lines.join('\n'));
    }
    case 'alert_settings':
      return reply(locale, await alertSettings(ctx));
    case 'alert_remove': {
      const rule = await new AlertStore(ctx.db).removeRule(request.id, now);
      if (rule === undefined) return reply(locale, t(locale, 'admin.no_alert_rule', { id: String(request.id) }));
      return reply(locale, t(locale, 'admin.alert_removed', { id: String(rule.id), channel: channelRef(rule.channelId), what: alertRuleWords(locale, rule.kind, rule.config, escapeMrkdwn) }));
    }
    case 'quiet_hours': {
      const store = new AlertStore(ctx.db);
      if (request.quiet === undefined) {
        await store.setQuietHours(request.channel.id, null, now);
        return reply(locale, t(locale, 'admin.quiet_off', { channel: channelRef(request.channel.id) }));
      }
      const quiet = { starts: request.quiet.starts, ends: request.quiet.ends, timezone: request.quiet.timezone ?? ctx.timezone ?? 'UTC' };
      await store.setQuietHours(request.channel.id, quiet, now);
      return reply(locale, t(locale, 'admin.quiet_set', { channel: channelRef(request.channel.id), ...quiet }));
    }
    case 'team_routing': {
      // The reply shows the team's whole route: a part not named keeps its earlier value.
      let team;
      try {
        team = await new AlertStore(ctx.db).setTeamRouting(request.team, {
          ...(request.channel === undefined ? {} : { alertChannelId: request.channel?.id ?? null }),
          ...(request.lead === undefined ? {} : { leadSlackUserId: request.lead?.id ?? null }),
        }, now);
      } catch (error) {
        // A name no team can have (over 200 characters): said in the admin's language.
        if (error instanceof SlaPolicyError && error.refusal !== undefined) return reply(locale, `:warning: ${escapeMrkdwn(refusalText(locale, error.refusal))}`);
        throw error;
      }
      const done = t(locale, 'admin.team_routing', routingParts(locale, request.team, team.alertChannelId, team.leadSlackUserId));
      return reply(locale, (await teamHasTickets(ctx.db, request.team)) ? done : `${done}\n${t(locale, 'team.no_tickets_yet', { team: escapeMrkdwn(request.team.trim()) })}`);
    }
    case 'link':
      return link(request.user.id, request.email, ctx);
    case 'digest_now': {
      const posted = await enqueueDigestNow({ db: ctx.db, locale: ctx.workspaceLocale ?? locale }, request.channel.id, ctx.timezone ?? 'UTC', now);
      return reply(locale, t(locale, posted === 'subscription' ? 'admin.digest_queued' : 'admin.digest_queued_summary', { channel: channelRef(request.channel.id) }));
    }
    case 'enps_start':
      return startEnpsSurvey(request.audience, request.question, ctx);
    case 'sla':
      return sla(request.words, ctx);
    case 'channel_language':
      return handleChannelLanguage(request, { db: ctx.db, userId: ctx.userId, locale, workspaceLocale: ctx.workspaceLocale ?? locale, now });
    case 'goal_set':
    case 'goal_remove':
      return handleGoal(request, { db: ctx.db, userId: ctx.userId, locale, now });
  }
}

/**
 * What a new `overdue` rule will not do, said when it is added: teams with their own alert channel post there
 * instead, and tickets already overdue were alerted (or not) when they became so, and are not posted again.
 */
async function overdueRuleNotes(locale: Locale, alerts: AlertStore, kpi: KpiStore, filters: TicketFilters, now: number): Promise<string[]> {
  const notes: string[] = [];
  const routed = (await alerts.teamRouting()).filter((team) => team.alertChannelId !== null);
  if (routed.length > 0) notes.push(t(locale, 'admin.overdue_rule_routed', { teams: routed.map((team) => `${escapeMrkdwn(team.name)} (${channelRef(team.alertChannelId ?? '')})`).join(', ') }));
  const n = await kpi.overdueCount(now, filters);
  if (n > 0) notes.push(tn(locale, 'admin.overdue_rule_existing', n));
  return notes;
}

/** `/kpi alerts`: the alert rules, the teams' routes and the channels' quiet hours. */
async function alertSettings(ctx: AdminContext): Promise<string> {
  const { locale } = ctx;
  const store = new AlertStore(ctx.db);
  const lines: string[] = [];
  for (const kind of ALERT_RULE_KINDS) {
    for (const rule of await store.rules(kind)) {
      const filters = filtersText(locale, rule.filters);
      lines.push(`• ${t(locale, 'admin.rule_line', { id: String(rule.id), channel: channelRef(rule.channelId), what: alertRuleWords(locale, kind, rule.config, escapeMrkdwn) })}${filters === '' ? '' : ` · ${filters}`}`);
    }
  }
  for (const team of await store.teamRouting()) lines.push(`• ${teamRouteLine(locale, team)}`);
  for (const [channel, quiet] of await store.quietHours()) lines.push(`• ${quietHoursLine(locale, channel, quiet)}`);
  // Channels with a language of their own (`/kpi language #channel tr`): their alerts are written in it.
  const languages = [...(await new LanguageStore(ctx.db).allChosen())].filter(([id]) => /^[CG]/.test(id));
  if (languages.length > 0) lines.push(`• ${t(locale, 'admin.channel_languages', { list: languages.map(([id, language]) => `${channelRef(id)} ${t(locale, `language.name.${language}`)}`).join(', ') })}`);
  return lines.length === 0 ? t(locale, 'admin.alerts_none') : [t(locale, 'admin.alerts_title'), ...lines].join('\n');
}

/** `/kpi sla ...`: the command line's `kpibot sla ...` (`/kpi sla` alone: `list`), its output in a code block; without projection options, a pointer to the command line. */
async function sla(given: readonly string[], ctx: AdminContext): Promise<SlackMessage> {
  if (ctx.projection === undefined) return reply(ctx.locale, t(ctx.locale, 'admin.sla_cli'));
  const words = given.length === 0 ? ['list'] : given;
  const lines: string[] = [];
  try {
    await runSla(words, ctx.db, ctx.projection, { out: (line) => lines.push(line) }, ctx.locale, ctx.recompute, 'slack');
  } catch (error) {
    // Bad words (4xx) are the admin's to fix: say why; a change saved whose recompute failed says so; anything else is ours and is thrown.
    if (!(error instanceof KpiBotError) || (error.httpStatus >= 500 && error.code !== 'recompute_failed')) throw error;
    return reply(ctx.locale, `:warning: ${escapeMrkdwn(error.message)}`);
  }
  // A code block per section: a long list (one line per policy) never leaves a fence open.
  return reply(ctx.locale, escapeMrkdwn(lines.join('\n').replaceAll('```', "'''")), { code: true });
}

/** Links every helpdesk identity with that e-mail address; Slack's users.lookupByEmail says whether the address is someone else's there. */
async function link(slackUserId: string, email: string, ctx: AdminContext): Promise<SlackMessage> {
  const directory = new DirectoryStore(ctx.db);
  // Read before the link moves: the agent was someone else's until now, which the admin may not know.
  const before = await directory.otherLinks(email, slackUserId);
  const linked = await directory.linkByEmail(email, slackUserId, ctx.now);
  if (linked === 0) return reply(ctx.locale, t(ctx.locale, 'admin.link_no_agent', { email: escapeMrkdwn(email) }));
  const lines = [t(ctx.locale, 'admin.linked', { user: `<@${slackUserId}>`, email: escapeMrkdwn(email) })];
  if (before.length > 0) lines.push(t(ctx.locale, 'admin.link_moved', { others: before.map((id) => `<@${id}>`).join(', ') }));
  if (ctx.client !== undefined) {
    try {
      const found = await ctx.client.users.lookupByEmail({ email });
      const other = found.user?.id;
      if (other !== undefined && other !== slackUserId) lines.push(t(ctx.locale, 'admin.link_slack_differs', { email: escapeMrkdwn(email), other: `<@${other}>` }));
    } catch {
      // users_not_found, or no users:read.email scope: nothing to add.
    }
  }
  return reply(ctx.locale, lines.join('\n'));
}

/** Members of a channel or user group (people only: user ids), through the Web API. */
async function membersOf(client: WebClient, audience: SurveyAudience): Promise<string[]> {
  if (audience.kind === 'usergroup') {
    const result = await client.usergroups.users.list({ usergroup: audience.id });
    return result.users ?? [];
  }
  const members: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.conversations.members({ channel: audience.id, limit: 1000, ...(cursor === undefined ? {} : { cursor }) });
    members.push(...(page.members ?? []));
    cursor = page.response_metadata?.next_cursor || undefined;
  } while (cursor !== undefined);
  return members;
}

/** Why Slack would not list an audience's members, in words an admin can act on; undefined for any other failure. */
const MEMBER_LIST_REFUSALS: Record<string, 'enps.not_in_channel' | 'enps.missing_scope'> = {
  not_in_channel: 'enps.not_in_channel',
  channel_not_found: 'enps.not_in_channel',
  missing_scope: 'enps.missing_scope',
  no_such_subteam: 'enps.not_in_channel',
};

/** `/kpi enps start`: a survey, its participants, and one DM per member through the outbox, in one transaction. */
export async function startEnpsSurvey(audience: SurveyAudience | undefined, question: string | undefined, ctx: AdminContext): Promise<SlackMessage> {
  const target: SurveyAudience | undefined = audience ?? (ctx.channelId === undefined ? undefined : { kind: 'channel', id: ctx.channelId });
  let listed: string[] = [];
  let bot: string | undefined;
  if (target !== undefined && ctx.client !== undefined) {
    try {
      [listed, bot] = await Promise.all([membersOf(ctx.client, target), ctx.client.auth.test().then((result) => result.user_id)]);
    } catch (error) {
      const refusal = MEMBER_LIST_REFUSALS[classifySlackError(error).reason];
      if (refusal === undefined) throw error;
      return reply(ctx.locale, t(ctx.locale, refusal));
    }
  }
  // People only: not this bot, nor Slackbot (Slack refuses a DM to a bot: cannot_dm_bot).
  const members = [...new Set(listed.filter((id) => /^[UW][A-Z0-9]+$/.test(id) && id !== bot && id !== 'USLACKBOT'))];
  if (target === undefined || members.length === 0) return reply(ctx.locale, t(ctx.locale, 'enps.no_audience'));
  // Each member's DM in the language they chose, else the workspace's.
  const languages = await new LanguageStore(ctx.db).languages(ctx.workspaceLocale ?? ctx.locale);
  await ctx.db.transaction(async (trx) => {
    const surveyId = await new EnpsStore(ctx.db).createSurvey(trx, { audience: target.id, question: question ?? null, startedBy: ctx.userId, invited: members }, ctx.now);
    for (const member of members) {
      const dm = enpsQuestionView({ surveyId, question: question ?? null }, languages.of(member));
      await enqueue(trx, { dedupeKey: `enps:${surveyId}:${member}`, kind: 'enps_question', target: member, message: dm, notBefore: ctx.now }, ctx.now);
    }
  });
  return reply(ctx.locale, tn(ctx.locale, 'enps.started', members.length));
}

/** A digest's metrics in words, with what splits them: "First response time, CSAT by team". */
function digestMetrics(locale: Locale, metrics: readonly string[], by: Breakdown | undefined): string {
  const list = metricList(locale, metrics);
  return by === undefined ? list : t(locale, `breakdown.title.${by}`, { metric: list });
}

function metricList(locale: Locale, metrics: readonly string[]): string {
  return metrics.map((id) => metricName(locale, id as keyof typeof METRICS)).join(', ');
}

/** The handler `AnswerDeps.admin` expects, for the /kpi listener. */
export function adminHandler(deps: { db: Database; client?: WebClient; clock: () => number; timezone: string; locale?: Locale; projection?: ProjectionOptions; recompute?: RecomputeOptions }): (request: AdminRequest, asker: Asker & { channelId?: string }) => Promise<SlackMessage> {
  return (request, asker) =>
    handleAdminRequest(request, {
      db: deps.db, userId: asker.userId, locale: asker.locale, now: deps.clock(), timezone: deps.timezone,
      ...(deps.locale === undefined ? {} : { workspaceLocale: deps.locale }),
      ...(deps.client === undefined ? {} : { client: deps.client }),
      ...(deps.projection === undefined ? {} : { projection: deps.projection }),
      ...(deps.recompute === undefined ? {} : { recompute: deps.recompute }),
      ...(asker.channelId === undefined ? {} : { channelId: asker.channelId }),
    });
}

/** Two lists or filter sets hold the same (filters in any key order). */
function sameJson(a: unknown, b: unknown): boolean {
  const canonical = (value: unknown) => JSON.stringify(value, (_key, item: unknown) => (item !== null && typeof item === 'object' && !Array.isArray(item) ? Object.fromEntries(Object.entries(item).sort(([x], [y]) => x.localeCompare(y))) : item));
  return canonical(a) === canonical(b);
}

/**
 * Whether a goal rule has a goal to be judged by: the goal for its filters, or for a split rule (`by:team`), one that
 * judges some row (a team's own; for all but backlog and SLA overdue, a wider one too).
 */
async function hasGoalFor(db: Database, metric: MetricId, filters: TicketFilters, by: DimensionBreakdown | undefined): Promise<boolean> {
  const goals = await new GoalStore(db).all();
  return by === undefined ? goalFor(goals, metric, filters) !== undefined : goalCanJudgeSplit(goals, metric, by, filters);
}
