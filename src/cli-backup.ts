/**
 * `kpibot backup <file>`: a consistent copy of the SQLite database, taken while the bot runs (SQLite's
 * `VACUUM INTO`, which reads one snapshot beside the writer in WAL mode). A plain `cp` of a WAL database may
 * copy a file that misses its last commits, or one caught half-way through a checkpoint.
 *
 * Nothing half-written is left under the backup's name: the copy is made under a temporary name in the same
 * folder, checked (`PRAGMA quick_check`), synced to disk, then linked to its name, which never replaces a file
 * already there. The database is opened read-only and not migrated: a backup taken by a newer version before it
 * first starts is the database as the older version left it.
 */
import { closeSync, constants, copyFileSync, existsSync, fsyncSync, linkSync, openSync, statSync, unlinkSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Config } from './config.js';
import { DatabaseUnavailableError, UsageError } from './errors.js';
import { parseCommandArgs } from './cli-args.js';
import { copySqliteDatabase } from './store/backup.js';

type Output = { out: (line: string) => void; err: (line: string) => void };

export const BACKUP_USAGE = `Usage: kpibot backup <file>

Writes a consistent copy of the SQLite database (DATABASE_URL) to <file>, also while the bot runs.
A file already at <file> is never replaced. On PostgreSQL, use pg_dump (docs/operations.md).

To restore: stop the bot, remove the database file's -wal and -shm files beside it if any are left,
copy the backup over the database file, and start the bot.`;

export async function backupCommand(args: readonly string[], config: Config, output: Output): Promise<number> {
  const { positionals } = parseCommandArgs('backup', args, {});
  if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'backup needs the file to write: kpibot backup <file>' : `backup writes one file, got ${positionals.length}: ${positionals.join(' ')}`);
  const { database } = config;
  if (database.client !== 'sqlite') {
    throw new UsageError('backup copies a SQLite database; this one is PostgreSQL (DATABASE_URL): back it up with pg_dump, e.g. pg_dump --format=custom --file=kpibot.dump <database> (docs/operations.md)');
  }
  if (database.filename === ':memory:') throw new UsageError('the database is in memory (DATABASE_URL=sqlite::memory:): there is nothing on disk to back up');
  const source = resolve(database.filename);
  if (!existsSync(source)) throw new UsageError(`no database at ${database.filename} (DATABASE_URL): check the path`);
  const target = resolve(positionals[0]!);
  if (target === source) throw new UsageError(`${positionals[0]} is the database itself (DATABASE_URL): name another file`);
  if (existsSync(target)) throw new UsageError(`${positionals[0]} already exists: name a new file (a backup never replaces one)`);
  const folder = dirname(target);
  if (!existsSync(folder) || !statSync(folder).isDirectory()) throw new UsageError(`no folder ${dirname(positionals[0]!)} to write ${basename(target)} in`);

  const started = Date.now();
  // A short name (a long target name plus a suffix could pass the file system's 255 bytes).
  const partial = join(folder, `.kpibot-backup-${process.pid}.partial`);
  try {
    const tickets = await copySqliteDatabase(source, partial);
    syncFile(partial);
    try {
      linkSync(partial, target);
    } catch (error) {
      const { code } = error as NodeJS.ErrnoException;
      if (code === 'EEXIST') throw new UsageError(`${positionals[0]} appeared while the backup was made: name a new file`);
      // A file system without hard links (a FAT USB drive, many network shares): copied instead, never over a file.
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw error;
      try {
        copyFileSync(partial, target, constants.COPYFILE_EXCL);
      } catch (copyError) {
        if ((copyError as NodeJS.ErrnoException).code === 'EEXIST') throw new UsageError(`${positionals[0]} appeared while the backup was made: name a new file`);
        throw copyError;
      }
      syncFile(target);
    }
    syncFile(folder);
    const size = statSync(target).size;
    output.out(`backup: ${target} (${formatSize(size)}, ${tickets} tickets) written in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new DatabaseUnavailableError(new Error(`backup of ${database.filename} to ${positionals[0]} failed: ${describeSqlite(error)}`));
  } finally {
    if (existsSync(partial)) unlinkSync(partial);
  }
}

function syncFile(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function describeSqlite(error: unknown): string {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (code === 'SQLITE_NOTADB') return 'the database file is not a SQLite database';
  if (code === 'SQLITE_FULL' || (error as NodeJS.ErrnoException | null)?.code === 'ENOSPC') return 'the disk is full';
  return typeof message === 'string' ? message : String(error);
}

function formatSize(bytes: number): string {
  if (bytes < 1024 * 1024) return `${Math.max(1, Math.round(bytes / 1024))} KiB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}
