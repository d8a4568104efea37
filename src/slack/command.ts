/**
 * `/kpi <words>` → one typed request, or one typed error. Pure: the clock and
 * the workspace time zone are passed in, nothing is thrown for what a person
 * types, and no sentence is built here (errors carry codes and words; the Slack
 * layer phrases them through the message catalogue).
 *
 * The words are those of `kpibot report` (src/kpi/request-words.ts): metric
 * ids, period words exactly as resolvePeriod reads them, `key:value` filters.
 * Verbs and keywords are case-insensitive; filter values keep their case.
 * Slack sends the text with `&`, `<`, `>` escaped and, since the command has
 * should_escape, mentions as `<@U123|name>`, channels as `<#C123|name>` and
 * e-mail addresses as `<mailto:a@b.c|a@b.c>`: all are read here.
 *
 *     (empty)                                   summary, 30d
 *     help | help <metric>                      help | explain
 *     explain <metric>
 *     <metric> [period] [filters...] [by:<x>] [share]   words after the metric in any order;
 *                                               a mention or an e-mail address is agent:
 *     [period] [filters...] [share]             summary
 *     agent <@U..>|<email>|agent:<x> [period] [filters...] [share]
 *   admin verbs (the listener checks the rights, not the parser):
 *     subscribe <#C..> daily|weekdays|weekly [mon..sun] HH:MM [Area/City] [metrics...] [filters...] [by:<x>]
 *     unsubscribe <#C..>
 *     subscriptions
 *     alerts <#C..> overdue|escalations [filters...]
 *     alerts <#C..> threshold <metric> [median] [window] <op> <value> [cooldown:<4h>] [sample:<n>] [filters...] [by:<field>]
 *                                               op: > >= < <=, value e.g. 4h, 90%, 25; window e.g. 7d, 24h (default: defaultWindowHours)
 *     alerts                                    the alert rules, team routes and quiet hours
 *     alerts quiet <#C..> HH:MM HH:MM [Area/City] | alerts quiet <#C..> off
 *     alerts team <team name> [<#C..> | no-channel] [<@U..> | no-lead]
 *     link <@U..> agent@example.com
 *     goal <metric> <value> [filters...]        the goal of a metric (at most a duration or count, at least a rate or score)
 *     goal <metric> off [filters...]            remove it
 *   anyone:
 *     goals                                     the goals (`goal` alone too)
 *     sla <words...>                            passed through
 *     digest now <#C..>                         one digest at once
 *   for a linked agent, about themselves:
 *     digest me daily|weekdays|weekly [mon..sun] HH:MM [Area/City]   personal digest by DM
 *     digest me off
 *     enps start [<#C..> | <!subteam^S..>] ["question"]   (`enps` alone is the metric)
 *   anyone, about themselves (`lang`, `bahasa`, `dil` say the same):
 *     language [en|id|ms|tr|default]           show or choose the language the bot writes to them in
 *     language <#C..>                          show a channel's
 *   admins:
 *     language <#C..> en|id|ms|tr|default      choose a channel's (what is posted there)
 */
import { cronAtMostHourly, isValidCron } from '../schedule/digest-schedule.js';
import type { TicketFilters } from '../store/kpi-store.js';
import { METRIC_IDS, METRICS, METRICS_WITHOUT_TICKET_FILTERS, valueRange, type MetricId, type Unit } from '../kpi/definitions.js';
import { PERIOD_WORDS, type Period, type PeriodProblem } from '../kpi/periods.js';
import { DURATION_UNITS, isBreakdown, isFractionalNumber, isFilterKey, isMetricId, isTimeBreakdown, readBreakdown, readFilter, readMetric, readMetricValue, readPeriod, type Breakdown, type DimensionBreakdown, type FilterKey, type WordProblem } from '../kpi/request-words.js';
import { breakdownProblem, coarserUnit, splitsFilteredField } from '../kpi/breakdown.js';
import { closestWord } from '../kpi/suggest.js';
import { matchKey } from '../kpi/sla.js';
import { GOALS_FOR_EXACT_SCOPE, isGoalFilterKey, isGoalMetric, readGoalTarget, type GoalFilters } from '../kpi/goals.js';
import { AGENT_SORT_WORDS, agentColumnOf, type AgentColumn } from '../kpi/metrics.js';
import { LANGUAGE_WORD_LIST, languageOfWord, type Locale } from '../i18n/locale.js';

export const DEFAULT_PERIOD = '30d';

export const ADMIN_VERBS = ['subscribe', 'unsubscribe', 'subscriptions', 'alerts', 'link', 'sla', 'digest', 'goal'] as const;
export const VERBS = ['help', 'explain', 'agent', 'language', 'goals', ...ADMIN_VERBS] as const;
/** Other words for `language`: Indonesian and Malay `bahasa`, Turkish `dil`. */
const LANGUAGE_VERBS = ['language', 'lang', 'bahasa', 'dil'];
/** Requests that change settings or post for everyone: the listener checks the asker's rights first. */
export const ADMIN_KINDS = ['subscribe', 'unsubscribe', 'subscriptions', 'alerts', 'alert_settings', 'alert_remove', 'quiet_hours', 'team_routing', 'link', 'sla', 'digest_now', 'enps_start', 'channel_language', 'goal_set', 'goal_remove'] as const;

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export const THRESHOLD_OPERATORS = ['>=', '<=', '>', '<'] as const;

/** A threshold rule's `cooldown:` units. */
const COOLDOWN_UNIT_MINUTES = { m: 1, h: 60, d: 24 * 60 } as const;
export type ThresholdOperator = (typeof THRESHOLD_OPERATORS)[number];

/** A Slack channel as Slack escapes it: `<#C123ABC|name>`. */
export interface SlackChannelRef {
  readonly id: string;
  readonly name?: string;
}

/** A Slack user as Slack escapes it: `<@U123ABC|name>`. */
export interface SlackUserRef {
  readonly id: string;
  readonly name?: string;
}

/** Who `agent` names: a Slack user, or an e-mail address / helpdesk id / name as written. */
export type AgentRef = ({ readonly kind: 'slack_user' } & SlackUserRef) | { readonly kind: 'text'; readonly value: string };

export type DigestSchedule =
  | { readonly frequency: 'daily' }
  | { readonly frequency: 'weekdays' }
  | { readonly frequency: 'weekly'; readonly weekday: Weekday }
  /** Five-field cron (`cron:"0 9 * * 1-5"`), read in the subscription's zone. */
  | { readonly frequency: 'cron'; readonly expression: string };

/** Who an eNPS pulse goes to: a channel's members or a user group's. */
export type SurveyAudience = { readonly kind: 'channel'; readonly id: string; readonly name?: string } | { readonly kind: 'usergroup'; readonly id: string; readonly name?: string };

export type AlertRule =
  | { readonly type: 'overdue' }
  | { readonly type: 'escalations' }
  | ThresholdRule;

/**
 * A threshold rule's condition: the metric against a limit (`frt > 4h`; `value` in the metric's unit: seconds,
 * percent 0-100, a count or a score), or against the goal that applies to it (`frt goal`: crossed while it misses).
 */
export type ThresholdCondition = { readonly operator: ThresholdOperator; readonly value: number } | { readonly goal: true };

export type ThresholdRule = ThresholdCondition & {
  readonly type: 'threshold';
  readonly metric: MetricId;
  /** The rolling window the metric is computed over (`7d`, `24h`); absent: the metric's default (defaultWindowHours). */
  readonly windowHours?: number;
  /** How long after an alert the same rule stays quiet (`cooldown:2h`); absent: 4 h. */
  readonly cooldownMinutes?: number;
  /**
   * `sample:20`: the rule is judged only when the value rests on at least this many (tickets, answers, customers: its
   * n); below it, nothing changes. Absent: any n. Never on a count, whose value is its n.
   */
  readonly minSample?: number;
  /** `by:team`: the metric of each team (agent, priority...) against the limit (or its goal), each alerting on its own. */
  readonly by?: DimensionBreakdown;
};

