import { describe, expect, it } from 'vitest';
import { loadDemo } from '../src/demo/generate.js';
import { computeMetric } from '../src/kpi/metrics.js';
import { METRIC_IDS } from '../src/kpi/definitions.js';
import { resolvePeriod } from '../src/kpi/periods.js';
import { KpiStore } from '../src/store/kpi-store.js';
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
