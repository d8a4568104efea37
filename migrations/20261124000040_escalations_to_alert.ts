import type { Knex } from 'knex';

// Escalations a webhook delivery brought, written in the delivery's own transaction (src/store/ingest-store.ts), one
// row per ticket and escalation count, until the alert is made (src/schedule/alert-jobs.ts alertEscalations deletes the
// row in the alert's transaction). The alert is made right after the 200, as before; a row left behind (the process
// stopped between the commit and the alert) is made by the leader's next sweep, so an acknowledged escalation is
// never lost, and two escalations committed in quick succession keep their own counts.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('escalations_to_alert', (table) => {
    table.integer('ticket_id').notNullable();
    table.integer('escalation_count').notNullable();
    table.bigInteger('created_at').notNullable();
    table.primary(['ticket_id', 'escalation_count']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('escalations_to_alert');
}
