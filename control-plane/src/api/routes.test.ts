// Every API route through the real app (fastify inject) with real parts behind it: incidents,
// remediations (against the Kubernetes stand-in), AI calls, stats, rules, settings, audit,
// validation errors and the LogJedi / Kube Sentinel compatibility routes.
import { readFileSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, bearer, crash, READ_TOKEN, startTestApi, TOKENS, type TestApi } from '../../../test/helpers/api.js';
import { seedWorkload } from '../../../test/helpers/kube-api-actions.js';
import type { AiCallRow } from '../aicalls/store.js';
import { LIST_TIMELINE } from './incidents.js';

let t: TestApi;
const admin = bearer(ADMIN_TOKEN);
const reader = bearer(READ_TOKEN);
const get = (url: string) => t.app.inject({ url, headers: reader });
const send = (method: 'POST' | 'PATCH', url: string, payload?: object) => t.app.inject({ method, url, headers: admin, ...(payload ? { payload } : {}) });

beforeEach(async () => {
  t = await startTestApi({ config: { server: { auth: { tokens: TOKENS } } }, remediation: true });
});
afterEach(async () => {
  await t.close();
});

/** Three incidents: shop/checkout (P1, 12 signals), pay/api (P1), shop/img (P2 image pull). */
async function seed(): Promise<void> {
  await t.engine.accept(Array.from({ length: 12 }, (_, n) => crash(n)));
  await t.engine.accept([crash(20, { namespace: 'pay', workload: 'api' })]);
  await t.engine.accept([crash(30, { workload: 'img', reason: 'ErrImagePull', title: 'image pull failed', message: 'ErrImagePull: nginx:nope' })]);
  await t.engine.idle();
}

function call(n: number, over: Partial<AiCallRow> = {}): AiCallRow {
  return {
    id: `ev-${n}`,
    time: new Date(Date.parse('2026-11-28T04:00:00Z') + n * 1000).toISOString(),
    node: 'node-a',
    namespace: 'shop',
    pod: 'bot-1',
    provider: 'openai',
    model: 'gpt-4o-mini',
    status: 200,
    latencyMs: 100,
    tokensIn: 10,
    tokensOut: 5,
    costUsd: 0.001,
    ...over,
  };
}

describe('incidents', () => {
  it('lists with filters, sort and paging; items carry the last timeline entries only', async () => {
    await seed();
    const all = (await get('/api/incidents')).json();
    expect(all.total).toBe(3);
    expect(all.count).toBe(3);
    // Newest first.
    expect(all.items.map((i: { key: { workload: string } }) => i.key.workload)).toEqual(['img', 'api', 'checkout']);
    const checkout = all.items.find((i: { key: { workload: string } }) => i.key.workload === 'checkout');
    expect(checkout.signalCount).toBe(12);
    expect(checkout.timeline).toHaveLength(LIST_TIMELINE);

    expect((await get('/api/incidents?priority=P2')).json().items.map((i: { key: { workload: string } }) => i.key.workload)).toEqual(['img']);
    expect((await get('/api/incidents?priority=P1,P2&namespace=pay')).json().total).toBe(1);
    expect((await get('/api/incidents?q=IMAGE%20PULL')).json().total).toBe(1);
    expect((await get('/api/incidents?since=2026-11-28T04:00:15Z')).json().total).toBe(2);
    expect((await get('/api/incidents?until=2026-11-28T04:00:05Z')).json().total).toBe(1);
    const byPriority = (await get('/api/incidents?sort=priority')).json();
    expect(byPriority.items.map((i: { priority: string }) => i.priority)).toEqual(['P1', 'P1', 'P2']);
    const page = (await get('/api/incidents?limit=1&offset=1')).json();
    expect(page).toMatchObject({ total: 3, count: 1 });
    expect(page.items[0].key.workload).toBe('api');
    expect((await get('/api/incidents?state=resolved')).json().total).toBe(0);
  });

  it('shows one incident with its full timeline, analysis and remediations; 404 for an unknown id', async () => {
    await seed();
    const id = t.incidents.query({ q: 'checkout', limit: 1 }).items[0]!.id;
    const detail = (await get(`/api/incidents/${id}`)).json();
    expect(detail.timeline).toHaveLength(12);
    expect(detail.analysis.summary).toEqual(expect.any(String));
    expect(detail.remediations).toEqual([]);
    const missing = await get('/api/incidents/nope-1');
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ statusCode: 404, code: 'VIGIL_NOT_FOUND', error: 'Not Found' });
  });

  it('acknowledges and resolves, audits each change once, and refuses to acknowledge a resolved incident', async () => {
    await seed();
    const id = t.incidents.query({ q: 'checkout', limit: 1 }).items[0]!.id;
    expect((await send('POST', `/api/incidents/${id}/acknowledge`)).json().state).toBe('acknowledged');
    expect((await send('POST', `/api/incidents/${id}/acknowledge`)).json().state).toBe('acknowledged');
    const resolved = (await send('POST', `/api/incidents/${id}/resolve`)).json();
    expect(resolved).toMatchObject({ state: 'resolved', resolvedAt: expect.any(String) });
    expect((await get('/api/incidents?state=resolved')).json().items.map((i: { id: string }) => i.id)).toEqual([id]);
    const again = await send('POST', `/api/incidents/${id}/acknowledge`);
    expect(again.statusCode).toBe(409);
    const audit = (await get(`/api/audit?incident=${id}`)).json();
    expect(audit.map((e: { outcome: string }) => e.outcome)).toEqual(['acknowledged', 'resolved']);
    expect(audit[0].actor).toEqual({ type: 'user', name: 'alice' });
    // Stored, not only in memory.
    expect((await t.store.incidents.get(id))!.state).toBe('resolved');
    expect((await send('POST', '/api/incidents/nope-1/resolve')).statusCode).toBe(404);
  });

  it('rejects bad queries with a 400 naming the field', async () => {
    for (const [url, field] of [
      ['/api/incidents?limit=0', 'limit'],
      ['/api/incidents?limit=abc', 'limit'],
      ['/api/incidents?priority=P9', 'priority'],
      ['/api/incidents?state=closed', 'state'],
      ['/api/incidents?sort=oldest', 'sort'],
      ['/api/incidents?since=yesterday', 'since'],
      ['/api/incidents?bogus=1', 'bogus'],
      ['/api/ai-calls?status=fine', 'status'],
      ['/api/ai-calls/series?by=pod', 'by'],
    ] as const) {
      const r = await get(url);
      expect(r.statusCode, url).toBe(400);
      expect(r.json().code).toBe('VIGIL_API_INVALID');
      expect(r.json().message, url).toContain(field);
    }
  });
});

