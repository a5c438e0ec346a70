// Gate for suites that need a program installed on the host (e.g. chromium for the dashboard
// test), in the style of privileged.ts: outside CI a missing tool is reported loudly and the
// suite skipped; with CI=true the suite fails instead, so CI never passes without running it.
import { accessSync, constants } from 'node:fs';
import { it } from 'vitest';
import type { Gate } from './privileged.js';

/** `mode`: what the suite needs of the file (executable by default; F_OK for a library to read). */
export function requireTool(suite: string, path: string, install: string, mode = constants.X_OK): Gate {
  try {
    accessSync(path, mode);
    return { ok: true };
  } catch {
    const reason = `${suite} needs ${path}: ${install}`;
    if (process.env.CI === 'true') {
      it(`${suite}: ${path} is installed`, () => {
        throw new Error(`${reason} (CI=true: this suite may not be skipped)`);
      });
    } else {
      console.warn(`\n!!! SKIPPING ${reason}\n`);
    }
    return { ok: false, reason };
  }
}
