/**
 * The one way a team row is written: found by its name's key (matchKey, kept
 * in `teams.name_key` because SQL's lower() differs between the engines beyond
 * A-Z), changed, or added under the name as given. SLA calendars
 * (`kpibot sla team`) and alert routes (`/kpi alerts team`) both come here.
 */
import type { Knex } from 'knex';
import { checkName, matchKey } from '../kpi/sla.js';

export interface TeamRow {
  readonly name: string;
  readonly calendarId: number | null;
  readonly alertChannelId: string | null;
  readonly leadSlackUserId: string | null;
}

/** Applies `changes` (teams columns) to the team named `name`, adding it if new; returns the team as it now is. */
export async function saveTeam(db: Knex, name: string, changes: Record<string, unknown>, now: number): Promise<TeamRow> {
  checkName('team_name', name);
  const key = matchKey(name);
  return db.transaction(async (trx) => {
    const updated = await trx('teams').where({ name_key: key }).update({ ...changes, updated_at: now });
    if (updated === 0) await trx('teams').insert({ name: name.trim(), name_key: key, ...changes, created_at: now, updated_at: now });
    const row = (await trx('teams').where({ name_key: key }).first('name', 'calendar_id', 'alert_channel_id', 'lead_slack_user_id')) as {
      name: string; calendar_id: number | null; alert_channel_id: string | null; lead_slack_user_id: string | null;
    };
    return { name: row.name, calendarId: row.calendar_id, alertChannelId: row.alert_channel_id, leadSlackUserId: row.lead_slack_user_id };
  });
}

/**
 * Whether any ticket has this team (compared as the team filter compares: by matchKey). A route or calendar
 * for a name no ticket carries is kept, since the team's tickets may be yet to come, but is likely a typo.
 */
export async function teamHasTickets(db: Knex, name: string): Promise<boolean> {
  return (await db('tickets').first('id').where({ team_key: matchKey(name) })) !== undefined;
}
