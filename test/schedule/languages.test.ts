/**
 * What the bot posts goes out in the language chosen for where it goes (`/kpi
 * language`): a channel's for its digests and alerts, a person's for their DMs,
 * the workspace's (KPI_LOCALE, here English) for everyone else. Through the
 * real jobs, stores and sender, with a fake Slack that records the posts.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sweepSla, alertEscalations, evaluateThresholds } from '../../src/schedule/alert-jobs.js';
import { runDigests, enqueueDigestNow } from '../../src/schedule/digests.js';
import { handleAlertAction } from '../../src/slack/listeners/alert-actions.js';
import { ALERT_ACTIONS } from '../../src/slack/blocks/alerts.js';
import { renderMessage } from '../../src/slack/console-render.js';
import { DigestStore } from '../../src/store/digest-store.js';
import { LanguageStore } from '../../src/store/language-store.js';
import { silentLogger } from '../../src/logger.js';
import { TEST_ENGINE } from '../helpers/databases.js';
import { createAlertWorld, type AlertWorld } from '../helpers/alerts.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const T0 = Date.UTC(2026, 10, 23, 9, 0, 0); // a Monday, 09:00 UTC
const AGENT = { type: 'agent' as const, id: 'agent-7', email: 'ayu@example.com', name: 'Ayu' };

describe(`posts in the language of the channel or person, on ${TEST_ENGINE}`, () => {
  let w: AlertWorld;
  let languages: LanguageStore;

  beforeEach(async () => {
    w = await createAlertWorld(T0);
    languages = new LanguageStore(w.db);
    await w.sla.addPolicy({ name: 'Everyone', firstResponseSeconds: 3600, resolutionSeconds: 86_400, businessHours: false, pauseStatuses: ['pending'] });
    await w.alerts.setTeamRouting('Billing', { alertChannelId: 'CTURKEY', leadSlackUserId: 'ULEAD' }, T0);
    await w.ingest([
      { ticket: 'T-1', type: 'ticket_created', at: T0 - 2 * HOUR, actor: { type: 'customer', id: 'c1' }, data: { status: 'new', team: 'Billing', priority: 'normal', url: 'https://help.example.com/t/T-1' } },
      { ticket: 'T-1', type: 'assignee_changed', at: T0 - 2 * HOUR + 1000, data: { assignee: AGENT } },
    ]);
    await w.db('agents').where({ email: 'ayu@example.com' }).update({ slack_user_id: 'UAYU' });
  });
  afterEach(async () => {
    await w.dispose();
  });

  const textOf = (post: { text: string; blocks: unknown[] } | undefined) => renderMessage({ text: post?.text ?? '', blocks: post?.blocks as never });
  const postTo = (channel: string) => w.posts().filter((post) => post.channel === channel);

  it('an SLA breach: Turkish in the Turkish channel, Indonesian in the DM of the agent who chose it, English to the lead who chose nothing', async () => {
    await languages.choose('CTURKEY', 'tr', 'UADMIN', T0);
    await languages.choose('UAYU', 'id', 'UAYU', T0);
    expect((await sweepSla(w.deps(), w.now)).alerts).toBe(1);
    await w.sender().deliverDue();
    expect(textOf(postTo('CTURKEY')[0])).toContain('SLA ihlali');
    expect(textOf(postTo('DUAYU')[0])).toContain('Pelanggaran SLA');

    // Unacknowledged: the reminders follow the same languages, and the lead's DM is in the workspace's.
    w.now += 3 * HOUR;
    await sweepSla(w.deps({ renotifyMs: 30 * MIN, renotifyMax: 1, escalateAfterMs: HOUR }), w.now);
    await w.sender().deliverDue();
    const lead = postTo('DULEAD');
    expect(lead).toHaveLength(1);
    expect(textOf(lead[0])).toContain('SLA breached');
    expect(postTo('CTURKEY').length).toBeGreaterThan(1);
    for (const post of postTo('CTURKEY')) expect(textOf(post)).toContain('SLA ihlali');
    for (const post of postTo('DUAYU')) expect(textOf(post)).toContain('Pelanggaran SLA');
  });

  it('Acknowledge rewrites each message of the alert in its own language', async () => {
    await languages.choose('CTURKEY', 'tr', 'UADMIN', T0);
    await languages.choose('UAYU', 'id', 'UAYU', T0);
    await sweepSla(w.deps(), w.now);
    await w.sender().deliverDue();
    const [alert] = await w.db('alerts').select('id');
    const outcome = await handleAlertAction(ALERT_ACTIONS.acknowledge, String((alert as { id: number }).id), 'UAYU', { db: w.db, poster: w.poster, clock: w.clock, locale: 'en', timezone: 'UTC', logger: silentLogger() });
    expect(outcome).toBe('acknowledged');
    const updates = w.slack.callsTo('chat.update');
    expect(updates.map((call) => String(call.args.channel)).sort()).toEqual(['CTURKEY', 'DUAYU']);
    const updated = (channel: string) => textOf({ text: String(updates.find((call) => call.args.channel === channel)?.args.text), blocks: updates.find((call) => call.args.channel === channel)?.args.blocks as unknown[] });
    expect(updated('CTURKEY')).toContain('Onaylayan');
    expect(updated('DUAYU')).toContain('Dikonfirmasi oleh');
  });

  it('an alert held by quiet hours and acknowledged meanwhile keeps its channel\'s language', async () => {
    await languages.choose('CTURKEY', 'tr', 'UADMIN', T0);
    await w.alerts.setQuietHours('CTURKEY', { starts: '08:00', ends: '18:00', timezone: 'UTC' }, T0);
    await sweepSla(w.deps(), w.now);
    const [alert] = await w.db('alerts').select('id');
    await handleAlertAction(ALERT_ACTIONS.acknowledge, String((alert as { id: number }).id), 'UAYU', { db: w.db, poster: w.poster, clock: w.clock, locale: 'en', timezone: 'UTC', logger: silentLogger() });
    w.now = Date.UTC(2026, 10, 23, 18, 1);
    await w.sender().deliverDue();
    const held = textOf(postTo('CTURKEY')[0]);
    expect(held).toContain('SLA ihlali');
    expect(held).toContain('Onaylayan');
  });

  it('escalations and threshold alerts follow the channel; forgetting the choice goes back to the workspace language', async () => {
    await languages.choose('CESC', 'ms', 'UADMIN', T0);
    await w.alerts.addRule({ kind: 'escalations', channelId: 'CESC', filters: {}, config: {}, createdBy: 'UADMIN' }, T0);
    await w.alerts.addRule({ kind: 'threshold', channelId: 'CESC', filters: {}, config: { metric: 'backlog', operator: '>', value: 0, windowHours: 24 }, createdBy: 'UADMIN' }, T0);
    const { escalated } = await w.ingest([{ ticket: 'T-1', type: 'escalated', at: w.now }]);
    expect(await alertEscalations(w.deps(), escalated, w.now)).toBe(1);
    expect(await evaluateThresholds(w.deps(), w.now)).toBe(1);
    await w.sender().deliverDue();
    w.now += 2000; // one post a second per channel
    await w.sender().deliverDue();
    const malay = postTo('CESC').map(textOf);
    expect(malay).toHaveLength(2);
    expect(malay.filter((text) => text.includes('Tiket dieskalasikan'))).toHaveLength(1);
    expect(malay.filter((text) => text.includes('Ambang dilepasi'))).toHaveLength(1);
    await languages.choose('CESC', null, 'UADMIN', w.now);
    w.now += 5 * HOUR;
    const again = await w.ingest([{ ticket: 'T-2', type: 'ticket_created', at: w.now, actor: { type: 'customer', id: 'c2' }, data: { status: 'new', tags: ['escalated'] } }]);
    expect(await alertEscalations(w.deps(), again.escalated, w.now)).toBe(1);
    await w.sender().deliverDue();
    const english = postTo('CESC').map(textOf).slice(2);
    expect(english).toHaveLength(1);
    expect(english[0]).toContain('Ticket escalated');
  });

  it('digests: the channel\'s in its language, the personal one in the agent\'s, digest now too', async () => {
    await languages.choose('CDIGEST', 'tr', 'UADMIN', T0);
    await languages.choose('UAYU', 'ms', 'UAYU', T0);
    const digests = new DigestStore(w.db);
    await digests.add({ kind: 'channel', channelId: 'CDIGEST', schedule: '0 9 * * *', timezone: 'UTC' }, T0 - HOUR);
    await digests.add({ kind: 'channel', channelId: 'CPLAIN', schedule: '0 9 * * *', timezone: 'UTC' }, T0 - HOUR);
    await digests.add({ kind: 'personal', slackUserId: 'UAYU', schedule: '0 9 * * *', timezone: 'UTC' }, T0 - HOUR);
    w.now = T0 + 2 * MIN;
    expect(await runDigests({ db: w.db, locale: 'en' }, w.now)).toBe(3);
    await w.sender().deliverDue();
    expect(textOf(postTo('CDIGEST')[0])).toContain('Destek özeti');
    expect(textOf(postTo('CPLAIN')[0])).toContain('Support digest');
    expect(textOf(postTo('DUAYU')[0])).toContain('Tiket anda');
    await enqueueDigestNow({ db: w.db, locale: 'en' }, 'CDIGEST', 'UTC', w.now);
    await w.sender().deliverDue();
    expect(postTo('CDIGEST')).toHaveLength(2);
    expect(textOf(postTo('CDIGEST')[1])).toContain('Destek özeti');
  });

  it('a post Slack refuses for good is reported to each admin in their language', async () => {
    await languages.choose('UADMINTR', 'tr', 'UADMINTR', T0);
    w.slack.answer('chat.postMessage', (call) => (call.args.channel === 'CGONE' ? { body: { ok: false, error: 'channel_not_found' } } : { body: { ok: true, channel: call.args.channel, ts: `1700000000.${String(w.slack.calls.length).padStart(6, '0')}` } }));
    await enqueueDigestNow({ db: w.db, locale: 'en' }, 'CGONE', 'UTC', w.now);
    const sender = w.sender(['UADMINTR', 'UADMINEN']);
    await sender.deliverDue();
    await sender.deliverDue();
    const tr = textOf(postTo('DUADMINTR')[0]);
    const en = textOf(postTo('DUADMINEN')[0]);
    expect(en).toContain('channel_not_found');
    expect(tr).toContain('channel_not_found');
    expect(tr).not.toBe(en);
  });
});
