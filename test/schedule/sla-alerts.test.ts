import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sweepSla } from '../../src/schedule/alert-jobs.js';
import { quietHoursEnd, stageInstant, stageReached, tomorrowsWorkingHours } from '../../src/schedule/sla-alerts.js';
import type { BusinessCalendar, WeeklyHours } from '../../src/kpi/business-hours.js';
import { acknowledgeAll, handleAlertAction } from '../../src/slack/listeners/alert-actions.js';
import { ALERT_ACTIONS } from '../../src/slack/blocks/alerts.js';
import { renderMessage } from '../../src/slack/console-render.js';
import { silentLogger } from '../../src/logger.js';
import { TEST_ENGINE } from '../helpers/databases.js';
import { createAlertWorld, type AlertWorld } from '../helpers/alerts.js';
import { parseConfig } from '../../src/config.js';
import { alertSettings } from '../../src/schedule/jobs.js';

/** The SLA alert settings a bot started with no SLA_* variable has. */
const DEFAULT_SETTINGS = alertSettings(parseConfig({}));

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2026, 10, 23, 9, 0, 0); // a Monday, 09:00 UTC
const AGENT = { type: 'agent' as const, id: 'agent-7', email: 'ayu@example.com', name: 'Ayu' };

describe('SLA warning stages in business hours (pure)', () => {
  const weekdays = (from: string, to: string): WeeklyHours => ({ 1: [[from, to]], 2: [[from, to]], 3: [[from, to]], 4: [[from, to]], 5: [[from, to]], 6: [], 7: [] });
  const LONDON: BusinessCalendar = { name: 'london', timezone: 'Europe/London', weeklyHours: weekdays('09:00', '17:00'), holidays: [] };

  it('a share reached at Friday\'s close warns then, not at Monday\'s opening with two hours left', () => {
    // An 8 h target from Friday 23 October 2026 11:00 BST: 6 h elapse by the 17:00 close, so 75% is reached then;
    // due Monday 26 October 11:00 GMT (2 h after the 09:00 opening).
    const dueAt = Date.UTC(2026, 9, 26, 11);
    const fridayClose = Date.UTC(2026, 9, 23, 16);
    const warning = stageInstant(dueAt, 8 * 3_600_000, 0.75, LONDON);
    expect(warning).toBeGreaterThanOrEqual(fridayClose);
    expect(warning).toBeLessThanOrEqual(fridayClose + 1000);
    const target = { ticketId: 1, target: 'firstResponse' as const, dueAt, targetMs: 8 * 3_600_000, clock: LONDON };
    expect(stageReached(target, { ...DEFAULT_SETTINGS, warningStages: [0.75] }, fridayClose + 1000)).toMatchObject({ kind: 'sla_warning', share: 0.75 });
    expect(stageReached(target, { ...DEFAULT_SETTINGS, warningStages: [0.75] }, fridayClose - 60_000)).toBeUndefined();
    // Within open hours the instant is exact to the second: 50% is reached at 15:00 BST on Friday.
    expect(Math.abs(stageInstant(dueAt, 8 * 3_600_000, 0.5, LONDON) - Date.UTC(2026, 9, 23, 14))).toBeLessThanOrEqual(1000);
  });
});