describe('remediations', () => {
  it("approves with the token's name as who decided, lists by state, and rejects a second decision", async () => {
    seedWorkload(t.kube!, 'shop', 'web');
    const proposed = await t.remediator!.propose({
      incidentId: 'inc-1',
      action: { type: 'rollout-restart', target: { kind: 'Deployment', namespace: 'shop', name: 'web' }, params: {} },
      actor: { type: 'rule', name: 'r' },
    });
    expect((await get('/api/remediations?state=pending')).json()).toHaveLength(1);
    expect((await t.app.inject({ method: 'POST', url: `/api/remediations/${proposed.remediationId}/approve`, headers: reader, payload: {} })).statusCode).toBe(403);
    // Neither a `by` field nor the proxy header can record another name than the token's.
    const approved = await t.app.inject({
      method: 'POST',
      url: `/api/remediations/${proposed.remediationId}/approve`,
      headers: { ...admin, 'x-vigil-user': 'mallory' },
      payload: { why: 'checked the dashboards', by: 'mallory' },
    });
    expect(approved.statusCode).toBe(200);
    const decided = (await get(`/api/remediations/${proposed.remediationId}`)).json();
    expect(decided).toMatchObject({ decidedBy: 'alice', why: 'checked the dashboards' });
    expect((await send('POST', `/api/remediations/${proposed.remediationId}/reject`, {})).statusCode).toBe(409);
    const audit = (await get('/api/audit?incident=inc-1')).json();
    expect(audit.some((e: { outcome: string; actor: { name?: string } }) => e.outcome === 'approved' && e.actor.name === 'alice')).toBe(true);
  });
});

