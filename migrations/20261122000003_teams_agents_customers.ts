import type { Knex } from 'knex';

// Who: teams (helpdesk groups, with their calendar and alert routes), agents
// (helpdesk identity, email for matching, Slack user), customers (external id only).
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('teams', (table) => {
    table.increments('id');
    table.string('name', 200).notNullable().unique(); // the helpdesk group's name, as on tickets.team
    table.integer('calendar_id').unsigned().nullable().references('id').inTable('business_calendars').onDelete('SET NULL');
    table.string('alert_channel_id', 32).nullable();
    table.string('lead_slack_user_id', 32).nullable();
    table.bigInteger('created_at').notNullable();
    table.bigInteger('updated_at').notNullable();
  });

  await knex.schema.createTable('agents', (table) => {
    table.increments('id');
    table.string('source', 32).notNullable();
    table.string('external_id', 100).notNullable();
    table.string('name', 200).nullable();
    table.string('email', 320).nullable(); // lower-cased
    table.string('slack_user_id', 32).nullable();
    table.boolean('is_bot').notNullable().defaultTo(false);
    table.bigInteger('created_at').notNullable();
    table.bigInteger('updated_at').notNullable();
    table.unique(['source', 'external_id']);
    table.index(['email']);
    table.index(['slack_user_id']);
  });

  await knex.schema.createTable('customers', (table) => {
    table.increments('id');
    table.string('source', 32).notNullable();
    table.string('external_id', 100).notNullable();
    table.bigInteger('became_customer_at').nullable();
    table.bigInteger('churned_at').nullable();
    table.bigInteger('created_at').notNullable();
    table.bigInteger('updated_at').notNullable();
    table.unique(['source', 'external_id']);
    table.index(['became_customer_at']);
    table.index(['churned_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('customers');
  await knex.schema.dropTable('agents');
  await knex.schema.dropTable('teams');
}
