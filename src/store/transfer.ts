/**
 * Copies every row of one database into another, of either engine (`kpibot copy`): a team that began on the SQLite
 * default moves to PostgreSQL to run several replicas, or back to one process on a file, without losing its history.
 *
 * Both databases are migrated to the same version first (the caller's work). Then, in one read snapshot of the source
 * and one transaction on the target, each table is copied in primary-key order, parents before the tables that refer
 * to them, in pages of rows: memory stays flat whatever the size. Each table's count is checked before the commit, so
 * a copy is whole or the target is left as it was. Ids are kept (Slack buttons and links name them), and so is each
 * table's id high-water mark, so an id once used is never given again on the target.
 *
 * The target must hold no data: only the rows migrations make themselves (`duration_buckets`, `settings`), which the
 * source's replace. Not copied: the migration bookkeeping (each side has its own) and the scheduler's leases (a
 * process's, not the data's).
 */
import type { Knex } from 'knex';
import { describeError } from '../errors.js';
import { engineOf, type Database } from './database.js';

/** Tables each database keeps for itself. */
const NOT_COPIED = new Set(['knex_migrations', 'knex_migrations_lock', 'leases', 'sqlite_sequence']);

/** Tables migrations fill on an empty database: the target's rows are replaced by the source's. */
const MADE_BY_MIGRATIONS = new Set(['duration_buckets', 'settings']);

/**
 * Rows read per page; values bound per INSERT, under SQLite's 32,766 and PostgreSQL's 65,535; rows per INSERT on
 * SQLite, which knex writes as one SELECT per row joined by UNION ALL (SQLite takes at most 500).
 */
const PAGE_ROWS = 2000;
const MAX_BOUND_VALUES = 30_000;
const SQLITE_ROWS_PER_INSERT = 500;

export interface CopiedTable {
  readonly table: string;
  readonly rows: number;
}

/** A copy that cannot be made as the databases are: the message says what to change. */
export class CopyRefused extends Error {}

interface TableShape {
  readonly columns: readonly string[];
  readonly key: readonly string[];
}

/** Copies `from` into `to`; `onTable` hears each table as it is done. Resolves with the tables in the order copied. */
export async function copyDatabase(from: Database, to: Database, onTable: (done: CopiedTable) => void = () => undefined): Promise<CopiedTable[]> {
  const tables = await tablesOf(to);
  const sourceTables = await tablesOf(from);
  const missing = tables.filter((table) => !sourceTables.includes(table));
  const extra = sourceTables.filter((table) => !tables.includes(table));
  if (missing.length > 0 || extra.length > 0) {
    throw new CopyRefused(`the two databases have different tables (${[...missing.map((table) => `only the target has ${table}`), ...extra.map((table) => `only the source has ${table}`)].join('; ')}): run the same kpibot version's migrations on both`);
  }
  const holding: string[] = [];
  for (const table of tables) {
    if (!MADE_BY_MIGRATIONS.has(table) && (await to(table).first(to.raw('1 as present'))) !== undefined) holding.push(table);
  }
  if (holding.length > 0) throw new CopyRefused(`the target already holds data (${holding.slice(0, 5).join(', ')}${holding.length > 5 ? ', …' : ''}): copy into a new, empty database`);
  const shapes = new Map<string, TableShape>();
  for (const table of tables) shapes.set(table, await shapeOf(from, to, table));
  const order = parentsFirst(tables, await referencesOf(to, tables));
  if (engineOf(from) === 'sqlite') await checkReferences(from);

  const copied: CopiedTable[] = [];
  // One snapshot of the source: PostgreSQL's repeatable read; on SQLite the writer's transaction, which also holds
  // off any other process's writes until the copy is done (they wait, then are refused as busy and sent again).
  await from.transaction(
    async (source) => {
      await to.transaction(async (target) => {
        for (const table of order) {
          const shape = shapes.get(table)!;
          if (MADE_BY_MIGRATIONS.has(table)) await target(table).delete();
          const rows = await copyTable(source, target, table, shape);
          const [counted] = await target(table).count({ n: '*' });
          if (Number(counted?.n) !== rows) throw new Error(`${table}: ${rows} rows copied but the target counts ${String(counted?.n)}`);
          if (shape.key.length === 1 && shape.key[0] === 'id') await carryHighWater(source, target, table);
          const done = { table, rows };
          copied.push(done);
          onTable(done);
        }
      });
    },
    engineOf(from) === 'postgres' ? { isolationLevel: 'repeatable read', readOnly: true } : {},
  );
  // The planner's statistics for the tables just filled (autovacuum would come to it later).
  if (engineOf(to) === 'postgres') await to.raw('ANALYZE');
  return copied;
}

