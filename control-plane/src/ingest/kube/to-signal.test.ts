import { describe, expect, it } from 'vitest';
import { transitionToSignal, type TargetInfo } from './to-signal.js';

const target: TargetInfo = { kind: 'Pod', uid: 'u1', name: 'api-0', namespace: 'shop', node: 'worker-1', workload: { kind: 'StatefulSet', name: 'api' } };
const finding = { reason: 'OOMKilled' as const, severity: 'error' as const, message: 'killed', container: 'api', since: '2026-11-28T01:00:00.000Z', occurrence: '2026-11-28T01:00:00.000Z', attributes: { exitCode: 137 } };
const now = new Date('2026-11-28T03:00:00Z');

describe('transitionToSignal', () => {
  it('gives the same id for the same state (replay) and a new one when resolved', () => {
    const a = transitionToSignal(target, { status: 'firing', finding }, now);
    const b = transitionToSignal(target, { status: 'firing', finding }, new Date());
    const r = transitionToSignal(target, { status: 'resolved', finding }, now);
    expect(a.id).toBe(b.id);
    expect(r.id).not.toBe(a.id);
    expect(r).toMatchObject({ status: 'resolved', severity: 'info', time: now.toISOString(), sourceFingerprint: a.sourceFingerprint });
  });

  it('fills the resource, the condition time and the attributes', () => {
    const s = transitionToSignal(target, { status: 'firing', finding }, now, { evidence: ['log [api] boom'], attributes: { ownerChain: [] } });
    expect(s).toMatchObject({
      source: 'kubernetes',
      adapter: 'pod-watch',
      kind: 'k8s',
      reason: 'OOMKilled',
      time: '2026-11-28T01:00:00.000Z',
      title: 'OOMKilled: Pod shop/api-0 container api',
      resource: { namespace: 'shop', pod: 'api-0', container: 'api', node: 'worker-1', workload: { kind: 'StatefulSet', name: 'api' } },
      evidence: ['log [api] boom'],
      attributes: { objectKind: 'Pod', uid: 'u1', exitCode: 137, ownerChain: [] },
    });
  });

  it('names a node as the resource of node conditions', () => {
    const s = transitionToSignal({ kind: 'Node', uid: 'n1', name: 'worker-3' }, { status: 'firing', finding: { reason: 'NodeNotReady', severity: 'critical', message: 'down', attributes: {} } }, now);
    expect(s.resource).toEqual({ node: 'worker-3' });
    expect(s.adapter).toBe('node-watch');
  });
});
