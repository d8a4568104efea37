import type { Knex } from 'knex';

// A Jira comment by a requester with a full Atlassian account (an internal service desk) counted as an agent's reply
// when the comment's payload left out the reporter, as Jira's comment events may. Jira's public agent replies
// now carry `authorMayBeRequester`, and the projection counts one by the ticket's requester as the customer's message.
// The stored ones get the flag here (the same as the adapter now writes), and their tickets are rebuilt when the bot
// next starts (src/store/ingest-store.ts, backfillProjections).
const REBUILD_SETTING = 'backfill:jira_requester_replies'; // read by IngestStore.backfillProjections
const FLAG = '"authorMayBeRequester":true';

const agentReplies = (knex: Knex) => knex('ticket_events').where({ source: 'jira', type: 'agent_reply', actor_type: 'agent' });

export async function up(knex: Knex): Promise<void> {
  if ((await agentReplies(knex).first('id')) === undefined) return;
  await agentReplies(knex)
    .whereNot('data', 'like', `%${FLAG}%`)
    .update({ data: knex.raw(`case when data = '{}' then '{${FLAG}}' else '{${FLAG},' || substr(data, 2) end`) });
  await knex('settings').insert({ key: REBUILD_SETTING, value: 'true', updated_at: Date.now() });
}

export async function down(knex: Knex): Promise<void> {
  await agentReplies(knex)
    .where('data', 'like', `%${FLAG}%`)
    .update({ data: knex.raw(`case when data = '{${FLAG}}' then '{}' else replace(replace(data, '${FLAG},', ''), ',${FLAG}', '') end`) });
  await knex('settings').where({ key: REBUILD_SETTING }).delete();
}
