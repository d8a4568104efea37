import type { Knex } from 'knex';

// Which sender holds an outbox row's claim. Two leaders can overlap (one's
// lease expired during a long pass against a slow Slack, and another took it):
// a claim is renewed just before its post only by the sender that holds it, so
// a row whose claim lapsed and was taken over is skipped, not posted twice.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('alert_outbox', (table) => {
    table.string('claimed_by', 64).nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('alert_outbox', (table) => {
    table.dropColumn('claimed_by');
  });
}
