import { describe, expect, it } from 'vitest';
import { parseJsonl } from './jsonl.js';

describe('parseJsonl', () => {
  it.each([
    ['', 0, 0, 0],
    ['{"a":1}\n', 1, 0, 0],
    ['{"a":1}\n{"a":2}\n{"a"', 2, 4, 0],
    ['{"a":1}\nnot json\n{"a":3}\n', 2, 0, 1],
    ['{"a":1}', 0, 7, 0],
    ['\n\n{"a":1}\n', 1, 0, 0],
  ])('%j → %i records, %i torn bytes, %i bad lines', (text, records, torn, bad) => {
    const r = parseJsonl(text);
    expect([r.records.length, r.tornBytes, r.badLines]).toEqual([records, torn, bad]);
  });
});
