// Finding Kubernetes access: the in-cluster service account, else a kubeconfig file. No access
// is a normal state (one machine, no cluster), not an error.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';

export type KubeAccess = { kubeConfig: KubeConfig; via: 'in-cluster' | 'kubeconfig' };

export interface KubeAccessConfig {
  /** true: only the in-cluster service account; false: never it; unset: it, else a kubeconfig. */
  inCluster?: boolean | undefined;
  /** An explicit kubeconfig file. */
  kubeconfig?: string | undefined;
}

const SERVICE_ACCOUNT_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

export function resolveKubeAccess(
  config: KubeAccessConfig,
  env: NodeJS.ProcessEnv = process.env,
  exists: (path: string) => boolean = existsSync,
): KubeAccess | undefined {
  const kc = new KubeConfig();
  if (config.kubeconfig) {
    kc.loadFromFile(config.kubeconfig);
    return { kubeConfig: kc, via: 'kubeconfig' };
  }
  if (config.inCluster !== false && env.KUBERNETES_SERVICE_HOST && exists(SERVICE_ACCOUNT_TOKEN)) {
    kc.loadFromCluster();
    return { kubeConfig: kc, via: 'in-cluster' };
  }
  if (config.inCluster === true) return undefined;
  const files = env.KUBECONFIG ? env.KUBECONFIG.split(delimiter).filter(Boolean) : [join(env.HOME ?? homedir(), '.kube', 'config')];
  const file = files.find(exists);
  if (!file) return undefined;
  kc.loadFromFile(file);
  return { kubeConfig: kc, via: 'kubeconfig' };
}
