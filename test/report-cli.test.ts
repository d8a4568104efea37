import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/store/database.js';
import { IngestStore } from '../src/store/ingest-store.js';
import type { NormalizedEvent } from '../src/ingest/events.js';
import { createTestDatabase, TEST_ENGINE, type TestDatabase } from './helpers/databases.js';
import { runKpibot } from './helpers/process.js';
import { metricLines, metricsCsv } from '../src/cli-report.js';
import type { MetricResult } from '../src/kpi/metrics.js';

const H = 3_600_000;
const NOW = Date.now();

/** A fresh migrated database holding these events (from the generic source). */
async function databaseWith(events: readonly NormalizedEvent[]): Promise<TestDatabase> {
  const testDb = await createTestDatabase({ migrated: true });
  const db = openDatabase(testDb.config);
  await new IngestStore(db, { escalationGroups: [], escalationTag: 'escalated' }).recordEvents('generic', [...events]);
  await db.destroy();
  return testDb;
}

describe(`kpibot report on ${TEST_ENGINE}`, () => {
  let testDb: TestDatabase;
  beforeAll(async () => {
    const events: NormalizedEvent[] = [];
    // Three tickets created 2 days ago, answered after 1, 2 and 6 hours; Billing has two of them.
    [1, 2, 6].forEach((hours, i) => {
      const created = NOW - 48 * H + i * H;
      events.push({ kind: 'ticket', type: 'ticket_created', externalTicketId: `R-${i}`, occurredAt: created, actor: { type: 'customer', id: 'c' }, data: { status: 'open', team: i < 2 ? 'Billing' : 'Sales', assignee: { type: 'agent', id: 'a1', email: 'ayu@example.com', name: 'Ayu' } }, dedupeKey: `c${i}` });
      events.push({ kind: 'ticket', type: 'agent_reply', externalTicketId: `R-${i}`, occurredAt: created + hours * H, actor: { type: 'agent', id: 'a1', email: 'ayu@example.com', name: 'Ayu' }, data: {}, dedupeKey: `r${i}` });
    });
    testDb = await databaseWith(events);
  });
  afterAll(() => testDb.dispose());

  it.runIf(TEST_ENGINE === 'sqlite')('answers while another process holds the write lock (a long import): a database already up to date is only read', async () => {
    const { default: sqlite3 } = await import('sqlite3');
    const filename = testDb.config.client === 'sqlite' ? testDb.config.filename : '';
    const holder = await new Promise<InstanceType<typeof sqlite3.Database>>((resolve, reject) => {
      const connection = new sqlite3.Database(filename, (error) => (error === null ? resolve(connection) : reject(error)));
    });
    const exec = (sql: string) => new Promise<void>((resolve, reject) => holder.exec(sql, (error) => (error === null ? resolve() : reject(error))));
    await exec('BEGIN IMMEDIATE');
    try {
      const started = Date.now();
      const result = runKpibot(['report', 'volume', '--period', '7d', '--json'], { DATABASE_URL: testDb.url });
      expect(result.stderr).toBe('');
      expect(JSON.parse(result.stdout)).toMatchObject({ metric: 'volume', n: 3 });
      // Not after waiting out the 5 s busy timeout for the migration lock.
      expect(Date.now() - started).toBeLessThan(4500);
    } finally {
      await exec('ROLLBACK');
      await new Promise<void>((resolve) => holder.close(() => resolve()));
    }
  }, 30_000);

  it('--json gives the stable shape: durations in seconds, value, n, previous, change, details', () => {
    const result = runKpibot(['report', 'frt', '--period', '7d', '--json'], { DATABASE_URL: testDb.url });
    expect(result.stderr).toBe('');
    const json = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(json).toMatchObject({ metric: 'frt', unit: 'seconds', value: 7200, n: 3, previous: { value: null, n: 0 }, change: null, period: { timezone: 'UTC' } });
    expect(Object.keys(json).sort()).toEqual(['change', 'details', 'metric', 'n', 'period', 'previous', 'trend', 'unit', 'value']);
  });

  it('filters and the summary', () => {
    const billing = JSON.parse(runKpibot(['report', 'frt', '--filter', 'team=billing', '--json'], { DATABASE_URL: testDb.url }).stdout) as { value: number; n: number };
    // The text's first line says what the numbers cover: period, zone, filters.
    expect(runKpibot(['report', 'frt', '--filter', 'team=billing', '--filter', 'channel=email'], { DATABASE_URL: testDb.url }).stdout).toMatch(/^First response time · .* \(UTC\) · team=billing, channel=email\n/);
    expect(runKpibot(['report', 'agents', '--timezone', 'Asia/Jakarta'], { DATABASE_URL: testDb.url }).stdout).toMatch(/^Agents · .* \(Asia\/Jakarta\)\n/);
    expect(billing).toMatchObject({ value: 5400, n: 2 });
    // A filter that matches no ticket is said on stderr, with the closest name; the numbers stay on stdout.
    const typo = runKpibot(['report', 'frt', '--filter', 'team=biling', '--filter', 'agent=ayu', '--json'], { DATABASE_URL: testDb.url });
    expect(typo).toMatchObject({ status: 0, stderr: 'kpibot: note: no ticket matches team=biling (did you mean "Billing"?)\n' });
    expect(JSON.parse(typo.stdout)).toMatchObject({ value: null, n: 0 });
    const summary = JSON.parse(runKpibot(['report', 'summary', '--json'], { DATABASE_URL: testDb.url }).stdout) as { metrics: { metric: string; value: number | null }[] };
    expect(summary.metrics.map((m) => m.metric)).toEqual(['volume', 'backlog', 'frt', 'resolution', 'overdue', 'escalations', 'csat', 'fcr']);
    expect(summary.metrics[0]?.value).toBe(3);
  });

  it('reads as a table, with durations as people say them', () => {
    const text = runKpibot(['report', 'frt', '--timezone', 'Asia/Jakarta'], { DATABASE_URL: testDb.url });
    expect(text.stdout).toMatch(/^First response time · .* \(Asia\/Jakarta\)\n {2}2 h {3}\(n = 3\)/);
    const agents = runKpibot(['report', 'agents', '--sort', 'frtMedian'], { DATABASE_URL: testDb.url });
    expect(agents.stdout).toContain('Ayu');
    expect(agents.stdout).toMatch(/Open now +Overdue now/); // counted now, whatever the period
    // The short word Slack's sort: takes is a column name here too.
    // (the heading names the period's end, to the minute: the table under it is compared)
    const table = (stdout: string) => stdout.split('\n').slice(1).join('\n');
    expect(table(runKpibot(['report', 'agents', '--sort', 'frt'], { DATABASE_URL: testDb.url }).stdout)).toBe(table(agents.stdout));
    expect(runKpibot(['report', 'agents', '--sort', 'constructor'], { DATABASE_URL: testDb.url })).toMatchObject({ status: 2, stdout: '' });
    expect(runKpibot(['report', 'agents', '--sort', 'speed'], { DATABASE_URL: testDb.url }).stderr).toContain('columns: solved, frtMedian, resolutionMedian, csat, fcr, aht, openAssigned, overdue (or solved, frt, resolution, csat, fcr, aht, open, overdue)');
  });

  it('--by splits one metric: a table, the stable JSON shape, CSV rows; each row the metric with its filter added', () => {
    const env = { DATABASE_URL: testDb.url };
    const text = runKpibot(['report', 'frt', '--period', '7d', '--by', 'team'], env);
    expect(text).toMatchObject({ status: 0, stderr: '' });
    expect(text.stdout).toMatch(/^First response time by team · .* \(UTC\)\n {2}whole period: 2 h {3}\(n = 3\)\n/);
    expect(text.stdout).toMatch(/ {2}Sales +6 h +1 +no data\n {2}Billing +1 h 30 min +2 +no data\n/);
    const json = JSON.parse(runKpibot(['report', 'frt', '--period', '7d', '--by', 'team', '--json'], env).stdout) as { rows: { key: string; value: number; n: number }[] } & Record<string, unknown>;
    expect(Object.keys(json).sort()).toEqual(['by', 'metric', 'more', 'overall', 'period', 'rows', 'unit', 'without']);
    expect(json.rows.map((row) => [row.key, row.value, row.n])).toEqual([['Sales', 21600, 1], ['Billing', 5400, 2]]);
    const billing = JSON.parse(runKpibot(['report', 'frt', '--period', '7d', '--filter', 'team=Billing', '--json'], env).stdout) as { value: number; n: number };
    expect(json.rows[1]).toMatchObject({ value: billing.value, n: billing.n });
    const csv = runKpibot(['report', 'volume', '--period', '7d', '--by', 'agent', '--csv'], env).stdout.trimEnd().split('\n');
    expect(csv[0]).toBe('metric,by,key,from,to,timezone,partial,value,unit,n,previous_value,previous_n,change_percent,trend,name,source,goal_target,goal_direction,goal_met');
    expect(csv).toHaveLength(2);
    const cells = (csv[1] ?? '').split(',');
    expect([0, 1, 2, 7, 8, 9, 14].map((index) => cells[index])).toEqual(['volume', 'agent', 'ayu@example.com', '3', 'count', '3', 'Ayu']);
    const days = runKpibot(['report', 'volume', '--period', '7d', '--by', 'day', '--json'], env);
    expect((JSON.parse(days.stdout) as { rows: unknown[] }).rows).toHaveLength(7);
    // --all: every value of a field (here two teams, as the ten most active are); refused with a time split or none.
    const all = JSON.parse(runKpibot(['report', 'frt', '--period', '7d', '--by', 'team', '--all', '--json'], env).stdout) as typeof json;
    expect(all.rows.map((row) => [row.key, row.value, row.n])).toEqual([['Sales', 21600, 1], ['Billing', 5400, 2]]);
    expect(all.more).toBe(0);
    for (const words of [['--by', 'day', '--all'], ['--all']]) {
      expect(runKpibot(['report', 'volume', ...words], env)).toMatchObject({ status: 2, stderr: 'kpibot: --all goes with --by team, agent, priority, channel or source\n' });
    }
  });

  it('goals: kpibot goals sets them, and report judges each number by the goal that applies (text, JSON, CSV, --by)', () => {
    const env = { DATABASE_URL: testDb.url };
    expect(runKpibot(['goals', 'set', 'frt', '90m'], env)).toMatchObject({ status: 0, stdout: 'goal set: frt (all tickets): at most 1 h 30 min\n' });
    expect(runKpibot(['goals', 'set', 'frt', '2', 'hours', '--filter', 'team=billing'], env)).toMatchObject({ status: 0, stdout: 'goal set: frt (team=billing): at most 2 h\n' });
    expect(runKpibot(['goals'], env).stdout).toBe('frt (all tickets): at most 1 h 30 min\nfrt (team=billing): at most 2 h\n');
    expect(JSON.parse(runKpibot(['goals', 'list', '--json'], env).stdout)).toEqual({ goals: [{ metric: 'frt', filters: {}, target: 5400, direction: 'at_most' }, { metric: 'frt', filters: { team: 'billing' }, target: 7200, direction: 'at_most' }] });
    // Replies of 1, 2 and 6 hours: median 2 h, 30 min over the workspace goal; Billing's 1 h and 2 h: median 1 h 30 min, within its own.
    const json = JSON.parse(runKpibot(['report', 'frt', '--json'], env).stdout) as Record<string, unknown>;
    expect(json.goal).toEqual({ target: 5400, direction: 'at_most', filters: {}, met: false, gap: 1800 });
    expect(JSON.parse(runKpibot(['report', 'frt', '--filter', 'team=Billing', '--json'], env).stdout)).toMatchObject({ value: 5400, goal: { target: 7200, filters: { team: 'billing' }, met: true, gap: 0 } });
    expect(runKpibot(['report', 'frt'], env).stdout).toContain('\n  goal: at most 1 h 30 min: missed by 30 min\n');
    expect(runKpibot(['report', 'frt', '--filter', 'team=Sales'], env).stdout).toContain('\n  goal: at most 1 h 30 min (goal of all tickets): missed by 4 h 30 min\n');
    const split = runKpibot(['report', 'frt', '--by', 'team'], env).stdout;
    expect(split).toMatch(/Billing +1 h 30 min +2 .*at most 2 h: met/);
    expect(split).toMatch(/Sales +6 h +1 .*at most 1 h 30 min \(goal of all tickets\): missed by 4 h 30 min/);
    const csv = runKpibot(['report', 'frt', '--by', 'team', '--csv'], env).stdout.split('\n');
    expect(csv[0]).toMatch(/,goal_target,goal_direction,goal_met$/);
    expect(csv.find((line) => line.startsWith('frt,team,Billing,'))).toMatch(/,7200,at_most,yes$/);
  }, 90_000);

  // The three goal tests go on from each other's goals; each starts about a dozen kpibot processes, each its own Node
  // start (one test of all 32 took 104 s on PostgreSQL beside a loaded full run).
  it('goals: the agents table and the summary are judged by them too; a key given twice is refused', () => {
    const env = { DATABASE_URL: testDb.url };
    // The agents table: each column judged by its metric's goal, as `report frt --filter agent=…` would be.
    expect(runKpibot(['report', 'agents'], env).stdout).toMatch(/Ayu +0 +2 h ! \+30 min +- .*\n {2}! misses its goal: frt at most 1 h 30 min\n$/);
    // With the table filtered by team, the all-tickets goal says its scope.
    expect(runKpibot(['report', 'agents', '--filter', 'team=Sales'], env).stdout).toContain('! misses its goal: frt at most 1 h 30 min (goal of all tickets)\n');
    // A duration goal reads as it was set, to the second; a key given twice is refused.
    expect(runKpibot(['goals', 'set', 'aht', '90s'], env).stdout).toBe('goal set: aht (all tickets): at most 1 min 30 s\n');
    expect(runKpibot(['goals', 'remove', 'aht'], env).status).toBe(0);
    expect(runKpibot(['goals', 'set', 'fcr', '70', '--filter', 'team=a', '--filter', 'team=b'], env)).toMatchObject({ status: 2, stderr: 'kpibot: --filter names team twice ("team=a" and "team=b"): a ticket has one team: keep one, or run the command once for each\n' });
    // A report too: the last value used to win silently, reporting on team b alone under a heading that named only it.
    expect(runKpibot(['report', 'frt', '--filter', 'team=billing', '--filter', 'team=Technical'], env)).toMatchObject({ status: 2, stdout: '', stderr: 'kpibot: --filter names team twice ("team=billing" and "team=Technical"): a ticket has one team: keep one, or run the command once for each\n' });
    const agents = JSON.parse(runKpibot(['report', 'agents', '--json'], env).stdout) as { rows: { goals?: unknown }[] };
    expect(agents.rows[0]?.goals).toEqual({ frtMedian: { target: 5400, direction: 'at_most', filters: {}, met: false, gap: 1800 } });
    expect(runKpibot(['report', 'agents', '--csv'], env).stdout.split('\n')[1]).toMatch(/,UTC,frt$/);
    const summary = JSON.parse(runKpibot(['report', 'summary', '--json'], env).stdout) as { metrics: { metric: string; goal?: unknown }[] };
    expect(summary.metrics.filter((m) => m.goal !== undefined).map((m) => m.metric)).toEqual(['frt']);
    expect(runKpibot(['report', 'summary'], env).stdout).toMatch(/First response time .*at most 1 h 30 min: missed by 30 min/);
  }, 90_000);

  it('goals: refusals say the problem in one line and change nothing; removed goals leave reports unjudged', () => {
    const env = { DATABASE_URL: testDb.url };
    // Refusals: one line naming the problem, exit code 2, nothing changed.
    expect(runKpibot(['goals', 'set', 'volume', '5'], env)).toMatchObject({ status: 2, stderr: 'kpibot: volume cannot have a goal: neither more nor fewer is better\n' });
    expect(runKpibot(['goals', 'set', 'frt', 'soon'], env)).toMatchObject({ status: 2, stderr: 'kpibot: "soon" is not a value of frt: give it as 1h, 30m or 90s\n' });
    expect(runKpibot(['goals', 'set', 'csat', '101'], env)).toMatchObject({ status: 2, stderr: 'kpibot: csat runs from 0 to 100: 101 is not a goal it can take\n' });
    expect(runKpibot(['goals', 'set', 'frt', '1h', '--filter', 'agent=ayu'], env).status).toBe(2);
    expect(runKpibot(['goals', 'remove', 'frt', '--filter', 'team=sales'], env)).toMatchObject({ status: 2, stderr: 'kpibot: there is no goal for frt (team=sales); "kpibot goals" lists them\n' });
    expect(runKpibot(['goals', 'remove', 'frt', '--filter', 'team=BILLING'], env)).toMatchObject({ status: 0, stdout: 'goal removed: frt (team=BILLING)\n' });
    expect(runKpibot(['goals', 'remove', 'frt'], env).status).toBe(0);
    expect(runKpibot(['goals', 'list'], env).stdout).toBe('no goals; set one with: kpibot goals set frt 1h\n');
    // A negative value is a value, not an option; the same value again changes nothing.
    expect(runKpibot(['goals', 'set', 'nps', '-10'], env)).toMatchObject({ status: 0, stdout: 'goal set: nps (all tickets): at least -10.0\n' });
    expect(runKpibot(['goals', 'set', 'nps', '-10.0'], env)).toMatchObject({ status: 0, stdout: 'goal unchanged: nps (all tickets): at least -10.0\n' });
    expect(runKpibot(['goals', 'set', 'backlog', '1,500'], env)).toMatchObject({ status: 2, stderr: 'kpibot: "1,500" is not a value of backlog: give it as a whole number such as 50\n' });
    expect(runKpibot(['goals', 'remove', 'nps'], env).status).toBe(0);
    expect(JSON.parse(runKpibot(['report', 'frt', '--json'], env).stdout)).not.toHaveProperty('goal');
  }, 90_000);

  it('--by refused where it cannot split: one line, exit code 2', () => {
    const env = { DATABASE_URL: testDb.url };
    expect(runKpibot(['report', 'frt', '--by', 'teem'], env)).toMatchObject({ status: 2, stderr: 'kpibot: cannot split by "teem"; did you mean "team"? (by: team, agent, priority, channel, source, day, week, month)\n' });
    expect(runKpibot(['report', 'summary', '--by', 'team'], env)).toMatchObject({ status: 2, stderr: 'kpibot: --by goes with one metric, not summary\n' });
    expect(runKpibot(['report', 'churn', '--by', 'team'], env)).toMatchObject({ status: 2, stderr: 'kpibot: --by team does not apply to churn: it counts customers; --by day, week or month do\n' });
    expect(runKpibot(['report', 'frt', '--period', '90d', '--by', 'day'], env)).toMatchObject({ status: 2, stderr: 'kpibot: --by day would give more than 62 rows; try --by week or a shorter --period\n' });
    expect(runKpibot(['report', 'frt', '--period', '3660d', '--by', 'month'], env)).toMatchObject({ status: 2, stderr: 'kpibot: --by month would give more than 62 rows; try a shorter --period\n' });
    expect(runKpibot(['report', 'frt', '--by', 'team', '--filter', 'team=Sales'], env)).toMatchObject({ status: 2, stderr: 'kpibot: --by team and --filter team=Sales both choose the team: keep one\n' });
  });

  it('bad words: one line and exit code 2, with a suggestion', () => {
    expect(runKpibot(['report', 'backlgo'], { DATABASE_URL: testDb.url })).toMatchObject({ status: 2, stderr: expect.stringMatching(/^kpibot: unknown metric "backlgo"; did you mean "backlog"\?/) });
    expect(runKpibot(['report', 'frt', '--filter', 'teem=x'], { DATABASE_URL: testDb.url })).toMatchObject({ status: 2, stderr: expect.stringMatching(/did you mean "team"/) });
    expect(runKpibot(['report', 'frt', '--period', 'fortnight'], { DATABASE_URL: testDb.url })).toMatchObject({ status: 2 });
    expect(runKpibot(['report', 'frt', '--period', 'last-mnth'], { DATABASE_URL: testDb.url })).toMatchObject({ status: 2, stderr: 'kpibot: period "last-mnth" is not a period (did you mean "last-month"?); "kpibot report --help" lists them\n' });
    expect(runKpibot(['report', 'frt', '--timezone', 'Mars/Base'], { DATABASE_URL: testDb.url })).toMatchObject({ status: 2 });
    expect(runKpibot(['report', 'churn', '--filter', 'team=Billing'], { DATABASE_URL: testDb.url })).toMatchObject({ status: 2, stderr: 'kpibot: --filter does not apply to churn: it counts customers, which ticket filters cannot narrow\n' });
    expect(runKpibot(['report', 'selfservice', '--filter', 'team=Billing'], { DATABASE_URL: testDb.url })).toMatchObject({ status: 2, stderr: 'kpibot: --filter does not apply to selfservice: it counts help-centre sessions, which ticket filters cannot narrow\n' });
  });
});

