// Generic JSON webhook, signed like GitHub's: X-Vigil-Signature: sha256=<HMAC-SHA256(secret, body)>.
import { createHmac } from 'node:crypto';
import type { Redactor } from '../triage/types.js';
import type { SinkConfig } from './config.js';
import { actionText, headline, type AlertMessage } from './message.js';
import { jsonSink, type AlertSink } from './sink.js';

export function webhookPayload(m: AlertMessage) {
  const i = m.incident;
  return {
    version: '1',
    event: m.event,
    headline: headline(m),
    incident: {
      id: i.id,
      fingerprint: i.fingerprint,
      title: i.title,
      state: i.state,
      priority: i.priority,
      previous_priority: m.previousPriority,
      rule: i.rule,
      cluster: i.key.cluster,
      namespace: i.key.namespace,
      workload: i.workload,
      container: i.key.container,
      failure_class: i.key.failureClass,
      first_seen: i.firstSeen,
      last_seen: i.lastSeen,
      resolved_at: i.resolvedAt,
      signal_count: i.signalCount,
      pods: i.pods,
    },
    analysis: m.analysis ?? null,
    proposed_action: actionText(m) ?? null,
    kubectl: m.kubectl ?? null,
    url: m.dashboardUrl ?? null,
  };
}

export function sign(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export function webhookSink(cfg: Extract<SinkConfig, { type: 'webhook' }>, redactor?: Redactor): AlertSink {
  return jsonSink(cfg, cfg.url, (m) => ({
    body: webhookPayload(m),
    headers: (body) => ({
      ...cfg.headers,
      'x-vigil-event': m.event,
      ...(cfg.secret ? { 'x-vigil-signature': sign(cfg.secret, body) } : {}),
    }),
  }), redactor);
}
