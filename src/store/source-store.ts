/**
 * Everything one source (a helpdesk, an import's `--source`, the sample `demo`) brought into the database, removed in
 * one transaction: its tickets with what hangs on them (tags, waits, spans, answers, alerts and their posts still
 * waiting), its event log and deliveries, customers, sessions, and the agents no other source's ticket or answer
 * names. Settings (SLA policies, calendars, goals, subscriptions) are not a source's and stay.
 */
import type { Knex } from 'knex';
import type { Database } from './database.js';

export interface RemovedSource {
  readonly tickets: number;
  readonly events: number;
  readonly customers: number;
  readonly agents: number;
}

export async function removeSource(db: Database, source: string): Promise<RemovedSource> {
  return db.transaction(async (trx) => {
    const ticketIds = () => trx('tickets').select('id').where({ source });
    const alertIds = () => trx('alerts').select('id').whereIn('ticket_id', ticketIds());
    await trx('alert_outbox').whereIn('alert_id', alertIds()).whereIn('state', ['pending', 'sending']).update({ state: 'cancelled' });
    await trx('alerts').whereIn('ticket_id', ticketIds()).delete();
    for (const table of ['escalations_to_alert', 'ticket_tags', 'ticket_response_intervals', 'ticket_resolved_spans']) await trx(table).whereIn('ticket_id', ticketIds()).delete();
    await trx('survey_responses').where((answers) => void answers.where({ source }).orWhereIn('ticket_id', ticketIds())).delete();
    await trx('deleted_tickets').where({ source }).delete();
    const tickets = await trx('tickets').where({ source }).delete();
    const events = await trx('ticket_events').where({ source }).delete();
    await trx('webhook_deliveries').where({ source }).delete();
    await trx('customer_events').where({ source }).delete();
    await trx('self_service_sessions').where({ source }).delete();
    const customers = await trx('customers').where({ source }).whereNotIn('id', named(trx, 'tickets', 'customer_id')).whereNotIn('id', named(trx, 'survey_responses', 'customer_id')).delete();
    const agents = await trx('agents').where({ source }).whereNotIn('id', named(trx, 'tickets', 'assignee_agent_id')).whereNotIn('id', named(trx, 'survey_responses', 'agent_id')).delete();
    return { tickets, events, customers, agents };
  });
}

/** The ids a column of a table names (its nulls left out, so a NOT IN over it is not empty). */
function named(trx: Knex.Transaction, table: string, column: string): Knex.QueryBuilder {
  return trx(table).select(column).whereNotNull(column);
}
