/**
 * An audit of the project's rules, written as tests, through the real Bolt HTTP
 * receiver (signed requests) and a fake Slack Web API on loopback:
 * - every configuration word of /kpi is refused to a non-admin, in every
 *   spelling the parser accepts, with the database unchanged (every table,
 *   every row); an admin gets it done;
 * - Slack's signature (HTTP mode) is checked before anything runs;
 * - no secret value and no ticket text reaches the logs (the bot's own logger,
 *   at trace level, plus anything written to stdout / stderr / console);
 * - no ticket text (subject, description, comment) is stored in any column of
 *   any table, kept raw deliveries included.
 * One bot for the whole file, scheduler timer off (the database changes only
 * when a test makes it), answers on a fixed clock.
 */
import { createHmac } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { startBot, type RunningBot } from '../../src/app.js';
import { createLogger } from '../../src/logger.js';
import { t } from '../../src/i18n/catalogue.js';
import { IngestStore } from '../../src/store/ingest-store.js';
import type { NormalizedEvent } from '../../src/ingest/events.js';
import { ALERT_ACTIONS } from '../../src/slack/blocks/alerts.js';
import { AlertStore } from '../../src/store/alert-store.js';
import { OutboxStore } from '../../src/store/outbox-store.js';
import { createTestDatabase, TEST_ENGINE, type TestDatabase } from '../helpers/databases.js';
import { startFakeSlack, type FakeSlack, type RecordedCall } from '../helpers/fake-slack.js';
import { slackSignature } from '../helpers/slack-requests.js';
import { postWebhook, standardWebhookHeaders, zendeskHeaders } from '../helpers/webhooks.js';
import { EVENT_LIFE } from '../fixtures/zendesk/ticket-life.js';

const NOW = Date.parse('2026-11-20T10:00:00Z');
const HOUR = 3_600_000;

// --- Secrets, each recognisable ------------------------------------------------
const SIGNING = 'c0ffee11c0ffee22c0ffee33c0ffee44';
const GENERIC_KEY_TEXT = 'generic-secret-Q9XW-canary-bytes';
const SECRETS = {
  SLACK_BOT_TOKEN: 'xoxb-SECRETBOT-Q9XW-canary',
  SLACK_SIGNING_SECRET: SIGNING,
  ZENDESK_WEBHOOK_SECRET: 'zdsecret-Q9XW-canary',
  FRESHDESK_WEBHOOK_TOKEN: 'fdtoken-Q9XW-canary',
  ZOHODESK_WEBHOOK_TOKEN: 'zohotoken-Q9XW-canary',
  INTERCOM_CLIENT_SECRET: 'icsecret-Q9XW-canary',
  HELPSCOUT_WEBHOOK_SECRET: 'hssecret-Q9XW-canary',
  JIRA_WEBHOOK_SECRET: 'jirasecret-Q9XW-canary',
  GENERIC_WEBHOOK_SECRET: `whsec_${Buffer.from(GENERIC_KEY_TEXT).toString('base64')}`,
} as const;
/** What must never appear in a log line: each secret, and the generic key's decoded text and base64. */
const SECRET_VALUES = [...Object.values(SECRETS), GENERIC_KEY_TEXT, Buffer.from(GENERIC_KEY_TEXT).toString('base64'), 'SECRETBOT', 'Q9XW-canary'];

// --- Ticket text, each recognisable (short: under the redactor's 64-character limit for kept strings) ---
const SUBJECT = 'Canary SUBJ zx81 refund';
const DESCRIPTION = 'Canary DESC zx81 my card';
const COMMENT = 'Canary BODY zx81 hello';
const TICKET_TEXT = ['Canary SUBJ', 'Canary DESC', 'Canary BODY', 'zx81'];

// --- Users ------------------------------------------------------------------------
const ADMIN = 'U0000ADMN'; // users.info is_admin
const OWNER = 'U0000OWNR'; // users.info is_owner
const LISTED = 'U0000LIST'; // KPI_ADMINS only
const MEMBER = 'U0000PLEB'; // nobody special
const UNKNOWN = 'U0000FAIL'; // users.info fails: KPI_ADMINS alone decides (not listed)
const DOWN = 'U0000DOWN'; // users.info answers 500: retried briefly, then as UNKNOWN
const REFUSAL = t('en', 'error.admin_only');
/** The refusal when Slack could not say whether the asker is an admin. */
const UNVERIFIED = t('en', 'error.admin_unverified');

type Snapshot = Record<string, string[]>;

let slack: FakeSlack;
let bot: RunningBot;
let testDb: TestDatabase;
const logLines: string[] = [];
const stray: string[] = [];
const restore: (() => void)[] = [];

/** Every row of every table, each as JSON, sorted: equal snapshots mean nothing changed. */
async function snapshot(): Promise<Snapshot> {
  const tables = TEST_ENGINE === 'sqlite'
    ? ((await bot.db.raw("select name from sqlite_master where type = 'table' and name not like 'sqlite_%'")) as { name: string }[]).map((row) => row.name)
    : ((await bot.db.raw("select table_name as name from information_schema.tables where table_schema = current_schema()")) as { rows: { name: string }[] }).rows.map((row) => row.name);
  const result: Snapshot = {};
  for (const table of tables.sort()) result[table] = ((await bot.db(table).select('*')) as unknown[]).map((row) => JSON.stringify(row)).sort();
  return result;
}
const changedTables = (a: Snapshot, b: Snapshot) => Object.keys({ ...a, ...b }).filter((table) => JSON.stringify(a[table]) !== JSON.stringify(b[table]));
const everything = async () => JSON.stringify(await snapshot());

