import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/store/database.js';
import { IngestStore } from '../../src/store/ingest-store.js';
import { KpiStore, type AgentRow } from '../../src/store/kpi-store.js';
import { agentOrder, computeAgents, computeMetric, computeSummary, type PeriodRange } from '../../src/kpi/metrics.js';
import { computeBreakdown } from '../../src/kpi/breakdown.js';
import { csat, netPromoterScore, churnRate, interpolate, change, trend } from '../../src/kpi/formulas.js';
import type { NormalizedEvent, TicketEvent, TicketEventType, TicketEventData, Actor } from '../../src/ingest/events.js';
import { createTestDatabase, TEST_ENGINE, type TestDatabase, clearIngestedData } from '../helpers/databases.js';

const H = 3_600_000;
const DAY = 24 * H;
const START = Date.parse('2026-10-01T00:00:00Z');
const PERIOD: PeriodRange = { from: START, to: START + 30 * DAY, timezone: 'UTC', previous: { from: START - 30 * DAY, to: START } };
const NOW = PERIOD.to;

describe('formulas: the worked examples of docs/metrics.md', () => {
  it('CSAT: 100 answers, 43 rate 4 and 29 rate 5 → 72', () => expect(csat(43 + 29, 100)).toEqual({ value: 72, n: 100 }));
  it('NPS: 70 promoters, 20 passives, 10 detractors → 60', () => expect(netPromoterScore(70, 20, 10)).toEqual({ value: 60, n: 100 }));
  it('churn: 100 customers, 50 remain → 50%', () => expect(churnRate(50, 100)).toEqual({ value: 50, n: 100 }));
  it('no data is null with n = 0, never 0 or NaN', () => {
    expect(csat(0, 0)).toEqual({ value: null, n: 0 });
    expect(netPromoterScore(0, 0, 0)).toEqual({ value: null, n: 0 });
    expect(interpolate(0.5, 0, () => 1)).toBeNull();
    expect(change(5, 0)).toBeNull();
  });
  it('percentiles interpolate between ranks like percentile_cont', () => {
    const values = [10, 20, 30, 40];
    expect(interpolate(0.5, 4, (rank) => values[rank] as number)).toBe(25);
    expect(interpolate(0.9, 4, (rank) => values[rank] as number)).toBeCloseTo(37);
    expect(interpolate(0.5, 1, () => 7)).toBe(7);
  });
  it('trend knows which direction is good', () => {
    expect(trend(50, 60, false)).toBe('better');
    expect(trend(50, 60, true)).toBe('worse');
    expect(trend(null, 60, true)).toBe('unknown');
  });
});

