/**
 * A seeded differential test of `kpibot import`.
 *
 * A generator draws random ticket tables (facts: instants in UTC milliseconds,
 * canonical values) and writes each one several ways: the presets' headers
 * (Zendesk, Freshdesk, Zoho Desk) or custom headers read through `--map` or the
 * automatic match, every date form of docs/import.md (ISO with and without a
 * zone, day-first, month-first, month names, epoch, date only), every duration
 * form, quoted cells holding commas, quotes and newlines, a BOM, CRLF, blank
 * lines, `?` and empty cells, shuffled columns. Each rendering goes through the
 * real import (the CLI's own argument parsing, then runImport) into a real
 * database (SQLite, or PostgreSQL with TEST_DATABASE_URL).
 *
 * The oracle is written from docs/import.md ("What a row becomes", "Values")
 * and docs/metrics.md only: it turns the facts into the expected `tickets`
 * row, tags and ratings, and the expected volume, resolved, frt, resolution,
 * fcr, csat, aht and escalations, which computeMetric must give.
 *
 * Readings chosen where the docs leave room are marked READING. The generator
 * leaves out rows whose meaning the docs leave open: a Solved status with only
 * closed_at, an open-like status with closed_at, an e-mail column empty beside
 * an assignee name.
 *
 * The last tests ("Focused cases") are the smallest files for what the
 * differential tests found where the import disagrees with docs/import.md;
 * the differential tests keep clear of those cases (LF inside quoted cells,
 * a stray quote only as the last LF-ended record) so that they check the rest.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TZDate } from '@date-fns/tz';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseImportArgs } from '../../src/cli-import.js';
import { parseConfig } from '../../src/config.js';
import { runImport, type ImportOptions, type ImportSummary } from '../../src/ingest/csv/run-import.js';
import { computeMetric } from '../../src/kpi/metrics.js';
import type { Database } from '../../src/store/database.js';
import { KpiStore } from '../../src/store/kpi-store.js';
import { TEST_ENGINE, useTestDatabase } from '../helpers/databases.js';
import { Rng } from '../helpers/random.js';
import { DAY, H, MIN, NOW, PERIOD, at } from '../helpers/ticket-log.js';

// ---------------------------------------------------------------------------
// Fixed instants

/** Creation times are drawn here: before, across and after both periods, over two DST ends (Europe 25 Oct, US 1 Nov). */
const GEN_FROM = at('2026-09-26T00:00:00Z');
const GEN_TO = at('2026-11-12T00:00:00Z');

// ---------------------------------------------------------------------------
// Facts

type Dialect = 'zendesk' | 'freshdesk' | 'zohodesk' | 'custom';
type StatusCat = 'new' | 'open' | 'pending' | 'on-hold' | 'solved' | 'closed';
type Priority = 'low' | 'normal' | 'high' | 'urgent';
type Field =
  | 'id' | 'created_at' | 'first_response_at' | 'resolved_at' | 'closed_at' | 'status' | 'priority' | 'channel' | 'group'
  | 'assignee_email' | 'assignee' | 'requester' | 'csat' | 'nps' | 'ces' | 'reopens' | 'agent_replies' | 'escalated' | 'handle_time' | 'tags';
interface Csat {
  readonly scale: '1-5' | 'good-bad';
  readonly score: number;
}
interface Facts {
  id: string;
  created: number;
  firstResponse?: number;
  resolved?: number;
  closed?: number;
  status: StatusCat;
  /** undefined: no priority cell; null: a word the import does not know (left unset). */
  priority?: Priority | null;
  channel?: string;
  group?: string;
  assigneeName?: string;
  assigneeEmail?: string;
  requester?: string;
  csat?: Csat;
  nps?: number;
  ces?: number;
  reopens?: number;
  replies?: number;
  escalated?: boolean;
  handle?: number;
  tags: string[];
  subject: string;
}

const OPEN_LIKE: readonly StatusCat[] = ['new', 'open', 'pending', 'on-hold'];
const isOpenLike = (status: StatusCat) => OPEN_LIKE.includes(status);

/** The words each helpdesk writes for a status (docs/import.md, Values). */
const STATUS_WORDS: Record<Dialect, Partial<Record<StatusCat, readonly string[]>>> = {
  zendesk: { new: ['New'], open: ['Open'], pending: ['Pending'], 'on-hold': ['On-hold'], solved: ['Solved'], closed: ['Closed'] },
  freshdesk: { open: ['Open'], pending: ['Pending', 'Waiting on Customer', 'Waiting on Third Party'], solved: ['Resolved'], closed: ['Closed'] },
  zohodesk: { open: ['Open', 'Escalated'], 'on-hold': ['On Hold'], closed: ['Closed'] },
  custom: {
    new: ['New'], open: ['Open', 'In progress', 'Active', 'Escalated'], pending: ['Pending', 'Awaiting reply', 'Pending Customer Response', 'Waiting on vendor'],
    'on-hold': ['On Hold', 'On-hold'], solved: ['Solved', 'Resolved', 'Done', 'Completed'], closed: ['Closed', 'Cancelled'],
  },
};
const PRIORITY_WORDS: Record<Dialect, Partial<Record<Priority | 'unknown', readonly string[]>>> = {
  zendesk: { low: ['Low'], normal: ['Normal'], high: ['High'], urgent: ['Urgent'] },
  freshdesk: { low: ['Low'], normal: ['Medium'], high: ['High'], urgent: ['Urgent'] },
  zohodesk: { low: ['Low'], normal: ['Medium'], high: ['High'], unknown: ['-None-'] },
  custom: {
    low: ['Low', 'Minor', 'P4', '4 - Low'], normal: ['Normal', 'Medium', 'Moderate', 'P3', '3 - Moderate'], high: ['High', 'Major', 'P2'],
    urgent: ['Urgent', 'Critical', 'Highest', 'P1', '1 - Critical'], unknown: ['Someday', 'Whenever'],
  },
};
const CHANNEL_WORDS: Record<string, readonly string[]> = {
  email: ['Mail', 'E-mail', 'Email', 'email'], web: ['Web Form', 'Web', 'web'], chat: ['Chat', 'CHAT'], phone: ['Phone'], portal: ['Portal'], 'social media': ['Social Media'],
};
const CSAT_WORDS: Record<Dialect, readonly [Csat, readonly string[]][]> = {
  zendesk: [[{ scale: 'good-bad', score: 1 }, ['Good', 'Good, I\'m satisfied']], [{ scale: 'good-bad', score: 0 }, ['Bad', 'Bad, I\'m unsatisfied']]],
  freshdesk: [[{ scale: 'good-bad', score: 1 }, ['Extremely Happy', 'Very Happy', 'Happy']], [{ scale: 'good-bad', score: 0 }, ['Unhappy', 'Very Unhappy', 'Extremely Unhappy']]],
  zohodesk: [[{ scale: 'good-bad', score: 1 }, ['Good']], [{ scale: 'good-bad', score: 0 }, ['Bad']]],
  custom: [
    [{ scale: '1-5', score: 5 }, ['5']], [{ scale: '1-5', score: 4 }, ['4']], [{ scale: '1-5', score: 3 }, ['3']], [{ scale: '1-5', score: 2 }, ['2']], [{ scale: '1-5', score: 1 }, ['1']],
    [{ scale: 'good-bad', score: 1 }, ['Good', 'Good, I\'m satisfied', 'Great', 'Very Happy']], [{ scale: 'good-bad', score: 0 }, ['Bad', 'Bad, I\'m unsatisfied', 'Not Good', 'Unhappy']],
  ],
};
// The middle answer of a good / neutral / bad survey is no rating, as the helpdesks' webhooks send it (docs/import.md, Values).
const NO_RATING: Record<Dialect, readonly string[]> = { zendesk: ['', 'Offered', 'Not Offered'], freshdesk: ['', 'Neutral'], zohodesk: ['', 'Okay'], custom: ['', 'N/A', 'None', 'Not Offered', '?', 'Okay', 'Neutral'] };
const GROUPS = ['Billing', 'Support', 'Tier 2', 'IT, EU', 'Ödeme'];
const AGENTS = [['Ayu', 'ayu@example.com'], ['Budi Santoso', 'budi@example.com'], ['Dewi', 'dewi.r@example.co.id'], ['Rina "R" Putri', 'rina@example.com']] as const;
const TAGS = ['billing', 'vip', 'refund', 'login', 'sso', 'bug', 'printer'];

/** Which fields a dialect's export carries. */
const CARRIES: Record<Dialect, ReadonlySet<Field>> = {
  zendesk: new Set(['id', 'created_at', 'first_response_at', 'resolved_at', 'status', 'priority', 'channel', 'group', 'assignee', 'requester', 'tags', 'reopens', 'agent_replies', 'csat']),
  freshdesk: new Set(['id', 'created_at', 'first_response_at', 'resolved_at', 'closed_at', 'status', 'priority', 'channel', 'group', 'assignee', 'requester', 'tags', 'agent_replies', 'csat', 'handle_time']),
  zohodesk: new Set(['id', 'created_at', 'closed_at', 'status', 'priority', 'channel', 'group', 'assignee', 'requester', 'tags', 'csat', 'escalated']),
  custom: new Set(['id', 'created_at', 'first_response_at', 'resolved_at', 'closed_at', 'status', 'priority', 'channel', 'group', 'assignee_email', 'assignee', 'requester', 'csat', 'nps', 'ces', 'reopens', 'agent_replies', 'escalated', 'handle_time', 'tags']),
};

const minuteFloor = (t: number) => Math.floor(t / MIN) * MIN;

function localMidnight(t: number, zone: string): number {
  const d = new TZDate(t, zone);
  return new TZDate(d.getFullYear(), d.getMonth(), d.getDate(), 0, 0, 0, zone).getTime();
}

function subject(rng: Rng): string {
  return rng.pick(['Printer broken', 'Cannot pay the invoice, "again"', 'Line one\nline two, with a comma', 'He said ""hi""', 'Plain', 'Windows\r\nline', 'Trailing comma,', '  spaced  ', 'Ünïcödé — ok']);
}

