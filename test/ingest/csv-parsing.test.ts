/** The pure parts of `kpibot import`: dates, durations, cells, column mapping, row → events → projection. */
import { TZDate } from '@date-fns/tz';
import { describe, expect, it } from 'vitest';
import { DateReader, headerUnit, parseDuration } from '../../src/ingest/csv/dates.js';
import { readBoolean, readChannel, readCount, readPriority, readRating, readStatus, readTags } from '../../src/ingest/csv/cells.js';
import { describeMapping, GENERIC_VALUES, headerZone, PRESET_VALUES, resolveMapping } from '../../src/ingest/csv/mapping.js';
import { changeEvents, readRow, rowEvents, type ImportedTicket, type StoredTicket } from '../../src/ingest/csv/rows.js';
import { projectTicket } from '../../src/ingest/project-ticket.js';
import { UsageError } from '../../src/errors.js';

const utc = (text: string) => Date.parse(text);

describe('dates', () => {
  it('reads ISO 8601 with and without a zone, with a space, slashes, seconds and fractions', () => {
    const jakarta = new DateReader('Asia/Jakarta'); // UTC+7, no DST
    expect(jakarta.read('2026-03-02T09:00:00Z')).toBe(utc('2026-03-02T09:00:00Z'));
    expect(jakarta.read('2026-03-02T09:00:00.250+01:00')).toBe(utc('2026-03-02T08:00:00.250Z'));
    expect(jakarta.read('2026-03-02T09:00-0330')).toBe(utc('2026-03-02T12:30:00Z'));
    expect(jakarta.read('2026-03-02 09:00 +07')).toBe(utc('2026-03-02T02:00:00Z'));
    expect(jakarta.read('2026-03-02 09:00 UTC')).toBe(utc('2026-03-02T09:00:00Z'));
    // Offsets run from -12:00 to +14:00: one past them, or minutes past 59, is no time.
    expect(jakarta.read('2026-03-02T09:00:00+14:00')).toBe(utc('2026-03-01T19:00:00Z'));
    for (const text of ['2026-03-02T09:00:00+99:00', '2026-03-02T09:00:00+14:30', '2026-03-02T09:00:00-05:75']) expect(jakarta.read(text), text).toBeUndefined();
    expect(jakarta.read('2026-03-02T09:00:00')).toBe(utc('2026-03-02T02:00:00Z'));
    expect(jakarta.read('2026-03-02 09:00')).toBe(utc('2026-03-02T02:00:00Z'));
    expect(jakarta.read(' 2026-03-02 09:00:30 ')).toBe(utc('2026-03-02T02:00:30Z'));
    expect(jakarta.read('2026/03/02 09:00')).toBe(utc('2026-03-02T02:00:00Z'));
    expect(jakarta.read('2026-03-02')).toBe(utc('2026-03-01T17:00:00Z'));
    expect(jakarta.read('2026-3-2 9:05')).toBe(utc('2026-03-02T02:05:00Z'));
  });

  it('reads D/M/YYYY HH:MM day-first (the UCI log), and M/D/YYYY only when it cannot be day-first', () => {
    const reader = new DateReader('UTC');
    expect(reader.read('29/2/2016 01:16')).toBe(utc('2016-02-29T01:16:00Z'));
    expect(reader.read('4/3/2016 17:30')).toBe(utc('2016-03-04T17:30:00Z'));
    expect(reader.read('05.03.2024 14:30:15')).toBe(utc('2024-03-05T14:30:15Z'));
    expect(reader.read('05-03-2024 14:30')).toBe(utc('2024-03-05T14:30:00Z'));
    expect(reader.ambiguousDayFirst).toBe(3);
    expect(reader.monthFirst).toBe(0);
    expect(reader.read('3/25/2024')).toBe(utc('2024-03-25T00:00:00Z'));
    expect(reader.read('3/25/2024 2:30 PM')).toBe(utc('2024-03-25T14:30:00Z'));
    expect(reader.read('12/25/2024 12:05 am')).toBe(utc('2024-12-25T00:05:00Z'));
    expect(reader.monthFirst).toBe(3);
    expect(reader.read('3/3/2024')).toBe(utc('2024-03-03T00:00:00Z'));
    expect(reader.ambiguousDayFirst).toBe(3); // the same number twice is not ambiguous
  });

  it('follows --date-order strictly when given', () => {
    const mdy = new DateReader('UTC', 'mdy');
    expect(mdy.read('4/3/2016')).toBe(utc('2016-04-03T00:00:00Z'));
    expect(mdy.read('29/2/2016')).toBeUndefined();
    const dmy = new DateReader('UTC', 'dmy');
    expect(dmy.read('3/25/2024')).toBeUndefined();
    expect(dmy.read('25/3/2024')).toBe(utc('2024-03-25T00:00:00Z'));
  });

  it('reads month names (Zoho Desk) and epoch numbers', () => {
    const reader = new DateReader('UTC');
    expect(reader.read('05 Mar 2026 02:45 PM')).toBe(utc('2026-03-05T14:45:00Z'));
    expect(reader.read('5-Mar-2026 14:45')).toBe(utc('2026-03-05T14:45:00Z'));
    expect(reader.read('March 5, 2026 9:00 AM')).toBe(utc('2026-03-05T09:00:00Z'));
    expect(reader.read('Sep 30 2026')).toBe(utc('2026-09-30T00:00:00Z'));
    // Jira: day, month name and a two-digit year (20yy), 12- or 24-hour clock.
    expect(reader.read('25/Feb/26 10:17 PM')).toBe(utc('2026-02-25T22:17:00Z'));
    expect(reader.read('2/Mar/26 9:05 AM')).toBe(utc('2026-03-02T09:05:00Z'));
    expect(reader.read('22/Oct/21 16:55')).toBe(utc('2021-10-22T16:55:00Z'));
    expect(reader.read('29/Feb/24 12:00 AM')).toBe(utc('2024-02-29T00:00:00Z'));
    expect(reader.read('1772442000')).toBe(1772442000000);
    expect(reader.read('1772442000123')).toBe(1772442000123);
  });

  it('refuses what is not a date', () => {
    const reader = new DateReader('UTC');
    for (const text of ['', 'soon', '31/02/2026 10:00', '2026-02-30', '2026-13-01', '13/13/2026', '2026-03-02 25:00', '2026-03-02 10:61', '02/03/26', '29/Feb/25 10:00', '25/Feb/026', '45123.5', '2026-03-02 13:00 PM', 'March 5 2026 at 02:30 PM IST', 'Foo 5, 2026']) {
      expect(reader.read(text), text).toBeUndefined();
    }
  });

  it('reads naive times in the zone, right across DST changes', () => {
    const newYork = new DateReader('America/New_York'); // 2026: summer time from 8 March 02:00 to 1 November 02:00
    expect(newYork.read('2026-03-07 12:00')).toBe(utc('2026-03-07T17:00:00Z'));
    expect(newYork.read('2026-03-09 12:00')).toBe(utc('2026-03-09T16:00:00Z'));
    expect(newYork.read('2026-03-08 01:59')).toBe(utc('2026-03-08T06:59:00Z'));
    expect(newYork.read('2026-03-08 02:30')).toBe(utc('2026-03-08T07:30:00Z')); // in the gap: moved forward to 03:30 EDT
    expect(newYork.read('2026-03-08 03:00')).toBe(utc('2026-03-08T07:00:00Z'));
    expect(newYork.read('2026-11-01 00:59')).toBe(utc('2026-11-01T04:59:00Z'));
    expect(newYork.read('2026-11-01 01:30')).toBe(utc('2026-11-01T05:30:00Z')); // twice that night: the first (EDT)
    expect(newYork.read('2026-11-01 02:30')).toBe(utc('2026-11-01T07:30:00Z'));
    const saoPaulo = new DateReader('America/Sao_Paulo'); // the UCI log: summer time (UTC-2) ended 21 February 2016
    expect(saoPaulo.read('2016-02-20 12:00')).toBe(utc('2016-02-20T14:00:00Z'));
    expect(saoPaulo.read('29/2/2016 01:16')).toBe(utc('2016-02-29T04:16:00Z'));
  });

  it('reads a time the autumn change repeats as its first occurrence (summer time), east of Greenwich as west of it', () => {
    // Europe/London: 01:00–02:00 BST, then 01:00–02:00 GMT again on 25 October 2026; Sydney and Chatham on 5 April.
    expect(new DateReader('Europe/London').read('2026-10-25 01:30')).toBe(utc('2026-10-25T00:30:00Z'));
    expect(new DateReader('Europe/London').read('2026-10-25 02:10')).toBe(utc('2026-10-25T02:10:00Z'));
    expect(new DateReader('Australia/Sydney').read('2026-04-05 02:30')).toBe(utc('2026-04-04T15:30:00Z'));
    expect(new DateReader('Pacific/Chatham').read('2026-04-05 03:00')).toBe(utc('2026-04-04T13:15:00Z'));
    expect(new DateReader('Australia/Lord_Howe').read('2026-04-05 01:45')).toBe(utc('2026-04-04T14:45:00Z'));
  });

  it('agrees minute by minute around transitions with a search for the first instant showing the wall time (the per-hour offset cache)', () => {
    /** The first instant within 15 hours either side whose local time in `zone` reads `text`; in a gap, TZDate's (moved forward). */
    const firstShowing = (zone: string, wall: Date, text: string) => {
      const format = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
      for (let t = wall.getTime() - 15 * 3_600_000; t <= wall.getTime() + 15 * 3_600_000; t += 15 * 60_000) {
        if (format.format(t).replace(',', '') === text) return t;
      }
      return new TZDate(wall.getUTCFullYear(), wall.getUTCMonth(), wall.getUTCDate(), wall.getUTCHours(), wall.getUTCMinutes(), 0, zone).getTime();
    };
    const cases: [string, string][] = [
      ['America/New_York', '2026-03-07T22:00:00Z'],
      ['America/New_York', '2026-10-31T22:00:00Z'],
      ['Europe/Berlin', '2026-03-28T22:00:00Z'],
      ['Europe/Berlin', '2026-10-24T22:00:00Z'],
      ['Australia/Lord_Howe', '2026-04-04T20:00:00Z'], // half-hour DST
      ['Australia/Lord_Howe', '2026-10-03T20:00:00Z'],
      ['Europe/London', '2026-10-24T22:00:00Z'],
      ['Australia/Sydney', '2026-04-04T22:00:00Z'],
      ['Asia/Kolkata', '2026-03-01T00:00:00Z'],
    ];
    for (const [zone, from] of cases) {
      const reader = new DateReader(zone);
      for (let minute = 0; minute < 8 * 60; minute += 15) {
        const wall = new Date(Date.parse(from) + minute * 60_000);
        const text = wall.toISOString().slice(0, 16).replace('T', ' ');
        expect(reader.read(text), `${zone} ${text}`).toBe(firstShowing(zone, wall, text));
      }
    }
  });
});

