// The contract every action module keeps: inspect the target's current state (refusing when
// the action does not fit it) and return a plan whose `apply` runs once as a server-side dry
// run and once for real.
import type { ProposedAction } from '../../triage/types.js';
import type { Kube } from '../kube.js';

export type Target = ProposedAction['target'];

export interface ActionLimits {
  minReplicas: number;
  maxReplicas: number;
  /** Now, injectable for tests of time-dependent checks (stuck pods). */
  now: () => Date;
}

export interface Plan {
  /** How many pods the action would touch (its blast radius). */
  pods: number;
  /** What the action will do, in words (audit and approval view). */
  summary: string;
  /** Makes the API calls; `dryRun` adds `dryRun=All` to every write. Returns what was done. */
  apply(dryRun: boolean): Promise<string>;
}

export type Inspection = { ok: true; plan: Plan } | { ok: false; reason: string };

export type ActionOf<T extends ProposedAction['type']> = Extract<ProposedAction, { type: T }>;

export type Inspector<T extends ProposedAction['type']> = (kube: Kube, action: ActionOf<T>, limits: ActionLimits) => Promise<Inspection>;

export const refuse = (reason: string): Inspection => ({ ok: false, reason });

export const ref = (t: Target): string => `${t.kind.toLowerCase()}/${t.name} in namespace ${t.namespace}`;
