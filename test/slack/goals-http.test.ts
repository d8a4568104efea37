/**
 * Goals through the real Bolt HTTP receiver with signed requests: an admin sets them with `/kpi goal`, anyone lists
 * them, and every reply (one metric, a breakdown, the summary, the Home tab) says whether its number meets the goal
 * that applies to it. Slack's Web API and the response URLs are a fake on loopback; the clock is fixed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GoalStore } from '../../src/store/goal-store.js';
import { MAX_GOALS } from '../../src/kpi/goals.js';
import type { NormalizedEvent, TicketEvent } from '../../src/ingest/events.js';
import type { TestBot } from '../helpers/bot.js';
import type { FakeSlack, RecordedCall } from '../helpers/fake-slack.js';
import { postEvent } from '../helpers/slack-requests.js';
import { startSlackWorld, type SlackWorld } from '../helpers/slack-world.js';
import { TEST_ENGINE } from '../helpers/databases.js';

const NOW = Date.parse('2026-11-20T10:00:00Z');
const MIN = 60_000;
const HOUR = 60 * MIN;

/** Billing's three tickets 2 days ago, first replies after 30 min, 1 h and 2 h (median 1 h); Onboarding's one, after 10 min. */
function fixture(): NormalizedEvent[] {
  const created = NOW - 48 * HOUR;
  const events: TicketEvent[] = [];
  const agent = { type: 'agent' as const, id: 'a-1', email: 'ayu@example.com', name: 'Ayu' };
  const tickets: [string, number][] = [['Billing', 30 * MIN], ['Billing', HOUR], ['Billing', 2 * HOUR], ['Onboarding', 10 * MIN]];
  tickets.forEach(([team, wait], index) => {
    const id = `T-${index + 1}`;
    const at = created + index * MIN;
    events.push(
      { kind: 'ticket', type: 'ticket_created', externalTicketId: id, occurredAt: at, actor: { type: 'customer', id: 'c-1' }, data: { status: 'new', priority: 'high', team }, dedupeKey: `${id}:1` },
      { kind: 'ticket', type: 'agent_reply', externalTicketId: id, occurredAt: at + wait, actor: agent, data: { status: 'pending' }, dedupeKey: `${id}:2` },
    );
  });
  return events;
}

const text = (call: RecordedCall) => `${String(call.args.text)}\n${JSON.stringify(call.args.blocks)}`;

