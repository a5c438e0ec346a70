// The guarded flow end to end over HTTP (fastify inject) against the Kubernetes stand-in:
// approval and rejection with who and why, the guards (excluded namespace, auto vs manual,
// cooldown, hourly limit, blast radius, DRY_RUN), LogJedi's reports, redaction, and a storm
// of 1,000 incidents that never exceeds any limit.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { auditRoutes } from '../control-plane/src/audit/routes.js';
import { RemediationSection, type RemediationConfigInput } from '../control-plane/src/remediate/config.js';
import { kubeFrom } from '../control-plane/src/remediate/kube.js';
import { createRemediator, type Remediator } from '../control-plane/src/remediate/remediator.js';
import { RemediationMetrics } from '../control-plane/src/metrics/remediation.js';
import { sampleOf } from './helpers/prom-text.js';
import { remediationRoutes } from '../control-plane/src/remediate/routes.js';
import { FileBackend } from '../control-plane/src/store/file-backend.js';
import { stateStoreOver, type StateStore } from '../control-plane/src/store/state-store.js';
import { startKubeApi, type KubeApiStandIn } from './helpers/kube-api.js';
import { seedWorkload, withActions } from './helpers/kube-api-actions.js';

let api: KubeApiStandIn;
let dir: string;
let store: StateStore;
let remediator: Remediator;
let app: FastifyInstance;
let clock: number;

async function setup(config: RemediationConfigInput, metrics?: RemediationMetrics): Promise<void> {
  remediator = createRemediator({ config: RemediationSection.parse(config), store, kube: kubeFrom(api.kubeConfig()), now: () => new Date(clock), ...(metrics ? { metrics } : {}) });
  app = Fastify();
  await app.register(remediationRoutes, { remediator });
  await app.register(auditRoutes, { store, now: () => new Date(clock) });
}

beforeEach(async () => {
  api = withActions(await startKubeApi());
  dir = mkdtempSync(join(tmpdir(), 'vigil-flow-'));
  store = stateStoreOver(new FileBackend({ dir }));
  clock = Date.parse('2026-11-28T04:00:00Z');
});

