// Alertmanager's webhook (version "4") and Grafana unified alerting (version "1") share one
// envelope: a group with `alerts[]`, each carrying labels, annotations, times and a
// fingerprint. Grafana adds org, state, panel/dashboard/silence links and query values.
import type { Signal } from '../../signal.js';
import { firstStr, isRecord, str, stringMap } from '../values.js';
import { alertSignal, normaliseSeverity, resourceFromFields } from './common.js';
import type { WebhookAdapterName } from './names.js';

export function hasAlertList(body: unknown): body is { alerts: unknown[] } & Record<string, unknown> {
  return isRecord(body) && Array.isArray(body.alerts);
}

export function parsePrometheusAlerts(adapter: WebhookAdapterName, body: unknown, receivedAt: Date): Signal[] {
  if (!hasAlertList(body)) return [];
  const commonLabels = stringMap(body.commonLabels);
  return body.alerts.filter(isRecord).map((alert) => {
    const labels = { ...commonLabels, ...stringMap(alert.labels) };
    const annotations = stringMap(alert.annotations);
    const alertName = firstStr(labels.alertname);
    const status = (str(alert.status) ?? str(body.status)) === 'resolved' ? 'resolved' : 'firing';
    return alertSignal({
      adapter,
      record: alert,
      status,
      severity: normaliseSeverity(labels.severity ?? labels.priority),
      alertName,
      title: firstStr(annotations.summary, annotations.title),
      message: firstStr(annotations.description, annotations.message, annotations.summary),
      fingerprint: str(alert.fingerprint),
      startsAt: alert.startsAt,
      endsAt: alert.endsAt,
      receivedAt,
      resource: resourceFromFields(labels),
      labels,
      annotations,
      links: [
        str(alert.generatorURL),
        annotations.runbook_url,
        str(alert.dashboardURL),
        str(alert.panelURL),
        str(alert.silenceURL),
      ],
      attributes: {
        receiver: str(body.receiver),
        groupKey: str(body.groupKey),
        ...(adapter === 'grafana' && {
          orgId: alert.orgId ?? body.orgId,
          values: isRecord(alert.values) ? alert.values : undefined,
          valueString: str(alert.valueString),
        }),
      },
    });
  });
}

