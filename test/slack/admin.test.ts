import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isCommandError, parseKpiCommand, requiresAdmin, type KpiRequest } from '../../src/slack/command.js';
import { handleAdminRequest, type AdminRequest } from '../../src/slack/listeners/admin.js';
import { answerCommand } from '../../src/slack/answer.js';
import { t, tn } from '../../src/i18n/catalogue.js';
import { handleEnpsAnswer } from '../../src/slack/listeners/enps.js';
import { handlePersonalDigest, type PersonalDigestRequest } from '../../src/slack/listeners/personal-digest.js';
import { createPostingClient } from '../../src/slack/poster.js';
import { GoalStore } from '../../src/store/goal-store.js';
import { DigestStore } from '../../src/store/digest-store.js';
import { KpiStore } from '../../src/store/kpi-store.js';
import { computeMetric } from '../../src/kpi/metrics.js';
import { resolvePeriod } from '../../src/kpi/periods.js';
import { renderMessage } from '../../src/slack/console-render.js';
import { cronWords } from '../../src/slack/blocks/common.js';
import { silentLogger } from '../../src/logger.js';
import { DEFAULT_PROJECTION_OPTIONS } from '../../src/ingest/project-ticket.js';
import { IngestStore } from '../../src/store/ingest-store.js';
import { TEST_ENGINE } from '../helpers/databases.js';
import { createAlertWorld, type AlertWorld } from '../helpers/alerts.js';

const T0 = Date.UTC(2026, 10, 23, 9, 0, 0);
const parse = (text: string): KpiRequest => {
  const request = parseKpiCommand(text, { now: T0, timezone: 'UTC' });
  if (isCommandError(request)) throw new Error(`${request.code}: ${request.word}`);
  return request;
};

describe('the parser\'s new admin words', () => {
  it('digest now <#C>', () => {
    expect(parse('digest now <#C0DIGEST|support>')).toEqual({ kind: 'digest_now', channel: { id: 'C0DIGEST', name: 'support' } });
    expect(parseKpiCommand('digest <#C0DIGEST>', { now: T0, timezone: 'UTC' })).toMatchObject({ kind: 'error', code: 'unexpected_word', suggestion: 'now' });
    expect(parseKpiCommand('digest now', { now: T0, timezone: 'UTC' })).toMatchObject({ kind: 'error', code: 'missing_argument', expected: 'channel' });
  });

  it('enps start with a channel, a user group or neither, and a quoted question; `enps` alone stays the metric', () => {
    expect(parse('enps start <#C0TEAM|team> "How likely?"')).toEqual({ kind: 'enps_start', audience: { kind: 'channel', id: 'C0TEAM', name: 'team' }, question: 'How likely?' });
    expect(parse('enps start <!subteam^S0GROUP|@support-team>')).toEqual({ kind: 'enps_start', audience: { kind: 'usergroup', id: 'S0GROUP', name: 'support-team' } });
    expect(parse('enps start')).toEqual({ kind: 'enps_start' });
    // A question is a sentence: 300 characters at most (counted as characters, not UTF-16 units), else nothing is sent.
    expect(parse(`enps start "${'ğ'.repeat(299)}😀"`)).toMatchObject({ kind: 'enps_start', question: `${'ğ'.repeat(299)}😀` });
    expect(parseKpiCommand(`enps start "${'x'.repeat(301)}"`, { now: T0, timezone: 'UTC' })).toMatchObject({ kind: 'error', code: 'question_too_long' });
    expect(parse('enps')).toMatchObject({ kind: 'metric', metric: 'enps' });
    expect(parseKpiCommand('enps start <#C1> <#C2>', { now: T0, timezone: 'UTC' })).toMatchObject({ kind: 'error', code: 'duplicate_word' });
  });

  it('digest me: a personal digest on a schedule, or off', () => {
    expect(parse('digest me weekdays 08:30 Asia/Jakarta')).toEqual({ kind: 'digest_me', schedule: { frequency: 'weekdays' }, time: '08:30', timezone: 'Asia/Jakarta' });
    expect(parse('digest me weekly fri 16:00')).toEqual({ kind: 'digest_me', schedule: { frequency: 'weekly', weekday: 'fri' }, time: '16:00' });
    expect(parse('digest me off')).toEqual({ kind: 'digest_me' });
    expect(requiresAdmin(parse('digest me off'))).toBe(false);
    expect(parseKpiCommand('digest me daily', { now: T0, timezone: 'UTC' })).toMatchObject({ kind: 'error', code: 'missing_argument', expected: 'time' });
  });

  it('subscribe weekdays; admin rights are asked for every new admin request', () => {
    expect(parse('subscribe <#C1> weekdays 17:00 backlog')).toMatchObject({ kind: 'subscribe', schedule: { frequency: 'weekdays' }, time: '17:00', metrics: ['backlog'] });
    expect(parseKpiCommand('subscribe <#C1> weekdays fri 17:00', { now: T0, timezone: 'UTC' })).toMatchObject({ kind: 'error', code: 'unexpected_word', word: 'fri' });
    expect(requiresAdmin(parse('digest now <#C1>'))).toBe(true);
    expect(requiresAdmin(parse('enps start'))).toBe(true);
    expect(requiresAdmin(parse('enps'))).toBe(false);
  });
});

