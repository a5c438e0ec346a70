// Drop-in routes for tools built against LogJedi (GET /analyses) and Kube Sentinel
// (GET /api/errors). Their /reports, /report-outcome (audit/routes.ts), /api/stats and
// /api/settings (system.ts) carry the old field names next to Vigil's.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Incident } from '../correlate/types.js';
import { PRIORITIES } from '../rules/priority.js';
import { toResponse } from '../triage/logjedi.js';
import { route } from './route.js';
import type { ApiServices } from './services.js';

const AnalysesQuery = z.object({ limit: z.coerce.number().int().min(1).max(1000).default(50) });

const LogJediAnalysis = z.looseObject({
  timestamp: z.string(),
  incident_id: z.string(),
  resource_kind: z.string().optional(),
  resource_name: z.string().optional(),
  namespace: z.string().optional(),
  reason: z.string().optional(),
  summary: z.string(),
  root_cause: z.string(),
  recommendation: z.string(),
  action: z.looseObject({ type: z.string() }).nullable(),
});

// Kube Sentinel's Go handler clamps rather than rejects; so do we, for its clients' sake.
const ErrorsQuery = z.object({
  page: z.coerce.number().int().catch(1).transform((n) => Math.max(1, n)).default(1),
  pageSize: z.coerce.number().int().catch(20).transform((n) => (n < 1 || n > 100 ? 20 : n)).default(20),
  namespace: z.string().optional(),
  pod: z.string().optional(),
  priority: z.string().optional().describe('P1..P4; anything else is ignored, as Kube Sentinel does'),
  search: z.string().optional(),
});

const SentinelError = z.object({
  ID: z.string(),
  Fingerprint: z.string(),
  Timestamp: z.string(),
  Namespace: z.string(),
  Pod: z.string(),
  Container: z.string(),
  Message: z.string(),
  Priority: z.enum(PRIORITIES),
  Count: z.number().int(),
  FirstSeen: z.string(),
  LastSeen: z.string(),
  RuleMatched: z.string(),
  Remediated: z.boolean(),
  RemediatedAt: z.string().nullable(),
  Labels: z.record(z.string(), z.string()),
});

function sentinelError(i: Incident, remediatedAt: string | undefined): z.infer<typeof SentinelError> {
  const last = i.timeline.at(-1);
  return {
    ID: i.id,
    Fingerprint: i.fingerprint,
    Timestamp: i.lastSeen,
    Namespace: i.key.namespace,
    Pod: i.pods.at(-1) ?? '',
    Container: i.key.container,
    Message: last?.message || i.title,
    Priority: i.priority,
    Count: i.signalCount,
    FirstSeen: i.firstSeen,
    LastSeen: i.lastSeen,
    RuleMatched: i.rule ?? '',
    Remediated: remediatedAt !== undefined,
    RemediatedAt: remediatedAt ?? null,
    Labels: last?.labels ?? {},
  };
}

export async function compatRoutes(app: FastifyInstance, s: ApiServices): Promise<void> {
  route(app, s.docs, {
    method: 'GET',
    url: '/analyses',
    tag: 'compatibility',
    access: 'read',
    summary: "LogJedi's GET /analyses: the newest analyses (summary, root cause, recommendation, action), newest first",
    query: AnalysesQuery,
    response: z.array(LogJediAnalysis),
    async handler({ query }) {
      const stored = await s.store.analyses.list(query.limit);
      return Promise.all(
        stored.map(async (a) => {
          const incident = await s.incidents.get(a.incidentId);
          const target = a.analysis.action?.target;
          return {
            timestamp: a.time,
            incident_id: a.incidentId,
            resource_kind: target?.kind ?? incident?.workload?.kind,
            resource_name: target?.name ?? incident?.workload?.name ?? incident?.key.workload,
            namespace: target?.namespace ?? incident?.key.namespace,
            reason: incident?.key.failureClass ?? a.analysis.failure_class,
            ...toResponse(a.analysis),
          };
        }),
      );
    },
  });

  route(app, s.docs, {
    method: 'GET',
    url: '/api/errors',
    tag: 'compatibility',
    access: 'read',
    summary: "Kube Sentinel's GET /api/errors: incidents as its error records, paged by page/pageSize",
    query: ErrorsQuery,
    response: z.object({ errors: z.array(SentinelError), total: z.number().int(), page: z.number().int(), pageSize: z.number().int() }),
    async handler({ query }) {
      const priority = (PRIORITIES as readonly string[]).includes(query.priority ?? '') ? [query.priority as (typeof PRIORITIES)[number]] : undefined;
      const { items, total } = s.incidents.query({
        ...(priority ? { priority } : {}),
        ...(query.namespace ? { namespace: query.namespace } : {}),
        ...(query.pod ? { pod: query.pod } : {}),
        ...(query.search ? { q: query.search } : {}),
        limit: query.pageSize,
        offset: (query.page - 1) * query.pageSize,
      });
      const applied = new Map<string, string>();
      for (const a of await s.store.approvals.list({ state: 'applied' })) if (!applied.has(a.incidentId)) applied.set(a.incidentId, a.decidedAt ?? a.proposedAt);
      return { errors: items.map((i) => sentinelError(i, applied.get(i.id))), total, page: query.page, pageSize: query.pageSize };
    },
  });
}