async function signedSlackPost(body: string, headers: Record<string, string | undefined> = {}, contentType = 'application/x-www-form-urlencoded'): Promise<Response> {
  const timestamp = Math.floor(Date.now() / 1000);
  const all: Record<string, string> = { 'content-type': contentType, 'x-slack-request-timestamp': String(timestamp), 'x-slack-signature': slackSignature(body, timestamp, SIGNING) };
  for (const [key, value] of Object.entries(headers)) {
    if (value === undefined) delete all[key];
    else all[key] = value;
  }
  return fetch(`${bot.url}/slack/events`, { method: 'POST', body, headers: all });
}

let sequence = 0;
function commandBody(text: string, userId: string, responseId: string, channelId = 'C0000HERE'): string {
  return new URLSearchParams({
    token: 'legacy-unused', team_id: 'T0000TEST', team_domain: 'example', channel_id: channelId, channel_name: 'here',
    user_id: userId, user_name: 'someone', command: '/kpi', text, api_app_id: 'A0000TEST', response_url: slack.responseUrl(responseId), trigger_id: '1.2.3',
  }).toString();
}

/** Sends /kpi <text> as `userId`, signed, and returns the reply's text (posted to the response URL). */
async function command(text: string, userId: string, channelId?: string): Promise<string> {
  const before = slack.callsTo('response_url').length;
  const res = await signedSlackPost(commandBody(text, userId, `cmd-${++sequence}`, channelId));
  expect(res.status, text).toBe(200);
  const replies = await slack.waitFor('response_url', before + 1);
  const reply = replies[replies.length - 1] as RecordedCall;
  return String(reply.args.text);
}

/** A click on a message in `channel`: the clicker's DM with the bot unless said. */
async function click(actionId: string, value: string, userId: string, channel = `D${userId}`): Promise<Response> {
  const payload = {
    type: 'block_actions', team: { id: 'T0000TEST', domain: 'example' }, user: { id: userId, name: 'x', team_id: 'T0000TEST' },
    api_app_id: 'A0000TEST', token: 'legacy-unused', container: { type: 'message', message_ts: '1700000000.000001', channel_id: channel, is_ephemeral: false },
    trigger_id: '1.2.3', channel: { id: channel, name: 'dm' }, response_url: slack.responseUrl(`click-${++sequence}`),
    actions: [{ type: 'button', action_id: actionId, block_id: 'b1', value, text: { type: 'plain_text', text: 'x' }, action_ts: '1.000' }],
  };
  return signedSlackPost(new URLSearchParams({ payload: JSON.stringify(payload) }).toString());
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 120));

function seedTickets(): NormalizedEvent[] {
  const created = NOW - 48 * HOUR;
  const agent = { type: 'agent' as const, id: 'a-1', email: 'ayu@example.com', name: 'Ayu' };
  return [
    { kind: 'ticket', type: 'ticket_created', externalTicketId: 'S-1', occurredAt: created, actor: { type: 'customer', id: 'c-1' }, data: { status: 'new', priority: 'high', team: 'Billing' }, dedupeKey: 'S-1:1' },
    { kind: 'ticket', type: 'assignee_changed', externalTicketId: 'S-1', occurredAt: created + 1000, data: { assignee: agent }, dedupeKey: 'S-1:2' },
  ];
}

beforeAll(async () => {
  // Anything written to stdout / stderr / the console while the bot runs is captured as well.
  for (const stream of [process.stdout, process.stderr]) {
    const original = stream.write.bind(stream);
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      stray.push(String(chunk));
      return (original as (...args: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof stream.write;
    restore.push(() => {
      stream.write = original as typeof stream.write;
    });
  }
  for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    const original = console[level];
    console[level] = (...args: unknown[]) => {
      stray.push(args.map((arg) => (typeof arg === 'string' ? arg : JSON.stringify(arg))).join(' '));
      original(...args);
    };
    restore.push(() => {
      console[level] = original;
    });
  }

  slack = await startFakeSlack();
  slack.answer('users.info', (call) => {
    const id = String(call.args.user);
    if (id === UNKNOWN) return { body: { ok: false, error: 'user_not_found' } };
    if (id === DOWN) return { status: 500, body: { ok: false, error: 'internal_error' } };
    return { body: { ok: true, user: { id, is_admin: id === ADMIN, is_owner: id === OWNER, locale: 'en-US', profile: {} } } };
  });
  slack.answer('conversations.members', () => ({ body: { ok: true, members: ['U0000M001', 'U0000M002', MEMBER], response_metadata: { next_cursor: '' } } }));
  slack.answer('conversations.open', (call) => ({ body: { ok: true, channel: { id: `D${String(call.args.users)}` } } }));
  // Every post fails for good: the sender records it and tells the admins, as a real invalid_auth would.
  slack.answer('chat.postMessage', () => ({ body: { ok: false, error: 'channel_not_found' } }));

  testDb = await createTestDatabase();
  const config = parseConfig({
    DATABASE_URL: testDb.url, HOST: '127.0.0.1', PORT: '0', SHUTDOWN_GRACE_SECONDS: '5', SLACK_API_URL: slack.url,
    KPI_ADMINS: LISTED, LOG_LEVEL: 'trace', ...SECRETS,
  });
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logLines.push(String(chunk));
      done();
    },
  });
  bot = await startBot(config, createLogger('trace', sink as never), { clock: () => NOW, schedulerTimer: false });
  await new IngestStore(bot.db, { escalationGroups: [], escalationTag: 'escalated' }, () => NOW).recordEvents('generic', seedTickets());
}, 30_000);

