import { grep, hasReason, workloadTarget } from '../facts.js';
import { where, type Finding, type KnowledgeModule } from './module.js';

export const rolloutModule: KnowledgeModule = {
  name: 'rollout',
  analyze(f): Finding | null {
    const lines = grep(f, /ProgressDeadlineExceeded|exceeded its progress deadline/i, 4);
    if (!hasReason(f, /ProgressDeadlineExceeded/) && lines.length === 0) return null;
    const target = workloadTarget(f);
    return {
      failure_class: 'rollout-stuck',
      summary: `${where(f)}: rollout stuck (progress deadline exceeded)`,
      root_cause: 'The new ReplicaSet did not become available within progressDeadlineSeconds; its pods fail to start or become ready.',
      recommendation: 'Roll back to the previous revision, then look at the new pods (image, config, probes) before retrying.',
      evidence: lines,
      action: target?.kind === 'Deployment' ? { type: 'rollback', target, params: {} } : null,
      confidence: 0.8,
    };
  },
};
