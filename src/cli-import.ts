/**
 * `kpibot import <file.csv[.gz]> [--source NAME] [--preset zendesk|freshdesk|zohodesk|jira|intercom]
 * [--map field=Header ...] [--timezone ZONE] [--date-order auto|dmy|mdy] [--dry-run]`:
 * loads a helpdesk CSV export into the database (docs/import.md). Bad words, a
 * missing file or a file without the needed columns throw a UsageError (one
 * line, exit code 2); rows that cannot be read are skipped and listed.
 */
import { isValidTimeZone, type Config } from './config.js';
import { UsageError } from './errors.js';
import { withMigratedDatabase } from './cli-database.js';
import { parseCommandArgs } from './cli-args.js';
import { commandProjection } from './store/projection-settings.js';
import { DATE_ORDERS, type DateOrder } from './ingest/csv/dates.js';
import { IMPORT_FIELDS, isImportField, isPresetName, PRESET_NAMES, type ImportField, type PresetName } from './ingest/csv/mapping.js';
import { formatSummary, runImport, type ImportOptions, type ImportProgress, type ImportSummary } from './ingest/csv/run-import.js';
import { CSV_DELIMITERS, csvFileSize, type CsvDelimiter } from './ingest/csv/read-csv.js';
import { progressLine, type ProgressTerminal } from './cli-progress.js';

export const IMPORT_USAGE = `Usage: kpibot import <file.csv | file.csv.gz> [options]

Options:
  --source NAME          Source the tickets belong to (default: the preset's name, else "csv").
  --preset NAME          Column names of a helpdesk's export: ${PRESET_NAMES.join(', ')}
                         (default: --source when it names one).
  --map field=Header     Read a field from the column with exactly this header (repeatable).
                         Fields: ${IMPORT_FIELDS.join(', ')}.
  --timezone ZONE        IANA zone of times written without one (default: KPI_TIMEZONE); a column
                         whose header ends in a zone, "Created (Asia/Jakarta)", is read in that one.
  --date-order ORDER     auto (day-first unless a date can only be month-first), dmy or mdy.
  --delimiter D          What separates columns: "," (default), ";", tab or "|".
  --dry-run              Read and check every row; write nothing.
  --limit N              Stop after the first N data rows (to try a mapping).
  --batch-size N         Rows per transaction (default 500).

See docs/import.md.`;

type Output = { out: (line: string) => void; err: (line: string) => void };

export interface ImportCommandOptions {
  /** Where the progress line goes; by default standard error, only when it is a terminal. */
  readonly progress?: ProgressTerminal;
}

