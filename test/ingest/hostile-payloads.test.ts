/**
 * Every adapter, fed its own fixtures with values swapped for hostile ones
 * (Object's member names, huge and negative numbers, times out of range,
 * over-long text, wrong types), either yields events that pass checkEvents
 * or refuses with a PayloadShapeError (a 422, kept): never another exception
 * (a 500). Seeded, so a failure repeats.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PayloadShapeError, type SourceAdapter } from '../../src/ingest/adapter.js';
import { checkEvents, type NormalizedEvent } from '../../src/ingest/events.js';
import { ADAPTERS } from '../../src/ingest/sources.js';
import { lookup, optionalTime } from '../../src/ingest/values.js';
import { random } from '../../src/demo/random.js';
import { EVENT_LIFE, TRIGGER_LIFE } from '../fixtures/zendesk/ticket-life.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const FIXTURES = new URL('../fixtures/', import.meta.url);
const MUTATIONS_PER_FIXTURE = 300;

/** Each source's fixtures, with the event name Help Scout sends in a header (from the file name). */
function fixtures(): { source: string; name: string; body: Json; headers: Record<string, string> }[] {
  const cases = [];
  for (const source of ['freshdesk', 'helpscout', 'intercom', 'jira', 'zohodesk']) {
    for (const file of readdirSync(new URL(`${source}/`, FIXTURES)).filter((name) => name.endsWith('.json'))) {
      const event = file.replace(/^\d+-/, '').replace(/~.*$/, '').replace(/\.json$/, '');
      cases.push({ source, name: file, body: JSON.parse(readFileSync(new URL(`${source}/${file}`, FIXTURES), 'utf8')) as Json, headers: { 'x-helpscout-event': event } });
    }
  }
  for (const [index, body] of [...EVENT_LIFE, ...TRIGGER_LIFE.map((entry) => entry.body)].entries()) cases.push({ source: 'zendesk', name: `life ${index}`, body: body as unknown as Json, headers: {} });
  const ticket = { id: 'T-1', status: 'open', priority: 'low', channel: 'email', team: 'Billing', tags: ['vip'], assignee: { id: 'a-1', email: 'a@example.com' } };
  cases.push({ source: 'generic', name: 'ticket', body: { type: 'ticket.created', id: 'e1', occurred_at: '2026-10-01T00:00:00Z', actor: { type: 'customer', id: 'c-1' }, ticket }, headers: {} });
  cases.push({ source: 'generic', name: 'batch', body: { events: [{ type: 'ticket.rated', id: 'e2', occurred_at: 1790000000, ticket: { id: 'T-1' }, rating: { kind: 'csat', scale: '1-5', score: 4 } }, { type: 'customer.purchased', id: 'e3', occurred_at: 1790000000, customer: { id: 'c-1' } }] }, headers: {} });
  return cases;
}

/** Stands for a list nested 20,000 deep, built afresh where it goes (writing it as JSON overflows the stack). */
const DEEP = '\u0000deep';
const deep = (): Json => {
  let value: Json = [];
  for (let level = 0; level < 20_000; level += 1) value = [value];
  return value;
};

const HOSTILE: readonly Json[] = [
  null, true, false, 0, -1, 1.5, 1e308, -1e308, 1e15, 8.7e15, '', ' ', 'x', '0', 'null', [], {}, [null], [[]], { a: null },
  'x'.repeat(5000), '2026-13-45T99:99:99Z', '1969-12-31T23:59:59Z', '+275760-09-13T00:00:01Z', 'Ödeme',
  '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'CONSTRUCTOR', 'Constructor', { toString: 1 },
  // A number id too large to be read exactly (it would become 12345678901234567000, another ticket's id too).
  Number('12345678901234567890'), 1.79e15,
  DEEP,
];

/** Every path to a value inside a JSON tree. */
function paths(value: Json, at: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  if (at.length > 0) out.push(at);
  // Not into a value nested deeper than any fixture (DEEP, put in by an earlier round).
  if (at.length > 50) return out;
  if (Array.isArray(value)) value.forEach((item, index) => paths(item, [...at, index], out));
  else if (value !== null && typeof value === 'object') for (const key of Object.keys(value)) paths(value[key] as Json, [...at, key], out);
  return out;
}

/** A copy of `body` with one to four values replaced by hostile ones, or removed. */
function mutate(body: Json, rand: () => number): Json {
  const copy = JSON.parse(JSON.stringify(body)) as Json;
  for (let round = 1 + Math.floor(rand() * 4); round > 0; round -= 1) {
    const all = paths(copy);
    const path = all[Math.floor(rand() * all.length)];
    if (path === undefined) break;
    let parent = copy as Record<string | number, Json>;
    for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, Json>;
    const key = path[path.length - 1] as string | number;
    if (rand() < 0.2 && !Array.isArray(parent)) delete parent[key];
    else {
      const hostile = HOSTILE[Math.floor(rand() * HOSTILE.length)] ?? null;
      parent[key] = hostile === DEEP ? deep() : (JSON.parse(JSON.stringify(hostile)) as Json);
    }
  }
  return copy;
}

