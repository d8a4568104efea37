import type { Knex } from 'knex';

// Digest subscriptions, alert rules, and the outbox every post goes through:
// one row per alert or digest, unique by key, written in the same transaction
// as the decision to send it.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('digest_subscriptions', (table) => {
    table.increments('id');
    table.string('kind', 16).notNullable(); // channel | personal
    table.string('channel_id', 32).nullable();
    table.string('slack_user_id', 32).nullable(); // personal digests
    table.string('schedule', 100).notNullable(); // a cron expression
    table.string('timezone', 64).notNullable();
    table.text('metrics').notNullable().defaultTo('[]'); // JSON list of metric ids
    table.text('filters').notNullable().defaultTo('{}'); // JSON map
    table.boolean('only_if_changed').notNullable().defaultTo(false);
    table.boolean('enabled').notNullable().defaultTo(true);
    table.bigInteger('last_run_at').nullable();
    table.string('last_content_hash', 64).nullable();
    table.string('created_by', 32).nullable();
    table.bigInteger('created_at').notNullable();
    table.bigInteger('updated_at').notNullable();
    table.index(['enabled']);
    table.index(['channel_id']);
  });

  await knex.schema.createTable('alert_rules', (table) => {
    table.increments('id');
    table.string('kind', 32).notNullable(); // sla | escalation | threshold
    table.string('channel_id', 32).nullable();
    table.string('team', 200).nullable();
    table.text('config').notNullable().defaultTo('{}'); // JSON: stages, re-notify, threshold, cooldown
    table.text('quiet_hours').nullable(); // JSON: { from, to, timezone }
    table.text('state').nullable(); // JSON: e.g. whether a threshold is crossed, since when
    table.boolean('enabled').notNullable().defaultTo(true);
    table.string('created_by', 32).nullable();
    table.bigInteger('created_at').notNullable();
    table.bigInteger('updated_at').notNullable();
    table.index(['kind', 'enabled']);
  });

  await knex.schema.createTable('alert_outbox', (table) => {
    table.bigIncrements('id');
    table.string('dedupe_key', 300).notNullable().unique(); // e.g. ticket, rule, stage, due time
    table.string('kind', 32).notNullable(); // sla_warning | sla_breach | escalation | threshold | digest | ...
    table.string('channel_id', 32).notNullable(); // a channel, or a user id for a DM
    table.text('payload').notNullable(); // JSON: { text, blocks }
    table.string('state', 16).notNullable().defaultTo('pending'); // pending | sent | failed | cancelled
    table.integer('attempts').notNullable().defaultTo(0);
    table.bigInteger('next_attempt_at').notNullable();
    table.string('last_error', 200).nullable();
    table.integer('ticket_id').unsigned().nullable().references('id').inTable('tickets').onDelete('SET NULL');
    table.integer('alert_rule_id').unsigned().nullable().references('id').inTable('alert_rules').onDelete('SET NULL');
    table.bigInteger('created_at').notNullable();
    table.bigInteger('sent_at').nullable();
    table.string('message_ts', 32).nullable();
    table.string('message_channel_id', 32).nullable();
    table.string('acknowledged_by', 32).nullable();
    table.bigInteger('acknowledged_at').nullable();
    table.bigInteger('snoozed_until').nullable();
    table.index(['state', 'next_attempt_at']);
    table.index(['ticket_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('alert_outbox');
  await knex.schema.dropTable('alert_rules');
  await knex.schema.dropTable('digest_subscriptions');
}
