// k8s_patch: LogJedi's patch action, limited to the allowlisted fields, with every image a
// plausible reference, every container one the target has, and replicas within bounds.
import type { V1PodSpec } from '@kubernetes/client-node';
import { disallowedPatchPaths, patchedContainers, patchedReplicas } from '../patch-allowlist.js';
import { isPlausibleImage, replicaBoundsViolation } from '../policy.js';
import { isTemplateKind, patchWorkload, podCount, readWorkload, type Workload } from './workloads.js';
import { ref, refuse, type Inspector } from './types.js';

function podSpecOf(w: Workload, kind: string): V1PodSpec | undefined {
  return kind === 'Pod' ? (w.spec as V1PodSpec | undefined) : (w.spec as { template?: { spec?: V1PodSpec } } | undefined)?.template?.spec;
}

export const inspectK8sPatch: Inspector<'k8s_patch'> = async (kube, action, limits) => {
  const t = action.target;
  const { patch, patchType } = action.params;
  if (t.kind !== 'Pod' && !isTemplateKind(t.kind)) return refuse(`k8s_patch applies to a Pod or a workload, not a ${t.kind}`);
  const outside = disallowedPatchPaths(patch, t.kind);
  if (outside.length > 0) return refuse(`patch touches fields outside the allowlist: ${outside.join(', ')}`);
  const containers = patchedContainers(patch, t.kind);
  const badImage = containers.find((c) => 'image' in c && !isPlausibleImage(c.image));
  if (badImage) return refuse(`container ${badImage.name}: ${JSON.stringify(badImage.image)} is not a plausible image reference`);
  const workload = await readWorkload(kube, t);
  const spec = podSpecOf(workload, t.kind);
  const known = new Set([...(spec?.containers ?? []), ...(spec?.initContainers ?? [])].map((c) => c.name));
  const unknown = containers.find((c) => !known.has(c.name));
  if (unknown) return refuse(`${ref(t)} has no container named ${unknown.name}`);
  const current = podCount(workload, t.kind);
  const replicas = patchedReplicas(patch);
  const violation = replicas === undefined ? undefined : replicaBoundsViolation('patch', current, replicas, limits.minReplicas, limits.maxReplicas);
  if (violation) return refuse(violation);
  const templateChanged = containers.length > 0;
  return {
    ok: true,
    plan: {
      pods: Math.max(templateChanged ? current : 0, replicas === undefined ? 0 : Math.abs(replicas - current)),
      summary: `${patchType} patch of ${ref(t)}: ${JSON.stringify(patch)}`,
      async apply(dryRun) {
        await patchWorkload(kube, t, patch, patchType, dryRun);
        return `patched ${ref(t)}`;
      },
    },
  };
};
