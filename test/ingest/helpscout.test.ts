import { createHmac } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PayloadShapeError } from '../../src/ingest/adapter.js';
import type { TicketEvent } from '../../src/ingest/events.js';
import { helpscoutAdapter } from '../../src/ingest/helpscout.js';
import { startTestBot, type TestBot } from '../helpers/bot.js';
import { TEST_ENGINE, clearIngestedData } from '../helpers/databases.js';
import { postWebhook, projectedTicket, expectNoStoredText } from '../helpers/webhooks.js';

const SECRET = 'hs-test-secret-0123456789abcdefghijklmn'; // Help Scout secrets are at most 40 characters
const FIXTURES = new URL('../fixtures/helpscout/', import.meta.url);
const fixture = (name: string) => readFileSync(new URL(name, FIXTURES), 'utf8');
/** The event a fixture was sent as: its file name without the order prefix and any `~variant`. */
const eventOf = (name: string) => name.replace(/^\d\d-/, '').replace(/\.json$/, '').split('~')[0] as string;
/** One conversation's life, one delivery per file, in the order Help Scout sent them. */
const LIFE = readdirSync(FIXTURES)
  .filter((name) => /^\d\d-/.test(name))
  .sort()
  .map((name) => ({ name, event: eventOf(name), body: fixture(name) }));

const T0 = Date.parse('2026-10-05T08:00:00Z');
const at = (minutes: number) => T0 + minutes * 60_000;
const CONVERSATION = '2880001';

// Distinctive ticket text from the fixtures: subject and preview, thread bodies, the note, the rating comment, the customer's name.
const TICKET_TEXT = ['Zephyrine', 'Quillfeather', 'INV-5521', '4242', 'QX-77', 'RF-9931', 'Lovely fast answer', 'Took far too long'];
const CUSTOMER_EMAIL = 'zephyrine.quillfeather@example.com';

/** Help Scout's signature: base64 of the binary HMAC-SHA1 of the raw body, keyed with the webhook's secret. */
const headersFor = (event: string, body: string, secret = SECRET): Record<string, string> => ({
  'x-helpscout-event': event,
  'x-helpscout-signature': createHmac('sha1', secret).update(body).digest('base64'),
});
const parse = (name: string) => helpscoutAdapter.parse(JSON.parse(fixture(name)), { headers: { 'x-helpscout-event': eventOf(name) }, receivedAt: Date.now() }) as TicketEvent[];

