import { str } from '../values.js';
import { hasAlertList, parsePrometheusAlerts } from './prometheus-alerts.js';
import { isGrafanaShape } from './grafana.js';
import type { WebhookAdapter } from './types.js';

export const alertmanager: WebhookAdapter = {
  name: 'alertmanager',
  expects: 'an object with an "alerts" array and version "4" (or a groupKey), without Grafana\'s orgId/state',
  detect: (body) => hasAlertList(body) && !isGrafanaShape(body) && (str(body.version) === '4' || typeof body.groupKey === 'string'),
  parse: (body, receivedAt = new Date()) => parsePrometheusAlerts('alertmanager', body, receivedAt),
};
