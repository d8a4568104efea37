import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../src/store/database.js';
import { IngestStore } from '../src/store/ingest-store.js';
import type { TicketEvent } from '../src/ingest/events.js';
import { createTestDatabase, TEST_ENGINE, type TestDatabase } from './helpers/databases.js';
import { runKpibot } from './helpers/process.js';

// Created Friday 2025-11-14 17:00 in Jakarta (10:00 UTC, 11:00 in Berlin), answered Monday 09:30 in Jakarta
// (02:30 UTC, 03:30 in Berlin), solved Monday 12:00 in Jakarta (05:00 UTC, 06:00 in Berlin).
const CREATED = Date.parse('2025-11-14T10:00:00Z');
const REPLIED = Date.parse('2025-11-17T02:30:00Z');
const SOLVED = Date.parse('2025-11-17T05:00:00Z');
// In the past: `kpibot report` cuts periods at the real clock.
const PERIOD = ['--period', '2025-11-14..2025-11-17', '--timezone', 'Asia/Jakarta'];

describe(`team calendars from the command line to the report, on ${TEST_ENGINE}`, () => {
  let testDb: TestDatabase;
  let db: Database;
  const sla = (...args: string[]) => runKpibot(['sla', ...args], { DATABASE_URL: testDb.url });
  const report = (...args: string[]) => runKpibot(['report', ...args, ...PERIOD], { DATABASE_URL: testDb.url });
  const json = (metric: string) => {
    const result = report(metric, '--json');
    expect(result.stderr).toBe('');
    return JSON.parse(result.stdout) as { value: number; details: Record<string, unknown> };
  };
  const businessFrt = () => json('frt').details.business;

  beforeAll(async () => {
    testDb = await createTestDatabase({ migrated: true });
    db = openDatabase(testDb.config);
    const agent = { type: 'agent', id: 'a1' } as const;
    const events: TicketEvent[] = [
      { kind: 'ticket', type: 'ticket_created', externalTicketId: 'B-1', occurredAt: CREATED, actor: { type: 'customer', id: 'c1' }, data: { status: 'open', team: 'Billing' }, dedupeKey: 'b1' },
      { kind: 'ticket', type: 'agent_reply', externalTicketId: 'B-1', occurredAt: REPLIED, actor: agent, data: {}, dedupeKey: 'b2' },
      { kind: 'ticket', type: 'status_changed', externalTicketId: 'B-1', occurredAt: SOLVED, actor: agent, data: { status: 'solved' }, dedupeKey: 'b3' },
    ];
    await new IngestStore(db, { escalationGroups: [], escalationTag: 'escalated' }).recordEvents('generic', events);
  });
  afterAll(async () => {
    await db.destroy();
    await testDb.dispose();
  });

  it('without a calendar, business hours are calendar hours', () => {
    expect(json('frt')).toMatchObject({ value: 64.5 * 3600, details: { median: 64.5 * 3600, business: { median: 64.5 * 3600, mean: 64.5 * 3600, p90: 64.5 * 3600, n: 1 } } });
  });

  it('a default calendar: 30 min to the first response, 3 h to resolution', () => {
    const saved = sla('calendar', 'jakarta', '--timezone', 'Asia/Jakarta', '--hours', '1-5 09:00-17:00', '--default');
    expect(saved.stdout).toBe('saved calendar "jakarta" (default)\nrecomputed the due times and business-hours durations of 1 ticket\n');
    expect(businessFrt()).toEqual({ median: 1800, mean: 1800, p90: 1800, n: 1 });
    expect(json('resolution').details.business).toEqual({ full: { median: 3 * 3600, mean: 3 * 3600, p90: 3 * 3600, n: 1 }, first: { median: 3 * 3600, mean: 3 * 3600, p90: 3 * 3600, n: 1 } });
  });

  it('a team calendar replaces the default for that team, and the numbers change at once', () => {
    expect(sla('calendar', 'berlin', '--timezone', 'Europe/Berlin', '--hours', '1-5 08:00-12:00').status).toBe(0);
    const assigned = sla('team', 'billing', '--calendar', 'berlin');
    expect(assigned.stderr).toBe('');
    expect(assigned.stdout).toBe('team "billing" uses calendar "berlin"\nrecomputed the due times and business-hours durations of 1 ticket\n');
    // Berlin, Monday to Friday 08:00-12:00: Friday 11:00-12:00 is the only open hour before the answer (Monday 03:30) and the solve (06:00).
    expect(businessFrt()).toMatchObject({ median: 3600, n: 1 });
    expect(json('resolution').details.business).toMatchObject({ full: { median: 3600 }, first: { median: 3600 } });
    expect(sla('list').stdout).toContain('team "billing": calendar "berlin"\n');
  });

  it('report frt and report resolution print calendar and business hours', () => {
    const frt = report('frt');
    expect(frt.stdout).toContain('  median: 2 d 17 h\n');
    expect(frt.stdout).toContain('  business hours: median 1 h, mean 1 h, p90 1 h (n = 1)\n');
    const resolution = report('resolution');
    expect(resolution.stdout).toContain('  full: median 2 d 19 h, mean 2 d 19 h, p90 2 d 19 h (n = 1)\n');
    expect(resolution.stdout).toContain('  business hours, full: median 1 h, mean 1 h, p90 1 h (n = 1)\n');
    expect(resolution.stdout).toContain('  business hours, first: median 1 h, mean 1 h, p90 1 h (n = 1)\n');
  });

  it('--default sends the team back to the default calendar', () => {
    expect(sla('team', 'Billing ', '--default').stdout).toMatch(/^team "Billing" uses the default calendar\n/);
    expect(businessFrt()).toMatchObject({ median: 1800 });
    expect(sla('list').stdout).not.toContain('team "');
  });

  it('recompute fills tickets projected before business hours were stored', async () => {
    await db('tickets').update({ first_response_business_ms: null, first_resolution_business_ms: null, resolution_business_ms: null });
    expect(businessFrt()).toMatchObject({ n: 0, median: null });
    expect(sla('recompute').stdout).toBe('recomputed the due times and business-hours durations of 1 ticket\n');
    expect(businessFrt()).toMatchObject({ n: 1, median: 1800 });
  });

  it('bad words: one line, exit code 2', () => {
    expect(sla('team', 'Billing')).toMatchObject({ status: 2, stderr: 'kpibot: sla team takes either --calendar NAME or --default (back to the default calendar)\n' });
    expect(sla('team', 'Billing', '--calendar', 'berlin', '--default')).toMatchObject({ status: 2 });
    expect(sla('team', 'Billing', '--calendar', 'nowhere')).toMatchObject({ status: 2, stderr: 'kpibot: no calendar named "nowhere"\n' });
    expect(sla('team', '--calendar', 'berlin')).toMatchObject({ status: 2, stderr: expect.stringContaining('sla team takes one team name') });
    expect(sla('recompute', 'now')).toMatchObject({ status: 2 });
  });
});
