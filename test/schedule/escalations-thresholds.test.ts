import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AlertStore } from '../../src/store/alert-store.js';
import { openDatabase } from '../../src/store/database.js';
import { GoalStore } from '../../src/store/goal-store.js';
import { alertEscalations, ESCALATION_SWEEP_AFTER_MS, evaluateThresholds, sweepEscalations } from '../../src/schedule/alert-jobs.js';
import { IngestStore } from '../../src/store/ingest-store.js';
import { DEFAULT_PROJECTION_OPTIONS } from '../../src/ingest/project-ticket.js';
import { ticketEvent } from '../../src/ingest/events.js';
import { thresholdDecision } from '../../src/schedule/threshold-rules.js';
import type { TicketEventData } from '../../src/ingest/events.js';
import { renderMessage } from '../../src/slack/console-render.js';
import { TEST_ENGINE } from '../helpers/databases.js';
import { startTestBot, type TestBot } from '../helpers/bot.js';
import { startFakeSlack, type FakeSlack } from '../helpers/fake-slack.js';
import { GENERIC_SECRET, postWebhook, standardWebhookHeaders } from '../helpers/webhooks.js';
import { createAlertWorld, type AlertWorld } from '../helpers/alerts.js';

const MIN = 60_000;
const HOUR = 60 * MIN;

