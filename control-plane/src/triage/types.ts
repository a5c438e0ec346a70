// What triage produces: LogJedi's response shape (summary, root_cause, recommendation, action)
// plus Seraph's decision/reason and Vigil's failure class, evidence and confidence.
import { z } from 'zod';

/** The allowlist of remediation actions (Kube Sentinel's plus rollout-restart and LogJedi's k8s_patch). */
export const ACTION_TYPES = [
  'restart-pod',
  'rollout-restart',
  'scale-up',
  'scale-down',
  'rollback',
  'delete-stuck-pods',
  'k8s_patch',
  'none',
] as const;
export type ActionType = (typeof ACTION_TYPES)[number];

const K8S_NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

export const ActionTarget = z.object({
  kind: z.enum(['Pod', 'Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob']),
  namespace: z.string().regex(K8S_NAME).max(63),
  name: z.string().regex(K8S_NAME).max(253),
});

const noParams = z.object({ reason: z.string().max(500).optional() }).strict().default({});
const action = <T extends ActionType, P extends z.ZodType>(type: T, params: P) =>
  z.object({ type: z.literal(type), target: ActionTarget, params });

/** A proposed action; params are checked per type so an LLM cannot smuggle in anything else. */
export const ProposedAction = z.discriminatedUnion('type', [
  action('restart-pod', noParams),
  action('rollout-restart', noParams),
  action('delete-stuck-pods', noParams),
  action('none', noParams),
  action('scale-up', z.object({ replicas: z.number().int().min(1).max(100) }).strict()),
  action('scale-down', z.object({ replicas: z.number().int().min(0).max(100) }).strict()),
  action('rollback', z.object({ toRevision: z.number().int().min(1).optional() }).strict().default({})),
  action(
    'k8s_patch',
    z
      .object({
        patchType: z.enum(['strategic', 'merge']).default('strategic'),
        patch: z.record(z.string(), z.unknown()),
      })
      .strict(),
  ),
]);
export type ProposedAction = z.output<typeof ProposedAction>;

export const Analysis = z.object({
  failure_class: z.string(),
  summary: z.string(),
  root_cause: z.string(),
  recommendation: z.string(),
  evidence: z.array(z.string()),
  action: ProposedAction.nullable(),
  confidence: z.number().min(0).max(1),
  decision: z.enum(['alert', 'ok']),
  reason: z.string(),
  /** Which analyzer answered; `offline-fallback` when the LLM failed and the offline result stood. */
  source: z.enum(['offline', 'llm', 'offline-fallback']),
});
export type Analysis = z.output<typeof Analysis>;

/** Secret redaction, injected so the sensor's `redactText` can be plugged in. */
export interface Redactor {
  redact(text: string): string;
}
