/**
 * SQL for the alerts: the open tickets whose SLA clocks run, with what routing
 * needs (team alert channel and lead, assignee's Slack user, the policy's
 * target and clock); alert rules; the `alerts` rows that remember each
 * decision, its acknowledgement, snooze, reminders and escalation; quiet hours.
 * Decisions are made in src/schedule, with `now` passed in.
 */
import { OPEN_STATUS_SQL } from './kpi-store.js';
import type { Knex } from 'knex';
import { engineOf, readerOf, type Database } from './database.js';
import type { SlaTarget } from '../kpi/sla.js';
import { saveTeam, type TeamRow } from './teams.js';
import type { TicketFilters } from './kpi-store.js';
import type { AlertView } from '../slack/blocks/alerts.js';
import { FOLLOW_UP_KIND } from './outbox-store.js';

/** Spelled as the partial index's predicate (migration 20261122000009). */

export interface SlaTicketRow {
  readonly ticketId: number;
  readonly externalId: string;
  readonly url: string | null;
  readonly priority: string | null;
  readonly team: string | null;
  readonly target: SlaTarget;
  readonly dueAt: number;
  /** The policy's target for it (ms). */
  readonly targetMs: number;
  readonly businessHours: boolean;
  readonly calendarId: number | null;
  readonly teamChannelId: string | null;
  readonly leadSlackUserId: string | null;
  readonly assigneeName: string | null;
  readonly assigneeSlackUserId: string | null;
  /** Whether the ticket has an assignee at all. */
  readonly assigned: boolean;
}

/**
 * `goal`: a threshold rule judged by the metric's goal (`threshold frt goal`), kept apart so that a replica of an
 * earlier version, which reads only `threshold` rules and knows no goals, does not judge it by a limit it lacks.
 */
export const ALERT_RULE_KINDS = ['overdue', 'escalations', 'threshold', 'goal'] as const;
export type AlertRuleKind = (typeof ALERT_RULE_KINDS)[number];

export interface AlertRuleRow {
  readonly id: number;
  readonly kind: AlertRuleKind;
  readonly channelId: string;
  readonly team: string | null;
  readonly filters: TicketFilters;
  readonly config: Record<string, unknown>;
  readonly state: Record<string, unknown> | null;
}

export interface AlertRow {
  readonly id: number;
  readonly dedupeKey: string;
  readonly kind: string;
  readonly ticketId: number | null;
  readonly channelId: string | null;
  /** The rule that chose the channel (an SLA alert routed by an `overdue` rule), else null. */
  readonly alertRuleId: number | null;
  readonly assigneeSlackUserId: string | null;
  readonly leadSlackUserId: string | null;
  readonly dueAt: number | null;
  readonly view: AlertView;
  readonly notifyCount: number;
  readonly lastNotifiedAt: number;
  readonly acknowledgedBy: string | null;
  readonly acknowledgedAt: number | null;
  readonly snoozedBy: string | null;
  readonly snoozedUntil: number | null;
  readonly escalatedAt: number | null;
  readonly createdAt: number;
}

/** An open breach (AlertStore.openBreaches) with its ticket's assignee as it is now. */
export interface OpenBreach extends AlertRow {
  readonly assigneeNow: { readonly assigned: boolean; readonly assigneeName: string | null; readonly assigneeSlackUserId: string | null };
}

export interface NewAlert {
  readonly dedupeKey: string;
  readonly kind: string;
  readonly ticketId?: number;
  readonly alertRuleId?: number;
  readonly channelId: string | null;
  readonly assigneeSlackUserId: string | null;
  readonly leadSlackUserId: string | null;
  readonly dueAt: number | null;
  /** Without `alertId`: it is filled in once the row exists. */
  readonly view: AlertView;
}

/** Where a team's SLA alerts go (either may be null). */
export interface TeamRoute {
  readonly name: string;
  readonly alertChannelId: string | null;
  readonly leadSlackUserId: string | null;
}

export interface QuietHours {
  readonly starts: string;
  readonly ends: string;
  readonly timezone: string;
}

interface AlertDbRow {
  id: number; dedupe_key: string; kind: string; ticket_id: number | null; alert_rule_id: number | string | null; channel_id: string | null; assignee_slack_user_id: string | null;
  lead_slack_user_id: string | null; due_at: number | null; view: string; notify_count: number; last_notified_at: number; acknowledged_by: string | null;
  acknowledged_at: number | null; snoozed_by: string | null; snoozed_until: number | null; escalated_at: number | null; created_at: number;
}

const num = (value: number | string | null): number | null => (value === null ? null : Number(value));

