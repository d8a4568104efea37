import type { Knex } from 'knex';

// A ticket whose creation event never arrived was taken to have waited since its reported creation even when a
// later event said an agent opened it (the generic format's created_by_agent). Such tickets are rebuilt when the
// bot next starts (src/store/ingest-store.ts, backfillProjections): the flag below asks for it.
const REBUILD_SETTING = 'backfill:reported_openers'; // read by IngestStore.backfillProjections

export async function up(knex: Knex): Promise<void> {
  if ((await knex('ticket_events').whereNot({ type: 'ticket_created' }).where('data', 'like', '%"createdByAgent":true%').first('id')) !== undefined) {
    await knex('settings').insert({ key: REBUILD_SETTING, value: 'true', updated_at: Date.now() });
  }
}

export async function down(knex: Knex): Promise<void> {
  await knex('settings').where({ key: REBUILD_SETTING }).delete();
}
