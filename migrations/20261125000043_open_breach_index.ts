import type { Knex } from 'knex';

// The SLA sweep's read of breaches still owing a follow-up (AlertStore.openBreaches) filters the unacknowledged
// breaches on escalated_at and notify_count. With only (kind, acknowledged_at) indexed it read every such alert's row,
// every minute, however long ago it fell due; with both columns in the index it reads index entries alone. The new
// index starts with the old one's columns, which it replaces.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('alerts', (table) => {
    table.index(['kind', 'acknowledged_at', 'escalated_at', 'notify_count'], 'alerts_open_breach_index');
  });
  await knex.schema.alterTable('alerts', (table) => {
    table.dropIndex(['kind', 'acknowledged_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('alerts', (table) => {
    table.index(['kind', 'acknowledged_at']);
  });
  await knex.schema.alterTable('alerts', (table) => {
    table.dropIndex(['kind', 'acknowledged_at', 'escalated_at', 'notify_count'], 'alerts_open_breach_index');
  });
}
