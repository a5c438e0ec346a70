import { grep, hasReason, podTarget, workloadTarget, type Facts } from '../facts.js';
import type { ProposedAction } from '../types.js';
import { exitCodeMeaning, signalName } from './exit-codes.js';
import { where, type Finding, type KnowledgeModule } from './module.js';

const CRASH_TEXT = /CrashLoopBackOff|Back-off restarting failed container|exited with (code|status)/i;
// No leading \b: KeyError, RuntimeException and NullPointerException are errors too.
const APP_ERROR = /(error|exception)\b|\b(fatal|panic|traceback|segmentation fault|core dumped|not found|permission denied)\b/i;

function mainExitCode(f: Facts): number | undefined {
  // A non-zero code explains more than 0; prefer the most specific (signal-coded) one.
  return [...f.exitCodes].sort((a, b) => (b > 128 ? 1 : 0) - (a > 128 ? 1 : 0) || b - a)[0];
}

function actionFor(f: Facts, code: number | undefined): ProposedAction | null {
  const workload = workloadTarget(f);
  // A missing or non-executable entrypoint comes from a new image or command: go back.
  if ((code === 126 || code === 127) && workload?.kind === 'Deployment') return { type: 'rollback', target: workload, params: {} };
  const pod = podTarget(f);
  return pod ? { type: 'restart-pod', target: pod, params: {} } : null;
}

export const crashLoopModule: KnowledgeModule = {
  name: 'crashloop',
  analyze(f): Finding | null {
    const crashSignals = f.input.signals.filter((s) => ['crash', 'exit', 'process_exit', 'signal'].includes(s.kind));
    const looping = hasReason(f, /CrashLoopBackOff|BackOff/i);
    const crashLines = grep(f, CRASH_TEXT);
    if (!looping && crashSignals.length === 0 && crashLines.length === 0 && f.exitCodes.length === 0) return null;
    const code = mainExitCode(f);
    const sig = f.terminations.find((t) => t.signal !== undefined)?.signal;
    const meaning = code !== undefined ? `exit code ${code}: ${exitCodeMeaning(code)}` : sig !== undefined ? `killed by ${signalName(sig)}` : 'the container keeps exiting';
    // The last error lines before the exit explain it best.
    const appLines = grep(f, APP_ERROR, Infinity).filter((l) => !CRASH_TEXT.test(l)).slice(-4);
    const action = actionFor(f, code);
    let recommendation = 'Read the last log lines of the previous container (kubectl logs --previous) and fix the error they show.';
    if (code === 127 || code === 126) recommendation = 'Check the image entrypoint/command and the image tag; roll back to the last working revision.';
    else if (code === 139) recommendation = 'Collect a core dump or run with a debugger; check native libraries and the image architecture.';
    else if (code === 143) recommendation = 'Handle SIGTERM gracefully and check whether a probe or a rollout is stopping the container.';
    else if (code === 137) recommendation = 'Check for OOM (memory limit) and failing liveness probes; both end in SIGKILL.';
    else if (code === 2) recommendation = 'Check the container command and arguments in the spec.';
    return {
      failure_class: 'crash-loop',
      summary: `${where(f)} is ${looping ? 'in CrashLoopBackOff' : 'crashing'} (${meaning})`,
      root_cause: `The container exits repeatedly: ${meaning}.${appLines.length ? ` Last error: ${appLines[appLines.length - 1]}` : ''}`,
      recommendation,
      evidence: [...crashLines, ...appLines, ...(code !== undefined ? [`exit code ${code}`] : [])].slice(0, 8),
      action,
      confidence: code !== undefined ? (appLines.length ? 0.75 : 0.65) : 0.5,
    };
  },
};
