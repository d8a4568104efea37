/**
 * `by:` breakdowns (docs/metrics.md, "Breakdowns"): a row by a ticket field is the metric with that filter added,
 * against its own previous period; a row by day, week or month is the metric over that unit of the period.
 * Worked examples by hand, on both engines, and each row checked against the metric computed with its own filter or dates.
 */
import { describe, expect, it } from 'vitest';
import { computeMetric, type PeriodRange } from '../../src/kpi/metrics.js';
import { breakdownBuckets, breakdownProblem, computeBreakdown, MAX_BREAKDOWN_VALUES } from '../../src/kpi/breakdown.js';
import { resolvePeriod } from '../../src/kpi/periods.js';
import type { Actor, NormalizedEvent, Priority, TicketEventData } from '../../src/ingest/events.js';
import { TEST_ENGINE } from '../helpers/databases.js';
import { ticketEvents, useKpiWorld } from '../helpers/kpi-world.js';

const MIN = 60_000;
const H = 60 * MIN;
const DAY = 24 * H;
// Monday 2026-10-05 to Monday 2026-10-19: two whole ISO weeks; the previous period is the two weeks before.
const START = Date.parse('2026-10-05T00:00:00Z');
const END = START + 14 * DAY;
const PERIOD: PeriodRange & { word: string } = { word: '2026-10-05..2026-10-18', from: START, to: END, timezone: 'UTC', previous: { from: START - 14 * DAY, to: START } };
const NOW = END + 2 * DAY;

describe('breakdown rules', () => {
  it('refuses the summary, the agents table, and a ticket field for metrics that count no tickets', () => {
    expect(breakdownProblem('summary', 'team', PERIOD)).toBe('breakdown_not_applicable');
    expect(breakdownProblem('agents', 'week', PERIOD)).toBe('breakdown_not_applicable');
    expect(breakdownProblem('churn', 'team', PERIOD)).toBe('breakdown_not_applicable');
    expect(breakdownProblem('enps', 'agent', PERIOD)).toBe('breakdown_not_applicable');
    expect(breakdownProblem('churn', 'month', PERIOD)).toBeUndefined();
    expect(breakdownProblem('frt', 'team', PERIOD)).toBeUndefined();
  });

  it('refuses more than 62 days, weeks or months', () => {
    const at = Date.parse('2026-11-24T12:00:00Z');
    expect(breakdownProblem('volume', 'day', resolvePeriod('62d', at, 'UTC'))).toBeUndefined();
    expect(breakdownProblem('volume', 'day', resolvePeriod('63d', at, 'UTC'))).toBe('breakdown_too_long');
    expect(breakdownProblem('volume', 'week', resolvePeriod('63d', at, 'UTC'))).toBeUndefined();
    expect(breakdownProblem('volume', 'day', resolvePeriod('1970-01-01..2026-01-01', at, 'Asia/Jakarta'))).toBe('breakdown_too_long');
    expect(breakdownProblem('volume', 'month', resolvePeriod('1970-01-01..2026-01-01', at, 'Asia/Jakarta'))).toBe('breakdown_too_long');
  });

  it('cuts weeks at the period\'s edges and names each by its Monday, in the period\'s zone', () => {
    // Wednesday 2026-10-07 to Tuesday 2026-10-20 in Jakarta (UTC+7): a part week, a whole one, a part one.
    const from = Date.parse('2026-10-07T00:00:00+07:00');
    const to = Date.parse('2026-10-21T00:00:00+07:00');
    const buckets = breakdownBuckets({ from, to, timezone: 'Asia/Jakarta' }, 'week');
    expect(buckets.map((bucket) => [bucket.key, bucket.partial])).toEqual([['2026-10-05', true], ['2026-10-12', false], ['2026-10-19', true]]);
    expect(buckets[0]?.range).toEqual({ from, to: Date.parse('2026-10-12T00:00:00+07:00') });
    expect(buckets[2]?.range).toEqual({ from: Date.parse('2026-10-19T00:00:00+07:00'), to });
  });

  it('a day of 23 hours is one row, from midnight to midnight', () => {
    // Europe/Istanbul keeps no DST; Europe/Berlin springs forward on 2026-03-29.
    const from = Date.parse('2026-03-28T00:00:00+01:00');
    const to = Date.parse('2026-03-31T00:00:00+02:00');
    const buckets = breakdownBuckets({ from, to, timezone: 'Europe/Berlin' }, 'day');
    expect(buckets.map((bucket) => bucket.key)).toEqual(['2026-03-28', '2026-03-29', '2026-03-30']);
    expect((buckets[1]?.range.to ?? 0) - (buckets[1]?.range.from ?? 0)).toBe(23 * H);
  });
});

