/**
 * The words of the `/kpi` command put into sentences, in the reader's
 * language: a parser error with its "did you mean", and the help. Pure, Slack
 * mrkdwn, with `&`, `<`, `>` escaped and the user's own words kept inside code
 * spans. The command words themselves (verbs, metric ids, period words,
 * filter keys, examples) are the same in every language.
 */
import { METRIC_IDS } from '../kpi/definitions.js';
import { MAX_PERIOD_DAYS, MAX_PERIOD_HOURS, PERIOD_WORDS } from '../kpi/periods.js';
import { BREAKDOWNS, FILTER_KEYS } from '../kpi/request-words.js';
import { MAX_BREAKDOWN_BUCKETS } from '../kpi/breakdown.js';
import { PRIORITIES } from '../ingest/events.js';
import { t, type MessageKey } from '../i18n/catalogue.js';
import { LOCALES, type Locale } from '../i18n/locale.js';
import { MAX_QUESTION_CHARS, type KpiCommandError } from './command.js';
import { escapeMrkdwn } from './blocks/kit.js';

export { escapeMrkdwn };

/** One sentence or three: what is wrong, the closest word (or the choices), and where the help is. */
export function commandErrorText(locale: Locale, error: KpiCommandError): string {
  const word = codeSafe(error.word);
  const sentences = [problemSentence(locale, error, word)];
  if (error.suggestion !== undefined) sentences.push(t(locale, 'error.suggestion', { suggestion: codeSafe(error.suggestion) }));
  else if (error.code === 'unknown_filter') sentences.push(t(locale, 'error.choices', { choices: codeList(FILTER_KEYS.map((key) => `${key}:`)) }));
  else if (error.code === 'unknown_priority') sentences.push(t(locale, 'error.choices', { choices: codeList(PRIORITIES) }));
  else if (error.code === 'unknown_metric') sentences.push(t(locale, 'error.choices', { choices: codeList(METRIC_IDS) }));
  else if (error.code === 'unknown_language') sentences.push(t(locale, 'error.choices', { choices: codeList([...LOCALES, 'default']) }));
  else if (error.code === 'unknown_breakdown') sentences.push(t(locale, 'error.choices', { choices: breakdownWords() }));
  sentences.push(t(locale, 'error.see_help'));
  return sentences.join(' ');
}

function problemSentence(locale: Locale, error: KpiCommandError, word: string): string {
  switch (error.code) {
    case 'bad_period':
      return t(locale, `error.bad_period.${error.reason ?? 'not_a_period'}`, { word, maxDays: String(MAX_PERIOD_DAYS), maxHours: String(MAX_PERIOD_HOURS) });
    case 'missing_argument':
      return t(locale, 'error.missing_argument', { word, expected: t(locale, `argument.${error.expected ?? 'metric'}`) });
    case 'duplicate_word':
      return error.earlier === undefined ? t(locale, 'error.duplicate_word', { word }) : t(locale, 'error.duplicate_of', { word, earlier: codeSafe(error.earlier) });
    case 'question_too_long':
      return t(locale, 'error.question_too_long', { max: String(MAX_QUESTION_CHARS), count: String([...error.word].length) });
    case 'breakdown_too_long':
      return t(locale, 'error.breakdown_too_long', { word, max: String(MAX_BREAKDOWN_BUCKETS) });
    case 'threshold_out_of_range': {
      const [from, to] = error.range ?? [0, Number.POSITIVE_INFINITY];
      return to === Number.POSITIVE_INFINITY ? t(locale, 'error.threshold_below_zero', { word }) : t(locale, 'error.threshold_out_of_range', { word, from, to });
    }
    case 'goal_out_of_range': {
      const [from, to] = error.range ?? [0, Number.POSITIVE_INFINITY];
      return to === Number.POSITIVE_INFINITY ? t(locale, 'error.goal_below_zero', { word }) : t(locale, 'error.goal_out_of_range', { word, from, to });
    }
    default:
      return t(locale, `error.${error.code}`, { word });
  }
}

export interface HelpItem {
  /** A complete command, the same in every language. */
  readonly example: string;
  readonly description: string;
}

export interface HelpContent {
  readonly title: string;
  readonly intro: string;
  readonly items: readonly HelpItem[];
  /** The words: metrics, periods, filters. */
  readonly words: readonly string[];
  readonly adminTitle: string;
  readonly adminItems: readonly HelpItem[];
}

/** The help lines that describe a verb (the others carry placeholders). */
type HelpKey = Exclude<Extract<MessageKey, `help.${string}`>, 'help.metrics' | 'help.periods' | 'help.filters' | 'help.breakdowns'>;

const EVERYONE: readonly (readonly [string, HelpKey])[] = [
  ['/kpi', 'help.summary'],
  ['/kpi frt 7d team:billing priority:high', 'help.metric'],
  ['/kpi csat last-month share', 'help.metric'],
  ['/kpi frt 30d by:team', 'help.breakdown'],
  ['/kpi backlog this-month by:day', 'help.breakdown'],
  ['/kpi agents 30d sort:frt', 'help.agents'],
  ['/kpi agent @someone', 'help.agent'],
  ['/kpi explain backlog', 'help.explain'],
  ['/kpi goals', 'help.goals'],
  ['/kpi help', 'help.help'],
  ['/kpi digest me weekdays 08:30', 'help.digest_me'],
  ['/kpi language id', 'help.language'],
];

