/**
 * `kpibot sla ...`: SLA policies, business-hours calendars and the calendar of
 * each team. Every change recomputes the due times and business-hours durations
 * of all tickets, so breaches and KPIs follow the policies and calendars now in force.
 */
import { isValidTimeZone, type Config } from './config.js';
import { KpiBotError, UsageError, describeError } from './errors.js';
import { withMigratedDatabase } from './cli-database.js';
import { parseCommandArgs, type ArgumentWords } from './cli-args.js';
import type { Database } from './store/database.js';
import { IngestStore } from './store/ingest-store.js';
import { type ProjectionOptions } from './ingest/project-ticket.js';
import { commandProjection } from './store/projection-settings.js';
import { SlaStore } from './store/sla-store.js';
import { teamHasTickets } from './store/teams.js';
import { SlaPolicyError, refusalText } from './kpi/sla.js';
import { parseDuration } from './ingest/csv/dates.js';
import { formatDuration } from './i18n/format.js';
import { t, tn } from './i18n/catalogue.js';
import type { Locale } from './i18n/locale.js';
import type { IsoWeekday, WeeklyHours } from './kpi/business-hours.js';
import { progressLine, type ProgressTerminal } from './cli-progress.js';

type Output = { out: (line: string) => void; err: (line: string) => void };

export const SLA_USAGE = `Usage:
  kpibot sla list
  kpibot sla add <name> [--priority P] [--team T] [--first-response 1h] [--next-reply 4h] [--resolution 2d]
                 [--business-hours [--calendar NAME]] [--pause pending,on-hold]
  kpibot sla remove <id>
  kpibot sla calendar <name> --timezone ZONE --hours "1-5 09:00-17:00" [--hours "6 10:00-14:00"] [--default] | <name> --remove
  kpibot sla holiday <calendar> <YYYY-MM-DD> [name] | <calendar> <YYYY-MM-DD> --remove
  kpibot sla team <team> --calendar NAME | --default
  kpibot sla recompute`;

/** Weekly hours in the words `--hours` takes, consecutive days with the same hours together: "1-5 09:00-17:00, 6 10:00-14:00". */
export function hoursText(week: WeeklyHours): string {
  const days = ([1, 2, 3, 4, 5, 6, 7] as const).map((day) => ({ day, hours: week[day].map(([from, to]) => `${from}-${to}`).join(' ') }));
  const groups: { first: number; last: number; hours: string }[] = [];
  for (const { day, hours } of days) {
    const previous = groups[groups.length - 1];
    if (hours === '') continue;
    if (previous !== undefined && previous.last === day - 1 && previous.hours === hours) previous.last = day;
    else groups.push({ first: day, last: day, hours });
  }
  return groups.map(({ first, last, hours }) => `${first === last ? first : `${first}-${last}`} ${hours}`).join(', ');
}

/** "1-5 09:00-17:00", "6 10:00-14:00", "1,3 09:00-12:00 13:00-17:00" → weekly hours (1 = Monday). */
export function parseHours(specs: readonly string[], locale: Locale = 'en'): WeeklyHours {
  const week: WeeklyHours = { 1: [], 2: [], 3: [], 4: [], 5: [], 6: [], 7: [] };
  for (const spec of specs) {
    const [days = '', ...ranges] = spec.trim().split(/\s+/);
    const dayList = days.split(',').flatMap((part) => {
      const match = /^([1-7])(?:-([1-7]))?$/.exec(part);
      if (match === null) throw new UsageError(t(locale, 'sla.error.hours_days', { spec }));
      const from = Number(match[1]);
      const to = Number(match[2] ?? match[1]);
      return Array.from({ length: to - from + 1 }, (_, i) => (from + i) as IsoWeekday);
    });
    if (ranges.length === 0) throw new UsageError(t(locale, 'sla.error.hours_ranges', { spec }));
    for (const range of ranges) {
      const match = /^(\d\d:\d\d)-(\d\d:\d\d)$/.exec(range);
      if (match === null) throw new UsageError(t(locale, 'sla.error.hours_range', { spec, range }));
      for (const day of dayList) week[day].push([match[1] as string, match[2] as string]);
    }
  }
  return week;
}

/** The longest SLA target: a year (what no helpdesk's SLA exceeds; a longer one is a typo, and would overflow the columns). */
const MAX_TARGET_SECONDS = 365 * 86_400;