describe('hostile payloads', () => {
  it('every adapter yields checked events or a PayloadShapeError for mutations of its fixtures, never another exception', () => {
    const adapters = new Map<string, SourceAdapter>(ADAPTERS.map((adapter) => [adapter.source, adapter]));
    const rand = random(20261123);
    const failures = new Map<string, string>();
    let accepted = 0;
    let refused = 0;
    for (const fixture of fixtures()) {
      const adapter = adapters.get(fixture.source);
      if (adapter === undefined) throw new Error(`no adapter for ${fixture.source}`);
      for (let i = 0; i < MUTATIONS_PER_FIXTURE; i += 1) {
        const body = mutate(fixture.body, rand);
        try {
          const events: NormalizedEvent[] = adapter.parse(body, { headers: fixture.headers, receivedAt: Date.parse('2026-10-05T08:00:00Z'), timezone: 'UTC' });
          checkEvents(events);
          accepted += 1;
        } catch (error) {
          if (error instanceof PayloadShapeError) refused += 1;
          else failures.set(`${fixture.source} ${fixture.name}: ${String(error)}`, String(error instanceof Error ? error.stack : error).slice(0, 300));
        }
      }
    }
    expect([...failures.entries()]).toEqual([]);
    // Both outcomes occur: the mutations are neither all harmless nor all refused.
    expect(accepted).toBeGreaterThan(1000);
    expect(refused).toBeGreaterThan(1000);
  });

  it('checkEvents refuses what no adapter should pass on', () => {
    const base = { kind: 'ticket', type: 'ticket_created', externalTicketId: 'T-1', occurredAt: Date.parse('2026-10-01T00:00:00Z'), data: {}, dedupeKey: 'k1' } as const;
    const refused = (event: object) => () => checkEvents([{ ...base, ...event } as NormalizedEvent]);
    expect(() => checkEvents([base])).not.toThrow();
    expect(refused({ type: 'constructor' })).toThrow(PayloadShapeError);
    expect(refused({ occurredAt: -1 })).toThrow(/its time is not a time from 1970 on/);
    expect(refused({ occurredAt: Number.POSITIVE_INFINITY })).toThrow(PayloadShapeError);
    expect(refused({ data: { status: 'toString' } })).toThrow(/unknown status/);
    expect(refused({ data: { seconds: 2 ** 31 } })).toThrow(/handle time/);
    expect(refused({ data: { resolutionDueAt: 1e308 } })).toThrow(/resolution due time/);
    expect(refused({ data: { rating: { kind: 'nps', scale: '1-5', score: 4 } } })).toThrow(/nps rating on the scale 1-5/);
    expect(refused({ data: { rating: { kind: 'csat', scale: '1-5', score: 4.5 } } })).toThrow(/whole number within 1-5/);
    expect(refused({ externalTicketId: 'T'.repeat(101) })).toThrow(/ticket id must be a text of 1 to 100 characters/);
    expect(refused({ dedupeKey: '' })).toThrow(/event id/);
    // Handle time: 30 days at most (one interaction's, or a ticket's tracked total).
    expect(() => checkEvents([{ ...base, type: 'handle_time', data: { seconds: 30 * 86_400 } } as NormalizedEvent])).not.toThrow();
    expect(refused({ type: 'handle_time', data: { seconds: 30 * 86_400 + 1 } })).toThrow(/handle time \(2592001 s\) is more than 30 days/);
    // Nothing that happened is dated more than the tolerance after it was sent; a due time may lie ahead.
    const sent = Date.parse('2026-10-01T00:00:00Z');
    expect(() => checkEvents([{ ...base, occurredAt: sent + 86_400_000, data: { resolutionDueAt: sent + 9 * 86_400_000 } } as NormalizedEvent], sent + 86_400_000)).not.toThrow();
    expect(() => checkEvents([{ ...base, occurredAt: 1.79e15 } as NormalizedEvent], sent + 86_400_000)).toThrow(/its time is \+058\d{3}-.* more than a day after it was sent/);
    expect(() => checkEvents([{ ...base, data: { ticketCreatedAt: sent + 2 * 86_400_000 } } as NormalizedEvent], sent + 86_400_000)).toThrow(/creation time is 2026-10-03T00:00:00.000Z, more than a day after it was sent/);
  });

  it('times: from 1970 to the last instant a Date holds; own entries only in lookup tables', () => {
    expect(optionalTime('2026-10-01T00:00:00Z')).toBe(Date.parse('2026-10-01T00:00:00Z'));
    expect(optionalTime(1790000000)).toBe(1790000000000); // epoch seconds
    expect(optionalTime(-1)).toBeUndefined();
    expect(optionalTime(1e308)).toBeUndefined();
    expect(optionalTime(-1e308)).toBeUndefined();
    expect(optionalTime('1969-12-31T23:59:59Z')).toBeUndefined();
    // ISO 8601 or epoch only: Zendesk's plain {{ticket.updated_at}} renders "May 18", which Date.parse read as 2001-05-18.
    for (const text of ['May 18', 'November 22', 'Mon, 05 Oct 2026 13:30:00 GMT', '2026/10/05 13:30', 'yesterday']) expect(optionalTime(text)).toBeUndefined();
    expect(optionalTime('2013-12-12T05:35Z')).toBe(Date.parse('2013-12-12T05:35:00Z'));
    expect(optionalTime('2026-10-05T13:30:00.123+0200')).toBe(Date.parse('2026-10-05T11:30:00.123Z'));
    expect(optionalTime('2026-10-05 13:30:00')).toBe(Date.parse('2026-10-05T13:30:00Z'));
    const table: Record<string, string> = { open: 'open' };
    expect(lookup(table, 'open')).toBe('open');
    expect(lookup(table, 'constructor')).toBeUndefined();
    expect(lookup(table, '__proto__')).toBeUndefined();
  });
});
