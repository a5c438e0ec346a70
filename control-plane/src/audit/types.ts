// One audit entry per decision: who proposed or decided, what, the policy verdict with its
// reasons, the dry run's answer, and the outcome. Append-only; entries are never changed.
import type { ProposedAction } from '../triage/types.js';

export const ACTOR_TYPES = ['user', 'rule', 'llm', 'analyzer', 'executor'] as const;
export type ActorType = (typeof ACTOR_TYPES)[number];

export interface Actor {
  type: ActorType;
  /** User name, rule name, model or executor id. */
  name?: string;
}

export const OUTCOMES = [
  'proposed',
  'pending-approval',
  'approved',
  'rejected',
  'refused',
  'dry-run',
  'applied',
  'failed',
  'duplicate',
  'reported',
  // Not remediations: a person acknowledged or resolved an incident, or changed a runtime setting.
  'acknowledged',
  'resolved',
  'settings-changed',
] as const;
export type Outcome = (typeof OUTCOMES)[number];

export interface AuditEntry {
  id: string;
  time: string;
  actor: Actor;
  incidentId: string;
  remediationId?: string;
  action: ProposedAction['type'];
  target?: ProposedAction['target'];
  params?: unknown;
  verdict?: { allowed: boolean; reasons: string[] };
  dryRun?: { ok: boolean; message: string };
  outcome: Outcome;
  error?: string;
  /** The equivalent kubectl command, for humans. */
  kubectl?: string;
  /** Why (an approver's or reporter's words). */
  note?: string;
}
