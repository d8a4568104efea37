import type { Knex } from 'knex';

// Team and agent names are matched ignoring case (`team:ödeme`, `agent:"Öznur
// Yılmaz"`, a team's alert route). SQL's lower() cannot do that alike on both
// engines: SQLite lowers only A-Z (`team:Ödeme` found no ticket of the team
// "Ödeme"), and PostgreSQL lowers İ otherwise than JavaScript does. So each name
// gets a key computed in JavaScript (matchKey in src/kpi/sla.ts) when it is
// written, and queries compare keys. The backfill keeps its own copy of the
// rule, so that it stays what it was when this migration was written.
const key = (value: string): string => value.normalize('NFC').trim().toLowerCase().replace(/\u0307/g, '').replace(/ı/g, 'i');

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('tickets', (table) => {
    table.string('team_key', 200).nullable();
  });
  await knex.schema.alterTable('agents', (table) => {
    table.string('name_key', 200).nullable();
  });
  await knex.schema.alterTable('teams', (table) => {
    table.string('name_key', 200).nullable();
  });
  // A helpdesk has tens of teams: one update per distinct name.
  const teams = (await knex('tickets').distinct('team').whereNotNull('team')) as { team: string }[];
  for (const { team } of teams) await knex('tickets').where({ team }).update({ team_key: key(team) });
  for (const table of ['agents', 'teams'] as const) {
    const rows = (await knex(table).select('id', 'name').whereNotNull('name')) as { id: number; name: string }[];
    for (const row of rows) await knex(table).where({ id: row.id }).update({ name_key: key(row.name) });
  }
  // The team filter compares the key: the (team, created_at) index gives way to (team_key, created_at).
  await knex.schema.alterTable('tickets', (table) => {
    table.dropIndex(['team', 'created_at']);
    table.index(['team_key', 'created_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('tickets', (table) => {
    table.dropIndex(['team_key', 'created_at']);
    table.index(['team', 'created_at']);
  });
  await knex.schema.alterTable('tickets', (table) => {
    table.dropColumn('team_key');
  });
  await knex.schema.alterTable('agents', (table) => {
    table.dropColumn('name_key');
  });
  await knex.schema.alterTable('teams', (table) => {
    table.dropColumn('name_key');
  });
}
