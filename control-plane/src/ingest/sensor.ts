// Sensor events (schema/event.ts) as Signals: crashes (exit, fatal signal, OOM kill), AI API
// calls and probe data loss. Pure: the same event always yields the same Signal.
import type { Event, EventOf, KubernetesInfo } from '../../../schema/event.js';
import { Signal, type Resource, type Severity } from '../signal.js';
import { compact, truncate } from './values.js';

const SIGNAL_MEANINGS: Record<string, string> = {
  SIGSEGV: 'segmentation fault: invalid memory access',
  SIGABRT: 'aborted: the program called abort() (failed assertion, fatal runtime error)',
  SIGBUS: 'bus error: misaligned or unmapped memory access',
  SIGILL: 'illegal instruction: corrupt binary or wrong CPU architecture',
  SIGFPE: 'arithmetic fault (e.g. integer division by zero)',
  SIGKILL: 'killed: OOM killer, liveness probe, or kubectl delete past its grace period',
  SIGTERM: 'asked to terminate (pod deletion, rollout, node drain)',
  SIGINT: 'interrupted',
  SIGQUIT: 'quit with a core dump request',
  SIGHUP: 'hang-up: controlling terminal closed',
  SIGPIPE: 'wrote to a closed pipe or socket',
  SIGSYS: 'bad system call (seccomp denial)',
  SIGTRAP: 'trace/breakpoint trap',
  SIGXCPU: 'CPU time limit exceeded',
  SIGXFSZ: 'file size limit exceeded',
};

const SIGNAL_NAMES: Record<number, string> = {
  1: 'SIGHUP', 2: 'SIGINT', 3: 'SIGQUIT', 4: 'SIGILL', 5: 'SIGTRAP', 6: 'SIGABRT', 7: 'SIGBUS', 8: 'SIGFPE',
  9: 'SIGKILL', 11: 'SIGSEGV', 13: 'SIGPIPE', 15: 'SIGTERM', 24: 'SIGXCPU', 25: 'SIGXFSZ', 31: 'SIGSYS',
};

// Faults in the program itself, as opposed to being told to stop.
const FAULT_SIGNALS = new Set(['SIGSEGV', 'SIGABRT', 'SIGBUS', 'SIGILL', 'SIGFPE', 'SIGSYS']);

/** What an exit status means, in the shell's and Kubernetes' convention (128+n = signal n). */
export function exitCodeMeaning(code: number): string {
  if (code === 0) return 'success';
  if (code === 1) return 'general error';
  if (code === 2) return 'misuse of shell builtin or bad arguments';
  if (code === 126) return 'command found but not executable (permissions)';
  if (code === 127) return 'command not found (bad entrypoint or missing binary)';
  if (code > 128 && code < 160) {
    const name = SIGNAL_NAMES[code - 128] ?? `signal ${code - 128}`;
    return `terminated by ${name} (128+${code - 128})${SIGNAL_MEANINGS[name] ? `: ${SIGNAL_MEANINGS[name]}` : ''}`;
  }
  if (code < 0) return `terminated by signal ${-code}`;
  return 'application-defined error';
}

export function signalMeaning(name: string): string {
  return SIGNAL_MEANINGS[name] ?? 'fatal signal';
}

function resourceOf(event: Event): Resource {
  const k: KubernetesInfo = event.k8s ?? {};
  return compact({
    node: event.node,
    namespace: k.namespace,
    pod: k.pod,
    container: k.container,
    workload: k.owner_kind && k.owner_name ? { kind: k.owner_kind, name: k.owner_name } : undefined,
  });
}

function where(event: Event): string {
  const k = event.k8s;
  if (k?.pod) return `${k.namespace ? `${k.namespace}/` : ''}${k.pod}${k.container ? ` (${k.container})` : ''}`;
  return `${event.process?.comm ?? 'process'} on ${event.node}`;
}

function base(event: Event, kind: string, severity: Severity, reason: string, title: string, attributes: Record<string, unknown>) {
  return Signal.parse({
    id: `sensor:${event.id}`,
    source: 'sensor',
    adapter: 'sensor',
    kind,
    reason,
    time: event.time,
    severity,
    title: truncate(title, 200),
    resource: resourceOf(event),
    labels: event.k8s?.labels ?? {},
    attributes: compact({
      ...attributes,
      pid: event.process?.pid,
      comm: event.process?.comm,
      exe: event.process?.exe,
      containerId: event.process?.container_id,
      eventKind: event.kind,
    }),
  });
}

