// Builds the LLM prompt: a context block assembled within a token budget (repeated lines
// collapsed with counts, first and last lines kept), rendered into a Seraph-style template, redacted.
import type { AnalysisInput } from './input.js';
import type { Analysis, Redactor } from './types.js';
import { ACTION_TYPES } from './types.js';

/** Rough token count (≈4 characters per token for English and logs); budgets need no more. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** Collapses repeated lines (digits ignored, so timestamps and counters do not defeat it), keeping first-seen order. */
export function collapseLines(lines: string[]): string[] {
  const groups = new Map<string, { line: string; count: number }>();
  for (const line of lines) {
    const key = line.replace(/\d+/g, '#').trim();
    const g = groups.get(key);
    if (g) g.count += 1;
    else groups.set(key, { line, count: 1 });
  }
  return [...groups.values()].map((g) => (g.count > 1 ? `${g.line}  [×${g.count}]` : g.line));
}

/** Keeps the first and last lines that fit in `maxTokens`, marking what was left out. */
export function fitLines(lines: string[], maxTokens: number): string[] {
  const maxLine = Math.max(40, maxTokens * 2);
  const clipped = lines.map((l) => (l.length > maxLine ? `${l.slice(0, maxLine)}…` : l));
  if (estimateTokens(clipped.join('\n')) <= maxTokens) return clipped;
  const head: string[] = [];
  const tail: string[] = [];
  let used = estimateTokens('… 000000 lines omitted …');
  let i = 0;
  let j = clipped.length - 1;
  let fromHead = true;
  while (i <= j) {
    const line = fromHead ? clipped[i]! : clipped[j]!;
    const cost = estimateTokens(line) + 1;
    if (used + cost > maxTokens) break;
    used += cost;
    if (fromHead) head.push(clipped[i++]!);
    else tail.unshift(clipped[j--]!);
    fromHead = !fromHead;
  }
  const omitted = j - i + 1;
  return omitted > 0 ? [...head, `… ${omitted} lines omitted …`, ...tail] : [...head, ...tail];
}

function section(title: string, lines: string[], budget: number): string {
  if (lines.length === 0) return '';
  return `## ${title}\n${fitLines(collapseLines(lines), budget).join('\n')}\n`;
}

function compactJson(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  return [typeof value === 'string' ? value : JSON.stringify(value)];
}

function signalLines(input: AnalysisInput): string[] {
  return input.signals.map((s) => `${s.time} [${s.source}/${s.kind}] ${s.reason ? `${s.reason}: ` : ''}${s.title}${s.message ? ` — ${s.message}` : ''}`);
}

export interface PromptParts {
  /** Everything the analyst needs, as one block: Seraph's {{LOG_ENTRY}}. */
  context: string;
  vars: Record<string, string>;
}

/** Context within `maxTokens`: status 15%, events 25%, signals 15%, recent logs 35%, history 10%. */
export function buildContext(input: AnalysisInput, offline: Analysis | undefined, maxTokens: number): PromptParts {
  const r = input.resource;
  const header = [
    `Resource: ${r.kind} ${r.namespace}/${r.name}${r.container ? ` container=${r.container}` : ''}${r.workload ? ` workload=${r.workload.kind}/${r.workload.name}` : ''}`,
    input.reason ? `Reason: ${input.reason}` : '',
    input.priority ? `Priority: ${input.priority}` : '',
    offline ? `Offline analyzer: ${offline.failure_class} — ${offline.summary}` : '',
  ]
    .filter(Boolean)
    .join('\n');
  const budget = Math.max(0, maxTokens - estimateTokens(header));
  const events = section('Events', input.events, budget * 0.25);
  const logs = section('Recent logs', input.logs, budget * 0.35);
  const history = section('Historical logs', input.historicalLogs, budget * 0.1);
  const status = section('Status', compactJson(input.status), budget * 0.15);
  const signals = section('Signals', signalLines(input), budget * 0.15);
  const context = [header, status, events, signals, logs, history].filter(Boolean).join('\n');
  return {
    context,
    vars: {
      LOG_ENTRY: context,
      RESOURCE_KIND: r.kind,
      RESOURCE_NAME: r.name,
      NAMESPACE: r.namespace,
      CONTAINER: r.container ?? '',
      REASON: input.reason ?? '',
      PRIORITY: input.priority ?? '',
      FAILURE_CLASS: offline?.failure_class ?? input.failureClass ?? '',
      OFFLINE_SUMMARY: offline?.summary ?? '',
      EVENTS: events,
      LOGS: logs,
      STATUS: status,
    },
  };
}

export const DEFAULT_PROMPT = `Analyze this Kubernetes failure and find its root cause.

{{LOG_ENTRY}}`;

/** The output contract, always sent as the system message so any template yields parseable JSON. */
export const SYSTEM_PROMPT = `You are a Kubernetes site reliability engineer. Answer with only one JSON object:
{"summary": string, "root_cause": string, "recommendation": string, "decision": "alert"|"ok", "reason": string,
 "confidence": number 0..1, "failure_class": string,
 "action": null | {"type": one of ${ACTION_TYPES.join('|')}, "target": {"kind": string, "namespace": string, "name": string}, "params": object}}
params: scale-up/scale-down {"replicas": int}; rollback {"toRevision"?: int}; k8s_patch {"patchType": "strategic"|"merge", "patch": object}; others {}.
Propose an action only when it is safe and clearly fixes the cause; otherwise null.`;

/** Substitutes {{VAR}} (unknown variables become empty) and redacts the result. */
export function renderPrompt(template: string, vars: Record<string, string>, redactor: Redactor): string {
  const text = template.replace(/\{\{\s*([A-Z_]+)\s*\}\}/g, (_m, name: string) => vars[name] ?? '');
  return redactor.redact(text);
}
