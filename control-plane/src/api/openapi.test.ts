// /openapi.json: a well-formed OpenAPI 3.1 document whose schemas compile (ajv, JSON Schema
// 2020-12), that lists every /api route the app serves, and whose response schemas accept the
// API's real answers.
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { RouteOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, bearer, crash, startTestApi, TOKENS, type TestApi } from '../../../test/helpers/api.js';
import { seedWorkload } from '../../../test/helpers/kube-api-actions.js';
import { ApiDocs, apiRoutes } from './index.js';

type Json = Record<string, any>;

let t: TestApi;
let doc: Json;

beforeAll(async () => {
  t = await startTestApi({ config: { server: { auth: { tokens: TOKENS } } }, remediation: true });
  await t.engine.accept([crash(1), crash(2), crash(3, { namespace: 'pay', workload: 'api' })]);
  await t.engine.idle();
  const incident = t.incidents.query({ limit: 1 }).items[0]!;
  await t.store.analyses.put(incident.id, incident.analysis!);
  seedWorkload(t.kube!, 'shop', 'web');
  await t.remediator!.propose({ incidentId: incident.id, action: { type: 'rollout-restart', target: { kind: 'Deployment', namespace: 'shop', name: 'web' }, params: {} }, actor: { type: 'rule', name: 'r' } });
  t.aiCalls.add({ id: 'e1', time: '2026-11-28T04:00:00Z', node: 'n', provider: 'openai', model: 'gpt-4o', status: 200, latencyMs: 120, tokensIn: 3, tokensOut: 4, costUsd: 0.01, streaming: true });
  const res = await t.app.inject({ url: '/openapi.json' });
  expect(res.statusCode).toBe(200);
  doc = res.json();
});
afterAll(async () => {
  await t.close();
});

const ajv = () => {
  const a = new Ajv2020({ strict: false, allErrors: true });
  addFormats.default(a);
  return a;
};

describe('/openapi.json', () => {
  it('is an OpenAPI 3.1 document whose every schema compiles', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info.title).toContain('Vigil');
    expect(doc.components.securitySchemes.bearer).toEqual({ type: 'http', scheme: 'bearer' });
    const a = ajv();
    let schemas = 0;
    for (const [path, ops] of Object.entries(doc.paths as Json)) {
      expect(path.startsWith('/')).toBe(true);
      expect(path).not.toContain(':');
      for (const [method, op] of Object.entries(ops as Json)) {
        expect(['get', 'post', 'patch', 'put', 'delete']).toContain(method);
        expect(op.summary, `${method} ${path}`).toEqual(expect.any(String));
        expect(op.responses).toBeTypeOf('object');
        const placeholders = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
        expect(op.parameters.filter((p: Json) => p.in === 'path').map((p: Json) => p.name)).toEqual(placeholders);
        for (const p of op.parameters) {
          a.compile(p.schema);
          schemas++;
        }
        if (op.requestBody) {
          a.compile(op.requestBody.content['application/json'].schema);
          schemas++;
        }
        for (const r of Object.values(op.responses as Json)) {
          const s = r.content?.['application/json']?.schema;
          if (s) {
            a.compile(s);
            schemas++;
          }
        }
      }
    }
    expect(schemas).toBeGreaterThan(50);
  });

  it('lists every /api and compatibility route the app serves, with its role', async () => {
    // Collect what is really registered by building the same plugin into a fresh app.
    const routes: { method: string; url: string }[] = [];
    const Fastify = (await import('fastify')).default;
    const probe = Fastify();
    probe.addHook('onRoute', (r: RouteOptions) => {
      for (const m of [r.method].flat()) if (m !== 'HEAD') routes.push({ method: m, url: r.url });
    });
    await probe.register(apiRoutes, { engine: t.engine, incidents: t.incidents, store: t.store, aiCalls: t.aiCalls, live: t.live, stream: t.stream, rules: t.rules, config: t.config, docs: new ApiDocs(), version: 'x' });
    await probe.ready();
    await probe.close();
    // Plus the routes other modules register in the test app.
    const served = [
      ...routes,
      { method: 'GET', url: '/api/audit' },
      { method: 'GET', url: '/api/remediations' },
      { method: 'GET', url: '/api/remediations/:id' },
      { method: 'POST', url: '/api/remediations' },
      { method: 'POST', url: '/api/remediations/:id/approve' },
      { method: 'POST', url: '/api/remediations/:id/reject' },
      { method: 'GET', url: '/reports' },
      { method: 'POST', url: '/report-outcome' },
      { method: 'POST', url: '/analyze' },
    ];
    for (const r of served.filter((x) => x.url.startsWith('/api') || ['/analyses', '/reports', '/report-outcome', '/analyze'].includes(x.url))) {
      const path = r.url.replace(/:(\w+)/g, '{$1}');
      const op = doc.paths[path]?.[r.method.toLowerCase()];
      expect(op, `${r.method} ${r.url} is documented`).toBeDefined();
      expect(['read', 'admin']).toContain(op['x-vigil-role']);
      if (r.method !== 'GET') expect(op['x-vigil-role'], `${r.method} ${r.url}`).toBe('admin');
    }
    // Routes this app does not serve are left out (no sensors route in the test app).
    expect(doc.paths['/api/sensors']).toBeUndefined();
    expect(doc.paths['/health'].get.security).toEqual([]);
  });

  it("accepts the API's real answers with its response schemas", async () => {
    const a = ajv();
    const id = t.incidents.query({ limit: 1 }).items[0]!.id;
    const checks: [string, string, string?][] = [
      ['/api/incidents', '/api/incidents'],
      [`/api/incidents/${id}`, '/api/incidents/{id}'],
      ['/api/ai-calls', '/api/ai-calls'],
      ['/api/ai-calls/series?since=2026-11-28T03:00:00Z&until=2026-11-28T05:00:00Z', '/api/ai-calls/series'],
      ['/api/stats', '/api/stats'],
      ['/api/rules', '/api/rules'],
      ['/api/settings', '/api/settings'],
      ['/api/audit', '/api/audit'],
      ['/api/remediations', '/api/remediations'],
      ['/analyses', '/analyses'],
      ['/api/errors', '/api/errors'],
      ['/health', '/health'],
    ];
    for (const [url, path] of checks) {
      const res = await t.app.inject({ url, headers: bearer(ADMIN_TOKEN) });
      expect(res.statusCode, url).toBe(200);
      const schema = doc.paths[path].get.responses['200'].content['application/json'].schema;
      const validate = a.compile(schema);
      const ok = validate(res.json());
      expect(ok, `${url}: ${JSON.stringify(validate.errors?.slice(0, 3))}`).toBe(true);
    }
    // And an error answer matches the documented error body.
    const bad = await t.app.inject({ url: '/api/incidents?limit=0', headers: bearer(ADMIN_TOKEN) });
    const validate = a.compile(doc.paths['/api/incidents'].get.responses['400'].content['application/json'].schema);
    expect(validate(bad.json())).toBe(true);
  });
});
