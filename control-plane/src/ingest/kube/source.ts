// The Kubernetes source: informers on Pods, ReplicaSets, Deployments, Jobs, Events and Nodes;
// each change runs the pure detectors, the tracker turns findings into fire/resolve, and each
// firing signal gets its context (events, logs, owner chain, rollout history) before it goes to
// the sink. Without Kubernetes access it is a disabled source that says so once.
import {
  AppsV1Api,
  BatchV1Api,
  CoreV1Api,
  type CoreV1Event,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  type V1Deployment,
  type V1Job,
  type V1Node,
  type V1Pod,
  type V1ReplicaSet,
} from '@kubernetes/client-node';
import { logger } from '../../../../lib/log.js';
import type { Signal } from '../../signal.js';
import type { SignalSink } from '../sink.js';
import { resolveKubeAccess } from '../../../../lib/kube-config.js';
import { namespaceInScope, type KubeSection } from './config.js';
import { ContextGatherer, evidenceLines, type ContainerLogs, type EventSummary } from './context.js';
import { detectJobFailure, detectNodeFailures, detectPodFailures, detectProgressDeadlineExceeded, toIso, type Finding } from './detect.js';
import { ResourceInformer, type InformerStats } from '../../../../lib/kube-informer.js';
import { ownerChain, rolloutHistory, workloadOf, type OwnerRef } from './owners.js';
import { transitionToSignal, type GatheredContext, type TargetInfo, type WatchedKind } from './to-signal.js';
import { FindingTracker, type Transition } from './tracker.js';

const log = logger('kube-source');

export type KubeSourceStats = {
  enabled: boolean;
  informers: InformerStats[];
  activeFindings: number;
  emitted: number;
  queued: number;
  /** Signals sent without context because the context queue was full. */
  contextSkipped: number;
  /** Objects whose evaluation threw (logged each time). */
  handlerErrors: number;
};

export interface KubeSource {
  readonly enabled: boolean;
  start(): Promise<void>;
  stop(): Promise<void>;
  stats(): KubeSourceStats;
  /** Resolves when every informer has listed once. */
  synced(): Promise<void>;
  /** Resolves when no signal is waiting for its context (tests, shutdown). */
  idle(): Promise<void>;
}

export type KubeSourceDeps = {
  sink: SignalSink;
  /** Given in tests; otherwise found from the config and the environment. */
  kubeConfig?: KubeConfig;
  env?: NodeJS.ProcessEnv;
  now?: () => Date;
};

export function createKubeSource(config: KubeSection, deps: KubeSourceDeps): KubeSource {
  if (!config.enabled) {
    log.info('Kubernetes source disabled by configuration');
    return disabledSource();
  }
  let kubeConfig = deps.kubeConfig;
  if (!kubeConfig) {
    try {
      kubeConfig = resolveKubeAccess(config, deps.env)?.kubeConfig;
    } catch (err) {
      log.error({ err: (err as Error).message }, 'cannot load Kubernetes configuration: Kubernetes source and remediation off');
      return disabledSource();
    }
  }
  if (!kubeConfig) {
    log.info('no in-cluster config and no kubeconfig: Kubernetes source and remediation off');
    return disabledSource();
  }
  return new LiveKubeSource(config, kubeConfig, deps);
}

function disabledSource(): KubeSource {
  return {
    enabled: false,
    start: async () => {},
    stop: async () => {},
    stats: () => ({ enabled: false, informers: [], activeFindings: 0, emitted: 0, queued: 0, contextSkipped: 0, handlerErrors: 0 }),
    synced: async () => {},
    idle: async () => {},
  };
}

/** One informer per watched namespace (or one cluster-wide), read as one cache. */
class ScopedInformers<T extends KubernetesObject> {
  readonly all: ResourceInformer<T>[];
  private readonly byNamespace = new Map<string, ResourceInformer<T>>();

  constructor(make: (namespace: string | undefined) => ResourceInformer<T>, namespaces: readonly string[]) {
    if (namespaces.length === 0) this.all = [make(undefined)];
    else {
      this.all = namespaces.map((ns) => {
        const inf = make(ns);
        this.byNamespace.set(ns, inf);
        return inf;
      });
    }
  }

