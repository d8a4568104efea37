/**
 * /kpi, buttons and the Home tab, driven through the real Bolt HTTP receiver
 * with signed requests; Slack's Web API and the response URLs are a fake on
 * loopback that records what reaches it. The clock is fixed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IngestStore } from '../../src/store/ingest-store.js';
import { AlertStore } from '../../src/store/alert-store.js';
import type { NormalizedEvent, TicketEvent } from '../../src/ingest/events.js';
import { startTestBot, type TestBot } from '../helpers/bot.js';
import { startFakeSlack, type FakeSlack, type RecordedCall } from '../helpers/fake-slack.js';
import { postButtonClick, postEvent, postSlashCommand, SIGNING_SECRET } from '../helpers/slack-requests.js';
import { loadDemo } from '../../src/demo/generate.js';

const NOW = Date.parse('2026-11-20T10:00:00Z');
const MIN = 60_000;
const HOUR = 60 * MIN;

/** Three tickets created 2 days ago, first replies after 30 min, 1 h and 2 h (median 1 h); two still open, one solved. */
function fixture(): NormalizedEvent[] {
  const created = NOW - 48 * HOUR;
  const events: TicketEvent[] = [];
  const agent = { type: 'agent' as const, id: 'a-1', email: 'ayu@example.com', name: 'Ayu' };
  [30 * MIN, HOUR, 2 * HOUR].forEach((wait, index) => {
    const id = `T-${index + 1}`;
    const at = created + index * MIN;
    events.push(
      { kind: 'ticket', type: 'ticket_created', externalTicketId: id, occurredAt: at, actor: { type: 'customer', id: 'c-1' }, data: { status: 'new', priority: 'high', team: 'Billing', url: `https://help.example.com/t/${id}` }, dedupeKey: `${id}:1` },
      { kind: 'ticket', type: 'assignee_changed', externalTicketId: id, occurredAt: at + 1000, data: { assignee: agent }, dedupeKey: `${id}:2` },
      { kind: 'ticket', type: 'agent_reply', externalTicketId: id, occurredAt: at + wait, actor: agent, data: { status: 'pending' }, dedupeKey: `${id}:3` },
    );
  });
  events.push({ kind: 'ticket', type: 'status_changed', externalTicketId: 'T-3', occurredAt: created + 5 * HOUR, actor: agent, data: { status: 'solved' }, dedupeKey: 'T-3:4' });
  return events;
}

const headerOf = (call: RecordedCall) => ((call.args.blocks as { type: string; text?: { text: string } }[])[0]?.text?.text ?? '');
const allText = (call: RecordedCall) => JSON.stringify(call.args.blocks);

