// Owning workload from a pod name when the source does not name it. Kubernetes builds pod names
// from the owner's name plus random suffixes drawn from a vowel-free alphabet (so words rarely
// look like hashes): Deployment `web-7c5ddbdf54-8xk2p`, CronJob `backup-28934510-x7k2p`,
// DaemonSet/Job `agent-x7k2p`, StatefulSet `db-0`.
import type { Resource } from '../signal.js';

export interface Workload {
  kind: string;
  name: string;
}

const SAFE = '[bcdfghjklmnpqrstvwxz2456789]';
const DEPLOYMENT_POD = new RegExp(`^(.+)-(${SAFE}{6,10})-(${SAFE}{5})$`);
const CRONJOB_POD = new RegExp(`^(.+)-(\\d{8,})-(${SAFE}{5})$`);
const SINGLE_HASH_POD = new RegExp(`^(.+)-(${SAFE}{5})$`);
const STATEFULSET_POD = /^(.+)-(\d+)$/;

export function workloadFromPodName(pod: string): Workload {
  let m = CRONJOB_POD.exec(pod);
  if (m?.[1]) return { kind: 'CronJob', name: m[1] };
  m = DEPLOYMENT_POD.exec(pod);
  if (m?.[1]) return { kind: 'Deployment', name: m[1] };
  m = SINGLE_HASH_POD.exec(pod);
  // DaemonSet and Job pods look alike; the name is what matters for grouping.
  if (m?.[1]) return { kind: 'Workload', name: m[1] };
  m = STATEFULSET_POD.exec(pod);
  if (m?.[1]) return { kind: 'StatefulSet', name: m[1] };
  return { kind: 'Pod', name: pod };
}

/** The workload a signal belongs to: the one the source named, else derived from the pod. */
export function workloadOf(resource: Resource): Workload | undefined {
  if (resource.workload) return resource.workload;
  if (resource.pod) return workloadFromPodName(resource.pod);
  if (resource.service) return { kind: 'Service', name: resource.service };
  return undefined;
}