describe(`kpibot report --csv on ${TEST_ENGINE}`, () => {
  let testDb: TestDatabase;
  beforeAll(async () => {
    // Two agents, one of them named like a spreadsheet formula; each answered one ticket (after 1 h and 3 h) and solved it.
    const agents = [{ type: 'agent' as const, id: 'a1', email: 'ayu@example.com', name: 'Ayu, Senior' }, { type: 'agent' as const, id: 'a2', email: 'x@example.com', name: '=HYPERLINK("http://evil.invalid","x")' }];
    const events: NormalizedEvent[] = [];
    agents.forEach((agent, i) => {
      const created = NOW - 48 * H;
      events.push({ kind: 'ticket', type: 'ticket_created', externalTicketId: `C-${i}`, occurredAt: created, actor: { type: 'customer', id: 'c' }, data: { status: 'open', assignee: agent }, dedupeKey: `c${i}` });
      events.push({ kind: 'ticket', type: 'agent_reply', externalTicketId: `C-${i}`, occurredAt: created + (1 + 2 * i) * H, actor: agent, data: {}, dedupeKey: `r${i}` });
      events.push({ kind: 'ticket', type: 'status_changed', externalTicketId: `C-${i}`, occurredAt: created + 5 * H, actor: agent, data: { status: 'solved' }, dedupeKey: `s${i}` });
    });
    testDb = await databaseWith(events);
  });
  afterAll(() => testDb.dispose());

  const csvLines = (stdout: string) => stdout.replace(/\n$/, '').split('\n');

  it('a metric is one row under a header: seconds, no data an empty cell', () => {
    const result = runKpibot(['report', 'frt', '--period', '7d', '--csv'], { DATABASE_URL: testDb.url });
    expect(result).toMatchObject({ status: 0, stderr: '' });
    const [header, row, ...rest] = csvLines(result.stdout);
    expect(header).toBe('metric,title,from,to,timezone,value,unit,n,previous_value,previous_n,change_percent,trend,goal_target,goal_direction,goal_met');
    expect(rest).toEqual([]);
    const cells = row?.split(',') ?? [];
    expect(cells.slice(0, 2)).toEqual(['frt', 'First response time']);
    expect(cells.slice(4)).toEqual(['UTC', '7200', 'seconds', '2', '', '0', '', 'unknown', '', '', '']);
  });

  it('the summary is one row per metric, in the summary\'s order', () => {
    const lines = csvLines(runKpibot(['report', 'summary', '--csv'], { DATABASE_URL: testDb.url }).stdout);
    expect(lines.slice(1).map((line) => line.split(',')[0])).toEqual(['volume', 'backlog', 'frt', 'resolution', 'overdue', 'escalations', 'csat', 'fcr']);
    expect(lines[1]?.split(',').slice(5, 8)).toEqual(['2', 'count', '2']);
  });

  it('agents: quoted where a comma is, and a formula-like name stays text', () => {
    const lines = csvLines(runKpibot(['report', 'agents', '--sort', 'frtMedian', '--csv'], { DATABASE_URL: testDb.url }).stdout);
    expect(lines[0]).toMatch(/^agent,email,slack_user_id,solved,frt_median_seconds,/);
    expect(lines).toHaveLength(3);
    expect(lines.find((line) => line.startsWith('"Ayu, Senior",ayu@example.com,,1,3600,'))).toBeDefined();
    const evil = lines.find((line) => line.includes('HYPERLINK'));
    expect(evil).toMatch(/^"'=HYPERLINK\(""http:\/\/evil\.invalid"",""x""\)",x@example\.com,,1,10800,/);
  });

  it('numbers carry no binary noise: a mean of 7266.862999999999 s is 7266.863, a fall to none is -100', () => {
    const result = { metric: 'frt', unit: 'seconds', value: 0.1 + 0.2, n: 2, previous: { value: 7266.862999999999, n: 3 }, change: -99.99999999999999, trend: 'better', details: {}, period: { from: '2026-11-01T00:00:00.000Z', to: '2026-11-08T00:00:00.000Z', timezone: 'UTC' } } as unknown as MetricResult;
    expect(metricsCsv([result]).split('\n')[1]).toBe('frt,First response time,2026-11-01T00:00:00.000Z,2026-11-08T00:00:00.000Z,UTC,0.3,seconds,2,7266.863,3,-100,better,,,');
  });

  it('--csv and --json together are refused', () => {
    expect(runKpibot(['report', 'frt', '--csv', '--json'], { DATABASE_URL: testDb.url })).toMatchObject({ status: 2, stderr: 'kpibot: choose one of --json and --csv\n' });
  });
});

