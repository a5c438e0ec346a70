// scale-up / scale-down through the scale subresource, within the configured replica bounds.
import { call, dryRunParam, patchAs, type Kube } from '../kube.js';
import { replicaBoundsViolation } from '../policy.js';
import { resourceOf } from './workloads.js';
import { ref, refuse, type ActionOf, type ActionLimits, type Inspection, type Target } from './types.js';

async function readReplicas(kube: Kube, t: Target): Promise<number> {
  const req = { name: t.name, namespace: t.namespace };
  const scale = await call('get', resourceOf(t, '/scale'), () =>
    t.kind === 'Deployment' ? kube.apps.readNamespacedDeploymentScale(req) : kube.apps.readNamespacedStatefulSetScale(req),
  );
  return scale.spec?.replicas ?? 0;
}

async function writeReplicas(kube: Kube, t: Target, replicas: number, dryRun: boolean): Promise<void> {
  const req = { name: t.name, namespace: t.namespace, body: { spec: { replicas } }, ...dryRunParam(dryRun) };
  await call('patch', resourceOf(t, '/scale'), () =>
    t.kind === 'Deployment' ? kube.apps.patchNamespacedDeploymentScale(req, patchAs('merge')) : kube.apps.patchNamespacedStatefulSetScale(req, patchAs('merge')),
  );
}

export async function inspectScale(kube: Kube, action: ActionOf<'scale-up'> | ActionOf<'scale-down'>, limits: ActionLimits): Promise<Inspection> {
  const t = action.target;
  if (t.kind !== 'Deployment' && t.kind !== 'StatefulSet') return refuse(`${action.type} applies to a Deployment or StatefulSet, not a ${t.kind}`);
  const current = await readReplicas(kube, t);
  const wanted = action.params.replicas;
  const violation = replicaBoundsViolation(action.type, current, wanted, limits.minReplicas, limits.maxReplicas);
  if (violation) return refuse(violation);
  return {
    ok: true,
    plan: {
      pods: Math.abs(wanted - current),
      summary: `scale ${ref(t)} from ${current} to ${wanted} replicas`,
      async apply(dryRun) {
        await writeReplicas(kube, t, wanted, dryRun);
        return `scaled ${ref(t)} to ${wanted} replicas`;
      },
    },
  };
}