afterEach(async () => {
  await app?.close();
  await store.close();
  await api.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Writes that really changed something (not dry runs). */
const applied = () => api.requests.filter((r) => r.method !== 'GET' && r.query.dryRun !== 'All');
const restart = (ns: string, name: string) => ({ type: 'rollout-restart', target: { kind: 'Deployment', namespace: ns, name }, params: {} });
const post = (url: string, payload: unknown, headers: Record<string, string> = {}) => app.inject({ method: 'POST', url, payload: payload as object, headers });

describe('approval', () => {
  it('counts every audited step by action and outcome (vigil_remediations_total)', async () => {
    const registry = new Registry();
    await setup({}, new RemediationMetrics(registry));
    seedWorkload(api, 'shop', 'web');
    const proposed = await remediator.propose({ incidentId: 'inc-m', action: restart('shop', 'web'), actor: { type: 'llm', name: 'gpt-test' } });
    await remediator.approve(proposed.remediationId!, 'alice', 'metrics test');
    await remediator.propose({ incidentId: 'inc-m2', action: { type: 'none', target: { kind: 'Deployment', namespace: 'shop', name: 'web' }, params: {} }, actor: { type: 'rule', name: 'r' } });
    const text = await registry.metrics();
    expect(sampleOf(text, 'vigil_remediations_total', { action: 'rollout-restart', outcome: 'pending-approval' })).toBe(1);
    expect(sampleOf(text, 'vigil_remediations_total', { action: 'rollout-restart', outcome: 'applied' })).toBe(1);
    expect(sampleOf(text, 'vigil_remediations_total', { action: 'none', outcome: 'refused' })).toBe(1);
  });

  it('waits in manual mode, carries the kubectl command, and applies when approved (who and why recorded)', async () => {
    await setup({});
    seedWorkload(api, 'shop', 'web');
    const proposed = await remediator.propose({ incidentId: 'inc-7', action: restart('shop', 'web'), actor: { type: 'llm', name: 'gpt-test' } });
    expect(proposed).toMatchObject({ outcome: 'pending-approval', kubectl: 'kubectl rollout restart deployment/web -n shop' });
    expect(applied()).toEqual([]);

    const listed = await app.inject({ url: '/api/remediations?state=pending' });
    expect(listed.json()).toHaveLength(1);
    expect(listed.json()[0]).toMatchObject({ id: proposed.remediationId, kubectl: proposed.kubectl, pods: 2, state: 'pending' });

    expect((await post(`/api/remediations/${proposed.remediationId}/approve`, {})).statusCode).toBe(400);
    const ok = await post(`/api/remediations/${proposed.remediationId}/approve`, { why: 'pods leak memory; restart buys time' }, { 'x-vigil-user': 'alice' });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ outcome: 'applied' });
    expect(applied()).toHaveLength(1);
    expect((await post(`/api/remediations/${proposed.remediationId}/approve`, { by: 'bob' })).statusCode).toBe(409);

    const audit = await store.audit.list({ incidentId: 'inc-7' });
    expect(audit.map((e) => [e.outcome, e.actor])).toEqual([
      ['pending-approval', { type: 'llm', name: 'gpt-test' }],
      ['approved', { type: 'user', name: 'alice' }],
      ['applied', { type: 'user', name: 'alice' }],
    ]);
    expect(audit[1]!.note).toBe('pods leak memory; restart buys time');
    expect(audit[2]!.dryRun).toEqual({ ok: true, message: 'restarted deployment/web in namespace shop' });
    expect((await remediator.get(proposed.remediationId!))).toMatchObject({ state: 'applied', decidedBy: 'alice' });
  });

  it('records a rejection and never applies it', async () => {
    await setup({});
    seedWorkload(api, 'shop', 'web');
    const { remediationId } = await remediator.propose({ incidentId: 'inc-8', action: restart('shop', 'web'), actor: { type: 'analyzer' } });
    const res = await post(`/api/remediations/${remediationId}/reject`, { by: 'bob', why: 'deploy freeze' });
    expect(res.json()).toMatchObject({ outcome: 'rejected' });
    expect(await remediator.executeApproved()).toBe(0);
    expect(applied()).toEqual([]);
    expect((await store.audit.list({ incidentId: 'inc-8' })).at(-1)).toMatchObject({ outcome: 'rejected', actor: { type: 'user', name: 'bob' }, note: 'deploy freeze' });
    expect((await app.inject({ method: 'POST', url: '/api/remediations/nope/approve', payload: { by: 'x' } })).statusCode).toBe(404);
  });
});

