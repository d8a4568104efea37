import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { openDatabase, type Database } from '../../src/store/database.js';
import { DigestStore } from '../../src/store/digest-store.js';
import { GoalStore } from '../../src/store/goal-store.js';
import { enqueueDigestNow, runDigests } from '../../src/schedule/digests.js';
import { cronFor, cronMatches, digestPeriodWord, latestDueInstant } from '../../src/schedule/digest-schedule.js';
import { LeaderLease } from '../../src/store/lease-store.js';
import { Scheduler } from '../../src/schedule/scheduler.js';
import { OutboxSender } from '../../src/schedule/sender.js';
import { OutboxStore } from '../../src/store/outbox-store.js';
import { renderMessage } from '../../src/slack/console-render.js';
import { silentLogger } from '../../src/logger.js';
import { TEST_ENGINE } from '../helpers/databases.js';
import { createAlertWorld, type AlertWorld } from '../helpers/alerts.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
// Monday 2026-11-23, 08:58 in Jakarta (UTC+7) = 01:58 UTC.
const T0 = Date.UTC(2026, 10, 23, 1, 58, 0);
const AGENT = { type: 'agent' as const, id: 'agent-7', email: 'ayu@example.com', name: 'Ayu' };

describe('digest schedules (pure)', () => {
  it('cron expressions from /kpi subscribe words', () => {
    expect(cronFor({ frequency: 'daily' }, '09:00')).toBe('0 9 * * *');
    expect(cronFor({ frequency: 'weekdays' }, '17:30')).toBe('30 17 * * 1-5');
    expect(cronFor({ frequency: 'weekly', weekday: 'sun' }, '08:05')).toBe('5 8 * * 0');
  });

  it('matches minutes in the subscription\'s own zone, across a DST change', () => {
    expect(cronMatches('0 9 * * *', 'Asia/Jakarta', Date.UTC(2026, 10, 23, 2, 0))).toBe(true);
    expect(cronMatches('0 9 * * *', 'Asia/Jakarta', Date.UTC(2026, 10, 23, 9, 0))).toBe(false);
    // Berlin: 09:00 is 08:00 UTC in summer and 09:00 UTC after 25 Oct 2026.
    expect(cronMatches('0 9 * * *', 'Europe/Berlin', Date.UTC(2026, 9, 24, 7, 0))).toBe(true);
    expect(cronMatches('0 9 * * *', 'Europe/Berlin', Date.UTC(2026, 9, 26, 8, 0))).toBe(true);
    expect(cronMatches('0 9 * * 1-5', 'UTC', Date.UTC(2026, 10, 22, 9, 0))).toBe(false); // a Sunday
  });

  it('a digest covers the day before when daily or on weekdays, the week before when weekly, however its cron is spelt', () => {
    for (const cron of ['0 9 * * *', '0 9 * * 0-6', '0 9 * * 1-5', '0 9 * * mon-fri', '0 9 * * 1,2,3,4,5', '30 8,17 * * *']) expect(digestPeriodWord(cron), cron).toBe('yesterday');
    for (const cron of ['0 9 * * 1', '0 9 * * mon', '0 9 * * 7', '0 9 * * sun', '0 9 * * 0']) expect(digestPeriodWord(cron), cron).toBe('last-week');
    for (const cron of ['0 9 * * 1,4', '0 9 1 * *', '0 9 * 1-6 *', '0 9 * * 1-4', '0 9 * * 0,6']) expect(digestPeriodWord(cron), cron).toBe('7d');
  });

  it('the latest scheduled minute since the last run, found once, also by a late tick', () => {
    const nine = Date.UTC(2026, 10, 23, 2, 0);
    expect(latestDueInstant('0 9 * * *', 'Asia/Jakarta', T0, nine - MIN)).toBeUndefined();
    expect(latestDueInstant('0 9 * * *', 'Asia/Jakarta', T0, nine + 30_000)).toBe(nine);
    expect(latestDueInstant('0 9 * * *', 'Asia/Jakarta', T0, nine + 3 * MIN)).toBe(nine);
    expect(latestDueInstant('0 9 * * *', 'Asia/Jakarta', nine, nine + 3 * MIN)).toBeUndefined();
  });
});