function seconds(option: string, value: string | undefined, locale: Locale): number | undefined {
  if (value === undefined) return undefined;
  // A bare number would be seconds (as CSV durations are): "--first-response 90" meant 90 minutes far more often than 90 seconds.
  if (/^\s*\d+(?:[.,]\d+)?\s*$/.test(value)) throw new UsageError(t(locale, 'sla.error.duration_unit', { option, value: value.trim() }));
  const parsed = parseDuration(value);
  if (parsed === undefined || parsed <= 0) throw new UsageError(t(locale, 'sla.error.duration', { option, value }));
  if (parsed > MAX_TARGET_SECONDS) throw new UsageError(t(locale, 'sla.error.duration_too_long', { option, value }));
  return Math.round(parsed);
}

export interface SlaCommandOptions {
  /** Where the recompute's progress line goes; by default standard error, only when it is a terminal. */
  readonly progress?: ProgressTerminal;
}

/** The actions `runAction` carries out: its switch is checked against this list (a missing case does not compile). */
const SLA_ACTIONS = ['list', 'add', 'remove', 'calendar', 'team', 'recompute', 'holiday'] as const;
type SlaAction = (typeof SLA_ACTIONS)[number];
const isSlaAction = (word: string | undefined): word is SlaAction => (SLA_ACTIONS as readonly string[]).includes(word ?? '');

export async function slaCommand(args: readonly string[], config: Config, output: Output, options: SlaCommandOptions = {}): Promise<number> {
  // Bad words are refused before the database is opened (or created): exit 2, not a connection error.
  let positionals: readonly string[];
  try {
    positionals = parseSlaArgs(args).positionals;
  } catch (error) {
    throw new UsageError(describeError(error));
  }
  const [action] = positionals;
  if (action === undefined) throw new UsageError(`say what to do: ${SLA_ACTIONS.join(', ')} ("kpibot sla --help" shows the words of each)`);
  if (!isSlaAction(action)) throw new UsageError(t('en', 'sla.error.unknown_action', { action }));
  const progress = progressLine(options.progress ?? process.stderr, 'tickets');
  try {
    return await withMigratedDatabase(config, async (db) => {
      const projection = await commandProjection(db, config.kpi, Date.now());
      if (projection.note !== undefined) output.err(projection.note);
      return runSla(args, db, projection.options, output, 'en', { onProgress: progress?.update });
    });
  } finally {
    progress?.clear();
  }
}

/** How a change's recompute runs: here and now (the command line), or, above a number of tickets, in the bot's background (Slack). */
export interface RecomputeOptions {
  /** Recompute in the background (IngestStore.askRebuildAll) when more tickets than this are stored. */
  readonly backgroundAbove?: number;
  /** Told when a background recompute was asked for, so this process starts it at once. */
  readonly onBackgroundAsked?: () => void;
  /** Hears the recompute's progress (share done, tickets done). */
  readonly onProgress?: (share: number, tickets: number) => void;
}

/**
 * The `sla` words on an open database: the command line's `kpibot sla ...` (in
 * English) and Slack's `/kpi sla ...` (admins, in their language) both come
 * here. Bad words throw UsageError (or SlaPolicyError); each change recomputes every ticket.
 */
export async function runSla(
  args: readonly string[], db: Database, projection: ProjectionOptions, output: Pick<Output, 'out'>, locale: Locale = 'en', recompute: RecomputeOptions = {}, from: 'cli' | 'slack' = 'cli',
): Promise<number> {
  // In Slack, a mistyped option is followed by the usage in the admin's language, not by a pointer to the command line.
  const parsed = parseSlaArgs(args, from === 'slack' ? locale : undefined);
  try {
    return await runAction(parsed.positionals, parsed.values, db, projection, output, locale, recompute);
  } catch (error) {
    // The store refuses in English; an admin in Slack reads why in their language.
    if (error instanceof SlaPolicyError && error.refusal !== undefined) throw new SlaPolicyError(refusalText(locale, error.refusal), error.refusal);
    throw error;
  }
}

type SlaValues = ReturnType<typeof parseSlaArgs>['values'];

/** With `locale` (from Slack), the problems in the admin's language and pointing at the usage; else `kpibot sla --help`. */
function parseSlaArgs(args: readonly string[], locale?: Locale) {
  return parseCommandArgs('sla', args, {
    priority: { type: 'string' }, team: { type: 'string' }, 'first-response': { type: 'string' }, 'next-reply': { type: 'string' },
    resolution: { type: 'string' }, 'business-hours': { type: 'boolean' }, calendar: { type: 'string' }, pause: { type: 'string' },
    timezone: { type: 'string' }, hours: { type: 'string', multiple: true }, default: { type: 'boolean' }, remove: { type: 'boolean' },
  }, true, locale === undefined ? undefined : t(locale, 'sla.error.usage'), locale === undefined ? undefined : argumentWords(locale));
}

