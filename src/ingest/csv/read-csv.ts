/**
 * Streams a CSV file (gzip-compressed when its name ends in `.gz`) through
 * csv-parse, the RFC 4180 parser: quoted fields may hold commas, doubled quotes
 * and newlines. Yields the header, then each record with the line it starts on.
 * A record the parser cannot read (a stray quote) is reported through
 * `onMalformed` with its line, and reading goes on.
 */
import { createReadStream, statSync } from 'node:fs';
import { pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { parse, type CsvError } from 'csv-parse';
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
  if (error.code === 'CSV_QUOTE_NOT_CLOSED' || error.code === 'CSV_MAX_RECORD_SIZE') {
    return 'not valid CSV (a quoted field opened in this record never closes; the file was not read past it)';
  }
  return `not valid CSV (${error.message.replace(/ at line \d+.*$/, '')})`;
}

export function openCsv(path: string, onMalformed: (line: number, reason: string) => void): CsvInput {
  let totalBytes: number;
  try {
    const stat = statSync(path);
    if (!stat.isFile()) throw new UsageError(`"${path}" is not a file`);
    totalBytes = stat.size;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(code === 'ENOENT' ? `no such file "${path}"` : `cannot read "${path}" (${code ?? String(error)})`);
  }
  const file = createReadStream(path, { highWaterMark: 256 * 1024 });
  // One broken record can raise two errors (a stray quote, then an unclosed one at the end): report it once.
  let lastMalformed = -1;
  const parser = parse({
    bom: true,
    info: true,
    relax_column_count: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    // An unclosed quote would otherwise gather the rest of the file into one field, in memory.
    max_record_size: MAX_RECORD_CHARS,
    on_skip: (error: CsvError | undefined) => {
      const line = Number((error as (CsvError & { lines?: number }) | undefined)?.lines ?? 0);
      if (error !== undefined && line !== lastMalformed) onMalformed(line, describeCsvError(error));
      lastMalformed = line;
      return undefined;
    },
  });
  const stages: (NodeJS.ReadableStream | NodeJS.ReadWriteStream)[] = path.toLowerCase().endsWith('.gz') ? [file, createGunzip(), parser] : [file, parser];
  // Errors (a corrupt .gz) reach the reader through the parser, which pipeline destroys with them.
  pipeline(stages, () => undefined);

  async function* records(): AsyncGenerator<CsvRecord> {
    for await (const item of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      let newlines = 0;
      for (const cell of item.record) if (cell.includes('\n')) newlines += cell.split('\n').length - 1;
      yield { line: item.info.lines - newlines, cells: item.record };
    }
  }
  return { totalBytes, bytesRead: () => file.bytesRead, records: records() };
}