describe('guards', () => {
  it.each([
    ['kube-system', /excluded/],
    ['vigil-system', /excluded/],
  ])('never touches %s, even in auto mode', async (ns, why) => {
    await setup({ applyMode: 'auto', autoApplyNamespaces: [ns] });
    seedWorkload(api, ns, 'coredns');
    const r = await remediator.propose({ incidentId: 'i', action: restart(ns, 'coredns'), actor: { type: 'rule', name: 'crashloop' } });
    expect(r.outcome).toBe('refused');
    expect(r.reasons.join()).toMatch(why);
    expect(api.requests).toEqual([]);
  });

  it('auto applies only inside the auto-apply namespaces', async () => {
    await setup({ applyMode: 'auto', autoApplyNamespaces: ['shop'] });
    seedWorkload(api, 'shop', 'web');
    seedWorkload(api, 'billing', 'api');
    expect((await remediator.propose({ incidentId: 'a', action: restart('shop', 'web'), actor: { type: 'rule' } })).outcome).toBe('applied');
    expect((await remediator.propose({ incidentId: 'b', action: restart('billing', 'api'), actor: { type: 'rule' } })).outcome).toBe('pending-approval');
    expect(applied().map((r) => r.path)).toEqual(['/apis/apps/v1/namespaces/shop/deployments/web']);
  });

  it("holds a target for the rule's cooldown, then frees it", async () => {
    await setup({ applyMode: 'auto', autoApplyNamespaces: ['shop'] });
    seedWorkload(api, 'shop', 'web');
    const go = (id: string) => remediator.propose({ incidentId: id, action: restart('shop', 'web'), actor: { type: 'rule', name: 'crashloop' }, cooldown: '10m' });
    expect((await go('1')).outcome).toBe('applied');
    clock += 9 * 60_000;
    const held = await go('2');
    expect(held.outcome).toBe('refused');
    expect(held.reasons.join()).toMatch(/cooling down for another 60s/);
    clock += 61_000;
    expect((await go('3')).outcome).toBe('applied');
  });

  it('stops at the hourly limit and resumes an hour later', async () => {
    await setup({ applyMode: 'auto', autoApplyNamespaces: ['shop'], maxActionsPerHour: 2 });
    for (const n of ['a', 'b', 'c']) seedWorkload(api, 'shop', n);
    expect((await remediator.propose({ incidentId: '1', action: restart('shop', 'a'), actor: { type: 'rule' } })).outcome).toBe('applied');
    expect((await remediator.propose({ incidentId: '2', action: restart('shop', 'b'), actor: { type: 'rule' } })).outcome).toBe('applied');
    const third = await remediator.propose({ incidentId: '3', action: restart('shop', 'c'), actor: { type: 'rule' } });
    expect(third.reasons.join()).toMatch(/hourly action limit of 2/);
    clock += 3_600_001;
    expect((await remediator.propose({ incidentId: '4', action: restart('shop', 'c'), actor: { type: 'rule' } })).outcome).toBe('applied');
  });

  it('refuses an action touching more pods than the cap', async () => {
    await setup({ applyMode: 'auto', autoApplyNamespaces: ['shop'], maxPodsPerAction: 3 });
    seedWorkload(api, 'shop', 'big', { replicas: 4 });
    const r = await remediator.propose({ incidentId: '1', action: restart('shop', 'big'), actor: { type: 'llm' } });
    expect(r.reasons.join()).toMatch(/would touch 4 pods, more than the cap of 3/);
    expect(applied()).toEqual([]);
  });

  it('DRY_RUN=true only ever runs the server-side dry run', async () => {
    await setup({ applyMode: 'auto', autoApplyNamespaces: ['shop'], dryRun: true });
    seedWorkload(api, 'shop', 'web');
    const r = await remediator.propose({ incidentId: '1', action: restart('shop', 'web'), actor: { type: 'llm' } });
    expect(r.outcome).toBe('dry-run');
    expect(api.requests.filter((q) => q.method === 'PATCH').map((q) => q.query)).toEqual([{ dryRun: 'All' }]);
  });

  it('an approval approved later is checked again against the guards', async () => {
    await setup({ applyMode: 'manual', maxActionsPerHour: 1 });
    for (const n of ['a', 'b']) seedWorkload(api, 'shop', n);
    const first = await remediator.propose({ incidentId: '1', action: restart('shop', 'a'), actor: { type: 'llm' } });
    const second = await remediator.propose({ incidentId: '2', action: restart('shop', 'b'), actor: { type: 'llm' } });
    expect((await remediator.approve(first.remediationId!, 'alice')).outcome).toBe('applied');
    const late = await remediator.approve(second.remediationId!, 'alice');
    expect(late.outcome).toBe('refused');
    expect(late.reasons.join()).toMatch(/hourly action limit/);
  });
});

describe('secrets', () => {
  it('refuses a patch carrying an API key in clear, and never stores the key', async () => {
    await setup({});
    seedWorkload(api, 'shop', 'web');
    const key = 'sk-proj-' + 'A1b2C3d4E5f6G7h8I9j0'.repeat(2);
    const patch = { spec: { template: { spec: { containers: [{ name: 'web', env: [{ name: 'OPENAI_API_KEY', value: key }] }] } } } };
    const r = await remediator.propose({ incidentId: 's', action: { type: 'k8s_patch', target: { kind: 'Deployment', namespace: 'shop', name: 'web' }, params: { patch } }, actor: { type: 'llm' } });
    expect(r.outcome).toBe('refused');
    expect(r.reasons.join()).toMatch(/secret in clear.*secretKeyRef/);
    const everything = JSON.stringify([await store.audit.list(), await store.approvals.list(), r, (await app.inject({ url: '/reports' })).json()]);
    expect(everything).not.toContain(key);
    expect(everything).toContain('[REDACTED]');
  });
});

