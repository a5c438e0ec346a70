import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import type { CoreV1Event, V1Pod } from '@kubernetes/client-node';
import { detectFailures, detectOOMKilled, detectUnschedulable, toIso } from './detect.js';

const fixture = <T = { kind: string }>(name: string): T => parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as T;

describe('failure detectors on realistic objects', () => {
  it.each([
    ['pod-crashloop.yaml', [['CrashLoopBackOff', 'api']]],
    ['pod-oomkilled-crashloop.yaml', [['CrashLoopBackOff', 'embedder'], ['OOMKilled', 'embedder']]],
    ['pod-imagepull.yaml', [['ImagePullBackOff', 'web']]],
    ['pod-errimagepull.yaml', [['ImagePullBackOff', 'worker']]],
    ['pod-config-error.yaml', [['CreateContainerConfigError', 'billing']]],
    ['pod-run-error.yaml', [['RunContainerError', 'wait-for-db']]],
    ['pod-unschedulable.yaml', [['Unschedulable', undefined]]],
    ['pod-pending-event-only.yaml', []],
    ['pod-evicted.yaml', [['Evicted', undefined]]],
    ['pod-healthy.yaml', []],
    ['job-backofflimit.yaml', [['BackoffLimitExceeded', undefined]]],
    ['job-deadline.yaml', [['DeadlineExceeded', undefined]]],
    ['deployment-progress-deadline.yaml', [['ProgressDeadlineExceeded', undefined]]],
    ['node-notready.yaml', [['NodeNotReady', undefined]]],
    ['node-pressure.yaml', [['MemoryPressure', undefined], ['DiskPressure', undefined]]],
  ])('%s → %j', (file, expected) => {
    const found = detectFailures(fixture(file)).map((f) => [f.reason, f.container]);
    expect(found).toEqual(expected);
  });

  it('keeps the message the kubelet or controller wrote', () => {
    const [f] = detectFailures(fixture('pod-config-error.yaml'));
    expect(f?.message).toBe('secret "stripe" not found');
    const [job] = detectFailures(fixture('job-backofflimit.yaml'));
    expect(job?.message).toBe('Job has reached the specified backoff limit');
    expect(job?.attributes).toMatchObject({ failed: 7, backoffLimit: 6 });
  });

  it('records the last exit code and restart count of a crash-looping container', () => {
    const [f] = detectFailures(fixture('pod-crashloop.yaml'));
    expect(f?.attributes).toMatchObject({ restartCount: 6, lastExitCode: 1, lastTerminationReason: 'Error' });
    expect(f?.since).toBe('2026-11-27T22:09:53.000Z');
  });

  it('names the ErrImagePull waiting reason while classing it with ImagePullBackOff', () => {
    const [f] = detectFailures(fixture('pod-errimagepull.yaml'));
    expect(f?.attributes.waitingReason).toBe('ErrImagePull');
    expect(f?.message).toContain('pull access denied');
  });

  it('gives each OOM kill its own occurrence (a new kill fires again) and the memory limit', () => {
    const pod = fixture<V1Pod>('pod-oomkilled-crashloop.yaml');
    const [first] = detectOOMKilled(pod);
    expect(first?.attributes).toMatchObject({ exitCode: 137, memoryLimit: '512Mi' });
    pod.status!.containerStatuses![0]!.lastState!.terminated!.finishedAt = '2026-11-27T23:45:00Z' as unknown as Date;
    const [second] = detectOOMKilled(pod);
    expect(second?.occurrence).not.toBe(first?.occurrence);
  });

  it('takes the scheduler reason from the PodScheduled condition', () => {
    const [f] = detectFailures(fixture('pod-unschedulable.yaml'));
    expect(f?.message).toMatch(/^0\/3 nodes are available: 3 Insufficient cpu/);
  });

  it('takes the scheduler reason from a FailedScheduling event when the pod has no condition', () => {
    const pod = fixture<V1Pod>('pod-pending-event-only.yaml');
    const event = fixture<CoreV1Event>('event-failedscheduling.yaml');
    const [f] = detectUnschedulable(pod, [event]);
    expect(f?.message).toContain("didn't match Pod's node affinity/selector");
    expect(f?.since).toBe('2026-11-28T01:15:00.000Z');
    // An event about another pod does not count.
    expect(detectUnschedulable(pod, [{ ...event, involvedObject: { ...event.involvedObject, uid: 'other' } }])).toEqual([]);
  });

  it('does not call a scheduled Pending pod unschedulable', () => {
    const pod = fixture<V1Pod>('pod-unschedulable.yaml');
    pod.spec!.nodeName = 'worker-1';
    expect(detectFailures(pod)).toEqual([]);
  });

  it('reads Date and string timestamps alike', () => {
    expect(toIso(new Date('2026-11-28T01:00:00Z'))).toBe('2026-11-28T01:00:00.000Z');
    expect(toIso('2026-11-28T01:00:00Z')).toBe('2026-11-28T01:00:00.000Z');
    expect(toIso(new Date('nonsense'))).toBeUndefined();
    expect(toIso(undefined)).toBeUndefined();
  });
});