describe('durations', () => {
  it('reads the common forms, in seconds', () => {
    const cases: [string, number][] = [
      ['2h 30m', 9000], ['2h30m', 9000], ['2 hours 30 minutes', 9000], ['2 hrs, 5 mins', 7500], ['1 day 2 hours', 93_600],
      ['5.5 hours', 19_800], ['45 min', 2700], ['45 minutes', 2700], ['90s', 90], ['1h and 15m', 4500],
      ['1:30:00', 5400], ['53:10:00', 191_400], ['01:15', 4500], ['0:00', 0], ['PT2H30M', 9000], ['P1DT1S', 86_401],
      ['600', 600], ['12.4', 12],
    ];
    for (const [text, seconds] of cases) expect(parseDuration(text), text).toBe(seconds);
  });

  it('reads bare numbers in the unit the column names, and refuses nonsense', () => {
    expect(parseDuration('30', 'minutes')).toBe(1800);
    expect(parseDuration('1.5', 'hours')).toBe(5400);
    expect(parseDuration('1h', 'minutes')).toBe(3600);
    for (const text of ['', 'soon', '-5', '5 parsecs', '1:75', 'P', 'PT', 'h']) expect(parseDuration(text), text).toBeUndefined();
  });

  it('takes the unit from headers such as "… in minutes" and "(in hrs)"', () => {
    expect(headerUnit('First reply time in minutes')).toBe('minutes');
    expect(headerUnit('Agent wait time in minutes within business hours')).toBe('minutes');
    expect(headerUnit('First response time (in hrs)')).toBe('hours');
    expect(headerUnit('First Response Time (in Hrs)')).toBe('hours');
    expect(headerUnit('handle_time_seconds')).toBe('seconds');
    expect(headerUnit('wait (min)')).toBe('minutes');
    expect(headerUnit('Time tracked')).toBeUndefined();
    expect(headerUnit('Created at')).toBeUndefined();
  });
});

