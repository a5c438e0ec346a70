// The failure class of one signal: the coarse "what broke" that, with the workload, decides which
// incident a signal belongs to. Crashes, exits, fatal signals, OOM kills and CrashLoopBackOff are
// one class ("crash") because Kubernetes reports one failing container through all of them; the
// triage step tells them apart.
import type { Signal } from '../signal.js';
import { aiCallFacts } from './ai-call.js';

export const FAILURE_CLASSES = [
  'crash',
  'image-pull',
  'config-missing',
  'probe-failure',
  'unschedulable',
  'eviction',
  'job-failed',
  'rollout-stuck',
  'network',
  'node',
  'ai-auth',
  'ai-rate-limit',
  'ai-provider-error',
  'ai-timeout',
  'ai-spike',
  'alert',
  'log-error',
  'other',
] as const;
export type FailureClass = (typeof FAILURE_CLASSES)[number];

const CRASH_KINDS = new Set(['crash', 'oom', 'oom_kill', 'exit', 'process_exit', 'signal']);

// Ordered: the first pattern that matches the signal's reason/title/message wins. Rollout comes
// before job because "ProgressDeadlineExceeded" contains "DeadlineExceeded".
const TEXT_PATTERNS: [RegExp, FailureClass][] = [
  [/OOMKill|out of memory|CrashLoop|back-off restarting failed container|PodCrashLooping|RunContainerError|CreateContainerError\b/i, 'crash'],
  [/ImagePull|ErrImage|InvalidImageName|pull access denied|manifest unknown/i, 'image-pull'],
  [/CreateContainerConfigError|(configmap|secret)s? "?[\w.-]+"? not found/i, 'config-missing'],
  [/(liveness|readiness|startup) probe failed|\bUnhealthy\b/i, 'probe-failure'],
  [/FailedScheduling|Unschedulable|Insufficient (cpu|memory)|untolerated taint|unbound .*PersistentVolumeClaims?/i, 'unschedulable'],
  [/\bEvict/i, 'eviction'],
  [/NodeNotReady|MemoryPressure|DiskPressure|PIDPressure|KubeNodeNotReady/i, 'node'],
  [/ProgressDeadlineExceeded|exceeded its progress deadline|RolloutStuck/i, 'rollout-stuck'],
  [/BackoffLimitExceeded|DeadlineExceeded|JobFailed|Job has reached the specified backoff limit/i, 'job-failed'],
  [/no such host|NXDOMAIN|name resolution|ECONNREFUSED|connection refused|ECONNRESET|connection reset|i\/o timeout|ETIMEDOUT/i, 'network'],
];

// Orderly stops seen by the sensor: every rolling update SIGTERMs processes, and that is no crash.
// (A container that keeps dying this way still shows up as CrashLoopBackOff from the pod watch.)
const CLEAN_EXIT_CODES = new Set([0, 130, 143]);
const STOP_SIGNALS = new Set(['SIGTERM', 'SIGINT']);

/** A process that exited cleanly or was asked to stop did not crash: context, not an incident. */
function exitedCleanly(signal: Signal): boolean {
  if (signal.source !== 'sensor') return false;
  const a = signal.attributes;
  if (signal.kind === 'exit' || signal.kind === 'process_exit') return CLEAN_EXIT_CODES.has((a.exitCode ?? a.exit_code) as number);
  return STOP_SIGNALS.has(String(a.signalName ?? signal.reason ?? ''));
}

/** Failure class of an `ai_call` signal, or null when the call succeeded. */
export function aiFailureClass(signal: Signal): FailureClass | null {
  const ai = aiCallFacts(signal);
  if (ai.timedOut) return 'ai-timeout';
  const code = ai.statusCode;
  if (code === 401 || code === 403) return 'ai-auth';
  if (code === 429) return 'ai-rate-limit';
  if (code !== undefined && code >= 500) return 'ai-provider-error';
  return null;
}

/** Failure class of any signal. A healthy `ai_call` or a clean exit yields null: it opens nothing by itself. */
export function failureClassOf(signal: Signal): FailureClass | null {
  if (signal.kind === 'ai_call') return aiFailureClass(signal);
  if (CRASH_KINDS.has(signal.kind)) return exitedCleanly(signal) ? null : 'crash';
  const text = `${signal.reason ?? ''}\n${signal.title}\n${signal.message}`;
  for (const [pattern, cls] of TEXT_PATTERNS) if (pattern.test(text)) return cls;
  if (signal.kind === 'alert') return 'alert';
  if (signal.kind === 'log') return 'log-error';
  return 'other';
}
