import { hasAlertList, parsePrometheusAlerts } from './prometheus-alerts.js';
import type { WebhookAdapter } from './types.js';

/** Grafana's envelope is Alertmanager's plus `orgId`, or `state` + `title` in older versions. */
export function isGrafanaShape(body: unknown): boolean {
  return hasAlertList(body) && (body.orgId !== undefined || (typeof body.state === 'string' && typeof body.title === 'string'));
}

export const grafana: WebhookAdapter = {
  name: 'grafana',
  expects: 'an object with an "alerts" array plus Grafana\'s "orgId" (or "state" and "title")',
  detect: isGrafanaShape,
  parse: (body, receivedAt = new Date()) => parsePrometheusAlerts('grafana', body, receivedAt),
};