export type KpiRequest =
  | { readonly kind: 'help'; readonly share: boolean }
  | { readonly kind: 'explain'; readonly metric: MetricId; readonly share: boolean }
  /**
   * One metric (summary and agents included). `filters.agent` is set by `agent:`, a mention or an e-mail address;
   * `by`, by `by:team`, `by:week`..., splits it (never the summary or agents); `sort`, by `sort:frt`, orders the
   * agents table (agents only).
   */
  | { readonly kind: 'metric'; readonly metric: MetricId; readonly period: Period; readonly filters: TicketFilters; readonly share: boolean; readonly by?: Breakdown; readonly sort?: AgentColumn }
  /** One agent's numbers; `filters.agent` holds the same agent (the Slack user id, or the text). */
  | { readonly kind: 'agent'; readonly agent: AgentRef; readonly period: Period; readonly filters: TicketFilters; readonly share: boolean }
  | {
      readonly kind: 'subscribe';
      readonly channel: SlackChannelRef;
      readonly schedule: DigestSchedule;
      /** Local time of day, `HH:MM`; absent with a cron schedule, which carries its own. */
      readonly time?: string;
      /** IANA zone as Intl names it; absent: the workspace's. */
      readonly timezone?: string;
      /** In the order given, without repeats; `['summary']` when none is named. */
      readonly metrics: readonly MetricId[];
      readonly filters: TicketFilters;
      /** `if-changed`: skip a digest whose numbers are those of the last one. */
      readonly onlyIfChanged: boolean;
      /** `by:team`...: the digest splits each of its metrics that can be split (never the summary or agents). */
      readonly by?: Breakdown;
    }
  | { readonly kind: 'unsubscribe'; readonly channel: SlackChannelRef }
  | { readonly kind: 'subscriptions' }
  | { readonly kind: 'alerts'; readonly channel: SlackChannelRef; readonly rule: AlertRule; readonly filters: TicketFilters }
  /** `alerts` alone: list the rules, team routes and quiet hours. */
  | { readonly kind: 'alert_settings' }
  | { readonly kind: 'alert_remove'; readonly id: number }
  /** A channel's quiet hours (`HH:MM`; an end before the start spans midnight); `quiet` absent: none. */
  | { readonly kind: 'quiet_hours'; readonly channel: SlackChannelRef; readonly quiet?: { readonly starts: string; readonly ends: string; readonly timezone?: string } }
  /** Where a team's SLA alerts go; each part absent: unchanged, null: removed. */
  | { readonly kind: 'team_routing'; readonly team: string; readonly channel?: SlackChannelRef | null; readonly lead?: SlackUserRef | null }
  | { readonly kind: 'link'; readonly user: SlackUserRef; readonly email: string }
  | { readonly kind: 'sla'; readonly words: readonly string[] }
  | { readonly kind: 'digest_now'; readonly channel: SlackChannelRef }
  /** The asker's personal digest by DM; `schedule` undefined: stop it. */
  | { readonly kind: 'digest_me'; readonly schedule?: DigestSchedule; readonly time?: string; readonly timezone?: string }
  /** Without an audience: the channel the command was typed in. */
  | { readonly kind: 'enps_start'; readonly audience?: SurveyAudience; readonly question?: string }
  /** The asker's own language: `locale` absent, show it (or `channel`'s); null, forget the choice. */
  | { readonly kind: 'language'; readonly locale?: Locale | null; readonly channel?: SlackChannelRef }
  /** A channel's language (admins); null forgets it. */
  | { readonly kind: 'channel_language'; readonly channel: SlackChannelRef; readonly locale: Locale | null }
  /** `/kpi goals`, anyone: the goals set. */
  | { readonly kind: 'goals' }
  /** `/kpi goal frt 1h team:billing`: the target in the metric's unit (seconds, percent, points, tickets). */
  | { readonly kind: 'goal_set'; readonly metric: MetricId; readonly target: number; readonly filters: GoalFilters }
  | { readonly kind: 'goal_remove'; readonly metric: MetricId; readonly filters: GoalFilters };

/** The requests only admins may make (the listener checks the rights). */
export type AdminRequest = Extract<KpiRequest, { kind: (typeof ADMIN_KINDS)[number] }>;

export type KpiCommandErrorCode =
  /** A word /kpi does not know (the verb, or a word after it). */
  | 'unknown_word'
  /** A word /kpi knows, in a place where it does not belong. */
  | 'unexpected_word'
  | 'unknown_metric'
  | 'bad_period'
  /** Not `key:value`, or no value. */
  | 'bad_filter'
  | 'unknown_filter'
  /** `priority:` with a word that is not low, normal, high or urgent. */
  | 'unknown_priority'
  /** A second period, or a second value for one filter or setting. */
  | 'duplicate_word'
  | 'missing_argument'
  | 'unterminated_quote'
  | 'bad_channel'
  | 'bad_user'
  | 'bad_email'
  | 'bad_time'
  /** Quiet hours that start and end at the same time (they would hold nothing). */
  | 'same_quiet_times'
  /** A `cron:"..."` that is not five valid cron fields. */
  | 'bad_cron'
  /** A `cron:"..."` naming several minutes of an hour (`* * * * *`): a digest goes at most once an hour. */
  | 'cron_too_often'
  | 'question_too_long'
  | 'bad_timezone'
  | 'bad_threshold'
  | 'bad_cooldown'
  /** A threshold the metric can never cross (CSAT < 180%, NPS > 100, backlog < -1). */
  | 'threshold_out_of_range'
  /** A ticket filter on a metric that counts customers, sessions or employees (churn, repeat, enps, selfservice). */
  | 'filters_not_applicable'
  /** `language` with a word that is not one of en, id, ms, tr (or their names) or default. */
  | 'unknown_language'
  /** `by:` with a word that is not a field or calendar unit it can split by. */
  | 'unknown_breakdown'
  /** `by:` with the summary or the agents table, or a ticket field with a metric that counts no tickets. */
  | 'breakdown_not_applicable'
  /** `by:` with more days, weeks or months than a reply shows (MAX_BREAKDOWN_BUCKETS). */
  | 'breakdown_too_long'
  /** `by:` on an alert rule that cannot hold it: a time unit, a metric that counts no tickets, an overdue or escalation rule. */
  | 'breakdown_not_for_alerts'
  /** A goal on a metric that cannot hold one (src/kpi/goals.ts GOAL_METRICS): no good direction, a count that grows with the period, a table. */
  | 'goal_not_for_metric'
  /** A goal scoped to one agent: goals are the team's, by team, priority, channel, helpdesk or tag. */
  | 'goal_not_for_agent'
  /** A goal's value that is not a value of the metric's unit (`1h`, `90%`, `25`). */
  | 'bad_goal'
  /** A goal the metric can never reach or never miss beyond (CSAT 120%, CES 9). */
  | 'goal_out_of_range'
  /** A goal or threshold on a count (backlog, overdue...) that is not a whole number: `1,500` (a decimal comma), `2.5`. */
  | 'count_not_whole'
  /** A goal alert on backlog or SLA overdue for one agent or by agent: those goals are for exactly a reply's filters, never an agent's. */
  | 'goal_alert_not_for_agent'
  /** `sample:` that is not a whole number from 1 to 100000. */
  | 'bad_sample'
  /** `sample:` on a rule whose metric is a count (backlog, volume...): its value is its n. */
  | 'sample_not_for_metric'
  /** `sort:` with a word that is not a column of the agents table. */
  | 'unknown_sort';

