// Which target files the probes leave alone (config `capture.exclude_targets`). A uprobe fires in
// every process that runs the file it is on, and each hit costs the process a trap (see
// docs/BENCHMARKS.md): node infrastructure that speaks TLS all day and never calls an AI API
// (kubelet's API watches, containerd's registry pulls) should not pay it.
import { basename } from 'node:path';
import picomatch from 'picomatch';

/**
 * Pure: a matcher over target paths (as seen inside their mount namespace) returning the first
 * pattern that excludes one. A pattern with a `/` is matched against the whole path, any other
 * against the file name, so `kubelet` excludes /usr/bin/kubelet and /usr/local/bin/kubelet alike.
 */
export function targetExcluder(patterns: readonly string[]): (path: string) => string | undefined {
  const tests = patterns.map((pattern) => ({ pattern, whole: pattern.includes('/'), test: picomatch(pattern, { dot: true }) }));
  return (path) => tests.find((t) => t.test(t.whole ? path : basename(path)))?.pattern;
}
