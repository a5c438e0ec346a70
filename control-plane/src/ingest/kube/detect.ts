// Pure failure detectors: one small function per failure class, each reading one object (and,
// for scheduling, the pod's FailedScheduling events) and returning what it finds. No I/O; the
// source calls them on every informer change and the tracker turns them into fire/resolve.
import type { CoreV1Event, V1ContainerStatus, V1Deployment, V1Job, V1Node, V1Pod } from '@kubernetes/client-node';
import type { Severity } from '../../signal.js';
import { toIso as isoOf } from '../values.js';

export const FAILURE_CLASSES = [
  'CrashLoopBackOff',
  'ImagePullBackOff',
  'OOMKilled',
  'CreateContainerConfigError',
  'RunContainerError',
  'Unschedulable',
  'Evicted',
  'BackoffLimitExceeded',
  'DeadlineExceeded',
  'ProgressDeadlineExceeded',
  'NodeNotReady',
  'MemoryPressure',
  'DiskPressure',
  'PIDPressure',
] as const;
export type FailureClass = (typeof FAILURE_CLASSES)[number];

export type Finding = {
  reason: FailureClass;
  severity: Severity;
  message: string;
  container?: string;
  /** When the condition began (ISO), if the object says. */
  since?: string;
  /** Changes when the same class happens again (a new OOM kill): the tracker fires anew. */
  occurrence?: string;
  attributes: Record<string, unknown>;
};

/** Timestamps are Date after the client's deserializer (lists) but strings in watch events. */
export function toIso(v: unknown): string | undefined {
  return isoOf(v instanceof Date ? v.getTime() : v);
}

function allContainerStatuses(pod: V1Pod): { status: V1ContainerStatus; init: boolean }[] {
  return [
    ...(pod.status?.initContainerStatuses ?? []).map((status) => ({ status, init: true })),
    ...(pod.status?.containerStatuses ?? []).map((status) => ({ status, init: false })),
  ];
}

function waitingFinding(pod: V1Pod, reasons: readonly string[], cls: FailureClass, severity: Severity): Finding[] {
  const found: Finding[] = [];
  for (const { status, init } of allContainerStatuses(pod)) {
    const waiting = status.state?.waiting;
    if (!waiting?.reason || !reasons.includes(waiting.reason)) continue;
    const last = status.lastState?.terminated;
    const attributes: Record<string, unknown> = { waitingReason: waiting.reason, restartCount: status.restartCount, image: status.image };
    if (init) attributes.initContainer = true;
    if (last) Object.assign(attributes, { lastExitCode: last.exitCode, lastTerminationReason: last.reason, lastFinishedAt: toIso(last.finishedAt) });
    const f: Finding = { reason: cls, severity, container: status.name, message: waiting.message ?? waiting.reason, attributes };
    const since = toIso(last?.finishedAt);
    if (since) f.since = since;
    found.push(f);
  }
  return found;
}

export const detectCrashLoopBackOff = (pod: V1Pod): Finding[] => waitingFinding(pod, ['CrashLoopBackOff'], 'CrashLoopBackOff', 'error');

/** ErrImagePull and ImagePullBackOff alternate for one bad image: one class, so it doesn't flap. */
export const detectImagePullBackOff = (pod: V1Pod): Finding[] =>
  waitingFinding(pod, ['ImagePullBackOff', 'ErrImagePull', 'InvalidImageName'], 'ImagePullBackOff', 'error');

export const detectCreateContainerConfigError = (pod: V1Pod): Finding[] =>
  waitingFinding(pod, ['CreateContainerConfigError'], 'CreateContainerConfigError', 'error');

export const detectRunContainerError = (pod: V1Pod): Finding[] =>
  waitingFinding(pod, ['RunContainerError', 'CreateContainerError'], 'RunContainerError', 'error');

/** The kubelet records an OOM kill as terminated.reason OOMKilled, in state or lastState. */
export function detectOOMKilled(pod: V1Pod): Finding[] {
  const found: Finding[] = [];
  for (const { status } of allContainerStatuses(pod)) {
    const t = [status.state?.terminated, status.lastState?.terminated].find((x) => x?.reason === 'OOMKilled');
    if (!t) continue;
    const finishedAt = toIso(t.finishedAt);
    const f: Finding = {
      reason: 'OOMKilled',
      severity: 'error',
      container: status.name,
      message: `container ${status.name} was OOM-killed (exit code ${t.exitCode})`,
      occurrence: finishedAt ?? `restart-${status.restartCount}`,
      attributes: { exitCode: t.exitCode, restartCount: status.restartCount, startedAt: toIso(t.startedAt), finishedAt, image: status.image },
    };
    if (finishedAt) f.since = finishedAt;
    const limit = pod.spec?.containers?.find((c) => c.name === status.name)?.resources?.limits?.memory;
    if (limit) f.attributes.memoryLimit = limit;
    found.push(f);
  }
  return found;
}

/** Pending and not schedulable: the reason comes from the PodScheduled condition or, failing
 * that, the newest FailedScheduling event for this pod. */
