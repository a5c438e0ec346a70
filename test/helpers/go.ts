// Builds the Go HTTPS client (test/helpers/go-client) with Debian's golang-go: standard library
// only, no network. The build cache is shared by every build on this machine (under the temporary
// folder; Go's cache is safe for concurrent builds): compiling net/http from nothing takes
// minutes on a loaded 2-core machine, a cached build seconds.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
// Beside this file when run from the sources (vitest), in the repository when run from dist/ (benchmarks).
const SOURCE = [join(here, 'go-client/main.go'), resolve(here, '../../../test/helpers/go-client/main.go')].find((p) => existsSync(p))!;

/** Whether a Go toolchain is on PATH (scripts/setup.sh installs golang-go). */
export function haveGo(): boolean {
  try {
    execFileSync('go', ['version'], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

/** `go build` of one source file into `out`, offline, with the shared cache. */
export function goBuild(src: string, out: string, ldflags?: string): void {
  const env = {
    ...process.env,
    GOCACHE: join(tmpdir(), 'vigil-go-cache'),
    GOPATH: join(dirname(out), 'gopath'),
    GOFLAGS: '-mod=mod',
    GOPROXY: 'off',
    GOTOOLCHAIN: 'local',
    CGO_ENABLED: '0',
  };
  execFileSync('go', ['build', '-o', out, ...(ldflags ? [`-ldflags=${ldflags}`] : []), src], { env, stdio: 'pipe', cwd: dirname(out) });
}

/** Builds the client into `dir`; stripped: without .symtab and DWARF (-ldflags=-s -w). Returns its path. */
export function buildGoClient(dir: string, opts: { stripped?: boolean } = {}): string {
  const out = join(dir, opts.stripped ? 'go-client-stripped' : 'go-client');
  goBuild(SOURCE, out, opts.stripped ? '-s -w' : undefined);
  return out;
}
