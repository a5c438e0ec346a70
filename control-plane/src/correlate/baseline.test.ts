import { describe, expect, it } from 'vitest';
import { SpikeDetector } from './baseline.js';

describe('SpikeDetector', () => {
  const cfg = { alpha: 0.2, factor: 3, warmup: 10, maxKeys: 2 };

  it('flags a value above 3× the baseline only after the warm-up', () => {
    const d = new SpikeDetector(cfg);
    expect(d.observe('w', 100).spike).toBe(false);
    expect(d.observe('w', 1000).spike).toBe(false); // still warming up
    const e = new SpikeDetector(cfg);
    for (let i = 0; i < 10; i += 1) expect(e.observe('w', 100 + (i % 3)).spike).toBe(false);
    expect(e.observe('w', 250).spike).toBe(false);
    const v = e.observe('w', 900);
    expect(v.spike).toBe(true);
    expect(v.baseline).toBeGreaterThan(100);
  });

  it('keeps one baseline per key and forgets the least recent past the bound', () => {
    const d = new SpikeDetector(cfg);
    d.observe('a', 1);
    d.observe('b', 1);
    d.observe('c', 1);
    expect(d.evicted).toBe(1);
    for (let i = 0; i < 12; i += 1) d.observe('big', 10_000);
    for (let i = 0; i < 12; i += 1) d.observe('small', 10);
    expect(d.observe('big', 20_000).spike).toBe(false);
    expect(d.observe('small', 100).spike).toBe(true);
  });
});