  get(name: string, namespace?: string): T | undefined {
    const inf = namespace !== undefined ? (this.byNamespace.get(namespace) ?? (this.byNamespace.size ? undefined : this.all[0])) : this.all[0];
    return inf?.get(name, namespace);
  }

  list(namespace?: string): T[] {
    return this.all.flatMap((i) => [...i.list(namespace)]);
  }

  on(verb: 'add' | 'update' | 'delete', cb: (obj: T) => void): void {
    for (const i of this.all) i.on(verb, cb);
  }
}

type Pending = { target: TargetInfo; transition: Transition; object: KubernetesObject };

class LiveKubeSource implements KubeSource {
  readonly enabled = true;
  private readonly tracker = new FindingTracker();
  private readonly gatherer: ContextGatherer;
  private readonly pods: ScopedInformers<V1Pod>;
  private readonly replicaSets: ScopedInformers<V1ReplicaSet>;
  private readonly deployments: ScopedInformers<V1Deployment>;
  private readonly jobs: ScopedInformers<V1Job>;
  private readonly events: ScopedInformers<CoreV1Event>;
  private readonly nodes: ResourceInformer<V1Node>;
  private readonly queue: Pending[] = [];
  private draining: Promise<void> | undefined;
  private emitted = 0;
  private contextSkipped = 0;
  private handlerErrors = 0;
  private readonly now: () => Date;

  constructor(
    private readonly config: KubeSection,
    kubeConfig: KubeConfig,
    private readonly deps: KubeSourceDeps,
  ) {
    this.now = deps.now ?? (() => new Date());
    const core = kubeConfig.makeApiClient(CoreV1Api);
    const apps = kubeConfig.makeApiClient(AppsV1Api);
    const batch = kubeConfig.makeApiClient(BatchV1Api);
    this.gatherer = new ContextGatherer(core, config);
    const retry = { initialMs: config.retryInitialMs, maxMs: config.retryMaxMs };
    const scoped = <T extends KubernetesObject>(
      resource: string,
      prefix: string,
      listAll: () => Promise<KubernetesListObject<T>>,
      listIn: (namespace: string) => Promise<KubernetesListObject<T>>,
    ) =>
      new ScopedInformers<T>(
        (ns) =>
          new ResourceInformer<T>({
            kubeConfig,
            name: ns === undefined ? resource : `${resource}(${ns})`,
            path: ns === undefined ? `${prefix}/${resource}` : `${prefix}/namespaces/${ns}/${resource}`,
            list: ns === undefined ? listAll : () => listIn(ns),
            retry,
            log,
          }),
        config.watchNamespaces,
      );
    this.pods = scoped('pods', '/api/v1', () => core.listPodForAllNamespaces(), (namespace) => core.listNamespacedPod({ namespace }));
    this.events = scoped('events', '/api/v1', () => core.listEventForAllNamespaces(), (namespace) => core.listNamespacedEvent({ namespace }));
    this.replicaSets = scoped('replicasets', '/apis/apps/v1', () => apps.listReplicaSetForAllNamespaces(), (namespace) => apps.listNamespacedReplicaSet({ namespace }));
    this.deployments = scoped('deployments', '/apis/apps/v1', () => apps.listDeploymentForAllNamespaces(), (namespace) => apps.listNamespacedDeployment({ namespace }));
    this.jobs = scoped('jobs', '/apis/batch/v1', () => batch.listJobForAllNamespaces(), (namespace) => batch.listNamespacedJob({ namespace }));
    this.nodes = new ResourceInformer<V1Node>({ kubeConfig, name: 'nodes', path: '/api/v1/nodes', list: () => core.listNode(), retry, log });
    this.wire();
  }

