// Validates what the model said. Tolerates code fences and LogJedi-style actions
// ({type, target, patch}) but nothing outside the allowlist.
import { z } from 'zod';
import { ProposedAction } from './types.js';

/** Moves LogJedi's flat action fields (patch, replicas…) into params. */
function normaliseAction(raw: unknown): unknown {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return raw;
  const { type, target, params, ...rest } = raw as Record<string, unknown>;
  if (params !== undefined || Object.keys(rest).length === 0) return { type, target, params: params ?? {} };
  return { type, target, params: rest };
}

export const LlmAnswer = z.object({
  summary: z.string().min(1),
  root_cause: z.string().min(1),
  recommendation: z.string().min(1),
  decision: z.enum(['alert', 'ok']),
  reason: z.string().default(''),
  confidence: z.number().min(0).max(1).default(0.6),
  failure_class: z.string().min(1).optional(),
  action: z.preprocess(normaliseAction, ProposedAction.nullable()).default(null),
});
export type LlmAnswer = z.output<typeof LlmAnswer>;

export type ParseResult = { ok: true; answer: LlmAnswer } | { ok: false; error: string };

/** The JSON object in a model's reply: fences and prose around it are ignored. */
export function parseAnswer(text: string): ParseResult {
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  if (start < 0 || end <= start) return { ok: false, error: 'no JSON object in the answer' };
  let raw: unknown;
  try {
    raw = JSON.parse(text.slice(start, end + 1));
  } catch (err) {
    return { ok: false, error: `malformed JSON: ${(err as Error).message}` };
  }
  const parsed = LlmAnswer.safeParse(raw);
  if (!parsed.success) return { ok: false, error: z.prettifyError(parsed.error) };
  return { ok: true, answer: parsed.data };
}
