/**
 * The Block Kit views are pure: checked here on their JSON, in every language,
 * with inputs large enough to meet Slack's limits (50 blocks per message, 100 on
 * the Home tab, 3,000 characters per section text, 10 fields, 150 characters in
 * a header, 75 on a button, 25 elements per actions block).
 */
import { describe, expect, it } from 'vitest';
import { METRIC_IDS, METRICS, type MetricId } from '../../src/kpi/definitions.js';
import type { MetricResult } from '../../src/kpi/metrics.js';
import { resolvePeriod } from '../../src/kpi/periods.js';
import type { AgentRow, TicketListRow } from '../../src/store/kpi-store.js';
import { LOCALES, type Locale } from '../../src/i18n/locale.js';
import { LIMITS, POSTED_TEXT_BUDGET, clip, lineSections, message, section, type SlackMessage } from '../../src/slack/blocks/kit.js';
import { agentsView, metricView, summaryView } from '../../src/slack/blocks/metric.js';
import { commandErrorView, explainView, helpView } from '../../src/slack/blocks/text-views.js';
import { ticketsView } from '../../src/slack/blocks/tickets.js';
import { homeView } from '../../src/slack/blocks/home.js';
import { t } from '../../src/i18n/catalogue.js';
import { renderMessage } from '../../src/slack/console-render.js';
import { decodeRef, encodeRef, goalLine } from '../../src/slack/blocks/common.js';
import { agentRowsWithGoals, type GoalStatus } from '../../src/kpi/goals.js';
import { renderAlert, renderAlertList, deliveryFailureMessage } from '../../src/slack/blocks/alerts.js';
import { digestView, personalDigestView } from '../../src/slack/blocks/digest.js';
import { enpsAnsweredView, enpsQuestionView } from '../../src/slack/blocks/enps.js';
import { breakdownView } from '../../src/slack/blocks/breakdown.js';
import { goalsView } from '../../src/slack/blocks/goals.js';
import type { BreakdownResult, BreakdownRow } from '../../src/kpi/breakdown.js';

const NOW = Date.parse('2026-11-20T10:00:00Z');
const period = resolvePeriod('30d', NOW, 'Asia/Jakarta');
const long = (n: number) => 'x'.repeat(n);

function ticket(index: number): TicketListRow {
  return {
    source: 'zendesk', externalId: String(10_000 + index), url: `https://example.zendesk.com/agent/tickets/${10_000 + index}?${long(80)}`, createdAt: NOW - index * 3_600_000,
    priority: 'high', team: `Team ${long(120)}`, status: 'open', dueAt: NOW - index * 60_000, escalatedAt: NOW - index * 60_000, assigneeName: `Agent ${long(60)}`, assigneeSlackUserId: index % 2 === 0 ? 'U0000AYU0' : null,
  };
}

function result(metric: MetricId, details: Record<string, unknown>, value: number | null = 3600): MetricResult {
  return {
    metric, period: { from: new Date(period.from).toISOString(), to: new Date(period.to).toISOString(), timezone: period.timezone }, value, unit: METRICS[metric].unit, n: 1234,
    previous: { value: 4000, n: 1000 }, change: -10, trend: 'better', details,
  };
}

const stats = { median: 3600, mean: 5000, p90: 9000, n: 1234 };
const DETAILS: Partial<Record<MetricId, Record<string, unknown>>> = {
  volume: { perDay: 41.1, perWeek: 288, perMonth: 1234, byChannel: Array.from({ length: 300 }, (_, i) => ({ channel: `channel-${i}-${long(200)}`, n: 300 - i })) },
  backlog: { ages: { under1d: 1, d1to3: 2, d3to7: 3, over7d: 4 }, oldest: ticket(1), sevenDaysEarlier: 9, changeAgainstSevenDaysEarlier: 11 },
  resolved: { resolved: 10, unresolved: 5, ratio: 2 },
  frt: { ...stats, awaiting: 3, business: stats },
  response: stats,
  resolution: { full: stats, first: stats, business: { full: stats, first: stats } },
  overdue: { oldest: Array.from({ length: 10 }, (_, i) => ({ ...ticket(i), target: i % 2 === 0 ? 'first_response' : 'resolution' })), breachedShare: 12.5, breached: 5, withTarget: 40 },
  escalations: { created: 100, rate: 7 },
  fcr: { firstContact: 40, resolved: 80 },
  csat: { satisfied: 72, answers: 100 },
  nps: { promoters: 70, passives: 20, detractors: 10 },
  ces: { easyShare: 60 },
  enps: { hidden: true },
  aht: { totalSeconds: 99_999, tickets: 12 },
  churn: { atStart: 100, lost: 4 },
  repeat: { buyers: 50, repeatBuyers: 10 },
  selfservice: { resolvedSessions: 30, ticketsCreated: 70 },
};

const agents: AgentRow[] = Array.from({ length: 300 }, (_, i) => ({
  agentId: i, name: `Agent ${i} ${long(100)}`, email: null, slackUserId: i % 3 === 0 ? `U${String(i).padStart(8, '0')}` : null, solved: i, frtMedian: i * 60, resolutionMedian: i * 600, csat: 80, csatAnswers: 10, fcr: 50, aht: 900, openAssigned: 3, overdue: 1,
}));

/** Every limit, on every block, recursively. */
function expectWithinLimits(message: SlackMessage, maxBlocks: number = LIMITS.messageBlocks): void {
  expect(message.text.length).toBeGreaterThan(0);
  expect(message.text.length).toBeLessThanOrEqual(LIMITS.fallbackText);
  expect(message.blocks.length).toBeLessThanOrEqual(maxBlocks);
  for (const block of message.blocks as unknown as Record<string, unknown>[]) {
    const text = (block.text as { text?: string } | undefined)?.text ?? '';
    if (block.type === 'header') expect(text.length).toBeLessThanOrEqual(LIMITS.headerText);
    if (block.type === 'section') {
      expect(text.length).toBeLessThanOrEqual(LIMITS.sectionText);
      const fields = (block.fields as { text: string }[] | undefined) ?? [];
      expect(fields.length).toBeLessThanOrEqual(LIMITS.fields);
      for (const field of fields) expect(field.text.length).toBeLessThanOrEqual(LIMITS.fieldText);
    }
    if (block.type === 'context') expect((block.elements as unknown[]).length).toBeLessThanOrEqual(LIMITS.contextElements);
    if (block.type === 'actions') {
      const elements = block.elements as { text: { text: string }; value?: string; accessibility_label?: string }[];
      expect(elements.length).toBeLessThanOrEqual(LIMITS.actionsElements);
      for (const element of elements) {
        expect(element.text.text.length).toBeLessThanOrEqual(LIMITS.buttonText);
        expect((element.value ?? '').length).toBeLessThanOrEqual(LIMITS.buttonValue);
        expect((element.accessibility_label ?? '').length).toBeLessThanOrEqual(LIMITS.accessibilityLabel);
      }
    }
  }
}

