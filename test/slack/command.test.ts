import { describe, expect, it } from 'vitest';
import { METRIC_IDS } from '../../src/kpi/definitions.js';
import { resolvePeriod } from '../../src/kpi/periods.js';
import { KPI_COMMAND_ERROR_CODES, isCommandError, parseKpiCommand, requiresAdmin, tokenize, type KpiCommandError, type KpiRequest } from '../../src/slack/command.js';

const NOW = Date.UTC(2026, 9, 14, 3, 20); // Wednesday 2026-10-14 10:20 in Jakarta
const ZONE = 'Asia/Jakarta';
const options = { now: NOW, timezone: ZONE };
const parse = (text: string) => parseKpiCommand(text, options);
const period = (word: string) => resolvePeriod(word, NOW, ZONE);

function request(text: string): KpiRequest {
  const result = parse(text);
  if (isCommandError(result)) throw new Error(`"${text}" → ${JSON.stringify(result)}`);
  return result;
}

function error(text: string): KpiCommandError {
  const result = parse(text);
  if (!isCommandError(result)) throw new Error(`"${text}" parsed as ${JSON.stringify(result)}`);
  return result;
}

describe('tokenize', () => {
  it('splits on blanks, keeps quoted stretches and Slack markup as one word', () => {
    expect(tokenize('  frt   7d\tteam:"first line"  ')).toEqual(['frt', '7d', 'team:first line']);
    expect(tokenize('team:\u201Cfirst line\u201D')).toEqual(['team:first line']);
    expect(tokenize('team:\u201Dfirst line\u201D')).toEqual(['team:first line']);
    expect(tokenize('agent <@U123ABC|Jane Doe>')).toEqual(['agent', '<@U123ABC|Jane Doe>']);
    expect(tokenize('"a b"c d')).toEqual(['a bc', 'd']);
  });

  it('unwraps mailto links and Slack entity escapes', () => {
    expect(tokenize('link <@U1ABC> <mailto:ana@example.com|ana@example.com>')).toEqual(['link', '<@U1ABC>', 'ana@example.com']);
    expect(tokenize('agent:<mailto:ana@example.com|ana@example.com>')).toEqual(['agent:ana@example.com']);
    expect(tokenize('threshold frt &gt;= 4h team:R&amp;D')).toEqual(['threshold', 'frt', '>=', '4h', 'team:R&D']);
  });

  it('a `<` that opens no Slack markup is a less-than (typed in the local console), not the start of one long word', () => {
    expect(tokenize('threshold csat 7d < 80% sample:20 by:agent')).toEqual(['threshold', 'csat', '7d', '<', '80%', 'sample:20', 'by:agent']);
    expect(tokenize('threshold csat <80% <#C1AAAA|leads> <!subteam^S1|@leads> <https://x.example|x>')).toEqual(['threshold', 'csat', '<80%', '<#C1AAAA|leads>', '<!subteam^S1|@leads>', '<https://x.example|x>']);
  });
});

describe('metric requests', () => {
  it('empty text is the summary over 30 days, ephemeral', () => {
    expect(request('')).toEqual({ kind: 'metric', metric: 'summary', period: period('30d'), filters: {}, share: false });
    expect(request('   ')).toMatchObject({ kind: 'metric', metric: 'summary' });
  });

  it.each(METRIC_IDS)('reads the metric %s with the default period', (metric) => {
    expect(request(metric)).toEqual({ kind: 'metric', metric, period: period('30d'), filters: {}, share: false });
    expect(request(metric.toUpperCase())).toMatchObject({ kind: 'metric', metric });
  });

  it('reads period, filters and share in any order', () => {
    const expected = { kind: 'metric', metric: 'frt', period: period('7d'), filters: { team: 'billing', priority: 'high' }, share: false };
    expect(request('frt 7d team:billing priority:high')).toEqual(expected);
    expect(request('FRT priority:high team:billing 7D')).toEqual(expected);
    expect(request('frt share 7d team:billing priority:high')).toEqual({ ...expected, share: true });
    expect(request('frt 7d team:billing priority:high SHARE')).toEqual({ ...expected, share: true });
  });

  it('accepts every period word resolvePeriod accepts', () => {
    for (const word of ['today', 'yesterday', 'this-week', 'last-month', 'this-quarter', 'last-year', '14d', '24h', '2026-10-01', '2026-09-01..2026-09-30', '2026-10-01..']) {
      expect(request(`csat ${word}`)).toMatchObject({ metric: 'csat', period: period(word) });
    }
  });

  it('reads every filter key, quoted values and values in their own case', () => {
    expect(request('volume team:"first line" channel:email source:zendesk tag:VIP agent:ana@example.com')).toMatchObject({
      filters: { team: 'first line', channel: 'email', source: 'zendesk', tag: 'VIP', agent: 'ana@example.com' },
    });
    expect(request('backlog Team:"Second Line"')).toMatchObject({ filters: { team: 'Second Line' } });
  });

  it('a period, filter or share alone is the summary', () => {
    expect(request('7d')).toEqual({ kind: 'metric', metric: 'summary', period: period('7d'), filters: {}, share: false });
    expect(request('team:billing share')).toMatchObject({ kind: 'metric', metric: 'summary', filters: { team: 'billing' }, share: true });
  });

  it('a mention or an e-mail address after a metric is the agent filter', () => {
    expect(request('frt 7d <@U123ABC|ana>')).toMatchObject({ metric: 'frt', filters: { agent: 'U123ABC' } });
    expect(request('csat ana@example.com')).toMatchObject({ metric: 'csat', filters: { agent: 'ana@example.com' } });
    expect(request('csat <mailto:ana@example.com|ana@example.com>')).toMatchObject({ filters: { agent: 'ana@example.com' } });
  });
});

describe('agent', () => {
  it('reads a Slack-escaped mention, with or without a name', () => {
    expect(request('agent <@U123ABC>')).toEqual({
      kind: 'agent', agent: { kind: 'slack_user', id: 'U123ABC' }, period: period('30d'), filters: { agent: 'U123ABC' }, share: false,
    });
    expect(request('agent <@W0K7AB2|jane.doe> 7d share')).toEqual({
      kind: 'agent', agent: { kind: 'slack_user', id: 'W0K7AB2', name: 'jane.doe' }, period: period('7d'), filters: { agent: 'W0K7AB2' }, share: true,
    });
  });

  it('reads an unescaped @U123, an agent: filter, an e-mail address or an @name', () => {
    expect(request('agent @U123')).toMatchObject({ agent: { kind: 'slack_user', id: 'U123' }, filters: { agent: 'U123' } });
    expect(request('agent agent:ana@example.com last-week')).toMatchObject({
      agent: { kind: 'text', value: 'ana@example.com' }, period: period('last-week'), filters: { agent: 'ana@example.com' },
    });
    expect(request('agent agent:<@U9ZZZZZ|bo>')).toMatchObject({ agent: { kind: 'slack_user', id: 'U9ZZZZZ', name: 'bo' }, filters: { agent: 'U9ZZZZZ' } });
    expect(request('agent ana@example.com team:billing')).toMatchObject({ agent: { kind: 'text', value: 'ana@example.com' }, filters: { team: 'billing', agent: 'ana@example.com' } });
    expect(request('agent @ana')).toMatchObject({ agent: { kind: 'text', value: 'ana' } });
  });

  it('needs someone, once', () => {
    expect(error('agent 7d')).toEqual({ kind: 'error', code: 'missing_argument', word: 'agent', expected: 'agent' });
    expect(error('agent <@U1AAAA> <@U2BBBB>')).toMatchObject({ code: 'duplicate_word', word: '<@U2BBBB>' });
  });
});