function generateTicket(rng: Rng, dialect: Dialect, id: string, zone: string): Facts {
  const carries = CARRIES[dialect];
  const statuses = Object.keys(STATUS_WORDS[dialect]) as StatusCat[];
  let created = minuteFloor(GEN_FROM + rng.next() * (GEN_TO - GEN_FROM));
  if (rng.chance(0.08)) created = localMidnight(created, zone);
  const status = rng.pick(statuses);
  const f: Facts = { id, created, status, tags: [], subject: subject(rng) };
  // Mostly after creation; now and then at the same minute (a reopening one second before it then falls before created_at).
  const later = (from: number, maxMinutes: number) => from + (rng.chance(0.05) ? 0 : rng.int(1, maxMinutes)) * MIN;
  const span = () => rng.pick([60, 600, 3 * 24 * 60, 12 * 24 * 60]);
  // Resolution facts.
  if (status === 'solved') {
    f.resolved = later(created, span());
    if (carries.has('closed_at') && rng.chance(0.4)) f.closed = f.resolved + rng.int(0, 3000) * MIN; // a Solved status ignores closed_at
  } else if (status === 'closed') {
    const hasResolved = carries.has('resolved_at') && (!carries.has('closed_at') || rng.chance(0.75));
    if (hasResolved) f.resolved = later(created, span());
    if (carries.has('closed_at') && (!hasResolved || rng.chance(0.8))) f.closed = (f.resolved ?? created) + rng.int(f.resolved === undefined ? 1 : 0, 5000) * MIN;
  } else if (carries.has('resolved_at') && rng.chance(0.3)) {
    f.resolved = later(created, span()); // solved and reopened since
  }
  const resolution = f.resolved ?? (status === 'closed' ? f.closed : undefined);
  if (carries.has('first_response_at') && rng.chance(0.75)) {
    // Mostly before the resolution; sometimes a reply after it.
    const limit = resolution === undefined || rng.chance(0.15) ? (resolution ?? created) + 3 * DAY : resolution;
    f.firstResponse = created + rng.int(0, Math.round((limit - created) / MIN)) * MIN;
  }
  if (carries.has('priority') && rng.chance(0.9)) {
    const words = PRIORITY_WORDS[dialect];
    const choice = rng.pick(Object.keys(words) as (Priority | 'unknown')[]);
    f.priority = choice === 'unknown' ? null : choice;
  }
  if (rng.chance(0.9)) f.channel = rng.pick(Object.keys(CHANNEL_WORDS));
  if (rng.chance(0.85)) f.group = rng.pick(GROUPS);
  if (rng.chance(0.75)) {
    const [name, email] = rng.pick(AGENTS);
    f.assigneeName = name;
    if (carries.has('assignee_email')) f.assigneeEmail = email;
  }
  if (rng.chance(0.8)) f.requester = dialect === 'custom' ? `cust-${rng.int(1, 40)}` : String(rng.int(5000, 5100));
  if (rng.chance(0.6)) f.csat = rng.pick(CSAT_WORDS[dialect])[0];
  if (carries.has('nps') && rng.chance(0.4)) f.nps = rng.int(0, 10);
  if (carries.has('ces') && rng.chance(0.4)) f.ces = rng.int(1, 7);
  if (carries.has('reopens') && rng.chance(0.85)) f.reopens = rng.chance(0.7) ? 0 : rng.int(1, 3);
  if (carries.has('agent_replies') && rng.chance(0.85)) f.replies = rng.pick([0, 1, 1, 1, 2, 3, 5]);
  if (carries.has('escalated') && rng.chance(0.8)) f.escalated = rng.chance(0.25);
  if (carries.has('handle_time') && rng.chance(0.7)) f.handle = rng.pick([0, rng.int(1, 59), rng.int(60, 600), rng.int(600, 3000)]) * 60;
  const tagCount = rng.pick([0, 0, 1, 1, 2, 3]);
  const tags = new Set<string>();
  for (let i = 0; i < tagCount; i += 1) tags.add(rng.pick(TAGS));
  if (rng.chance(0.1)) tags.add('escalated');
  f.tags = [...tags];
  return f;
}

/**
 * Every seed is shifted by DIFF_IMPORT_SEED (default 0, the seeds CI runs): set it to explore other tables.
 * DIFF_IMPORT_SEEDS=N runs N tables of each dialect in the first test instead of one.
 */
const SEED_SHIFT = Number(process.env.DIFF_IMPORT_SEED ?? 0);

function generateTable(seed: number, dialect: Dialect, count: number, zone: string, prefix = ''): Facts[] {
  const rng = new Rng(seed + SEED_SHIFT);
  const start = rng.int(100, 900) * 1000;
  return Array.from({ length: count }, (_, index) => generateTicket(rng, dialect, dialect === 'zohodesk' ? `3000000000${start + index}` : `${prefix}${start + index}`, zone));
}

// ---------------------------------------------------------------------------
// Rendering: dates, durations, cells, CSV

type DateOrder = 'auto' | 'mdy' | 'dmy';
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const pad = (n: number, width = 2) => String(n).padStart(width, '0');

interface Wall {
  y: number; mo: number; d: number; h: number; mi: number; s: number;
}
function wallIn(t: number, zone: string): Wall {
  const d = new TZDate(t, zone);
  return { y: d.getFullYear(), mo: d.getMonth() + 1, d: d.getDate(), h: d.getHours(), mi: d.getMinutes(), s: d.getSeconds() };
}
/** The instant a wall-clock time names in a zone, as docs/import.md says: through @date-fns/tz. */
const instantOf = (w: Wall, zone: string) => new TZDate(w.y, w.mo - 1, w.d, w.h, w.mi, w.s, zone).getTime();
const utcWall = (t: number): Wall => {
  const d = new Date(t);
  return { y: d.getUTCFullYear(), mo: d.getUTCMonth() + 1, d: d.getUTCDate(), h: d.getUTCHours(), mi: d.getUTCMinutes(), s: d.getUTCSeconds() };
};

const h12 = (h: number) => ({ hour: h % 12 === 0 ? 12 : h % 12, ap: h < 12 ? 'AM' : 'PM' });

function naiveForms(w: Wall, order: DateOrder): string[] {
  const { y, mo, d, h, mi, s } = w;
  const { hour, ap } = h12(h);
  const out = [
    `${y}-${pad(mo)}-${pad(d)} ${pad(h)}:${pad(mi)}${s === 0 ? '' : `:${pad(s)}`}`,
    `${y}-${pad(mo)}-${pad(d)}T${pad(h)}:${pad(mi)}:${pad(s)}`,
    `${y}-${pad(mo)}-${pad(d)}T${pad(h)}:${pad(mi)}:${pad(s)}.000`,
    `${y}/${pad(mo)}/${pad(d)} ${pad(h)}:${pad(mi)}:${pad(s)}`,
    `${y}-${mo}-${d} ${h}:${pad(mi)}:${pad(s)}`,
    `${pad(d)} ${MONTHS[mo - 1]?.slice(0, 3)} ${y} ${pad(hour)}:${pad(mi)} ${ap}`,
    `${d}-${MONTHS[mo - 1]?.slice(0, 3)}-${y} ${pad(h)}:${pad(mi)}`,
    `${MONTHS[mo - 1]} ${d}, ${y} ${hour}:${pad(mi)} ${ap}`,
  ].filter((text) => s === 0 || !/ (AM|PM)$|-[A-Z][a-z]{2}-/.test(text));
  const dmy = [`${pad(d)}/${pad(mo)}/${y} ${pad(h)}:${pad(mi)}`, `${d}/${mo}/${y} ${h}:${pad(mi)}:${pad(s)}`, `${pad(d)}.${pad(mo)}.${y} ${pad(h)}:${pad(mi)}:${pad(s)}`, `${pad(d)}-${pad(mo)}-${y} ${pad(h)}:${pad(mi)}`, `${pad(d)}/${pad(mo)}/${y} ${hour}:${pad(mi)} ${ap}`];
  const mdy = [`${pad(mo)}/${pad(d)}/${y} ${hour}:${pad(mi)} ${ap}`, `${mo}/${d}/${y} ${pad(h)}:${pad(mi)}:${pad(s)}`];
  const midnight = h === 0 && mi === 0 && s === 0;
  if (midnight) out.push(`${y}-${pad(mo)}-${pad(d)}`);
  if (order !== 'mdy') out.push(...dmy.filter((text) => s === 0 || !text.endsWith('M')), ...(midnight ? [`${pad(d)}/${pad(mo)}/${y}`] : []));
  // auto reads day-first unless the value can only be month-first.
  if (order === 'mdy' || (order === 'auto' && d > 12)) out.push(...mdy.filter((text) => s === 0 || !text.endsWith('M')), ...(midnight ? [`${pad(mo)}/${pad(d)}/${y}`] : []));
  return out;
}

function zonedForms(t: number, rng: Rng): string[] {
  const u = utcWall(t);
  const iso = `${u.y}-${pad(u.mo)}-${pad(u.d)}T${pad(u.h)}:${pad(u.mi)}:${pad(u.s)}`;
  const offset = rng.pick([420, -210, 345, 0, -300, 60, 600]);
  const o = utcWall(t + offset * MIN);
  const sign = offset < 0 ? '-' : '+';
  const oh = pad(Math.floor(Math.abs(offset) / 60));
  const om = pad(Math.abs(offset) % 60);
  const local = `${o.y}-${pad(o.mo)}-${pad(o.d)}T${pad(o.h)}:${pad(o.mi)}:${pad(o.s)}`;
  const out = [`${iso}Z`, `${iso}.000Z`, `${u.y}-${pad(u.mo)}-${pad(u.d)} ${pad(u.h)}:${pad(u.mi)} UTC`, `${iso} GMT`, `${local}${sign}${oh}:${om}`, `${local}${sign}${oh}${om}`, String(t / 1000), String(t)];
  if (offset % 60 === 0) out.push(`${local.replace('T', ' ')} ${sign}${oh}`);
  return out;
}

/** One way of writing a table: everything that may vary while the facts stay the same. */
interface Style {
  readonly seed: number;
  readonly order: DateOrder;
  /** Share of time cells written without a zone (the rest: with one, or epoch). */
  readonly naive: number;
  readonly bom: boolean;
  readonly crlf: boolean;
  readonly quoteAll: boolean;
  readonly blankLines: boolean;
  readonly padDates: boolean;
  readonly headerCase: 'as-is' | 'lower' | 'upper';
  /** custom only: `--map` headers (some with units) or headers the automatic match finds. */
  readonly headers: 'map' | 'auto';
}

interface TimeCell {
  readonly id: string;
  readonly field: 'created_at' | 'first_response_at' | 'resolved_at' | 'closed_at';
  /** The wall time written, when written without a zone. */
  readonly wall?: Wall;
  /** Minutes after created_at, when the column is a duration. */
  readonly afterCreated?: number;
  readonly t: number;
}

function renderTime(t: number, zone: string, style: Style, rng: Rng): { text: string; wall?: Wall } {
  const w = wallIn(t, zone);
  const naiveOk = instantOf(w, zone) === t;
  let text: string;
  let wall: Wall | undefined;
  if (naiveOk && rng.chance(style.naive)) {
    text = rng.pick(naiveForms(w, style.order));
    wall = w;
  } else {
    text = rng.pick(zonedForms(t, rng));
  }
  if (style.padDates && rng.chance(0.3)) text = ` ${text}  `;
  return { text, wall };
}