describe(`escalation alerts at ingest on ${TEST_ENGINE}`, () => {
  let slack: FakeSlack;
  let bot: TestBot;

  beforeEach(async () => {
    slack = await startFakeSlack();
    slack.answer('chat.postMessage', (call) => ({ body: { ok: true, channel: call.args.channel, ts: `1.${slack.calls.length}` } }));
    slack.answer('conversations.open', (call) => ({ body: { ok: true, channel: { id: `D${String(call.args.users)}` } } }));
    bot = await startTestBot({ SLACK_BOT_TOKEN: 'xoxb-test', SLACK_SIGNING_SECRET: '0123456789abcdef0123456789abcdef', SLACK_API_URL: slack.url, GENERIC_WEBHOOK_SECRET: GENERIC_SECRET });
  });
  afterEach(async () => {
    await bot.dispose();
    await slack.close();
  });

  const send = async (id: string, events: unknown[]) => {
    const body = JSON.stringify({ events });
    const answer = await postWebhook(bot.url, 'generic', body, { ...standardWebhookHeaders(body, id) });
    expect(answer.status).toBe(200);
  };

  it('posts to the escalations channel and DMs the new assignee within seconds of the 200', async () => {
    await new AlertStore(bot.db).addRule({ kind: 'escalations', channelId: 'CESCALATE', filters: {} }, Date.now());
    const now = Date.now();
    await send('msg_1', [
      { type: 'ticket.created', id: 'e1', occurred_at: new Date(now - 60_000).toISOString(), actor: { type: 'customer', id: 'c1' }, ticket: { id: 'T-77', status: 'new', team: 'Tier 1', url: 'https://help.example.com/t/77' } },
      { type: 'ticket.assigned', id: 'e2', occurred_at: new Date(now - 50_000).toISOString(), ticket: { id: 'T-77', assignee: { id: 'agent-9', email: 'budi@example.com', name: 'Budi' } } },
    ]);
    await bot.db('agents').where({ email: 'budi@example.com' }).update({ slack_user_id: 'UBUDI' });
    const sentAt = Date.now();
    await send('msg_2', [{ type: 'ticket.escalated', id: 'e3', occurred_at: new Date(now).toISOString(), ticket: { id: 'T-77' } }]);
    while (slack.callsTo('chat.postMessage').length < 2 && Date.now() - sentAt < 5000) await new Promise((resolve) => setTimeout(resolve, 50));
    const posts = slack.callsTo('chat.postMessage');
    expect(posts.map((call) => call.args.channel).sort()).toEqual(['CESCALATE', 'DUBUDI']);
    expect(Date.now() - sentAt).toBeLessThan(5000);
    const text = renderMessage({ text: '', blocks: posts[0]?.args.blocks as never });
    expect(text).toContain('Ticket escalated');
    expect(text).toContain('#T-77');
    // The notification says whose it is, not only which ticket.
    for (const post of posts) expect(String(post.args.text)).toMatch(/^Ticket escalated: <[^>]+\|#T-77> · Team: Tier 1$/);
    // The same delivery again changes nothing.
    await send('msg_2', [{ type: 'ticket.escalated', id: 'e3', occurred_at: new Date(now).toISOString(), ticket: { id: 'T-77' } }]);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(slack.callsTo('chat.postMessage')).toHaveLength(2);
  });
});

describe(`a stop while an escalation's post is in flight on ${TEST_ENGINE}`, () => {
  it('waits for the post the webhook started (no scheduler tick running), so its row is marked sent, not left claimed for the next leader', async () => {
    const slack = await startFakeSlack();
    // Slack takes 700 ms to answer the post.
    slack.answer('chat.postMessage', (call) => ({ body: { ok: true, channel: call.args.channel, ts: '1.1' }, delayMs: 700 }));
    const bot = await startTestBot({ SLACK_BOT_TOKEN: 'xoxb-test', SLACK_SIGNING_SECRET: '0123456789abcdef0123456789abcdef', SLACK_API_URL: slack.url, GENERIC_WEBHOOK_SECRET: GENERIC_SECRET });
    try {
      await new AlertStore(bot.db).addRule({ kind: 'escalations', channelId: 'CESCALATE', filters: {} }, Date.now());
      // This process leads once its scheduler has ticked.
      for (let i = 0; i < 100 && !bot.jobs.scheduler.isLeader; i += 1) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(bot.jobs.scheduler.isLeader).toBe(true);
      const now = Date.now();
      const body = JSON.stringify({ events: [
        { type: 'ticket.created', id: 's1', occurred_at: new Date(now - 60_000).toISOString(), actor: { type: 'customer', id: 'c1' }, ticket: { id: 'T-88', status: 'new' } },
        { type: 'ticket.escalated', id: 's2', occurred_at: new Date(now).toISOString(), ticket: { id: 'T-88' } },
      ] });
      expect((await postWebhook(bot.url, 'generic', body, standardWebhookHeaders(body, 'msg_stop'))).status).toBe(200);
      await slack.waitFor('chat.postMessage', 1, 3000);
      await bot.stop();
      const db = openDatabase(bot.config.database);
      try {
        expect(await db('alert_outbox').where({ kind: 'escalation' }).select('state', 'channel_id')).toEqual([{ state: 'sent', channel_id: 'CESCALATE' }]);
      } finally {
        await db.destroy();
      }
    } finally {
      await bot.dispose();
      await slack.close();
    }
  });
});

describe(`escalation alerts kept with their delivery on ${TEST_ENGINE}`, () => {
  const T0 = Date.UTC(2026, 10, 23, 9, 0, 0);
  let w: AlertWorld;
  beforeEach(async () => {
    w = await createAlertWorld(T0);
    await w.alerts.addRule({ kind: 'escalations', channelId: 'CESC', filters: {} }, T0);
    await w.ingest([{ ticket: 'E-1', type: 'ticket_created', at: T0 - HOUR, data: { status: 'new' } }]);
  });
  afterEach(async () => {
    await w.dispose();
  });
  const keys = async () => (await w.db('alerts').select('dedupe_key').orderBy('id')).map((row) => String(row.dedupe_key));
  const left = async () => (await w.db('escalations_to_alert').select('ticket_id', 'escalation_count')).length;

  it('an escalation post held by quiet hours is cancelled when its rule is removed; one another rule also asks for stays', async () => {
    // T0 is 09:00 UTC: CESC and CBOTH are quiet until 10:00.
    for (const channel of ['CESC', 'CBOTH']) await w.alerts.setQuietHours(channel, { starts: '08:00', ends: '10:00', timezone: 'UTC' }, T0);
    const both = [await w.alerts.addRule({ kind: 'escalations', channelId: 'CBOTH', filters: {} }, T0), await w.alerts.addRule({ kind: 'escalations', channelId: 'CBOTH', filters: {} }, T0)];
    const { escalated } = await w.ingest([{ ticket: 'E-1', type: 'escalated', at: T0 - MIN }]);
    expect(await alertEscalations(w.deps(), escalated, w.now)).toBe(1);
    const [rule] = (await w.alerts.rules('escalations')).filter((candidate) => candidate.channelId === 'CESC');
    await w.alerts.removeRule(rule?.id ?? 0, w.now);
    await w.alerts.removeRule(both[0] ?? 0, w.now);
    expect((await w.db('alert_outbox').select('channel_id', 'state').orderBy('channel_id')).map((row) => `${String(row.channel_id)} ${String(row.state)}`)).toEqual(['CBOTH pending', 'CESC cancelled']);
    w.now = T0 + 61 * MIN;
    await w.sender().deliverDue();
    expect(w.posts().map((post) => post.channel)).toEqual(['CBOTH']);
  });

  it('a post cancelled while the sender holds it stays cancelled when the sender puts it off (pacing, a retry)', async () => {
    const { escalated } = await w.ingest([{ ticket: 'E-1', type: 'escalated', at: T0 - MIN }]);
    expect(await alertEscalations(w.deps(), escalated, w.now)).toBe(1);
    const [claimed] = await w.outbox.claimDue(w.now, 10, 60_000, 'sender-a');
    expect(claimed?.state).toBe('sending');
    const [rule] = await w.alerts.rules('escalations');
    await w.alerts.removeRule(rule?.id ?? 0, w.now);
    await w.outbox.retryAt(claimed?.id ?? 0, w.now + 1000, null, false);
    await w.outbox.markFailed(claimed?.id ?? 0, 'channel_not_found');
    expect((await w.db('alert_outbox').select('state')).map((row) => row.state)).toEqual(['cancelled']);
  });

  it('two escalations committed one after the other are two alerts, though both are alerted after the second (two replicas)', async () => {
    const first = await w.ingest([{ ticket: 'E-1', type: 'escalated', at: T0 - 30 * MIN }]);
    const second = await w.ingest([{ ticket: 'E-1', type: 'escalated', at: T0 - 20 * MIN }]);
    expect(await left()).toBe(2);
    // The replica that took the first delivery reaches its after-commit step only now, when the ticket's count is 2.
    expect(await alertEscalations(w.deps(), second.escalated, w.now)).toBe(1);
    expect(await alertEscalations(w.deps(), first.escalated, w.now)).toBe(1);
    expect((await keys()).sort()).toEqual([expect.stringMatching(/^escalation:\d+:1$/), expect.stringMatching(/^escalation:\d+:2$/)]);
    expect(await left()).toBe(0);
  });

  it('an escalation whose process stopped before its alert is alerted by the leader\'s sweep, once; a CSV import keeps none', async () => {
    // The 200 went out, and the process died before alertEscalations ran.
    await w.ingest([{ ticket: 'E-1', type: 'escalated', at: T0 - 10 * MIN }]);
    expect(await left()).toBe(1);
    // The sweep leaves it to the delivery's own process for a while...
    expect(await sweepEscalations(w.deps(), w.now + ESCALATION_SWEEP_AFTER_MS - 1000)).toBe(0);
    // ...then makes it.
    w.now += ESCALATION_SWEEP_AFTER_MS;
    expect(await sweepEscalations(w.deps(), w.now)).toBe(1);
    expect(await left()).toBe(0);
    expect(await sweepEscalations(w.deps(), w.now + HOUR)).toBe(0);
    await w.sender().deliverDue();
    expect(w.posts().map((post) => [post.channel, post.text])).toEqual([['CESC', expect.stringContaining('Ticket escalated')]]);
    // Events with no delivery (a CSV import, the demo) raise counts but keep nothing to alert.
    const outcome = await new IngestStore(w.db, DEFAULT_PROJECTION_OPTIONS, () => w.now).recordEvents('generic', [ticketEvent('E-1', 'escalated', { occurredAt: T0 - MIN, dedupeKey: 'csv-1' }, {})]);
    expect(outcome.escalated).toHaveLength(1);
    expect(await left()).toBe(0);
  });
});

describe('threshold decisions (pure)', () => {
  it('alerts when crossed, not again within the cooldown, notes the recovery, and ignores missing data', () => {
    const crossed = thresholdDecision({}, true, 0, HOUR);
    expect(crossed).toEqual({ action: 'alert', state: { crossed: true, lastAlertAt: 0 } });
    expect(thresholdDecision({ crossed: true, lastAlertAt: 0 }, true, MIN, HOUR)).toEqual({ action: 'none' });
    const recovered = thresholdDecision({ crossed: true, lastAlertAt: 0 }, false, 10 * MIN, HOUR);
    expect(recovered).toEqual({ action: 'recovered', state: { crossed: false, lastAlertAt: 0 } });
    expect(thresholdDecision({ crossed: false, lastAlertAt: 0 }, true, 20 * MIN, HOUR)).toEqual({ action: 'none' });
    expect(thresholdDecision({ crossed: false, lastAlertAt: 0 }, true, HOUR, HOUR)).toMatchObject({ action: 'alert' });
    expect(thresholdDecision({ crossed: true }, undefined, HOUR, HOUR)).toEqual({ action: 'none' });
  });
});

describe(`threshold rules on ${TEST_ENGINE}`, () => {
  const T0 = Date.UTC(2026, 10, 23, 9, 0, 0);
  let w: AlertWorld;
  beforeEach(async () => {
    w = await createAlertWorld(T0);
  });
  afterEach(async () => {
    await w.dispose();
  });
  /** Delivers what is due, `runs` times a second apart (posts to one channel are paced). */
  const deliverAll = async (runs: number) => {
    const sender = w.sender();
    for (let i = 0; i < runs; i++) {
      await sender.deliverDue();
      w.now += 1000;
    }
  };

  it('backlog > 2: an alert when crossed, a note when it recovers', async () => {
    await w.alerts.addRule({ kind: 'threshold', channelId: 'COPS', filters: {}, config: { metric: 'backlog', operator: '>', value: 2 } }, T0);
    const deps = w.deps();
    for (const n of [1, 2]) await w.ingest([{ ticket: `T-${n}`, type: 'ticket_created', at: T0 - HOUR, data: { status: 'new' } }]);
    expect(await evaluateThresholds(deps, w.now)).toBe(0);
    await w.ingest([{ ticket: 'T-3', type: 'ticket_created', at: T0 - MIN, data: { status: 'new' } }]);
    expect(await evaluateThresholds(deps, w.now)).toBe(1);
    w.now += MIN;
    expect(await evaluateThresholds(deps, w.now)).toBe(0);
    await w.ingest([{ ticket: 'T-3', type: 'status_changed', at: w.now - 1000, data: { status: 'solved' } }]);
    w.now += MIN;
    expect(await evaluateThresholds(deps, w.now)).toBe(1);
    await deliverAll(2);
    const texts = w.posts().map((post) => post.text);
    expect(texts).toEqual([expect.stringContaining('Threshold crossed: Backlog is 3 now; the rule is &gt; 2.'), expect.stringContaining('Back within the threshold: Backlog is 2 now')]);
    expect(w.posts().map((post) => post.channel)).toEqual(['COPS', 'COPS']);
  });

  it('backlog > 1 by:team: each team against the limit on its own, named in its alert; one team\'s recovery leaves the other\'s state', async () => {
    await w.alerts.addRule({ kind: 'threshold', channelId: 'COPS', filters: {}, config: { metric: 'backlog', operator: '>', value: 1, by: 'team' } }, T0);
    const deps = w.deps();
    const open = (id: string, team: string, at: number) => w.ingest([{ ticket: id, type: 'ticket_created', at, data: { status: 'new', team } }]);
    await open('B-1', 'Billing', T0 - HOUR);
    await open('S-1', 'Sales', T0 - HOUR);
    // Two open tickets in all, one per team: the whole backlog is over 1, no team is.
    expect(await evaluateThresholds(deps, w.now)).toBe(0);
    await open('B-2', 'Billing', T0 - MIN);
    expect(await evaluateThresholds(deps, w.now)).toBe(1);
    w.now += MIN;
    await open('S-2', 'Sales', w.now - 1000);
    expect(await evaluateThresholds(deps, w.now)).toBe(1);
    w.now += MIN;
    expect(await evaluateThresholds(deps, w.now)).toBe(0);
    await w.ingest([{ ticket: 'B-2', type: 'status_changed', at: w.now - 1000, data: { status: 'solved' } }]);
    w.now += MIN;
    expect(await evaluateThresholds(deps, w.now)).toBe(1);
    expect((await w.alerts.rules('threshold'))[0]?.state).toMatchObject({ values: { '=billing': { crossed: false }, '=sales': { crossed: true } } });
    await deliverAll(4);
    expect(w.posts().map((post) => post.text)).toEqual([
      expect.stringContaining('Threshold crossed: Backlog (Team: Billing) is 2 now; the rule is &gt; 1.'),
      expect.stringContaining('Threshold crossed: Backlog (Team: Sales) is 2 now'),
      expect.stringContaining('Back within the threshold: Backlog (Team: Billing) is 1 now'),
    ]);
  });

  it('backlog > 1 by:team: a team whose last open tickets are solved at once recovers at 0, and alerts again when it crosses again', async () => {
    await w.alerts.addRule({ kind: 'threshold', channelId: 'COPS', filters: {}, config: { metric: 'backlog', operator: '>', value: 1, by: 'team' } }, T0);
    const deps = w.deps();
    const open = (id: string, at: number) => w.ingest([{ ticket: id, type: 'ticket_created', at, data: { status: 'new', team: 'Billing' } }]);
    await open('B-1', T0 - HOUR);
    await open('B-2', T0 - MIN);
    expect(await evaluateThresholds(deps, w.now)).toBe(1);
    w.now += MIN;
    await w.ingest(['B-1', 'B-2'].map((ticket) => ({ ticket, type: 'status_changed' as const, at: w.now - 1000, data: { status: 'solved' as const } })));
    expect(await evaluateThresholds(deps, w.now)).toBe(1);
    w.now += 5 * HOUR;
    await open('B-3', w.now - 2000);
    await open('B-4', w.now - 1000);
    expect(await evaluateThresholds(deps, w.now)).toBe(1);
    await deliverAll(3);
    expect(w.posts().map((post) => post.text)).toEqual([
      expect.stringContaining('Threshold crossed: Backlog (Team: Billing) is 2 now'),
      expect.stringContaining('Back within the threshold: Backlog (Team: Billing) is 0 now'),
      expect.stringContaining('Threshold crossed: Backlog (Team: Billing) is 2 now'),
    ]);
  });

  it('a split rule keeps a team\'s state whatever its spelling, two helpdesks\' agents 7 apart, and a team called __proto__ as any other', async () => {
    await w.alerts.addRule({ kind: 'threshold', channelId: 'COPS', filters: {}, config: { metric: 'backlog', operator: '>', value: 1, by: 'team' } }, T0);
    await w.alerts.addRule({ kind: 'threshold', channelId: 'CAGENTS', filters: {}, config: { metric: 'backlog', operator: '>', value: 1, by: 'agent' } }, T0);
    const deps = w.deps();
    const open = (id: string, data: TicketEventData, source?: string) => w.ingest([{ ticket: id, type: 'ticket_created', at: T0 - HOUR, data: { status: 'new', ...data } }], source);
    await open('B-1', { team: 'Billing' });
    await open('B-2', { team: 'Billing' });
    await open('P-1', { team: '__proto__' });
    await open('P-2', { team: '__proto__' });
    await open('X-1', { assignee: { type: 'agent', id: '7', name: 'Xena' } }, 'zendesk');
    await open('X-2', { assignee: { type: 'agent', id: '7', name: 'Xena' } }, 'zendesk');
    await open('Y-1', { assignee: { type: 'agent', id: '7', name: 'Yuri' } }, 'freshdesk');
    await open('Y-2', { assignee: { type: 'agent', id: '7', name: 'Yuri' } }, 'freshdesk');
    // Billing, __proto__, Xena and Yuri each cross once.
    expect(await evaluateThresholds(deps, w.now)).toBe(4);
    expect(Number(((await w.db('alert_outbox').count({ n: '*' }).first()) as { n: number | string }).n)).toBe(4);
    // Three more Billing tickets spelt "billing": the same team, still crossed; nothing new within the cooldown.
    w.now += 10 * MIN;
    for (const id of ['B-3', 'B-4', 'B-5']) await open(id, { team: 'billing' });
    expect(await evaluateThresholds(deps, w.now)).toBe(0);
    await deliverAll(5);
    const texts = w.posts().map((post) => post.text);
    expect(texts).toEqual(expect.arrayContaining([expect.stringContaining('Backlog (Agent: Xena (zendesk)) is 2 now'), expect.stringContaining('Backlog (Agent: Yuri (freshdesk)) is 2 now'), expect.stringContaining('Backlog (Team: __proto__) is 2 now')]));
    expect(texts).toHaveLength(4);
  });

  it('a split rule watches every team active in its window, not only the ten a breakdown shows', async () => {
    await w.alerts.addRule({ kind: 'threshold', channelId: 'COPS', filters: {}, config: { metric: 'frt', operator: '>', value: HOUR / 1000, windowHours: 24, by: 'team' } }, T0);
    const deps = w.deps();
    // Eleven busy teams answer within 5 minutes (three tickets each); the twelfth, the least active, takes 3 hours.
    const answered = async (id: string, team: string, wait: number) =>
      w.ingest([
        { ticket: id, type: 'ticket_created', at: w.now - 5 * HOUR, data: { status: 'new', team } },
        { ticket: id, type: 'agent_reply', at: w.now - 5 * HOUR + wait, actor: { type: 'agent', id: 'a1', name: 'Ana' } },
      ]);
    for (let team = 1; team <= 11; team += 1) for (const n of [1, 2, 3]) await answered(`T${team}-${n}`, `Team ${team}`, 5 * MIN);
    await answered('Q-1', 'Quiet', 3 * HOUR);
    expect(await evaluateThresholds(deps, w.now)).toBe(1);
    await deliverAll(1);
    expect(w.posts().map((post) => post.text)).toEqual([expect.stringContaining('Threshold crossed: First response time (Team: Quiet) over the last 24 hours is 3 h (n = 1)')]);
    // It recovers when its reply time comes down, though it is still the least active.
    w.now += MIN;
    await answered('Q-2', 'Quiet', 2 * MIN);
    await answered('Q-3', 'Quiet', 2 * MIN);
    expect(await evaluateThresholds(deps, w.now)).toBe(1);
    await deliverAll(1);
    expect(w.posts()[1]?.text).toContain('Back within the threshold: First response time (Team: Quiet)');
  });

  it('a rule removed while a run judges it posts nothing: its queued alert is cancelled, and a run that read it before the removal moves nothing', async () => {
    const rule = await w.alerts.addRule({ kind: 'threshold', channelId: 'COPS', filters: {}, config: { metric: 'backlog', operator: '>', value: 0 } }, T0);
    await w.ingest([{ ticket: 'T-1', type: 'ticket_created', at: T0 - HOUR, data: { status: 'new' } }]);
    const deps = w.deps();
    expect(await evaluateThresholds(deps, w.now)).toBe(1);
    // Removed before the sender ran: the crossing is not posted.
    expect(await w.alerts.removeRule(rule, w.now)).toBeDefined();
    expect((await w.db('alert_outbox').select('state')).map((row) => row.state)).toEqual(['cancelled']);
    await deliverAll(2);
    expect(w.posts()).toEqual([]);
    // A second rule, read by a run, then removed before the run saves its decision: nothing moves, nothing is queued.
    const second = await w.alerts.addRule({ kind: 'threshold', channelId: 'COPS', filters: {}, config: { metric: 'backlog', operator: '>', value: 0 } }, w.now);
    const [read] = await w.alerts.rules('threshold');
    await w.alerts.removeRule(second, w.now);
    expect(await w.db.transaction((trx) => w.alerts.saveRuleState(trx, read?.id ?? 0, read?.state ?? null, { crossed: true, lastAlertAt: w.now }, w.now))).toBe(false);
    expect(await evaluateThresholds(deps, w.now)).toBe(0);
  });

  it('two leaders that overlap and both find the rule crossed post it once: the rule moves from the state it was read in, or not at all', async () => {
    await w.alerts.addRule({ kind: 'threshold', channelId: 'COPS', filters: {}, config: { metric: 'backlog', operator: '>', value: 0 } }, T0);
    await w.ingest([{ ticket: 'T-1', type: 'ticket_created', at: T0 - HOUR, data: { status: 'new' } }]);
    const deps = w.deps();
    const posted = await Promise.all([evaluateThresholds(deps, w.now), evaluateThresholds(deps, w.now + 1000)]);
    expect(posted.reduce((a, b) => a + b, 0)).toBe(1);
    expect((await w.db('alert_outbox').select('kind')).map((row) => row.kind)).toEqual(['threshold_crossed']);
    // The store's move itself: from a state the rule is no longer in, nothing changes.
    const [rule] = await w.alerts.rules('threshold');
    expect(await w.db.transaction((trx) => w.alerts.saveRuleState(trx, rule?.id ?? 0, null, { crossed: false }, w.now))).toBe(false);
    expect((await w.alerts.rules('threshold'))[0]?.state).toEqual(rule?.state);
  });

  it('sample: — a value resting on fewer is not judged, and the rule keeps its state; each agent of a split rule on their own n', async () => {
    await w.alerts.addRule({ kind: 'threshold', channelId: 'COPS', filters: {}, config: { metric: 'frt', operator: '>', value: HOUR / 1000, windowHours: 24, minSample: 4 } }, T0);
    await w.alerts.addRule({ kind: 'threshold', channelId: 'CAGENTS', filters: {}, config: { metric: 'frt', operator: '>', value: HOUR / 1000, windowHours: 24, minSample: 2, by: 'agent' } }, T0);
    const deps = w.deps();
    const ana = { type: 'agent', id: 'a1', name: 'Ana', email: 'ana@example.com' } as const;
    const budi = { type: 'agent', id: 'a2', name: 'Budi', email: 'budi@example.com' } as const;
    /** A ticket assigned to `agent`, created `ago` before now and first answered by them `wait` later. */
    const answered = (id: string, agent: typeof ana | typeof budi, ago: number, wait: number) => w.ingest([
      { ticket: id, type: 'ticket_created', at: w.now - ago, data: { status: 'new', assignee: agent } },
      { ticket: id, type: 'agent_reply', at: w.now - ago + wait, actor: agent },
    ]);
    // Every first reply over the limit: Ana's two are enough for her (2), Budi's one is not, nor are three for the whole (4).
    await answered('A-1', ana, 5 * HOUR, 2 * HOUR);
    await answered('A-2', ana, 5 * HOUR, 3 * HOUR);
    await answered('B-1', budi, 5 * HOUR, 4 * HOUR);
    expect(await evaluateThresholds(deps, w.now)).toBe(1);
    expect((await w.alerts.rules('threshold')).map((rule) => rule.state)).toEqual([null, { values: { '=ana@example.com': { crossed: true, lastAlertAt: w.now } } }]);
    w.now += MIN;
    await answered('A-3', ana, 4 * HOUR, 3 * HOUR);
    // Four first replies (2, 3, 4 and 3 h): the whole now rests on enough.
    expect(await evaluateThresholds(deps, w.now)).toBe(1);
    await deliverAll(2);
    expect(w.posts().map((post) => [post.channel, post.text])).toEqual([
      ['CAGENTS', expect.stringContaining('Threshold crossed: First response time (Agent: Ana) over the last 24 hours is 2 h 30 min (n = 2); the rule is &gt; 1 h.')],
      ['COPS', expect.stringContaining('Threshold crossed: First response time over the last 24 hours is 3 h (n = 4); the rule is &gt; 1 h.')],
    ]);
    // A day on, the window holds no reply: no data changes nothing.
    w.now += 25 * HOUR;
    expect(await evaluateThresholds(deps, w.now)).toBe(0);
    await answered('A-4', ana, 30 * MIN, 5 * MIN);
    await answered('A-5', ana, 20 * MIN, 5 * MIN);
    // Two quick replies: enough for Ana's rule, which recovers; not for the whole, which stays as it stood.
    expect(await evaluateThresholds(deps, w.now)).toBe(1);
    expect((await w.alerts.rules('threshold')).map((rule) => rule.state)).toEqual([
      expect.objectContaining({ crossed: true }),
      { values: { '=ana@example.com': expect.objectContaining({ crossed: false }) } },
    ]);
    await deliverAll(1);
    expect(w.posts()[2]?.text).toContain('Back within the threshold: First response time (Agent: Ana) over the last 24 hours is 5 min (n = 2)');
  });

  describe('goal rules (threshold <metric> goal)', () => {
    const goals = () => new GoalStore(w.db);

    it('backlog goal: nothing while no goal applies; missed, then met again, each said once with the goal and the gap; a goal removed while missed leaves the rule as it stood', async () => {
      await w.alerts.addRule({ kind: 'goal', channelId: 'COPS', filters: {}, config: { metric: 'backlog', goal: true } }, T0);
      const deps = w.deps();
      for (const n of [1, 2, 3]) await w.ingest([{ ticket: `T-${n}`, type: 'ticket_created', at: T0 - HOUR, data: { status: 'new' } }]);
      // Three open tickets and no goal: nothing to judge by.
      expect(await evaluateThresholds(deps, w.now)).toBe(0);
      await goals().set({ metric: 'backlog', filters: {}, target: 2 }, 'UADMIN', w.now);
      w.now += MIN;
      expect(await evaluateThresholds(deps, w.now)).toBe(1);
      w.now += MIN;
      expect(await evaluateThresholds(deps, w.now)).toBe(0);
      await w.ingest([{ ticket: 'T-3', type: 'status_changed', at: w.now - 1000, data: { status: 'solved' } }]);
      w.now += MIN;
      // Two open: equal to the goal is met.
      expect(await evaluateThresholds(deps, w.now)).toBe(1);
      // Missed again past the cooldown, then the goal removed: no "met again", no alert.
      w.now += 5 * HOUR;
      await w.ingest([{ ticket: 'T-4', type: 'ticket_created', at: w.now - 1000, data: { status: 'new' } }]);
      expect(await evaluateThresholds(deps, w.now)).toBe(1);
      await goals().remove('backlog', {});
      await w.ingest([{ ticket: 'T-4', type: 'status_changed', at: w.now, data: { status: 'solved' } }]);
      w.now += MIN;
      expect(await evaluateThresholds(deps, w.now)).toBe(0);
      expect((await w.alerts.rules('goal'))[0]?.state).toMatchObject({ crossed: true });
      await deliverAll(4);
      expect(w.posts().map((post) => post.text)).toEqual([
        expect.stringContaining('Goal missed: Backlog is 3 now; the goal is at most 2, missed by 1.'),
        expect.stringContaining('Goal met again: Backlog is 2 now; the goal is at most 2.'),
        expect.stringContaining('Goal missed: Backlog is 3 now'),
      ]);
      expect((await w.db('alert_outbox').select('kind').orderBy('id')).map((row) => row.kind)).toEqual(['goal_missed', 'goal_met', 'goal_missed']);
    });

    it('frt goal for one team: judged by the workspace goal (its scope said) until the team has its own; the alert names the team', async () => {
      await w.alerts.addRule({ kind: 'goal', channelId: 'COPS', filters: { team: 'Billing' }, config: { metric: 'frt', goal: true, windowHours: 24 } }, T0);
      await w.alerts.addRule({ kind: 'goal', channelId: 'COPS', filters: { team: 'Sales' }, config: { metric: 'frt', goal: true, windowHours: 24 } }, T0);
      await goals().set({ metric: 'frt', filters: {}, target: 3600 }, 'UADMIN', w.now);
      const deps = w.deps();
      const agent = { type: 'agent', id: 'a1', name: 'Ana' } as const;
      // Billing answered in 2 h, Sales in 10 min: the rule is Billing's alone.
      await w.ingest([{ ticket: 'B-1', type: 'ticket_created', at: T0 - 3 * HOUR, data: { status: 'new', team: 'Billing' } }, { ticket: 'B-1', type: 'agent_reply', at: T0 - HOUR, actor: agent }]);
      await w.ingest([{ ticket: 'S-1', type: 'ticket_created', at: T0 - 3 * HOUR, data: { status: 'new', team: 'Sales' } }, { ticket: 'S-1', type: 'agent_reply', at: T0 - 3 * HOUR + 10 * MIN, actor: agent }]);
      expect(await evaluateThresholds(deps, w.now)).toBe(1);
      // Billing's own, looser goal now judges it: met.
      await goals().set({ metric: 'frt', filters: { team: 'billing' }, target: 3 * 3600 }, 'UADMIN', w.now);
      w.now += MIN;
      expect(await evaluateThresholds(deps, w.now)).toBe(1);
      await deliverAll(2);
      const [missed, met] = w.posts();
      expect(missed?.text).toContain('Goal missed: First response time (Team: Billing) over the last 24 hours is 2 h (n = 1); the goal is at most 1 h, missed by 1 h.');
      expect(JSON.stringify(missed?.blocks)).toContain("Goal's scope: all tickets.");
      expect(met?.text).toContain('Goal met again: First response time (Team: Billing) over the last 24 hours is 2 h (n = 1); the goal is at most 3 h.');
      expect(JSON.stringify(met?.blocks)).not.toContain('scope');
    });

    it('by:team: each team against its own goal; a team with none (backlog takes only a goal of exactly its filters) is not judged', async () => {
      await w.alerts.addRule({ kind: 'goal', channelId: 'COPS', filters: {}, config: { metric: 'backlog', goal: true, by: 'team' } }, T0);
      await goals().set({ metric: 'backlog', filters: { team: 'Billing' }, target: 1 }, 'UADMIN', w.now);
      await goals().set({ metric: 'backlog', filters: {}, target: 1 }, 'UADMIN', w.now);
      const deps = w.deps();
      for (const [id, team] of [['B-1', 'Billing'], ['B-2', 'billing'], ['S-1', 'Sales'], ['S-2', 'Sales'], ['S-3', 'Sales']] as const) {
        await w.ingest([{ ticket: id, type: 'ticket_created', at: T0 - HOUR, data: { status: 'new', team } }]);
      }
      expect(await evaluateThresholds(deps, w.now)).toBe(1);
      await deliverAll(1);
      expect(w.posts().map((post) => post.text)).toEqual([expect.stringContaining('Goal missed: Backlog (Team: Billing) is 2 now; the goal is at most 1, missed by 1.')]);
      expect((await w.alerts.rules('goal'))[0]?.state).toEqual({ values: { '=billing': expect.objectContaining({ crossed: true }) } });
    });
  });
});
