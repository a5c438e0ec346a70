// An incident as analysis input: its timeline's signals, Kubernetes events, evidence lines,
// and the newest status/spec a signal carried.
import type { Incident } from '../correlate/types.js';
import type { AnalysisInput } from './input.js';

export function inputFromIncident(i: Incident): AnalysisInput {
  const signals = i.timeline;
  const events = signals.filter((s) => s.source === 'kubernetes').map((s) => `${s.severity === 'info' ? 'Normal' : 'Warning'} ${s.reason ?? s.kind}: ${s.message || s.title}`);
  const logs = [...new Set(signals.flatMap((s) => s.evidence))];
  const newest = (key: string) => [...signals].reverse().find((s) => s.attributes[key] !== undefined)?.attributes[key];
  const w = i.workload;
  const named = w && w.kind !== 'Workload' && w.kind !== 'Pod';
  const pod = i.pods[i.pods.length - 1];
  return {
    resource: {
      kind: named ? w.kind : 'Pod',
      name: named ? w.name : (pod ?? i.key.workload),
      namespace: i.key.namespace,
      container: i.key.container || undefined,
      pod,
      workload: named ? w : undefined,
    },
    reason: signals.find((s) => !s.related && s.reason)?.reason,
    events,
    logs,
    historicalLogs: [],
    status: newest('status'),
    spec: newest('spec'),
    signals,
    priority: i.priority,
    failureClass: i.key.failureClass,
  };
}
