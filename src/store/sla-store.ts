/**
 * SLA policies and business-hours calendars: stored rows in, the pure types of
 * src/kpi/sla.ts and src/kpi/business-hours.ts out. A business-hours policy
 * without its own calendar uses the default calendar; so does a ticket whose
 * team has none (src/kpi/business-durations.ts).
 */
import { independently, type Database } from './database.js';
import { saveTeam } from './teams.js';
import { isCalendarDate, validateCalendar, parseWeeklyHours, type BusinessCalendar, type WeeklyHours } from '../kpi/business-hours.js';
import { SlaPolicyError, checkName, matchKey, sameScope, type SlaPolicy } from '../kpi/sla.js';
import type { TeamCalendars } from '../kpi/business-durations.js';

export interface NewPolicy {
  readonly name: string;
  readonly priority?: string;
  readonly team?: string;
  readonly firstResponseSeconds?: number;
  readonly resolutionSeconds?: number;
  readonly nextReplySeconds?: number;
  readonly businessHours: boolean;
  readonly calendar?: string;
  readonly pauseStatuses: readonly string[];
}

interface CalendarRow { id: number; name: string; timezone: string; weekly_hours: string; is_default: boolean | number }
interface PolicyRow {
  id: number; name: string; priority: string | null; team: string | null; first_response_seconds: number | null; next_reply_seconds: number | null;
  resolution_seconds: number | null; business_hours: boolean | number; calendar_id: number | null; pause_statuses: string; position: number;
}
type StoredCalendar = BusinessCalendar & { id: number; isDefault: boolean };

export class SlaStore {
  constructor(
    private readonly db: Database,
    private readonly clock: () => number = Date.now,
  ) {}

  async calendars(): Promise<StoredCalendar[]> {
    const [rows, holidays] = await independently<[CalendarRow[], { calendar_id: number; date: string }[]]>(
      this.db,
      () => this.db('business_calendars').select('id', 'name', 'timezone', 'weekly_hours', 'is_default').orderBy('name'),
      () => this.db('calendar_holidays').select('calendar_id', 'date').orderBy('date'),
    );
    return rows.map((row) => ({
      id: row.id,
      name: row.name,
      timezone: row.timezone,
      weeklyHours: parseWeeklyHours(row.weekly_hours),
      holidays: holidays.filter((holiday) => holiday.calendar_id === row.id).map((holiday) => holiday.date),
      isDefault: Boolean(row.is_default),
    }));
  }

  /** Creates or replaces a calendar by name; `isDefault` makes it the one business-hours policies fall back to. */
  async saveCalendar(name: string, timezone: string, weeklyHours: WeeklyHours, isDefault: boolean): Promise<void> {
    checkName('calendar_name', name);
    validateCalendar({ name, timezone, weeklyHours, holidays: [] });
    const now = this.clock();
    await this.db.transaction(async (trx) => {
      if (isDefault) await trx('business_calendars').update({ is_default: false });
      await trx('business_calendars')
        .insert({ name, timezone, weekly_hours: JSON.stringify(weeklyHours), is_default: isDefault, created_at: now, updated_at: now })
        .onConflict('name')
        .merge(['timezone', 'weekly_hours', 'is_default', 'updated_at']);
    });
  }

  /**
   * Removes a calendar, its holidays and its teams' assignments (they fall back to the default calendar). Refused
   * while a policy measures in it: by name, or, for the default calendar, a business-hours policy that names none.
   */
  async removeCalendar(name: string): Promise<void> {
    await this.db.transaction(async (trx) => {
      const row = (await trx('business_calendars').first('id', 'is_default').where({ name })) as { id: number; is_default: boolean | number } | undefined;
      if (row === undefined) throw SlaPolicyError.refused({ reason: 'no_calendar', value: name });
      const users = (await trx('sla_policies')
        .pluck('id')
        .where({ enabled: true })
        .andWhere((uses) => {
          void uses.where('calendar_id', row.id);
          if (row.is_default) void uses.orWhere((fallback) => void fallback.whereNull('calendar_id').where('business_hours', true));
        })
        .orderBy('id')) as number[];
      if (users.length > 0) throw SlaPolicyError.refused({ reason: 'calendar_in_use', value: name, policies: users.map((id) => `#${id}`).join(', ') });
      await trx('teams').where({ calendar_id: row.id }).update({ calendar_id: null });
      await trx('calendar_holidays').where({ calendar_id: row.id }).delete();
      await trx('business_calendars').where({ id: row.id }).delete();
    });
  }