describe('cells', () => {
  it('statuses: display values of Zendesk, Freshdesk, Zoho, ServiceNow, Kaggle, in English, Indonesian, Malay and Turkish; others are unknown (counted as open)', () => {
    const cases: [string, string][] = [
      ['New', 'new'], ['Open', 'open'], ['Pending', 'pending'], ['On-hold', 'on-hold'], ['On Hold', 'on-hold'], ['Solved', 'solved'],
      ['Closed', 'closed'], ['Resolved', 'solved'], ['Waiting on Customer', 'pending'], ['Waiting on Third Party', 'pending'],
      ['Awaiting User Info', 'pending'], ['Pending Customer Response', 'pending'], ['Active', 'open'], ['In progress', 'open'],
      // Waiting on the support team is work for the team, not for the customer.
      ['Waiting for support', 'open'], ['Awaiting agent', 'open'], ['Waiting for customer', 'pending'],
      ['Baru', 'new'], ['Terbuka', 'open'], ['Tertunda', 'pending'], ['Menunggu', 'pending'], ['Ditahan', 'on-hold'], ['Selesai', 'solved'], ['Terpecahkan', 'solved'], ['Ditutup', 'closed'],
      ['Baharu', 'new'], ['Dibuka', 'open'], ['Belum selesai', 'pending'], ['Diselesaikan', 'solved'],
      ['Ditunda', 'on-hold'], ['Menunggu agen', 'open'], ['Menunggu dukungan', 'open'], ['Menunggu pelanggan', 'pending'], ['Yanıt bekleniyor', 'pending'], ['Müşteri bekleniyor', 'pending'],
      ['Yeni', 'new'], ['Açık', 'open'], ['AÇIK', 'open'], ['Beklemede', 'pending'], ['Askıda', 'on-hold'], ['Çözüldü', 'solved'], ['ÇÖZÜLDÜ', 'solved'], ['Kapalı', 'closed'], ['KAPALI', 'closed'],
    ];
    for (const [text, status] of cases) expect(readStatus(text), text).toBe(status);
    for (const text of ['Escalated', 'Eskalasi', 'Devam ediyor']) expect(readStatus(text), text).toBeUndefined();
  });

  it('a preset names channels as its webhook does; Zendesk\'s ratings with a comment are ratings', () => {
    const zendesk = PRESET_VALUES.zendesk ?? GENERIC_VALUES;
    expect(['Web service (API)', 'Phone call (incoming)', 'Voicemail', 'Web Widget', 'E-mail', 'Mail', 'Chat'].map((text) => zendesk.channel(text))).toEqual(['api', 'phone', 'phone', 'web', 'email', 'email', 'chat']);
    const freshdesk = PRESET_VALUES.freshdesk ?? GENERIC_VALUES;
    expect(['Outbound Email', 'Feedback Widget', 'Email', 'Portal', 'Phone'].map((text) => freshdesk.channel(text))).toEqual(['outbound-email', 'feedback-widget', 'email', 'portal', 'phone']);
    expect(['GoodWithComment', 'BadWithComment', 'Good', 'Bad, I\'m unsatisfied'].map((text) => readRating('csat', text))).toEqual([
      { kind: 'csat', scale: 'good-bad', score: 1 }, { kind: 'csat', scale: 'good-bad', score: 0 }, { kind: 'csat', scale: 'good-bad', score: 1 }, { kind: 'csat', scale: 'good-bad', score: 0 },
    ]);
    expect(readRating('csat', 'Goodness knows')).toBeUndefined();
  });

  it('priorities, channels, counts, booleans, tags', () => {
    expect(['Low', 'Medium', 'Normal', '3 - Moderate', 'High', '1 - Critical', 'Urgent', 'None', ''].map(readPriority)).toEqual(['low', 'normal', 'normal', 'normal', 'high', 'urgent', 'urgent', undefined, undefined]);
    expect(['Mail', 'E-mail', 'Web Form', 'Social  media', ' Phone '].map(readChannel)).toEqual(['email', 'email', 'web', 'social media', 'phone']);
    expect(['0', '3', '3.0', '-1', '1.5', 'x'].map(readCount)).toEqual([0, 3, 3, undefined, undefined, undefined]);
    expect(['true', 'FALSE', 'yes', 'n', '1', 'maybe'].map(readBoolean)).toEqual([true, false, true, false, true, undefined]);
    expect(readTags('printer urgent_fix  Printer')).toEqual(['printer', 'urgent_fix']);
    expect(readTags('login, SSO,,billing issue')).toEqual(['billing issue', 'login', 'sso']);
  });

  it('ratings: 1-5, Good/Bad, words; NPS 0-10; CES 1-7; "Offered" is no rating', () => {
    expect(readRating('csat', '4')).toEqual({ kind: 'csat', scale: '1-5', score: 4 });
    expect(readRating('csat', '3.0')).toEqual({ kind: 'csat', scale: '1-5', score: 3 });
    expect(readRating('csat', 'Good')).toEqual({ kind: 'csat', scale: 'good-bad', score: 1 });
    expect(readRating('csat', "Bad, I'm unsatisfied")).toEqual({ kind: 'csat', scale: 'good-bad', score: 0 });
    // Read as each helpdesk's webhook reads them: faces and Great / Not Good are good or bad; the middle answer is none.
    expect(readRating('csat', 'Extremely Happy')).toEqual({ kind: 'csat', scale: 'good-bad', score: 1 });
    expect(readRating('csat', 'happy')).toEqual({ kind: 'csat', scale: 'good-bad', score: 1 });
    expect(readRating('csat', 'Great')).toEqual({ kind: 'csat', scale: 'good-bad', score: 1 });
    expect(readRating('csat', 'Very  Unhappy')).toEqual({ kind: 'csat', scale: 'good-bad', score: 0 });
    expect(readRating('csat', 'Not Good')).toEqual({ kind: 'csat', scale: 'good-bad', score: 0 });
    expect(readRating('csat', 'Okay')).toBeNull();
    expect(readRating('csat', 'Neutral')).toBeNull();
    expect(readRating('csat', 'Not Offered')).toBeNull();
    expect(readRating('csat', 'Offered')).toBeNull();
    expect(readRating('csat', '6')).toBeUndefined();
    expect(readRating('csat', '4.5')).toBeUndefined();
    expect(readRating('nps', '0')).toEqual({ kind: 'nps', scale: '0-10', score: 0 });
    expect(readRating('nps', '11')).toBeUndefined();
    expect(readRating('ces', '7')).toEqual({ kind: 'ces', scale: '1-7', score: 7 });
    expect(readRating('ces', 'Good')).toBeUndefined();
  });
});

