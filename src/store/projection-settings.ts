/**
 * The escalation groups (KPI_ESCALATION_GROUPS) are part of the ticket
 * projection: a move into one of them is an escalation, decided each time a
 * ticket is rebuilt. Every process that rebuilds tickets must use the same
 * groups, or the escalation count depends on which process rebuilt a ticket
 * last (a `kpibot sla add` from a shell without the variable would erase
 * escalations). So the groups in force are kept in the database:
 *
 *  - the bot, at start, keeps its own configuration's groups; when they differ
 *    from those kept, it asks for every ticket to be rebuilt in the background,
 *    so that old tickets follow the new groups too;
 *  - a command that rebuilds tickets (`kpibot sla`, `import`, `demo`) uses the
 *    kept groups, and says so when its own environment names others;
 *  - with nothing kept yet (a new database), the first process keeps its own.
 */
import type { Database } from './database.js';
import { IngestStore } from './ingest-store.js';
import { escalationGroupKey, projectionOptions, type ProjectionOptions } from '../ingest/project-ticket.js';

export const ESCALATION_GROUPS_SETTING = 'projection:escalation_groups';

/** Groups compare as the projection compares them (escalationGroupKey), in any order. */
const sameGroups = (a: readonly string[], b: readonly string[]): boolean => {
  const keys = (groups: readonly string[]) => [...new Set(groups.map((group) => escalationGroupKey(group.trim())))].sort().join('\n');
  return keys(a) === keys(b);
};

async function keptGroups(db: Database): Promise<string[] | undefined> {
  const row = (await db('settings').where({ key: ESCALATION_GROUPS_SETTING }).first('value')) as { value: string } | undefined;
  return row === undefined ? undefined : (JSON.parse(row.value) as string[]);
}

async function keep(db: Database, groups: readonly string[], now: number): Promise<void> {
  await db('settings').insert({ key: ESCALATION_GROUPS_SETTING, value: JSON.stringify(groups), updated_at: now }).onConflict('key').merge(['value', 'updated_at']);
}

const listed = (groups: readonly string[]) => (groups.length === 0 ? '(none)' : groups.join(', '));

/** The bot's projection options: its configuration's, kept; a change asks for every ticket to be rebuilt. `changed` says from what, to log it. */
export async function serverProjection(db: Database, kpi: { readonly escalationGroups: readonly string[] }, now: number): Promise<{ options: ProjectionOptions; changed?: { from: string[]; to: string[] } }> {
  const options = projectionOptions(kpi);
  const kept = await keptGroups(db);
  if (kept !== undefined && sameGroups(kept, kpi.escalationGroups)) return { options };
  await keep(db, kpi.escalationGroups, now);
  if (kept === undefined) return { options };
  await new IngestStore(db, options).askRebuildAll();
  return { options, changed: { from: kept, to: [...kpi.escalationGroups] } };
}

/** A command's projection options: the kept groups (its own when none are kept); `note` when its environment names others. */
export async function commandProjection(db: Database, kpi: { readonly escalationGroups: readonly string[] }, now: number): Promise<{ options: ProjectionOptions; note?: string }> {
  const kept = await keptGroups(db);
  if (kept === undefined) {
    await keep(db, kpi.escalationGroups, now);
    return { options: projectionOptions(kpi) };
  }
  const options = projectionOptions({ escalationGroups: kept });
  if (sameGroups(kept, kpi.escalationGroups)) return { options };
  return {
    options,
    note: `note: escalation groups are those the bot keeps in the database (${listed(kept)}), not KPI_ESCALATION_GROUPS here (${listed(kpi.escalationGroups)}); set the variable where the bot runs and restart it to change them`,
  };
}
