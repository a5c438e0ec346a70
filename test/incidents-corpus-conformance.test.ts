// Conformance: the offline analyzer on real Kubernetes payloads from the held-out corpus
// (kubectl describe output and Pod objects; see /work/shared/corpus/SOURCES.md).
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { testRedactor } from '../control-plane/src/triage/fixtures/redactor.js';
import { AnalyzeRequest, inputFromRequest } from '../control-plane/src/triage/logjedi.js';
import { analyzeOffline } from '../control-plane/src/triage/offline.js';

const corpus = resolve(import.meta.dirname, '../../shared/corpus/k8s');
const present = existsSync(corpus);
if (!present) {
  if (process.env.CI === 'true') throw new Error(`conformance corpus missing: ${corpus}`);
  console.warn(`SKIPPING incidents corpus conformance: ${corpus} is absent`);
}

function describeOutput(file: string) {
  const text = readFileSync(join(corpus, file), 'utf8');
  const name = /^Name:\s+(\S+)/m.exec(text)?.[1] ?? 'pod';
  const namespace = /^Namespace:\s+(\S+)/m.exec(text)?.[1] ?? 'default';
  return AnalyzeRequest.parse({ resource_kind: 'Pod', resource_name: name, namespace, events: text.split('\n') });
}

function podObject(file: string) {
  const pod = JSON.parse(readFileSync(join(corpus, file), 'utf8')) as { metadata: { name: string; namespace: string }; spec: unknown; status: unknown };
  return AnalyzeRequest.parse({ resource_kind: 'Pod', resource_name: pod.metadata.name, namespace: pod.metadata.namespace, spec: pod.spec, status: pod.status });
}

describe.runIf(present)('conformance: offline analyzer on corpus/k8s', () => {
  it.each([
    ['kubectl_describe_pod_oomkilled_137_crashloopbackoff_holmesgpt.txt', describeOutput, 'oom-killed', 'exit code 137'],
    ['kubectl_describe_pod_errimagepull_imagepullbackoff_holmesgpt.txt', describeOutput, /^image-pull/, 'yourcompany/crw:latest'],
    ['kubectl_describe_pod_pending_failedscheduling_holmesgpt.txt', describeOutput, 'unschedulable', 'affinity'],
    ['kubectl_describe_pod_pending_failedscheduling_k8s-docs.txt', describeOutput, 'unschedulable', 'cpu'],
    ['pod_crashloop_argo-gitops-engine.CONVERTED.json', podObject, 'crash-loop', 'exit code 1'],
    ['pod_imagepullbackoff_argo-gitops-engine.CONVERTED.json', podObject, /^image-pull/, 'ImagePullBackOff'],
  ] as const)('%s', (file, load, expected, mentions) => {
    const a = analyzeOffline(inputFromRequest(load(file), testRedactor));
    expect(`${a.summary} ${a.root_cause} ${a.evidence.join(' ')}`).toContain(mentions);
    if (typeof expected === 'string') expect(a.failure_class).toBe(expected);
    else expect(a.failure_class).toMatch(expected);
    expect(a.evidence.length).toBeGreaterThan(0);
    expect(a.confidence).toBeGreaterThanOrEqual(0.5);
  });
});
