import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeOpenAI, VALID_ANSWER } from '../../../test/helpers/fake-openai.js';
import { TriageConfig } from './config.js';
import { testRedactor } from './fixtures/redactor.js';
import type { AnalysisInput } from './input.js';
import { estimateTokens } from './prompt.js';
import { TriageService } from './service.js';
import { Registry } from 'prom-client';
import { TriageMetrics } from '../metrics/triage.js';
import { sampleOf } from '../../../test/helpers/prom-text.js';

const KEY = 'sk-proj-' + 'Zx9fakeKEYfakeKEYfakeKEY1234567890'; // split: not a secret, keep scanners quiet

function input(over: Partial<AnalysisInput> = {}): AnalysisInput {
  return {
    resource: { kind: 'Deployment', name: 'api', namespace: 'prod', workload: { kind: 'Deployment', name: 'api' } },
    reason: 'OOMKilled',
    events: ['Warning BackOff: Back-off restarting failed container api'],
    logs: [`connecting with OPENAI_API_KEY=${KEY}`, 'Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.secret.sig', ...Array.from({ length: 5000 }, (_, i) => `GC pause ${i}ms heap=${i}Mi ${'x'.repeat(i % 50)}`)],
    historicalLogs: [],
    status: { containerStatuses: [{ name: 'api', lastState: { terminated: { reason: 'OOMKilled', exitCode: 137 } } }] },
    signals: [],
    priority: 'P1',
    ...over,
  };
}

let fake: FakeOpenAI;
beforeAll(async () => {
  fake = await new FakeOpenAI().start();
});
afterAll(() => fake.close());

function service(mode: 'llm' | 'llm-fallback', llm: Record<string, unknown> = {}, metrics?: TriageMetrics) {
  const config = TriageConfig.parse({
    mode,
    llm: { base_url: fake.baseURL, api_key: 'test-key', model: 'small-model', timeout_ms: 2_000, max_retries: 0, max_context_tokens: 800, ...llm },
  });
  return new TriageService({ config, redactor: testRedactor, ...(metrics ? { metrics } : {}) });
}