function durationForms(seconds: number, unit: 'seconds' | 'minutes' | 'hours'): string[] {
  const m = seconds / 60;
  const days = Math.floor(seconds / 86_400);
  const hours = Math.floor(seconds / 3600);
  const mins = Math.floor((seconds % 3600) / 60);
  const secs = seconds % 60;
  const hm = [hours > 0 ? `${hours}h` : '', mins > 0 ? `${mins}m` : '', secs > 0 ? `${secs}s` : ''].filter(Boolean);
  const out = [
    `PT${hours > 0 ? `${hours}H` : ''}${mins > 0 ? `${mins}M` : ''}${secs > 0 || seconds === 0 ? `${secs}S` : ''}`,
    `${hours}:${pad(mins)}:${pad(secs)}`,
    `${seconds}s`,
  ];
  if (hm.length > 0) out.push(hm.join(' '), hm.join(''));
  if (secs === 0) {
    out.push(`${m} min`, `${m} minutes`, `${hours}:${pad(mins)}`);
    out.push([hours > 0 ? `${hours} hours` : '', mins > 0 ? `${mins} minutes` : ''].filter(Boolean).join(' ') || '0 minutes');
    if (m % 3 === 0) out.push(`${m / 60} hours`); // 5.5 hours, 0.05 hours: exact decimals
    if (days > 0) out.push(`${days} day${days > 1 ? 's' : ''} ${Math.floor((seconds % 86_400) / 3600)} hours ${mins} minutes`);
  }
  if (unit === 'seconds') out.push(String(seconds));
  if (unit === 'minutes' && secs === 0) out.push(String(m));
  if (unit === 'hours' && secs === 0 && m % 3 === 0) out.push(String(m / 60));
  return out;
}

interface Column {
  readonly header: string;
  readonly field?: Field;
  /** A unit in the header: bare numbers are in it, and a time field holds a duration after created_at. */
  readonly unit?: 'minutes' | 'hours';
  readonly cell: (f: Facts, rng: Rng, log: (cell: TimeCell) => void) => string;
}

interface Rendered {
  readonly text: string;
  /** Data records' first lines, by ticket id. */
  readonly lines: Map<string, number>;
  readonly timeCells: TimeCell[];
  readonly args: string[];
  /** field → its column's header as written. */
  readonly headerOf: Map<Field, string>;
}

function missing(rng: Rng): string {
  return rng.chance(0.2) ? '?' : '';
}

function columnsFor(dialect: Dialect, zone: string, style: Style, rng: Rng): Column[] {
  const time = (field: TimeCell['field'], get: (f: Facts) => number | undefined) => (f: Facts, r: Rng, log: (cell: TimeCell) => void) => {
    const t = get(f);
    if (t === undefined) return missing(r);
    const { text, wall } = renderTime(t, zone, style, r);
    log({ id: f.id, field, wall, t });
    return text;
  };
  const after = (field: TimeCell['field'], get: (f: Facts) => number | undefined, unit: 'minutes' | 'hours') => (f: Facts, r: Rng, log: (cell: TimeCell) => void) => {
    const t = get(f);
    if (t === undefined) return missing(r);
    const minutes = (t - f.created) / MIN;
    log({ id: f.id, field, afterCreated: minutes, t });
    // Mostly a bare number in the header's unit; sometimes a written duration, which says its own unit.
    return r.chance(0.7) && (unit === 'minutes' || minutes % 3 === 0) ? String(unit === 'minutes' ? minutes : minutes / 60) : r.pick(durationForms(minutes * 60, unit));
  };
  const status = (f: Facts, r: Rng) => r.pick(STATUS_WORDS[dialect][f.status] ?? []);
  const priority = (f: Facts, r: Rng) => (f.priority === undefined ? missing(r) : r.pick(PRIORITY_WORDS[dialect][f.priority ?? 'unknown'] ?? []));
  const channel = (f: Facts, r: Rng) => (f.channel === undefined ? missing(r) : r.pick(CHANNEL_WORDS[f.channel] ?? []));
  const csat = (f: Facts, r: Rng) => {
    if (f.csat === undefined) return r.pick(NO_RATING[dialect]);
    const entry = CSAT_WORDS[dialect].find(([c]) => c.scale === f.csat?.scale && c.score === f.csat.score);
    return r.pick(entry?.[1] ?? []);
  };
  const tags = (f: Facts, r: Rng) => {
    if (f.tags.length === 0) return r.chance(0.5) ? '' : '?';
    const written = f.tags.map((tag) => (r.chance(0.3) ? tag.toUpperCase() : tag));
    if (written.length === 1) return r.chance(0.3) ? `${written[0]}` : (written[0] as string);
    return r.pick([written.join(' '), written.join(','), written.join(', ')]);
  };
  const text = (get: (f: Facts) => string | undefined) => (f: Facts, r: Rng) => get(f) ?? missing(r);
  const count = (get: (f: Facts) => number | undefined) => (f: Facts, r: Rng) => {
    const n = get(f);
    return n === undefined ? missing(r) : String(n);
  };
  const handle = (unit: 'seconds' | 'minutes') => (f: Facts, r: Rng) => (f.handle === undefined ? missing(r) : r.pick(durationForms(f.handle, unit)));
  const resolvedCell = (f: Facts) => f.resolved;
  const filler = (header: string, value: (f: Facts, r: Rng) => string): Column => ({ header, cell: value });
  switch (dialect) {
    case 'zendesk':
      return [
        { header: 'Id', field: 'id', cell: (f) => f.id },
        filler('Requester', () => 'Customer Name, Jr.'),
        { header: 'Requester id', field: 'requester', cell: text((f) => f.requester) },
        { header: 'Assignee', field: 'assignee', cell: (f) => f.assigneeName ?? '' },
        { header: 'Group', field: 'group', cell: text((f) => f.group) },
        filler('Subject', (f) => f.subject),
        { header: 'Tags', field: 'tags', cell: tags },
        { header: 'Status', field: 'status', cell: status },
        { header: 'Priority', field: 'priority', cell: priority },
        { header: 'Via', field: 'channel', cell: channel },
        { header: 'Created at', field: 'created_at', cell: time('created_at', (f) => f.created) },
        filler('Updated at', (f, r) => renderTime(f.created + DAY, zone, style, r).text),
        { header: 'Solved at', field: 'resolved_at', cell: time('resolved_at', resolvedCell) },
        { header: 'Satisfaction Score', field: 'csat', cell: csat },
        { header: 'Reopens', field: 'reopens', cell: count((f) => f.reopens) },
        { header: 'Replies', field: 'agent_replies', cell: count((f) => f.replies) },
        {
          header: 'First reply time in minutes', field: 'first_response_at', unit: 'minutes',
          cell: (f, r, log) => {
            if (f.firstResponse === undefined) return '';
            log({ id: f.id, field: 'first_response_at', afterCreated: (f.firstResponse - f.created) / MIN, t: f.firstResponse });
            return String((f.firstResponse - f.created) / MIN);
          },
        },
        filler('Full resolution time in minutes', (f) => (f.resolved === undefined ? '' : String((f.resolved - f.created) / MIN + 7))),
      ];
    case 'freshdesk':
      return [
        { header: 'Ticket ID', field: 'id', cell: (f) => f.id },
        filler('Subject', (f) => f.subject),
        { header: 'Status', field: 'status', cell: status },
        { header: 'Priority', field: 'priority', cell: priority },
        { header: 'Source', field: 'channel', cell: channel },
        filler('Type', () => 'Question'),
        { header: 'Agent', field: 'assignee', cell: (f) => f.assigneeName ?? '' },
        { header: 'Group', field: 'group', cell: text((f) => f.group) },
        { header: 'Created time', field: 'created_at', cell: time('created_at', (f) => f.created) },
        filler('Due by Time', (f, r) => renderTime(f.created + 2 * DAY, zone, style, r).text),
        { header: 'Resolved time', field: 'resolved_at', cell: time('resolved_at', resolvedCell) },
        { header: 'Closed time', field: 'closed_at', cell: time('closed_at', (f) => f.closed) },
        { header: 'Initial response time', field: 'first_response_at', cell: time('first_response_at', (f) => f.firstResponse) },
        // Business hours: not a clock time, never read.
        filler('First response time (in hrs)', (f) => (f.firstResponse === undefined ? '' : '99:00:00')),
        { header: 'Time tracked', field: 'handle_time', cell: (f, r) => (f.handle === undefined ? '' : r.chance(0.6) ? `${pad(Math.floor(f.handle / 3600))}:${pad((f.handle % 3600) / 60)}` : r.pick(durationForms(f.handle, 'seconds'))) },
        { header: 'Agent interactions', field: 'agent_replies', cell: count((f) => f.replies) },
        filler('Customer interactions', () => '1'),
        { header: 'Tags', field: 'tags', cell: tags },
        { header: 'Survey results', field: 'csat', cell: csat },
        { header: 'Contact ID', field: 'requester', cell: text((f) => f.requester) },
      ];
    case 'zohodesk':
      return [
        { header: rng.pick(['ID', 'Ticket Id']), field: 'id', cell: (f) => f.id },
        filler('Request Id', (f) => f.id.slice(-3)),
        filler('Subject', (f) => f.subject),
        { header: 'Status', field: 'status', cell: status },
        { header: 'Priority', field: 'priority', cell: priority },
        { header: 'Channel', field: 'channel', cell: channel },
        { header: 'Department', field: 'group', cell: text((f) => f.group) },
        { header: 'Ticket Owner', field: 'assignee', cell: (f) => f.assigneeName ?? '' },
        { header: 'Contact ID', field: 'requester', cell: text((f) => f.requester) },
        { header: rng.pick(['Created Time', 'Created Time (Ticket)']), field: 'created_at', cell: time('created_at', (f) => f.created) },
        { header: rng.pick(['Ticket Closed Time', 'Closed Time']), field: 'closed_at', cell: time('closed_at', (f) => f.closed) },
        { header: 'Is Escalated', field: 'escalated', cell: (f, r) => (f.escalated === undefined ? missing(r) : String(f.escalated)) },
        { header: 'Happiness Rating', field: 'csat', cell: csat },
        { header: 'Tags', field: 'tags', cell: tags },
      ];
    case 'custom': {
      const auto = style.headers === 'auto';
      const frUnit = auto ? undefined : rng.pick([undefined, 'minutes', 'hours'] as const);
      const resUnit = auto ? undefined : rng.pick([undefined, undefined, 'minutes'] as const);
      const htUnit = auto ? 'seconds' : rng.pick(['seconds', 'minutes'] as const);
      const cols: Column[] = [
        { header: auto ? 'ID' : 'Ticket #', field: 'id', cell: (f) => f.id },
        { header: auto ? 'Created At' : 'Opened', field: 'created_at', cell: time('created_at', (f) => f.created) },
        frUnit === undefined
          ? { header: auto ? 'first-response-at' : 'First reply', field: 'first_response_at', cell: time('first_response_at', (f) => f.firstResponse) }
          : { header: frUnit === 'minutes' ? rng.pick(['Reply time in minutes', 'Reply (min)', 'reply_minutes']) : rng.pick(['Reply time (in hrs)', 'reply_hours']), field: 'first_response_at', unit: frUnit, cell: after('first_response_at', (f) => f.firstResponse, frUnit) },
        resUnit === undefined
          ? { header: auto ? 'RESOLVED_AT' : 'Solved on', field: 'resolved_at', cell: time('resolved_at', resolvedCell) }
          : { header: 'Resolution time in minutes', field: 'resolved_at', unit: resUnit, cell: after('resolved_at', resolvedCell, resUnit) },
        { header: auto ? 'closed at' : 'Closed on', field: 'closed_at', cell: time('closed_at', (f) => f.closed) },
        { header: auto ? 'Status' : 'State', field: 'status', cell: status },
        { header: auto ? 'priority' : 'Prio', field: 'priority', cell: priority },
        { header: auto ? 'Channel' : 'Medium', field: 'channel', cell: channel },
        { header: auto ? 'Group' : 'Team', field: 'group', cell: text((f) => f.group) },
        { header: auto ? 'Assignee Email' : 'Owner e-mail', field: 'assignee_email', cell: (f, r) => (f.assigneeEmail === undefined ? '' : r.chance(0.3) ? f.assigneeEmail.toUpperCase() : f.assigneeEmail) },
        { header: auto ? 'Assignee' : 'Owner', field: 'assignee', cell: (f) => f.assigneeName ?? '' },
        { header: auto ? 'Requester' : 'Customer ref', field: 'requester', cell: text((f) => f.requester) },
        { header: auto ? 'CSAT' : 'Satisfaction', field: 'csat', cell: csat },
        { header: auto ? 'NPS' : 'Recommend (0-10)', field: 'nps', cell: count((f) => f.nps) },
        { header: auto ? 'CES' : 'Effort', field: 'ces', cell: count((f) => f.ces) },
        { header: auto ? 'Reopens' : 'Times reopened', field: 'reopens', cell: count((f) => f.reopens) },
        { header: auto ? 'Agent Replies' : 'Replies sent', field: 'agent_replies', cell: count((f) => f.replies) },
        { header: auto ? 'Escalated' : 'Escalated?', field: 'escalated', cell: (f, r) => (f.escalated === undefined ? missing(r) : r.pick(f.escalated ? ['true', 'yes', 'y', '1'] : ['false', 'no', 'n', '0'])) },
        { header: auto ? 'Handle_Time' : htUnit === 'minutes' ? 'Work time (min)' : 'Work time', field: 'handle_time', unit: htUnit === 'minutes' ? 'minutes' : undefined, cell: handle(htUnit) },
        { header: auto ? 'tags' : 'Labels', field: 'tags', cell: tags },
        filler(auto ? 'Subject' : 'Title', (f) => f.subject),
        filler(auto ? 'Description' : 'Body', (f) => `${f.subject}, more`),
      ];
      return cols;
    }
  }
}

