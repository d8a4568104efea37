import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { genericAdapter } from '../../src/ingest/generic.js';
import { startTestBot, type TestBot } from '../helpers/bot.js';
import { TEST_ENGINE, clearIngestedData } from '../helpers/databases.js';
import { GENERIC_SECRET, postWebhook, standardWebhookHeaders, projectedTicket } from '../helpers/webhooks.js';

const T0 = Date.parse('2026-10-05T08:00:00Z');
const minutes = (n: number) => new Date(T0 + n * 60_000).toISOString();

/** One ticket's life in the generic format: created, note, first reply, escalation, solved, rated, reopened, solved again. */
const LIFE = [
  { type: 'ticket.created', id: 'e1', occurred_at: minutes(0), actor: { type: 'customer', id: 'c-7' }, ticket: { id: 'T-100', status: 'new', priority: 'normal', channel: 'email', team: 'Billing', requester_id: 'c-7', tags: ['refund'] } },
  { type: 'ticket.note_added', id: 'e2', occurred_at: minutes(10), actor: { type: 'agent', id: 'a-1', email: 'Ayu@Example.com', name: 'Ayu' }, ticket: { id: 'T-100' } },
  { type: 'ticket.assigned', id: 'e3', occurred_at: minutes(12), ticket: { id: 'T-100', assignee: { id: 'a-1', email: 'ayu@example.com' } } },
  { type: 'ticket.agent_replied', id: 'e4', occurred_at: minutes(45), actor: { type: 'agent', id: 'a-1' }, ticket: { id: 'T-100', status: 'pending' } },
  { type: 'ticket.tags_changed', id: 'e5', occurred_at: minutes(50), ticket: { id: 'T-100', tags_added: ['escalated'] } },
  { type: 'ticket.status_changed', id: 'e6', occurred_at: minutes(120), actor: { type: 'agent', id: 'a-1' }, ticket: { id: 'T-100', status: 'solved' } },
  { type: 'ticket.rated', id: 'e7', occurred_at: minutes(130), actor: { type: 'customer', id: 'c-7' }, ticket: { id: 'T-100' }, rating: { kind: 'csat', score: 4 } },
  { type: 'ticket.customer_replied', id: 'e8', occurred_at: minutes(200), actor: { type: 'customer', id: 'c-7' }, ticket: { id: 'T-100' } },
  { type: 'ticket.reopened', id: 'e9', occurred_at: minutes(200), ticket: { id: 'T-100' } },
  { type: 'ticket.agent_replied', id: 'e10', occurred_at: minutes(230), actor: { type: 'agent', id: 'a-1' }, ticket: { id: 'T-100' } },
  { type: 'ticket.status_changed', id: 'e11', occurred_at: minutes(240), ticket: { id: 'T-100', status: 'solved' } },
  { type: 'ticket.handle_time', id: 'e12', occurred_at: minutes(240), ticket: { id: 'T-100' }, seconds: 900 },
];

const EXPECTED = {
  source: 'generic', external_id: 'T-100', status: 'solved', priority: 'normal', channel: 'email', team: 'Billing', requester_id: 'c-7',
  created_at: T0, first_customer_message_at: T0, first_response_at: T0 + 45 * 60_000, first_resolved_at: T0 + 120 * 60_000,
  resolved_at: T0 + 240 * 60_000, closed_at: null, reopen_count: 1, agent_reply_count: 2, customer_message_count: 1,
  escalated_at: T0 + 50 * 60_000, escalation_count: 1, handle_time_seconds: 900, created_by_agent: expect.anything(),
  // No calendar configured: business hours are calendar hours (45 min, 2 h, 4 h).
  first_response_business_ms: 45 * 60_000, first_resolution_business_ms: 120 * 60_000, resolution_business_ms: 240 * 60_000,
};

