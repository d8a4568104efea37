import { readFileSync, readdirSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { freshdeskAdapter, freshdeskTime } from '../../src/ingest/freshdesk.js';
import type { TicketEvent } from '../../src/ingest/events.js';
import { startTestBot, type TestBot } from '../helpers/bot.js';
import { TEST_ENGINE, clearIngestedData } from '../helpers/databases.js';
import { postWebhook, expectRejectedWithoutText, projectedTicket, expectNoStoredText } from '../helpers/webhooks.js';

const TOKEN = 'fd-test-token-5d1f0c2a9b';
const T0 = Date.parse('2026-10-05T08:00:00Z');
const min = (n: number) => T0 + n * 60_000;

const FIXTURES = new URL('../fixtures/freshdesk/', import.meta.url);
/** One ticket's life as Freshdesk's rules render our template, one body per rule firing, in order. */
const LIFE: { name: string; body: string }[] = readdirSync(FIXTURES)
  .filter((file) => file.endsWith('.json'))
  .sort()
  .map((file) => ({ name: file, body: readFileSync(new URL(file, FIXTURES), 'utf8') }));
// Text the fixtures carry (placeholders an admin added anyway): none of it may be stored.
const TEXT = ['zebracorn', 'Quillfeather', 'quillfeather@example.com', 'Charged twice', 'INV-4471'];

const basic = (password: string, user = 'freshdesk') => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });

const EXPECTED = {
  source: 'freshdesk', external_id: '4711', status: 'closed', priority: 'urgent', channel: 'email', team: 'Billing', requester_id: '80001234567',
  url: 'https://acme.freshdesk.com/helpdesk/tickets/4711', created_by_agent: false, assignee_agent_id: 'set',
  created_at: T0, first_customer_message_at: T0, first_response_at: min(45), first_resolved_at: min(120), resolved_at: min(240), closed_at: min(240),
  reopen_count: 1, agent_reply_count: 2, customer_message_count: 1, escalated_at: min(50), escalation_count: 1, handle_time_seconds: 0,
  customer_id: null, sla_policy_id: null, first_response_due_at: null, next_reply_due_at: null, next_reply_breached: false, resolution_due_at: null,
  // No calendar configured: business hours are calendar hours (45 min, 2 h, 4 h).
  first_response_business_ms: 45 * 60_000, first_resolution_business_ms: 120 * 60_000, resolution_business_ms: 240 * 60_000,
};

