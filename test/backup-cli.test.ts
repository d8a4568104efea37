import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/store/database.js';
import { migrationStatus } from '../src/store/migrations.js';
import { createTestDatabase, TEST_ENGINE, type TestDatabase } from './helpers/databases.js';
import { runKpibot, runKpibotInBackground, startKpibot, type RunningKpibot } from './helpers/process.js';
import { GENERIC_SECRET, postWebhook, standardWebhookHeaders } from './helpers/webhooks.js';

/** `kpibot backup` copies SQLite files only, so it runs on SQLite on both engines' runs; on PostgreSQL it says to use pg_dump. */
describe('kpibot backup', () => {
  let dir: string | undefined;
  let running: RunningKpibot | undefined;
  let testDb: TestDatabase | undefined;
  afterEach(async () => {
    if (running !== undefined && running.child.exitCode === null) {
      running.child.kill('SIGTERM');
      await running.exited;
    }
    running = undefined;
    await testDb?.dispose();
    testDb = undefined;
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('copies the database of a running bot while webhooks are written: every delivery acknowledged before it is in the copy, which opens as a migrated database', async () => {
    dir = mkdtempSync(join(tmpdir(), 'kpibot-backup-'));
    const env = { DATABASE_URL: `sqlite:${join(dir, 'kpibot.sqlite')}`, GENERIC_WEBHOOK_SECRET: GENERIC_SECRET };
    running = await startKpibot(env);
    const bot = running;
    const acknowledged: string[] = [];
    const deliver = async (n: number) => {
      const body = JSON.stringify({ events: [{ type: 'ticket.created', id: `c-${n}`, occurred_at: '2026-10-01T08:00:00Z', actor: { type: 'customer', id: `u-${n}` }, ticket: { id: `B-${n}`, status: 'new' } }] });
      const res = await postWebhook(bot.url, 'generic', body, standardWebhookHeaders(body, `d-${n}`));
      expect(res.status).toBe(200);
      acknowledged.push(`B-${n}`);
    };
    for (let n = 0; n < 50; n += 1) await deliver(n);
    const before = [...acknowledged];
    // Webhooks keep coming while the copy is made.
    let writing = true;
    let next = 50;
    const writer = (async () => {
      while (writing) await deliver(next++);
    })();
    const backup = runKpibotInBackground(['backup', join(dir, 'copy.sqlite')], env);
    const result = await backup;
    writing = false;
    await writer;
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^backup: .*copy\.sqlite \(\d+(\.\d)? (KiB|MiB), \d+ tickets\) written in \d+\.\d s\n$/);
    const counted = Number(/, (\d+) tickets\)/.exec(result.stdout)?.[1]);

    const copy = openDatabase({ client: 'sqlite', filename: join(dir, 'copy.sqlite'), poolMax: 1 });
    try {
      const ids = new Set(((await copy('tickets').select('external_id')) as { external_id: string }[]).map((row) => row.external_id));
      expect(ids.size).toBe(counted);
      for (const id of before) expect(ids.has(id), id).toBe(true);
      // Every ticket in the copy was acknowledged: one snapshot, no delivery half in it.
      for (const id of ids) expect(acknowledged.includes(id), id).toBe(true);
      expect((await migrationStatus(copy)).pending).toEqual([]);
    } finally {
      await copy.destroy();
    }
    // Nothing left under a temporary name; the copy reports like the database.
    expect(readdirSync(dir).filter((name) => name.includes('partial'))).toEqual([]);
    const report = runKpibot(['report', 'volume', '--period', '2026-10-01..2026-10-01', '--json'], { DATABASE_URL: `sqlite:${join(dir, 'copy.sqlite')}` });
    expect(report.status).toBe(0);
    expect((JSON.parse(report.stdout) as { value: number }).value).toBe(counted);
  }, 60_000);

  it('never replaces a file, names what is wrong in one line, and leaves nothing behind when the copy fails', async () => {
    dir = mkdtempSync(join(tmpdir(), 'kpibot-backup-'));
    const database = join(dir, 'kpibot.sqlite');
    const env = { DATABASE_URL: `sqlite:${database}` };
    expect(runKpibot(['migrate'], env).status).toBe(0);
    writeFileSync(join(dir, 'taken.sqlite'), 'keep me');
    expect(runKpibot(['backup', join(dir, 'taken.sqlite')], env)).toMatchObject({ status: 2, stderr: `kpibot: ${join(dir, 'taken.sqlite')} already exists: name a new file (a backup never replaces one)\n` });
    expect(readFileSync(join(dir, 'taken.sqlite'), 'utf8')).toBe('keep me');
    expect(runKpibot(['backup', database], env)).toMatchObject({ status: 2, stderr: `kpibot: ${database} is the database itself (DATABASE_URL): name another file\n` });
    expect(runKpibot(['backup'], env)).toMatchObject({ status: 2, stderr: 'kpibot: backup needs the file to write: kpibot backup <file>\n' });
    expect(runKpibot(['backup', join(dir, 'no', 'such', 'x.sqlite')], env)).toMatchObject({ status: 2, stderr: `kpibot: no folder ${join(dir, 'no', 'such')} to write x.sqlite in\n` });
    expect(runKpibot(['backup', join(dir, 'x.sqlite')], { DATABASE_URL: `sqlite:${join(dir, 'missing.sqlite')}` })).toMatchObject({ status: 2, stderr: `kpibot: no database at ${join(dir, 'missing.sqlite')} (DATABASE_URL): check the path\n` });
    expect(readdirSync(dir)).not.toContain('missing.sqlite');
    // A file that is not a database: exit 1, and no copy or temporary file.
    writeFileSync(join(dir, 'text.sqlite'), 'not a database at all, but long enough to be read as a header by SQLite'.repeat(20));
    const failed = runKpibot(['backup', join(dir, 'out.sqlite')], { DATABASE_URL: `sqlite:${join(dir, 'text.sqlite')}` });
    expect(failed).toMatchObject({ status: 1, stderr: `kpibot: cannot use the database: backup of ${join(dir, 'text.sqlite')} to ${join(dir, 'out.sqlite')} failed: the database file is not a SQLite database\n` });
    expect(readdirSync(dir).filter((name) => name.startsWith('out') || name.includes('partial'))).toEqual([]);
    expect(runKpibot(['backup', '--help'], env).stdout).toContain('Usage: kpibot backup <file>');
  });

  it.runIf(TEST_ENGINE === 'postgres')('on PostgreSQL, points at pg_dump', async () => {
    testDb = await createTestDatabase();
    expect(runKpibot(['backup', 'x.sqlite'], { DATABASE_URL: testDb.url })).toMatchObject({
      status: 2,
      stderr: 'kpibot: backup copies a SQLite database; this one is PostgreSQL (DATABASE_URL): back it up with pg_dump, e.g. pg_dump --format=custom --file=kpibot.dump <database> (docs/operations.md)\n',
    });
  });
});