afterAll(async () => {
  await bot?.stop();
  await slack?.close();
  await testDb?.dispose();
  for (const undo of restore) undo();
});

// -----------------------------------------------------------------------------------
// 1. Permissions
// -----------------------------------------------------------------------------------

/** Every configuration word the docs list (docs/slack.md "Who may configure", docs/alerts.md, the parser's admin kinds), each in a form that would change something. */
const CONFIGURATION = [
  'subscribe <#C0000NEW1|new> daily 09:00',
  'subscribe <#C0000NEW1> weekly fri 16:30 Europe/Istanbul frt csat team:billing',
  'subscribe <#C0000NEW1> cron:"0 9 * * 1-5" if-changed',
  'unsubscribe <#C0000SUPP>',
  'subscriptions',
  'alerts',
  'alerts <#C0000OPS1> overdue',
  'alerts <#C0000OPS1> escalations team:billing',
  'alerts <#C0000OPS1> threshold backlog > 200',
  'alerts <#C0000OPS1> threshold csat 7d &lt; 80 cooldown:2h',
  'alerts quiet <#C0000OPS1> 22:00 07:00',
  'alerts quiet <#C0000QUIE> off',
  'alerts team Billing <#C0000EVIL>',
  'alerts team Billing no-channel no-lead',
  'alerts team Newteam <@U0000PLEB>',
  'link <@U0000PLEB> ayu@example.com',
  'sla list',
  'sla add evil --priority high --first-response 1m',
  'sla remove 1',
  'sla calendar evil --timezone UTC --hours "1-5 09:00-17:00" --default',
  'sla holiday office 2026-12-25 Christmas',
  'sla team Billing --default',
  'sla recompute',
  'digest now <#C0000SUPP>',
  'enps start <#C0000TEAM>',
  'enps start',
  'enps start <!subteam^S0000GRP|@all> "Rate us"',
];

/** The same words as a person might type them: case, blanks, Slack markup. */
const VARIANTS = [
  'SUBSCRIBE <#C0000NEW1> DAILY 09:00',
  'Subscribe <#C0000NEW1> Daily 09:00',
  '   subscribe    <#C0000NEW1>   daily   09:00   ',
  '\tsubscribe\t<#C0000NEW1>\tdaily\t09:00',
  'subscribe\u00a0<#C0000NEW1>\u00a0daily\u00a009:00',
  'subscribe\n<#C0000NEW1>\ndaily 09:00',
  '"subscribe" <#C0000NEW1> daily 09:00',
  '\u201csubscribe\u201d <#C0000NEW1> daily 09:00',
  'UNSUBSCRIBE <#C0000SUPP>',
  'ALERTS QUIET <#C0000QUIE> OFF',
  'Alerts Team Billing No-Channel',
  'alerts <#C0000OPS1> OVERDUE',
  'LINK <@U0000PLEB> AYU@EXAMPLE.COM',
  'SLA remove 1',
  'Sla add evil --priority high --first-response 1m',
  'DIGEST NOW <#C0000SUPP>',
  'Digest Now <#C0000SUPP>',
  'ENPS START',
  'eNPS Start <#C0000TEAM>',
  'enps   start',
  'enps START share',
  'subscribe <#C0000NEW1> daily 09:00 share',
];

/** Other languages' words for the same things (the parser should know none of them; if it does, the check must still hold). */
const OTHER_LANGUAGES = [
  'langganan <#C0000NEW1> harian 09:00', // id: subscribe daily
  'berhenti-langganan <#C0000SUPP>', // id: unsubscribe
  'peringatan <#C0000OPS1> overdue', // id: alerts
  'peringatan tenang <#C0000QUIE> off', // id: alerts quiet off
  'langgan <#C0000NEW1> harian 09:00', // ms: subscribe
  'pautan <@U0000PLEB> ayu@example.com', // ms: link
  'abone <#C0000NEW1> günlük 09:00', // tr: subscribe
  'uyarılar sessiz <#C0000QUIE> kapalı', // tr: alerts quiet off
  'bağla <@U0000PLEB> ayu@example.com', // tr: link
  'özet şimdi <#C0000SUPP>', // tr: digest now
  'enps başlat <#C0000TEAM>', // tr: enps start
  'enps mulai <#C0000TEAM>', // id / ms: enps start
];

