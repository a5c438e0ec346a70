// /openapi.json, generated from the routes' zod schemas (z.toJSONSchema, JSON Schema 2020-12 as
// OpenAPI 3.1 uses), and /docs, a small bundled page that renders it (no CDN; CSP 'self').
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { DOCS_HTML, DOCS_JS, DOCS_CSS } from './docs-page.js';
import type { ApiDocs, RouteDoc } from './route.js';
import { ErrorBody } from './schemas.js';

type Json = Record<string, unknown>;

const schemaOf = (s: z.ZodType, io: 'input' | 'output'): Json => {
  const { $schema: _drop, ...rest } = z.toJSONSchema(s, { io, unrepresentable: 'any' }) as Json;
  return rest;
};

const errorResponse = (description: string) => ({ description, content: { 'application/json': { schema: schemaOf(ErrorBody, 'output') } } });

/** Query or path parameters from an object schema. */
function parameters(s: z.ZodType | undefined, where: 'query' | 'path'): Json[] {
  if (!s) return [];
  const json = schemaOf(s, 'input');
  const props = (json.properties ?? {}) as Record<string, Json>;
  const required = new Set((json.required ?? []) as string[]);
  return Object.entries(props).map(([name, schema]) => {
    const { description, ...rest } = schema;
    return { name, in: where, required: where === 'path' || required.has(name), schema: rest, ...(description ? { description } : {}) };
  });
}

function operation(r: RouteDoc): Json {
  const ok = r.status ?? 200;
  const responses: Json = {
    [ok]: r.produces
      ? { description: 'stream', content: { [r.produces]: { schema: { type: 'string' } } } }
      : { description: 'OK', ...(r.response ? { content: { 'application/json': { schema: schemaOf(r.response, 'output') } } } : {}) },
  };
  if (r.query || r.params || r.body) responses['400'] = errorResponse('invalid request; the message names the field');
  if (r.access !== 'open') {
    responses['401'] = errorResponse('missing or invalid token (when tokens are configured)');
    responses['429'] = errorResponse('too many failed authentications from this address');
  }
  if (r.access === 'admin') responses['403'] = errorResponse('the token lacks the admin role');
  if (r.params) responses['404'] = errorResponse('not found');
  return {
    tags: [r.tag],
    summary: r.summary,
    ...(r.description ? { description: r.description } : {}),
    operationId: `${r.method.toLowerCase()}${r.url.replace(/[/:{}-]+(\w)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
    ...(r.access === 'open' ? { security: [] } : {}),
    'x-vigil-role': r.access,
    parameters: [...parameters(r.params, 'path'), ...parameters(r.query, 'query')],
    ...(r.body ? { requestBody: { required: true, content: { 'application/json': { schema: schemaOf(r.body, 'input') } } } } : {}),
    responses,
  };
}

/** The OpenAPI document for the documented routes the app really serves. */
export function openApiDocument(routes: readonly RouteDoc[], served: (r: RouteDoc) => boolean, version: string): Json {
  const paths: Record<string, Json> = {};
  for (const r of routes) {
    if (!served(r)) continue;
    const path = r.url.replace(/:(\w+)/g, '{$1}');
    (paths[path] ??= {})[r.method.toLowerCase()] = operation(r);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Vigil control plane API',
      version,
      description: 'Incidents, AI calls, remediations, rules, settings, audit and live updates. Send `Authorization: Bearer <token>`; read tokens may GET, admin tokens may also change things.',
    },
    servers: [{ url: '/' }],
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    security: [{ bearer: [] }],
    paths,
  };
}

export async function openApiRoutes(app: FastifyInstance, opts: { docs: ApiDocs; version: string }): Promise<void> {
  let cached: Json | undefined;
  app.get('/openapi.json', async () => {
    // Built on first request: by then every plugin has registered its routes.
    cached ??= openApiDocument(opts.docs.routes, (r) => app.hasRoute({ method: r.method, url: r.url }), opts.version);
    return cached;
  });
  app.get('/docs', async (_req, reply) => reply.type('text/html; charset=utf-8').send(DOCS_HTML));
  app.get('/docs/docs.js', async (_req, reply) => reply.type('text/javascript; charset=utf-8').send(DOCS_JS));
  app.get('/docs/docs.css', async (_req, reply) => reply.type('text/css; charset=utf-8').send(DOCS_CSS));
}
