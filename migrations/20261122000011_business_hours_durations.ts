import type { Knex } from 'knex';

// Business-hours durations (first response, first and full resolution) per
// ticket, in the open time of the ticket's calendar (src/kpi/business-durations.ts).
// Unlike calendar hours they cannot be a difference of two columns, so the
// projection stores them; in milliseconds, like the instants they lie between,
// so that without a calendar they equal the calendar-hour durations exactly.
// The three covering indexes of migration 20261122000010 gain the column their
// query reads, so the business-hours KPIs stay index-only too.
// Rows projected before this migration hold NULL until rebuilt (kpibot sla recompute).
const COLUMNS = ['first_response_business_ms', 'first_resolution_business_ms', 'resolution_business_ms'] as const;

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('tickets', (table) => {
    for (const column of COLUMNS) table.bigInteger(column).nullable();
  });
  await knex.schema.alterTable('tickets', (table) => {
    table.dropIndex([], 'tickets_created_at_cover_index');
    table.dropIndex([], 'tickets_resolved_at_cover_index');
    table.dropIndex([], 'tickets_first_resolved_at_cover_index');
    table.index(['created_at', 'first_response_at', 'first_customer_message_at', 'created_by_agent', 'first_response_business_ms'], 'tickets_created_at_cover_index');
    table.index(['resolved_at', 'created_at', 'resolution_business_ms'], 'tickets_resolved_at_cover_index');
    table.index(['first_resolved_at', 'created_at', 'agent_reply_count', 'reopen_count', 'handle_time_seconds', 'first_resolution_business_ms'], 'tickets_first_resolved_at_cover_index');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('tickets', (table) => {
    table.dropIndex([], 'tickets_created_at_cover_index');
    table.dropIndex([], 'tickets_resolved_at_cover_index');
    table.dropIndex([], 'tickets_first_resolved_at_cover_index');
    table.index(['created_at', 'first_response_at', 'first_customer_message_at', 'created_by_agent'], 'tickets_created_at_cover_index');
    table.index(['resolved_at', 'created_at'], 'tickets_resolved_at_cover_index');
    table.index(['first_resolved_at', 'created_at', 'agent_reply_count', 'reopen_count', 'handle_time_seconds'], 'tickets_first_resolved_at_cover_index');
  });
  await knex.schema.alterTable('tickets', (table) => {
    table.dropColumns(...COLUMNS);
  });
}
