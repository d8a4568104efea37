import type { Knex } from 'knex';

// The row id a deleted ticket had, kept while it is deleted: a restore gives the ticket its old id back, so the
// alerts already posted about it (their keys hold the row id) are known again and not posted a second time.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('deleted_tickets', (table) => {
    table.string('source', 32).notNullable();
    table.string('external_id', 100).notNullable();
    table.integer('ticket_id').notNullable();
    table.bigInteger('deleted_at').notNullable();
    table.primary(['source', 'external_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('deleted_tickets');
}