describe(`metrics over the database on ${TEST_ENGINE}`, () => {
  let testDb: TestDatabase;
  let db: Database;
  let ingest: IngestStore;
  let kpi: KpiStore;
  beforeAll(async () => {
    testDb = await createTestDatabase({ migrated: true });
    db = openDatabase(testDb.config);
    ingest = new IngestStore(db, { escalationGroups: [], escalationTag: 'escalated' }, () => NOW);
    kpi = new KpiStore(db);
  });
  afterAll(async () => {
    await db.destroy();
    await testDb.dispose();
  });
  beforeEach(async () => {
    await clearIngestedData(db);
  });

  let key = 0;
  const ev = (ticket: string, type: TicketEventType, at: number, data: TicketEventData = {}, actor?: Actor): TicketEvent => ({
    kind: 'ticket', type, externalTicketId: ticket, occurredAt: at, data, ...(actor === undefined ? {} : { actor }), dedupeKey: `k${key++}`,
  });
  const agent: Actor = { type: 'agent', id: 'a1', email: 'ayu@example.com' };
  const customer: Actor = { type: 'customer', id: 'c1' };
  /** A ticket created at `created`, replied after `replyAfter`, solved after `solveAfter` (hours), on a team. */
  const ticket = (id: string, created: number, replyAfter: number | null, solveAfter: number | null, data: TicketEventData = {}) => {
    const events: NormalizedEvent[] = [ev(id, 'ticket_created', created, { status: 'new', priority: 'normal', channel: 'email', team: 'Billing', assignee: agent, ...data }, customer)];
    if (replyAfter !== null) events.push(ev(id, 'agent_reply', created + replyAfter * H, {}, agent));
    if (solveAfter !== null) events.push(ev(id, 'status_changed', created + solveAfter * H, { status: 'solved' }));
    return events;
  };
  const load = (events: NormalizedEvent[]) => ingest.recordEvents('generic', events);

  it('frt: median, mean and p90 of hand-computed first responses; awaiting counted apart', async () => {
    // Replies after 1, 2, 3, 4 and 10 hours; one ticket without a reply; one created before the period.
    await load([
      ...ticket('1', START + 1 * DAY, 1, null), ...ticket('2', START + 2 * DAY, 2, null), ...ticket('3', START + 3 * DAY, 3, null),
      ...ticket('4', START + 4 * DAY, 4, null), ...ticket('5', START + 5 * DAY, 10, null), ...ticket('6', START + 6 * DAY, null, null),
      ...ticket('old', START - 2 * DAY, 50, null),
    ]);
    const result = await computeMetric('frt', kpi, PERIOD, {}, NOW);
    expect(result).toMatchObject({ metric: 'frt', unit: 'seconds', value: 3 * 3600, n: 5, previous: { value: 50 * 3600, n: 1 }, trend: 'better' });
    expect(result.details).toMatchObject({ median: 10_800, mean: 4 * 3600, awaiting: 1 });
    // p90 at rank 0.9 × 4 = 3.6: 4 h + 0.6 × (10 h - 4 h) = 7.6 h
    expect(result.details.p90).toBeCloseTo(7.6 * 3600);
    expect(result.change).toBeCloseTo(-94);
  });

  it('response: every wait to the millisecond, as frt measures the first one; several customer messages make one wait', async () => {
    // Waits of 601.6 s (from the creation; the customer's second message at 5 min is part of it), then 90.25 s and 30.5 s.
    const at = START + DAY;
    await load([
      ev('w1', 'ticket_created', at, { status: 'new', priority: 'normal', assignee: agent }, customer),
      ev('w1', 'customer_message', at + 5 * 60_000, {}, customer),
      ev('w1', 'agent_reply', at + 601_600, {}, agent),
      ev('w1', 'customer_message', at + 700_000, {}, customer),
      ev('w1', 'agent_reply', at + 790_250, {}, agent),
      ev('w1', 'customer_message', at + 800_000, {}, customer),
      ev('w1', 'agent_reply', at + 830_500, {}, agent),
    ]);
    const response = await computeMetric('response', kpi, PERIOD, {}, NOW);
    expect(response).toMatchObject({ value: 90.25, n: 3 });
    expect(response.details).toMatchObject({ median: 90.25, mean: (601.6 + 90.25 + 30.5) / 3 });
    // p90 at rank 0.9 × 2 = 1.8: 90.25 + 0.8 × (601.6 - 90.25)
    expect(response.details.p90).toBeCloseTo(90.25 + 0.8 * (601.6 - 90.25), 9);
    expect((await computeMetric('frt', kpi, PERIOD, {}, NOW)).value).toBe(601.6);
    // The same with a filter, and as a row of a breakdown by agent (one grouped read).
    expect(await computeMetric('response', kpi, PERIOD, { agent: 'ayu@example.com' }, NOW)).toMatchObject({ value: 90.25, n: 3 });
    expect((await computeBreakdown('response', 'agent', kpi, PERIOD, {}, NOW)).rows).toMatchObject([{ key: 'ayu@example.com', value: 90.25, n: 3 }]);
  });

  it('frt and resolution medians and p90 by duration buckets equal a sort of every duration (ties, bucket edges, filters, per agent)', async () => {
    // Deterministic spread from seconds to months, with runs of equal values and values on bucket bounds.
    let seed = 7;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    };
    const special = [0, 59_999, 60_000, 74_000, 3_600_000, 3_600_000, 3_600_000, 31_945_899_000];
    const events: NormalizedEvent[] = [];
    const expected = { frt: [] as number[], frtBilling: [] as number[], resolution: [] as number[] };
    // Three assignees (one with an odd count of tickets), for the agents table's medians.
    const assignees: Actor[] = ['ayu', 'bob', 'cem'].map((name, i) => ({ type: 'agent', id: `m${i}`, email: `${name}@example.com` }));
    const byAssignee = new Map(assignees.map((actor) => [actor.email as string, { frt: [] as number[], resolution: [] as number[] }]));
    for (let index = 0; index < 241; index += 1) {
      const id = `p${index}`;
      const created = START + Math.floor(random() * 29 * DAY);
      const reply = index < special.length ? (special[index] as number) : Math.floor(random() ** 4 * 40 * DAY);
      const team = index % 3 === 0 ? 'Sales' : 'Billing';
      const assignee = assignees[Math.floor(index / 2) % 3] as Actor;
      const mine = byAssignee.get(assignee.email as string) as { frt: number[]; resolution: number[] };
      // Every fifth ticket was opened by an agent: its first response counts from the customer's first message.
      const byAgent = index % 5 === 4;
      const customerAt = created + 10 * 60_000;
      events.push(ev(id, 'ticket_created', created, { status: 'new', team, assignee }, byAgent ? agent : customer));
      if (byAgent) events.push(ev(id, 'customer_message', customerAt, {}, customer));
      events.push(ev(id, 'agent_reply', (byAgent ? customerAt : created) + reply, {}, agent));
      expected.frt.push(reply / 1000);
      mine.frt.push(reply / 1000);
      if (team === 'Billing') expected.frtBilling.push(reply / 1000);
      const solveAfter = index % 4 === 0 ? null : reply + Math.floor(random() * 3 * DAY);
      if (solveAfter !== null) {
        const solvedAt = (byAgent ? customerAt : created) + solveAfter;
        events.push(ev(id, 'status_changed', solvedAt, { status: 'solved' }));
        if (solvedAt < PERIOD.to) {
          expected.resolution.push((solvedAt - created) / 1000);
          mine.resolution.push((solvedAt - created) / 1000);
        }
      }
    }
    await load(events);
    const quantile = (values: number[], q: number) => {
      const sorted = [...values].sort((a, b) => a - b);
      return interpolate(q, sorted.length, (rank) => sorted[rank] as number);
    };
    const frt = await computeMetric('frt', kpi, PERIOD, {}, NOW);
    expect(frt.n).toBe(241);
    expect(frt.value).toBe(quantile(expected.frt, 0.5));
    expect(frt.details.p90).toBe(quantile(expected.frt, 0.9));
    expect(frt.details.mean).toBeCloseTo(expected.frt.reduce((sum, value) => sum + value, 0) / 241, 6);
    const billing = await computeMetric('frt', kpi, PERIOD, { team: 'billing' }, NOW);
    expect(billing.n).toBe(expected.frtBilling.length);
    expect(billing.value).toBe(quantile(expected.frtBilling, 0.5));
    expect(billing.details.p90).toBe(quantile(expected.frtBilling, 0.9));
    const resolution = await computeMetric('resolution', kpi, PERIOD, {}, NOW);
    const full = (resolution.details as { full: { n: number; median: number | null; p90: number | null } }).full;
    expect(full.n).toBe(expected.resolution.length);
    expect(full.median).toBe(quantile(expected.resolution, 0.5));
    expect(full.p90).toBe(quantile(expected.resolution, 0.9));
    const { metrics } = await computeSummary(kpi, PERIOD, {}, NOW);
    expect(metrics.find((m) => m.metric === 'frt')).toMatchObject({ value: quantile(expected.frt, 0.5), n: 241 });
    expect(metrics.find((m) => m.metric === 'resolution')).toMatchObject({ value: quantile(expected.resolution, 0.5), n: expected.resolution.length });
    // The agents table: each assignee's medians, as the headlines' definitions over their own tickets.
    const table = await computeAgents(kpi, PERIOD, {}, NOW, 'solved');
    const medians = Object.fromEntries(table.rows.map((row) => [row.email, [row.frtMedian, row.resolutionMedian]]));
    expect(medians).toEqual(Object.fromEntries([...byAssignee].map(([email, mine]) => [email, [quantile(mine.frt, 0.5), quantile(mine.resolution, 0.5)]])));
    expect([...byAssignee.values()].map((mine) => mine.frt.length % 2)).toContain(1);
  });

  it('filters narrow every metric, and combine', async () => {
    await load([...ticket('1', START + DAY, 1, 5), ...ticket('2', START + DAY, 2, 6, { team: 'Sales', priority: 'high' }), ...ticket('3', START + DAY, 3, null, { team: 'Sales', priority: 'low' })]);
    expect((await computeMetric('volume', kpi, PERIOD, { team: 'sales' }, NOW)).value).toBe(2);
    expect((await computeMetric('volume', kpi, PERIOD, { team: 'Sales', priority: 'high' }, NOW)).value).toBe(1);
    expect((await computeMetric('frt', kpi, PERIOD, { team: 'Billing' }, NOW)).value).toBe(3600);
    expect((await computeMetric('volume', kpi, PERIOD, { agent: 'ayu@example.com' }, NOW)).value).toBe(3);
    expect((await computeMetric('volume', kpi, PERIOD, { agent: 'nobody@example.com' }, NOW)).value).toBe(0);
  });

  it('team and agent names match ignoring case beyond A-Z, alike on both engines (Ödeme, İade, Öznur)', async () => {
    const oznur: Actor = { type: 'agent', id: 'a9', name: 'Öznur Yılmaz' };
    await load([
      ...ticket('t1', START + DAY, 1, null, { team: 'Ödeme', assignee: oznur }), ...ticket('t2', START + DAY, 2, null, { team: 'İade' }),
      ...ticket('t3', START + DAY, 3, null, { team: 'Ödeme' }),
    ]);
    const volume = async (filters: Record<string, string>) => (await computeMetric('volume', kpi, PERIOD, filters, NOW)).value;
    // Before the stored keys, SQLite found none of the Ödeme tickets even as written (its lower() leaves Ö as it is).
    for (const team of ['Ödeme', 'ödeme', 'ÖDEME', ' ödeme ']) expect(await volume({ team }), team).toBe(2);
    for (const team of ['İade', 'iade', 'İADE', 'IADE']) expect(await volume({ team }), team).toBe(1);
    for (const agent of ['Öznur Yılmaz', 'öznur yılmaz', 'ÖZNUR YILMAZ', '@öznur yilmaz']) expect(await volume({ agent }), agent).toBe(1);
    expect(await volume({ team: 'Odeme' })).toBe(0);
  });

  it('resolution, fcr, backlog and escalations', async () => {
    await load([
      ...ticket('1', START + DAY, 1, 5), // one reply, solved: first contact
      ...ticket('2', START + DAY, 1, 9), ev('2', 'agent_reply', START + DAY + 2 * H, {}, agent), // two replies
      ...ticket('3', START + DAY, null, null), ev('3', 'tags_changed', START + 2 * DAY, { addedTags: ['escalated'] }), // open, escalated
      ...ticket('4', START + 2 * DAY, 1, 3), ev('4', 'status_changed', START + 2 * DAY + 4 * H, { status: 'open' }), // reopened: open again
    ]);
    const resolution = await computeMetric('resolution', kpi, PERIOD, {}, NOW);
    expect(resolution.details).toMatchObject({ full: { n: 2, median: 7 * 3600 }, first: { n: 3, median: 5 * 3600 } });
    const fcr = await computeMetric('fcr', kpi, PERIOD, {}, NOW);
    expect(fcr).toMatchObject({ value: 100 / 3, n: 3, unit: 'percent' });
    const backlog = await computeMetric('backlog', kpi, PERIOD, {}, NOW);
    expect(backlog).toMatchObject({ value: 2, n: 2 });
    expect(backlog.details).toMatchObject({ ages: { under1d: 0, d1to3: 0, d3to7: 0, over7d: 2 }, oldest: { externalId: '3' } });
    const escalations = await computeMetric('escalations', kpi, PERIOD, {}, NOW);
    expect(escalations).toMatchObject({ value: 1, details: { created: 4, rate: 25 } });
  });

  it('backlog: "7 days earlier" is seven local days back, the local midnight before, across a change of the clocks', async () => {
    // London went back an hour on 25 October 2026. The week to Monday 26 October 00:00 GMT began Monday 19 October
    // 00:00 BST (18 Oct 23:00Z), 169 hours earlier; a ticket opened at 00:30 BST that Monday was not open then.
    await load([...ticket('monday', Date.parse('2026-10-18T23:30:00Z'), null, null), ...ticket('sunday', Date.parse('2026-10-18T22:00:00Z'), null, null)]);
    const to = Date.parse('2026-10-26T00:00:00Z');
    const london: PeriodRange = { from: to - 7 * DAY - H, to, timezone: 'Europe/London', previous: { from: to - 14 * DAY - H, to: to - 7 * DAY - H } };
    const backlog = await computeMetric('backlog', kpi, london, {}, to);
    expect(backlog).toMatchObject({ value: 2, n: 2 });
    expect(backlog.details).toMatchObject({ sevenDaysEarlier: 1, changeAgainstSevenDaysEarlier: 100 });
  });

  it('backlog and unresolved at a past instant count a ticket solved then as solved, though it was reopened since', async () => {
    const at = START + 10 * DAY; // a past instant: the end of a past period
    await load([
      // Solved on day 2, reopened on day 15, solved again on day 16: solved at day 10.
      ...ticket('again', START, 1, 2 * 24), ev('again', 'reopened', START + 15 * DAY), ev('again', 'status_changed', START + 16 * DAY, { status: 'solved' }),
      // Solved on day 2, reopened on day 15, still open: solved at day 10, open now.
      ...ticket('reopened', START, 1, 2 * 24), ev('reopened', 'status_changed', START + 15 * DAY, { status: 'open' }),
      // Solved on day 2, reopened on day 5, solved on day 12: open at day 10.
      ...ticket('back', START, 1, 2 * 24), ev('back', 'reopened', START + 5 * DAY), ev('back', 'status_changed', START + 12 * DAY, { status: 'solved' }),
      ...ticket('open', START + DAY, 1, null), // open throughout
    ]);
    expect(await db('ticket_resolved_spans').orderBy('reopened_at').select('resolved_at', 'reopened_at')).toEqual([
      { resolved_at: START + 2 * DAY, reopened_at: START + 5 * DAY },
      { resolved_at: START + 2 * DAY, reopened_at: START + 15 * DAY },
      { resolved_at: START + 2 * DAY, reopened_at: START + 15 * DAY },
    ]);
    const past: PeriodRange = { from: START, to: at, timezone: 'UTC', previous: { from: START - 10 * DAY, to: START } };
    const backlog = await computeMetric('backlog', kpi, past, {}, NOW);
    expect(backlog).toMatchObject({ value: 2, n: 2 });
    expect(backlog.details).toMatchObject({ ages: { under1d: 0, d1to3: 0, d3to7: 0, over7d: 2 }, oldest: { externalId: 'back' } });
    // The summary counts the backlog its own way (backlogCount): the same number.
    expect((await computeSummary(kpi, past, {}, NOW)).metrics.find((m) => m.metric === 'backlog')).toMatchObject({ value: 2 });
    expect((await kpi.ticketList('backlog', { at, range: past, filters: {}, offset: 0, limit: 10 })).rows.map((row) => row.externalId).sort()).toEqual(['back', 'open']);
    // Resolved in it: 'again' and 'reopened', solved on day 2 and still solved at its end; not 'back', reopened within it.
    expect(await computeMetric('resolved', kpi, past, {}, NOW)).toMatchObject({ value: 2, n: 4, details: { resolved: 2, unresolved: 2 } });
    expect(await computeMetric('resolved', kpi, past, { team: 'billing' }, NOW)).toMatchObject({ value: 2 });
    expect(await computeMetric('resolved', kpi, past, { team: 'sales' }, NOW)).toMatchObject({ value: 0 });
    // Today's period holds 'again' (solved again on day 16) and 'back' (day 12); 'reopened' is open.
    expect(await computeMetric('resolved', kpi, PERIOD, {}, NOW)).toMatchObject({ value: 2 });
    // Now every reopened ticket is where it is today.
    expect(await computeMetric('backlog', kpi, PERIOD, {}, NOW)).toMatchObject({ value: 2 }); // 'reopened' and 'open'
  });

  it('overdue at a past period\'s end counts the tickets open and past a due time then, as they stood then', async () => {
    const at = START + 10 * DAY; // the previous period's end
    const period: PeriodRange = { from: at, to: START + 20 * DAY, timezone: 'UTC', previous: { from: START, to: at } };
    await load([
      ...ticket('late-reply', START, 12 * 24, 13 * 24), // first reply due on day 1, given on day 12: overdue at day 10
      ...ticket('late-solve', START + DAY, 1, 13 * 24), // resolution due on day 5, solved on day 14: overdue at day 10
      ...ticket('on-time', START, 1, 12 * 24), // replied in time, resolution due on day 20: not overdue at day 10
      // Solved on day 2 within its target, reopened on day 15 and open now: solved at day 10, so not overdue then.
      ...ticket('reopened', START, 1, 2 * 24), ev('reopened', 'status_changed', START + 15 * DAY, { status: 'open' }),
      ...ticket('waiting', START + DAY, null, null), // no reply, due on day 1 + 1 h: overdue then and now
      ...ticket('later', START + 11 * DAY, null, null), // created after day 10
    ]);
    const due = { 'late-reply': [START + DAY, START + 20 * DAY], 'late-solve': [START + 2 * DAY, START + 5 * DAY], 'on-time': [START + 2 * H, START + 20 * DAY], reopened: [START + 2 * H, START + 3 * DAY], waiting: [START + DAY + H, START + 20 * DAY], later: [START + 11 * DAY + H, START + 12 * DAY] };
    for (const [id, [firstResponse, resolution]] of Object.entries(due)) {
      await db('tickets').where({ external_id: id }).update({ first_response_due_at: firstResponse, resolution_due_at: resolution });
    }
    const overdue = await computeMetric('overdue', kpi, period, {}, NOW);
    expect(overdue).toMatchObject({ value: 3, previous: { value: 3, n: 3 } }); // now: reopened, waiting, later; at day 10: late-reply, late-solve, waiting
    expect((await computeSummary(kpi, period, {}, NOW)).metrics.find((m) => m.metric === 'overdue')).toMatchObject({ value: 3, previous: { value: 3 } });
    const then = await kpi.overdueNow(at, {}, 10);
    expect(then.oldest.map((row) => [row.externalId, row.target, row.dueAt])).toEqual([
      ['late-reply', 'first_response', START + DAY],
      ['waiting', 'first_response', START + DAY + H],
      ['late-solve', 'resolution', START + 5 * DAY],
    ]);
    // Show tickets gives each the due time it had missed then: late-reply's first reply (answered since), not its resolution due on day 20.
    expect((await kpi.ticketList('overdue', { at, range: period.previous, filters: {}, offset: 0, limit: 10 })).rows.map((row) => [row.externalId, row.dueAt])).toEqual([
      ['late-reply', START + DAY],
      ['waiting', START + DAY + H],
      ['late-solve', START + 5 * DAY],
    ]);
    // The backlog list gives the target still running: late-reply, answered, awaits its resolution.
    expect((await kpi.ticketList('backlog', { at, range: period.previous, filters: {}, offset: 0, limit: 10 })).rows.find((row) => row.externalId === 'late-reply')?.dueAt).toBe(START + 20 * DAY);
    expect((await kpi.overdueNow(NOW, {}, 10)).oldest.map((row) => row.externalId)).toEqual(['waiting', 'reopened', 'later']);
    // A period that has ended is counted at its end too, not now; one that runs on, now (not at its end, when more would be due).
    const ended = await computeMetric('overdue', kpi, { ...period.previous, timezone: 'UTC', previous: { from: START - 10 * DAY, to: START } }, {}, NOW);
    expect(ended).toMatchObject({ value: 3, details: { oldest: [{ externalId: 'late-reply' }, { externalId: 'waiting' }, { externalId: 'late-solve' }] } });
    const running: PeriodRange = { from: START + 10 * DAY, to: NOW + 10 * DAY, timezone: 'UTC', previous: { from: START - 10 * DAY, to: START + 10 * DAY } };
    expect(await computeMetric('overdue', kpi, running, {}, NOW)).toMatchObject({ value: 3, previous: { value: 3 } });
  });

  it('the summary\'s headlines equal each metric\'s own value, n and previous period', async () => {
    await load([
      ...ticket('1', START + DAY, 1, 5), ...ticket('2', START + DAY, 2, 9), ev('2', 'agent_reply', START + DAY + 3 * H, {}, agent),
      ...ticket('3', START + DAY, null, null), ev('3', 'tags_changed', START + 2 * DAY, { addedTags: ['escalated'] }),
      ...ticket('4', START + 2 * DAY, 1, 3), ev('4', 'status_changed', START + 2 * DAY + 4 * H, { status: 'open' }),
      ...ticket('5', START - 3 * DAY, 4, 30), ...ticket('6', START - 2 * DAY, null, null, { priority: 'high' }),
      { kind: 'survey', rating: { kind: 'csat', scale: '1-5', score: 5 }, occurredAt: START + DAY, dedupeKey: `s${key++}` },
      { kind: 'survey', rating: { kind: 'csat', scale: '1-5', score: 2 }, occurredAt: START - DAY, dedupeKey: `s${key++}` },
    ]);
    await db('tickets').where({ external_id: '3' }).update({ resolution_due_at: START + 2 * DAY });
    const { metrics } = await computeSummary(kpi, PERIOD, {}, NOW);
    expect(metrics.map((m) => m.metric)).toEqual(['volume', 'backlog', 'frt', 'resolution', 'overdue', 'escalations', 'csat', 'fcr']);
    for (const headline of metrics) {
      const full = await computeMetric(headline.metric as Exclude<typeof headline.metric, 'summary' | 'agents'>, kpi, PERIOD, {}, NOW);
      expect({ metric: headline.metric, value: headline.value, n: headline.n, previous: headline.previous, trend: headline.trend }).toEqual({ metric: full.metric, value: full.value, n: full.n, previous: full.previous, trend: full.trend });
      expect(headline.details).toEqual({});
      // The previous period's headline (which the metric's own reply shows too) equals the full computation with that period as the current one.
      const asCurrent = await computeMetric(headline.metric as Exclude<typeof headline.metric, 'summary' | 'agents'>, kpi, { ...PERIOD.previous, timezone: 'UTC', previous: { from: START - 60 * DAY, to: START - 30 * DAY } }, {}, NOW);
      expect({ metric: headline.metric, ...headline.previous }).toEqual({ metric: asCurrent.metric, value: asCurrent.value, n: asCurrent.n });
    }
    expect(metrics.find((m) => m.metric === 'overdue')?.value).toBe(1);
    expect(metrics.find((m) => m.metric === 'backlog')?.previous).toEqual({ value: 1, n: 1 }); // ticket 6; ticket 5 was solved before the period
  });

  it('the agents table\'s order: better end first, no value last, then name, then agent id, so two of one name and value keep one order', () => {
    const row = (agentId: number, name: string, frtMedian: number | null): AgentRow => ({ agentId, name, email: null, slackUserId: null, solved: 1, frtMedian, resolutionMedian: null, csat: null, csatAnswers: 0, fcr: null, aht: null, openAssigned: 0, overdue: 0 });
    const rows = [row(9, 'Sam', 60), row(3, 'Sam', 60), row(5, 'Ana', null), row(7, 'Ayu', 30), row(2, 'Sam', null), row(1, 'Zed', 60)];
    for (const start of [rows, [...rows].reverse()]) {
      expect([...start].sort(agentOrder('frtMedian')).map((r) => `${r.name}#${r.agentId}`)).toEqual(['Ayu#7', 'Sam#3', 'Sam#9', 'Zed#1', 'Ana#5', 'Sam#2']);
    }
  });

  it('CSAT, NPS, CES and eNPS from survey answers, with the worked examples', async () => {
    const answers: NormalizedEvent[] = [];
    const answer = (kind: 'csat' | 'nps' | 'ces' | 'enps', scale: '1-5' | '0-10' | '1-7', score: number) =>
      answers.push({ kind: 'survey', rating: { kind, scale, score }, occurredAt: START + DAY, dedupeKey: `s${key++}` });
    for (let i = 0; i < 43; i += 1) answer('csat', '1-5', 4);
    for (let i = 0; i < 29; i += 1) answer('csat', '1-5', 5);
    for (let i = 0; i < 28; i += 1) answer('csat', '1-5', i % 3 + 1);
    for (let i = 0; i < 70; i += 1) answer('nps', '0-10', 9 + (i % 2));
    for (let i = 0; i < 20; i += 1) answer('nps', '0-10', 7 + (i % 2));
    for (let i = 0; i < 10; i += 1) answer('nps', '0-10', 1 + (i % 6));
    for (const score of [7, 6, 5, 2]) answer('ces', '1-7', score);
    for (const score of [10, 9, 3]) answer('enps', '0-10', score);
    // Answers on a scale their kind does not use (ingestion refuses them now; older rows may hold them) are left out, not mixed in.
    answer('ces', '1-5', 1);
    answer('csat', '0-10', 9);
    answer('nps', '1-7', 2);
    await load(answers);
    expect(await computeMetric('csat', kpi, PERIOD, {}, NOW)).toMatchObject({ value: 72, n: 100 });
    expect(await computeMetric('nps', kpi, PERIOD, {}, NOW)).toMatchObject({ value: 60, n: 100 });
    expect(await computeMetric('ces', kpi, PERIOD, {}, NOW)).toMatchObject({ value: 5, n: 4, details: { easyShare: 75 } });
    // A wave of fewer than five eNPS answers (three sent with no survey id: that month's wave) counts nowhere.
    expect(await computeMetric('enps', kpi, PERIOD, {}, NOW)).toMatchObject({ value: null, n: 0, details: { hidden: true } });
    // A pulse of six: 3 promoters, 2 passives, 1 detractor: (3 - 1) / 6 = 33.3, its answers counted in the period of
    // its first, even the one given after the period.
    const pulse = [10, 9, 10, 7, 8, 3].map((score, i): NormalizedEvent => ({ kind: 'survey', rating: { kind: 'enps', scale: '0-10', score }, occurredAt: i === 5 ? PERIOD.to + DAY : START + 2 * DAY, surveyId: 'pulse-1', dedupeKey: `e${i}` }));
    await load(pulse);
    const enps = await computeMetric('enps', kpi, PERIOD, {}, NOW);
    expect(enps).toMatchObject({ n: 6, details: { promoters: 3, passives: 2, detractors: 1 } });
    expect(enps.value).toBeCloseTo(33.333, 3);
    // A survey id that reads like a month's key is its own wave, not that month's: 3 and 3 (with the first three) stay apart.
    const month = new Date(START + DAY).toISOString().slice(0, 7);
    await load([0, 1, 2].map((i): NormalizedEvent => ({ kind: 'survey', rating: { kind: 'enps', scale: '0-10', score: 10 }, occurredAt: START + DAY, surveyId: `month:${month}`, dedupeKey: `look-alike${i}` })));
    expect(await computeMetric('enps', kpi, PERIOD, {}, NOW)).toMatchObject({ n: 6 });
  });

  it('churn (worked example), repeat purchase and self-service', async () => {
    const events: NormalizedEvent[] = [];
    for (let i = 0; i < 100; i += 1) events.push({ kind: 'customer', type: 'became_customer', customerId: `c${i}`, occurredAt: START - 400 * DAY, dedupeKey: `b${i}` });
    for (let i = 0; i < 50; i += 1) events.push({ kind: 'customer', type: 'churned', customerId: `c${i}`, occurredAt: START + 10 * DAY, dedupeKey: `x${i}` });
    for (let i = 0; i < 10; i += 1) events.push({ kind: 'customer', type: 'became_customer', customerId: `new${i}`, occurredAt: START + DAY, dedupeKey: `n${i}` });
    for (let i = 0; i < 4; i += 1) events.push({ kind: 'customer', type: 'purchase', customerId: 'c70', occurredAt: START + i * DAY, dedupeKey: `p${i}` });
    events.push({ kind: 'customer', type: 'purchase', customerId: 'c71', occurredAt: START + DAY, dedupeKey: 'p9' });
    events.push({ kind: 'self_service', sessionId: 's1', startedAt: START + DAY, resolvedWithoutTicket: true, dedupeKey: 's1' });
    events.push({ kind: 'self_service', sessionId: 's2', startedAt: START + DAY, resolvedWithoutTicket: true, dedupeKey: 's2' });
    events.push({ kind: 'self_service', sessionId: 's3', startedAt: START + DAY, resolvedWithoutTicket: false, dedupeKey: 's3' });
    await load([...events, ...ticket('1', START + DAY, 1, null), ...ticket('2', START + DAY, 1, null)]);
    expect(await computeMetric('churn', kpi, PERIOD, {}, NOW)).toMatchObject({ value: 50, n: 100 });
    expect(await computeMetric('repeat', kpi, PERIOD, {}, NOW)).toMatchObject({ value: 50, n: 2 });
    expect(await computeMetric('selfservice', kpi, PERIOD, {}, NOW)).toMatchObject({ value: 50, n: 4 });
  });

  it('churn follows each customer\'s history: a later return does not rewrite the period they left in', async () => {
    const events: NormalizedEvent[] = [];
    let n = 0;
    const customer = (id: string, type: 'became_customer' | 'purchase' | 'churned' | 'reactivated', at: number) => events.push({ kind: 'customer', type, customerId: id, occurredAt: at, dedupeKey: `k${n++}` });
    for (let i = 0; i < 10; i += 1) customer(`c${i}`, 'became_customer', START - 400 * DAY);
    customer('c0', 'churned', START + 5 * DAY); // left in the period, came back after it: lost in the period
    customer('c0', 'reactivated', START + 40 * DAY);
    customer('c1', 'churned', START - 10 * DAY); // left before the period, back after it: not a customer at its start
    customer('c1', 'purchase', START + 40 * DAY);
    customer('c2', 'churned', START + 5 * DAY); // left and came back within the period: not lost
    customer('c2', 'purchase', START + 20 * DAY);
    customer('c3', 'churned', START + 5 * DAY); // left for good
    customer('c4', 'purchase', START + 6 * DAY); // a churn and a purchase at one instant: a churn
    customer('c4', 'churned', START + 6 * DAY);
    customer('late', 'became_customer', START + 2 * DAY); // gained during the period: not counted
    customer('late', 'churned', START + 3 * DAY);
    await load(events);
    // At the start: c0, c2-c9 (9); lost by the end: c0, c3, c4. The previous period lost c1 of 10.
    expect(await computeMetric('churn', kpi, PERIOD, {}, NOW)).toMatchObject({ value: expect.closeTo(100 / 3, 9), n: 9, previous: { value: 10, n: 10 } });
  });

  it('agents: one row per assignee, with medians per agent, sortable', async () => {
    const bob: Actor = { type: 'agent', id: 'a2', email: 'bob@example.com', name: 'Bob' };
    await load([
      ...ticket('1', START + DAY, 1, 4), ...ticket('2', START + DAY, 3, 6), // Ayu: FRT 1 h and 3 h → median 2 h; resolutions 4 h, 6 h → 5 h
      ...ticket('3', START + DAY, 2, 10, { assignee: bob }), ev('3', 'agent_reply', START + DAY + 3 * H, {}, bob), // Bob: two replies, not FCR
      ...ticket('4', START + DAY, null, null, { assignee: bob }), // Bob: open
      ev('1', 'rating', START + DAY + 5 * H, { rating: { kind: 'csat', scale: '1-5', score: 5 } }),
      ev('3', 'rating', START + DAY + 11 * H, { rating: { kind: 'csat', scale: '1-5', score: 2 } }),
    ]);
    const table = await computeAgents(kpi, PERIOD, {}, NOW, 'solved');
    expect(table.rows.map((row) => [row.email, row.solved, row.frtMedian, row.resolutionMedian, row.csat, row.fcr, row.openAssigned])).toEqual([
      ['ayu@example.com', 2, 2 * 3600, 5 * 3600, 100, 100, 0],
      ['bob@example.com', 1, 2 * 3600, 10 * 3600, 0, 0, 1],
    ]);
    const byOpen = await computeAgents(kpi, PERIOD, {}, NOW, 'openAssigned');
    expect(byOpen.rows[0]?.email).toBe('bob@example.com');
    const byResolution = await computeAgents(kpi, PERIOD, {}, NOW, 'resolutionMedian');
    expect(byResolution.rows[0]?.email).toBe('ayu@example.com');
  });

  it('agents: the resolution median is full resolution, as the resolution headline: a reopened ticket counts to its latest solve', async () => {
    await load([...ticket('1', START + DAY, 1, 4), ev('1', 'reopened', START + DAY + 10 * H, { status: 'open' }, customer), ev('1', 'status_changed', START + DAY + 30 * H, { status: 'solved' })]);
    const table = await computeAgents(kpi, PERIOD, {}, NOW, 'solved');
    expect(table.rows.map((row) => [row.email, row.frtMedian, row.resolutionMedian])).toEqual([['ayu@example.com', 3600, 30 * 3600]]);
    expect((await computeMetric('resolution', kpi, PERIOD, {}, NOW)).value).toBe(30 * 3600);
  });

  it('an empty period says "no data" for rates and durations', async () => {
    const summary = await computeSummary(kpi, PERIOD, {}, NOW);
    const byId = Object.fromEntries(summary.metrics.map((metric) => [metric.metric, metric]));
    expect(byId.frt).toMatchObject({ value: null, n: 0, change: null, trend: 'unknown' });
    expect(byId.csat).toMatchObject({ value: null, n: 0 });
    expect(byId.fcr).toMatchObject({ value: null, n: 0 });
    expect(byId.volume).toMatchObject({ value: 0, n: 0 });
    expect(summary.metrics.map((metric) => metric.metric)).toEqual(['volume', 'backlog', 'frt', 'resolution', 'overdue', 'escalations', 'csat', 'fcr']);
  });
});
