// The allowlist of actions, one inspector per type; `none` has nothing to inspect or apply.
import type { ProposedAction } from '../../triage/types.js';
import type { Kube } from '../kube.js';
import { inspectDeleteStuckPods } from './delete-stuck-pods.js';
import { inspectK8sPatch } from './k8s-patch.js';
import { inspectRestartPod } from './restart-pod.js';
import { inspectRollback } from './rollback.js';
import { inspectRolloutRestart } from './rollout-restart.js';
import { inspectScale } from './scale.js';
import type { ActionLimits, Inspection } from './types.js';

export type { ActionLimits, Inspection, Plan } from './types.js';

export function inspectAction(kube: Kube, action: ProposedAction, limits: ActionLimits): Promise<Inspection> {
  switch (action.type) {
    case 'restart-pod':
      return inspectRestartPod(kube, action, limits);
    case 'rollout-restart':
      return inspectRolloutRestart(kube, action, limits);
    case 'scale-up':
    case 'scale-down':
      return inspectScale(kube, action, limits);
    case 'rollback':
      return inspectRollback(kube, action, limits);
    case 'delete-stuck-pods':
      return inspectDeleteStuckPods(kube, action, limits);
    case 'k8s_patch':
      return inspectK8sPatch(kube, action, limits);
    case 'none':
      return Promise.resolve({ ok: false, reason: 'action none: alert only, nothing to apply' });
  }
}