export function detectUnschedulable(pod: V1Pod, events: readonly CoreV1Event[] = []): Finding[] {
  if (pod.status?.phase !== 'Pending' || pod.spec?.nodeName) return [];
  const cond = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
  const failedScheduling = events
    .filter((e) => e.reason === 'FailedScheduling' && (!pod.metadata?.uid || !e.involvedObject.uid || e.involvedObject.uid === pod.metadata.uid))
    .sort((a, b) => (eventTime(a) ?? '').localeCompare(eventTime(b) ?? ''))
    .at(-1);
  const unschedulable = cond?.status === 'False' && cond.reason === 'Unschedulable';
  if (!unschedulable && !failedScheduling) return [];
  const message = (unschedulable && cond?.message) || failedScheduling?.message || 'pod is unschedulable';
  const f: Finding = { reason: 'Unschedulable', severity: 'warning', message, attributes: { phase: 'Pending' } };
  const since = toIso(cond?.lastTransitionTime) ?? (failedScheduling ? eventTime(failedScheduling) : undefined);
  if (since) f.since = since;
  return [f];
}

export function detectEvicted(pod: V1Pod): Finding[] {
  if (pod.status?.phase !== 'Failed' || pod.status.reason !== 'Evicted') return [];
  return [{ reason: 'Evicted', severity: 'warning', message: pod.status.message ?? 'pod was evicted', attributes: { phase: 'Failed' } }];
}

export function detectJobFailure(job: V1Job): Finding[] {
  const failed = job.status?.conditions?.find((c) => c.type === 'Failed' && c.status === 'True');
  if (failed?.reason !== 'BackoffLimitExceeded' && failed?.reason !== 'DeadlineExceeded') return [];
  const f: Finding = {
    reason: failed.reason,
    severity: 'error',
    message: failed.message ?? failed.reason,
    attributes: { failed: job.status?.failed ?? 0, backoffLimit: job.spec?.backoffLimit, activeDeadlineSeconds: job.spec?.activeDeadlineSeconds },
  };
  const since = toIso(failed.lastTransitionTime);
  if (since) f.since = since;
  return [f];
}

export function detectProgressDeadlineExceeded(deployment: V1Deployment): Finding[] {
  const c = deployment.status?.conditions?.find((x) => x.type === 'Progressing');
  if (c?.status !== 'False' || c.reason !== 'ProgressDeadlineExceeded') return [];
  const f: Finding = {
    reason: 'ProgressDeadlineExceeded',
    severity: 'error',
    message: c.message ?? 'deployment exceeded its progress deadline',
    attributes: {
      replicas: deployment.spec?.replicas,
      updatedReplicas: deployment.status?.updatedReplicas ?? 0,
      availableReplicas: deployment.status?.availableReplicas ?? 0,
      unavailableReplicas: deployment.status?.unavailableReplicas ?? 0,
    },
  };
  const since = toIso(c.lastTransitionTime);
  if (since) f.since = since;
  return [f];
}

export function detectNodeNotReady(node: V1Node): Finding[] {
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
  if (!ready || ready.status === 'True') return [];
  const f: Finding = {
    reason: 'NodeNotReady',
    severity: 'critical',
    message: ready.message ?? `node Ready condition is ${ready.status}`,
    attributes: { readyStatus: ready.status, conditionReason: ready.reason },
  };
  const since = toIso(ready.lastTransitionTime);
  if (since) f.since = since;
  return [f];
}

const PRESSURES = ['MemoryPressure', 'DiskPressure', 'PIDPressure'] as const;

export function detectNodePressure(node: V1Node): Finding[] {
  return (node.status?.conditions ?? [])
    .filter((c): c is typeof c & { type: (typeof PRESSURES)[number] } => (PRESSURES as readonly string[]).includes(c.type) && c.status === 'True')
    .map((c) => {
      const f: Finding = { reason: c.type, severity: 'warning', message: c.message ?? c.type, attributes: { conditionReason: c.reason } };
      const since = toIso(c.lastTransitionTime);
      if (since) f.since = since;
      return f;
    });
}

export function detectPodFailures(pod: V1Pod, events: readonly CoreV1Event[] = []): Finding[] {
  return [
    ...detectCrashLoopBackOff(pod),
    ...detectImagePullBackOff(pod),
    ...detectOOMKilled(pod),
    ...detectCreateContainerConfigError(pod),
    ...detectRunContainerError(pod),
    ...detectUnschedulable(pod, events),
    ...detectEvicted(pod),
  ];
}

export const detectNodeFailures = (node: V1Node): Finding[] => [...detectNodeNotReady(node), ...detectNodePressure(node)];

export function eventTime(e: CoreV1Event): string | undefined {
  return toIso(e.lastTimestamp) ?? toIso(e.eventTime) ?? toIso(e.firstTimestamp) ?? toIso(e.metadata?.creationTimestamp);
}

/** Dispatches on `kind`: what the source and the conformance tests call on any object. */
export function detectFailures(obj: { kind?: string }, events: readonly CoreV1Event[] = []): Finding[] {
  switch (obj.kind) {
    case 'Pod':
      return detectPodFailures(obj as V1Pod, events);
    case 'Job':
      return detectJobFailure(obj as V1Job);
    case 'Deployment':
      return detectProgressDeadlineExceeded(obj as V1Deployment);
    case 'Node':
      return detectNodeFailures(obj as V1Node);
    default:
      return [];
  }
}
