import { describe, expect, it } from 'vitest';
import { parseDuration } from './duration.js';

describe('parseDuration', () => {
  it.each([
    ['5m', 300_000],
    ['1h30m', 5_400_000],
    ['250ms', 250],
    ['1.5s', 1_500],
    ['2h', 7_200_000],
  ])('%s → %i ms', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['', '5', 'soon', '5 m', '-1s'])('rejects %j', (text) => expect(() => parseDuration(text)).toThrow(/not a duration/));
});
