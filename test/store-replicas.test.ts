// Several control-plane replicas on one JetStream: one leader at a time (KV lease with a TTL,
// revision-checked renewals), and every action executed once even when two replicas both
// believe they lead (the idempotency claim is a create-if-absent in the shared KV bucket).
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { NatsConnection } from 'nats';
import { RemediationSection } from '../control-plane/src/remediate/config.js';
import { kubeFrom } from '../control-plane/src/remediate/kube.js';
import { createRemediator, type Remediator } from '../control-plane/src/remediate/remediator.js';
import { StoreSection } from '../control-plane/src/store/config.js';
import { LeaderElection } from '../control-plane/src/store/leader.js';
import { openStateStore } from '../control-plane/src/store/open.js';
import type { StateStore } from '../control-plane/src/store/state-store.js';
import { startKubeApi, type KubeApiStandIn } from './helpers/kube-api.js';
import { seedWorkload, withActions } from './helpers/kube-api-actions.js';
import { findNatsServer, NatsServer, waitFor } from './helpers/nats-server.js';

const natsBin = findNatsServer();

describe.skipIf(!natsBin)('replicas on one JetStream (real nats-server)', () => {
  let server: NatsServer;
  let api: KubeApiStandIn;
  const open: { close(): Promise<void> }[] = [];

  beforeAll(async () => {
    server = await NatsServer.start();
  });
  afterAll(async () => server?.stop());
  beforeEach(async () => {
    api = withActions(await startKubeApi());
  });
  afterEach(async () => {
    for (const o of open.splice(0).reverse()) await o.close();
    await api.stop();
  });

  async function replica(bucket: string, isLeader: () => boolean): Promise<{ store: StateStore; remediator: Remediator }> {
    const store = await openStateStore(StoreSection.parse({ nats: { url: server.url, bucket, stream: `${bucket}_AUDIT` } }));
    open.push(store);
    const config = RemediationSection.parse({ applyMode: 'auto', autoApplyNamespaces: ['shop'], maxActionsPerHour: 1000 });
    return { store, remediator: createRemediator({ config, store, kube: kubeFrom(api.kubeConfig()), isLeader }) };
  }

  const restart = (name: string) => ({ type: 'rollout-restart', target: { kind: 'Deployment', namespace: 'shop', name }, params: {} });
  const realWrites = () => api.requests.filter((r) => r.method === 'PATCH' && r.query.dryRun !== 'All');

  it('two replicas that both think they lead never execute the same action twice', async () => {
    for (let i = 0; i < 20; i++) seedWorkload(api, 'shop', `svc-${i}`);
    const a = await replica('SPLIT', () => true);
    const b = await replica('SPLIT', () => true);
    // The same incidents reach both replicas (both ingest the same stream), at the same time.
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => [a, b].map((r) => r.remediator.propose({ incidentId: `inc-${i}`, action: restart(`svc-${i}`), actor: { type: 'rule' } }))).flat(),
    );
    const perTarget = new Map<string, number>();
    for (const w of realWrites()) perTarget.set(w.path, (perTarget.get(w.path) ?? 0) + 1);
    expect(perTarget.size).toBe(20);
    expect([...perTarget.values()].every((n) => n === 1)).toBe(true);
    expect(results.filter((r) => r.outcome === 'applied')).toHaveLength(20);
    expect(results.filter((r) => r.outcome === 'duplicate')).toHaveLength(20);
    // Both replicas read one audit log.
    expect((await b.store.audit.list()).filter((e) => e.outcome === 'applied')).toHaveLength(20);
  }, 60_000);

  it('only the leader executes; a follower takes over when the leader stops', async () => {
    const connections: NatsConnection[] = [await server.connect(), await server.connect()];
    open.push({ close: async () => void (await Promise.all(connections.map((c) => c.drain()))) });
    const first = await LeaderElection.start(connections[0]!, { id: 'replica-1', bucket: 'LEAD', leaseMs: 1500 });
    const second = await LeaderElection.start(connections[1]!, { id: 'replica-2', bucket: 'LEAD', leaseMs: 1500 });
    open.push({ close: () => first.stop() }, { close: () => second.stop() });
    expect([first.isLeader(), second.isLeader()]).toEqual([true, false]);

    for (let i = 0; i < 5; i++) seedWorkload(api, 'shop', `svc-${i}`);
    const leader = await replica('LEADER', () => first.isLeader());
    const follower = await replica('LEADER', () => second.isLeader());
    const queued = await Promise.all(Array.from({ length: 5 }, (_, i) => follower.remediator.propose({ incidentId: `f-${i}`, action: restart(`svc-${i}`), actor: { type: 'llm' } })));
    expect(queued.map((r) => r.outcome)).toEqual(Array(5).fill('approved'));
    expect(realWrites()).toEqual([]);
    expect(await follower.remediator.executeApproved()).toBe(0);

    // The lease outlives a renewal period: leadership is stable while the leader renews.
    await new Promise((r) => setTimeout(r, 2000));
    expect([first.isLeader(), second.isLeader()]).toEqual([true, false]);
    expect(await leader.remediator.executeApproved()).toBe(5);
    expect(realWrites()).toHaveLength(5);

    await first.stop();
    await waitFor(() => second.isLeader(), (v) => v, 5000);
    expect(second.isLeader()).toBe(true);
    // The new leader finds nothing left to do: every approval was executed once.
    expect(await follower.remediator.executeApproved()).toBe(0);
    expect(realWrites()).toHaveLength(5);
    expect((await follower.remediator.list({ state: 'applied' })).length).toBe(5);
  }, 60_000);
});