describe('LLM triage against a fake OpenAI server', () => {
  let before = 0;
  beforeEach(() => {
    before = fake.requests.length;
  });
  const sent = () => fake.requests.slice(before);

  it('returns the validated answer; the prompt is redacted and within the token budget', async () => {
    const a = await service('llm-fallback').analyze(input());
    expect(a.source).toBe('llm');
    expect(a.summary).toBe(VALID_ANSWER.summary);
    expect(a.decision).toBe('alert');
    expect(a.evidence.length).toBeGreaterThan(0); // the offline evidence is kept
    const prompt = fake.promptOf(before);
    expect(prompt).not.toContain('sk-proj-');
    expect(prompt).not.toContain('eyJhbGci');
    expect(prompt).toContain('[REDACTED]');
    expect(prompt).toContain('lines omitted');
    const user = sent()[0]!.messages.find((m) => m.role === 'user')!.content;
    expect(estimateTokens(user)).toBeLessThanOrEqual(800 + 50);
  });

  it('reads a streamed answer split across chunks', async () => {
    const a = await service('llm-fallback', { stream: true }).analyze(input());
    expect(sent()[0]!.stream).toBe(true);
    expect(a.source).toBe('llm');
    expect(a.root_cause).toBe(VALID_ANSWER.root_cause);
  });

  it('counts LLM calls and failures by mode, and the triage latency by result (cached answers apart)', async () => {
    const registry = new Registry();
    const triage = service('llm-fallback', {}, new TriageMetrics(registry));
    await triage.analyze(input(), 'fp-1');
    await triage.analyze(input(), 'fp-1');
    fake.answer({ status: 500 });
    await triage.analyze(input(), 'fp-2');
    const text = await registry.metrics();
    expect(sampleOf(text, 'vigil_triage_llm_calls_total', { mode: 'llm-fallback' })).toBe(2);
    expect(sampleOf(text, 'vigil_triage_llm_failures_total', { mode: 'llm-fallback' })).toBe(1);
    expect(sampleOf(text, 'vigil_triage_duration_seconds_count', { mode: 'llm-fallback', result: 'llm' })).toBe(1);
    expect(sampleOf(text, 'vigil_triage_duration_seconds_count', { mode: 'llm-fallback', result: 'cached' })).toBe(1);
    expect(sampleOf(text, 'vigil_triage_duration_seconds_count', { mode: 'llm-fallback', result: 'offline-fallback' })).toBe(1);
  });

  it('retries a 500 with backoff and then succeeds', async () => {
    fake.answer({ status: 500 }, { status: 503 });
    const a = await service('llm-fallback', { max_retries: 2 }).analyze(input());
    expect(sent()).toHaveLength(3);
    expect(a.source).toBe('llm');
  });

  it('gives up after a timeout and the offline result stands', async () => {
    fake.answer({ hangMs: 1_500 });
    const t0 = Date.now();
    const a = await service('llm-fallback', { timeout_ms: 300 }).analyze(input());
    expect(Date.now() - t0).toBeLessThan(1_400);
    expect(a.source).toBe('offline-fallback');
    expect(a.failure_class).toBe('oom-killed');
  });

  it('repairs malformed JSON once', async () => {
    fake.answer({ content: '{"summary": "oops", }' }, { content: '```json\n' + JSON.stringify(VALID_ANSWER) + '\n```' });
    const a = await service('llm-fallback').analyze(input());
    expect(sent()).toHaveLength(2);
    expect(sent()[1]!.messages.at(-1)!.content).toContain('malformed JSON');
    expect(a.source).toBe('llm');
  });

  it('keeps the offline result when the answer is still schema-invalid after the repair', async () => {
    const bad = JSON.stringify({ ...VALID_ANSWER, decision: 'maybe', action: { type: 'drain-node', target: { kind: 'Node', namespace: 'x', name: 'n1' } } });
    fake.answer({ content: bad }, { content: bad });
    const a = await service('llm-fallback').analyze(input());
    expect(sent()).toHaveLength(2);
    expect(a.source).toBe('offline-fallback');
    expect(a.summary).toContain('OOMKilled');
  });

  it('accepts a LogJedi-style action and validates its params', async () => {
    const action = { type: 'k8s_patch', target: { kind: 'Deployment', namespace: 'prod', name: 'api' }, patch: { spec: { replicas: 2 } } };
    fake.answer({ content: JSON.stringify({ ...VALID_ANSWER, action }) });
    const a = await service('llm').analyze(input());
    expect(a.action).toEqual({ type: 'k8s_patch', target: action.target, params: { patchType: 'strategic', patch: action.patch } });
  });

  it('in llm mode without fallback, a failure says so instead of guessing', async () => {
    fake.answer({ status: 400 });
    const a = await service('llm').analyze(input());
    expect(a.confidence).toBe(0);
    expect(a.summary).toContain('LLM triage failed');
  });

  it('picks the model and prompt by priority; Seraph templates work', async () => {
    const svc = service('llm-fallback', {
      prompt: 'Seraph says:\n{{LOG_ENTRY}}',
      by_priority: { P1: { model: 'big-model' }, P4: { model: 'tiny-model', prompt: 'P4 {{RESOURCE_NAME}}' } },
    });
    await svc.analyze(input({ priority: 'P1' }));
    await svc.analyze(input({ priority: 'P4' }));
    await svc.analyze(input({ priority: 'P3' }));
    expect(sent().map((r) => r.model)).toEqual(['big-model', 'tiny-model', 'small-model']);
    expect(sent()[0]!.messages[1]!.content.startsWith('Seraph says:\nResource: Deployment prod/api')).toBe(true);
    expect(sent()[1]!.messages[1]!.content).toBe('P4 api');
  });

  it('makes one call per fingerprint: concurrent requests share it, later ones hit the cache', async () => {
    fake.answer({ content: JSON.stringify(VALID_ANSWER), delayMs: 200 });
    const svc = service('llm');
    const answers = await Promise.all(Array.from({ length: 50 }, () => svc.analyze(input(), 'fp-1')));
    await svc.analyze(input(), 'fp-1');
    expect(sent()).toHaveLength(1);
    expect(new Set(answers.map((a) => a.summary)).size).toBe(1);
    expect(svc.stats).toMatchObject({ llmCalls: 1, joined: 49, cacheHits: 1 });
  });

  it('accepts a seraph.yaml config as is', () => {
    const seraph = { workers: 4, llm: { provider: 'openai', model: 'gpt-4', prompt: 'Analyze:\n{{LOG_ENTRY}}' }, alerter: {} };
    const cfg = TriageConfig.parse({ ...seraph, mode: 'llm' });
    expect(cfg.llm?.model).toBe('gpt-4');
    expect(cfg.workers).toBe(4);
  });
});
