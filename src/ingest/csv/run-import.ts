/**
 * `kpibot import`: streams a helpdesk CSV export into the event log and the
 * ticket projection. Rows are read one at a time and written in batches, each
 * batch in one transaction, so memory stays flat whatever the file's size. A row
 * that cannot be read is skipped with its line number and reason; it never
 * stops the import. See docs/import.md.
 */
import { DatabaseBusyError, describeError, UsageError } from '../../errors.js';
import { isBusyError, pingDatabase, type Database } from '../../store/database.js';
import { IngestStore } from '../../store/ingest-store.js';
import { DEFAULT_PROJECTION_OPTIONS, type ProjectionOptions } from '../project-ticket.js';
import { DateReader, type DateOrder } from './dates.js';
import { describeMapping, GENERIC_VALUES, PRESET_VALUES, resolveMapping, type ImportField, type PresetName } from './mapping.js';
import { CSV_DELIMITERS, openCsv, type CsvDelimiter } from './read-csv.js';
import { changeEvents, conflictWithStored, readRow, rowEvents, type ImportedTicket } from './rows.js';
import { existingKeys, readStored, refreshImportStatistics } from '../../store/import-store.js';

export interface ImportOptions {
  readonly file: string;
  /** The source the tickets belong to (`zendesk` merges them with that webhook's tickets). */
  readonly source: string;
  readonly preset?: PresetName;
  /** field → exact header (`--map`). */
  readonly map?: Readonly<Partial<Record<ImportField, string>>>;
  /** IANA zone for times written without one. */
  readonly timeZone: string;
  readonly dateOrder?: DateOrder;
  /** Read and check every row, write nothing (no database needed). */
  readonly dryRun?: boolean;
  /** Rows per transaction; 500 unless told. */
  readonly batchSize?: number;
  /** Stop after this many data rows (to try a mapping on the start of a big file). */
  readonly limit?: number;
  /** What separates columns; a comma unless told. */
  readonly delimiter?: CsvDelimiter;
  /** When the import runs (epoch ms; now unless told): a row's time more than a day after it is refused. */
  readonly now?: number;
}

export interface ImportProgress {
  readonly rows: number;
  readonly bytesRead: number;
  readonly totalBytes: number;
  /** The file read to its end and every row written: the bytes read run ahead of the rows (the parser reads ahead). */
  readonly done?: boolean;
}

export interface ImportDeps {
  /** Where to write; not needed for a dry run. */
  readonly db?: Database;
  readonly projection?: ProjectionOptions;
  /** Called after every batch (and every 1,000 rows of a dry run). */
  readonly onProgress?: (progress: ImportProgress) => void;
  /** Stops the reading (Ctrl-C): the rows read so far are written, and the summary says it was interrupted. */
  readonly signal?: AbortSignal;
}

export interface SkippedRow {
  readonly line: number;
  readonly reason: string;
}

export interface ImportSummary {
  readonly file: string;
  readonly source: string;
  readonly dryRun: boolean;
  /** "field ← "Header", …" */
  readonly mapping: string;
  /** Data rows read (records after the header), skipped ones included. */
  readonly rows: number;
  /** Rows read without a problem (for a dry run: the rows that would be written). */
  readonly valid: number;
  /** Rows whose ticket was not in the projection before. */
  readonly imported: number;
  /** Rows whose ticket's projection changed. */
  readonly updated: number;
  /** Rows that changed nothing (already imported). */
  readonly unchanged: number;
  readonly skipped: number;
  /** The first SKIPPED_LISTED skipped rows, in file order. */
  readonly skippedRows: readonly SkippedRow[];
  readonly warnings: readonly string[];
  readonly elapsedMs: number;
  /** Stopped by `ImportDeps.signal` before the end of the file. */
  readonly interrupted: boolean;
  /** The line of a record after which the file could not be read (a quote that never closes, a record over 4 MiB). */
  readonly unreadFrom?: number;
}

export const SKIPPED_LISTED = 20;
/** Unknown status words named in the summary's warning. */
const MAX_NAMED_STATUSES = 10;
const DEFAULT_BATCH = 500;