async function copyTable(source: Database, target: Database, table: string, { columns, key }: TableShape): Promise<number> {
  const perInsert = Math.max(1, Math.min(engineOf(target) === 'sqlite' ? SQLITE_ROWS_PER_INSERT : PAGE_ROWS, Math.floor(MAX_BOUND_VALUES / columns.length)));
  const keyRow = `(${key.map(() => '??').join(', ')})`;
  const afterRow = `(${key.map(() => '?').join(', ')})`;
  let after: unknown[] | undefined;
  let rows = 0;
  for (;;) {
    const query = source(table).select(columns).orderBy(key.map((column) => ({ column, order: 'asc' as const }))).limit(PAGE_ROWS);
    if (after !== undefined) void query.whereRaw(`${keyRow} > ${afterRow}`, [...key, ...after] as Knex.RawBinding[]);
    const page = (await query) as Record<string, unknown>[];
    if (page.length === 0) return rows;
    for (let start = 0; start < page.length; start += perInsert) {
      const chunk = page.slice(start, start + perInsert);
      try {
        await target(table).insert(chunk);
      } catch (error) {
        const first = chunk[0]!;
        const last = chunk[chunk.length - 1]!;
        const span = key.map((column) => `${column} ${String(first[column])}${chunk.length > 1 ? `–${String(last[column])}` : ''}`).join(', ');
        // The driver's reason, without knex's copy of the statement and its values before it.
        throw Object.assign(new Error(`${table} (rows with ${span}): the target refused them: ${describeError(error)}`), { cause: error });
      }
    }
    rows += page.length;
    const lastRow = page[page.length - 1]!;
    after = key.map((column) => lastRow[column]);
  }
}

/** The tables of the database's own schema, in name order. */
async function tablesOf(db: Database): Promise<string[]> {
  const rows =
    engineOf(db) === 'sqlite'
      ? ((await db.raw("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name")) as { name: string }[])
      : ((await db.raw('SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = ? ORDER BY table_name', ['BASE TABLE'])) as { rows: { name: string }[] }).rows;
  return rows.map((row) => row.name).filter((name) => !NOT_COPIED.has(name));
}

/** A table's columns (the same on both sides) and its primary key, in key order. */
async function shapeOf(from: Database, to: Database, table: string): Promise<TableShape> {
  const columns = Object.keys(await to(table).columnInfo()).sort();
  const sourceColumns = Object.keys(await from(table).columnInfo()).sort();
  if (columns.join(',') !== sourceColumns.join(',')) {
    throw new CopyRefused(`${table} has other columns in the source (${sourceColumns.join(', ')}) than in the target (${columns.join(', ')}): run the same kpibot version's migrations on both`);
  }
  const key = await primaryKeyOf(to, table);
  if (key.length === 0) throw new CopyRefused(`${table} has no primary key to copy it in order by`);
  return { columns, key };
}

async function primaryKeyOf(db: Database, table: string): Promise<string[]> {
  if (engineOf(db) === 'sqlite') {
    const rows = (await db.raw('SELECT name, pk FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk', [table])) as { name: string }[];
    return rows.map((row) => row.name);
  }
  const { rows } = (await db.raw(
    `SELECT kcu.column_name AS name FROM information_schema.table_constraints tc
       JOIN information_schema.key_column_usage kcu ON kcu.constraint_name = tc.constraint_name AND kcu.table_schema = tc.table_schema AND kcu.table_name = tc.table_name
      WHERE tc.table_schema = current_schema() AND tc.table_name = ? AND tc.constraint_type = 'PRIMARY KEY' ORDER BY kcu.ordinal_position`,
    [table],
  )) as { rows: { name: string }[] };
  return rows.map((row) => row.name);
}