export const KPI_COMMAND_ERROR_CODES: readonly KpiCommandErrorCode[] = [
  'unknown_word', 'unexpected_word', 'unknown_metric', 'bad_period', 'bad_filter', 'unknown_filter', 'unknown_priority', 'duplicate_word',
  'missing_argument', 'unterminated_quote', 'bad_channel', 'bad_user', 'bad_email', 'bad_time', 'same_quiet_times', 'bad_cron', 'cron_too_often', 'bad_timezone', 'bad_threshold', 'bad_cooldown', 'threshold_out_of_range',
  'filters_not_applicable', 'unknown_language', 'unknown_breakdown', 'breakdown_not_applicable', 'breakdown_too_long', 'breakdown_not_for_alerts',
  'goal_not_for_metric', 'goal_not_for_agent', 'bad_goal', 'goal_out_of_range', 'count_not_whole', 'goal_alert_not_for_agent',
  'bad_sample', 'sample_not_for_metric', 'unknown_sort', 'question_too_long',
];

/** What a verb is missing (missing_argument). */
export type ExpectedArgument = 'metric' | 'channel' | 'frequency' | 'time' | 'user' | 'email' | 'agent' | 'alert' | 'threshold' | 'team' | 'routing' | 'rule_number' | 'goal';

export interface KpiCommandError {
  readonly kind: 'error';
  readonly code: KpiCommandErrorCode;
  /** The word at fault as written; for missing_argument, the verb. */
  readonly word: string;
  /** The closest known word, for "did you mean ...?". */
  readonly suggestion?: string;
  /** missing_argument: what is missing. */
  readonly expected?: ExpectedArgument;
  /** bad_period: why the period was refused. */
  readonly reason?: PeriodProblem;
  /** threshold_out_of_range, goal_out_of_range: the values the metric can take. */
  readonly range?: readonly [number, number];
  /** duplicate_word: the earlier word that set the same thing, when known. */
  readonly earlier?: string;
}

export interface ParseOptions {
  /** Epoch ms: periods are resolved at this instant. */
  readonly now: number;
  /** IANA zone periods are cut in (the workspace's). */
  readonly timezone: string;
}

/** Admin verbs change settings: the listener checks the user's rights before acting on them. */
export function requiresAdmin(request: KpiRequest): boolean {
  return (ADMIN_KINDS as readonly string[]).includes(request.kind);
}

export function isCommandError(result: KpiRequest | KpiCommandError): result is KpiCommandError {
  return result.kind === 'error';
}

export function parseKpiCommand(text: string, options: ParseOptions): KpiRequest | KpiCommandError {
  try {
    return parseWords(tokenize(text), options);
  } catch (error) {
    if (error instanceof CommandProblem) return error.error;
    throw error;
  }
}

// ---------------------------------------------------------------------------

/** Thrown inside the parser only, so each reader can stop at the first problem; parseKpiCommand returns it. */
class CommandProblem extends Error {
  constructor(readonly error: KpiCommandError) {
    super(error.code);
  }
}

function fail(code: KpiCommandErrorCode, word: string, extra: { suggestion?: string | undefined; expected?: ExpectedArgument; reason?: PeriodProblem | undefined; range?: readonly [number, number]; earlier?: string } = {}): never {
  const { suggestion, expected, reason, range, earlier } = extra;
  throw new CommandProblem({
    kind: 'error',
    code,
    word,
    ...(suggestion === undefined ? {} : { suggestion }),
    ...(expected === undefined ? {} : { expected }),
    ...(reason === undefined ? {} : { reason }),
    ...(range === undefined ? {} : { range }),
    ...(earlier === undefined ? {} : { earlier }),
  });
}

function failWith(problem: WordProblem): never {
  return fail(problem.code, problem.word, {
    suggestion: 'suggestion' in problem ? problem.suggestion : undefined,
    reason: 'reason' in problem ? problem.reason : undefined,
  });
}

function parseWords(words: readonly string[], options: ParseOptions): KpiRequest {
  const [first, ...rest] = words;
  if (first === undefined) return metricRequest('summary', [], options);
  const verb = first.toLowerCase();
  switch (verb) {
    case 'help':
      return help(rest);
    case 'explain':
      return explain(verb, rest);
    case 'agent':
      return agentRequest(verb, rest, options);
    case 'subscribe':
      return subscribe(verb, rest);
    case 'unsubscribe':
      return { kind: 'unsubscribe', channel: onlyChannel(verb, rest) };
    case 'subscriptions':
      noMoreWords(rest);
      return { kind: 'subscriptions' };
    case 'alerts':
      return alerts(verb, rest);
    case 'link':
      return link(verb, rest);
    case 'sla':
      return { kind: 'sla', words: rest };
    case 'digest':
      return digest(verb, rest);
    case 'goals':
      noMoreWords(rest);
      return { kind: 'goals' };
    case 'goal':
      return goal(verb, rest);
  }
  if (verb === 'enps' && rest[0]?.toLowerCase() === 'start') return enpsStart(rest.slice(1));
  if (LANGUAGE_VERBS.includes(verb)) return language(rest);
  if (isMetricId(verb)) return metricRequest(verb, rest, options);
  // `/kpi 7d team:billing` reads as the summary; anything else is an unknown first word.
  if (classify(first) !== 'unknown') return metricRequest('summary', words, options);
  return fail('unknown_word', first, { suggestion: closestWord(verb, [...VERBS, ...METRIC_IDS, ...PERIOD_WORDS]) });
}

function help(words: readonly string[]): KpiRequest {
  const { share, rest } = takeShare(words);
  if (rest.length === 0) return { kind: 'help', share };
  const [topic, ...extra] = rest;
  const metric = topic === undefined ? undefined : readMetric(topic);
  if (metric?.ok !== true) return fail('unexpected_word', topic ?? '', { suggestion: closestWord(topic ?? '', METRIC_IDS) });
  noMoreWords(extra);
  return { kind: 'explain', metric: metric.value, share };
}

function explain(verb: string, words: readonly string[]): KpiRequest {
  const { share, rest } = takeShare(words);
  const [word, ...extra] = rest;
  if (word === undefined) return fail('missing_argument', verb, { expected: 'metric' });
  const metric = readMetric(word);
  if (!metric.ok) return failWith(metric.problem);
  noMoreWords(extra);
  return { kind: 'explain', metric: metric.value, share };
}

/** Ticket filters with a metric that counts customers, sessions or employees (churn, repeat, enps, selfservice) are refused, naming the first filter word. */
function refuseTicketFilters(metrics: readonly MetricId[], filters: TicketFilters, words: readonly string[]): void {
  if (Object.keys(filters).length === 0 || !metrics.some((metric) => METRICS_WITHOUT_TICKET_FILTERS.includes(metric))) return;
  fail('filters_not_applicable', words.find((word) => ['user', 'email', 'name'].includes(classify(word)) || readFilter(word).ok) ?? '');
}

function metricRequest(metric: MetricId, words: readonly string[], options: ParseOptions): KpiRequest {
  const args = readMetricArguments(words, options);
  refuseTicketFilters([metric], args.filters, words);
  // `sort:` orders the agents table; no other reply has rows to order by a column.
  if (args.sort !== undefined && metric !== 'agents') return fail('unexpected_word', args.sort.word);
  const request = { kind: 'metric', metric, period: args.period, filters: args.filters, share: args.share, ...(args.sort === undefined ? {} : { sort: args.sort.column }) } as const;
  if (args.by === undefined) return request;
  const { by, word } = args.by;
  // A field that a filter already narrows to one value would split into one row.
  if (splitsFilteredField(by, args.filters)) return fail('duplicate_word', word, { earlier: args.setBy[by] });
  const problem = breakdownProblem(metric, by, args.period);
  if (problem !== undefined) return fail(problem, word, problem === 'breakdown_too_long' ? { suggestion: suggestCoarser(by) } : {});
  return { ...request, by };
}

function suggestCoarser(by: Breakdown): string | undefined {
  const coarser = coarserUnit(by);
  return coarser === undefined ? undefined : `by:${coarser}`;
}

