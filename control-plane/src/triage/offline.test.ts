import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Signal } from '../signal.js';
import { testRedactor } from './fixtures/redactor.js';
import { AnalyzeRequest, inputFromRequest } from './logjedi.js';
import { analyzeOffline } from './offline.js';
import type { AnalysisInput } from './input.js';
import { ProposedAction } from './types.js';

const dir = join(dirname(fileURLToPath(import.meta.url)), 'fixtures/analyze');

interface Expect {
  failure_class: string;
  action?: string | null;
  target?: { kind: string; name: string };
  evidence?: string;
  summary?: string;
  root_cause?: string;
  recommendation?: string;
  min_confidence?: number;
}

const cases = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .map((f) => {
    const raw = JSON.parse(readFileSync(join(dir, f), 'utf8')) as { expect: Expect; request: unknown };
    return { name: f.replace('.json', ''), expect: raw.expect, input: inputFromRequest(AnalyzeRequest.parse(raw.request), testRedactor) };
  });

describe('offline analyzer on realistic failures', () => {
  it('has a fixture per failure class', () => expect(cases.length).toBeGreaterThanOrEqual(14));

  it.each(cases)('$name', ({ expect: want, input }) => {
    const a = analyzeOffline(input);
    expect(a.failure_class).toBe(want.failure_class);
    expect(a.source).toBe('offline');
    if (want.action !== undefined) expect(a.action?.type ?? null).toBe(want.action);
    if (a.action) expect(ProposedAction.safeParse(a.action).success).toBe(true);
    if (want.target) expect(a.action?.target).toMatchObject(want.target);
    if (want.evidence) expect(a.evidence.join('\n')).toContain(want.evidence);
    if (want.summary) expect(a.summary).toContain(want.summary);
    if (want.root_cause) expect(a.root_cause).toContain(want.root_cause);
    if (want.recommendation) expect(a.recommendation).toContain(want.recommendation);
    expect(a.confidence).toBeGreaterThanOrEqual(want.min_confidence ?? 0.5);
    expect(a.evidence.length).toBeGreaterThan(0);
  });

  it('raises the OOMKilled container limit by half in a strategic patch of its Deployment', () => {
    const oom = cases.find((c) => c.name === 'oom-killed')!;
    const a = analyzeOffline(oom.input);
    expect(a.action).toEqual({
      type: 'k8s_patch',
      target: { kind: 'Deployment', namespace: 'shop', name: 'checkout' },
      params: { patchType: 'strategic', patch: { spec: { template: { spec: { containers: [{ name: 'checkout', resources: { limits: { memory: '384Mi' } } }] } } } } },
    });
  });

  it('falls back to a low-confidence unknown finding when nothing matches', () => {
    const input: AnalysisInput = { resource: { kind: 'Pod', name: 'x-0', namespace: 'n' }, events: [], logs: ['all good'], historicalLogs: [], signals: [] };
    const a = analyzeOffline(input);
    expect(a.failure_class).toBe('unknown');
    expect(a.confidence).toBeLessThan(0.5);
    expect(a.action).toBeNull();
  });
});

const aiSignal = (id: string, status: number, extra: Record<string, unknown> = {}) =>
  Signal.parse({
    id,
    source: 'sensor',
    adapter: 'sensor',
    kind: 'ai_call',
    time: '2026-11-27T10:00:00Z',
    title: 'POST api.openai.com/v1/chat/completions',
    resource: { namespace: 'rag', pod: 'answerer-7c5ddbdf54-8xk2p' },
    attributes: { ai_call: { provider: 'openai', gen_ai: { request: { model: 'gpt-4o' } }, http: { status_code: status }, ...extra } },
  });

describe('offline analyzer on AI provider failures', () => {
  const input = (signals: Signal[], failureClass?: string): AnalysisInput => ({
    resource: { kind: 'Deployment', name: 'answerer', namespace: 'rag' },
    events: [],
    logs: [],
    historicalLogs: [],
    signals,
    failureClass,
  });

  it.each([
    [401, 'ai-auth', 'API key'],
    [429, 'ai-rate-limit', 'quota'],
    [503, 'ai-provider-error', '5xx'],
  ])('status %i → %s', (status, cls, words) => {
    const a = analyzeOffline(input([aiSignal('a', status), aiSignal('b', status)]));
    expect(a.failure_class).toBe(cls);
    expect(a.root_cause).toContain(words);
    expect(a.summary).toContain('2 AI calls');
    expect(a.evidence[0]).toContain(`status=${status}`);
  });

  it('names a timeout from the error type', () => {
    const a = analyzeOffline(input([aiSignal('t', 0, { error: { type: 'timeout' } })]));
    expect(a.failure_class).toBe('ai-timeout');
  });

  it('explains a token spike from the correlation class', () => {
    const a = analyzeOffline(input([aiSignal('s', 200, { gen_ai: { usage: { total_tokens: 90_000 } } })], 'ai-spike'));
    expect(a.failure_class).toBe('ai-spike');
    expect(a.evidence.join('\n')).toContain('tokens=90000');
  });
});
