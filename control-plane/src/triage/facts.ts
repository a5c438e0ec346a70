// Facts extracted once from an AnalysisInput so each knowledge module stays a few matchers.
import { aiCallFacts, type AiCallFacts } from '../correlate/ai-call.js';
import type { Signal } from '../signal.js';
import type { AnalysisInput } from './input.js';
import type { ProposedAction } from './types.js';

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | undefined => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : undefined);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

export interface Termination {
  container?: string;
  reason?: string;
  exitCode?: number;
  signal?: number;
}

export interface ContainerSpec {
  name: string;
  image?: string;
  memoryLimit?: string;
  livenessProbe?: Obj;
  readinessProbe?: Obj;
}

export interface Facts {
  input: AnalysisInput;
  /** Every text line: reason, events, logs, signal titles/messages/evidence, status messages. */
  lines: string[];
  /** Reasons named by the request, signals and status (Kubernetes spelling). */
  reasons: Set<string>;
  terminations: Termination[];
  exitCodes: number[];
  restartCount: number;
  containers: ContainerSpec[];
  ai: { signal: Signal; facts: AiCallFacts }[];
  signalKinds: Set<string>;
}

function statusFacts(status: unknown, reasons: Set<string>, lines: string[], terms: Termination[]): number {
  const s = obj(status);
  if (!s) {
    if (typeof status === 'string') lines.push(status);
    return 0;
  }
  const root = obj(s.status) ?? s;
  for (const k of ['reason', 'message']) {
    const v = str(root[k]);
    if (v) (k === 'reason' ? reasons.add(v) : lines.push(v));
  }
  for (const c of arr(root.conditions).map(obj)) {
    const reason = str(c?.reason);
    if (reason) reasons.add(reason);
    const msg = str(c?.message);
    if (msg) lines.push(`${str(c?.type) ?? 'Condition'} ${reason ?? ''}: ${msg}`);
  }
  let restarts = 0;
  for (const cs of [...arr(root.containerStatuses), ...arr(root.initContainerStatuses)].map(obj)) {
    if (!cs) continue;
    restarts += typeof cs.restartCount === 'number' ? cs.restartCount : 0;
    const name = str(cs.name);
    for (const st of [obj(cs.state), obj(cs.lastState)]) {
      const waiting = obj(st?.waiting);
      if (str(waiting?.reason)) reasons.add(str(waiting?.reason)!);
      if (str(waiting?.message)) lines.push(`${str(waiting?.reason) ?? 'Waiting'}: ${str(waiting?.message)}`);
      const t = obj(st?.terminated);
      if (t) {
        const term: Termination = { container: name, reason: str(t.reason) };
        if (typeof t.exitCode === 'number') term.exitCode = t.exitCode;
        if (typeof t.signal === 'number') term.signal = t.signal;
        if (term.reason) reasons.add(term.reason);
        if (str(t.message)) lines.push(`${term.reason ?? 'Terminated'}: ${str(t.message)}`);
        terms.push(term);
      }
    }
  }
  return restarts;
}

function specContainers(spec: unknown): ContainerSpec[] {
  const s = obj(spec);
  const podSpec = obj(obj(obj(s?.spec)?.template)?.spec) ?? obj(obj(s?.template)?.spec) ?? obj(s?.spec) ?? s;
  return arr(podSpec?.containers)
    .map(obj)
    .filter((c): c is Obj => !!str(c?.name))
    .map((c) => ({
      name: str(c.name)!,
      image: str(c.image),
      memoryLimit: str(obj(obj(c.resources)?.limits)?.memory),
      livenessProbe: obj(c.livenessProbe),
      readinessProbe: obj(c.readinessProbe),
    }));
}

/** The pod watch reports a container's memory limit without the spec; use it when the spec is absent. */
function withSignalLimits(containers: ContainerSpec[], signals: Signal[]): ContainerSpec[] {
  for (const s of signals) {
    const name = s.resource.container;
    const limit = str(s.attributes.memoryLimit);
    if (name && limit && !containers.some((c) => c.name === name)) containers.push({ name, memoryLimit: limit });
  }
  return containers;
}