type Outcome = 'imported' | 'updated' | 'unchanged';

export async function runImport(options: ImportOptions, deps: ImportDeps = {}): Promise<ImportSummary> {
  const started = performance.now();
  const dryRun = options.dryRun === true;
  if (!dryRun && deps.db === undefined) throw new Error('runImport needs a database unless it is a dry run');
  const batchSize = Math.max(1, options.batchSize ?? DEFAULT_BATCH);

  const skippedRows: SkippedRow[] = [];
  let skipped = 0;
  const skip = (line: number, reason: string) => {
    skipped += 1;
    // The first ones in file order: a broken record can be reported while the parser reads ahead of the rows being checked.
    if (skippedRows.length === SKIPPED_LISTED && line >= (skippedRows[SKIPPED_LISTED - 1] as SkippedRow).line) return;
    skippedRows.push({ line, reason });
    skippedRows.sort((a, b) => a.line - b.line);
    if (skippedRows.length > SKIPPED_LISTED) skippedRows.pop();
  };
  const counts = { rows: 0, valid: 0, imported: 0, updated: 0, unchanged: 0 };
  // Status words the import does not know, counted as open: named in the summary, the commonest first.
  const unknownStatuses = new Map<string, number>();
  let unknownStatusRows = 0;
  let requestersDropped = 0;

  // Past a record the parser cannot get back in step after, nothing it reads is the file's: the reading stops there.
  let unreadFrom: number | undefined;
  const input = openCsv(options.file, (line, reason, fatal) => {
    if (unreadFrom !== undefined && line > unreadFrom) return;
    counts.rows += 1;
    skip(line, reason);
    if (fatal) unreadFrom = line;
  }, options.delimiter);
  const records = input.records[Symbol.asyncIterator]();
  let first;
  try {
    first = await records.next();
  } catch (error) {
    // zlib's words for a file named .gz that is not gzip ("incorrect header check") mean nothing to a reader.
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'Z_DATA_ERROR' || code === 'Z_BUF_ERROR') throw new UsageError(`cannot read "${options.file}": its name ends in .gz but it is not gzip-compressed (rename it to .csv) or it is damaged`);
    throw new UsageError(`cannot read "${options.file}": ${describeError(error)}`);
  }
  if (first.done === true) throw new UsageError(`"${options.file}" is empty: it has no header line`);
  const headers = first.value.cells.map((header) => header.trim());
  let mapping;
  try {
    const binary = notText(options.file, headers);
    if (binary !== undefined) throw new UsageError(binary);
    mapping = resolveMapping(headers, { preset: options.preset, map: options.map ?? {} });
  } catch (error) {
    await records.return?.(undefined);
    const other = otherDelimiter(headers, options.delimiter ?? ',');
    if (error instanceof UsageError && other !== undefined) {
      throw new UsageError(`${error.message}. The header is one column holding ${delimiterName(other)}: add --delimiter ${other === '\t' ? 'tab' : `"${other}"`}`);
    }
    throw error;
  }
  const dates = new DateReader(options.timeZone, options.dateOrder ?? 'auto');
  const latest = (options.now ?? Date.now()) + 24 * 3_600_000;
  const values = (options.preset === undefined ? undefined : PRESET_VALUES[options.preset]) ?? GENERIC_VALUES;
  const store = deps.db === undefined ? undefined : new IngestStore(deps.db, deps.projection ?? DEFAULT_PROJECTION_OPTIONS);
  const progress = (done = false) => deps.onProgress?.({ rows: counts.rows, bytesRead: input.bytesRead(), totalBytes: input.totalBytes, ...(done ? { done } : {}) });

  let written = 0;
  let readToEnd = false;
  let nextAnalyze = 1000;
  let batch: ImportedTicket[] = [];
  let batchIds = new Set<string>();
  const flush = async () => {
    if (batch.length === 0) return;
    const tickets = batch;
    batch = [];
    batchIds = new Set();
    if (deps.db === undefined || store === undefined) return;
    const outcomes = await writeWithFallback(deps.db, store, options.source, tickets, skip);
    for (const outcome of outcomes) if (outcome !== undefined) counts[outcome] += 1;
    written += tickets.length;
    if (written >= nextAnalyze) {
      nextAnalyze *= 2;
      await refreshImportStatistics(deps.db);
    }
    progress();
  };

  try {
    for (;;) {
      let next;
      try {
        next = await records.next();
      } catch (error) {
        await flush();
        throw new Error(`reading "${options.file}" failed after ${counts.rows} rows (rows before were ${dryRun ? 'checked' : 'imported'}): ${describeError(error)}`, { cause: error });
      }
      if (next.done === true) {
        readToEnd = true;
        break;
      }
      if (options.limit !== undefined && counts.rows >= options.limit) break;
      if (deps.signal?.aborted === true) break;
      const { line, cells } = next.value;
      if (unreadFrom !== undefined && line > unreadFrom) break;
      counts.rows += 1;
      if (cells.length < headers.length || cells.slice(headers.length).some((cell) => cell.trim() !== '')) {
        skip(line, `has ${cells.length} fields where the header has ${headers.length}`);
        continue;
      }
      const result = readRow(cells, line, mapping, dates, values, latest);
      if (!result.ok) {
        skip(line, result.reason);
        continue;
      }
      counts.valid += 1;
      if (result.unknownStatus !== undefined && (unknownStatuses.size < MAX_NAMED_STATUSES || unknownStatuses.has(result.unknownStatus))) {
        unknownStatuses.set(result.unknownStatus, (unknownStatuses.get(result.unknownStatus) ?? 0) + 1);
      }
      if (result.unknownStatus !== undefined) unknownStatusRows += 1;
      if (result.requesterDropped === true) requestersDropped += 1;
      if (dryRun) {
        if (counts.rows % 1000 === 0) progress();
        continue;
      }
      if (batchIds.has(result.ticket.id)) await flush(); // the same ticket twice: the second row sees the first
      batch.push(result.ticket);
      batchIds.add(result.ticket.id);
      if (batch.length >= batchSize) await flush();
    }
    await flush();
    progress(readToEnd);
  } finally {
    await records.return?.(undefined); // closes the file if a database error ended the import early
  }

  const warnings: string[] = [];
  if (mapping.first_response_at !== undefined && mapping.agent_replies === undefined && counts.valid > 0) {
    warnings.push(
      'no agent_replies column: each ticket with a first response counts as answered once, so first contact resolution reads as "not reopened" ' +
        'and runs high; map the reply count (--map agent_replies="<its column>") for a true one',
    );
  }
  if (requestersDropped > 0) {
    warnings.push(
      `${requestersDropped} requester value(s) were e-mail addresses and were not kept (no personal data is kept for customers): ` +
        `map the requester's id instead (--map requester="<its column>")`,
    );
  }
  if (unknownStatusRows > 0) {
    const named = [...unknownStatuses].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([word, n]) => `"${word.slice(0, 40)}" (${n})`);
    warnings.push(
      `${unknownStatusRows} row(s) have a status the import does not know, counted as open: ${named.join(', ')}${unknownStatuses.size >= MAX_NAMED_STATUSES ? ', …' : ''}; ` +
        'if one means solved or closed, give those rows their resolved_at or closed_at, or export the status in English',
    );
  }
  if (dates.monthFirst > 0 && dates.ambiguousDayFirst > 0) {
    warnings.push(
      `${dates.monthFirst} date(s) could only be month-first (like 3/25/2024) while ${dates.ambiguousDayFirst} ambiguous date(s) (like 3/4/2024) were read day-first; ` +
        'if the file is month-first, check it with --dry-run --date-order mdy',
    );
  }
  return {
    file: options.file,
    source: options.source,
    dryRun,
    mapping: describeMapping(mapping),
    ...counts,
    skipped,
    skippedRows,
    warnings,
    elapsedMs: Math.round(performance.now() - started),
    interrupted: deps.signal?.aborted === true,
    ...(unreadFrom === undefined ? {} : { unreadFrom }),
  };
}

