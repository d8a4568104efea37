import type { Knex } from 'knex';

// Raw webhook deliveries (stored before processing, free text removed) and the
// append-only normalized event log derived from them. Times: BIGINT epoch ms, UTC.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('webhook_deliveries', (table) => {
    table.bigIncrements('id');
    table.string('source', 32).notNullable();
    table.string('delivery_key', 200).notNullable(); // vendor delivery/event id, else a content hash
    table.bigInteger('received_at').notNullable();
    table.string('status', 16).notNullable(); // processed | rejected
    table.string('reason', 64).nullable(); // stable code of a rejection
    table.string('detail', 500).nullable();
    table.string('content_type', 100).nullable();
    table.integer('body_bytes').notNullable();
    table.string('body_sha256', 64).notNullable();
    table.text('payload').nullable(); // the JSON body with ticket text removed
    table.integer('event_count').notNullable().defaultTo(0);
    table.unique(['source', 'delivery_key']);
    table.index(['status', 'received_at']);
  });

  await knex.schema.createTable('ticket_events', (table) => {
    table.bigIncrements('id');
    table.string('source', 32).notNullable();
    table.string('external_ticket_id', 100).notNullable();
    table.string('type', 32).notNullable();
    table.bigInteger('occurred_at').notNullable();
    table.bigInteger('received_at').notNullable();
    table.string('actor_type', 16).nullable(); // agent | customer | bot | system
    table.string('actor_id', 100).nullable();
    table.bigInteger('delivery_id').nullable().references('id').inTable('webhook_deliveries').onDelete('SET NULL');
    table.text('data').notNullable().defaultTo('{}');
    table.string('dedupe_key', 200).notNullable();
    table.unique(['source', 'dedupe_key']);
    table.index(['source', 'external_ticket_id', 'occurred_at']);
    table.index(['delivery_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('ticket_events');
  await knex.schema.dropTable('webhook_deliveries');
}
