// Serves the dashboard (control-plane/dashboard/: HTML, CSS and native ES modules, no build
// step) under /ui/, and sends `/` there. The assets are open; the data they fetch is not.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync } from 'fastify';

/** The asset directory next to the sources, or (from dist/) the one in the checkout or image. */
export function dashboardRoot(): string {
  const candidates = ['../dashboard/', '../../../control-plane/dashboard/'].map((rel) => fileURLToPath(new URL(rel, import.meta.url)));
  const found = candidates.find((dir) => existsSync(`${dir}index.html`));
  if (!found) throw new Error(`dashboard assets not found (looked in ${candidates.join(', ')})`);
  return found;
}

export const dashboardRoutes: FastifyPluginAsync<{ root?: string }> = async (app, opts) => {
  await app.register(fastifyStatic, {
    root: opts.root ?? dashboardRoot(),
    prefix: '/ui/',
    // Other plugins (the API docs page) may serve files too: no shared reply.sendFile.
    decorateReply: false,
    redirect: true,
    index: 'index.html',
    // Assets change with the release; revalidate with the ETag rather than cache blindly.
    cacheControl: true,
    maxAge: 0,
  });
  app.get('/', async (_req, reply) => reply.redirect('/ui/'));
};
