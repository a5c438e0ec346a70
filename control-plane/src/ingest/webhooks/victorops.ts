// VictorOps / Splunk On-Call outgoing webhooks come in three shapes: the escalation webhook
// (form-encoded alert fields, values JSON-quoted), the custom outbound webhook with flattened
// "INCIDENT.*" / "ALERT.*" / "STATE.*" keys, and the same data nested {incident, alert, state}.
// All three are read through one case-insensitive dotted view.
import { firstStr, isRecord } from '../values.js';
import { alertSignal, normaliseSeverity, resourceFromFields } from './common.js';
import type { WebhookAdapter } from './types.js';

type Fields = Map<string, unknown>;

/** Lower-cased dotted keys; nested objects are walked two levels deep at most. */
function dotted(body: Record<string, unknown>): Fields {
  const out: Fields = new Map();
  const walk = (obj: Record<string, unknown>, prefix: string, depth: number) => {
    for (const [k, v] of Object.entries(obj)) {
      const key = prefix + k.toLowerCase();
      if (isRecord(v) && depth < 2) walk(v, `${key}.`, depth + 1);
      else out.set(key, typeof v === 'string' ? unquote(v) : v);
    }
  };
  walk(body, '', 0);
  return out;
}

// The escalation webhook JSON-quotes every value: created_by="\"ahpook\"".
function unquote(v: string): string {
  return v.length >= 2 && v.startsWith('"') && v.endsWith('"') ? v.slice(1, -1) : v;
}

/** An alert field, whether it sits under "alert." (outbound webhook) or at the top (escalation). */
const alertField = (f: Fields, key: string) => f.get(`alert.${key}`) ?? f.get(key);

export const victorops: WebhookAdapter = {
  name: 'victorops',
  expects: 'VictorOps alert fields ("entity_id" with "message_type"/"alert_type", at the top or under "ALERT.")',
  detect(body) {
    if (!isRecord(body)) return false;
    // Cheap key probes first: detection runs on every /webhook body.
    const alert = isRecord(body.alert) ? body.alert : undefined;
    const has = (key: string) =>
      key in body || `ALERT.${key}` in body || `ALERT.${key.toUpperCase()}` in body || (alert !== undefined && key in alert);
    return has('entity_id') && (has('message_type') || has('alert_type'));
  },
  parse(body, receivedAt = new Date()) {
    if (!isRecord(body)) return [];
    const f = dotted(body);
    const messageType = (firstStr(alertField(f, 'message_type'), alertField(f, 'alert_type')) ?? '').toUpperCase();
    const phase = (firstStr(f.get('state.current_alert_phase')) ?? '').toUpperCase();
    const resolved = messageType === 'RECOVERY' || phase === 'RESOLVED';
    const displayName = firstStr(alertField(f, 'entity_display_name'), f.get('incident.entity_display_name'));
    const fields: Record<string, string> = {};
    for (const key of ['namespace', 'pod', 'pod_name', 'container', 'service', 'cluster', 'node', 'host']) {
      const v = firstStr(alertField(f, key));
      if (v !== undefined) fields[key] = v;
    }
    return [
      alertSignal({
        adapter: 'victorops',
        record: body,
        status: resolved ? 'resolved' : 'firing',
        severity: normaliseSeverity(messageType, 'error'),
        alertName: firstStr(displayName, alertField(f, 'entity_id')),
        message: firstStr(alertField(f, 'state_message'), alertField(f, 'hostoutput')),
        fingerprint: firstStr(alertField(f, 'entity_id')),
        startsAt: firstStr(f.get('incident.incident_timestamp'), alertField(f, 'vo_alert_rcv_time'), alertField(f, 'timestamp')),
        endsAt: firstStr(f.get('state.resolved_at'), alertField(f, 'vo_alert_rcv_time')),
        receivedAt,
        resource: resourceFromFields(fields),
        labels: fields,
        links: [firstStr(f.get('state.info_url'))],
        attributes: {
          messageType: messageType || undefined,
          incident: firstStr(f.get('incident.incident_name'), f.get('incident')),
          phase: phase || undefined,
          monitor: firstStr(alertField(f, 'monitor_name')),
          monitoringTool: firstStr(alertField(f, 'monitoring_tool')),
          alertId: firstStr(alertField(f, 'vo_uuid')),
        },
      }),
    ];
  },
};