describe.each(LOCALES)('views in %s stay within Slack\'s limits', (locale: Locale) => {
  it.each(METRIC_IDS.filter((id) => id !== 'summary' && id !== 'agents'))('metric %s', (metric) => {
    const view = metricView({ result: result(metric, DETAILS[metric] ?? {}), period, filters: { team: long(500), tag: 'vip' }, now: NOW, shared: false }, locale);
    expectWithinLimits(view);
    expect(renderMessage(view)).not.toContain('undefined');
    // The handle-time reply counts tickets handled, not the period's volume.
    if (metric === 'aht') expect(renderMessage(view)).toContain({ en: 'Tickets handled', id: 'Tiket yang ditangani', ms: 'Tiket yang dikendalikan', tr: 'İşlenen talepler' }[locale]);
  });

  it('summary, agents, tickets, help, explain, errors, home', () => {
    const summary = summaryView({ metrics: ['volume', 'backlog', 'frt', 'resolution', 'overdue', 'escalations', 'csat', 'fcr'].map((id) => result(id as MetricId, DETAILS[id as MetricId] ?? {})), period, filters: {}, shared: false }, locale);
    expectWithinLimits(summary);
    const agentsMessage = agentsView({ rows: agents, period, filters: {}, shared: false }, locale);
    expectWithinLimits(agentsMessage);
    expect(JSON.stringify(agentsMessage.blocks)).toContain(t(locale, 'tickets.page', { page: 1, pages: 15, total: '300' })); // 300 agents, twenty a page
    expect(JSON.stringify(agentsMessage.blocks)).toContain({ en: 'Open now', id: 'Terbuka saat ini', ms: 'Terbuka sekarang', tr: 'Şu an açık' }[locale]); // counted now, whatever the period
    expectWithinLimits(ticketsView({ list: 'overdue', rows: Array.from({ length: 10 }, (_, i) => ticket(i)), total: 5000, page: 3, period, filters: {}, now: NOW }, locale));
    expectWithinLimits(helpView(locale));
    for (const metric of METRIC_IDS) expectWithinLimits(explainView({ metric, n: 5 }, locale));
    expectWithinLimits(commandErrorView({ kind: 'error', code: 'unknown_word', word: long(4000), suggestion: 'backlog' }, locale));
    const team = ['volume', 'backlog', 'frt', 'resolution', 'overdue', 'escalations', 'csat', 'fcr'].map((id) => result(id as MetricId, DETAILS[id as MetricId] ?? {}));
    const home = homeView({ period, team, now: NOW, mine: { open: Array.from({ length: 15 }, (_, i) => ticket(i)), openTotal: 400, frt: team[2] as MetricResult, csat: team[6] as MetricResult, teamFrt: team[2] as MetricResult, teamCsat: team[6] as MetricResult }, admin: {
      subscriptionCount: 40, alertRuleCount: 12, teamRouteCount: 30, quietHoursCount: 11, goalCount: 200,
      goals: Array.from({ length: 10 }, (_, i) => ({ metric: 'frt' as const, filters: { team: long(300), tag: `t${i}` }, target: 3600 + i })),
      subscriptions: Array.from({ length: 10 }, (_, i) => ({ target: `C000000${i}`, personal: i === 0, schedule: '0 9 * * 1-5', timezone: 'Asia/Jakarta', metrics: ['summary', 'frt', long(300)] })),
      alertRules: Array.from({ length: 10 }, (_, i) => ({ kind: 'sla', channelId: `C00000${i}`, team: long(200) })),
      teamRoutes: Array.from({ length: 10 }, (_, i) => ({ name: long(200), alertChannelId: i % 2 === 0 ? `C00001${i}` : null, leadSlackUserId: i % 3 === 0 ? null : `U00001${i}` })),
      quietHours: Array.from({ length: 10 }, (_, i) => ({ channelId: `C00002${i}`, quiet: { starts: '22:00', ends: '07:00', timezone: 'America/Argentina/ComodRivadavia' } })),
    } }, locale);
    expectWithinLimits(home, LIMITS.homeBlocks);
    // Digests, alerts and the eNPS pulse (src/schedule posts them through the outbox).
    const alertTicket = { externalId: '123', url: `https://example.zendesk.com/agent/tickets/123?${long(100)}`, priority: 'urgent', team: long(300) };
    const assignee = { name: long(200), email: null, slackUserId: 'U0000AYU0' };
    for (const kind of ['sla_warning', 'sla_breach'] as const) {
      expectWithinLimits(renderAlert({ kind, alertId: 1, ticket: alertTicket, target: 'firstResponse', dueAt: NOW, at: NOW - 60_000, percent: 75, assignee, timezone: 'Asia/Jakarta', reminder: 2, leadAfterSeconds: 7200, acknowledged: { by: 'U0000LEAD', at: NOW }, snoozed: { by: 'U0000LEAD', until: NOW + 3_600_000 } }, locale));
    }
    expectWithinLimits(renderAlert({ kind: 'escalation', alertId: 2, ticket: alertTicket, assignee: null, timezone: 'Asia/Jakarta' }, locale));
    expectWithinLimits(renderAlert({ kind: 'threshold_crossed', metric: 'frt', operator: '>', limit: 7200, value: 9000, n: 123_456, windowHours: 24 }, locale));
    expectWithinLimits(renderAlert({ kind: 'threshold_recovered', metric: 'csat', operator: '<', limit: 80, value: null, n: 0, windowHours: 168 }, locale));
    const goal = { target: 90, direction: 'at_least', filters: { team: long(300) }, met: false, gap: 12.5 } as const;
    expectWithinLimits(renderAlert({ kind: 'goal_missed', metric: 'csat', value: 77.5, n: 99_999, windowHours: 168, goal, filters: { team: long(300), priority: 'urgent' }, subject: { by: 'agent', value: long(300), name: long(300), source: 'zendesk' } }, locale));
    expectWithinLimits(renderAlert({ kind: 'goal_met', metric: 'backlog', value: 3, n: 3, windowHours: 24, goal: { ...goal, met: true, gap: 0 }, filters: {} }, locale));
    expectWithinLimits(deliveryFailureMessage({ target: 'C0000GONE', reason: long(500), kind: 'digest' }, locale));
    expectWithinLimits(digestView({ period, filters: { team: long(300) }, metrics: team, backlog: 9999, overdue: 500, oldestOverdue: Array.from({ length: 50 }, (_, i) => ({ ...ticket(i), dueAt: NOW - i * 60_000 })), highlights: agents.slice(0, 50).map((row) => ({ name: row.name, slackUserId: row.slackUserId, solved: row.solved, frtMedian: row.frtMedian })), now: NOW }, locale));
    expectWithinLimits(personalDigestView({ open: 400, overdue: 30, tickets: Array.from({ length: 200 }, (_, i) => ticket(i)), now: NOW }, locale));
    expectWithinLimits(enpsQuestionView({ surveyId: 7, question: long(5000) }, locale));
    expectWithinLimits(enpsAnsweredView('already_answered', locale));
    expect(JSON.stringify(home.blocks)).toContain('<#C0000003>');
  });
});

