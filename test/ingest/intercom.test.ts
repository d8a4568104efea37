import { createHmac } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PayloadShapeError } from '../../src/ingest/adapter.js';
import type { TicketEvent } from '../../src/ingest/events.js';
import { intercomAdapter } from '../../src/ingest/intercom.js';
import { startTestBot, type TestBot } from '../helpers/bot.js';
import { TEST_ENGINE, clearIngestedData } from '../helpers/databases.js';
import { postWebhook, projectedTicket, expectNoStoredText } from '../helpers/webhooks.js';

const SECRET = 'intercom-test-client-secret-0123456789';
const FIXTURES = new URL('../fixtures/intercom/', import.meta.url);
const fixture = (name: string) => readFileSync(new URL(name, FIXTURES), 'utf8');
/** One conversation's life, one notification per file, in the order Intercom sent them. */
const LIFE = readdirSync(FIXTURES)
  .filter((name) => /^\d\d-/.test(name))
  .sort()
  .map((name) => ({ name, body: fixture(name) }));

const T0 = Date.parse('2026-10-05T08:00:00Z');
const at = (minutes: number) => T0 + minutes * 60_000;
const CONVERSATION = '81000000123';
const CONTACT = '6650a1b2c3d4e5f607080901';

// Distinctive ticket text from the fixtures: subjects, bodies, notes, the rating remark, the customer's name and email.
const TICKET_TEXT = ['Zephyrine', 'Quillfeather', 'zephyrine.quillfeather@example.com', 'INV-5521', '4242', 'QX-77', 'RF-9931', 'chase the refund', 'Double charge', 'Is anyone looking'];

/** Intercom's signature: `sha1=` + hex HMAC-SHA1 of the raw body, keyed with the app's client secret. */
const signed = (body: string, secret = SECRET) => ({ 'x-hub-signature': `sha1=${createHmac('sha1', secret).update(body).digest('hex')}`, 'user-agent': 'intercom-parrot-service-client/1.0' });
const parse = (name: string) => intercomAdapter.parse(JSON.parse(fixture(name)), { headers: {}, receivedAt: Date.now() }) as TicketEvent[];