describe('kpibot report as text', () => {
  const base = { period: { from: '2026-10-23T17:00:00.000Z', to: '2026-11-22T17:00:00.000Z', timezone: 'Asia/Jakarta' }, previous: { value: 1, n: 1 }, change: 400, trend: 'worse' } as const;
  const at = { timezone: 'Asia/Jakarta', now: Date.UTC(2026, 10, 22, 12, 0) };

  it('a period that has ended lists its overdue tickets as they stood at its end, overdue by the time to then', () => {
    const ticket = { source: 'demo', externalId: 'T-7', url: null, createdAt: Date.UTC(2026, 10, 20, 1, 30), priority: 'high', team: 'Ödeme', target: 'first_response', dueAt: Date.UTC(2026, 10, 21, 9, 0) };
    const ended = metricLines({ ...base, period: { ...base.period, to: '2026-11-21T17:00:00.000Z' }, metric: 'overdue', unit: 'count', value: 1, n: 1, details: { oldest: [ticket] } } as unknown as MetricResult, 'yesterday', at);
    expect(ended).toContain('    T-7 · high · Ödeme · opened Nov 20, 2026, 8:30 AM · first response due Nov 21, 2026, 4:00 PM, overdue by 8 h');
  });

  it('details read as words: the escalation rate in percent, an empty list as none, a flag as yes or no', () => {
    const escalations = metricLines({ ...base, metric: 'escalations', unit: 'count', value: 4, n: 4, details: { created: 100, rate: 4, byChannel: [] } } as unknown as MetricResult, 'last 30 days', at);
    expect(escalations.slice(3)).toEqual(['  created: 100', '  rate: 4%', '  by channel: none']);
    const enps = metricLines({ ...base, metric: 'enps', unit: 'score', value: null, n: 2, details: { hidden: true } } as unknown as MetricResult, 'last 30 days', at);
    expect(enps.at(-1)).toBe('  hidden: yes');
  });

  it('says a rate\'s or a score\'s move in points (a count\'s stays a percent change, below)', () => {
    const csat = metricLines({ ...base, metric: 'csat', unit: 'percent', value: 81, n: 79, previous: { value: 72.1, n: 61 }, change: 12.34, trend: 'better', details: {} } as unknown as MetricResult, 'last 30 days', at);
    expect(csat.slice(0, 3)).toEqual(['Customer satisfaction (CSAT) · last 30 days', '  81.0%   (n = 79)   ▲ 8.9 pts (better)', '  previous period: 72.1% (n = 61)']);
    const nps = metricLines({ ...base, metric: 'nps', unit: 'score', value: 10, n: 40, previous: { value: -10, n: 30 }, change: 200, trend: 'better', details: {} } as unknown as MetricResult, 'last 30 days', at);
    expect(nps[1]).toBe('  10.0   (n = 40)   ▲ 20 pts (better)');
    // A move that shows as 0 is no change: 21 h 11 min against 21 h 9 min is not "▲ 0% (worse)".
    const flat = metricLines({ ...base, metric: 'resolution', unit: 'seconds', value: 76_260, n: 50, previous: { value: 76_140, n: 50 }, change: 0.16, trend: 'worse', details: {} } as unknown as MetricResult, 'last 30 days', at);
    expect(flat[1]).toMatch(/ = \(same\)$/);
  });

  it('shows tickets, ages and counts by channel in words, not JSON', () => {
    const ticket = { source: 'demo', externalId: 'T-7', url: 'https://help.example.com/t/7', createdAt: Date.UTC(2026, 10, 20, 1, 30), priority: 'high', team: 'Ödeme' };
    const overdue = metricLines({ ...base, metric: 'overdue', unit: 'count', value: 5, n: 5, details: { oldest: [{ ...ticket, target: 'first_response', dueAt: Date.UTC(2026, 10, 21, 9, 0) }], breachedShare: 11.66 } } as unknown as MetricResult, 'last 30 days', at);
    expect(overdue).toEqual([
      'SLA overdue · last 30 days',
      '  5   (n = 5)   ▲ 400% (worse)',
      '  previous period: 1 (n = 1)',
      '  oldest:',
      '    T-7 · high · Ödeme · opened Nov 20, 2026, 8:30 AM · first response due Nov 21, 2026, 4:00 PM, overdue by 1 d 3 h · https://help.example.com/t/7',
      '  breached share: 11.7%',
    ]);
    const backlog = metricLines({ ...base, metric: 'backlog', unit: 'count', value: 9, n: 9, details: { ages: { under1d: 1, d1to3: 2, d3to7: 0, over7d: 6 }, oldest: { ...ticket, url: null }, sevenDaysEarlier: 8 } } as unknown as MetricResult, 'today', at);
    expect(backlog.slice(3)).toEqual(['  ages: < 1 d 1 · 1-3 d 2 · 3-7 d 0 · > 7 d 6', '  oldest: T-7 · high · Ödeme · opened Nov 20, 2026, 8:30 AM', '  seven days earlier: 8']);
    const volume = metricLines({ ...base, metric: 'volume', unit: 'count', value: 3, n: 3, details: { byChannel: [{ channel: 'email', n: 2 }, { channel: null, n: 1 }] } } as unknown as MetricResult, 'today', at);
    expect(volume.at(-1)).toBe('  by channel: email 2 · - 1');
  });
});
