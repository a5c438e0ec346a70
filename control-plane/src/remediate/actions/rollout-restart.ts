// rollout-restart: what `kubectl rollout restart` does — stamp the pod template with
// kubectl.kubernetes.io/restartedAt so the controller rolls every pod.
import { isTemplateKind, patchWorkload, podCount, readWorkload } from './workloads.js';
import { ref, refuse, type Inspector } from './types.js';

export const RESTARTED_AT = 'kubectl.kubernetes.io/restartedAt';

export const inspectRolloutRestart: Inspector<'rollout-restart'> = async (kube, action, limits) => {
  const t = action.target;
  if (!isTemplateKind(t.kind)) return refuse(`rollout-restart applies to a Deployment, StatefulSet or DaemonSet, not a ${t.kind}`);
  const workload = await readWorkload(kube, t);
  return {
    ok: true,
    plan: {
      pods: podCount(workload, t.kind),
      summary: `restart every pod of ${ref(t)} (rolling)`,
      async apply(dryRun) {
        const body = { spec: { template: { metadata: { annotations: { [RESTARTED_AT]: limits.now().toISOString() } } } } };
        await patchWorkload(kube, t, body, 'strategic', dryRun);
        return `restarted ${ref(t)}`;
      },
    },
  };
};
