// Conformance: the failure detectors on the held-out corpus of real Kubernetes objects
// (../shared/corpus/k8s, never copied into the repository). Skips loudly without the corpus;
// under CI=true a missing corpus is a failure.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { detectFailures } from '../control-plane/src/ingest/kube/detect.js';

const CORPUS = join(fileURLToPath(new URL('..', import.meta.url)), '..', 'shared', 'corpus', 'k8s');
const present = existsSync(CORPUS);

/** The class each corpus file shows, from its name (the SOURCES.md table says what each is). */
const EXPECTED: ReadonlyArray<[RegExp, string]> = [
  [/^pod_crashloop_/, 'CrashLoopBackOff'],
  [/^pod_imagepullbackoff_/, 'ImagePullBackOff'],
  [/^pod_oomkilled_lastState_fragment/, 'OOMKilled'],
];

function load(file: string): { kind?: string } {
  const text = readFileSync(join(CORPUS, file), 'utf8');
  const obj = (file.endsWith('.json') ? JSON.parse(text) : parse(text)) as Record<string, unknown>;
  // The docs fragment is one container status's lastState: put it in a pod.
  if (!obj.kind && obj.lastState) return { kind: 'Pod', ...{ metadata: { name: 'fragment' }, status: { containerStatuses: [{ name: 'c', restartCount: 1, ...obj }] } } };
  return obj;
}

describe('conformance: failure detectors on the k8s corpus', () => {
  if (!present) {
    if (process.env.CI === 'true') it('needs the corpus under CI', () => expect.fail(`corpus missing: ${CORPUS}`));
    else {
      console.warn(`kube conformance SKIPPED: corpus not found at ${CORPUS}`);
      it.skip(`SKIPPED: corpus not found at ${CORPUS}`, () => {});
    }
    return;
  }
  const files = readdirSync(CORPUS).filter((f) => /\.(json|ya?ml)$/.test(f));
  it('finds object files in the corpus', () => expect(files.length).toBeGreaterThan(0));
  it.each(files)('%s', (file) => {
    const expected = EXPECTED.find(([re]) => re.test(file))?.[1];
    expect(expected, `no expectation for ${file}: add one`).toBeDefined();
    expect(detectFailures(load(file)).map((f) => f.reason)).toContain(expected);
  });
});