describe('AI calls', () => {
  beforeEach(() => {
    for (let n = 0; n < 30; n++) {
      t.aiCalls.add(
        call(n, {
          ...(n % 3 === 0 ? { model: 'claude-3-5-sonnet', provider: 'anthropic' } : {}),
          ...(n % 5 === 0 ? { status: 429, error: 'rate_limit_exceeded' } : {}),
          ...(n >= 20 ? { namespace: 'pay', pod: 'agent-1' } : {}),
        }),
      );
    }
  });

  it('lists newest first with filters and paging', async () => {
    const all = (await get('/api/ai-calls?limit=5')).json();
    expect(all).toMatchObject({ total: 30, count: 5 });
    expect(all.items[0]).toEqual({ ...call(29), namespace: 'pay', pod: 'agent-1' });
    expect((await get('/api/ai-calls?namespace=pay')).json().total).toBe(10);
    expect((await get('/api/ai-calls?pod=agent-1&provider=anthropic')).json().total).toBe(3);
    expect((await get('/api/ai-calls?model=claude-3-5-sonnet')).json().total).toBe(10);
    expect((await get('/api/ai-calls?status=error')).json().total).toBe(6);
    expect((await get('/api/ai-calls?status=429')).json().total).toBe(6);
    expect((await get('/api/ai-calls?status=ok')).json().total).toBe(24);
    expect((await get('/api/ai-calls?status=500')).json().total).toBe(0);
    expect((await get('/api/ai-calls?model=unknown-model')).json().total).toBe(0);
    expect((await get('/api/ai-calls?since=2026-11-28T04:00:25Z')).json().total).toBe(5);
    const page = (await get('/api/ai-calls?limit=2&offset=28')).json();
    expect(page.items.map((r: AiCallRow) => r.id)).toEqual(['ev-1', 'ev-0']);
  });

  it('aggregates a time series per model', async () => {
    const r = (await get('/api/ai-calls/series?since=2026-11-28T04:00:00Z&until=2026-11-28T04:00:30Z&step=10&by=model')).json();
    expect(r).toMatchObject({ step: 10, by: 'model', from: '2026-11-28T04:00:00.000Z' });
    const gpt = r.series.find((s: { key: string }) => s.key === 'gpt-4o-mini');
    expect(gpt.points).toHaveLength(3);
    // 0..9: n%3 != 0 → 1,2,4,5,7,8 (6 calls), errors at 5.
    expect(gpt.points[0]).toMatchObject({ t: '2026-11-28T04:00:00.000Z', calls: 6, errors: 1, tokensIn: 60, tokensOut: 30, costUsd: 0.006 });
    expect(gpt.points[0].latencyP50Ms).toBeGreaterThan(91);
    expect(gpt.points[0].latencyP50Ms).toBeLessThan(109);
    const bad = await get('/api/ai-calls/series?since=2026-11-01T00:00:00Z&until=2026-11-28T00:00:00Z&step=60');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toContain('buckets');
  });
});

describe('stats, rules, settings', () => {
  it('counts incidents, AI calls and remediations, with the Kube Sentinel fields', async () => {
    await seed();
    t.aiCalls.add(call(1, { status: 500, error: 'server error' }));
    t.aiCalls.add(call(2));
    const s = (await get('/api/stats')).json();
    expect(s.incidents).toMatchObject({ total: 3, byPriority: { P1: 2, P2: 1, P3: 0, P4: 0 }, byState: { open: 3 } });
    expect(s.aiCalls).toMatchObject({ total: 2, errors: 1, tokensIn: 20, tokensOut: 10, costUsd: 0.002 });
    expect(s).toMatchObject({ TotalErrors: 3, ErrorsByPriority: { P1: 2, P2: 1 }, ErrorsByNamespace: { shop: 2, pay: 1 }, RemediationCount: 0, LastRemediation: null });
    expect(s.LastError).toBe('2026-11-28T04:00:30.000Z');
  });

  it('shows the rules in force and reloads them; a bad file keeps the old rules and answers 422', async () => {
    const before = (await get('/api/rules')).json();
    expect(before.source).toBe(t.rulesFile);
    expect(before.rules.map((r: { name: string }) => r.name)).toContain('crashloop-backoff');
    writeFileSync(t.rulesFile, 'default_priority: P4\nrules:\n  - name: only-rule\n    match: {pattern: "boom"}\n    priority: P2\n');
    const reloaded = await send('POST', '/api/rules/reload');
    expect(reloaded.statusCode).toBe(200);
    expect(reloaded.json()).toMatchObject({ defaultPriority: 'P4', rules: [{ name: 'only-rule', priority: 'P2' }] });
    writeFileSync(t.rulesFile, 'rules:\n  - name: broken\n    priority: P9\n');
    const bad = await send('POST', '/api/rules/reload');
    expect(bad.statusCode).toBe(422);
    expect(bad.json()).toMatchObject({ code: 'VIGIL_RULES_INVALID' });
    expect(bad.json().message).toContain('broken');
    const after = (await get('/api/rules')).json();
    expect(after.rules.map((r: { name: string }) => r.name)).toEqual(['only-rule']);
    expect(after.errors[0]).toMatchObject({ rule: 'broken', field: 'priority' });
  });

  it('changes dry-run and apply mode at runtime (the remediator sees it) and audits who changed what', async () => {
    const before = (await get('/api/settings')).json();
    expect(before).toMatchObject({ applyMode: 'manual', dryRunOnly: false, remediationEnabled: true, enabled: true, dry_run: false, actions_this_hour: 0, triage: { mode: 'offline' } });
    const patched = await send('PATCH', '/api/settings', { dryRunOnly: true, applyMode: 'auto' });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toMatchObject({ dryRunOnly: true, applyMode: 'auto', dry_run: true });
    expect(t.config.remediation).toMatchObject({ dryRun: true, applyMode: 'auto' });
    const audit = (await get('/api/audit')).json();
    expect(audit.at(-1)).toMatchObject({ outcome: 'settings-changed', actor: { name: 'alice' }, note: 'dryRunOnly false → true, applyMode manual → auto' });

    // Dry-run only now holds for an approved action: nothing is applied.
    seedWorkload(t.kube!, 'shop', 'web');
    t.config.remediation.applyMode = 'manual';
    const proposed = await t.remediator!.propose({ incidentId: 'inc-2', action: { type: 'rollout-restart', target: { kind: 'Deployment', namespace: 'shop', name: 'web' }, params: {} }, actor: { type: 'rule' } });
    const result = (await send('POST', `/api/remediations/${proposed.remediationId}/approve`, {})).json();
    expect(result.outcome).toBe('dry-run');

    for (const body of [{}, { dryRunOnly: 'yes' }, { applyMode: 'sometimes' }, { enabled: true }]) {
      const r = await send('PATCH', '/api/settings', body);
      expect(r.statusCode, JSON.stringify(body)).toBe(400);
      expect(r.json().message).toMatch(/^invalid body: /);
    }
  });
});

