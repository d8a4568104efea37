import { beforeEach, describe, expect, it } from 'vitest';
import { IngestStore } from '../../src/store/ingest-store.js';
import { SlaStore } from '../../src/store/sla-store.js';
import { ticketEvent, type CustomerEvent, type NormalizedEvent } from '../../src/ingest/events.js';
import { TEST_ENGINE, useTestDatabase } from '../helpers/databases.js';

const T0 = Date.UTC(2026, 10, 20, 9, 0, 0);
const HOUR = 3_600_000;

const customer = (type: CustomerEvent['type'], customerId: string, at: number, key: string): CustomerEvent => ({ kind: 'customer', type, customerId, occurredAt: at, dedupeKey: key });
const session = (resolvedWithoutTicket: boolean, externalTicketId?: string): NormalizedEvent => ({
  kind: 'self_service', sessionId: 'hc-1', startedAt: T0, resolvedWithoutTicket, dedupeKey: 'hc-1', ...(externalTicketId === undefined ? {} : { externalTicketId }),
});
const nps: NormalizedEvent = { kind: 'survey', rating: { kind: 'nps', scale: '0-10', score: 9 }, occurredAt: T0 + HOUR, customerId: 'c-2', dedupeKey: 'n1' };

describe(`customer, self-service and survey events written together on ${TEST_ENGINE}`, () => {
  const t = useTestDatabase({ migrate: true });
  let store: IngestStore;
  beforeEach(() => {
    store = new IngestStore(t.db, { escalationGroups: [], escalationTag: 'escalated' }, () => T0 + 10 * HOUR);
  });

  const customerRow = async (id: string) => t.db('customers').first('became_customer_at', 'churned_at').where({ external_id: id });

  it('in one batch, each event counts once, for its first sender; a session takes its last word; spans follow the whole history', async () => {
    const { db } = t;
    // Asked in the same turn of the event loop, the three are written in one transaction.
    const [a, b, c] = await Promise.all([
      store.recordEvents('generic', [customer('purchase', 'c-1', T0, 'p1'), customer('churned', 'c-1', T0 + 2 * HOUR, 'ch1'), session(true), nps]),
      store.recordEvents('generic', [customer('purchase', 'c-1', T0, 'p1'), customer('reactivated', 'c-1', T0 + 3 * HOUR, 'r1'), session(false, 'T-9')]),
      store.recordEvents('generic', [nps]),
    ]);
    expect([a?.eventsWritten, b?.eventsWritten, c?.eventsWritten]).toEqual([4, 2, 0]);
    expect(await customerRow('c-1')).toEqual({ became_customer_at: T0, churned_at: null }); // back after the churn
    expect(await customerRow('c-2')).toEqual({ became_customer_at: null, churned_at: null }); // answered a survey, never bought
    expect(await db('customer_events').count({ n: '*' })).toEqual([{ n: 3 }]);
    const answer = (await db('survey_responses as s').join('customers as c', 'c.id', 's.customer_id').first('c.external_id', 's.kind', 's.score')) as Record<string, unknown>;
    expect(answer).toEqual({ external_id: 'c-2', kind: 'nps', score: 9 });
    const hc = (await db('self_service_sessions').first('resolved_without_ticket', 'external_ticket_id')) as { resolved_without_ticket: unknown; external_ticket_id: string };
    expect([Boolean(hc.resolved_without_ticket), hc.external_ticket_id]).toEqual([false, 'T-9']);

    // A later churn is read against everything before it; the same events again change nothing.
    expect((await store.recordEvents('generic', [customer('churned', 'c-1', T0 + 5 * HOUR, 'ch2')])).eventsWritten).toBe(1);
    expect(await customerRow('c-1')).toEqual({ became_customer_at: T0, churned_at: T0 + 5 * HOUR });
    expect((await store.recordEvents('generic', [customer('purchase', 'c-1', T0, 'p1'), nps])).eventsWritten).toBe(0);
    expect(await db('customers').count({ n: '*' })).toEqual([{ n: 2 }]);
  });
});

