// restart-pod: delete the pod so its controller recreates it. A pod nothing owns would simply
// be gone, so it is refused.
import { deletePod, readWorkload } from './workloads.js';
import { ref, refuse, type Inspector } from './types.js';

export const inspectRestartPod: Inspector<'restart-pod'> = async (kube, action) => {
  const t = action.target;
  if (t.kind !== 'Pod') return refuse(`restart-pod applies to a Pod, not a ${t.kind}`);
  const pod = await readWorkload(kube, t);
  if (!pod.metadata?.ownerReferences?.some((o) => o.controller)) return refuse(`${ref(t)} has no controller to recreate it`);
  return {
    ok: true,
    plan: {
      pods: 1,
      summary: `delete ${ref(t)} so its controller recreates it`,
      async apply(dryRun) {
        await deletePod(kube, t.namespace, t.name, dryRun);
        return `deleted pod ${t.namespace}/${t.name}`;
      },
    },
  };
};