  /** The calendars assigned to teams (keyed by matchKey of the team name) and the default calendar. */
  async teamCalendars(): Promise<TeamCalendars> {
    return this.teamCalendarsOf(await this.calendars());
  }

  /**
   * What a projection rebuild needs, with the calendars read once: the policies
   * (their calendars resolved) and the calendar of each team.
   */
  async projectionContext(): Promise<{ policies: SlaPolicy[]; calendars: TeamCalendars }> {
    // Ingest reads this for every batch it writes: the two reads go together (see independently).
    const [calendars, rows] = await independently(this.db, () => this.calendars(), () => this.policyRows());
    return { policies: policiesFrom(rows, calendars), calendars: await this.teamCalendarsOf(calendars) };
  }

  private async teamCalendarsOf(calendars: readonly StoredCalendar[]): Promise<TeamCalendars> {
    // Without any calendar, no team can have one: no need to ask.
    if (calendars.length === 0) return { byTeam: new Map() };
    const teams = (await this.db('teams').select('name', 'calendar_id').whereNotNull('calendar_id')) as { name: string; calendar_id: number }[];
    const byTeam = new Map<string, BusinessCalendar>();
    for (const team of teams) {
      const calendar = calendars.find((item) => item.id === team.calendar_id);
      if (calendar !== undefined) byTeam.set(matchKey(team.name), calendar);
    }
    const fallback = calendars.find((calendar) => calendar.isDefault);
    return fallback === undefined ? { byTeam } : { byTeam, fallback };
  }

  /** Teams that have a calendar of their own, by name. */
  async teams(): Promise<{ name: string; calendar: string }[]> {
    return (await this.db('teams as t').join('business_calendars as c', 'c.id', 't.calendar_id').select('t.name', 'c.name as calendar').orderBy('t.name')) as { name: string; calendar: string }[];
  }

  /**
   * Measures a team's tickets in a calendar (null: back to the default). The
   * team is found the way tickets and policies match teams, ignoring case and
   * surrounding spaces; a team not yet known is added under the name given.
   */
  async assignTeamCalendar(team: string, calendar: string | null): Promise<void> {
    const name = team.trim();
    if (name === '') throw SlaPolicyError.refused({ reason: 'team_required' });
    let calendarId: number | null = null;
    if (calendar !== null) {
      const row = (await this.db('business_calendars').first('id').where({ name: calendar })) as { id: number } | undefined;
      if (row === undefined) throw SlaPolicyError.refused({ reason: 'no_calendar', value: calendar });
      calendarId = row.id;
    }
    const now = this.clock();
    await saveTeam(this.db, name, { calendar_id: calendarId }, now);
  }

  /**
   * Adds a holiday; a date already there keeps its place and gets the new name, if one is given ('renamed'), or
   * stays as it is ('unchanged'). Only 'added' changes any due time.
   */
  async addHoliday(calendar: string, date: string, name?: string): Promise<'added' | 'renamed' | 'unchanged'> {
    const row = (await this.db('business_calendars').first('id').where({ name: calendar })) as { id: number } | undefined;
    if (row === undefined) throw SlaPolicyError.refused({ reason: 'no_calendar', value: calendar });
    if (!isCalendarDate(date)) throw SlaPolicyError.refused({ reason: 'not_a_date', value: date });
    const inserted = await this.db('calendar_holidays').insert({ calendar_id: row.id, date, name: name ?? null }).onConflict(['calendar_id', 'date']).ignore().returning('date');
    if (inserted.length > 0) return 'added';
    if (name === undefined) return 'unchanged';
    await this.db('calendar_holidays').where({ calendar_id: row.id, date }).update({ name });
    return 'renamed';
  }

