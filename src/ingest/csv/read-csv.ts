/**
 * Streams a CSV file (gzip-compressed when its name ends in `.gz`) through
 * csv-parse, the RFC 4180 parser: quoted fields may hold commas, doubled quotes
 * and newlines; a stray quote is kept as a character. Yields the header, then
 * each record with the line it starts on. A record the parser cannot read (a
 * quoted field that never closes) is reported through `onMalformed` with the
 * line it starts on, and whether the reading can go on after it: past a quote
 * that never closes, or a record over MAX_RECORD_CHARS, the parser is out of
 * step with the file, and what it would read next is not the file's records.
 */
import { createReadStream, statSync } from 'node:fs';
import { pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { parse, type CsvError, type Options } from 'csv-parse';
import { UsageError } from '../../errors.js';

export interface CsvRecord {
  /** Line number (1-based, the header is line 1) where the record starts. */
  readonly line: number;
  readonly cells: readonly string[];
}

export interface CsvInput {
  /** Bytes of the file on disk (compressed size for .gz). */
  readonly totalBytes: number;
  /** Bytes of the file read so far. */
  bytesRead(): number;
  /** The records, header first. */
  readonly records: AsyncIterable<CsvRecord>;
}

const MAX_RECORD_CHARS = 4 * 1024 * 1024;

function describeCsvError(error: CsvError): string {
  if (error.code === 'CSV_QUOTE_NOT_CLOSED') return 'not valid CSV (a quoted field opened in this record never closes; the file was not read past it)';
  // Which it was, the parser cannot tell: it stops holding the record at the limit, closed quote or not.
  if (error.code === 'CSV_MAX_RECORD_SIZE') return 'not valid CSV (a record over 4 MiB: a field far longer than a ticket\'s, or a quoted field that never closes; the file was not read past it)';
  return `not valid CSV (${error.message.replace(/ at line \d+.*$/, '')})`;
}

/** What may separate columns: the comma, or the semicolon, tab or bar of spreadsheets saved where the comma is the decimal mark. */
export const CSV_DELIMITERS = [',', ';', '\t', '|'] as const;
export type CsvDelimiter = (typeof CSV_DELIMITERS)[number];

/** The parser's errors after which the rest of the file cannot be read in step. */
const FATAL_ERRORS = new Set(['CSV_QUOTE_NOT_CLOSED', 'CSV_MAX_RECORD_SIZE']);

/** The file's size; a UsageError naming the problem when it is not a file that can be read. */
export function csvFileSize(path: string): number {
  try {
    const stat = statSync(path);
    if (!stat.isFile()) throw new UsageError(`"${path}" is not a file`);
    return stat.size;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(code === 'ENOENT' ? `no such file "${path}"` : `cannot read "${path}" (${code ?? String(error)})`);
  }
}

export function openCsv(path: string, onMalformed: (line: number, reason: string, fatal: boolean) => void, delimiter: CsvDelimiter = ','): CsvInput {
  const totalBytes = csvFileSize(path);
  const file = createReadStream(path, { highWaterMark: 256 * 1024 });
  // Lines are counted here as an editor numbers them (csv-parse counts a CRLF inside a quoted field as two):
  // a record starts after the previous one's last line and the blank lines skipped since.
  let lastEnd = 0;
  let lastEmpty = 0;
  let lastMalformed = -1;
  const startOfNext = (emptyLines: number) => lastEnd + 1 + (emptyLines - lastEmpty);
  const parser = parse({
    bom: true,
    delimiter,
    info: true,
    relax_column_count: true,
    // A quote that neither opens nor closes a field (`ab"c`, `"stray "quote`) is kept as a character: the record is
    // read and its cells checked like any other, and the records after it are not thrown out of step.
    relax_quotes: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    // An unclosed quote would otherwise gather the rest of the file into one field, in memory.
    max_record_size: MAX_RECORD_CHARS,
    on_record: ({ record, info }: { record: string[]; info: { empty_lines: number } }): CsvRecord => {
      const line = startOfNext(info.empty_lines);
      lastEnd = line + lineBreaks(record);
      lastEmpty = info.empty_lines;
      return { line, cells: record };
    },
    on_skip: (error: (CsvError & { lines?: number; empty_lines?: number }) | undefined) => {
      if (error === undefined) return undefined;
      // Reported where the broken record starts; reading goes on after the line the parser stopped at.
      const line = startOfNext(error.empty_lines ?? lastEmpty);
      if (line !== lastMalformed) onMalformed(line, describeCsvError(error), FATAL_ERRORS.has(error.code));
      lastMalformed = line;
      lastEnd = Math.max(lastEnd, Number(error.lines ?? lastEnd));
      lastEmpty = error.empty_lines ?? lastEmpty;
      return undefined;
    },
    // csv-parse's types give on_record the bare record, though with `info` it receives { record, info }.
  } as unknown as Options);
  const stages: (NodeJS.ReadableStream | NodeJS.ReadWriteStream)[] = path.toLowerCase().endsWith('.gz') ? [file, createGunzip(), parser] : [file, parser];
  // Errors (a corrupt .gz) reach the reader through the parser, which pipeline destroys with them.
  pipeline(stages, () => undefined);

  return { totalBytes, bytesRead: () => file.bytesRead, records: parser as AsyncIterable<CsvRecord> };
}

/** Line breaks inside a record's quoted cells: CRLF, CR or LF, each one. */
function lineBreaks(cells: readonly string[]): number {
  let breaks = 0;
  for (const cell of cells) breaks += cell.match(/\r\n|\r|\n/g)?.length ?? 0;
  return breaks;
}