function alertFromRow(row: AlertDbRow): AlertRow {
  return {
    id: Number(row.id),
    dedupeKey: row.dedupe_key,
    kind: row.kind,
    ticketId: row.ticket_id,
    channelId: row.channel_id,
    alertRuleId: num(row.alert_rule_id),
    assigneeSlackUserId: row.assignee_slack_user_id,
    leadSlackUserId: row.lead_slack_user_id,
    dueAt: num(row.due_at),
    view: JSON.parse(row.view) as AlertView,
    notifyCount: row.notify_count,
    lastNotifiedAt: Number(row.last_notified_at),
    acknowledgedBy: row.acknowledged_by,
    acknowledgedAt: num(row.acknowledged_at),
    snoozedBy: row.snoozed_by,
    snoozedUntil: num(row.snoozed_until),
    escalatedAt: num(row.escalated_at),
    createdAt: Number(row.created_at),
  };
}

const TARGETS: readonly { target: SlaTarget; due: string; seconds: string; stop: string | null }[] = [
  { target: 'firstResponse', due: 'first_response_due_at', seconds: 'first_response_seconds', stop: 'first_response_at' },
  { target: 'nextReply', due: 'next_reply_due_at', seconds: 'next_reply_seconds', stop: null },
  { target: 'resolution', due: 'resolution_due_at', seconds: 'resolution_seconds', stop: 'resolved_at' },
];

export class AlertStore {
  constructor(private readonly db: Database) {}

  /**
   * Each running SLA target of an open ticket, with routing facts. A target is
   * running while its clock has not stopped (no first response yet, not
   * resolved) and has a due time (a ticket paused for good has none).
   */
  async runningSlaTargets(): Promise<SlaTicketRow[]> {
    const result: SlaTicketRow[] = [];
    for (const spec of TARGETS) {
      const query = this.db('tickets as t')
        .join('sla_policies as p', 'p.id', 't.sla_policy_id')
        .leftJoin('teams as tm', 'tm.name_key', 't.team_key')
        .leftJoin('agents as a', 'a.id', 't.assignee_agent_id')
        .whereRaw(OPEN_STATUS_SQL)
        // `+ 0`: with statistics SQLite otherwise walks the whole due-time index (every ticket ever) for "is not null".
        .whereRaw(`t.${spec.due} + 0 is not null`)
        .whereNotNull(`p.${spec.seconds}`)
        .select(
          't.id as ticket_id', 't.external_id', 't.url', 't.priority', 't.team', `t.${spec.due} as due_at`, `p.${spec.seconds} as target_seconds`,
          'p.business_hours', 'p.calendar_id', 'tm.alert_channel_id', 'tm.lead_slack_user_id', 'a.name as assignee_name', 'a.slack_user_id', 't.assignee_agent_id',
        );
      if (spec.stop !== null) void query.whereNull(`t.${spec.stop}`);
      const rows = (await query) as {
        ticket_id: number; external_id: string; url: string | null; priority: string | null; team: string | null; due_at: number; target_seconds: number;
        business_hours: boolean | number; calendar_id: number | null; alert_channel_id: string | null; lead_slack_user_id: string | null;
        assignee_name: string | null; slack_user_id: string | null; assignee_agent_id: number | null;
      }[];
      for (const row of rows) {
        result.push({
          ticketId: row.ticket_id,
          externalId: row.external_id,
          url: row.url,
          priority: row.priority,
          team: row.team,
          target: spec.target,
          dueAt: Number(row.due_at),
          targetMs: Number(row.target_seconds) * 1000,
          businessHours: Boolean(row.business_hours),
          calendarId: row.calendar_id,
          teamChannelId: row.alert_channel_id,
          leadSlackUserId: row.lead_slack_user_id,
          assigneeName: row.assignee_name,
          assigneeSlackUserId: row.slack_user_id,
          assigned: row.assignee_agent_id !== null,
        });
      }
    }
    return result;
  }

  /** One ticket with its routing facts (escalations at ingest). */
  async ticketForAlert(ticketId: number): Promise<{ externalId: string; url: string | null; priority: string | null; team: string | null; escalationCount: number; assigned: boolean; assigneeName: string | null; assigneeSlackUserId: string | null } | undefined> {
    const row = (await this.db('tickets as t')
      .leftJoin('agents as a', 'a.id', 't.assignee_agent_id')
      .where('t.id', ticketId)
      .select('t.external_id', 't.url', 't.priority', 't.team', 't.escalation_count', 't.assignee_agent_id', 'a.name', 'a.slack_user_id')
      .first()) as { external_id: string; url: string | null; priority: string | null; team: string | null; escalation_count: number; assignee_agent_id: number | null; name: string | null; slack_user_id: string | null } | undefined;
    if (row === undefined) return undefined;
    return {
      externalId: row.external_id, url: row.url, priority: row.priority, team: row.team, escalationCount: row.escalation_count,
      assigned: row.assignee_agent_id !== null, assigneeName: row.name, assigneeSlackUserId: row.slack_user_id,
    };
  }