describe(`resolved spans of tickets reopened before migration 25 on ${TEST_ENGINE}`, () => {
  const t = useTestDatabase({ migrate: true });

  it('are rebuilt once at start when the migration asked for it', async () => {
    const { db } = t;
    const store = new IngestStore(db, { escalationGroups: [], escalationTag: 'escalated' }, () => T0);
    const event = (type: 'ticket_created' | 'status_changed', at: number, status: 'new' | 'solved' | 'open', key: string): NormalizedEvent => ({ kind: 'ticket', type, externalTicketId: 'R-1', occurredAt: at, data: { status }, dedupeKey: key });
    await store.recordEvents('generic', [event('ticket_created', T0, 'new', 'e1'), event('status_changed', T0 + HOUR, 'solved', 'e2'), event('status_changed', T0 + 3 * HOUR, 'open', 'e3')]);
    const spans = () => db('ticket_resolved_spans').select('resolved_at', 'reopened_at');
    expect(await spans()).toEqual([{ resolved_at: T0 + HOUR, reopened_at: T0 + 3 * HOUR }]);
    // As after the migration on a database whose tickets were projected before it.
    await db('ticket_resolved_spans').delete();
    expect(await store.backfillProjections()).toEqual([]); // not asked: nothing done
    expect(await spans()).toEqual([]);
    await db('settings').insert({ key: 'backfill:resolved_spans', value: 'true', updated_at: T0 });
    expect(await store.backfillProjections()).toEqual([{ key: 'backfill:resolved_spans', tickets: 1 }]);
    expect(await spans()).toEqual([{ resolved_at: T0 + HOUR, reopened_at: T0 + 3 * HOUR }]);
    expect(await db('settings').where({ key: 'backfill:resolved_spans' }).first('key')).toBeUndefined();
  });
});

describe(`tickets with automated replies projected before migration 27 on ${TEST_ENGINE}`, () => {
  const t = useTestDatabase({ migrate: true });

  it('an automation\'s reply is neither the first response nor a contact, and older projections are rebuilt once at start', async () => {
    const { db } = t;
    const store = new IngestStore(db, { escalationGroups: [], escalationTag: 'escalated' }, () => T0 + 10 * HOUR);
    const reply = (key: string, at: number, type: 'agent' | 'system' | 'bot'): NormalizedEvent => ({ kind: 'ticket', type: 'agent_reply', externalTicketId: key.slice(0, 3), occurredAt: at, data: {}, actor: { type, id: type }, dedupeKey: key });
    const created = (id: string): NormalizedEvent => ({ kind: 'ticket', type: 'ticket_created', externalTicketId: id, occurredAt: T0, data: { status: 'new' }, actor: { type: 'customer', id: 'c' }, dedupeKey: `${id}-c` });
    await store.recordEvents('generic', [created('A-1'), reply('A-1-auto', T0 + HOUR, 'system'), reply('A-1-bot', T0 + 2 * HOUR, 'bot'), reply('A-1-human', T0 + 3 * HOUR, 'agent'), created('B-1'), reply('B-1-human', T0 + HOUR, 'agent')]);
    const projected = () => db('tickets').orderBy('external_id').select('external_id', 'first_response_at', 'agent_reply_count');
    const right = [
      { external_id: 'A-1', first_response_at: T0 + 3 * HOUR, agent_reply_count: 1 },
      { external_id: 'B-1', first_response_at: T0 + HOUR, agent_reply_count: 1 },
    ];
    expect(await projected()).toEqual(right);
    // As projected before: the automation's reply taken for the first response.
    await db('tickets').update({ first_response_at: T0 + HOUR, agent_reply_count: 2 });
    await db('settings').insert({ key: 'backfill:automated_replies', value: 'true', updated_at: T0 });
    expect(await store.backfillProjections()).toEqual([{ key: 'backfill:automated_replies', tickets: 1 }]); // only the ticket holding one
    expect(await projected()).toEqual([right[0], { external_id: 'B-1', first_response_at: T0 + HOUR, agent_reply_count: 2 }]);
    expect(await store.backfillProjections()).toEqual([]);
  });
});