describe(`permissions through the real receiver on ${TEST_ENGINE}`, () => {
  it('an admin sets up the workspace: every configuration word is carried out (users.info is_admin)', async () => {
    const steps: [string, string][] = [
      ['subscribe <#C0000SUPP|support> daily 09:00', 'digest_subscriptions'],
      ['alerts <#C0000OPS0> overdue', 'alert_rules'],
      ['alerts quiet <#C0000QUIE> 22:00 07:00 UTC', 'quiet_hours'],
      ['alerts team Billing <#C0000BILL> <@U0000LEAD>', 'teams'],
      ['link <@U0000AYU1> ayu@example.com', 'agents'],
      ['sla calendar office --timezone UTC --hours "1-5 09:00-17:00" --default', 'business_calendars'],
      ['sla add first --priority high --first-response 1h', 'sla_policies'],
      ['digest now <#C0000SUPP>', 'alert_outbox'],
      ['enps start <#C0000TEAM> "How likely?"', 'enps_surveys'],
    ];
    for (const [text, table] of steps) {
      const before = await snapshot();
      const reply = await command(text, ADMIN);
      expect(reply, text).not.toContain(REFUSAL);
      expect(changedTables(before, await snapshot()), text).toContain(table);
    }
    for (const text of ['subscriptions', 'alerts', 'sla list']) expect(await command(text, ADMIN), text).not.toContain(REFUSAL);
  });

  it('a workspace owner (is_owner) and a KPI_ADMINS user are admins too', async () => {
    let before = await snapshot();
    expect(await command('alerts <#C0000OWNR> escalations', OWNER)).not.toContain(REFUSAL);
    expect(changedTables(before, await snapshot())).toEqual(['alert_rules']);
    before = await snapshot();
    expect(await command('subscribe <#C0000LIST> weekdays 08:00', LISTED)).not.toContain(REFUSAL);
    expect(changedTables(before, await snapshot())).toEqual(['digest_subscriptions']);
  });

  it.each(CONFIGURATION)('a non-admin is refused and nothing changes: /kpi %s', async (text) => {
    const before = await snapshot();
    expect(await command(text, MEMBER)).toContain(REFUSAL);
    expect(changedTables(before, await snapshot())).toEqual([]);
  });

  it.each(CONFIGURATION.filter((_, i) => i % 3 === 0))('when users.info fails, a user not in KPI_ADMINS is refused: /kpi %s', async (text) => {
    const before = await snapshot();
    expect(await command(text, UNKNOWN)).toContain(UNVERIFIED);
    expect(changedTables(before, await snapshot())).toEqual([]);
  });

  it('when users.info answers 500, the reply comes within seconds (a few quick retries, not the SDK\'s half hour), refusing a non-listed user', async () => {
    const before = await snapshot();
    const started = Date.now();
    expect(await command('alerts <#C0000OPS0> overdue', DOWN)).toContain(UNVERIFIED);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(slack.callsTo('users.info').filter((call) => call.args.user === DOWN).length).toBe(3);
    expect(changedTables(before, await snapshot())).toEqual([]);
  }, 30_000);

  it.each(VARIANTS)('case, blanks and markup do not get round the check: /kpi %s', async (text) => {
    const before = await snapshot();
    const reply = await command(text, MEMBER);
    expect(changedTables(before, await snapshot())).toEqual([]);
    // Either the parser reads it as the admin word (and refuses) or it does not know it.
    expect(reply).not.toMatch(/^Done|Posting a digest|on its way/);
  });

  it.each(OTHER_LANGUAGES)('other languages\' words change nothing for a non-admin: /kpi %s', async (text) => {
    const before = await snapshot();
    const reply = await command(text, MEMBER);
    expect(changedTables(before, await snapshot())).toEqual([]);
    expect(reply).not.toMatch(/^Done|Posting a digest|on its way/);
  });

  it('`digest me` (documented as for anyone) changes only the asker\'s own personal digest, and not for an unlinked person', async () => {
    const before = await snapshot();
    expect(await command('digest me daily 08:00', MEMBER)).toContain('not linked');
    expect(changedTables(before, await snapshot())).toEqual([]);
    await bot.db('agents').where({ external_id: 'a-1' }).update({ slack_user_id: MEMBER });
    const linked = await snapshot();
    expect(await command('digest me daily 08:00', MEMBER)).not.toContain(REFUSAL);
    expect(changedTables(linked, await snapshot())).toEqual(['digest_subscriptions']);
    const rows = (await bot.db('digest_subscriptions').where({ created_by: MEMBER }).orWhere({ slack_user_id: MEMBER }).select('*')) as Record<string, unknown>[];
    for (const row of rows) expect(row.channel_id ?? null).toBeNull();
    await bot.db('agents').where({ external_id: 'a-1' }).update({ slack_user_id: 'U0000AYU1' });
  });

  it('eNPS buttons: someone not asked is refused and nothing is recorded; an invited member\'s answer is (docs/alerts.md)', async () => {
    const survey = (await bot.db('enps_surveys').orderBy('id', 'desc').first('id')) as { id: number };
    expect(survey).toBeDefined();
    const before = await snapshot();
    expect((await click(`enps_answer:${survey.id}`, `${survey.id}:0`, 'U0000STRA')).status).toBe(200);
    await settle();
    expect(changedTables(before, await snapshot())).toEqual([]);
    expect((await click(`enps_answer:${survey.id}`, `${survey.id}:9`, 'U0000M001')).status).toBe(200);
    await settle();
    expect(changedTables(before, await snapshot())).toEqual(expect.arrayContaining(['enps_participants', 'survey_responses']));
  });

  it('alert buttons on an alert that does not exist, or with a bad value, change nothing; one whose alert is gone (its ticket deleted) says so', async () => {
    const before = await snapshot();
    const replies = slack.callsTo('response_url').length;
    for (const [id, value] of [[ALERT_ACTIONS.acknowledge, '999999'], [ALERT_ACTIONS.snooze1h, '-1'], [ALERT_ACTIONS.snoozeTomorrow, 'x'], [ALERT_ACTIONS.acknowledge, '']] as const) {
      expect((await click(id, value, MEMBER)).status).toBe(200);
    }
    await settle();
    expect(changedTables(before, await snapshot())).toEqual([]);
    // Only the well-formed id of an alert that is not there is answered (ephemeral, the message left as it is).
    const answered = slack.callsTo('response_url').slice(replies);
    expect(answered.map((call) => [call.args.response_type, call.args.replace_original, call.args.text])).toEqual([
      ['ephemeral', false, expect.stringContaining('deleted or marked as spam in the helpdesk')],
    ]);
  });

  /** An SLA breach alert for `ticket`, posted (and marked sent) in each of `channels`. */
  async function postedAlert(ticket: string, channels: readonly string[]): Promise<number> {
    const store = new AlertStore(bot.db);
    const view = { kind: 'sla_breach', alertId: 0, ticket: { externalId: ticket, url: null, priority: 'normal', team: null }, target: 'firstResponse', dueAt: 1, at: 1, percent: 100, assignee: null, timezone: 'UTC' } as const;
    const alertId = Number(await bot.db.transaction((trx) => store.createAlert(trx, { dedupeKey: `sla:0:firstResponse:breach:${ticket}`, kind: 'sla_breach', channelId: channels[0] ?? 'C0000ACK', assigneeSlackUserId: null, leadSlackUserId: null, dueAt: 1, view }, Date.now())));
    const outbox = new OutboxStore(bot.db);
    for (const [index, channel] of channels.entries()) {
      await outbox.enqueue({ dedupeKey: `${ticket}:${channel}`, kind: 'sla_breach', target: channel, message: { text: ticket, blocks: [] }, notBefore: 0, alertId }, Date.now());
      const row = await outbox.byKey(`${ticket}:${channel}`);
      await outbox.markSent(row?.id ?? 0, channel, `1700000000.00000${index}`, Date.now());
    }
    return alertId;
  }

  it('alert buttons count only where the alert was shown: a click elsewhere changes nothing and reveals nothing; Acknowledge all takes only the alerts shown there', async () => {
    const shown = await postedAlert('T-HERE', ['C0000ACK', `D${MEMBER}`]);
    const other = await postedAlert('T-OTHER', ['C0000HRPRIV']);
    await new AlertStore(bot.db).acknowledge(other, 'U0000BOSS', Date.parse('2026-11-20T09:30:00Z'));
    const before = await snapshot();
    const replies = slack.callsTo('response_url').length;
    for (const [id, value] of [[ALERT_ACTIONS.acknowledge, String(shown)], [ALERT_ACTIONS.snooze4h, String(shown)], [ALERT_ACTIONS.acknowledge, String(other)], [ALERT_ACTIONS.acknowledgeAll, `${shown},${other}`]] as const) {
      expect((await click(id, value, MEMBER, 'C0000ELSE')).status).toBe(200);
    }
    const answered = (await slack.waitFor('response_url', replies + 4)).slice(replies);
    expect(answered.map((call) => [call.args.response_type, call.args.text])).toEqual(Array.from({ length: 4 }, () => ['ephemeral', 'This alert was not posted in this conversation, so it cannot be acknowledged or snoozed from here.']));
    expect(changedTables(before, await snapshot())).toEqual([]);
    // From a list in the member's DM, where one of the two was shown: that one is acknowledged, the other left as it is.
    expect((await click(ALERT_ACTIONS.acknowledgeAll, `${shown},${other}`, MEMBER)).status).toBe(200);
    await settle();
    expect(await bot.db('alerts').whereIn('id', [shown, other]).orderBy('id').select('acknowledged_by')).toEqual([{ acknowledged_by: MEMBER }, { acknowledged_by: 'U0000BOSS' }]);
  });

  it('Acknowledge on an alert someone acknowledged already changes nothing and says who did, to the clicker alone', async () => {
    const alertId = await postedAlert('T-ACK', ['C0000ACK']);
    await new AlertStore(bot.db).acknowledge(alertId, 'U0000BOSS', Date.parse('2026-11-20T09:30:00Z'));
    const before = await snapshot();
    const replies = slack.callsTo('response_url').length;
    expect((await click(ALERT_ACTIONS.acknowledge, String(alertId), MEMBER, 'C0000ACK')).status).toBe(200);
    const answered = (await slack.waitFor('response_url', replies + 1)).slice(replies);
    expect(answered.map((call) => [call.args.response_type, call.args.replace_original, call.args.text])).toEqual([['ephemeral', false, expect.stringContaining('Acknowledged by <@U0000BOSS>')]]);
    expect(changedTables(before, await snapshot())).toEqual([]);
  });

  it('the Home tab shows the configuration to an admin only', async () => {
    const publish = async (user: string) => {
      const before = slack.callsTo('views.publish').length;
      const body = JSON.stringify({ token: 'legacy-unused', team_id: 'T0000TEST', api_app_id: 'A0000TEST', type: 'event_callback', event_id: `Ev${++sequence}`, event_time: Math.floor(Date.now() / 1000), event: { type: 'app_home_opened', user, channel: 'D0000HOME', tab: 'home', event_ts: '1.000' } });
      expect((await signedSlackPost(body, {}, 'application/json')).status).toBe(200);
      return JSON.stringify(((await slack.waitFor('views.publish', before + 1)).at(-1) as RecordedCall).args.view);
    };
    expect(await publish(ADMIN)).toContain('C0000SUPP');
    const member = await publish(MEMBER);
    expect(member).not.toContain('C0000SUPP');
    expect(member).not.toContain('C0000QUIE');
  });
});

