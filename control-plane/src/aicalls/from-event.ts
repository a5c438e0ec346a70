// A sensor `ai_call` event as one compact AI-call row. Pure; error text is redacted (an API's
// error message may echo a key or a prompt fragment).
import { redactText } from '../../../lib/redact.js';
import type { Event } from '../../../schema/event.js';
import { workloadOf } from '../correlate/workload.js';
import type { AiCallRow } from './store.js';

const MAX_ERROR = 300;

export function aiCallRowOf(event: Event): AiCallRow | undefined {
  if (event.kind !== 'ai_call') return undefined;
  const a = event.ai_call;
  const k = event.k8s ?? {};
  const workload = workloadOf({
    ...(k.pod ? { pod: k.pod } : {}),
    ...(k.owner_kind && k.owner_name ? { workload: { kind: k.owner_kind, name: k.owner_name } } : {}),
  });
  const errorText = a.error ? [a.error.type, a.error.message].filter(Boolean).join(': ') : undefined;
  const row: AiCallRow = {
    id: event.id,
    time: event.time,
    node: event.node,
    provider: a.provider ?? a.gen_ai?.system ?? 'unknown',
    namespace: k.namespace,
    pod: k.pod,
    container: k.container,
    workload: workload ? `${workload.kind}/${workload.name}` : undefined,
    model: a.gen_ai?.response?.model ?? a.gen_ai?.request?.model,
    endpoint: a.endpoint ?? a.server?.address ?? a.http?.host,
    method: a.http?.method,
    path: a.http?.path?.split('?', 1)[0],
    status: a.http?.status_code,
    error: errorText ? redactText(errorText).slice(0, MAX_ERROR) : undefined,
    latencyMs: a.timing?.duration_ms,
    ttftMs: a.timing?.first_token_ms ?? a.timing?.ttfb_ms,
    tokensIn: a.gen_ai?.usage?.input_tokens,
    tokensOut: a.gen_ai?.usage?.output_tokens,
    costUsd: a.cost?.usd,
    streaming: a.gen_ai?.request?.stream,
  };
  for (const key of Object.keys(row) as (keyof AiCallRow)[]) if (row[key] === undefined) delete row[key];
  return row;
}