/**
 * Writes a batch in one transaction. If the database refuses the batch, its
 * rows are tried one by one so one bad row is skipped, not the batch; if every
 * row fails alike, the database itself is the problem and the error goes up.
 */
async function writeWithFallback(db: Database, store: IngestStore, source: string, tickets: ImportedTicket[], skip: (line: number, reason: string) => void): Promise<(Outcome | undefined)[]> {
  const written = (result: BatchResult) => {
    for (const { line, reason } of result.refused) skip(line, reason);
    return result.outcomes;
  };
  try {
    return written(await writeBatch(db, store, source, tickets));
  } catch (batchError) {
    // Locked by another process past busy_timeout: nothing of the batch was written, and no row is to blame.
    if (isBusyError(batchError)) throw new DatabaseBusyError();
    if (tickets.length === 1) {
      const ticket = tickets[0] as ImportedTicket;
      if (!(await pingDatabase(db))) throw batchError;
      skip(ticket.line, `the database refused it: ${describeError(batchError)}`);
      return [undefined];
    }
    const outcomes: (Outcome | undefined)[] = [];
    let failures = 0;
    for (const ticket of tickets) {
      try {
        outcomes.push(...written(await writeBatch(db, store, source, [ticket])));
      } catch (error) {
        if (isBusyError(error)) throw new DatabaseBusyError();
        failures += 1;
        if (failures === tickets.length || !(await pingDatabase(db))) throw error;
        skip(ticket.line, `the database refused it: ${describeError(error)}`);
        outcomes.push(undefined);
      }
    }
    return outcomes;
  }
}


