import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AlertStore } from '../src/store/alert-store.js';
import { IngestStore } from '../src/store/ingest-store.js';
import { TEST_ENGINE, useTestDatabase } from './helpers/databases.js';
import { runKpibot } from './helpers/process.js';

describe(`kpibot alerts on ${TEST_ENGINE}`, () => {
  const t = useTestDatabase({ migrate: true, shared: true });
  const run = (...args: string[]) => runKpibot(['alerts', ...args], { DATABASE_URL: t.testDb.url, KPI_TIMEZONE: 'Asia/Jakarta' });

  it('sets a team\'s alert channel and lead, a channel\'s quiet hours, and lists them', async () => {
    // No ticket has the team yet: kept, with a word about the spelling.
    expect(run('team', 'Billing', '--channel', 'C0ALERTS', '--lead', 'U0LEAD')).toMatchObject({
      status: 0, stdout: 'team Billing: alert channel C0ALERTS, lead U0LEAD\nNo ticket has the team "Billing" yet: it applies when one does (names compare ignoring case and spaces). Check the spelling against your helpdesk\'s groups.\n',
    });
    expect(await t.db('teams').where({ name: 'Billing' }).first()).toMatchObject({ alert_channel_id: 'C0ALERTS', lead_slack_user_id: 'U0LEAD' });
    await new IngestStore(t.db, { escalationGroups: [], escalationTag: 'escalated' }).recordEvents('generic', [
      { kind: 'ticket', type: 'ticket_created', externalTicketId: 'B-1', occurredAt: Date.now(), actor: { type: 'customer', id: 'c' }, data: { status: 'open', team: 'BILLING' }, dedupeKey: 'b1' },
    ]);
    expect(run('team', 'billing', '--no-lead')).toMatchObject({ status: 0, stdout: 'team billing: lead (none)\n' });
    expect(Number(((await t.db('teams').count({ n: '*' })) as { n: number | string }[])[0]?.n)).toBe(1);
    expect(run('quiet', 'C0ALERTS', '20:00', '08:00').stdout).toContain('quiet from 20:00 to 08:00 (Asia/Jakarta)');
    const list = run('list').stdout;
    expect(list).toContain('team Billing: alert channel C0ALERTS, lead (none)');
    expect(list).toContain('C0ALERTS: quiet from 20:00 to 08:00 (Asia/Jakarta)');
    // A threshold rule (added in Slack) reads as its condition, not as stored JSON.
    const rules = new AlertStore(t.db);
    const id = await rules.addRule({ kind: 'threshold', channelId: 'C0RULES', filters: { team: 'Billing' }, config: { metric: 'frt', operator: '>', value: 14_400 } }, Date.now());
    expect(run('list').stdout).toContain(`rule ${id}: C0RULES gets an alert when First response time > 4 h, over the last 24 hours (not again within 4 h) (team=Billing)\n`);
    const goalId = await rules.addRule({ kind: 'goal', channelId: 'C0RULES', filters: {}, config: { metric: 'csat', goal: true, windowHours: 168, by: 'team' } }, Date.now());
    expect(run('list').stdout).toContain(`rule ${goalId}: C0RULES gets an alert when Customer satisfaction (CSAT) by team misses its goal, over the last 7 days (not again within 4 h)\n`);
    expect(run('quiet', 'C0ALERTS', '--off').status).toBe(0);
    expect(Number(((await t.db('quiet_hours').count({ n: '*' })) as { n: number | string }[])[0]?.n)).toBe(0);
  });

  it('removes an alert rule by its number: it is listed no more and raises nothing; a number that is not a rule is refused', async () => {
    const store = new AlertStore(t.db);
    const id = await store.addRule({ kind: 'overdue', channelId: 'C0GONE', filters: {} }, Date.now());
    expect(run('list').stdout).toContain(`rule ${id}: C0GONE gets SLA warnings and breaches`);
    expect(run('remove', String(id))).toMatchObject({ status: 0, stdout: `rule ${id} removed: C0GONE no longer gets SLA warnings and breaches\n` });
    expect(run('list').stdout).not.toContain('C0GONE');
    expect((await store.rules('overdue')).map((rule) => rule.id)).not.toContain(id);
    expect(run('remove', String(id))).toMatchObject({ status: 2, stderr: `kpibot: there is no alert rule ${id}; "kpibot alerts list" shows the rules with their numbers\n` });
    expect(run('remove', 'C0GONE').status).toBe(2);
  });

  it('refuses bad words with a usage line (exit 2)', () => {
    const bad = run('team', 'Billing', '--channel', '#billing');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('is not a Slack channel id');
    expect(run('quiet', 'C0ALERTS', '25:00', '08:00')).toMatchObject({ status: 2, stderr: 'kpibot: "25:00" is not a time of day: give the start and end as HH:MM, e.g. kpibot alerts quiet C0ALERTS 20:00 08:00\n' });
    // Slack's word order, the zone last: the command that was meant.
    expect(run('quiet', 'C0ALERTS', '20:00', '08:00', 'Asia/Jakarta')).toMatchObject({ status: 2, stderr: 'kpibot: give the time zone with --timezone: kpibot alerts quiet C0ALERTS 20:00 08:00 --timezone Asia/Jakarta\n' });
    expect(run('quiet', 'C0ALERTS', '22:00', '22:00')).toMatchObject({ status: 2, stderr: 'kpibot: quiet hours from 22:00 to 22:00 would hold nothing: give two different times, e.g. 20:00 08:00\n' });
    expect(run('nonsense').status).toBe(2);
    // One line each, naming the problem: no usage block after it.
    expect(run('team', 'Billing', '--channel', 'C0ALERTS', '--no-channel')).toMatchObject({ status: 2, stderr: 'kpibot: give --channel or --no-channel, not both\n' });
    expect(run('team', 'Billing', '--no-lead', '--lead', 'U0LEAD')).toMatchObject({ status: 2, stderr: 'kpibot: give --lead or --no-lead, not both\n' });
    expect(run('team', 'Billing')).toMatchObject({ status: 2, stderr: 'kpibot: give --channel, --no-channel, --lead or --no-lead, e.g. kpibot alerts team "Billing" --channel C0123ABCD\n' });
    expect(run('team')).toMatchObject({ status: 2, stderr: 'kpibot: kpibot alerts team needs one team name (quote it if it has spaces); "kpibot alerts --help" shows the words\n' });
    expect(run('quiet', '#support', '20:00', '08:00')).toMatchObject({ status: 2, stderr: 'kpibot: kpibot alerts quiet needs a Slack channel id (C0123ABCD), e.g. kpibot alerts quiet C0123ABCD 20:00 08:00\n' });
    // A team name the database could not keep, or none: refused, nothing written (PostgreSQL failed with its own error).
    for (const name of ['  ', 'x'.repeat(201)]) expect(run('team', name, '--channel', 'C0ALERTS')).toMatchObject({ status: 2, stderr: 'kpibot: a team name must have 1 to 200 characters\n' });
  });

  it('says so when there is nothing to list', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kpibot-alerts-'));
    try {
      expect(runKpibot(['alerts', 'list'], { DATABASE_URL: `sqlite:${join(dir, 'empty.sqlite')}` })).toMatchObject({ status: 0, stdout: 'no alert rules, team routes or quiet hours yet: rules are added in Slack (/kpi alerts), routes with "kpibot alerts team"\n' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