  private wire(): void {
    const watch = <T extends KubernetesObject>(
      informers: { on(verb: 'add' | 'update' | 'delete', cb: (o: T) => void): void },
      kind: WatchedKind,
      detect: (o: T) => Finding[],
    ) => {
      // client-node calls these inside its list and watch paths, where a throw is either swallowed
      // (watch) or an unhandled rejection (list): catch it here, say so, and go on.
      const guarded = (o: T, findings: () => Finding[]) => {
        try {
          this.evaluate(kind, o, findings());
        } catch (err) {
          this.handlerErrors++;
          log.error({ kind, name: o.metadata?.name, namespace: o.metadata?.namespace, err: (err as Error).message }, 'failed to evaluate a Kubernetes object');
        }
      };
      informers.on('add', (o) => guarded(o, () => detect(o)));
      informers.on('update', (o) => guarded(o, () => detect(o)));
      informers.on('delete', (o) => guarded(o, () => []));
      return (o: T) => guarded(o, () => detect(o));
    };
    const podHandler = watch(this.pods, 'Pod', (p) => detectPodFailures(p, this.schedulingEvents(p)));
    watch(this.deployments, 'Deployment', detectProgressDeadlineExceeded);
    watch(this.jobs, 'Job', detectJobFailure);
    watch(this.nodes, 'Node', detectNodeFailures);
    // A FailedScheduling event can be the only sign of an unschedulable pod: look at it again.
    const onEvent = (e: CoreV1Event) => {
      if (e.reason !== 'FailedScheduling' || e.involvedObject?.kind !== 'Pod' || !e.involvedObject.name) return;
      const pod = this.pods.get(e.involvedObject.name, e.involvedObject.namespace);
      if (pod) podHandler(pod);
    };
    this.events.on('add', onEvent);
    this.events.on('update', onEvent);
  }

  private informers(): ResourceInformer<KubernetesObject>[] {
    return [...this.replicaSets.all, ...this.events.all, ...this.pods.all, ...this.deployments.all, ...this.jobs.all, this.nodes] as ResourceInformer<KubernetesObject>[];
  }

  async start(): Promise<void> {
    log.info({ watchNamespaces: this.config.watchNamespaces, excludeNamespaces: this.config.excludeNamespaces }, 'Kubernetes source starting');
    // Caches used for context (ReplicaSets, Events) start first so the first pod findings see them.
    for (const i of this.informers()) i.start();
  }

  async stop(): Promise<void> {
    await Promise.all(this.informers().map((i) => i.stop()));
    await this.idle();
  }

  async synced(): Promise<void> {
    await Promise.all(this.informers().map((i) => i.synced));
  }

  async idle(): Promise<void> {
    while (this.draining) await this.draining;
  }

  stats(): KubeSourceStats {
    return {
      enabled: true,
      informers: this.informers().map((i) => i.stats()),
      activeFindings: this.tracker.activeCount(),
      emitted: this.emitted,
      queued: this.queue.length,
      contextSkipped: this.contextSkipped,
      handlerErrors: this.handlerErrors,
    };
  }

  private schedulingEvents(pod: V1Pod): CoreV1Event[] {
    const ns = pod.metadata?.namespace;
    return this.events
      .list(ns)
      .filter((e) => e.reason === 'FailedScheduling' && e.involvedObject.kind === 'Pod' && e.involvedObject.name === pod.metadata?.name);
  }

  private evaluate(kind: WatchedKind, obj: KubernetesObject, findings: Finding[]): void {
    const meta = obj.metadata;
    if (!meta?.uid || !meta.name) return;
    if (!namespaceInScope(this.config, meta.namespace)) return;
    const transitions = this.tracker.update(meta.uid, findings);
    if (transitions.length === 0) return;
    const target = this.targetOf(kind, obj);
    for (const transition of transitions) this.enqueue({ target, transition, object: obj });
  }

  private targetOf(kind: WatchedKind, obj: KubernetesObject): TargetInfo {
    const meta = obj.metadata!;
    const target: TargetInfo = { kind, uid: meta.uid!, name: meta.name! };
    if (meta.namespace) target.namespace = meta.namespace;
    if (this.config.cluster) target.cluster = this.config.cluster;
    if (meta.labels && Object.keys(meta.labels).length) target.labels = { ...meta.labels };
    if (kind === 'Pod') {
      const node = (obj as V1Pod).spec?.nodeName;
      if (node) target.node = node;
    }
    const workload = workloadOf(this.ownerChainOf(obj));
    if (workload) target.workload = workload;
    return target;
  }