describe('a button\'s value', () => {
  it('is read back only when it is one of ours: a known metric and list, filters of known keys with text values, whole numbers', () => {
    const ref = { m: 'backlog', p: '30d', f: { team: 'billing' }, l: 'backlog', pg: 1, n: 4 } as const;
    expect(decodeRef(encodeRef(ref))).toEqual(ref);
    for (const bad of [
      { ...ref, m: 'constructor' },
      { ...ref, f: { team: { $gt: '' } } },
      { ...ref, f: ['team'] },
      { ...ref, l: 'everything' },
      { ...ref, pg: 'all' },
      { ...ref, n: 1.5 },
    ]) {
      expect(decodeRef(JSON.stringify(bad)), JSON.stringify(bad)).toBeUndefined();
    }
    expect(decodeRef('{"m":"backlog","p":"30d","f":{"__proto__":"x"}}')).toBeUndefined();
    expect(decodeRef('not json')).toBeUndefined();
  });

  it('is never cut short: a button whose request is over 2,000 characters is left out, not left to do nothing, and no empty row is sent', () => {
    for (const length of [1900, 1960, 1990, 2040, 4000]) {
      const view = metricView({ result: result('backlog', DETAILS.backlog ?? {}), period, filters: { team: 'x'.repeat(length) }, now: NOW, shared: false }, 'en');
      const rows = view.blocks.filter((block) => block.type === 'actions');
      for (const row of rows) {
        expect(row.type === 'actions' && row.elements.length).toBeGreaterThan(0);
        for (const element of row.type === 'actions' ? row.elements : []) {
          const value = (element as { value?: string }).value;
          if (value !== undefined && !value.startsWith('{"m"')) continue;
          if (value !== undefined) expect(decodeRef(value), `${length}: ${value.slice(0, 40)}`).toBeDefined();
        }
      }
      if (length <= 1900) expect(rows.length).toBe(1);
    }
  });
});

describe('a ticket\'s link', () => {
  it('is left out when its URL could break out of Slack\'s <url|label> markup (a link kept before they were checked at ingest): label only, no button URL', () => {
    const alert = (url: string) => renderAlert({ kind: 'escalation', alertId: 2, ticket: { externalId: '42', url, priority: 'urgent', team: null }, assignee: null, timezone: 'Asia/Jakarta' }, 'en');
    const good = JSON.stringify(alert('https://help.example/t/42'));
    expect(good).toContain('<https://help.example/t/42|#42>');
    expect(good).toContain('"url":"https://help.example/t/42"');
    const bad = JSON.stringify(alert('https://help.example/t/1|Reset your password> <!channel'));
    expect(bad).not.toContain('<!channel');
    expect(bad).not.toContain('Reset your password');
    expect(bad).not.toContain('"url"');
    expect(bad).toContain('#42');
  });
});