describe('/kpi over HTTP (Bolt receiver, signed requests)', () => {
  let slack: FakeSlack;
  let bot: TestBot;
  let users: Record<string, { locale?: string; is_admin?: boolean; email?: string; delayMs?: number }>;

  beforeAll(async () => {
    slack = await startFakeSlack();
    users = {};
    slack.answer('users.info', (call) => {
      const id = String(call.args.user);
      if (id === 'U0000GONE') return { body: { ok: false, error: 'user_not_found' } };
      if (id === 'U0000DOWN') return { body: { ok: false, error: 'internal_error' } };
      // Rate limited on the first try only.
      if (id === 'U0000BUSY' && slack.callsTo('users.info').filter((c) => c.args.user === id).length === 1) return { status: 429, headers: { 'retry-after': '1' }, body: { ok: false, error: 'ratelimited' } };
      return { delayMs: users[id]?.delayMs ?? 0, body: { ok: true, user: { id, is_admin: users[id]?.is_admin ?? false, is_owner: false, locale: users[id]?.locale ?? 'en-US', profile: users[id]?.email === undefined ? {} : { email: users[id]?.email } } } };
    });
    bot = await startTestBot({ SLACK_BOT_TOKEN: 'xoxb-test', SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: slack.url, KPI_TIMEZONE: 'Asia/Jakarta', KPI_ADMINS: 'U0000GONE' }, { clock: () => NOW });
    await new IngestStore(bot.db, { escalationGroups: [], escalationTag: 'escalated' }, () => NOW).recordEvents('generic', fixture());
  });
  afterAll(async () => {
    await bot.dispose();
    await slack.close();
  });

  let sequence = 0;
  async function command(text: string, userId = 'U0000LEAD'): Promise<{ ack: Response; reply: RecordedCall }> {
    const id = `cmd-${++sequence}`;
    const ack = await postSlashCommand(bot.url, { text, userId, responseUrl: slack.responseUrl(id) });
    const before = slack.callsTo('response_url').length;
    const replies = await slack.waitFor('response_url', before + 1);
    return { ack, reply: replies[replies.length - 1] as RecordedCall };
  }

  it('answers /kpi frt 7d: acknowledged at once, then the reply through the response URL, private by default', async () => {
    const { ack, reply } = await command('frt 7d');
    expect(ack.status).toBe(200);
    expect(reply.args.response_type).toBe('ephemeral');
    expect(headerOf(reply)).toBe('First response time: 1 h');
    expect(allText(reply)).toContain('last 7 days · all tickets · n = 3');
    expect(String(reply.args.text)).toContain('First response time: 1 h');
  });

  it('posts to the channel with `share`', async () => {
    const { reply } = await command('backlog share');
    expect(reply.args.response_type).toBe('in_channel');
    expect(headerOf(reply)).toBe('Backlog: 2');
  });

  it('a shared agent summary for `agent:@channel` names it in words: the notification text mentions nobody', async () => {
    // Slack sends what the asker typed as @channel, @here or a user group as markup.
    for (const typed of ['<!channel>', '<!here>', '<!subteam^S0000GRP|@support>']) {
      const { reply } = await command(`agent agent:${typed} share`);
      expect(reply.args.response_type).toBe('in_channel');
      expect(String(reply.args.text)).not.toContain('<!');
      expect(String(reply.args.text)).toContain(`&lt;!${typed.slice(2, -1)}&gt;`);
      // The header is plain text, which Slack shows as typed; every mrkdwn text is escaped.
      const mrkdwn = JSON.stringify(reply.args.blocks).match(/"type":"mrkdwn","text":"(?:[^"\\]|\\.)*"/g) ?? [];
      expect(mrkdwn.length).toBeGreaterThan(0);
      expect(mrkdwn.filter((text) => text.includes('<!'))).toEqual([]);
    }
  });

  it('turns an unknown word into a suggestion', async () => {
    const { reply } = await command('backlg');
    expect(reply.args.text).toContain('Did you mean `backlog`?');
  });

  it('answers in the user\'s language (users.info locale)', async () => {
    users.U0000TURK = { locale: 'tr-TR' };
    const { reply } = await command('frt 7d', 'U0000TURK');
    expect(headerOf(reply)).toBe('İlk yanıt süresi: 1 sa');
    expect(slack.callsTo('users.info').some((call) => call.args.user === 'U0000TURK' && String(call.args.include_locale) === 'true')).toBe(true);
  });

  it('when users.info is slow, answers within seconds in KPI_LOCALE, and the late answer serves the next command', async () => {
    users.U0000SLOW = { locale: 'tr-TR', is_admin: true, delayMs: 4_000 };
    let started = Date.now();
    const first = await command('frt 7d', 'U0000SLOW');
    expect(Date.now() - started).toBeLessThan(3_500);
    expect(headerOf(first.reply)).toBe('First response time: 1 h');
    // The next request joins the lookup still under way (one users.info for both) and gets its answer when it lands.
    const second = await command('sla list', 'U0000SLOW');
    expect(String(second.reply.args.text)).toContain('SLA');
    expect(String(second.reply.args.text)).not.toContain('Slack could not be asked');
    expect(slack.callsTo('users.info').filter((call) => call.args.user === 'U0000SLOW')).toHaveLength(1);
    // Cached from then on.
    started = Date.now();
    const later = await command('frt 7d', 'U0000SLOW');
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(headerOf(later.reply)).toBe('İlk yanıt süresi: 1 sa');
    expect(slack.callsTo('users.info').filter((call) => call.args.user === 'U0000SLOW')).toHaveLength(1);
  }, 20_000);

  it('refuses configuration to a non-admin and changes nothing', async () => {
    const { reply } = await command('subscribe <#C0000SUPP|support> daily 09:00');
    expect(reply.args.text).toContain('Only workspace admins and owners');
    expect(Number(((await bot.db('digest_subscriptions').count({ n: '*' }).first()) as { n: number | string }).n)).toBe(0);
  });

  it('refuses quiet hours and team alert routes to a non-admin; lets an admin set them and list them', async () => {
    const refused = await command('alerts quiet <#C0000SUPP|support> 20:00 08:00');
    expect(refused.reply.args.text).toContain('Only workspace admins and owners');
    expect(await bot.db('quiet_hours').count({ n: '*' })).toEqual([{ n: 0 }]);
    users.U0000ADMN = { is_admin: true };
    const quiet = await command('alerts quiet <#C0000SUPP|support> 20:00 08:00 Asia/Jakarta', 'U0000ADMN');
    expect(String(quiet.reply.args.text)).toContain('alerts for <#C0000SUPP> wait from 20:00 to 08:00 (Asia/Jakarta)');
    const team = await command('alerts team Billing <#C0000BILL> <@U0000LEAD>', 'U0000ADMN');
    expect(String(team.reply.args.text)).toContain('team *Billing*: SLA alerts go to <#C0000BILL>; <@U0000LEAD> gets a DM');
    expect(await bot.db('teams').where({ name: 'Billing' }).first('alert_channel_id', 'lead_slack_user_id')).toEqual({ alert_channel_id: 'C0000BILL', lead_slack_user_id: 'U0000LEAD' });
    const list = String((await command('alerts', 'U0000ADMN')).reply.args.text);
    expect(list).toContain('<#C0000SUPP>: quiet from 20:00 to 08:00 (Asia/Jakarta)');
    expect(list).toContain('team *Billing*');
  });

  it('lets an admin manage SLA policies from Slack, recomputing every ticket', async () => {
    users.U0000ADMN = { is_admin: true };
    const { reply } = await command('sla add high-first --priority high --first-response 1h', 'U0000ADMN');
    expect(String(reply.args.text)).toContain('added policy #');
    expect(String(reply.args.text)).toContain('recomputed the due times and business-hours durations of 3 tickets');
    const due = (await bot.db('tickets').select('external_id', 'first_response_due_at', 'created_at').orderBy('external_id')) as { first_response_due_at: number | string; created_at: number | string }[];
    expect(due.map((row) => Number(row.first_response_due_at) - Number(row.created_at))).toEqual([3_600_000, 3_600_000, 3_600_000]);
    const bad = await command('sla add broken --priority high', 'U0000ADMN');
    expect(String(bad.reply.args.text)).toContain(':warning: a policy needs at least one target');
    const removed = await command('sla remove 1', 'U0000ADMN');
    expect(String(removed.reply.args.text)).toContain('removed policy #1');
  });

  it('when users.info fails, answers in KPI_LOCALE with admin rights from KPI_ADMINS alone', async () => {
    const { reply } = await command('sla list', 'U0000GONE');
    expect(String(reply.args.text)).toContain('no SLA policies');
    const refused = await command('frt 7d', 'U0000GONE');
    expect(headerOf(refused.reply)).toBe('First response time: 1 h');
    // Someone not in KPI_ADMINS, when Slack cannot say whether they are an admin, is told so rather than "admins only".
    const unverified = await command('sla list', 'U0000DOWN');
    expect(String(unverified.reply.args.text)).toContain('Slack could not be asked just now whether you are a workspace admin');
    expect(String(unverified.reply.args.text)).toContain('Nothing was changed');
  });

  it('waits out a 429 on users.info (Retry-After) and still answers', async () => {
    const started = Date.now();
    const { reply } = await command('backlog', 'U0000BUSY');
    expect(headerOf(reply)).toBe('Backlog: 2');
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(slack.callsTo('users.info').filter((call) => call.args.user === 'U0000BUSY').length).toBeGreaterThanOrEqual(2);
  });

  it('refuses a request with a wrong signature, and answers nothing', async () => {
    const before = slack.callsTo('response_url').length;
    const response = await postSlashCommand(bot.url, { text: 'frt', responseUrl: slack.responseUrl('forged') }, 'fedcba9876543210fedcba9876543210');
    expect(response.status).toBe(401);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(slack.callsTo('response_url').length).toBe(before);
  });

  it('explains a metric from its button, with the n behind the number', async () => {
    const { reply } = await command('frt 7d');
    const buttons = (reply.args.blocks as { type: string; elements?: { action_id: string; value: string }[] }[]).find((block) => block.type === 'actions')?.elements ?? [];
    const explain = buttons.find((button) => button.action_id === 'kpi_explain');
    expect(explain).toBeDefined();
    const before = slack.callsTo('response_url').length;
    expect((await postButtonClick(bot.url, { actionId: 'kpi_explain', value: explain?.value ?? '', responseUrl: slack.responseUrl('explain') })).status).toBe(200);
    const answer = (await slack.waitFor('response_url', before + 1)).at(-1) as RecordedCall;
    expect(headerOf(answer)).toBe('First response time');
    expect(allText(answer)).toContain('*Formula*');
    expect(allText(answer)).toContain('This number rests on n = 3.');
  });

  it('a button this version cannot read (another version\'s message, an altered value) is answered with a note to ask again, privately', async () => {
    const cases: [string, string][] = [
      ['kpi_share', '{"m":"renamed-metric","p":"7d","f":{}}'],
      ['kpi_show_tickets', 'not json'],
      ['kpi_share', '{"m":"frt","p":"next-decade","f":{}}'],
      ['kpi_agents_page:next', '{"m":"frt","p":"7d","f":{},"pg":1}'],
    ];
    const posts = slack.callsTo('chat.postMessage').length;
    for (const [index, [actionId, value]] of cases.entries()) {
      const before = slack.callsTo('response_url').length;
      expect((await postButtonClick(bot.url, { actionId, value, responseUrl: slack.responseUrl(`stale-${index}`) })).status).toBe(200);
      const answer = (await slack.waitFor('response_url', before + 1)).at(-1) as RecordedCall;
      expect(answer.args, value).toMatchObject({ response_type: 'ephemeral', replace_original: false });
      expect(allText(answer), value).toContain('This button can no longer be answered');
    }
    expect(slack.callsTo('chat.postMessage')).toHaveLength(posts);
  });

  it('shows the tickets behind the backlog, with links', async () => {
    const { reply } = await command('backlog');
    const button = (reply.args.blocks as { type: string; elements?: { action_id: string; value: string }[] }[]).find((block) => block.type === 'actions')?.elements?.find((element) => element.action_id === 'kpi_show_tickets');
    const before = slack.callsTo('response_url').length;
    await postButtonClick(bot.url, { actionId: 'kpi_show_tickets', value: button?.value ?? '', responseUrl: slack.responseUrl('tickets') });
    const answer = (await slack.waitFor('response_url', before + 1)).at(-1) as RecordedCall;
    expect(headerOf(answer)).toBe('Open tickets');
    expect(allText(answer)).toContain('<https://help.example.com/t/T-1|#T-1>');
    expect(allText(answer)).toContain('<https://help.example.com/t/T-2|#T-2>');
    expect(allText(answer)).not.toContain('#T-3');
    expect(allText(answer)).toContain('Page 1 of 1 · 2');
  });

  it('splits a metric by day: one line per day in the workspace zone, the days without tickets say so', async () => {
    const { reply } = await command('frt 7d by:day');
    expect(headerOf(reply)).toBe('First response time by day');
    const text = allText(reply);
    // The tickets came in 2026-11-18 at 17:00 in Jakarta: their median, 1 h, on that day's line alone.
    expect(text).toContain('*Wed, Nov 18*  1 h · n = 3');
    expect(text).toContain('*Thu, Nov 19*  no data · n = 0');
    expect(text).toContain('*Fri, Nov 20* ◐  no data · n = 0');
    expect(text).toContain('Each row is this metric over one day.');
    expect(String(reply.args.text)).toContain('First response time by day: 1 h');
  });

  it('splits a metric by team, and its Share button posts the same split in the channel', async () => {
    const { reply } = await command('frt 7d by:team');
    expect(headerOf(reply)).toBe('First response time by team');
    expect(allText(reply)).toContain('`██████████`  *Billing*  1 h · n = 3');
    expect(allText(reply)).toContain('with `team:…` added');
    const share = (reply.args.blocks as { type: string; elements?: { action_id: string; value: string }[] }[]).find((block) => block.type === 'actions')?.elements?.find((element) => element.action_id === 'kpi_share');
    expect(JSON.parse(share?.value ?? '{}')).toMatchObject({ m: 'frt', p: '7d', b: 'team' });
    const before = slack.callsTo('response_url').length;
    // A double click: both clicks arrive, one answer is posted.
    await Promise.all([1, 2].map(() => postButtonClick(bot.url, { actionId: 'kpi_share', value: share?.value ?? '', responseUrl: slack.responseUrl('share-split') })));
    const deletionsBefore = slack.callsTo('response_url.delete').length;
    const shared = (await slack.waitFor('response_url', before + 1)).at(-1) as RecordedCall;
    expect(shared.args.response_type).toBe('in_channel');
    expect(headerOf(shared)).toBe('First response time by team');
    expect(allText(shared)).toContain('*Billing*  1 h');
    // Then the private answer it came from is deleted, Share button and all: after the post, and once.
    const deleted = (await slack.waitFor('response_url.delete', deletionsBefore + 1)).at(-1) as RecordedCall;
    expect(deleted.args).toEqual({ delete_original: true });
    expect(slack.calls.indexOf(deleted)).toBeGreaterThan(slack.calls.indexOf(shared));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(slack.callsTo('response_url').slice(before)).toHaveLength(1);
    expect(slack.callsTo('response_url.delete').slice(deletionsBefore)).toHaveLength(1);
  });

  it('refuses a split it cannot make, with the word to type instead', async () => {
    expect((await command('frt by:teams')).reply.args.text).toContain('Did you mean `by:team`?');
    expect((await command('frt 90d by:day')).reply.args.text).toContain('`by:day` would give more than 62 rows');
    // A Share button whose period has grown too long by the click (`2026-09-24.. by:day` a day later) says so to the
    // sharer; it does not post the metric unsplit in the channel.
    const before = slack.callsTo('response_url').length;
    await postButtonClick(bot.url, { actionId: 'kpi_share', value: JSON.stringify({ m: 'volume', p: '90d', f: {}, b: 'day' }), responseUrl: slack.responseUrl('share-too-long') });
    const answer = (await slack.waitFor('response_url', before + 1)).at(-1) as RecordedCall;
    expect(answer.args.response_type).not.toBe('in_channel');
    expect(String(answer.args.text)).toContain('`by:day` would give more than 62 rows');
  });

  it('publishes the Home tab on app_home_opened', async () => {
    const before = slack.callsTo('views.publish').length;
    expect((await postEvent(bot.url, { type: 'app_home_opened', user: 'U0000LEAD', channel: 'D0000HOME', tab: 'home', event_ts: '1.000' })).status).toBe(200);
    const publish = (await slack.waitFor('views.publish', before + 1)).at(-1) as RecordedCall;
    expect(publish.args.user_id).toBe('U0000LEAD');
    const view = publish.args.view as { type: string; blocks: unknown[] };
    expect(view.type).toBe('home');
    expect(JSON.stringify(view.blocks)).toContain('not linked to a helpdesk agent');
  });

  it('an answer the response URL refuses with a 5xx is posted again a second later; one it refuses with a 4xx is not', async () => {
    let calls = 0;
    slack.answer('response_url', () => {
      calls += 1;
      return calls === 1 ? { status: 503, body: { ok: false } } : { body: { ok: true } };
    });
    try {
      const before = slack.callsTo('response_url').length;
      await postSlashCommand(bot.url, { text: 'volume 7d', responseUrl: slack.responseUrl('retry') });
      const [refused, again] = (await slack.waitFor('response_url', before + 2, 6000)).slice(before);
      expect(again?.args.text).toBe(refused?.args.text);
      expect(String(again?.args.text)).toContain('volume');
      calls = 0;
      slack.answer('response_url', () => ({ status: 404, body: { ok: false } }));
      const then = slack.callsTo('response_url').length;
      await postSlashCommand(bot.url, { text: 'volume 7d', responseUrl: slack.responseUrl('gone') });
      await slack.waitFor('response_url', then + 1, 6000);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      // The answer once, then the apology once: neither tried again.
      expect(slack.callsTo('response_url').length - then).toBe(2);
    } finally {
      slack.answer('response_url', () => ({ body: { ok: true } }));
    }
  }, 20_000);

  it('a Home tab Slack fails to publish (HTTP 500) is tried three times within a few seconds, not for half an hour', async () => {
    const before = slack.callsTo('views.publish').length;
    slack.answer('views.publish', () => ({ status: 500, body: { ok: false } }));
    try {
      await postEvent(bot.url, { type: 'app_home_opened', user: 'U0000LEAD', channel: 'D0000HOME', tab: 'home', event_ts: '1.000' });
      await slack.waitFor('views.publish', before + 3, 6000);
      // The SDK's default would go on: its fourth try comes 4-8 s after the third, then ever further apart.
      await new Promise((resolve) => setTimeout(resolve, 8000));
      expect(slack.callsTo('views.publish')).toHaveLength(before + 3);
    } finally {
      slack.answer('views.publish', () => ({ body: { ok: true } }));
    }
  }, 20_000);

  it('shows an admin what is configured on the Home tab: digests, alert rules, team routes and quiet hours', async () => {
    users.U0000ADMN = { is_admin: true };
    const alerts = new AlertStore(bot.db);
    await alerts.setTeamRouting('Ödeme', { alertChannelId: 'C0000PAY', leadSlackUserId: 'U0000LEAD' }, NOW);
    await alerts.setQuietHours('C0000PAY', { starts: '22:00', ends: '07:00', timezone: 'Europe/Istanbul' }, NOW);
    const before = slack.callsTo('views.publish').length;
    await postEvent(bot.url, { type: 'app_home_opened', user: 'U0000ADMN', channel: 'D0000HOME', tab: 'home', event_ts: '1.000' });
    const publish = (await slack.waitFor('views.publish', before + 1)).at(-1) as RecordedCall;
    const texts = ((publish.args.view as { blocks: { text?: { text: string } }[] }).blocks).map((block) => block.text?.text ?? '');
    // Earlier tests here set other routes and quiet hours: each section's title counts its lines.
    const section = (title: string) => (texts.find((text) => text.startsWith(`*${title}: `)) ?? '').split('\n');
    const routes = section('Team routes');
    expect(routes[0]).toBe(`*Team routes: ${routes.length - 1}*`);
    expect(routes).toContain('team *Ödeme*: SLA alerts go to <#C0000PAY>; <@U0000LEAD> gets a DM about breaches nobody acknowledges');
    const quiet = section('Quiet hours');
    expect(quiet[0]).toBe(`*Quiet hours: ${quiet.length - 1}*`);
    expect(quiet).toContain('<#C0000PAY>: quiet from 22:00 to 07:00 (Europe/Istanbul)');
  });

  it('links a Slack user to the helpdesk agent with the same e-mail address when they open the Home tab', async () => {
    users.U0000AYU1 = { email: 'Ayu@Example.com' };
    const before = slack.callsTo('views.publish').length;
    await postEvent(bot.url, { type: 'app_home_opened', user: 'U0000AYU1', channel: 'D0000HOME', tab: 'home', event_ts: '1.000' });
    const publish = (await slack.waitFor('views.publish', before + 1)).at(-1) as RecordedCall;
    expect(JSON.stringify((publish.args.view as { blocks: unknown[] }).blocks)).toContain('My open tickets');
    expect(((await bot.db('agents').where({ external_id: 'a-1' }).first('slack_user_id')) as { slack_user_id: string }).slack_user_id).toBe('U0000AYU1');
  });

  it('shows a linked agent their open tickets on the Home tab', async () => {
    await bot.db('agents').where({ external_id: 'a-1' }).update({ slack_user_id: 'U0000AYU0' });
    const before = slack.callsTo('views.publish').length;
    await postEvent(bot.url, { type: 'app_home_opened', user: 'U0000AYU0', channel: 'D0000HOME', tab: 'home', event_ts: '1.000' });
    const publish = (await slack.waitFor('views.publish', before + 1)).at(-1) as RecordedCall;
    const text = JSON.stringify((publish.args.view as { blocks: unknown[] }).blocks);
    expect(text).toContain('My open tickets');
    expect(text).toContain('#T-1');
    expect(text).not.toContain('For admins');
  });

  it('checked the bot token once, at start, not on every request', () => {
    expect(slack.callsTo('auth.test')).toHaveLength(1);
  });
});

