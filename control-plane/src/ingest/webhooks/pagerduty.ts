// PagerDuty Generic Webhooks v3: `{event: {event_type, occurred_at, agent, client, data}}`
// where data is the incident. Kubernetes identity comes from custom details when the sender
// put them there, or from a Prometheus label set in the monitoring client's link.
import { firstStr, isRecord, rec, str, stringMap } from '../values.js';
import { alertSignal, normaliseSeverity, parseLabelSet, resourceFromFields } from './common.js';
import type { WebhookAdapter } from './types.js';

function labelSetOfLink(url: string | undefined): Record<string, string> {
  if (!url) return {};
  try {
    const labelSet = new URL(url).searchParams.get('label_set');
    return labelSet ? parseLabelSet(labelSet) : {};
  } catch {
    return {};
  }
}

export const pagerduty: WebhookAdapter = {
  name: 'pagerduty',
  expects: 'an object {"event": {"event_type": "incident.…", "data": {…}}} (Generic Webhooks v3)',
  detect: (body) => isRecord(body) && isRecord(body.event) && /^incident\./.test(str(body.event.event_type) ?? ''),
  parse(body, receivedAt = new Date()) {
    const event = rec(rec(body).event);
    const data = rec(event.data);
    if (!isRecord(event.data)) return [];
    const eventType = str(event.event_type) ?? 'incident';
    const client = rec(event.client);
    const service = rec(data.service);
    const priority = str(rec(data.priority).summary);
    const details = stringMap(data.custom_details ?? rec(data.body).details);
    const fields = { ...labelSetOfLink(str(client.url)), ...details };
    const resolved = eventType === 'incident.resolved' || str(data.status) === 'resolved';
    return [
      alertSignal({
        adapter: 'pagerduty',
        record: event,
        status: resolved ? 'resolved' : 'firing',
        severity: normaliseSeverity(priority ?? data.urgency),
        alertName: firstStr(data.title, eventType),
        message: firstStr(details.description, details.summary),
        fingerprint: str(data.id),
        startsAt: data.created_at ?? event.occurred_at,
        endsAt: event.occurred_at,
        receivedAt,
        resource: resourceFromFields(fields, { service: str(service.summary) }),
        labels: fields,
        links: [str(data.html_url), str(client.url), str(service.html_url)],
        attributes: {
          eventType,
          incidentNumber: data.number,
          incidentKey: str(data.incident_key),
          urgency: str(data.urgency),
          priority,
          pagerdutyService: str(service.summary),
          client: str(client.name),
          agent: str(rec(event.agent).summary),
        },
      }),
    ];
  },
};
