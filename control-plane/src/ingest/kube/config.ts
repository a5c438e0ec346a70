// The `kubernetes` config section (LogJedi's operator settings and Kube Sentinel's
// `kubernetes.in_cluster`, in this project's camelCase), validated once at the edge.
import { z } from 'zod';

/** "a, b" (an env var) or a YAML list → trimmed, non-empty names. */
export const namespaceList = z
  .union([z.string().transform((s) => s.split(',')), z.array(z.string())])
  .transform((names) => [...new Set(names.map((n) => n.trim()).filter(Boolean))]);

export const KubeSection = z.object({
  /** false turns the Kubernetes source off even when the cluster is reachable. */
  enabled: z.coerce.boolean().default(true),
  /** true: only the in-cluster service account; false: never it; unset: in-cluster, else kubeconfig. */
  inCluster: z.boolean().optional(),
  /** A kubeconfig file; unset means $KUBECONFIG or ~/.kube/config. */
  kubeconfig: z.string().min(1).optional(),
  /** Name put in Signal.resource.cluster. */
  cluster: z.string().min(1).optional(),
  /** WATCH_NAMESPACES: only these (empty = all). */
  watchNamespaces: namespaceList.default([]),
  /** EXCLUDE_NAMESPACES: never these. */
  excludeNamespaces: namespaceList.default([]),
  /** LOG_TAIL_LINES: current and previous container log lines gathered per signal. */
  logTailLines: z.coerce.number().int().min(0).max(10_000).default(100),
  /** Recent events of the object kept in a signal. */
  maxEvents: z.coerce.number().int().min(0).max(1000).default(25),
  /** Signals waiting for their context; beyond this they go out without it (counted). */
  contextQueue: z.coerce.number().int().min(1).max(100_000).default(512),
  /** Restart backoff after an API error: doubles from initial to max. */
  retryInitialMs: z.coerce.number().int().min(1).default(1000),
  retryMaxMs: z.coerce.number().int().min(1).default(60_000),
});

export type KubeSection = z.infer<typeof KubeSection>;
export type KubeSectionInput = z.input<typeof KubeSection>;

/** Environment variables the lead's applyEnv maps onto `kubernetes.*` (LogJedi's names). */
export const KUBE_ENV: ReadonlyArray<readonly [string, keyof KubeSection]> = [
  ['WATCH_NAMESPACES', 'watchNamespaces'],
  ['EXCLUDE_NAMESPACES', 'excludeNamespaces'],
  ['LOG_TAIL_LINES', 'logTailLines'],
  ['CLUSTER_NAME', 'cluster'],
];

/** Whether a namespace is in scope. Cluster-scoped objects (nodes) always are. */
export function namespaceInScope(config: Pick<KubeSection, 'watchNamespaces' | 'excludeNamespaces'>, namespace: string | undefined): boolean {
  if (namespace === undefined || namespace === '') return true;
  if (config.excludeNamespaces.includes(namespace)) return false;
  return config.watchNamespaces.length === 0 || config.watchNamespaces.includes(namespace);
}
