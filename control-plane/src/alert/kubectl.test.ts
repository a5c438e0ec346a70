import { describe, expect, it } from 'vitest';
import type { ProposedAction } from '../triage/types.js';
import { kubectlFor } from './kubectl.js';

const dep = { kind: 'Deployment', namespace: 'shop', name: 'checkout' } as const;
const pod = { kind: 'Pod', namespace: 'shop', name: 'checkout-7c5ddbdf54-8xk2p' } as const;

describe('kubectlFor', () => {
  it.each<[ProposedAction | null, string | undefined]>([
    [{ type: 'restart-pod', target: pod, params: {} }, 'kubectl delete pod checkout-7c5ddbdf54-8xk2p -n shop'],
    [{ type: 'delete-stuck-pods', target: pod, params: {} }, 'kubectl delete pod checkout-7c5ddbdf54-8xk2p -n shop --grace-period=0 --force'],
    [{ type: 'rollout-restart', target: dep, params: {} }, 'kubectl rollout restart deployment/checkout -n shop'],
    [{ type: 'scale-up', target: dep, params: { replicas: 5 } }, 'kubectl scale deployment/checkout --replicas=5 -n shop'],
    [{ type: 'scale-down', target: dep, params: { replicas: 0 } }, 'kubectl scale deployment/checkout --replicas=0 -n shop'],
    [{ type: 'rollback', target: dep, params: {} }, 'kubectl rollout undo deployment/checkout -n shop'],
    [{ type: 'rollback', target: dep, params: { toRevision: 3 } }, 'kubectl rollout undo deployment/checkout -n shop --to-revision=3'],
    [{ type: 'k8s_patch', target: dep, params: { patchType: 'strategic', patch: { spec: { replicas: 2 } } } }, `kubectl patch deployment/checkout -n shop --type strategic -p '{"spec":{"replicas":2}}'`],
    [{ type: 'k8s_patch', target: dep, params: { patchType: 'merge', patch: { metadata: { annotations: { note: "it's" } } } } }, `kubectl patch deployment/checkout -n shop --type merge -p '{"metadata":{"annotations":{"note":"it'\\''s"}}}'`],
    [{ type: 'none', target: dep, params: {} }, undefined],
    [null, undefined],
  ])('%o', (action, cmd) => {
    expect(kubectlFor(action)).toBe(cmd);
  });
});
