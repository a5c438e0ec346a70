// Incident fingerprint: cluster, namespace, owning workload, container, failure class (+ detail).
// The workload's kind is left out on purpose: one source names it, another derives it from the
// pod name, and both must land on the same incident.
import { createHash } from 'node:crypto';
import type { Signal } from '../signal.js';
import type { FailureClass } from './failure-class.js';
import { aiCallFacts } from './ai-call.js';
import type { IncidentKey } from './types.js';
import { workloadOf } from './workload.js';

export function incidentKey(signal: Signal, failureClass: FailureClass): IncidentKey {
  const r = signal.resource;
  let detail = '';
  if (failureClass === 'alert') detail = signal.reason ?? signal.title;
  else if (failureClass.startsWith('ai-')) detail = aiCallFacts(signal).provider ?? '';
  else if (failureClass === 'node') detail = r.node ?? '';
  return {
    cluster: r.cluster ?? '',
    namespace: r.namespace ?? '',
    workload: workloadOf(r)?.name ?? '',
    container: r.container ?? '',
    failureClass,
    detail,
  };
}

export function fingerprintOf(key: IncidentKey): string {
  const parts = [key.cluster, key.namespace, key.workload, key.container, key.failureClass, key.detail];
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 20);
}

/** Key of a workload across failure classes, for joining AI calls to its open incident. */
export function workloadKeyOf(key: Pick<IncidentKey, 'cluster' | 'namespace' | 'workload'>): string {
  return JSON.stringify([key.cluster, key.namespace, key.workload]);
}