/** A batch written: each row's outcome, undefined for the rows refused (with why, for the summary). */
interface BatchResult {
  readonly outcomes: (Outcome | undefined)[];
  readonly refused: readonly { readonly line: number; readonly reason: string }[];
}

async function writeBatch(db: Database, store: IngestStore, source: string, batch: readonly ImportedTicket[]): Promise<BatchResult> {
  return db.transaction(async (trx) => {
    const ids = batch.map((ticket) => ticket.id);
    const before = await readStored(trx, source, ids);
    // Events the log already holds are left out before writing (the store would ignore them anyway): a file
    // imported again costs one lookup per batch, not an insert of every event.
    const rowsEvents = new Map(batch.map((ticket) => [ticket, rowEvents(ticket)]));
    const known = before.size === 0 ? new Set<string>() : await existingKeys(trx, source, [...rowsEvents.values()].flat().filter((event) => before.has(event.externalTicketId)).map((event) => event.dedupeKey));
    // A row whose creation an earlier import holds keeps that creation (a fact that happens once): its solve must not
    // come before it. Without one (a ticket the webhooks brought), the row's own creation is written, and the
    // earliest counts.
    const refused = new Map<ImportedTicket, string>();
    for (const ticket of batch) {
      const stored = before.get(ticket.id);
      const conflict = stored === undefined || !known.has(`csv:${ticket.id}:created`) ? undefined : conflictWithStored(ticket, stored);
      if (conflict !== undefined) refused.set(ticket, conflict);
    }
    const tickets = refused.size === 0 ? batch : batch.filter((ticket) => !refused.has(ticket));
    const current = new Map(before);
    const events = tickets.flatMap((ticket) => rowsEvents.get(ticket) ?? []);
    const fresh = events.filter((event) => !known.has(event.dedupeKey));
    if (fresh.length > 0) {
      const written = await store.recordEvents(source, fresh, trx);
      if (written.ticketsUpdated.length > 0) for (const [id, state] of await readStored(trx, source, written.ticketsUpdated)) current.set(id, state);
    }

    const changes = tickets.flatMap((ticket) => {
      const state = current.get(ticket.id);
      return state === undefined ? [] : changeEvents(ticket, state);
    });
    if (changes.length > 0) {
      const changed = await store.recordEvents(source, changes, trx);
      if (changed.ticketsUpdated.length > 0) for (const [id, state] of await readStored(trx, source, changed.ticketsUpdated)) current.set(id, state);
    }
    const outcomes = batch.map((ticket): Outcome | undefined => {
      if (refused.has(ticket)) return undefined;
      const was = before.get(ticket.id);
      if (was === undefined) return current.has(ticket.id) ? 'imported' : 'unchanged';
      return was.fingerprint === current.get(ticket.id)?.fingerprint ? 'unchanged' : 'updated';
    });
    return { outcomes, refused: [...refused].map(([ticket, reason]) => ({ line: ticket.line, reason })) };
  });
}