export async function importCommand(args: readonly string[], config: Config, output: Output, commandOptions: ImportCommandOptions = {}): Promise<number> {
  const options = parseImportArgs(args, config);
  if (options === 'help') {
    output.out(IMPORT_USAGE);
    return 0;
  }
  const line = progressLine(commandOptions.progress ?? process.stderr, 'rows');
  // The file's bytes are read ahead of its rows: 99 % at most until the last row is in.
  const share = (p: ImportProgress) => (p.done === true ? 1 : p.totalBytes > 0 ? Math.min(0.99, p.bytesRead / p.totalBytes) : 0);
  const progress = line === undefined ? undefined : { update: (p: ImportProgress) => line.update(share(p), p.rows), clear: () => line.clear() };
  // Ctrl-C (or SIGTERM) stops the reading: the batch in hand is written and the summary says how far it got (exit 130);
  // a second signal ends the process at once (an open transaction is rolled back by the database).
  const interrupt = new AbortController();
  const onSignal = () => {
    if (interrupt.signal.aborted) process.exit(130);
    interrupt.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const report = (summary: ImportSummary): number => {
    progress?.clear();
    for (const line of formatSummary(summary)) output.out(line);
    return summary.interrupted ? 130 : summary.unreadFrom !== undefined ? 1 : 0;
  };

  try {
    if (options.dryRun === true) return report(await runImport(options, { onProgress: progress?.update, signal: interrupt.signal }));
    // A mistyped path is said before the database is opened: no SQLite file is made for an import that cannot start.
    csvFileSize(options.file);
    return await withMigratedDatabase(config, async (db) => {
      const projection = await commandProjection(db, config.kpi, Date.now());
      if (projection.note !== undefined) output.err(projection.note);
      return report(await runImport(options, { db, projection: projection.options, onProgress: progress?.update, signal: interrupt.signal }));
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    progress?.clear();
  }
}

/** Checks the words; throws UsageError naming the first bad one. */
export function parseImportArgs(args: readonly string[], config: Config): ImportOptions | 'help' {
  const parsed = parseCommandArgs('import', args, {
    source: { type: 'string' },
    preset: { type: 'string' },
    map: { type: 'string', multiple: true },
    timezone: { type: 'string' },
    'date-order': { type: 'string' },
    'dry-run': { type: 'boolean' },
    'batch-size': { type: 'string' },
    limit: { type: 'string' },
    delimiter: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  const { values, positionals } = parsed;
  if (values.help === true) return 'help';
  if (positionals.length === 0) throw new UsageError('import needs a file: kpibot import <file.csv> [options]; run "kpibot import --help"');
  if (positionals.length > 1) throw new UsageError(`import takes one file, got ${positionals.length}: ${positionals.map((word) => `"${word}"`).join(' ')}`);
  const file = positionals[0] as string;

  const source = values.source ?? values.preset ?? 'csv';
  if (!/^[a-z0-9][a-z0-9_-]{0,31}$/.test(source)) {
    throw new UsageError(`--source "${source}" must be 1-32 lower-case letters, digits, "-" or "_"`);
  }
  let preset: PresetName | undefined;
  if (values.preset !== undefined) {
    if (!isPresetName(values.preset)) throw new UsageError(`--preset "${values.preset}" is not one of ${PRESET_NAMES.join(', ')}`);
    preset = values.preset;
  } else if (isPresetName(source)) {
    preset = source;
  }

  const map: Partial<Record<ImportField, string>> = {};
  for (const entry of values.map ?? []) {
    const equals = entry.indexOf('=');
    const field = equals < 0 ? entry : entry.slice(0, equals).trim();
    const header = equals < 0 ? '' : entry.slice(equals + 1);
    if (equals < 0 || header === '') throw new UsageError(`--map "${entry}" must be field=Header, e.g. --map created_at="Created at"`);
    if (!isImportField(field)) throw new UsageError(`--map: unknown field "${field}"; fields are ${IMPORT_FIELDS.join(', ')}`);
    if (map[field] !== undefined) throw new UsageError(`--map gives ${field} twice`);
    map[field] = header;
  }

  const timeZone = values.timezone ?? config.kpi.timezone;
  if (!isValidTimeZone(timeZone)) throw new UsageError(`--timezone "${timeZone}" is not an IANA time zone (e.g. Asia/Jakarta, America/Sao_Paulo, UTC)`);
  const dateOrder = values['date-order'] ?? 'auto';
  if (!(DATE_ORDERS as readonly string[]).includes(dateOrder)) throw new UsageError(`--date-order "${dateOrder}" is not one of ${DATE_ORDERS.join(', ')}`);

  const delimiter = values.delimiter === undefined ? undefined : values.delimiter === 'tab' ? '\t' : values.delimiter;
  if (delimiter !== undefined && !(CSV_DELIMITERS as readonly string[]).includes(delimiter)) {
    throw new UsageError(`--delimiter "${values.delimiter}" is not one of ",", ";", tab, "|"`);
  }
  const batchSize = wholeNumber('--batch-size', values['batch-size'], 10_000);
  const limit = wholeNumber('--limit', values.limit, Number.MAX_SAFE_INTEGER);

  return {
    file,
    source,
    ...(preset === undefined ? {} : { preset }),
    map,
    timeZone,
    dateOrder: dateOrder as DateOrder,
    dryRun: values['dry-run'] === true,
    ...(batchSize === undefined ? {} : { batchSize }),
    ...(limit === undefined ? {} : { limit }),
    ...(delimiter === undefined ? {} : { delimiter: delimiter as CsvDelimiter }),
  };
}

function wholeNumber(option: string, text: string | undefined, max: number): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < 1 || value > max) throw new UsageError(`${option} must be a whole number from 1 to ${max}, got "${text}"`);
  return value;
}

