import type { Knex } from 'knex';

// Migration 29 asked for too few rebuilds, and could not fix the Zendesk
// descriptions by a rebuild at all:
// - urgent set after a creation without a priority is an escalation, but 29
//   selected only tickets still urgent and never escalated: one lowered since,
//   or escalated by a tag or group move too, kept the old escalation;
// - the description of a Zendesk ticket an agent opened is no reply, but the
//   releases before 29 stored it as an agent_reply event, which a rebuild
//   counts again. They are deleted here, as the adapter now drops them: the
//   submitter's public comment within 5 s of the agent-opened ticket's creation
//   (src/ingest/zendesk.ts, isOpeningComment). down cannot bring them back.
// The rebuild's selection (src/store/ingest-store.ts, PROJECTION_BACKFILLS)
// now takes every ticket set to urgent after a creation without a priority;
// the flag below asks for it again, whether or not 29 ran before.
const REBUILD_SETTING = 'backfill:urgent_and_openings'; // read by IngestStore.backfillProjections
const OPENING_COMMENT_WINDOW_MS = 5_000;

export async function up(knex: Knex): Promise<void> {
  const openings = knex('ticket_events as e')
    .select('e.id')
    .where({ 'e.source': 'zendesk', 'e.type': 'agent_reply', 'e.actor_type': 'agent' })
    .where('e.dedupe_key', 'like', 'comment:%')
    .whereExists((created) =>
      void created
        .select('c.id')
        .from('ticket_events as c')
        .whereRaw('c.source = e.source and c.external_ticket_id = e.external_ticket_id and c.actor_id = e.actor_id')
        .where({ 'c.type': 'ticket_created', 'c.actor_type': 'agent' })
        .where('c.data', 'like', '%"createdByAgent":true%')
        .whereRaw('e.occurred_at between c.occurred_at - ? and c.occurred_at + ?', [OPENING_COMMENT_WINDOW_MS, OPENING_COMMENT_WINDOW_MS]),
    );
  const deleted = await knex('ticket_events').whereIn('id', openings).delete();
  const raised = await knex('ticket_events as e')
    .whereNot('e.type', 'ticket_created')
    .where('e.data', 'like', '%"priority":"urgent"%')
    .whereExists((created) =>
      void created
        .select('c.id')
        .from('ticket_events as c')
        .whereRaw('c.source = e.source and c.external_ticket_id = e.external_ticket_id and c.occurred_at < e.occurred_at')
        .where('c.type', 'ticket_created')
        .whereNot('c.data', 'like', '%"priority":%'),
    )
    .first('e.id');
  if (deleted > 0 || raised !== undefined) {
    await knex('settings').insert({ key: REBUILD_SETTING, value: 'true', updated_at: Date.now() }).onConflict('key').merge();
  }
}

export async function down(knex: Knex): Promise<void> {
  await knex('settings').where({ key: REBUILD_SETTING }).delete();
}