function argumentWords(locale: Locale): ArgumentWords {
  return {
    unknownOption: (option, nearest) => `${t(locale, 'args.unknown_option', { option })}${nearest === undefined ? '' : ` (${t(locale, 'error.suggestion', { suggestion: nearest })})`}`,
    needsValue: (option) => t(locale, 'args.needs_value', { option }),
    takesNoValue: (option) => t(locale, 'args.takes_no_value', { option }),
    unexpectedWord: (word) => t(locale, 'args.unexpected_word', { word }),
    onlyOptions: () => t(locale, 'args.only_options'),
    givenTwice: (option) => t(locale, 'args.given_twice', { option }),
  };
}

async function runAction(positionals: readonly string[], v: SlaValues, db: Database, projection: ProjectionOptions, output: Pick<Output, 'out'>, locale: Locale, recompute: RecomputeOptions): Promise<number> {
  const [action, ...rest] = positionals;
  if (!isSlaAction(action)) {
    throw new UsageError(action === undefined ? (locale === 'en' ? SLA_USAGE.split('\n').join(' ') : t(locale, 'sla.error.usage')) : t(locale, 'sla.error.unknown_action', { action }));
  }
  const sla = new SlaStore(db);
  const tickets = new IngestStore(db, projection);
  switch (action) {
    case 'list':
      await list(sla, tickets, output, locale);
      return 0;
    case 'add': {
      const [name] = rest;
      if (name === undefined || rest.length > 1) throw new UsageError(t(locale, 'sla.error.add_name'));
      const priority = v.priority?.toLowerCase();
      if (priority !== undefined && !['low', 'normal', 'high', 'urgent'].includes(priority)) throw new UsageError(t(locale, 'sla.error.priority'));
      const pause = (v.pause ?? '').split(',').map((item) => item.trim()).filter((item) => item !== '');
      const bad = pause.find((status) => !['pending', 'on-hold'].includes(status));
      if (bad !== undefined) throw new UsageError(t(locale, 'sla.error.pause', { status: bad }));
      // A calendar measures business hours only; without --business-hours it would be kept and never used.
      if (v.calendar !== undefined && v['business-hours'] !== true) throw new UsageError(t(locale, 'sla.error.calendar_without_business_hours', { calendar: v.calendar }));
      const id = await sla.addPolicy({
        name,
        ...(priority === undefined ? {} : { priority }),
        ...(v.team === undefined ? {} : { team: v.team }),
        firstResponseSeconds: seconds('--first-response', v['first-response'], locale),
        nextReplySeconds: seconds('--next-reply', v['next-reply'], locale),
        resolutionSeconds: seconds('--resolution', v.resolution, locale),
        businessHours: v['business-hours'] === true,
        ...(v.calendar === undefined ? {} : { calendar: v.calendar }),
        pauseStatuses: pause,
      });
      output.out(t(locale, 'sla.added', { id: String(id), name }));
      if (v.team !== undefined && !(await teamHasTickets(db, v.team))) output.out(t(locale, 'team.no_tickets_yet', { team: v.team.trim() }));
      break;
    }
    case 'remove': {
      const id = Number(rest[0]);
      if (!Number.isInteger(id) || rest.length !== 1) throw new UsageError(t(locale, 'sla.error.remove_id'));
      if (!(await sla.removePolicy(id))) throw new UsageError(t(locale, 'sla.error.no_policy', { id: String(id) }));
      output.out(t(locale, 'sla.removed', { id: String(id) }));
      break;
    }
    case 'calendar': {
      const [name] = rest;
      if (name === undefined || rest.length > 1) throw new UsageError(t(locale, 'sla.error.calendar_name'));
      if (v.remove === true) {
        await sla.removeCalendar(name);
        output.out(t(locale, 'sla.calendar_removed', { name }));
        break;
      }
      if (v.timezone === undefined || !isValidTimeZone(v.timezone)) throw new UsageError(t(locale, 'sla.error.timezone'));
      if ((v.hours ?? []).length === 0) throw new UsageError(t(locale, 'sla.error.hours_missing'));
      await sla.saveCalendar(name, v.timezone, parseHours(v.hours ?? [], locale), v.default === true);
      output.out(t(locale, v.default === true ? 'sla.calendar_saved_default' : 'sla.calendar_saved', { name }));
      break;
    }
    case 'team': {
      const [team] = rest;
      if (team === undefined || rest.length > 1) throw new UsageError(t(locale, 'sla.error.team_name'));
      if ((v.calendar === undefined) === (v.default !== true)) throw new UsageError(t(locale, 'sla.error.team_choice'));
      await sla.assignTeamCalendar(team, v.calendar ?? null);
      output.out(v.calendar === undefined ? t(locale, 'sla.team_default', { team: team.trim() }) : t(locale, 'sla.team_calendar', { team: team.trim(), calendar: v.calendar }));
      if (!(await teamHasTickets(db, team))) output.out(t(locale, 'team.no_tickets_yet', { team: team.trim() }));
      break;
    }
    case 'recompute':
      if (rest.length > 0) throw new UsageError(t(locale, 'sla.error.recompute_args'));
      break;
    case 'holiday': {
      const [calendar, date, ...name] = rest;
      if (calendar === undefined || date === undefined || (v.remove === true && name.length > 0)) throw new UsageError(t(locale, 'sla.error.holiday_args'));
      if (v.remove === true) {
        await sla.removeHoliday(calendar, date);
        output.out(t(locale, 'sla.holiday_removed', { date, calendar }));
      } else {
        const added = await sla.addHoliday(calendar, date, name.length > 0 ? name.join(' ') : undefined);
        output.out(t(locale, `sla.holiday_${added}`, { date, calendar }));
        // A name is not a due time: nothing to recompute.
        if (added !== 'added') return 0;
      }
      break;
    }
    default: {
      const unhandled: never = action;
      throw new Error(`kpibot sla: no case for "${String(unhandled)}"`);
    }
  }
  const total = await tickets.countTickets();
  if (recompute.backgroundAbove !== undefined && total > recompute.backgroundAbove) {
    await tickets.askRebuildAll();
    recompute.onBackgroundAsked?.();
    output.out(tn(locale, 'sla.recompute_background', total));
    return 0;
  }
  let recomputed: number;
  try {
    recomputed = await tickets.rebuildAll(500, undefined, (done) => recompute.onProgress?.(total === 0 ? 1 : done / total, done));
  } catch (error) {
    // The change itself is committed: say so, and leave the tickets to the bot's background rebuild, if that can be asked.
    const queued = await tickets.askRebuildAll().then(
      () => true,
      () => false,
    );
    if (queued) recompute.onBackgroundAsked?.();
    throw new KpiBotError('recompute_failed', t(locale, queued ? 'sla.recompute_failed' : 'sla.recompute_failed_unqueued', { reason: describeError(error) }), 500, { cause: error });
  }
  output.out(tn(locale, 'sla.recomputed', recomputed));
  return 0;
}

