/**
 * `kpibot alerts ...`: where a team's SLA alerts go (its channel, its lead's
 * DM) and each channel's quiet hours. Alert rules themselves are made in Slack
 * with `/kpi alerts` (docs/alerts.md).
 */
import { parseCommandArgs } from './cli-args.js';
import { isValidTimeZone, type Config } from './config.js';
import { UsageError } from './errors.js';
import { withMigratedDatabase } from './cli-database.js';
import { ALERT_RULE_KINDS, AlertStore } from './store/alert-store.js';
import { alertRuleWords } from './i18n/alert-words.js';
import { t } from './i18n/catalogue.js';
import { didYouMean } from './kpi/suggest.js';
import { teamHasTickets } from './store/teams.js';

type Output = { out: (line: string) => void; err: (line: string) => void };

export const ALERTS_USAGE = `Usage:
  kpibot alerts team <team> [--channel C0123ABCD | --no-channel] [--lead U0123ABCD | --no-lead]
  kpibot alerts quiet <channel id> <HH:MM> <HH:MM> [--timezone ZONE]
  kpibot alerts quiet <channel id> --off
  kpibot alerts list
  kpibot alerts remove <rule number>      (the numbers "kpibot alerts list" shows)`;

const CHANNEL = /^[CG][A-Z0-9]{2,}$/;
const USER = /^[UW][A-Z0-9]{2,}$/;
const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;