describe('a metric reply', () => {
  it('says "all tickets" only for metrics that count tickets', () => {
    const contextOf = (metric: MetricId) => {
      const blocks = metricView({ result: result(metric, DETAILS[metric] ?? {}, 5), period, filters: {}, now: NOW, shared: false }, 'en').blocks as unknown as { type: string; elements?: { text: string }[] }[];
      return blocks.find((block) => block.type === 'context')?.elements?.[0]?.text;
    };
    expect(contextOf('churn')).toBe('last 30 days · n = 1,234');
    expect(contextOf('enps')).toBe('last 30 days · n = 1,234');
    expect(contextOf('selfservice')).toBe('last 30 days · n = 1,234');
    expect(contextOf('nps')).toBe('last 30 days · n = 1,234'); // answers need not be about a ticket
    expect(contextOf('csat')).toBe('last 30 days · all tickets · n = 1,234');
    expect(contextOf('backlog')).toBe('last 30 days · all tickets · n = 1,234');
  });

  it('leads with the number and its unit, says whether the move is good, and carries Explain, Show tickets and Share', () => {
    const view = metricView({ result: { ...result('backlog', DETAILS.backlog ?? {}, 120), previous: { value: 100, n: 100 }, change: 20, trend: 'worse' }, period, filters: { team: 'billing' }, now: NOW, shared: false }, 'en');
    const blocks = view.blocks as unknown as { type: string; text?: { text: string }; elements?: { action_id: string; text: { text: string } }[] }[];
    expect(blocks[0]?.text?.text).toBe('Backlog: 120');
    expect(blocks[1]?.text?.text).toBe('▲ 20% vs the previous period · worse\nprevious period: 100');
    expect(blocks.find((block) => block.type === 'context')?.elements?.map((element) => (element as unknown as { text: string }).text)).toEqual(['last 30 days · filters: Team: billing · n = 1,234']);
    expect(blocks.find((block) => block.type === 'actions')?.elements?.map((element) => element.action_id)).toEqual(['kpi_explain', 'kpi_show_tickets', 'kpi_share']);
    expect(view.text).toContain('Backlog: 120');
  });

  it('a summary field says its move in words where an arrow alone says too little: from a previous 0, or no change', () => {
    const fieldsOf = (metrics: MetricResult[]) =>
      (summaryView({ metrics, period, filters: {}, shared: false }, 'en').blocks as unknown as { fields?: { text: string }[] }[]).flatMap((block) => block.fields ?? []).map((field) => field.text);
    const overdue = { ...result('overdue', {}, 4), previous: { value: 0, n: 0 }, change: null, trend: 'worse' as const };
    const backlog = { ...result('backlog', {}, 12), previous: { value: 12, n: 12 }, change: 0, trend: 'same' as const };
    expect(fieldsOf([overdue, backlog])).toEqual(['*SLA overdue*\n4  ▲ up from 0 · worse', '*Backlog*\n12  → no change']);
  });


  it('names the resolved count "Resolved" beside its number, in the header, a summary, a digest and the Home tab: "Resolved vs unresolved: 10" would read as a comparison', () => {
    const resolved = result('resolved', DETAILS.resolved ?? {}, 10);
    const header = (locale: Locale) => (metricView({ result: resolved, period, filters: {}, now: NOW, shared: false }, locale).blocks[0] as unknown as { text: { text: string } }).text.text;
    expect(LOCALES.map(header)).toEqual(['Resolved: 10', 'Selesai: 10', 'Selesai: 10', 'Çözülen: 10']);
    const fieldTexts = (view: SlackMessage) => (view.blocks as unknown as { fields?: { text: string }[] }[]).flatMap((block) => block.fields ?? []).map((field) => field.text);
    const summary = summaryView({ metrics: [resolved], period, filters: {}, shared: false }, 'en');
    expect(fieldTexts(summary)).toEqual(['*Resolved*\n10  ▼ 10% · better']);
    expect(summary.text).toContain('Resolved: 10');
    const digest = digestView({ metrics: [resolved], period, filters: {}, backlog: 0, overdue: 0, oldestOverdue: [], highlights: [], now: NOW }, 'en');
    expect(fieldTexts(digest)).toEqual(['*Resolved*\n10  ▼ 10% · better']);
    expect(digest.text).toContain('Resolved: 10');
    // Where the metric is named, not counted (Explain), it keeps its full name.
    expect((explainView({ metric: 'resolved' }, 'en').blocks[0] as unknown as { text: { text: string } }).text.text).toBe('Resolved vs unresolved');
  });
  it('an alert\'s buttons are read out with their ticket (a channel holds many "Acknowledge"), and the eNPS scale\'s ends with their meaning', () => {
    const labels = (view: SlackMessage) => (view.blocks as unknown as { type: string; elements?: { text: { text: string }; accessibility_label?: string }[] }[]).flatMap((block) => (block.type === 'actions' ? (block.elements ?? []) : [])).map((element) => [element.text.text, element.accessibility_label]);
    const alert = renderAlert({ kind: 'sla_breach', alertId: 1, ticket: { externalId: '48213', url: 'https://help.example.com/t/48213', priority: null, team: null }, target: 'firstResponse', dueAt: NOW, at: NOW, percent: 100, assignee: null, timezone: 'UTC' }, 'tr');
    expect(labels(alert)).toEqual([
      ['Onayla', 'Onayla #48213'], ['1 sa ertele', '1 sa ertele #48213'], ['4 sa ertele', '4 sa ertele #48213'], ['Yarına ertele', 'Yarına ertele #48213'], ['Yardım masasında aç', 'Yardım masasında aç #48213'],
    ]);
    const enps = labels(enpsQuestionView({ surveyId: 7, question: null }, 'en'));
    expect(enps[0]).toEqual(['0', '0 = not at all likely']);
    expect(enps[10]).toEqual(['10', '10 = extremely likely']);
    expect(enps.slice(1, 10).every(([, label]) => label === undefined)).toBe(true);
  });

  it('a summary, a breakdown and a digest name their period and filters in the notification text, and a digest what stands now before the period\'s figures', () => {
    const resolved = result('resolved', DETAILS.resolved ?? {}, 10);
    const week = resolvePeriod('7d', NOW, 'Asia/Jakarta');
    const summary = summaryView({ metrics: [resolved], period: week, filters: { team: 'Billing' }, shared: false }, 'en');
    expect(summary.text).toBe('Support KPIs · last 7 days · filters: Team: Billing · Resolved: 10');
    const digest = digestView({ metrics: [resolved], period, filters: { team: 'Billing' }, backlog: 4, overdue: 1, oldestOverdue: [], highlights: [], now: NOW }, 'id');
    expect(digest.text).toMatch(/^[^·]+ · Tim: Billing · [^·]+: 4 · [^·]+: 1 · Selesai: 10/);
  });

  it('a move from a previous 0 (no percent to give) says "up from 0" in words, not a bare arrow, in every language', () => {
    const fromZero: MetricResult = { ...result('backlog', DETAILS.backlog ?? {}, 2), previous: { value: 0, n: 0 }, change: null, trend: 'worse' };
    const texts = LOCALES.map((locale) => metricView({ result: fromZero, period, filters: {}, now: NOW, shared: false }, locale).text);
    expect(texts[0]).toMatch(/^Backlog: 2 \(▲ up from 0 · worse\) · /);
    for (const [index, locale] of LOCALES.entries()) expect(texts[index], locale).toContain(`▲ ${t(locale, 'trend.up_from', { value: '0' })} · ${t(locale, 'trend.worse')}`);
  });

  it('gives each agent\'s CSAT with the number of answers behind it, so 100% from one answer reads as such; none without a score', () => {
    const rows: AgentRow[] = [
      { ...(agents[1] as AgentRow), name: 'Ayu', csat: 100, csatAnswers: 1 },
      { ...(agents[2] as AgentRow), name: 'Bob', csat: null, csatAnswers: 0 },
    ];
    const texts = (agentsView({ rows, period, filters: {}, shared: false }, 'en').blocks as unknown as { type: string; text?: { text: string } }[]).filter((block) => block.type === 'section').map((block) => block.text?.text ?? '');
    expect(texts[0]).toContain('CSAT: 100% (n = 1) · FCR');
    expect(texts[1]).toContain('CSAT: – · FCR');
  });

  it('labels FCR\'s base as the tickets first solved in the period, not "Resolved", which the resolved metric counts differently', () => {
    const blocks = metricView({ result: result('fcr', DETAILS.fcr ?? {}, 50), period, filters: {}, now: NOW, shared: false }, 'en').blocks as unknown as { type: string; fields?: { text: string }[] }[];
    expect(blocks.find((block) => block.type === 'section' && block.fields !== undefined)?.fields?.map((field) => field.text)).toEqual(['*Resolved at first contact*\n40', '*First solved in the period*\n80']);
  });

  it('says a rate\'s or a score\'s move in points, not as a percent change, in each language', () => {
    const moveOf = (metric: MetricId, value: number, previous: number, change: number, locale: Locale) => {
      const blocks = metricView({ result: { ...result(metric, DETAILS[metric] ?? {}, value), previous: { value: previous, n: 80 }, change, trend: value > previous ? 'better' : 'worse' }, period, filters: {}, now: NOW, shared: false }, locale).blocks as unknown as { text?: { text: string } }[];
      return blocks[1]?.text?.text.split('\n')[0];
    };
    // CSAT from 72.1% to 81%: 8.9 points up (a percent change would say 12%).
    expect(moveOf('csat', 81, 72.1, 12.34, 'en')).toBe('▲ 8.9 pts vs the previous period · better');
    expect(moveOf('csat', 81, 72.1, 12.34, 'id')).toBe('▲ 8,9 poin dibanding periode sebelumnya · lebih baik');
    // NPS from -10 to 10 crosses zero: 20 points, where a percent change would say 200%.
    expect(moveOf('nps', 10, -10, 200, 'ms')).toBe('▲ 20 mata berbanding tempoh sebelumnya · lebih baik');
    expect(moveOf('fcr', 50, 55.5, -9.9, 'tr')).toBe('önceki döneme göre ▼ 5,5 puan · daha kötü');
    // A move that shows as 0 is no change, not "▲ 0% · worse": 21 h 11 min against 21 h 9 min, 0.04 points.
    expect(moveOf('resolution', 76_260, 76_140, 0.16, 'en')).toBe('no change');
    expect(moveOf('csat', 81.04, 81, 0.05, 'id')).toBe(t('id', 'trend.same'));
    expect(moveOf('csat', 81.1, 81, 0.12, 'en')).toBe('▲ 0.1 pts vs the previous period · better');
  });

  it('a period that has ended shows its overdue tickets and ticket lists as they stood at its end', () => {
    const lastWeek = resolvePeriod('last-week', NOW, 'Asia/Jakarta');
    const row = { ...ticket(0), createdAt: lastWeek.to - 3 * 3_600_000, dueAt: lastWeek.to - 3_600_000 }; // due 1 h before the period's end
    const ended: MetricResult = { ...result('overdue', { oldest: [{ ...row, target: 'first_response' }] }, 1), period: { from: new Date(lastWeek.from).toISOString(), to: new Date(lastWeek.to).toISOString(), timezone: lastWeek.timezone } };
    expect(JSON.stringify(metricView({ result: ended, period: lastWeek, filters: {}, now: NOW, shared: false }, 'en').blocks)).toContain('first response · 1 h overdue');
    const list = JSON.stringify(ticketsView({ list: 'backlog', rows: [row], total: 1, page: 0, period: lastWeek, filters: {}, now: NOW }, 'en').blocks);
    expect(list).toContain('open · open 3 h ·');
  });

  it('a ticket\'s priority and status are in the reader\'s language, in ticket lists, the Home tab and alerts', () => {
    const row = { ...ticket(0), priority: 'urgent', status: 'pending', team: 'Ödeme', url: null };
    const words = { en: ['urgent', 'pending'], id: ['mendesak', 'tertunda'], ms: ['segera', 'menunggu'], tr: ['acil', 'beklemede'] } as const;
    for (const locale of LOCALES) {
      const [priority, status] = words[locale];
      const list = renderMessage(ticketsView({ list: 'backlog', rows: [row], total: 1, page: 0, period, filters: {}, now: NOW }, locale));
      expect(list, locale).toContain(`#10000 · ${priority} · Ödeme · ${status} ·`);
      const team = ['volume', 'backlog', 'frt', 'resolution', 'overdue', 'escalations', 'csat', 'fcr'].map((id) => result(id as MetricId, DETAILS[id as MetricId] ?? {}));
      const home = renderMessage(homeView({ period, team, now: NOW, mine: { open: [row], openTotal: 1, frt: team[2] as MetricResult, csat: team[6] as MetricResult, teamFrt: team[2] as MetricResult, teamCsat: team[6] as MetricResult } }, locale) as never);
      expect(home, locale).toContain(`#10000 · ${priority} · Ödeme · ${status} ·`);
      const alert = renderMessage(renderAlert({ kind: 'escalation', alertId: 2, ticket: { ...row, source: 'zendesk' } as never, assignee: null, timezone: 'Asia/Jakarta' }, locale));
      expect(alert, locale).toContain(priority);
      if (locale !== 'en') expect(`${list}\n${home}\n${alert}`, locale).not.toMatch(/\b(urgent|pending)\b/);
    }
  });

  it('a ticket whose SLA clock is paused reads "SLA paused" on the Home tab and in the personal digest, not "no SLA"', () => {
    const team = ['volume', 'backlog', 'frt', 'resolution', 'overdue', 'escalations', 'csat', 'fcr'].map((id) => result(id as MetricId, DETAILS[id as MetricId] ?? {}));
    const paused = { ...ticket(0), status: 'pending', dueAt: null, slaPaused: true };
    const none = { ...ticket(1), status: 'open', dueAt: null, slaPaused: false };
    const home = renderMessage(homeView({ period, team, now: NOW, mine: { open: [paused, none], openTotal: 2, frt: team[2] as MetricResult, csat: team[6] as MetricResult, teamFrt: team[2] as MetricResult, teamCsat: team[6] as MetricResult } }, 'en') as never);
    expect(home).toMatch(/#10000 .*· SLA paused/);
    expect(home).toMatch(/#10001 .*· no SLA/);
    expect(renderMessage(personalDigestView({ open: 1, overdue: 0, tickets: [paused], now: NOW }, 'tr'))).toContain('SLA duraklatıldı');
  });

  it('an SLA alert names the time zone of its due time, read by people in several zones', () => {
    const text = renderMessage(renderAlert({ kind: 'sla_breach', alertId: 1, ticket: { externalId: '123', url: null, priority: 'urgent', team: 'Billing' }, target: 'firstResponse', dueAt: NOW, at: NOW, percent: 100, assignee: null, timezone: 'Asia/Jakarta', acknowledged: { by: 'U0LEAD', at: NOW } }, 'en'));
    expect(text).toContain('Nov 20, 2026, 5:00 PM (Asia/Jakarta)');
    expect(text).toMatch(/@U0LEAD.*\(Asia\/Jakarta\)/);
  });

  it('a threshold or goal alert names the rule\'s filters with the metric, after a split row\'s value: a channel may hold one rule per team', () => {
    const text = (view: Parameters<typeof renderAlert>[0], locale: Locale = 'en') => renderAlert(view, locale).text;
    expect(text({ kind: 'threshold_crossed', metric: 'frt', operator: '>', limit: 7200, value: 9000, n: 1234, windowHours: 24, ruleFilters: { team: 'Billing', priority: 'urgent' } })).toBe(
      'Threshold crossed: First response time (Team: Billing, Priority: urgent) over the last 24 hours is 2 h 30 min (n = 1,234); the rule is &gt; 2 h.',
    );
    const goal = { target: 3600, direction: 'at_most', filters: {}, met: false, gap: 5400 } as const;
    expect(text({ kind: 'goal_missed', metric: 'frt', value: 9000, n: 1234, windowHours: 24, goal, filters: { priority: 'urgent', agent: 'a1' }, ruleFilters: { priority: 'urgent' }, subject: { by: 'agent', value: 'a1', name: 'Ayu', slackUserId: 'U0000AYU' } }, 'tr')).toBe(
      'Hedefe ulaşılamadı: İlk yanıt süresi (Temsilci: <@U0000AYU>, Öncelik: urgent) (son 24 saat): 2 sa 30 dk (n = 1.234); hedef en fazla 1 sa, fark 1 sa 30 dk.',
    );
    expect(text({ kind: 'goal_met', metric: 'backlog', value: 3, n: 3, windowHours: 24, goal: { ...goal, target: 5, met: true, gap: 0 }, filters: {}, ruleFilters: {} })).toBe('Goal met again: Backlog is 3 now; the goal is at most 5.');
  });

  it('the Home tab\'s admin part names metrics and alert kinds in the reader\'s language, not by their ids', () => {
    const team = ['volume', 'backlog', 'frt', 'resolution', 'overdue', 'escalations', 'csat', 'fcr'].map((id) => result(id as MetricId, DETAILS[id as MetricId] ?? {}));
    const admin = {
      subscriptionCount: 2, alertRuleCount: 4, teamRouteCount: 0, quietHoursCount: 0, teamRoutes: [], quietHours: [], goalCount: 2,
      goals: [{ metric: 'frt' as const, filters: {}, target: 3600 }, { metric: 'csat' as const, filters: { team: 'İade' }, target: 90 }],
      subscriptions: [{ target: 'C0000DIGEST', personal: false, schedule: '0 9 * * 1-5', timezone: 'Europe/Istanbul', metrics: ['frt', 'csat'] }, { target: 'U0000AYU', personal: true, schedule: '30 8 * * *', timezone: 'Europe/Istanbul', metrics: [] }],
      alertRules: [{ kind: 'overdue', channelId: 'C0000ALERTS', team: 'İade' }, { kind: 'escalations', channelId: 'C0000ALERTS', team: null }, { kind: 'threshold', channelId: 'C0000ALERTS', team: null }, { kind: 'goal', channelId: 'C0000ALERTS', team: null }],
    };
    const home = renderMessage(homeView({ period, team, now: NOW, admin }, 'tr') as never);
    for (const word of [t('tr', 'metric.frt.name'), t('tr', 'metric.csat.name'), t('tr', 'digest.personal_title'), t('tr', 'admin.alert.overdue'), t('tr', 'admin.alert.escalations'), t('tr', 'admin.alert.kind_threshold'), t('tr', 'admin.alert.kind_goal'), 'İade']) expect(home).toContain(word);
    expect(home).not.toMatch(/· (frt|csat|overdue|escalations|threshold)\b/);
    // The list counts rules (what gets posted where), not the team routes listed apart.
    expect(home).toContain('Uyarı kuralları: 4');
    expect(renderMessage(homeView({ period, team, now: NOW, admin }, 'en') as never)).toContain('Alert rules: 4\n#C0000ALERTS · SLA warnings and breaches · İade\n#C0000ALERTS · escalations\n#C0000ALERTS · threshold alert\n#C0000ALERTS · goal alert');
    // The goals, for admins, as /kpi goals lists them.
    expect(home).toContain('Hedefler: 2\n• İlk yanıt süresi (tüm talepler): en fazla 1 sa\n• ');
    expect(renderMessage(homeView({ period, team, now: NOW, admin: { ...admin, goalCount: 0, goals: [] } }, 'en') as never)).not.toContain('Goals:');
  });

  it('reads durations as people say them, in each language', () => {
    const header = (locale: Locale) => (metricView({ result: result('frt', DETAILS.frt ?? {}, 5040), period, filters: {}, now: NOW, shared: true }, locale).blocks[0] as { text: { text: string } }).text.text;
    expect(header('en')).toBe('First response time: 1 h 24 min');
    expect(header('id')).toBe('Waktu respons pertama: 1 j 24 mnt');
    expect(header('ms')).toBe('Masa tindak balas pertama: 1 j 24 min');
    expect(header('tr')).toBe('İlk yanıt süresi: 1 sa 24 dk');
  });

  it('has no Share button once shared, and names who shared it', () => {
    const view = metricView({ result: result('csat', DETAILS.csat ?? {}, 72), period, filters: {}, now: NOW, shared: true, sharedBy: 'U0000LEAD' }, 'en');
    const text = JSON.stringify(view.blocks);
    expect(text).not.toContain('kpi_share');
    expect(text).toContain('Shared by <@U0000LEAD>');
  });
});

describe('long lists in sections of whole lines', () => {
  /** Every section's text, in order; none may have been clipped (a clip ends in "…"). */
  const sectionTexts = (message: SlackMessage) => message.blocks.flatMap((block) => (block.type === 'section' && block.text !== undefined ? [block.text.text] : []));

  it('a message over 50 blocks ends in a context that says how many were left out, even when its view has no words for it', () => {
    const blocks = Array.from({ length: 60 }, (_, i) => section(`line ${i}`));
    const last = message('x', blocks, () => '').blocks.at(-1);
    expect(last).toEqual({ type: 'context', elements: [{ type: 'mrkdwn', text: '… +11' }] });
  });

  it('past the block limit, a list of lines says how many lines it left out (not sections), in the reader\'s language', () => {
    // 200 goals, each line long enough that a few fill a section: the 50th block says how many goals are not shown.
    const goals = Array.from({ length: 200 }, (_, n) => ({ metric: 'frt' as MetricId, filters: { team: `Team ${n} ${'x'.repeat(900)}` }, target: 3600 + n }));
    for (const locale of LOCALES) {
      const view = goalsView(goals, locale);
      expect(view.blocks).toHaveLength(LIMITS.messageBlocks);
      const shown = view.blocks.flatMap((block) => (block.type === 'section' ? (block.text?.text ?? '').split('\n') : [])).filter((line) => line.startsWith('• '));
      expect(shown.length).toBeGreaterThan(0);
      expect(view.blocks.at(-1), locale).toEqual({ type: 'context', elements: [{ type: 'mrkdwn', text: t(locale, 'list.more', { n: 200 - shown.length }) }] });
    }
  });

  it('a list of SLA alerts is not headed with the word the language uses for a warning (it holds breaches too), nor is a breach\'s reminder', () => {
    for (const locale of LOCALES) {
      // "*SLA warning*" / "*Peringatan SLA*" / "*Amaran SLA*" / "*SLA uyarısı*": the warning's own label.
      const warning = /\*([^*]+)\*/.exec(t(locale, 'alert.sla_warning', { ticket: '#T-1', percent: '75%', target: 'x', due: 'x', left: 'x' }))?.[1] ?? '';
      expect(warning, locale).not.toBe('');
      const list = renderAlertList(['a', 'b', 'c'], [1, 2, 3], locale);
      expect(list.text.toLocaleLowerCase(locale), locale).not.toContain(warning.toLocaleLowerCase(locale));
      expect(t(locale, 'alert.reminder', { n: 1 }).toLocaleLowerCase(locale), locale).not.toContain(warning.toLocaleLowerCase(locale).replace(/ ?sla ?/, ''));
    }
  });

  it('a posted list of 200 SLA alerts keeps its blocks\' text under what chat.postMessage takes, and says how many lines it left out', () => {
    const lines = Array.from({ length: 200 }, (_, n) => `SLA breached: <https://help.example.com/tickets/${n}|#T-${n}> missed its first response target, due Nov 23, 2026, 4:01 PM (Asia/Jakarta).`);
    for (const locale of LOCALES) {
      const view = renderAlertList(lines, lines.map((_, n) => 1000 + n), locale);
      let total = 0;
      const walk = (value: unknown, key: string): void => {
        if (typeof value === 'string') total += key === 'text' ? value.length : 0;
        else if (Array.isArray(value)) for (const item of value) walk(item, key);
        else if (typeof value === 'object' && value !== null) for (const [name, inner] of Object.entries(value)) walk(inner, name);
      };
      walk(view.blocks, '');
      expect(total, locale).toBeLessThanOrEqual(POSTED_TEXT_BUDGET);
      const shown = view.blocks.flatMap((block) => (block.type === 'section' ? (block.text?.text ?? '').split('\n') : [])).filter((line) => line.startsWith('• ')).length;
      expect(shown).toBeGreaterThan(20);
      expect(view.blocks.at(-1), locale).toEqual({ type: 'context', elements: [{ type: 'mrkdwn', text: t(locale, 'list.more', { n: 200 - shown }) }] });
      expect(view.blocks[1]?.type).toBe('actions');
    }
  });

  it('lineSections keeps every line, never splits one between sections, and closes each code block', () => {
    const lines = Array.from({ length: 120 }, (_, i) => `${i}:${'x'.repeat(95)}`);
    const texts = lineSections(lines).map((block) => (block.type === 'section' ? block.text?.text ?? '' : ''));
    expect(texts.length).toBe(4);
    expect(texts.join('\n')).toBe(lines.join('\n'));
    for (const text of texts) expect(text.length).toBeLessThanOrEqual(LIMITS.sectionText);
    const code = lineSections(lines, { code: true }).map((block) => (block.type === 'section' ? block.text?.text ?? '' : ''));
    for (const text of code) expect(text).toMatch(/^```[^`]+```$/);
    expect(code.map((text) => text.slice(3, -3)).join('\n')).toBe(lines.join('\n'));
    // One line longer than a section is clipped on its own; an emoji is never cut in half.
    const [alone] = lineSections([`${'y'.repeat(2998)}🚀🚀`]);
    expect(alone?.type === 'section' ? alone.text?.text : undefined).toBe(`${'y'.repeat(2998)}…`);
    expect(clip('ab🚀cd', 4)).toBe('ab…');
    expect(clip('ab🚀cd', 5)).toBe('ab🚀…');
    // A flag and a family are one grapheme each: kept whole or left out whole.
    expect(clip(`${'x'.repeat(2997)}🇹🇷`, 3000)).toBe(`${'x'.repeat(2997)}…`);
    expect(clip(`${'x'.repeat(2995)}🇹🇷yy`, 3000)).toBe(`${'x'.repeat(2995)}🇹🇷…`);
    expect(clip(`ab👨‍👩‍👧cd`, 8)).toBe('ab…');
    // Never inside an escape, which Slack would show as typed: `&am…`.
    expect(clip('ab &amp; cd', 6)).toBe('ab …');
    expect(clip('ab &amp; cd', 8)).toBe('ab …');
    expect(clip('ab &amp; cd', 9)).toBe('ab &amp;…');
    expect(clip('x &lt;!channel&gt;', 5)).toBe('x …');
    expect(clip('R&D team', 4)).toBe('R&D…');
    expect(clip('İade ödemeleri', 6)).toBe('İade …');
    // A grapheme longer than the window read around the cut is cut at the window, not dropped whole (with all before it).
    const marked = clip(`${'x'.repeat(2000)}a${'\u0301'.repeat(100_000)}`, 3000);
    expect(marked.startsWith('x'.repeat(2000))).toBe(true);
    expect(marked.length).toBeLessThanOrEqual(3000);
  });

  it.each(LOCALES)('in %s, the Home tab\'s tickets, a ticket list page and a personal digest keep every row and their "and N more"', (locale) => {
    // Intercom-length links and a long team name: 15 rows are far over one section's 3,000 characters.
    const row = (i: number): TicketListRow => ({ ...ticket(i), externalId: `2150000000005${String(i).padStart(2, '0')}`, url: `https://app.intercom.com/a/inbox/abcd1234/inbox/conversation/2150000000005${String(i).padStart(2, '0')}?${'q'.repeat(150)}`, team: `🛟 Tim Dukungan & Müşteri Hizmetleri – İstanbul/Jakarta ${'b'.repeat(40)}` });
    const team = ['volume', 'backlog', 'frt', 'resolution', 'overdue', 'escalations', 'csat', 'fcr'].map((id) => result(id as MetricId, DETAILS[id as MetricId] ?? {}));
    const home = homeView({ period, team, now: NOW, mine: { open: Array.from({ length: 15 }, (_, i) => row(i)), openTotal: 40, frt: team[2] as MetricResult, csat: team[6] as MetricResult, teamFrt: team[2] as MetricResult, teamCsat: team[6] as MetricResult }, admin: {
      subscriptionCount: 100, alertRuleCount: 0, teamRouteCount: 0, quietHoursCount: 0, goalCount: 0, goals: [], alertRules: [], teamRoutes: [], quietHours: [],
      subscriptions: Array.from({ length: 10 }, (_, i) => ({ target: `C000000${i}`, personal: false, schedule: '0 9 * * 1-5', timezone: 'Asia/Jakarta', metrics: [...METRIC_IDS] })),
    } }, locale);
    const list = ticketsView({ list: 'overdue', rows: Array.from({ length: 10 }, (_, i) => row(i)), total: 5000, page: 0, period, filters: {}, now: NOW }, locale);
    const digest = personalDigestView({ open: 40, overdue: 3, tickets: Array.from({ length: 15 }, (_, i) => row(i)), now: NOW }, locale);
    for (const [view, rows, more] of [[home, 15, [25, 90]], [list, 10, []], [digest, 15, [25]]] as const) {
      expectWithinLimits(view, LIMITS.homeBlocks);
      const texts = sectionTexts(view);
      for (const text of texts) expect(text.endsWith('…')).toBe(false);
      const all = [...texts, JSON.stringify(view.blocks)].join('\n');
      for (let i = 0; i < rows; i++) expect(all).toContain(`|#2150000000005${String(i).padStart(2, '0')}>`);
      for (const n of more) expect(all).toContain(t(locale, 'list.more', { n }));
      // The Home tab's lists say where to see them all.
      if (view === home) expect(all).toContain(`_${t(locale, 'list.more', { n: 90 })}_ · \`/kpi subscriptions\``);
    }
  });
});

describe('breakdown view', () => {
  const split = (by: BreakdownResult['by'], rows: BreakdownRow[], extra: Partial<BreakdownResult> = {}): BreakdownResult => ({
    metric: 'frt', by, period: result('frt', {}).period, unit: 'seconds', overall: result('frt', {}), rows, more: 0, without: 0, ...extra,
  });
  const row = (key: string, value: number | null, extra: Partial<BreakdownRow> = {}): BreakdownRow => ({ key, from: '2026-10-22T00:00:00.000Z', to: '2026-11-20T10:00:00.000Z', value, n: 7, ...extra });

  it('stays within Slack\'s limits with 62 days and with ten long team names, in every language', () => {
    const days = Array.from({ length: 62 }, (_, index) => row(new Date(Date.UTC(2026, 8, 20 + index)).toISOString().slice(0, 10), index * 60, index === 61 ? { partial: true } : {}));
    const teams = Array.from({ length: 10 }, (_, index) => row(`Team ${index} ${long(190)}`, 3600 + index, { previous: { value: 3000, n: 5 }, change: 20, trend: 'worse' }));
    for (const locale of LOCALES) {
      const byDay = breakdownView({ result: split('day', days), period, filters: { team: long(190) }, shared: false, unmatched: [{ key: 'team', value: long(190) }] }, locale);
      expectWithinLimits(byDay);
      // Every day's line, in sections of whole lines after the overall one.
      const rowSections = byDay.blocks.filter((block) => block.type === 'section').slice(1);
      expect(rowSections.flatMap((block) => (block.type === 'section' ? block.text?.text.split('\n') ?? [] : []))).toHaveLength(62);
      expectWithinLimits(breakdownView({ result: split('team', teams, { more: 40, without: 3 }), period, filters: {}, shared: true, sharedBy: 'U0000AYU0' }, locale));
    }
  });

  it('names the period and filters in the notification text, after the whole\'s value', () => {
    const view = breakdownView({ result: split('team', [row('Billing', 3600), row('Care', 7200)]), period: resolvePeriod('7d', NOW, 'Asia/Jakarta'), filters: { priority: 'urgent' }, shared: false }, 'en');
    expect(view.text).toMatch(/^First response time by team: [^·]+ · last 7 days · filters: Priority: urgent · n = 1,234 · Billing: 1 h · Care: 2 h$/);
  });

  it('names priorities in the reader\'s language, a linked agent by mention, and leaves bars out when a value is below 0', () => {
    const priorities = breakdownView({ result: split('priority', [row('urgent', 7200), row('low', 3600)]), period, filters: {}, shared: false }, 'tr');
    expect(JSON.stringify(priorities.blocks)).toContain('İlk yanıt süresi, önceliğe göre');
    expect(JSON.stringify(priorities.blocks)).toContain('`██████████`  *acil*');
    expect(JSON.stringify(priorities.blocks)).toContain('`█████░░░░░`  *düşük*');
    const agents = breakdownView({ result: split('agent', [row('ayu@example.com', 60, { name: 'Ayu', slackUserId: 'U0000AYU0' }), row('can@example.com', 0, { name: 'Can' })]), period, filters: {}, shared: false }, 'en');
    expect(JSON.stringify(agents.blocks)).toContain('*<@U0000AYU0>*');
    // 0 s is a real value: an empty bar, never "no data".
    expect(JSON.stringify(agents.blocks)).toContain('`░░░░░░░░░░`  *Can*  0 s');
    const nps = breakdownView({ result: { ...split('week', [row('2026-11-02', -20), row('2026-11-09', 40)]), metric: 'nps', unit: 'score' }, period, filters: {}, shared: false }, 'en');
    expect(JSON.stringify(nps.blocks)).not.toContain('█');
    expect(JSON.stringify(nps.blocks)).toContain('*Nov 2*  -20');
  });

  it('renders in the local console as in Slack', () => {
    const text = renderMessage(breakdownView({ result: split('month', [row('2026-10-01', 3600, { partial: true }), row('2026-11-01', 1800)]), period, filters: {}, shared: false }, 'id'));
    expect(text).toContain('Waktu respons pertama bulanan');
    expect(text).toContain('Oktober 2026 ◐');
    expect(text).toContain('◐ hanya sebagian yang masuk periode ini');
  });
});

describe('goal lines', () => {
  const status = (extra: Partial<GoalStatus>): GoalStatus => ({ target: 3600, direction: 'at_most', filters: {}, met: false, gap: 720, ...extra });
  it('say the target, met or missed and by how much, in the metric\'s unit', () => {
    expect(goalLine('en', { metric: 'frt', unit: 'seconds', goal: status({}) }, {})).toBe('Goal: at most 1 h · missed by 12 min');
    expect(goalLine('en', { metric: 'frt', unit: 'seconds', goal: status({ met: true, gap: 0 }) }, {})).toBe('Goal: at most 1 h · met');
    expect(goalLine('en', { metric: 'csat', unit: 'percent', goal: status({ target: 90, direction: 'at_least', gap: 3.25 }) }, {})).toBe('Goal: at least 90% · missed by 3.3 pts');
    expect(goalLine('en', { metric: 'backlog', unit: 'count', goal: status({ target: 20, gap: 7 }) }, {})).toBe('Goal: at most 20 · missed by 7');
    expect(goalLine('en', { metric: 'csat', unit: 'percent', goal: status({ target: 90, direction: 'at_least', met: null, gap: null }) }, {})).toBe('Goal: at least 90% · no data');
    expect(goalLine('en', { metric: 'frt', unit: 'seconds' }, {})).toBe('');
  });

  it('name a metric of customers or answers workspace-wide, not "all tickets"', () => {
    expect(goalLine('en', { metric: 'nps', unit: 'score', goal: status({ target: 30, direction: 'at_least', gap: 12 }) }, { team: 'Billing' })).toBe('Goal (workspace-wide): at least 30 · missed by 12 pts');
  });

  it('name the goal\'s scope when it is wider than the reply\'s filters, not when it is the reply\'s own', () => {
    expect(goalLine('en', { metric: 'frt', unit: 'seconds', goal: status({}) }, { team: 'Onboarding', agent: 'ayu@example.com' })).toBe('Goal (all tickets): at most 1 h · missed by 12 min');
    expect(goalLine('en', { metric: 'frt', unit: 'seconds', goal: status({ filters: { team: 'billing' } }) }, { team: 'Billing ' })).toBe('Goal: at most 1 h · missed by 12 min');
    expect(goalLine('en', { metric: 'frt', unit: 'seconds', goal: status({ filters: { team: 'billing' } }) }, { team: 'Billing', priority: 'high' })).toBe('Goal (Team: billing): at most 1 h · missed by 12 min');
    // No goal is set per agent: an agent's reply names the wider goal that judges it.
    expect(goalLine('en', { metric: 'frt', unit: 'seconds', goal: status({}) }, { agent: 'U0AYU' })).toBe('Goal (all tickets): at most 1 h · missed by 12 min');
    expect(goalLine('en', { metric: 'frt', unit: 'seconds', goal: status({ filters: { team: 'billing' } }) }, { agent: 'U0AYU', team: 'Billing' })).toBe('Goal (Team: billing): at most 1 h · missed by 12 min');
  });
});

describe('the agents table with goals', () => {
  const row = (name: string, frtMedian: number, csat: number | null): AgentRow => ({ agentId: 1, name, email: null, slackUserId: null, solved: 3, frtMedian, resolutionMedian: 7200, csat, csatAnswers: 4, fcr: 50, aht: null, openAssigned: 1, overdue: 0 });
  it('marks each value that misses its goal with how far, rates to a tenth, and says the goals under the table', () => {
    const goals = [{ metric: 'frt', filters: {}, target: 3600 }, { metric: 'csat', filters: {}, target: 89 }, { metric: 'fcr', filters: { team: 'billing' }, target: 60 }] as const;
    const rows = agentRowsWithGoals([row('Ayu', 5400, 95), row('Budi', 1800, 88.94), row('Cem', 1800, null)], goals, { team: 'Billing' });
    const text = renderMessage(agentsView({ rows, period: resolvePeriod('7d', Date.UTC(2026, 10, 20), 'UTC'), filters: { team: 'Billing' }, shared: false }, 'en'));
    expect(text).toContain('Ayu\nSolved: 3 · FRT median: 1 h 30 min :warning: +30 min · Resolution median: 2 h\nCSAT: 95% (n = 4) · FCR: 50% :warning: −10 pts');
    // 88.94% shows as 88.9%: a tenth under the goal of 89%.
    expect(text).toContain('Budi\nSolved: 3 · FRT median: 30 min · Resolution median: 2 h\nCSAT: 88.9% :warning: −0.1 pts (n = 4)');
    // No data misses nothing.
    expect(text).toContain('Cem\nSolved: 3 · FRT median: 30 min · Resolution median: 2 h\nCSAT: – · FCR');
    // Goals wider than the table's filters say their scope; Billing's own does not.
    expect(text).toContain(':warning: misses its goal: FRT median at most 1 h (all tickets), CSAT at least 89% (all tickets), FCR at least 60%');
  });

  it('marks nothing and says nothing without goals', () => {
    const text = renderMessage(agentsView({ rows: agentRowsWithGoals([row('Ayu', 5400, 95)], [], {}), period: resolvePeriod('7d', Date.UTC(2026, 10, 20), 'UTC'), filters: {}, shared: false }, 'en'));
    expect(text).not.toContain(':warning:');
  });
});