describe('column mapping', () => {
  const zendeskHeaders = ['ID', 'Requester', 'Requester ID', 'Assignee', 'Group', 'Subject', 'Tags', 'Status', 'Priority', 'Via', 'Created at', 'Solved at', 'Satisfaction Score', 'Reopens', 'Replies', 'First reply time in minutes'];

  it('a preset matches its vendor headers case-insensitively; a minutes column becomes an offset from created_at', () => {
    const mapping = resolveMapping(zendeskHeaders, { preset: 'zendesk', map: {} });
    expect(Object.fromEntries(Object.entries(mapping).map(([field, column]) => [field, column?.header]))).toEqual({
      id: 'ID', created_at: 'Created at', first_response_at: 'First reply time in minutes', resolved_at: 'Solved at', status: 'Status',
      priority: 'Priority', channel: 'Via', group: 'Group', assignee: 'Assignee', requester: 'Requester ID', tags: 'Tags', reopens: 'Reopens',
      agent_replies: 'Replies', csat: 'Satisfaction Score',
    });
    expect(mapping.first_response_at).toMatchObject({ via: 'preset', offsetUnit: 'minutes' });
    expect(mapping.resolved_at?.offsetUnit).toBeUndefined();
    expect(describeMapping(mapping)).toContain('first_response_at ← "First reply time in minutes" (minutes after created_at)');
  });

  it('zohodesk: a report export\'s "Field (Ticket)" headers; jira: every Labels column is read for tags', () => {
    const zoho = resolveMapping(['Ticket Id', 'Created Time (Ticket)', 'Status (Ticket)', 'Priority (Ticket)', 'Ticket Closed Time (Ticket)'], { preset: 'zohodesk', map: {} });
    expect(Object.fromEntries(Object.entries(zoho).map(([field, column]) => [field, column.header]))).toEqual({
      id: 'Ticket Id', created_at: 'Created Time (Ticket)', status: 'Status (Ticket)', priority: 'Priority (Ticket)', closed_at: 'Ticket Closed Time (Ticket)',
    });
    const jira = resolveMapping(['Issue id', 'Labels', 'Created', 'labels ', 'Labels'], { preset: 'jira', map: {} });
    expect(jira.tags).toMatchObject({ index: 1, more: [3, 4] });
  });

  it('a field whose header the file repeats is refused, naming both columns: either could hold it; a repeated column no field reads is no matter', () => {
    expect(() => resolveMapping(['id', 'created_at', 'ID'], { map: {} })).toThrow(new UsageError('id: the header names "id" twice (columns 1 and 3), so which one holds id cannot be told: rename one of them in the file'));
    expect(() => resolveMapping(['Ticket', 'created_at', 'Ticket'], { map: { id: 'Ticket' } })).toThrow(/^id: the header names "Ticket" twice \(columns 1 and 3\)/);
    expect(resolveMapping(['id', 'created_at', 'Note', 'Note'], { map: {} }).id).toMatchObject({ index: 0 });
  });

  it('a time header ending in an IANA zone: the preset finds it, and its times are read in that zone, whatever --timezone says', () => {
    expect(headerZone('Conversation started at (America/Sao_Paulo)')).toBe('America/Sao_Paulo');
    expect(headerZone('Conversation started at (asia/jakarta)')).toBe('Asia/Jakarta');
    expect(headerZone('Closed (Etc/GMT+3)')).toBe('Etc/GMT+3');
    expect(headerZone('Created (UTC)')).toBe('UTC');
    for (const header of ['First response time (seconds)', 'Created Time (Ticket)', 'Created (Mars/Olympus)', 'Created at']) expect(headerZone(header), header).toBeUndefined();

    const headers = ['Conversation ID', 'Conversation started at (Europe/Istanbul)', 'Conversation first replied at (Europe/Istanbul)', 'First response time (seconds)', 'Conversation last closed at (Mars/Olympus)'];
    const mapping = resolveMapping(headers.slice(0, 4), { preset: 'intercom', map: {} });
    expect(mapping.created_at).toMatchObject({ header: 'Conversation started at (Europe/Istanbul)', zone: 'Europe/Istanbul' });
    expect(mapping.first_response_at).toMatchObject({ index: 2, zone: 'Europe/Istanbul' });
    expect(mapping.first_response_at?.offsetUnit).toBeUndefined();
    // A zone that is not one: refused, naming it, rather than the column left out (every closed row would be skipped).
    expect(() => resolveMapping([...headers.slice(0, 4), 'Conversation last closed at (Asia/Jakrta)'], { preset: 'intercom', map: {} })).toThrow(/resolved_at: column "Conversation last closed at \(Asia\/Jakrta\)" names the time zone "Asia\/Jakrta", which is not an IANA time zone/);
    expect(() => resolveMapping(['Conversation ID', 'Conversation started at (GMT+7)'], { preset: 'intercom', map: {} })).toThrow(/"GMT\+7", which is not an IANA time zone/);
    expect(() => resolveMapping(headers, { preset: 'intercom', map: {} })).toThrow(/Mars\/Olympus/);
    // Brackets that hold no zone are no zone: Zoho's "(Ticket)", a unit.
    expect(resolveMapping(['Ticket Id', 'Created Time (Ticket)'], { preset: 'zohodesk', map: {} }).created_at?.zone).toBeUndefined();
    // --map too, and a column's zone holds for that column only.
    const mapped = resolveMapping(['Id', 'Opened (Asia/Jakarta)', 'Solved'], { map: { created_at: 'Opened (Asia/Jakarta)', resolved_at: 'Solved' } });
    expect(mapped.created_at?.zone).toBe('Asia/Jakarta');
    expect(mapped.resolved_at?.zone).toBeUndefined();
    const row = readRow(['7', '2026-03-02 09:00', '2026-03-02 09:00'], 2, mapped, new DateReader('UTC'));
    expect(row).toMatchObject({ ok: true, ticket: { createdAt: utc('2026-03-02T02:00:00Z'), resolvedAt: utc('2026-03-02T09:00:00Z') } });
  });

  it('a requester cell of 400 KB with many dots is refused for its length at once (the address check backtracked over every dot: minutes)', () => {
    const mapping = resolveMapping(['id', 'created_at', 'requester'], { map: {} });
    const cell = `a@${'b.'.repeat(200_000)}@`;
    expect(readRow(['1', '2026-03-02 09:00', cell], 2, mapping, new DateReader('UTC'))).toMatchObject({ ok: false, reason: expect.stringContaining('is longer than 100 characters') });
    // An address is still recognised, and not kept.
    expect(readRow(['1', '2026-03-02 09:00', 'ayu@example.com'], 2, mapping, new DateReader('UTC'))).toMatchObject({ ok: true, requesterDropped: true });
  });

  it('first_resolved_at before resolved_at: solved, reopened a second later, solved again; after it, the row is refused', () => {
    const mapping = resolveMapping(['id', 'created_at', 'first_resolved_at', 'resolved_at', 'status'], { map: {} });
    const dates = new DateReader('UTC');
    const row = readRow(['9', '2026-03-02 09:00', '2026-03-02 10:00', '2026-03-02 12:00', 'solved'], 2, mapping, dates);
    if (!row.ok) throw new Error(row.reason);
    const p = projectTicket(rowEvents(row.ticket));
    expect([p.firstResolvedAt, p.resolvedAt, p.reopenCount, p.status]).toEqual([utc('2026-03-02T10:00:00Z'), utc('2026-03-02T12:00:00Z'), 1, 'solved']);
    // The same time as the last solve: one solve, no reopening.
    const once = readRow(['9', '2026-03-02 09:00', '2026-03-02 12:00', '2026-03-02 12:00', 'solved'], 2, mapping, dates);
    if (!once.ok) throw new Error(once.reason);
    expect(projectTicket(rowEvents(once.ticket)).reopenCount).toBe(0);
    expect(readRow(['9', '2026-03-02 09:00', '2026-03-02 13:00', '2026-03-02 12:00', 'solved'], 2, mapping, dates)).toMatchObject({ ok: false, reason: expect.stringContaining('first_resolved_at (column "first_resolved_at") "2026-03-02 13:00" is after resolved_at') });
  });

  it('--map wins over the preset and names exact headers; automatic matching fills the rest', () => {
    const mapping = resolveMapping(['Ticket', 'Opened', 'Created_At', 'first response at', 'STATUS', 'Priority'], { map: { id: 'Ticket', created_at: 'Opened' } });
    expect(mapping.id).toMatchObject({ header: 'Ticket', index: 0, via: 'map' });
    expect(mapping.created_at).toMatchObject({ header: 'Opened', index: 1, via: 'map' });
    expect(mapping.first_response_at).toMatchObject({ header: 'first response at', via: 'auto' });
    expect(mapping.status).toMatchObject({ header: 'STATUS', via: 'auto' });
    const overridden = resolveMapping(zendeskHeaders, { preset: 'zendesk', map: { assignee: 'Requester' } });
    expect(overridden.assignee).toMatchObject({ header: 'Requester', via: 'map' });
  });

  it('a missing id or created_at is one line naming what is missing and the file\'s columns', () => {
    expect(() => resolveMapping(['Ticket ID', 'Subject'], { map: {} })).toThrow(new UsageError('no column for id and created_at (use --map field=Header or --preset); the file\'s columns are "Ticket ID", "Subject"'));
    expect(() => resolveMapping(['Id', 'Subject'], { preset: 'zendesk', map: {} })).toThrow('no column for created_at (the zendesk preset found none; use --map field=Header)');
    expect(() => resolveMapping(['Id', 'Subject'], { map: { created_at: 'created' } })).toThrow('--map created_at=created: the file has no column "created" (names are exact); its columns are "Id", "Subject"');
    const many = Array.from({ length: 45 }, (_, index) => `Column ${index}`);
    expect(() => resolveMapping(many, { map: {} })).toThrow(/"Column 39" and 5 more$/);
  });
});