function agentRequest(verb: string, words: readonly string[], options: ParseOptions): KpiRequest {
  const args = readMetricArguments(words, options);
  if (args.by !== undefined) return fail('breakdown_not_applicable', args.by.word);
  if (args.sort !== undefined) return fail('unexpected_word', args.sort.word);
  if (args.agent === undefined) return fail('missing_argument', verb, { expected: 'agent' });
  return { kind: 'agent', agent: args.agent, period: args.period, filters: args.filters, share: args.share };
}

interface MetricArguments {
  period: Period;
  filters: TicketFilters;
  agent?: AgentRef;
  share: boolean;
  /** `by:` and the word that set it. */
  by?: { by: Breakdown; word: string };
  /** `sort:` (the agents table's column) and the word that set it. */
  sort?: { column: AgentColumn; word: string };
  /** The word that set each filter (a mention or an address sets the agent's). */
  setBy: Partial<Record<FilterKey, string>>;
}

/** `[period] [filters...] [share]` in any order; a mention or an e-mail address is the agent filter. */
function readMetricArguments(words: readonly string[], options: ParseOptions): MetricArguments {
  let period: Period | undefined;
  let agent: AgentRef | undefined;
  let share = false;
  let by: MetricArguments['by'];
  let sort: MetricArguments['sort'];
  const filters: Partial<Record<FilterKey, string>> = {};
  // The words that set each filter and the period, to name them when a later word sets the same again.
  const setBy: Partial<Record<FilterKey | 'period', string>> = {};
  const setFilter = (word: string, key: FilterKey, value: string) => {
    if (filters[key] !== undefined) fail('duplicate_word', word, { earlier: setBy[key] });
    filters[key] = value;
    setBy[key] = word;
  };
  refuseSpacedBy(words);
  for (const word of words) {
    const kind = classify(word);
    switch (kind) {
      case 'share':
        share = true;
        break;
      case 'breakdown': {
        if (by !== undefined) return fail('duplicate_word', word, { earlier: by.word });
        by = { by: breakdownOf(word), word };
        break;
      }
      case 'sort': {
        if (sort !== undefined) return fail('duplicate_word', word, { earlier: sort.word });
        const columnWord = word.slice(5);
        const column = agentColumnOf(columnWord);
        if (column === undefined) {
          const near = closestWord(columnWord.toLowerCase(), Object.keys(AGENT_SORT_WORDS));
          return fail('unknown_sort', word, { suggestion: near === undefined ? undefined : `sort:${near}` });
        }
        sort = { column, word };
        break;
      }
      case 'user': {
        const user = slackUser(word);
        if (user === undefined) return fail('bad_user', word);
        agent = { kind: 'slack_user', ...user };
        setFilter(word, 'agent', user.id);
        break;
      }
      case 'email':
      case 'name': {
        const value = kind === 'name' ? word.slice(1) : word;
        agent = { kind: 'text', value };
        setFilter(word, 'agent', value);
        break;
      }
      case 'filter': {
        const read = readFilter(word);
        if (!read.ok) return failWith(read.problem);
        let value = read.value.value;
        if (read.value.key === 'agent') {
          agent = agentFromText(value);
          if (agent.kind === 'slack_user') value = agent.id;
        }
        setFilter(word, read.value.key, value);
        break;
      }
      case 'period': {
        const read = readPeriod(word, options.now, options.timezone);
        if (!read.ok) return failWith(read.problem);
        if (period !== undefined) return fail('duplicate_word', word, { earlier: setBy.period });
        period = read.value;
        setBy.period = word;
        break;
      }
      case 'filter_key':
        return fail('bad_filter', word);
      case 'channel':
      case 'metric':
      case 'verb':
        return fail('unexpected_word', word);
      case 'unknown':
        return fail('unknown_word', word, { suggestion: closestWord(word, [...PERIOD_WORDS, 'share']) });
    }
  }
  if (period === undefined) {
    const read = readPeriod(DEFAULT_PERIOD, options.now, options.timezone);
    if (!read.ok) return failWith(read.problem);
    period = read.value;
  }
  return { period, filters, share, setBy, ...(agent === undefined ? {} : { agent }), ...(by === undefined ? {} : { by }), ...(sort === undefined ? {} : { sort }) };
}

/** `agent:<@U123>` (Slack escaped the mention inside the filter) or `agent:@U123` name a Slack user. */
function agentFromText(value: string): AgentRef {
  const user = value.startsWith('<@') || value.startsWith('@') ? slackUser(value) : undefined;
  return user === undefined ? { kind: 'text', value } : { kind: 'slack_user', ...user };
}

type WordKind = 'share' | 'breakdown' | 'sort' | 'user' | 'channel' | 'email' | 'name' | 'filter' | 'filter_key' | 'period' | 'metric' | 'verb' | 'unknown';

/** What a word after the verb looks like (not yet whether it is valid). */
function classify(word: string): WordKind {
  const lower = word.toLowerCase();
  if (lower === 'share') return 'share';
  if (word.startsWith('<@') || /^@[UW][A-Z0-9]{2,}$/.test(word)) return 'user';
  if (word.startsWith('<#') || word.startsWith('#')) return 'channel';
  if (word.startsWith('@')) return word.length > 1 ? 'name' : 'unknown';
  if (/^by[:=]/i.test(word)) return 'breakdown';
  if (/^sort[:=]/i.test(word)) return 'sort';
  if (/^[a-z]+[:=]/i.test(word)) return 'filter';
  if (EMAIL.test(word)) return 'email';
  if (isFilterKey(lower)) return 'filter_key';
  if (isMetricId(lower)) return 'metric';
  if ((VERBS as readonly string[]).includes(lower)) return 'verb';
  if (looksLikePeriod(lower)) return 'period';
  return 'unknown';
}

/** A period word, `<N>d`/`<N>h`, a date or range, or a word nearer a period word than anything else (so a typo gets "did you mean"). */
function looksLikePeriod(lower: string): boolean {
  if (/^\d/.test(lower) || /^(this|last)-/.test(lower)) return true;
  const nearest = closestWord(lower, [...PERIOD_WORDS, ...METRIC_IDS, ...VERBS, 'share']);
  return nearest !== undefined && (PERIOD_WORDS as readonly string[]).includes(nearest);
}

const EMAIL = /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/;

// --- Admin verbs ---

/** The words of a digest's schedule, for `subscribe` and `digest me`: a frequency, a weekday, a time and a zone, each once. */
class ScheduleWords {
  frequency: 'daily' | 'weekdays' | 'weekly' | undefined;
  weekday: Weekday | undefined;
  time: string | undefined;
  timezone: string | undefined;

  /** Reads `word` when it is one of a schedule's words (false when it is not); a second one of a kind is refused. */
  take(word: string): boolean {
    const lower = word.toLowerCase();
    const once = (current: unknown) => {
      if (current !== undefined) fail('duplicate_word', word);
    };
    if (lower === 'daily' || lower === 'weekly' || lower === 'weekdays') {
      once(this.frequency);
      this.frequency = lower;
    } else if (weekdayOf(lower) !== undefined) {
      once(this.weekday);
      this.weekday = weekdayOf(lower);
    } else if (/^\d/.test(lower)) {
      once(this.time);
      this.time = readTime(word);
    } else if (word.includes('/') || lower === 'utc') {
      once(this.timezone);
      this.timezone = readTimezone(word);
    } else {
      return false;
    }
    return true;
  }

  /** The schedule and its time: a missing frequency or time, or a weekday beside a schedule that is not weekly, is refused. */
  schedule(verb: string, words: readonly string[]): { schedule: DigestSchedule; time: string } {
    const { frequency, weekday, time } = this;
    if (frequency === undefined) return fail('missing_argument', verb, { expected: 'frequency' });
    if (time === undefined) return fail('missing_argument', verb, { expected: 'time' });
    if (frequency !== 'weekly' && weekday !== undefined) return fail('unexpected_word', words.find((w) => weekdayOf(w.toLowerCase()) !== undefined) ?? '');
    return { schedule: frequency === 'weekly' ? { frequency, weekday: weekday ?? 'mon' } : { frequency }, time };
  }
}