describe('metrics that count customers, sessions or employees', () => {
  it('take a period but refuse ticket filters, naming the first', () => {
    expect(parse('churn 90d')).toMatchObject({ kind: 'metric', metric: 'churn', filters: {} });
    expect(error('churn 90d team:billing priority:high')).toEqual({ kind: 'error', code: 'filters_not_applicable', word: 'team:billing' });
    expect(error('enps <@U1AAAA>')).toMatchObject({ code: 'filters_not_applicable', word: '<@U1AAAA>' });
    expect(error('repeat agent:ana@example.com')).toMatchObject({ code: 'filters_not_applicable', word: 'agent:ana@example.com' });
    // Self-service divides sessions (no team, agent or tag) by sessions + tickets: filtering the tickets alone would inflate it.
    expect(error('selfservice 30d channel:chat')).toMatchObject({ code: 'filters_not_applicable', word: 'channel:chat' });
    expect(parse('selfservice 30d')).toMatchObject({ kind: 'metric', metric: 'selfservice', filters: {} });
    expect(parse('nps team:billing')).toMatchObject({ kind: 'metric', filters: { team: 'billing' } }); // ticket-bound answers can be filtered
    // Nor in a digest or a threshold rule, whose numbers would be labelled as filtered.
    expect(error('subscribe <#C1AAAA> weekly mon 08:30 frt churn team:billing')).toMatchObject({ code: 'filters_not_applicable', word: 'team:billing' });
    expect(parse('subscribe <#C1AAAA> weekly mon 08:30 frt csat team:billing')).toMatchObject({ kind: 'subscribe', filters: { team: 'billing' } });
    expect(error('alerts <#C1AAAA> threshold churn &gt; 5% priority:high')).toMatchObject({ code: 'filters_not_applicable', word: 'priority:high' });
    expect(parse('alerts <#C1AAAA> threshold churn &gt; 5%')).toMatchObject({ kind: 'alerts', filters: {} });
  });
});

describe('language', () => {
  it('anyone shows or chooses their own language, by code or by name in any of ours, or forgets it', () => {
    expect(request('language')).toEqual({ kind: 'language' });
    expect(request('language id')).toEqual({ kind: 'language', locale: 'id' });
    expect(request('LANGUAGE Türkçe')).toEqual({ kind: 'language', locale: 'tr' });
    expect(request('bahasa melayu')).toEqual({ kind: 'language', locale: 'ms' });
    expect(request('dil turkce')).toEqual({ kind: 'language', locale: 'tr' });
    expect(request('lang English')).toEqual({ kind: 'language', locale: 'en' });
    expect(request('language default')).toEqual({ kind: 'language', locale: null });
    // As people type them: two words, upper case (İ lower-cases with a combining dot), Malaysia's and Indonesia's short forms.
    expect(request('language bahasa indonesia')).toEqual({ kind: 'language', locale: 'id' });
    expect(request('language Bahasa Inggeris')).toEqual({ kind: 'language', locale: 'en' });
    expect(request('language İNGİLİZCE')).toEqual({ kind: 'language', locale: 'en' });
    expect(request('language bm')).toEqual({ kind: 'language', locale: 'ms' });
    expect(request('language indo')).toEqual({ kind: 'language', locale: 'id' });
    expect(request('dil varsayılan')).toEqual({ kind: 'language', locale: null });
    expect(request('language <#C1AAAA> bahasa turki')).toEqual({ kind: 'channel_language', channel: { id: 'C1AAAA' }, locale: 'tr' });
    for (const text of ['language', 'language id', 'language default', 'language <#C1AAAA>']) expect(requiresAdmin(request(text)), text).toBe(false);
  });

  it('a channel\'s is shown to anyone and chosen by admins', () => {
    expect(request('language <#C1AAAA|support-tr>')).toEqual({ kind: 'language', channel: { id: 'C1AAAA', name: 'support-tr' } });
    expect(request('language <#C1AAAA> tr')).toEqual({ kind: 'channel_language', channel: { id: 'C1AAAA' }, locale: 'tr' });
    expect(request('bahasa <#C1AAAA> default')).toEqual({ kind: 'channel_language', channel: { id: 'C1AAAA' }, locale: null });
    expect(requiresAdmin(request('language <#C1AAAA> tr'))).toBe(true);
  });

  it('a language we do not speak is named, with a "did you mean" only for a misspelt name', () => {
    expect(error('language fr')).toEqual({ kind: 'error', code: 'unknown_language', word: 'fr' });
    expect(error('language indonesain')).toEqual({ kind: 'error', code: 'unknown_language', word: 'indonesain', suggestion: 'indonesian' });
    expect(error('language <#C1AAAA> klingon')).toMatchObject({ code: 'unknown_language', word: 'klingon' });
    expect(error('language id tr')).toEqual({ kind: 'error', code: 'unexpected_word', word: 'tr' });
    expect(error('language #support tr')).toEqual({ kind: 'error', code: 'bad_channel', word: '#support' });
  });
});

describe('help and explain', () => {
  it('help, help <metric>, explain <metric>', () => {
    expect(request('help')).toEqual({ kind: 'help', share: false });
    expect(request('HELP share')).toEqual({ kind: 'help', share: true });
    expect(request('help frt')).toEqual({ kind: 'explain', metric: 'frt', share: false });
    expect(request('explain CSAT')).toEqual({ kind: 'explain', metric: 'csat', share: false });
    expect(request('explain backlog share')).toEqual({ kind: 'explain', metric: 'backlog', share: true });
  });

  it('explain needs one known metric', () => {
    expect(error('explain')).toEqual({ kind: 'error', code: 'missing_argument', word: 'explain', expected: 'metric' });
    expect(error('explain backlgo')).toEqual({ kind: 'error', code: 'unknown_metric', word: 'backlgo', suggestion: 'backlog' });
    expect(error('explain frt csat')).toEqual({ kind: 'error', code: 'unexpected_word', word: 'csat' });
    expect(error('help me')).toMatchObject({ code: 'unexpected_word', word: 'me' });
  });
});

