import type { Knex } from 'knex';

// Which SLA policy applies changed: it was the first added that matched; it is
// now the most specific (priority and team, then either, then neither), the
// first added among equals (src/kpi/sla.ts, rule M2). Tickets whose due times
// could change are those a less specific policy added earlier took from a more
// specific one added later. Where such a pair exists, every ticket is rebuilt
// in the background when the bot next starts (src/store/ingest-store.ts,
// backfillProjections): the flag below asks for it.
const REBUILD_SETTING = 'rebuild:all'; // read by IngestStore.backfillProjections

interface Row {
  id: number;
  priority: string | null;
  team: string | null;
  position: number;
}

const named = (row: Row) => (row.priority === null ? 0 : 1) + (row.team === null ? 0 : 1);

export async function up(knex: Knex): Promise<void> {
  const rows = (await knex('sla_policies').select('id', 'priority', 'team', 'position').where({ enabled: true }).orderBy('position').orderBy('id')) as Row[];
  const shadowed = rows.some((earlier, i) => rows.slice(i + 1).some((later) => named(later) > named(earlier)));
  if (shadowed) await knex('settings').insert({ key: REBUILD_SETTING, value: 'true', updated_at: Date.now() }).onConflict('key').ignore();
}

export async function down(): Promise<void> {
  // The flag asks for a rebuild under the new rule; an older bot rebuilds under its own when asked, so nothing to undo.
}