function csvCell(text: string, quoteAll: boolean, rng: Rng): string {
  if (quoteAll || /[",\r\n]/.test(text) || (text !== '' && rng.chance(0.1))) return `"${text.replaceAll('"', '""')}"`;
  return text;
}

const caseHeader = (header: string, style: Style) => (style.headerCase === 'lower' ? header.toLowerCase() : style.headerCase === 'upper' ? header.toUpperCase() : header);

/** A bad cell or record: the row's cells and the header, to the cells to write (CSV-encoded here) or a raw record. */
type Corrupt = (cells: string[], headers: readonly string[]) => string[] | { raw: string };

function render(dialect: Dialect, facts: readonly Facts[], zone: string, style: Style, corrupt: ReadonlyMap<string, Corrupt> = new Map()): Rendered {
  const rng = new Rng(style.seed + SEED_SHIFT);
  const columns = rng.shuffle(columnsFor(dialect, zone, style, rng));
  const eol = style.crlf ? '\r\n' : '\n';
  const timeCells: TimeCell[] = [];
  const headers = columns.map((column) => (dialect === 'custom' ? column.header : caseHeader(column.header, style)));
  let text = (style.bom ? '\uFEFF' : '') + headers.map((header) => csvCell(header, style.quoteAll, rng)).join(',') + eol;
  const lines = new Map<string, number>();
  const lineOf = () => (text.match(/\n/g)?.length ?? 0) + 1;
  facts.forEach((f) => {
    if (style.blankLines && rng.chance(0.15)) text += eol;
    const cells = columns.map((column) => column.cell(f, rng, (cell) => timeCells.push(cell)));
    lines.set(f.id, lineOf());
    const bad = corrupt.get(f.id)?.(cells, headers);
    text += (bad !== undefined && !Array.isArray(bad) ? bad.raw : (bad ?? cells).map((cell) => csvCell(cell, style.quoteAll, rng)).join(',')) + eol;
  });
  const args: string[] = [];
  if (dialect === 'custom' && style.headers === 'map') for (const column of columns) if (column.field !== undefined) args.push('--map', `${column.field}=${column.header}`);
  if (style.order !== 'auto') args.push('--date-order', style.order);
  const headerOf = new Map<Field, string>();
  columns.forEach((column, index) => {
    if (column.field !== undefined) headerOf.set(column.field, headers[index] as string);
  });
  return { text, lines, timeCells, args, headerOf };
}

// ---------------------------------------------------------------------------
// The oracle: docs/import.md turns facts into a ticket; docs/metrics.md turns tickets into KPIs.

interface Rating {
  readonly kind: 'csat' | 'nps' | 'ces';
  readonly scale: string;
  readonly score: number;
  readonly responded_at: number;
}
interface Projected {
  status: StatusCat;
  priority: Priority | null;
  channel: string | null;
  team: string | null;
  requester_id: string | null;
  agent: string | null;
  created_at: number;
  first_response_at: number | null;
  first_resolved_at: number | null;
  resolved_at: number | null;
  closed_at: number | null;
  reopen_count: number;
  agent_reply_count: number;
  escalated_at: number | null;
  handle_time_seconds: number;
  tags: string[];
  ratings: Rating[];
}
interface OracleTicket extends Projected {
  readonly id: string;
  /** Status changes in time order, for state at an instant. */
  readonly timeline: readonly { readonly t: number; readonly to: 'resolved' | 'open' }[];
}

/** Why the import must skip a row, or undefined (docs/import.md: "A row is skipped ... when"). */
function skipReason(f: Facts): string | undefined {
  const resolvedStatus = f.status === 'solved' || f.status === 'closed';
  for (const [name, t] of [['first_response_at', f.firstResponse], ['resolved_at', f.resolved], ['closed_at', f.closed]] as const) {
    if (t !== undefined && t < f.created) return `${name} before created_at`;
  }
  if (f.closed !== undefined && f.resolved !== undefined && f.closed < f.resolved) return 'closed_at before resolved_at';
  if (resolvedStatus && f.resolved === undefined && f.closed === undefined) return 'resolved status without a time';
  return undefined;
}

function oracleTicket(f: Facts): OracleTicket {
  const timeline: { t: number; to: 'resolved' | 'open' }[] = [];
  let first_resolved_at: number | null = null;
  let resolved_at: number | null = null;
  let closed_at: number | null = null;
  let countedReopens = 0;
  if (f.status === 'solved' || f.status === 'closed') {
    // READING: a Closed row without resolved_at is resolved when it closes ("Resolution = status set to solved or closed").
    const resolution = (f.status === 'solved' ? f.resolved : (f.resolved ?? f.closed)) as number;
    // "a resolved status with reopens > 0 gets a reopening one second before resolved_at": the ticket is not resolved then, so nothing changes.
    timeline.push({ t: resolution, to: 'resolved' });
    first_resolved_at = resolution;
    resolved_at = resolution;
    if (f.status === 'closed') closed_at = f.closed ?? (f.resolved as number); // "a Closed ticket without one: resolved_at"
  } else if (f.resolved !== undefined) {
    // "solved at resolved_at and reopened one second later"
    timeline.push({ t: f.resolved, to: 'resolved' }, { t: f.resolved + 1000, to: 'open' });
    first_resolved_at = f.resolved;
    countedReopens = 1;
  }
  const ratedAt = f.resolved ?? f.closed ?? f.created; // "resolved_at, else closed_at, else created_at"
  const ratings: Rating[] = [];
  if (f.csat !== undefined) ratings.push({ kind: 'csat', scale: f.csat.scale, score: f.csat.score, responded_at: ratedAt });
  if (f.nps !== undefined) ratings.push({ kind: 'nps', scale: '0-10', score: f.nps, responded_at: ratedAt });
  if (f.ces !== undefined) ratings.push({ kind: 'ces', scale: '1-7', score: f.ces, responded_at: ratedAt });
  const tags = [...new Set(f.tags.map((tag) => tag.toLowerCase()))].sort();
  // Escalation: the flag (at created_at) or the tag "escalated" (on ticket_created).
  // READING: a ticket created urgent was not "raised to urgent", so priority alone does not escalate it.
  const escalated = f.escalated === true || tags.includes('escalated');
  return {
    id: f.id,
    timeline,
    status: f.status,
    priority: f.priority ?? null,
    channel: f.channel ?? null,
    team: f.group ?? null,
    requester_id: f.requester ?? null,
    agent: f.assigneeEmail !== undefined ? `email:${f.assigneeEmail.toLowerCase()}` : f.assigneeName !== undefined ? `name:${f.assigneeName}` : null,
    created_at: f.created,
    first_response_at: f.firstResponse ?? null,
    first_resolved_at,
    resolved_at,
    closed_at,
    // "the projection takes the larger of these and what it counts from events"
    reopen_count: Math.max(f.reopens ?? 0, countedReopens),
    agent_reply_count: Math.max(f.replies ?? 0, f.firstResponse === undefined ? 0 : 1),
    escalated_at: escalated ? f.created : null,
    handle_time_seconds: f.handle ?? 0,
    tags,
    ratings: ratings.sort((a, b) => a.kind.localeCompare(b.kind)),
  };
}

const projectedOf = ({ id: _id, timeline: _t, ...rest }: OracleTicket): Projected => rest;

interface Range {
  readonly from: number;
  readonly to: number;
}
const inRange = (t: number | null | undefined, range: Range): t is number => t !== null && t !== undefined && t >= range.from && t < range.to;

/** The resolved state at an instant, and when the current resolved span began. */
function stateAt(ticket: OracleTicket, instant: number): { resolved: boolean; since: number | null } {
  let resolved = false;
  let since: number | null = null;
  for (const change of ticket.timeline) {
    if (change.t >= instant) break;
    if (change.to === 'resolved' && !resolved) {
      resolved = true;
      since = change.t;
    } else if (change.to === 'open') {
      resolved = false;
      since = null;
    }
  }
  return { resolved, since };
}

function percentile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const h = q * (sorted.length - 1);
  const lo = Math.floor(h);
  const hi = Math.ceil(h);
  return (sorted[lo] as number) + (h - lo) * ((sorted[hi] as number) - (sorted[lo] as number));
}
function durations(values: number[]) {
  const sorted = values.map((ms) => ms / 1000).sort((a, b) => a - b);
  return { median: percentile(sorted, 0.5), mean: sorted.length === 0 ? null : sorted.reduce((a, b) => a + b, 0) / sorted.length, p90: percentile(sorted, 0.9), n: sorted.length };
}

type KpiId = 'volume' | 'resolved' | 'frt' | 'resolution' | 'fcr' | 'csat' | 'aht' | 'escalations';
const KPIS: readonly KpiId[] = ['volume', 'resolved', 'frt', 'resolution', 'fcr', 'csat', 'aht', 'escalations'];
interface KpiValue {
  value: number | null;
  n: number;
  details: Record<string, unknown>;
}

function oracleKpi(id: KpiId, ts: readonly OracleTicket[], range: Range): KpiValue {
  const created = ts.filter((t) => inRange(t.created_at, range));
  const firstSolved = ts.filter((t) => inRange(t.first_resolved_at, range));
  switch (id) {
    case 'volume':
      return { value: created.length, n: created.length, details: {} };
    case 'resolved': {
      // "solved in the period and still solved at its end"; "created in the period and not resolved by its end".
      const resolved = ts.filter((t) => {
        const end = stateAt(t, range.to);
        return end.resolved && inRange(end.since, range);
      }).length;
      const unresolved = created.filter((t) => !stateAt(t, range.to).resolved).length;
      return { value: resolved, n: resolved + unresolved, details: { resolved, unresolved } };
    }
    case 'frt': {
      const stats = durations(created.filter((t) => t.first_response_at !== null).map((t) => (t.first_response_at as number) - t.created_at));
      // No calendar is configured: "business hours equal calendar hours".
      return { value: stats.median, n: stats.n, details: { median: stats.median, mean: stats.mean, p90: stats.p90, n: stats.n, business: stats } };
    }
    case 'resolution': {
      const first = durations(firstSolved.map((t) => (t.first_resolved_at as number) - t.created_at));
      // READING: full resolution counts the tickets resolved now whose latest solve is in the period (the projection's resolved_at).
      const full = durations(ts.filter((t) => inRange(t.resolved_at, range)).map((t) => (t.resolved_at as number) - t.created_at));
      return { value: full.median, n: full.n, details: { full, first, business: { full, first } } };
    }
    case 'fcr': {
      const firstContact = firstSolved.filter((t) => t.agent_reply_count === 1 && t.reopen_count === 0).length;
      return { value: firstSolved.length === 0 ? null : (100 * firstContact) / firstSolved.length, n: firstSolved.length, details: { firstContact, resolved: firstSolved.length } };
    }
    case 'csat': {
      const answers = ts.flatMap((t) => t.ratings.filter((r) => r.kind === 'csat' && inRange(r.responded_at, range)));
      const satisfied = answers.filter((r) => (r.scale === '1-5' ? r.score >= 4 : r.score >= 1)).length;
      return { value: answers.length === 0 ? null : (100 * satisfied) / answers.length, n: answers.length, details: { satisfied, answers: answers.length } };
    }
    case 'aht': {
      // READING: "tickets ... that carry handle time": a handle time above zero.
      const handled = firstSolved.filter((t) => t.handle_time_seconds > 0);
      const total = handled.reduce((sum, t) => sum + t.handle_time_seconds, 0);
      return { value: handled.length === 0 ? null : total / handled.length, n: handled.length, details: { totalSeconds: total, tickets: handled.length } };
    }
    case 'escalations': {
      const escalated = ts.filter((t) => inRange(t.escalated_at, range)).length;
      return { value: escalated, n: escalated, details: { created: created.length, rate: created.length === 0 ? null : (100 * escalated) / created.length } };
    }
  }
}

// ---------------------------------------------------------------------------
// Reading the engine's state

async function projections(db: Database, source: string): Promise<Map<string, Projected>> {
  const rows = (await db('tickets as t').leftJoin('agents as a', 'a.id', 't.assignee_agent_id').where('t.source', source).select('t.*', 'a.external_id as agent')) as Record<string, unknown>[];
  const ids = rows.map((row) => row.id as number);
  const tags = ids.length === 0 ? [] : ((await db('ticket_tags').whereIn('ticket_id', ids).select('ticket_id', 'tag')) as { ticket_id: number; tag: string }[]);
  const ratings = ids.length === 0 ? [] : ((await db('survey_responses').whereIn('ticket_id', ids).select('ticket_id', 'kind', 'scale', 'score', 'responded_at')) as (Rating & { ticket_id: number })[]);
  const num = (value: unknown) => (value === null || value === undefined ? null : Number(value));
  const out = new Map<string, Projected>();
  for (const row of rows) {
    out.set(row.external_id as string, {
      status: row.status as StatusCat,
      priority: (row.priority as Priority | null) ?? null,
      channel: (row.channel as string | null) ?? null,
      team: (row.team as string | null) ?? null,
      requester_id: (row.requester_id as string | null) ?? null,
      agent: (row.agent as string | null) ?? null,
      created_at: Number(row.created_at),
      first_response_at: num(row.first_response_at),
      first_resolved_at: num(row.first_resolved_at),
      resolved_at: num(row.resolved_at),
      closed_at: num(row.closed_at),
      reopen_count: Number(row.reopen_count),
      agent_reply_count: Number(row.agent_reply_count),
      escalated_at: num(row.escalated_at),
      handle_time_seconds: Number(row.handle_time_seconds),
      tags: tags.filter((tag) => tag.ticket_id === row.id).map((tag) => tag.tag).sort(),
      ratings: ratings
        .filter((rating) => rating.ticket_id === row.id)
        .map((rating) => ({ kind: rating.kind, scale: rating.scale, score: Number(rating.score), responded_at: Number(rating.responded_at) }))
        .sort((a, b) => a.kind.localeCompare(b.kind)),
    });
  }
  return out;
}

const round = (value: unknown): unknown => {
  if (typeof value === 'number') return Math.round(value * 1000) / 1000;
  if (Array.isArray(value)) return value.map(round);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, round(inner)]));
  return value;
};

