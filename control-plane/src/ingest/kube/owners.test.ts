import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import type { V1ObjectMeta, V1Pod, V1ReplicaSet } from '@kubernetes/client-node';
import { ownerChain, rolloutHistory, workloadOf } from './owners.js';

const pod = parse(readFileSync(new URL('./fixtures/pod-crashloop.yaml', import.meta.url), 'utf8')) as V1Pod;
const rs = (name: string, revision: string, image: string, owner = 'dep-uid'): V1ReplicaSet => ({
  metadata: { name, namespace: 'shop', annotations: { 'deployment.kubernetes.io/revision': revision }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'checkout-api', uid: owner, controller: true }] },
  spec: { selector: {}, template: { spec: { containers: [{ name: 'api', image }] } } },
  status: { replicas: 1, readyReplicas: 1 },
});

describe('owner chain and rollout history', () => {
  it('walks Pod → ReplicaSet → Deployment through the cache', () => {
    const caches: Record<string, { metadata: V1ObjectMeta }> = { 'ReplicaSet/checkout-api-7d9c6b8f5': { metadata: rs('checkout-api-7d9c6b8f5', '7', 'x').metadata! } };
    const chain = ownerChain(pod.metadata, (kind, _ns, name) => caches[`${kind}/${name}`]);
    expect(chain.map((o) => `${o.kind}/${o.name}`)).toEqual(['ReplicaSet/checkout-api-7d9c6b8f5', 'Deployment/checkout-api']);
    expect(workloadOf(chain)).toEqual({ kind: 'Deployment', name: 'checkout-api' });
  });

  it('stops where the cache does not know the owner', () => {
    const chain = ownerChain(pod.metadata, () => undefined);
    expect(chain.map((o) => o.kind)).toEqual(['ReplicaSet']);
    expect(workloadOf(chain)).toEqual({ kind: 'ReplicaSet', name: 'checkout-api-7d9c6b8f5' });
    expect(ownerChain({ name: 'bare' }, () => undefined)).toEqual([]);
  });

  it('lists the deployment’s revisions newest first and ignores other owners', () => {
    const history = rolloutHistory('dep-uid', [rs('a', '5', 'img:1.12'), rs('c', '7', 'img:1.14'), rs('b', '6', 'img:1.13'), rs('z', '9', 'other', 'another-uid')]);
    expect(history.map((r) => [r.revision, r.replicaSet, r.images])).toEqual([
      [7, 'c', ['img:1.14']],
      [6, 'b', ['img:1.13']],
      [5, 'a', ['img:1.12']],
    ]);
    expect(rolloutHistory(undefined, [rs('a', '1', 'x')])).toEqual([]);
  });
});
