import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/store/database.js';
import { IngestStore } from '../../src/store/ingest-store.js';
import { KpiStore } from '../../src/store/kpi-store.js';
import { SlaStore } from '../../src/store/sla-store.js';
import { computeMetric, type PeriodRange } from '../../src/kpi/metrics.js';
import type { WeeklyHours } from '../../src/kpi/business-hours.js';
import type { Actor, NormalizedEvent, TicketEvent, TicketEventData, TicketEventType } from '../../src/ingest/events.js';
import { createTestDatabase, TEST_ENGINE, type TestDatabase, clearIngestedData } from '../helpers/databases.js';

const MIN = 60_000;
const H = 3_600_000;
const DAY = 24 * H;
const period = (from: string, to: string): PeriodRange => {
  const start = Date.parse(from);
  const end = Date.parse(to);
  return { from: start, to: end, timezone: 'Asia/Jakarta', previous: { from: 2 * start - end, to: start } };
};
/** 2026-11-16 (Monday) to 2026-11-30. */
const NOVEMBER = period('2026-11-16T00:00:00Z', '2026-11-30T00:00:00Z');
const DECEMBER = period('2026-12-01T00:00:00Z', '2026-12-31T00:00:00Z');
const weekdays = (from: string, to: string): WeeklyHours => ({ 1: [[from, to]], 2: [[from, to]], 3: [[from, to]], 4: [[from, to]], 5: [[from, to]], 6: [], 7: [] });
// Jakarta is UTC+7 all year: 09:00 there is 02:00 UTC, 17:00 is 10:00 UTC.
const FRIDAY_1700_JAKARTA = Date.parse('2026-11-20T10:00:00Z');
const MONDAY_0930_JAKARTA = Date.parse('2026-11-23T02:30:00Z');

