import type { Knex } from 'knex';

// What a channel digest splits its metrics by (`/kpi subscribe #leads weekly mon 09:00 frt csat by:team`): a ticket
// field or a calendar unit, as `by:` reads it (src/kpi/request-words.ts BREAKDOWNS). Null: no split, as before.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('digest_subscriptions', (table) => {
    table.string('breakdown', 16).nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('digest_subscriptions', (table) => {
    table.dropColumn('breakdown');
  });
}
