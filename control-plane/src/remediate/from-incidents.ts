// Glue from the incident engine to remediation: when an incident opens (after triage), its
// analysis is stored and its proposed action — the LLM's or the offline analyzer's, else the
// matching rule's `remediation.action` aimed at the incident's pod or workload — is proposed.
import { logger } from '../../../lib/log.js';
import type { Incident, IncidentChange } from '../correlate/types.js';
import type { IncidentEngine } from '../incidents.js';
import type { StateStore } from '../store/state-store.js';
import { ACTION_TYPES, type ActionType } from '../triage/types.js';
import type { Proposal, Remediator } from './remediator.js';

const log = logger('remediate');
const POD_ACTIONS: readonly string[] = ['restart-pod', 'delete-stuck-pods'];

/** The proposal an incident carries, if any: the analysis's action first, then the rule's. */
export function proposalFor(incident: Incident): Proposal | undefined {
  const analysis = incident.analysis;
  if (analysis?.action && analysis.action.type !== 'none') {
    return { incidentId: incident.id, action: analysis.action, actor: { type: analysis.source === 'llm' ? 'llm' : 'analyzer' }, ...cooldownOf(incident) };
  }
  const type = incident.remediation?.action;
  if (!type || type === 'none' || !(ACTION_TYPES as readonly string[]).includes(type)) return undefined;
  const target = targetFor(incident, type as ActionType);
  if (!target) return undefined;
  return { incidentId: incident.id, action: { type, target, params: {} }, actor: { type: 'rule', ...(incident.rule ? { name: incident.rule } : {}) }, ...cooldownOf(incident) };
}

function cooldownOf(incident: Incident): { cooldown?: string } {
  return incident.remediation?.cooldown ? { cooldown: incident.remediation.cooldown } : {};
}

function targetFor(incident: Incident, type: ActionType) {
  const namespace = incident.key.namespace;
  if (POD_ACTIONS.includes(type)) {
    const pod = incident.pods.at(-1);
    return pod ? { kind: 'Pod', namespace, name: pod } : undefined;
  }
  const w = incident.workload;
  return w && ['Deployment', 'StatefulSet', 'DaemonSet'].includes(w.kind) ? { kind: w.kind, namespace, name: w.name } : undefined;
}

/** Subscribes the remediator to the engine; returns the unsubscriber. */
export function remediateIncidents(engine: IncidentEngine, remediator: Remediator, store: StateStore): () => void {
  return engine.subscribe((change: IncidentChange) => {
    if (change.type !== 'opened' && change.type !== 'reopened') return;
    const { incident } = change;
    void (async () => {
      if (incident.analysis) await store.analyses.put(incident.id, incident.analysis);
      const proposal = proposalFor(incident);
      if (proposal) await remediator.propose(proposal);
    })().catch((err: Error) => log.error({ incident: incident.id, err: err.message }, 'remediation of incident failed'));
  });
}
