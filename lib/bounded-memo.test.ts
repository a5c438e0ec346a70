import { describe, expect, it } from 'vitest';
import { BoundedMemo } from './bounded-memo.js';

describe('BoundedMemo', () => {
  it('computes each key once, undefined results included', () => {
    const seen: string[] = [];
    const memo = new BoundedMemo((k: string) => (seen.push(k), k === 'none' ? undefined : k.length));
    expect([memo.get('abc'), memo.get('abc'), memo.get('none'), memo.get('none')]).toEqual([3, 3, undefined, undefined]);
    expect(seen).toEqual(['abc', 'none']);
  });

  it('empties itself at its bound and keeps answering the same', () => {
    let computed = 0;
    const memo = new BoundedMemo((k: number) => (computed++, k * 2), 10);
    for (let i = 0; i < 25; i++) expect(memo.get(i)).toBe(i * 2);
    expect(memo.size).toBeLessThanOrEqual(10);
    expect(memo.get(24)).toBe(48);
    expect(computed).toBe(25);
  });
});