describe(`intercom webhooks on ${TEST_ENGINE}`, () => {
  let bot: TestBot;
  beforeAll(async () => {
    // Team 200 ("Billing escalations") is an escalation group: Intercom names teams by id only.
    bot = await startTestBot({ INTERCOM_CLIENT_SECRET: SECRET, KPI_ESCALATION_GROUPS: '200' });
  });
  afterAll(() => bot.dispose());
  beforeEach(async () => {
    await clearIngestedData(bot.db);
  });

  const send = (body: string, headers: Record<string, string> = signed(body)) => postWebhook(bot.url, 'intercom', body, headers);
  const sendAll = async (bodies: readonly string[]) => {
    for (const body of bodies) expect((await send(body)).status).toBe(200);
  };
  const ticketRow = () => projectedTicket(bot.db);
  const clearTickets = () => clearIngestedData(bot.db);

  describe('signature', () => {
    // Intercom signs no timestamp (and sends none), so there is no stale-timestamp case:
    // a replayed notification is caught by its envelope id instead (see the redelivery test).
    const body = fixture('01-conversation.user.created.json');

    it('accepts a notification signed with the client secret', async () => {
      expect(await send(body)).toEqual({ status: 200, body: { ok: true, duplicate: false, events: 1 } });
      expect(await bot.db('webhook_deliveries').select('delivery_key', 'status')).toEqual([{ delivery_key: 'notif_0b1e8d52-4f5a-4c1e-9a11-000000000001', status: 'processed' }]);
    });

    it('401 for a missing header, a wrong secret, a tampered body, or a signature without its sha1= prefix', async () => {
      const hex = createHmac('sha1', SECRET).update(body).digest('hex');
      // The message says which variable signs, or what form the header takes.
      const mismatch = 'X-Hub-Signature does not match the body signed with INTERCOM_CLIENT_SECRET';
      const form = 'X-Hub-Signature must be "sha1=" and the hex HMAC-SHA1 of the body';
      const cases: [string, Record<string, string>, string][] = [
        [body, {}, 'the X-Hub-Signature header is required'],
        [body, signed(body, 'some-other-apps-client-secret'), mismatch],
        [body.replace('81000000123', '81000000124'), signed(body), mismatch],
        [body, { 'x-hub-signature': hex }, form],
        [body, { 'x-hub-signature': `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}` }, form],
      ];
      for (const [sent, headers, message] of cases) {
        const res = await send(sent, headers);
        expect(res.status).toBe(401);
        expect(res.body).toMatchObject({ error: 'bad_signature', message });
      }
      expect(await bot.db('webhook_deliveries').count({ n: '*' })).toEqual([{ n: 0 }]);
      expect(await bot.db('ticket_events').count({ n: '*' })).toEqual([{ n: 0 }]);
    });

    it('matches RFC 2202 test case 2 over the raw bytes', () => {
      const request = (signature: string) => ({ rawBody: Buffer.from('what do ya want for nothing?'), headers: { 'x-hub-signature': signature }, receivedAt: Date.now() });
      expect(() => intercomAdapter.verify(request('sha1=effcdf6ae5eb2fa2d27416d5f184df9c259a7c79'), { intercom: 'Jefe' })).not.toThrow();
      expect(() => intercomAdapter.verify(request('sha1=effcdf6ae5eb2fa2d27416d5f184df9c259a7c78'), { intercom: 'Jefe' })).toThrow(/does not match/);
    });
  });

  it('turns a full conversation life into the right projection', async () => {
    await sendAll(LIFE.map((entry) => entry.body));
    expect(await ticketRow()).toMatchObject({
      source: 'intercom',
      external_id: CONVERSATION,
      requester_id: CONTACT,
      status: 'solved',
      priority: 'normal',
      channel: 'email',
      team: '200',
      assignee_agent_id: 'set',
      created_by_agent: false,
      created_at: T0,
      first_customer_message_at: T0,
      // Fin answered at +2 min: a bot reply is not a first response.
      first_response_at: at(45),
      first_resolved_at: at(120),
      resolved_at: at(240),
      closed_at: null,
      reopen_count: 1,
      agent_reply_count: 2,
      customer_message_count: 1,
      escalated_at: at(50),
      escalation_count: 1,
    });
    expect(await bot.db('survey_responses').select('kind', 'scale', 'score', 'responded_at')).toEqual([{ kind: 'csat', scale: '1-5', score: 4, responded_at: at(130) }]);
    expect((await bot.db('survey_responses').first('agent_id'))?.agent_id).not.toBeNull();
    expect(await bot.db('ticket_response_intervals').select('customer_at', 'replied_at').orderBy('customer_at')).toEqual([
      { customer_at: T0, replied_at: at(45) },
      { customer_at: at(200), replied_at: at(230) },
    ]);
    // The assignee (admin_assignee_id, a number) and the replying admin are one agent; Fin is not an agent.
    expect(await bot.db('agents').select('external_id', 'email', 'name')).toEqual([{ external_id: '7100001', email: 'agent.one@example.com', name: 'Agent One' }]);
    const kinds = await bot.db('ticket_events').select('type', 'actor_type').orderBy('occurred_at').orderBy('type');
    expect(kinds).toEqual([
      { type: 'ticket_created', actor_type: 'customer' },
      { type: 'agent_reply', actor_type: 'bot' },
      { type: 'internal_note', actor_type: 'agent' },
      { type: 'assignee_changed', actor_type: 'agent' },
      { type: 'agent_reply', actor_type: 'agent' },
      { type: 'team_changed', actor_type: 'agent' },
      { type: 'status_changed', actor_type: 'agent' },
      { type: 'rating', actor_type: 'customer' },
      { type: 'customer_message', actor_type: 'customer' },
      { type: 'agent_reply', actor_type: 'agent' },
      { type: 'status_changed', actor_type: 'agent' },
    ]);
  });

  it('an internal note is never a response', async () => {
    await sendAll(LIFE.slice(0, 4).map((entry) => entry.body)); // created, Fin, note, assigned
    expect(await ticketRow()).toMatchObject({ first_response_at: null, agent_reply_count: 0, status: 'open' });
  });

  it('the same life delivered twice, or in reverse order, gives the same projection', async () => {
    await sendAll(LIFE.map((entry) => entry.body));
    const once = await ticketRow();
    for (const { body } of LIFE) expect(await send(body)).toEqual({ status: 200, body: { ok: true, duplicate: true, events: 0 } });
    // The same part sent again under another notification (conversation.admin.open.assigned) adds nothing.
    expect((await send(fixture('conversation.admin.open.assigned.json'))).body).toEqual({ ok: true, duplicate: false, events: 0 });
    expect(await ticketRow()).toEqual(once);
    expect(await bot.db('ticket_events').count({ n: '*' })).toEqual([{ n: LIFE.length }]);

    await clearTickets();
    await sendAll([...LIFE].reverse().map((entry) => entry.body));
    expect(await ticketRow()).toEqual(once);
  });

  it('a deleted conversation leaves every KPI (its row goes, its events stay); conversation.deleted carries only the id', async () => {
    await sendAll(LIFE.slice(0, 2).map((entry) => entry.body));
    expect(await bot.db('tickets').count({ n: '*' })).toEqual([{ n: 1 }]);
    const deletion = (id: unknown, notif = 'notif_del_1') => JSON.stringify({ type: 'notification_event', id: notif, topic: 'conversation.deleted', created_at: Math.floor(at(60) / 1000), data: { item: { ...(id === undefined ? {} : { id }), object: 'conversation', deleted: true } } });
    expect(await send(deletion(CONVERSATION))).toEqual({ status: 200, body: { ok: true, duplicate: false, events: 1 } });
    expect(await bot.db('tickets').count({ n: '*' })).toEqual([{ n: 0 }]);
    expect(await bot.db('ticket_events').where({ type: 'ticket_deleted' }).select('external_ticket_id', 'occurred_at')).toEqual([{ external_ticket_id: CONVERSATION, occurred_at: expect.anything() }]);
    // Sent again under another notification id: the same fact, nothing added.
    expect(await send(deletion(CONVERSATION, 'notif_del_2'))).toEqual({ status: 200, body: { ok: true, duplicate: false, events: 0 } });
    expect(await send(deletion(undefined, 'notif_del_3'))).toMatchObject({ status: 422, body: { message: expect.stringContaining('data.item.id') } });
  });

  it('ping and topics the KPIs do not use are accepted with nothing written', async () => {
    expect(await send(fixture('ping.json'))).toEqual({ status: 200, body: { ok: true, duplicate: false, events: 0 } });
    expect(await send(fixture('contact.user.created.json'))).toEqual({ status: 200, body: { ok: true, duplicate: false, events: 0 } });
    expect(await bot.db('ticket_events').count({ n: '*' })).toEqual([{ n: 0 }]);
  });

  it('422 for valid JSON of a shape Intercom does not send, kept as a rejected delivery without its text', async () => {
    const odd = JSON.stringify({ event: 'conversation.created', conversation: { id: '9', title: 'My password is hunter2 and I am upset' } });
    const res = await send(odd);
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ error: 'unknown_shape', message: expect.stringContaining('notification_event') });
    const rows = await bot.db('webhook_deliveries').select('status', 'reason', 'payload');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: 'rejected', reason: 'unknown_shape' });
    expect(rows[0]?.payload).not.toContain('hunter2');
    expect(rows[0]?.payload).toContain('conversation.created');

    // A conversation topic whose item is not a conversation.
    const contact = JSON.parse(fixture('contact.user.created.json')) as Record<string, unknown>;
    const wrongItem = JSON.stringify({ ...contact, id: 'notif_wrong_item', topic: 'conversation.admin.replied' });
    expect(await send(wrongItem)).toMatchObject({ status: 422, body: { error: 'unknown_shape', message: 'data.item.type must be "conversation" for conversation.admin.replied, got "contact"' } });

    // A conversation shaped by the 1.x API: its first message in conversation_message, no source.
    const first = JSON.parse((LIFE[0] as (typeof LIFE)[number]).body) as { id: string; data: { item: Record<string, unknown> } };
    const { source: _source, ...item } = first.data.item;
    const v1 = JSON.stringify({ ...first, id: 'notif_v1', data: { ...first.data, item: { ...item, conversation_message: { type: 'conversation_message', id: '1', author: { type: 'user', id: 'u1' } }, assignee: { type: 'nobody_admin' } } } });
    expect(await send(v1)).toMatchObject({ status: 422, body: { error: 'unknown_shape', message: expect.stringContaining('API 1.x conversation') } });
    expect(await bot.db('ticket_events').count({ n: '*' })).toEqual([{ n: 0 }]);
  });

  it('no ticket text reaches ticket_events.data or webhook_deliveries.payload', async () => {
    const extras = readdirSync(FIXTURES).filter((name) => !/^\d\d-/.test(name));
    await sendAll([...LIFE.map((entry) => entry.body), ...extras.map(fixture)]);
    const { data } = await expectNoStoredText(bot.db, TICKET_TEXT, [...LIFE.map((entry) => entry.body), ...extras.map(fixture)].join('\n'));
    expect(data).toContain('agent.one@example.com'); // an agent's email is kept, to match Slack users
  });
});

