// Remediation outcomes by action type (an allowlisted enum) and outcome (the audit outcome:
// proposed, refused, pending-approval, applied, dry-run, failed, ...): every audited step counts.
import { Counter, type Registry } from 'prom-client';

export class RemediationMetrics {
  private readonly outcomes: Counter<'action' | 'outcome'>;

  constructor(registry: Registry) {
    this.outcomes = new Counter({ name: 'vigil_remediations_total', help: 'Remediation steps by action type and audited outcome', labelNames: ['action', 'outcome'], registers: [registry] });
  }

  observe(action: string, outcome: string): void {
    this.outcomes.inc({ action, outcome });
  }
}