// -----------------------------------------------------------------------------------
// 2. Slack signing in HTTP mode
// -----------------------------------------------------------------------------------

describe('Slack signing (HTTP mode)', () => {
  /** A request that would change something if it ran: an admin's subscribe. */
  const forged = (channel: string) => commandBody(`subscribe <#${channel}> daily 09:00`, ADMIN, `forged-${channel}`);

  async function expectRefusedAndInert(res: Response, before: Snapshot, responses: number): Promise<void> {
    expect(res.status).toBe(401);
    await settle();
    expect(slack.callsTo('response_url').length).toBe(responses);
    expect(changedTables(before, await snapshot())).toEqual([]);
  }

  it('the control: the same request correctly signed is carried out', async () => {
    const before = await snapshot();
    const responses = slack.callsTo('response_url').length;
    expect((await signedSlackPost(forged('C0000SIG0'))).status).toBe(200);
    await slack.waitFor('response_url', responses + 1);
    expect(changedTables(before, await snapshot())).toEqual(['digest_subscriptions']);
  });

  const cases: [string, (body: string) => Record<string, string | undefined>, ((body: string) => string)?][] = [
    ['a signature made with another secret', (body) => { const ts = Math.floor(Date.now() / 1000); return { 'x-slack-request-timestamp': String(ts), 'x-slack-signature': slackSignature(body, ts, 'fedcba9876543210fedcba9876543210') }; }],
    ['a correct signature over a timestamp 6 minutes old', (body) => { const ts = Math.floor(Date.now() / 1000) - 360; return { 'x-slack-request-timestamp': String(ts), 'x-slack-signature': slackSignature(body, ts, SIGNING) }; }],
    ['no X-Slack-Signature', () => ({ 'x-slack-signature': undefined })],
    ['no X-Slack-Request-Timestamp', () => ({ 'x-slack-request-timestamp': undefined })],
    ['neither header', () => ({ 'x-slack-signature': undefined, 'x-slack-request-timestamp': undefined })],
    ['an empty signature', () => ({ 'x-slack-signature': '' })],
    ['a v1= signature with the right hash', (body) => { const ts = Math.floor(Date.now() / 1000); return { 'x-slack-request-timestamp': String(ts), 'x-slack-signature': slackSignature(body, ts, SIGNING).replace(/^v0=/, 'v1=') }; }],
    ['the signature in upper case', (body) => { const ts = Math.floor(Date.now() / 1000); return { 'x-slack-request-timestamp': String(ts), 'x-slack-signature': `v0=${slackSignature(body, ts, SIGNING).slice(3).toUpperCase()}` }; }],
    ['a non-numeric timestamp', () => ({ 'x-slack-request-timestamp': 'soon' })],
  ];
  for (const [name, headers] of cases) {
    it(`refuses ${name}, and does nothing`, async () => {
      const body = forged('C0000SIG1');
      const before = await snapshot();
      const responses = slack.callsTo('response_url').length;
      await expectRefusedAndInert(await signedSlackPost(body, headers(body)), before, responses);
    });
  }

  it('refuses a body altered after signing (channel changed, text appended, a byte flipped), and does nothing', async () => {
    const body = forged('C0000SIG2');
    const ts = Math.floor(Date.now() / 1000);
    const signature = slackSignature(body, ts, SIGNING);
    for (const altered of [body.replace('C0000SIG2', 'C0000SIG3'), `${body}&x=1`, body.replace('daily', 'dailz'), `${body} `]) {
      const before = await snapshot();
      const responses = slack.callsTo('response_url').length;
      await expectRefusedAndInert(await signedSlackPost(altered, { 'x-slack-request-timestamp': String(ts), 'x-slack-signature': signature }), before, responses);
    }
  });

  it('refuses a correctly signed request whose timestamp is 10 minutes in the future (docs/slack.md: a 5-minute window)', async () => {
    const body = forged('C0000SIG4');
    const ts = Math.floor(Date.now() / 1000) + 600;
    const before = await snapshot();
    const responses = slack.callsTo('response_url').length;
    const res = await signedSlackPost(body, { 'x-slack-request-timestamp': String(ts), 'x-slack-signature': slackSignature(body, ts, SIGNING) });
    await settle();
    // Both at once, so a failure shows whether the request also ran.
    expect({ status: res.status, answered: slack.callsTo('response_url').length > responses, changed: changedTables(before, await snapshot()) }).toEqual({ status: 401, answered: false, changed: [] });
  });

  it('an unsigned ssl_check carrying a smuggled command runs nothing', async () => {
    const body = `ssl_check=1&${forged('C0000SIG5')}`;
    const before = await snapshot();
    const responses = slack.callsTo('response_url').length;
    const res = await signedSlackPost(body, { 'x-slack-signature': undefined, 'x-slack-request-timestamp': undefined });
    expect(res.status).toBeLessThan(500);
    await settle();
    expect(slack.callsTo('response_url').length).toBe(responses);
    expect(changedTables(before, await snapshot())).toEqual([]);
  });
});