function subscribe(verb: string, words: readonly string[]): KpiRequest {
  const [channelWord, ...rest] = words;
  const channel = requireChannel(verb, channelWord);
  const when = new ScheduleWords();
  const metrics: MetricId[] = [];
  const filters: Partial<Record<FilterKey, string>> = {};
  let cronExpression: string | undefined;
  let onlyIfChanged = false;
  let by: { by: Breakdown; word: string } | undefined;
  refuseSpacedBy(rest);
  const once = <T>(current: T | undefined, word: string): void => {
    if (current !== undefined) fail('duplicate_word', word);
  };
  for (const word of rest) {
    const lower = word.toLowerCase();
    if (/^cron[:=]/i.test(word)) {
      once(cronExpression, word);
      cronExpression = word.slice(5).trim().replace(/\s+/g, ' ');
      if (!isValidCron(cronExpression)) return fail('bad_cron', word);
      if (!cronAtMostHourly(cronExpression)) return fail('cron_too_often', word);
    } else if (lower === 'if-changed') {
      onlyIfChanged = true;
    } else if (/^by[:=]/i.test(word)) {
      if (by !== undefined) return fail('duplicate_word', word, { earlier: by.word });
      by = { by: breakdownOf(word), word };
    } else if (/^[a-z]+[:=]/i.test(word)) {
      const read = readFilter(word);
      if (!read.ok) return failWith(read.problem);
      if (filters[read.value.key] !== undefined) return fail('duplicate_word', word);
      filters[read.value.key] = read.value.value;
    } else if (when.take(word)) {
      continue;
    } else if (isMetricId(lower)) {
      if (!metrics.includes(lower)) metrics.push(lower);
    } else {
      refuseCityAsZone(word);
      return fail('unknown_word', word, { suggestion: closestWord(lower, ['daily', 'weekdays', 'weekly', 'if-changed', ...WEEKDAYS, ...METRIC_IDS]) });
    }
  }
  refuseTicketFilters(metrics, filters, rest);
  if (by !== undefined) refuseDigestBreakdown(metrics, filters, by);
  const split = by === undefined ? {} : { by: by.by };
  const { timezone } = when;
  const common = { kind: 'subscribe' as const, channel, ...(timezone === undefined ? {} : { timezone }), metrics: metrics.length === 0 ? ['summary' as const] : metrics, filters, onlyIfChanged, ...split };
  if (cronExpression !== undefined) {
    // A cron schedule carries its own days and time.
    const extra = rest.find((w) => ['daily', 'weekdays', 'weekly'].includes(w.toLowerCase()) || weekdayOf(w.toLowerCase()) !== undefined || /^\d/.test(w));
    if (extra !== undefined) return fail('unexpected_word', extra);
    return { ...common, schedule: { frequency: 'cron', expression: cronExpression } };
  }
  const { schedule, time } = when.schedule(verb, rest);
  return {
    kind: 'subscribe',
    channel,
    schedule,
    time,
    onlyIfChanged,
    ...(timezone === undefined ? {} : { timezone }),
    metrics: metrics.length === 0 ? ['summary'] : metrics,
    filters,
    ...split,
  };
}

/** `by team` and `by: team` as people type them: refused with the word to type instead (`by:team`). */
function refuseSpacedBy(words: readonly string[]): void {
  for (const [index, word] of words.entries()) {
    const next = words[index + 1]?.toLowerCase();
    if (/^by[:=]?$/i.test(word) && next !== undefined && isBreakdown(next)) fail(word.length === 2 ? 'unknown_word' : 'unknown_breakdown', word, { suggestion: `by:${next}` });
  }
}

/** `by:team`; an unknown one fails with the suggestion as it is typed here (`by:team`, not `team`). */
function breakdownOf(word: string): Breakdown {
  const read = readBreakdown(word);
  if (read.ok) return read.value;
  return fail('unknown_breakdown', word, { suggestion: 'suggestion' in read.problem && read.problem.suggestion !== undefined ? `by:${read.problem.suggestion}` : undefined });
}

/**
 * A digest's split must apply to every metric it names besides the summary and agents, which it shows whole (and
 * to at least one). A digest covers a day or a week, so no split has too many rows.
 */
function refuseDigestBreakdown(metrics: readonly MetricId[], filters: TicketFilters, { by, word }: { by: Breakdown; word: string }): void {
  const split = metrics.filter((metric) => metric !== 'summary' && metric !== 'agents');
  const week = { from: 0, to: 7 * 86_400_000, timezone: 'UTC' };
  if (split.length === 0 || split.some((metric) => breakdownProblem(metric, by, week) !== undefined)) fail('breakdown_not_applicable', word);
  if (splitsFilteredField(by, filters)) fail('duplicate_word', word);
}

