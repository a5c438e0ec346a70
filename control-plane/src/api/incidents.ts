// Read and acknowledge incidents over HTTP: GET /api/incidents (filter by state, namespace and
// priority), GET /api/incidents/:id with its timeline and analysis, POST …/acknowledge.
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { INCIDENT_STATES } from '../correlate/types.js';
import type { IncidentEngine } from '../incidents.js';
import { PRIORITIES } from '../rules/priority.js';

const ListQuery = z.object({
  state: z.enum(INCIDENT_STATES).optional(),
  namespace: z.string().min(1).optional(),
  priority: z.enum(PRIORITIES).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

export const incidentRoutes: FastifyPluginAsync<{ engine: IncidentEngine }> = async (app, { engine }) => {
  app.get('/api/incidents', async (req, reply) => {
    const q = ListQuery.safeParse(req.query);
    if (!q.success) return reply.code(400).send({ statusCode: 400, code: 'BAD_QUERY', message: z.prettifyError(q.error) });
    const { priority, limit, ...filter } = q.data;
    const all = await engine.list(filter);
    const items = (priority ? all.filter((i) => i.priority === priority) : all).slice(0, limit);
    return { items, count: items.length };
  });

  app.get<{ Params: { id: string } }>('/api/incidents/:id', async (req, reply) => {
    const incident = await engine.get(req.params.id);
    if (!incident) return reply.code(404).send({ statusCode: 404, code: 'NOT_FOUND', message: `no incident ${req.params.id}` });
    return incident;
  });

  app.post<{ Params: { id: string } }>('/api/incidents/:id/acknowledge', async (req, reply) => {
    const incident = await engine.acknowledge(req.params.id);
    if (!incident) return reply.code(404).send({ statusCode: 404, code: 'NOT_FOUND', message: `no incident ${req.params.id}` });
    return incident;
  });
};
