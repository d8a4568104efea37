import type { Knex } from 'knex';

// When each outbox post first fell due (its quiet hours or digest time, else
// its creation). `next_attempt_at` moves with every put-back (pacing, a 429,
// a retry), so it cannot say how late a post is; `due_at` never moves. The
// scheduler's watch (src/schedule/jobs.ts) and `kpibot outbox` read it to say
// when posts to Slack run late. Rows still waiting take their next attempt as
// their due time; rows settled before this migration have none.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('alert_outbox', (table) => {
    table.bigInteger('due_at').nullable();
  });
  await knex('alert_outbox').whereIn('state', ['pending', 'sending']).update({ due_at: knex.ref('next_attempt_at') });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('alert_outbox', (table) => {
    table.dropColumn('due_at');
  });
}