describe(`tickets under SLA clocks projected before migration 28 on ${TEST_ENGINE}`, () => {
  const t = useTestDatabase({ migrate: true });

  it('are rebuilt once at start: under a next-reply target, or opened by an agent under any policy; no others', async () => {
    const { db } = t;
    const store = new IngestStore(db, { escalationGroups: [], escalationTag: 'escalated' }, () => T0 + 10 * HOUR);
    const policy = async (name: string, extra: Record<string, unknown>) => {
      const [row] = (await db('sla_policies').insert({ name, business_hours: false, pause_statuses: '[]', position: 0, created_at: T0, updated_at: T0, ...extra }).returning('id')) as ({ id: number } | number)[];
      return typeof row === 'object' ? row.id : (row as number);
    };
    const created = (id: string, byAgent: boolean): NormalizedEvent => ({
      kind: 'ticket', type: 'ticket_created', externalTicketId: id, occurredAt: T0, data: { status: 'new', ...(byAgent ? { createdByAgent: true } : {}) }, dedupeKey: `${id}-c`,
    });
    await store.recordEvents('generic', [created('N-1', false), created('A-1', true), created('P-1', false), created('X-1', true)]);
    const nextReply = await policy('next reply', { next_reply_seconds: 3600 });
    const plain = await policy('plain', { first_response_seconds: 3600 });
    await db('tickets').whereIn('external_id', ['N-1']).update({ sla_policy_id: nextReply });
    await db('tickets').whereIn('external_id', ['A-1', 'P-1']).update({ sla_policy_id: plain });
    await db('settings').insert({ key: 'backfill:sla_clocks', value: 'true', updated_at: T0 });
    // N-1 (next-reply target) and A-1 (agent-opened, under a policy); not P-1 (plain policy) nor X-1 (no policy).
    expect(await store.backfillProjections()).toEqual([{ key: 'backfill:sla_clocks', tickets: 2 }]);
    expect(await db('settings').pluck('key')).toEqual([]);
  });
});

describe(`urgent and Zendesk agent-opened tickets projected before migration 29 on ${TEST_ENGINE}`, () => {
  const t = useTestDatabase({ migrate: true });

  it('are rebuilt once at start; a priority set to urgent on a ticket without one is then an escalation', async () => {
    const { db } = t;
    const store = new IngestStore(db, { escalationGroups: [], escalationTag: 'escalated' }, () => T0 + 10 * HOUR);
    const ticket = (id: string, data: Record<string, unknown>): NormalizedEvent => ({ kind: 'ticket', type: 'ticket_created', externalTicketId: id, occurredAt: T0, data: { status: 'new', ...data }, dedupeKey: `${id}-c` });
    await store.recordEvents('generic', [
      ticket('U-1', {}), { kind: 'ticket', type: 'priority_changed', externalTicketId: 'U-1', occurredAt: T0 + HOUR, data: { priority: 'urgent' }, dedupeKey: 'U-1-p' },
      ticket('N-1', { priority: 'normal' }),
    ]);
    await store.recordEvents('zendesk', [ticket('Z-1', { createdByAgent: true })]);
    expect(await db('tickets').where({ external_id: 'U-1' }).first('escalated_at')).toEqual({ escalated_at: T0 + HOUR });
    // As projected before: never escalated.
    await db('tickets').where({ external_id: 'U-1' }).update({ escalated_at: null });
    await db('settings').insert({ key: 'backfill:urgent_and_openings', value: 'true', updated_at: T0 });
    expect(await store.backfillProjections()).toEqual([{ key: 'backfill:urgent_and_openings', tickets: 2 }]); // U-1 and Z-1, not N-1
    expect(await db('tickets').where({ external_id: 'U-1' }).first('escalated_at')).toEqual({ escalated_at: T0 + HOUR });
  });
});