describe('/kpi while Slack rate-limits users.info', () => {
  it('one person\'s 429 (Retry-After 30 s) holds only users.info: an admin\'s command answers in seconds, its own Slack calls not held', async () => {
    const slack = await startFakeSlack();
    slack.answer('users.info', (call) => {
      if (call.args.user === 'U0000RATE') return { status: 429, headers: { 'retry-after': '30' }, body: { ok: false, error: 'ratelimited' } };
      return { body: { ok: true, user: { id: call.args.user, is_admin: call.args.user === 'U0000ADMN', is_owner: false, locale: 'en-US', profile: {} } } };
    });
    const bot = await startTestBot({ SLACK_BOT_TOKEN: 'xoxb-test', SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: slack.url, KPI_TIMEZONE: 'Asia/Jakarta' }, { clock: () => NOW });
    try {
      await new IngestStore(bot.db, { escalationGroups: [], escalationTag: 'escalated' }, () => NOW).recordEvents('generic', fixture());
      const ask = async (text: string, userId: string, id: string) => {
        const before = slack.callsTo('response_url').length;
        expect((await postSlashCommand(bot.url, { text, userId, responseUrl: slack.responseUrl(id) })).status).toBe(200);
        return (await slack.waitFor('response_url', before + 1, 8_000)).at(-1) as RecordedCall;
      };
      // The admin is known (cached) before the rate limit; the busy person's lookup is refused with Retry-After 30.
      expect(headerOf(await ask('backlog', 'U0000ADMN', 'admin-1'))).toBe('Backlog: 2');
      expect(headerOf(await ask('backlog', 'U0000RATE', 'busy'))).toBe('Backlog: 2');
      const started = Date.now();
      const reply = await ask('link <@U0000AYU1> ayu@example.com', 'U0000ADMN', 'admin-2');
      expect(String(reply.args.text)).toContain('Done: <@U0000AYU1> is linked');
      // The admin command's own call (is the address someone else's in Slack?) went at once, not after the 30 s.
      expect(slack.callsTo('users.lookupByEmail')).toHaveLength(1);
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      await bot.dispose();
      await slack.close();
    }
  }, 30_000);
});

describe('/kpi on a large database', () => {
  it('acknowledges within Slack\'s 3 seconds, before the answer is computed and posted', async () => {
    const slack = await startFakeSlack();
    const bot = await startTestBot({ SLACK_BOT_TOKEN: 'xoxb-test', SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: slack.url }, { clock: () => NOW });
    try {
      await loadDemo(bot.db, { escalationGroups: [], escalationTag: 'escalated' }, { now: NOW, tickets: 20_000, days: 365 });
      const started = performance.now();
      const ack = await postSlashCommand(bot.url, { text: 'summary 365d', responseUrl: slack.responseUrl('large') });
      const ackedAfter = performance.now() - started;
      expect(ack.status).toBe(200);
      expect(ackedAfter).toBeLessThan(3000);
      // The answer comes after the acknowledgement, through the response URL.
      expect(slack.callsTo('response_url')).toHaveLength(0);
      const [reply] = await slack.waitFor('response_url', 1, 30_000);
      expect(headerOf(reply as RecordedCall)).toBe('Support KPIs');
      expect(allText(reply as RecordedCall)).toMatch(/Ticket volume\*\\n\d{2},\d{3}/);
    } finally {
      await bot.dispose();
      await slack.close();
    }
  }, 120_000);
});
