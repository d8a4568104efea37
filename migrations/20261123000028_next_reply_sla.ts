import type { Knex } from 'knex';

// The next-reply SLA target was stored with policies but never given a due
// time, and a ticket an agent opened ran its first-response clock from
// creation instead of the customer's first message. The projection now does
// both; this column keeps whether a customer message was answered after its
// next-reply due time (the breached share counts it). Tickets under a policy
// with a next-reply target, and agent-opened tickets under any policy, are
// rebuilt when the bot next starts (src/store/ingest-store.ts,
// backfillProjections): the flag below asks for it.
const REBUILD_SETTING = 'backfill:sla_clocks'; // read by IngestStore.backfillProjections

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('tickets', (table) => {
    table.boolean('next_reply_breached').notNullable().defaultTo(false);
  });
  const affected = await knex('tickets as t')
    .join('sla_policies as p', 'p.id', 't.sla_policy_id')
    .where((q) => void q.whereNotNull('p.next_reply_seconds').orWhere('t.created_by_agent', true))
    .first('t.id');
  if (affected !== undefined) await knex('settings').insert({ key: REBUILD_SETTING, value: 'true', updated_at: Date.now() });
}

export async function down(knex: Knex): Promise<void> {
  await knex('settings').where({ key: REBUILD_SETTING }).delete();
  await knex.schema.alterTable('tickets', (table) => {
    table.dropColumn('next_reply_breached');
  });
}
