// Reads and patches of the workload kinds actions may change, dispatched by kind so each
// action stays a few lines about what it does rather than which API group serves it.
import type { V1DaemonSet, V1Deployment, V1Pod, V1StatefulSet } from '@kubernetes/client-node';
import { call, dryRunParam, patchAs, type Kube, type PatchType } from '../kube.js';
import type { Target } from './types.js';

export type Workload = V1Deployment | V1StatefulSet | V1DaemonSet | V1Pod;
export const TEMPLATE_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet'] as const;
export type TemplateKind = (typeof TEMPLATE_KINDS)[number];
export const isTemplateKind = (kind: string): kind is TemplateKind => (TEMPLATE_KINDS as readonly string[]).includes(kind);

const PLURAL: Record<string, string> = { Pod: 'pods', Deployment: 'deployments', StatefulSet: 'statefulsets', DaemonSet: 'daemonsets' };

/** `deployments/web` in the error messages the operator reads. */
export const resourceOf = (t: Target, sub = ''): string => `${PLURAL[t.kind] ?? t.kind.toLowerCase()}/${t.name}${sub} in namespace ${t.namespace}`;

export async function readWorkload(kube: Kube, t: Target): Promise<Workload> {
  const req = { name: t.name, namespace: t.namespace };
  return call<Workload>('get', resourceOf(t), () => {
    switch (t.kind) {
      case 'Deployment':
        return kube.apps.readNamespacedDeployment(req);
      case 'StatefulSet':
        return kube.apps.readNamespacedStatefulSet(req);
      case 'DaemonSet':
        return kube.apps.readNamespacedDaemonSet(req);
      case 'Pod':
        return kube.core.readNamespacedPod(req);
      default:
        throw new Error(`no reader for kind ${t.kind}`);
    }
  });
}

export async function patchWorkload(kube: Kube, t: Target, body: unknown, type: PatchType, dryRun: boolean): Promise<Workload> {
  const req = { name: t.name, namespace: t.namespace, body, ...dryRunParam(dryRun) };
  const opts = patchAs(type);
  return call<Workload>('patch', resourceOf(t), () => {
    switch (t.kind) {
      case 'Deployment':
        return kube.apps.patchNamespacedDeployment(req, opts);
      case 'StatefulSet':
        return kube.apps.patchNamespacedStatefulSet(req, opts);
      case 'DaemonSet':
        return kube.apps.patchNamespacedDaemonSet(req, opts);
      case 'Pod':
        return kube.core.patchNamespacedPod(req, opts);
      default:
        throw new Error(`no patcher for kind ${t.kind}`);
    }
  });
}

/** Pods a workload runs: its desired replicas (a DaemonSet's scheduled count, a Pod's one). */
export function podCount(w: Workload, kind: string): number {
  if (kind === 'Pod') return 1;
  if (kind === 'DaemonSet') return (w as V1DaemonSet).status?.desiredNumberScheduled ?? 0;
  return (w as V1Deployment | V1StatefulSet).spec?.replicas ?? 1;
}

export async function deletePod(kube: Kube, namespace: string, name: string, dryRun: boolean, gracePeriodSeconds?: number): Promise<void> {
  const grace = gracePeriodSeconds === undefined ? {} : { gracePeriodSeconds };
  await call('delete', `pods/${name} in namespace ${namespace}`, () => kube.core.deleteNamespacedPod({ name, namespace, ...dryRunParam(dryRun), ...grace }));
}
