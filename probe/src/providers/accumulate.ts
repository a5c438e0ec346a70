// Small mutators every format uses while walking a body or a stream.
import { get, obj, str } from './json.js';
import type { Extracted, Usage } from './types.js';

/** Copies the defined counts of `from` over `into` (later stream events refine earlier ones). */
export function mergeUsage(into: Usage, from: Usage): void {
  for (const key of ['input', 'output', 'cached', 'reasoning', 'total'] as const) {
    const v = from[key];
    if (v !== undefined) into[key] = v;
  }
}

export function addFinish(ex: Extracted, reason: unknown): void {
  if (typeof reason === 'string' && reason.length > 0) ex.finishReasons.push(reason);
}

export function markContent(ex: Extracted, tsNs: number): void {
  ex.firstContentNs ??= tsNs;
}

export function sum(...values: (number | undefined)[]): number | undefined {
  return values.some((v) => v !== undefined) ? values.reduce<number>((a, v) => a + (v ?? 0), 0) : undefined;
}

/** Drops undefined values so optional fields are absent rather than present-but-undefined. */
export function defined<T extends object>(o: T): T {
  // A plain loop: this runs several times per captured call.
  const out: Record<string, unknown> = {};
  for (const key in o) {
    const v = o[key];
    if (v !== undefined) out[key] = v;
  }
  return out as T;
}

/**
 * A provider error body, whatever the family: `{error:{type|status|code,message}}` (OpenAI,
 * Anthropic, Gemini, Azure), `{error:"..."}` (Ollama), `{message,type?}` (Mistral, Cohere,
 * Bedrock), `{detail}` (FastAPI-style gateways).
 */
export function errorFromJson(json: unknown): Extracted['error'] | undefined {
  const inner = get(json, 'error');
  const e = obj(inner);
  if (e) {
    const code = e['code'];
    const type = str(e['type']) ?? str(e['status']) ?? (typeof code === 'string' || typeof code === 'number' ? String(code) : undefined);
    return defined({ type, message: str(e['message']) });
  }
  if (typeof inner === 'string') return { message: inner };
  const message = str(get(json, 'message')) ?? str(get(json, 'Message'));
  const detail = get(json, 'detail');
  if (message !== undefined) return defined({ type: str(get(json, 'type')), message });
  if (detail !== undefined) return { message: typeof detail === 'string' ? detail : JSON.stringify(detail) };
  return undefined;
}
