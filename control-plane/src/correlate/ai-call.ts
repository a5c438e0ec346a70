// Reads the AI-call fields of an `ai_call` signal: the sensor adapter's flat camelCase keys
// (statusCode, totalTokens, costUsd, latencyMs, errorType), or the event's `ai_call` body under
// attributes.ai_call or spread into attributes, so the engine does not depend on one layout.
import type { Signal } from '../signal.js';

export interface AiCallFacts {
  provider?: string;
  model?: string;
  statusCode?: number;
  totalTokens?: number;
  costUsd?: number;
  durationMs?: number;
  timedOut: boolean;
}

type Obj = Record<string, unknown>;

function at(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const key of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Obj)[key];
  }
  return cur;
}

function first<T>(roots: unknown[], paths: string[], guard: (v: unknown) => v is T): T | undefined {
  for (const root of roots)
    for (const path of paths) {
      const v = at(root, path);
      if (guard(v)) return v;
    }
  return undefined;
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isStr = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

export function aiCallFacts(signal: Signal): AiCallFacts {
  const roots = [signal.attributes.ai_call, signal.attributes];
  const input = first(roots, ['gen_ai.usage.input_tokens', 'inputTokens', 'input_tokens'], isNum);
  const output = first(roots, ['gen_ai.usage.output_tokens', 'outputTokens', 'output_tokens'], isNum);
  const summed = input === undefined ? undefined : input + (output ?? 0);
  const errorType = first(roots, ['error.type', 'errorType', 'error_type'], isStr);
  const timedOut = /timeout|timed out|deadline/i.test(`${errorType ?? ''} ${signal.reason ?? ''}`);
  return {
    provider: first(roots, ['provider', 'gen_ai.system'], isStr),
    model: first(roots, ['gen_ai.response.model', 'gen_ai.request.model', 'model'], isStr),
    statusCode: first(roots, ['http.status_code', 'statusCode', 'status_code'], isNum),
    totalTokens: first(roots, ['gen_ai.usage.total_tokens', 'totalTokens', 'total_tokens'], isNum) ?? summed,
    costUsd: first(roots, ['cost.usd', 'costUsd', 'cost_usd'], isNum),
    durationMs: first(roots, ['timing.duration_ms', 'latencyMs', 'duration_ms'], isNum),
    timedOut,
  };
}