describe(`freshdesk webhooks on ${TEST_ENGINE}`, () => {
  let bot: TestBot;
  beforeAll(async () => {
    bot = await startTestBot({ FRESHDESK_WEBHOOK_TOKEN: TOKEN });
  });
  afterAll(() => bot.dispose());
  const clean = async () => {
    await clearIngestedData(bot.db);
  };
  beforeEach(clean);

  const send = (body: string, headers: Record<string, string> = basic(TOKEN)) => postWebhook(bot.url, 'freshdesk', body, headers);
  const ticketRow = () => projectedTicket(bot.db);

  it('turns a full ticket life into the right projection; the internal note is no response', async () => {
    expect(LIFE.map((step) => step.name)).toHaveLength(10);
    for (const step of LIFE) expect((await send(step.body)).status, step.name).toBe(200);
    expect(await ticketRow()).toEqual(EXPECTED);
    expect(await bot.db('ticket_tags').select('tag')).toEqual([{ tag: 'refund' }]);
    expect(await bot.db('survey_responses').select('kind', 'scale', 'score', 'responded_at')).toEqual([{ kind: 'csat', scale: 'good-bad', score: 1, responded_at: min(130) }]);
    expect(await bot.db('ticket_response_intervals').select('customer_at', 'replied_at').orderBy('customer_at')).toEqual([
      { customer_at: T0, replied_at: min(45) },
      { customer_at: min(200), replied_at: min(230) },
    ]);
    expect(await bot.db('agents').select('external_id', 'email', 'name')).toEqual([{ external_id: '80009876543', email: 'agent.one@example.com', name: 'Agent One' }]);
    const types = await bot.db('ticket_events').select('type', 'occurred_at').orderBy('occurred_at');
    expect(types).toContainEqual({ type: 'internal_note', occurred_at: min(10) });
    expect(types.map((row) => row.type)).toEqual([
      'ticket_created', 'internal_note', 'assignee_changed', 'agent_reply', 'priority_changed', 'status_changed', 'rating', 'customer_message', 'agent_reply', 'status_changed',
    ]);
  });

  it('the same life delivered twice, or in reverse order, gives the same projection', async () => {
    for (const step of LIFE) await send(step.body);
    const once = await ticketRow();
    expect(once).toEqual(EXPECTED);
    for (const step of LIFE) expect(await send(step.body)).toEqual({ status: 200, body: { ok: true, duplicate: true, events: 0 } });
    // Freshdesk may render a retry differently (here: the other token header and spacing); its events still dedupe.
    const reRendered = JSON.stringify(JSON.parse(LIFE[3]?.body ?? '{}'), null, 4);
    expect(await send(reRendered, { 'x-webhook-token': TOKEN })).toEqual({ status: 200, body: { ok: true, duplicate: false, events: 0 } });
    expect(await ticketRow()).toEqual(once);
    expect(await bot.db('ticket_events').count({ n: '*' })).toEqual([{ n: LIFE.length }]);

    await clean();
    for (const step of [...LIFE].reverse()) expect((await send(step.body)).status).toBe(200);
    expect(await ticketRow()).toEqual(once);
    expect(await bot.db('survey_responses').select('score')).toEqual([{ score: 1 }]);
  });

  it('keeps no ticket text in events or stored deliveries', async () => {
    for (const step of LIFE) await send(step.body);
    const { data, payloads } = await expectNoStoredText(bot.db, TEXT, LIFE.map((step) => step.body).join('\n'));
    // What is kept is the shape: ids, codes and times.
    expect(payloads).toContain('agent_replied');
    expect(data).toContain('agent.one@example.com'); // the assigned agent, to match Slack users
  });

  describe('authenticity: a shared token, no signature', () => {
    const body = LIFE[0]?.body ?? '';
    it('accepts the token as the Basic password (any username) or as X-Webhook-Token', async () => {
      expect((await send(body, basic(TOKEN, 'anything-at-all'))).status).toBe(200);
      await clean();
      expect((await send(body, basic(TOKEN, ''))).status).toBe(200);
      await clean();
      expect((await send(body, { 'x-webhook-token': TOKEN })).status).toBe(200);
      await clean();
      // A right header beside a wrong one is still the sender knowing the token.
      expect((await send(body, { ...basic('wrong'), 'x-webhook-token': TOKEN })).status).toBe(200);
    });

    it('401 for a missing or wrong token, and nothing is written', async () => {
      const cases: Record<string, string>[] = [
        {},
        basic('wrong-token'),
        basic(`${TOKEN}x`),
        basic(TOKEN.slice(0, -1)),
        { authorization: `Basic ${Buffer.from(TOKEN).toString('base64')}` }, // no colon: no password
        { authorization: `Bearer ${TOKEN}` },
        { 'x-webhook-token': 'wrong-token' },
      ];
      for (const headers of cases) {
        const res = await send(body, headers);
        expect(res.status, JSON.stringify(headers)).toBe(401);
        expect(res.body.error).toBe('bad_signature');
      }
      expect(await bot.db('webhook_deliveries').count({ n: '*' })).toEqual([{ n: 0 }]);
    });

    it('a tampered body is NOT detected, and there is no timestamp to go stale: Freshdesk signs nothing', async () => {
      // Freshdesk has no body signature and no signed timestamp; only the token is checked, so
      // an altered or replayed body from someone who holds the token is accepted. Pinned here so
      // a change in this behaviour is a conscious one (see docs/sources/freshdesk.md, Limitations).
      const tampered = body.replace('"Medium"', '"Low"').replace(/2026-10-05/g, '2019-01-01');
      expect((await send(tampered)).status).toBe(200);
      expect(await bot.db('tickets').select('priority', 'created_at')).toEqual([{ priority: 'low', created_at: Date.parse('2019-01-01T08:00:00Z') }]);
    });
  });

  describe('422 unknown_shape for bodies Freshdesk would not send from the template', () => {
    const fixture = JSON.parse(LIFE[0]?.body ?? '{}') as Record<string, unknown>;
    it('keeps each as a rejected delivery, without its text', async () => {
      const cases: [unknown, string][] = [
        [{ freshdesk_webhook: { ticket_id: 4711, ticket_subject: 'zebracorn refund please' } }, 'Advanced'],
        [{ ...fixture, event: undefined }, 'event is missing'],
        [{ ...fixture, event: 'ticket_exploded' }, 'ticket_exploded'],
        [{ ...fixture, status: 'Awaiting Parts' }, 'status "Awaiting Parts" is a custom Freshdesk status'],
        [{ ...fixture, status: '6' }, 'status code 6'],
        [{ ...fixture, priority: 'Niedrig' }, 'priority "Niedrig"'],
        // A placeholder put in the wrong field: the reason gives the value's length, not the text.
        [{ ...fixture, priority: 'jane.rej@example.com' }, 'priority [20 characters] is not'],
        [{ ...fixture, priority: '+1 555 0100 999' }, 'priority [15 characters] is not'],
        [{ ...fixture, status: '+62 812 3456' }, 'status [12 characters]'],
        [{ ...fixture, updated_at: 'yesterday' }, 'updated_at'],
        [{ ...fixture, ticket_id: '' }, 'ticket_id is missing'],
        [{ ...fixture, event: 'satisfaction_rated', triggered_event: '{customer_feedback:7}' }, 'customer_feedback "7"'],
        [[fixture], 'JSON object'],
      ];
      for (const [payload, message] of cases) {
        const res = await send(JSON.stringify(payload));
        expect(res.status, message).toBe(422);
        expect(res.body).toMatchObject({ error: 'unknown_shape', message: expect.stringContaining(message) });
      }
      await expectRejectedWithoutText(bot.db, cases.length, [...TEXT, 'jane.rej@example.com', '0100 999', '+62 812']);
    });
  });

  it('503 naming FRESHDESK_WEBHOOK_TOKEN when it is not set', async () => {
    const unconfigured = await startTestBot();
    try {
      const res = await postWebhook(unconfigured.url, 'freshdesk', '{}', basic(TOKEN));
      expect(res).toEqual({ status: 503, body: { error: 'source_not_configured', message: 'the freshdesk webhook is not configured: set FRESHDESK_WEBHOOK_TOKEN and restart' } });
    } finally {
      await unconfigured.dispose();
    }
  });
});