describe(`generic webhooks on ${TEST_ENGINE}`, () => {
  let bot: TestBot;
  beforeAll(async () => {
    bot = await startTestBot({ GENERIC_WEBHOOK_SECRET: GENERIC_SECRET });
  });
  afterAll(() => bot.dispose());
  beforeEach(async () => {
    await clearIngestedData(bot.db);
  });

  const send = (payload: unknown, id: string, headers: Record<string, string> = {}) => {
    const body = JSON.stringify(payload);
    return postWebhook(bot.url, 'generic', body, { ...standardWebhookHeaders(body, id), ...headers });
  };
  const ticketRow = () => projectedTicket(bot.db);

  it('turns a full ticket life into the right projection', async () => {
    for (const [index, event] of LIFE.entries()) expect((await send(event, `msg_${index}`)).status).toBe(200);
    expect(await ticketRow()).toEqual({ ...EXPECTED, created_by_agent: false, assignee_agent_id: 'set', url: null, customer_id: null, sla_policy_id: null, first_response_due_at: null, next_reply_due_at: null, next_reply_breached: false, resolution_due_at: null });
    expect(await bot.db('ticket_tags').select('tag').orderBy('tag')).toEqual([{ tag: 'escalated' }, { tag: 'refund' }]);
    expect(await bot.db('survey_responses').select('kind', 'scale', 'score', 'responded_at')).toEqual([{ kind: 'csat', scale: '1-5', score: 4, responded_at: T0 + 130 * 60_000 }]);
    expect(await bot.db('ticket_response_intervals').select('customer_at', 'replied_at', 'seconds').orderBy('customer_at')).toEqual([
      { customer_at: T0, replied_at: T0 + 45 * 60_000, seconds: 2700 },
      { customer_at: T0 + 200 * 60_000, replied_at: T0 + 230 * 60_000, seconds: 1800 },
    ]);
    const agents = await bot.db('agents').select('external_id', 'email', 'name');
    expect(agents).toEqual([{ external_id: 'a-1', email: 'ayu@example.com', name: 'Ayu' }]);
    const survey = await bot.db('survey_responses').first('agent_id');
    expect(survey?.agent_id).not.toBeNull();
  });

  it('the same life delivered twice, or in reverse order, or in one batch, gives the same projection', async () => {
    for (const [index, event] of LIFE.entries()) await send(event, `msg_${index}`);
    const once = await ticketRow();
    for (const [index, event] of LIFE.entries()) {
      const again = await send(event, `msg_${index}`);
      expect(again).toEqual({ status: 200, body: { ok: true, duplicate: true, events: 0 } });
    }
    // A redelivery under a new delivery id still changes nothing: events dedupe by their own id.
    expect((await send(LIFE[3], 'msg_other')).body).toEqual({ ok: true, duplicate: false, events: 0 });
    expect(await ticketRow()).toEqual(once);
    expect(await bot.db('ticket_events').count({ n: '*' })).toEqual([{ n: LIFE.length }]);

    await bot.db('ticket_tags').delete();
    await bot.db('ticket_response_intervals').delete();
    await bot.db('survey_responses').delete();
    await bot.db('tickets').delete();
    await bot.db('ticket_events').delete();
    await bot.db('webhook_deliveries').delete();
    for (const [index, event] of [...LIFE].reverse().entries()) expect((await send(event, `rev_${index}`)).status).toBe(200);
    expect(await ticketRow()).toEqual(once);

    await bot.db('ticket_tags').delete();
    await bot.db('ticket_response_intervals').delete();
    await bot.db('survey_responses').delete();
    await bot.db('tickets').delete();
    await bot.db('ticket_events').delete();
    const batch = await send({ events: LIFE }, 'batch_1');
    expect(batch).toEqual({ status: 200, body: { ok: true, duplicate: false, events: LIFE.length } });
    expect(await ticketRow()).toEqual(once);
  });

  it('records customer, self-service and survey events', async () => {
    const events = [
      { type: 'customer.purchased', id: 'p1', occurred_at: minutes(0), customer: { id: 'c-1' } },
      { type: 'customer.purchased', id: 'p2', occurred_at: minutes(60), customer: { id: 'c-1' } },
      { type: 'customer.churned', id: 'ch1', occurred_at: minutes(120), customer: { id: 'c-1' } },
      { type: 'selfservice.session', id: 's1', occurred_at: minutes(5), session: { id: 'hc-1', resolved_without_ticket: true } },
      { type: 'survey.response', id: 'n1', occurred_at: minutes(7), customer: { id: 'c-1' }, rating: { kind: 'nps', score: 9 } },
    ];
    expect((await send({ events }, 'mixed')).body).toEqual({ ok: true, duplicate: false, events: 5 });
    expect(await bot.db('customers').first('external_id', 'became_customer_at', 'churned_at')).toEqual({ external_id: 'c-1', became_customer_at: T0, churned_at: T0 + 120 * 60_000 });
    expect(await bot.db('customer_events').count({ n: '*' })).toEqual([{ n: 3 }]);
    expect(Boolean((await bot.db('self_service_sessions').first('resolved_without_ticket'))?.resolved_without_ticket)).toBe(true);
    expect(await bot.db('survey_responses').first('kind', 'scale', 'score')).toEqual({ kind: 'nps', scale: '0-10', score: 9 });
  });

  it('ticket.deleted takes the ticket out of every table the KPIs read and cancels its waiting posts; ticket.restored brings it back as it was', async () => {
    for (const [index, event] of LIFE.entries()) await send(event, `msg_${index}`);
    const before = await ticketRow();
    const counts = async () => {
      const out: Record<string, number> = {};
      for (const table of ['tickets', 'ticket_tags', 'ticket_response_intervals', 'survey_responses', 'ticket_resolved_spans']) out[table] = Number((await bot.db(table).count({ n: '*' }))[0]?.n);
      return out;
    };
    const live = await counts();
    expect(live).toMatchObject({ tickets: 1, ticket_tags: 2, ticket_response_intervals: 2, survey_responses: 1 });
    const ticketId = (await bot.db('tickets').first('id'))?.id as number;
    await bot.db('alert_outbox').insert({ dedupe_key: 'held-alert', kind: 'sla_breach', channel_id: 'C1', payload: '{}', state: 'pending', next_attempt_at: T0, ticket_id: ticketId, created_at: T0 });
    const at = (minute: number) => new Date(T0 + minute * 60_000).toISOString();
    expect((await send({ type: 'ticket.deleted', id: 'del-1', occurred_at: at(300), ticket: { id: 'T-100' } }, 'del-1')).body).toMatchObject({ ok: true, events: 1 });
    expect(await counts()).toEqual({ tickets: 0, ticket_tags: 0, ticket_response_intervals: 0, survey_responses: 0, ticket_resolved_spans: 0 });
    expect(await bot.db('alert_outbox').where({ dedupe_key: 'held-alert' }).first('state', 'ticket_id')).toEqual({ state: 'cancelled', ticket_id: null });
    expect((await send({ type: 'ticket.restored', id: 'res-1', occurred_at: at(310), ticket: { id: 'T-100' } }, 'res-1')).status).toBe(200);
    expect(await counts()).toEqual(live);
    expect({ ...(await ticketRow()), updated_at: before?.updated_at }).toEqual(before);
    // A restore (or a deletion) of a ticket never seen makes no ticket.
    expect((await send({ type: 'ticket.restored', id: 'res-x', occurred_at: at(320), ticket: { id: 'NEVER-SEEN' } }, 'res-x')).status).toBe(200);
    expect(await bot.db('tickets').where({ external_id: 'NEVER-SEEN' }).count({ n: '*' })).toEqual([{ n: 0 }]);
  });

  it('keeps a ticket link only when Slack can show it safely: one that would close the link markup and post @channel is dropped, the last good one stays', async () => {
    const updated = (url: string, id: string, at: number) => ({ type: 'ticket.updated', id, occurred_at: minutes(at), ticket: { id: 'T-URL', url } });
    await send({ events: [{ type: 'ticket.created', id: 'u0', occurred_at: minutes(0), ticket: { id: 'T-URL', status: 'open', url: 'https://help.example/t/1|Reset your password> <!channel' } }] }, 'url-0');
    const url = async () => (await bot.db('tickets').where({ external_id: 'T-URL' }).first('url'))?.url as string | null;
    expect(await url()).toBeNull();
    await send({ events: [updated('https://help.example/agent/tickets/1', 'u1', 1)] }, 'url-1');
    expect(await url()).toBe('https://help.example/agent/tickets/1');
    for (const [index, bad] of ['javascript:alert(1)', 'https://help.example/t/1> <!here>', 'https://help.example/t/ 1', `https://help.example/${'x'.repeat(500)}`].entries()) {
      await send({ events: [updated(bad, `u-bad-${index}`, 2 + index)] }, `url-bad-${index}`);
    }
    expect(await url()).toBe('https://help.example/agent/tickets/1');
  });

  describe('bad input gets a status and a JSON reason, and nothing is written', () => {
    const body = JSON.stringify(LIFE[0]);
    const countRows = async () => ({ events: (await bot.db('ticket_events').count({ n: '*' }))[0], deliveries: (await bot.db('webhook_deliveries').count({ n: '*' }))[0] });

    it('401 for a missing, wrong, tampered or stale signature', async () => {
      const now = Math.floor(Date.now() / 1000);
      const cases: [Record<string, string>, string, string][] = [
        [{}, body, 'bad_signature'],
        [standardWebhookHeaders(body, 'm1', `whsec_${Buffer.from('another-secret-entirely-0123456').toString('base64')}`), body, 'bad_signature'],
        [standardWebhookHeaders(body, 'm1'), body.replace('T-100', 'T-101'), 'bad_signature'],
        [standardWebhookHeaders(body, 'm1', GENERIC_SECRET, now - 360), body, 'stale_timestamp'],
        [standardWebhookHeaders(body, 'm1', GENERIC_SECRET, now + 360), body, 'stale_timestamp'],
      ];
      for (const [headers, sent, code] of cases) {
        const res = await postWebhook(bot.url, 'generic', sent, headers);
        expect(res.status).toBe(401);
        expect(res.body.error).toBe(code);
      }
      expect(await countRows()).toEqual({ events: { n: 0 }, deliveries: { n: 0 } });
    });

    it('400 malformed JSON, 413 too large, 415 wrong type, 404 unknown source', async () => {
      const broken = '{"type": "ticket.created",';
      expect(await postWebhook(bot.url, 'generic', broken, standardWebhookHeaders(broken, 'm2'))).toMatchObject({ status: 400, body: { error: 'malformed_json' } });
      const huge = JSON.stringify({ padding: 'x'.repeat(1024 * 1024) });
      expect(await postWebhook(bot.url, 'generic', huge, standardWebhookHeaders(huge, 'm3'))).toMatchObject({ status: 413, body: { error: 'body_too_large' } });
      expect(await postWebhook(bot.url, 'generic', body, { ...standardWebhookHeaders(body, 'm4'), 'content-type': 'text/plain' })).toMatchObject({ status: 415, body: { error: 'unsupported_media_type' } });
      expect(await postWebhook(bot.url, 'nosuchdesk', body, {})).toMatchObject({ status: 404, body: { error: 'unknown_source' } });
      expect(await countRows()).toEqual({ events: { n: 0 }, deliveries: { n: 0 } });
    });

    it('422 for valid JSON of an unknown shape, kept as a rejected delivery without its text', async () => {
      const odd = JSON.stringify({ type: 'ticket.exploded', id: 'x1', occurred_at: minutes(0), ticket: { id: '9', subject: 'My password is hunter2 and I am upset' } });
      const res = await postWebhook(bot.url, 'generic', odd, standardWebhookHeaders(odd, 'm5'));
      expect(res.status).toBe(422);
      // Read whole (the 300-character cut used to fall inside the list of types): the nearest type and where they all are.
      expect(res.body).toMatchObject({ error: 'unknown_shape', message: 'type "ticket.exploded" is not a generic event type; did you mean "ticket.reopened"? docs/sources/generic.md lists all 22' });
      const rows = await bot.db('webhook_deliveries').select('status', 'reason', 'payload');
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ status: 'rejected', reason: 'unknown_shape' });
      expect(rows[0]?.payload).not.toContain('hunter2');
      expect(rows[0]?.payload).toContain('ticket.exploded');
      expect(await bot.db('ticket_events').count({ n: '*' })).toEqual([{ n: 0 }]);
      // The same bad delivery again is kept once.
      await postWebhook(bot.url, 'generic', odd, standardWebhookHeaders(odd, 'm5'));
      expect(await bot.db('webhook_deliveries').count({ n: '*' })).toEqual([{ n: 1 }]);
    });

    it('422, not 500, for JSON nested 300,000 levels deep, kept with its depth cut', async () => {
      const deep = `{"events":${'['.repeat(300_000)}${']'.repeat(300_000)}}`;
      const res = await postWebhook(bot.url, 'generic', deep, standardWebhookHeaders(deep, 'deep-1'));
      expect(res).toMatchObject({ status: 422, body: { error: 'unknown_shape' } });
      const row = (await bot.db('webhook_deliveries').first('status', 'payload')) as { status: string; payload: string };
      expect(row.status).toBe('rejected');
      expect(row.payload).toContain('nested deeper than 32 levels');
      expect((await fetch(`${bot.url}/healthz`)).status).toBe(200);
    });

    it('422, kept, for a time in microseconds (year 58,000), an id too large to be read exactly, and handle time over 30 days; a due time ahead is taken', async () => {
      const at = Date.now();
      const cases: [string, string, RegExp][] = [
        ['us', JSON.stringify({ ...LIFE[0], occurred_at: at * 1000 }), /its time is \+0\d{5}-.*more than a day after it was sent/],
        ['big', JSON.stringify({ ...LIFE[0], ticket: { id: 1 } }).replace('"id":1', '"id":12345678901234567890'), /too large to be read exactly: send ids this long as strings/],
        ['hours', JSON.stringify({ type: 'ticket.handle_time', id: 'h1', occurred_at: minutes(240), ticket: { id: 'T-100' }, seconds: 31 * 86_400 }), /handle time \(2678400 s\) is more than 30 days/],
      ];
      for (const [id, body, message] of cases) {
        expect(await postWebhook(bot.url, 'generic', body, standardWebhookHeaders(body, id)), id).toMatchObject({ status: 422, body: { error: 'unknown_shape', message: expect.stringMatching(message) } });
      }
      expect(await bot.db('webhook_deliveries').where({ status: 'rejected' }).count({ n: '*' })).toEqual([{ n: 3 }]);
      expect(await bot.db('ticket_events').count({ n: '*' })).toEqual([{ n: 0 }]);
      const due = JSON.stringify({ ...LIFE[0], occurred_at: new Date(at).toISOString(), ticket: { ...(LIFE[0] as { ticket: object }).ticket, first_response_due_at: new Date(at + 7 * 86_400_000).toISOString() } });
      expect((await postWebhook(bot.url, 'generic', due, standardWebhookHeaders(due, 'due'))).status).toBe(200);
    });

    it('422, kept, for an id or event id holding half of a character: stored, it would be U+FFFD and merge with another', async () => {
      const ticket = (id: string) => JSON.stringify({ ...LIFE[0], ticket: { ...(LIFE[0] as { ticket: object }).ticket, id: 'X' } }).replace('"id":"X"', `"id":"${id}"`);
      for (const [delivery, body] of [['half-1', ticket('T-\\ud800')], ['half-2', ticket('T-\\udbff')], ['half-3', JSON.stringify({ ...LIFE[0], id: 'X' }).replace('"id":"X"', '"id":"evt-\\udc00"')]] as const) {
        expect(await postWebhook(bot.url, 'generic', body, standardWebhookHeaders(body, delivery)), delivery).toMatchObject({ status: 422, body: { error: 'unknown_shape', message: expect.stringMatching(/holds half of a character/) } });
      }
      // A whole character written as its two escapes is one character, and taken.
      const whole = ticket('T-\\ud83d\\ude00');
      expect((await postWebhook(bot.url, 'generic', whole, standardWebhookHeaders(whole, 'whole'))).status).toBe(200);
      expect(await bot.db('tickets').select('external_id')).toEqual([{ external_id: 'T-\u{1F600}' }]);
      expect(await bot.db('webhook_deliveries').where({ status: 'rejected' }).count({ n: '*' })).toEqual([{ n: 3 }]);
    });

    it('handle time adding up past what the column holds (829 events of 30 days) stops at its largest value, not a 500 that would lose the delivery on PostgreSQL', async () => {
      expect((await send(LIFE[0], 'created')).status).toBe(200);
      const events = Array.from({ length: 830 }, (_, index) => ({ type: 'ticket.handle_time', id: `ht${index}`, occurred_at: minutes(10), ticket: { id: 'T-100' }, seconds: 30 * 86_400 }));
      expect((await send({ events }, 'many-hours')).status).toBe(200);
      expect(await bot.db('tickets').first('handle_time_seconds')).toEqual({ handle_time_seconds: 2 ** 31 - 1 });
    });

    it('a refused delivery does not claim its id: the same bad body again is kept once, a corrected body under the same id is taken', async () => {
      const bad = JSON.stringify({ ...LIFE[0], type: 'ticket.exploded' });
      expect((await postWebhook(bot.url, 'generic', bad, standardWebhookHeaders(bad, 'msg-fixed'))).status).toBe(422);
      expect((await postWebhook(bot.url, 'generic', bad, standardWebhookHeaders(bad, 'msg-fixed'))).status).toBe(422);
      expect(await bot.db('webhook_deliveries').where({ status: 'rejected' }).count({ n: '*' })).toEqual([{ n: 1 }]);
      const good = JSON.stringify(LIFE[0]);
      expect(await postWebhook(bot.url, 'generic', good, standardWebhookHeaders(good, 'msg-fixed'))).toMatchObject({ status: 200, body: { duplicate: false, events: 1 } });
      expect(await postWebhook(bot.url, 'generic', good, standardWebhookHeaders(good, 'msg-fixed'))).toMatchObject({ status: 200, body: { duplicate: true } });
    });

    it('422, not 500, for a NUL character (\\u0000) anywhere in the body, kept as a rejected delivery; a long reason is cut short', async () => {
      const cases: [string, unknown][] = [
        ['nul-1', { ...LIFE[0], ticket: { ...LIFE[0]?.ticket, team: 'Bil\u0000ling' } }],
        ['nul-2', { ...LIFE[0], type: 'ticket.\u0000created' }],
        ['nul-3', { ...LIFE[0], ticket: { ...LIFE[0]?.ticket, tags: ['ok', 'b\u0000d'] } }],
        ['nul-4', { ...LIFE[0], 'odd\u0000key': 1 }],
      ];
      for (const [id, payload] of cases) {
        const body = JSON.stringify(payload);
        expect(body).toContain('\\u0000');
        expect(await postWebhook(bot.url, 'generic', body, standardWebhookHeaders(body, id)), id).toMatchObject({ status: 422, body: { error: 'unknown_shape', message: expect.stringContaining('NUL character') } });
      }
      expect(await bot.db('webhook_deliveries').where({ status: 'rejected' }).count({ n: '*' })).toEqual([{ n: 4 }]);
      expect(await bot.db('ticket_events').count({ n: '*' })).toEqual([{ n: 0 }]);
      // The text "\u0000" written out (a backslash, then u0000) is no NUL.
      const literal = JSON.stringify({ ...LIFE[0], ticket: { ...LIFE[0]?.ticket, team: 'Team \\u0000' } });
      expect((await postWebhook(bot.url, 'generic', literal, standardWebhookHeaders(literal, 'nul-literal'))).status).toBe(200);
      // An unknown type quoted in the reason is cut short.
      const long = JSON.stringify({ ...LIFE[0], type: `ticket.${'x'.repeat(5_000)}` });
      const res = await postWebhook(bot.url, 'generic', long, standardWebhookHeaders(long, 'long-type'));
      expect(res.status).toBe(422);
      expect(String((res.body as { message: string }).message).length).toBeLessThanOrEqual(301);
    });

    it('422, not 500 or a stored oddity, for names of Object\'s own members, times out of range and ids too long for their columns', async () => {
      const cases: [string, unknown, RegExp][] = [
        ['own-1', { ...LIFE[0], type: 'constructor' }, /constructor/],
        ['own-2', { ...LIFE[0], type: '__proto__' }, /__proto__/],
        ['own-3', { ...LIFE[0], ticket: { ...LIFE[0]?.ticket, status: 'toString' } }, /status/],
        ['time-1', { ...LIFE[0], occurred_at: 1e308 }, /occurred_at/],
        ['time-2', { ...LIFE[0], occurred_at: -1 }, /occurred_at/],
        ['time-3', { ...LIFE[0], occurred_at: '1969-12-31T23:59:59Z' }, /occurred_at/],
        ['id-1', { ...LIFE[0], ticket: { ...LIFE[0]?.ticket, id: 'T'.repeat(101) } }, /ticket id must be a text of 1 to 100 characters/],
        ['id-2', { ...LIFE[0], actor: { type: 'customer', id: 'c'.repeat(101) } }, /actor id/],
      ];
      for (const [id, payload, message] of cases) {
        const res = await send(payload, id);
        expect({ id, status: res.status, body: res.body }).toMatchObject({ id, status: 422, body: { error: 'unknown_shape', message: expect.stringMatching(message) } });
      }
      expect(await bot.db('webhook_deliveries').where({ status: 'rejected' }).count({ n: '*' })).toEqual([{ n: cases.length }]);
      expect(await bot.db('ticket_events').count({ n: '*' })).toEqual([{ n: 0 }]);
      expect(await bot.db('tickets').count({ n: '*' })).toEqual([{ n: 0 }]);
    });

    it('a batch with one bad event is refused whole', async () => {
      const mixed = JSON.stringify({ events: [LIFE[0], { ...LIFE[1], ticket: undefined }] });
      const res = await postWebhook(bot.url, 'generic', mixed, standardWebhookHeaders(mixed, 'm6'));
      expect(res).toMatchObject({ status: 422, body: { message: 'events[1].ticket must be an object' } });
      expect((await countRows()).events).toEqual({ n: 0 });
    });

    it('422 for an answer on a scale its kind does not use, or not a whole number: it would skew CES, CSAT or NPS (a lone event\'s fields named as they are, not as events[0])', async () => {
      const survey = (rating: object) => ({ type: 'survey.response', id: `s-${JSON.stringify(rating)}`, occurred_at: minutes(0), customer: { id: 'c-1' }, rating });
      const cases: [object, string][] = [
        [{ kind: 'ces', scale: '1-5', score: 4 }, 'rating.scale must be 1-7 for ces'],
        [{ kind: 'csat', scale: '0-10', score: 9 }, 'rating.scale must be 1-5 or good-bad for csat'],
        [{ kind: 'nps', scale: '1-7', score: 7 }, 'rating.scale must be 0-10 for nps'],
        [{ kind: 'csat', score: 4.5 }, 'rating.score must be a whole number within 1-5'],
        [{ kind: 'enps', score: 11 }, 'rating.score must be a whole number within 0-10'],
      ];
      for (const [index, [rating, message]] of cases.entries()) {
        const body = JSON.stringify(survey(rating));
        const res = await postWebhook(bot.url, 'generic', body, standardWebhookHeaders(body, `scale-${index}`));
        expect(res).toMatchObject({ status: 422, body: { message } });
      }
      expect(await bot.db('survey_responses').count({ n: '*' })).toEqual([{ n: 0 }]);
      // Each kind's own scales are taken, the first of them by default.
      const good = JSON.stringify({ events: [survey({ kind: 'ces', score: 6 }), survey({ kind: 'csat', scale: 'good-bad', score: 'good' })] });
      expect((await postWebhook(bot.url, 'generic', good, standardWebhookHeaders(good, 'scale-ok'))).status).toBe(200);
      expect(await bot.db('survey_responses').select('kind', 'scale', 'score').orderBy('kind')).toEqual([{ kind: 'ces', scale: '1-7', score: 6 }, { kind: 'csat', scale: 'good-bad', score: 1 }]);
    });
  });

  it('503 with the variable to set when the source has no secret', async () => {
    const unconfigured = await startTestBot();
    try {
      const res = await postWebhook(unconfigured.url, 'generic', '{}', {});
      expect(res).toEqual({ status: 503, body: { error: 'source_not_configured', message: 'the generic webhook is not configured: set GENERIC_WEBHOOK_SECRET (whsec_...) and restart' } });
    } finally {
      await unconfigured.dispose();
    }
  });
});

