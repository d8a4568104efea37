import type { Knex } from 'knex';

// Two projection rules changed: a priority set to urgent on a ticket that had
// none (after its creation) is now an escalation, and the description of a
// Zendesk ticket an agent opened (its first comment, sent by event
// subscriptions) is no longer a public agent reply. The tickets either could
// touch (urgent and never escalated; Zendesk tickets an agent opened) are
// rebuilt when the bot next starts (src/store/ingest-store.ts,
// backfillProjections): the flag below asks for it.
const REBUILD_SETTING = 'backfill:urgent_and_openings'; // read by IngestStore.backfillProjections

export async function up(knex: Knex): Promise<void> {
  const affected = await knex('tickets')
    .where((q) => void q.where((urgent) => void urgent.where('priority', 'urgent').whereNull('escalated_at')).orWhere((opened) => void opened.where({ source: 'zendesk', created_by_agent: true })))
    .first('id');
  if (affected !== undefined) await knex('settings').insert({ key: REBUILD_SETTING, value: 'true', updated_at: Date.now() });
}

export async function down(knex: Knex): Promise<void> {
  await knex('settings').where({ key: REBUILD_SETTING }).delete();
}
