// The AI-call store: rows round-trip, the ring evicts the oldest (counted) and frees its strings,
// filters and series agree with a plain recomputation, and sensor events become rows.
import { describe, expect, it } from 'vitest';
import type { Event } from '../../../schema/event.js';
import { aiCallRowOf } from './from-event.js';
import { Interner } from './interner.js';
import { AiCallStore, MAX_SERIES_KEYS, type AiCallRow } from './store.js';

const T0 = Date.parse('2026-11-28T04:00:00Z');
const row = (n: number, over: Partial<AiCallRow> = {}): AiCallRow => ({
  id: `e${n}`,
  time: new Date(T0 + n * 1000).toISOString(),
  node: 'node-a',
  provider: 'openai',
  ...over,
});

describe('AiCallStore', () => {
  it('returns rows as they were added, absent fields left out', () => {
    const s = new AiCallStore(10);
    const full: AiCallRow = {
      ...row(1),
      namespace: 'shop',
      pod: 'bot-1',
      container: 'bot',
      workload: 'Deployment/bot',
      model: 'gpt-4o',
      endpoint: 'api.openai.com',
      method: 'POST',
      path: '/v1/chat/completions',
      status: 200,
      latencyMs: 812.5,
      ttftMs: 95.25,
      tokensIn: 1200,
      tokensOut: 0,
      costUsd: 0.0123,
      streaming: false,
    };
    s.add(full);
    s.add(row(2));
    expect(s.list({}, 10).items).toEqual([row(2), full]);
  });

  it('evicts the oldest past capacity, counts it, and frees strings no row uses', () => {
    const s = new AiCallStore(3);
    for (let n = 0; n < 5; n++) s.add(row(n, { pod: `pod-${n}` }));
    expect(s.size).toBe(3);
    expect(s.stats).toEqual({ added: 5, evicted: 2 });
    expect(s.list({}, 10).items.map((r) => r.id)).toEqual(['e4', 'e3', 'e2']);
    // pod-0 is gone with its row: a filter on it matches nothing.
    expect(s.list({ pod: 'pod-0' }, 10).total).toBe(0);
    expect(s.list({ pod: 'pod-3' }, 10).total).toBe(1);
  });

  it('keeps the string table bounded however many distinct values pass through', () => {
    const s = new AiCallStore(100);
    for (let n = 0; n < 10_000; n++) s.add(row(n, { pod: `pod-${n}`, error: `error ${n}` }));
    const strings = (s as unknown as { strings: Interner }).strings;
    // 100 pods + 100 errors + node + provider, with freed ids reused.
    expect(strings.size).toBe(202);
    expect(strings.capacity).toBeLessThan(300);
  });

  it('filters like a plain scan would', () => {
    const s = new AiCallStore(1000);
    const rows: AiCallRow[] = [];
    for (let n = 0; n < 500; n++) {
      const r = row(n, {
        namespace: ['a', 'b', 'c'][n % 3]!,
        model: ['m1', 'm2'][n % 2]!,
        provider: n % 7 === 0 ? 'anthropic' : 'openai',
        ...(n % 11 === 0 ? { status: 429, error: 'rate limited' } : { status: 200 }),
        ...(n % 13 === 0 ? { error: 'connection reset' } : {}),
      });
      rows.push(r);
      s.add(r);
    }
    const since = T0 + 100_000;
    const expected = rows.filter((r) => r.namespace === 'b' && r.model === 'm2' && Date.parse(r.time) >= since && (r.status! >= 400 || r.error !== undefined));
    const got = s.list({ namespace: 'b', model: 'm2', since, status: 'error' }, 1000);
    expect(got.total).toBe(expected.length);
    expect(got.items.map((r) => r.id)).toEqual(expected.reverse().map((r) => r.id));
    expect(s.list({ provider: 'anthropic', status: 'ok' }, 1000).total).toBe(rows.filter((r) => r.provider === 'anthropic' && r.status === 200 && !r.error).length);
  });

  it('sums series per key and bucket, folds keys past the cap into (other), and estimates percentiles within 9 %', () => {
    const s = new AiCallStore(10_000);
    const models = MAX_SERIES_KEYS + 5;
    for (let n = 0; n < 3000; n++) {
      s.add(row(n % 120, { id: `x${n}`, model: `m${n % models}`, latencyMs: 10 + (n % 100) * 10, tokensIn: 2, tokensOut: 1, costUsd: 0.5, ...(n % 10 === 0 ? { status: 500 } : {}) }));
    }
    const r = s.series({ since: T0, until: T0 + 120_000, stepMs: 60_000, by: 'model' });
    expect(r.series).toHaveLength(MAX_SERIES_KEYS + 1);
    expect(r.series.at(-1)!.key).toBe('(other)');
    const calls = r.series.flatMap((x) => x.points).reduce((a, p) => a + p.calls, 0);
    expect(calls).toBe(3000);
    const errors = r.series.flatMap((x) => x.points).reduce((a, p) => a + p.errors, 0);
    expect(errors).toBe(300);
    const m0 = r.series.find((x) => x.key === 'm0')!;
    expect(m0.points.map((p) => p.t)).toEqual(['2026-11-28T04:00:00.000Z', '2026-11-28T04:01:00.000Z']);
    const all = s.series({ since: T0, until: T0 + 120_000, stepMs: 120_000, by: 'provider' }).series[0]!.points[0]!;
    expect(all).toMatchObject({ calls: 3000, tokensIn: 6000, tokensOut: 3000, costUsd: 1500 });
    // Latencies are uniform over 10..1000 ms: p50 ≈ 505, p95 ≈ 955.
    expect(Math.abs(all.latencyP50Ms! - 505) / 505).toBeLessThan(0.09);
    expect(Math.abs(all.latencyP95Ms! - 955) / 955).toBeLessThan(0.09);
    expect(() => s.series({ since: T0, until: T0 + 10_000_000, stepMs: 1000, by: 'model' })).toThrow(/buckets/);
  });
});

