/**
 * Differential test of the Slack surface against oracles written from the docs
 * (docs/slack.md, docs/report.md, docs/metrics.md) and the catalogues.
 *
 * Part 1: random `/kpi` texts from the documented grammar (metric ids, period
 * words, `key:value` filters with quoted and non-ASCII values, `share`, extra
 * blanks, mixed case), sent through `parseKpiCommand` as Slack sends them (with
 * `&`, `<`, `>` escaped), against an oracle parser; invalid texts against the
 * documented errors.
 *
 * Part 2: random tickets, surveys, customers and sessions; `/kpi <metric>
 * <period>` through the real Bolt receiver with signed requests in each
 * language, the numbers of each reply against `computeMetric` on the same
 * database and clock, formatted by an oracle (Intl for digits, docs for
 * durations, percents, points, "no data"); Block Kit limits, the plain-text
 * fallback, escaping, and no text of another language.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METRIC_IDS, type MetricId } from '../../src/kpi/definitions.js';
import { resolvePeriod, type Period } from '../../src/kpi/periods.js';
import { computeAgents, computeMetric, type MetricResult } from '../../src/kpi/metrics.js';
import { KpiStore } from '../../src/store/kpi-store.js';
import { IngestStore } from '../../src/store/ingest-store.js';
import { isCommandError, parseKpiCommand, type KpiCommandError, type KpiRequest } from '../../src/slack/command.js';
import { CATALOGUES } from '../../src/i18n/catalogue.js';
import type { Locale } from '../../src/i18n/locale.js';
import type { Actor, NormalizedEvent, Rating, TicketEvent, TicketEventData, TicketEventType } from '../../src/ingest/events.js';
import { startTestBot, type TestBot } from '../helpers/bot.js';
import { startFakeSlack, type FakeSlack, type RecordedCall } from '../helpers/fake-slack.js';
import { postSlashCommand, SIGNING_SECRET } from '../helpers/slack-requests.js';

// ---------------------------------------------------------------------------------------------------------
// Shared: a seeded generator, the clock, the zone.
// ---------------------------------------------------------------------------------------------------------
const NOW = Date.parse('2026-11-20T10:00:00Z'); // Friday 17:00 in Jakarta
const ZONE = 'Asia/Jakarta'; // UTC+7 all year: local midnight is 17:00 UTC the day before
const OFFSET = 7 * 3_600_000;
const MIN = 60_000;
const H = 60 * MIN;
const DAY = 24 * H;

class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  float(): number {
    // mulberry32
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let x = this.state;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.float() * (max - min + 1));
  }
  chance(p: number): boolean {
    return this.float() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.float() * items.length)] as T;
  }
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i -= 1) {
      const j = Math.floor(this.float() * (i + 1));
      [items[i], items[j]] = [items[j] as T, items[i] as T];
    }
    return items;
  }
  time(from: number, to: number): number {
    return Math.floor(from + this.float() * (to - from));
  }
}

// ---------------------------------------------------------------------------------------------------------
// The documented vocabulary (docs/report.md, docs/slack.md): written out here, not imported.
// ---------------------------------------------------------------------------------------------------------
const DOC_METRICS = [
  'summary', 'volume', 'backlog', 'resolved', 'frt', 'response', 'resolution', 'overdue', 'escalations', 'fcr', 'csat',
  'nps', 'ces', 'enps', 'aht', 'churn', 'repeat', 'selfservice', 'agents',
] as const;
type DocMetric = (typeof DOC_METRICS)[number];
/** "Refused with churn, repeat, enps and selfservice" (report.md, metrics.md Filters). */
const NO_TICKET_FILTERS: readonly DocMetric[] = ['churn', 'repeat', 'enps', 'selfservice'];
const FILTER_KEYS = ['team', 'priority', 'channel', 'source', 'agent', 'tag'] as const;
/** "`priority:` takes `low`, `normal`, `high` or `urgent`, in any case" (slack.md). */
const DOC_PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
type FilterKey = (typeof FILTER_KEYS)[number];
const FIXED_PERIODS = ['today', 'yesterday', '7d', '30d', '90d', 'this-week', 'last-week', 'this-month', 'last-month', 'this-quarter', 'last-quarter', 'this-year', 'last-year'];

/** Every period form report.md lists, `<N>d`/`<N>h` with random N, days and ranges up to now. */
function randomPeriodWord(rng: Rng): string {
  const form = rng.int(0, 5);
  if (form === 0) return `${rng.int(1, 3660)}d`;
  if (form === 1) return `${rng.int(1, 2000)}h`;
  if (form === 2) return localDay(NOW - rng.int(0, 900) * DAY);
  if (form === 3) {
    const start = NOW - rng.int(0, 400) * DAY;
    return `${localDay(start)}..${localDay(Math.min(NOW, start + rng.int(0, 60) * DAY))}`;
  }
  if (form === 4) return `${localDay(NOW - rng.int(0, 400) * DAY)}..`;
  return rng.pick(FIXED_PERIODS);
}

/** `YYYY-MM-DD` of the Jakarta day holding `t`. */
function localDay(t: number): string {
  return new Date(t + OFFSET).toISOString().slice(0, 10);
}
const localMidnight = (day: string) => Date.parse(`${day}T00:00:00Z`) - OFFSET;

/**
 * The period oracle, from report.md and periods' words, in a zone without DST:
 * `[from, to)` of each form at NOW.
 */
