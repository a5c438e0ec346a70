// Gate for suites that need root and real eBPF. Outside CI a suite that cannot run says so
// loudly and is skipped; with CI=true it fails, so CI never passes without running it.
import { existsSync } from 'node:fs';
import { it } from 'vitest';
import { defaultLibraryPath } from '../../probe/src/ffi/probe.js';

export interface Gate {
  ok: boolean;
  reason?: string;
}

export function privileged(suite: string): Gate {
  const reasons: string[] = [];
  if (process.getuid?.() !== 0) reasons.push('not running as root');
  if (!existsSync('/sys/kernel/btf/vmlinux')) reasons.push('no kernel BTF at /sys/kernel/btf/vmlinux');
  if (!existsSync(defaultLibraryPath())) reasons.push(`probe shim not built (${defaultLibraryPath()}): run ./scripts/setup.sh`);
  if (reasons.length === 0) return { ok: true };
  const reason = `${suite} needs root and eBPF: ${reasons.join('; ')}`;
  if (process.env.CI === 'true') {
    it(`${suite}: privileged prerequisites`, () => {
      throw new Error(`${reason} (CI=true: a privileged suite may not be skipped)`);
    });
  } else {
    console.warn(`\n!!! SKIPPING ${reason}\n`);
  }
  return { ok: false, reason };
}

/** Polls until check() returns a value (not arrived yet → retry), or fails with what was last seen. */
export async function waitFor<T>(check: () => T | undefined, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
