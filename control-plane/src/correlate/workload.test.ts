import { describe, expect, it } from 'vitest';
import { workloadFromPodName, workloadOf } from './workload.js';

describe('workloadFromPodName', () => {
  it.each([
    ['checkout-7c5ddbdf54-8xk2p', 'Deployment', 'checkout'],
    ['nginx-deployment-66b6c48dd5-4jw2p', 'Deployment', 'nginx-deployment'],
    ['backup-28934510-x7k2p', 'CronJob', 'backup'],
    ['fluent-bit-x7k2p', 'Workload', 'fluent-bit'],
    ['postgres-0', 'StatefulSet', 'postgres'],
    ['kafka-broker-12', 'StatefulSet', 'kafka-broker'],
    ['api-server', 'Pod', 'api-server'],
    ['standalone', 'Pod', 'standalone'],
  ])('%s → %s %s', (pod, kind, name) => {
    expect(workloadFromPodName(pod)).toEqual({ kind, name });
  });

  it('prefers the workload the source named', () => {
    expect(workloadOf({ pod: 'web-7c5ddbdf54-8xk2p', workload: { kind: 'Rollout', name: 'web-canary' } })).toEqual({ kind: 'Rollout', name: 'web-canary' });
    expect(workloadOf({})).toBeUndefined();
  });
});