async function engineKpis(db: Database, source: string) {
  const store = new KpiStore(db);
  const out: Record<string, unknown> = {};
  for (const id of KPIS) {
    const result = await computeMetric(id, store, PERIOD, { source }, NOW);
    const details = result.details;
    const pickDetails =
      id === 'frt' ? { median: details.median, mean: details.mean, p90: details.p90, n: details.n, business: details.business }
      : id === 'resolution' ? { full: details.full, first: details.first, business: details.business }
      : id === 'resolved' ? { resolved: details.resolved, unresolved: details.unresolved }
      : id === 'volume' ? {}
      : details;
    out[id] = round({ value: result.value, n: result.n, previous: result.previous, details: pickDetails });
  }
  return out;
}

function oracleKpis(ts: readonly OracleTicket[]) {
  const out: Record<string, unknown> = {};
  for (const id of KPIS) {
    const current = oracleKpi(id, ts, PERIOD);
    const previous = oracleKpi(id, ts, PERIOD.previous);
    out[id] = round({ value: current.value, n: current.n, previous: { value: previous.value, n: previous.n }, details: current.details });
  }
  return out;
}

// ---------------------------------------------------------------------------
// Running the import as the CLI does: its own argument parsing, then runImport into the test's database.

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kpibot-diff-import-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let fileCounter = 0;
function writeCsv(text: string, name = 'table'): string {
  fileCounter += 1;
  const file = join(dir, `${name}-${fileCounter}.csv`);
  writeFileSync(file, text);
  return file;
}

const CONFIG = parseConfig({ DATABASE_URL: 'sqlite::memory:', KPI_TIMEZONE: 'UTC', LOG_LEVEL: 'silent' });

function optionsFrom(args: string[]): ImportOptions {
  const options = parseImportArgs(args, CONFIG);
  if (options === 'help') throw new Error('unexpected --help');
  return options;
}
async function importWords(db: Database | undefined, args: string[]): Promise<ImportSummary> {
  return runImport(optionsFrom(args), db === undefined ? {} : { db });
}
const counts = (summary: ImportSummary) => ({ rows: summary.rows, imported: summary.imported, updated: summary.updated, unchanged: summary.unchanged, skipped: summary.skipped });

const TABLES = ['ticket_tags', 'ticket_response_intervals', 'ticket_resolved_spans', 'survey_responses', 'tickets', 'ticket_events', 'webhook_deliveries', 'agents'];
async function tableCounts(db: Database): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const table of TABLES) out[table] = Number(((await db(table).count({ n: '*' })) as { n: number | string }[])[0]?.n);
  return out;
}

function expectProjection(actual: Map<string, Projected>, expected: readonly OracleTicket[], label: string): void {
  expect([...actual.keys()].sort(), `${label}: the tickets imported`).toEqual(expected.map((t) => t.id).sort());
  for (const ticket of expected) expect(actual.get(ticket.id), `${label}: ticket ${ticket.id}`).toEqual(projectedOf(ticket));
}

// ---------------------------------------------------------------------------

const ZONES = ['America/New_York', 'Europe/Berlin', 'Asia/Jakarta', 'UTC'];
/** The custom headers read through --map (handle_time's may carry a unit suffix). */
const COLUMN_OF: Partial<Record<Field, string>> = {
  id: 'Ticket #', created_at: 'Opened', requester: 'Customer ref', csat: 'Satisfaction', nps: 'Recommend (0-10)', ces: 'Effort', reopens: 'Times reopened',
  agent_replies: 'Replies sent', escalated: 'Escalated?', handle_time: 'Work time', status: 'State',
};
const PRESET_SOURCE: Record<Dialect, string> = { zendesk: 'zendesk', freshdesk: 'freshdesk', zohodesk: 'zohodesk', custom: 'csv' };