// -----------------------------------------------------------------------------------
// 3. Stored text
// -----------------------------------------------------------------------------------

const TEXT_KEYS = /^(subject|title|summary|description|body|html_body|plain_body|preview|text|content|comment|latest_comment|ticket_subject|ticket_description|ticket_latest_public_comment|remark)$/;

/** The payload with every string under a text key replaced by the distinctive text (subject-like, description-like or comment-like). */
function withCanaries(value: unknown, key = '', parent: Record<string, unknown> = {}): unknown {
  // Jira's changelog: the summary's and description's old and new text (not a label's or a status's).
  if (typeof value === 'string' && /^(fromString|toString)$/.test(key) && /^(summary|description)$/.test(String(parent.field))) return parent.field === 'summary' ? SUBJECT : DESCRIPTION;
  if (typeof value === 'string' && TEXT_KEYS.test(key)) {
    if (/subject|title|summary/i.test(key)) return SUBJECT;
    if (/description|preview|String$/i.test(key)) return DESCRIPTION;
    return COMMENT;
  }
  if (Array.isArray(value)) return value.map((item) => withCanaries(item, key, parent));
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, withCanaries(v, k, value as Record<string, unknown>)]));
  return value;
}

const fixtureDir = (source: string) => new URL(`../fixtures/${source}/`, import.meta.url);
const fixtures = (source: string) => readdirSync(fixtureDir(source)).filter((name) => name.endsWith('.json')).sort().map((name) => ({ name, body: JSON.stringify(withCanaries(JSON.parse(readFileSync(new URL(name, fixtureDir(source)), 'utf8')))) }));
const hmacOf = (algorithm: string, key: string | Buffer, data: string, encoding: 'hex' | 'base64') => createHmac(algorithm, key).update(data).digest(encoding);