/** Each table's parents: the tables its foreign keys refer to. */
async function referencesOf(db: Database, tables: readonly string[]): Promise<Map<string, Set<string>>> {
  const parents = new Map(tables.map((table) => [table, new Set<string>()]));
  if (engineOf(db) === 'sqlite') {
    for (const table of tables) {
      const rows = (await db.raw('SELECT "table" AS parent FROM pragma_foreign_key_list(?)', [table])) as { parent: string }[];
      for (const row of rows) parents.get(table)!.add(row.parent);
    }
    return parents;
  }
  const { rows } = (await db.raw(
    `SELECT tc.table_name AS child, ccu.table_name AS parent FROM information_schema.table_constraints tc
       JOIN information_schema.constraint_column_usage ccu ON ccu.constraint_name = tc.constraint_name AND ccu.table_schema = tc.table_schema
      WHERE tc.table_schema = current_schema() AND tc.constraint_type = 'FOREIGN KEY'`,
  )) as { rows: { child: string; parent: string }[] };
  for (const row of rows) parents.get(row.child)?.add(row.parent);
  return parents;
}

/** The tables with every table's parents before it (a table referring to itself is its own business: rows go in key order). */
export function parentsFirst(tables: readonly string[], parents: ReadonlyMap<string, ReadonlySet<string>>): string[] {
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (table: string, path: readonly string[]): void => {
    if (state.get(table) === 'done') return;
    if (state.get(table) === 'visiting') throw new CopyRefused(`the tables refer to each other in a circle (${[...path, table].join(' → ')}): they cannot be copied parents first`);
    state.set(table, 'visiting');
    for (const parent of [...(parents.get(table) ?? [])].sort()) if (parent !== table && parents.has(parent)) visit(parent, [...path, table]);
    state.set(table, 'done');
    order.push(table);
  };
  for (const table of tables) visit(table, []);
  return order;
}

/** A SQLite source whose rows refer to rows not there (written with foreign keys off) would be refused half-way by PostgreSQL: said first. */
async function checkReferences(db: Database): Promise<void> {
  const broken = (await db.raw('SELECT "table" AS child, parent, COUNT(*) AS n FROM pragma_foreign_key_check GROUP BY 1, 2')) as { child: string; parent: string; n: number }[];
  if (broken.length === 0) return;
  throw new CopyRefused(`the source has rows that refer to rows not there (${broken.map((row) => `${row.n} in ${row.child} to ${row.parent}`).join('; ')}): nothing was copied`);
}

/** The highest id the source ever gave (deleted rows' ids included), carried to the target so none is given twice. */
async function carryHighWater(source: Database, target: Database, table: string): Promise<void> {
  const [top] = (await target(table).max({ id: 'id' })) as { id: unknown }[];
  const highest = Math.max(Number(top?.id ?? 0), await highWaterOf(source, table));
  if (highest <= 0) return;
  if (engineOf(target) === 'postgres') {
    const sequence = await serialSequence(target, table);
    if (sequence !== undefined) await target.raw('SELECT setval(?::regclass, ?)', [sequence, highest]);
    return;
  }
  const updated = await target('sqlite_sequence').where({ name: table }).update({ seq: highest });
  if (updated === 0) await target('sqlite_sequence').insert({ name: table, seq: highest });
}

async function highWaterOf(db: Database, table: string): Promise<number> {
  if (engineOf(db) === 'sqlite') {
    const row = (await db('sqlite_sequence').where({ name: table }).first('seq')) as { seq: unknown } | undefined;
    return Number(row?.seq ?? 0);
  }
  const sequence = await serialSequence(db, table);
  if (sequence === undefined) return 0;
  const { rows } = (await db.raw(`SELECT CASE WHEN is_called THEN last_value ELSE 0 END AS value FROM ${sequence}`)) as { rows: { value: unknown }[] };
  return Number(rows[0]?.value ?? 0);
}

/** The sequence behind a table's `id`, as PostgreSQL names it (quoted where it must be), or undefined. */
async function serialSequence(db: Database, table: string): Promise<string | undefined> {
  const { rows } = (await db.raw("SELECT pg_get_serial_sequence(?, 'id') AS name", [table])) as { rows: { name: string | null }[] };
  return rows[0]?.name ?? undefined;
}