async function list(sla: SlaStore, tickets: IngestStore, output: Pick<Output, 'out'>, locale: Locale): Promise<void> {
  const policies = await sla.policies();
  if (policies.length === 0) output.out(t(locale, 'sla.no_policies'));
  for (const p of policies) {
    const target = (key: 'sla.target.first_response' | 'sla.target.next_reply' | 'sla.target.resolution', seconds: number | undefined) =>
      seconds === undefined ? [] : [t(locale, key, { duration: formatDuration(locale, seconds) })];
    const targets = [...target('sla.target.first_response', p.firstResponseSeconds), ...target('sla.target.next_reply', p.nextReplySeconds), ...target('sla.target.resolution', p.resolutionSeconds)];
    const scope = [
      p.priority === undefined ? t(locale, 'sla.any_priority') : t(locale, 'sla.priority', { priority: p.priority }),
      p.team === undefined ? t(locale, 'sla.any_team') : t(locale, 'sla.team', { team: p.team }),
    ].join(', ');
    const clock = [
      p.businessHours ? t(locale, 'sla.business_hours', { calendar: p.calendar?.name ?? t(locale, 'sla.no_calendar') }) : t(locale, 'sla.calendar_hours'),
      ...(p.pauseStatuses.length === 0 ? [] : [t(locale, 'sla.paused', { statuses: p.pauseStatuses.join(', ') })]),
    ].join('; ');
    output.out(t(locale, 'sla.policy_line', { id: String(p.id), name: p.name, scope, targets: targets.join(', '), clock }));
  }
  for (const c of await sla.calendars()) {
    const marker = c.isDefault ? ` ${t(locale, 'sla.default_calendar')}` : '';
    output.out(tn(locale, 'sla.calendar_line', c.holidays.length, { name: c.name, marker, timezone: c.timezone }));
    output.out(`  ${t(locale, 'sla.hours_line', { hours: hoursText(c.weeklyHours) })}`);
    if (c.holidays.length > 0) output.out(`  ${t(locale, 'sla.holiday_dates', { dates: c.holidays.join(', ') })}`);
  }
  for (const team of await sla.teams()) output.out(t(locale, 'sla.team_line', { team: team.name, calendar: team.calendar }));
  const left = (await tickets.pendingBackfills()).reduce((sum, { remaining }) => sum + remaining, 0);
  if (left > 0) output.out(tn(locale, 'sla.recompute_pending', left));
}