interface Sent {
  readonly source: string;
  readonly name: string;
  readonly body: string;
  readonly status: number;
}

async function sendEverySource(): Promise<Sent[]> {
  const sent: Sent[] = [];
  const post = async (source: string, name: string, body: string, headers: Record<string, string>) => {
    sent.push({ source, name, body, status: (await postWebhook(bot.url, source, body, headers)).status });
  };
  for (const [i, envelope] of EVENT_LIFE.entries()) {
    const body = JSON.stringify(withCanaries({ ...envelope, detail: { ...envelope.detail, subject: SUBJECT, description: DESCRIPTION } }));
    await post('zendesk', `event-${i}`, body, zendeskHeaders(body, SECRETS.ZENDESK_WEBHOOK_SECRET));
  }
  for (const { name, body } of fixtures('freshdesk')) await post('freshdesk', name, body, { 'x-webhook-token': SECRETS.FRESHDESK_WEBHOOK_TOKEN });
  for (const { name, body } of fixtures('zohodesk')) await post('zohodesk', name, body, { 'x-webhook-token': SECRETS.ZOHODESK_WEBHOOK_TOKEN });
  for (const { name, body } of fixtures('intercom')) await post('intercom', name, body, { 'x-hub-signature': `sha1=${hmacOf('sha1', SECRETS.INTERCOM_CLIENT_SECRET, body, 'hex')}` });
  for (const { name, body } of fixtures('helpscout')) {
    const event = name.replace(/^\d\d-/, '').replace(/\.json$/, '').split('~')[0] as string;
    await post('helpscout', name, body, { 'x-helpscout-event': event, 'x-helpscout-signature': hmacOf('sha1', SECRETS.HELPSCOUT_WEBHOOK_SECRET, body, 'base64') });
  }
  for (const { name, body } of fixtures('jira')) {
    await post('jira', name, body, { 'x-hub-signature': `sha256=${hmacOf('sha256', SECRETS.JIRA_WEBHOOK_SECRET, body, 'hex')}`, 'x-atlassian-webhook-identifier': `wh-${name}`, 'x-atlassian-webhook-flow': 'Primary' });
  }
  const genericEvents = [
    { type: 'ticket.created', id: 'g1', occurred_at: new Date(NOW - 3 * HOUR).toISOString(), actor: { type: 'customer', id: 'c-9' }, ticket: { id: 'G-1', status: 'new', priority: 'normal', subject: SUBJECT, description: DESCRIPTION }, comment: { body: COMMENT } },
    { type: 'ticket.customer_replied', id: 'g2', occurred_at: new Date(NOW - 2 * HOUR).toISOString(), actor: { type: 'customer', id: 'c-9' }, ticket: { id: 'G-1' }, body: COMMENT, text: COMMENT },
  ];
  for (const [i, event] of genericEvents.entries()) {
    const body = JSON.stringify(event);
    await post('generic', `g${i}`, body, standardWebhookHeaders(body, `msg_g${i}`, SECRETS.GENERIC_WEBHOOK_SECRET));
  }
  return sent;
}

