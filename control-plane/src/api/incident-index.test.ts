// The incident index answers like a plain filter-and-sort over the same incidents would, and
// writes reach the store behind it.
import { describe, expect, it, vi } from 'vitest';
import { NatsServer } from '../../../test/helpers/nats-server.js';
import { MemoryIncidentStore } from '../correlate/store.js';
import type { Incident } from '../correlate/types.js';
import { PRIORITIES } from '../rules/priority.js';
import { JetStreamBackend } from '../store/jetstream-backend.js';
import { stateStoreOver } from '../store/state-store.js';
import { IncidentIndex, TopK, type IncidentQuery } from './incident-index.js';

const T0 = Date.parse('2026-11-28T00:00:00Z');

function incident(n: number): Incident {
  // Times out of order on purpose, with ties.
  const first = T0 + ((n * 7919) % 5000) * 1000;
  return {
    id: `fp${n}-1`,
    fingerprint: `fp${n}`,
    key: { cluster: 'c', namespace: n % 10 === 0 ? '' : `ns-${n % 4}`, workload: `svc-${n}`, container: 'app', failureClass: 'crash', detail: '' },
    state: (['open', 'acknowledged', 'resolved'] as const)[n % 3]!,
    title: n % 5 === 0 ? 'OOMKilled' : 'CrashLoopBackOff',
    priority: PRIORITIES[(n * 3) % 4]!,
    severity: 'critical',
    firstSeen: new Date(first).toISOString(),
    lastSeen: new Date(first + (n % 7) * 1000).toISOString(),
    reopenCount: 0,
    signalCount: 1,
    relatedCount: 0,
    timeline: [],
    timelineDropped: 0,
    pods: [`svc-${n}-abc`],
    sourceFingerprints: [],
    openSources: [],
  };
}

function naive(all: Incident[], q: IncidentQuery): { ids: string[]; total: number } {
  const rank = (i: Incident) => PRIORITIES.indexOf(i.priority);
  const m = all
    .filter((i) => !q.priority?.length || q.priority.includes(i.priority))
    .filter((i) => !q.state?.length || q.state.includes(i.state))
    .filter((i) => q.namespace === undefined || i.key.namespace === q.namespace)
    .filter((i) => q.since === undefined || Date.parse(i.lastSeen) >= q.since)
    .filter((i) => q.until === undefined || Date.parse(i.firstSeen) <= q.until)
    .filter((i) => !q.q || `${i.id}\n${i.title}`.toLowerCase().includes(q.q.toLowerCase()))
    .map((i, slot) => ({ i, slot }))
    .sort((a, b) => (q.sort === 'priority' ? rank(a.i) - rank(b.i) : 0) || Date.parse(b.i.lastSeen) - Date.parse(a.i.lastSeen) || a.slot - b.slot);
  const off = q.offset ?? 0;
  return { ids: m.slice(off, off + q.limit).map((x) => x.i.id), total: m.length };
}

describe('IncidentIndex', () => {
  it('matches a plain filter and sort for many query shapes', async () => {
    const all = Array.from({ length: 3000 }, (_, n) => incident(n));
    const store = new MemoryIncidentStore(10_000);
    const index = await IncidentIndex.over(store);
    for (const i of all) await index.put(i);
    const queries: IncidentQuery[] = [
      { limit: 50 },
      { limit: 50, sort: 'priority' },
      { limit: 20, offset: 100, priority: ['P1', 'P3'] },
      { limit: 3000, state: ['open', 'resolved'], namespace: 'ns-1' },
      { limit: 10, namespace: '' },
      { limit: 100, since: T0 + 2_000_000, until: T0 + 4_000_000, sort: 'priority' },
      { limit: 100, q: 'oomkilled' },
      { limit: 5, namespace: 'nowhere' },
    ];
    for (const q of queries) {
      const got = index.query(q);
      const want = naive(all, q);
      expect({ ids: got.items.map((i) => i.id), total: got.total }, JSON.stringify(q)).toEqual(want);
    }
    expect(index.counts()).toMatchObject({ total: 3000, byState: { open: 1000, acknowledged: 1000, resolved: 1000 } });
    expect(index.counts().byNamespace['']).toBe(300);
  });

  it('re-indexes an incident on every put and writes through to the store', async () => {
    const store = new MemoryIncidentStore();
    const index = await IncidentIndex.over(store);
    const i = incident(1);
    await index.put(i);
    await index.put({ ...i, state: 'resolved', priority: 'P4', key: { ...i.key, namespace: 'moved' } });
    expect(index.size).toBe(1);
    expect(index.query({ limit: 10, state: ['resolved'], priority: ['P4'], namespace: 'moved' }).total).toBe(1);
    expect(index.query({ limit: 10, namespace: i.key.namespace }).total).toBe(0);
    expect((await store.get(i.id))!.state).toBe('resolved');
    // A second index over the same store loads what is there.
    expect((await IncidentIndex.over(store)).query({ limit: 10 }).items.map((x) => x.id)).toEqual([i.id]);
  });

  it('TopK keeps the k smallest keys in order', () => {
    const top = new TopK(3);
    for (const [slot, key] of [[0, 5], [1, 1], [2, 9], [3, 3], [4, 0], [5, 3]] as const) top.offer(slot, key);
    expect(top.sorted()).toEqual([4, 1, 3]);
    expect(new TopK(0).sorted()).toEqual([]);
  });
});

describe('IncidentIndex.follow (replicas sharing a JetStream store, real nats-server)', () => {
  it('picks up incidents another replica puts into the shared store, as they are written', async () => {
    const server = await NatsServer.start();
    const [a, b] = [await server.connect(), await server.connect()];
    try {
      const writer = stateStoreOver(await JetStreamBackend.open(a));
      const index = await IncidentIndex.over(stateStoreOver(await JetStreamBackend.open(b)).incidents);
      const stop = index.follow();
      expect(stop).toBeTypeOf('function');
      // The watch starts asynchronously and follows updates from then on: put until one is seen.
      await vi.waitFor(async () => {
        await writer.incidents.put(incident(7));
        expect(index.query({ limit: 10 }).items.map((i) => i.id)).toEqual(['fp7-1']);
      }, { timeout: 5000, interval: 100 });
      await writer.incidents.put({ ...incident(7), state: 'resolved' });
      await vi.waitFor(() => expect(index.query({ limit: 10 }).items[0]!.state).toBe('resolved'));
      stop!();
    } finally {
      await a.close();
      await b.close();
      await server.stop();
    }
  });

  it('has nothing to follow over a store only this process writes', async () => {
    expect((await IncidentIndex.over(new MemoryIncidentStore())).follow()).toBeUndefined();
  });
});