describe('admin verbs', () => {
  it('subscribe: channel, schedule, time, zone, metrics and filters', () => {
    expect(request('subscribe <#C123ABC|support> daily 09:00')).toEqual({
      kind: 'subscribe', channel: { id: 'C123ABC', name: 'support' }, schedule: { frequency: 'daily' }, time: '09:00', metrics: ['summary'], filters: {}, onlyIfChanged: false,
    });
    expect(request('subscribe <#C123ABC> weekly fri 8:30 asia/jakarta frt csat frt team:billing')).toEqual({
      kind: 'subscribe', channel: { id: 'C123ABC' }, schedule: { frequency: 'weekly', weekday: 'fri' }, time: '08:30', timezone: 'Asia/Jakarta',
      metrics: ['frt', 'csat'], filters: { team: 'billing' }, onlyIfChanged: false,
    });
    // A cron expression of its own, and "post only if something changed".
    expect(request('subscribe <#C123ABC> cron:"0 9 * * 1-5" Asia/Jakarta if-changed backlog')).toEqual({
      kind: 'subscribe', channel: { id: 'C123ABC' }, schedule: { frequency: 'cron', expression: '0 9 * * 1-5' }, timezone: 'Asia/Jakarta', metrics: ['backlog'], filters: {}, onlyIfChanged: true,
    });
    expect(parse('subscribe <#C123ABC> cron:"every morning"')).toMatchObject({ kind: 'error', code: 'bad_cron', word: 'cron:every morning' });
    // A digest goes at most once an hour.
    expect(parse('subscribe <#C123ABC> cron:"* * * * *"')).toMatchObject({ kind: 'error', code: 'cron_too_often' });
    expect(parse('subscribe <#C123ABC> cron:"*/15 9-17 * * 1-5"')).toMatchObject({ kind: 'error', code: 'cron_too_often' });
    expect(parse('subscribe <#C123ABC> cron:"0 * * * *"')).toMatchObject({ kind: 'subscribe' });
    expect(parse('subscribe <#C123ABC> cron:"30 9,13,17 * * 1-5"')).toMatchObject({ kind: 'subscribe' });
    expect(parse('subscribe <#C123ABC> cron:"0 9 * * *" daily')).toMatchObject({ kind: 'error', code: 'unexpected_word', word: 'daily' });
    expect(request('subscribe <#G0PRIV1> WEEKLY 17.45 Europe/Istanbul')).toMatchObject({ schedule: { frequency: 'weekly', weekday: 'mon' }, time: '17:45', timezone: 'Europe/Istanbul' });
    expect(request('subscribe <#C1AAAA> weekly Sunday 07:00 UTC')).toMatchObject({ schedule: { frequency: 'weekly', weekday: 'sun' }, timezone: 'UTC' });
  });

  it('subscribe with by: splits the digest\'s metrics, where each can be split', () => {
    expect(request('subscribe <#C1AAAA> weekly mon 09:00 frt csat by:team')).toMatchObject({ kind: 'subscribe', metrics: ['frt', 'csat'], by: 'team' });
    expect(request('subscribe <#C1AAAA> daily 09:00 summary backlog BY=day')).toMatchObject({ metrics: ['summary', 'backlog'], by: 'day' });
    expect(request('subscribe <#C1AAAA> weekly mon 09:00 churn by:day')).toMatchObject({ metrics: ['churn'], by: 'day' });
    expect('by' in request('subscribe <#C1AAAA> daily 09:00 frt')).toBe(false);
    expect(error('subscribe <#C1AAAA> daily 09:00 by:team')).toEqual({ kind: 'error', code: 'breakdown_not_applicable', word: 'by:team' });
    expect(error('subscribe <#C1AAAA> daily 09:00 frt churn by:team')).toEqual({ kind: 'error', code: 'breakdown_not_applicable', word: 'by:team' });
    expect(error('subscribe <#C1AAAA> daily 09:00 frt by:teem')).toEqual({ kind: 'error', code: 'unknown_breakdown', word: 'by:teem', suggestion: 'by:team' });
    expect(error('subscribe <#C1AAAA> daily 09:00 frt by:team by:day')).toEqual({ kind: 'error', code: 'duplicate_word', word: 'by:day', earlier: 'by:team' });
    expect(error('subscribe <#C1AAAA> daily 09:00 frt team:billing by:team')).toEqual({ kind: 'error', code: 'duplicate_word', word: 'by:team' });
  });

  it('a threshold rule by:team holds each team against the limit; nothing else splits an alert rule', () => {
    expect(request('alerts <#C1AAAA> threshold frt > 4h by:team')).toMatchObject({ kind: 'alerts', rule: { type: 'threshold', metric: 'frt', operator: '>', value: 14_400, by: 'team' }, filters: {} });
    expect(request('alerts <#C1AAAA> threshold backlog > 20 priority:urgent by:agent cooldown:2h')).toMatchObject({ rule: { metric: 'backlog', by: 'agent', cooldownMinutes: 120 }, filters: { priority: 'urgent' } });
    expect('by' in (request('alerts <#C1AAAA> threshold frt > 4h') as { rule: object }).rule).toBe(false);
    expect(error('alerts <#C1AAAA> threshold frt > 4h by:day')).toEqual({ kind: 'error', code: 'breakdown_not_for_alerts', word: 'by:day' });
    expect(error('alerts <#C1AAAA> threshold churn > 5% by:team')).toEqual({ kind: 'error', code: 'breakdown_not_for_alerts', word: 'by:team' });
    expect(error('alerts <#C1AAAA> overdue by:team')).toEqual({ kind: 'error', code: 'breakdown_not_for_alerts', word: 'by:team' });
    expect(error('alerts <#C1AAAA> threshold frt > 4h team:billing by:team')).toEqual({ kind: 'error', code: 'duplicate_word', word: 'by:team' });
    expect(error('alerts <#C1AAAA> threshold frt > 4h by:team by:agent')).toEqual({ kind: 'error', code: 'duplicate_word', word: 'by:agent', earlier: 'by:team' });
    expect(error('alerts <#C1AAAA> threshold frt > 4h by team')).toEqual({ kind: 'error', code: 'unknown_word', word: 'by', suggestion: 'by:team' });
    expect(error('subscribe <#C1AAAA> daily 09:00 frt by: team')).toEqual({ kind: 'error', code: 'unknown_breakdown', word: 'by:', suggestion: 'by:team' });
  });

  it('subscribe refuses what it cannot schedule', () => {
    expect(error('subscribe')).toEqual({ kind: 'error', code: 'missing_argument', word: 'subscribe', expected: 'channel' });
    expect(error('subscribe #support daily 09:00')).toEqual({ kind: 'error', code: 'bad_channel', word: '#support' });
    expect(error('subscribe <#C1AAAA> 09:00')).toMatchObject({ code: 'missing_argument', expected: 'frequency' });
    expect(error('subscribe <#C1AAAA> daily')).toMatchObject({ code: 'missing_argument', expected: 'time' });
    expect(error('subscribe <#C1AAAA> daily 24:00')).toEqual({ kind: 'error', code: 'bad_time', word: '24:00' });
    expect(error('subscribe <#C1AAAA> daily 9')).toMatchObject({ code: 'bad_time', word: '9' });
    expect(error('subscribe <#C1AAAA> daly 09:00')).toEqual({ kind: 'error', code: 'unknown_word', word: 'daly', suggestion: 'daily' });
    expect(error('subscribe <#C1AAAA> daily mon 09:00')).toMatchObject({ code: 'unexpected_word', word: 'mon' });
    expect(error('subscribe <#C1AAAA> daily weekly 09:00')).toMatchObject({ code: 'duplicate_word', word: 'weekly' });
    expect(error('subscribe <#C1AAAA> daily 09:00 Asia/Jakrta')).toEqual({ kind: 'error', code: 'bad_timezone', word: 'Asia/Jakrta', suggestion: 'Asia/Jakarta' });
    expect(error('subscribe <#C1AAAA> daily 09:00 frtt')).toMatchObject({ code: 'unknown_word', word: 'frtt', suggestion: 'frt' });
    expect(error('subscribe <#C1AAAA> daily 09:00 teem:x')).toEqual({ kind: 'error', code: 'unknown_filter', word: 'teem', suggestion: 'team' });
  });

  it('unsubscribe and subscriptions', () => {
    expect(request('unsubscribe <#C123ABC|support>')).toEqual({ kind: 'unsubscribe', channel: { id: 'C123ABC', name: 'support' } });
    expect(error('unsubscribe')).toMatchObject({ code: 'missing_argument', expected: 'channel' });
    expect(error('unsubscribe <#C1AAAA> now')).toMatchObject({ code: 'unexpected_word', word: 'now' });
    expect(request('subscriptions')).toEqual({ kind: 'subscriptions' });
    expect(error('subscriptions all')).toMatchObject({ code: 'unexpected_word', word: 'all' });
  });

  it('a goal rule: `goal` in place of the operator and value, with window, cooldown, filters and split as any threshold rule', () => {
    expect(request('alerts <#C1AAAA> threshold frt goal')).toEqual({ kind: 'alerts', channel: { id: 'C1AAAA' }, rule: { type: 'threshold', metric: 'frt', goal: true }, filters: {} });
    expect(request('alerts <#C1AAAA> threshold csat 7d GOAL cooldown:2h team:billing by:agent')).toEqual({
      kind: 'alerts', channel: { id: 'C1AAAA' }, rule: { type: 'threshold', metric: 'csat', goal: true, windowHours: 168, cooldownMinutes: 120, by: 'agent' }, filters: { team: 'billing' },
    });
    expect(request('alerts <#C1AAAA> threshold resolution median 30d goal')).toMatchObject({ rule: { metric: 'resolution', goal: true, windowHours: 720 } });
    // A metric with no goal has no goal rule; a goal is not a limit as well.
    expect(error('alerts <#C1AAAA> threshold volume goal')).toEqual({ kind: 'error', code: 'goal_not_for_metric', word: 'volume' });
    expect(error('alerts <#C1AAAA> threshold escalations 7d goal')).toEqual({ kind: 'error', code: 'goal_not_for_metric', word: 'escalations' });
    expect(error('alerts <#C1AAAA> threshold frt goal &gt; 4h')).toMatchObject({ code: 'unexpected_word', word: '>' });
    expect(error('alerts <#C1AAAA> threshold churn goal by:team')).toEqual({ kind: 'error', code: 'breakdown_not_for_alerts', word: 'by:team' });
    // Backlog and overdue goals judge only exactly their filters and are never an agent's: such a rule could never fire.
    expect(error('alerts <#C1AAAA> threshold backlog goal by:agent')).toEqual({ kind: 'error', code: 'goal_alert_not_for_agent', word: 'by:agent' });
    expect(error('alerts <#C1AAAA> threshold overdue goal team:billing agent:ana@example.com')).toEqual({ kind: 'error', code: 'goal_alert_not_for_agent', word: 'agent:ana@example.com' });
    expect(request('alerts <#C1AAAA> threshold backlog &gt; 20 by:agent')).toMatchObject({ rule: { metric: 'backlog', by: 'agent' } });
    expect(request('alerts <#C1AAAA> threshold frt goal agent:ana@example.com')).toMatchObject({ rule: { metric: 'frt', goal: true }, filters: { agent: 'ana@example.com' } });
  });

  it('agents sort:<column>: the table\'s order, by short word or column name in any case; nowhere else', () => {
    expect(request('agents sort:frt')).toMatchObject({ kind: 'metric', metric: 'agents', sort: 'frtMedian' });
    expect(request('agents 7d SORT:CSAT team:billing')).toMatchObject({ metric: 'agents', sort: 'csat', filters: { team: 'billing' } });
    expect(request('agents sort:openAssigned')).toMatchObject({ sort: 'openAssigned' });
    expect(request('agents sort:open')).toMatchObject({ sort: 'openAssigned' });
    expect(request('agents')).not.toHaveProperty('sort');
    expect(error('agents sort:csta')).toEqual({ kind: 'error', code: 'unknown_sort', word: 'sort:csta', suggestion: 'sort:csat' });
    // An object's inherited keys are no column (sort:constructor answered "That failed").
    for (const word of ['sort:constructor', 'sort:__proto__', 'sort:toString', 'sort:hasOwnProperty']) expect(error(`agents ${word}`)).toMatchObject({ code: 'unknown_sort', word });
    expect(error('agents sort:')).toMatchObject({ code: 'unknown_sort', word: 'sort:' });
    expect(error('agents sort:frt sort:csat')).toEqual({ kind: 'error', code: 'duplicate_word', word: 'sort:csat', earlier: 'sort:frt' });
    expect(error('frt sort:frt')).toEqual({ kind: 'error', code: 'unexpected_word', word: 'sort:frt' });
    expect(error('summary 7d sort:solved')).toEqual({ kind: 'error', code: 'unexpected_word', word: 'sort:solved' });
    expect(error('agent <@U1ABC> sort:frt')).toEqual({ kind: 'error', code: 'unexpected_word', word: 'sort:frt' });
  });

  it('a threshold or goal rule\'s `sample:`: judged only on a value resting on that many; refused on a count, whose value is its n', () => {
    expect(request('alerts <#C1AAAA> threshold csat 7d &lt; 80% sample:20')).toEqual({
      kind: 'alerts', channel: { id: 'C1AAAA' }, rule: { type: 'threshold', metric: 'csat', operator: '<', value: 80, windowHours: 168, minSample: 20 }, filters: {},
    });
    // Anywhere among the rule's words, as cooldown:, and in capitals.
    expect(request('alerts <#C1AAAA> threshold SAMPLE:5 frt goal cooldown:1h by:agent team:billing')).toEqual({
      kind: 'alerts', channel: { id: 'C1AAAA' }, rule: { type: 'threshold', metric: 'frt', goal: true, cooldownMinutes: 60, minSample: 5, by: 'agent' }, filters: { team: 'billing' },
    });
    expect(request('alerts <#C1AAAA> threshold nps 30d &lt; 10 sample:100000')).toMatchObject({ rule: { metric: 'nps', minSample: 100_000 } });
    for (const word of ['sample:0', 'sample:100001', 'sample:', 'sample:2.5', 'sample:-3', 'sample:twenty', 'sample:1e3']) {
      expect(error(`alerts <#C1AAAA> threshold frt &gt; 4h ${word}`)).toEqual({ kind: 'error', code: 'bad_sample', word });
    }
    for (const metric of ['backlog', 'volume', 'resolved', 'overdue', 'escalations']) {
      expect(error(`alerts <#C1AAAA> threshold ${metric} &gt; 5 sample:3`)).toEqual({ kind: 'error', code: 'sample_not_for_metric', word: 'sample:3' });
    }
    expect(error('alerts <#C1AAAA> threshold csat &lt; 80% sample:5 sample:9')).toEqual({ kind: 'error', code: 'duplicate_word', word: 'sample:9', earlier: 'sample:5' });
    expect(error('alerts <#C1AAAA> threshold csat &lt; 80% cooldown:1h cooldown:2h')).toEqual({ kind: 'error', code: 'duplicate_word', word: 'cooldown:2h', earlier: 'cooldown:1h' });
    // Only threshold rules are judged on a value.
    expect(error('alerts <#C1AAAA> overdue sample:3')).toMatchObject({ kind: 'error', code: 'unknown_filter' });
  });

  it('alerts: overdue, escalations, thresholds in the metric unit', () => {
    expect(request('alerts <#C1AAAA|alerts> overdue')).toEqual({ kind: 'alerts', channel: { id: 'C1AAAA', name: 'alerts' }, rule: { type: 'overdue' }, filters: {} });
    expect(request('alerts <#C1AAAA> escalations team:billing')).toMatchObject({ rule: { type: 'escalations' }, filters: { team: 'billing' } });
    expect(request('alerts <#C1AAAA> threshold frt &gt; 4h')).toMatchObject({ rule: { type: 'threshold', metric: 'frt', operator: '>', value: 14_400 } });
    expect(request('alerts <#C1AAAA> threshold frt &gt;=30m')).toMatchObject({ rule: { operator: '>=', value: 1800 } });
    // The unit as a word of its own, as people write it.
    expect(request('alerts <#C1AAAA> threshold frt &gt; 4 hours team:billing')).toMatchObject({ rule: { metric: 'frt', operator: '>', value: 14_400 }, filters: { team: 'billing' } });
    expect(request('alerts <#C1AAAA> threshold resolution &gt; 2 days')).toMatchObject({ rule: { value: 172_800 } });
    expect(request('alerts <#C1AAAA> threshold aht &gt; 30mins')).toMatchObject({ rule: { value: 1800 } });
    expect(request('alerts <#C1AAAA> threshold resolution&gt;1,5d')).toMatchObject({ rule: { metric: 'resolution', operator: '>', value: 129_600 } });
    expect(request('alerts <#C1AAAA> threshold csat &lt; 80% priority:high')).toMatchObject({ rule: { metric: 'csat', operator: '<', value: 80 }, filters: { priority: 'high' } });
    expect(request('alerts <#C1AAAA> threshold backlog &gt; 200')).toMatchObject({ rule: { metric: 'backlog', operator: '>', value: 200 } });
    expect(request('alerts <#C1AAAA> threshold nps &lt;= -10')).toMatchObject({ rule: { metric: 'nps', operator: '<=', value: -10 } });
    // The issue's own examples: a rolling window, `median` for durations, and a cooldown.
    expect(request('alerts <#C1AAAA> threshold csat 7d &lt; 80')).toEqual({ kind: 'alerts', channel: { id: 'C1AAAA' }, rule: { type: 'threshold', metric: 'csat', operator: '<', value: 80, windowHours: 168 }, filters: {} });
    expect(request('alerts <#C1AAAA> threshold frt median 24h &gt; 2h cooldown:90m team:billing')).toEqual({
      kind: 'alerts', channel: { id: 'C1AAAA' }, rule: { type: 'threshold', metric: 'frt', operator: '>', value: 7200, windowHours: 24, cooldownMinutes: 90 }, filters: { team: 'billing' },
    });
    expect(parse('alerts <#C1AAAA> threshold csat 0d &lt; 80')).toMatchObject({ kind: 'error', code: 'bad_threshold', word: '0d' });
    // A cooldown from 5 minutes to 30 days: none at all would post an alert and a recovery each minute a rule flaps.
    for (const word of ['cooldown:soon', 'cooldown:0m', 'cooldown:4m', 'cooldown:31d', 'cooldown:721h', 'cooldown:2w']) {
      expect(parse(`alerts <#C1AAAA> threshold csat &lt; 80 ${word}`), word).toMatchObject({ kind: 'error', code: 'bad_cooldown', word });
    }
    for (const [word, minutes] of [['cooldown:5m', 5], ['cooldown:1D', 1440], ['cooldown:30d', 43_200], ['cooldown:720h', 43_200]] as const) {
      expect(request(`alerts <#C1AAAA> threshold csat &lt; 80 ${word}`), word).toMatchObject({ rule: { cooldownMinutes: minutes } });
    }
  });

  it('alerts refuses what it cannot watch', () => {
    expect(error('alerts <#C1AAAA>')).toMatchObject({ code: 'missing_argument', expected: 'alert' });
    expect(error('alerts <#C1AAAA> overdeu')).toEqual({ kind: 'error', code: 'unknown_word', word: 'overdeu', suggestion: 'overdue' });
    expect(error('alerts <#C1AAAA> threshold')).toMatchObject({ code: 'missing_argument', expected: 'threshold' });
    // Named as what /kpi alerts needs: there is no `/kpi threshold`.
    expect(error('alerts <#C1AAAA> threshold frt &gt;')).toEqual({ kind: 'error', code: 'missing_argument', word: 'alerts', expected: 'threshold' });
    expect(error('alerts <#C1AAAA> threshold frtt &gt; 4h')).toEqual({ kind: 'error', code: 'unknown_metric', word: 'frtt', suggestion: 'frt' });
    expect(error('alerts <#C1AAAA> threshold frt &gt; 4')).toEqual({ kind: 'error', code: 'bad_threshold', word: '>4' });
    // A value the metric never takes would fire always or never: refused, with the metric's range.
    expect(error('alerts <#C1AAAA> threshold csat &lt; 180%')).toEqual({ kind: 'error', code: 'threshold_out_of_range', word: '<180%', range: [0, 100] });
    expect(error('alerts <#C1AAAA> threshold nps &gt; 101')).toMatchObject({ code: 'threshold_out_of_range', range: [-100, 100] });
    expect(error('alerts <#C1AAAA> threshold ces &lt; 0')).toMatchObject({ code: 'threshold_out_of_range', range: [1, 7] });
    expect(error('alerts <#C1AAAA> threshold backlog &lt; -1')).toMatchObject({ code: 'threshold_out_of_range', range: [0, Number.POSITIVE_INFINITY] });
    expect(request('alerts <#C1AAAA> threshold enps &lt; -100')).toMatchObject({ rule: { metric: 'enps', value: -100 } });
    expect(error('alerts <#C1AAAA> threshold frt = 4h')).toMatchObject({ code: 'bad_threshold', word: '=' });
    expect(error('alerts <#C1AAAA> threshold csat &lt; 80h')).toMatchObject({ code: 'bad_threshold' });
    expect(error('alerts <#C1AAAA> threshold agents &gt; 4')).toMatchObject({ code: 'bad_threshold', word: 'agents' });
    expect(error('alerts <#C1AAAA> overdue now')).toMatchObject({ code: 'unexpected_word', word: 'now' });
  });

  it('alerts alone lists the alert settings; quiet hours per channel', () => {
    expect(request('alerts')).toEqual({ kind: 'alert_settings' });
    expect(request('alerts quiet <#C1AAAA|support> 20:00 8.00')).toEqual({ kind: 'quiet_hours', channel: { id: 'C1AAAA', name: 'support' }, quiet: { starts: '20:00', ends: '08:00' } });
    expect(request('alerts QUIET <#C1AAAA> 22:30 06:00 europe/istanbul')).toEqual({ kind: 'quiet_hours', channel: { id: 'C1AAAA' }, quiet: { starts: '22:30', ends: '06:00', timezone: 'Europe/Istanbul' } });
    expect(request('alerts quiet <#C1AAAA> off')).toEqual({ kind: 'quiet_hours', channel: { id: 'C1AAAA' } });
    expect(error('alerts quiet')).toMatchObject({ code: 'missing_argument', expected: 'channel' });
    expect(error('alerts quiet #support 20:00 08:00')).toMatchObject({ code: 'bad_channel', word: '#support' });
    expect(error('alerts quiet <#C1AAAA> 20:00')).toMatchObject({ code: 'missing_argument', expected: 'time' });
    expect(error('alerts quiet <#C1AAAA> 20:00 25:00')).toMatchObject({ code: 'bad_time', word: '25:00' });
    // The same start and end would hold nothing (and read as set): refused. 22:00 and 22.00 are the same time.
    expect(error('alerts quiet <#C1AAAA> 22:00 22.00')).toMatchObject({ code: 'same_quiet_times', word: '22:00' });
    expect(error('alerts quiet <#C1AAAA> 20:00 08:00 09:00')).toMatchObject({ code: 'unexpected_word', word: '09:00' });
    expect(error('alerts quiet <#C1AAAA> 20:00 08:00 Asia/Jakrta')).toMatchObject({ code: 'bad_timezone', suggestion: 'Asia/Jakarta' });
    // A city or a local abbreviation where a zone goes: the zone it names.
    expect(error('alerts quiet <#C1AAAA> 20:00 08:00 WIB')).toMatchObject({ code: 'bad_timezone', word: 'WIB', suggestion: 'Asia/Jakarta' });
    expect(error('subscribe <#C1AAAA> daily 09:00 Istanbul')).toMatchObject({ code: 'bad_timezone', word: 'Istanbul', suggestion: 'Europe/Istanbul' });
    // Spelt the Turkish way, capital dotted İ (which lower-cases to i and a combining dot).
    expect(error('subscribe <#C1AAAA> daily 09:00 İstanbul')).toMatchObject({ code: 'bad_timezone', word: 'İstanbul', suggestion: 'Europe/Istanbul' });
    expect(error('alerts quiet <#C1AAAA> 22:00 07:00 İSTANBUL')).toMatchObject({ code: 'bad_timezone', suggestion: 'Europe/Istanbul' });
    expect(error('digest me daily 08:00 kuala_lumpur')).toMatchObject({ code: 'bad_timezone', suggestion: 'Asia/Kuala_Lumpur' });
    expect(error('digest me weekdays 08:30 frt')).toEqual({ kind: 'error', code: 'unexpected_word', word: 'frt' });
    expect(error('subscribe <#C1AAAA> daily 09:00 frtt')).toMatchObject({ code: 'unknown_word', suggestion: 'frt' });
    expect(error('alerts quiet <#C1AAAA> of')).toMatchObject({ code: 'unknown_word', word: 'of', suggestion: 'off' });
    expect(error('alerts quiet <#C1AAAA> off 20:00')).toMatchObject({ code: 'unexpected_word', word: '20:00' });
  });

  it('alerts team: a name of one or more words, a channel and a lead, each removable', () => {
    expect(request('alerts team Billing <#C1AAAA|billing> <@U1LEAD|ayu>')).toEqual({ kind: 'team_routing', team: 'Billing', channel: { id: 'C1AAAA', name: 'billing' }, lead: { id: 'U1LEAD', name: 'ayu' } });
    expect(request('alerts team Billing EU <#C1AAAA>')).toEqual({ kind: 'team_routing', team: 'Billing EU', channel: { id: 'C1AAAA' } });
    expect(request('alerts team "First line" no-lead')).toEqual({ kind: 'team_routing', team: 'First line', lead: null });
    expect(request('alerts team <@U1LEAD> UX no-channel')).toEqual({ kind: 'team_routing', team: 'UX', channel: null, lead: { id: 'U1LEAD' } });
    expect(error('alerts team <#C1AAAA>')).toMatchObject({ code: 'missing_argument', expected: 'team' });
    expect(error('alerts team Billing')).toMatchObject({ code: 'missing_argument', expected: 'routing' });
    expect(error('alerts team Billing <#C1AAAA> no-channel')).toMatchObject({ code: 'duplicate_word', word: 'no-channel' });
    // Typed but not picked, so Slack did not link them: refused, not read as more words of the team's name.
    expect(error('alerts team Billing <#C1AAAA> @ayu')).toMatchObject({ code: 'bad_user', word: '@ayu' });
    expect(error('alerts team Billing #billing-alerts')).toMatchObject({ code: 'bad_channel', word: '#billing-alerts' });
    expect(error('alerts team Billing <@U1LEAD> <@U2LEAD>')).toMatchObject({ code: 'duplicate_word', word: '<@U2LEAD>' });
    expect(error('alerts team Billing <!subteam^S1|leads>')).toMatchObject({ code: 'bad_user' });
  });

  it('link: a Slack user and an e-mail address, in either order', () => {
    const expected = { kind: 'link', user: { id: 'U123ABC', name: 'ana' }, email: 'ana@example.com' };
    expect(request('link <@U123ABC|ana> Ana@Example.com')).toEqual(expected);
    expect(request('link <mailto:ana@example.com|ana@example.com> <@U123ABC|ana>')).toEqual(expected);
    expect(error('link')).toMatchObject({ code: 'missing_argument', expected: 'user' });
    expect(error('link <@U123ABC>')).toMatchObject({ code: 'missing_argument', expected: 'email' });
    expect(error('link @ana ana@example.com')).toEqual({ kind: 'error', code: 'bad_user', word: '@ana' });
    expect(error('link <@U123ABC> ana@example')).toEqual({ kind: 'error', code: 'bad_email', word: 'ana@example' });
    expect(error('link <@U123ABC> ana@example.com extra')).toMatchObject({ code: 'unexpected_word', word: 'extra' });
  });

  it('sla passes its words through', () => {
    expect(request('sla')).toEqual({ kind: 'sla', words: [] });
    expect(request('SLA add urgent frt 1h team:"first line"')).toEqual({ kind: 'sla', words: ['add', 'urgent', 'frt', '1h', 'team:first line'] });
  });

  it('requiresAdmin marks exactly the admin verbs', () => {
    const admin = ['subscribe <#C1AAAA> daily 09:00', 'unsubscribe <#C1AAAA>', 'subscriptions', 'alerts <#C1AAAA> overdue', 'link <@U1AAAA> a@b.co', 'sla list'];
    for (const text of admin) expect(requiresAdmin(request(text))).toBe(true);
    for (const text of ['', 'help', 'explain frt', 'frt 7d', 'agent <@U1AAAA>']) expect(requiresAdmin(request(text))).toBe(false);
  });
});

