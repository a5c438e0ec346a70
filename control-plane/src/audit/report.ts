// LogJedi's step-by-step report per incident, built from the audit log (and the analysis when
// one is stored): what was received, concluded, proposed, decided and done, in order.
import type { StoredAnalysis } from '../store/state-store.js';
import type { AuditEntry } from './types.js';

export interface Report {
  id: string;
  incident_id: string;
  resource_kind?: string;
  resource_name?: string;
  namespace?: string;
  created_at: string;
  updated_at: string;
  steps: string[];
  entries: AuditEntry[];
}

const who = (e: AuditEntry): string => (e.actor.name ? `${e.actor.type} ${e.actor.name}` : e.actor.type);
const what = (e: AuditEntry): string => (e.target ? `${e.action} on ${e.target.kind} ${e.target.namespace}/${e.target.name}` : e.action);

/** One readable line per audit entry. */
export function stepOf(e: AuditEntry): string {
  const reasons = e.verdict?.reasons.length ? ` (${e.verdict.reasons.join('; ')})` : '';
  switch (e.outcome) {
    case 'proposed':
    case 'pending-approval':
      return `${who(e)} proposed ${what(e)}: waiting for approval${reasons}${e.kubectl ? ` — equivalent: ${e.kubectl}` : ''}`;
    case 'approved':
      return `${who(e)} approved ${what(e)}${e.note ? `: ${e.note}` : reasons}`;
    case 'rejected':
      return `${who(e)} rejected ${what(e)}${e.note ? `: ${e.note}` : ''}`;
    case 'refused':
      return `Policy refused ${what(e)} proposed by ${who(e)}${reasons}`;
    case 'dry-run':
      return `Dry run of ${what(e)} passed (${e.dryRun?.message ?? 'ok'}); DRY_RUN mode, nothing applied`;
    case 'applied':
      return `Applied ${what(e)} after a passing dry run: ${e.note ?? 'done'}`;
    case 'failed':
      return `${what(e)} failed: ${e.error ?? 'unknown error'}`;
    case 'duplicate':
      return `Skipped ${what(e)}: ${e.note ?? 'already executed'}`;
    case 'reported':
      return `${who(e)} reported ${what(e)}: ${e.note ?? 'done'}`;
    case 'acknowledged':
      return `${who(e)} acknowledged the incident${e.note ? `: ${e.note}` : ''}`;
    case 'resolved':
      return `${who(e)} resolved the incident${e.note ? `: ${e.note}` : ''}`;
    case 'settings-changed':
      return `${who(e)} changed settings: ${e.note ?? ''}`;
  }
}

function analysisSteps(a: StoredAnalysis): string[] {
  const { analysis } = a;
  return [`Analysis (${analysis.source}): ${analysis.summary}`, `Root cause: ${analysis.root_cause}`, `Recommendation: ${analysis.recommendation}`];
}

/** Reports for every incident in `entries`, newest first. */
export function buildReports(entries: AuditEntry[], analyses: Map<string, StoredAnalysis> = new Map()): Report[] {
  const byIncident = new Map<string, AuditEntry[]>();
  for (const e of entries) {
    // Settings changes belong to no incident; GET /api/audit shows them.
    if (e.outcome === 'settings-changed') continue;
    const list = byIncident.get(e.incidentId) ?? [];
    list.push(e);
    byIncident.set(e.incidentId, list);
  }
  const reports = [...byIncident].map(([id, list]) => {
    list.sort((a, b) => a.time.localeCompare(b.time));
    const target = list.find((e) => e.target)?.target;
    const analysis = analyses.get(id);
    return {
      id,
      incident_id: id,
      ...(target ? { resource_kind: target.kind, resource_name: target.name, namespace: target.namespace } : {}),
      created_at: list[0]!.time,
      updated_at: list.at(-1)!.time,
      steps: [...(analysis ? analysisSteps(analysis) : []), ...list.map(stepOf)],
      entries: list,
    };
  });
  return reports.sort((a, b) => b.updated_at.localeCompare(a.updated_at));
}