describe(`admin requests on ${TEST_ENGINE}`, () => {
  let w: AlertWorld;
  const ctx = (extra: Record<string, unknown> = {}) => ({ db: w.db, userId: 'UADMIN', locale: 'en' as const, now: w.now, timezone: 'Asia/Jakarta', client: createPostingClient('xoxb-test', w.slack.url), ...extra });
  const run = async (text: string, extra: Record<string, unknown> = {}) => renderMessage(await handleAdminRequest(parse(text) as AdminRequest, ctx(extra)));

  beforeEach(async () => {
    w = await createAlertWorld(T0);
  });
  afterEach(async () => {
    await w.dispose();
  });

  it('subscribe, subscriptions, unsubscribe', async () => {
    expect(await run('subscribe <#C0SUP|support> daily 09:00 summary')).toBe('Done: #C0SUP gets a digest every day at 09:00 (Asia/Jakarta): Summary.');
    expect(await run('subscribe <#C0LEAD> weekly fri 16:30 Europe/Istanbul frt csat team:billing')).toBe('Done: #C0LEAD gets a digest every Friday at 16:30 (Europe/Istanbul): First response time, Customer satisfaction (CSAT) (Team: billing).');
    expect(await run('subscribe <#C0CRON> cron:"30 8 * * 1-5" if-changed')).toBe('Done: #C0CRON gets a digest on the schedule `30 8 * * 1-5` (Asia/Jakarta): Summary. It is skipped when the numbers are the same as in the last one.');
    // The same digest again would post twice each time: said, not added. Other metrics or another time are another digest.
    expect(await run('subscribe <#C0SUP|support> daily 09:00 summary')).toBe('#C0SUP already gets this digest every day at 09:00 (Asia/Jakarta); nothing was added. `/kpi subscriptions` lists the digests.');
    expect(await run('subscribe <#C0LEAD> weekly fri 16:30 Europe/Istanbul frt csat team:billing', { locale: 'tr' })).toContain('zaten alıyor');
    expect((await new DigestStore(w.db).ofChannel('C0SUP')).length).toBe(1);
    const cron = (await new DigestStore(w.db).enabled()).find((subscription) => subscription.channelId === 'C0CRON');
    expect(cron).toMatchObject({ schedule: '30 8 * * 1-5', onlyIfChanged: true });
    await run('unsubscribe <#C0CRON>');
    const stored = await new DigestStore(w.db).enabled();
    expect(stored.map((s) => [s.channelId, s.schedule, s.timezone, s.metrics, s.filters])).toEqual([
      ['C0SUP', '0 9 * * *', 'Asia/Jakarta', ['summary'], {}],
      ['C0LEAD', '30 16 * * 5', 'Europe/Istanbul', ['frt', 'csat'], { team: 'billing' }],
    ]);
    const list = (await handleAdminRequest(parse('subscriptions') as AdminRequest, ctx())).text;
    // Schedules in words, as the subscribe reply said them; the filters after the metrics.
    expect(list).toContain('<#C0SUP>: every day at 09:00 (Asia/Jakarta) · Summary');
    expect(list).toContain('<#C0LEAD>: every Friday at 16:30 (Europe/Istanbul) · First response time, Customer satisfaction (CSAT) · Team: billing');
    expect(cronWords('en', '30 8 * * 1-5')).toBe('on weekdays at 08:30');
    expect(cronWords('tr', '0 9 * * 1')).toBe('her pazartesi saat 09:00');
    expect(cronWords('id', '0 9 * * 1')).toContain('Senin');
    expect(cronWords('en', '0 9 1 * *')).toBe('on the schedule `0 9 1 * *`');
    expect(await run('unsubscribe <#C0SUP>')).toBe('Done: #C0SUP gets no more digests.');
    expect(await run('unsubscribe <#C0SUP>')).toBe('#C0SUP has no digest.');
    expect((await new DigestStore(w.db).enabled()).map((s) => s.channelId)).toEqual(['C0LEAD']);
  });

  it('a digest split by team: said, kept, listed, and another digest than the same one unsplit', async () => {
    expect(await run('subscribe <#C0LEAD> weekly mon 09:00 frt csat by:team')).toBe('Done: #C0LEAD gets a digest every Monday at 09:00 (Asia/Jakarta): First response time, Customer satisfaction (CSAT) by team.');
    expect(await run('subscribe <#C0LEAD> weekly mon 09:00 frt csat by:team')).toContain('already gets this digest');
    expect(await run('subscribe <#C0LEAD> weekly mon 09:00 frt csat')).toContain('Done:');
    expect((await new DigestStore(w.db).ofChannel('C0LEAD')).map((s) => s.by ?? null)).toEqual(['team', null]);
    const list = (await handleAdminRequest(parse('subscriptions') as AdminRequest, ctx())).text;
    expect(list).toContain('<#C0LEAD>: every Monday at 09:00 (Asia/Jakarta) · First response time, Customer satisfaction (CSAT) by team');
    expect(await run('subscribe <#C0LEAD> weekly mon 09:00 frt by:week', { locale: 'tr' })).toContain('İlk yanıt süresi, haftaya göre');
  });

  it('alerts: overdue, escalations and threshold rules are stored', async () => {
    await w.ingest([{ ticket: 'T-B', type: 'ticket_created', at: T0, data: { status: 'open', team: 'Billing' } }]);
    expect(await run('alerts <#C0OPS> overdue team:billing')).toBe('Done: #C0OPS gets SLA warnings and breaches (Team: billing).');
    // A filter no ticket matches is kept (the team may get tickets later), with a warning and the closest name.
    expect(await run('alerts <#C0TYPO> escalations team:biling')).toBe('Done: #C0TYPO gets escalations (Team: biling).\n:warning: No ticket matches `team:biling`. Did you mean `Billing`?');
    await w.db('alert_rules').where({ channel_id: 'C0TYPO' }).delete();
    expect(await run('alerts <#C0OPS> threshold frt > 4h')).toBe('Done: #C0OPS gets an alert when First response time > 4 h, over the last 24 hours (not again within 4 h).');
    expect((await w.alerts.rules('overdue')).map((rule) => [rule.channelId, rule.filters])).toEqual([['C0OPS', { team: 'billing' }]]);
    expect((await w.alerts.rules('threshold'))[0]?.config).toMatchObject({ metric: 'frt', operator: '>', value: 14_400 });
    expect(await run('alerts <#C0CSAT> threshold csat 7d &lt; 80 cooldown:2h', { locale: 'tr' })).toBe('Tamam: #C0CSAT kanalına artık şu gönderilecek: Müşteri memnuniyeti (CSAT) < %80 olduğunda bir uyarı, son 7 gün üzerinden (2 sa içinde tekrar gönderilmez).');
    expect((await w.alerts.rules('threshold'))[1]?.config).toEqual({ metric: 'csat', operator: '<', value: 80, windowHours: 168, cooldownMinutes: 120, filters: {} });
  });

  it('a threshold rule by:team is said and listed with its split, and keeps it', async () => {
    expect(await run('alerts <#C0OPS> threshold frt > 4h by:team')).toBe('Done: #C0OPS gets an alert when First response time > 4 h by team, over the last 24 hours (not again within 4 h).');
    expect((await w.alerts.rules('threshold'))[0]?.config).toMatchObject({ metric: 'frt', operator: '>', value: 14_400, by: 'team' });
    expect(await run('alerts')).toContain('Rule 1: #C0OPS gets an alert when First response time > 4 h by team, over the last 24 hours');
    expect(await run('alerts <#C0OPS> threshold backlog > 5 by:priority', { locale: 'id' })).toContain('per prioritas');
  });

  it('a rule\'s sample: is kept, said with its condition, listed, and read in every language', async () => {
    expect(await run('alerts <#C0OPS> threshold csat 7d &lt; 80% sample:1500 by:agent')).toBe('Done: #C0OPS gets an alert when Customer satisfaction (CSAT) < 80% by agent (n ≥ 1,500), over the last 7 days (not again within 4 h).');
    expect((await w.alerts.rules('threshold'))[0]?.config).toEqual({ metric: 'csat', operator: '<', value: 80, windowHours: 168, minSample: 1500, by: 'agent', filters: {} });
    expect(await run('alerts')).toContain('Rule 1: #C0OPS gets an alert when Customer satisfaction (CSAT) < 80% by agent (n ≥ 1,500)');
    expect(await run('alerts <#C0OPS> threshold frt goal sample:20', { locale: 'tr' })).toContain('(n ≥ 20)');
    expect((await w.alerts.rules('goal'))[0]?.config).toMatchObject({ metric: 'frt', goal: true, minSample: 20 });
    expect(await w.alerts.rules('threshold', 'goal')).toHaveLength(2);
  });

  it('a goal rule (threshold <metric> goal) is stored without a limit, said and listed as such, and warns while no goal applies to it', async () => {
    await w.ingest([{ ticket: 'T-B', type: 'ticket_created', at: T0, data: { status: 'open', team: 'Billing' } }]);
    expect(await run('alerts <#C0OPS> threshold csat 7d goal team:billing')).toBe(
      'Done: #C0OPS gets an alert when Customer satisfaction (CSAT) misses its goal, over the last 7 days (not again within 4 h) (Team: billing).\n' +
        'No goal applies to this rule yet: it alerts once one does (`/kpi goal`; `/kpi goals` lists them).',
    );
    expect((await w.alerts.rules('threshold'))).toEqual([]);
    expect((await w.alerts.rules('goal'))[0]?.config).toEqual({ metric: 'csat', goal: true, windowHours: 168, filters: { team: 'billing' } });
    // A workspace goal judges a team's rule: no warning.
    await new GoalStore(w.db).set({ metric: 'frt', filters: {}, target: 3600 }, 'UADMIN', T0);
    expect(await run('alerts <#C0OPS> threshold frt goal team:billing')).toBe('Done: #C0OPS gets an alert when First response time misses its goal, over the last 24 hours (not again within 4 h) (Team: billing).');
    // Backlog takes only a goal of exactly its filters: the workspace's judges neither a team's rule nor a split's rows.
    await new GoalStore(w.db).set({ metric: 'backlog', filters: {}, target: 50 }, 'UADMIN', T0);
    expect(await run('alerts <#C0OPS> threshold backlog goal team:billing')).toContain('No goal applies to this rule yet');
    expect(await run('alerts <#C0OPS> threshold backlog goal by:team')).toContain('No goal applies to this rule yet');
    await new GoalStore(w.db).set({ metric: 'backlog', filters: { team: 'Billing' }, target: 5 }, 'UADMIN', T0);
    expect(await run('alerts <#C0OPS> threshold backlog goal by:team', { locale: 'id' })).toBe('Berhasil: #C0OPS akan menerima peringatan saat Backlog per tim tidak mencapai targetnya, dihitung saat ini (tidak dikirim ulang dalam 4 j).');
    expect(await run('alerts <#C0OPS> threshold backlog goal by:priority')).toContain('No goal applies to this rule yet');
    // A split of a metric a wider goal judges: every row is judged.
    expect(await run('alerts <#C0OPS> threshold frt goal by:agent')).not.toContain('No goal');
    expect(await run('alerts')).toContain('Rule 2: #C0OPS gets an alert when First response time misses its goal, over the last 24 hours');
  });

  it('a threshold rule with no window gets its metric\'s: a day, but 30 days for churn, repeat purchase and NPS and 90 for eNPS; kept in the rule', async () => {
    expect(await run('alerts <#C0OPS> threshold churn > 5%')).toBe('Done: #C0OPS gets an alert when Customer churn > 5%, over the last 30 days (not again within 4 h).');
    expect(await run('alerts <#C0OPS> threshold enps < 10')).toContain('(eNPS) < 10, over the last 90 days');
    expect(await run('alerts <#C0OPS> threshold nps 7d < 10')).toContain('< 10, over the last 7 days');
    expect((await w.alerts.rules('threshold')).map((rule) => [rule.config.metric, rule.config.windowHours])).toEqual([['churn', 720], ['enps', 2160], ['nps', 168]]);
    expect(await run('alerts <#C0OPS> threshold csat < 80%')).toContain('over the last 24 hours');
    // A rule kept before windows were stored keeps its 24 hours.
    await w.db('alert_rules').where({ kind: 'threshold' }).delete();
    await w.alerts.addRule({ kind: 'threshold', channelId: 'C0OPS', filters: {}, config: { metric: 'churn', operator: '>', value: 5 } }, T0);
    expect(await run('alerts')).toContain('Customer churn > 5%, over the last 24 hours');
  });

  it('an overdue rule says what it will not do: teams with their own channel post there; tickets overdue already are not posted again', async () => {
    await run('alerts team Billing <#C0BILL>');
    await w.ingest([{ ticket: 'T-LATE', type: 'ticket_created', at: T0 - 3_600_000, data: { status: 'open', team: 'Billing' } }]);
    await w.db('tickets').where({ external_id: 'T-LATE' }).update({ first_response_due_at: T0 - 60_000 });
    expect((await run('alerts <#C0OPS> overdue')).split('\n')).toEqual([
      'Done: #C0OPS gets SLA warnings and breaches.',
      'Teams with their own alert channel get their SLA alerts there instead: Billing (#C0BILL).',
      '1 ticket is overdue now; its breach came before this rule and is not posted again: `/kpi overdue` lists it.',
    ]);
  });

  it('alerts quiet and alerts team store what the sweeper reads; `alerts` lists rules, routes and quiet hours', async () => {
    expect(await run('alerts')).toBe('No alert rules, team routes or quiet hours yet. `/kpi help` shows how to add them.');
    expect(await run('alerts quiet <#C0OPS> 22:00 07:00')).toBe('Done: alerts for #C0OPS wait from 22:00 to 07:00 (Asia/Jakarta), except breaches of urgent tickets.');
    expect(await w.alerts.quietHours()).toEqual(new Map([['C0OPS', { starts: '22:00', ends: '07:00', timezone: 'Asia/Jakarta' }]]));
    // A team no ticket carries yet is kept, with a word about the spelling; once a ticket has it, no such word.
    expect(await run('alerts team Billing EU <#C0BILL>')).toBe('Done: team Billing EU: SLA alerts go to #C0BILL; no lead is told about unacknowledged breaches.\nNo ticket has the team "Billing EU" yet: it applies when one does (names compare ignoring case and spaces). Check the spelling against your helpdesk\'s groups.');
    await w.ingest([
      { ticket: 'T-EU', type: 'ticket_created', at: T0, data: { status: 'open', team: 'BILLING EU' } },
      { ticket: 'T-TR', type: 'ticket_created', at: T0, data: { status: 'open', team: 'Ödeme İade' } },
    ]);
    // Naming only the lead keeps the channel; the team is found again ignoring case.
    expect(await run('alerts team billing eu <@ULEAD>')).toBe('Done: team billing eu: SLA alerts go to #C0BILL; @ULEAD gets a DM about breaches nobody acknowledges.');
    expect(await w.alerts.teamRouting()).toEqual([{ name: 'Billing EU', alertChannelId: 'C0BILL', leadSlackUserId: 'ULEAD' }]);
    // A name no team can have is refused in the admin's language; nothing is kept.
    expect(await run(`alerts team ${'x'.repeat(201)} <#C0BILL>`, { locale: 'id' })).toBe(':warning: nama tim harus terdiri dari 1 sampai 200 karakter');
    expect(await w.alerts.teamRouting()).toHaveLength(1);
    await run('alerts <#C0OPS> threshold csat 7d &lt; 80 team:billing');
    expect((await run('alerts')).split('\n')).toEqual([
      'Alerts',
      '• Rule 1: #C0OPS gets an alert when Customer satisfaction (CSAT) < 80%, over the last 7 days (not again within 4 h) · Team: billing',
      '• team Billing EU: SLA alerts go to #C0BILL; @ULEAD gets a DM about breaches nobody acknowledges',
      '• #C0OPS: quiet from 22:00 to 07:00 (Asia/Jakarta)',
    ]);
    // Beyond ASCII too: Turkish capitals are found again in lower case (SQLite's lower() would not).
    await run('alerts team Ödeme İade <#C0PAY>');
    expect(await run('alerts team ödeme i̇ade <@UPAY>')).toBe('Done: team ödeme i̇ade: SLA alerts go to #C0PAY; @UPAY gets a DM about breaches nobody acknowledges.');
    expect((await w.alerts.teamRouting()).filter((team) => team.name.startsWith('Ö'))).toEqual([{ name: 'Ödeme İade', alertChannelId: 'C0PAY', leadSlackUserId: 'UPAY' }]);
    await run('alerts team Ödeme İade no-channel no-lead');
    expect(await run('alerts team Billing EU no-channel no-lead')).toBe('Done: team Billing EU: SLA alerts go only to the channels of matching `overdue` rules; no lead is told about unacknowledged breaches.');
    expect(await w.alerts.teamRouting()).toEqual([]);
    expect(await run('alerts quiet <#C0OPS> off')).toBe('Done: #C0OPS has no quiet hours; its alerts post at once.');
    expect(await w.alerts.quietHours()).toEqual(new Map());
    // In the admin's language.
    expect(await run('alerts quiet <#C0OPS> 20:00 08:00 Europe/Istanbul', { locale: 'tr' })).toBe('Tamam: #C0OPS kanalının uyarıları 20:00 ile 08:00 arasında (Europe/Istanbul) bekletilecek; acil taleplerin SLA ihlalleri ise hemen gönderilir.');
    expect(await run('alerts team Billing EU <#C0BILL>', { locale: 'id' })).toBe('Berhasil: tim Billing EU: peringatan SLA dikirim ke #C0BILL; tidak ada ketua tim yang diberi tahu tentang pelanggaran SLA yang belum dikonfirmasi.');
  });

  it('alerts remove <n>: the rule listed as Rule n stops; a number that is no rule is said, in the admin\'s language', async () => {
    await run('alerts <#C0OPS> overdue');
    await run('alerts <#C0OPS> threshold backlog > 200');
    const [overdue] = await w.alerts.rules('overdue');
    const [threshold] = await w.alerts.rules('threshold');
    expect(await run('alerts')).toContain(`• Rule ${overdue?.id}: #C0OPS gets SLA warnings and breaches`);
    expect(await run(`alerts remove ${overdue?.id}`)).toBe(`Done: rule #${overdue?.id} is stopped; #C0OPS no longer gets SLA warnings and breaches.`);
    expect(await w.alerts.rules('overdue')).toEqual([]);
    expect(await run(`alerts remove #${overdue?.id}`)).toBe(`There is no alert rule #${overdue?.id}. \`/kpi alerts\` lists the rules with their numbers.`);
    expect(await run(`alerts remove ${threshold?.id}`, { locale: 'id' })).toBe(`Berhasil: aturan #${threshold?.id} dihentikan; #C0OPS tidak lagi menerima peringatan saat Backlog > 200, dihitung saat ini (tidak dikirim ulang dalam 4 j).`);
    expect(await run('alerts')).toBe('No alert rules, team routes or quiet hours yet. `/kpi help` shows how to add them.');
  });

  it('link: sets the agent\'s Slack user, says when Slack knows the address as someone else, and when no agent has it', async () => {
    await w.ingest([{ ticket: 'T-1', type: 'ticket_created', at: T0, data: { status: 'new', assignee: { type: 'agent', id: 'a1', email: 'ayu@example.com', name: 'Ayu' } } }]);
    w.slack.answer('users.lookupByEmail', () => ({ body: { ok: true, user: { id: 'UOTHER' } } }));
    const text = await run('link <@UAYU> ayu@example.com');
    expect(text).toContain('Done: @UAYU is linked to the helpdesk agent ayu@example.com.');
    expect(text).toContain('in Slack, ayu@example.com belongs to @UOTHER');
    expect(await w.db('agents').where({ email: 'ayu@example.com' }).first()).toMatchObject({ slack_user_id: 'UAYU' });
    expect(await run('link <@UX> nobody@example.com')).toContain('No helpdesk agent with the address nobody@example.com');
    // Linking it again to someone else says whose it was; the same link again says nothing of the kind.
    expect(await run('link <@UAYU2> AYU@example.com')).toContain('Until now the agent was linked to @UAYU, who is no longer.');
    expect(await run('link <@UAYU2> ayu@example.com')).not.toContain('Until now');
  });

  it('sla runs the command line\'s sla words and shows their output; without projection options, a pointer', async () => {
    const text = await run('sla add Urgent --priority urgent --first-response 30m', { projection: DEFAULT_PROJECTION_OPTIONS });
    expect(text).toContain('Urgent');
    expect(await w.db('sla_policies').where({ name: 'Urgent' }).first()).toMatchObject({ first_response_seconds: 1800 });
    expect(await run('sla add', { projection: DEFAULT_PROJECTION_OPTIONS })).toMatch(/name/i);
    expect(await run('sla list')).toContain('kpibot sla');
    // `/kpi sla` alone lists, as `/kpi alerts` and `/kpi subscriptions` do.
    expect(await run('sla', { projection: DEFAULT_PROJECTION_OPTIONS })).toBe(await run('sla list', { projection: DEFAULT_PROJECTION_OPTIONS }));
  });

  it('sla\'s option problems are said in the admin\'s language, as the rest of the answer', async () => {
    const turkish = { projection: DEFAULT_PROJECTION_OPTIONS, locale: 'tr' };
    expect(await run('sla list --help', turkish)).toContain('bilinmeyen seçenek `--help`');
    expect(await run('sla add x --priorty high', turkish)).toContain('Şunu mu demek istediniz: `--priority`?');
    expect(await run('sla add x --priority', { projection: DEFAULT_PROJECTION_OPTIONS, locale: 'ms' })).toContain('--priority memerlukan nilai');
    expect(await run('sla list --default', { projection: DEFAULT_PROJECTION_OPTIONS, locale: 'id' })).not.toMatch(/unknown|needs a value|takes no value|unexpected word|given twice/);
    for (const text of ['sla list --help', 'sla add x --priority', 'sla add x --remove=1', 'sla add x --team a --team b']) {
      expect(await run(text, { projection: DEFAULT_PROJECTION_OPTIONS, locale: 'id' })).not.toMatch(/unknown option|needs a value|takes no value|unexpected word|is given twice/);
    }
  });

  it('long lists (100 digests, 100 alert rules and 60 team routes, 40 SLA policies) keep every line, in sections of whole lines, each SLA section its own code block', async () => {
    const answer = async (text: string, extra: Record<string, unknown> = {}) => {
      const message = await handleAdminRequest(parse(text) as AdminRequest, ctx(extra));
      const texts = message.blocks.flatMap((block) => (block.type === 'section' && block.text !== undefined ? [block.text.text] : []));
      for (const text of texts) {
        expect(text.length).toBeLessThanOrEqual(3000);
        expect(text.endsWith('…')).toBe(false);
      }
      return texts;
    };
    for (let i = 0; i < 100; i++) {
      await run(`subscribe <#C0SUB${i}> daily 09:${String(i % 60).padStart(2, '0')} summary team:"Tim Dukungan Pelanggan ${i}"`);
      await run(`alerts <#C0ALR${i}> ${i % 2 === 0 ? 'overdue' : 'escalations'} team:"Tim Dukungan Pelanggan ${i}"`);
    }
    for (let i = 0; i < 60; i++) await run(`alerts team "Müşteri Hizmetleri İstanbul bölge ${i} ${'t'.repeat(40)}" <#C0TEAM${i}> <@U0LEAD${i}>`);
    const subscriptions = await answer('subscriptions');
    expect(subscriptions.length).toBeGreaterThan(1);
    for (let i = 0; i < 100; i++) expect(subscriptions.join('\n')).toContain(`<#C0SUB${i}>`);
    const alerts = (await answer('alerts')).join('\n');
    for (let i = 0; i < 100; i++) expect(alerts).toContain(`<#C0ALR${i}>`);
    for (let i = 0; i < 60; i++) expect(alerts).toContain(`<#C0TEAM${i}>`);
    for (let i = 0; i < 40; i++) await run(`sla add "Billing ${i}" --team "Billing ${i}" --first-response 1h --resolution 2d`, { projection: DEFAULT_PROJECTION_OPTIONS });
    const policies = await answer('sla list', { projection: DEFAULT_PROJECTION_OPTIONS });
    expect(policies.length).toBeGreaterThan(1);
    for (const text of policies) expect(text).toMatch(/^```[^`]*```$/);
    for (let i = 0; i < 40; i++) expect(policies.join('\n')).toContain(`Billing ${i}`);
  });

  it('sla on a large database answers at once and leaves the recompute to the background; on a small one, recomputes first', async () => {
    const store = new IngestStore(w.db, DEFAULT_PROJECTION_OPTIONS, () => w.now);
    for (const id of ['B-1', 'B-2', 'B-3']) await store.recordEvents('generic', [{ kind: 'ticket', type: 'ticket_created', externalTicketId: id, occurredAt: w.now - 3_600_000, data: { status: 'new', priority: 'urgent' }, dedupeKey: id }]);
    let kicked = 0;
    const large = { projection: DEFAULT_PROJECTION_OPTIONS, recompute: { backgroundAbove: 2, onBackgroundAsked: () => (kicked += 1) } };
    const text = await run('sla add Urgent --priority urgent --first-response 30m', large);
    expect(text).toContain('3 tickets are being recomputed in the background');
    expect(kicked).toBe(1);
    expect(await store.pendingBackfills()).toEqual([{ key: 'rebuild:all', remaining: 3 }]);
    expect(Number((await w.db('tickets').whereNotNull('first_response_due_at').count({ n: '*' }).first())?.n)).toBe(0); // not yet
    expect(await run('sla list', large)).toContain('recompute in progress: 3 tickets left');
    // What the background runner does: then every ticket has its due time.
    await store.backfillProjections();
    expect(Number((await w.db('tickets').whereNotNull('first_response_due_at').count({ n: '*' }).first())?.n)).toBe(3);
    const small = { projection: DEFAULT_PROJECTION_OPTIONS, recompute: { backgroundAbove: 3, onBackgroundAsked: () => (kicked += 1) } };
    expect(await run('sla recompute', small)).toContain('recomputed the due times and business-hours durations of 3 tickets');
    expect(kicked).toBe(1);
  });

  it('sla answers in the admin\'s language, output and mistakes alike', async () => {
    const tr = { projection: DEFAULT_PROJECTION_OPTIONS, locale: 'tr' as const };
    // The store's refusal, too, in Turkish.
    expect(await run('sla add Acil --priority urgent --first-response 30m --business-hours', tr)).toContain('mesai saatli bir politika bir takvim ister');
    expect(await run('sla calendar istanbul --timezone Europe/Istanbul --hours "1-5 09:00-18:00" --default', tr)).toContain('"istanbul" takvimi kaydedildi (varsayılan)');
    expect(await run('sla add Acil --priority urgent --first-response 30m --business-hours --pause pending', tr)).toContain('#1 "Acil" politikası eklendi');
    const listed = await run('sla list', tr);
    expect(listed).toContain('Acil: öncelik urgent, tüm ekipler; ilk yanıt 30 dk; mesai saatleri (istanbul); pending durumundayken duraklatılır');
    expect(listed).not.toMatch(/any team|first response|business hours/);
    expect(await run('sla add Acil --priority soon', tr)).toContain('--priority low, normal, high veya urgent olmalı');
    // A mistyped option names the option, then the usage in Turkish; no pointer to a command line the admin may not have.
    const mistyped = await run('sla add Acil --priorty urgent', tr);
    expect(mistyped).toContain('bilinmeyen seçenek `--priorty` (Şunu mu demek istediniz: `--priority`?); sla list, sla add');
    expect(mistyped).not.toContain('kpibot');
    const id = { projection: DEFAULT_PROJECTION_OPTIONS, locale: 'id' as const };
    expect(await run('sla calendar jakarta --timezone Asia/Jakarta --hours "1-5 09:00-17:00" --default', id)).toContain('kalender "jakarta" disimpan (bawaan)');
    expect(await run('sla holiday jakarta 2026-12-25 Natal', id)).toContain('hari libur 2026-12-25 ditambahkan ke "jakarta"');
    expect(await run('sla holiday jakarta 25-12-2026', id)).toContain('"25-12-2026" bukan tanggal (YYYY-MM-DD)');
    const listedId = await run('sla list', id);
    expect(listedId).toContain('kalender "jakarta" (bawaan): Asia/Jakarta, 1 hari libur');
    expect(listedId).toContain('kalender "istanbul": Europe/Istanbul, 0 hari libur');
  });

  it('digest me: only a linked agent opts in; off stops it', async () => {
    const me = async (text: string, userId: string) => renderMessage(await handlePersonalDigest(parse(text) as PersonalDigestRequest, { db: w.db, userId, locale: 'en', now: w.now, timezone: 'Asia/Jakarta' }));
    expect(await me('digest me daily 08:00', 'UNOBODY')).toContain('not linked to a helpdesk agent');
    await w.ingest([{ ticket: 'T-1', type: 'ticket_created', at: T0, data: { status: 'new', assignee: { type: 'agent', id: 'a1', email: 'ayu@example.com', name: 'Ayu' } } }]);
    await w.db('agents').update({ slack_user_id: 'UAYU' });
    expect(await me('digest me weekdays 08:00', 'UAYU')).toBe('Done: you get your open tickets by DM on weekdays at 08:00 (Asia/Jakarta).');
    expect(await me('digest me daily 07:30', 'UAYU')).toContain('every day at 07:30');
    expect((await new DigestStore(w.db).enabled()).map((s) => [s.kind, s.slackUserId, s.schedule])).toEqual([['personal', 'UAYU', '30 7 * * *']]);
    // Listed with what it holds, not an empty list of metrics after a dangling separator.
    expect(await run('subscriptions')).toContain('@UAYU: every day at 07:30 (Asia/Jakarta) · Your tickets');
    expect(await me('digest me off', 'UAYU')).toBe('Done: no more personal digests.');
    expect(await new DigestStore(w.db).enabled()).toEqual([]);
  });

  it('agent <@U…> titles its summary with a name (the one Slack sent, else the linked agent\'s), never the raw mention a plain-text header would show', async () => {
    await w.ingest([{ ticket: 'T-1', type: 'ticket_created', at: T0, data: { status: 'new', assignee: { type: 'agent', id: 'a1', email: 'ayu@example.com', name: 'Ayu Lestari' } } }]);
    await w.db('agents').update({ slack_user_id: 'UAYU' });
    const deps = { db: w.db, timezone: 'Asia/Jakarta', clock: () => w.now };
    const asker = { userId: 'UADMIN', locale: 'en' as const, isAdmin: false };
    const title = async (text: string) => ((await answerCommand(text, asker, deps)).message.blocks[0] as { text: { type: string; text: string } }).text;
    expect(await title('agent <@UAYU>')).toMatchObject({ type: 'plain_text', text: 'Agent: Ayu Lestari' });
    expect(await title('agent <@UAYU|ayu>')).toMatchObject({ type: 'plain_text', text: 'Agent: @ayu' });
    // A Slack user linked to no agent: said, rather than a summary of zeros under a raw user id.
    expect(renderMessage((await answerCommand('agent <@UNOBODY>', asker, deps)).message)).toBe('@UNOBODY is not linked to a helpdesk agent, so no ticket is theirs here. An admin can link them with `/kpi link @someone agent@example.com`.');
  });

  it('agent <@U…> names the agent in the filters line as a mention (Slack shows the name), not as the raw user id', async () => {
    await w.ingest([{ ticket: 'T-1', type: 'ticket_created', at: T0, data: { status: 'new', assignee: { type: 'agent', id: 'a1', email: 'ayu@example.com', name: 'Ayu Lestari' } } }]);
    await w.db('agents').update({ slack_user_id: 'U012AYU345' });
    const deps = { db: w.db, timezone: 'Asia/Jakarta', clock: () => w.now };
    const asker = { userId: 'UADMIN', locale: 'en' as const, isAdmin: false };
    const blocks = async (text: string) => JSON.stringify((await answerCommand(text, asker, deps)).message.blocks);
    const mentioned = await blocks('agent <@U012AYU345|ayu>');
    expect(mentioned).toContain('filters: Agent: <@U012AYU345>');
    expect(mentioned).not.toContain('Agent: U012AYU345');
    // Written as an e-mail address, it stays the address, escaped as text.
    expect(await blocks('agent ayu@example.com')).toContain('filters: Agent: ayu@example.com');
  });

  it('a name filter that matches no ticket is said under the numbers, with the closest known name, in the reader\'s language', async () => {
    await w.ingest([{ ticket: 'T-1', type: 'ticket_created', at: T0, data: { status: 'new', team: 'Billing', channel: 'email', assignee: { type: 'agent', id: 'a1', email: 'ayu@example.com', name: 'Ayu Lestari' } } }]);
    const deps = { db: w.db, timezone: 'Asia/Jakarta', clock: () => w.now };
    const contextOf = async (text: string, locale: 'en' | 'tr' = 'en') => {
      const { blocks } = (await answerCommand(text, { userId: 'U1', locale, isAdmin: false }, deps)).message as unknown as { blocks: { type: string; elements?: { text: string }[] }[] };
      return blocks.filter((block) => block.type === 'context').flatMap((block) => (block.elements ?? []).map((element) => element.text));
    };
    expect(await contextOf('frt team:biling')).toContain(':warning: No ticket matches `team:biling`. Did you mean `Billing`?');
    expect(await contextOf('team:Biling', 'tr')).toContain(':warning: `team:Biling` ile eşleşen talep yok. Şunu mu demek istediniz: `Billing`?');
    expect(await contextOf('agents agent:"Ayu Lestary"')).toContain(':warning: No ticket matches `agent:Ayu Lestary`. Did you mean `Ayu Lestari`?');
    expect(await contextOf('frt tag:nothing-like-it')).toContain(':warning: No ticket matches `tag:nothing-like-it`.');
    // What matches says nothing.
    expect((await contextOf('frt team:billing channel:EMAIL agent:ayu@example.com')).join(' ')).not.toContain(':warning:');
  });

  it('digest now puts a digest in the outbox for the channel', async () => {
    // A channel with no subscription gets yesterday's summary, and the admin is told so.
    expect(await run('digest now <#C0TRY>')).toBe('#C0TRY has no digest subscription, so it gets yesterday\'s summary now. `/kpi subscribe` sets up its own.');
    expect(await run('subscribe <#C0SUBS> daily 09:00 csat')).toContain('C0SUBS');
    expect(await run('digest now <#C0SUBS>')).toBe('Posting a digest in #C0SUBS now.');
    await w.sender().deliverDue();
    expect(w.posts().map((post) => post.channel)).toEqual(['C0TRY', 'C0SUBS']);
  });

  it('what goes to others on an admin\'s behalf is in the workspace language, as scheduled posts are; the reply in the admin\'s', async () => {
    w.slack.answer('conversations.members', () => ({ body: { ok: true, members: ['U01'], response_metadata: { next_cursor: '' } } }));
    const turkishAdmin = { locale: 'tr' as const, workspaceLocale: 'id' as const };
    expect(await run('digest now <#C0TRY>', turkishAdmin)).toBe(renderMessage({ text: t('tr', 'admin.digest_queued_summary', { channel: '<#C0TRY>' }) }));
    expect(await run('enps start <#C0TEAM>', turkishAdmin)).toBe(renderMessage({ text: tn('tr', 'enps.started', 1) }));
    const sender = w.sender();
    for (let i = 0; i < 3; i += 1) await sender.deliverDue();
    const rendered = w.posts().map((post) => renderMessage({ text: '', blocks: post.blocks as never }));
    expect(rendered).toHaveLength(2);
    expect(rendered[0]).toContain('Ringkasan tim support');
    expect(rendered[1]).toContain('Survei singkat (anonim)');
  });

  describe('the eNPS pulse', () => {
    const members = ['U01', 'U02', 'U03', 'U04', 'U05', 'U06'];
    const deps = () => ({ db: w.db, poster: w.poster, clock: w.clock, locale: 'en' as const, logger: silentLogger() });
    const enpsNow = async () => computeMetric('enps', new KpiStore(w.db), resolvePeriod('7d', w.now + 3_600_000, 'UTC'), {}, w.now + 3_600_000);

    beforeEach(() => {
      w.slack.answer('conversations.members', () => ({ body: { ok: true, members: [...members, 'B0BOT'], response_metadata: { next_cursor: '' } } }));
    });

    it('DMs each member 0-10 buttons, refuses a second vote, keeps no user id beside a score, and shows nothing under 5 answers', async () => {
      expect(await run('enps start <#C0TEAM> "Would you recommend us?"')).toContain('on its way to 6 people');
      const sender = w.sender();
      for (let i = 0; i < 6; i += 1) await sender.deliverDue();
      const dms = w.posts();
      expect(dms.map((post) => post.channel).sort()).toEqual(members.map((id) => `D${id}`));
      const rendered = renderMessage({ text: '', blocks: dms[0]?.blocks as never });
      expect(rendered).toContain('Would you recommend us?');
      expect(rendered).toContain('[0] [1] [2] [3] [4] [5]');
      const [survey] = await w.db('enps_surveys').select('id');
      const answer = (user: string, score: number) => handleEnpsAnswer(`${survey.id}:${score}`, user, { channel: `D${user}`, ts: '1.1' }, deps());

      expect(await answer('U01', 10)).toBe('recorded');
      expect(await answer('U01', 0)).toBe('already_answered');
      expect(await answer('USTRANGER', 9)).toBe('not_invited');
      for (const [user, score] of [['U02', 9], ['U03', 7]] as const) await answer(user, score);
      expect(await answer('U04', 3)).toBe('recorded');
      expect((await enpsNow()).value).toBeNull();
      expect(await answer('U05', 10)).toBe('recorded');
      const result = await enpsNow();
      expect(result.n).toBe(5);
      expect(result.value).toBe(40); // 3 promoters, 1 passive, 1 detractor
      expect(result.details).toMatchObject({ promoters: 3, passives: 1, detractors: 1 });

      const responses = await w.db('survey_responses').where({ kind: 'enps' });
      expect(responses).toHaveLength(5);
      for (const row of responses) expect(JSON.stringify(row)).not.toMatch(/U0\d/);
      const updates = w.slack.callsTo('chat.update');
      expect(renderMessage({ text: '', blocks: updates[0]?.args.blocks as never })).toContain('Thank you!');
      expect(renderMessage({ text: '', blocks: updates[1]?.args.blocks as never })).toContain('already answered');
    });

    it('asks people only: not the bot itself nor Slackbot; a blank question is the default one; one person is one', async () => {
      w.slack.answer('conversations.members', () => ({ body: { ok: true, members: ['U0000BOT', 'USLACKBOT', 'U01'], response_metadata: { next_cursor: '' } } }));
      expect(await run('enps start <#C0TEAM> "  "')).toContain('on its way to 1 person by DM');
      const sender = w.sender();
      await sender.deliverDue();
      expect(w.posts().map((post) => post.channel)).toEqual(['DU01']);
      expect(renderMessage({ text: '', blocks: w.posts()[0]?.blocks as never })).toContain(t('en', 'enps.question_default'));
    });

    it('says what to do when Slack will not list the members (the bot not in the channel, a missing scope), and asks nobody', async () => {
      w.slack.answer('conversations.members', () => ({ body: { ok: false, error: 'not_in_channel' } }));
      expect(await run('enps start <#C0TEAM>')).toBe(renderMessage({ text: t('en', 'enps.not_in_channel') }));
      w.slack.answer('usergroups.users.list', () => ({ body: { ok: false, error: 'missing_scope' } }));
      expect(await run('enps start <!subteam^S0GRP|@team>', { locale: 'ms' })).toBe(renderMessage({ text: t('ms', 'enps.missing_scope') }));
      expect(Number((await w.db('enps_surveys').count({ n: '*' }).first())?.n)).toBe(0);
      expect(Number((await w.db('alert_outbox').count({ n: '*' }).first())?.n)).toBe(0);
    });

    it('a question Slack will not DM (another app\'s bot: cannot_dm_bot) fails without a report to the admins', async () => {
      w.slack.answer('conversations.members', () => ({ body: { ok: true, members: ['U01', 'U0OTHERBOT'], response_metadata: { next_cursor: '' } } }));
      w.slack.answer('conversations.open', (call) => (String(call.args.users) === 'U0OTHERBOT' ? { body: { ok: false, error: 'cannot_dm_bot' } } : { body: { ok: true, channel: { id: `D${String(call.args.users)}` } } }));
      await run('enps start <#C0TEAM>');
      const sender = w.sender(['UADMIN']);
      for (let i = 0; i < 3; i += 1) await sender.deliverDue();
      expect(await w.db('alert_outbox').where({ kind: 'enps_question', state: 'failed' }).select('last_error')).toEqual([{ last_error: 'cannot_dm_bot' }]);
      expect(w.posts().map((post) => post.channel)).toEqual(['DU01']);
      expect(await w.db('alert_outbox').where({ kind: 'delivery_failure' })).toEqual([]);
    });

    it('a user group is asked through usergroups.users.list', async () => {
      w.slack.answer('usergroups.users.list', () => ({ body: { ok: true, users: ['U07', 'U08'] } }));
      expect(await run('enps start <!subteam^S0GRP|@team>')).toContain('on its way to 2 people');
      expect(w.slack.callsTo('usergroups.users.list')[0]?.args.usergroup).toBe('S0GRP');
    });
  });
});
