import type { Knex } from 'knex';

// Key/value settings changed at run time, and leases: the scheduler's leader
// holds a row here with an expiry, so one replica runs the jobs.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('settings', (table) => {
    table.string('key', 100).primary();
    table.text('value').notNullable(); // JSON
    table.bigInteger('updated_at').notNullable();
  });

  await knex.schema.createTable('leases', (table) => {
    table.string('name', 100).primary();
    table.string('holder', 200).notNullable();
    table.bigInteger('acquired_at').notNullable();
    table.bigInteger('expires_at').notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('leases');
  await knex.schema.dropTable('settings');
}