describe(`breakdowns over the database on ${TEST_ENGINE}`, () => {
  const w = useKpiWorld(NOW);
  const ev = ticketEvents('b');
  const ayu: Actor = { type: 'agent', id: 'a1', name: 'Ayu Lestari', email: 'ayu@example.com' };
  const can: Actor = { type: 'agent', id: 'a2', name: 'Can Öztürk', email: 'can@example.com' };
  const customer: Actor = { type: 'customer', id: 'c1' };
  const created = (id: string, at: number, data: TicketEventData = {}) => ev(id, 'ticket_created', at, { status: 'new', priority: 'normal', channel: 'email', assignee: ayu, ...data }, customer);
  const reply = (id: string, at: number, who: Actor = ayu) => ev(id, 'agent_reply', at, {}, who);
  const solve = (id: string, at: number) => ev(id, 'status_changed', at, { status: 'solved' });

  /**
   * Billing: replies after 1 h, 3 h and 2 h in the period (median 2 h), 4 h in the previous one.
   * Technical: 30 min in the period, one ticket still unanswered. One ticket with no team: 4 h.
   */
  const world = (): NormalizedEvent[] => {
    const d = (day: number, hour: number) => START + day * DAY + hour * H;
    return [
      created('b1', d(0, 10), { team: 'Billing' }), reply('b1', d(0, 11)), solve('b1', d(1, 9)),
      created('b2', d(1, 10), { team: 'Billing', priority: 'high' }), reply('b2', d(1, 13)),
      created('b3', d(8, 9), { team: 'billing ', priority: 'urgent', assignee: can }), reply('b3', d(8, 11), can),
      created('t1', d(2, 8), { team: 'Technical', channel: 'chat', assignee: can }), reply('t1', d(2, 8) + 30 * MIN, can), solve('t1', d(9, 8)),
      created('t2', d(9, 8), { team: 'Technical', channel: 'chat', assignee: can }),
      created('n1', d(3, 8)), reply('n1', d(3, 12)),
      created('p1', d(-7, 8), { team: 'Billing' }), reply('p1', d(-7, 12)),
    ];
  };

  it('FRT by team: each row its team\'s median against its own previous period; slowest first; the ticket with no team in no row', async () => {
    await w.load(world());
    const result = await computeBreakdown('frt', 'team', w.kpi, PERIOD, {}, NOW);
    expect(result.rows.map((row) => [row.key, row.value, row.n])).toEqual([
      ['Billing', 2 * 3600, 3],
      ['Technical', 30 * 60, 1],
    ]);
    expect(result.rows[0]).toMatchObject({ previous: { value: 4 * 3600, n: 1 }, change: -50, trend: 'better' });
    expect(result.rows[1]).toMatchObject({ previous: { value: null, n: 0 }, change: null });
    // Median over b1, b2, b3, t1 and n1: 1 h, 3 h, 2 h, 30 min, 4 h → 2 h; n1 is counted once in "without" (created in the period and open at its end).
    expect(result.overall).toMatchObject({ value: 2 * 3600, n: 5 });
    expect(result.without).toBe(1);
    expect(result.more).toBe(0);
  });

  it('each row by a field equals the metric asked with that filter', async () => {
    await w.load(world());
    for (const by of ['team', 'agent', 'priority', 'channel', 'source'] as const) {
      for (const metric of ['frt', 'backlog', 'volume', 'resolved'] as const) {
        const result = await computeBreakdown(metric, by, w.kpi, PERIOD, {}, NOW);
        for (const row of result.rows) {
          const alone = await computeMetric(metric, w.kpi, PERIOD, { [by]: row.key }, NOW);
          expect({ by, metric, key: row.key, value: row.value, n: row.n, previous: row.previous }).toEqual({ by, metric, key: row.key, value: alone.value, n: alone.n, previous: alone.previous });
        }
      }
    }
  });

  it('response by team, priority, helpdesk and agent (one grouped read a period) equals each row asked with its own filter, medians of odd and even counts', async () => {
    const d = (day: number, hour: number) => START + day * DAY + hour * H;
    const ask = (id: string, at: number) => ev(id, 'customer_message', at, {}, customer);
    // Ann has two helpdesk accounts with one address; two helpdesks each have an agent 7 with none.
    const ann90: Actor = { type: 'agent', id: '90', email: 'ann@example.com', name: 'Ann' };
    const ann91: Actor = { type: 'agent', id: '91', email: 'ann@example.com' };
    const seven: Actor = { type: 'agent', id: '7', name: 'Xena' };
    const life = (id: string, day: number, assignee: Actor, team: string, priority: Priority, waits: number[]) => {
      let at = d(day, 8);
      const events = [created(id, at, { team, priority, assignee }), ...waits.flatMap((minutes, index) => {
        const asked = at + (index === 0 ? 0 : 5 * MIN);
        at = asked + minutes * MIN;
        return [...(index === 0 ? [] : [ask(id, asked)]), reply(id, at, assignee)];
      })];
      return events;
    };
    await w.load([...life('r1', 1, ayu, 'Billing', 'high', [10, 20, 40]), ...life('r2', 2, can, 'billing ', 'urgent', [15, 25]), ...life('r3', 3, ayu, 'Technical', 'high', [7]), ...life('r4', -3, can, 'Billing', 'high', [60, 30])]);
    await w.ingest.recordEvents('zendesk', [...life('z1', 4, ann90, 'Billing', 'low', [11, 13, 17]), ...life('z2', 5, seven, 'Technical', 'low', [19])]);
    await w.ingest.recordEvents('freshdesk', [...life('f1', 6, ann91, 'Technical', 'high', [23]), ...life('f2', 7, seven, 'Billing', 'urgent', [29, 31]), ...life('f3', -5, ann91, 'Billing', 'low', [3])]);
    for (const by of ['team', 'priority', 'source', 'agent'] as const) {
      const result = await computeBreakdown('response', by, w.kpi, PERIOD, {}, NOW);
      expect(result.rows.length).toBeGreaterThan(1);
      for (const row of result.rows) {
        const alone = await computeMetric('response', w.kpi, PERIOD, { [by]: row.key, ...(row.source === undefined ? {} : { source: row.source }) }, NOW);
        expect({ by, key: row.key, value: row.value, n: row.n, previous: row.previous, change: row.change, trend: row.trend }).toEqual({ by, key: row.key, value: alone.value, n: alone.n, previous: alone.previous, change: alone.change, trend: alone.trend });
      }
      // As a split alert rule reads them: the period alone.
      const watched = await computeBreakdown('response', by, w.kpi, PERIOD, {}, NOW, { watch: true });
      expect(watched.rows.map((row) => [row.key, row.value, row.n, row.previous])).toEqual(result.rows.map((row) => [row.key, row.value, row.n, undefined]));
    }
    // By hand: Ann's two accounts are one row, her waits 11, 13, 17 and 23 min (median 15 min) against 3 min before.
    const agents = await computeBreakdown('response', 'agent', w.kpi, PERIOD, {}, NOW);
    expect(agents.rows.find((row) => row.key === 'ann@example.com')).toMatchObject({ value: 15 * 60, n: 4, previous: { value: 3 * 60, n: 1 } });
    expect(agents.rows.filter((row) => row.key === '7').map((row) => [row.source, row.value, row.n])).toEqual([['freshdesk', 30 * 60, 2], ['zendesk', 19 * 60, 1]]);
    // With a filter besides: high priority only.
    const highByTeam = await computeBreakdown('response', 'team', w.kpi, PERIOD, { priority: 'high' }, NOW);
    expect(highByTeam.rows.map((row) => [row.key, row.value, row.n])).toEqual([['Billing', 20 * 60, 3], ['Technical', 15 * 60, 2]]);
  });

  it('by agent: a row per assignee, read back by e-mail address, named; unassigned tickets in no row', async () => {
    await w.load([...world(), created('u1', START + DAY, { team: 'Billing', assignee: null })]);
    const result = await computeBreakdown('volume', 'agent', w.kpi, PERIOD, {}, NOW);
    expect(result.rows.map((row) => [row.key, row.name, row.value])).toEqual([
      ['ayu@example.com', 'Ayu Lestari', 3],
      ['can@example.com', 'Can Öztürk', 3],
    ]);
    expect(result.without).toBe(1);
  });

  it('CSAT by team: a team whose tickets were solved before the period but rated in it has its row', async () => {
    const d = (day: number, hour = 9) => START + day * DAY + hour * H;
    const rate = (id: string, at: number, score: number) => ev(id, 'rating', at, { rating: { kind: 'csat', scale: '1-5', score } });
    await w.load([
      created('b1', d(1), { team: 'Billing' }), reply('b1', d(1, 10)), solve('b1', d(2)), rate('b1', d(3), 2),
      created('r1', d(-10), { team: 'Retention' }), reply('r1', d(-10, 10)), solve('r1', d(-8)), rate('r1', d(2), 5),
      created('r2', d(-10), { team: 'Retention' }), reply('r2', d(-10, 10)), solve('r2', d(-6)), rate('r2', d(4), 5),
    ]);
    const result = await computeBreakdown('csat', 'team', w.kpi, PERIOD, {}, NOW);
    expect(result.rows.map((row) => [row.key, row.value, row.n])).toEqual([['Retention', 100, 2], ['Billing', 0, 1]]);
    expect(result.rows.reduce((sum, row) => sum + row.n, 0)).toBe(result.overall.n);
  });

  it('a team whose one ticket was solved before the period and reopened after it is active in no way: no row, not in "more"', async () => {
    const d = (day: number, hour = 9) => START + day * DAY + hour * H;
    await w.load([
      created('b1', d(1), { team: 'Billing' }), reply('b1', d(1, 10)),
      created('g1', d(-20), { team: 'Ghost' }), reply('g1', d(-20, 10)), solve('g1', d(-15)), ev('g1', 'reopened', END + DAY, { status: 'open' }, customer),
    ]);
    const result = await computeBreakdown('frt', 'team', w.kpi, PERIOD, {}, NOW);
    expect(result.rows.map((row) => [row.key, row.value, row.n])).toEqual([['Billing', 3600, 1]]);
    expect(result.more).toBe(0);
  });

  it('two helpdesks\' agents with the same id and no address are two rows, each its own helpdesk\'s; one person\'s two accounts are one row with the name and Slack user either has', async () => {
    const d = (day: number) => START + day * DAY;
    await w.ingest.recordEvents('zendesk', [created('x1', d(1), { assignee: { type: 'agent', id: '7', name: 'Xena' } }), created('x2', d(2), { assignee: { type: 'agent', id: '7', name: 'Xena' } })]);
    await w.ingest.recordEvents('freshdesk', [created('y1', d(1), { assignee: { type: 'agent', id: '7', name: 'Yuri' } })]);
    await w.ingest.recordEvents('zendesk', [created('a1', d(3), { assignee: { type: 'agent', id: '90', email: 'ann@example.com' } })]);
    await w.ingest.recordEvents('freshdesk', [created('a2', d(3), { assignee: { type: 'agent', id: '91', email: 'ann@example.com', name: 'Ann' } })]);
    await w.db('agents').where({ source: 'freshdesk', external_id: '91' }).update({ slack_user_id: 'U0000ANN0' });
    const result = await computeBreakdown('volume', 'agent', w.kpi, PERIOD, {}, NOW);
    expect(result.rows.map((row) => [row.key, row.source ?? null, row.name ?? null, row.slackUserId ?? null, row.value])).toEqual([
      ['7', 'zendesk', 'Xena', null, 2],
      ['ann@example.com', null, 'Ann', 'U0000ANN0', 2],
      ['7', 'freshdesk', 'Yuri', null, 1],
    ]);
  });

  it('two helpdesks\' agents 7 as active as each other rank by helpdesk, whatever order the database returns them in, so pages show each once', async () => {
    const d = (day: number) => START + day * DAY;
    // Zendesk's agent 7 is stored first; freshdesk's ranks first all the same.
    await w.ingest.recordEvents('zendesk', [created('z1', d(1), { assignee: { type: 'agent', id: '7', name: 'Zed' } })]);
    await w.ingest.recordEvents('freshdesk', [created('f1', d(1), { assignee: { type: 'agent', id: '7', name: 'Fay' } })]);
    const values = await w.kpi.breakdownValues('agent', PERIOD, NOW, {}, 1);
    expect(values.values.map((value) => value.source)).toEqual(['freshdesk']);
    expect((await w.kpi.breakdownValues('agent', PERIOD, NOW, {}, 1, 1)).values.map((value) => value.source)).toEqual(['zendesk']);
  });

  it('a page past the end of a breakdown with no values is the first: no offset, nothing more', async () => {
    const empty = await computeBreakdown('volume', 'team', w.kpi, PERIOD, {}, NOW, { page: 1 });
    expect(empty).toMatchObject({ rows: [], more: 0 });
    expect(empty).not.toHaveProperty('offset');
  });

  it('a channel spelt in other cases is one row, as its filter reads it; channel:ÉCHAT finds tickets stored as the adapters lower it (échat), on both engines', async () => {
    const d = (day: number) => START + day * DAY;
    await w.load([created('c1', d(1), { channel: 'échat' }), created('c2', d(2), { channel: 'échat' }), created('c3', d(3), { channel: 'ÉCHAT' }), created('c4', d(4), { channel: 'Chat' }), created('c5', d(5), { channel: 'chat' }), created('c6', d(6), { channel: 'chat' })]);
    const result = await computeBreakdown('volume', 'channel', w.kpi, PERIOD, {}, NOW);
    expect(result.rows.map((row) => row.key)).toEqual(['chat', 'échat']);
    for (const row of result.rows) expect(row.value).toBe((await computeMetric('volume', w.kpi, PERIOD, { channel: row.key }, NOW)).value);
    expect(result.rows[0]?.value).toBe(3);
    expect((await computeMetric('volume', w.kpi, PERIOD, { channel: 'ÉCHAT' }, NOW)).value).toBeGreaterThanOrEqual(2);
    expect((await computeMetric('volume', w.kpi, PERIOD, { channel: 'Échat' }, NOW)).value).toBe((await computeMetric('volume', w.kpi, PERIOD, { channel: 'échat' }, NOW)).value);
  });

  it('by priority: urgent first, whatever the activity', async () => {
    await w.load(world());
    const result = await computeBreakdown('volume', 'priority', w.kpi, PERIOD, {}, NOW);
    expect(result.rows.map((row) => [row.key, row.value])).toEqual([['urgent', 1], ['high', 1], ['normal', 4]]);
  });

  it('a team spelt two ways is one row, under the spelling most of its tickets have', async () => {
    await w.load(world());
    const result = await computeBreakdown('volume', 'team', w.kpi, PERIOD, {}, NOW);
    expect(result.rows.map((row) => [row.key, row.value])).toEqual([['Billing', 3], ['Technical', 2]]);
  });

  it('more values than rows: the most active are shown, the rest counted', async () => {
    const events: NormalizedEvent[] = [];
    for (let team = 0; team < MAX_BREAKDOWN_VALUES + 2; team++) {
      // Team 0 has 1 ticket, team 1 two...: the two least active are left out.
      for (let n = 0; n <= team; n++) events.push(created(`m${team}-${n}`, START + n * H, { team: `Team ${String(team).padStart(2, '0')}` }));
    }
    await w.load(events);
    const result = await computeBreakdown('volume', 'team', w.kpi, PERIOD, {}, NOW);
    expect(result.rows).toHaveLength(MAX_BREAKDOWN_VALUES);
    expect(result.more).toBe(2);
    expect(result.rows.map((row) => row.key)).not.toContain('Team 00');
    expect(result.rows.map((row) => row.key)).not.toContain('Team 01');
    expect(result.rows[0]).toMatchObject({ key: 'Team 11', value: 12 });
    // The next page: the two left out, after the first ten; a page past the end reads the last; all of them at once.
    const next = await computeBreakdown('volume', 'team', w.kpi, PERIOD, {}, NOW, { page: 1 });
    expect(next).toMatchObject({ offset: MAX_BREAKDOWN_VALUES, more: 0, rows: [{ key: 'Team 01', value: 2 }, { key: 'Team 00', value: 1 }] });
    expect(await computeBreakdown('volume', 'team', w.kpi, PERIOD, {}, NOW, { page: 7 })).toMatchObject({ offset: MAX_BREAKDOWN_VALUES, more: 0 });
    const all = await computeBreakdown('volume', 'team', w.kpi, PERIOD, {}, NOW, { all: true });
    expect(all.rows.map((row) => row.value)).toEqual(Array.from({ length: MAX_BREAKDOWN_VALUES + 2 }, (_, i) => MAX_BREAKDOWN_VALUES + 2 - i));
    expect(all).toMatchObject({ more: 0 });
    expect(all).not.toHaveProperty('offset');
  });

  it('backlog and overdue by agent rank the agents by those tickets: everyone with an overdue ticket is named, however busy the others were', async () => {
    // Eleven agents each solved five tickets in the period (ten times as active as the two below), none open.
    const events: NormalizedEvent[] = [];
    for (let agent = 0; agent < MAX_BREAKDOWN_VALUES + 1; agent++) {
      const who: Actor = { type: 'agent', id: `busy${agent}`, name: `Busy ${agent}`, email: `busy${agent}@example.com` };
      for (let n = 0; n < 5; n++) events.push(created(`busy${agent}-${n}`, START + n * H, { assignee: who }), reply(`busy${agent}-${n}`, START + n * H + MIN, who), solve(`busy${agent}-${n}`, START + DAY));
    }
    // Two agents with one open ticket each, past its first-reply target; one such ticket unassigned.
    events.push(created('late-1', START + 2 * DAY, { assignee: { type: 'agent', id: 'late1', name: 'Late One', email: 'late1@example.com' } }));
    events.push(created('late-2', START + 3 * DAY, { assignee: { type: 'agent', id: 'late2', name: 'Late Two', email: 'late2@example.com' } }));
    events.push(created('late-3', START + 3 * DAY, { assignee: null }));
    await w.load(events);
    await w.db('tickets').whereIn('external_id', ['late-1', 'late-2', 'late-3']).update({ first_response_due_at: START + 4 * DAY });
    for (const metric of ['overdue', 'backlog'] as const) {
      const result = await computeBreakdown(metric, 'agent', w.kpi, PERIOD, {}, NOW);
      expect(result.overall.value, metric).toBe(3);
      expect(result.rows.map((row) => [row.key, row.value]), metric).toEqual([['late1@example.com', 1], ['late2@example.com', 1]]);
      expect(result, metric).toMatchObject({ more: 0, without: 1 });
    }
    // Volume still ranks by activity: the busy agents first, the two late ones counted in "more".
    expect(await computeBreakdown('volume', 'agent', w.kpi, PERIOD, {}, NOW)).toMatchObject({ more: 3 });
  });

  it('by week: each row the metric over that week; the rows of a count add up to the period\'s', async () => {
    await w.load(world());
    const result = await computeBreakdown('volume', 'week', w.kpi, PERIOD, {}, NOW);
    expect(result.rows.map((row) => [row.key, row.value, row.partial ?? false])).toEqual([['2026-10-05', 4], ['2026-10-12', 2]].map(([k, v]) => [k, v, false]));
    expect(result.rows.reduce((sum, row) => sum + (row.value ?? 0), 0)).toBe(result.overall.value);
    const frt = await computeBreakdown('frt', 'week', w.kpi, PERIOD, {}, NOW);
    // Week 1: 1 h, 3 h, 30 min, 4 h → median 2 h; week 2: b3's 2 h (t2 awaits its reply).
    expect(frt.rows.map((row) => [row.value, row.n])).toEqual([[2 * 3600, 4], [2 * 3600, 1]]);
  });

  it('backlog by day: each row the open tickets at that day\'s end', async () => {
    await w.load(world());
    const result = await computeBreakdown('backlog', 'day', w.kpi, PERIOD, {}, NOW);
    expect(result.rows).toHaveLength(14);
    for (const [index, row] of result.rows.entries()) {
      const dayEnd = START + (index + 1) * DAY;
      expect(row.value).toBe(await w.kpi.backlogCount(dayEnd, {}));
    }
    // Day 1 (Oct 5): p1 (from the previous period) and b1 open; day 2: b1 solved, b2 open; day 10 (Oct 14): p1, b2, b3, n1, t2 (t1 solved that day).
    expect(result.rows[0]?.value).toBe(2);
    expect(result.rows[1]?.value).toBe(2);
    expect(result.rows[9]?.value).toBe(5);
  });

  it('a running period\'s last day is marked as a part, and no row reaches past now', async () => {
    await w.load(world());
    const now = START + 2 * DAY + 12 * H;
    const running: PeriodRange = { from: START, to: now, timezone: 'UTC', previous: { from: START - 2.5 * DAY, to: START } };
    const result = await computeBreakdown('volume', 'day', w.kpi, running, {}, now);
    expect(result.rows.map((row) => [row.key, row.value, row.partial ?? false])).toEqual([['2026-10-05', 1, false], ['2026-10-06', 1, false], ['2026-10-07', 1, true]]);
    expect(result.rows.at(-1)?.to).toBe(new Date(now).toISOString());
  });
});
