/**
 * "Did you mean ...?" suggestions: the closest known word within a third of the word's length (two at least), and
 * bounded work whatever the input: a word over 64 characters gets none, and a candidate too far in length is skipped,
 * so a 4,000-character `/kpi` filter against thousands of agent names (or a 900 KB event type) answers at once.
 */
import { describe, expect, it } from 'vitest';
import { MAX_SUGGESTED_WORD, closestWord, editDistance } from '../../src/kpi/suggest.js';

describe('suggestions', () => {
  it('finds the closest word within the distance allowed, the first of equals', () => {
    expect(closestWord('frtt', ['frt', 'csat', 'fcr'])).toBe('frt');
    expect(closestWord('Biling', ['billing', 'Billing EU'])).toBe('billing');
    expect(closestWord('xyz', ['frt', 'csat'])).toBeUndefined();
    expect(closestWord('ab', ['ax', 'ay'])).toBe('ax');
    expect(closestWord('summary', ['sumary', 'summery'])).toBe('sumary');
  });

  it('gives up early past the distance it is asked for, and exactly within it', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('kitten', 'sitting', 3)).toBe(3);
    expect(editDistance('kitten', 'sitting', 1)).toBe(2);
    expect(editDistance('a'.repeat(2000), 'b'.repeat(2000), 2)).toBe(3);
  });

  it('suggests nothing for a word over 64 characters, nor a candidate too far in length; thousands of long names answer at once', () => {
    const names = Array.from({ length: 4000 }, (_, index) => `${'q'.repeat(3990)}${index}`);
    // 4,000 × 4,000 × 4,000 steps before: minutes. The test's own time limit would stop it.
    expect(closestWord('q'.repeat(3990), names)).toBeUndefined();
    expect(closestWord('q'.repeat(MAX_SUGGESTED_WORD), [`${'q'.repeat(MAX_SUGGESTED_WORD - 1)}x`])).toBe(`${'q'.repeat(MAX_SUGGESTED_WORD - 1)}x`);
    expect(closestWord('q'.repeat(MAX_SUGGESTED_WORD + 1), ['q'.repeat(MAX_SUGGESTED_WORD + 1)])).toBeUndefined();
    expect(closestWord('billing', ['billing department of the northern region'])).toBeUndefined();
  });
});
