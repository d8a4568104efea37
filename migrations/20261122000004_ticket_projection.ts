import type { Knex } from 'knex';

// The ticket projection: one row per helpdesk ticket, rebuilt from its events
// ordered by their own time. Holds only what the KPIs need: no subject, no text.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('tickets', (table) => {
    table.increments('id');
    table.string('source', 32).notNullable();
    table.string('external_id', 100).notNullable();
    table.string('url', 500).nullable(); // link into the helpdesk
    table.string('requester_id', 100).nullable();
    table.integer('customer_id').unsigned().nullable().references('id').inTable('customers').onDelete('SET NULL');
    table.string('status', 16).notNullable(); // new | open | pending | on-hold | solved | closed
    table.string('priority', 16).nullable(); // low | normal | high | urgent
    table.string('channel', 50).nullable();
    table.string('team', 200).nullable();
    table.integer('assignee_agent_id').unsigned().nullable().references('id').inTable('agents').onDelete('SET NULL');
    table.boolean('created_by_agent').notNullable().defaultTo(false);
    table.bigInteger('created_at').notNullable();
    table.bigInteger('updated_at').notNullable(); // time of the latest event
    table.bigInteger('first_customer_message_at').nullable();
    table.bigInteger('first_response_at').nullable(); // first public agent reply
    table.bigInteger('first_resolved_at').nullable();
    table.bigInteger('resolved_at').nullable(); // latest resolution; null while reopened
    table.bigInteger('closed_at').nullable();
    table.integer('reopen_count').notNullable().defaultTo(0);
    table.integer('agent_reply_count').notNullable().defaultTo(0); // public agent replies
    table.integer('customer_message_count').notNullable().defaultTo(0);
    table.bigInteger('escalated_at').nullable(); // first escalation
    table.integer('escalation_count').notNullable().defaultTo(0);
    table.integer('handle_time_seconds').notNullable().defaultTo(0);
    table.integer('sla_policy_id').unsigned().nullable().references('id').inTable('sla_policies').onDelete('SET NULL');
    table.bigInteger('first_response_due_at').nullable();
    table.bigInteger('next_reply_due_at').nullable();
    table.bigInteger('resolution_due_at').nullable();
    table.bigInteger('projected_at').notNullable();
    table.unique(['source', 'external_id']);
    table.index(['created_at']);
    table.index(['resolved_at']);
    table.index(['first_resolved_at']);
    table.index(['escalated_at']);
    table.index(['status', 'created_at']);
    table.index(['team', 'created_at']);
    table.index(['assignee_agent_id', 'status']);
    table.index(['first_response_due_at']);
    table.index(['resolution_due_at']);
  });

  await knex.schema.createTable('ticket_tags', (table) => {
    table.integer('ticket_id').unsigned().notNullable().references('id').inTable('tickets').onDelete('CASCADE');
    table.string('tag', 100).notNullable();
    table.primary(['ticket_id', 'tag']);
    table.index(['tag']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('ticket_tags');
  await knex.schema.dropTable('tickets');
}
