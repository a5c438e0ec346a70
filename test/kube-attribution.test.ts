// Sensor attribution against the API stand-in: a pod informer limited to one node maps
// container ids (from cgroup paths) to Kubernetes fields.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AttributionConfig, PodAttributor } from '../probe/src/k8s/attribution.js';
import { containerIdFromCgroup } from '../probe/src/k8s/cgroup.js';
import { Kubernetes } from '../schema/event.js';
import { loggedLines, startKubeApi, until, type KubeApiStandIn, type KubeObject } from './helpers/kube-api.js';

vi.mock('../lib/log.js', async () => ({ logger: (await import('./helpers/kube-api.js')).recordingLogger }));

const id = (n: number) => n.toString(16).padStart(2, '0').repeat(32);

function pod(name: string, node: string, containers: Record<string, number>, extra: Partial<KubeObject['metadata']> = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'shop', uid: `uid-${name}`, ...extra },
    spec: { nodeName: node, containers: Object.keys(containers).map((c) => ({ name: c, image: `example/${c}:1` })) },
    status: {
      phase: 'Running',
      containerStatuses: Object.entries(containers).map(([c, n]) => ({ name: c, ready: true, restartCount: 0, image: `example/${c}:1`, imageID: '', containerID: `containerd://${id(n)}` })),
    },
  };
}

describe('sensor attribution (node-limited pod informer)', () => {
  let api: KubeApiStandIn;
  let attributor: PodAttributor | undefined;

  beforeEach(async () => {
    api = await startKubeApi();
    loggedLines.length = 0;
    api.put(
      pod('checkout-api-7d9c6b8f5-x2kqp', 'worker-2', { api: 1, 'istio-proxy': 2 }, {
        labels: { app: 'checkout-api', 'pod-template-hash': '7d9c6b8f5' },
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'checkout-api-7d9c6b8f5', uid: 'rs-1', controller: true }],
      }),
    );
    api.put(pod('web-0', 'worker-1', { web: 3 }));
  });

  afterEach(async () => {
    await attributor?.stop();
    attributor = undefined;
    await api.stop();
  });

  async function start(): Promise<PodAttributor> {
    attributor = new PodAttributor(api.kubeConfig(), AttributionConfig.parse({ nodeName: 'worker-2', retryInitialMs: 20 }));
    attributor.start();
    let synced = false;
    void attributor.synced.then(() => (synced = true));
    await until(() => synced, 'the first list');
    await until(() => api.openWatchCount() === 1, 'the watch');
    return attributor;
  }

  it('lists and watches only this node’s pods', async () => {
    await start();
    expect(api.requestsTo('/api/v1/pods').map((r) => r.query)).toEqual([
      { fieldSelector: 'spec.nodeName=worker-2' },
      { watch: 'true', resourceVersion: expect.any(String), fieldSelector: 'spec.nodeName=worker-2' },
    ]);
    expect(attributor!.stats()).toMatchObject({ pods: 1, containers: 2 });
  });

  it('maps a cgroup path’s container id to the schema’s Kubernetes fields', async () => {
    const a = await start();
    const cgroup = `0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-poduid_checkout.slice/cri-containerd-${id(1)}.scope`;
    const info = a.attribute(containerIdFromCgroup(cgroup)!);
    expect(info).toEqual({
      namespace: 'shop',
      pod: 'checkout-api-7d9c6b8f5-x2kqp',
      container: 'api',
      labels: { app: 'checkout-api', 'pod-template-hash': '7d9c6b8f5' },
      owner_kind: 'Deployment',
      owner_name: 'checkout-api',
    });
    expect(Kubernetes.parse(info)).toEqual(info);
    expect(a.attribute(`containerd://${id(2)}`)?.container).toBe('istio-proxy');
    expect(a.attribute(id(3))).toBeUndefined(); // another node's pod
  });

  it('follows pods scheduled, restarted and deleted on the node', async () => {
    const a = await start();
    api.put(pod('job-abcde', 'worker-2', { run: 4 }, { ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: 'nightly', uid: 'j', controller: true }] }));
    await until(() => a.attribute(id(4)) !== undefined, 'the new pod');
    expect(a.attribute(id(4))).toMatchObject({ pod: 'job-abcde', owner_kind: 'Job', owner_name: 'nightly' });

    // A restart gives the container a new id; the old one is forgotten.
    api.modify('v1', 'Pod', 'shop', 'job-abcde', (p) => {
      (p.status as { containerStatuses: { containerID: string }[] }).containerStatuses[0]!.containerID = `containerd://${id(5)}`;
    });
    await until(() => a.attribute(id(5)) !== undefined, 'the restarted container');
    expect(a.attribute(id(4))).toBeUndefined();

    api.remove('v1', 'Pod', 'shop', 'job-abcde');
    await until(() => a.attribute(id(5)) === undefined, 'the deletion');
    expect(a.stats().pods).toBe(1);
  });

  it('retries a failed list and reports it', async () => {
    api.failNext({ path: '/api/v1/pods', watch: false, status: 503, times: 1 });
    const a = await start();
    expect(a.stats()).toMatchObject({ errors: 1, pods: 1 });
    expect(loggedLines.filter((l) => l.level === 'warn').map((l) => l.fields.retryInMs)).toEqual([20]);
  });
});