export async function alertsCommand(args: readonly string[], config: Config, output: Output, now: number = Date.now()): Promise<number> {
  const parsed = parseCommandArgs('alerts', args, {
    channel: { type: 'string' }, 'no-channel': { type: 'boolean' }, lead: { type: 'string' }, 'no-lead': { type: 'boolean' }, timezone: { type: 'string' }, off: { type: 'boolean' },
  });
  const { values, positionals } = parsed;
  const [verb, ...rest] = positionals;
  if (verb === 'team') {
    const [team] = rest;
    if (team === undefined || rest.length > 1) throw new UsageError('kpibot alerts team needs one team name (quote it if it has spaces); "kpibot alerts --help" shows the words');
    if (values.channel !== undefined && values['no-channel'] === true) throw new UsageError('give --channel or --no-channel, not both');
    if (values.lead !== undefined && values['no-lead'] === true) throw new UsageError('give --lead or --no-lead, not both');
    if (values.channel !== undefined && !CHANNEL.test(values.channel)) throw new UsageError(`--channel "${values.channel}" is not a Slack channel id (they look like C0123ABCD)`);
    if (values.lead !== undefined && !USER.test(values.lead)) throw new UsageError(`--lead "${values.lead}" is not a Slack user id (they look like U0123ABCD)`);
    const routing = {
      ...(values.channel !== undefined ? { alertChannelId: values.channel } : values['no-channel'] === true ? { alertChannelId: null } : {}),
      ...(values.lead !== undefined ? { leadSlackUserId: values.lead } : values['no-lead'] === true ? { leadSlackUserId: null } : {}),
    };
    if (Object.keys(routing).length === 0) throw new UsageError(`give --channel, --no-channel, --lead or --no-lead, e.g. kpibot alerts team "${team}" --channel C0123ABCD`);
    const known = await withMigratedDatabase(config, async (db) => {
      await new AlertStore(db).setTeamRouting(team, routing, now);
      return teamHasTickets(db, team);
    });
    output.out(`team ${team}: ${describeRouting(routing)}`);
    if (!known) output.out(t('en', 'team.no_tickets_yet', { team: team.trim() }));
    return 0;
  }
  if (verb === 'quiet') {
    const [channel, starts, ends] = rest;
    if (channel === undefined || !CHANNEL.test(channel)) throw new UsageError('kpibot alerts quiet needs a Slack channel id (C0123ABCD), e.g. kpibot alerts quiet C0123ABCD 20:00 08:00');
    if (values.off === true) {
      await withMigratedDatabase(config, (db) => new AlertStore(db).setQuietHours(channel, null, now));
      output.out(`${channel}: no quiet hours`);
      return 0;
    }
    // Slack's word order (the zone last, without --timezone) gets the command that was meant.
    const zoneWord = rest[3];
    if (rest.length === 4 && zoneWord !== undefined && isValidTimeZone(zoneWord)) throw new UsageError(`give the time zone with --timezone: kpibot alerts quiet ${channel} ${starts ?? ''} ${ends ?? ''} --timezone ${zoneWord}`);
    const badTime = [starts, ends].find((time) => time !== undefined && !TIME.test(time));
    if (badTime !== undefined) throw new UsageError(`"${badTime}" is not a time of day: give the start and end as HH:MM, e.g. kpibot alerts quiet ${channel} 20:00 08:00`);
    if (starts === undefined || ends === undefined || rest.length > 3) throw new UsageError(`give the start and end as HH:MM, e.g. kpibot alerts quiet ${channel} 20:00 08:00`);
    if (starts === ends) throw new UsageError(`quiet hours from ${starts} to ${ends} would hold nothing: give two different times, e.g. 20:00 08:00`);
    const timezone = values.timezone ?? config.kpi.timezone;
    if (!isValidTimeZone(timezone)) throw new UsageError(`--timezone "${timezone}" is not an IANA time zone`);
    await withMigratedDatabase(config, (db) => new AlertStore(db).setQuietHours(channel, { starts, ends, timezone }, now));
    output.out(`${channel}: quiet from ${starts} to ${ends} (${timezone}); alerts wait until then, except breaches of urgent tickets`);
    return 0;
  }
  if (verb === 'remove') {
    const [id, ...extra] = rest;
    if (id === undefined || extra.length > 0 || !/^#?[1-9]\d{0,9}$/.test(id)) throw new UsageError('kpibot alerts remove needs one rule number, as "kpibot alerts list" shows it (rule 3: ...)');
    const rule = await withMigratedDatabase(config, (db) => new AlertStore(db).removeRule(Number(id.replace('#', '')), now));
    if (rule === undefined) throw new UsageError(`there is no alert rule ${id.replace('#', '')}; "kpibot alerts list" shows the rules with their numbers`);
    output.out(`rule ${rule.id} removed: ${rule.channelId} no longer gets ${alertRuleWords('en', rule.kind, rule.config)}`);
    return 0;
  }
  if (verb === 'list' && rest.length === 0) {
    await withMigratedDatabase(config, async (db) => {
      const store = new AlertStore(db);
      const lines: string[] = [];
      for (const team of await store.teamRouting()) lines.push(`team ${team.name}: ${describeRouting({ alertChannelId: team.alertChannelId, leadSlackUserId: team.leadSlackUserId })}`);
      for (const [channel, quiet] of await store.quietHours()) lines.push(`${channel}: quiet from ${quiet.starts} to ${quiet.ends} (${quiet.timezone})`);
      for (const kind of ALERT_RULE_KINDS) {
        for (const rule of await store.rules(kind)) {
          const filters = Object.entries(rule.filters).map(([key, value]) => `${key}=${String(value)}`).join(' ');
          lines.push(`rule ${rule.id}: ${rule.channelId} gets ${alertRuleWords('en', kind, rule.config)}${filters === '' ? '' : ` (${filters})`}`);
        }
      }
      if (lines.length === 0) lines.push('no alert rules, team routes or quiet hours yet: rules are added in Slack (/kpi alerts), routes with "kpibot alerts team"');
      for (const line of lines) output.out(line);
    });
    return 0;
  }
  if (verb === undefined) throw new UsageError('say what to do: team, quiet, list or remove ("kpibot alerts --help" shows the words of each)');
  throw new UsageError(`unknown alerts action "${verb}"${didYouMean(verb, ['team', 'quiet', 'list', 'remove'])}; use team, quiet, list or remove ("kpibot alerts --help" shows the words of each)`);
}

function describeRouting(routing: { alertChannelId?: string | null; leadSlackUserId?: string | null }): string {
  const parts: string[] = [];
  if (routing.alertChannelId !== undefined) parts.push(`alert channel ${routing.alertChannelId ?? '(none)'}`);
  if (routing.leadSlackUserId !== undefined) parts.push(`lead ${routing.leadSlackUserId ?? '(none)'}`);
  return parts.join(', ');
}
