// Opsgenie outgoing Webhook integration: `{action, alert: {alertId, alias, message, priority,
// tags, details, createdAt…}, source, integrationName}`. Close/Delete resolve the alert.
import { firstStr, isRecord, rec, str, stringMap } from '../values.js';
import { alertSignal, normaliseSeverity, resourceFromFields } from './common.js';
import type { WebhookAdapter } from './types.js';

const RESOLVING_ACTIONS = new Set(['close', 'delete']);

export const opsgenie: WebhookAdapter = {
  name: 'opsgenie',
  expects: 'an object with a string "action" and an "alert" object carrying "alertId"',
  detect: (body) => isRecord(body) && typeof body.action === 'string' && isRecord(body.alert) && str(body.alert.alertId) !== undefined,
  parse(body, receivedAt = new Date()) {
    const b = rec(body);
    const alert = rec(b.alert);
    const action = str(b.action) ?? '';
    const details = stringMap(alert.details);
    const name = firstStr(alert.message, alert.alias);
    const resolved = RESOLVING_ACTIONS.has(action.toLowerCase());
    return [
      alertSignal({
        adapter: 'opsgenie',
        record: b,
        status: resolved ? 'resolved' : 'firing',
        severity: normaliseSeverity(alert.priority, 'warning'),
        alertName: name,
        message: firstStr(alert.description),
        fingerprint: firstStr(alert.alias, alert.alertId),
        startsAt: alert.createdAt,
        endsAt: alert.updatedAt,
        receivedAt,
        resource: resourceFromFields(details),
        labels: details,
        links: [details.url, details.runbook_url],
        attributes: {
          action,
          alertId: str(alert.alertId),
          tinyId: str(alert.tinyId),
          entity: str(alert.entity),
          source: str(alert.source),
          tags: Array.isArray(alert.tags) ? alert.tags.filter((t) => typeof t === 'string') : undefined,
          integration: str(b.integrationName),
        },
      }),
    ];
  },
};
