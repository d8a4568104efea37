import type { Knex } from 'knex';

// Goals (`/kpi goal frt 1h team:billing`, `kpibot goals set`): the value a metric's headline should be at most or at
// least (src/kpi/goals.ts), in the metric's unit, with the filters it holds for. scope_key is a SHA-256 of the filters
// as the store compares them (src/kpi/goals.ts goalScopeKey), so `team:Billing` and `team:billing` are one goal.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('kpi_goals', (table) => {
    table.increments('id').primary();
    table.string('metric', 32).notNullable();
    table.string('scope_key', 64).notNullable();
    table.text('filters').notNullable();
    table.double('target').notNullable();
    table.string('set_by', 64).notNullable();
    table.bigInteger('updated_at').notNullable();
    table.unique(['metric', 'scope_key']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('kpi_goals');
}
