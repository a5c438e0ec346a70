import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Signal, type SignalInput } from '../signal.js';
import { Correlator } from './correlator.js';
import type { Incident } from './types.js';

const T0 = Date.parse('2026-11-27T10:00:00Z');
const at = (s: number) => new Date(T0 + s * 1000).toISOString();

function sig(over: Partial<SignalInput> & { id: string }): Signal {
  return Signal.parse({
    source: 'kubernetes',
    adapter: 'pod-watch',
    kind: 'k8s',
    reason: 'CrashLoopBackOff',
    time: at(0),
    title: 'Back-off restarting failed container',
    resource: { cluster: 'prod', namespace: 'shop', pod: 'checkout-7c5ddbdf54-8xk2p', container: 'checkout' },
    ...over,
  });
}

const newCorrelator = (cfg = {}) => new Correlator((s) => ({ priority: s.severity === 'critical' ? 'P1' : 'P3' }), cfg);

describe('Correlator', () => {
  it('groups pods of one Deployment, OOM kills and crash loops into one incident', () => {
    const c = newCorrelator();
    const a = c.apply(sig({ id: '1' }));
    const b = c.apply(sig({ id: '2', time: at(30), resource: { cluster: 'prod', namespace: 'shop', pod: 'checkout-7c5ddbdf54-zz9qq', container: 'checkout' } }));
    const d = c.apply(sig({ id: '3', time: at(40), kind: 'oom_kill', source: 'sensor', adapter: 'sensor', reason: undefined }));
    expect(a[0]?.type).toBe('opened');
    expect(b[0]?.type).toBe('updated');
    expect(d[0]?.type).toBe('updated');
    const i = a[0]!.incident;
    expect(i.signalCount).toBe(3);
    expect(i.pods).toEqual(['checkout-7c5ddbdf54-8xk2p', 'checkout-7c5ddbdf54-zz9qq']);
    expect(i.key).toMatchObject({ workload: 'checkout', failureClass: 'crash', container: 'checkout' });
    expect(i.title).toBe('shop/checkout: Back-off restarting failed container');
  });

  it('opens separate incidents per failure class and per container', () => {
    const c = newCorrelator();
    c.apply(sig({ id: '1' }));
    c.apply(sig({ id: '2', reason: 'ErrImagePull', title: 'Failed to pull image' }));
    c.apply(sig({ id: '3', resource: { cluster: 'prod', namespace: 'shop', pod: 'checkout-7c5ddbdf54-8xk2p', container: 'sidecar' } }));
    expect(c.active()).toHaveLength(3);
  });

  it('drops a replayed signal id', () => {
    const c = newCorrelator();
    c.apply(sig({ id: '1' }));
    expect(c.apply(sig({ id: '1', time: at(5) }))).toEqual([]);
    expect(c.stats.duplicates).toBe(1);
  });

  it('escalates when a later signal matches a more urgent rule', () => {
    const c = newCorrelator();
    c.apply(sig({ id: '1' }));
    const [change] = c.apply(sig({ id: '2', time: at(10), severity: 'critical' }));
    expect(change?.type).toBe('escalated');
    expect(change?.incident.priority).toBe('P1');
    expect(c.apply(sig({ id: '3', time: at(20) }))[0]?.type).toBe('updated');
    expect(change?.incident.priority).toBe('P1');
  });

  it('resolves by source fingerprint, reopens on a new firing signal, acknowledges', () => {
    const c = newCorrelator();
    const alert = (id: string, status: 'firing' | 'resolved', t: number) =>
      sig({ id, status, time: at(t), source: 'webhook', adapter: 'alertmanager', kind: 'alert', reason: 'KubePodCrashLooping', sourceFingerprint: 'am-7f3a' });
    const [opened] = c.apply(alert('1', 'firing', 0));
    const incident = opened!.incident;
    expect(c.acknowledge(incident.id)?.incident.state).toBe('acknowledged');
    expect(c.apply(alert('2', 'resolved', 60))[0]).toMatchObject({ type: 'resolved' });
    expect(incident.state).toBe('resolved');
    expect(incident.resolvedAt).toBe(at(60));
    const [re] = c.apply(alert('3', 'firing', 120));
    expect(re?.type).toBe('reopened');
    expect(re?.incident.id).toBe(incident.id);
    expect(incident.reopenCount).toBe(1);
  });

  it('stays open while another source of the incident still fires (two pods of one Deployment)', () => {
    const c = newCorrelator();
    const pod = (id: string, name: string, status: 'firing' | 'resolved', t: number) =>
      sig({ id, status, time: at(t), sourceFingerprint: `k8s/${name}/CrashLoopBackOff/checkout`, resource: { cluster: 'prod', namespace: 'shop', pod: name, container: 'checkout' } });
    const [opened] = c.apply(pod('1', 'checkout-7c5ddbdf54-xk2pb', 'firing', 0));
    c.apply(pod('2', 'checkout-7c5ddbdf54-zz9qq', 'firing', 5));
    expect(c.apply(pod('3', 'checkout-7c5ddbdf54-xk2pb', 'resolved', 10))[0]?.type).toBe('updated');
    expect(opened!.incident.state).toBe('open');
    expect(c.apply(pod('4', 'checkout-7c5ddbdf54-zz9qq', 'resolved', 20))[0]?.type).toBe('resolved');
    expect(opened!.incident.state).toBe('resolved');
  });

  it('reads the sensor and pod-watch adapters: clean exits and SIGTERM open nothing, flat AI fields classify, nodes are kept apart', () => {
    const c = newCorrelator();
    expect(c.apply(sig({ id: 'e0', kind: 'exit', source: 'sensor', adapter: 'sensor', reason: 'ExitCode0', attributes: { exitCode: 0 } }))).toEqual([]);
    expect(c.apply(sig({ id: 'e143', kind: 'exit', source: 'sensor', adapter: 'sensor', reason: 'ExitCode143', attributes: { exitCode: 143 } }))).toEqual([]);
    expect(c.apply(sig({ id: 'term', kind: 'crash', source: 'sensor', adapter: 'sensor', reason: 'SIGTERM', attributes: { signalName: 'SIGTERM' } }))).toEqual([]);
    expect(c.apply(sig({ id: 'e1', kind: 'exit', source: 'sensor', adapter: 'sensor', reason: 'ExitCode1', attributes: { exitCode: 1 } }))[0]?.type).toBe('opened');
    const [ai] = c.apply(sig({ id: 'ai', kind: 'ai_call', source: 'sensor', adapter: 'sensor', reason: '429', attributes: { provider: 'anthropic', statusCode: 429 } }));
    expect(ai?.incident.key).toMatchObject({ failureClass: 'ai-rate-limit', detail: 'anthropic' });
    const node = (id: string, name: string) => sig({ id, reason: 'DiskPressure', title: 'DiskPressure: Node', resource: { cluster: 'prod', node: name } });
    c.apply(node('n1', 'node-a'));
    c.apply(node('n2', 'node-b'));
    expect(c.active().filter((i) => i.key.failureClass === 'node').map((i) => i.key.detail).sort()).toEqual(['node-a', 'node-b']);
  });

  it('starts a new incident after the grouping window and closes the stale one', () => {
    const c = newCorrelator({ windowMs: 60_000 });
    const [first] = c.apply(sig({ id: '1' }));
    const changes = c.apply(sig({ id: '2', time: at(600) }));
    expect(changes.map((x) => x.type)).toEqual(['resolved', 'opened']);
    expect(changes[1]!.incident.id).not.toBe(first!.incident.id);
    expect(changes[1]!.incident.id.endsWith('-2')).toBe(true);
  });

  it('keeps a bounded timeline and counts the rest', () => {
    const c = newCorrelator({ timelineLimit: 5 });
    for (let n = 0; n < 12; n += 1) c.apply(sig({ id: `s${n}`, time: at(n) }));
    const [i] = c.active();
    expect(i!.timeline.map((e) => e.id)).toEqual(['s7', 's8', 's9', 's10', 's11']);
    expect(i!.timelineDropped).toBe(7);
    expect(i!.signalCount).toBe(12);
  });

  it('gives AI failures their own classes and joins healthy calls to an open incident of the workload', () => {
    const c = newCorrelator();
    const ai = (id: string, status: number) =>
      sig({ id, source: 'sensor', adapter: 'sensor', kind: 'ai_call', reason: undefined, title: 'POST /v1/chat/completions', attributes: { ai_call: { provider: 'openai', http: { status_code: status } } } });
    expect(c.apply(ai('a', 200))).toEqual([]);
    expect(c.stats.unrelated).toBe(1);
    const [crash] = c.apply(sig({ id: 'crash' }));
    const [rel] = c.apply(ai('b', 200));
    expect(rel).toMatchObject({ type: 'related' });
    expect(rel!.incident.id).toBe(crash!.incident.id);
    expect(crash!.incident.relatedCount).toBe(1);
    const classes = [401, 429, 502].map((s, n) => c.apply(ai(`f${n}`, s))[0]!.incident.key.failureClass);
    expect(classes).toEqual(['ai-auth', 'ai-rate-limit', 'ai-provider-error']);
  });

  it('opens an ai-spike incident when tokens jump above the workload baseline', () => {
    const c = newCorrelator({ baseline: { alpha: 0.1, factor: 3, warmup: 5, maxKeys: 100 } });
    const call = (id: string, tokens: number) =>
      sig({ id, source: 'sensor', adapter: 'sensor', kind: 'ai_call', reason: undefined, title: 'POST /v1/chat/completions', attributes: { ai_call: { provider: 'openai', http: { status_code: 200 }, gen_ai: { request: { model: 'gpt-4o' }, usage: { total_tokens: tokens } } } } });
    for (let n = 0; n < 6; n += 1) expect(c.apply(call(`n${n}`, 1_000))).toEqual([]);
    const [spike] = c.apply(call('big', 9_000));
    expect(spike?.type).toBe('opened');
    expect(spike?.incident.key.failureClass).toBe('ai-spike');
  });
});

