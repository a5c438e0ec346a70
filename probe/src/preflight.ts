// Checks made before loading probes, so that a missing prerequisite fails with a sentence
// that says what to do rather than an errno from deep inside libbpf.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export class PreflightError extends Error {
  override name = 'PreflightError';
}

export const TRACEFS = '/sys/kernel/tracing';

export interface PreflightEnv {
  uid: number;
  btfPath: string;
  tracefs: string;
}

const defaults: PreflightEnv = { uid: process.getuid?.() ?? 0, btfPath: '/sys/kernel/btf/vmlinux', tracefs: TRACEFS };

export function preflight(env: Partial<PreflightEnv> = {}): void {
  const e = { ...defaults, ...env };
  if (e.uid !== 0) {
    throw new PreflightError(
      'the sensor must run as root (or with CAP_BPF, CAP_PERFMON, CAP_SYS_RESOURCE and CAP_SYS_PTRACE) to load eBPF probes',
    );
  }
  if (!existsSync(e.btfPath)) {
    throw new PreflightError(
      `kernel BTF not found at ${e.btfPath}: the probes are CO-RE and need a kernel built with CONFIG_DEBUG_INFO_BTF=y (5.8 or newer)`,
    );
  }
  if (!existsSync(`${e.tracefs}/events`)) {
    try {
      execFileSync('mount', ['-t', 'tracefs', 'nodev', e.tracefs], { stdio: 'pipe' });
    } catch (err) {
      throw new PreflightError(
        `tracefs is not mounted at ${e.tracefs} and mounting it failed (${(err as Error).message.trim()}): ` +
          `run \`mount -t tracefs nodev ${e.tracefs}\` (in Kubernetes, mount the host's /sys/kernel/tracing)`,
      );
    }
  }
  for (const tp of ['sched/sched_process_exit', 'sched/sched_process_exec', 'oom/mark_victim']) {
    if (!existsSync(`${e.tracefs}/events/${tp}`)) {
      throw new PreflightError(`tracepoint ${tp} is missing from ${e.tracefs}/events: this kernel cannot report crash signals`);
    }
  }
}
