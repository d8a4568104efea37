import type { Knex } from 'knex';

// Replies by an automation (actor type "system") counted as agent replies until
// this version: as first responses, response-interval ends and FCR contacts.
// Only bot replies were left out. Tickets holding such a reply are rebuilt when
// the bot next starts (src/store/ingest-store.ts, backfillProjections), with
// the configured projection options: the flag below asks for it.
const REBUILD_SETTING = 'backfill:automated_replies'; // read by IngestStore.backfillProjections

export async function up(knex: Knex): Promise<void> {
  if ((await knex('ticket_events').where({ type: 'agent_reply', actor_type: 'system' }).first('id')) !== undefined) {
    await knex('settings').insert({ key: REBUILD_SETTING, value: 'true', updated_at: Date.now() });
  }
}

export async function down(knex: Knex): Promise<void> {
  await knex('settings').where({ key: REBUILD_SETTING }).delete();
}