function oraclePeriodRange(word: string): { from: number; to: number } {
  const w = word.toLowerCase();
  const today = localMidnight(localDay(NOW));
  const ymd = localDay(NOW).split('-').map(Number) as [number, number, number];
  const monthStart = (y: number, m: number) => localMidnight(new Date(Date.UTC(y, m - 1, 1)).toISOString().slice(0, 10));
  const weekday = (new Date(today + OFFSET).getUTCDay() + 6) % 7; // 0 = Monday
  const quarter = Math.floor((ymd[1] - 1) / 3);
  let m: RegExpExecArray | null;
  if ((m = /^(\d+)d$/.exec(w)) !== null) return { from: today - (Number(m[1]) - 1) * DAY, to: NOW };
  if ((m = /^(\d+)h$/.exec(w)) !== null) return { from: NOW - Number(m[1]) * H, to: NOW };
  switch (w) {
    case 'today': return { from: today, to: NOW };
    case 'yesterday': return { from: today - DAY, to: today };
    case 'this-week': return { from: today - weekday * DAY, to: NOW };
    case 'last-week': return { from: today - (weekday + 7) * DAY, to: today - weekday * DAY };
    case 'this-month': return { from: monthStart(ymd[0], ymd[1]), to: NOW };
    case 'last-month': return { from: monthStart(ymd[0], ymd[1] - 1), to: monthStart(ymd[0], ymd[1]) };
    case 'this-quarter': return { from: monthStart(ymd[0], quarter * 3 + 1), to: NOW };
    case 'last-quarter': return { from: monthStart(ymd[0], quarter * 3 - 2), to: monthStart(ymd[0], quarter * 3 + 1) };
    case 'this-year': return { from: monthStart(ymd[0], 1), to: NOW };
    case 'last-year': return { from: monthStart(ymd[0] - 1, 1), to: monthStart(ymd[0], 1) };
  }
  if ((m = /^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})?$/.exec(w)) !== null) {
    const to = m[2] === undefined ? NOW : Math.min(NOW, localMidnight(m[2]) + DAY);
    return { from: localMidnight(m[1] as string), to };
  }
  if (/^\d{4}-\d{2}-\d{2}$/.test(w)) return { from: localMidnight(w), to: Math.min(NOW, localMidnight(w) + DAY) };
  throw new Error(`oracle: no period ${word}`);
}

// ---------------------------------------------------------------------------------------------------------
// Part 1: the parser.
// ---------------------------------------------------------------------------------------------------------
const FILTER_VALUES = ['billing', 'first line', 'ödeme', 'İade', 'Ödeme Ekibi', 'R&D', 'a<b>c', 'çok acil', 'email', 'VIP', 'ana@example.com', 'Şikâyet', 'x:y'];

/** Slack sends `&`, `<`, `>` escaped (docs/slack.md: should_escape; command.ts header). */
const slackEscape = (text: string) => text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

function randomCase(rng: Rng, word: string): string {
  const form = rng.int(0, 3);
  if (form === 0) return word;
  if (form === 1) return word.toUpperCase();
  // Only ASCII letters change case: `İ`.toLowerCase() is not `i` (see the ambiguities in the report).
  return [...word].map((c) => (/[a-z]/i.test(c) && rng.chance(0.5) ? (rng.chance(0.5) ? c.toUpperCase() : c.toLowerCase()) : c)).join('');
}

function blanks(rng: Rng): string {
  return rng.pick([' ', ' ', '  ', '   ', '\t', ' \t ']);
}

interface Generated {
  readonly text: string;
  readonly metric: DocMetric;
  readonly periodWord?: string;
  readonly filters: Partial<Record<FilterKey, string>>;
  readonly share: boolean;
  /** The filter words as typed, in order, unescaped and unquoted. */
  readonly filterWords: string[];
}

function generateValid(rng: Rng, allowFilters: boolean): Generated {
  const metric = rng.pick(DOC_METRICS);
  const words: { text: string; kind: 'period' | 'filter' | 'share'; plain?: string }[] = [];
  let periodWord: string | undefined;
  if (rng.chance(0.8)) {
    periodWord = randomPeriodWord(rng);
    words.push({ text: randomCase(rng, periodWord), kind: 'period' });
  }
  const filters: Partial<Record<FilterKey, string>> = {};
  if (allowFilters) {
    for (const key of FILTER_KEYS) {
      if (!rng.chance(0.35)) continue;
      const value = key === 'priority' ? randomCase(rng, rng.pick(DOC_PRIORITIES)) : rng.pick(FILTER_VALUES);
      filters[key] = key === 'priority' ? value.toLowerCase() : value;
      const quoted = value.includes(' ') || rng.chance(0.3);
      const typedKey = randomCase(rng, key);
      words.push({ text: `${typedKey}:${quoted ? `"${value}"` : value}`, kind: 'filter', plain: `${typedKey}:${value}` });
    }
  }
  const share = rng.chance(0.3);
  if (share) words.push({ text: randomCase(rng, 'share'), kind: 'share' });
  rng.shuffle(words);
  const parts = [randomCase(rng, metric), ...words.map((w) => w.text)];
  const text = (rng.chance(0.5) ? blanks(rng) : '') + parts.join(blanks(rng)) + (rng.chance(0.5) ? blanks(rng) : '');
  return { text: slackEscape(text), metric, ...(periodWord === undefined ? {} : { periodWord }), filters, share, filterWords: words.filter((w) => w.kind === 'filter').map((w) => w.plain as string) };
}

const parse = (text: string) => parseKpiCommand(text, { now: NOW, timezone: ZONE });

/** The oracle's reading of a generated text. */
function oracleParse(g: Generated): KpiRequest | Pick<KpiCommandError, 'kind' | 'code'> & { word?: string } {
  const hasFilters = Object.keys(g.filters).length > 0;
  if (NO_TICKET_FILTERS.includes(g.metric) && hasFilters) return { kind: 'error', code: 'filters_not_applicable' };
  const period = resolvePeriod(g.periodWord ?? '30d', NOW, ZONE);
  return { kind: 'metric', metric: g.metric as MetricId, period, filters: g.filters, share: g.share };
}