describe(`digests on ${TEST_ENGINE}`, () => {
  let w: AlertWorld;
  let digests: DigestStore;
  const deps = () => ({ db: w.db, locale: 'en' as const });

  beforeEach(async () => {
    w = await createAlertWorld(T0);
    digests = new DigestStore(w.db);
    await w.sla.addPolicy({ name: 'Everyone', firstResponseSeconds: 3600, businessHours: false, pauseStatuses: [] });
    for (const [n, hoursAgo] of [[1, 30], [2, 20], [3, 5]] as const) {
      await w.ingest([
        { ticket: `T-${n}`, type: 'ticket_created', at: T0 - hoursAgo * HOUR, actor: { type: 'customer', id: `c${n}` }, data: { status: 'new', team: 'Billing', url: `https://help.example.com/t/${n}` } },
        { ticket: `T-${n}`, type: 'assignee_changed', at: T0 - hoursAgo * HOUR + 1000, data: { assignee: AGENT } },
      ]);
    }
    await w.db('agents').where({ email: 'ayu@example.com' }).update({ slack_user_id: 'UAYU' });
  });
  afterEach(async () => {
    await w.dispose();
  });

  it('a daily 09:00 Jakarta digest is posted once at 09:00 local, with KPIs, open and overdue now, and the oldest overdue tickets', async () => {
    await digests.add({ kind: 'channel', channelId: 'CDIGEST', schedule: '0 9 * * *', timezone: 'Asia/Jakarta' }, T0 - HOUR);
    expect(await runDigests(deps(), T0)).toBe(0);
    w.now = T0 + 2 * MIN;
    expect(await runDigests(deps(), w.now)).toBe(1);
    expect(await runDigests(deps(), w.now + MIN)).toBe(0);
    await w.sender().deliverDue();
    const [post] = w.posts();
    expect(post?.channel).toBe('CDIGEST');
    const text = renderMessage({ text: post?.text ?? '', blocks: post?.blocks as never });
    expect(text).toContain('Support digest: yesterday');
    expect(text).toContain('Open now: 3 · overdue now: 3');
    expect(text).toContain('Oldest overdue tickets');
    expect(text.indexOf('#T-1')).toBeLessThan(text.indexOf('#T-3'));
    expect(text).toContain('First response time');
    // The next day, again once.
    w.now += 24 * HOUR;
    expect(await runDigests(deps(), w.now)).toBe(1);
  });

  it('ticked every minute, a digest goes once at its minute; a minute checked with nothing due is not matched again, and a clock set back still finds the next', async () => {
    await digests.add({ kind: 'channel', channelId: 'CDIGEST', schedule: '0 9 * * *', timezone: 'Asia/Jakarta' }, T0 - 7 * HOUR);
    const due: number[] = [];
    for (let at = T0 - 3 * HOUR; at <= T0 + 5 * MIN; at += MIN) if ((await runDigests(deps(), at)) > 0) due.push(at);
    expect(due).toHaveLength(1);
    const [row] = (await w.db('digest_subscriptions').select('last_run_at')) as { last_run_at: number | string }[];
    expect(due[0]).toBeGreaterThanOrEqual(Number(row?.last_run_at));
    expect(due[0]).toBeLessThan(Number(row?.last_run_at) + MIN);
    // Back an hour (nothing due, nothing remembered past now), then the next day's minute, reached by hourly ticks.
    expect(await runDigests(deps(), T0 - HOUR)).toBe(0);
    let next = 0;
    for (let at = T0 + HOUR; at <= T0 + 25 * HOUR; at += HOUR) next += await runDigests(deps(), at);
    expect(next).toBe(1);
  });

  it('a subscription that cannot be made (a schedule written by hand into the table) stops no other digest, and is logged by its id', async () => {
    await digests.add({ kind: 'channel', channelId: 'CBROKEN', schedule: '0 9 * * *', timezone: 'Asia/Jakarta' }, T0 - HOUR);
    await digests.add({ kind: 'channel', channelId: 'CDIGEST', schedule: '0 9 * * *', timezone: 'Asia/Jakarta' }, T0 - HOUR);
    await w.db('digest_subscriptions').where({ channel_id: 'CBROKEN' }).update({ timezone: 'Mars/Olympus' });
    const lines: string[] = [];
    const logger = createLogger('info', { write: (line: string) => lines.push(line) });
    w.now = T0 + 2 * MIN;
    expect(await runDigests({ ...deps(), logger }, w.now)).toBe(1);
    await w.sender().deliverDue();
    expect(w.posts().map((post) => post.channel)).toEqual(['CDIGEST']);
    const broken = (await w.db('digest_subscriptions').where({ channel_id: 'CBROKEN' }).first('id')) as { id: number };
    expect(lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.msg === 'a digest could not be made: the others go on')).toMatchObject([{ subscription: broken.id, target: 'CBROKEN' }]);
    // Without a logger, the caller hears of it, once the others went.
    await expect(runDigests(deps(), T0 + 26 * HOUR)).rejects.toThrow();
    expect(await w.db('alert_outbox').where({ channel_id: 'CDIGEST' }).count({ n: '*' }).then((rows) => Number((rows[0] as { n: number | string }).n))).toBe(2);
  });

  it('a digest with by:team splits each metric it names; the summary stays whole', async () => {
    // Sunday 10:00 in Jakarta: a Sales ticket yesterday, beside Billing's T-1 and T-2.
    await w.ingest([{ ticket: 'S-1', type: 'ticket_created', at: Date.UTC(2026, 10, 22, 3, 0), actor: { type: 'customer', id: 'c8' }, data: { status: 'new', team: 'Sales' } }]);
    await digests.add({ kind: 'channel', channelId: 'CSPLIT', schedule: '0 9 * * *', timezone: 'Asia/Jakarta', metrics: ['summary', 'volume', 'backlog'], by: 'team' }, T0 - HOUR);
    expect((await digests.ofChannel('CSPLIT'))[0]?.by).toBe('team');
    w.now = T0 + 2 * MIN;
    expect(await runDigests(deps(), w.now)).toBe(1);
    await w.sender().deliverDue();
    const text = renderMessage({ text: '', blocks: w.posts()[0]?.blocks as never });
    expect(text).toContain('Support digest: yesterday');
    expect(text).toContain('Ticket volume by team\n`██████████`  Billing  2 · ▲ up from 0\n`█████░░░░░`  Sales  1 · ▲ up from 0\n');
    // The backlog at the period's end (Sunday midnight): T-3 came on Monday.
    expect(text).toContain('Backlog by team\n`██████████`  Billing  2 · ▲ up from 0 · worse\n`█████░░░░░`  Sales  1 · ▲ up from 0 · worse\n');
    expect(text).not.toMatch(/Summary[^\n]* by team/);
  });

  it('a digest says whether each number meets its goal, and each row of its split whether it meets its own', async () => {
    await w.ingest([{ ticket: 'S-1', type: 'ticket_created', at: Date.UTC(2026, 10, 22, 3, 0), actor: { type: 'customer', id: 'c8' }, data: { status: 'new', team: 'Sales' } }]);
    const goals = new GoalStore(w.db);
    await goals.set({ metric: 'backlog', filters: {}, target: 2 }, 'UADMIN', T0);
    await goals.set({ metric: 'backlog', filters: { team: 'sales' }, target: 0 }, 'UADMIN', T0);
    await digests.add({ kind: 'channel', channelId: 'CGOAL', schedule: '0 9 * * *', timezone: 'Asia/Jakarta', metrics: ['summary', 'backlog'], by: 'team' }, T0 - HOUR);
    w.now = T0 + 2 * MIN;
    expect(await runDigests(deps(), w.now)).toBe(1);
    await w.sender().deliverDue();
    const text = renderMessage({ text: '', blocks: w.posts()[0]?.blocks as never });
    // The backlog at Sunday's end: Billing's T-1 and T-2, Sales's S-1.
    expect(text).toContain('Goal: at most 2 · missed by 1');
    expect(text).toContain('Backlog by team\n`██████████`  Billing  2 · ▲ up from 0 · worse\n`█████░░░░░`  Sales  1 · ▲ up from 0 · worse · goal missed by 1\nRows with a goal of their own: Sales (at most 0).');
  });

  it('"only if changed" posts again when a goal is set or changed, the numbers the same', async () => {
    await digests.add({ kind: 'channel', channelId: 'CDIGEST', schedule: '*/10 * * * *', timezone: 'UTC', metrics: ['backlog'], onlyIfChanged: true }, T0 - HOUR);
    w.now = Date.UTC(2026, 10, 23, 2, 0);
    expect(await runDigests(deps(), w.now)).toBe(1);
    w.now += 10 * MIN;
    expect(await runDigests(deps(), w.now)).toBe(0);
    await new GoalStore(w.db).set({ metric: 'backlog', filters: {}, target: 5 }, 'UADMIN', w.now);
    w.now += 10 * MIN;
    expect(await runDigests(deps(), w.now)).toBe(1);
    w.now += 10 * MIN;
    expect(await runDigests(deps(), w.now)).toBe(0);
    await new GoalStore(w.db).set({ metric: 'backlog', filters: {}, target: 2 }, 'UADMIN', w.now);
    w.now += 10 * MIN;
    expect(await runDigests(deps(), w.now)).toBe(1);
  });

  it('"only if changed" posts again when the goal judging a split row changes scope, its target the same', async () => {
    const goals = new GoalStore(w.db);
    await goals.set({ metric: 'frt', filters: {}, target: 3600 }, 'UADMIN', T0);
    await goals.set({ metric: 'frt', filters: { team: 'Billing' }, target: 3600 }, 'UADMIN', T0);
    await digests.add({ kind: 'channel', channelId: 'CSCOPE', schedule: '*/10 * * * *', timezone: 'UTC', metrics: ['frt'], by: 'team', onlyIfChanged: true }, T0 - HOUR);
    w.now = Date.UTC(2026, 10, 23, 2, 0);
    expect(await runDigests(deps(), w.now)).toBe(1);
    w.now += 10 * MIN;
    expect(await runDigests(deps(), w.now)).toBe(0);
    // Billing's own goal removed: its row is judged by the workspace's, the same target, and says so.
    expect(await goals.remove('frt', { team: 'billing' })).toBe(true);
    w.now += 10 * MIN;
    expect(await runDigests(deps(), w.now)).toBe(1);
  });

  it('"only if changed" compares a digest\'s split too: a ticket moved to another team posts again, with the same totals', async () => {
    await digests.add({ kind: 'channel', channelId: 'CSPLIT', schedule: '*/10 * * * *', timezone: 'UTC', metrics: ['volume'], by: 'team', onlyIfChanged: true }, T0 - HOUR);
    w.now = Date.UTC(2026, 10, 23, 2, 0);
    expect(await runDigests(deps(), w.now)).toBe(1);
    w.now += 10 * MIN;
    expect(await runDigests(deps(), w.now)).toBe(0);
    await w.ingest([{ ticket: 'T-3', type: 'team_changed', at: w.now - MIN, data: { team: 'Sales' } }]);
    w.now += 10 * MIN;
    expect(await runDigests(deps(), w.now)).toBe(1);
  });

  it('"only if changed" skips a quiet day\'s digest split by:day as it skips the unsplit one (its rows are named by dates that move on)', async () => {
    await digests.add({ kind: 'channel', channelId: 'CWHOLE', schedule: '0 9 * * *', timezone: 'Asia/Jakarta', metrics: ['escalations'], onlyIfChanged: true }, T0 - HOUR);
    await digests.add({ kind: 'channel', channelId: 'CBYDAY', schedule: '0 9 * * *', timezone: 'Asia/Jakarta', metrics: ['escalations'], by: 'day', onlyIfChanged: true }, T0 - HOUR);
    w.now = T0 + 3 * 24 * HOUR + 2 * MIN;
    expect(await runDigests(deps(), w.now)).toBe(2);
    w.now += 24 * HOUR;
    expect(await runDigests(deps(), w.now)).toBe(0);
  });

  it('"only if changed" skips a digest whose numbers are the same as the last one', async () => {
    await digests.add({ kind: 'channel', channelId: 'CDIGEST', schedule: '*/10 * * * *', timezone: 'UTC', onlyIfChanged: true }, T0 - HOUR);
    w.now = Date.UTC(2026, 10, 23, 2, 0);
    expect(await runDigests(deps(), w.now)).toBe(1);
    w.now += 10 * MIN;
    expect(await runDigests(deps(), w.now)).toBe(0);
    await w.ingest([{ ticket: 'T-9', type: 'ticket_created', at: w.now - MIN, actor: { type: 'customer', id: 'c9' }, data: { status: 'new' } }]);
    w.now += 10 * MIN;
    expect(await runDigests(deps(), w.now)).toBe(1);
  });

  it('a personal digest lists the agent\'s open tickets, oldest first, with SLA time', async () => {
    await digests.add({ kind: 'personal', slackUserId: 'UAYU', schedule: '0 9 * * 1-5', timezone: 'Asia/Jakarta' }, T0 - HOUR);
    w.now = T0 + 2 * MIN;
    expect(await runDigests(deps(), w.now)).toBe(1);
    await w.sender().deliverDue();
    const [post] = w.posts();
    expect(post?.channel).toBe('DUAYU');
    const text = renderMessage({ text: '', blocks: post?.blocks as never });
    expect(text).toContain('3 open, 3 overdue');
    expect(text.indexOf('#T-1')).toBeLessThan(text.indexOf('#T-2'));
    expect(text).toMatch(/#T-1.* overdue/);
  });

  it('/kpi digest now posts at once', async () => {
    expect(await enqueueDigestNow(deps(), 'CTRY', 'UTC', w.now)).toBe('summary');
    await w.sender().deliverDue();
    expect(w.posts().map((post) => post.channel)).toEqual(['CTRY']);
    await digests.add({ kind: 'channel', channelId: 'CSUB', schedule: '0 9 * * *', timezone: 'UTC', metrics: ['csat'] }, w.now);
    expect(await enqueueDigestNow(deps(), 'CSUB', 'UTC', w.now)).toBe('subscription');
    await w.sender().deliverDue();
    expect(w.posts().map((post) => post.channel)).toEqual(['CTRY', 'CSUB']);
  });

  it('two schedulers on one database: one leader, one digest; when the leader stops renewing, the other takes over within a minute', async () => {
    await digests.add({ kind: 'channel', channelId: 'CDIGEST', schedule: '0 9 * * *', timezone: 'Asia/Jakarta' }, T0 - HOUR);
    const second: Database = openDatabase(w.testConfig);
    const make = (db: Database, holder: string) => {
      const sender = new OutboxSender({ store: new OutboxStore(db), poster: w.poster, clock: w.clock, logger: silentLogger(), admins: [], locale: 'en' });
      const lease = new LeaderLease(db, { name: 'scheduler', holder, ttlMs: 30_000, clock: w.clock });
      return new Scheduler({ lease, clock: w.clock, logger: silentLogger(), jobs: [
        { name: 'digests', everyMs: 60_000, run: (now) => runDigests({ db, locale: 'en' }, now) },
        { name: 'outbox', everyMs: 1000, run: () => sender.deliverDue() },
      ] });
    };
    const a = make(w.db, 'replica-a');
    const b = make(second, 'replica-b');
    try {
      w.now = T0 + 2 * MIN;
      const [ranA, ranB] = await Promise.all([a.tick(), b.tick()]);
      expect([ranA, ranB].filter(Boolean)).toHaveLength(1);
      const leader = ranA ? a : b;
      const follower = ranA ? b : a;
      for (let i = 0; i < 5; i += 1) {
        w.now += 1000;
        await Promise.all([a.tick(), b.tick()]);
      }
      expect(w.posts().map((post) => post.channel)).toEqual(['CDIGEST']);
      // The leader dies (stops ticking, keeps its lease row). Within the lease's 30 s nobody else leads...
      void leader;
      w.now += 29_000;
      expect(await follower.tick()).toBe(false);
      // ...then the survivor takes over, well within a minute, and the next day's digest is posted once.
      w.now += 2000;
      expect(await follower.tick()).toBe(true);
      w.now = T0 + 24 * HOUR + 2 * MIN;
      await follower.tick();
      w.now += 1000;
      await follower.tick();
      expect(w.posts().map((post) => post.channel)).toEqual(['CDIGEST', 'CDIGEST']);
    } finally {
      await second.destroy();
    }
  });
});
