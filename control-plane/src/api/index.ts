// The control plane's API (everything under /api plus the compatibility routes, the live
// stream and /openapi.json + /docs) as one fastify plugin. Incident changes are published to
// the live hub here; AI calls, remediations and audit entries are published where they are written.
import type { FastifyInstance } from 'fastify';
import { aiCallRoutes } from './ai-calls.js';
import { compatRoutes } from './compat.js';
import { documentOtherRoutes } from './documented.js';
import { publishIncidentChanges } from './incident-feed.js';
import { incidentRoutes } from './incidents.js';
import { openApiRoutes } from './openapi.js';
import type { ApiServices } from './services.js';
import { systemRoutes } from './system.js';

export { ApiDocs } from './route.js';
export type { ApiServices } from './services.js';

export async function apiRoutes(app: FastifyInstance, s: ApiServices & { version: string }): Promise<void> {
  documentOtherRoutes(s.docs);
  await incidentRoutes(app, s);
  await aiCallRoutes(app, s);
  await systemRoutes(app, s);
  await compatRoutes(app, s);
  await openApiRoutes(app, { docs: s.docs, version: s.version });
  const unsubscribe = publishIncidentChanges(s.engine, s.live);
  app.addHook('preClose', async () => {
    unsubscribe();
    s.stream.endAll();
  });
}
