// A tracker transition on one Kubernetes object → one Signal. Pure: the id is derived from the
// object's uid and the condition's own timestamps, so a replay or a control-plane restart
// that relists the same state yields the same id.
import { Signal, type SignalInput } from '../../signal.js';
import { stableId } from '../ids.js';
import type { Transition } from './tracker.js';

export type WatchedKind = 'Pod' | 'Deployment' | 'Job' | 'Node';

export type TargetInfo = {
  kind: WatchedKind;
  uid: string;
  name: string;
  namespace?: string;
  node?: string;
  cluster?: string;
  workload?: { kind: string; name: string };
  labels?: Record<string, string>;
};

export type GatheredContext = { evidence: string[]; attributes: Record<string, unknown> };

const ADAPTER: Record<WatchedKind, string> = { Pod: 'pod-watch', Deployment: 'deployment-watch', Job: 'job-watch', Node: 'node-watch' };

export function transitionToSignal(target: TargetInfo, t: Transition, now: Date, context?: GatheredContext): Signal {
  const f = t.finding;
  const where = target.namespace ? `${target.namespace}/${target.name}` : target.name;
  const input: SignalInput = {
    id: stableId('k8s', target.uid, f.reason, f.container ?? '', f.occurrence ?? '', f.since ?? '', t.status),
    source: 'kubernetes',
    adapter: ADAPTER[target.kind],
    kind: 'k8s',
    reason: f.reason,
    time: t.status === 'firing' && f.since ? new Date(f.since).toISOString() : now.toISOString(),
    status: t.status,
    severity: t.status === 'resolved' ? 'info' : f.severity,
    title: `${f.reason}: ${target.kind} ${where}${f.container ? ` container ${f.container}` : ''}${t.status === 'resolved' ? ' (cleared)' : ''}`,
    message: f.message,
    sourceFingerprint: `k8s/${target.uid}/${f.reason}/${f.container ?? ''}`,
    resource: resourceOf(target, f.container),
    labels: target.labels ?? {},
    evidence: context?.evidence ?? [],
    attributes: { objectKind: target.kind, uid: target.uid, ...f.attributes, ...context?.attributes },
  };
  return Signal.parse(input);
}

function resourceOf(target: TargetInfo, container: string | undefined): SignalInput['resource'] {
  const r: NonNullable<SignalInput['resource']> = {};
  if (target.cluster) r.cluster = target.cluster;
  if (target.namespace) r.namespace = target.namespace;
  if (target.kind === 'Node') r.node = target.name;
  else if (target.node) r.node = target.node;
  if (target.kind === 'Pod') r.pod = target.name;
  if (container) r.container = container;
  const workload = target.workload ?? (target.kind === 'Deployment' || target.kind === 'Job' ? { kind: target.kind, name: target.name } : undefined);
  if (workload) r.workload = workload;
  return r;
}