function alerts(verb: string, words: readonly string[]): KpiRequest {
  const [channelWord, typeWord, ...rest] = words;
  if (channelWord === undefined) return { kind: 'alert_settings' };
  if (channelWord.toLowerCase() === 'quiet') return quietHours(verb, words.slice(1));
  if (channelWord.toLowerCase() === 'team') return teamRouting(verb, words.slice(1));
  if (channelWord.toLowerCase() === 'remove') {
    // `/kpi alerts remove 3` (or #3): the rule's number as `/kpi alerts` lists it.
    const [idWord, ...extra] = words.slice(1);
    if (idWord === undefined) return fail('missing_argument', `${verb} remove`, { expected: 'rule_number' });
    if (!/^#?[1-9]\d{0,9}$/.test(idWord)) return fail('unexpected_word', idWord);
    noMoreWords(extra);
    return { kind: 'alert_remove', id: Number(idWord.replace('#', '')) };
  }
  const channel = requireChannel(verb, channelWord);
  if (typeWord === undefined) return fail('missing_argument', verb, { expected: 'alert' });
  const type = typeWord.toLowerCase();
  let rule: AlertRule;
  let filterWords: readonly string[];
  if (type === 'overdue' || type === 'escalations') {
    rule = { type };
    filterWords = rest;
  } else if (type === 'threshold') {
    // A missing part is named as `/kpi alerts` needing it (there is no `/kpi threshold`).
    const threshold = readThreshold(verb, rest);
    rule = threshold.rule;
    filterWords = threshold.rest;
  } else {
    return fail('unknown_word', typeWord, { suggestion: closestWord(type, ['overdue', 'escalations', 'threshold']) });
  }
  const filters: Partial<Record<FilterKey, string>> = {};
  let by: { by: DimensionBreakdown; word: string } | undefined;
  refuseSpacedBy(filterWords);
  for (const word of filterWords) {
    if (/^by[:=]/i.test(word)) {
      // Overdue and escalation alerts are about single tickets: nothing to split.
      if (rule.type !== 'threshold') return fail('breakdown_not_for_alerts', word);
      if (by !== undefined) return fail('duplicate_word', word, { earlier: by.word });
      const split = breakdownOf(word);
      // Each team (agent...) against the limit; a day-by-day split has no meaning for a rule that looks at now.
      if (isTimeBreakdown(split) || breakdownProblem(rule.metric, split, { from: 0, to: 86_400_000, timezone: 'UTC' }) !== undefined) return fail('breakdown_not_for_alerts', word);
      by = { by: split, word };
      continue;
    }
    const read = readFilter(word);
    if (!read.ok) {
      if (read.problem.code === 'bad_filter' && !/[:=]/.test(word)) return fail('unexpected_word', word);
      return failWith(read.problem);
    }
    if (filters[read.value.key] !== undefined) return fail('duplicate_word', word);
    filters[read.value.key] = read.value.value;
  }
  if (rule.type === 'threshold') refuseTicketFilters([rule.metric], filters, filterWords.filter((word) => word !== by?.word));
  if (by !== undefined && splitsFilteredField(by.by, filters)) return fail('duplicate_word', by.word);
  // A backlog or overdue goal judges only a reply of exactly its filters, and none is set per agent: such a rule would never fire.
  if (rule.type === 'threshold' && 'goal' in rule && GOALS_FOR_EXACT_SCOPE.includes(rule.metric)) {
    const agentWord = by?.by === 'agent' ? by.word : filters.agent === undefined ? undefined : (filterWords.find((word) => /^agent[:=]/i.test(word)) ?? `agent:${filters.agent}`);
    if (agentWord !== undefined) return fail('goal_alert_not_for_agent', agentWord);
  }
  return { kind: 'alerts', channel, rule: rule.type === 'threshold' && by !== undefined ? { ...rule, by: by.by } : rule, filters };
}

/** `quiet <#C..> HH:MM HH:MM [Area/City]` or `quiet <#C..> off` (the words after `quiet`). */
function quietHours(verb: string, words: readonly string[]): KpiRequest {
  const [channelWord, ...rest] = words;
  const channel = requireChannel(verb, channelWord);
  if (rest[0]?.toLowerCase() === 'off') {
    noMoreWords(rest.slice(1));
    return { kind: 'quiet_hours', channel };
  }
  const times: string[] = [];
  let timezone: string | undefined;
  for (const word of rest) {
    if (/^\d/.test(word)) {
      if (times.length === 2) return fail('unexpected_word', word);
      times.push(readTime(word));
    } else if (word.includes('/') || word.toLowerCase() === 'utc') {
      if (timezone !== undefined) return fail('duplicate_word', word);
      timezone = readTimezone(word);
    } else {
      refuseCityAsZone(word);
      return fail('unknown_word', word, { suggestion: closestWord(word.toLowerCase(), ['off']) });
    }
  }
  const [starts, ends] = times;
  if (starts === undefined || ends === undefined) return fail('missing_argument', verb, { expected: 'time' });
  if (starts === ends) return fail('same_quiet_times', starts);
  return { kind: 'quiet_hours', channel, quiet: { starts, ends, ...(timezone === undefined ? {} : { timezone }) } };
}

/**
 * `team <team name> [<#C..> | no-channel] [<@U..> | no-lead]` (the words after
 * `team`). The name is the other words, in order (`team Billing EU #billing`),
 * or one quoted word. The channel and the lead are links only: a bare word such
 * as `UX` is part of the name, and a `#name` or `@name` Slack did not link is
 * refused.
 */
function teamRouting(verb: string, words: readonly string[]): KpiRequest {
  const name: string[] = [];
  let channel: SlackChannelRef | null | undefined;
  let lead: SlackUserRef | null | undefined;
  for (const word of words) {
    const lower = word.toLowerCase();
    const mention = /^<@([UW][A-Z0-9]+)(?:\|([^>]*))?>$/.exec(word);
    if (word.startsWith('<#') || word.startsWith('#') || lower === 'no-channel') {
      if (channel !== undefined) return fail('duplicate_word', word);
      channel = lower === 'no-channel' ? null : requireChannel(verb, word);
    } else if (mention !== null || lower === 'no-lead') {
      if (lead !== undefined) return fail('duplicate_word', word);
      lead = mention === null ? null : ref(mention[1] ?? '', mention[2]);
    } else if (word.startsWith('<') || word.startsWith('@')) {
      // A typed `@ayu` that Slack did not link: refused, not read as part of the team's name.
      return fail('bad_user', word);
    } else {
      name.push(word);
    }
  }
  const team = name.join(' ').trim();
  if (team === '') return fail('missing_argument', verb, { expected: 'team' });
  if (channel === undefined && lead === undefined) return fail('missing_argument', verb, { expected: 'routing' });
  return { kind: 'team_routing', team, ...(channel === undefined ? {} : { channel }), ...(lead === undefined ? {} : { lead }) };
}

/** A threshold's `cooldown:…` or `sample:…` word, wherever it stands; a second one is refused. */
function optionWord(words: readonly string[], option: string): string | undefined {
  const found = words.filter((word) => word.toLowerCase().startsWith(`${option}:`));
  if (found.length > 1) return fail('duplicate_word', found[1] ?? '', { earlier: found[0] ?? '' });
  return found[0];
}

/**
 * `threshold <metric> [median] [window] <op> <value> [cooldown:<duration>] [sample:<n>]`, or `goal` in place of the operator and
 * value (the metric against its goal): the operator
 * may be written against the value (`>4h`) or the metric (`frt>4h`); `median` names the
 * statistic duration metrics are judged by anyway; the window (`7d`, `24h`) is rolling.
 */
function readThreshold(keyword: string, words: readonly string[]): { rule: AlertRule; rest: readonly string[] } {
  const cooldownWord = optionWord(words, 'cooldown');
  const sampleWord = optionWord(words, 'sample');
  const [metricWord, ...afterMetric] = words.filter((word) => word !== cooldownWord && word !== sampleWord);
  if (metricWord === undefined) return fail('missing_argument', keyword, { expected: 'threshold' });
  const glued = /^([a-z]+)(>=|<=|>|<)(.*)$/i.exec(metricWord);
  const metricText = glued?.[1] ?? metricWord;
  const metric = readMetric(metricText);
  if (!metric.ok) return failWith(metric.problem);
  const unit = METRICS[metric.value].unit;
  if (unit === 'table') return fail('bad_threshold', metricWord);
  let rest = afterMetric;
  if (glued === null && unit === 'seconds' && rest[0]?.toLowerCase() === 'median') rest = rest.slice(1);
  let windowHours: number | undefined;
  const windowMatch = glued === null ? /^(\d{1,4})(h|d)$/i.exec(rest[0] ?? '') : null;
  if (windowMatch !== null) {
    windowHours = Number(windowMatch[1]) * (windowMatch[2]?.toLowerCase() === 'd' ? 24 : 1);
    if (windowHours < 1 || windowHours > 24 * 366) return fail('bad_threshold', rest[0] ?? '');
    rest = rest.slice(1);
  }
  let cooldownMinutes: number | undefined;
  if (cooldownWord !== undefined) {
    // At least 5 minutes: a rule that flaps across its line every sweep would post an alert and a recovery each minute.
    const cooldown = /^cooldown:(\d{1,5})(m|h|d)$/i.exec(cooldownWord);
    cooldownMinutes = cooldown === null ? 0 : Number(cooldown[1]) * COOLDOWN_UNIT_MINUTES[cooldown[2]!.toLowerCase() as 'm' | 'h' | 'd'];
    if (cooldownMinutes < 5 || cooldownMinutes > 30 * 24 * 60) return fail('bad_cooldown', cooldownWord);
  }
  let minSample: number | undefined;
  if (sampleWord !== undefined) {
    // A count's value is its own n: a minimum of it would be a second threshold, not a sample.
    if (unit === 'count') return fail('sample_not_for_metric', sampleWord);
    const sample = /^sample:(\d{1,6})$/i.exec(sampleWord);
    minSample = sample === null ? 0 : Number(sample[1]);
    if (minSample < 1 || minSample > 100_000) return fail('bad_sample', sampleWord);
  }
  const timing = {
    ...(windowHours === undefined ? {} : { windowHours }),
    ...(cooldownMinutes === undefined ? {} : { cooldownMinutes }),
    ...(minSample === undefined ? {} : { minSample }),
  };
  // `frt goal`: crossed while the metric misses the goal that applies to it, whatever that goal is now.
  if (glued === null && rest[0]?.toLowerCase() === 'goal') {
    if (!isGoalMetric(metric.value)) return fail('goal_not_for_metric', metricWord);
    return { rule: { type: 'threshold', metric: metric.value, goal: true, ...timing }, rest: rest.slice(1) };
  }
  let remaining = rest;
  let expression = glued === null ? '' : `${glued[2] ?? ''}${glued[3] ?? ''}`;
  if (glued === null || glued[3] === '') {
    const [next, ...after] = remaining;
    if (next === undefined) return fail('missing_argument', keyword, { expected: 'threshold' });
    expression += next;
    remaining = after;
    if ((THRESHOLD_OPERATORS as readonly string[]).includes(expression)) {
      const [value, ...afterValue] = remaining;
      if (value === undefined) return fail('missing_argument', keyword, { expected: 'threshold' });
      expression += value;
      remaining = afterValue;
    }
  }
  // `frt > 4 hours`: a duration's unit written as a word of its own.
  const [unitWord, ...afterUnit] = remaining;
  if (unit === 'seconds' && /\d$/.test(expression) && unitWord !== undefined && DURATION_UNITS[unitWord.toLowerCase()] !== undefined) {
    expression += unitWord;
    remaining = afterUnit;
  }
  const match = /^(>=|<=|>|<)(.+)$/.exec(expression);
  const operator = match?.[1] as ThresholdOperator | undefined;
  const value = match === null ? undefined : readMetricValue(match[2] ?? '', unit);
  if (operator !== undefined && value === undefined && unit === 'count' && isFractionalNumber(match?.[2] ?? '')) return fail('count_not_whole', expression);
  if (operator === undefined || value === undefined) return fail('bad_threshold', expression);
  // A value the metric never takes (CSAT < 180%, NPS > 100) would fire always or never.
  const [lowest, highest] = valueRange(metric.value);
  if (value < lowest || value > highest) return fail('threshold_out_of_range', expression, { range: [lowest, highest] });
  return {
    rule: { type: 'threshold', metric: metric.value, operator, value, ...timing },
    rest: remaining,
  };
}

/**
 * `goal <metric> <value> [filters...]` or `goal <metric> off [filters...]`; `goal` alone lists the goals. The value is
 * the metric's, as a threshold's (`1h`, `4 hours`, `90%`, `30`), with no operator: a goal is the most a duration or
 * a count may be and the least a rate or score may be, as the metric's good direction says.
 */
function goal(verb: string, words: readonly string[]): KpiRequest {
  const [metricWord, ...rest] = words;
  if (metricWord === undefined) return { kind: 'goals' };
  const metric = readMetric(metricWord);
  if (!metric.ok) return failWith(metric.problem);
  if (!isGoalMetric(metric.value)) return fail('goal_not_for_metric', metricWord);
  const [valueWord, ...afterValue] = rest;
  if (valueWord === undefined) return fail('missing_argument', verb, { expected: 'goal' });
  const unit = METRICS[metric.value].unit as Exclude<Unit, 'table'>;
  let filterWords = afterValue;
  let target: number | undefined;
  if (valueWord.toLowerCase() !== 'off') {
    let text = valueWord;
    // `frt 4 hours`, `frt 1 sa`, `csat 90 %`: the unit written as a word of its own.
    const [unitWord, ...afterUnit] = afterValue;
    if (/\d$/.test(text) && unitWord !== undefined && ((unit === 'seconds' && DURATION_UNITS[unitWord.toLowerCase()] !== undefined) || (unit === 'percent' && unitWord === '%'))) {
      text += unitWord;
      filterWords = afterUnit;
    }
    const read = readGoalTarget(metric.value, text);
    if ('problem' in read) {
      if (read.problem === 'not_whole') return fail('count_not_whole', text);
      if (read.problem === 'out_of_range') return fail('goal_out_of_range', text, { range: read.range });
      // `frt 1 saat`: a number and a word that is no unit are named together.
      return fail('bad_goal', /^\d+$/.test(text) && unitWord !== undefined && /^\p{L}+$/u.test(unitWord) ? `${text} ${unitWord}` : text);
    }
    target = read.target;
  }
  const filters: GoalFilters = {};
  for (const word of filterWords) {
    // A goal judges every reply, split or not: `by:` has no place here.
    if (/^by[:=]/i.test(word)) return fail('unexpected_word', word);
    const read = readFilter(word);
    if (!read.ok) {
      if (read.problem.code === 'bad_filter' && !/[:=]/.test(word)) return fail('unexpected_word', word);
      return failWith(read.problem);
    }
    const { key, value } = read.value;
    if (!isGoalFilterKey(key)) return fail('goal_not_for_agent', word);
    if (filters[key] !== undefined) return fail('duplicate_word', word);
    filters[key] = value;
  }
  refuseTicketFilters([metric.value], filters, filterWords);
  return target === undefined ? { kind: 'goal_remove', metric: metric.value, filters } : { kind: 'goal_set', metric: metric.value, target, filters };
}

function link(verb: string, words: readonly string[]): KpiRequest {
  let user: SlackUserRef | undefined;
  let email: string | undefined;
  for (const word of words) {
    const kind = classify(word);
    if (kind === 'user' || kind === 'name') {
      if (user !== undefined) return fail('duplicate_word', word);
      user = slackUser(word) ?? fail('bad_user', word);
    } else if (kind === 'email') {
      if (email !== undefined) return fail('duplicate_word', word);
      email = word.toLowerCase();
    } else if (word.includes('@')) {
      return fail('bad_email', word);
    } else {
      return fail('unexpected_word', word);
    }
  }
  if (user === undefined) return fail('missing_argument', verb, { expected: 'user' });
  if (email === undefined) return fail('missing_argument', verb, { expected: 'email' });
  return { kind: 'link', user, email };
}

/** `digest now <#C..>`, `digest me <schedule>`, `digest me off`. */
function digest(verb: string, words: readonly string[]): KpiRequest {
  const [now, ...rest] = words;
  if (now === undefined) return fail('missing_argument', verb, { expected: 'channel' });
  if (now.toLowerCase() === 'me') return digestMe(verb, rest);
  if (now.toLowerCase() !== 'now') return fail('unexpected_word', now, { suggestion: closestWord(now.toLowerCase(), ['now', 'me']) ?? 'now' });
  return { kind: 'digest_now', channel: onlyChannel(verb, rest) };
}

function digestMe(verb: string, words: readonly string[]): KpiRequest {
  if (words.length === 1 && words[0]?.toLowerCase() === 'off') return { kind: 'digest_me' };
  const when = new ScheduleWords();
  for (const word of words) {
    if (when.take(word)) continue;
    const lower = word.toLowerCase();
    refuseCityAsZone(word);
    // A personal digest lists the agent's tickets: a metric has no place in it (and `frt` is not a misspelt `fri`).
    if (isMetricId(lower)) return fail('unexpected_word', word);
    return fail('unknown_word', word, { suggestion: closestWord(lower, ['daily', 'weekdays', 'weekly', 'off', ...WEEKDAYS]) });
  }
  const { schedule, time } = when.schedule(verb, words);
  return { kind: 'digest_me', schedule, time, ...(when.timezone === undefined ? {} : { timezone: when.timezone }) };
}

/** The longest eNPS question, in characters: a survey question is a sentence, and a longer one would be cut in the DM. */
export const MAX_QUESTION_CHARS = 300;

/** `enps start [<#C..> | <!subteam^S..|@name>] ["question"]` (the words after `start`). */
function enpsStart(rest: readonly string[]): KpiRequest {
  let audience: SurveyAudience | undefined;
  let question: string | undefined;
  for (const word of rest) {
    const group = /^<!subteam\^([A-Z0-9]+)(?:\|@?([^>]*))?>$/.exec(word);
    if (word.startsWith('<#')) {
      if (audience !== undefined) return fail('duplicate_word', word);
      const channel = requireChannel('enps', word);
      audience = { kind: 'channel', ...channel };
    } else if (group !== null) {
      if (audience !== undefined) return fail('duplicate_word', word);
      audience = { kind: 'usergroup', ...ref(group[1] ?? '', group[2]) };
    } else if (word.trim() === '') {
      // `enps start ""`: no question given, so the default one (a blank one would send an empty survey).
      continue;
    } else if (question === undefined) {
      if ([...word].length > MAX_QUESTION_CHARS) return fail('question_too_long', word);
      question = word;
    } else {
      return fail('duplicate_word', word);
    }
  }
  return { kind: 'enps_start', ...(audience === undefined ? {} : { audience }), ...(question === undefined ? {} : { question }) };
}

function language(words: readonly string[]): KpiRequest {
  const [first, ...rest] = words;
  if (first === undefined) return { kind: 'language' };
  // `#support` typed without Slack's link is a channel all the same, refused as bad_channel with how to link it.
  if (first.startsWith('<#') || first.startsWith('#')) {
    const channel = requireChannel('language', first);
    if (rest.length === 0) return { kind: 'language', channel };
    return { kind: 'channel_language', channel, locale: onlyLanguage(rest) };
  }
  return { kind: 'language', locale: onlyLanguage(words) };
}

/** The language the words name, and nothing after it: `bahasa indonesia`, typed with a space, is one name. */
function onlyLanguage(words: readonly string[]): Locale | null {
  const [first = '', second] = words;
  const joined = second === undefined ? undefined : languageOfWord(`${first}-${second}`);
  if (joined !== undefined) {
    noMoreWords(words.slice(2));
    return joined;
  }
  const locale = readLanguage(first);
  noMoreWords(words.slice(1));
  return locale;
}

function readLanguage(word: string): Locale | null {
  const locale = languageOfWord(word);
  // A two-letter code is a language we do not speak (`fr`), not a misspelt `tr`: no "did you mean" for it.
  if (locale === undefined) return fail('unknown_language', word, { suggestion: word.length < 4 ? undefined : closestWord(word.toLowerCase(), LANGUAGE_WORD_LIST) });
  return locale;
}

function onlyChannel(verb: string, words: readonly string[]): SlackChannelRef {
  const [word, ...extra] = words;
  const channel = requireChannel(verb, word);
  noMoreWords(extra);
  return channel;
}

function requireChannel(verb: string, word: string | undefined): SlackChannelRef {
  if (word === undefined) return fail('missing_argument', verb, { expected: 'channel' });
  const match = /^<#([CG][A-Z0-9]+)(?:\|([^>]*))?>$/.exec(word);
  if (match === null) return fail('bad_channel', word);
  return ref(match[1] ?? '', match[2]);
}

/**
 * A Slack user id as a filter holds it once `agent:<@U…>` is read (U or W and
 * at least eight more: Slack's ids are 9 or 11 characters long), so that a view
 * can show it as a mention. A helpdesk agent's name or id rarely looks like one.
 */
export const SLACK_USER_ID = /^[UW][A-Z0-9]{8,}$/;

function slackUser(word: string): SlackUserRef | undefined {
  const escaped = /^<@([UW][A-Z0-9]+)(?:\|([^>]*))?>$/.exec(word);
  if (escaped !== null) return ref(escaped[1] ?? '', escaped[2]);
  const bare = /^@?([UW][A-Z0-9]{2,})$/.exec(word);
  return bare === null ? undefined : { id: bare[1] ?? '' };
}

function ref(id: string, name: string | undefined): { id: string; name?: string } {
  return name === undefined || name === '' ? { id } : { id, name };
}

const WEEKDAY_NAMES = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;

function weekdayOf(lower: string): Weekday | undefined {
  const index = WEEKDAY_NAMES.findIndex((name, i) => lower === name || lower === WEEKDAYS[i]);
  return index < 0 ? undefined : WEEKDAYS[index];
}

/** `HH:MM` (or `H:MM`, `HH.MM`), 00:00-23:59, normalized to `HH:MM`. */
function readTime(word: string): string {
  const match = /^(\d{1,2})[:.](\d{2})$/.exec(word);
  const hours = Number(match?.[1]);
  const minutes = Number(match?.[2]);
  if (match === null || hours > 23 || minutes > 59) return fail('bad_time', word);
  return `${String(hours).padStart(2, '0')}:${String(minutes).padStart(2, '0')}`;
}

let zoneNames: readonly string[] | undefined;

/** An IANA zone, returned as Intl names it (`asia/jakarta` → `Asia/Jakarta`). */
function readTimezone(word: string): string {
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: word }).resolvedOptions().timeZone;
  } catch {
    zoneNames ??= Intl.supportedValuesOf('timeZone');
    return fail('bad_timezone', word, { suggestion: closestWord(word, zoneNames) });
  }
}