interface InvalidCase {
  readonly text: string;
  readonly codes: readonly KpiCommandError['code'][];
  readonly word: string;
  readonly suggestion?: string;
  readonly reason?: string;
  /** Also accepted as the word at fault. */
  readonly wholeWord?: string;
}

/** Drops one inner letter: a misspelling one edit from the word. */
function misspell(rng: Rng, word: string): string {
  const i = rng.int(1, word.length - 2);
  return word.slice(0, i) + word.slice(i + 1);
}

function generateInvalid(rng: Rng): InvalidCase {
  const metric = rng.pick(DOC_METRICS.filter((m) => !NO_TICKET_FILTERS.includes(m)));
  const tail = () => (rng.chance(0.5) ? ` ${randomPeriodWord(rng)}` : '');
  switch (rng.int(0, 12)) {
    case 0: {
      // "An unknown word is answered with the closest known one".
      const target = rng.pick(['volume', 'backlog', 'resolved', 'overdue', 'escalations', 'selfservice', 'summary'] as const);
      const typo = misspell(rng, target);
      return { text: `${randomCase(rng, typo)}${tail()}`, codes: ['unknown_word', 'unknown_metric'], word: typo, suggestion: target };
    }
    case 1: {
      const target = rng.pick(['yesterday', 'last-month', 'this-quarter', 'last-week', 'this-year'] as const);
      const typo = misspell(rng, target);
      return { text: `${metric} ${typo}`, codes: ['bad_period', 'unknown_word'], word: typo, suggestion: target };
    }
    case 2: {
      const key = rng.pick(['team', 'channel', 'source', 'priority'] as const);
      const typo = misspell(rng, key);
      return { text: `${metric}${tail()} ${typo}:x`, codes: ['unknown_filter'], word: typo, suggestion: key };
    }
    case 3: {
      const first = randomPeriodWord(rng);
      const second = randomPeriodWord(rng);
      return { text: `${metric} ${first} team:x ${second}`, codes: ['duplicate_word'], word: second };
    }
    case 4: {
      const key = rng.pick(FILTER_KEYS);
      const [a, b] = key === 'priority' ? ['low', 'high'] : ['a', 'b c'];
      return { text: `${metric} ${key}:${a} ${key}:"${b}"`, codes: ['duplicate_word'], word: `${key}:${b}` };
    }
    case 5: {
      const other = rng.pick(DOC_METRICS.filter((m) => m !== metric));
      return { text: `${metric}${tail()} ${other}`, codes: ['unexpected_word'], word: other };
    }
    case 6:
      return { text: `${metric} team:"first line`, codes: ['unterminated_quote'], word: '"first line' };
    case 7: {
      const key = rng.pick(FILTER_KEYS);
      return { text: `${metric} ${key}:`, codes: ['bad_filter'], word: `${key}:` };
    }
    case 8: {
      const m = rng.pick(NO_TICKET_FILTERS);
      const key = rng.pick(FILTER_KEYS);
      const value = key === 'priority' ? rng.pick(DOC_PRIORITIES) : rng.pick(FILTER_VALUES);
      const second = key === 'team' ? 'tag' : 'team';
      return { text: slackEscape(`${m}${tail()} ${key}:"${value}" ${second}:z`), codes: ['filters_not_applicable'], word: `${key}:${value}` };
    }
    case 9: {
      const [word, reason] = rng.pick([
        ['0d', 'out_of_range'], ['3661d', 'out_of_range'], ['0h', 'out_of_range'], ['2001h', 'out_of_range'],
        ['2026-02-30', 'bad_date'], ['2026-13-01', 'bad_date'], ['2026-11-10..2026-11-01', 'ends_before_start'],
        ['2026-11-21', 'starts_after_now'], ['2027-01-01..', 'starts_after_now'],
      ] as const);
      return { text: `${metric} ${word}`, codes: ['bad_period'], word, reason };
    }
    case 10: {
      // docs/slack.md: "Metric ids, period words ... and filter keys ... are the same as kpibot report's, in every language".
      const word = rng.pick(['bugün', 'dün', 'hari-ini', 'kemarin', 'bulan-lalu', 'geçen-ay', 'semalam', '7hari', '7gün', 'paylaş', 'bagikan', 'kongsi']);
      return { text: `${metric} ${word}`, codes: ['unknown_word', 'bad_period'], word };
    }
    case 12: {
      // A priority is one of the four; a misspelt one gets the closest.
      const target = rng.pick(['normal', 'urgent'] as const);
      const typo = misspell(rng, target);
      return { text: `${metric}${tail()} priority:${typo}`, codes: ['unknown_priority'], word: typo, suggestion: target };
    }
    default: {
      const key = rng.pick(['tim', 'ekip', 'takım', 'pasukan', 'öncelik', 'prioritas', 'etiket', 'kanal', 'temsilci', 'ejen']);
      // A key with a non-ASCII letter may read as an unknown word as a whole: either is "unknown".
      return { text: `${metric} ${key}:ödeme`, codes: ['unknown_filter', 'unknown_word'], word: key, wholeWord: `${key}:ödeme` };
    }
  }
}

