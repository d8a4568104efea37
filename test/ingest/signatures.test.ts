import { describe, expect, it } from 'vitest';
import { assertFresh } from '../../src/ingest/signatures.js';

describe('assertFresh: the 5-minute window of signed timestamps', () => {
  const now = Date.UTC(2026, 10, 22, 12, 0, 0);
  it('takes a timestamp up to 5 minutes either side, and refuses one a millisecond further', () => {
    for (const offset of [0, 300_000, -300_000]) expect(() => assertFresh(now + offset, now, 'the timestamp')).not.toThrow();
    for (const offset of [300_001, -300_001]) expect(() => assertFresh(now + offset, now, 'the timestamp')).toThrow(expect.objectContaining({ code: 'stale_timestamp', httpStatus: 401 }));
    expect(() => assertFresh(Number.NaN, now, 'the timestamp')).toThrow(expect.objectContaining({ code: 'bad_timestamp' }));
  });
});
