import { describe, expect, it } from 'vitest';
import type { Incident } from '../correlate/types.js';
import type { Analysis } from '../triage/types.js';
import { proposalFor } from './from-incidents.js';

const incident = (over: Partial<Incident>): Incident =>
  ({
    id: 'fp-1',
    fingerprint: 'fp',
    key: { cluster: 'c', namespace: 'shop', workload: 'web', container: 'web', failureClass: 'crash_loop', detail: '' },
    workload: { kind: 'Deployment', name: 'web' },
    state: 'open',
    pods: ['web-7c5ddbdf54-8xk2p'],
    ...over,
  }) as Incident;

const analysis = (action: Analysis['action'], source: Analysis['source'] = 'llm'): Analysis => ({
  failure_class: 'crash_loop',
  summary: '',
  root_cause: '',
  recommendation: '',
  evidence: [],
  action,
  confidence: 0.8,
  decision: 'alert',
  reason: '',
  source,
});

describe('proposalFor', () => {
  it("takes the analysis's action, attributed to the LLM or the analyzer", () => {
    const action = { type: 'rollback' as const, target: { kind: 'Deployment' as const, namespace: 'shop', name: 'web' }, params: {} };
    expect(proposalFor(incident({ analysis: analysis(action) }))).toMatchObject({ action, actor: { type: 'llm' } });
    expect(proposalFor(incident({ analysis: analysis(action, 'offline-fallback') }))?.actor.type).toBe('analyzer');
  });

  it.each([
    ['restart-pod', { kind: 'Pod', namespace: 'shop', name: 'web-7c5ddbdf54-8xk2p' }],
    ['rollout-restart', { kind: 'Deployment', namespace: 'shop', name: 'web' }],
  ])("falls back to the rule's %s aimed at the incident", (action, target) => {
    const p = proposalFor(incident({ rule: 'crashloop-backoff', remediation: { action, cooldown: '5m' } }));
    expect(p).toEqual({ incidentId: 'fp-1', action: { type: action, target, params: {} }, actor: { type: 'rule', name: 'crashloop-backoff' }, cooldown: '5m' });
  });

  it.each([[{ action: 'none' }], [{ action: 'reboot-node' }], [undefined]])('proposes nothing for rule remediation %j', (remediation) => {
    expect(proposalFor(incident({ remediation }))).toBeUndefined();
  });
});
