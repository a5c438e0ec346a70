import { grep, hasReason } from '../facts.js';
import { where, type Finding, type KnowledgeModule } from './module.js';

const MISSING = /(configmaps?|secrets?) "([^"]+)" not found|couldn't find key (\S+) in (ConfigMap|Secret) (\S+)/i;

export const configMissingModule: KnowledgeModule = {
  name: 'config-missing',
  analyze(f): Finding | null {
    const lines = grep(f, MISSING, 6);
    const flagged = hasReason(f, /CreateContainerConfigError/i) || grep(f, /CreateContainerConfigError/).length > 0;
    if (!flagged && lines.length === 0) return null;
    const m = MISSING.exec(lines.join('\n'));
    const kind = m?.[1] ? (m[1].toLowerCase().startsWith('secret') ? 'Secret' : 'ConfigMap') : (m?.[4] ?? 'ConfigMap or Secret');
    const name = m?.[2] ?? m?.[5]?.split('/').pop();
    const ns = f.input.resource.namespace;
    const what = m?.[3] ? `key ${m[3]} of ${kind} ${name}` : `${kind}${name ? ` ${name}` : ''}`;
    return {
      failure_class: 'config-missing',
      summary: `${where(f)} cannot start: ${what} is missing`,
      root_cause: `The container references ${what} (env/envFrom/volume) that does not exist in namespace ${ns}, so the kubelet cannot create it (CreateContainerConfigError).`,
      recommendation: `Create it (kubectl create ${kind === 'Secret' ? 'secret generic' : 'configmap'} ${name ?? '<name>'} -n ${ns} …), fix the reference, or mark it optional: true.`,
      evidence: lines.length ? lines : grep(f, /CreateContainerConfigError/),
      action: null,
      confidence: m ? 0.9 : 0.6,
    };
  },
};
