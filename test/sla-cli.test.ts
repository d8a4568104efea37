import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { engineOf, openDatabase, type Database } from '../src/store/database.js';
import { IngestStore } from '../src/store/ingest-store.js';
import { KpiStore } from '../src/store/kpi-store.js';
import { computeMetric } from '../src/kpi/metrics.js';
import type { TicketEvent } from '../src/ingest/events.js';
import { createTestDatabase, TEST_ENGINE, useTestDatabase, type TestDatabase } from './helpers/databases.js';
import { runKpibot } from './helpers/process.js';
import { hoursText, parseHours, runSla } from '../src/cli-sla.js';

const H = 3_600_000;
// Friday 2026-11-20 16:30 in Jakarta (UTC+7) is 09:30 UTC.
const FRIDAY_1630_JAKARTA = Date.parse('2026-11-20T09:30:00Z');
const T0 = Date.parse('2026-11-10T08:00:00Z');

describe(`SLA policies applied to tickets, on ${TEST_ENGINE}`, () => {
  let testDb: TestDatabase;
  let db: Database;
  let key = 0;
  const ev = (ticket: string, type: TicketEvent['type'], at: number, data: TicketEvent['data'] = {}): TicketEvent => ({
    kind: 'ticket', type, externalTicketId: ticket, occurredAt: at, data, actor: type === 'agent_reply' ? { type: 'agent', id: 'a1' } : { type: 'customer', id: 'c1' }, dedupeKey: `k${key++}`,
  });
  const dueTimes = async (id: string) =>
    (await db('tickets').first('first_response_due_at', 'resolution_due_at', 'sla_policy_id').where({ external_id: id })) as { first_response_due_at: number | null; resolution_due_at: number | null; sla_policy_id: number | null };
  const run = (...args: string[]) => runKpibot(['sla', ...args], { DATABASE_URL: testDb.url });

  beforeAll(async () => {
    testDb = await createTestDatabase({ migrated: true });
    db = openDatabase(testDb.config);
    const ingest = new IngestStore(db, { escalationGroups: [], escalationTag: 'escalated' });
    await ingest.recordEvents('generic', [
      ev('URG', 'ticket_created', T0, { status: 'open', priority: 'urgent' }),
      ev('NORM', 'ticket_created', T0, { status: 'open', priority: 'normal', team: 'Billing' }),
      ev('NORM', 'agent_reply', T0 + 0.5 * H),
      ev('FRI', 'ticket_created', FRIDAY_1630_JAKARTA, { status: 'open', priority: 'low' }),
      ev('PAUSE', 'ticket_created', T0, { status: 'open', priority: 'high' }),
      ev('PAUSE', 'status_changed', T0 + H, { status: 'pending' }),
      ev('PAUSE', 'status_changed', T0 + 3 * H, { status: 'open' }),
      ev('HELD', 'ticket_created', T0, { status: 'open', priority: 'high' }),
      ev('HELD', 'status_changed', T0 + H, { status: 'pending' }),
    ]);
  });
  afterAll(async () => {
    await db.destroy();
    await testDb.dispose();
  });

  it('a calendar-hours policy sets due times on matching tickets, and the overdue KPI counts breaches', async () => {
    const added = run('add', 'urgent', '--priority', 'urgent', '--first-response', '1h', '--resolution', '8h');
    expect(added.stderr).toBe('');
    expect(added.stdout).toMatch(/^added policy #\d+ "urgent"\nrecomputed the due times and business-hours durations of 5 tickets\n$/);
    expect(await dueTimes('URG')).toMatchObject({ first_response_due_at: T0 + H, resolution_due_at: T0 + 8 * H });
    expect((await dueTimes('NORM')).sla_policy_id).toBeNull();
    const overdue = await computeMetric('overdue', new KpiStore(db), { from: T0 - 24 * H, to: T0 + 24 * H, timezone: 'UTC', previous: { from: T0 - 48 * H, to: T0 - 24 * H } }, {}, T0 + 24 * H);
    expect(overdue).toMatchObject({ value: 1, details: { breached: 1, withTarget: 1, breachedShare: 100 } });
  });

  it('a business-hours policy on a calendar: Friday 16:30 + 1 h is Monday 09:30', async () => {
    expect(run('calendar', 'jakarta', '--timezone', 'Asia/Jakarta', '--hours', '1-5 09:00-17:00', '--default').status).toBe(0);
    expect(run('holiday', 'jakarta', '2026-12-25', 'Christmas').status).toBe(0);
    expect(run('add', 'low', '--priority', 'low', '--first-response', '1h', '--business-hours').status).toBe(0);
    expect((await dueTimes('FRI')).first_response_due_at).toBe(Date.parse('2026-11-23T02:30:00Z'));
  });

  it('time in a paused status does not count', async () => {
    expect(run('add', 'high', '--priority', 'high', '--resolution', '4h', '--pause', 'pending').status).toBe(0);
    // 4 h of open time, with 2 h pending in between: due 6 h after creation.
    expect((await dueTimes('PAUSE')).resolution_due_at).toBe(T0 + 6 * H);
    // Pending still: no due time, and the ticket lists say the clock is paused, not that no SLA applies.
    const rows = (await new KpiStore(db).ticketList('backlog', { at: T0 + 5 * H, range: { from: T0, to: T0 + 5 * H }, filters: {}, offset: 0, limit: 10 })).rows;
    expect(rows.filter((row) => row.dueAt === null).map((row) => [row.externalId, row.slaPaused]).sort()).toEqual([['HELD', true], ['NORM', false]]);
  });

  it('list shows the policies and calendars; remove recomputes', async () => {
    const listed = run('list');
    expect(listed.stdout).toContain('urgent: priority urgent, any team; first response 1 h, resolution 8 h; calendar hours');
    expect(listed.stdout).toContain('low: priority low, any team; first response 1 h; business hours (jakarta)');
    expect(listed.stdout).toContain('paused while pending');
    expect(listed.stdout).toContain('calendar "jakarta" (default): Asia/Jakarta, 1 holiday');
    const id = /#(\d+) {2}urgent/.exec(listed.stdout)?.[1] ?? '';
    expect(run('remove', id).status).toBe(0);
    expect(await dueTimes('URG')).toMatchObject({ sla_policy_id: null, first_response_due_at: null });
  });

  it('a day that does not exist is refused; a holiday is taken off with --remove', async () => {
    expect(run('calendar', 'office', '--timezone', 'Asia/Jakarta', '--hours', '1-5 09:00-17:00').status).toBe(0);
    expect(run('holiday', 'office', '2026-02-30')).toMatchObject({ status: 2, stderr: 'kpibot: "2026-02-30" is not a date (YYYY-MM-DD)\n' });
    expect(run('holiday', 'office', '2026-12-25', 'Christmas')).toMatchObject({ status: 0, stdout: expect.stringMatching(/^added holiday 2026-12-25 to "office"\nrecomputed the due times/) });
    // The same date again: said as it is, and nothing to recompute (a name moves no due time).
    expect(run('holiday', 'office', '2026-12-25', 'Christmas Day')).toMatchObject({ status: 0, stdout: 'holiday 2026-12-25 was already in "office": its name is updated\n' });
    expect(run('holiday', 'office', '2026-12-25')).toMatchObject({ status: 0, stdout: 'holiday 2026-12-25 was already in "office": nothing changed\n' });
    expect(await db('calendar_holidays').whereIn('calendar_id', db('business_calendars').select('id').where({ name: 'office' })).pluck('name')).toEqual(['Christmas Day']);
    expect(run('holiday', 'office', '2027-01-01').status).toBe(0);
    expect(run('list').stdout).toContain('calendar "office": Asia/Jakarta, 2 holidays\n  hours: 1-5 09:00-17:00 (1 = Monday)\n  holidays: 2026-12-25, 2027-01-01\n');
    expect(run('holiday', 'office', '2027-01-01', '--remove').status).toBe(0);
    expect(run('holiday', 'office', '2026-12-25', '--remove')).toMatchObject({ status: 0, stdout: expect.stringMatching(/^removed holiday 2026-12-25 from "office"\nrecomputed the due times/) });
    expect(run('holiday', 'office', '2026-12-25', '--remove')).toMatchObject({ status: 2, stderr: 'kpibot: "2026-12-25" is not a holiday of that calendar\n' });
    expect(run('list').stdout).toContain('calendar "office": Asia/Jakarta, 0 holidays');
    expect(run('recompute').status).toBe(0);
  });

  it('a calendar no policy uses can be removed: its teams fall back to the default; one in use, the default included, is refused', async () => {
    expect(run('holiday', 'office', '2026-12-31').status).toBe(0);
    expect(run('team', 'Billing', '--calendar', 'office').status).toBe(0);
    expect(run('calendar', 'office', '--remove')).toMatchObject({ status: 0, stdout: expect.stringMatching(/^removed calendar "office"; its teams use the default calendar\nrecomputed the due times/) });
    expect(run('list').stdout).not.toContain('"office"');
    expect(await db('teams').where({ name: 'Billing' }).first('calendar_id')).toEqual({ calendar_id: null });
    expect(await db('calendar_holidays').where({ date: '2026-12-31' }).first()).toBeUndefined();
    // The default calendar measures the business-hours policy "low", which names no calendar.
    const low = /#(\d+) {2}low:/.exec(run('list').stdout)?.[1] ?? '';
    expect(run('calendar', 'jakarta', '--remove')).toMatchObject({ status: 2, stderr: `kpibot: calendar "jakarta" is in use by policy #${low}: remove those policies first (sla remove)\n` });
    expect(run('calendar', 'nowhere', '--remove')).toMatchObject({ status: 2, stderr: 'kpibot: no calendar named "nowhere"\n' });
  });

  it('a team\'s own policy applies to it though a catch-all came first; a second policy for the same priority and team is refused', async () => {
    expect(run('add', 'everyone', '--first-response', '8h').status).toBe(0);
    expect((await dueTimes('NORM')).first_response_due_at).toBe(T0 + 8 * H);
    expect(run('add', 'billing', '--team', ' billing ', '--first-response', '2h').stdout).not.toContain('No ticket has the team');
    // A team no ticket has is kept, with a word about the spelling (as `sla team` says it).
    const typo = run('add', 'typo', '--team', 'Biling', '--first-response', '2h');
    expect(typo.stdout).toContain('No ticket has the team "Biling" yet');
    expect(run('remove', /#(\d+) {2}typo:/.exec(run('list').stdout)?.[1] ?? '').status).toBe(0);
    expect((await dueTimes('NORM')).first_response_due_at).toBe(T0 + 2 * H);
    const listed = run('list').stdout;
    const billing = /#(\d+) {2}billing/.exec(listed)?.[1] ?? '';
    expect(run('add', 'billing again', '--team', 'BILLING', '--first-response', '1h')).toMatchObject({
      status: 2, stderr: `kpibot: policy #${billing} "billing" already covers the same priority and team, so this one would never apply; remove it first with "sla remove ${billing}"\n`,
    });
    for (const name of ['everyone', 'billing']) expect(run('remove', new RegExp(`#(\\d+) {2}${name}:`).exec(listed)?.[1] ?? '').status).toBe(0);
    expect((await dueTimes('NORM')).sla_policy_id).toBeNull();
  });

  it('bad words: one line, exit code 2', () => {
    expect(run('add', 'x', '--priority', 'highest', '--first-response', '1h')).toMatchObject({ status: 2, stderr: 'kpibot: --priority must be low, normal, high or urgent\n' });
    // A bare number has no unit: 90 seconds was seldom what was meant.
    expect(run('add', 'x', '--priority', 'urgent', '--first-response', '90')).toMatchObject({ status: 2, stderr: 'kpibot: --first-response "90" needs a unit: 90m for minutes, 90h for hours\n' });
    expect(run('add', 'x', '--first-response', 'soon')).toMatchObject({ status: 2, stderr: 'kpibot: --first-response "soon" is not a duration (e.g. 30m, 4h, 2d)\n' });
    expect(run('calendar', 'c', '--timezone', 'Asia/Jakarta', '--hours', '8 09:00-17:00')).toMatchObject({ status: 2 });
    expect(run('add', 'x', '--first-response', '1h', '--business-hours', '--calendar', 'nowhere')).toMatchObject({ status: 2, stderr: 'kpibot: no calendar named "nowhere"\n' });
    // A calendar without --business-hours would be kept and never used.
    expect(run('add', 'x', '--first-response', '1h', '--calendar', 'jakarta')).toMatchObject({ status: 2, stderr: 'kpibot: --calendar jakarta measures business hours: add --business-hours (without it, the policy counts every hour)\n' });
    expect(run('frobnicate')).toMatchObject({ status: 2, stderr: expect.stringContaining('unknown sla action "frobnicate"') });
    // Past a year, or names the database could not keep: refused in words, nothing written (PostgreSQL failed with its own error).
    expect(run('add', 'x', '--resolution', '999999d')).toMatchObject({ status: 2, stderr: 'kpibot: --resolution "999999d" is longer than an SLA target can be: at most 365 days\n' });
    expect(run('add', 'x'.repeat(101), '--first-response', '1h')).toMatchObject({ status: 2, stderr: 'kpibot: a policy name must have 1 to 100 characters\n' });
    expect(run('add', ' ', '--first-response', '1h')).toMatchObject({ status: 2, stderr: 'kpibot: a policy name must have 1 to 100 characters\n' });
    expect(run('add', 'x', '--team', '', '--first-response', '1h')).toMatchObject({ status: 2, stderr: 'kpibot: a team name must have 1 to 200 characters\n' });
    expect(run('calendar', 'c'.repeat(101), '--timezone', 'Asia/Jakarta', '--hours', '1-5 09:00-17:00')).toMatchObject({ status: 2, stderr: 'kpibot: a calendar name must have 1 to 100 characters\n' });
    expect(run('team', 't'.repeat(201), '--default')).toMatchObject({ status: 2, stderr: 'kpibot: a team name must have 1 to 200 characters\n' });
    expect(run('add', 'ok', '--first-response', '365d').status).toBe(0);
  }, 90_000);

  it('refuses bad words before it opens the database: no file made, exit 2 even when the database is unreachable', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'kpibot-sla-'));
    try {
      expect(runKpibot(['sla'], {}, cwd)).toMatchObject({ status: 2, stderr: 'kpibot: say what to do: list, add, remove, calendar, team, recompute, holiday ("kpibot sla --help" shows the words of each)\n' });
      expect(runKpibot(['sla', 'frobnicate'], {}, cwd)).toMatchObject({ status: 2 });
      expect(runKpibot(['sla', '--help'], {}, cwd)).toMatchObject({ status: 0, stdout: expect.stringContaining('kpibot sla calendar <name> --timezone ZONE') });
      expect(existsSync(join(cwd, 'data'))).toBe(false);
      expect(runKpibot(['sla', 'list', '--bogus'], { DATABASE_URL: 'postgres://nobody@127.0.0.1:9/none' }, cwd)).toMatchObject({ status: 2, stderr: expect.stringContaining('--bogus') });
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });
});

describe('calendar hours in words', () => {
  it('writes weekly hours as --hours takes them, consecutive days with the same hours together, and reads back the same', () => {
    const specs = [['1-5 09:00-17:00'], ['1-5 09:00-12:00 13:00-17:00', '6 10:00-14:00'], ['1 08:00-12:00', '3 08:00-12:00', '7 00:00-24:00']];
    const written = specs.map((spec) => hoursText(parseHours(spec)));
    expect(written).toEqual(['1-5 09:00-17:00', '1-5 09:00-12:00 13:00-17:00, 6 10:00-14:00', '1 08:00-12:00, 3 08:00-12:00, 7 00:00-24:00']);
    for (const [i, text] of written.entries()) expect(parseHours(text.split(', '))).toEqual(parseHours(specs[i] ?? []));
  });
});

describe(`an SLA change whose recompute fails, on ${TEST_ENGINE}`, () => {
  const w = useTestDatabase({ migrate: true });

  it('says the change is saved and leaves the tickets to the background rebuild, in the admin\'s language', async () => {
    const ingest = new IngestStore(w.db, { escalationGroups: [], escalationTag: 'escalated' });
    await ingest.recordEvents('generic', [{ kind: 'ticket', type: 'ticket_created', externalTicketId: 'T-1', occurredAt: T0, data: { status: 'open', priority: 'high' }, actor: { type: 'customer', id: 'c1' }, dedupeKey: 'c1' }]);
    // An event the projection cannot read: the rebuild that follows the change fails.
    await w.db('ticket_events').update({ data: '{not json' });
    const lines: string[] = [];
    const add = runSla(['add', 'high', '--priority', 'high', '--first-response', '1h'], w.db, { escalationGroups: [], escalationTag: 'escalated' }, { out: (line) => lines.push(line) }, 'id');
    await expect(add).rejects.toThrow(/^Perubahan tersimpan, tetapi penghitungan ulang tiket gagal \(.+\)\. Bot menghitungnya ulang di latar belakang; `kpibot sla recompute` melakukannya sekarang$/);
    expect(await w.db('sla_policies').pluck('name')).toEqual(['high']);
    expect(await w.db('settings').pluck('key')).toContain('rebuild:all');
  });

  it('does not promise the background rebuild when it cannot be asked for either', async () => {
    const ingest = new IngestStore(w.db, { escalationGroups: [], escalationTag: 'escalated' });
    await ingest.recordEvents('generic', [{ kind: 'ticket', type: 'ticket_created', externalTicketId: 'T-1', occurredAt: T0, data: { status: 'open', priority: 'high' }, actor: { type: 'customer', id: 'c1' }, dedupeKey: 'c1' }]);
    await w.db('ticket_events').update({ data: '{not json' });
    // The settings table refuses writes (a full disk, a lost connection would do the same to the one statement).
    if (engineOf(w.db) === 'sqlite') {
      await w.db.raw("create trigger no_settings before insert on settings begin select raise(abort, 'settings refused'); end");
    } else {
      await w.db.raw("create function no_settings() returns trigger language plpgsql as $$ begin raise exception 'settings refused'; end $$");
      await w.db.raw('create trigger no_settings before insert or update on settings for each row execute function no_settings()');
    }
    const add = runSla(['add', 'high', '--priority', 'high', '--first-response', '1h'], w.db, { escalationGroups: [], escalationTag: 'escalated' }, { out: () => undefined }, 'en');
    await expect(add).rejects.toThrow(/^The change is saved, but recomputing the tickets failed \(.+\), and they could not be queued for the background rebuild either: until `kpibot sla recompute` runs, tickets keep their old due times and business-hours durations$/);
    expect(await w.db('sla_policies').pluck('name')).toEqual(['high']);
    expect(await w.db('settings').pluck('key')).not.toContain('rebuild:all');
  });
});
