import type { Knex } from 'knex';

// Open tickets are a small slice of all tickets, but planners that know only
// "2 statuses, 500k rows each" scan the table for them. A partial index over
// the open statuses (both engines support them) keeps backlog, overdue and
// "open assigned" queries on that slice. Queries must spell the same literal
// predicate for the planner to use it (see OPEN_STATUS_SQL in src/store/kpi-store.ts).
export async function up(knex: Knex): Promise<void> {
  await knex.raw("create index tickets_open_created_at_index on tickets (created_at) where status in ('new', 'open', 'pending', 'on-hold')");
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index tickets_open_created_at_index');
}
