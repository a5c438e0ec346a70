import { grep, hasReason, workloadTarget } from '../facts.js';
import { where, type Finding, type KnowledgeModule } from './module.js';

const PULL = /ImagePullBackOff|ErrImagePull|Failed to pull image|InvalidImageName|Back-off pulling image/i;
const AUTH = /unauthorized|authentication required|no basic auth credentials|denied: requested access|403 Forbidden/i;
const NO_TAG = /manifest (for \S+ )?(unknown|not found)|not found: manifest|tag .* not found|failed to resolve reference .*: not found/i;
const NO_REPO = /repository does not exist|pull access denied|name unknown|no such host/i;

export const imagePullModule: KnowledgeModule = {
  name: 'image-pull',
  analyze(f): Finding | null {
    const lines = grep(f, PULL, 6);
    if (!hasReason(f, /ImagePull|ErrImage|InvalidImageName/i) && lines.length === 0) return null;
    // kubectl describe escapes the quotes: image \"nginx:1.27\".
    const image = /image \\?"([^"\\]+)\\?"/.exec(lines.join('\n'))?.[1] ?? f.containers.find((c) => c.image)?.image;
    const workload = workloadTarget(f);
    const rollback = workload?.kind === 'Deployment' ? ({ type: 'rollback', target: workload, params: {} } as const) : null;
    const base = { evidence: lines, failure_class: 'image-pull' };
    if (grep(f, AUTH).length) {
      return {
        ...base,
        failure_class: 'image-pull-auth',
        summary: `${where(f)} cannot pull ${image ?? 'its image'}: registry authentication failed`,
        root_cause: 'The registry refused the pull: the pod has no (or a wrong/expired) imagePullSecret for this registry.',
        recommendation: 'Create or refresh the registry credentials (kubectl create secret docker-registry …) and reference them in imagePullSecrets or the service account.',
        action: null,
        confidence: 0.85,
      };
    }
    if (grep(f, NO_TAG).length) {
      return {
        ...base,
        summary: `${where(f)} cannot pull ${image ?? 'its image'}: the tag does not exist`,
        root_cause: `The image repository exists but the tag${image ? ` in ${image}` : ''} was not found (typo or tag not pushed).`,
        recommendation: 'Fix the image tag in the spec or push the missing tag; rolling back restores the last working image.',
        action: rollback,
        confidence: 0.85,
      };
    }
    const missing = grep(f, NO_REPO).length > 0;
    return {
      ...base,
      summary: `${where(f)} cannot pull ${image ?? 'its image'}`,
      root_cause: missing
        ? `The image${image ? ` ${image}` : ''} does not exist in the registry (wrong name, or a private repository without credentials).`
        : `Pulling the image${image ? ` ${image}` : ''} fails (ImagePullBackOff).`,
      recommendation: 'Check the image name and tag with `docker pull`/`crane manifest`; fix the spec or roll back.',
      action: rollback,
      confidence: missing ? 0.8 : 0.7,
    };
  },
};