describe('reports (LogJedi)', () => {
  it('lists the steps per incident and records an external executor outcome', async () => {
    await setup({});
    seedWorkload(api, 'shop', 'web');
    await store.analyses.put('inc-9', {
      failure_class: 'image_pull',
      summary: 'Image cannot be pulled',
      root_cause: 'tag v9 does not exist',
      recommendation: 'roll back to v1',
      evidence: [],
      action: null,
      confidence: 0.9,
      decision: 'alert',
      reason: 'crash',
      source: 'offline',
    });
    await remediator.propose({ incidentId: 'inc-9', action: { type: 'rollback', target: { kind: 'Deployment', namespace: 'shop', name: 'web' }, params: {} }, actor: { type: 'analyzer' } });
    clock += 1000;
    const outcome = await post('/report-outcome', { resource_kind: 'Deployment', resource_name: 'web', namespace: 'shop', outcome: 'applied' });
    expect(outcome.statusCode).toBe(201);
    expect(outcome.json()).toMatchObject({ incident_id: 'inc-9' });
    expect((await post('/report-outcome', { resource_kind: 'Deployment', outcome: 'applied' })).statusCode).toBe(400);

    const reports = (await app.inject({ url: '/reports?limit=10' })).json();
    expect(reports).toHaveLength(1);
    const report = (await app.inject({ url: '/reports/inc-9' })).json();
    expect(report).toMatchObject({ incident_id: 'inc-9', resource_kind: 'Deployment', resource_name: 'web', namespace: 'shop' });
    expect(report.steps[0]).toBe('Analysis (offline): Image cannot be pulled');
    expect(report.steps[1]).toBe('Root cause: tag v9 does not exist');
    // Refused: seeded with one revision only, so there is nothing to roll back to.
    expect(report.steps[3]).toMatch(/^Policy refused rollback on Deployment shop\/web proposed by analyzer \(.*no revision before 1\)/);
    expect(report.steps[4]).toBe('executor external executor reported k8s_patch on Deployment shop/web: applied');
    expect((await app.inject({ url: '/reports/none' })).statusCode).toBe(404);
  });
});

describe('storm', () => {
  it('1,000 incidents never exceed the hourly limit, the cooldown or the blast radius', async () => {
    const limits = { maxActionsPerHour: 20, maxPodsPerAction: 3 };
    await setup({ applyMode: 'auto', autoApplyNamespaces: ['shop', 'kube-system'], ...limits, maxQueued: 2000 });
    for (let i = 0; i < 40; i++) seedWorkload(api, 'shop', `svc-${i}`, { replicas: i % 4 === 0 ? 5 : 2 });
    seedWorkload(api, 'kube-system', 'coredns');
    const results = await Promise.all(
      Array.from({ length: 1000 }, (_, i) => {
        const target = i % 10 === 0 ? restart('kube-system', 'coredns') : restart('shop', `svc-${i % 40}`);
        return remediator.propose({ incidentId: `storm-${i}`, action: target, actor: { type: i % 2 ? 'llm' : 'rule' } });
      }),
    );
    const writes = applied();
    expect(writes.length).toBeLessThanOrEqual(limits.maxActionsPerHour);
    expect(writes.length).toBeGreaterThan(0);
    const perTarget = new Map<string, number>();
    for (const w of writes) perTarget.set(w.path, (perTarget.get(w.path) ?? 0) + 1);
    expect(Math.max(...perTarget.values())).toBe(1);
    for (const path of perTarget.keys()) {
      const name = path.split('/').at(-1)!;
      expect(Number(name.split('-')[1]) % 4).not.toBe(0);
      expect(path).not.toContain('kube-system');
    }
    expect(results.filter((r) => r.outcome === 'applied')).toHaveLength(writes.length);
    const audit = await store.audit.list();
    expect(new Set(audit.map((e) => e.incidentId)).size).toBe(1000);
  }, 60_000);
});
