import { describe, expect, it } from 'vitest';
import { advance, LokiSection, parseQueryRange, selectorFor, type LokiEntry } from './loki.js';

const e = (ts: bigint, line: string, pod = 'a'): LokiEntry => ({ ts, line, labels: { namespace: 'n', pod } });
const names = LokiSection.parse({ url: 'http://loki:3100' }).labels;

describe('Loki pure parts', () => {
  it('flattens streams into time order and rejects other shapes clearly', () => {
    const entries = parseQueryRange({
      status: 'success',
      data: { resultType: 'streams', result: [{ stream: { pod: 'a' }, values: [['3', 'c'], ['1', 'a']] }, { stream: { pod: 'b' }, values: [['2', 'b']] }] },
    });
    expect(entries.map((x) => x.line)).toEqual(['a', 'b', 'c']);
    expect(() => parseQueryRange({ status: 'error', error: 'parse error' })).toThrow(/unexpected Loki query_range answer/);
    expect(() => parseQueryRange({ status: 'success', data: { resultType: 'streams', result: [{ stream: {}, values: [['x', 'y']] }] } })).toThrow();
  });

  it('advances the cursor and skips only what was seen at its timestamp', () => {
    const first = advance(undefined, [e(1n, 'x'), e(2n, 'y')]);
    expect(first.fresh.map((x) => x.line)).toEqual(['x', 'y']);
    const second = advance(first.cursor, [e(2n, 'y'), e(2n, 'y', 'b'), e(3n, 'z')]);
    expect(second.fresh.map((x) => x.line + x.labels.pod)).toEqual(['yb', 'za']);
    expect(second.cursor?.ts).toBe(3n);
    expect(advance(second.cursor, [e(1n, 'old')]).fresh).toEqual([]);
    // The input cursor is not changed (a failed page can be retried from it).
    expect(first.cursor?.seenAtTs.size).toBe(1);
  });

  it('builds an escaped stream selector for a resource', () => {
    expect(selectorFor({ namespace: 'shop', pod: 'we"ird\\pod', container: 'api' }, names)).toBe('{namespace="shop", pod="we\\"ird\\\\pod", container="api"}');
    expect(() => selectorFor({ node: 'worker-1' }, names)).toThrow(/namespace or a pod/);
  });
});