function styles(seed: number, dialect: Dialect): Style[] {
  return [
    { seed: seed + 1, order: 'auto', naive: 0.8, bom: false, crlf: false, quoteAll: false, blankLines: false, padDates: false, headerCase: 'as-is', headers: 'map' },
    { seed: seed + 2, order: 'mdy', naive: 0.6, bom: true, crlf: true, quoteAll: false, blankLines: true, padDates: true, headerCase: dialect === 'custom' ? 'as-is' : 'lower', headers: 'auto' },
    { seed: seed + 3, order: dialect === 'zohodesk' ? 'dmy' : 'auto', naive: 0.3, bom: true, crlf: false, quoteAll: true, blankLines: true, padDates: true, headerCase: dialect === 'custom' ? 'as-is' : 'upper', headers: 'map' },
  ];
}

describe(`kpibot import, differential, on ${TEST_ENGINE}`, () => {
  const open = useTestDatabase({ migrate: true });

  describe.each(process.env.DIFF_IMPORT_SEEDS !== undefined ? (['zendesk', 'freshdesk', 'zohodesk', 'custom'] as const).flatMap((d) => Array.from({ length: Number(process.env.DIFF_IMPORT_SEEDS) }, (_, i) => [d, 1000 + i * 7] as const)) : [
    ['zendesk', 11],
    ['freshdesk', 22],
    ['zohodesk', 33],
    ['custom', 44],
  ] as const)('%s tables', (dialect, seed) => {
    it('every rendering imports the facts the docs promise, and the KPIs match the oracle', async () => {
      const zone = ZONES[seed % ZONES.length] as string;
      const facts = generateTable(seed, dialect, 45, zone, dialect === 'custom' ? 'T-' : '');
      // READING: the Freshdesk preset names channels as its webhook does, words joined by hyphens ("social-media").
      const expected = facts.map(oracleTicket).map((t) => (dialect === 'freshdesk' && t.channel !== null ? { ...t, channel: t.channel.replaceAll(' ', '-') } : t));
      expect(facts.every((f) => skipReason(f) === undefined)).toBe(true);
      const wantKpis = oracleKpis(expected);
      for (const [index, style] of styles(seed * 100, dialect).entries()) {
        const rendered = render(dialect, facts, zone, style);
        const file = writeCsv(rendered.text, dialect);
        const source = index === 0 ? PRESET_SOURCE[dialect] : `${dialect}-r${index}`;
        // The first rendering takes the preset from --source; the others name it.
        const words = [file, '--source', source, '--timezone', zone, ...rendered.args, ...(index > 0 && dialect !== 'custom' ? ['--preset', dialect] : [])];
        const summary = await importWords(open.db, words);
        const label = `${dialect} rendering ${index} (${words.slice(1).join(' ')})`;
        expect(summary.skippedRows, label).toEqual([]);
        expect(counts(summary), label).toEqual({ rows: facts.length, imported: facts.length, updated: 0, unchanged: 0, skipped: 0 });
        expectProjection(await projections(open.db, source), expected, label);
        expect(await engineKpis(open.db, source), label).toEqual(wantKpis);
      }
    });
  });

  async function snapshot(db: Database) {
    const sorted = (rows: Record<string, unknown>[]) => rows.map((row) => JSON.stringify(row)).sort();
    return {
      tickets: sorted(((await db('tickets').select(db.raw('*'))) as Record<string, unknown>[]).map(({ projected_at: _p, ...rest }) => rest)),
      events: sorted(await db('ticket_events').select('source', 'external_ticket_id', 'type', 'dedupe_key', 'occurred_at', 'actor_type', 'actor_id', 'data')),
      tags: sorted(await db('ticket_tags').select('ticket_id', 'tag')),
      ratings: sorted(await db('survey_responses').select('ticket_id', 'kind', 'scale', 'score', 'responded_at', 'dedupe_key')),
      spans: sorted(await db('ticket_resolved_spans').select(db.raw('*'))),
      intervals: sorted(await db('ticket_response_intervals').select(db.raw('*'))),
      agents: sorted(await db('agents').select(db.raw('*'))),
    };
  }

  it('the same file imported twice, or another rendering of the same facts, changes nothing', async () => {
    for (const [dialect, seed] of [['custom', 55], ['zendesk', 66], ['freshdesk', 67]] as const) {
      const zone = ZONES[seed % ZONES.length] as string;
      const facts = generateTable(seed, dialect, 40, zone, 'R-');
      const [first, , third] = styles(seed * 100, dialect) as [Style, Style, Style];
      const source = `again-${dialect}`;
      const words = (rendered: Rendered) => [writeCsv(rendered.text), '--source', source, '--timezone', zone, ...rendered.args, ...(dialect === 'custom' ? [] : ['--preset', dialect])];
      const a = render(dialect, facts, zone, first);
      const fileA = words(a);
      expect(counts(await importWords(open.db, fileA))).toEqual({ rows: 40, imported: 40, updated: 0, unchanged: 0, skipped: 0 });
      const before = await snapshot(open.db);
      expect(before.events.length).toBeGreaterThan(80);
      expect(counts(await importWords(open.db, fileA)), `${dialect}: the same file again`).toEqual({ rows: 40, imported: 0, updated: 0, unchanged: 40, skipped: 0 });
      expect(await snapshot(open.db), `${dialect}: the same file again`).toEqual(before);
      const c = render(dialect, facts, zone, third);
      expect(c.text).not.toBe(a.text);
      expect(counts(await importWords(open.db, words(c))), `${dialect}: another rendering`).toEqual({ rows: 40, imported: 0, updated: 0, unchanged: 40, skipped: 0 });
      expect(await snapshot(open.db), `${dialect}: another rendering`).toEqual(before);
    }
  });

  it('a later export: changed rows update, a new solve moves the resolution, facts that happen once keep their first value', async () => {
    const zone = 'Europe/Berlin';
    const facts = generateTable(77, 'custom', 60, zone, 'C-');
    const style = styles(7700, 'custom')[0] as Style;
    const source = 'later';
    const importFacts = async (table: readonly Facts[], seed: number) => {
      const rendered = render('custom', table, zone, { ...style, seed });
      return importWords(open.db, [writeCsv(rendered.text), '--source', source, '--timezone', zone, ...rendered.args]);
    };
    expect(counts(await importFacts(facts, 1))).toMatchObject({ imported: 60, skipped: 0 });
    const rng = new Rng(78);
    const next = facts.map((f) => structuredClone(f));
    const kind = new Map<string, 'attrs' | 'solve' | 'again' | 'replies' | 'once'>();
    const resolutionOf = (f: Facts) => f.resolved ?? (f.status === 'closed' ? f.closed : undefined);
    for (const f of next) {
      const options: ('attrs' | 'solve' | 'again' | 'replies' | 'once' | 'none')[] = ['none', 'replies', 'once'];
      if (isOpenLike(f.status) && !f.tags.includes('escalated')) options.push('attrs', 'attrs');
      if (isOpenLike(f.status) && f.resolved === undefined) options.push('solve', 'solve');
      if (f.status === 'solved') options.push('again', 'again');
      const chosen = rng.pick(options);
      if (chosen === 'none') continue;
      kind.set(f.id, chosen);
      if (chosen === 'attrs') {
        f.status = rng.pick(OPEN_LIKE.filter((s) => s !== f.status));
        f.priority = rng.pick((['low', 'normal', 'high'] as const).filter((p) => p !== f.priority));
        f.channel = rng.pick(Object.keys(CHANNEL_WORDS).filter((c) => c !== f.channel));
        f.group = rng.pick(GROUPS.filter((g) => g !== f.group));
        const [name, email] = rng.pick(AGENTS.filter(([, e]) => e !== f.assigneeEmail));
        f.assigneeName = name;
        f.assigneeEmail = email;
        f.tags = [rng.pick(TAGS.filter((t) => !f.tags.includes(t)))];
        f.csat = { scale: '1-5', score: f.csat?.scale === '1-5' && f.csat.score === 5 ? 1 : 5 };
      } else if (chosen === 'solve') {
        f.status = 'solved';
        f.resolved = Math.max(f.created, f.firstResponse ?? 0) + rng.int(1, 3000) * MIN;
      } else if (chosen === 'again') {
        f.resolved = (f.resolved as number) + rng.int(1, 3000) * MIN;
        f.closed = undefined;
        f.reopens = Math.max(1, f.reopens ?? 0);
      } else if (chosen === 'replies') {
        f.replies = Math.max(f.replies ?? 0, f.firstResponse === undefined ? 0 : 1) + rng.int(1, 3);
      } else {
        // A corrected creation time (earlier) or first reply (later, still before any resolution).
        const resolution = resolutionOf(f);
        if (f.firstResponse !== undefined && (resolution === undefined || f.firstResponse + 10 * MIN <= resolution) && rng.chance(0.5)) f.firstResponse += 10 * MIN;
        else f.created -= 60 * MIN;
      }
    }
    const updated = [...kind.values()].filter((k) => k !== 'once').length;
    for (const k of ['attrs', 'solve', 'again', 'replies', 'once']) expect([...kind.values()].filter((v) => v === k).length, k).toBeGreaterThanOrEqual(1);

    const second = await importFacts(next, 2);
    const actual = await projections(open.db, source);
    const scores = (ratings: readonly Rating[]) => ratings.map(({ kind: k, scale, score }) => ({ kind: k, scale, score }));
    const problems: string[] = [];
    facts.forEach((old, index) => {
      const now = next[index] as Facts;
      const got = actual.get(old.id) as Projected;
      const k = kind.get(old.id);
      let want: Projected;
      if (k === undefined || k === 'once') {
        want = projectedOf(oracleTicket(old));
      } else {
        want = { ...projectedOf(oracleTicket(now)), created_at: old.created, first_response_at: old.firstResponse ?? null };
        if (k === 'again') want.first_resolved_at = old.resolved as number;
      }
      const comparable = (p: Projected) => (k === undefined || k === 'once' ? p : { ...p, ratings: scores(p.ratings) });
      try {
        expect(comparable(got), `${k ?? 'unchanged'} ${old.id}`).toEqual(comparable(want));
      } catch (error) {
        problems.push((error as Error).message.split('\n').slice(0, 40).join('\n'));
      }
    });
    expect(problems).toEqual([]);
    expect(counts(second)).toEqual({ rows: 60, imported: 0, updated, unchanged: 60 - updated, skipped: 0 });

    // The later export again: nothing more.
    const state = await snapshot(open.db);
    expect(counts(await importFacts(next, 3))).toEqual({ rows: 60, imported: 0, updated: 0, unchanged: 60, skipped: 0 });
    expect(await snapshot(open.db)).toEqual(state);
  });

  it('a changed Solved at without a reopen count keeps the earliest solve as the resolution time', async () => {
    const zone = 'UTC';
    const facts = generateTable(79, 'custom', 40, zone, 'E-').filter((f) => f.status === 'solved');
    for (const f of facts) f.reopens = 0;
    expect(facts.length).toBeGreaterThanOrEqual(4);
    const style = styles(7900, 'custom')[0] as Style;
    const importFacts = async (table: readonly Facts[], seed: number) => {
      const rendered = render('custom', table, zone, { ...style, seed });
      return importWords(open.db, [writeCsv(rendered.text), '--source', 'earliest', '--timezone', zone, ...rendered.args]);
    };
    await importFacts(facts, 1);
    const later = facts.map((f) => ({ ...structuredClone(f), resolved: (f.resolved as number) + 90 * MIN, closed: undefined }));
    expect(counts(await importFacts(later, 2))).toMatchObject({ rows: facts.length, imported: 0, skipped: 0 });
    const actual = await projections(open.db, 'earliest');
    for (const f of facts) {
      expect(actual.get(f.id), f.id).toMatchObject({ status: 'solved', first_resolved_at: f.resolved, resolved_at: f.resolved, reopen_count: 0 });
    }
  });

  it('the same ticket twice in one file: the later row is applied after the earlier one', async () => {
    const zone = 'UTC';
    const facts = generateTable(80, 'custom', 30, zone, 'D-').filter((f) => isOpenLike(f.status) && !f.tags.includes('escalated')).slice(0, 6);
    expect(facts.length).toBe(6);
    const rows: Facts[] = [];
    const laterRows: Facts[] = [];
    for (const f of facts) {
      const later = { ...structuredClone(f), status: f.status === 'pending' ? 'on-hold' : 'pending', group: 'Later team', priority: 'low', tags: ['later'] } satisfies Facts;
      rows.push(f);
      laterRows.push(later);
    }
    const rendered = render('custom', [...rows.slice(0, 3), ...laterRows.slice(0, 3), ...rows.slice(3).flatMap((f, i) => [f, laterRows[3 + i] as Facts])], zone, styles(8000, 'custom')[0] as Style);
    const summary = await importWords(open.db, [writeCsv(rendered.text), '--source', 'twice', '--timezone', zone, ...rendered.args, '--batch-size', '2']);
    expect(counts(summary)).toEqual({ rows: 12, imported: 6, updated: 6, unchanged: 0, skipped: 0 });
    const actual = await projections(open.db, 'twice');
    for (const later of laterRows) {
      expect(actual.get(later.id), later.id).toMatchObject({ status: later.status, team: 'Later team', priority: 'low', tags: ['later'] });
    }
  });

  it('bad rows are skipped with their line and reason, nothing of them is written, and a dry run writes nothing', async () => {
    const zone = 'Asia/Jakarta';
    const good = generateTable(88, 'custom', 30, zone, 'G-');
    const bad = generateTable(89, 'custom', 24, zone, 'B-');
    const cell = (field: Field, value: string): Corrupt => (cells, headers) => {
      const index = headers.findIndex((header) => header === COLUMN_OF[field] || header.startsWith(`${COLUMN_OF[field]} (`));
      expect(index, field).toBeGreaterThanOrEqual(0);
      return cells.map((text, i) => (i === index ? value : text));
    };
    const encode = (cells: string[]) => cells.map((text) => `"${text.replaceAll('"', '""')}"`).join(',');
    type Case = { readonly field?: Field; readonly corrupt?: Corrupt; readonly facts?: (f: Facts) => void; readonly reason: RegExp | ((header: string) => RegExp) };
    const field = (name: Field, tail: string) => (header: string) => new RegExp(`^${name} \\(column "${header.replace(/[()?]/g, '\\$&')}"\\) ${tail}`);
    const cases: Case[] = [
      { field: 'created_at', corrupt: cell('created_at', ''), reason: field('created_at', 'is empty') },
      { field: 'created_at', corrupt: cell('created_at', '31/02/2026 10:00'), reason: field('created_at', '"31/02/2026 10:00" is not a date') },
      { field: 'created_at', corrupt: cell('created_at', '2026-10-21 25:00'), reason: field('created_at', '"2026-10-21 25:00" is not a date') },
      { field: 'created_at', corrupt: cell('created_at', '21/10/26 10:00'), reason: field('created_at', '"21/10/26 10:00" is not a date') },
      { field: 'created_at', corrupt: cell('created_at', '46315.5'), reason: field('created_at', '"46315.5" is not a date') },
      { field: 'created_at', corrupt: cell('created_at', '2026-10-21 10:00 IST'), reason: field('created_at', '"2026-10-21 10:00 IST" is not a date') },
      { field: 'id', corrupt: cell('id', ''), reason: field('id', 'is empty') },
      { field: 'id', corrupt: cell('id', 'X'.repeat(101)), reason: field('id', '') },
      { field: 'requester', corrupt: cell('requester', 'r'.repeat(101)), reason: field('requester', '') },
      { field: 'csat', corrupt: cell('csat', '7'), reason: field('csat', '"7" is not a csat rating') },
      { field: 'nps', corrupt: cell('nps', '11'), reason: field('nps', '"11"') },
      { field: 'ces', corrupt: cell('ces', '0'), reason: field('ces', '"0"') },
      { field: 'reopens', corrupt: cell('reopens', '-1'), reason: field('reopens', '"-1"') },
      { field: 'agent_replies', corrupt: cell('agent_replies', '2.5'), reason: field('agent_replies', '"2.5"') },
      { field: 'escalated', corrupt: cell('escalated', 'maybe'), reason: field('escalated', '"maybe"') },
      { field: 'handle_time', corrupt: cell('handle_time', 'soon'), reason: field('handle_time', '"soon"') },
      { field: 'handle_time', corrupt: cell('handle_time', '99999999 hours'), reason: field('handle_time', '"99999999 hours" is too long') },
      { field: 'reopens', corrupt: cell('reopens', '3000000000'), reason: field('reopens', '"3000000000" is too large') },
      { field: 'first_response_at', facts: (f) => { f.firstResponse = f.created - MIN; }, reason: field('first_response_at', '') },
      { field: 'closed_at', facts: (f) => { f.status = 'closed'; f.resolved = f.created + 2 * H; f.closed = f.created + 2 * H - MIN; f.firstResponse = undefined; }, reason: field('closed_at', '') },
      { field: 'status', facts: (f) => { f.status = 'solved'; f.resolved = undefined; f.closed = undefined; }, reason: field('status', '') },
      { corrupt: (cells) => ({ raw: encode(cells.slice(0, 5)) }), reason: /^has 5 fields where the header has 22$/ },
      { corrupt: (cells) => [...cells, 'extra'], reason: /^has 23 fields where the header has 22$/ },
      { corrupt: (cells) => ({ raw: `${encode(cells.slice(0, -1))},"never closes` }), reason: /^not valid CSV \(a quoted field opened in this record never closes/ },
    ];
    expect(cases.length).toBe(bad.length);
    const corrupt = new Map<string, Corrupt>();
    bad.forEach((f, index) => {
      const c = cases[index] as Case;
      c.facts?.(f);
      if (c.corrupt !== undefined) corrupt.set(f.id, c.corrupt);
      expect(c.facts === undefined || skipReason(f) !== undefined, `case ${index} is bad by the oracle too`).toBe(true);
    });
    // Bad rows among the good ones, not at the end; the stray quote last, as docs/import.md's recovery after one
    // does not hold (see 'a stray quote skips only its own record'). CRLF inside quoted cells is left to
    // 'a CRLF inside a quoted field is one line break' for the same reason: here quoted cells break lines with LF.
    for (const f of [...good, ...bad]) f.subject = f.subject.replaceAll('\r\n', '\n');
    const stray = bad.at(-1) as Facts;
    stray.subject = 'Plain'; // one line: see 'a record that is not valid CSV is reported at the line where it starts'
    const rng = new Rng(90);
    const table = rng.shuffle([...good.slice(0, 25), ...bad.slice(0, -1)]);
    table.push(...good.slice(25), stray);
    // LF records: after a stray quote a CRLF reads as one more, phantom record (see 'a stray quote skips only its own record').
    const style: Style = { ...(styles(8800, 'custom')[0] as Style), crlf: false, bom: true, blankLines: true };
    const rendered = render('custom', table, zone, style, corrupt);
    const file = writeCsv(rendered.text, 'bad');
    const words = [file, '--source', 'bad', '--timezone', zone, ...rendered.args];
    const expectedSkips = bad
      .map((f, index) => {
        const c = cases[index] as Case;
        const header = c.field === undefined ? '' : (rendered.headerOf.get(c.field) as string);
        return { line: rendered.lines.get(f.id) as number, reason: typeof c.reason === 'function' ? c.reason(header) : c.reason };
      })
      .sort((a, b) => a.line - b.line);

    // A dry run, without a database and with one: the same verdicts, nothing written.
    // Which 20 of the 24 are listed is left to 'the skipped rows listed are the first 20 in file order': here each listed one must be right.
    const listedRight = (rows: readonly { line: number; reason: string }[]) => {
      expect(rows.length).toBe(20);
      expect(new Set(rows.map((row) => row.line)).size).toBe(20);
      for (const row of rows) {
        const want = expectedSkips.find((skip) => skip.line === row.line);
        expect(want, `line ${row.line}: ${row.reason}`).toBeDefined();
        expect(row.reason, `line ${row.line}`).toMatch((want as { reason: RegExp }).reason);
      }
    };
    const dry = await importWords(undefined, [...words, '--dry-run']);
    expect(dry).toMatchObject({ dryRun: true, rows: 54, valid: 30, skipped: 24 });
    listedRight(dry.skippedRows);
    const dryWithDb = await runImport({ ...optionsFrom(words), dryRun: true }, { db: open.db });
    expect({ ...dryWithDb, elapsedMs: 0 }).toEqual({ ...dry, elapsedMs: 0 });
    expect(Object.values(await tableCounts(open.db)).every((n) => n === 0)).toBe(true);

    const summary = await importWords(open.db, [...words, '--batch-size', '7']);
    expect(counts(summary)).toEqual({ rows: 54, imported: 30, updated: 0, unchanged: 0, skipped: 24 });
    listedRight(summary.skippedRows);
    expect(summary.skippedRows).toEqual(dry.skippedRows);
    expectProjection(await projections(open.db, 'bad'), good.map(oracleTicket), 'the good rows');
    const written = (await open.db('ticket_events').distinct('external_ticket_id').pluck('external_ticket_id')) as string[];
    expect(written.sort()).toEqual(good.map((f) => f.id).sort());
    expect(await engineKpis(open.db, 'bad')).toEqual(oracleKpis(good.map(oracleTicket)));
  });

  it('--timezone shifts the times written without a zone, and only those', async () => {
    const written = 'Asia/Jakarta';
    const facts = generateTable(91, 'custom', 50, written, 'Z-');
    for (const f of facts) f.subject = f.subject.replaceAll('\r\n', '\n'); // skipped rows are matched by line: see 'a CRLF inside a quoted field'
    const style: Style = { ...(styles(9100, 'custom')[0] as Style), naive: 0.5 };
    const rendered = render('custom', facts, written, style);
    const file = writeCsv(rendered.text, 'zones');
    const naive = rendered.timeCells.filter((c) => c.wall !== undefined).length;
    const zoned = rendered.timeCells.filter((c) => c.wall === undefined && c.afterCreated === undefined).length;
    expect(naive).toBeGreaterThan(20);
    expect(zoned).toBeGreaterThan(20);
    await importWords(open.db, [file, '--source', 'tz-written', '--timezone', written, ...rendered.args]);
    expectProjection(await projections(open.db, 'tz-written'), facts.map(oracleTicket), 'read in the zone it was written in');

    for (const zone of ['America/New_York', 'UTC']) {
      const shifted = facts.map((f) => {
        const cells = rendered.timeCells.filter((c) => c.id === f.id);
        const read = (field: TimeCell['field'], created: number) => {
          const c = cells.find((x) => x.field === field);
          if (c === undefined) return undefined;
          if (c.wall !== undefined) return instantOf(c.wall, zone);
          if (c.afterCreated !== undefined) return created + c.afterCreated * MIN;
          return c.t;
        };
        const created = read('created_at', 0) as number;
        return { ...f, created, firstResponse: read('first_response_at', created), resolved: read('resolved_at', created), closed: read('closed_at', created) };
      });
      const source = `tz-${zone.toLowerCase().replace('/', '-')}`;
      const summary = await importWords(open.db, [file, '--source', source, '--timezone', zone, ...rendered.args]);
      const skipped = shifted.filter((f) => skipReason(f) !== undefined);
      expect(summary.skippedRows.map((row) => row.line).sort((a, b) => a - b), zone).toEqual(skipped.map((f) => rendered.lines.get(f.id)).sort((a, b) => (a as number) - (b as number)));
      const kept = shifted.filter((f) => skipReason(f) === undefined);
      expect(kept.filter((f, i) => f.created !== facts[i]?.created).length).toBeGreaterThan(5);
      expectProjection(await projections(open.db, source), kept.map(oracleTicket), `read in ${zone}`);
    }

    // Across daylight-saving changes: a time in the spring-forward gap moves forward by the gap; a repeated one is the first.
    const dst = writeCsv(['id,created_at,first_response_at', 'gap,2026-03-08 02:30,2026-03-08T08:00:00Z', 'twice,2026-11-01 01:30,2026-11-01 01:45', `zoned,2026-11-01T01:30:00-05:00,${at('2026-11-01T07:00:00Z') / 1000}`, ''].join('\n'), 'dst');
    const expectations: Record<string, Record<string, [string, string]>> = {
      'America/New_York': { gap: ['2026-03-08T07:30:00Z', '2026-03-08T08:00:00Z'], twice: ['2026-11-01T05:30:00Z', '2026-11-01T05:45:00Z'], zoned: ['2026-11-01T06:30:00Z', '2026-11-01T07:00:00Z'] },
      'Asia/Jakarta': { gap: ['2026-03-07T19:30:00Z', '2026-03-08T08:00:00Z'], twice: ['2026-10-31T18:30:00Z', '2026-10-31T18:45:00Z'], zoned: ['2026-11-01T06:30:00Z', '2026-11-01T07:00:00Z'] },
    };
    for (const [zone, tickets] of Object.entries(expectations)) {
      const source = `dst-${zone === 'Asia/Jakarta' ? 'jkt' : 'nyc'}`;
      expect(counts(await importWords(open.db, [dst, '--source', source, '--timezone', zone]))).toMatchObject({ imported: 3, skipped: 0 });
      const actual = await projections(open.db, source);
      for (const [id, [created, reply]] of Object.entries(tickets)) {
        expect(actual.get(id), `${zone} ${id}`).toMatchObject({ created_at: at(created), first_response_at: at(reply) });
      }
    }
  });

  // ---- Focused cases the differential tests found (each rests on the docs/import.md sentence quoted).

  /** Imports a small file into its own source and returns the summary and the ticket ids written. */
  async function importText(text: string, source: string) {
    const summary = await importWords(open.db, [writeCsv(text, source), '--source', source, '--timezone', 'UTC']);
    const ids = ((await open.db('tickets').where({ source }).pluck('external_id')) as string[]).sort();
    return { counts: counts(summary), skippedRows: summary.skippedRows, ids };
  }

  it('a stray quote is kept as a character: its record is read, and the rows after it import', async () => {
    // docs/import.md: "A quote that neither opens nor closes a field ... is kept as a character ... a stray quote costs at
    // most its own row, never the rows after it." (Found here: csv-parse's recovery after one lost or misread the rows after it.)
    expect(await importText('id,created_at,subject\nA,2026-03-02 09:00,"stray "quote\nB,2026-03-02 09:00,z\n', 'stray-next')).toEqual({
      counts: { rows: 2, imported: 2, updated: 0, unchanged: 0, skipped: 0 }, skippedRows: [], ids: ['A', 'B'],
    });
    // A later quoted cell is read as written.
    expect(await importText('id,created_at,subject\nA,2026-03-02 09:00,"stray "quote\nB,2026-03-02 09:00,z\nC,2026-03-02 09:00,"q"\nD,2026-03-02 09:00,z\n', 'stray-quoted')).toEqual({
      counts: { rows: 4, imported: 4, updated: 0, unchanged: 0, skipped: 0 }, skippedRows: [], ids: ['A', 'B', 'C', 'D'],
    });
    // The last record, with CRLF line ends: no phantom record.
    expect(await importText('id,created_at,subject\r\nB,2026-03-02 09:00,z\r\nA,2026-03-02 09:00,"stray "quote\r\n', 'stray-crlf')).toEqual({
      counts: { rows: 2, imported: 2, updated: 0, unchanged: 0, skipped: 0 }, skippedRows: [], ids: ['A', 'B'],
    });
    // In a cell the import reads, the quote makes the value unreadable: that row alone is skipped, naming it.
    expect(await importText('id,created_at,subject\nA,"2026-03-02 "09:00,z\nB,2026-03-02 09:00,z\n', 'stray-date')).toEqual({
      counts: { rows: 2, imported: 1, updated: 0, unchanged: 0, skipped: 1 }, skippedRows: [{ line: 2, reason: expect.stringMatching(/^created_at \(column "created_at"\) .* is not a date/) }], ids: ['B'],
    });
  });

  it('a CRLF inside a quoted field is one line break: the rows after it keep their line numbers', async () => {
    // "skipped, with its line number (where the record starts; quoted fields may span lines)": A spans lines 2-3, C is on line 4.
    const lf = await importText('id,created_at,subject\nA,2026-03-02 09:00,"x\ny"\nC,bad,z\n', 'lines-lf');
    expect(lf.skippedRows.map((row) => row.line)).toEqual([4]);
    const crlf = await importText('id,created_at,subject\nA,2026-03-02 09:00,"x\r\ny"\nC,bad,z\n', 'lines-crlf');
    expect(crlf.skippedRows.map((row) => row.line)).toEqual([4]);
  });

  it('a record that is not valid CSV is reported at the line where it starts', async () => {
    // "with its line number (where the record starts; quoted fields may span lines)": A starts on line 3; its quote that never closes on line 4.
    const result = await importText('id,created_at,subject,x\nB,2026-03-02 09:00,z,z\nA,2026-03-02 09:00,"multi\r\nline","never closes\nC,2026-03-02 09:00,z,z\n', 'unclosed-lines');
    expect(result.counts).toEqual({ rows: 2, imported: 1, updated: 0, unchanged: 0, skipped: 1 });
    expect(result.skippedRows).toEqual([{ line: 3, reason: expect.stringMatching(/^not valid CSV \(a quoted field opened in this record never closes/) }]);
  });

  it('the skipped rows listed are the first 20 in file order', async () => {
    // READING: "at most 20 are listed, then '... and N more skipped rows'": the first 20, as the summary lists them by line.
    const rows = Array.from({ length: 20 }, (_, index) => `S-${index},not a date,z`);
    // The last record's quote never closes: the parser reports it while reading ahead of the rows being checked.
    const result = await importText(['id,created_at,subject', ...rows, 'OK,2026-03-02 09:00,z', 'Q,2026-03-02 09:00,"never closes', ''].join('\n'), 'listed');
    expect(result.counts).toEqual({ rows: 22, imported: 1, updated: 0, unchanged: 0, skipped: 21 });
    expect(result.skippedRows.map((row) => row.line)).toEqual(Array.from({ length: 20 }, (_, index) => index + 2));
  });

  it('the generated tables cover what the oracle distinguishes', () => {
    const all = (['zendesk', 'freshdesk', 'zohodesk', 'custom'] as const).flatMap((dialect, i) => generateTable((i + 1) * 11, dialect, 45, ZONES[((i + 1) * 11) % 4] as string).map(oracleTicket));
    const cases = {
      reopenedOpen: all.filter((t) => t.first_resolved_at !== null && t.resolved_at === null).length,
      closedOnly: all.filter((t) => t.status === 'closed' && t.closed_at !== null).length,
      fcr: all.filter((t) => t.first_resolved_at !== null && t.agent_reply_count === 1 && t.reopen_count === 0).length,
      escalated: all.filter((t) => t.escalated_at !== null).length,
      handled: all.filter((t) => t.handle_time_seconds > 0 && t.first_resolved_at !== null).length,
      inPeriod: all.filter((t) => inRange(t.created_at, PERIOD)).length,
      inPrevious: all.filter((t) => inRange(t.created_at, PERIOD.previous)).length,
      createdUrgentNotEscalated: all.filter((t) => t.priority === 'urgent' && t.escalated_at === null).length,
      replyAfterSolve: all.filter((t) => t.first_response_at !== null && t.first_resolved_at !== null && t.first_response_at > t.first_resolved_at).length,
      solvedWithReopens: all.filter((t) => t.resolved_at !== null && t.reopen_count > 0).length,
    };
    for (const [name, n] of Object.entries(cases)) expect(n, name).toBeGreaterThanOrEqual(3);
  });
});
