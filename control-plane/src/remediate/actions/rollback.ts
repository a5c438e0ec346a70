// rollback: what `kubectl rollout undo` does — find the Deployment's ReplicaSets by owner
// reference, take the one with the previous revision (or the one asked for), and replace the
// Deployment's pod template with it. The patch carries the resourceVersion read, so a
// concurrent change answers 409 and the action is retried on a fresh read.
import type { V1ReplicaSet } from '@kubernetes/client-node';
import { call } from '../kube.js';
import { patchWorkload, podCount, readWorkload } from './workloads.js';
import { ref, refuse, type Inspector } from './types.js';

export const REVISION = 'deployment.kubernetes.io/revision';
const HASH_LABEL = 'pod-template-hash';

const revisionOf = (o: { metadata?: { annotations?: Record<string, string> } }): number => Number(o.metadata?.annotations?.[REVISION] ?? NaN);

/** The ReplicaSet to roll back to: `toRevision`, or the highest revision below the current one. */
export function pickRollbackTarget(sets: V1ReplicaSet[], current: number, toRevision?: number): V1ReplicaSet | undefined {
  const candidates = sets.filter((rs) => Number.isFinite(revisionOf(rs)) && revisionOf(rs) !== current);
  if (toRevision !== undefined) return candidates.find((rs) => revisionOf(rs) === toRevision);
  return candidates.filter((rs) => revisionOf(rs) < current).sort((a, b) => revisionOf(b) - revisionOf(a))[0];
}

export const inspectRollback: Inspector<'rollback'> = async (kube, action) => {
  const t = action.target;
  if (t.kind !== 'Deployment') return refuse(`rollback applies to a Deployment, not a ${t.kind}`);
  const deployment = await readWorkload(kube, t);
  const current = revisionOf(deployment);
  if (!Number.isFinite(current)) return refuse(`${ref(t)} has no ${REVISION} annotation yet`);
  const labels = (deployment.spec as { selector?: { matchLabels?: Record<string, string> } } | undefined)?.selector?.matchLabels ?? {};
  const labelSelector = Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(',');
  const list = await call('list', `replicasets in namespace ${t.namespace}`, () => kube.apps.listNamespacedReplicaSet({ namespace: t.namespace, labelSelector }));
  const owned = list.items.filter((rs) => rs.metadata?.ownerReferences?.some((o) => o.uid === deployment.metadata?.uid));
  const target = pickRollbackTarget(owned, current, action.params.toRevision);
  if (!target?.spec?.template) {
    return refuse(action.params.toRevision ? `${ref(t)} has no revision ${action.params.toRevision}` : `${ref(t)} has no revision before ${current}`);
  }
  const template = structuredClone(target.spec.template);
  delete template.metadata?.labels?.[HASH_LABEL];
  const resourceVersion = deployment.metadata?.resourceVersion;
  return {
    ok: true,
    plan: {
      pods: podCount(deployment, t.kind),
      summary: `roll ${ref(t)} back from revision ${current} to ${revisionOf(target)}`,
      async apply(dryRun) {
        const ops = [
          { op: 'replace', path: '/metadata/resourceVersion', value: resourceVersion },
          { op: 'replace', path: '/spec/template', value: template },
        ];
        await patchWorkload(kube, t, ops, 'json', dryRun);
        return `rolled ${ref(t)} back to revision ${revisionOf(target)}`;
      },
    },
  };
};