  /**
   * Escalations a delivery kept to be alerted (`escalations_to_alert`) and still waiting since `before` or earlier,
   * oldest first: those whose process did not live to alert them.
   */
  async escalationsLeft(before: number, limit: number): Promise<{ ticketId: number; escalationCount: number }[]> {
    const rows = (await this.db('escalations_to_alert').select('ticket_id', 'escalation_count').where('created_at', '<=', before).orderBy('created_at').limit(limit)) as { ticket_id: number | string; escalation_count: number | string }[];
    return rows.map((row) => ({ ticketId: Number(row.ticket_id), escalationCount: Number(row.escalation_count) }));
  }

  /** An escalation kept to be alerted is done with: alerted, in the alert's transaction, or its ticket gone. */
  async escalationAlerted(trx: Knex | Knex.Transaction, ticketId: number, escalationCount: number): Promise<void> {
    await trx('escalations_to_alert').where({ ticket_id: ticketId, escalation_count: escalationCount }).delete();
  }

  /** Which of these alert keys exist already. */
  async existingKeys(keys: readonly string[]): Promise<Set<string>> {
    const found = new Set<string>();
    for (let i = 0; i < keys.length; i += 500) {
      const rows = (await this.db('alerts').select('dedupe_key').whereIn('dedupe_key', keys.slice(i, i + 500))) as { dedupe_key: string }[];
      for (const row of rows) found.add(row.dedupe_key);
    }
    return found;
  }

  /** The enabled rules of these kinds, in the order they were added. */
  async rules(...kinds: [AlertRuleKind, ...AlertRuleKind[]]): Promise<AlertRuleRow[]> {
    const rows = (await this.db('alert_rules').select('id', 'kind', 'channel_id', 'team', 'config', 'state').whereIn('kind', kinds).where({ enabled: true }).orderBy('id')) as RuleRecord[];
    return rows.map(ruleFromRecord);
  }

  async addRule(rule: { kind: AlertRuleKind; channelId: string; filters: TicketFilters; config?: Record<string, unknown>; createdBy?: string }, now: number): Promise<number> {
    const [row] = (await this.db('alert_rules')
      .insert({
        kind: rule.kind, channel_id: rule.channelId, team: rule.filters.team ?? null, config: JSON.stringify({ ...rule.config, filters: rule.filters }),
        enabled: true, created_by: rule.createdBy ?? null, created_at: now, updated_at: now,
      })
      .returning('id')) as ({ id: number } | number)[];
    return typeof row === 'object' ? row.id : Number(row);
  }

  /**
   * Stops an enabled rule (kept, disabled, beside the alerts it raised), and cancels its posts not yet sent; the rule
   * as it was, or undefined when no enabled rule has that id.
   */
  async removeRule(id: number, now: number): Promise<AlertRuleRow | undefined> {
    return this.db.transaction(async (trx) => {
      const row = (await trx('alert_rules').first('id', 'kind', 'channel_id', 'team', 'config', 'state').where({ id, enabled: true })) as RuleRecord | undefined;
      if (row === undefined) return undefined;
      await trx('alert_rules').where({ id }).update({ enabled: false, updated_at: now });
      // What the rule queued and has not yet posted (held by quiet hours, or decided a moment ago) goes with it.
      await trx('alert_outbox').where({ alert_rule_id: id }).whereIn('state', ['pending', 'sending']).update({ state: 'cancelled' });
      return ruleFromRecord(row);
    });
  }

  /**
   * Moves a rule from the state it was read in to `state`; false when it is no
   * longer in that state (another leader, overlapping this one, decided first),
   * so the same crossing is not posted twice, or has been removed since.
   */
  async saveRuleState(trx: Knex | Knex.Transaction, id: number, from: Record<string, unknown> | null, state: Record<string, unknown>, now: number): Promise<boolean> {
    // A rule removed since the run read it is not moved: the run posts nothing for it (PostgreSQL re-reads the row after the removal's commit).
    const query = trx('alert_rules').where({ id, enabled: true });
    if (from === null) void query.whereNull('state');
    else void query.where({ state: JSON.stringify(from) });
    return (await query.update({ state: JSON.stringify(state), updated_at: now })) === 1;
  }