describe('intercom topics', () => {
  it('maps snooze, unsnooze and open onto on-hold, open and a reopen', () => {
    expect(parse('conversation.admin.snoozed.json')).toEqual([
      { kind: 'ticket', type: 'status_changed', externalTicketId: CONVERSATION, occurredAt: at(300), actor: { type: 'agent', id: '7100001', email: 'agent.one@example.com', name: 'Agent One' }, data: { status: 'on-hold', ticketCreatedAt: at(0) }, dedupeKey: `${CONVERSATION}:part:19100000010:status_changed` },
    ]);
    expect(parse('conversation.admin.unsnoozed.json')).toMatchObject([{ type: 'status_changed', occurredAt: at(360), actor: { type: 'bot' }, data: { status: 'open' } }]);
    expect(parse('conversation.admin.opened.json')).toMatchObject([{ type: 'reopened', occurredAt: at(400), data: { status: 'open' }, dedupeKey: `${CONVERSATION}:part:19100000012:reopened` }]);
  });

  it('maps the binary priority flag onto high / normal, never urgent', () => {
    const [flagged] = parse('conversation.priority.updated.json');
    expect(flagged).toMatchObject({ type: 'priority_changed', occurredAt: at(410), data: { priority: 'high' } });
    const body = JSON.parse(fixture('conversation.priority.updated.json')) as { data: { item: Record<string, unknown> } };
    body.data.item.priority = 'not_priority';
    const [unflagged] = intercomAdapter.parse(body, { headers: {}, receivedAt: 0 }) as TicketEvent[];
    expect(unflagged?.data).toEqual({ priority: 'normal', ticketCreatedAt: at(0) });
    expect(unflagged?.dedupeKey).not.toBe(flagged?.dedupeKey);
  });

  it('reads added tags (an escalation when "escalated" is among them) at the time they were applied', () => {
    expect(parse('conversation_part.tag.created.json')).toMatchObject([{ type: 'tags_changed', occurredAt: at(420), data: { addedTags: ['escalated'], tags: ['refund', 'escalated'] } }]);
  });

  it('a Fin answer is a bot reply under either topic', () => {
    expect(parse('conversation.admin.replied~fin.json')).toMatchObject([{ type: 'agent_reply', actor: { type: 'bot', id: '7100099' } }]);
    expect(parse('02-conversation.operator.replied.json')).toMatchObject([{ type: 'agent_reply', actor: { type: 'bot', id: '7100099' }, occurredAt: at(2) }]);
    const actorWith = (flags: Record<string, boolean>) => {
      const body = JSON.parse(fixture('conversation.admin.replied~fin.json')) as { data: { item: { conversation_parts: { conversation_parts: { author: Record<string, unknown> }[] } } } };
      const part = body.data.item.conversation_parts.conversation_parts[0];
      if (part !== undefined) Object.assign(part.author, flags);
      return (intercomAdapter.parse(body, { headers: {}, receivedAt: 0 }) as TicketEvent[])[0]?.actor?.type;
    };
    expect(actorWith({ from_ai_agent: false, is_ai_answer: true })).toBe('bot');
    expect(actorWith({ from_ai_agent: true, is_ai_answer: false })).toBe('bot');
    expect(actorWith({ from_ai_agent: false, is_ai_answer: false })).toBe('agent');
  });

  it('maps the conversation state a customer reply left behind: open, closed → solved, snoozed → on-hold', () => {
    const statusFor = (state: string) => {
      const body = JSON.parse(fixture('09-conversation.user.replied.json')) as { data: { item: Record<string, unknown> } };
      body.data.item.state = state;
      return (intercomAdapter.parse(body, { headers: {}, receivedAt: 0 }) as TicketEvent[])[0]?.data.status;
    };
    expect(['open', 'closed', 'snoozed'].map(statusFor)).toEqual(['open', 'solved', 'on-hold']);
    expect(() => statusFor('exploded')).toThrow(/not open, closed or snoozed/);
  });

  it('assignment carries both ids as strings; one part under two topics is one fact', () => {
    const [assigned] = parse('04-conversation.admin.assigned.json');
    expect(assigned?.data).toEqual({ assignee: { type: 'agent', id: '7100001' }, team: '100', ticketCreatedAt: at(0) });
    expect(parse('conversation.admin.open.assigned.json')[0]?.dedupeKey).toBe(assigned?.dedupeKey);
    expect(parse('06-conversation.admin.assigned.json')).toMatchObject([{ type: 'team_changed', data: { assignee: { id: '7100001' }, team: '200' } }]);
    // The Preview API sends 0 (and a numeric team id) where 2.x sends null.
    const preview = JSON.parse(fixture('04-conversation.admin.assigned.json')) as { data: { item: Record<string, unknown> } };
    Object.assign(preview.data.item, { admin_assignee_id: 0, team_assignee_id: 0 });
    expect((intercomAdapter.parse(preview, { headers: {}, receivedAt: 0 }) as TicketEvent[])[0]?.data).toEqual({ assignee: null, team: null, ticketCreatedAt: at(0) });
    Object.assign(preview.data.item, { admin_assignee_id: null, team_assignee_id: 5017691 });
    expect((intercomAdapter.parse(preview, { headers: {}, receivedAt: 0 }) as TicketEvent[])[0]?.data).toEqual({ assignee: null, team: '5017691', ticketCreatedAt: at(0) });
  });

  it('refuses payloads it cannot place', () => {
    const v1 = JSON.parse(fixture('04-conversation.admin.assigned.json')) as { data: { item: Record<string, unknown> } };
    delete v1.data.item.admin_assignee_id;
    delete v1.data.item.team_assignee_id;
    expect(() => intercomAdapter.parse(v1, { headers: {}, receivedAt: 0 })).toThrow(PayloadShapeError);
    const part = { type: 'notification_event', id: 'notif_x', topic: 'conversation_part.tag.created', created_at: 1791187200, data: { item: { type: 'conversation_part', id: '1', tags: [{ type: 'tag', id: '9', name: 'vip' }] } } };
    expect(() => intercomAdapter.parse(part, { headers: {}, receivedAt: 0 })).toThrow(/without conversation_id/);
    const unrated = JSON.parse(fixture('08-conversation.rating.added.json')) as { data: { item: Record<string, unknown> } };
    unrated.data.item.conversation_rating = { rating: 6 };
    expect(() => intercomAdapter.parse(unrated, { headers: {}, receivedAt: 0 })).toThrow(/1 to 5/);
  });
});
