import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { describeWordProblem, parseFilters, parseMetric, readFilter, readMetric, readPeriod } from '../../src/kpi/request-words.js';

const NOW = Date.UTC(2026, 9, 14, 10, 20); // Wednesday 2026-10-14 10:20 UTC

describe('readMetric', () => {
  it('reads every id case-insensitively and suggests the closest for a typo', () => {
    expect(readMetric('FRT')).toEqual({ ok: true, value: 'frt' });
    expect(readMetric('backlgo')).toEqual({ ok: false, problem: { code: 'unknown_metric', word: 'backlgo', suggestion: 'backlog' } });
    expect(readMetric('zzzzzzzz')).toEqual({ ok: false, problem: { code: 'unknown_metric', word: 'zzzzzzzz' } });
  });
});

describe('readFilter', () => {
  it('reads key:value and key=value, keeping the value as written', () => {
    expect(readFilter('team:Billing')).toEqual({ ok: true, value: { key: 'team', value: 'Billing' } });
    expect(readFilter('PRIORITY=high')).toEqual({ ok: true, value: { key: 'priority', value: 'high' } });
    expect(readFilter('agent:ana@example.com')).toEqual({ ok: true, value: { key: 'agent', value: 'ana@example.com' } });
    expect(readFilter('team:first line')).toEqual({ ok: true, value: { key: 'team', value: 'first line' } });
  });

  it('refuses a malformed pair or an unknown key, with the closest key', () => {
    expect(readFilter('team')).toEqual({ ok: false, problem: { code: 'bad_filter', word: 'team' } });
    expect(readFilter('team:')).toEqual({ ok: false, problem: { code: 'bad_filter', word: 'team:' } });
    expect(readFilter('teem:x')).toEqual({ ok: false, problem: { code: 'unknown_filter', word: 'teem', suggestion: 'team' } });
  });

  it('takes a priority only from the four normalized ones, any case, since another word would match no ticket', () => {
    expect(readFilter('priority:URGENT')).toEqual({ ok: true, value: { key: 'priority', value: 'urgent' } });
    expect(readFilter('priority=hgh')).toEqual({ ok: false, problem: { code: 'unknown_priority', word: 'hgh', suggestion: 'high' } });
    expect(readFilter('priority:medium')).toEqual({ ok: false, problem: { code: 'unknown_priority', word: 'medium' } });
  });
});

describe('readPeriod', () => {
  it('accepts what resolvePeriod accepts and types what it refuses', () => {
    const read = readPeriod('7d', NOW, 'Asia/Jakarta');
    expect(read.ok && read.value.word).toBe('7d');
    expect(readPeriod('yesterdy', NOW, 'UTC')).toEqual({ ok: false, problem: { code: 'bad_period', word: 'yesterdy', reason: 'not_a_period', suggestion: 'yesterday' } });
    expect(readPeriod('9999d', NOW, 'UTC')).toEqual({ ok: false, problem: { code: 'bad_period', word: '9999d', reason: 'out_of_range' } });
    expect(readPeriod('2026-02-30', NOW, 'UTC')).toMatchObject({ ok: false, problem: { reason: 'bad_date' } });
    expect(readPeriod('2026-10-10..2026-10-01', NOW, 'UTC')).toMatchObject({ ok: false, problem: { reason: 'ends_before_start' } });
    expect(readPeriod('2027-01-01', NOW, 'UTC')).toMatchObject({ ok: false, problem: { reason: 'starts_after_now' } });
  });

  it('still throws for a zone that does not exist (a programming error)', () => {
    expect(() => readPeriod('7d', NOW, 'Mars/Olympus')).toThrow(RangeError);
  });
});

describe('the command line forms', () => {
  it('parseMetric defaults to summary and throws UsageError in English', () => {
    expect(parseMetric(undefined)).toBe('summary');
    expect(() => parseMetric('backlgo')).toThrow(new UsageError('unknown metric "backlgo"; did you mean "backlog"? (metrics: summary, volume, backlog, resolved, frt, response, resolution, overdue, escalations, fcr, csat, nps, ces, enps, aht, churn, repeat, selfservice, agents)'));
  });

  it('parseFilters builds TicketFilters and names the problem', () => {
    expect(parseFilters(['team=billing', 'tag:vip'])).toEqual({ team: 'billing', tag: 'vip' });
    expect(() => parseFilters(['teem=x'])).toThrow(/^unknown filter "teem"; did you mean "team"\? \(keys: team, priority, channel, source, agent, tag\)$/);
    expect(() => parseFilters(['nonsense'])).toThrow(/^filter "nonsense" is not key=value/);
  });

  it('describes a period problem', () => {
    expect(describeWordProblem({ code: 'bad_period', word: 'yesterdy', reason: 'not_a_period', suggestion: 'yesterday' })).toBe('period "yesterdy" cannot be read (not a period); did you mean "yesterday"?');
  });
});
