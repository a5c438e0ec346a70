import { grep, hasReason } from '../facts.js';
import { where, type Finding, type KnowledgeModule } from './module.js';

export const evictionModule: KnowledgeModule = {
  name: 'eviction',
  analyze(f): Finding | null {
    const lines = grep(f, /Evict|low on resource|DiskPressure|MemoryPressure|PIDPressure/i, 6);
    if (!hasReason(f, /Evict/i) && lines.length === 0) return null;
    const text = lines.join('\n');
    const resource = /low on resource: ([\w-]+)/i.exec(text)?.[1] ?? (/DiskPressure/i.test(text) ? 'disk' : /MemoryPressure/i.test(text) ? 'memory' : undefined);
    const disk = resource !== undefined && /disk|storage|nodefs|imagefs/i.test(resource);
    return {
      failure_class: 'evicted',
      summary: `${where(f)} was evicted${resource ? ` (node low on ${resource})` : ''}`,
      root_cause: `The kubelet evicted the pod to relieve node pressure${resource ? ` on ${resource}` : ''}; pods using more than they request go first.`,
      recommendation: disk
        ? 'Limit ephemeral-storage (logs, emptyDir, /tmp writes) with requests/limits and clean the node\'s images and logs.'
        : 'Set memory requests close to real usage (Guaranteed QoS for critical pods) and check the node\'s other tenants.',
      evidence: lines,
      action: null,
      confidence: resource ? 0.85 : 0.65,
    };
  },
};
