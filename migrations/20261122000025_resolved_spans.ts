import type { Knex } from 'knex';

// Each time a ticket was resolved and later reopened: the span it spent
// resolved. The backlog at a past instant subtracts the tickets inside such a
// span, which the latest resolution time alone counts as open. Tickets already
// reopened before this migration get their spans when the bot next starts
// (src/store/ingest-store.ts, backfillResolvedSpans), with the configured
// projection options: the flag below asks for it.
const BACKFILL_SETTING = 'backfill:resolved_spans'; // read by IngestStore.backfillResolvedSpans

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('ticket_resolved_spans', (table) => {
    table.integer('ticket_id').unsigned().notNullable().references('id').inTable('tickets').onDelete('CASCADE');
    table.bigInteger('resolved_at').notNullable();
    table.bigInteger('reopened_at').notNullable();
    table.primary(['ticket_id', 'resolved_at']);
    table.index(['reopened_at', 'resolved_at']);
  });
  if ((await knex('tickets').where('reopen_count', '>', 0).first('id')) !== undefined) {
    await knex('settings').insert({ key: BACKFILL_SETTING, value: 'true', updated_at: Date.now() });
  }
}

export async function down(knex: Knex): Promise<void> {
  await knex('settings').where({ key: BACKFILL_SETTING }).delete();
  await knex.schema.dropTable('ticket_resolved_spans');
}
