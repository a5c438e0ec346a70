// The audit API: LogJedi's GET /reports, GET /reports/:id and POST /report-outcome (for
// executors that apply actions themselves), and the raw log at GET /api/audit.
import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { redact } from '../ingest/redact.js';
import type { StateStore, StoredAnalysis } from '../store/state-store.js';
import { ACTION_TYPES, ActionTarget } from '../triage/types.js';
import { buildReports } from './report.js';

export interface AuditRoutesOptions {
  store: StateStore;
  now?: () => Date;
}

const Limit = z.coerce.number().int().min(1).max(1000).default(50);

/** LogJedi's callback body, plus optional fields a Vigil-aware executor may send. */
export const ReportOutcome = z.object({
  resource_kind: ActionTarget.shape.kind,
  resource_name: ActionTarget.shape.name,
  namespace: ActionTarget.shape.namespace,
  outcome: z.string().min(1).max(200),
  incident_id: z.string().min(1).max(300).optional(),
  action: z.enum(ACTION_TYPES).optional(),
  detail: z.string().max(2000).optional(),
  executor: z.string().min(1).max(200).default('external executor'),
});

const invalid = (detail: string) => ({ statusCode: 400, code: 'VIGIL_AUDIT_INVALID', error: 'Bad Request', message: detail });

export const auditRoutes: FastifyPluginAsync<AuditRoutesOptions> = async (app, { store, now = () => new Date() }) => {
  async function reports() {
    const analyses = new Map<string, StoredAnalysis>((await store.analyses.list(1000)).map((a) => [a.incidentId, a]));
    return buildReports(await store.audit.list(), analyses);
  }

  app.get('/reports', async (req, reply) => {
    const limit = Limit.safeParse((req.query as { limit?: unknown }).limit);
    if (!limit.success) return reply.code(400).send(invalid('limit must be an integer from 1 to 1000'));
    return (await reports()).slice(0, limit.data);
  });

  app.get('/reports/:id', async (req, reply) => {
    const { id } = req.params as { id: string };
    const report = (await reports()).find((r) => r.id === id);
    if (!report) return reply.code(404).send({ statusCode: 404, code: 'VIGIL_REPORT_NOT_FOUND', error: 'Not Found', message: `no report for ${id}` });
    return report;
  });

  app.post('/report-outcome', async (req, reply) => {
    const parsed = ReportOutcome.safeParse(req.body);
    if (!parsed.success) return reply.code(400).send(invalid(z.prettifyError(parsed.error)));
    const b = parsed.data;
    const target = { kind: b.resource_kind, namespace: b.namespace, name: b.resource_name };
    const same = (t?: typeof target) => t?.kind === target.kind && t.namespace === target.namespace && t.name === target.name;
    // Without an incident id, the outcome belongs to the newest report about the same resource.
    const incidentId = b.incident_id ?? (await store.audit.list()).reverse().find((e) => same(e.target))?.incidentId ?? `${target.kind}/${target.namespace}/${target.name}`;
    const entry = {
      id: randomUUID(),
      time: now().toISOString(),
      actor: { type: 'executor' as const, name: redact(b.executor) },
      incidentId,
      action: b.action ?? ('k8s_patch' as const),
      target,
      outcome: 'reported' as const,
      note: redact(`${b.outcome}${b.detail ? `: ${b.detail}` : ''}`),
    };
    await store.audit.append(entry);
    return reply.code(201).send({ status: 'recorded', incident_id: incidentId, id: entry.id });
  });

  app.get('/api/audit', async (req, reply) => {
    const q = req.query as { incident?: string; limit?: unknown };
    const limit = Limit.safeParse(q.limit);
    if (!limit.success) return reply.code(400).send(invalid('limit must be an integer from 1 to 1000'));
    return store.audit.list({ ...(q.incident ? { incidentId: q.incident } : {}), limit: limit.data });
  });
};
