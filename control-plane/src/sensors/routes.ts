// GET /api/sensors: every node's sensor health (sensors/health.ts), sorted by node.
import type { FastifyInstance } from 'fastify';
import type { SensorHealthRegistry } from './health.js';

export async function sensorRoutes(app: FastifyInstance, opts: { sensors: SensorHealthRegistry }): Promise<void> {
  app.get('/api/sensors', async () => ({ items: opts.sensors.list() }));
}