describe('aiCallRowOf', () => {
  const event: Event = {
    id: 'ev-9',
    time: '2026-11-28T04:00:09Z',
    node: 'node-b',
    kind: 'ai_call',
    k8s: { namespace: 'shop', pod: 'bot-7c5ddbdf54-8xk2p', container: 'bot' },
    ai_call: {
      provider: 'openai',
      endpoint: 'api.openai.com',
      http: { method: 'POST', path: '/v1/chat/completions?api-version=1', status_code: 401 },
      gen_ai: { request: { model: 'gpt-4o', stream: true }, usage: { input_tokens: 12, output_tokens: 0 } },
      timing: { duration_ms: 230, first_token_ms: 200 },
      error: { type: 'invalid_api_key', message: 'Incorrect API key provided: sk-proj-abcdefghijklmnopqrstuvwxyz0123' },
      cost: { usd: 0 },
    },
  };

  it('maps an ai_call event, derives the workload, strips the query and redacts the error', () => {
    const r = aiCallRowOf(event)!;
    expect(r).toMatchObject({
      id: 'ev-9',
      node: 'node-b',
      namespace: 'shop',
      workload: 'Deployment/bot',
      provider: 'openai',
      model: 'gpt-4o',
      endpoint: 'api.openai.com',
      method: 'POST',
      path: '/v1/chat/completions',
      status: 401,
      latencyMs: 230,
      ttftMs: 200,
      tokensIn: 12,
      tokensOut: 0,
      costUsd: 0,
      streaming: true,
    });
    expect(r.error).toContain('invalid_api_key');
    expect(r.error).not.toContain('abcdefghijklmnopqrstuvwxyz0123');
  });

  it('ignores other kinds', () => {
    expect(aiCallRowOf({ id: 'x', time: event.time, node: 'n', kind: 'process_exit', process_exit: { exit_code: 1 } })).toBeUndefined();
  });
});