describe('freshdesk template values', () => {
  const base = { event: 'ticket_updated', ticket_id: '9', updated_at: '2026-10-05 08:00:00 UTC' };
  const parse = (fields: Record<string, unknown>) => freshdeskAdapter.parse({ ...base, ...fields }, { headers: {}, receivedAt: T0 }) as TicketEvent[];
  const only = (fields: Record<string, unknown>) => {
    const events = parse(fields);
    expect(events).toHaveLength(1);
    return events[0] as TicketEvent;
  };

  it('maps status codes and names, including the default custom statuses', () => {
    const cases: [string, string][] = [
      ['2', 'open'], ['3', 'pending'], ['4', 'solved'], ['5', 'closed'],
      ['Open', 'open'], ['Pending', 'pending'], ['Resolved', 'solved'], ['Closed', 'closed'],
      ['Waiting on Customer', 'pending'], ['waiting  on third party', 'on-hold'], ['On hold', 'on-hold'],
    ];
    for (const [status, expected] of cases) expect(only({ status }).data.status, status).toBe(expected);
    expect(only({ status: '' }).data.status).toBeUndefined();
    expect(() => parse({ status: 'In QA' })).toThrow(/status "In QA" is a custom Freshdesk status the bot cannot place: map it/);
    expect(() => parse({ status: '7' })).toThrow(/status code 7 is a custom Freshdesk status/);
  });

  it('maps priorities and sources', () => {
    const priorities: [string, string][] = [['1', 'low'], ['2', 'normal'], ['3', 'high'], ['4', 'urgent'], ['Low', 'low'], ['Medium', 'normal'], ['High', 'high'], ['URGENT', 'urgent']];
    for (const [priority, expected] of priorities) expect(only({ priority }).data.priority, priority).toBe(expected);
    const sources: [string, string][] = [
      ['1', 'email'], ['2', 'portal'], ['3', 'phone'], ['7', 'chat'], ['9', 'feedback-widget'], ['10', 'outbound-email'], ['42', 'source-42'],
      ['Email', 'email'], ['Feedback Widget', 'feedback-widget'], ['Outbound Email', 'outbound-email'], ['WhatsApp', 'whatsapp'],
    ];
    for (const [source, expected] of sources) expect(only({ event: 'ticket_created', source }).data.channel, source).toBe(expected);
    expect(only({ event: 'ticket_created', source: '10' }).data.createdByAgent).toBe(true);
    expect(only({ event: 'ticket_created', source: '3' }).data.createdByAgent).toBe(false);
  });

  it('rates positive answers good, negative bad, and leaves neutral out', () => {
    const rate = (triggered: string) => parse({ event: 'satisfaction_rated', triggered_event: triggered }).map((event) => event.data.rating);
    for (const value of [103, 102, 101]) expect(rate(`{customer_feedback:${value}}`)).toEqual([{ kind: 'csat', scale: 'good-bad', score: 1 }]);
    for (const value of [-101, -102, -103]) expect(rate(`{"customer_feedback":${value}}`)).toEqual([{ kind: 'csat', scale: 'good-bad', score: 0 }]);
    expect(rate('{customer_feedback:100}')).toEqual([]);
    expect(rate('{\\"customer_feedback\\":\\"extremely_unhappy\\"}')).toEqual([{ kind: 'csat', scale: 'good-bad', score: 0 }]);
    expect(() => rate('{reply_sent:sent}')).toThrow(/needs triggered_event \{customer_feedback/);
  });

  it('names an update by what triggered it, and reads tags, group and agent', () => {
    expect(only({ triggered_event: '{status:{from:2,to:4}}' }).type).toBe('status_changed');
    expect(only({ triggered_event: '{"priority":{"from":1,"to":4}}' }).type).toBe('priority_changed');
    expect(only({ triggered_event: '{responder_id:{from:1,to:2}}' }).type).toBe('assignee_changed');
    expect(only({ triggered_event: '{group_id:{from:1,to:2}}' }).type).toBe('team_changed');
    expect(only({ triggered_event: '{ticket_type:{from:Question,to:Incident}}' }).type).toBe('fields_updated');
    expect(only({ triggered_event: '' }).type).toBe('fields_updated');
    const event = only({ tags: 'refund, priority customer,vip', group: '', agent_id: '', agent_email: '', agent_name: '' });
    expect(event.data).toEqual({ tags: ['refund', 'priority customer', 'vip'], team: null, assignee: null });
    const assigned = only({ group: 'Tier 2', agent_id: '77', agent_email: 'Agent.Two@Example.com', agent_name: 'Agent Two' });
    expect(assigned.data).toMatchObject({ team: 'Tier 2', assignee: { type: 'agent', id: '77', email: 'agent.two@example.com', name: 'Agent Two' } });
  });

  it('reads the times Freshdesk renders, and keys events by ticket, event and time', () => {
    const at = (updated_at: unknown) => only({ updated_at }).occurredAt;
    expect(at('2026-10-05 13:30:00 +0530')).toBe(T0);
    expect(at('2026-10-05 08:00:00 UTC')).toBe(T0);
    expect(at('2026-10-05 08:00:00')).toBe(T0); // no zone: read as UTC (see the docs)
    expect(at('2026-10-05T10:00:00+02:00')).toBe(T0);
    expect(at(T0 / 1000)).toBe(T0);
    expect(only({}).dedupeKey).toBe(`9:ticket_updated:${T0}`);
    expect(only({ event: 'agent_replied' }).dedupeKey).toBe(`9:agent_replied:${T0}`);
    expect(only({ event: 'ticket_created', created_at: '2026-10-05 07:00:00 UTC' })).toMatchObject({ occurredAt: T0 - 3_600_000, dedupeKey: '9:ticket_created' });
  });

  it('has no delivery id: the content hash is used', () => {
    expect(freshdeskAdapter.deliveryId({ rawBody: Buffer.from('{}'), headers: {}, receivedAt: T0 }, {})).toBeUndefined();
  });
});

describe('Freshdesk times', () => {
  it('reads offsets and UTC as given, and a time without an offset in FRESHDESK_TIMEZONE, daylight saving included', () => {
    expect(freshdeskTime('2026-03-11 12:44:19 +0530', 'updated_at')).toBe(Date.UTC(2026, 2, 11, 7, 14, 19));
    expect(freshdeskTime('2026-03-11 12:44:19 -03:00', 'updated_at', 'Asia/Kolkata')).toBe(Date.UTC(2026, 2, 11, 15, 44, 19));
    expect(freshdeskTime('2026-10-05 08:00:00 UTC', 'updated_at', 'Asia/Kolkata')).toBe(Date.UTC(2026, 9, 5, 8));
    expect(freshdeskTime('2026-10-05 08:00:00', 'updated_at')).toBe(Date.UTC(2026, 9, 5, 8));
    expect(freshdeskTime('2026-10-05 13:30:00', 'updated_at', 'Asia/Kolkata')).toBe(Date.UTC(2026, 9, 5, 8));
    expect(freshdeskTime('2026-07-01 09:00', 'updated_at', 'America/New_York')).toBe(Date.UTC(2026, 6, 1, 13));
    expect(freshdeskTime('2026-01-15 09:00', 'updated_at', 'America/New_York')).toBe(Date.UTC(2026, 0, 15, 14));
    // A time the autumn change repeats is its first occurrence (summer time), east of Greenwich as west of it.
    expect(freshdeskTime('2026-10-25 01:30:00', 'updated_at', 'Europe/London')).toBe(Date.UTC(2026, 9, 25, 0, 30));
    expect(freshdeskTime('2026-11-01 01:30:00', 'updated_at', 'America/New_York')).toBe(Date.UTC(2026, 10, 1, 5, 30));
    expect(freshdeskTime('2026-10-05T08:00:00.250Z', 'updated_at', 'Asia/Kolkata')).toBe(Date.UTC(2026, 9, 5, 8, 0, 0, 250));
    expect(freshdeskTime(1_791_187_200, 'updated_at', 'Asia/Kolkata')).toBe(1_791_187_200_000);
    for (const bad of ['2026-13-01 10:00:00', '2026-02-30 10:00:00', '2026-10-05 25:00:00', 'yesterday']) expect(() => freshdeskTime(bad, 'updated_at'), bad).toThrow(/updated_at/);
  });

  it('a delivery whose times carry no offset is read in FRESHDESK_TIMEZONE', async () => {
    const bot = await startTestBot({ FRESHDESK_WEBHOOK_TOKEN: TOKEN, FRESHDESK_TIMEZONE: 'Asia/Kolkata' });
    try {
      const body = (LIFE[0] as { body: string }).body.replaceAll(' +0530', '');
      expect((await postWebhook(bot.url, 'freshdesk', body, basic(TOKEN))).status).toBe(200);
      expect(await bot.db('ticket_events').select('type', 'occurred_at')).toEqual([{ type: 'ticket_created', occurred_at: T0 }]);
    } finally {
      await bot.dispose();
    }
  });
});
