import { grep, hasReason } from '../facts.js';
import { where, type Finding, type KnowledgeModule } from './module.js';

export const jobModule: KnowledgeModule = {
  name: 'job',
  analyze(f): Finding | null {
    const backoff = hasReason(f, /^BackoffLimitExceeded$/) || grep(f, /BackoffLimitExceeded|reached the specified backoff limit/i).length > 0;
    const deadline = hasReason(f, /^DeadlineExceeded$/) || grep(f, /(?<!Progress)DeadlineExceeded|was active longer than specified deadline/i).length > 0;
    if (!backoff && !deadline) return null;
    return {
      failure_class: backoff ? 'job-backoff-limit' : 'job-deadline',
      summary: `${where(f)} failed: ${backoff ? 'backoff limit reached' : 'active deadline exceeded'}`,
      root_cause: backoff
        ? 'Every retry of the Job\'s pod failed until spec.backoffLimit was reached; the pods\' own exit codes and logs tell why.'
        : 'The Job ran longer than spec.activeDeadlineSeconds and was stopped.',
      recommendation: backoff
        ? 'Read the logs of the last failed pod (kubectl logs job/<name>), fix the cause, then re-run the Job.'
        : 'Find what made it slow (inputs, dependencies, throttling) or raise activeDeadlineSeconds.',
      evidence: grep(f, /BackoffLimitExceeded|backoff limit|DeadlineExceeded|deadline|exit code/i, 6),
      action: null,
      confidence: 0.85,
    };
  },
};
