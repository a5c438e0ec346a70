// The kubectl command equivalent to a proposed action, shown in alerts so a human can apply it.
import type { ProposedAction } from '../triage/types.js';

/** Single-quotes a shell word. */
function q(s: string): string {
  return /^[\w./:=@-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export function kubectlFor(action: ProposedAction | null | undefined): string | undefined {
  if (!action) return undefined;
  const { kind, namespace, name } = action.target;
  const ref = `${kind.toLowerCase()}/${name}`;
  const ns = `-n ${q(namespace)}`;
  switch (action.type) {
    case 'none':
      return undefined;
    case 'restart-pod':
      return `kubectl delete pod ${q(name)} ${ns}`;
    case 'delete-stuck-pods':
      return `kubectl delete pod ${q(name)} ${ns} --grace-period=0 --force`;
    case 'rollout-restart':
      return `kubectl rollout restart ${q(ref)} ${ns}`;
    case 'scale-up':
    case 'scale-down':
      return `kubectl scale ${q(ref)} --replicas=${action.params.replicas} ${ns}`;
    case 'rollback':
      return `kubectl rollout undo ${q(ref)} ${ns}${action.params.toRevision ? ` --to-revision=${action.params.toRevision}` : ''}`;
    case 'k8s_patch':
      return `kubectl patch ${q(ref)} ${ns} --type ${action.params.patchType} -p ${q(JSON.stringify(action.params.patch))}`;
  }
}