describe('errors', () => {
  it('an unknown first word gets the closest verb, metric or period', () => {
    expect(error('backlgo')).toEqual({ kind: 'error', code: 'unknown_word', word: 'backlgo', suggestion: 'backlog' });
    expect(error('subscibe <#C1AAAA> daily 09:00')).toEqual({ kind: 'error', code: 'unknown_word', word: 'subscibe', suggestion: 'subscribe' });
    expect(error('Agnets')).toMatchObject({ suggestion: 'agents' });
    expect(error('xyzzyplugh')).toEqual({ kind: 'error', code: 'unknown_word', word: 'xyzzyplugh' });
  });

  it('bad periods carry the reason and the closest period word', () => {
    expect(error('frt yesterdy')).toEqual({ kind: 'error', code: 'bad_period', word: 'yesterdy', reason: 'not_a_period', suggestion: 'yesterday' });
    expect(error('frt last-mnth')).toEqual({ kind: 'error', code: 'bad_period', word: 'last-mnth', reason: 'not_a_period', suggestion: 'last-month' });
    expect(error('frt 0d')).toEqual({ kind: 'error', code: 'bad_period', word: '0d', reason: 'out_of_range' });
    expect(error('frt 2026-02-30')).toMatchObject({ code: 'bad_period', reason: 'bad_date' });
    expect(error('frt 2026-10-10..2026-10-01')).toMatchObject({ code: 'bad_period', reason: 'ends_before_start' });
    expect(error('frt 2027-01-01')).toMatchObject({ code: 'bad_period', reason: 'starts_after_now' });
    expect(error('yesterdy')).toMatchObject({ code: 'bad_period', suggestion: 'yesterday' });
  });

  it('bad and unknown filters', () => {
    expect(error('frt teem:billing')).toEqual({ kind: 'error', code: 'unknown_filter', word: 'teem', suggestion: 'team' });
    expect(error('frt team:')).toEqual({ kind: 'error', code: 'bad_filter', word: 'team:' });
    expect(error('frt team')).toEqual({ kind: 'error', code: 'bad_filter', word: 'team' });
    expect(error('frt color:red')).toEqual({ kind: 'error', code: 'unknown_filter', word: 'color' });
    expect(error('frt priority:urgnt')).toEqual({ kind: 'error', code: 'unknown_priority', word: 'urgnt', suggestion: 'urgent' });
    expect(error('frt priority:P1')).toEqual({ kind: 'error', code: 'unknown_priority', word: 'P1' });
  });

  it('repeats, misplaced words, unknown words, quotes', () => {
    expect(error('frt 7d 30d')).toEqual({ kind: 'error', code: 'duplicate_word', word: '30d', earlier: '7d' });
    expect(error('frt team:a team:b')).toEqual({ kind: 'error', code: 'duplicate_word', word: 'team:b', earlier: 'team:a' });
    expect(error('frt csat')).toEqual({ kind: 'error', code: 'unexpected_word', word: 'csat' });
    expect(error('frt <#C1AAAA>')).toEqual({ kind: 'error', code: 'unexpected_word', word: '<#C1AAAA>' });
    expect(error('frt shar')).toEqual({ kind: 'error', code: 'unknown_word', word: 'shar', suggestion: 'share' });
    expect(error('frt team:"first line')).toEqual({ kind: 'error', code: 'unterminated_quote', word: '"first line' });
  });

  it('by: splits one metric by a ticket field or a calendar unit, in any place after the metric', () => {
    expect(request('frt 7d by:team')).toEqual({ kind: 'metric', metric: 'frt', period: period('7d'), filters: {}, share: false, by: 'team' });
    expect(request('csat BY=Week priority:high last-month share')).toEqual({ kind: 'metric', metric: 'csat', period: period('last-month'), filters: { priority: 'high' }, share: true, by: 'week' });
    expect(request('escalations by:agent')).toMatchObject({ metric: 'escalations', by: 'agent', period: period('30d') });
    expect(request('churn 90d by:month')).toMatchObject({ metric: 'churn', by: 'month' });
    expect(request('frt 62d by:day')).toMatchObject({ by: 'day' });
    expect('by' in request('frt 7d')).toBe(false);
  });

  it('by: refused where it cannot split, with the word at fault and a better one', () => {
    expect(error('frt by:teams')).toEqual({ kind: 'error', code: 'unknown_breakdown', word: 'by:teams', suggestion: 'by:team' });
    expect(error('frt by:')).toMatchObject({ code: 'unknown_breakdown', word: 'by:' });
    expect(error('frt by:team by:week')).toEqual({ kind: 'error', code: 'duplicate_word', word: 'by:week', earlier: 'by:team' });
    expect(error('frt team:billing by:team')).toEqual({ kind: 'error', code: 'duplicate_word', word: 'by:team', earlier: 'team:billing' });
    expect(error('frt <@U1AAAA> by:agent')).toEqual({ kind: 'error', code: 'duplicate_word', word: 'by:agent', earlier: '<@U1AAAA>' });
    expect(error('frt ann@example.com by:agent')).toEqual({ kind: 'error', code: 'duplicate_word', word: 'by:agent', earlier: 'ann@example.com' });
    expect(error('frt 7d by team')).toEqual({ kind: 'error', code: 'unknown_word', word: 'by', suggestion: 'by:team' });
    expect(error('frt by: week')).toEqual({ kind: 'error', code: 'unknown_breakdown', word: 'by:', suggestion: 'by:week' });
    expect(error('by:team')).toEqual({ kind: 'error', code: 'breakdown_not_applicable', word: 'by:team' });
    expect(error('agents by:team')).toEqual({ kind: 'error', code: 'breakdown_not_applicable', word: 'by:team' });
    expect(error('agent <@U1AAAA> by:week')).toEqual({ kind: 'error', code: 'breakdown_not_applicable', word: 'by:week' });
    expect(error('enps by:team')).toEqual({ kind: 'error', code: 'breakdown_not_applicable', word: 'by:team' });
    expect(error('frt 63d by:day')).toEqual({ kind: 'error', code: 'breakdown_too_long', word: 'by:day', suggestion: 'by:week' });
    expect(error('frt 3000d by:month')).toEqual({ kind: 'error', code: 'breakdown_too_long', word: 'by:month' });
  });

  it('goal: a metric, its value in the metric\'s unit and the filters of its scope; off removes it; alone, the list', () => {
    expect(request('goal frt 1h')).toEqual({ kind: 'goal_set', metric: 'frt', target: 3600, filters: {} });
    expect(request('GOAL frt 4 hours team:"first line" priority:urgent')).toEqual({ kind: 'goal_set', metric: 'frt', target: 14_400, filters: { team: 'first line', priority: 'urgent' } });
    expect(request('goal csat 92,5% channel:email tag:vip source:zendesk')).toEqual({ kind: 'goal_set', metric: 'csat', target: 92.5, filters: { channel: 'email', tag: 'vip', source: 'zendesk' } });
    expect(request('goal nps -10')).toEqual({ kind: 'goal_set', metric: 'nps', target: -10, filters: {} });
    // Kept as judged: a rate or score to a tenth, a duration to the second.
    expect(request('goal csat 92,54')).toMatchObject({ target: 92.5 });
    expect(request('goal frt 1.0001h')).toMatchObject({ target: 3600 });
    expect(request('goal csat 90 % team:billing')).toEqual({ kind: 'goal_set', metric: 'csat', target: 90, filters: { team: 'billing' } });
    // As the bot writes values in Indonesian, Malay and Turkish: `%90`, `30 mnt`, `1 j`, `1 sa`, `2 gün`.
    expect(request('goal csat %90,5')).toMatchObject({ target: 90.5 });
    expect(request('goal frt 30 mnt')).toMatchObject({ target: 1800 });
    expect(request('goal frt 1j')).toMatchObject({ target: 3600 });
    expect(request('goal frt 1 sa')).toMatchObject({ target: 3600 });
    expect(request('goal resolution 2 GÜN')).toMatchObject({ target: 172_800 });
    expect(request('alerts <#C1AAAA> threshold frt &gt; 45 dk')).toMatchObject({ rule: { value: 2700 } });
    expect(request('goal backlog 0')).toEqual({ kind: 'goal_set', metric: 'backlog', target: 0, filters: {} });
    expect(request('goal frt off team:billing')).toEqual({ kind: 'goal_remove', metric: 'frt', filters: { team: 'billing' } });
    expect(request('goal')).toEqual({ kind: 'goals' });
    expect(request('goals')).toEqual({ kind: 'goals' });
    // Setting and removing is for admins; the list is for anyone.
    expect(requiresAdmin(request('goal frt 1h'))).toBe(true);
    expect(requiresAdmin(request('goal frt off'))).toBe(true);
    expect(requiresAdmin(request('goals'))).toBe(false);
  });

  it('goal: refuses what a goal cannot be, naming the word', () => {
    expect(error('goal volume 100')).toEqual({ kind: 'error', code: 'goal_not_for_metric', word: 'volume' });
    expect(error('goal escalations 5')).toEqual({ kind: 'error', code: 'goal_not_for_metric', word: 'escalations' });
    expect(error('goal summary 5')).toEqual({ kind: 'error', code: 'goal_not_for_metric', word: 'summary' });
    expect(error('goal frt 1h agent:ayu')).toEqual({ kind: 'error', code: 'goal_not_for_agent', word: 'agent:ayu' });
    expect(error('goal frt 90')).toEqual({ kind: 'error', code: 'bad_goal', word: '90' });
    expect(error('goal csat 90h')).toEqual({ kind: 'error', code: 'bad_goal', word: '90h' });
    expect(error('goal frt &lt; 1h')).toEqual({ kind: 'error', code: 'bad_goal', word: '<' });
    expect(error('goal csat 120%')).toEqual({ kind: 'error', code: 'goal_out_of_range', word: '120%', range: [0, 100] });
    expect(error('goal ces 9')).toEqual({ kind: 'error', code: 'goal_out_of_range', word: '9', range: [1, 7] });
    expect(error('goal frt')).toEqual({ kind: 'error', code: 'missing_argument', word: 'goal', expected: 'goal' });
    expect(error('goal frt 1h team:a team:b')).toEqual({ kind: 'error', code: 'duplicate_word', word: 'team:b' });
    expect(error('goal frt 1h billing')).toEqual({ kind: 'error', code: 'unexpected_word', word: 'billing' });
    expect(error('goal frt 1h by:team')).toEqual({ kind: 'error', code: 'unexpected_word', word: 'by:team' });
    expect(error('goal churn 5% team:billing')).toEqual({ kind: 'error', code: 'filters_not_applicable', word: 'team:billing' });
    expect(error('goals frt')).toMatchObject({ kind: 'error', code: 'unexpected_word', word: 'frt' });
    // A count is whole: `1,500` is neither 1.5 nor 1500 (the comma is a decimal mark in id, ms and tr).
    expect(error('goal backlog 1,500')).toEqual({ kind: 'error', code: 'count_not_whole', word: '1,500' });
    expect(error('goal overdue 2.5')).toEqual({ kind: 'error', code: 'count_not_whole', word: '2.5' });
    expect(error('alerts <#C1AAAA> threshold backlog &gt; 1,000')).toEqual({ kind: 'error', code: 'count_not_whole', word: '>1,000' });
    // A number and a word that is no unit are named together.
    expect(error('goal frt 1 saat')).toEqual({ kind: 'error', code: 'bad_goal', word: '1 saat' });
    expect(error(`goal backlog ${'9'.repeat(400)}`)).toMatchObject({ kind: 'error', code: 'bad_goal' });
    expect(error(`goal frt ${'9'.repeat(400)}h`)).toMatchObject({ kind: 'error', code: 'bad_goal' });
  });

  it('covers every error code', () => {
    const seen = new Set<string>();
    const texts = [
      'backlgo', 'frt shar', 'explain backlgo', 'frt yesterdy', 'frt team', 'frt teem:x', 'frt 7d 30d', 'explain', 'frt "x', 'subscribe #x daily 09:00',
      'link @ana a@b.co', 'link <@U1AAAA> a@b', 'subscribe <#C1AAAA> daily 25:00', 'subscribe <#C1AAAA> daily 09:00 Mars/Base', 'alerts <#C1AAAA> threshold frt &gt; 4',
      'frt csat', 'churn team:x', 'subscribe <#C1AAAA> cron:"0 25 * * *"', 'subscribe <#C1AAAA> cron:"* * * * *"', 'frt priority:P1', 'alerts quiet <#C1AAAA> 22:00 22:00', 'alerts <#C1AAAA> threshold csat &lt; 180%',
      'language fr',
      'frt by:agnet', 'summary by:team', 'volume 90d by:day', 'alerts <#C1AAAA> overdue by:team',
      'goal volume 100', 'goal frt 1h agent:ayu', 'goal frt fast', 'goal csat 120%', 'goal backlog 2.5', 'alerts <#C1AAAA> threshold backlog goal by:agent',
      'alerts <#C1AAAA> threshold csat &lt; 80% sample:0', 'alerts <#C1AAAA> threshold backlog &gt; 5 sample:3', 'alerts <#C1AAAA> threshold backlog &gt; 5 cooldown:0m', 'agents sort:csta',
      `enps start "${'x'.repeat(301)}"`,
    ];
    for (const text of texts) seen.add(error(text).code);
    expect([...seen].sort()).toEqual([...KPI_COMMAND_ERROR_CODES].sort());
  });

  it('never throws on arbitrary input', () => {
    for (const text of ['<', '>', '<@', '<#', '"', '\u201C', 'agent:', ':', '@', '&lt;&gt;', 'subscribe <#C1|', 'alerts <#C1AAAA> threshold &gt;', '\u0000', 'frt\u00A07d']) {
      // Each is read as a request or refused with one of the codes the replies have words for.
      const result = parse(text);
      if (isCommandError(result)) expect(KPI_COMMAND_ERROR_CODES, text).toContain(result.code);
      else expect(typeof result.kind, text).toBe('string');
    }
  });
});