function signalTermination(s: Signal): Termination | undefined {
  const a = s.attributes;
  // Sensor adapter: exitCode; pod watch: lastExitCode; raw events: exit_code / process_exit.
  const code = a.exitCode ?? a.lastExitCode ?? a.exit_code ?? obj(a.process_exit)?.exit_code;
  const sig = a.signal_number ?? obj(a.signal)?.signal ?? (typeof a.signal === 'number' ? a.signal : undefined);
  if (typeof code !== 'number' && typeof sig !== 'number' && s.kind !== 'oom_kill' && s.kind !== 'oom') return undefined;
  const oom = s.kind === 'oom_kill' || s.kind === 'oom';
  const t: Termination = { container: s.resource.container, reason: oom ? 'OOMKilled' : (str(a.lastTerminationReason) ?? s.reason) };
  if (typeof code === 'number') t.exitCode = code;
  if (typeof sig === 'number') t.signal = sig;
  return t;
}

export function extractFacts(input: AnalysisInput): Facts {
  const reasons = new Set<string>();
  const lines: string[] = [];
  const terminations: Termination[] = [];
  if (input.reason) reasons.add(input.reason);
  lines.push(...input.events, ...input.logs, ...input.historicalLogs);
  let restartCount = statusFacts(input.status, reasons, lines, terminations);
  const ai: Facts['ai'] = [];
  for (const s of input.signals) {
    if (s.reason) reasons.add(s.reason);
    lines.push(s.message ? `${s.title}: ${s.message}` : s.title, ...s.evidence);
    const t = signalTermination(s);
    if (t) terminations.push(t);
    if (s.kind === 'ai_call') ai.push({ signal: s, facts: aiCallFacts(s) });
    const restarts = s.attributes.restartCount ?? s.attributes.restart_count;
    restartCount = Math.max(restartCount, typeof restarts === 'number' ? restarts : 0);
    if (t?.reason) reasons.add(t.reason);
    if (s.attributes.status !== undefined) restartCount = Math.max(restartCount, statusFacts(s.attributes.status, reasons, lines, terminations));
  }
  for (const line of lines) {
    const m = /exit(?:ed with)? (?:code|status)[:= ]+(\d{1,3})/i.exec(line);
    if (m) terminations.push({ exitCode: Number(m[1]) });
  }
  const exitCodes = [...new Set(terminations.map((t) => t.exitCode).filter((c): c is number => c !== undefined))];
  return {
    input,
    lines: [...new Set(lines.filter((l) => l.trim().length > 0))],
    reasons,
    terminations,
    exitCodes,
    restartCount,
    containers: withSignalLimits(specContainers(input.spec), input.signals),
    ai,
    signalKinds: new Set(input.signals.map((s) => s.kind)),
  };
}

/** Lines matching `re`, at most `limit`, for the evidence of a finding. */
export function grep(f: Facts, re: RegExp, limit = 5): string[] {
  return f.lines.filter((l) => re.test(l)).slice(0, limit);
}

export function hasReason(f: Facts, re: RegExp): boolean {
  for (const r of f.reasons) if (re.test(r)) return true;
  return false;
}

/** The workload to act on (Deployment…) when known, else the resource itself. */
export function workloadTarget(f: Facts): ProposedAction['target'] | undefined {
  const r = f.input.resource;
  const w = r.workload ?? (r.kind !== 'Pod' ? { kind: r.kind, name: r.name } : undefined);
  const kinds = ['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob', 'ReplicaSet'] as const;
  const kind = kinds.find((k) => k === w?.kind);
  return kind && w && r.namespace ? { kind, namespace: r.namespace, name: w.name } : undefined;
}

export function podTarget(f: Facts): ProposedAction['target'] | undefined {
  const r = f.input.resource;
  const pod = r.pod ?? (r.kind === 'Pod' ? r.name : undefined);
  return pod && r.namespace ? { kind: 'Pod', namespace: r.namespace, name: pod } : undefined;
}
