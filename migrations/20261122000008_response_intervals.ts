import type { Knex } from 'knex';

// Every wait from a customer message to the next public agent reply, derived
// by the ticket projection: what the `response` KPI (average response time) reads.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('ticket_response_intervals', (table) => {
    table.integer('ticket_id').unsigned().notNullable().references('id').inTable('tickets').onDelete('CASCADE');
    table.bigInteger('customer_at').notNullable();
    table.bigInteger('replied_at').notNullable();
    table.integer('seconds').notNullable();
    table.primary(['ticket_id', 'customer_at']);
    table.index(['replied_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('ticket_response_intervals');
}
