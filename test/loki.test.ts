// The Loki source and history client against a local server speaking /loki/api/v1/query_range.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLokiSource, LokiClient, LokiSection } from '../control-plane/src/ingest/loki.js';
import type { Signal } from '../control-plane/src/signal.js';
import { loggedLines, until } from './helpers/kube-api.js';

vi.mock('../lib/log.js', async () => ({ logger: (await import('./helpers/kube-api.js')).recordingLogger }));

type Stream = { stream: Record<string, string>; values: [string, string][] };

/** A Loki stand-in: label matchers (= and =~) on stored streams, start/end inclusive, limit, direction. */
class LokiStandIn {
  streams: Stream[] = [];
  queries: Record<string, string>[] = [];
  failNext: number | undefined;
  rawAnswer: string | undefined;
  private server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://loki');
    const q = Object.fromEntries(url.searchParams);
    this.queries.push({ ...q, tenant: String(req.headers['x-scope-orgid'] ?? ''), auth: String(req.headers.authorization ?? '') });
    if (url.pathname !== '/loki/api/v1/query_range') return void res.writeHead(404).end('404 page not found');
    if (this.rawAnswer !== undefined) return void res.writeHead(200, { 'content-type': 'application/json' }).end(this.rawAnswer);
    if (this.failNext) {
      res.writeHead(this.failNext).end('too many outstanding requests');
      this.failNext = undefined;
      return;
    }
    const matchers = [...(q.query ?? '').matchAll(/(\w+)\s*(=~|=)\s*"((?:[^"\\]|\\.)*)"/g)].map(([, k, op, v]) => ({ k: k!, op, v: v!.replace(/\\(.)/g, '$1') }));
    const start = BigInt(q.start!);
    const end = BigInt(q.end!);
    let all = this.streams
      .filter((s) => matchers.every((m) => (m.op === '=' ? s.stream[m.k] === m.v : new RegExp(`^(?:${m.v})$`).test(s.stream[m.k] ?? ''))))
      .flatMap((s) => s.values.filter(([ts]) => BigInt(ts) >= start && BigInt(ts) <= end).map((v) => ({ s, v })));
    all.sort((a, b) => (BigInt(a.v[0]) < BigInt(b.v[0]) ? -1 : 1));
    if (q.direction === 'backward') all.reverse();
    all = all.slice(0, Number(q.limit));
    const result = new Map<Stream, [string, string][]>();
    for (const { s, v } of all) result.set(s, [...(result.get(s) ?? []), v]);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: 'success', data: { resultType: 'streams', result: [...result].map(([s, values]) => ({ stream: s.stream, values })), stats: {} } }));
  });
  url = '';
  async start() {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }
  stop() {
    this.server.closeAllConnections();
    return new Promise<void>((r) => this.server.close(() => r()));
  }
  push(labels: Record<string, string>, ...values: [string, string][]) {
    const existing = this.streams.find((s) => JSON.stringify(s.stream) === JSON.stringify(labels));
    if (existing) existing.values.push(...values);
    else this.streams.push({ stream: labels, values });
  }
}

const NOW_MS = Date.parse('2026-11-28T03:00:00Z');
const ns = (msAgo: number, extraNs = 0n) => (BigInt(NOW_MS - msAgo) * 1_000_000n + extraNs).toString();
const checkout = { namespace: 'shop', pod: 'checkout-api-7d9c6b8f5-x2kqp', container: 'api', node_name: 'worker-2', app: 'checkout-api' };

