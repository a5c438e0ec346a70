import { describe, expect, it } from 'vitest';
import { Correlator } from '../correlate/correlator.js';
import { Signal } from '../signal.js';
import { inputFromIncident } from './from-incident.js';
import { analyzeOffline } from './offline.js';

// Shaped like the pod watch's and the sensor's signals (ingest/kube/to-signal.ts, ingest/sensor.ts).
const podWatchOom = Signal.parse({
  id: 'k8s:9f2c',
  source: 'kubernetes',
  adapter: 'pod-watch',
  kind: 'k8s',
  reason: 'OOMKilled',
  time: '2026-11-27T10:04:52Z',
  severity: 'error',
  title: 'OOMKilled: Pod shop/checkout-7c5ddbdf54-8xk2p container checkout',
  message: 'container checkout was OOM-killed (exit code 137)',
  sourceFingerprint: 'k8s/0b7d3c1e/OOMKilled/checkout',
  resource: { cluster: 'prod', namespace: 'shop', pod: 'checkout-7c5ddbdf54-8xk2p', container: 'checkout', workload: { kind: 'Deployment', name: 'checkout' } },
  evidence: ['2026-11-27T10:04:50Z WARN heap usage increasing: 249Mi'],
  attributes: { objectKind: 'Pod', exitCode: 137, restartCount: 6, memoryLimit: '256Mi' },
});
const sensorOom = Signal.parse({
  id: 'sensor:77',
  source: 'sensor',
  adapter: 'sensor',
  kind: 'oom',
  reason: 'OOMKilled',
  time: '2026-11-27T10:04:52Z',
  severity: 'critical',
  title: 'shop/checkout-7c5ddbdf54-8xk2p (checkout) OOM-killed by the kernel',
  resource: { namespace: 'shop', pod: 'checkout-7c5ddbdf54-8xk2p', container: 'checkout', cluster: 'prod' },
  attributes: { exitCode: 137, anonRssKb: 262_000 },
});

describe('inputFromIncident', () => {
  it('joins the sensor and the pod watch into one incident and proposes the limit patch', () => {
    const c = new Correlator(() => ({ priority: 'P1' }));
    c.apply(podWatchOom);
    c.apply(sensorOom);
    const [incident] = c.active();
    expect(incident!.signalCount).toBe(2);
    const input = inputFromIncident(incident!);
    expect(input.resource).toMatchObject({ kind: 'Deployment', name: 'checkout', namespace: 'shop', container: 'checkout', pod: 'checkout-7c5ddbdf54-8xk2p' });
    expect(input.events[0]).toBe('Warning OOMKilled: container checkout was OOM-killed (exit code 137)');
    expect(input.logs).toEqual(['2026-11-27T10:04:50Z WARN heap usage increasing: 249Mi']);
    const a = analyzeOffline(input);
    expect(a.failure_class).toBe('oom-killed');
    expect(a.summary).toContain('6 restarts');
    expect(a.root_cause).toContain('256Mi');
    expect(a.action).toMatchObject({ type: 'k8s_patch', target: { kind: 'Deployment', name: 'checkout' } });
  });
});