/** The local names our users give their zones, read as the zone they mean. */
const ZONE_ABBREVIATIONS: Readonly<Record<string, string>> = { wib: 'Asia/Jakarta', wita: 'Asia/Makassar', wit: 'Asia/Jayapura', myt: 'Asia/Kuala_Lumpur', trt: 'Europe/Istanbul' };

/** A city (`Istanbul`, `kuala lumpur`) or a local abbreviation (`WIB`) where a time zone goes: refused, naming the zone (`Europe/Istanbul`). */
function refuseCityAsZone(word: string): void {
  const key = matchKey(word).replace(/[\s-]+/g, '_');
  zoneNames ??= Intl.supportedValuesOf('timeZone');
  const zone = ZONE_ABBREVIATIONS[key] ?? zoneNames.find((name) => name.toLowerCase().split('/').pop() === key);
  if (zone !== undefined) fail('bad_timezone', word, { suggestion: zone });
}

function takeShare(words: readonly string[]): { share: boolean; rest: string[] } {
  const rest = words.filter((word) => word.toLowerCase() !== 'share');
  return { share: rest.length < words.length, rest };
}

function noMoreWords(words: readonly string[]): void {
  const [extra] = words;
  if (extra !== undefined) fail('unexpected_word', extra);
}

// --- Words ---

