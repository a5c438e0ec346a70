// The owner chain (Pod → ReplicaSet → Deployment, Pod → Job → CronJob) and a Deployment's
// rollout history, read from informer caches through a lookup function: pure and testable.
import type { V1ObjectMeta, V1ReplicaSet } from '@kubernetes/client-node';
import { toIso } from './detect.js';

export type OwnerRef = { kind: string; name: string; uid?: string };
export type Lookup = (kind: string, namespace: string | undefined, name: string) => { metadata?: V1ObjectMeta } | undefined;

/** Kinds a Signal names as the workload, outermost first wins. */
const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob', 'ReplicaSet']);
const MAX_DEPTH = 5;

/** Controllers above `meta`, nearest first. Stops where the cache doesn't know the next owner. */
export function ownerChain(meta: V1ObjectMeta | undefined, lookup: Lookup): OwnerRef[] {
  const chain: OwnerRef[] = [];
  let current = meta;
  while (current && chain.length < MAX_DEPTH) {
    const ref = current.ownerReferences?.find((r) => r.controller) ?? current.ownerReferences?.[0];
    if (!ref) break;
    chain.push({ kind: ref.kind, name: ref.name, uid: ref.uid });
    current = lookup(ref.kind, meta?.namespace, ref.name)?.metadata;
  }
  return chain;
}

/** The workload a person would name: the outermost controller of a known kind. */
export function workloadOf(chain: readonly OwnerRef[]): { kind: string; name: string } | undefined {
  const w = [...chain].reverse().find((o) => WORKLOAD_KINDS.has(o.kind));
  return w ? { kind: w.kind, name: w.name } : undefined;
}

export type Revision = { revision: number; replicaSet: string; images: string[]; replicas: number; readyReplicas: number; createdAt?: string; changeCause?: string };

/** A Deployment's ReplicaSets by revision, newest first (what `kubectl rollout history` shows). */
export function rolloutHistory(deploymentUid: string | undefined, replicaSets: readonly V1ReplicaSet[]): Revision[] {
  return replicaSets
    .filter((rs) => deploymentUid && rs.metadata?.ownerReferences?.some((r) => r.uid === deploymentUid))
    .map((rs) => {
      const rev: Revision = {
        revision: Number(rs.metadata?.annotations?.['deployment.kubernetes.io/revision'] ?? 0),
        replicaSet: rs.metadata?.name ?? '',
        images: (rs.spec?.template?.spec?.containers ?? []).map((c) => c.image ?? ''),
        replicas: rs.status?.replicas ?? 0,
        readyReplicas: rs.status?.readyReplicas ?? 0,
      };
      const createdAt = toIso(rs.metadata?.creationTimestamp);
      if (createdAt) rev.createdAt = createdAt;
      const cause = rs.metadata?.annotations?.['kubernetes.io/change-cause'];
      if (cause) rev.changeCause = cause;
      return rev;
    })
    .sort((a, b) => b.revision - a.revision);
}