// Properties: firing signals of a few workloads, spread within the grouping window.
const pods = ['web-7c5ddbdf54-8xk2p', 'web-7c5ddbdf54-zz9qq', 'db-0', 'agent-x7k2p'];
const reasons = ['CrashLoopBackOff', 'OOMKilled', 'ErrImagePull', 'FailedScheduling'];
const arbSignal = fc.record({
  id: fc.string({ minLength: 1, maxLength: 6 }),
  pod: fc.constantFrom(...pods),
  reason: fc.constantFrom(...reasons),
  second: fc.integer({ min: 0, max: 600 }),
  critical: fc.boolean(),
});
type Arb = { id: string; pod: string; reason: string; second: number; critical: boolean };
const toSignal = (a: Arb) => sig({ id: a.id, reason: a.reason, time: at(a.second), severity: a.critical ? 'critical' : 'error', resource: { cluster: 'c', namespace: 'ns', pod: a.pod, container: 'app' } });

function summary(incidents: Incident[]) {
  return incidents
    .map((i) => ({ id: i.id, count: i.signalCount, first: i.firstSeen, last: i.lastSeen, priority: i.priority, timeline: i.timeline.map((e) => e.id), pods: [...i.pods].sort() }))
    .sort((a, b) => a.id.localeCompare(b.id));
}