describe('compatibility routes', () => {
  it("serves LogJedi's /analyses and /reports from stored analyses and the audit log", async () => {
    await seed();
    const incident = t.incidents.query({ q: 'checkout', limit: 1 }).items[0]!;
    await t.store.analyses.put(incident.id, incident.analysis!, '2026-11-28T04:01:00Z');
    const analyses = (await get('/analyses?limit=10')).json();
    expect(analyses).toHaveLength(1);
    expect(analyses[0]).toMatchObject({
      timestamp: '2026-11-28T04:01:00Z',
      incident_id: incident.id,
      namespace: 'shop',
      summary: incident.analysis!.summary,
      root_cause: incident.analysis!.root_cause,
      recommendation: incident.analysis!.recommendation,
    });
    expect(analyses[0]).toHaveProperty('action');
    expect(analyses[0]).toHaveProperty('resource_kind');
    expect(analyses[0]).toHaveProperty('resource_name');
    await send('POST', `/api/incidents/${incident.id}/acknowledge`);
    const reports = (await get('/reports')).json();
    expect(reports[0]).toMatchObject({ incident_id: incident.id });
    expect(reports[0].steps.some((s: string) => s.includes('acknowledged'))).toBe(true);
    const outcome = await send('POST', '/report-outcome', { resource_kind: 'Deployment', resource_name: 'checkout', namespace: 'shop', outcome: 'applied' });
    expect(outcome.statusCode).toBe(201);
  });

  it("serves Kube Sentinel's /api/errors with its field names, filters and paging", async () => {
    await seed();
    const r = (await get('/api/errors?pageSize=2&page=1')).json();
    expect(r).toMatchObject({ total: 3, page: 1, pageSize: 2 });
    expect(r.errors).toHaveLength(2);
    expect(Object.keys(r.errors[0]).sort()).toEqual(
      ['Container', 'Count', 'FirstSeen', 'Fingerprint', 'ID', 'Labels', 'LastSeen', 'Message', 'Namespace', 'Pod', 'Priority', 'Remediated', 'RemediatedAt', 'RuleMatched', 'Timestamp'].sort(),
    );
    expect(r.errors[0]).toMatchObject({ Namespace: 'shop', Priority: 'P2', Remediated: false, RemediatedAt: null, Message: 'ErrImagePull: nginx:nope' });
    expect((await get('/api/errors?page=2&pageSize=2')).json().errors).toHaveLength(1);
    expect((await get('/api/errors?priority=P2')).json().total).toBe(1);
    expect((await get('/api/errors?namespace=pay')).json().total).toBe(1);
    expect((await get('/api/errors?pod=api-7c5ddbdf54-8xk2p')).json().total).toBe(1);
    expect((await get('/api/errors?search=image')).json().total).toBe(1);
    // Like Kube Sentinel: nonsense paging is clamped, an unknown priority ignored.
    expect((await get('/api/errors?page=-3&pageSize=1000&priority=urgent')).json()).toMatchObject({ page: 1, pageSize: 20, total: 3 });
  });

  it("carries Kube Sentinel's /api/settings fields", async () => {
    const s = (await get('/api/settings')).json();
    expect(s).toMatchObject({ enabled: true, dry_run: false, actions_this_hour: 0 });
  });
});

describe('the docs page', () => {
  it('is a bundled page whose script and style come from this server', async () => {
    const html = await t.app.inject({ url: '/docs' });
    expect(html.headers['content-type']).toContain('text/html');
    const srcs = [...html.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(srcs.length).toBeGreaterThanOrEqual(2);
    for (const src of srcs) {
      expect(src.startsWith('/')).toBe(true);
      expect((await t.app.inject({ url: src })).statusCode).toBe(200);
    }
    expect(readFileSync(new URL('./docs-page.ts', import.meta.url), 'utf8')).not.toMatch(/https?:\/\/(?!json-schema)/);
  });
});