  /** Creates the alert unless its key exists; its id, or undefined when it existed. */
  async createAlert(trx: Knex.Transaction, alert: NewAlert, now: number): Promise<number | undefined> {
    const inserted = (await trx('alerts')
      .insert({
        dedupe_key: alert.dedupeKey.slice(0, 300), kind: alert.kind, ticket_id: alert.ticketId ?? null, alert_rule_id: alert.alertRuleId ?? null,
        channel_id: alert.channelId, assignee_slack_user_id: alert.assigneeSlackUserId, lead_slack_user_id: alert.leadSlackUserId, due_at: alert.dueAt,
        view: JSON.stringify(alert.view), notify_count: 1, last_notified_at: now, created_at: now,
      })
      .onConflict('dedupe_key')
      .ignore()
      .returning('id')) as ({ id: number } | number)[];
    const [row] = inserted;
    if (row === undefined) return undefined;
    const id = typeof row === 'object' ? Number(row.id) : Number(row);
    await trx('alerts').where({ id }).update({ view: JSON.stringify({ ...alert.view, alertId: id }) });
    return id;
  }

  /** Which of these alert ids exist (an alert goes with its ticket). */
  async existing(ids: readonly number[]): Promise<number[]> {
    if (ids.length === 0) return [];
    return ((await this.db('alerts').whereIn('id', ids).orderBy('id').pluck('id')) as (number | string)[]).map(Number);
  }

  async alert(id: number): Promise<AlertRow | undefined> {
    const row = (await this.db('alerts').where({ id }).first()) as AlertDbRow | undefined;
    return row === undefined ? undefined : alertFromRow(row);
  }

  /**
   * Breaches that may still need a follow-up: unacknowledged, whose ticket still runs late on the same due time, and
   * with a reminder left (at most `renotifyMax`) or the lead's DM still to come; each with the ticket's assignee as it
   * is now (reassigned since the breach, or linked to Slack since), whom its reminders and the lead's DM name and DM.
   * Those that had all their follow-ups are not returned, though the read still walks every unacknowledged breach's
   * entry in the alerts' (kind, acknowledged_at, escalated_at, notify_count) index: entries only, not rows (migration
   * 43; 3,534 unacknowledged breaches: 4.3 ms before, 1.4 ms). Read on a report connection
   * (SQLite): each follow-up checks again under its lock, and webhooks do not wait for this read.
   */
  async openBreaches(renotifyMax: number): Promise<OpenBreach[]> {
    const rows: (AlertDbRow & { now_assignee_agent_id: number | null; now_assignee_name: string | null; now_assignee_slack_user_id: string | null })[] = [];
    for (const spec of TARGETS) {
      const query = readerOf(this.db)('alerts as al')
        .join('tickets as t', 't.id', 'al.ticket_id')
        .leftJoin('agents as a', 'a.id', 't.assignee_agent_id')
        .where('al.kind', 'sla_breach')
        .whereNull('al.acknowledged_at')
        .where((active) => void active.whereNull('al.escalated_at').orWhere('al.notify_count', '<=', renotifyMax))
        .where('al.dedupe_key', 'like', `sla:%:${spec.target}:%`)
        .whereRaw(OPEN_STATUS_SQL)
        .whereRaw(`t.${spec.due} = al.due_at`)
        .select('al.*', 't.assignee_agent_id as now_assignee_agent_id', 'a.name as now_assignee_name', 'a.slack_user_id as now_assignee_slack_user_id');
      // `+ 0`: not the resolved_at index (every unresolved ticket); the breaches' own index instead.
      if (spec.stop !== null) void query.whereRaw(`t.${spec.stop} + 0 is null`);
      rows.push(...((await query) as typeof rows));
    }
    return rows
      .map((row) => ({ ...alertFromRow(row), assigneeNow: { assigned: row.now_assignee_agent_id !== null, assigneeName: row.now_assignee_name, assigneeSlackUserId: row.now_assignee_slack_user_id } }))
      .sort((a, b) => a.id - b.id);
  }

  /**
   * Cancels the posts still waiting (quiet hours) of SLA alerts whose target has stopped since (met, the ticket solved
   * or deleted, the due time moved): their warnings and reminders. A breach's own post still goes: the breach happened.
   */
  async cancelHeldOfSettledAlerts(): Promise<number> {
    let cancelled = 0;
    for (const spec of TARGETS) {
      const running = this.db('tickets as t')
        .select(this.db.raw('1'))
        .whereRaw('t.id = al.ticket_id')
        .whereRaw(OPEN_STATUS_SQL)
        .whereRaw(`t.${spec.due} = al.due_at`);
      if (spec.stop !== null) void running.whereNull(`t.${spec.stop}`);
      // Only the alerts with such a post waiting are looked at (a few), not every alert ever made.
      const waiting = () => this.db('alert_outbox').where('state', 'pending').whereIn('kind', ['sla_warning', FOLLOW_UP_KIND.reminder]);
      const settled = this.db('alerts as al').select('al.id').whereIn('al.id', waiting().whereNotNull('alert_id').select('alert_id')).where('al.dedupe_key', 'like', `sla:%:${spec.target}:%`).whereNotExists(running);
      cancelled += await waiting().whereIn('alert_id', settled).update({ state: 'cancelled' });
    }
    return cancelled;
  }


