import { grep, hasReason, workloadTarget, type Facts } from '../facts.js';
import type { ProposedAction } from '../types.js';
import { where, type Finding, type KnowledgeModule } from './module.js';

const OOM_TEXT = /OOMKilled|out of memory|OutOfMemoryError|heap out of memory|oom[-_ ]kill|Memory cgroup out of memory/i;
const GROWTH_TEXT = /memory usage (high|increasing)|heap (size )?(increasing|growing)|memory (leak|pressure)|GC overhead limit/i;

const UNITS: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, K: 1e3, M: 1e6, G: 1e9, '': 1 };

/** Kubernetes quantity → bytes (only the suffixes memory limits use). */
export function parseMemory(q: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|K|M|G)?$/.exec(q.trim());
  return m ? Number(m[1]) * UNITS[m[2] ?? '']! : undefined;
}

function raisedLimit(limit: string): string | undefined {
  const bytes = parseMemory(limit);
  return bytes === undefined ? undefined : `${Math.ceil((bytes * 1.5) / 2 ** 20)}Mi`;
}

function raiseLimitAction(f: Facts): { action: ProposedAction | null; text: string } {
  const target = workloadTarget(f);
  const name = f.input.resource.container ?? f.terminations.find((t) => t.reason === 'OOMKilled')?.container;
  const c = f.containers.find((x) => x.name === name) ?? (f.containers.length === 1 ? f.containers[0] : undefined);
  const next = c?.memoryLimit ? raisedLimit(c.memoryLimit) : undefined;
  if (!target || !c || !next || target.kind === 'Job' || target.kind === 'CronJob') {
    return { action: null, text: 'Raise the container memory limit (resources.limits.memory) or reduce the memory the process uses.' };
  }
  const patch = { spec: { template: { spec: { containers: [{ name: c.name, resources: { limits: { memory: next } } }] } } } };
  return {
    action: { type: 'k8s_patch', target, params: { patchType: 'strategic', patch } },
    text: `Raise the memory limit of container ${c.name} from ${c.memoryLimit} to ${next} (+50%), then look for a leak if usage keeps growing.`,
  };
}

export const oomModule: KnowledgeModule = {
  name: 'oom',
  analyze(f): Finding | null {
    const killed = hasReason(f, /^OOMKill/i) || f.signalKinds.has('oom_kill') || f.signalKinds.has('oom');
    const text = grep(f, OOM_TEXT);
    const growth = grep(f, GROWTH_TEXT);
    if (!killed && text.length === 0 && growth.length === 0) return null;
    const exit137 = f.exitCodes.includes(137);
    const { action, text: recommendation } = raiseLimitAction(f);
    const limit = f.containers.find((c) => c.memoryLimit)?.memoryLimit;
    if (!killed && text.length === 0) {
      return {
        failure_class: 'memory-growth',
        summary: `${where(f)} shows growing memory use`,
        root_cause: 'Logs report rising memory or heap usage: a leak or an undersized limit, heading for an OOM kill.',
        recommendation: `Profile the heap and compare usage with the limit${limit ? ` (${limit})` : ''}. ${recommendation}`,
        evidence: growth,
        action: null,
        confidence: 0.5,
      };
    }
    return {
      failure_class: 'oom-killed',
      summary: `${where(f)} was OOMKilled${f.restartCount ? ` (${f.restartCount} restarts)` : ''}`,
      root_cause: `The container exceeded its memory limit${limit ? ` of ${limit}` : ''} and the kernel OOM killer ended it${exit137 ? ' (exit code 137 = 128 + SIGKILL)' : ''}.${growth.length ? ' Memory was growing before the kill.' : ''}`,
      recommendation,
      evidence: [...[...f.reasons].filter((r) => /OOM/i.test(r)).map((r) => `reason: ${r}`), ...text, ...growth].slice(0, 8),
      action,
      confidence: killed ? 0.92 : 0.7,
    };
  },
};