describe(`goals over HTTP (Bolt receiver, signed requests) on ${TEST_ENGINE}`, () => {
  let world: SlackWorld;
  let slack: FakeSlack;
  let bot: TestBot;

  beforeAll(async () => {
    world = await startSlackWorld({ now: NOW, events: fixture(), users: { U0000ADMN: { is_admin: true }, U0000TURK: { locale: 'tr-TR' } } });
    ({ slack, bot } = world);
  });
  afterAll(async () => {
    await world.dispose();
  });

  const command = async (words: string, userId = 'U0000LEAD'): Promise<string> => text(await world.command(words, userId));

  it('refuses a goal to a non-admin and keeps nothing', async () => {
    expect(await command('goal frt 30m')).toContain('Only workspace admins and owners');
    expect(await new GoalStore(bot.db).all()).toEqual([]);
  });

  it('lets an admin set a goal; a reply then says whether its number meets it, and by how much it misses', async () => {
    expect(await command('goal frt 30m', 'U0000ADMN')).toContain('Goal set: First response time (all tickets), at most 30 min.');
    // Four tickets: 10 min, 30 min, 1 h, 2 h: median 45 min.
    const reply = await command('frt 7d');
    expect(reply).toContain('First response time: 45 min');
    expect(reply).toContain('Goal: at most 30 min · missed by 15 min');
  });

  it('judges a team\'s reply by the team\'s own goal, and a reply with no goal of its own by the wider one, naming it', async () => {
    expect(await command('goal frt 2h team:billing', 'U0000ADMN')).toContain('Goal set: First response time (Team: billing), at most 2 h.');
    expect(await command('frt 7d team:Billing')).toContain('Goal: at most 2 h · met');
    expect(await command('frt 7d priority:high')).toContain('Goal (all tickets): at most 30 min · missed by 15 min');
    expect(await command('frt 7d team:Onboarding')).toContain('Goal (all tickets): at most 30 min · met');
  });

  it('marks each row of a breakdown, and names the rows judged by a goal of their own', async () => {
    const reply = await command('frt 7d by:team');
    expect(reply).toContain('*Billing*  1 h · n = 3 · goal met');
    expect(reply).toContain('*Onboarding*  10 min · n = 1 · goal met');
    expect(reply).toContain('Rows with a goal of their own: Billing (at most 2 h).');
  });

  it('shows the goal in the summary, in the reader\'s language', async () => {
    expect(await command('7d')).toContain('Goal: at most 30 min · missed by 15 min');
    expect(await command('frt 7d', 'U0000TURK')).toContain('Hedef: en fazla 30 dk · 15 dk farkla ulaşılamadı');
  });

  it('lists the goals to anyone, wider scopes first', async () => {
    const list = await command('goals');
    expect(list).toContain('• *First response time* (all tickets): at most 30 min\\n• *First response time* (Team: billing): at most 2 h');
  });

  it('shows the goal on the Home tab', async () => {
    const before = slack.callsTo('views.publish').length;
    expect((await postEvent(bot.url, { type: 'app_home_opened', user: 'U0000LEAD', channel: 'D0000HOME', tab: 'home', event_ts: '1.000' })).status).toBe(200);
    const publish = (await slack.waitFor('views.publish', before + 1)).at(-1) as RecordedCall;
    expect(JSON.stringify(publish.args.view)).toContain('Goal: at most 30 min · missed by 15 min');
  });

  it('changes a goal set again for the same scope, however the team is spelt, and removes it with off', async () => {
    expect(await command('goal frt 90m team:BILLING', 'U0000ADMN')).toContain('Goal changed: First response time (Team: BILLING), at most 1 h 30 min (it was at most 2 h).');
    expect((await new GoalStore(bot.db).all()).map((goal) => goal.target)).toEqual([1800, 5400]);
    expect(await command('goal frt off team:billing', 'U0000ADMN')).toContain('Goal removed: First response time (Team: billing).');
    expect(await command('goal frt off team:billing', 'U0000ADMN')).toContain('There is no goal for First response time (Team: billing)');
    expect(await command('frt 7d team:Billing')).toContain('Goal (all tickets): at most 30 min · missed by 30 min');
    await command('goal frt off', 'U0000ADMN');
    expect(await command('frt 7d')).not.toContain('Goal');
  });

  it('warns about a goal for a team with no tickets, and keeps it', async () => {
    const reply = await command('goal csat 90% team:Biling', 'U0000ADMN');
    expect(reply).toContain('Goal set: Customer satisfaction (CSAT) (Team: Biling), at least 90%.');
    expect(reply).toContain('No ticket matches `team:Biling`');
    expect(await command('goal csat off team:Biling', 'U0000ADMN')).toContain('Goal removed');
  });

  it('says so when a goal is set again to the same value', async () => {
    expect(await command('goal csat 90%', 'U0000ADMN')).toContain('Goal set');
    expect(await command('goal csat 90', 'U0000ADMN')).toContain('Customer satisfaction (CSAT) (all tickets) already has this goal: at least 90%. Nothing changed.');
    await command('goal csat off', 'U0000ADMN');
  });

  it('keeps a goal for a scope of long names (the scope is stored as a digest)', async () => {
    const store = new GoalStore(bot.db);
    const team = `Team ${'x'.repeat(1100)}`;
    expect(await store.set({ metric: 'frt', filters: { team, tag: 't'.repeat(300) }, target: 60 }, 'U0000ADMN', NOW)).toEqual({ kind: 'added' });
    expect(await store.set({ metric: 'frt', filters: { team: team.toUpperCase(), tag: 't'.repeat(300) }, target: 90 }, 'U0000ADMN', NOW)).toEqual({ kind: 'changed', previous: 60 });
    expect((await store.all()).map((goal) => [goal.filters.team?.length, goal.target])).toEqual([[1105, 90]]);
    expect(await store.remove('frt', { team, tag: 't'.repeat(300) })).toBe(true);
  });

  it('leaves out a goal whose stored filters cannot be read (edited by hand): a team\'s goal is never judged against every ticket', async () => {
    const store = new GoalStore(bot.db);
    await store.set({ metric: 'fcr', filters: { team: 'Billing' }, target: 70 }, 'U0000ADMN', NOW);
    await store.set({ metric: 'csat', filters: { team: 'Billing' }, target: 80 }, 'U0000ADMN', NOW);
    await bot.db('kpi_goals').where({ metric: 'fcr' }).update({ filters: '{"team": "Billing"' });
    await bot.db('kpi_goals').where({ metric: 'csat' }).update({ filters: '["Billing"]' });
    expect(await store.all()).toEqual([]);
    await bot.db('kpi_goals').whereIn('metric', ['fcr', 'csat']).delete();
  });

  it('takes admins setting goals at once in turn: the cap holds, and each is told what their own change did', async () => {
    const store = new GoalStore(bot.db);
    for (let index = 0; index < MAX_GOALS - 2; index += 1) await store.set({ metric: 'backlog', filters: { tag: `t${index}` }, target: index }, 'U0000ADMN', NOW);
    const racing = await Promise.all(Array.from({ length: 10 }, (_, index) => store.set({ metric: 'frt', filters: { tag: `race${index}` }, target: 60 }, 'U0000ADMN', NOW)));
    expect(racing.filter((change) => change.kind === 'added')).toHaveLength(2);
    expect(racing.filter((change) => change.kind === 'too_many')).toHaveLength(8);
    expect((await store.all()).length).toBe(MAX_GOALS);
    await bot.db('kpi_goals').delete();
    const same = await Promise.all([60, 120, 180, 240, 300].map((target) => store.set({ metric: 'frt', filters: { team: 'Sales' }, target }, 'U0000ADMN', NOW)));
    expect(same.filter((change) => change.kind === 'added')).toHaveLength(1);
    // Each later one changed the one before it, and says what it was.
    const kept = (await store.all())[0]?.target;
    expect(same.filter((change) => change.kind === 'changed').map((change) => (change.kind === 'changed' ? change.previous : undefined))).not.toContain(kept);
    await bot.db('kpi_goals').delete();
  });

  it('keeps at most MAX_GOALS goals: one more is refused, a goal already set can still change', async () => {
    const store = new GoalStore(bot.db);
    for (let index = 0; index < MAX_GOALS; index += 1) await store.set({ metric: 'backlog', filters: { tag: `t${index}` }, target: index }, 'U0000ADMN', NOW);
    expect(await command('goal frt 1h', 'U0000ADMN')).toContain(`There are already ${MAX_GOALS} goals`);
    expect(await command('goal backlog 5 tag:t7', 'U0000ADMN')).toContain('Goal changed');
    expect((await store.all()).length).toBe(MAX_GOALS);
    await bot.db('kpi_goals').delete();
  });
});