describe('a row becomes events and a projection', () => {
  const headers = ['id', 'created_at', 'first_response_at', 'resolved_at', 'closed_at', 'status', 'reopens', 'csat', 'assignee', 'tags'];
  const mapping = resolveMapping(headers, { map: {} });
  const read = (cells: string[]): ImportedTicket => {
    const result = readRow(cells, 2, mapping, new DateReader('UTC'));
    if (!result.ok) throw new Error(result.reason);
    return result.ticket;
  };
  const project = (ticket: ImportedTicket) => projectTicket(rowEvents(ticket));
  const at = (text: string) => utc(`${text}:00Z`);

  it('a solved ticket: reply, resolution, rating at the resolution', () => {
    const p = project(read(['T1', '2026-03-02 09:00', '2026-03-02 09:30', '2026-03-02 12:00', '', 'Solved', '0', '4', 'Ayu', 'a b']));
    expect(p).toMatchObject({ createdAt: at('2026-03-02 09:00'), firstResponseAt: at('2026-03-02 09:30'), resolvedAt: at('2026-03-02 12:00'), firstResolvedAt: at('2026-03-02 12:00'), status: 'solved', reopenCount: 0, agentReplyCount: 1, tags: ['a', 'b'] });
    expect(p.ratings).toEqual([{ kind: 'csat', scale: '1-5', score: 4, respondedAt: at('2026-03-02 12:00'), agent: { type: 'agent', id: 'name:Ayu', name: 'Ayu' } }]);
    expect(p.responseIntervals).toEqual([{ customerAt: at('2026-03-02 09:00'), repliedAt: at('2026-03-02 09:30') }]);
  });

  it('an open ticket with a "Solved at" was solved and reopened since', () => {
    const p = project(read(['T2', '2026-03-02 09:00', '', '2026-03-02 12:00', '', 'Pending', '1', '', '', '']));
    expect(p).toMatchObject({ status: 'pending', firstResolvedAt: at('2026-03-02 12:00'), resolvedAt: undefined, reopenCount: 1 });
  });

  it('closed without closed_at closes at the resolution; closed without a status closes at closed_at', () => {
    expect(project(read(['T3', '2026-03-02 09:00', '', '2026-03-02 12:00', '', 'Closed', '', '', '', '']))).toMatchObject({ status: 'closed', resolvedAt: at('2026-03-02 12:00'), closedAt: at('2026-03-02 12:00') });
    expect(project(read(['T4', '2026-03-02 09:00', '', '2026-03-02 12:00', '2026-03-02 12:00', '', '', '', '', '']))).toMatchObject({ status: 'closed', resolvedAt: at('2026-03-02 12:00'), closedAt: at('2026-03-02 12:00') });
    expect(project(read(['T5', '2026-03-02 09:00', '', '', '2026-03-04 12:00', '', '', '', '', '']))).toMatchObject({ status: 'closed', resolvedAt: at('2026-03-04 12:00') });
    expect(project(read(['T6', '2026-03-02 09:00', '', '2026-03-02 12:00', '2026-03-04 12:00', 'Solved', '', '', '', '']))).toMatchObject({ status: 'solved', closedAt: undefined });
  });

  it('a ticket solved again after an earlier import moves its resolution', () => {
    const first = rowEvents(read(['T7', '2026-03-02 09:00', '', '2026-03-02 12:00', '', 'Solved', '0', '', '', '']));
    const again = rowEvents(read(['T7', '2026-03-02 09:00', '', '2026-03-03 08:00', '', 'Solved', '1', '', '', '']));
    const byKey = new Map([...first, ...again].map((event) => [event.dedupeKey, event]));
    expect(projectTicket([...byKey.values()])).toMatchObject({ status: 'solved', firstResolvedAt: at('2026-03-02 12:00'), resolvedAt: at('2026-03-03 08:00'), reopenCount: 1 });
  });

  it('the same row twice gives the same keys; the keys name the ticket and the fact', () => {
    const cells = ['T8', '2026-03-02 09:00', '2026-03-02 09:30', '2026-03-02 12:00', '', 'Solved', '2', 'Good', '', ''];
    expect(rowEvents(read(cells))).toEqual(rowEvents(read(cells)));
    expect(rowEvents(read(cells)).map((event) => event.dedupeKey)).toEqual([
      'csv:T8:created', 'csv:T8:first_response', `csv:T8:reopened_before:${at('2026-03-02 12:00')}`, `csv:T8:resolved:${at('2026-03-02 12:00')}`, 'csv:T8:csat', 'csv:T8:reopens:2',
    ]);
  });

  it('changes against the stored projection: only what differs, dated just after the latest event', () => {
    const ticket = read(['T9', '2026-03-02 09:00', '', '', '', 'Pending', '', 'Good', 'Budi', 'x']);
    const stored: StoredTicket = { createdAt: 1000, updatedAt: 5000, delivered: false, status: 'open', priority: null, channel: null, team: null, requesterId: null, assigneeKey: 'name:Ayu', tags: ['x'], handleTimeSeconds: 0, ratings: [{ kind: 'csat', scale: 'good-bad', score: 0 }] };
    const events = changeEvents(ticket, stored);
    expect(events.map((event) => [event.type, event.occurredAt, event.dedupeKey, event.data])).toEqual([
      ['fields_updated', 5001, 'csv:T9:changed:5001', { status: 'pending', assignee: { type: 'agent', id: 'name:Budi', name: 'Budi' } }],
      ['rating', 5001, 'csv:T9:csat:5001', { rating: { kind: 'csat', scale: 'good-bad', score: 1 } }],
    ]);
    expect(changeEvents(ticket, { ...stored, status: 'pending', assigneeKey: 'name:Budi', ratings: [{ kind: 'csat', scale: 'good-bad', score: 1 }] })).toEqual([]);
  });

  it('no changes for a ticket the helpdesk\'s webhooks deliver: their events say when each change happened', () => {
    const ticket = read(['T9', '2026-03-02 09:00', '', '', '', 'Pending', '', 'Good', 'Budi', 'x']);
    const stored: StoredTicket = { createdAt: 1000, updatedAt: 5000, delivered: true, status: 'open', priority: null, channel: null, team: null, requesterId: null, assigneeKey: 'name:Ayu', tags: ['x'], handleTimeSeconds: 0, ratings: [{ kind: 'csat', scale: 'good-bad', score: 0 }] };
    expect(changeEvents(ticket, stored)).toEqual([]);
  });

  it('row problems come back as reasons naming the field and the column', () => {
    const reason = (cells: string[]) => {
      const result = readRow(cells, 9, mapping, new DateReader('UTC'));
      return result.ok ? 'ok' : result.reason;
    };
    expect(reason(['', '2026-03-02 09:00', '', '', '', '', '', '', '', ''])).toBe('id (column "id") is empty');
    expect(reason(['T', '?', '', '', '', '', '', '', '', ''])).toBe('created_at (column "created_at") is empty');
    expect(reason(['T', 'yesterday', '', '', '', '', '', '', '', ''])).toBe('created_at (column "created_at") "yesterday" is not a date (see docs/import.md for the forms read)');
    expect(reason(['T', '2026-03-02 09:00', '', '2026-03-01 09:00', '', '', '', '', '', ''])).toBe('resolved_at (column "resolved_at") "2026-03-01 09:00" is before created_at "2026-03-02 09:00"');
    expect(reason(['T', '2026-03-02 09:00', '', '2026-03-03 09:00', '2026-03-02 10:00', '', '', '', '', ''])).toBe('closed_at (column "closed_at") "2026-03-02 10:00" is before resolved_at "2026-03-03 09:00"');
    expect(reason(['T', '2026-03-02 09:00', '', '', '', 'Closed', '', '', '', ''])).toBe('status (column "status") "Closed" is a resolved status but the row has no resolved_at or closed_at time');
    expect(reason(['T', '2026-03-02 09:00', '', '', '', '', '-1', '', '', ''])).toBe('reopens (column "reopens") "-1" is not a whole number');
    expect(reason(['T', '2026-03-02 09:00', '', '', '', '', '', 'meh', '', ''])).toBe('csat (column "csat") "meh" is not a csat rating');
    expect(reason(['x'.repeat(101), '2026-03-02 09:00', '', '', '', '', '', '', '', ''])).toMatch(/^id \(column "id"\) "x{37}\.\.\." is longer than 100 characters$/);
  });
});
