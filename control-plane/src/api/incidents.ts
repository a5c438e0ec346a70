// Incidents over HTTP: the filtered, sorted, paged list; one incident with its full timeline,
// analysis and remediations; acknowledge and resolve (recorded in the audit log).
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { INCIDENT_STATES, type Incident } from '../correlate/types.js';
import { PRIORITIES } from '../rules/priority.js';
import { ApiError, csvOf, isoMs, notFound, route } from './route.js';
import { IncidentDetail, Incident as IncidentSchema, Page } from './schemas.js';
import { auditAction, type ApiServices } from './services.js';

/** Timeline entries a list item keeps (the detail has them all). */
export const LIST_TIMELINE = 5;

export const IncidentListQuery = z
  .object({
    priority: csvOf(PRIORITIES).optional().describe('comma-separated, e.g. P1,P2'),
    state: csvOf(INCIDENT_STATES).optional().describe('comma-separated, e.g. open,acknowledged'),
    namespace: z.string().min(1).optional(),
    since: isoMs.optional().describe('ISO time: incidents seen at or after'),
    until: isoMs.optional().describe('ISO time: incidents begun at or before'),
    q: z.string().min(1).max(200).optional().describe('text in id, title, namespace, workload, container, rule or pods'),
    sort: z.enum(['recent', 'priority']).default('recent'),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
  })
  .strict();

export const IdParams = z.object({ id: z.string().min(1).max(300) });

export const listItem = (i: Incident): Incident => (i.timeline.length > LIST_TIMELINE ? { ...i, timeline: i.timeline.slice(-LIST_TIMELINE) } : i);

export async function incidentRoutes(app: FastifyInstance, s: ApiServices): Promise<void> {
  route(app, s.docs, {
    method: 'GET',
    url: '/api/incidents',
    tag: 'incidents',
    access: 'read',
    summary: 'List incidents (newest first, or by priority), filtered and paged',
    query: IncidentListQuery,
    response: Page(IncidentSchema),
    async handler({ query }) {
      const { items, total } = s.incidents.query(query);
      return { items: items.map(listItem), total, count: items.length };
    },
  });

  route(app, s.docs, {
    method: 'GET',
    url: '/api/incidents/:id',
    tag: 'incidents',
    access: 'read',
    summary: 'One incident: full timeline, analysis, proposed and decided remediations',
    params: IdParams,
    response: IncidentDetail,
    async handler({ params }) {
      const incident = await s.incidents.get(params.id);
      if (!incident) throw notFound(`incident ${params.id}`);
      return { ...incident, remediations: await s.store.approvals.list({ incidentId: params.id }) };
    },
  });

  for (const verb of ['acknowledge', 'resolve'] as const) {
    route(app, s.docs, {
      method: 'POST',
      url: `/api/incidents/:id/${verb}`,
      tag: 'incidents',
      access: 'admin',
      summary: verb === 'acknowledge' ? 'Acknowledge an open incident' : 'Resolve an incident by hand (a new failure reopens it)',
      params: IdParams,
      response: IncidentSchema,
      async handler({ params, req }) {
        const before = await s.incidents.get(params.id);
        if (!before) throw notFound(`incident ${params.id}`);
        const was = before.state;
        if (verb === 'acknowledge' && was === 'resolved') throw new ApiError(409, 'VIGIL_INCIDENT_RESOLVED', `incident ${params.id} is resolved; nothing to acknowledge`);
        const after = await s.engine[verb](params.id);
        if (!after) throw notFound(`incident ${params.id}`);
        const target = verb === 'acknowledge' ? 'acknowledged' : 'resolved';
        if (after.state !== target) throw new ApiError(409, 'VIGIL_INCIDENT_NOT_ACTIVE', `incident ${params.id} is ${after.state} and no longer tracked by the correlator`);
        if (after.state !== was) await auditAction(s, req, { incidentId: params.id, outcome: verb === 'acknowledge' ? 'acknowledged' : 'resolved' });
        return listItem(after);
      },
    });
  }
}
