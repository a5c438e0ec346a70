// The remediation section: how actions are applied and the guards around them. Env names as
// in the docs: APPLY_MODE, AUTO_APPLY_NAMESPACES, EXCLUDED_NAMESPACES, DRY_RUN, …
import { z } from 'zod';
import { parseGoDuration } from './duration.js';

const csv = z.union([z.string().transform((s) => s.split(',').map((p) => p.trim()).filter(Boolean)), z.array(z.string())]);
const flag = z.union([z.boolean(), z.enum(['true', 'false', '1', '0']).transform((s) => s === 'true' || s === '1')]);
const goDuration = z
  .string()
  .refine((s) => parseGoDuration(s) !== undefined, 'a Go duration such as 5m or 1h30m')
  .transform((s) => parseGoDuration(s)!);
const count = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

export const RemediationSection = z
  .object({
    /** manual: every action waits for approval; auto: applied at once inside autoApplyNamespaces. */
    applyMode: z.enum(['manual', 'auto']).default('manual'),
    autoApplyNamespaces: csv.default([]),
    /** Never touched, whatever anyone proposes. */
    excludedNamespaces: csv.default(['kube-system', 'vigil-system']),
    /** Only ever run the server-side dry run; nothing is applied. */
    dryRun: flag.default(false),
    /** Rest per target after an action, unless the rule sets its own cooldown. */
    cooldown: goDuration.default(5 * 60_000),
    maxActionsPerHour: count(0, 10_000).default(50),
    /** Blast radius: the most pods one action may touch. */
    maxPodsPerAction: count(1, 10_000).default(10),
    minReplicas: count(0, 10_000).default(1),
    maxReplicas: count(1, 10_000).default(20),
    /** Bounds: approvals waiting for a human, and proposals waiting to be evaluated. */
    maxPending: count(1, 100_000).default(500),
    maxQueued: count(1, 100_000).default(5_000),
    /** How often the leader looks for approved actions to execute. */
    executeIntervalMs: count(50, 600_000).default(1000),
  })
  .refine((c) => c.minReplicas <= c.maxReplicas, 'minReplicas must not exceed maxReplicas');
export type RemediationConfig = z.output<typeof RemediationSection>;
export type RemediationConfigInput = z.input<typeof RemediationSection>;

const ENV: Record<string, keyof RemediationConfigInput> = {
  APPLY_MODE: 'applyMode',
  AUTO_APPLY_NAMESPACES: 'autoApplyNamespaces',
  EXCLUDED_NAMESPACES: 'excludedNamespaces',
  DRY_RUN: 'dryRun',
  REMEDIATION_COOLDOWN: 'cooldown',
  MAX_ACTIONS_PER_HOUR: 'maxActionsPerHour',
  MAX_PODS_PER_ACTION: 'maxPodsPerAction',
  MIN_REPLICAS: 'minReplicas',
  MAX_REPLICAS: 'maxReplicas',
};

/** The section's raw values from the environment, to lay over the file's `remediation` section. */
export function remediationEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, key] of Object.entries(ENV)) if (env[name]) out[key] = env[name]!;
  return out;
}
