import { describe, expect, it } from 'vitest';
import { compareKeys } from '../../src/ingest/project-ticket.js';
import { Rng } from '../helpers/random.js';

describe('compareKeys: the last tie-break between events at the same instant', () => {
  it('compares runs of digits as numbers, the rest as text', () => {
    expect(['rated:100', 'rated:99', 'rated:9'].sort(compareKeys)).toEqual(['rated:9', 'rated:99', 'rated:100']);
    expect(['b:1', 'a:2', 'a:10'].sort(compareKeys)).toEqual(['a:2', 'a:10', 'b:1']);
    expect(compareKeys('x:007', 'x:7')).not.toBe(0);
    expect(compareKeys('x', 'x')).toBe(0);
    expect(compareKeys('x', 'x:1')).toBeLessThan(0);
  });

  it('is a total order: antisymmetric and transitive, so a sort gives one order whatever the input order', () => {
    const rng = new Rng(7);
    const alphabet = ['0', '1', '7', '9', ':', 'a', 'A', '-', '10', '007'];
    const keys = Array.from({ length: 300 }, () => Array.from({ length: rng.int(0, 6) }, () => rng.pick(alphabet)).join(''));
    for (let i = 0; i < 3000; i += 1) {
      const [a, b, c] = [rng.pick(keys), rng.pick(keys), rng.pick(keys)];
      expect(Math.sign(compareKeys(a, b)), `${a} ${b}`).toBe(-Math.sign(compareKeys(b, a)) || 0);
      expect(compareKeys(a, b) === 0, `${a} ${b}`).toBe(a === b);
      if (compareKeys(a, b) < 0 && compareKeys(b, c) < 0) expect(compareKeys(a, c), `${a} ${b} ${c}`).toBeLessThan(0);
    }
    const sorted = [...keys].sort(compareKeys);
    for (let round = 0; round < 5; round += 1) expect(rng.shuffle([...keys]).sort(compareKeys)).toEqual(sorted);
  });
});
