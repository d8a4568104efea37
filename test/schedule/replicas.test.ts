/**
 * Several replicas on one PostgreSQL, as real processes: two `kpibot start`
 * processes serve commands, exactly one sends what the outbox holds, and when
 * that leader dies (SIGKILL: no clean release) the other takes over within a
 * minute. SQLite runs one process by design (see docs/alerts.md), so this
 * test runs only with TEST_DATABASE_URL pointing at PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, TEST_ENGINE, type TestDatabase } from '../helpers/databases.js';
import { startKpibot, type RunningKpibot } from '../helpers/process.js';
import { startFakeSlack, type FakeSlack } from '../helpers/fake-slack.js';
import { postSlashCommand, SIGNING_SECRET } from '../helpers/slack-requests.js';
import { openDatabase, type Database } from '../../src/store/database.js';

const onPostgres = TEST_ENGINE === 'postgres';
if (!onPostgres) console.info('replicas.test.ts: skipped on SQLite (one process by design); set TEST_DATABASE_URL to a PostgreSQL server to run it');

describe.skipIf(!onPostgres)('two kpibot processes on one PostgreSQL', () => {
  let slack: FakeSlack;
  let testDb: TestDatabase;
  let db: Database | undefined;
  const replicas: RunningKpibot[] = [];

  beforeAll(async () => {
    slack = await startFakeSlack();
    testDb = await createTestDatabase();
    const env = { DATABASE_URL: testDb.url, SLACK_BOT_TOKEN: 'xoxb-test', SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: slack.url, KPI_ADMINS: 'U0000LEAD' };
    // The first applies the migrations; the second finds them applied.
    replicas.push(await startKpibot(env));
    replicas.push(await startKpibot(env));
    db = openDatabase(testDb.config);
  }, 60_000);
  afterAll(async () => {
    for (const replica of replicas) {
      replica.child.kill('SIGKILL');
      await replica.exited;
    }
    await db?.destroy();
    await testDb?.dispose();
    await slack.close();
  });

  const postsTo = (channel: string) => slack.callsTo('chat.postMessage').filter((call) => call.args.channel === channel);
  const digestNow = (replica: RunningKpibot, channel: string) => postSlashCommand(replica.url, { text: `digest now <#${channel}|digests>`, userId: 'U0000LEAD', responseUrl: slack.responseUrl(channel) });
  async function until(condition: () => boolean, timeoutMs: number): Promise<number> {
    const started = Date.now();
    while (!condition()) {
      if (Date.now() - started > timeoutMs) throw new Error(`not within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return Date.now() - started;
  }

  it('commands go to either replica; every digest is posted exactly once', async () => {
    const channels = ['C0000DIG1', 'C0000DIG2', 'C0000DIG3', 'C0000DIG4', 'C0000DIG5', 'C0000DIG6'];
    for (const [index, channel] of channels.entries()) expect((await digestNow(replicas[index % 2] as RunningKpibot, channel)).status).toBe(200);
    await until(() => channels.every((channel) => postsTo(channel).length >= 1), 20_000);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(channels.map((channel) => postsTo(channel).length)).toEqual([1, 1, 1, 1, 1, 1]);
  }, 40_000);

  it('when the leader dies, the other replica takes over within a minute', async () => {
    const lease = (await (db as Database)('leases').where({ name: 'scheduler' }).first('holder')) as { holder: string };
    const leaderPid = Number(lease.holder.split(':')[1]);
    const leader = replicas.find((replica) => replica.child.pid === leaderPid);
    const survivor = replicas.find((replica) => replica.child.pid !== leaderPid);
    expect(leader).toBeDefined();
    leader?.child.kill('SIGKILL');
    await leader?.exited;
    expect((await digestNow(survivor as RunningKpibot, 'C0000DIG9')).status).toBe(200);
    const waited = await until(() => postsTo('C0000DIG9').length >= 1, 60_000);
    expect(waited).toBeLessThan(60_000);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(postsTo('C0000DIG9')).toHaveLength(1);
    const now = (await (db as Database)('leases').where({ name: 'scheduler' }).first('holder')) as { holder: string };
    expect(Number(now.holder.split(':')[1])).toBe(survivor?.child.pid);
  }, 90_000);
});
