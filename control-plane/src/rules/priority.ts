// Priorities P1 (critical) … P4 (low), as in Kube Sentinel.
export const PRIORITIES = ['P1', 'P2', 'P3', 'P4'] as const;
export type Priority = (typeof PRIORITIES)[number];

/** True when `a` is more urgent than `b`. */
export function moreUrgent(a: Priority, b: Priority): boolean {
  return PRIORITIES.indexOf(a) < PRIORITIES.indexOf(b);
}

export interface Remediation {
  action: string;
  /** Go-style duration as written in the rules file (`5m`, `1h30m`). */
  cooldown?: string;
}

/** What the rules decided for a signal. */
export interface RuleVerdict {
  priority: Priority;
  /** Name of the matching rule; absent when the default priority applied. */
  rule?: string;
  remediation?: Remediation;
}