describe('Loki source (query_range)', () => {
  let loki: LokiStandIn;
  let signals: Signal[];
  const sink = { accept: (s: Signal[]) => signals.push(...s) };
  let clock = NOW_MS;

  beforeEach(async () => {
    loki = await new LokiStandIn().start();
    signals = [];
    clock = NOW_MS;
    loggedLines.length = 0;
  });
  afterEach(() => loki.stop());

  const source = (over: Record<string, unknown> = {}) =>
    createLokiSource(LokiSection.parse({ url: loki.url, poll_interval: '30s', lookback: '5m', tenant: 'team-a', headers: { Authorization: 'Bearer loki-secret-token' }, ...over }), {
      sink,
      now: () => clock,
    });

  it('reads Kube Sentinel’s loki section as written', () => {
    const c = LokiSection.parse({ url: 'http://loki.monitoring:3100', query: '{namespace=~".+"} |~ "(?i)(error|fatal|panic|exception|fail)"', poll_interval: '30s', lookback: '5m' });
    expect(c).toMatchObject({ pollInterval: 30_000, lookback: 300_000, query: '{namespace=~".+"} |~ "(?i)(error|fatal|panic|exception|fail)"' });
    expect(() => LokiSection.parse({ url: 'http://loki:3100', poll_interval: 'soon' })).toThrow(/duration/);
  });

  it('turns returned lines into Signals with the stream’s pod identity, classified and redacted', async () => {
    loki.push(checkout, [ns(60_000), 'level=error msg="payment failed" err="dial tcp 10.0.4.12:5432: connect: connection refused" api_key=sk-proj-abcdefghijklmnopqrstuvwx']);
    loki.push({ namespace: 'ml', pod: 'embedder-0', container: 'embedder' }, [ns(30_000), 'Exception in thread "main" java.lang.OutOfMemoryError: Java heap space']);
    loki.push({ namespace: 'ops', pod: 'cron-1' }, [ns(20_000), 'job step failed, will retry']);
    const s = source();
    await s.pollOnce();
    expect(loki.queries[0]).toMatchObject({ direction: 'forward', start: ns(300_000), end: ns(0), limit: '1000', tenant: 'team-a', auth: 'Bearer loki-secret-token' });
    expect(signals.map((x) => [x.resource.pod, x.reason, x.severity])).toEqual([
      ['checkout-api-7d9c6b8f5-x2kqp', 'ConnectionRefused', 'error'],
      ['embedder-0', 'OOM', 'critical'],
      ['cron-1', 'ErrorLog', 'error'], // the query chose it; the classifier has no better name
    ]);
    expect(signals[0]).toMatchObject({
      source: 'loki',
      adapter: 'loki',
      kind: 'log',
      time: new Date(NOW_MS - 60_000).toISOString(),
      resource: { namespace: 'shop', pod: 'checkout-api-7d9c6b8f5-x2kqp', container: 'api', node: 'worker-2' },
      labels: checkout,
    });
    expect(JSON.stringify(signals)).not.toContain('sk-proj-abcdefghijklmnopqrstuvwx');
    expect(JSON.stringify(loggedLines)).not.toContain('loki-secret-token');
  });

  it('resumes from the last seen timestamp without duplicates, even for lines sharing it', async () => {
    const s = source();
    loki.push(checkout, [ns(50_000), 'ERROR first'], [ns(40_000), 'ERROR second']);
    await s.pollOnce();
    expect(signals.map((x) => x.message)).toEqual(['ERROR first', 'ERROR second']);

    clock += 30_000;
    // One more line at the very nanosecond already seen (another stream), and a later one.
    loki.push({ ...checkout, container: 'istio-proxy' }, [ns(40_000), 'ERROR same instant, other stream']);
    loki.push(checkout, [ns(10_000), 'ERROR third']);
    await s.pollOnce();
    expect(loki.queries[1]?.start).toBe(ns(40_000)); // the last seen timestamp, not now - lookback
    expect(signals.map((x) => x.message)).toEqual(['ERROR first', 'ERROR second', 'ERROR same instant, other stream', 'ERROR third']);
    expect(s.stats()).toMatchObject({ polls: 2, signals: 4, duplicatesSkipped: 1 });
    expect(new Set(signals.map((x) => x.id)).size).toBe(4);
  });

  it('pages through more lines than one answer holds', async () => {
    const s = source({ limit: 2 });
    loki.push(checkout, ...[5, 4, 3, 2, 1].map((i): [string, string] => [ns(i * 1000), `ERROR line ${6 - i}`]));
    await s.pollOnce();
    expect(signals.map((x) => x.message)).toEqual(['ERROR line 1', 'ERROR line 2', 'ERROR line 3', 'ERROR line 4', 'ERROR line 5']);
    // Loki's start is inclusive, so each next page repeats the last line seen (skipped as a duplicate).
    expect(loki.queries.map((q) => q.start)).toEqual([ns(300_000), ns(4000), ns(3000), ns(2000), ns(1000)]);
    expect(s.stats().duplicatesSkipped).toBe(4);
  });

  it('only keeps classified failures when filter is classify', async () => {
    const s = source({ filter: 'classify' });
    loki.push(checkout, [ns(3000), 'GET /healthz 200'], [ns(2000), 'panic: runtime error: invalid memory address or nil pointer dereference']);
    await s.pollOnce();
    expect(signals.map((x) => x.reason)).toEqual(['Panic']);
    expect(s.stats().ignored).toBe(1);
  });

  it('reports a failing Loki, loses nothing, and catches up on the next poll', async () => {
    const s = source();
    loki.push(checkout, [ns(5000), 'ERROR before the outage']);
    loki.failNext = 429;
    await s.pollOnce();
    expect(signals).toEqual([]);
    expect(s.stats()).toMatchObject({ errors: 1, lastError: expect.stringContaining('429') });
    expect(loggedLines.find((l) => l.level === 'warn')?.msg).toMatch(/Loki poll failed/);
    await s.pollOnce();
    expect(signals.map((x) => x.message)).toEqual(['ERROR before the outage']);
  });

  it('reports an answer that is not a query_range answer, and an unreachable Loki', async () => {
    const s = source();
    loki.rawAnswer = JSON.stringify({ status: 'success', data: { resultType: 'matrix', result: [] } });
    await s.pollOnce();
    expect(s.stats()).toMatchObject({ errors: 1, lastError: expect.stringContaining('unexpected Loki query_range answer') });
    loki.rawAnswer = '<html>proxy error</html>';
    await s.pollOnce();
    expect(s.stats().lastError).toContain('non-JSON');
    const unreachable = createLokiSource(LokiSection.parse({ url: 'http://127.0.0.1:9' }), { sink, now: () => clock });
    await unreachable.pollOnce();
    expect(unreachable.stats().errors).toBe(1);
    expect(signals).toEqual([]);
  });

  it('polls on its interval from start() until stop()', async () => {
    const s = source({ poll_interval: '50ms' });
    loki.push(checkout, [ns(1000), 'ERROR ticking']);
    s.start();
    await until(() => loki.queries.length >= 3, 'three polls');
    await s.stop();
    const n = loki.queries.length;
    await new Promise((r) => setTimeout(r, 120));
    expect(loki.queries.length).toBe(n);
    expect(signals).toHaveLength(1);
  });

  it('fetches a pod’s recent history for triage', async () => {
    loki.push(checkout, [ns(120_000), 'starting checkout-api'], [ns(60_000), 'Authorization: Bearer abcdefghijklmnop1234 rejected']);
    loki.push({ ...checkout, pod: 'other' }, [ns(60_000), 'not this pod']);
    const client = new LokiClient(LokiSection.parse({ url: loki.url }));
    const lines = await client.fetchHistory({ namespace: 'shop', pod: 'checkout-api-7d9c6b8f5-x2kqp' }, { start: new Date(NOW_MS - 600_000), end: new Date(NOW_MS) });
    expect(loki.queries[0]).toMatchObject({ query: '{namespace="shop", pod="checkout-api-7d9c6b8f5-x2kqp"}', direction: 'backward', start: ns(600_000), end: ns(0) });
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe('starting checkout-api');
    expect(lines[1]).toMatch(/^Authorization: .*\[REDACTED\].* rejected$/);
    expect(lines.join('\n')).not.toContain('abcdefghijklmnop1234');
  });
});
