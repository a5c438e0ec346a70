import { describe, expect, it } from 'vitest';
import type { Finding } from './detect.js';
import { FindingTracker } from './tracker.js';

const f = (reason: Finding['reason'], container?: string, occurrence?: string): Finding => ({
  reason,
  severity: 'error',
  message: reason,
  attributes: {},
  ...(container ? { container } : {}),
  ...(occurrence ? { occurrence } : {}),
});

describe('FindingTracker', () => {
  it('fires once, stays quiet while unchanged, resolves once when cleared', () => {
    const t = new FindingTracker();
    expect(t.update('pod-1', [f('CrashLoopBackOff', 'api')]).map((x) => x.status)).toEqual(['firing']);
    expect(t.update('pod-1', [f('CrashLoopBackOff', 'api')])).toEqual([]);
    expect(t.activeCount()).toBe(1);
    expect(t.update('pod-1', []).map((x) => [x.status, x.finding.reason])).toEqual([['resolved', 'CrashLoopBackOff']]);
    expect(t.update('pod-1', [])).toEqual([]);
    expect(t.activeCount()).toBe(0);
  });

  it('keeps containers and objects apart', () => {
    const t = new FindingTracker();
    t.update('pod-1', [f('CrashLoopBackOff', 'api')]);
    expect(t.update('pod-1', [f('CrashLoopBackOff', 'api'), f('CrashLoopBackOff', 'sidecar')]).map((x) => x.finding.container)).toEqual(['sidecar']);
    expect(t.update('pod-2', [f('CrashLoopBackOff', 'api')]).map((x) => x.status)).toEqual(['firing']);
  });

  it('fires again on a new occurrence of the same class (a second OOM kill)', () => {
    const t = new FindingTracker();
    t.update('pod-1', [f('OOMKilled', 'api', '2026-11-28T01:00:00Z')]);
    expect(t.update('pod-1', [f('OOMKilled', 'api', '2026-11-28T01:00:00Z')])).toEqual([]);
    expect(t.update('pod-1', [f('OOMKilled', 'api', '2026-11-28T01:05:00Z')]).map((x) => x.status)).toEqual(['firing']);
  });

  it('resolves everything of a deleted object', () => {
    const t = new FindingTracker();
    t.update('node-1', [f('MemoryPressure'), f('DiskPressure')]);
    expect(t.forget('node-1').map((x) => x.finding.reason).sort()).toEqual(['DiskPressure', 'MemoryPressure']);
  });
});
