import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isoTime } from './iso-time.js';

describe('isoTime', () => {
  it('is toISOString, for any time in any order, fractions included', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1e14, max: 3e14, noNaN: true }), { minLength: 1, maxLength: 20 }), (times) => {
        for (const ms of times) expect(isoTime(ms)).toBe(new Date(ms).toISOString());
      }),
      { numRuns: 500 },
    );
    const now = Date.now();
    for (const ms of [now, now + 0.9, now + 1, now + 999, now + 1000, 0, 999.999, 1000, 253402300799999, 253402300800000, -1]) {
      expect(isoTime(ms)).toBe(new Date(ms).toISOString());
    }
  });

  it('throws like toISOString on an invalid time', () => {
    expect(() => isoTime(NaN)).toThrow(RangeError);
    expect(() => isoTime(9e15)).toThrow(RangeError);
  });
});