  private ownerChainOf(obj: KubernetesObject): OwnerRef[] {
    return ownerChain(obj.metadata, (kind, ns, name) => {
      if (kind === 'ReplicaSet') return this.replicaSets.get(name, ns);
      if (kind === 'Deployment') return this.deployments.get(name, ns);
      if (kind === 'Job') return this.jobs.get(name, ns);
      return undefined;
    });
  }

  private enqueue(p: Pending): void {
    // Resolutions carry no context, and a full queue means we send without it rather than lose
    // or delay the signal; both still go through the queue so a resolve never overtakes its fire.
    if (p.transition.status === 'firing' && this.queue.length >= this.config.contextQueue) {
      this.contextSkipped++;
      log.warn({ queued: this.queue.length, reason: p.transition.finding.reason }, 'context queue full: signal sent without context');
      this.send(transitionToSignal(p.target, p.transition, this.now()));
      return;
    }
    this.queue.push(p);
    this.draining ??= this.drain().finally(() => (this.draining = undefined));
  }

  private async drain(): Promise<void> {
    for (let p = this.queue.shift(); p; p = this.queue.shift()) {
      const context = p.transition.status === 'firing' ? await this.gather(p) : undefined;
      this.send(transitionToSignal(p.target, p.transition, this.now(), context));
    }
  }

  private send(signal: Signal): void {
    try {
      this.deps.sink.accept([signal]);
      this.emitted++;
    } catch (err) {
      log.error({ err: (err as Error).message, signal: signal.id }, 'signal sink refused a Kubernetes signal');
    }
  }

  private async gather({ target, transition, object }: Pending): Promise<GatheredContext> {
    const ref = { kind: target.kind, name: target.name, uid: target.uid, ...(target.namespace ? { namespace: target.namespace } : {}) };
    const { events, error } = await this.gatherer.events(ref);
    const logs: ContainerLogs[] = [];
    const chain = this.ownerChainOf(object);
    const attributes: Record<string, unknown> = { events, ownerChain: chain };
    const errors: string[] = error ? [error] : [];

    const container = transition.finding.container;
    if (target.kind === 'Pod' && container && target.namespace) {
      logs.push(await this.gatherer.logs(target.namespace, target.name, container, restartCount(object as V1Pod, container) > 0));
    }
    if (target.kind === 'Job' && target.namespace) {
      const pod = this.newestPodOf(target.uid, target.namespace);
      const first = pod?.spec?.containers?.[0]?.name;
      if (pod?.metadata?.name && first) {
        attributes.pod = pod.metadata.name;
        logs.push(await this.gatherer.logs(target.namespace, pod.metadata.name, first, false));
      }
    }
    const deployment = this.deploymentOf(target, chain);
    if (deployment) attributes.rollout = rolloutHistory(deployment.metadata?.uid, this.replicaSets.list(target.namespace));
    if (logs.length) attributes.logs = logs;
    for (const l of logs) errors.push(...(l.errors ?? []));
    if (errors.length) attributes.contextErrors = errors;
    return { evidence: evidenceLines(events as EventSummary[], logs), attributes };
  }

  private deploymentOf(target: TargetInfo, chain: readonly OwnerRef[]): V1Deployment | undefined {
    if (target.kind === 'Deployment') return this.deployments.get(target.name, target.namespace);
    const ref = chain.find((o) => o.kind === 'Deployment');
    return ref ? this.deployments.get(ref.name, target.namespace) : undefined;
  }

  private newestPodOf(ownerUid: string, namespace: string): V1Pod | undefined {
    return this.pods
      .list(namespace)
      .filter((p) => p.metadata?.ownerReferences?.some((r) => r.uid === ownerUid))
      .sort((a, b) => (toIso(a.metadata?.creationTimestamp) ?? '').localeCompare(toIso(b.metadata?.creationTimestamp) ?? ''))
      .at(-1);
  }
}

function restartCount(pod: V1Pod, container: string): number {
  const all = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  return all.find((s) => s.name === container)?.restartCount ?? 0;
}
