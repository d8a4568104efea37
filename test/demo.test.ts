import { describe, expect, it } from 'vitest';
import { loadDemo } from '../src/demo/generate.js';
import { computeMetric } from '../src/kpi/metrics.js';
import { METRIC_IDS } from '../src/kpi/definitions.js';
import { resolvePeriod } from '../src/kpi/periods.js';
import { KpiStore } from '../src/store/kpi-store.js';
import { IngestStore } from '../src/store/ingest-store.js';
import { runKpibot } from './helpers/process.js';
import { TEST_ENGINE, useTestDatabase } from './helpers/databases.js';

const NOW = Date.parse('2026-11-20T10:00:00Z');
const PROJECTION = { escalationGroups: [], escalationTag: 'escalated' };

describe(`the demo workspace on ${TEST_ENGINE}`, () => {
  const t = useTestDatabase({ migrate: true });

  it('gives every metric data over the last 30 days, and a rerun the same day adds nothing', async () => {
    const { db } = t;
    const first = await loadDemo(db, PROJECTION, { now: NOW, tickets: 300 });
    expect(first.events).toBeGreaterThan(300 * 5);
    const store = new KpiStore(db);
    const period = resolvePeriod('30d', NOW, 'Asia/Jakarta');
    const empty: string[] = [];
    for (const id of METRIC_IDS) {
      if (id === 'summary' || id === 'agents') continue;
      const result = await computeMetric(id, store, period, {}, NOW);
      if (result.value === null) empty.push(id);
    }
    expect(empty).toEqual([]);
    expect((await loadDemo(db, PROJECTION, { now: NOW, tickets: 300 })).events).toBe(0);
  });
});

describe(`kpibot demo --remove on ${TEST_ENGINE}`, () => {
  const t = useTestDatabase({ migrate: true });

  it('takes the sample workspace and its SLA policies out, keeps every other source\'s ticket and timing, and is idempotent', async () => {
    const { db } = t;
    await loadDemo(db, PROJECTION, { now: NOW, tickets: 200 });
    // A real ticket beside it, which the demo's urgent policy timed, and a policy of the admin's own.
    const ingest = new IngestStore(db, PROJECTION, () => NOW);
    await ingest.recordEvents('zendesk', [{ kind: 'ticket', type: 'ticket_created', externalTicketId: 'R-1', occurredAt: NOW - 3_600_000, data: { status: 'open', priority: 'urgent' }, actor: { type: 'customer', id: 'c-1' }, dedupeKey: 'r1' }]);
    expect((await db('tickets').where({ source: 'zendesk' }).first('sla_policy_id'))?.sla_policy_id).not.toBeNull();
    const result = runKpibot(['demo', '--remove'], { DATABASE_URL: t.testDb.url });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^demo: removed 200 tickets \(\d+ events\), \d+ customers, 12 agents and 4 SLA policies of the sample workspace\nrecomputed the due times and business-hours durations of 1 ticket\n$/);
    for (const table of ['tickets', 'ticket_events', 'survey_responses', 'customers', 'customer_events', 'self_service_sessions', 'agents']) {
      expect(Number(((await db(table).where({ source: 'demo' }).count({ n: '*' })) as { n: number | string }[])[0]?.n), table).toBe(0);
    }
    const orphans = await db('ticket_tags').whereNotIn('ticket_id', db('tickets').select('id')).count({ n: '*' });
    expect(Number((orphans[0] as { n: number | string }).n)).toBe(0);
    expect(await db('sla_policies').count({ n: '*' }).then((rows) => Number((rows[0] as { n: number | string }).n))).toBe(0);
    expect(await db('tickets').where({ source: 'zendesk' }).first('external_id', 'sla_policy_id', 'first_response_due_at')).toEqual({ external_id: 'R-1', sla_policy_id: null, first_response_due_at: null });
    // Again: nothing to remove.
    expect(runKpibot(['demo', '--remove'], { DATABASE_URL: t.testDb.url }).stdout).toBe('demo: removed 0 tickets (0 events), 0 customers, 0 agents and 0 SLA policies of the sample workspace\n');
  }, 60_000);
});