describe('Part 1: parseKpiCommand against the grammar of docs/slack.md', () => {
  it('the documented metric ids are the engine\'s', () => {
    expect([...METRIC_IDS].sort()).toEqual([...DOC_METRICS].sort());
  });

  it('reads every period form at the documented instants (report.md), the same as kpibot report', () => {
    const rng = new Rng(11);
    const words = [...FIXED_PERIODS, '1d', '3660d', '1h', '2000h', '2026-11-20', '2026-11-01..2026-11-30', '2026-10-01..2026-10-31', '2026-11-01..', '2024-02-29'];
    for (let i = 0; i < 60; i += 1) words.push(randomPeriodWord(rng));
    for (const word of words) {
      const request = parse(`csat ${word}`);
      if (isCommandError(request) || request.kind !== 'metric') throw new Error(`csat ${word} → ${JSON.stringify(request)}`);
      expect({ word, from: request.period.from, to: request.period.to }).toEqual({ word, ...oraclePeriodRange(word) });
    }
  });

  it('reads 400 random valid texts: metric, period, filters with quoted and non-ASCII values, share, in any order and case', () => {
    const rng = new Rng(1);
    for (let i = 0; i < 400; i += 1) {
      const g = generateValid(rng, true);
      const actual = parse(g.text);
      const expected = oracleParse(g);
      if (expected.kind === 'error') {
        expect(actual, g.text).toMatchObject({ kind: 'error', code: expected.code });
        // "the first" filter as typed.
        expect((actual as KpiCommandError).word, g.text).toBe(g.filterWords[0]);
      } else {
        expect(actual, g.text).toEqual(expected);
      }
    }
  });

  it('reads the metric alone and a period, filter or share alone (the summary)', () => {
    const rng = new Rng(2);
    for (const metric of DOC_METRICS) expect(parse(`  ${randomCase(rng, metric)}  `)).toMatchObject({ kind: 'metric', metric, period: resolvePeriod('30d', NOW, ZONE), filters: {}, share: false });
    expect(parse('')).toMatchObject({ kind: 'metric', metric: 'summary' });
    expect(parse('  LAST-MONTH  ')).toMatchObject({ kind: 'metric', metric: 'summary', period: resolvePeriod('last-month', NOW, ZONE) });
  });

  it('refuses 300 random invalid texts with the documented error, the word at fault and the closest known word', () => {
    const rng = new Rng(3);
    for (let i = 0; i < 300; i += 1) {
      const c = generateInvalid(rng);
      const actual = parse(c.text);
      expect(isCommandError(actual), `${c.text} → ${JSON.stringify(actual)}`).toBe(true);
      const error = actual as KpiCommandError;
      expect(c.codes, `${c.text} → ${JSON.stringify(error)}`).toContain(error.code);
      expect([c.word.toLowerCase(), c.wholeWord?.toLowerCase()], c.text).toContain(error.word.toLowerCase());
      if (c.suggestion !== undefined) expect(error.suggestion, c.text).toBe(c.suggestion);
      if (c.reason !== undefined) expect(error.reason, c.text).toBe(c.reason);
    }
  });

  it('explain and help: explain <metric>, help <metric>; explain needs a metric', () => {
    for (const metric of DOC_METRICS) {
      expect(parse(`explain ${metric.toUpperCase()}`)).toEqual({ kind: 'explain', metric, share: false });
      expect(parse(`help   ${metric}`)).toEqual({ kind: 'explain', metric, share: false });
    }
    expect(parse('Help')).toEqual({ kind: 'help', share: false });
    expect(parse('explain')).toMatchObject({ kind: 'error', code: 'missing_argument', expected: 'metric' });
    // The help word is English in every language.
    for (const word of ['yardım', 'bantuan']) expect(parse(word)).toMatchObject({ kind: 'error', word });
  });
});

// ---------------------------------------------------------------------------------------------------------
// Part 2: the replies, through the Bolt receiver.
// ---------------------------------------------------------------------------------------------------------
const TEAMS = ['Billing', 'R&D <Ops>', 'Ödeme', 'İade'];
const AGENTS: Actor[] = [
  { type: 'agent', id: 'a-1', email: 'ayu@example.com', name: 'Ayu' },
  { type: 'agent', id: 'a-2', email: 'bob@example.com', name: 'Bob <b> & Co' },
  { type: 'agent', id: 'a-3', email: 'cagri@example.com', name: 'Çağrı' },
];
const TAGS = ['vip', 'a&b', 'escalated-no'];
const CHANNELS = ['email', 'chat', 'phone', 'web<form>'];
const PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
const BOT: Actor = { type: 'bot', id: 'bot' };
const CUSTOMER: Actor = { type: 'customer', id: 'cust' };

