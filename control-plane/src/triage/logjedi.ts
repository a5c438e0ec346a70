// LogJedi's POST /analyze request and response, mapped to and from Vigil's analysis.
import { z } from 'zod';
import { workloadFromPodName } from '../correlate/workload.js';
import type { AnalysisInput } from './input.js';
import type { Analysis, Redactor } from './types.js';

const Lines = z.union([z.string(), z.array(z.string())]).transform((v) => (typeof v === 'string' ? v.split(/\r?\n/) : v));
const EventLike = z.union([
  z.string(),
  z.looseObject({
    type: z.string().optional(),
    reason: z.string().optional(),
    message: z.string().optional(),
    count: z.number().optional(),
  }),
]);

export const AnalyzeRequest = z.object({
  resource_kind: z.string().min(1),
  resource_name: z.string().min(1),
  namespace: z.string().min(1),
  reason: z.string().optional(),
  events: z.array(EventLike).max(5_000).default([]),
  spec: z.unknown().optional(),
  status: z.unknown().optional(),
  recent_logs: Lines.default([]),
  historical_logs: Lines.default([]),
});
export type AnalyzeRequest = z.output<typeof AnalyzeRequest>;

function eventLine(e: z.output<typeof EventLike>): string {
  if (typeof e === 'string') return e;
  return `${e.type ?? 'Event'} ${e.reason ?? ''}: ${e.message ?? ''}${e.count && e.count > 1 ? ` (x${e.count})` : ''}`;
}

function redactDeep(value: unknown, redactor: Redactor): unknown {
  if (value === undefined) return undefined;
  return JSON.parse(redactor.redact(JSON.stringify(value)));
}

/** The request as analysis input, with every text redacted before anything reads it. */
export function inputFromRequest(req: AnalyzeRequest, redactor: Redactor): AnalysisInput {
  const r = (s: string) => redactor.redact(s);
  const derived = req.resource_kind === 'Pod' ? workloadFromPodName(req.resource_name) : undefined;
  const workload = derived && ['Deployment', 'StatefulSet', 'CronJob'].includes(derived.kind) ? derived : undefined;
  return {
    resource: {
      kind: req.resource_kind,
      name: req.resource_name,
      namespace: req.namespace,
      pod: req.resource_kind === 'Pod' ? req.resource_name : undefined,
      workload,
    },
    reason: req.reason,
    events: req.events.map((e) => r(eventLine(e))),
    logs: req.recent_logs.map(r),
    historicalLogs: req.historical_logs.map(r),
    status: redactDeep(req.status, redactor),
    spec: redactDeep(req.spec, redactor),
    signals: [],
  };
}

/** LogJedi's response (action flattened as {type, target, ...params}) plus Vigil's fields. */
export function toResponse(a: Analysis) {
  return {
    summary: a.summary,
    root_cause: a.root_cause,
    recommendation: a.recommendation,
    action: a.action ? { type: a.action.type, target: a.action.target, ...a.action.params } : null,
    failure_class: a.failure_class,
    evidence: a.evidence,
    confidence: a.confidence,
    decision: a.decision,
    source: a.source,
  };
}