describe(`rows written in key order on ${TEST_ENGINE}`, () => {
  const t = useTestDatabase({ migrate: true });

  it('tickets, agents and customers are written (and on PostgreSQL locked) in their keys\' order, whatever order a delivery names them in', async () => {
    // Two replicas writing deliveries that name the same rows in opposite orders must take the rows' locks in one
    // order, or PostgreSQL finds a deadlock (docs/performance.md: 4 of 800 concurrent deliveries before, 0 after).
    const { db } = t;
    const store = new IngestStore(db, { escalationGroups: [], escalationTag: 'escalated' }, () => T0 + 10 * HOUR);
    const created = (id: string): NormalizedEvent => ({ kind: 'ticket', type: 'ticket_created', externalTicketId: id, occurredAt: T0, data: { status: 'new' }, actor: { type: 'customer', id: `cust-${id}` }, dedupeKey: `${id}-c` });
    const reply = (id: string, agent: string): NormalizedEvent => ({ kind: 'ticket', type: 'agent_reply', externalTicketId: id, occurredAt: T0 + HOUR, data: {}, actor: { type: 'agent', id: agent }, dedupeKey: `${id}-r` });
    const statements: { sql: string; bindings: readonly unknown[] }[] = [];
    const record = (query: { sql: string; bindings?: readonly unknown[] }) => statements.push({ sql: query.sql, bindings: query.bindings ?? [] });
    db.on('query', record);
    try {
      await store.recordEvents('generic', [
        // Agents named in neither the delivery's order nor the tickets'.
        created('Z-2'), reply('Z-2', 'amy'), customer('purchase', 'c-9', T0, 'p9'),
        created('A-1'), reply('A-1', 'zed'), customer('purchase', 'c-1', T0, 'p1'),
        created('M-5'), reply('M-5', 'max'),
      ]);
    } finally {
      db.removeListener('query', record);
    }
    // The order a table's rows appear in the statements that write it: each key's first position among the bindings.
    const order = (table: string, keys: readonly string[]) => {
      const writes = statements.filter((s) => new RegExp(`^(insert into|update) [\`"]?${table}[\`"]? `, 'i').test(s.sql));
      expect(writes.length, `statements writing ${table}`).toBeGreaterThan(0);
      const flat = writes.flatMap((s) => s.bindings);
      return keys.map((key) => ({ key, at: flat.indexOf(key) })).filter((k) => k.at >= 0).sort((a, b) => a.at - b.at).map((k) => k.key);
    };
    expect(order('tickets', ['Z-2', 'A-1', 'M-5'])).toEqual(['A-1', 'M-5', 'Z-2']);
    expect(order('agents', ['zed', 'amy', 'max'])).toEqual(['amy', 'max', 'zed']);
    expect(order('customers', ['c-9', 'c-1'])).toEqual(['c-1', 'c-9']);
    if (TEST_ENGINE === 'postgres') {
      const locks = statements.filter((s) => s.sql.includes('pg_advisory_xact_lock')).flatMap((s) => s.bindings.flat());
      expect(locks).toEqual(['generic:A-1', 'generic:M-5', 'generic:Z-2']);
    }
    // And what they wrote is what the events said.
    expect(await db('tickets').orderBy('external_id').pluck('external_id')).toEqual(['A-1', 'M-5', 'Z-2']);
    expect(await db('agents').orderBy('external_id').pluck('external_id')).toEqual(['amy', 'max', 'zed']);
  });
});

describe(`accounts of a person linked to Slack on ${TEST_ENGINE}`, () => {
  const t = useTestDatabase({ migrate: true });

  it('an account first seen after its address was linked (another helpdesk, a new id) gets the Slack user; a linked account keeps its own', async () => {
    const { db } = t;
    const store = new IngestStore(db, { escalationGroups: [], escalationTag: 'escalated' }, () => T0 + 10 * HOUR);
    const assigned = (id: string, agent: { id: string; email?: string }): NormalizedEvent[] => [
      { kind: 'ticket', type: 'ticket_created', externalTicketId: id, occurredAt: T0, data: { status: 'new', assignee: { type: 'agent', ...agent } }, actor: { type: 'customer', id: 'c' }, dedupeKey: `${id}-c` },
    ];
    await store.recordEvents('zendesk', assigned('Z-1', { id: '90', email: 'ayu@example.com' }));
    await db('agents').where({ source: 'zendesk', external_id: '90' }).update({ slack_user_id: 'U0000AYU' });
    // Her Freshdesk account (the address in capitals), and a new Zendesk id with the address; someone else's account.
    await store.recordEvents('freshdesk', [...assigned('F-1', { id: '7', email: 'Ayu@Example.com' }), ...assigned('F-2', { id: '8', email: 'budi@example.com' })]);
    await store.recordEvents('zendesk', assigned('Z-2', { id: '91', email: 'ayu@example.com' }));
    const linked = async (source: string, id: string) => ((await db('agents').where({ source, external_id: id }).first('slack_user_id')) as { slack_user_id: string | null }).slack_user_id;
    expect(await linked('freshdesk', '7')).toBe('U0000AYU');
    expect(await linked('zendesk', '91')).toBe('U0000AYU');
    expect(await linked('freshdesk', '8')).toBeNull();
    // An account linked to someone already stays theirs when another account with its address is linked elsewhere.
    await db('agents').where({ source: 'freshdesk', external_id: '7' }).update({ slack_user_id: 'U0000OTHR' });
    await store.recordEvents('freshdesk', assigned('F-3', { id: '7', email: 'ayu@example.com' }));
    expect(await linked('freshdesk', '7')).toBe('U0000OTHR');
  });
});