function dataset(seed: number, tickets: number): NormalizedEvent[] {
  const rng = new Rng(seed);
  const events: NormalizedEvent[] = [];
  let key = 0;
  const first = NOW - 80 * DAY;
  for (let i = 0; i < tickets; i += 1) {
    const id = `T-${i}`;
    const push = (type: TicketEventType, at: number, data: TicketEventData = {}, actor?: Actor) => {
      if (at >= NOW) return false;
      const event: TicketEvent = { kind: 'ticket', type, externalTicketId: id, occurredAt: at, data, ...(actor === undefined ? {} : { actor }), dedupeKey: `k${key++}` };
      events.push(event);
      return true;
    };
    const created = rng.time(first, NOW - H);
    const assignee = rng.chance(0.85) ? rng.pick(AGENTS) : null;
    const withDue = rng.chance(0.4);
    push('ticket_created', created, {
      status: 'new', priority: rng.pick(PRIORITIES), channel: rng.pick(CHANNELS), team: rng.pick(TEAMS), assignee, tags: TAGS.filter(() => rng.chance(0.3)),
      url: `https://help.example.com/t/${i}`, requesterId: `cu${rng.int(0, 20)}`,
      ...(withDue ? { firstResponseDueAt: created + rng.time(30 * MIN, 2 * DAY), resolutionDueAt: created + rng.time(6 * H, 10 * DAY) } : {}),
    }, CUSTOMER);
    let t = created;
    if (rng.chance(0.2)) push('agent_reply', (t += rng.time(MIN, H)), {}, BOT);
    const replier = () => (assignee !== null && rng.chance(0.8) ? assignee : rng.pick(AGENTS));
    let replied = false;
    if (rng.chance(0.85)) {
      replied = push('agent_reply', (t += rng.time(MIN, 3 * DAY)), { status: 'pending' }, replier());
      if (rng.chance(0.35)) {
        push('customer_message', (t += rng.time(MIN, DAY)), {}, CUSTOMER);
        push('agent_reply', (t += rng.time(MIN, 2 * DAY)), {}, replier());
      }
    }
    let solved = false;
    if (rng.chance(replied ? 0.7 : 0.2)) {
      solved = push('status_changed', (t += rng.time(10 * MIN, 5 * DAY)), { status: rng.chance(0.8) ? 'solved' : 'closed' });
      if (solved && rng.chance(0.25)) {
        push('reopened', (t += rng.time(H, 5 * DAY)), { status: 'open' }, CUSTOMER);
        if (rng.chance(0.6)) push('status_changed', (t += rng.time(10 * MIN, 3 * DAY)), { status: 'solved' });
      }
    }
    for (let k = rng.int(0, 2); k > 0; k -= 1) push('handle_time', rng.time(created, t + DAY), { seconds: rng.int(30, 5000) });
    if (rng.chance(0.12)) push('escalated', rng.time(created, t + DAY), {});
    if (solved && rng.chance(0.7)) {
      const rating: Rating = rng.chance(0.7) ? { kind: 'csat', scale: '1-5', score: rng.int(1, 5) } : { kind: 'csat', scale: 'good-bad', score: rng.int(0, 1) };
      push('rating', t + rng.time(H, 3 * DAY), { rating }, CUSTOMER);
    }
    if (rng.chance(0.25)) push('rating', rng.time(created, t + 10 * DAY), { rating: { kind: 'nps', scale: '0-10', score: rng.int(0, 10) } }, CUSTOMER);
    if (rng.chance(0.25)) push('rating', rng.time(created, t + 10 * DAY), { rating: { kind: 'ces', scale: '1-7', score: rng.int(1, 7) } }, CUSTOMER);
  }
  for (let c = 0; c < 25; c += 1) {
    let t = rng.time(NOW - 200 * DAY, NOW - 60 * DAY);
    events.push({ kind: 'customer', type: 'became_customer', customerId: `cu${c}`, occurredAt: t, dedupeKey: `k${key++}` });
    for (;;) {
      t += rng.time(12 * H, 25 * DAY);
      if (t >= NOW) break;
      const type = rng.pick(['purchase', 'purchase', 'purchase', 'churned', 'reactivated'] as const);
      events.push({ kind: 'customer', type, customerId: `cu${c}`, occurredAt: t, dedupeKey: `k${key++}` });
    }
  }
  for (let s = 0; s < 60; s += 1) {
    const kind = rng.pick(['enps', 'enps', 'nps'] as const);
    events.push({ kind: 'survey', rating: { kind, scale: '0-10', score: rng.int(0, 10) }, occurredAt: rng.time(first, NOW), dedupeKey: `k${key++}`, surveyId: `pulse-${rng.int(1, 3)}` });
  }
  for (let s = 0; s < 80; s += 1) {
    const resolved = rng.chance(0.6);
    events.push({ kind: 'self_service', sessionId: `ss${s}`, startedAt: rng.time(first, NOW), resolvedWithoutTicket: resolved, dedupeKey: `k${key++}`, ...(resolved ? {} : { externalTicketId: `T-${rng.int(0, tickets - 1)}` }) });
  }
  return events;
}

const LOCALES: readonly Locale[] = ['en', 'id', 'ms', 'tr'];
const USERS: Record<Locale, { id: string; slackLocale: string }> = {
  en: { id: 'U0000EN', slackLocale: 'en-US' },
  id: { id: 'U0000ID', slackLocale: 'id-ID' },
  ms: { id: 'U0000MS', slackLocale: 'ms-MY' },
  tr: { id: 'U0000TR', slackLocale: 'tr-TR' },
};

/** metrics.md "Unit": which direction is better (null: neither). */
const HIGHER_IS_BETTER: Record<Exclude<DocMetric, 'summary' | 'agents'>, boolean | null> = {
  volume: null, backlog: false, resolved: true, frt: false, response: false, resolution: false, overdue: false, escalations: false,
  fcr: true, csat: true, nps: true, ces: true, enps: true, aht: false, churn: false, repeat: true, selfservice: true,
};
/** report.md: `percent` and `score` units move in points. */
const UNIT: Record<keyof typeof HIGHER_IS_BETTER, 'seconds' | 'percent' | 'count' | 'score'> = {
  volume: 'count', backlog: 'count', resolved: 'count', frt: 'seconds', response: 'seconds', resolution: 'seconds', overdue: 'count', escalations: 'count',
  fcr: 'percent', csat: 'percent', nps: 'score', ces: 'score', enps: 'score', aht: 'seconds', churn: 'percent', repeat: 'percent', selfservice: 'percent',
};

// --- The formatting oracle ---------------------------------------------------------------------------------
const msg = (locale: Locale, key: keyof typeof CATALOGUES.en) => CATALOGUES[locale][key];
function fill(template: string, params: Record<string, string>): string {
  return template.replace(/\{([a-zA-Z]+)\}/g, (whole, name: string) => params[name] ?? whole);
}
const num = (locale: Locale, n: number, digits = 1) => new Intl.NumberFormat(locale, { maximumFractionDigits: digits }).format(n);
const pct = (locale: Locale, p: number, digits = 1) => new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: digits }).format(p / 100);

