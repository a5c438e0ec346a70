// delete-stuck-pods: pods still Terminating after their grace period are force-deleted
// (gracePeriodSeconds=0), either the one pod named or those of the workload named.
import type { V1Pod } from '@kubernetes/client-node';
import { call } from '../kube.js';
import { deletePod, isTemplateKind, readWorkload } from './workloads.js';
import { ref, refuse, type Inspector } from './types.js';

/** Terminating past its grace period: the deletion deadline (deletionTimestamp) has passed. */
export function isStuckTerminating(pod: V1Pod, now: Date): boolean {
  const deadline = pod.metadata?.deletionTimestamp;
  return deadline !== undefined && new Date(deadline).getTime() < now.getTime();
}

export const inspectDeleteStuckPods: Inspector<'delete-stuck-pods'> = async (kube, action, limits) => {
  const t = action.target;
  if (t.kind !== 'Pod' && !isTemplateKind(t.kind)) return refuse(`delete-stuck-pods applies to a Pod or a workload, not a ${t.kind}`);
  let pods: V1Pod[];
  if (t.kind === 'Pod') pods = [(await readWorkload(kube, t)) as V1Pod];
  else {
    const workload = await readWorkload(kube, t);
    const labels = (workload.spec as { selector?: { matchLabels?: Record<string, string> } } | undefined)?.selector?.matchLabels ?? {};
    const labelSelector = Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(',');
    if (!labelSelector) return refuse(`${ref(t)} has no label selector`);
    pods = (await call('list', `pods in namespace ${t.namespace}`, () => kube.core.listNamespacedPod({ namespace: t.namespace, labelSelector }))).items;
  }
  const stuck = pods.filter((p) => isStuckTerminating(p, limits.now())).map((p) => p.metadata!.name!);
  if (stuck.length === 0) return refuse(`no pod of ${ref(t)} is stuck Terminating past its grace period`);
  return {
    ok: true,
    plan: {
      pods: stuck.length,
      summary: `force-delete ${stuck.length} pod(s) stuck Terminating: ${stuck.join(', ')}`,
      async apply(dryRun) {
        for (const name of stuck) await deletePod(kube, t.namespace, name, dryRun, 0);
        return `force-deleted ${stuck.join(', ')}`;
      },
    },
  };
};
