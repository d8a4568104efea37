/**
 * `kpibot sla ...`: SLA policies, business-hours calendars and the calendar of
 * each team. Every change recomputes the due times and business-hours durations
 * of all tickets, so breaches and KPIs follow the policies and calendars now in force.
 */
import { parseArgs } from 'node:util';
import { isValidTimeZone, type Config } from './config.js';
import { UsageError, describeError } from './errors.js';
import { withMigratedDatabase } from './cli-database.js';
import type { Database } from './store/database.js';
import { IngestStore } from './store/ingest-store.js';
import { projectionOptions, type ProjectionOptions } from './ingest/project-ticket.js';
import { SlaStore } from './store/sla-store.js';
import { parseDuration } from './ingest/csv/dates.js';
import { formatDuration } from './i18n/format.js';
import type { IsoWeekday, WeeklyHours } from './kpi/business-hours.js';

type Output = { out: (line: string) => void; err: (line: string) => void };

export const SLA_USAGE = `Usage:
  kpibot sla list
  kpibot sla add <name> [--priority P] [--team T] [--first-response 1h] [--next-reply 4h] [--resolution 2d]
                 [--business-hours [--calendar NAME]] [--pause pending,on-hold]
  kpibot sla remove <id>
  kpibot sla calendar <name> --timezone ZONE --hours "1-5 09:00-17:00" [--hours "6 10:00-14:00"] [--default]
  kpibot sla holiday <calendar> <YYYY-MM-DD> [name]
  kpibot sla team <team> --calendar NAME | --default
  kpibot sla recompute`;

/** "1-5 09:00-17:00", "6 10:00-14:00", "1,3 09:00-12:00 13:00-17:00" → weekly hours (1 = Monday). */
export function parseHours(specs: readonly string[]): WeeklyHours {
  const week: WeeklyHours = { 1: [], 2: [], 3: [], 4: [], 5: [], 6: [], 7: [] };
  for (const spec of specs) {
    const [days = '', ...ranges] = spec.trim().split(/\s+/);
    const dayList = days.split(',').flatMap((part) => {
      const match = /^([1-7])(?:-([1-7]))?$/.exec(part);
      if (match === null) throw new UsageError(`--hours "${spec}": days must be 1-7 (1 = Monday), e.g. "1-5 09:00-17:00"`);
      const from = Number(match[1]);
      const to = Number(match[2] ?? match[1]);
      return Array.from({ length: to - from + 1 }, (_, i) => (from + i) as IsoWeekday);
    });
    if (ranges.length === 0) throw new UsageError(`--hours "${spec}": give at least one HH:MM-HH:MM range`);
    for (const range of ranges) {
      const match = /^(\d\d:\d\d)-(\d\d:\d\d)$/.exec(range);
      if (match === null) throw new UsageError(`--hours "${spec}": "${range}" is not HH:MM-HH:MM`);
      for (const day of dayList) week[day].push([match[1] as string, match[2] as string]);
    }
  }
  return week;
}

function seconds(option: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const parsed = parseDuration(value);
  if (parsed === undefined || parsed <= 0) throw new UsageError(`${option} "${value}" is not a duration (e.g. 30m, 4h, 2d)`);
  return Math.round(parsed);
}

export async function slaCommand(args: readonly string[], config: Config, output: Output): Promise<number> {
  const projection = projectionOptions(config.kpi);
  return withMigratedDatabase(config, (db) => runSla(args, db, projection, output));
}

/**
 * The `sla` words on an open database: the command line's `kpibot sla ...` and
 * Slack's `/kpi sla ...` (admins) both come here. Bad words throw UsageError
 * (or SlaPolicyError); each change recomputes every ticket.
 */