describe(`help scout webhooks on ${TEST_ENGINE}`, () => {
  let bot: TestBot;
  beforeAll(async () => {
    bot = await startTestBot({ HELPSCOUT_WEBHOOK_SECRET: SECRET });
  });
  afterAll(() => bot.dispose());
  beforeEach(async () => {
    await clearIngestedData(bot.db);
  });

  const send = (event: string, body: string, headers: Record<string, string> = headersFor(event, body)) => postWebhook(bot.url, 'helpscout', body, headers);
  const sendAll = async (entries: readonly { event: string; body: string }[]) => {
    for (const { event, body } of entries) expect((await send(event, body)).status).toBe(200);
  };
  const ticketRow = () => projectedTicket(bot.db);
  const clearTickets = () => clearIngestedData(bot.db);

  describe('signature', () => {
    // Help Scout signs no timestamp (and sends none), so there is no stale-timestamp case.
    const body = fixture('01-convo.created.json');

    it('accepts a delivery signed with the webhook secret', async () => {
      expect(await send('convo.created', body)).toEqual({ status: 200, body: { ok: true, duplicate: false, events: 1 } });
    });

    it('401 for a missing header, a wrong secret, a tampered body, or a hex / URL-safe signature', async () => {
      const digest = createHmac('sha1', SECRET).update(body).digest();
      const mismatch = 'X-HelpScout-Signature does not match the body signed with HELPSCOUT_WEBHOOK_SECRET';
      const cases: [string, Record<string, string>, string][] = [
        [body, { 'x-helpscout-event': 'convo.created' }, 'the X-HelpScout-Signature header is required'],
        [body, headersFor('convo.created', body, 'another-secret-entirely'), mismatch],
        [body.replace('"mailboxId": 3101', '"mailboxId": 3102'), headersFor('convo.created', body), mismatch],
        [body, { 'x-helpscout-event': 'convo.created', 'x-helpscout-signature': digest.toString('hex') }, 'X-HelpScout-Signature must be base64, not hex'],
        [body, { 'x-helpscout-event': 'convo.created', 'x-helpscout-signature': digest.toString('base64url') }, mismatch],
      ];
      for (const [sent, headers, message] of cases) {
        const res = await send('convo.created', sent, headers);
        expect(res.status).toBe(401);
        expect(res.body).toMatchObject({ error: 'bad_signature', message });
      }
      expect(await bot.db('webhook_deliveries').count({ n: '*' })).toEqual([{ n: 0 }]);
    });

    it('matches RFC 2202 test case 2 (base64) over the raw bytes', () => {
      const request = (signature: string) => ({ rawBody: Buffer.from('what do ya want for nothing?'), headers: { 'x-helpscout-signature': signature }, receivedAt: Date.now() });
      expect(() => helpscoutAdapter.verify(request('7/zfauXrL6LSdBbV8YTfnCWafHk='), { helpscout: 'Jefe' })).not.toThrow();
      expect(() => helpscoutAdapter.verify(request('7/zfauXrL6LSdBbV8YTfnCWafHl='), { helpscout: 'Jefe' })).toThrow(/does not match/);
    });
  });

  it('turns a full conversation life into the right projection', async () => {
    await sendAll(LIFE);
    expect(await ticketRow()).toMatchObject({
      source: 'helpscout',
      external_id: CONVERSATION,
      url: 'https://secure.helpscout.net/conversation/2880001/5521/',
      requester_id: '4400123',
      status: 'solved',
      priority: null,
      channel: 'email',
      team: '3101',
      assignee_agent_id: 'set',
      created_by_agent: false,
      created_at: T0,
      first_customer_message_at: T0,
      first_response_at: at(45),
      first_resolved_at: at(120),
      resolved_at: at(230),
      closed_at: null,
      reopen_count: 1,
      agent_reply_count: 2,
      customer_message_count: 1,
      escalated_at: at(50),
      escalation_count: 1,
    });
    expect(await bot.db('ticket_tags').select('tag').orderBy('tag')).toEqual([{ tag: 'billing' }, { tag: 'escalated' }]);
    expect(await bot.db('survey_responses').select('kind', 'scale', 'score', 'responded_at')).toEqual([{ kind: 'csat', scale: 'good-bad', score: 1, responded_at: at(130) }]);
    expect((await bot.db('survey_responses').first('agent_id'))?.agent_id).not.toBeNull();
    expect(await bot.db('ticket_response_intervals').select('customer_at', 'replied_at').orderBy('customer_at')).toEqual([
      { customer_at: T0, replied_at: at(45) },
      { customer_at: at(200), replied_at: at(230) },
    ]);
    expect(await bot.db('agents').select('external_id', 'email', 'name')).toEqual([{ external_id: '5100001', email: 'agent.one@example.com', name: 'Agent One' }]);
  });

  it('an internal note is never a response', async () => {
    await sendAll(LIFE.slice(0, 3)); // created, note, assigned
    expect(await ticketRow()).toMatchObject({ first_response_at: null, agent_reply_count: 0, status: 'open' });
    expect(await bot.db('ticket_events').select('type', 'actor_type').where({ type: 'internal_note' })).toEqual([{ type: 'internal_note', actor_type: 'agent' }]);
  });

  it('two events with the same body (a reply sent as Closed) are two deliveries', async () => {
    const [reply, status] = LIFE.slice(-2);
    expect(reply?.body).toBe(status?.body);
    // The reply, and the conversation's earlier threads it carries (withThreadHistory): note, first reply, customer message.
    expect(await send(reply?.event ?? '', reply?.body ?? '')).toEqual({ status: 200, body: { ok: true, duplicate: false, events: 4 } });
    // A status change is also a restore (a no-op unless the conversation was spam): two new events (its threads are kept).
    expect(await send(status?.event ?? '', status?.body ?? '')).toEqual({ status: 200, body: { ok: true, duplicate: false, events: 2 } });
    expect(await send(status?.event ?? '', status?.body ?? '')).toEqual({ status: 200, body: { ok: true, duplicate: true, events: 0 } });
  });

  it('the same life delivered twice, or in reverse order, gives the same projection', async () => {
    await sendAll(LIFE);
    const once = await ticketRow();
    for (const { event, body } of LIFE) expect(await send(event, body)).toEqual({ status: 200, body: { ok: true, duplicate: true, events: 0 } });
    expect(await ticketRow()).toEqual(once);
    // One event a delivery, two for each convo.status (its status and a restore).
    const statusChanges = LIFE.filter((entry) => entry.event === 'convo.status').length;
    expect(await bot.db('ticket_events').count({ n: '*' })).toEqual([{ n: LIFE.length + statusChanges }]);

    await clearTickets();
    await sendAll([...LIFE].reverse());
    expect(await ticketRow()).toEqual(once);
  });

  it('a deleted conversation leaves every KPI (its row goes; convo.deleted carries only the id)', async () => {
    await sendAll([{ event: 'convo.created', body: fixture('01-convo.created.json') }]);
    expect(await bot.db('tickets').count({ n: '*' })).toEqual([{ n: 1 }]);
    const id = String((JSON.parse(fixture('01-convo.created.json')) as { id: number }).id);
    expect(await send('convo.deleted', JSON.stringify({ id: Number(id) }))).toEqual({ status: 200, body: { ok: true, duplicate: false, events: 1 } });
    expect(await bot.db('tickets').count({ n: '*' })).toEqual([{ n: 0 }]);
    expect(await send('convo.deleted', JSON.stringify({ id: Number(id) }))).toMatchObject({ status: 200, body: { duplicate: true } });
    expect(await send('convo.deleted', JSON.stringify({ mailbox: 1 }))).toMatchObject({ status: 422, body: { message: expect.stringContaining('id') } });
  });

  it('a signed conversation replayed with the header convo.deleted (Help Scout signs the body, not the header) is refused, and deletes nothing', async () => {
    await sendAll([{ event: 'convo.created', body: fixture('01-convo.created.json') }]);
    const replayed = await send('convo.deleted', fixture('09-convo.agent.reply.created.json'));
    expect(replayed).toMatchObject({ status: 422, body: { error: 'unknown_shape', message: expect.stringContaining('the header is not signed') } });
    expect(await bot.db('tickets').count({ n: '*' })).toEqual([{ n: 1 }]);
    expect(await bot.db('deleted_tickets').count({ n: '*' })).toEqual([{ n: 0 }]);
    // A rating's body (its own id beside the conversation's) is no deletion either.
    expect(await send('convo.deleted', fixture('07-satisfaction.ratings.json'))).toMatchObject({ status: 422, body: { error: 'unknown_shape' } });
    expect(await bot.db('deleted_tickets').count({ n: '*' })).toEqual([{ n: 0 }]);
  });

  it('a conversation marked spam leaves every KPI, and comes back when marked Not spam (status Active); one created as spam is out from the start', async () => {
    const created = JSON.parse(fixture('01-convo.created.json')) as Record<string, unknown>;
    const status = JSON.parse(fixture('06-convo.status.json')) as Record<string, unknown>;
    // With the conversation's threads as Help Scout sends them: the newest thread with status active is its first message.
    const later = (minutes: number, value: string) => JSON.stringify({ ...status, status: value, userUpdatedAt: new Date(at(minutes)).toISOString() });
    await send('convo.created', JSON.stringify(created));
    const rows = async () => (await bot.db('tickets').pluck('status')) as string[];
    expect(await rows()).toEqual(['open']);
    await send('convo.status', later(500, 'spam'));
    expect(await rows()).toEqual([]);
    await send('convo.status', later(600, 'active'));
    expect(await rows()).toEqual(['open']);
    await clearTickets();
    await send('convo.created', JSON.stringify({ ...created, status: 'spam' }));
    expect(await bot.db('tickets').count({ n: '*' })).toEqual([{ n: 0 }]);
  });

  it('the test event and events the KPIs do not use are accepted with nothing written', async () => {
    expect(await send('helpscout.test', fixture('helpscout.test.json'))).toEqual({ status: 200, body: { ok: true, duplicate: false, events: 0 } });
    expect(await send('customer.updated', fixture('customer.updated.json'))).toEqual({ status: 200, body: { ok: true, duplicate: false, events: 0 } });
    expect(await bot.db('ticket_events').count({ n: '*' })).toEqual([{ n: 0 }]);
  });

  it('422 for valid JSON of a shape Help Scout does not send, kept as a rejected delivery without its text', async () => {
    const odd = JSON.stringify({ conversation: { id: 9, subject: 'My password is hunter2 and I am upset' } });
    const res = await send('convo.created', odd);
    expect(res).toMatchObject({ status: 422, body: { error: 'unknown_shape', message: 'convo.created: the body must be a Help Scout conversation (no id)' } });
    const rows = await bot.db('webhook_deliveries').select('status', 'reason', 'payload');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: 'rejected', reason: 'unknown_shape' });
    expect(rows[0]?.payload).not.toContain('hunter2');

    const body = fixture('01-convo.created.json');
    expect(await send('convo.exploded', body)).toMatchObject({ status: 422, body: { message: expect.stringContaining('convo.exploded') } });
    expect(await send('', body, { 'x-helpscout-signature': headersFor('', body)['x-helpscout-signature'] as string })).toMatchObject({ status: 422, body: { message: expect.stringContaining('X-HelpScout-Event') } });
    // A reply event whose conversation holds no reply thread.
    expect(await send('convo.agent.reply.created', body)).toMatchObject({ status: 422, body: { message: '_embedded.threads holds no published thread for this agent_reply event' } });
    expect(await bot.db('ticket_events').count({ n: '*' })).toEqual([{ n: 0 }]);
  });

  it('no ticket text reaches ticket_events.data or webhook_deliveries.payload', async () => {
    const extras = readdirSync(FIXTURES)
      .filter((name) => !/^\d\d-/.test(name))
      .map((name) => ({ event: eventOf(name), body: fixture(name) }));
    await sendAll([...LIFE, ...extras]);
    const sent = [...LIFE, ...extras].map((entry) => entry.body).join('\n');
    expect(sent).toContain(CUSTOMER_EMAIL); // so the check below can fail
    const { data } = await expectNoStoredText(bot.db, TICKET_TEXT, sent);
    expect(data).toContain('agent.one@example.com'); // an agent's email is kept, to match Slack users
    expect(data).not.toContain(CUSTOMER_EMAIL);
  });

  // Known gap, outside this adapter: src/ingest/redact.ts keeps short strings under keys it does not
  // recognise, and Help Scout lists recipients' addresses under `to`, `cc` and `bcc`. Marked `fails`
  // so it turns red (and can be unmarked) once the redaction covers them.
  it('the customer email under a thread\'s `to` is removed from the stored payload', async () => {
    await sendAll(LIFE.slice(3, 4)); // the first agent reply, sent to the customer
    const payload = (await bot.db('webhook_deliveries').first('payload'))?.payload as string;
    expect(payload).not.toContain(CUSTOMER_EMAIL);
  });
});

