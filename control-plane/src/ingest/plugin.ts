// The HTTP ingest endpoints as one encapsulated plugin: inside it every body arrives as a raw
// Buffer (kept for signature checks, gzip and our own framing), without changing how the
// rest of the app (API routes) parses JSON.
import type { FastifyInstance } from 'fastify';
import { logRoutes } from './logs/route.js';
import { webhookRoutes } from './webhooks/route.js';

export async function ingestRoutes(app: FastifyInstance): Promise<void> {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  await app.register(logRoutes);
  await app.register(webhookRoutes);
}
