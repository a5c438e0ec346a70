import { describe, expect, it } from 'vitest';
import { checkoutIncident } from '../alert/fixtures/incident.js';
import { MemoryIncidentStore } from './store.js';

describe('MemoryIncidentStore', () => {
  it('stores snapshots: later changes to the incident do not leak in until the next put', async () => {
    const store = new MemoryIncidentStore();
    const i = checkoutIncident();
    await store.put(i);
    i.state = 'resolved';
    i.pods.push('another');
    expect((await store.get(i.id))?.state).toBe('open');
    expect((await store.get(i.id))?.pods).toEqual(['checkout-7c5ddbdf54-8xk2p']);
  });

  it('filters, sorts newest first and evicts resolved incidents first past its capacity', async () => {
    const store = new MemoryIncidentStore(2);
    await store.put(checkoutIncident({ id: 'old-1', state: 'resolved', lastSeen: '2026-11-27T09:00:00Z' }));
    await store.put(checkoutIncident({ id: 'a-1', lastSeen: '2026-11-27T10:00:00Z' }));
    await store.put(checkoutIncident({ id: 'b-1', lastSeen: '2026-11-27T11:00:00Z', key: { ...checkoutIncident().key, namespace: 'pay' } }));
    expect(store.evicted).toBe(1);
    expect((await store.list()).map((i) => i.id)).toEqual(['b-1', 'a-1']);
    expect((await store.list({ namespace: 'pay' })).map((i) => i.id)).toEqual(['b-1']);
    expect(await store.list({ state: 'resolved' })).toEqual([]);
  });
});
