import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestDatabase, holdWriteLock, TEST_ENGINE, type TestDatabase } from './helpers/databases.js';
import { KPIBOT, runKpibot } from './helpers/process.js';
import { spawn, spawnSync } from 'node:child_process';

const freshDir = () => mkdtempSync(join(tmpdir(), 'kpibot-cli-'));

describe('kpibot command line', () => {
  it('bad configuration: one line naming the variable, exit code 2, no stack trace', () => {
    const cases: [Record<string, string>, string][] = [
      [{ DATABASE_URL: 'mysql://localhost/x' }, 'kpibot: DATABASE_URL: unsupported database "mysql": use sqlite:<file> or postgres://...'],
      [{ PORT: 'abc' }, 'kpibot: PORT: must be a whole number, got "abc"'],
      [{ KPI_TIMEZONE: 'Asia/Jakart' }, 'kpibot: KPI_TIMEZONE: "Asia/Jakart" is not an IANA time zone (e.g. Asia/Jakarta, Europe/Istanbul, UTC)'],
      [{ SLACK_BOT_TOKEN: 'xoxb-1' }, 'kpibot: SLACK_BOT_TOKEN: needs SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (HTTP mode) beside it'],
    ];
    for (const [env, line] of cases) {
      const result = runKpibot(['start'], env, freshDir());
      expect(result.status).toBe(2);
      expect(result.stderr).toBe(`${line}\n`);
      expect(result.stdout).toBe('');
    }
  });

  it('kpibot import stopped with Ctrl-C writes the batch in hand, says how far it got and exits 130; run again, it finishes', async () => {
    const dir = freshDir();
    const file = join(dir, 'big.csv');
    writeFileSync(file, ['id,created_at,first_response_at', ...Array.from({ length: 40_000 }, (_, i) => `B-${i},2026-03-02 09:00,2026-03-02 10:00`), ''].join('\n'));
    const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DATABASE_URL: `sqlite:${join(dir, 'kpi.sqlite')}`, LOG_LEVEL: 'silent' };
    const child = spawn(process.execPath, [KPIBOT, 'import', file, '--batch-size', '500'], { env });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // Signalled once the first batches are in.
    const { default: sqlite3 } = await import('sqlite3');
    const ticketsIn = () =>
      new Promise<number>((resolve) => {
        if (!existsSync(join(dir, 'kpi.sqlite'))) return resolve(0);
        const reader = new sqlite3.Database(join(dir, 'kpi.sqlite'), sqlite3.OPEN_READONLY, (opened) => {
          if (opened !== null) return resolve(0);
          reader.get('select count(*) as n from tickets', (error: Error | null, row?: { n: number }) => reader.close(() => resolve(error === null ? (row?.n ?? 0) : 0)));
        });
      });
    const started = Date.now();
    while ((await ticketsIn()) < 1000) {
      if (Date.now() - started > 60_000) throw new Error('the import wrote nothing in 60 s');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    const done = Number(/interrupted after ([\d,]+) rows: those are in the database; run the same command again/.exec(stdout)?.[1]?.replaceAll(',', ''));
    expect(done).toBeGreaterThan(0);
    expect(done).toBeLessThan(40_000);
    const again = runKpibot(['import', file], env);
    expect(again.status).toBe(0);
    expect(again.stdout).toMatch(/^imported [\d,]+ new tickets, updated 0, unchanged [\d,]+, skipped 0 \(40,000 rows/m);
    const imported = Number(/^imported ([\d,]+) new tickets/m.exec(again.stdout)?.[1]?.replaceAll(',', ''));
    expect(imported).toBe(40_000 - done);
  }, 120_000);

  it('a command whose migration finds the file locked by another process says so with the busy line (run it again), exit 1', async () => {
    const dir = freshDir();
    const file = join(dir, 'kpi.sqlite');
    const lock = await holdWriteLock({ client: 'sqlite', filename: file, poolMax: 1 }, async (trx) => {
      await trx.schema.createTable('held', (table) => table.integer('n'));
      await trx('held').insert({ n: 1 });
    });
    try {
      const result = runKpibot(['sla', 'list'], { DATABASE_URL: `sqlite:${file}` }, dir);
      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(/^kpibot: the database stayed locked by another process .* run the command again\n$/);
    } finally {
      await lock.release();
    }
  }, 60_000);

  it('a SQLite path that cannot be opened (a folder) is named in the one line, with what to check', () => {
    const dir = freshDir();
    const folder = join(dir, 'kpi.sqlite');
    mkdirSync(folder);
    expect(runKpibot(['sla', 'list'], { DATABASE_URL: `sqlite:${folder}` }, dir)).toMatchObject({
      status: 1,
      stderr: `kpibot: cannot use the database: ${folder} cannot be opened (SQLITE_CANTOPEN): check that it is a file, and that this user may read and write it and its folder\n`,
    });
  });

  it('import of a file that is not there says so (exit 2) and makes no database', () => {
    const dir = freshDir();
    const result = runKpibot(['import', join(dir, 'exprot.csv')], { DATABASE_URL: `sqlite:${join(dir, 'kpi.sqlite')}` }, dir);
    expect(result).toMatchObject({ status: 2, stderr: `kpibot: no such file "${join(dir, 'exprot.csv')}"\n` });
    expect(existsSync(join(dir, 'kpi.sqlite'))).toBe(false);
  });

  it('import of a file it cannot read to its end (a quote that never closes) imports the rows before, says where it stopped, and exits 1', () => {
    const dir = freshDir();
    const file = join(dir, 'unclosed.csv');
    writeFileSync(file, 'id,created_at,subject\nU-1,2026-03-02 09:00,fine\nU-2,2026-03-02 09:00,"never closed\nU-3,2026-03-02 09:00,lost\n');
    const result = runKpibot(['import', file], { DATABASE_URL: `sqlite:${join(dir, 'kpi.sqlite')}` }, dir);
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/^imported 1 new ticket, /m);
    expect(result.stdout).toContain('error: the file was not read past line 3 (see above); the rows before it were imported.');
  });

  it('report and deliveries on a SQLite file that is not there say so (exit 2) and make no file: a mistyped path read as zeros', () => {
    const dir = freshDir();
    const file = join(dir, 'typo', 'kpi.sqlite');
    for (const command of [['report'], ['deliveries']]) {
      expect(runKpibot(command, { DATABASE_URL: `sqlite:${file}` }, dir)).toMatchObject({
        status: 2, stderr: `kpibot: no database at ${file} (DATABASE_URL): check the path; the bot makes the file when it first starts (npm start), as kpibot import and kpibot demo do\n`,
      });
    }
    expect(existsSync(join(dir, 'typo'))).toBe(false);
  });

  it('a port in use and a SQLite path through a file name the variable to change (exit 2)', async () => {
    const dir = freshDir();
    writeFileSync(join(dir, 'data'), 'not a folder');
    expect(runKpibot(['migrate'], { DATABASE_URL: `sqlite:${join(dir, 'data', 'kpi.sqlite')}` }, dir)).toMatchObject({
      status: 2, stderr: `kpibot: DATABASE_URL: cannot make the folder "${join(dir, 'data')}" for the SQLite file (EEXIST: a file is in the way)\n`,
    });
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as AddressInfo;
    try {
      const result = runKpibot(['start'], { PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'silent', DATABASE_URL: `sqlite:${join(dir, 'kpi.sqlite')}` }, dir);
      expect(result).toMatchObject({ status: 2, stderr: `kpibot: PORT: ${port} is already in use on 127.0.0.1 (another kpibot or another server); set PORT to a free port\n` });
    } finally {
      taken.close();
    }
  });

  it('a reader that closes the pipe early (| head -1) stops kpibot quietly, exit 0', () => {
    const dir = freshDir();
    // `true` closes the pipe at once, long before kpibot has started: its first write finds the pipe closed.
    const piped = spawnSync('bash', ['-c', `"${process.execPath}" "${KPIBOT}" help | true; echo "kpibot exit $\{PIPESTATUS[0]}" >&2`], { cwd: dir, encoding: 'utf8', env: { ...process.env, DATABASE_URL: `sqlite:${join(dir, 'k.sqlite')}` } });
    expect(piped.stderr).toBe('kpibot exit 0\n');
  });

  it('a bad value in .env is reported the same way', () => {
    const dir = freshDir();
    writeFileSync(join(dir, '.env'), 'LOG_LEVEL=loud\n');
    const result = runKpibot(['start'], {}, dir);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe('kpibot: LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent, got "loud"\n');
  });

  it('unknown commands and stray words: exit code 2 with a hint', () => {
    expect(runKpibot(['frobnicate'], {}, freshDir())).toMatchObject({ status: 2, stderr: 'kpibot: unknown command "frobnicate"; run "kpibot help" for the list\n' });
    expect(runKpibot(['migrate', 'sideways'], {}, freshDir())).toMatchObject({ status: 2, stderr: 'kpibot: unknown migrate action "sideways"; use latest, up, down, rollback or status\n' });
    expect(runKpibot(['migrate', 'latest', '--all'], {}, freshDir())).toMatchObject({ status: 2, stderr: 'kpibot: --all goes with "migrate rollback"\n' });
    expect(runKpibot(['start', 'now'], {}, freshDir())).toMatchObject({ status: 2, stderr: 'kpibot: unexpected word "now"; "kpibot start --help" shows the options\n' });
  });

  it('an unreachable database: one line, exit code 1', () => {
    const result = runKpibot(['start'], { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none', LOG_LEVEL: 'silent' }, freshDir());
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^kpibot: cannot use the database: .*ECONNREFUSED.*\n$/);
    expect(result.stderr.split('\n')).toHaveLength(2);
  });

  it('a SQLite file that is not a database: one line naming it from every command, the file left as it was', () => {
    const dir = freshDir();
    const file = join(dir, 'tickets.sqlite');
    const text = 'id,created_at\n1,2026-11-01\n'.repeat(200);
    writeFileSync(file, text);
    for (const command of [['report'], ['migrate'], ['sla', 'list'], ['goals'], ['deliveries'], ['start']]) {
      // At the default log level: knex's own log of the failure, with its stack, is not a second line.
      const result = runKpibot(command, { DATABASE_URL: `sqlite:${file}` }, dir);
      expect(result.status, command.join(' ')).not.toBe(0);
      // It used to end the process with an unhandled 'error' event and a Node trace.
      expect(result.stderr.split('\n').filter((line) => !line.startsWith('{"level":"info"')).join('\n'), command.join(' ')).toMatch(/^kpibot: (cannot use the database: )?SQLITE_NOTADB: file is not a database\n$/);
    }
    expect(readFileSync(file, 'utf8')).toBe(text);
  });

  it('help lists the commands; config hides secrets', () => {
    const help = runKpibot(['help'], {}, freshDir());
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('migrate rollback [--all] --yes');
    const config = runKpibot(['config'], { SLACK_BOT_TOKEN: 'xoxb-very-secret', SLACK_APP_TOKEN: 'xapp-also-secret' }, freshDir());
    expect(config.status).toBe(0);
    expect(JSON.parse(config.stdout)).toMatchObject({ slack: { mode: 'socket', botToken: '(set)', appToken: '(set)' } });
    expect(config.stdout).not.toContain('secret');
    // A command's --help: its own usage lines, not a parse error.
    expect(runKpibot(['migrate', '--help'], {}, freshDir())).toMatchObject({ status: 0, stdout: expect.stringContaining('  migrate status ') });
    const report = runKpibot(['report', 'frt', '-h'], {}, freshDir());
    expect(report).toMatchObject({ status: 0, stderr: '' });
    expect(report.stdout).toContain('  kpibot report [metric] [--period P]');
    expect(report.stdout).toMatch(/metric +summary, volume, .*, selfservice, agents/);
    expect(report.stdout).toContain('last-quarter');
    expect(report.stdout).not.toContain('migrate');
    // alerts has a usage of its own; the list says so, and says version.
    expect(runKpibot(['alerts', '--help'], {}, freshDir())).toMatchObject({ status: 0, stdout: expect.stringContaining('kpibot alerts quiet <channel id> <HH:MM> <HH:MM>') });
    expect(help.stdout).toContain('kpibot alerts --help for details');
    expect(help.stdout).toMatch(/\n {2}version +Print/);
    expect(runKpibot(['frobnicate', '--help'], {}, freshDir())).toMatchObject({ status: 2 });
  });

  it('a mistyped option or a stray word: one short line that names it and points at --help', () => {
    expect(runKpibot(['report', '--bogus'], {}, freshDir())).toMatchObject({ status: 2, stderr: 'kpibot: unknown option "--bogus"; "kpibot report --help" shows the options\n' });
    expect(runKpibot(['report', '--perod', '7d'], {}, freshDir())).toMatchObject({ status: 2, stderr: 'kpibot: unknown option "--perod" (did you mean "--period"?); "kpibot report --help" shows the options\n' });
    expect(runKpibot(['report', 'frt', '--period'], {}, freshDir())).toMatchObject({ status: 2, stderr: expect.stringMatching(/^kpibot: --period needs a value;/) });
    expect(runKpibot(['report', 'frt', '--json=yes'], {}, freshDir())).toMatchObject({ status: 2, stderr: expect.stringMatching(/^kpibot: --json takes no value;/) });
    expect(runKpibot(['report', 'frt', '7d'], {}, freshDir())).toMatchObject({ status: 2, stderr: 'kpibot: report takes one metric, got "frt 7d"; for a period, say --period 7d\n' });
    expect(runKpibot(['version', 'extra'], {}, freshDir())).toMatchObject({ status: 2, stderr: 'kpibot: "version" takes no arguments, got "extra"\n' });
    expect(runKpibot(['deliveries', 'extra'], {}, freshDir())).toMatchObject({ status: 2, stderr: 'kpibot: unexpected word "extra"; "kpibot deliveries --help" shows the options\n' });
    expect(runKpibot(['import', 'x.csv', '--dryrun'], {}, freshDir())).toMatchObject({ status: 2, stderr: expect.stringMatching(/^kpibot: unknown option "--dryrun" \(did you mean "--dry-run"\?\);/) });
    expect(runKpibot(['sla', 'add', 'x', '--priorty', 'high'], {}, freshDir())).toMatchObject({ status: 2, stderr: 'kpibot: unknown option "--priorty" (did you mean "--priority"?); "kpibot sla --help" shows the options\n' });
    expect(runKpibot(['start', '--dem'], {}, freshDir())).toMatchObject({ status: 2, stderr: 'kpibot: unknown option "--dem" (did you mean "--demo"?); "kpibot start --help" shows the options\n' });
    expect(runKpibot(['alerts', 'lst'], {}, freshDir())).toMatchObject({ status: 2, stderr: 'kpibot: unknown alerts action "lst" (did you mean "list"?); use team, quiet, list or remove ("kpibot alerts --help" shows the words of each)\n' });
    expect(runKpibot(['reprot'], {}, freshDir())).toMatchObject({ status: 2, stderr: 'kpibot: unknown command "reprot" (did you mean "report"?); run "kpibot help" for the list\n' });
    const version = runKpibot(['--version'], {}, freshDir());
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(version.stdout).toBe(`${pkg.version}\n`);
    // Fifteen kpibot processes one after another: slow beside other test files on two cores.
  }, 90_000);

  it('an option given twice, a negative value, a priority or a sort column that is not one: one line naming it', () => {
    const help = (command: string) => `; "kpibot ${command} --help" shows the options\n`;
    expect(runKpibot(['report', 'frt', '--period', '7d', '--period', '30d'], {}, freshDir())).toMatchObject({ status: 2, stderr: `kpibot: --period is given twice${help('report')}` });
    // A negative number is the option's value, refused by the option's own check, not "needs a value".
    expect(runKpibot(['deliveries', '--limit', '-1'], {}, freshDir())).toMatchObject({ status: 2, stderr: 'kpibot: --limit must be a whole number from 1 to 10000\n' });
    expect(runKpibot(['report', 'frt', '--filter', 'priority=hgh'], {}, freshDir())).toMatchObject({
      status: 2, stderr: 'kpibot: unknown priority "hgh"; did you mean "high"? (priorities: low, normal, high, urgent)\n',
    });
    expect(runKpibot(['report', 'agents', '--sort', 'frtmedain'], {}, freshDir())).toMatchObject({
      status: 2, stderr: expect.stringMatching(/^kpibot: --sort "frtmedain" is not a column \(did you mean "frtMedian"\?\); columns: solved, frtMedian,/),
    });
  });

  describe(`migrate on ${TEST_ENGINE}`, () => {
    let testDb: TestDatabase | undefined;
    afterEach(async () => {
      await testDb?.dispose();
      testDb = undefined;
    });

    it('status, latest, down, up, rollback --all', async () => {
      testDb = await createTestDatabase();
      const env = { DATABASE_URL: testDb.url };
      const run = (...args: string[]) => {
        const result = runKpibot(['migrate', ...args], env);
        expect(result.stderr).toBe('');
        expect(result.status).toBe(0);
        return result.stdout.trim().split('\n');
      };
      // Every file in migrations/, the newest last.
      const names = readdirSync(new URL('../migrations/', import.meta.url)).filter((file) => file.endsWith('.ts')).map((file) => file.replace(/\.ts$/, '')).sort();
      const newest = names.at(-1) ?? '';
      expect(run('status').at(-1)).toBe(`0 applied, ${names.length} pending`);
      expect(run()[0]).toMatch(new RegExp(`^applied ${names.length}: 20261122000001_deliveries_and_event_log, `));
      expect(run('latest')).toEqual(['already up to date']);
      expect(run('down')).toEqual([`rolled back ${newest}`]);
      expect(run('status')).toContain(`pending  ${newest}`);
      expect(run('up')).toEqual([`applied ${newest}`]);
      // Rolling back drops tables and their data: refused without --yes, nothing undone.
      expect(runKpibot(['migrate', 'rollback', '--all'], env)).toMatchObject({ status: 2, stderr: expect.stringMatching(/^kpibot: "migrate rollback" undoes .* all the data in them; .* Add --yes to roll back anyway\n$/) });
      expect(run('status').at(-1)).toBe(`${names.length} applied, 0 pending`);
      expect(run('rollback', '--all', '--yes')[0]).toMatch(new RegExp(`^rolled back ${names.length}: ${newest}, `));
      expect(run('rollback')).toEqual(['nothing to roll back']);
      // Eight kpibot processes, two of them running all the migrations: slow beside other test files on two cores.
    }, 90_000);
  });
});