/** Why the header cannot be a CSV header: bytes no text file holds (a compressed or binary file); undefined when it reads as text. */
function notText(file: string, headers: readonly string[]): string | undefined {
  const first = headers.join(',');
  // eslint-disable-next-line no-control-regex -- control characters are what is looked for
  const control = /[\u0000-\u0008\u000e-\u001f]/.test(first);
  if (!control && first.includes('\ufffd')) return `"${file}" is not UTF-8 text: its first line holds bytes UTF-8 does not have (a file saved as Windows-1254 or -1252?); save it as UTF-8 (in Excel: "CSV UTF-8") and import it again`;
  if (!control) return undefined;
  const gzip = first.startsWith('\u001f\ufffd\b');
  return `"${file}" is not a CSV text file: its first line holds binary bytes${gzip ? ' (it is gzip-compressed: name it .gz and it is read as such)' : ''}`;
}

/** A separator other than `current` found in a one-column header, the sign of a file saved with another one. */
function otherDelimiter(headers: readonly string[], current: CsvDelimiter): CsvDelimiter | undefined {
  if (headers.length !== 1) return undefined;
  const header = headers[0] ?? '';
  return CSV_DELIMITERS.find((candidate) => candidate !== current && header.includes(candidate));
}

function delimiterName(delimiter: CsvDelimiter): string {
  return delimiter === '\t' ? 'tabs' : `"${delimiter}"`;
}

/** The summary as lines for the terminal. */
export function formatSummary(summary: ImportSummary): string[] {
  const n = (value: number) => value.toLocaleString('en-US');
  const count = (value: number, one: string, many: string) => `${n(value)} ${value === 1 ? one : many}`;
  const lines = [`columns: ${summary.mapping}`];
  const seconds = (summary.elapsedMs / 1000).toFixed(1);
  if (summary.dryRun) {
    lines.push(`dry run: ${count(summary.rows, 'row', 'rows')} read, ${n(summary.valid)} valid, ${n(summary.skipped)} would be skipped; nothing was written (${seconds} s)`);
  } else {
    lines.push(
      `imported ${count(summary.imported, 'new ticket', 'new tickets')}, updated ${n(summary.updated)}, unchanged ${n(summary.unchanged)}, skipped ${n(summary.skipped)} ` +
        `(${count(summary.rows, 'row', 'rows')} from ${summary.file} into source "${summary.source}", ${seconds} s)`,
    );
  }
  for (const row of summary.skippedRows) lines.push(`  skipped line ${row.line}: ${row.reason}`);
  if (summary.skipped > summary.skippedRows.length) lines.push(`  ... and ${count(summary.skipped - summary.skippedRows.length, 'more skipped row', 'more skipped rows')}`);
  for (const warning of summary.warnings) lines.push(`warning: ${warning}`);
  if (summary.unreadFrom !== undefined) {
    lines.push(
      `error: the file was not read past line ${n(summary.unreadFrom)} (see above); the rows before it were ${summary.dryRun ? 'checked' : 'imported'}. ` +
        'Close the quote, or leave out the long column (a subject or description is never read), and import again: rows already in change nothing',
    );
  }
  if (summary.interrupted) {
    lines.push(summary.dryRun
      ? `interrupted after ${count(summary.rows, 'row', 'rows')}: the rest of the file was not checked`
      : `interrupted after ${count(summary.rows, 'row', 'rows')}: those are in the database; run the same command again to import the rest (rows already in change nothing)`);
  }
  return lines;
}
