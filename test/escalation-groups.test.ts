/**
 * KPI_ESCALATION_GROUPS decides, at each rebuild of a ticket, whether a move
 * into a group was an escalation. Every process must use the same groups: the
 * bot keeps its own in the database, and commands that rebuild tickets use
 * those, whatever their own environment says.
 */
import { describe, expect, it } from 'vitest';
import { IngestStore } from '../src/store/ingest-store.js';
import { commandProjection, ESCALATION_GROUPS_SETTING, serverProjection } from '../src/store/projection-settings.js';
import type { TicketEvent } from '../src/ingest/events.js';
import { TEST_ENGINE, useTestDatabase } from './helpers/databases.js';
import { runKpibot } from './helpers/process.js';

const T0 = Date.parse('2026-11-10T08:00:00Z');
const H = 3_600_000;

describe(`the escalation groups every process rebuilds tickets with, on ${TEST_ENGINE}`, () => {
  const t = useTestDatabase({ migrate: true, shared: true });
  let key = 0;
  const ev = (ticket: string, type: TicketEvent['type'], at: number, data: TicketEvent['data']): TicketEvent => ({
    kind: 'ticket', type, externalTicketId: ticket, occurredAt: at, data, actor: { type: 'agent', id: 'a1' }, dedupeKey: `k${key++}`,
  });
  const escalated = async () => ((await t.db('tickets').first('escalation_count').where({ external_id: 'MOVED' })) as { escalation_count: number }).escalation_count;
  const rebuildAsked = async () => (await t.db('settings').where({ key: 'rebuild:all' }).first()) !== undefined;

  it('the bot keeps its groups; a command run without the variable rebuilds with them, and says so', async () => {
    // The bot starts with KPI_ESCALATION_GROUPS=Tier 2 on a new database: kept, no rebuild asked.
    const started = await serverProjection(t.db, { escalationGroups: ['Tier 2'] }, T0);
    expect(started.changed).toBeUndefined();
    expect(await rebuildAsked()).toBe(false);
    await new IngestStore(t.db, started.options).recordEvents('generic', [
      ev('MOVED', 'ticket_created', T0, { status: 'open', team: 'Tier 1' }),
      ev('MOVED', 'team_changed', T0 + H, { team: 'Tier 2' }),
    ]);
    expect(await escalated()).toBe(1);
    // `kpibot sla add` from a shell without the variable rebuilds every ticket: the move stays an escalation.
    const added = runKpibot(['sla', 'add', 'all', '--first-response', '8h'], { DATABASE_URL: t.testDb.url, KPI_ESCALATION_GROUPS: '' });
    expect(added.status).toBe(0);
    expect(added.stderr).toBe('note: escalation groups are those the bot keeps in the database (Tier 2), not KPI_ESCALATION_GROUPS here ((none)); set the variable where the bot runs and restart it to change them\n');
    expect(await escalated()).toBe(1);
    // The same groups spelled otherwise are the same groups: no note.
    const same = await commandProjection(t.db, { escalationGroups: [' tier 2 '] }, T0);
    expect(same.note).toBeUndefined();
    expect(same.options.escalationGroups).toEqual(['Tier 2']);
  });

  it('the bot started with other groups keeps them and asks for every ticket to be rebuilt', async () => {
    const restarted = await serverProjection(t.db, { escalationGroups: ['Tier 3'] }, T0 + 2 * H);
    expect(restarted.changed).toEqual({ from: ['Tier 2'], to: ['Tier 3'] });
    expect(await rebuildAsked()).toBe(true);
    expect(JSON.parse(((await t.db('settings').where({ key: ESCALATION_GROUPS_SETTING }).first('value')) as { value: string }).value)).toEqual(['Tier 3']);
    await new IngestStore(t.db, restarted.options).backfillProjections();
    expect(await escalated()).toBe(0);
  });
});
