import type { Knex } from 'knex';

// What churn, repeat-purchase, self-service and survey KPIs rest on.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('customer_events', (table) => {
    table.bigIncrements('id');
    table.string('source', 32).notNullable();
    table.integer('customer_id').unsigned().notNullable().references('id').inTable('customers').onDelete('CASCADE');
    table.string('type', 32).notNullable(); // became_customer | purchase | churned | reactivated
    table.bigInteger('occurred_at').notNullable();
    table.string('dedupe_key', 200).notNullable();
    table.unique(['source', 'dedupe_key']);
    table.index(['type', 'occurred_at']);
    table.index(['customer_id', 'occurred_at']);
  });

  await knex.schema.createTable('self_service_sessions', (table) => {
    table.bigIncrements('id');
    table.string('source', 32).notNullable();
    table.string('external_id', 100).notNullable();
    table.bigInteger('started_at').notNullable();
    table.boolean('resolved_without_ticket').notNullable();
    table.string('external_ticket_id', 100).nullable(); // the ticket it led to, if any
    table.unique(['source', 'external_id']);
    table.index(['started_at']);
  });

  await knex.schema.createTable('survey_responses', (table) => {
    table.bigIncrements('id');
    table.string('source', 32).notNullable();
    table.string('kind', 8).notNullable(); // csat | nps | ces | enps
    table.string('scale', 16).notNullable(); // 1-5 | good-bad | 0-10 | 1-7
    table.float('score').notNullable(); // on its scale; good-bad: 1 good, 0 bad
    table.integer('ticket_id').unsigned().nullable().references('id').inTable('tickets').onDelete('CASCADE');
    table.integer('customer_id').unsigned().nullable().references('id').inTable('customers').onDelete('SET NULL');
    table.integer('agent_id').unsigned().nullable().references('id').inTable('agents').onDelete('SET NULL');
    table.string('survey_id', 100).nullable(); // e.g. one eNPS pulse
    table.bigInteger('responded_at').notNullable();
    table.string('dedupe_key', 200).notNullable();
    table.unique(['source', 'dedupe_key']);
    table.index(['kind', 'responded_at']);
    table.index(['ticket_id']);
    table.index(['agent_id', 'kind']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('survey_responses');
  await knex.schema.dropTable('self_service_sessions');
  await knex.schema.dropTable('customer_events');
}