/** slack.md: "1 h 24 min", "1 j 24 mnt", "1 j 24 min", "1 sa 24 dk"; metrics.md: shown as "1 h 24 min". Two units at most, to the minute below a day, to the hour from a day on. */
function duration(locale: Locale, seconds: number): string {
  const unit = (key: 'duration.seconds' | 'duration.minutes' | 'duration.hours' | 'duration.days', n: number) => fill(msg(locale, key), { n: num(locale, n) });
  const s = Math.round(seconds);
  if (s < 60) return unit('duration.seconds', s);
  const minutes = Math.round(s / 60);
  if (minutes < 60) return unit('duration.minutes', minutes);
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return [unit('duration.hours', hours), ...(minutes % 60 === 0 ? [] : [unit('duration.minutes', minutes % 60)])].join(' ');
  // From a day on, to the nearest hour.
  const wholeHours = Math.round(s / 3600);
  const days = Math.floor(wholeHours / 24);
  return [unit('duration.days', days), ...(wholeHours % 24 === 0 ? [] : [unit('duration.hours', wholeHours % 24)])].join(' ');
}

/** A value in its unit; metrics.md: no data is "no data", never 0. */
function value(locale: Locale, v: number | null, unit: string): string {
  if (v === null) return msg(locale, 'value.no_data');
  if (unit === 'seconds') return duration(locale, v);
  if (unit === 'percent') return pct(locale, v);
  return num(locale, v);
}

/** The trend line, or undefined when nothing may be said (either side null). Percent changes are whole percents (slack.md). */
function trendOptions(locale: Locale, metric: keyof typeof HIGHER_IS_BETTER, r: MetricResult): string[] | undefined {
  const v = r.value;
  const p = r.previous.value;
  if (v === null || p === null) return undefined;
  if (v === p) return [msg(locale, 'trend.same')];
  const arrow = v > p ? '▲' : '▼';
  const unit = UNIT[metric];
  // slack.md: "a move that shows as 0 reads 'no change', with no better or worse" (0 points to one decimal, 0% whole).
  const inPoints = unit === 'percent' || unit === 'score';
  if (inPoints ? Math.round(Math.abs(v - p) * 10) === 0 : p !== 0 && Math.round((Math.abs(v - p) / Math.abs(p)) * 100) === 0) return [msg(locale, 'trend.same')];
  let amounts: string[];
  if (inPoints) amounts = [` ${fill(msg(locale, 'trend.points'), { n: num(locale, Math.abs(v - p)) })}`];
  else if (p === 0) amounts = [''];
  else {
    const change = (Math.abs(v - p) / Math.abs(p)) * 100;
    amounts = [` ${pct(locale, change, 0)}`];
  }
  const better = HIGHER_IS_BETTER[metric];
  const verdict = better === null ? '' : (v > p) === better ? msg(locale, 'trend.better') : msg(locale, 'trend.worse');
  return amounts.map((amount) => {
    const moved = fill(msg(locale, 'trend.vs_previous'), { change: `${arrow}${amount}` });
    return verdict === '' ? moved : `${moved} · ${verdict}`;
  });
}

interface Block {
  type: string;
  text?: { type: string; text: string };
  fields?: { text: string }[];
  elements?: { type?: string; text?: string | { text: string } }[];
}

/** Slack's limits (slack.md Limits). */
function checkLimits(where: string, reply: RecordedCall): void {
  const blocks = reply.args.blocks as Block[];
  expect(Array.isArray(blocks), where).toBe(true);
  expect(blocks.length, where).toBeLessThanOrEqual(50);
  for (const block of blocks) {
    if (block.type === 'header') expect([...(block.text?.text ?? '')].length, where).toBeLessThanOrEqual(150);
    if (block.type === 'section') {
      expect((block.text?.text ?? '').length, where).toBeLessThanOrEqual(3000);
      expect((block.fields ?? []).length, where).toBeLessThanOrEqual(10);
    }
    if (block.type === 'actions') for (const e of block.elements ?? []) expect(String((e.text as { text: string } | undefined)?.text ?? '').length, where).toBeLessThanOrEqual(75);
  }
  // A plain-text fallback (notifications, screen readers).
  expect(typeof reply.args.text, where).toBe('string');
  expect(String(reply.args.text).trim().length, where).toBeGreaterThan(0);
}

/** Every visible text of a reply, the fallback included. */
function texts(reply: RecordedCall): string[] {
  const out = [String(reply.args.text ?? '')];
  for (const block of reply.args.blocks as Block[]) {
    if (block.text !== undefined) out.push(block.text.text);
    for (const f of block.fields ?? []) out.push(f.text);
    for (const e of block.elements ?? []) if (e.text !== undefined) out.push(typeof e.text === 'string' ? e.text : e.text.text);
  }
  return out;
}

/**
 * Phrases only another language has: each catalogue text's literal stretches (between placeholders and
 * markup) of 12+ characters that appear nowhere in this language's catalogue.
 */