describe('quiet hours and snoozes across a daylight-saving change (pure)', () => {
  it('an end the autumn change repeats is its first occurrence, east of Greenwich as west of it; a missing one moves on by the gap', () => {
    // Sydney repeats 02:00–03:00 on 5 April 2026 (AEDT +11, then AEST +10): quiet 22:00–02:30 ends at 02:30 AEDT.
    const sydney = { starts: '22:00', ends: '02:30', timezone: 'Australia/Sydney' };
    expect(quietHoursEnd(sydney, Date.UTC(2026, 3, 4, 12))).toBe(Date.UTC(2026, 3, 4, 15, 30));
    // At 02:10 in the second 02:00–03:00, the first 02:30 is past and the second still to come.
    expect(quietHoursEnd(sydney, Date.UTC(2026, 3, 4, 16, 10))).toBe(Date.UTC(2026, 3, 4, 16, 30));
    // New York repeats 01:00–02:00 on 1 November 2026: quiet 23:00–01:30 ends at 01:30 EDT.
    expect(quietHoursEnd({ starts: '23:00', ends: '01:30', timezone: 'America/New_York' }, Date.UTC(2026, 10, 1, 3, 30))).toBe(Date.UTC(2026, 10, 1, 5, 30));
    // London skips 01:00–02:00 on 29 March 2026: an end at 01:30 comes when the clock jumps to 02:00 BST (01:00Z),
    // when a new alert is no longer inside the quiet hours either.
    const london = { starts: '22:00', ends: '01:30', timezone: 'Europe/London' };
    expect(quietHoursEnd(london, Date.UTC(2026, 2, 28, 23))).toBe(Date.UTC(2026, 2, 29, 1));
    expect(quietHoursEnd(london, Date.UTC(2026, 2, 29, 0, 59))).toBe(Date.UTC(2026, 2, 29, 1));
    expect(quietHoursEnd(london, Date.UTC(2026, 2, 29, 1, 5))).toBeUndefined();
    // An ordinary night: 01:30 GMT.
    expect(quietHoursEnd(london, Date.UTC(2026, 2, 21, 23))).toBe(Date.UTC(2026, 2, 22, 1, 30));
    // Snoozed until tomorrow, no calendar: 09:00 local tomorrow, on the day the clocks change.
    expect(tomorrowsWorkingHours(Date.UTC(2026, 9, 24, 12), undefined, 'Europe/London')).toBe(Date.UTC(2026, 9, 25, 9));
  });
});