export async function runSla(args: readonly string[], db: Database, projection: ProjectionOptions, output: Pick<Output, 'out'>): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      options: {
        priority: { type: 'string' }, team: { type: 'string' }, 'first-response': { type: 'string' }, 'next-reply': { type: 'string' },
        resolution: { type: 'string' }, 'business-hours': { type: 'boolean' }, calendar: { type: 'string' }, pause: { type: 'string' },
        timezone: { type: 'string' }, hours: { type: 'string', multiple: true }, default: { type: 'boolean' },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new UsageError(describeError(error));
  }
  const [action, ...rest] = parsed.positionals;
  const v = parsed.values;
  const sla = new SlaStore(db);
  switch (action) {
    case 'list':
      await list(sla, output);
      return 0;
    case 'add': {
      const [name] = rest;
      if (name === undefined || rest.length > 1) throw new UsageError('sla add takes one name, e.g. kpibot sla add urgent --priority urgent --first-response 1h');
      const priority = v.priority?.toLowerCase();
      if (priority !== undefined && !['low', 'normal', 'high', 'urgent'].includes(priority)) throw new UsageError('--priority must be low, normal, high or urgent');
      const pause = (v.pause ?? '').split(',').map((item) => item.trim()).filter((item) => item !== '');
      const bad = pause.find((status) => !['pending', 'on-hold'].includes(status));
      if (bad !== undefined) throw new UsageError(`--pause "${bad}": only pending and on-hold can pause an SLA`);
      const id = await sla.addPolicy({
        name,
        ...(priority === undefined ? {} : { priority }),
        ...(v.team === undefined ? {} : { team: v.team }),
        firstResponseSeconds: seconds('--first-response', v['first-response']),
        nextReplySeconds: seconds('--next-reply', v['next-reply']),
        resolutionSeconds: seconds('--resolution', v.resolution),
        businessHours: v['business-hours'] === true,
        ...(v.calendar === undefined ? {} : { calendar: v.calendar }),
        pauseStatuses: pause,
      });
      output.out(`added policy #${id} "${name}"`);
      break;
    }
    case 'remove': {
      const id = Number(rest[0]);
      if (!Number.isInteger(id) || rest.length !== 1) throw new UsageError('sla remove takes a policy id (see kpibot sla list)');
      if (!(await sla.removePolicy(id))) throw new UsageError(`no policy #${id}`);
      output.out(`removed policy #${id}`);
      break;
    }
    case 'calendar': {
      const [name] = rest;
      if (name === undefined || rest.length > 1) throw new UsageError('sla calendar takes one name');
      if (v.timezone === undefined || !isValidTimeZone(v.timezone)) throw new UsageError('--timezone must be an IANA time zone, e.g. Asia/Jakarta');
      if ((v.hours ?? []).length === 0) throw new UsageError('give the open hours with --hours "1-5 09:00-17:00" (1 = Monday)');
      await sla.saveCalendar(name, v.timezone, parseHours(v.hours ?? []), v.default === true);
      output.out(`saved calendar "${name}"${v.default === true ? ' (default)' : ''}`);
      break;
    }
    case 'team': {
      const [team] = rest;
      if (team === undefined || rest.length > 1) throw new UsageError('sla team takes one team name, e.g. kpibot sla team Billing --calendar jakarta');
      if ((v.calendar === undefined) === (v.default !== true)) throw new UsageError('sla team takes either --calendar NAME or --default (back to the default calendar)');
      await sla.assignTeamCalendar(team, v.calendar ?? null);
      output.out(v.calendar === undefined ? `team "${team.trim()}" uses the default calendar` : `team "${team.trim()}" uses calendar "${v.calendar}"`);
      break;
    }
    case 'recompute':
      if (rest.length > 0) throw new UsageError('sla recompute takes no arguments');
      break;
    case 'holiday': {
      const [calendar, date, ...name] = rest;
      if (calendar === undefined || date === undefined) throw new UsageError('sla holiday takes a calendar and a date: kpibot sla holiday jakarta 2026-12-25 Christmas');
      await sla.addHoliday(calendar, date, name.length > 0 ? name.join(' ') : undefined);
      output.out(`added holiday ${date} to "${calendar}"`);
      break;
    }
    default:
      throw new UsageError(action === undefined ? SLA_USAGE.split('\n').join(' ') : `unknown sla action "${action}"; use list, add, remove, calendar, holiday, team or recompute`);
  }
  const recomputed = await new IngestStore(db, projection).rebuildAll();
  output.out(`recomputed the due times and business-hours durations of ${recomputed} ticket(s)`);
  return 0;
}

async function list(sla: SlaStore, output: Pick<Output, 'out'>): Promise<void> {
  const policies = await sla.policies();
  if (policies.length === 0) output.out('no SLA policies');
  for (const p of policies) {
    const targets = [
      p.firstResponseSeconds === undefined ? undefined : `first response ${formatDuration('en', p.firstResponseSeconds)}`,
      p.nextReplySeconds === undefined ? undefined : `next reply ${formatDuration('en', p.nextReplySeconds)}`,
      p.resolutionSeconds === undefined ? undefined : `resolution ${formatDuration('en', p.resolutionSeconds)}`,
    ].filter((item) => item !== undefined);
    const scope = [p.priority === undefined ? 'any priority' : `priority ${p.priority}`, p.team === undefined ? 'any team' : `team ${p.team}`].join(', ');
    const clock = p.businessHours ? `business hours (${p.calendar?.name ?? 'no calendar'})` : 'calendar hours';
    const pause = p.pauseStatuses.length === 0 ? '' : `; paused while ${p.pauseStatuses.join(', ')}`;
    output.out(`#${p.id}  ${p.name}: ${scope}; ${targets.join(', ')}; ${clock}${pause}`);
  }
  for (const c of await sla.calendars()) {
    output.out(`calendar "${c.name}"${c.isDefault ? ' (default)' : ''}: ${c.timezone}, ${c.holidays.length} holiday(s)`);
  }
  for (const team of await sla.teams()) output.out(`team "${team.name}": calendar "${team.calendar}"`);
}