describe('help scout events', () => {
  it('a move to another mailbox is a team change at the line item that records it', () => {
    expect(parse('convo.moved.json').filter((event) => event.type === 'team_changed')).toEqual([
      { kind: 'ticket', type: 'team_changed', externalTicketId: CONVERSATION, occurredAt: at(300), actor: { type: 'agent', id: '5100001', email: 'agent.one@example.com', name: 'Agent One' }, data: { team: '3199', ticketCreatedAt: at(0) }, dedupeKey: `${CONVERSATION}:thread:9100008:team_changed` },
    ]);
  });

  it('ratings: Great is good (1), Not Good is bad (0), Okay is left out; both payload versions', () => {
    expect(parse('07-satisfaction.ratings.json')).toEqual([
      { kind: 'ticket', type: 'rating', externalTicketId: CONVERSATION, occurredAt: at(130), actor: { type: 'customer', id: '4400123' }, data: { rating: { kind: 'csat', scale: 'good-bad', score: 1 } }, dedupeKey: `${CONVERSATION}:rating:770001:${at(130)}` },
    ]);
    expect(parse('satisfaction.ratings~okay.json')).toEqual([]);
    expect(parse('satisfaction.ratings~v1.json')).toMatchObject([{ externalTicketId: CONVERSATION, occurredAt: at(265), data: { rating: { scale: 'good-bad', score: 0 } } }]);
    for (const spelling of ['not_good', 'not-good', 'Not Good', 'bad']) {
      const body = { ...(JSON.parse(fixture('07-satisfaction.ratings.json')) as object), rating: spelling };
      expect((helpscoutAdapter.parse(body, { headers: { 'x-helpscout-event': 'satisfaction.ratings' }, receivedAt: 0 }) as TicketEvent[])[0]?.data.rating?.score).toBe(0);
    }
    expect(() => helpscoutAdapter.parse({ id: 1, rating: 'meh', conversationId: 1, createdAt: '2026-10-05T08:00:00Z' }, { headers: { 'x-helpscout-event': 'satisfaction.ratings' }, receivedAt: 0 })).toThrow(PayloadShapeError);
  });

  it('statuses: active → open, pending → pending, closed → solved; spam is a deletion (Help Scout\'s reports leave spam out), any other status a restore', () => {
    const body = JSON.parse(fixture('06-convo.status.json')) as Record<string, unknown>;
    const own = new Set(['status_changed', 'ticket_restored', 'ticket_deleted']);
    const eventsFor = (status: string) => (helpscoutAdapter.parse({ ...body, status }, { headers: { 'x-helpscout-event': 'convo.status' }, receivedAt: 0 }) as TicketEvent[]).filter((event) => own.has(event.type)).map((event) => [event.type, event.data.status ?? null]);
    expect(['active', 'pending', 'closed'].map(eventsFor)).toEqual(['open', 'pending', 'solved'].map((status) => [['status_changed', status], ['ticket_restored', null]]));
    expect(eventsFor('spam')).toEqual([['ticket_deleted', null]]);
    expect(() => eventsFor('exploded')).toThrow(/not active, pending, closed or spam/);
  });


  it('the reply that sent a conversation Closed carries the status it set; a reply picks the newest agent thread', () => {
    const [reply] = parse('09-convo.agent.reply.created.json');
    expect(reply).toMatchObject({ type: 'agent_reply', occurredAt: at(230), actor: { type: 'agent', id: '5100001' }, data: { status: 'solved' }, dedupeKey: `${CONVERSATION}:thread:9100007:agent_reply` });
    const [customer] = parse('08-convo.customer.reply.created.json');
    expect(customer).toMatchObject({ type: 'customer_message', occurredAt: at(200), actor: { type: 'customer', id: '4400123' }, data: { status: 'open' } });
    expect(customer?.actor).toEqual({ type: 'customer', id: '4400123' });
    // A customer thread an agent logged (say, from a call) is still the customer's message.
    const logged = JSON.parse(fixture('08-convo.customer.reply.created.json')) as { _embedded: { threads: Record<string, unknown>[] } };
    for (const thread of logged._embedded.threads) if (thread.id === 9100006) thread.createdBy = { id: 5100001, type: 'user', first: 'Agent', last: 'One', email: 'agent.one@example.com' };
    expect((helpscoutAdapter.parse(logged, { headers: { 'x-helpscout-event': 'convo.customer.reply.created' }, receivedAt: 0 }) as TicketEvent[])[0]).toMatchObject({ type: 'customer_message', occurredAt: at(200), actor: { type: 'customer', id: '4400123' } });
  });

  it('skips draft threads', () => {
    const body = JSON.parse(fixture('09-convo.agent.reply.created.json')) as { _embedded: { threads: Record<string, unknown>[] } };
    for (const thread of body._embedded.threads) if (thread.id === 9100007) thread.state = 'draft';
    const [reply] = helpscoutAdapter.parse(body, { headers: { 'x-helpscout-event': 'convo.agent.reply.created' }, receivedAt: 0 }) as TicketEvent[];
    expect(reply?.occurredAt).toBe(at(45));
  });
});