function run(signals: Signal[]): Incident[] {
  const c = newCorrelator();
  for (const s of signals) c.apply(s);
  return c.active();
}

describe('Correlator properties', () => {
  it('the same signals in any order give the same incidents', () => {
    fc.assert(
      fc.property(fc.uniqueArray(arbSignal, { selector: (a) => a.id, maxLength: 40 }).chain((xs) => fc.tuple(fc.constant(xs), fc.shuffledSubarray(xs, { minLength: xs.length, maxLength: xs.length }))), ([xs, shuffled]) => {
        expect(summary(run(shuffled.map(toSignal)))).toEqual(summary(run(xs.map(toSignal))));
      }),
      { numRuns: 200 },
    );
  });

  it('duplicates never open a second incident nor count twice', () => {
    fc.assert(
      fc.property(fc.uniqueArray(arbSignal, { selector: (a) => a.id, minLength: 1, maxLength: 30 }), fc.array(fc.nat(), { maxLength: 30 }), (xs, picks) => {
        const once = run(xs.map(toSignal));
        const replayed = [...xs, ...picks.map((p) => xs[p % xs.length]!)].map(toSignal);
        expect(summary(run(replayed))).toEqual(summary(once));
        expect(once.reduce((n, i) => n + i.signalCount, 0)).toBe(xs.length);
      }),
      { numRuns: 200 },
    );
  });

  it('one incident per fingerprint within the window', () => {
    fc.assert(
      fc.property(fc.uniqueArray(arbSignal, { selector: (a) => a.id, maxLength: 40 }), (xs) => {
        const incidents = run(xs.map(toSignal));
        expect(new Set(incidents.map((i) => i.fingerprint)).size).toBe(incidents.length);
      }),
    );
  });
});