  async removeHoliday(calendar: string, date: string): Promise<void> {
    const row = (await this.db('business_calendars').first('id').where({ name: calendar })) as { id: number } | undefined;
    if (row === undefined) throw SlaPolicyError.refused({ reason: 'no_calendar', value: calendar });
    const removed = await this.db('calendar_holidays').where({ calendar_id: row.id, date }).delete();
    if (removed === 0) throw SlaPolicyError.refused({ reason: 'no_holiday', value: date });
  }

  /** Enabled policies in matching order, each with its calendar resolved. */
  async policies(): Promise<SlaPolicy[]> {
    const rows = await this.policyRows();
    // Calendars are read only when a policy exists.
    return rows.length === 0 ? [] : policiesFrom(rows, await this.calendars());
  }

  private async policyRows(): Promise<PolicyRow[]> {
    return (await this.db('sla_policies').select().where({ enabled: true }).orderBy('position').orderBy('id')) as PolicyRow[];
  }

  async addPolicy(policy: NewPolicy): Promise<number> {
    checkName('policy_name', policy.name);
    if (policy.team !== undefined) checkName('team_name', policy.team);
    if (policy.firstResponseSeconds === undefined && policy.resolutionSeconds === undefined && policy.nextReplySeconds === undefined) {
      throw SlaPolicyError.refused({ reason: 'no_target' });
    }
    // Rule M2 picks the first of two policies with the same priority and team: the second would never apply.
    const twin = (await this.policyRows()).find((row) => sameScope(row, policy));
    if (twin !== undefined) throw SlaPolicyError.refused({ reason: 'same_scope', value: String(twin.id), name: twin.name });
    let calendarId: number | null = null;
    if (policy.calendar !== undefined) {
      const row = (await this.db('business_calendars').first('id').where({ name: policy.calendar })) as { id: number } | undefined;
      if (row === undefined) throw SlaPolicyError.refused({ reason: 'no_calendar', value: policy.calendar });
      calendarId = row.id;
    } else if (policy.businessHours) {
      const row = await this.db('business_calendars').first('id').where({ is_default: true });
      if (row === undefined) throw SlaPolicyError.refused({ reason: 'needs_calendar' });
    }
    const now = this.clock();
    const last = (await this.db('sla_policies').max({ position: 'position' }).first()) as { position: number | null } | undefined;
    const [inserted] = await this.db('sla_policies')
      .insert({
        name: policy.name,
        priority: policy.priority ?? null,
        team: policy.team ?? null,
        first_response_seconds: policy.firstResponseSeconds ?? null,
        next_reply_seconds: policy.nextReplySeconds ?? null,
        resolution_seconds: policy.resolutionSeconds ?? null,
        business_hours: policy.businessHours,
        calendar_id: calendarId,
        pause_statuses: JSON.stringify(policy.pauseStatuses),
        position: (last?.position ?? 0) + 1,
        created_at: now,
        updated_at: now,
      })
      .returning('id');
    return typeof inserted === 'object' ? Number((inserted as { id: number }).id) : Number(inserted);
  }

  async removePolicy(id: number): Promise<boolean> {
    return (await this.db('sla_policies').where({ id }).delete()) > 0;
  }
}

/** Policies from their rows, each with its calendar (its own, else the default) resolved. */
function policiesFrom(rows: readonly PolicyRow[], calendars: readonly StoredCalendar[]): SlaPolicy[] {
  const fallback = calendars.find((calendar) => calendar.isDefault);
  return rows.map((row) => {
    const calendar = row.calendar_id === null ? fallback : calendars.find((item) => item.id === row.calendar_id);
    return {
      id: row.id,
      name: row.name,
      ...(row.priority === null ? {} : { priority: row.priority }),
      ...(row.team === null ? {} : { team: row.team }),
      ...(row.first_response_seconds === null ? {} : { firstResponseSeconds: row.first_response_seconds }),
      ...(row.next_reply_seconds === null ? {} : { nextReplySeconds: row.next_reply_seconds }),
      ...(row.resolution_seconds === null ? {} : { resolutionSeconds: row.resolution_seconds }),
      businessHours: Boolean(row.business_hours),
      ...(calendar === undefined ? {} : { calendar }),
      pauseStatuses: JSON.parse(row.pause_statuses) as string[],
      position: row.position,
    };
  });
}
