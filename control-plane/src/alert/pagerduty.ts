// PagerDuty Events API v2: trigger (also for escalate/reopen: same dedup_key updates the alert),
// acknowledge and resolve, with dedup_key = incident fingerprint.
import type { Redactor } from '../triage/types.js';
import type { SinkConfig } from './config.js';
import { actionText, headline, whereOf, type AlertMessage } from './message.js';
import { jsonSink, type AlertSink } from './sink.js';

const SEVERITY = { P1: 'critical', P2: 'error', P3: 'warning', P4: 'info' } as const;

export function pagerDutyPayload(m: AlertMessage, routingKey: string) {
  const i = m.incident;
  if (m.event === 'resolve' || m.event === 'acknowledge') return { routing_key: routingKey, event_action: m.event, dedup_key: i.fingerprint };
  return {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: i.fingerprint,
    client: 'Vigil',
    ...(m.dashboardUrl ? { client_url: m.dashboardUrl } : {}),
    payload: {
      summary: headline(m).slice(0, 1024),
      source: whereOf(i),
      severity: SEVERITY[i.priority],
      timestamp: i.lastSeen,
      component: i.key.workload || undefined,
      group: i.key.namespace || undefined,
      class: m.analysis?.failure_class ?? i.key.failureClass,
      custom_details: {
        incident_id: i.id,
        state: i.state,
        signals: i.signalCount,
        summary: m.analysis?.summary,
        root_cause: m.analysis?.root_cause,
        recommendation: m.analysis?.recommendation,
        proposed_action: actionText(m),
        kubectl: m.kubectl,
      },
    },
  };
}

export function pagerDutySink(cfg: Extract<SinkConfig, { type: 'pagerduty' }>, redactor?: Redactor): AlertSink {
  return jsonSink(cfg, cfg.url, (m) => ({ body: pagerDutyPayload(m, cfg.routing_key) }), redactor);
}