/** Straight and typographic double quotes (phones and Slack's desktop editor put in the latter). */
const OPENING_QUOTES = '"\u201C\u201D\u201E';
const CLOSING_QUOTES = /["\u201C\u201D]/g;

/**
 * Slack's markup opens with `<#` (a channel), `<@` (a user), `<!` (a group or special mention), `<mailto:` or a link.
 * A `<` that opens none is a "less than" typed as it is (the local console; Slack itself sends `&lt;`).
 */
const SLACK_MARKUP = /^<(?:[#@!]|mailto:|https?:)/i;

/**
 * Split on blanks. A quoted stretch (`"..."`, or the typographic quotes phones
 * put in) is one part of a word, quotes removed: `team:"first line"`. Slack's
 * `<...>` markup stays one word; `<mailto:a|b>` becomes `a`. Then Slack's
 * `&lt;` `&gt;` `&amp;` are read back.
 */
export function tokenize(text: string): string[] {
  const words: string[] = [];
  let word = '';
  let started = false;
  let i = 0;
  const end = () => {
    if (started) words.push(unescapeSlack(word));
    word = '';
    started = false;
  };
  while (i < text.length) {
    const char = text[i] ?? '';
    if (/\s/.test(char)) {
      end();
      i += 1;
    } else if (OPENING_QUOTES.includes(char)) {
      CLOSING_QUOTES.lastIndex = i + 1;
      const at = CLOSING_QUOTES.exec(text)?.index ?? -1;
      if (at < 0) return fail('unterminated_quote', unescapeSlack(text.slice(i)));
      word += text.slice(i + 1, at);
      started = true;
      i = at + 1;
    } else if (char === '<' && SLACK_MARKUP.test(text.slice(i, i + 10))) {
      const stop = text.indexOf('>', i + 1);
      const markup = stop < 0 ? text.slice(i) : text.slice(i, stop + 1);
      word += /^<mailto:/i.test(markup) ? markup.slice('<mailto:'.length).replace(/[|>].*$/s, '') : markup;
      started = true;
      i += markup.length;
    } else {
      word += char;
      started = true;
      i += 1;
    }
  }
  end();
  return words;
}

function unescapeSlack(text: string): string {
  return text.replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&amp;', '&');
}
