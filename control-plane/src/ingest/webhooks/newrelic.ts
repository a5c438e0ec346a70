// New Relic workflows, Webhook destination with the default template: {id, issueUrl, title,
// priority, impactedEntities, state, trigger, createdAt, updatedAt, alertConditionNames…}.
// Custom templates may add namespace/pod/... fields, read as labels when present.
import { firstStr, isRecord, rec, str, stringMap } from '../values.js';
import { alertSignal, normaliseSeverity, resourceFromFields } from './common.js';
import type { WebhookAdapter } from './types.js';

const stringsOf = (v: unknown) => (Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : []);

export const newrelic: WebhookAdapter = {
  name: 'newrelic',
  expects: 'an object with "issueUrl", or "impactedEntities" plus "state" (workflow default payload)',
  detect: (body) =>
    isRecord(body) &&
    (typeof body.issueUrl === 'string' || (Array.isArray(body.impactedEntities) && typeof body.state === 'string')),
  parse(body, receivedAt = new Date()) {
    const b = rec(body);
    const state = (str(b.state) ?? '').toUpperCase();
    const entities = [...new Set(stringsOf(b.impactedEntities))];
    const fields = { ...stringMap(b.labels), ...stringMap(b.tags), ...stringMap(b) };
    const resource = resourceFromFields(fields, { service: entities[0] ?? str(rec(b.entity).name) });
    return [
      alertSignal({
        adapter: 'newrelic',
        record: b,
        status: state === 'CLOSED' ? 'resolved' : 'firing',
        severity: normaliseSeverity(b.priority),
        alertName: firstStr(stringsOf(b.alertConditionNames)[0], b.title),
        title: firstStr(b.title),
        fingerprint: str(b.id),
        startsAt: b.createdAt,
        endsAt: b.updatedAt,
        receivedAt,
        resource,
        labels: { ...stringMap(b.labels), ...stringMap(b.tags) },
        links: [str(b.issueUrl)],
        attributes: {
          state: state || undefined,
          trigger: str(b.trigger),
          impactedEntities: entities,
          policies: stringsOf(b.alertPolicyNames),
          workflow: str(b.workflowName),
          totalIncidents: typeof b.totalIncidents === 'number' ? b.totalIncidents : undefined,
        },
      }),
    ];
  },
};