describe(`SLA alerts on ${TEST_ENGINE}`, () => {
  let w: AlertWorld;

  beforeEach(async () => {
    w = await createAlertWorld(T0);
    await w.sla.addPolicy({ name: 'Everyone', firstResponseSeconds: 3600, resolutionSeconds: 86_400, businessHours: false, pauseStatuses: ['pending'] });
    await w.alerts.setTeamRouting('Billing', { alertChannelId: 'CALERTS', leadSlackUserId: 'ULEAD' }, T0);
  });
  afterEach(async () => {
    await w.dispose();
  });

  /** A ticket created at `createdAt` in Billing, assigned to Ayu (linked to Slack unless said). */
  async function ticket(id: string, createdAt: number, options: { linked?: boolean; priority?: 'normal' | 'urgent'; team?: string } = {}) {
    await w.ingest([
      { ticket: id, type: 'ticket_created', at: createdAt, actor: { type: 'customer', id: 'c1' }, data: { status: 'new', team: options.team ?? 'Billing', priority: options.priority ?? 'normal', url: `https://help.example.com/t/${id}` } },
      { ticket: id, type: 'assignee_changed', at: createdAt + 1000, data: { assignee: AGENT } },
    ]);
    if (options.linked !== false) await w.db('agents').where({ email: 'ayu@example.com' }).update({ slack_user_id: 'UAYU' });
  }

  const sweep = async (settings = {}) => {
    const report = await sweepSla(w.deps(settings), w.now);
    await w.sender().deliverDue();
    return report;
  };

  it('a ticket created 2 h ago with a 1 h first-response target yields one breach in the channel and one DM, once', async () => {
    await ticket('T-1', T0 - 2 * HOUR);
    expect(await sweep()).toEqual({ alerts: 1, reminders: 0, leads: 0 });
    const posts = w.posts();
    expect(posts.map((post) => post.channel).sort()).toEqual(['CALERTS', 'DUAYU']);
    for (const post of posts) {
      expect(post.text).toContain('SLA breached');
      expect(post.text).toContain('first response');
    }
    const rendered = renderMessage({ text: posts[0]?.text ?? '', blocks: posts[0]?.blocks as never });
    expect(rendered).toContain('[Acknowledge]');
    expect(rendered).toContain('[Open in helpdesk] (https://help.example.com/t/T-1)');
    // Later sweeps, and a restart (new deps, new sender), send nothing more.
    w.now += MIN;
    expect(await sweep()).toEqual({ alerts: 0, reminders: 0, leads: 0 });
    w.now += 10 * MIN;
    await sweepSla(w.deps(), w.now);
    await w.sender().deliverDue();
    expect(w.posts()).toHaveLength(2);
  });

  it('a breach more than a day past its due time when first seen (an import, a policy added over old tickets) is not alerted; one due 23 h ago is', async () => {
    // T-OLD: first response due 49 h ago, resolution 26 h ago. T-RECENT: first response due 23 h ago, resolution now.
    await ticket('T-OLD', T0 - 50 * HOUR);
    await ticket('T-RECENT', T0 - 24 * HOUR);
    expect(await sweep()).toEqual({ alerts: 2, reminders: 0, leads: 0 });
    w.now += MIN; // each channel and DM takes one post a second
    await w.sender().deliverDue();
    expect(w.posts()).toHaveLength(4);
    expect(w.posts().map((post) => post.text).every((text) => text.includes('T-RECENT'))).toBe(true);
    // Nor later: no reminder, no lead DM for it.
    w.now += 3 * HOUR;
    await sweep();
    expect(w.posts().filter((post) => post.text.includes('T-OLD'))).toEqual([]);
  });

  it('a ticket deleted in the helpdesk raises no more alerts; restored, it has its old row id back, so what was posted is not posted again', async () => {
    await ticket('T-9', T0 - 2 * HOUR);
    expect((await sweep()).alerts).toBe(1);
    expect(w.posts()).toHaveLength(2);
    const idBefore = (await w.db('tickets').where({ external_id: 'T-9' }).first('id'))?.id as number;
    await w.ingest([{ ticket: 'T-9', type: 'ticket_deleted', at: w.now + MIN, data: {} }]);
    w.now += 2 * HOUR; // reminders would be due by now
    expect(await sweep()).toEqual({ alerts: 0, reminders: 0, leads: 0 });
    await w.ingest([{ ticket: 'T-9', type: 'ticket_restored', at: w.now, data: {} }]);
    expect((await w.db('tickets').where({ external_id: 'T-9' }).first('id'))?.id).toBe(idBefore);
    await sweep();
    // The breach (channel and DM) is the one posted before; no second copy of it.
    expect(w.posts().filter((post) => post.text.includes('SLA breached') && !post.text.includes('eminder'))).toHaveLength(2);
  });

  it('the 75% warning fires at the minute 75% of the target has elapsed, then the breach at the due time', async () => {
    await ticket('T-2', T0);
    w.now = T0 + 44 * MIN;
    expect((await sweep()).alerts).toBe(0);
    w.now = T0 + 45 * MIN;
    expect((await sweep()).alerts).toBe(1);
    expect(w.posts().map((post) => post.text)).toEqual([expect.stringContaining('SLA warning'), expect.stringContaining('SLA warning')]);
    expect(w.posts()[0]?.text).toContain('75%');
    expect(w.posts()[0]?.text).toContain('in 15 min');
    w.now = T0 + 59 * MIN;
    expect((await sweep()).alerts).toBe(0);
    w.now = T0 + 60 * MIN;
    expect((await sweep()).alerts).toBe(1);
    expect(w.posts().filter((post) => post.text.includes('SLA breached'))).toHaveLength(2);
  });

  it('configurable stages: 50% and 90% warn in turn; a stage skipped over by a late sweep is not sent', async () => {
    await ticket('T-3', T0);
    const stages = { warningStages: [0.5, 0.9] };
    w.now = T0 + 30 * MIN;
    expect((await sweep(stages)).alerts).toBe(1);
    w.now = T0 + 54 * MIN;
    expect((await sweep(stages)).alerts).toBe(1);
    expect(w.posts().map((post) => /(\d+)%/.exec(post.text)?.[1])).toEqual(['50', '50', '90', '90']);
  });

  it('no first-response alert once an agent answered in time', async () => {
    await ticket('T-4', T0);
    await w.ingest([{ ticket: 'T-4', type: 'agent_reply', at: T0 + 10 * MIN, actor: AGENT }]);
    w.now = T0 + 2 * HOUR;
    expect((await sweep()).alerts).toBe(0);
  });

  it('a customer message unanswered past its next-reply target is breached in the channel and by DM; the reply ends it; the next wait alerts again', async () => {
    const [everyone] = await w.sla.policies();
    await w.sla.removePolicy(everyone?.id ?? 0);
    await w.sla.addPolicy({ name: 'Replies', firstResponseSeconds: 3600, nextReplySeconds: 30 * 60, businessHours: false, pauseStatuses: [] });
    await ticket('T-6', T0);
    await w.ingest([
      { ticket: 'T-6', type: 'agent_reply', at: T0 + 10 * MIN, actor: AGENT },
      { ticket: 'T-6', type: 'customer_message', at: T0 + HOUR, actor: { type: 'customer', id: 'c1' } },
    ]);
    expect(Number(await w.db('tickets').where({ external_id: 'T-6' }).first('next_reply_due_at').then((row: { next_reply_due_at: number }) => row.next_reply_due_at))).toBe(T0 + HOUR + 30 * MIN);
    w.now = T0 + HOUR + 29 * MIN;
    expect((await sweep({ warningStages: [] })).alerts).toBe(0);
    w.now = T0 + HOUR + 30 * MIN;
    expect((await sweep({ warningStages: [] })).alerts).toBe(1);
    expect(w.posts().map((post) => post.channel).sort()).toEqual(['CALERTS', 'DUAYU']);
    for (const post of w.posts()) expect(post.text).toMatch(/SLA breached.*next reply/s);
    // Answered: nothing runs; the next customer message starts a new wait with its own alert.
    await w.ingest([{ ticket: 'T-6', type: 'agent_reply', at: T0 + 2 * HOUR, actor: AGENT }]);
    expect(await w.db('tickets').where({ external_id: 'T-6' }).first('next_reply_due_at', 'next_reply_breached')).toMatchObject({ next_reply_due_at: null });
    w.now = T0 + 3 * HOUR;
    expect((await sweep({ warningStages: [] })).alerts).toBe(0);
    await w.ingest([{ ticket: 'T-6', type: 'customer_message', at: T0 + 3 * HOUR, actor: { type: 'customer', id: 'c1' } }]);
    w.now = T0 + 4 * HOUR;
    expect((await sweep({ warningStages: [] })).alerts).toBe(1);
    expect(w.posts()).toHaveLength(4);
  });

  it('an unacknowledged breach is re-notified every N minutes at most M times, and goes to the lead after the set time', async () => {
    await ticket('T-5', T0 - HOUR);
    const settings = { renotifyMs: 30 * MIN, renotifyMax: 2, escalateAfterMs: 90 * MIN };
    await sweep(settings);
    w.now += 29 * MIN;
    expect(await sweep(settings)).toEqual({ alerts: 0, reminders: 0, leads: 0 });
    w.now += MIN;
    expect(await sweep(settings)).toEqual({ alerts: 0, reminders: 1, leads: 0 });
    w.now += 30 * MIN;
    expect(await sweep(settings)).toEqual({ alerts: 0, reminders: 1, leads: 0 });
    expect(await w.alerts.openBreaches(settings.renotifyMax)).toHaveLength(1);
    w.now += 30 * MIN;
    expect(await sweep(settings)).toEqual({ alerts: 0, reminders: 0, leads: 1 });
    // Every reminder sent and the lead told: the sweep no longer reads it each minute.
    expect(await w.alerts.openBreaches(settings.renotifyMax)).toEqual([]);
    w.now += 5 * HOUR;
    expect(await sweep(settings)).toEqual({ alerts: 0, reminders: 0, leads: 0 });
    const posts = w.posts();
    expect(posts.filter((post) => post.text.includes('SLA breached'))).toHaveLength(2 + 4 + 1);
    const lead = posts.filter((post) => post.channel === 'DULEAD');
    expect(lead).toHaveLength(1);
    expect(renderMessage({ text: '', blocks: lead[0]?.blocks as never })).toContain('Raised to you as team lead');
    expect(renderMessage({ text: '', blocks: posts[2]?.blocks as never })).toContain('Reminder 1');
    // The notification text says why each came (or a reminder reads as the breach again, and the lead does not know why).
    const breach = 'SLA breached: #T-5 missed its first response target, due';
    expect(posts.map((post) => post.text.replace(/<[^|>]+\|(#T-5)>/, '$1').replace(/ due .*$/, ' due'))).toEqual([
      breach, breach,
      `Reminder 1: nobody has acknowledged this yet. ${breach}`, `Reminder 1: nobody has acknowledged this yet. ${breach}`,
      `Reminder 2: nobody has acknowledged this yet. ${breach}`, `Reminder 2: nobody has acknowledged this yet. ${breach}`,
      `Raised to you as team lead: nobody acknowledged this breach within 1 h 30 min. ${breach}`,
    ]);
    // Acknowledged: every message says so first; a reminder and the lead's DM still say why they came.
    const [alert] = await w.db('alerts').select('id');
    const deps = { db: w.db, poster: w.poster, clock: w.clock, locale: 'en' as const, timezone: 'UTC', logger: silentLogger(), leadAfterSeconds: 90 * 60 };
    expect(await handleAlertAction(ALERT_ACTIONS.acknowledge, String(alert.id), 'UBOSS', deps)).toBe('acknowledged');
    const updates = w.slack.callsTo('chat.update');
    expect(updates).toHaveLength(7);
    for (const update of updates) expect(String(update.args.text)).toMatch(/^Acknowledged by <@UBOSS> on [^.]+\. SLA breached: /);
    const updated = updates.map((update) => renderMessage({ text: '', blocks: update.args.blocks as never }));
    expect(updated.filter((text) => text.includes('Reminder 1: nobody'))).toHaveLength(2);
    expect(updated.filter((text) => text.includes('Reminder 2: nobody'))).toHaveLength(2);
    expect(updated.filter((text) => text.includes('Raised to you as team lead: nobody acknowledged this breach within 1 h 30 min.'))).toHaveLength(1);
  });

  it('a breach\'s reminders and the lead\'s DM follow the ticket to its new assignee, and name them', async () => {
    await ticket('T-R', T0 - HOUR);
    const settings = { renotifyMs: 30 * MIN, renotifyMax: 1, escalateAfterMs: 60 * MIN };
    await sweep(settings);
    expect(w.posts().map((post) => post.channel).sort()).toEqual(['CALERTS', 'DUAYU']);
    // Reassigned to Budi, who is linked to Slack.
    await w.ingest([{ ticket: 'T-R', type: 'assignee_changed', at: w.now + MIN, data: { assignee: { type: 'agent', id: 'agent-8', email: 'budi@example.com', name: 'Budi' } } }]);
    await w.db('agents').where({ email: 'budi@example.com' }).update({ slack_user_id: 'UBUDI' });
    w.now += 30 * MIN;
    expect(await sweep(settings)).toEqual({ alerts: 0, reminders: 1, leads: 0 });
    const reminders = w.posts().slice(2);
    expect(reminders.map((post) => post.channel).sort()).toEqual(['CALERTS', 'DUBUDI']);
    for (const post of reminders) expect(renderMessage({ text: '', blocks: post.blocks as never })).toContain('Assignee: @UBUDI');
    w.now += 30 * MIN;
    expect(await sweep(settings)).toEqual({ alerts: 0, reminders: 0, leads: 1 });
    expect(renderMessage({ text: '', blocks: w.posts().find((post) => post.channel === 'DULEAD')?.blocks as never })).toContain('Assignee: @UBUDI');
  });

  it('quiet hours: a channel hears a held breach once when they end, without the reminders queued behind it; a reminder held for a ticket solved meanwhile is not posted', async () => {
    // Quiet from 08:00 to 12:00 UTC on CALERTS; due at 09:00 (not urgent): held until 12:00, reminders every 30 min.
    await w.alerts.setQuietHours('CALERTS', { starts: '08:00', ends: '12:00', timezone: 'UTC' }, T0);
    const settings = { renotifyMs: 30 * MIN, renotifyMax: 3, escalateAfterMs: 10 * HOUR };
    await ticket('T-Q', T0 - HOUR);
    for (let minutes = 0; minutes <= 3 * 60; minutes += 30) {
      w.now = T0 + minutes * MIN;
      await sweep(settings);
    }
    // The DMs are not held: the breach and three reminders. The channel: the breach alone, at 12:00.
    expect(w.posts().filter((post) => post.channel === 'DUAYU')).toHaveLength(4);
    expect(w.posts().filter((post) => post.channel === 'CALERTS').map((post) => renderMessage({ text: '', blocks: post.blocks as never }).includes('Reminder'))).toEqual([false]);

    // Another breach, due 12:30 is outside the hours; then held reminders of a ticket solved before the hours end.
    await w.alerts.setQuietHours('CALERTS', { starts: '12:45', ends: '14:00', timezone: 'UTC' }, T0);
    await ticket('T-S', T0 + 2.5 * HOUR);
    w.now = T0 + 3.5 * HOUR + MIN; // 12:31: the breach, posted at once
    await sweep(settings);
    w.now = T0 + 4 * HOUR + MIN; // 13:01: reminder 1, held until 14:00
    await sweep(settings);
    const held = await w.db('alert_outbox').where({ state: 'pending', channel_id: 'CALERTS', kind: 'sla_reminder' });
    expect(held).toHaveLength(1);
    await w.ingest([{ ticket: 'T-S', type: 'agent_reply', at: T0 + 4 * HOUR + 10 * MIN, actor: AGENT, data: {} }]);
    w.now = T0 + 5 * HOUR; // 14:00
    await sweep(settings);
    expect(await w.db('alert_outbox').where({ id: held[0]?.id }).first('state')).toEqual({ state: 'cancelled' });
    expect(w.posts().filter((post) => post.channel === 'CALERTS' && renderMessage({ text: '', blocks: post.blocks as never }).includes('T-S')).map((post) => renderMessage({ text: '', blocks: post.blocks as never }).includes('Reminder'))).toEqual([false]);
  });

  it('Acknowledge records who and when, updates the messages in place and stops re-notification', async () => {
    await ticket('T-6', T0 - HOUR);
    await sweep();
    const [alert] = await w.db('alerts').select('id');
    w.now += 5 * MIN;
    const deps = { db: w.db, poster: w.poster, clock: w.clock, locale: 'en' as const, timezone: 'UTC', logger: silentLogger() };
    expect(await handleAlertAction(ALERT_ACTIONS.acknowledge, String(alert.id), 'UBOSS', deps)).toBe('acknowledged');
    expect(await w.alerts.alert(Number(alert.id))).toMatchObject({ acknowledgedBy: 'UBOSS', acknowledgedAt: w.now });
    const updates = w.slack.callsTo('chat.update');
    expect(updates.map((call) => call.args.channel).sort()).toEqual(['CALERTS', 'DUAYU']);
    const updated = renderMessage({ text: '', blocks: updates[0]?.args.blocks as never });
    expect(updated).toContain('Acknowledged by @UBOSS');
    expect(updated).not.toContain('[Acknowledge]');
    expect(await handleAlertAction(ALERT_ACTIONS.acknowledge, String(alert.id), 'UOTHER', deps)).toBe('already_acknowledged');
    w.now += 3 * HOUR;
    expect(await sweep()).toEqual({ alerts: 0, reminders: 0, leads: 0 });
    expect(w.posts()).toHaveLength(2);
  });

  it('more than 5 SLA posts due at once for one channel or person go as one list with one Acknowledge for all; acknowledged there, none is reminded; 5 go each on its own', async () => {
    for (let n = 1; n <= 8; n += 1) await ticket(`T-${n}`, T0 - 2 * HOUR + n * MIN);
    expect(await sweepSla(w.deps(), w.now)).toEqual({ alerts: 8, reminders: 0, leads: 0 });
    await w.sender().deliverDue();
    const ids = (text: string) => [...text.matchAll(/#(T-\d)/g)].map((match) => match[1] ?? '');
    let value = '';
    for (const channel of ['CALERTS', 'DUAYU']) {
      const posts = w.posts().filter((post) => post.channel === channel);
      expect(posts, channel).toHaveLength(1);
      expect(posts[0]?.text).toContain('8 SLA alerts came due together');
      expect(ids(posts[0]?.text ?? '').sort()).toEqual(['T-1', 'T-2', 'T-3', 'T-4', 'T-5', 'T-6', 'T-7', 'T-8']);
      expect(renderMessage({ text: '', blocks: posts[0]?.blocks as never })).toContain('[Acknowledge all 8]');
      const actions = (posts[0]?.blocks as { type: string; elements?: { action_id: string; value: string }[] }[]).find((block) => block.type === 'actions');
      expect(actions?.elements?.[0]?.action_id).toBe(ALERT_ACTIONS.acknowledgeAll);
      value = actions?.elements?.[0]?.value ?? '';
      expect(value.split(',')).toHaveLength(8);
    }
    // Each row is sent, within the list: no message of its own for an Acknowledge elsewhere to rewrite.
    const rows = await w.outbox.all();
    expect(rows.map((row) => [row.state, row.messageTs])).toEqual(Array.from({ length: 16 }, () => ['sent', null]));
    const deps = { db: w.db, poster: w.poster, clock: w.clock, locale: 'en' as const, timezone: 'UTC', logger: silentLogger() };
    expect(await acknowledgeAll(value, 'ULEAD', deps)).toBe(8);
    expect(await acknowledgeAll(value, 'ULEAD', deps)).toBe(0);
    expect(w.slack.callsTo('chat.update')).toEqual([]);
    w.now += 3 * HOUR;
    expect(await sweep()).toEqual({ alerts: 0, reminders: 0, leads: 0 });
    // Five at once go each on its own, with their buttons.
    for (let n = 1; n <= 5; n += 1) await ticket(`U-${n}`, w.now - 2 * HOUR + n * MIN);
    const before = w.posts().length;
    expect(await sweepSla(w.deps(), w.now)).toMatchObject({ alerts: 5 });
    for (let pass = 0; pass < 6; pass += 1) {
      await w.sender().deliverDue();
      w.now += 1000;
    }
    const later = w.posts().slice(before).filter((post) => post.channel === 'CALERTS');
    expect(later).toHaveLength(5);
    for (const post of later) expect(renderMessage({ text: '', blocks: post.blocks as never })).toContain('[Acknowledge]');
  });

  it('a message Slack would not update at Acknowledge (429) is rewritten at the next click on it', async () => {
    await ticket('T-U', T0 - HOUR);
    await sweep();
    const [alert] = await w.db('alerts').select('id');
    const deps = { db: w.db, poster: w.poster, clock: w.clock, locale: 'en' as const, timezone: 'UTC', logger: silentLogger() };
    w.slack.answer('chat.update', () => ({ status: 429, headers: { 'retry-after': '30' }, body: { ok: false, error: 'ratelimited' } }));
    expect(await handleAlertAction(ALERT_ACTIONS.acknowledge, String(alert.id), 'UBOSS', deps)).toBe('acknowledged');
    expect(w.slack.callsTo('chat.update')).toHaveLength(2);
    w.slack.answer('chat.update', (call) => ({ body: { ok: true, channel: call.args.channel, ts: call.args.ts } }));
    expect(await handleAlertAction(ALERT_ACTIONS.acknowledge, String(alert.id), 'UOTHER', deps)).toBe('already_acknowledged');
    const retried = w.slack.callsTo('chat.update').slice(2);
    expect(retried.map((call) => call.args.channel).sort()).toEqual(['CALERTS', 'DUAYU']);
    for (const call of retried) expect(renderMessage({ text: '', blocks: call.args.blocks as never })).toContain('Acknowledged by @UBOSS');
  });

  it('Snooze 1 h delays the reminder to the end of the snooze', async () => {
    await ticket('T-7', T0 - HOUR);
    await sweep();
    const [alert] = await w.db('alerts').select('id');
    w.now += 10 * MIN;
    const deps = { db: w.db, poster: w.poster, clock: w.clock, locale: 'en' as const, timezone: 'UTC', logger: silentLogger() };
    expect(await handleAlertAction(ALERT_ACTIONS.snooze1h, String(alert.id), 'UAYU', deps)).toBe('snoozed');
    expect(renderMessage({ text: '', blocks: w.slack.callsTo('chat.update')[0]?.args.blocks as never })).toContain('Snoozed by @UAYU');
    expect(String(w.slack.callsTo('chat.update')[0]?.args.text)).toMatch(/^Snoozed by <@UAYU> until [^.]+\. SLA breached: /);
    w.now = T0 + 60 * MIN; // a reminder would be due now without the snooze
    expect((await sweep()).reminders).toBe(0);
    w.now = T0 + 69 * MIN;
    expect((await sweep()).reminders).toBe(0);
    w.now = T0 + 70 * MIN;
    expect((await sweep()).reminders).toBe(1);
  });

  it('Snooze until tomorrow waits for the next working day of the team calendar', async () => {
    await w.sla.saveCalendar('Office', 'UTC', { 1: [['09:00', '17:00']], 2: [['09:00', '17:00']], 3: [['09:00', '17:00']], 4: [['09:00', '17:00']], 5: [['09:00', '17:00']], 6: [], 7: [] }, true);
    await ticket('T-8', T0 - HOUR);
    await sweep();
    const [alert] = await w.db('alerts').select('id');
    const deps = { db: w.db, poster: w.poster, clock: w.clock, locale: 'en' as const, timezone: 'UTC', logger: silentLogger() };
    await handleAlertAction(ALERT_ACTIONS.snoozeTomorrow, String(alert.id), 'UAYU', deps);
    expect((await w.alerts.alert(Number(alert.id)))?.snoozedUntil).toBe(Date.UTC(2026, 10, 24, 9, 0, 0));
  });

  it('quiet hours hold a channel alert until they end (the DM goes at once); an urgent breach is not held', async () => {
    await w.alerts.setQuietHours('CALERTS', { starts: '20:00', ends: '08:00', timezone: 'UTC' }, T0);
    w.now = Date.UTC(2026, 10, 23, 23, 0, 0);
    await ticket('T-9', w.now - 2 * HOUR);
    await ticket('T-10', w.now - 2 * HOUR, { priority: 'urgent' });
    await sweep();
    const channelPosts = () => w.posts().filter((post) => post.channel === 'CALERTS');
    expect(channelPosts()).toHaveLength(1);
    expect(channelPosts()[0]?.text).toContain('T-10');
    w.now += 1000; // the second DM to the same person waits its turn (one post a second per conversation)
    await w.sender().deliverDue();
    expect(w.posts().filter((post) => post.channel === 'DUAYU')).toHaveLength(2);
    w.now = Date.UTC(2026, 10, 24, 7, 59, 0);
    await w.sender().deliverDue();
    expect(channelPosts()).toHaveLength(1);
    w.now = Date.UTC(2026, 10, 24, 8, 0, 0);
    await w.sender().deliverDue();
    expect(channelPosts().map((post) => post.text)).toEqual([expect.stringContaining('T-10'), expect.stringContaining('T-9')]);
  });

  it('an assignee without a Slack user gets no DM, and the channel message says so', async () => {
    await ticket('T-11', T0 - 2 * HOUR, { linked: false });
    await sweep();
    const posts = w.posts();
    expect(posts.map((post) => post.channel)).toEqual(['CALERTS']);
    expect(renderMessage({ text: '', blocks: posts[0]?.blocks as never })).toContain('Assignee Ayu is not linked to a Slack user');
  });

  it('a team without an alert channel uses an `overdue` alert rule that matches it', async () => {
    await w.alerts.setTeamRouting('Billing', { alertChannelId: null }, T0);
    await w.alerts.addRule({ kind: 'overdue', channelId: 'CSUPPORT', filters: { team: 'billing' } }, T0);
    await ticket('T-12', T0 - 2 * HOUR);
    await sweep();
    expect(w.posts().map((post) => post.channel).sort()).toEqual(['CSUPPORT', 'DUAYU']);
  });

  it('an `overdue` rule removed after its alert: the breach\'s reminders no longer go to its channel (one held by quiet hours is cancelled); the assignee\'s go on', async () => {
    const settings = { renotifyMs: 30 * MIN, renotifyMax: 3, escalateAfterMs: 10 * HOUR };
    await w.alerts.setTeamRouting('Billing', { alertChannelId: null }, T0);
    const rule = await w.alerts.addRule({ kind: 'overdue', channelId: 'CSUPPORT', filters: { team: 'billing' } }, T0);
    await w.alerts.addRule({ kind: 'overdue', channelId: 'CLATE', filters: {} }, T0);
    await ticket('T-15', T0 - 2 * HOUR);
    await sweep(settings);
    w.now += 30 * MIN;
    expect(await sweep(settings)).toEqual({ alerts: 0, reminders: 1, leads: 0 });
    expect(w.posts().map((post) => post.channel).sort()).toEqual(['CSUPPORT', 'CSUPPORT', 'DUAYU', 'DUAYU']);
    // The next reminder falls in the channel's quiet hours and waits; the rule is removed while it waits.
    await w.alerts.setQuietHours('CSUPPORT', { starts: '00:00', ends: '23:59', timezone: 'UTC' }, w.now);
    w.now += 30 * MIN;
    expect(await sweep(settings)).toEqual({ alerts: 0, reminders: 1, leads: 0 });
    await w.alerts.removeRule(rule, w.now);
    w.now += 30 * MIN;
    expect(await sweep(settings)).toEqual({ alerts: 0, reminders: 1, leads: 0 });
    w.now += DAY;
    await w.sender().deliverDue();
    // Neither the held reminder nor the third went to #support; the other rule's channel never had this ticket's alert.
    expect(w.posts().map((post) => post.channel).sort()).toEqual(['CSUPPORT', 'CSUPPORT', 'DUAYU', 'DUAYU', 'DUAYU', 'DUAYU']);
  });

  it('an alert rule\'s team matches as team filters do, Turkish dotted and dotless i included', async () => {
    // `İade`.toLowerCase() is `i̇ade` (i and a combining dot): a plain lower-case comparison never matched `iade`.
    await w.alerts.addRule({ kind: 'overdue', channelId: 'CIADE', filters: { team: 'iade' } }, T0);
    await w.alerts.addRule({ kind: 'overdue', channelId: 'CDESTEK', filters: { team: 'DESTEK' } }, T0);
    await ticket('T-13', T0 - 2 * HOUR, { team: 'İade' });
    await ticket('T-14', T0 - 2 * HOUR, { team: 'Destek' });
    await sweep();
    expect(w.posts().map((post) => post.channel).filter((channel) => channel.startsWith('C')).sort()).toEqual(['CDESTEK', 'CIADE']);
  });
});
