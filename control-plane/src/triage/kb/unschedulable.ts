import { grep, hasReason } from '../facts.js';
import { where, type Finding, type KnowledgeModule } from './module.js';

const CAUSES: { re: RegExp; cause: string; fix: string }[] = [
  { re: /Insufficient (cpu|memory|nvidia\.com\/gpu|ephemeral-storage)|didn't have enough resource: (\w+)/i, cause: 'no node has enough free $1 for the pod\'s requests', fix: 'Lower the requests, free capacity, or add nodes (cluster autoscaler).' },
  { re: /untolerated taint|had taints? that the pod didn't tolerate/i, cause: 'the nodes carry taints the pod does not tolerate', fix: 'Add the matching toleration or schedule onto untainted nodes.' },
  { re: /didn't match (Pod's )?node (affinity|selector)|node\(s\) didn't match/i, cause: 'no node matches the pod\'s nodeSelector/affinity', fix: 'Fix the nodeSelector/affinity labels or label a node accordingly.' },
  { re: /unbound (immediate )?PersistentVolumeClaims?|persistentvolumeclaim "[^"]+" not found/i, cause: 'its PersistentVolumeClaim is not bound', fix: 'Check the PVC (kubectl describe pvc): storage class, provisioner and capacity.' },
  { re: /didn't have free ports|free ports/i, cause: 'the requested hostPort is taken on every node', fix: 'Drop the hostPort or spread the pods.' },
];

export const unschedulableModule: KnowledgeModule = {
  name: 'unschedulable',
  analyze(f): Finding | null {
    // "fit failure … didn't have enough resource" is the pre-1.6 scheduler's wording.
    const lines = grep(f, /FailedScheduling|0\/\d+ nodes are available|Unschedulable|fit failure|didn't have enough resource/i, 6);
    if (!hasReason(f, /FailedScheduling|Unschedulable/i) && lines.length === 0) return null;
    const text = lines.join('\n');
    const found = CAUSES.map((c) => ({ c, m: c.re.exec(text) })).filter((x) => x.m);
    const causes = found.map(({ c, m }) => c.cause.replace('$1', (m?.[1] ?? m?.[2] ?? 'resources').toLowerCase()));
    return {
      failure_class: 'unschedulable',
      summary: `${where(f)} cannot be scheduled${causes.length ? `: ${causes[0]}` : ''}`,
      root_cause: causes.length ? `The scheduler found no node: ${causes.join('; ')}.` : 'The scheduler found no node for the pod.',
      recommendation: found.length ? found.map(({ c }) => c.fix).join(' ') : 'Read the FailedScheduling event and compare requests, taints and affinity with the nodes.',
      evidence: lines,
      action: null,
      confidence: causes.length ? 0.85 : 0.6,
    };
  },
};
