// One alert message about one incident. `trigger` opens the conversation; escalate, reopen,
// acknowledge and resolve refer back to it (same incident id, same PagerDuty dedup key).
import type { Incident } from '../correlate/types.js';
import type { Priority } from '../rules/priority.js';
import type { Analysis } from '../triage/types.js';
import { kubectlFor } from './kubectl.js';

export const ALERT_EVENTS = ['trigger', 'escalate', 'reopen', 'acknowledge', 'resolve'] as const;
export type AlertEvent = (typeof ALERT_EVENTS)[number];

export interface AlertMessage {
  event: AlertEvent;
  incident: Incident;
  analysis?: Analysis;
  kubectl?: string;
  previousPriority?: Priority;
  dashboardUrl?: string;
}

export function alertMessage(event: AlertEvent, incident: Incident, extra: Pick<AlertMessage, 'previousPriority' | 'dashboardUrl'> = {}): AlertMessage {
  return { event, incident, analysis: incident.analysis, kubectl: kubectlFor(incident.analysis?.action), ...extra };
}

const VERB: Record<AlertEvent, string> = { trigger: 'Incident', escalate: 'Escalated', reopen: 'Reopened', acknowledge: 'Acknowledged', resolve: 'Resolved' };

export function headline(m: AlertMessage): string {
  const i = m.incident;
  const esc = m.event === 'escalate' && m.previousPriority ? ` (${m.previousPriority} → ${i.priority})` : '';
  return `[${i.priority}] ${VERB[m.event]}${esc}: ${i.title}`;
}

export function whereOf(i: Incident): string {
  return [i.key.cluster, i.key.namespace, i.key.workload, i.key.container].filter(Boolean).join('/') || 'unknown';
}

/** Plain facts every sink shows. */
export function facts(m: AlertMessage): [string, string][] {
  const i = m.incident;
  const rows: [string, string][] = [
    ['Workload', whereOf(i)],
    ['Failure', m.analysis?.failure_class ?? i.key.failureClass],
    ['Priority', i.priority],
    ['State', i.state],
    ['Signals', String(i.signalCount)],
    ['First seen', i.firstSeen],
  ];
  if (m.event === 'resolve' && i.resolvedAt) rows.push(['Resolved at', i.resolvedAt]);
  return rows;
}

export function actionText(m: AlertMessage): string | undefined {
  const a = m.analysis?.action;
  if (!a || a.type === 'none') return undefined;
  return `${a.type} ${a.target.kind}/${a.target.name} in ${a.target.namespace}`;
}

/** State updates (acknowledge, resolve) are short: the analysis went out with the trigger. */
export function showsAnalysis(m: AlertMessage): boolean {
  return m.event !== 'resolve' && m.event !== 'acknowledge' && m.analysis !== undefined;
}
