// OpenAPI entries for routes that other modules register (remediation, audit, LogJedi's
// analyze, sensors, health, metrics): described here so /openapi.json lists every route. An
// entry only appears when the app really serves the route (remediation needs Kubernetes).
import { z } from 'zod';
import { ReportOutcome } from '../audit/routes.js';
import { Decision, Propose, RemediationListQuery } from '../remediate/routes.js';
import { AnalyzeRequest } from '../triage/logjedi.js';
import { IdParams } from './incidents.js';
import type { ApiDocs } from './route.js';
import { Approval, AuditEntry } from './schemas.js';

const Limit = z.object({ limit: z.coerce.number().int().min(1).max(1000).default(50) });

export function documentOtherRoutes(docs: ApiDocs): void {
  const doc = docs.document.bind(docs);
  doc({ method: 'GET', url: '/health', tag: 'health', access: 'open', summary: 'Liveness', response: z.object({ status: z.literal('ok') }) });
  doc({ method: 'GET', url: '/ready', tag: 'health', access: 'open', summary: 'Readiness (503 until Kubernetes informers have listed)', response: z.object({ status: z.string() }) });
  doc({ method: 'GET', url: '/metrics', tag: 'health', access: 'open', summary: 'Prometheus metrics', produces: 'text/plain' });

  doc({ method: 'GET', url: '/api/remediations', tag: 'remediations', access: 'read', summary: 'Proposed remediations and what became of them, newest first', query: RemediationListQuery, response: z.array(Approval) });
  doc({ method: 'GET', url: '/api/remediations/:id', tag: 'remediations', access: 'read', summary: 'One remediation', params: IdParams, response: Approval });
  doc({ method: 'POST', url: '/api/remediations', tag: 'remediations', access: 'admin', summary: 'Propose an action by hand; policy decides whether it needs approval (202, or 422 when refused)', body: Propose, status: 202 });
  for (const verb of ['approve', 'reject'] as const) {
    doc({
      method: 'POST',
      url: `/api/remediations/:id/${verb}`,
      tag: 'remediations',
      access: 'admin',
      summary: `${verb === 'approve' ? 'Approve' : 'Reject'} a pending remediation; \`by\` defaults to the token's name (409 when not pending)`,
      params: IdParams,
      body: Decision,
    });
  }

  doc({ method: 'GET', url: '/api/audit', tag: 'audit', access: 'read', summary: 'The audit log (oldest first), optionally for one incident', query: Limit.extend({ incident: z.string().optional() }), response: z.array(AuditEntry) });
  doc({ method: 'GET', url: '/reports', tag: 'compatibility', access: 'read', summary: "LogJedi's GET /reports: a step-by-step report per incident, newest first", query: Limit });
  doc({ method: 'GET', url: '/reports/:id', tag: 'compatibility', access: 'read', summary: 'One report', params: IdParams });
  doc({ method: 'POST', url: '/report-outcome', tag: 'compatibility', access: 'admin', summary: "LogJedi's operator callback: an executor reports what it applied (201)", body: ReportOutcome, status: 201 });
  doc({ method: 'POST', url: '/analyze', tag: 'compatibility', access: 'admin', summary: "LogJedi's POST /analyze: analyse a failed workload now", body: AnalyzeRequest });

  doc({
    method: 'GET',
    url: '/api/sensors',
    tag: 'sensors',
    access: 'read',
    summary: 'Sensor health per node: last seen, events and losses by kind, backlog',
    response: z.object({ items: z.array(z.looseObject({ node: z.string(), lastSeen: z.string(), healthy: z.boolean() })) }),
  });
}
