import type { AiCallFacts } from '../../correlate/ai-call.js';
import { grep, type Facts } from '../facts.js';
import { where, type Finding, type KnowledgeModule } from './module.js';

const TEXT: { re: RegExp; cls: string }[] = [
  { re: /invalid_api_key|Incorrect API key|\b401\b.*(openai|anthropic|api key)|authentication_error/i, cls: 'ai-auth' },
  { re: /rate_limit_exceeded|insufficient_quota|\b429\b.*(Too Many Requests|rate)|rate limit/i, cls: 'ai-rate-limit' },
  { re: /overloaded_error|\b(500|502|503|504|529)\b.*(openai|anthropic|provider|upstream)/i, cls: 'ai-provider-error' },
];

function classOf(ai: AiCallFacts): string | undefined {
  if (ai.timedOut) return 'ai-timeout';
  const c = ai.statusCode;
  if (c === 401 || c === 403) return 'ai-auth';
  if (c === 429) return 'ai-rate-limit';
  if (c !== undefined && c >= 500) return 'ai-provider-error';
  return undefined;
}

function describe(ai: AiCallFacts, title: string): string {
  const parts = [ai.provider, ai.model && `model=${ai.model}`, ai.statusCode && `status=${ai.statusCode}`, ai.totalTokens !== undefined && `tokens=${ai.totalTokens}`, ai.costUsd !== undefined && `cost=$${ai.costUsd.toFixed(4)}`, ai.durationMs !== undefined && `${Math.round(ai.durationMs)}ms`];
  return `${title} (${parts.filter(Boolean).join(' ')})`;
}

const ADVICE: Record<string, { root: string; fix: string }> = {
  'ai-auth': {
    root: 'The provider rejects the API key (401/403): it is missing, revoked, expired, or lacks access to the model/project.',
    fix: 'Rotate the key in the workload\'s Secret, check the project/organisation and model access, then restart the pods to pick it up.',
  },
  'ai-rate-limit': {
    root: 'The provider throttles the workload (429): requests or tokens per minute exceed the quota, or the account ran out of credit.',
    fix: 'Retry with exponential backoff honouring Retry-After, lower concurrency, batch or cache prompts, or raise the quota tier.',
  },
  'ai-provider-error': {
    root: 'The provider answers with server errors (5xx): an outage or overload on its side, not a bug in the workload.',
    fix: 'Check the provider status page, retry with backoff and jitter, and fail over to another model/region if available.',
  },
  'ai-timeout': {
    root: 'Calls to the provider time out: slow generations (long outputs), network trouble, or a client timeout set too low.',
    fix: 'Stream responses, cap max_tokens, raise the client timeout for long generations, and check egress/proxy latency.',
  },
  'ai-spike': {
    root: 'Token or cost per call jumped far above the workload\'s own baseline: a prompt/context change, a loop, or runaway retries.',
    fix: 'Compare recent prompts with earlier ones (context size, retrieved documents, tool loops); set max_tokens and a budget alert.',
  },
};

export const aiProviderModule: KnowledgeModule = {
  name: 'ai-provider',
  analyze(f: Facts): Finding | null {
    const counts = new Map<string, number>();
    const evidence: string[] = [];
    for (const { signal, facts } of f.ai) {
      const cls = classOf(facts);
      if (!cls) continue;
      counts.set(cls, (counts.get(cls) ?? 0) + 1);
      if (evidence.length < 6) evidence.push(describe(facts, signal.title));
    }
    for (const { re, cls } of TEXT) {
      const lines = grep(f, re, 3);
      if (lines.length) counts.set(cls, (counts.get(cls) ?? 0) + lines.length);
      evidence.push(...lines);
    }
    if (f.input.failureClass === 'ai-spike') {
      counts.set('ai-spike', (counts.get('ai-spike') ?? 0) + f.ai.length + 1);
      const healthy = f.ai.filter((a) => !classOf(a.facts)).slice(-4);
      evidence.push(...healthy.map((a) => describe(a.facts, a.signal.title)));
    }
    const top = [...counts].sort((a, b) => b[1] - a[1])[0];
    if (!top) return null;
    const [cls, n] = top;
    const models = [...new Set(f.ai.map((a) => a.facts.model).filter(Boolean))].join(', ');
    const advice = ADVICE[cls]!;
    return {
      failure_class: cls,
      summary: `${where(f)}: ${n} AI call${n > 1 ? 's' : ''} ${cls === 'ai-spike' ? 'with a token/cost spike' : `failing (${cls.slice(3)})`}${models ? ` on ${models}` : ''}`,
      root_cause: advice.root,
      recommendation: advice.fix,
      evidence: evidence.slice(0, 8),
      action: null,
      confidence: f.ai.length > 0 ? 0.85 : 0.6,
    };
  },
};
