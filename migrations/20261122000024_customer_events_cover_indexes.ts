import type { Knex } from 'knex';

// Churn reads, for each customer who churned, their events' times by type;
// repeat purchase counts a period's purchases by customer. With the third
// column in each index both read the index alone instead of every event row.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('customer_events', (table) => {
    table.dropIndex(['type', 'occurred_at']);
    table.dropIndex(['customer_id', 'occurred_at']);
    table.index(['type', 'occurred_at', 'customer_id'], 'customer_events_type_time_customer_index');
    table.index(['customer_id', 'occurred_at', 'type'], 'customer_events_customer_time_type_index');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('customer_events', (table) => {
    table.dropIndex([], 'customer_events_type_time_customer_index');
    table.dropIndex([], 'customer_events_customer_time_type_index');
    table.index(['type', 'occurred_at']);
    table.index(['customer_id', 'occurred_at']);
  });
}
