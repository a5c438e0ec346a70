// Bun's single binary from the npm registry (@oven/bun-linux-x64, no install script), unpacked
// once per version into the temporary folder and reused: the tests need the real binary with
// its BoringSSL linked in, not a package of this project.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { arch, tmpdir } from 'node:os';
import { join } from 'node:path';

export const BUN_VERSION = '1.4.5';

/** The path of the bun binary, fetched with `npm pack` when not cached yet. */
export function ensureBun(): string {
  if (arch() !== 'x64') throw new Error(`Bun's test binary is fetched for x64 only (this machine is ${arch()})`);
  const dir = join(tmpdir(), `vigil-bun-${BUN_VERSION}`);
  const bin = join(dir, 'package/bin/bun');
  if (existsSync(bin)) return bin;
  const work = `${dir}.tmp-${process.pid}`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const tgz = execFileSync('npm', ['pack', `@oven/bun-linux-x64@${BUN_VERSION}`, '--silent', '--pack-destination', work], { encoding: 'utf8', timeout: 300_000 }).trim().split('\n').pop()!;
  execFileSync('tar', ['xzf', join(work, tgz), '-C', work]);
  rmSync(join(work, tgz));
  try {
    renameSync(work, dir); // another worker may have won: theirs is as good
  } catch {
    rmSync(work, { recursive: true, force: true });
  }
  return bin;
}
