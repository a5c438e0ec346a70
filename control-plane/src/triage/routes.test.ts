import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { TriageConfig } from './config.js';
import { testRedactor } from './fixtures/redactor.js';
import { analyzeRoutes } from './routes.js';
import { TriageService } from './service.js';

const fixture = (name: string) =>
  (JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), 'fixtures/analyze', `${name}.json`), 'utf8')) as { request: Record<string, unknown> }).request;

const app = Fastify();
const triage = new TriageService({ config: TriageConfig.parse({}), redactor: testRedactor });
await app.register(analyzeRoutes, { triage, redactor: testRedactor });
afterAll(() => app.close());

describe('POST /analyze (LogJedi)', () => {
  it('answers in LogJedi shape with failure class, evidence and confidence', async () => {
    const res = await app.inject({ method: 'POST', url: '/analyze', payload: fixture('rollout-stuck') });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(Object.keys(body)).toEqual(expect.arrayContaining(['summary', 'root_cause', 'recommendation', 'action', 'failure_class', 'evidence', 'confidence']));
    expect(body.action).toEqual({ type: 'rollback', target: { kind: 'Deployment', namespace: 'pay', name: 'payments' } });
    expect(body.failure_class).toBe('rollout-stuck');
  });

  it('flattens a patch action as LogJedi does ({type, target, patch})', async () => {
    const body = (await app.inject({ method: 'POST', url: '/analyze', payload: fixture('oom-killed') })).json();
    expect(body.action.type).toBe('k8s_patch');
    expect(body.action.patch.spec.template.spec.containers[0].resources.limits.memory).toBe('384Mi');
  });

  it('redacts secrets from logs, events and spec before answering', async () => {
    const payload = {
      resource_kind: 'Pod',
      resource_name: 'bot-7c5ddbdf54-8xk2p',
      namespace: 'ai',
      reason: 'CrashLoopBackOff',
      events: ['Warning BackOff: Back-off restarting failed container bot'],
      recent_logs: 'starting with key sk-proj-AAAAbbbbCCCCddddEEEEffff\nError: 401 Incorrect API key provided: sk-proj-AAAAbbbbCCCCddddEEEEffff',
      spec: { containers: [{ name: 'bot', env: [{ name: 'OPENAI_API_KEY', value: 'sk-proj-AAAAbbbbCCCCddddEEEEffff' }] }] },
    };
    const res = await app.inject({ method: 'POST', url: '/analyze', payload });
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain('sk-proj-');
    expect(res.json().evidence.join('\n')).toContain('[REDACTED]');
  });

  it('rejects a request without the resource fields with a clear error', async () => {
    const res = await app.inject({ method: 'POST', url: '/analyze', payload: { resource_kind: 'Pod' } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'VIGIL_ANALYZE_INVALID' });
    expect(res.json().detail).toContain('resource_name');
  });
});
