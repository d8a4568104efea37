import type { Knex } from 'knex';

// The language a Slack user chose for themselves (`/kpi language id`), or an admin chose for a channel
// (`/kpi language #support tr`): what the bot writes to that user or posts in that channel. One table for both,
// since Slack's user ids (U…, W…) and conversation ids (C…, G…) never coincide. No row: KPI_LOCALE.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('slack_languages', (table) => {
    table.string('slack_id', 32).primary();
    table.string('locale', 8).notNullable();
    table.string('set_by', 32).notNullable();
    table.bigInteger('updated_at').notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('slack_languages');
}