describe(`business-hours FRT and resolution over the database on ${TEST_ENGINE}`, () => {
  let testDb: TestDatabase;
  let db: Database;
  let ingest: IngestStore;
  let kpi: KpiStore;
  let sla: SlaStore;
  beforeAll(async () => {
    testDb = await createTestDatabase({ migrated: true });
    db = openDatabase(testDb.config);
    ingest = new IngestStore(db, { escalationGroups: [], escalationTag: 'escalated' }, () => DECEMBER.to);
    kpi = new KpiStore(db);
    sla = new SlaStore(db);
  });
  afterAll(async () => {
    await db.destroy();
    await testDb.dispose();
  });
  beforeEach(async () => {
    await clearIngestedData(db);
    for (const table of ['teams', 'calendar_holidays', 'business_calendars']) await db(table).delete();
  });

  let key = 0;
  const agent: Actor = { type: 'agent', id: 'a1', email: 'ayu@example.com' };
  const customer: Actor = { type: 'customer', id: 'c1' };
  const ev = (ticket: string, type: TicketEventType, at: number, data: TicketEventData = {}, actor?: Actor): TicketEvent => ({
    kind: 'ticket', type, externalTicketId: ticket, occurredAt: at, data, ...(actor === undefined ? {} : { actor }), dedupeKey: `k${key++}`,
  });
  /** A ticket created at `created`, replied at `repliedAt`, solved at `solvedAt` (instants), on a team. */
  const ticket = (id: string, created: number, repliedAt: number | null, solvedAt: number | null, data: TicketEventData = {}): NormalizedEvent[] => {
    const events: NormalizedEvent[] = [ev(id, 'ticket_created', created, { status: 'new', priority: 'normal', ...data }, customer)];
    if (repliedAt !== null) events.push(ev(id, 'agent_reply', repliedAt, {}, agent));
    if (solvedAt !== null) events.push(ev(id, 'status_changed', solvedAt, { status: 'solved' }));
    return events;
  };
  const load = (events: NormalizedEvent[]) => ingest.recordEvents('generic', events);
  const jakartaDefault = () => sla.saveCalendar('jakarta', 'Asia/Jakarta', weekdays('09:00', '17:00'), true);
  const stored = async (id: string) =>
    (await db('tickets').first('first_response_business_ms', 'first_resolution_business_ms', 'resolution_business_ms').where({ external_id: id })) as Record<string, number | null>;

  it('the worked example: created Friday 17:00 in Jakarta, answered Monday 09:30 → 30 min in business hours, 64.5 h in calendar hours', async () => {
    await jakartaDefault();
    await load(ticket('FRI', FRIDAY_1700_JAKARTA, MONDAY_0930_JAKARTA, null));
    expect(await stored('FRI')).toEqual({ first_response_business_ms: 30 * MIN, first_resolution_business_ms: null, resolution_business_ms: null });
    const frt = await computeMetric('frt', kpi, NOVEMBER, {}, NOVEMBER.to);
    // The headline stays calendar hours; business hours sit beside it.
    expect(frt).toMatchObject({ value: 64.5 * 3600, n: 1 });
    expect(frt.details).toEqual({ median: 64.5 * 3600, mean: 64.5 * 3600, p90: 64.5 * 3600, n: 1, awaiting: 0, business: { median: 1800, mean: 1800, p90: 1800, n: 1 } });
  });

  it('median, mean and p90 in business hours, computed in SQL like the calendar ones', async () => {
    await jakartaDefault();
    // Business first responses 0.5, 1, 2, 3 and 10 h; the last spans a night (Thursday 09:00 → Friday 11:00, 26 h of calendar time).
    await load([
      ...ticket('A', Date.parse('2026-11-16T02:00:00Z'), Date.parse('2026-11-16T02:30:00Z'), null),
      ...ticket('B', Date.parse('2026-11-16T03:00:00Z'), Date.parse('2026-11-16T04:00:00Z'), null),
      ...ticket('C', Date.parse('2026-11-17T02:00:00Z'), Date.parse('2026-11-17T04:00:00Z'), null),
      ...ticket('D', Date.parse('2026-11-18T02:00:00Z'), Date.parse('2026-11-18T05:00:00Z'), null),
      ...ticket('E', Date.parse('2026-11-19T02:00:00Z'), Date.parse('2026-11-20T04:00:00Z'), null),
      ...ticket('WAIT', Date.parse('2026-11-19T02:00:00Z'), null, null),
    ]);
    const { details } = await computeMetric('frt', kpi, NOVEMBER, {}, NOVEMBER.to);
    // Calendar: 0.5, 1, 2, 3, 26 h → mean 6.5 h; p90 at rank 3.6: 3 h + 0.6 × 23 h = 16.8 h.
    expect(details).toMatchObject({ median: 2 * 3600, mean: 6.5 * 3600, n: 5, awaiting: 1 });
    expect(details.p90).toBeCloseTo(16.8 * 3600, 6);
    // Business: 0.5, 1, 2, 3, 10 h → mean 3.3 h; p90: 3 h + 0.6 × 7 h = 7.2 h.
    const business = details.business as { median: number; mean: number; p90: number; n: number };
    expect(business).toMatchObject({ median: 2 * 3600, n: 5 });
    expect(business.mean).toBeCloseTo(3.3 * 3600, 6);
    expect(business.p90).toBeCloseTo(7.2 * 3600, 6);
  });

  it('a holiday in the span counts nothing; first and full resolution in business hours', async () => {
    await jakartaDefault();
    await sla.addHoliday('jakarta', '2026-12-25', 'Christmas');
    await load([
      // Thursday 16:00 → Monday 10:00 over Christmas Friday: 1 h + 1 h = 2 h (90 h of calendar time).
      ...ticket('XMAS', Date.parse('2026-12-24T09:00:00Z'), null, Date.parse('2026-12-28T03:00:00Z')),
      // Monday 09:00, solved 12:00 (3 h), reopened Tuesday, solved again Thursday 17:30: Monday to Thursday, 4 × 8 h = 32 h.
      ...ticket('REOPEN', Date.parse('2026-12-21T02:00:00Z'), null, Date.parse('2026-12-21T05:00:00Z')),
      ev('REOPEN', 'status_changed', Date.parse('2026-12-22T01:00:00Z'), { status: 'open' }),
      ev('REOPEN', 'status_changed', Date.parse('2026-12-24T10:30:00Z'), { status: 'solved' }),
    ]);
    expect(await stored('XMAS')).toEqual({ first_response_business_ms: null, first_resolution_business_ms: 2 * H, resolution_business_ms: 2 * H });
    expect(await stored('REOPEN')).toMatchObject({ first_resolution_business_ms: 3 * H, resolution_business_ms: 32 * H });
    const resolution = await computeMetric('resolution', kpi, DECEMBER, {}, DECEMBER.to);
    expect(resolution).toMatchObject({ value: (90 + 80.5) / 2 * 3600, n: 2 });
    expect(resolution.details).toEqual({
      full: { n: 2, median: (90 + 80.5) / 2 * 3600, mean: (90 + 80.5) / 2 * 3600, p90: (80.5 + 0.9 * 9.5) * 3600 },
      first: { n: 2, median: (90 + 3) / 2 * 3600, mean: (90 + 3) / 2 * 3600, p90: (3 + 0.9 * 87) * 3600 },
      business: {
        full: { n: 2, median: 17 * 3600, mean: 17 * 3600, p90: (2 + 0.9 * 30) * 3600 },
        first: { n: 2, median: 2.5 * 3600, mean: 2.5 * 3600, p90: (2 + 0.9 * 1) * 3600 },
      },
    });
  });

  it("a team's own calendar wins over the default; teams match ignoring case and spaces; changing it and rebuilding changes the numbers", async () => {
    await jakartaDefault();
    await sla.saveCalendar('berlin', 'Europe/Berlin', weekdays('08:00', '12:00'), false);
    await sla.assignTeamCalendar(' billing ', 'berlin');
    await load([
      ...ticket('BILL', FRIDAY_1700_JAKARTA, MONDAY_0930_JAKARTA, null, { team: 'Billing' }),
      ...ticket('SUP', FRIDAY_1700_JAKARTA, MONDAY_0930_JAKARTA, null, { team: 'Support' }),
      ...ticket('NONE', FRIDAY_1700_JAKARTA, MONDAY_0930_JAKARTA, null),
    ]);
    // Friday 17:00 Jakarta is 11:00 in Berlin: 1 h before closing; Monday 09:30 Jakarta is 03:30 in Berlin, before opening.
    expect((await stored('BILL')).first_response_business_ms).toBe(1 * H);
    expect((await stored('SUP')).first_response_business_ms).toBe(30 * MIN);
    expect((await stored('NONE')).first_response_business_ms).toBe(30 * MIN);
    const billing = await computeMetric('frt', kpi, NOVEMBER, { team: 'billing' }, NOVEMBER.to);
    expect(billing.details.business).toEqual({ median: 3600, mean: 3600, p90: 3600, n: 1 });
    const all = await computeMetric('frt', kpi, NOVEMBER, {}, NOVEMBER.to);
    expect(all.details.business).toMatchObject({ median: 1800, n: 3 });

    // Back to the default calendar: nothing changes until the projection is rebuilt (as `kpibot sla` does).
    await sla.assignTeamCalendar('BILLING', null);
    expect((await stored('BILL')).first_response_business_ms).toBe(1 * H);
    expect(await ingest.rebuildAll()).toBe(3);
    expect((await stored('BILL')).first_response_business_ms).toBe(30 * MIN);
    expect((await db('teams').select('name'))).toEqual([{ name: 'billing' }]);
  });

  it('no calendar at all: business hours are calendar hours, the same n', async () => {
    const start = NOVEMBER.from + DAY;
    await load([
      ...ticket('1', start, start + 1 * H + 7, start + 5 * H), ...ticket('2', start + H, start + 3 * H, start + 30 * H),
      ...ticket('3', start + 2 * H, start + 12 * H, null), ...ticket('4', start + 3 * H, null, null),
    ]);
    expect(await stored('1')).toEqual({ first_response_business_ms: H + 7, first_resolution_business_ms: 5 * H, resolution_business_ms: 5 * H });
    const frt = await computeMetric('frt', kpi, NOVEMBER, {}, NOVEMBER.to);
    const { business, awaiting: _, ...calendar } = frt.details;
    expect(business).toEqual(calendar);
    expect(calendar).toMatchObject({ n: 3, median: 2 * 3600 });
    const resolution = await computeMetric('resolution', kpi, NOVEMBER, {}, NOVEMBER.to);
    expect(resolution.details.business).toEqual({ full: resolution.details.full, first: resolution.details.first });
    expect(resolution.details.full).toMatchObject({ n: 2, median: (5 + 29) / 2 * 3600 });
  });

  it('tickets projected before business hours existed (NULL) stay out of the business figures until rebuilt', async () => {
    const start = NOVEMBER.from + DAY;
    await load([...ticket('1', start, start + H, null), ...ticket('2', start, start + 3 * H, null)]);
    await db('tickets').where({ external_id: '2' }).update({ first_response_business_ms: null });
    const before = await computeMetric('frt', kpi, NOVEMBER, {}, NOVEMBER.to);
    expect(before).toMatchObject({ n: 2, details: { business: { n: 1, median: 3600 } } });
    await ingest.rebuildAll();
    const after = await computeMetric('frt', kpi, NOVEMBER, {}, NOVEMBER.to);
    expect(after.details.business).toMatchObject({ n: 2, median: 2 * 3600 });
  });
});
