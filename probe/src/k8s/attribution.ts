// Sensor attribution: container id → namespace/pod/container/labels/owner, from a pod informer
// limited to this node (fieldSelector spec.nodeName=<node>), so each sensor holds only its own
// node's pods. Lookups are a map read: the event path never waits on the API.
import { CoreV1Api, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { ResourceInformer } from '../../../lib/kube-informer.js';
import { z } from 'zod';
import { logger } from '../../../lib/log.js';
import type { KubernetesInfo } from '../../../schema/event.js';
import { stripRuntimeScheme } from './cgroup.js';

const log = logger('k8s-attribution');

export const AttributionConfig = z.object({
  /** This node's name (the DaemonSet sets NODE_NAME from spec.nodeName). */
  nodeName: z.string().min(1),
  retryInitialMs: z.coerce.number().int().min(1).default(1000),
  retryMaxMs: z.coerce.number().int().min(1).default(60_000),
});
export type AttributionConfig = z.infer<typeof AttributionConfig>;

/** Every container of the pod (init and ephemeral too) keyed by its bare id. */
export function podContainers(pod: V1Pod): Map<string, KubernetesInfo> {
  const out = new Map<string, KubernetesInfo>();
  const owner = ownerOf(pod);
  const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? []), ...(pod.status?.ephemeralContainerStatuses ?? [])];
  for (const s of statuses) {
    if (!s.containerID) continue;
    const info: KubernetesInfo = { container: s.name };
    if (pod.metadata?.namespace) info.namespace = pod.metadata.namespace;
    if (pod.metadata?.name) info.pod = pod.metadata.name;
    if (pod.metadata?.labels && Object.keys(pod.metadata.labels).length) info.labels = { ...pod.metadata.labels };
    if (owner) Object.assign(info, { owner_kind: owner.kind, owner_name: owner.name });
    out.set(stripRuntimeScheme(s.containerID), info);
  }
  return out;
}

/** The pod's controller; a ReplicaSet named <deployment>-<pod-template-hash> is its Deployment. */
export function ownerOf(pod: V1Pod): { kind: string; name: string } | undefined {
  const ref = pod.metadata?.ownerReferences?.find((r) => r.controller) ?? pod.metadata?.ownerReferences?.[0];
  if (!ref) return undefined;
  const hash = pod.metadata?.labels?.['pod-template-hash'];
  if (ref.kind === 'ReplicaSet' && hash && ref.name.endsWith(`-${hash}`)) return { kind: 'Deployment', name: ref.name.slice(0, -hash.length - 1) };
  return { kind: ref.kind, name: ref.name };
}

export class PodAttributor {
  private readonly byContainer = new Map<string, KubernetesInfo>();
  private readonly byPod = new Map<string, string[]>();
  private readonly informer: ResourceInformer<V1Pod>;
  private indexErrors = 0;
  /** Resolves after the first successful list. */
  readonly synced: Promise<void>;

  constructor(kubeConfig: KubeConfig, config: AttributionConfig) {
    const core = kubeConfig.makeApiClient(CoreV1Api);
    const fieldSelector = `spec.nodeName=${config.nodeName}`;
    this.informer = new ResourceInformer<V1Pod>({
      kubeConfig,
      name: 'pods(attribution)',
      path: '/api/v1/pods',
      list: () => core.listPodForAllNamespaces({ fieldSelector }),
      fieldSelector,
      retry: { initialMs: config.retryInitialMs, maxMs: config.retryMaxMs },
      log,
    });
    this.synced = this.informer.synced;
    this.informer.on('add', (p) => this.index(p));
    this.informer.on('update', (p) => this.index(p));
    this.informer.on('delete', (p) => this.unindex(p));
  }

  /** Kubernetes fields for a container id (bare or "containerd://…"), or undefined if unknown. */
  attribute(containerId: string): KubernetesInfo | undefined {
    return this.byContainer.get(stripRuntimeScheme(containerId));
  }

  start(): void {
    this.informer.start();
  }

  async stop(): Promise<void> {
    await this.informer.stop();
  }

  stats(): { pods: number; containers: number; errors: number } {
    return { pods: this.byPod.size, containers: this.byContainer.size, errors: this.informer.stats().errors + this.indexErrors };
  }

  private index(pod: V1Pod): void {
    this.unindex(pod);
    const uid = pod.metadata?.uid ?? `${pod.metadata?.namespace}/${pod.metadata?.name}`;
    let containers: Map<string, KubernetesInfo>;
    try {
      containers = podContainers(pod);
    } catch (err) {
      // A malformed pod must not stop the informer (client-node would swallow or reject it).
      this.indexErrors++;
      log.error({ pod: pod.metadata?.name, namespace: pod.metadata?.namespace, err: (err as Error).message }, 'cannot index pod for attribution');
      return;
    }
    for (const [id, info] of containers) this.byContainer.set(id, info);
    this.byPod.set(uid, [...containers.keys()]);
  }

  private unindex(pod: V1Pod): void {
    const uid = pod.metadata?.uid ?? `${pod.metadata?.namespace}/${pod.metadata?.name}`;
    for (const id of this.byPod.get(uid) ?? []) this.byContainer.delete(id);
    this.byPod.delete(uid);
  }
}