const ADMINS: readonly (readonly [string, HelpKey])[] = [
  ['/kpi subscribe #support daily 09:00 Asia/Jakarta summary', 'help.subscribe'],
  ['/kpi subscribe #leads weekly mon 08:30 frt csat team:billing', 'help.subscribe'],
  ['/kpi subscribe #leads weekly mon 08:30 frt csat by:team', 'help.subscribe'],
  ['/kpi subscribe #support cron:"0 9,15 * * 1-5" Asia/Jakarta if-changed', 'help.subscribe'],
  ['/kpi subscribe #support weekdays 17:00 backlog overdue', 'help.subscribe'],
  ['/kpi unsubscribe #support', 'help.unsubscribe'],
  ['/kpi subscriptions', 'help.subscriptions'],
  ['/kpi alerts #support-leads overdue', 'help.alerts'],
  ['/kpi alerts #support-leads threshold frt > 4h', 'help.alerts'],
  ['/kpi alerts #support-leads threshold frt > 4h by:team', 'help.alerts'],
  ['/kpi alerts #support-leads threshold csat 7d goal sample:20 by:team', 'help.alerts_goal'],
  ['/kpi alerts team Billing #billing-alerts @lead', 'help.alerts_team'],
  ['/kpi alerts quiet #support-leads 20:00 08:00 Asia/Jakarta', 'help.alerts_quiet'],
  ['/kpi alerts', 'help.alerts_list'],
  ['/kpi alerts remove 3', 'help.alerts_remove'],
  ['/kpi link @someone agent@example.com', 'help.link'],
  ['/kpi goal frt 1h', 'help.goal'],
  ['/kpi goal csat 90% team:billing', 'help.goal'],
  ['/kpi goal frt off', 'help.goal_off'],
  ['/kpi sla list', 'help.sla'],
  ['/kpi digest now #support', 'help.digest'],
  ['/kpi enps start #team "How likely are you to recommend working here?"', 'help.enps_start'],
  ['/kpi language #support-tr tr', 'help.language_channel'],
];

/** Every verb with an example, in the reader's language; examples and words are plain text (not yet escaped). */
export function helpContent(locale: Locale): HelpContent {
  const item = ([example, key]: readonly [string, HelpKey]): HelpItem => ({ example, description: t(locale, key) });
  return {
    title: t(locale, 'help.title'),
    intro: t(locale, 'help.intro'),
    items: EVERYONE.map(item),
    words: [
      t(locale, 'help.metrics', { metrics: codeList(METRIC_IDS) }),
      t(locale, 'help.periods', { periods: codeList([...PERIOD_WORDS, '<N>d', '<N>h', 'YYYY-MM-DD', 'YYYY-MM-DD..YYYY-MM-DD', 'YYYY-MM-DD..']) }),
      t(locale, 'help.filters', { filters: codeList(FILTER_KEYS.map((key) => `${key}:`)) }),
      t(locale, 'help.breakdowns', { choices: breakdownWords() }),
    ],
    adminTitle: t(locale, 'help.admin_title'),
    adminItems: ADMINS.map(item),
  };
}

/** Help items in groups: examples that share a description, in order, said once. */
export function helpGroups(items: readonly HelpItem[]): { examples: string[]; description: string }[] {
  const groups: { examples: string[]; description: string }[] = [];
  for (const item of items) {
    const last = groups.at(-1);
    if (last?.description === item.description) last.examples.push(item.example);
    else groups.push({ examples: [item.example], description: item.description });
  }
  return groups;
}

/** The help as one mrkdwn text (the plain fallback, and the console). */
export function helpText(locale: Locale): string {
  const help = helpContent(locale);
  const lines = (items: readonly HelpItem[]) =>
    helpGroups(items).map(({ examples, description }) => `• ${examples.map((example) => `\`${escapeMrkdwn(example)}\``).join(' · ')} — ${escapeMrkdwn(description)}`);
  return [
    `*${escapeMrkdwn(help.title)}*`,
    escapeMrkdwn(help.intro),
    ...lines(help.items),
    ...help.words.map(escapeMrkdwn),
    `*${escapeMrkdwn(help.adminTitle)}*`,
    ...lines(help.adminItems),
  ].join('\n');
}


/** A user's word, safe inside a code span: escaped, with its own backticks turned into quotes. */
function codeSafe(word: string): string {
  return escapeMrkdwn(word.replaceAll('`', "'"));
}

/** `by:team`, `by:priority`... as code spans. */
const breakdownWords = () => codeList(BREAKDOWNS.map((by) => `by:${by}`));

function codeList(words: readonly string[]): string {
  return words.map((word) => `\`${word}\``).join(', ');
}