  /**
   * The alert as it stands now, its row locked until the transaction ends (PostgreSQL): a follow-up decided from an
   * earlier read is written only if nobody acknowledged, snoozed or followed the alert up in between, and an
   * Acknowledge that comes meanwhile waits for this transaction, then cancels what it wrote.
   */
  async lockForFollowUp(trx: Knex.Transaction, id: number): Promise<AlertRow | undefined> {
    const query = trx('alerts').where({ id }).first();
    if (engineOf(trx) === 'postgres') void query.forUpdate();
    const row = (await query) as AlertDbRow | undefined;
    return row === undefined ? undefined : alertFromRow(row);
  }

  async recordReminder(trx: Knex.Transaction, id: number, count: number, now: number): Promise<void> {
    await trx('alerts').where({ id }).update({ notify_count: count, last_notified_at: now });
  }

  async recordEscalated(trx: Knex.Transaction, id: number, now: number): Promise<void> {
    await trx('alerts').where({ id }).update({ escalated_at: now });
  }

  /** Records the acknowledgement unless one exists; the alert as it now stands. */
  async acknowledge(id: number, user: string, now: number): Promise<AlertRow | undefined> {
    await this.db('alerts').where({ id }).whereNull('acknowledged_at').update({ acknowledged_by: user, acknowledged_at: now });
    return this.alert(id);
  }

  async snooze(id: number, user: string, until: number): Promise<AlertRow | undefined> {
    await this.db('alerts').where({ id }).whereNull('acknowledged_at').update({ snoozed_by: user, snoozed_until: until });
    return this.alert(id);
  }

  /** A team's alert channel and lead (either may be null; absent: unchanged); the team row is added if new. Returns the team's whole route. */
  async setTeamRouting(team: string, routing: { alertChannelId?: string | null; leadSlackUserId?: string | null }, now: number): Promise<TeamRow> {
    return saveTeam(this.db, team, {
      ...(routing.alertChannelId === undefined ? {} : { alert_channel_id: routing.alertChannelId }),
      ...(routing.leadSlackUserId === undefined ? {} : { lead_slack_user_id: routing.leadSlackUserId }),
    }, now);
  }

  /** Teams with an alert channel or a lead. */
  async teamRouting(): Promise<TeamRoute[]> {
    const rows = (await this.db('teams').select('name', 'alert_channel_id', 'lead_slack_user_id').whereNotNull('alert_channel_id').orWhereNotNull('lead_slack_user_id').orderBy('name')) as { name: string; alert_channel_id: string | null; lead_slack_user_id: string | null }[];
    return rows.map((row) => ({ name: row.name, alertChannelId: row.alert_channel_id, leadSlackUserId: row.lead_slack_user_id }));
  }

  async quietHours(): Promise<Map<string, QuietHours>> {
    const rows = (await this.db('quiet_hours').select('channel_id', 'starts', 'ends', 'timezone')) as { channel_id: string; starts: string; ends: string; timezone: string }[];
    return new Map(rows.map((row) => [row.channel_id, { starts: row.starts, ends: row.ends, timezone: row.timezone }]));
  }

  async setQuietHours(channelId: string, quiet: QuietHours | null, now: number): Promise<void> {
    if (quiet === null) {
      await this.db('quiet_hours').where({ channel_id: channelId }).delete();
      return;
    }
    await this.db('quiet_hours').insert({ channel_id: channelId, ...quiet, updated_at: now }).onConflict('channel_id').merge();
  }
}

interface RuleRecord {
  id: number;
  kind: AlertRuleKind;
  channel_id: string;
  team: string | null;
  config: string;
  state: string | null;
}

function ruleFromRecord(row: RuleRecord): AlertRuleRow {
  const config = JSON.parse(row.config) as Record<string, unknown>;
  return { id: row.id, kind: row.kind, channelId: row.channel_id, team: row.team, filters: (config.filters ?? {}) as TicketFilters, config, state: row.state === null ? null : (JSON.parse(row.state) as Record<string, unknown>) };
}