function exitSignal(e: EventOf<'process_exit'>): Signal {
  const code = e.process_exit.exit_code;
  const meaning = exitCodeMeaning(code);
  const severity: Severity = code === 0 ? 'info' : code === 143 || code === 130 ? 'warning' : 'error';
  return base(e, 'exit', severity, `ExitCode${code}`, `${where(e)} exited with code ${code}: ${meaning}`, {
    exitCode: code,
    exitMeaning: meaning,
  });
}

function fatalSignal(e: EventOf<'signal'>): Signal {
  const { signal, signal_name: name, core_dumped } = e.signal;
  const severity: Severity = FAULT_SIGNALS.has(name) ? 'critical' : name === 'SIGTERM' || name === 'SIGINT' ? 'warning' : 'error';
  return base(e, 'crash', severity, name, `${where(e)} killed by ${name}: ${signalMeaning(name)}`, {
    signal,
    signalName: name,
    signalMeaning: signalMeaning(name),
    coreDumped: core_dumped,
    exitCode: 128 + signal,
  });
}

function oomSignal(e: EventOf<'oom_kill'>): Signal {
  const o = e.oom_kill;
  return base(e, 'oom', 'critical', 'OOMKilled', `${where(e)} OOM-killed by the kernel`, {
    exitCode: 137,
    totalVmKb: o.total_vm_kb,
    anonRssKb: o.anon_rss_kb,
    fileRssKb: o.file_rss_kb,
    shmemRssKb: o.shmem_rss_kb,
    oomScoreAdj: o.oom_score_adj,
  });
}

/** Severity and reason of an AI call by outcome: auth, rate limit, server errors, timeouts fail. */
export function aiCallOutcome(status: number | undefined, errorType: string | undefined, incomplete: boolean): { severity: Severity; reason?: string } {
  const timedOut = /timeout|timed.?out|deadline/i.test(errorType ?? '');
  if (timedOut) return { severity: 'error', reason: 'Timeout' };
  if (status === undefined) return incomplete || errorType ? { severity: 'error', reason: errorType ?? 'Incomplete' } : { severity: 'info' };
  if (status === 401 || status === 403 || status === 429 || status >= 500) return { severity: 'error', reason: String(status) };
  if (status >= 400) return { severity: 'warning', reason: String(status) };
  return { severity: 'info' };
}

function aiCallSignal(e: EventOf<'ai_call'>): Signal {
  const a = e.ai_call;
  const model = a.gen_ai?.response?.model ?? a.gen_ai?.request?.model;
  const status = a.http?.status_code;
  const provider = a.provider ?? a.gen_ai?.system;
  const outcome = aiCallOutcome(status, a.error?.type, a.incomplete === true);
  const usage = a.gen_ai?.usage;
  const title = `${where(e)} → ${provider ?? 'AI API'}${model ? ` ${model}` : ''}: ${status ?? outcome.reason ?? 'no status'}`;
  return base(e, 'ai_call', outcome.severity, outcome.reason ?? 'ok', title, {
    provider,
    endpoint: a.endpoint ?? a.http?.path,
    operation: a.gen_ai?.operation?.name,
    model,
    requestModel: a.gen_ai?.request?.model,
    statusCode: status,
    stream: a.gen_ai?.request?.stream,
    inputTokens: usage?.input_tokens,
    outputTokens: usage?.output_tokens,
    totalTokens: usage?.total_tokens,
    latencyMs: a.timing?.duration_ms,
    ttfbMs: a.timing?.ttfb_ms,
    costUsd: a.cost?.usd,
    errorType: a.error?.type,
    errorMessage: a.error?.message,
    server: a.server?.address ?? a.http?.host,
  });
}

function lossSignal(e: EventOf<'loss'>): Signal {
  const l = e.loss;
  return base(e, 'loss', 'warning', 'EventLoss', `sensor on ${e.node} lost ${l.count} ${l.probe} records`, {
    probe: l.probe,
    lost: l.count,
    lostTotal: l.total,
    lossReason: l.reason,
  });
}

/**
 * The Signals one sensor event stands for: none for raw http_call / tls_data events, nor for
 * sensor_status heartbeats (sensor health has its own registry; losses arrive as loss events).
 */
export function sensorEventToSignals(event: Event): Signal[] {
  switch (event.kind) {
    case 'process_exit':
      return [exitSignal(event)];
    case 'signal':
      return [fatalSignal(event)];
    case 'oom_kill':
      return [oomSignal(event)];
    case 'ai_call':
      return [aiCallSignal(event)];
    case 'loss':
      return [lossSignal(event)];
    default:
      return [];
  }
}