describe('stored text', () => {
  let sent: Sent[] = [];

  it('every source\'s fixtures, carrying distinctive subject, description and comment text, are accepted', async () => {
    sent = await sendEverySource();
    for (const source of ['zendesk', 'freshdesk', 'zohodesk', 'intercom', 'helpscout', 'jira', 'generic']) {
      const mine = sent.filter((item) => item.source === source);
      expect(mine.length, source).toBeGreaterThan(0);
      // The canaries were really sent (so the next test can fail), and authentication passed.
      for (const text of TICKET_TEXT.slice(0, 1)) expect(mine.map((item) => item.body).join('\n'), `${source} carries ${text}`).toContain(text);
      for (const item of mine) expect([200, 422], `${source}/${item.name}`).toContain(item.status);
      expect(mine.filter((item) => item.status === 200).length, source).toBeGreaterThan(0);
    }
    expect(sent.map((item) => item.body).join('\n')).toContain('Canary DESC');
    expect(sent.map((item) => item.body).join('\n')).toContain('Canary BODY');
  });

  it('no distinctive text is stored in any column of any table, kept raw deliveries included', async () => {
    const dump = await everything();
    for (const text of TICKET_TEXT) {
      const at = dump.indexOf(text);
      expect(at, `${text} stored: …${dump.slice(Math.max(0, at - 200), at + 60)}…`).toBe(-1);
    }
  });

  it('Zendesk ticket.subject_changed: neither the new nor the old subject is kept in the stored delivery', async () => {
    // Zendesk's event for a subject change carries the subjects in event.previous / event.current.
    const envelope = {
      account_id: 10001, id: '01J0-subject', subject: 'zen:ticket:4321', time: '2026-11-20T09:00:00.000000000Z', type: 'zen:event-type:ticket.subject_changed', zendesk_event_version: '2022-11-06',
      detail: { ...(EVENT_LIFE[0] as { detail: Record<string, unknown> }).detail, subject: 'Canary SUBJ new', description: 'x', updated_at: '2026-11-20T09:00:00Z' },
      event: { previous: 'Canary SUBJ old', current: 'Canary SUBJ new' },
    };
    const body = JSON.stringify(envelope);
    expect((await postWebhook(bot.url, 'zendesk', body, zendeskHeaders(body, SECRETS.ZENDESK_WEBHOOK_SECRET))).status).toBe(200);
    const payloads = ((await bot.db('webhook_deliveries').where({ delivery_key: '01J0-subject' }).select('payload', 'detail')) as { payload: string }[]).map((row) => JSON.stringify(row)).join('\n');
    expect(payloads).not.toBe('');
    expect(payloads).not.toContain('Canary SUBJ');
  });
});

// -----------------------------------------------------------------------------------
// 4. Secrets and ticket text in logs (last: it reads everything logged above)
// -----------------------------------------------------------------------------------

describe('secrets in logs', () => {
  it('webhooks with bad signatures, a failing Slack API call and a failing post are logged without a secret or ticket text', async () => {
    // Bad signatures and tokens, one per source, carrying ticket text.
    const body = JSON.stringify({ ticket: { subject: SUBJECT, description: DESCRIPTION }, comment: { body: COMMENT } });
    const bad: [string, Record<string, string>][] = [
      ['zendesk', zendeskHeaders(body, 'wrong-secret')],
      ['freshdesk', { 'x-webhook-token': `${SECRETS.FRESHDESK_WEBHOOK_TOKEN}x` }],
      ['zohodesk', { authorization: `Basic ${Buffer.from(`zoho:${SECRETS.ZOHODESK_WEBHOOK_TOKEN}x`).toString('base64')}` }],
      ['intercom', { 'x-hub-signature': 'sha1=00' }],
      ['helpscout', { 'x-helpscout-event': 'convo.created', 'x-helpscout-signature': 'AAAA' }],
      ['jira', { 'x-hub-signature': 'sha256=00' }],
      ['generic', standardWebhookHeaders(body, 'msg_bad', `whsec_${Buffer.from('another-secret-0123456789').toString('base64')}`)],
    ];
    for (const [source, headers] of bad) expect((await postWebhook(bot.url, source, body, headers)).status, source).toBe(401);
    // Correctly signed but malformed, and of an unknown shape: both carry ticket text.
    const broken = `{"subject": "${SUBJECT}", `;
    expect((await postWebhook(bot.url, 'generic', broken, standardWebhookHeaders(broken, 'msg_broken', SECRETS.GENERIC_WEBHOOK_SECRET))).status).toBe(400);
    const odd = JSON.stringify({ type: SUBJECT, id: 'odd', ticket: { id: 'X', subject: SUBJECT } });
    expect((await postWebhook(bot.url, 'generic', odd, standardWebhookHeaders(odd, 'msg_odd', SECRETS.GENERIC_WEBHOOK_SECRET))).status).toBe(422);
    // A failing Slack API call (users.info) and a failing post (chat.postMessage), as the fake answers them.
    await command('frt 7d', UNKNOWN);
    await bot.jobs.sender.deliverDue();
    await settle();

    const logs = logLines.join('');
    expect(logs).toContain('kpibot is listening');
    expect(logs).toContain('users.info failed');
    expect(logs.length).toBeGreaterThan(1000);
    const all = `${logs}\n${stray.join('')}`;
    for (const secret of SECRET_VALUES) {
      const at = all.indexOf(secret);
      expect(at, `secret ${secret} logged: …${all.slice(Math.max(0, at - 200), at + 80)}…`).toBe(-1);
    }
    for (const text of TICKET_TEXT) {
      const at = all.indexOf(text);
      expect(at, `ticket text ${text} logged: …${all.slice(Math.max(0, at - 300), at + 80)}…`).toBe(-1);
    }
  });
});
