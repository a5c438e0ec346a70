// Finding Kubernetes access: the in-cluster service account, else a kubeconfig file. No access
// is a normal state (one machine, no cluster), not an error. Finding is kept apart from loading
// (lib/kube-config.ts) because @kubernetes/client-node costs ~80 MiB of memory to import: the
// sensor imports it only when there is a cluster to talk to.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';

export interface KubeAccessConfig {
  /** true: only the in-cluster service account; false: never it; unset: it, else a kubeconfig. */
  inCluster?: boolean | undefined;
  /** An explicit kubeconfig file. */
  kubeconfig?: string | undefined;
}

/** Where access comes from: the in-cluster service account, or a kubeconfig file. */
export type KubeAccessPlan = { via: 'in-cluster' } | { via: 'kubeconfig'; file: string };

const SERVICE_ACCOUNT_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

export function findKubeAccess(
  config: KubeAccessConfig,
  env: NodeJS.ProcessEnv = process.env,
  exists: (path: string) => boolean = existsSync,
): KubeAccessPlan | undefined {
  if (config.kubeconfig) return { via: 'kubeconfig', file: config.kubeconfig };
  if (config.inCluster !== false && env.KUBERNETES_SERVICE_HOST && exists(SERVICE_ACCOUNT_TOKEN)) return { via: 'in-cluster' };
  if (config.inCluster === true) return undefined;
  const files = env.KUBECONFIG ? env.KUBECONFIG.split(delimiter).filter(Boolean) : [join(env.HOME ?? homedir(), '.kube', 'config')];
  const file = files.find(exists);
  return file ? { via: 'kubeconfig', file } : undefined;
}
