/**
 * A ticket whose creation event never reached the bot (connected in the middle of a conversation, a delivery lost
 * for good: Intercom retries only once) is dated by the creation time the helpdesk sends with every later event,
 * and takes the state sent with its rating. Before, such a ticket was created at its first event, as status new:
 * a conversation rated today that began and closed months ago counted as today's open ticket, and a first reply
 * as the first event gave a first response time of 0 s.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { NormalizedEvent, TicketEvent } from '../../src/ingest/events.js';
import { freshdeskAdapter } from '../../src/ingest/freshdesk.js';
import { genericAdapter } from '../../src/ingest/generic.js';
import { helpscoutAdapter } from '../../src/ingest/helpscout.js';
import { intercomAdapter } from '../../src/ingest/intercom.js';
import { jiraAdapter } from '../../src/ingest/jira.js';
import { projectTicket } from '../../src/ingest/project-ticket.js';
import { zendeskAdapter } from '../../src/ingest/zendesk.js';
import { zohodeskAdapter } from '../../src/ingest/zohodesk.js';
import { EVENT_LIFE, TRIGGER_LIFE } from '../fixtures/zendesk/ticket-life.js';

const T0 = Date.parse('2026-10-05T08:00:00Z'); // every fixture's ticket is created then
const min = (n: number) => T0 + n * 60_000;
const RECEIVED = Date.parse('2026-11-20T12:00:00Z'); // weeks later
const json = (path: string): unknown => JSON.parse(readFileSync(new URL(`../fixtures/${path}`, import.meta.url), 'utf8'));
const tickets = (events: readonly NormalizedEvent[]) => events.filter((event): event is TicketEvent => event.kind === 'ticket');
const project = (events: readonly NormalizedEvent[]) => projectTicket(tickets(events));

describe('a ticket first seen after its creation', () => {
  it('Intercom: a rating alone is a conversation of its creation day, solved as its state says, not a new open ticket of today', () => {
    const rated = intercomAdapter.parse(json('intercom/08-conversation.rating.added.json'), { headers: {}, receivedAt: RECEIVED });
    expect(project(rated)).toMatchObject({ createdAt: T0, status: 'solved', ratings: [{ kind: 'csat', score: expect.any(Number) }] });
    // With statistics.last_close_at, solved then, not at the rating: its resolution time is the conversation's own.
    const body = json('intercom/08-conversation.rating.added.json') as { data: { item: { statistics: Record<string, unknown> } } };
    body.data.item.statistics.last_close_at = (T0 + 90 * 60_000) / 1000;
    const closed = project(intercomAdapter.parse(body, { headers: {}, receivedAt: RECEIVED }));
    expect([closed.status, closed.resolvedAt, closed.firstResolvedAt]).toEqual(['solved', min(90), min(90)]);
  });

  it('Intercom: a first reply as the first event is measured from the conversation\'s creation, not 0 s', () => {
    const reply = intercomAdapter.parse(json('intercom/05-conversation.admin.replied.json'), { headers: {}, receivedAt: RECEIVED });
    const p = project(reply);
    expect(p.createdAt).toBe(T0);
    expect((p.firstResponseAt ?? 0) - p.createdAt).toBe(45 * 60_000);
    expect(p.responseIntervals).toEqual([{ customerAt: T0, repliedAt: min(45) }]);
  });

  it('Help Scout: the same, from the conversation\'s createdAt', () => {
    const reply = helpscoutAdapter.parse(json('helpscout/04-convo.agent.reply.created.json'), { headers: { 'x-helpscout-event': 'convo.agent.reply.created' }, receivedAt: RECEIVED });
    const p = project(reply);
    expect([p.createdAt, p.firstResponseAt]).toEqual([T0, min(45)]);
  });

  it('Help Scout: the threads an event carries give back the replies and messages before it, so a conversation followed from its middle counts as it happened', () => {
    // The last reply (sent as Closed, 230 min) is the first event seen; its body holds every thread since the first message.
    const last = helpscoutAdapter.parse(json('helpscout/09-convo.agent.reply.created.json'), { headers: { 'x-helpscout-event': 'convo.agent.reply.created' }, receivedAt: RECEIVED });
    const p = project(last);
    expect([p.createdAt, p.firstResponseAt, p.agentReplyCount, p.customerMessageCount, p.status, p.resolvedAt]).toEqual([T0, min(45), 2, 1, 'solved', min(230)]);
    expect(p.responseIntervals).toEqual([{ customerAt: T0, repliedAt: min(45) }, { customerAt: min(200), repliedAt: min(230) }]);
    // The note stays a note; the opening message is the creation, not a second customer message.
    expect(tickets(last).filter((event) => event.type === 'internal_note')).toHaveLength(1);
    expect(tickets(last).filter((event) => event.occurredAt === T0)).toEqual([]);
    // Followed from the start, the same threads were each kept as their own event, under the same keys: nothing new.
    const followed = ['01-convo.created', '02-convo.note.created', '04-convo.agent.reply.created', '08-convo.customer.reply.created'].flatMap((name) =>
      tickets(helpscoutAdapter.parse(json(`helpscout/${name}.json`), { headers: { 'x-helpscout-event': name.slice(3) }, receivedAt: RECEIVED })).slice(0, 1).map((event) => event.dedupeKey),
    );
    expect(tickets(last).slice(1).map((event) => event.dedupeKey).sort()).toEqual(followed.slice(1).sort());
  });

  it('Help Scout: the opening thread is the creation however late it is dated (a call logged ten minutes after, an agent\'s outbound message)', () => {
    const body = json('helpscout/09-convo.agent.reply.created.json') as { createdBy: unknown; _embedded: { threads: Record<string, unknown>[] } };
    const opening = body._embedded.threads.find((thread) => thread.id === 9100001) as Record<string, unknown>;
    opening.createdAt = '2026-10-05T08:10:00Z';
    const late = tickets(helpscoutAdapter.parse(body, { headers: { 'x-helpscout-event': 'convo.agent.reply.created' }, receivedAt: RECEIVED }));
    expect(late.filter((event) => event.dedupeKey.includes(':thread:9100001:'))).toEqual([]);
    // An agent's outbound conversation: its opening message is no reply (FCR counts the replies after it).
    const agent = { id: 5100001, type: 'user', first: 'Agent', last: 'One', email: 'agent.one@example.com' };
    Object.assign(opening, { type: 'message', createdBy: agent, createdAt: '2026-10-05T08:05:00Z' });
    body.createdBy = agent;
    const outbound = tickets(helpscoutAdapter.parse(body, { headers: { 'x-helpscout-event': 'convo.agent.reply.created' }, receivedAt: RECEIVED }));
    expect(project(outbound).agentReplyCount).toBe(2);
    expect(outbound.filter((event) => event.dedupeKey.includes(':thread:9100001:'))).toEqual([]);
  });

  it('Help Scout: an agent\'s outbound conversation first seen mid-life waits from the customer\'s first message, not from its creation', () => {
    const agent = { id: 5100001, type: 'user', first: 'Agent', last: 'One', email: 'agent.one@example.com' };
    const customer = { id: 4400123, type: 'customer' };
    const thread = (id: number, type: string, createdBy: unknown, minute: number) => ({ id, type, state: 'published', status: 'nochange', createdBy, createdAt: new Date(min(minute)).toISOString() });
    const body = {
      id: 2880009, number: 9, type: 'email', status: 'active', state: 'published', mailboxId: 1, createdBy: agent, createdAt: new Date(T0).toISOString(), userUpdatedAt: new Date(min(80)).toISOString(),
      _embedded: { threads: [thread(9, 'message', agent, 0), thread(10, 'customer', customer, 60), thread(11, 'message', agent, 80)] },
    };
    const p = project(helpscoutAdapter.parse(body, { headers: { 'x-helpscout-event': 'convo.agent.reply.created' }, receivedAt: RECEIVED }));
    expect([p.createdAt, p.createdByAgent, p.firstCustomerMessageAt, p.firstResponseAt, p.agentReplyCount]).toEqual([T0, true, min(60), min(80), 1]);
    expect(p.responseIntervals).toEqual([{ customerAt: min(60), repliedAt: min(80) }]);
    // The same conversation from a customer: waiting since its creation, as before.
    const inbound = project(helpscoutAdapter.parse({ ...body, createdBy: customer, _embedded: { threads: [thread(9, 'customer', customer, 0), thread(10, 'customer', customer, 60), thread(11, 'message', agent, 80)] } }, { headers: { 'x-helpscout-event': 'convo.agent.reply.created' }, receivedAt: RECEIVED }));
    expect([inbound.createdByAgent, inbound.firstCustomerMessageAt, inbound.firstResponseAt]).toEqual([false, T0, min(80)]);
  });

  it('Jira: a satisfaction update alone dates the request by fields.created and takes its resolved status at its resolutiondate', () => {
    const p = project(jiraAdapter.parse(json('jira/12-satisfaction.json'), { headers: {}, receivedAt: RECEIVED }));
    // Solved at its resolutiondate (10:00, two hours in), not when it was rated.
    expect(p).toMatchObject({ createdAt: T0, status: 'solved', resolvedAt: min(120) });
  });

  it('Zendesk (events and triggers), Freshdesk and Zoho Desk: a later event dates the ticket by its creation time', () => {
    const zendeskEvent = project(zendeskAdapter.parse(EVENT_LIFE[4], { headers: {}, receivedAt: RECEIVED }));
    expect([zendeskEvent.createdAt, zendeskEvent.firstResponseAt]).toEqual([T0, min(45)]);
    const zendeskTrigger = project(zendeskAdapter.parse(TRIGGER_LIFE[2]?.body, { headers: { 'x-zendesk-webhook-invocation-id': '9003' }, receivedAt: RECEIVED }));
    expect([zendeskTrigger.createdAt, zendeskTrigger.firstResponseAt]).toEqual([T0, min(45)]);
    const freshdesk = project(freshdeskAdapter.parse(json('freshdesk/04-agent-replied.json'), { headers: {}, receivedAt: RECEIVED }));
    expect([freshdesk.createdAt, freshdesk.firstResponseAt]).toEqual([T0, min(45)]);
    const zoho = project(zohodeskAdapter.parse(json('zohodesk/03-update-assigned.json'), { headers: {}, receivedAt: RECEIVED }));
    expect(zoho.createdAt).toBe(T0);
  });

  it('generic: ticket.created_at dates it (docs/sources/generic.md); an unreadable one is refused', () => {
    const reply = (createdAt: unknown) => ({ type: 'ticket.agent_replied', id: 'r1', occurred_at: new Date(min(45)).toISOString(), actor: { type: 'agent', id: 'a1' }, ticket: { id: 'T-9', created_at: createdAt } });
    const p = project(genericAdapter.parse(reply('2026-10-05T08:00:00Z'), { headers: {}, receivedAt: RECEIVED }));
    expect([p.createdAt, p.firstResponseAt]).toEqual([T0, min(45)]);
    expect(() => genericAdapter.parse(reply('last Tuesday'), { headers: {}, receivedAt: RECEIVED })).toThrow(/ticket\.created_at/);
  });

  it('the creation event, when it is there, decides; a ticket with no creation time anywhere starts at its first event', () => {
    const created = intercomAdapter.parse(json('intercom/01-conversation.user.created.json'), { headers: {}, receivedAt: RECEIVED });
    const reply = intercomAdapter.parse(json('intercom/05-conversation.admin.replied.json'), { headers: {}, receivedAt: RECEIVED });
    const both = project([...reply, ...created]);
    expect([both.createdAt, both.firstResponseAt, both.responseIntervals]).toEqual([T0, min(45), [{ customerAt: T0, repliedAt: min(45) }]]);
    const bare: TicketEvent = { kind: 'ticket', type: 'agent_reply', externalTicketId: 'G-1', occurredAt: min(30), data: {}, actor: { type: 'agent', id: 'a' }, dedupeKey: 'g1' };
    expect(projectTicket([bare])).toMatchObject({ createdAt: min(30), firstResponseAt: min(30), status: 'new' });
    // A creation time after the first event contradicts it (and would give 0 s): the first event's time stands.
    expect(projectTicket([{ ...bare, data: { ticketCreatedAt: min(90) } }])).toMatchObject({ createdAt: min(30), firstResponseAt: min(30) });
    expect(projectTicket([{ ...bare, data: { ticketCreatedAt: min(10) } }])).toMatchObject({ createdAt: min(10), firstResponseAt: min(30) });
  });
});