describe(`names as one line on ${TEST_ENGINE}`, () => {
  const t = useTestDatabase({ migrate: true });

  it('a team, agent, channel or tag sent with line breaks or control characters is kept on one line, and a long one is cut between characters', async () => {
    const store = new IngestStore(t.db, { escalationGroups: [], escalationTag: 'escalated' }, () => T0 + HOUR);
    const long = `${'x'.repeat(199)}🚀🚀`;
    await store.recordEvents('generic', [
      ticketEvent('T-1', 'ticket_created', { occurredAt: T0, dedupeKey: 'T-1:c' }, { status: 'new', team: 'Billing\n> quoted\r\n• fake item', channel: 'e\tmail', tags: ['vip\nline', 'vip line', '\u0007'] }),
      ticketEvent('T-1', 'assignee_changed', { occurredAt: T0 + 1000, dedupeKey: 'T-1:a' }, { assignee: { type: 'agent', id: 'a-1', name: 'Ayu\u2028  Wulan\u0000', email: 'ayu@example.com' } }),
      ticketEvent('T-2', 'ticket_created', { occurredAt: T0, dedupeKey: 'T-2:c' }, { status: 'new', team: long }),
      ticketEvent('T-2', 'assignee_changed', { occurredAt: T0 + 1000, dedupeKey: 'T-2:a' }, { assignee: { type: 'agent', id: 'a-2', name: long } }),
    ]);
    const tickets = (await t.db('tickets').select('external_id', 'team', 'team_key', 'channel').orderBy('external_id')) as { external_id: string; team: string; team_key: string; channel: string }[];
    expect(tickets[0]).toMatchObject({ team: 'Billing > quoted • fake item', channel: 'e mail' });
    expect(tickets[1]?.team).toBe(`${'x'.repeat(199)}🚀`);
    const agents = (await t.db('agents').select('external_id', 'name').orderBy('external_id')) as { name: string }[];
    expect(agents.map((agent) => agent.name)).toEqual(['Ayu Wulan', `${'x'.repeat(199)}🚀`]);
    const tags = (await t.db('ticket_tags').select('tag').orderBy('tag')) as { tag: string }[];
    expect(tags.map((row) => row.tag)).toEqual(['vip line']);
  });

  it('a team sent with a line break gets the SLA policy named for it on one line, as filters and routes match it', async () => {
    await new SlaStore(t.db, () => T0).addPolicy({ name: 'Tier 2', team: 'Tier 2', firstResponseSeconds: 3600, businessHours: false, pauseStatuses: [] });
    const store = new IngestStore(t.db, { escalationGroups: [], escalationTag: 'escalated' }, () => T0 + HOUR);
    await store.recordEvents('generic', [ticketEvent('T-9', 'ticket_created', { occurredAt: T0, dedupeKey: 'T-9:c' }, { status: 'new', team: 'Tier\n2' })]);
    expect(await t.db('tickets').where({ external_id: 'T-9' }).first('team', 'first_response_due_at')).toEqual({ team: 'Tier 2', first_response_due_at: T0 + HOUR });
  });
});
