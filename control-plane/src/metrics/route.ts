// GET /metrics: the registry in Prometheus' text format. Open (no token), like /health.
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';

export async function metricsRoute(app: FastifyInstance, opts: { registry: Registry }): Promise<void> {
  app.get('/metrics', async (_req, reply) => {
    const text = await opts.registry.metrics();
    return reply.type(opts.registry.contentType).send(text);
  });
}
