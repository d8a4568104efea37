/**
 * Events exactly on a period's edges: periods are [from, to) (docs/report.md, "period": start inclusive, end
 * exclusive), and an open-ticket metric taken at an instant counts a ticket by its state just before it.
 * The differential tests keep every event off these edges (whole minutes + 7 s), so these cases pin them.
 */
import { describe, expect, it } from 'vitest';
import { SlaStore } from '../../src/store/sla-store.js';
import { computeAgents, computeMetric, computeSummary, type PeriodRange } from '../../src/kpi/metrics.js';
import type { TicketEventData, Actor } from '../../src/ingest/events.js';
import { TEST_ENGINE } from '../helpers/databases.js';
import { ticketEvents, useKpiWorld } from '../helpers/kpi-world.js';

const H = 3_600_000;
const DAY = 24 * H;
const START = Date.parse('2026-10-01T00:00:00Z');
const END = START + 30 * DAY;
const PERIOD: PeriodRange = { from: START, to: END, timezone: 'UTC', previous: { from: START - 30 * DAY, to: START } };
const NOW = END + 10 * DAY;

describe(`period edges on ${TEST_ENGINE}`, () => {
  const w = useKpiWorld(NOW);
  const ev = ticketEvents('e');
  const agent: Actor = { type: 'agent', id: 'a1', email: 'ayu@example.com' };
  const customer: Actor = { type: 'customer', id: 'c1' };
  const created = (id: string, at: number, data: TicketEventData = {}) => ev(id, 'ticket_created', at, { status: 'new', priority: 'normal', channel: 'email', team: 'Billing', assignee: agent, ...data }, customer);
  const status = (id: string, at: number, next: 'solved' | 'open') => ev(id, 'status_changed', at, { status: next });

  it('volume: a ticket created at the period\'s first instant is in it, one created at its end is not', async () => {
    await w.load([created('at-start', START), created('at-end', END)]);
    const volume = await computeMetric('volume', w.kpi, PERIOD, {}, NOW);
    expect(volume).toMatchObject({ value: 1, previous: { value: 0 } });
  });

  it('backlog age buckets split at exactly 1 and 7 days and add up to the backlog', async () => {
    // Open at END: one exactly 1 day old, one exactly 3 days, one exactly 7 days.
    await w.load([created('d1', END - 1 * DAY), created('d3', END - 3 * DAY), created('d7', END - 7 * DAY)]);
    const backlog = await computeMetric('backlog', w.kpi, PERIOD, {}, NOW);
    const ages = (backlog.details as { ages: { under1d: number; d1to3: number; d3to7: number; over7d: number } }).ages;
    expect(backlog.value).toBe(3);
    expect(ages).toEqual({ under1d: 0, d1to3: 1, d3to7: 1, over7d: 1 });
    expect(ages.under1d + ages.d1to3 + ages.d3to7 + ages.over7d).toBe(backlog.value);
  });

  it('backlog at the period\'s end: a ticket created at the end is not yet in it; one solved at the end still is (as the summary counts)', async () => {
    await w.load([created('born-at-end', END), created('solved-at-end', START + DAY), status('solved-at-end', END, 'solved')]);
    const backlog = await computeMetric('backlog', w.kpi, PERIOD, {}, NOW);
    const summary = (await computeSummary(w.kpi, PERIOD, {}, NOW)).metrics.find((m) => m.metric === 'backlog');
    expect(backlog.value).toBe(1);
    expect(summary?.value).toBe(backlog.value);
  });

  it('resolved: a ticket solved exactly at the period\'s end is unresolved in it, not resolved', async () => {
    await w.load([created('t', START + DAY), status('t', END, 'solved')]);
    const resolved = await computeMetric('resolved', w.kpi, PERIOD, {}, NOW);
    expect(resolved.details).toMatchObject({ resolved: 0, unresolved: 1 });
    const resolution = await computeMetric('resolution', w.kpi, PERIOD, {}, NOW);
    expect(resolution.n).toBe(0);
  });

  it('resolved: solved in the period and reopened exactly at its end counts as resolved (solved up to the end)', async () => {
    await w.load([created('t', START + DAY), status('t', START + 2 * DAY, 'solved'), status('t', END, 'open')]);
    const resolved = await computeMetric('resolved', w.kpi, PERIOD, {}, NOW);
    expect(resolved.details).toMatchObject({ resolved: 1, unresolved: 0 });
  });

  it('backlog and unresolved: solved exactly at the end and reopened after it: open at the end', async () => {
    await w.load([created('t', START + DAY), status('t', END, 'solved'), status('t', END + H, 'open')]);
    const backlog = await computeMetric('backlog', w.kpi, PERIOD, {}, NOW);
    expect(backlog.value).toBe(1);
    const resolved = await computeMetric('resolved', w.kpi, PERIOD, {}, NOW);
    expect(resolved.details).toMatchObject({ resolved: 0, unresolved: 1 });
  });

  it('first resolution and fcr: a ticket first solved at the period\'s first instant is in it', async () => {
    await w.load([created('t', START - 2 * H), ev('t', 'agent_reply', START - H, {}, agent), status('t', START, 'solved')]);
    const resolution = await computeMetric('resolution', w.kpi, PERIOD, {}, NOW);
    expect((resolution.details as { first: { n: number; median: number } }).first).toMatchObject({ n: 1, median: 2 * 3600 });
    const fcr = await computeMetric('fcr', w.kpi, PERIOD, {}, NOW);
    expect(fcr).toMatchObject({ value: 100, n: 1, previous: { n: 0 } });
  });
  it('overdue at the end: a resolution due exactly at the end is not yet past; a first reply given exactly at the end had not come by then', async () => {
    await w.load([
      created('due-at-end', START + DAY, { resolutionDueAt: END }),
      created('replied-at-end', START + DAY, { firstResponseDueAt: END - H }), ev('replied-at-end', 'agent_reply', END, {}, agent),
    ]);
    const overdue = await computeMetric('overdue', w.kpi, PERIOD, {}, NOW);
    expect(overdue.value).toBe(1);
    expect((overdue.details as { oldest: { externalId: string }[] }).oldest.map((t) => t.externalId)).toEqual(['replied-at-end']);
  });

  it('breached share: a first reply given exactly at its due time met the target', async () => {
    await w.load([created('t', START + DAY, { firstResponseDueAt: START + DAY + H }), ev('t', 'agent_reply', START + DAY + H, {}, agent)]);
    const overdue = await computeMetric('overdue', w.kpi, PERIOD, {}, NOW);
    expect(overdue.details).toMatchObject({ withTarget: 1, breached: 0, breachedShare: 0 });
  });

  it('breached share: a next reply still awaited exactly at its due time is not late yet; a millisecond later it is', async () => {
    // Next reply within 1 h of the customer's message (a policy: the projection computes the due time).
    const sla = new SlaStore(w.db, () => NOW);
    const policy = await sla.addPolicy({ name: 'Next reply', nextReplySeconds: 3600, businessHours: false, pauseStatuses: [] });
    try {
      const created_ = START + DAY;
      await w.load([created('t', created_), ev('t', 'agent_reply', created_ + 10 * 60_000, {}, agent), ev('t', 'customer_message', created_ + H, {}, customer)]);
      const due = Number(((await w.db('tickets').first('next_reply_due_at')) as { next_reply_due_at: number | string }).next_reply_due_at);
      expect(due).toBe(created_ + 2 * H);
      expect((await computeMetric('overdue', w.kpi, PERIOD, {}, due)).details).toMatchObject({ withTarget: 1, breached: 0 });
      expect((await computeMetric('overdue', w.kpi, PERIOD, {}, due + 1)).details).toMatchObject({ withTarget: 1, breached: 1 });
    } finally {
      await sla.removePolicy(policy);
    }
  });

  it('agents: a resolution due exactly now is not overdue now', async () => {
    const now = START + 10 * DAY;
    await w.load([created('t', START + DAY, { resolutionDueAt: now })]);
    const table = await computeAgents(w.kpi, { ...PERIOD, to: now }, {}, now, 'solved');
    expect(table.rows.map((row) => [row.openAssigned, row.overdue])).toEqual([[1, 0]]);
  });
});
