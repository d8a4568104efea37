import type { Knex } from 'knex';

// What the scheduled alerts remember between sweeps: one `alerts` row per
// decision to alert (an SLA stage of one ticket's due time, an escalation, a
// threshold crossing), with its acknowledgement, snooze, re-notifications and
// escalation to the lead; each outbox row names the alert it belongs to, so
// Acknowledge can update every message in place. Quiet hours per channel. The
// eNPS pulse: surveys, and who answered (kept apart from the scores, which go
// to survey_responses without any Slack user id).
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('alerts', (table) => {
    table.bigIncrements('id');
    table.string('dedupe_key', 300).notNullable().unique(); // e.g. sla:<ticket>:<target>:<stage>:<due>
    table.string('kind', 32).notNullable(); // sla_warning | sla_breach | escalation | threshold
    table.integer('ticket_id').unsigned().nullable().references('id').inTable('tickets').onDelete('CASCADE');
    table.integer('alert_rule_id').unsigned().nullable().references('id').inTable('alert_rules').onDelete('SET NULL');
    table.string('channel_id', 32).nullable();
    table.string('assignee_slack_user_id', 32).nullable();
    table.string('lead_slack_user_id', 32).nullable();
    table.bigInteger('due_at').nullable();
    table.text('view').notNullable(); // JSON: the view model the messages are rendered from
    table.integer('notify_count').notNullable().defaultTo(1);
    table.bigInteger('last_notified_at').notNullable();
    table.string('acknowledged_by', 32).nullable();
    table.bigInteger('acknowledged_at').nullable();
    table.string('snoozed_by', 32).nullable();
    table.bigInteger('snoozed_until').nullable();
    table.bigInteger('escalated_at').nullable();
    table.bigInteger('created_at').notNullable();
    table.index(['kind', 'acknowledged_at']);
    table.index(['ticket_id']);
  });

  await knex.schema.alterTable('alert_outbox', (table) => {
    table.bigInteger('alert_id').unsigned().nullable().references('id').inTable('alerts').onDelete('SET NULL');
    table.index(['alert_id']);
  });

  await knex.schema.createTable('quiet_hours', (table) => {
    table.string('channel_id', 32).primary();
    table.string('starts', 5).notNullable(); // HH:MM local
    table.string('ends', 5).notNullable(); // HH:MM local; before `starts` means overnight
    table.string('timezone', 64).notNullable();
    table.bigInteger('updated_at').notNullable();
  });

  await knex.schema.createTable('enps_surveys', (table) => {
    table.increments('id');
    table.string('audience', 64).notNullable(); // a channel id or a user group id
    table.string('question', 500).nullable();
    table.string('started_by', 32).notNullable();
    table.integer('invited').notNullable().defaultTo(0);
    table.bigInteger('started_at').notNullable();
  });

  await knex.schema.createTable('enps_participants', (table) => {
    table.integer('survey_id').unsigned().notNullable().references('id').inTable('enps_surveys').onDelete('CASCADE');
    table.string('slack_user_id', 32).notNullable();
    table.boolean('answered').notNullable().defaultTo(false); // never which score
    table.primary(['survey_id', 'slack_user_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('enps_participants');
  await knex.schema.dropTable('enps_surveys');
  await knex.schema.dropTable('quiet_hours');
  await knex.schema.alterTable('alert_outbox', (table) => {
    table.dropIndex(['alert_id']);
    table.dropForeign(['alert_id']);
    table.dropColumn('alert_id');
  });
  await knex.schema.dropTable('alerts');
}