describe('Standard Webhooks signature', () => {
  it('accepts the specification\'s test vector, also among several signatures', () => {
    const secrets = { generic: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' };
    const request = (signature: string) => ({
      rawBody: Buffer.from('{"test": 2432232314}'),
      headers: { 'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek', 'webhook-timestamp': '1614265330', 'webhook-signature': signature },
      receivedAt: 1614265330 * 1000 + 1000,
    });
    expect(() => genericAdapter.verify(request('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE='), secrets)).not.toThrow();
    expect(() => genericAdapter.verify(request('v1,bm9wZQ== v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE='), secrets)).not.toThrow();
    expect(() => genericAdapter.verify(request('v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE='), secrets)).toThrow(/no v1 webhook-signature entry matches .* GENERIC_WEBHOOK_SECRET/);
    expect(() => genericAdapter.verify(request('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE'), secrets)).toThrow(/no v1 webhook-signature entry matches .* GENERIC_WEBHOOK_SECRET/);
    // A timestamp in milliseconds is named as such, not called stale.
    const inMilliseconds = { ...request('v1,x'), headers: { ...request('v1,x').headers, 'webhook-timestamp': '1614265330000' } };
    expect(() => genericAdapter.verify(inMilliseconds, secrets)).toThrow('webhook-timestamp must be Unix seconds, not milliseconds');
  });
});