function foreignPhrases(locale: Locale): string[] {
  const own = Object.values(CATALOGUES[locale]).join('\n');
  const phrases = new Set<string>();
  for (const other of LOCALES) {
    if (other === locale) continue;
    for (const text of Object.values(CATALOGUES[other])) {
      for (const piece of text.split(/\{[a-zA-Z]+\}|`[^`]*`|[*_:]/)) {
        const phrase = piece.trim();
        if (phrase.length >= 12 && !own.includes(phrase)) phrases.add(phrase);
      }
    }
  }
  return [...phrases];
}

describe('Part 2: /kpi replies through the Bolt receiver, against computeMetric and a formatting oracle', () => {
  let slack: FakeSlack;
  let bot: TestBot;
  let store: KpiStore;
  let sequence = 0;

  beforeAll(async () => {
    slack = await startFakeSlack();
    slack.answer('users.info', (call) => {
      const id = String(call.args.user);
      const locale = Object.values(USERS).find((u) => u.id === id)?.slackLocale ?? 'en-US';
      return { body: { ok: true, user: { id, is_admin: false, is_owner: false, locale, profile: {} } } };
    });
    bot = await startTestBot({ SLACK_BOT_TOKEN: 'xoxb-test', SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: slack.url, KPI_TIMEZONE: ZONE, KPI_LOCALE: 'en' }, { clock: () => NOW });
    await new IngestStore(bot.db, { escalationGroups: [], escalationTag: 'escalated' }, () => NOW).recordEvents('generic', dataset(7, 260));
    store = new KpiStore(bot.db);
  });
  afterAll(async () => {
    await bot?.dispose();
    await slack?.close();
  });

  async function command(text: string, locale: Locale): Promise<RecordedCall> {
    const before = slack.callsTo('response_url').length;
    const ack = await postSlashCommand(bot.url, { text, userId: USERS[locale].id, responseUrl: slack.responseUrl(`c${++sequence}`) });
    expect(ack.status).toBe(200);
    const replies = await slack.waitFor('response_url', before + 1);
    return replies[before] as RecordedCall;
  }

  const METRICS_SHOWN = DOC_METRICS.filter((m): m is keyof typeof HIGHER_IS_BETTER => m !== 'summary' && m !== 'agents');
  const PERIODS = ['7d', '30d', 'last-month', 'today', '2026-10-01..2026-10-31', '48h', 'this-week', '2026-11-01..'];

  async function checkMetricReply(metric: keyof typeof HIGHER_IS_BETTER, periodWord: string, locale: Locale): Promise<void> {
    const text = `${metric} ${periodWord}`;
    const where = `[${locale}] /kpi ${text}`;
    const reply = await command(text, locale);
    checkLimits(where, reply);
    const period: Period = resolvePeriod(periodWord, NOW, ZONE);
    const result = await computeMetric(metric, store, period, {}, NOW);
    const blocks = reply.args.blocks as Block[];
    // The resolved metric's number counts resolved tickets, so its header says "Resolved", not the metric's full name.
    const name = metric === 'resolved' ? msg(locale, 'detail.resolved') : msg(locale, `metric.${metric}.name` as keyof typeof CATALOGUES.en);
    // Header: the metric's name and its value.
    expect(blocks[0]?.type, where).toBe('header');
    expect(blocks[0]?.text?.text, where).toBe(`${name}: ${value(locale, result.value, UNIT[metric])}`);
    // The trend and the previous period.
    const lines = (blocks[1]?.text?.text ?? '').split('\n');
    const previous = fill(msg(locale, 'view.previous'), { value: value(locale, result.previous.value, UNIT[metric]) });
    expect(lines, where).toContain(previous);
    const trend = trendOptions(locale, metric, result);
    exercised.add(trend === undefined ? 'no-trend' : result.value === result.previous.value ? 'same' : UNIT[metric] === 'percent' || UNIT[metric] === 'score' ? 'points' : result.previous.value === 0 ? 'from-zero' : 'percent');
    if (result.value === null) exercised.add('no-data');
    if (trend === undefined) expect(lines, where).toEqual([previous]);
    else expect(trend, `${where}: ${JSON.stringify(lines)} (value ${result.value}, previous ${result.previous.value})`).toContain(lines[0]);
    // n, formatted for the language.
    const all = texts(reply).join('\n');
    expect(all, where).toContain(fill(msg(locale, 'view.n'), { n: num(locale, result.n) }));
    // The fallback carries the name and value.
    expect(String(reply.args.text), where).toContain(`${name}: ${value(locale, result.value, UNIT[metric])}`);
    // Durations in the details: median, mean and p90 as the docs write them.
    if (metric === 'frt' || metric === 'response' || metric === 'resolution') {
      const stats = (metric === 'resolution' ? result.details.full : result.details) as { median: number | null; mean: number | null; p90: number | null };
      const fieldTexts = blocks.flatMap((b) => b.fields ?? []).map((f) => f.text);
      for (const [key, v] of [['detail.median', stats.median], ['detail.mean', stats.mean], ['detail.p90', stats.p90]] as const) {
        expect(fieldTexts, where).toContain(`*${msg(locale, key)}*\n${value(locale, v, 'seconds')}`);
      }
    }
    // Nothing of another language.
    for (const phrase of foreign[locale]) expect(all.includes(phrase) ? phrase : '', where).toBe('');
  }

  const exercised = new Set<string>();
  const foreign = Object.fromEntries(LOCALES.map((l) => [l, foreignPhrases(l)])) as Record<Locale, string[]>;

  for (const locale of LOCALES) {
    it(`[${locale}] every metric's reply: value, previous, change, n against computeMetric`, async () => {
      const rng = new Rng(100 + LOCALES.indexOf(locale));
      for (const metric of METRICS_SHOWN) for (const word of [rng.pick(PERIODS)]) await checkMetricReply(metric, word, locale);
    });
  }

  it('the random replies exercised every kind of move: points, percent change, none', () => {
    for (const kind of ['points', 'percent', 'no-trend']) expect([...exercised]).toContain(kind);
    // The leak check has phrases to look for in each language (an English reply would show dozens of them in Turkish).
    for (const locale of LOCALES) expect(foreign[locale].length).toBeGreaterThan(100);
    expect(foreign.tr).toContain('vs the previous period');
  });

  it('no data: a period with no tickets shows "no data" with n = 0 in every language, and no trend', async () => {
    for (const locale of LOCALES) {
      for (const metric of ['frt', 'csat', 'nps', 'aht'] as const) await checkMetricReply(metric, '2025-01-01..2025-01-31', locale);
    }
    const reply = await command('frt 2025-01-01..2025-01-31', 'tr');
    expect((reply.args.blocks as Block[])[0]?.text?.text).toBe(`${msg('tr', 'metric.frt.name')}: ${msg('tr', 'value.no_data')}`);
  });

  it('escapes & < > of team, tag, channel and agent names in every reply', async () => {
    for (const locale of LOCALES) {
      const filtered = await command(slackEscape('backlog team:"R&D <Ops>" tag:a&b'), locale);
      checkLimits(`[${locale}] backlog filtered`, filtered);
      const all = texts(filtered).join('\n');
      expect(all).toContain('R&amp;D &lt;Ops&gt;');
      expect(all).toContain('a&amp;b');
      expect(all).not.toContain('<Ops>');
      // The filtered number is the filtered computation.
      const result = await computeMetric('backlog', store, resolvePeriod('30d', NOW, ZONE), { team: 'R&D <Ops>', tag: 'a&b' }, NOW);
      expect((filtered.args.blocks as Block[])[0]?.text?.text).toBe(`${msg(locale, 'metric.backlog.name')}: ${value(locale, result.value, 'count')}`);
      const agents = texts(await command('agents 90d', locale)).join('\n');
      expect(agents).toContain('Bob &lt;b&gt; &amp; Co');
      expect(agents).not.toContain('<b>');
      const volume = texts(await command('volume 90d', locale)).join('\n');
      expect(volume).toContain('web&lt;form&gt;');
      expect(volume).not.toContain('web<form>');
      for (const text of [...texts(filtered)]) expect(text).not.toMatch(/&(?!amp;|lt;|gt;)/);
    }
  });

  it('answers a documented error in the asker\'s language, with the closest known word', async () => {
    const cases: { text: string; key: keyof typeof CATALOGUES.en; word: string; suggestion?: string }[] = [
      { text: 'backlgo', key: 'error.unknown_word', word: 'backlgo', suggestion: 'backlog' },
      { text: 'frt 0d', key: 'error.bad_period.out_of_range', word: '0d' },
      { text: 'frt teem:x', key: 'error.unknown_filter', word: 'teem', suggestion: 'team' },
      { text: 'frt priority:hgh', key: 'error.unknown_priority', word: 'hgh', suggestion: 'high' },
      { text: 'churn team:x', key: 'error.filters_not_applicable', word: 'team:x' },
      { text: 'frt 2026-11-10..2026-11-01', key: 'error.bad_period.ends_before_start', word: '2026-11-10..2026-11-01' },
    ];
    for (const locale of LOCALES) {
      for (const c of cases) {
        const reply = await command(c.text, locale);
        checkLimits(`[${locale}] ${c.text}`, reply);
        const all = texts(reply).join('\n');
        const head = msg(locale, c.key).split('{')[0] ?? '';
        expect(all, `[${locale}] ${c.text}`).toContain(`${head}${c.word}`);
        if (c.suggestion !== undefined) expect(all).toContain(fill(msg(locale, 'error.suggestion'), { suggestion: c.suggestion }));
        for (const phrase of foreign[locale]) expect(all.includes(phrase) ? phrase : '', `[${locale}] ${c.text}`).toBe('');
      }
    }
  });

  it('oversized names stay within Slack\'s limits: a 4,000-character team filter, 33 agents with 200-character names (20 a page)', async () => {
    const long = `Team & <${'x'.repeat(4000)}>`;
    const events: NormalizedEvent[] = [];
    for (let i = 0; i < 30; i += 1) {
      const agent: Actor = { type: 'agent', id: `big-${i}`, email: `big${i}@example.com`, name: `Agent ${i} & <${'y'.repeat(200)}>` };
      const created = NOW - (i + 2) * H;
      events.push(
        { kind: 'ticket', type: 'ticket_created', externalTicketId: `BIG-${i}`, occurredAt: created, actor: CUSTOMER, data: { status: 'new', team: long, assignee: agent }, dedupeKey: `big-${i}-1` },
        { kind: 'ticket', type: 'agent_reply', externalTicketId: `BIG-${i}`, occurredAt: created + 10 * MIN, actor: agent, data: {}, dedupeKey: `big-${i}-2` },
        { kind: 'ticket', type: 'status_changed', externalTicketId: `BIG-${i}`, occurredAt: created + 20 * MIN, data: { status: 'solved' }, dedupeKey: `big-${i}-3` },
      );
    }
    await new IngestStore(bot.db, { escalationGroups: [], escalationTag: 'escalated' }, () => NOW).recordEvents('generic', events);
    const rows = (await computeAgents(store, resolvePeriod('30d', NOW, ZONE), {}, NOW)).rows.length;
    expect(rows).toBeGreaterThan(20);
    for (const locale of LOCALES) {
      const agents = await command('agents 30d', locale);
      checkLimits(`[${locale}] agents 30d`, agents);
      expect(texts(agents).join('\n')).toContain(fill(msg(locale, 'tickets.page'), { page: '1', pages: String(Math.ceil(rows / 20)), total: num(locale, rows) }));
      expect(texts(agents).join('\n')).not.toMatch(/<y/);
      const filtered = await command(slackEscape(`frt 30d team:"${long}"`), locale);
      checkLimits(`[${locale}] frt team:<4000 chars>`, filtered);
      const result = await computeMetric('frt', store, resolvePeriod('30d', NOW, ZONE), { team: long }, NOW);
      expect((filtered.args.blocks as Block[])[0]?.text?.text).toBe(`${msg(locale, 'metric.frt.name')}: ${value(locale, result.value, 'seconds')}`);
      expect(texts(filtered).join('\n')).not.toMatch(/<x/);
    }
  });

  it('summary and agents replies stay within Slack\'s limits, in every language', async () => {
    for (const locale of LOCALES) {
      for (const text of ['', 'summary 90d', 'agents 90d', 'agents 7d team:Ödeme', 'help', 'explain resolution']) {
        const reply = await command(text, locale);
        checkLimits(`[${locale}] /kpi ${text}`, reply);
        const all = texts(reply).join('\n');
        // explain: the definitions are English in every language (slack.md); leave that text out of the leak check.
        if (!text.startsWith('explain')) for (const phrase of foreign[locale]) expect(all.includes(phrase) ? phrase : '', `[${locale}] /kpi ${text}`).toBe('');
      }
    }
  });
});
