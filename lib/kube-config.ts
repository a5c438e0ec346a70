// Loads the KubeConfig that lib/kube-access.ts found.
import { KubeConfig } from '@kubernetes/client-node';
import { findKubeAccess, type KubeAccessConfig } from './kube-access.js';

export type KubeAccess = { kubeConfig: KubeConfig; via: 'in-cluster' | 'kubeconfig' };

export function resolveKubeAccess(
  config: KubeAccessConfig,
  env: NodeJS.ProcessEnv = process.env,
  exists?: (path: string) => boolean,
): KubeAccess | undefined {
  const plan = findKubeAccess(config, env, exists);
  if (!plan) return undefined;
  const kc = new KubeConfig();
  if (plan.via === 'in-cluster') kc.loadFromCluster();
  else kc.loadFromFile(plan.file);
  return { kubeConfig: kc, via: plan.via };
}
