// The Kubernetes source against the API stand-in, with the real @kubernetes/client-node
// informers and clients: list + watch, context gathering, 410 relists, API errors, no cluster.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createKubeSource, KubeSection, type KubeSource, type KubeSectionInput } from '../control-plane/src/ingest/kube/index.js';
import type { Signal } from '../control-plane/src/signal.js';
import { loggedLines, startKubeApi, until, type KubeApiStandIn, type KubeObject } from './helpers/kube-api.js';

vi.mock('../lib/log.js', async () => ({ logger: (await import('./helpers/kube-api.js')).recordingLogger }));

const fixture = (name: string): KubeObject =>
  parse(readFileSync(new URL(`../control-plane/src/ingest/kube/fixtures/${name}`, import.meta.url), 'utf8')) as KubeObject;

const DEPLOYMENT_UID = '1a2b3c4d-eeee-4ecd-9f60-1b2c3d4e5f60';
const RS_UID = '7c1d8e4a-1111-4d0b-8a5e-2b2f3c4d5e6f';

function replicaSet(name: string, revision: number, image: string, uid: string): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name,
      namespace: 'shop',
      uid,
      annotations: { 'deployment.kubernetes.io/revision': String(revision) },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'checkout-api', uid: DEPLOYMENT_UID, controller: true }],
    },
    spec: { replicas: 1, selector: { matchLabels: { app: 'checkout-api' } }, template: { metadata: { labels: { app: 'checkout-api' } }, spec: { containers: [{ name: 'api', image }] } } },
    status: { replicas: 1, readyReplicas: 0 },
  };
}

function healthy(pod: KubeObject): KubeObject {
  const copy = structuredClone(pod);
  copy.status = {
    phase: 'Running',
    containerStatuses: [{ name: 'api', ready: true, restartCount: 0, image: 'registry.example.com/shop/checkout-api:1.14.2', imageID: '', state: { running: { startedAt: '2026-11-27T22:01:20Z' } } }],
  };
  return copy;
}

function backOffEvent(): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: 'checkout-api-7d9c6b8f5-x2kqp.187b9e2f1c2d3e4f', namespace: 'shop' },
    involvedObject: { kind: 'Pod', namespace: 'shop', name: 'checkout-api-7d9c6b8f5-x2kqp', uid: '0f6a2c1e-5b1d-4c55-9a0e-7f3f7e0c1a11', fieldPath: 'spec.containers{api}' },
    reason: 'BackOff',
    message: 'Back-off restarting failed container api in pod checkout-api-7d9c6b8f5-x2kqp_shop(0f6a2c1e-5b1d-4c55-9a0e-7f3f7e0c1a11)',
    type: 'Warning',
    count: 27,
    firstTimestamp: '2026-11-27T22:03:40Z',
    lastTimestamp: '2026-11-27T22:09:55Z',
    source: { component: 'kubelet', host: 'worker-2' },
  };
}

describe('Kubernetes source (stand-in API, real client-node informers)', () => {
  let api: KubeApiStandIn;
  let source: KubeSource | undefined;
  let signals: Signal[];
  const sink = { accept: (s: Signal[]) => signals.push(...s) };
  const config = (over: KubeSectionInput = {}) => KubeSection.parse({ logTailLines: 50, retryInitialMs: 20, retryMaxMs: 200, ...over });

  beforeEach(async () => {
    api = await startKubeApi();
    signals = [];
    loggedLines.length = 0;
    api.put(fixture('deployment-progress-deadline.yaml'));
    api.modify('apps/v1', 'Deployment', 'shop', 'checkout-api', (d) => {
      (d.status as { conditions: unknown[] }).conditions = [{ type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable', message: 'ok' }];
    });
    api.put(replicaSet('checkout-api-5b8c7d6e4', 6, 'registry.example.com/shop/checkout-api:1.14.1', 'rs-old-uid'));
    api.put(replicaSet('checkout-api-7d9c6b8f5', 7, 'registry.example.com/shop/checkout-api:1.14.2', RS_UID));
    api.put(healthy(fixture('pod-crashloop.yaml')));
  });

  afterEach(async () => {
    await source?.stop();
    source = undefined;
    await api.stop();
  });

  async function startSource(over: KubeSectionInput = {}): Promise<KubeSource> {
    source = createKubeSource(config(over), { sink, kubeConfig: api.kubeConfig() });
    await source.start();
    let synced = false;
    void source.synced().then(() => (synced = true));
    await until(() => synced, 'every informer to list');
    await until(() => api.openWatchCount() >= 6, 'six open watches');
    return source;
  }

  function crashLoop(): void {
    api.put(backOffEvent());
    api.setPodLogs('shop', 'checkout-api-7d9c6b8f5-x2kqp', 'api', {
      current: [],
      previous: ['{"level":"info","msg":"starting checkout-api 1.14.2"}', '{"level":"fatal","msg":"cannot connect to postgres: dial tcp 10.0.4.12:5432: connect: connection refused","authorization":"Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJlLXNlY3JldA"}'],
    });
    api.put(fixture('pod-crashloop.yaml'));
  }

  it('lists and watches, and a pod turning CrashLoopBackOff yields one Signal with events, logs and owner chain', async () => {
    const s = await startSource();
    expect(signals).toEqual([]); // healthy objects emit nothing
    expect(api.requestsTo('/api/v1/pods').map((r) => r.query.watch ?? 'list')).toEqual(['list', 'true']);

    crashLoop();
    await until(() => signals.length >= 1, 'a CrashLoopBackOff signal');
    await s.idle();
    expect(signals).toHaveLength(1);
    const sig = signals[0]!;
    expect(sig).toMatchObject({
      source: 'kubernetes',
      adapter: 'pod-watch',
      kind: 'k8s',
      reason: 'CrashLoopBackOff',
      status: 'firing',
      time: '2026-11-27T22:09:53.000Z',
      resource: { namespace: 'shop', pod: 'checkout-api-7d9c6b8f5-x2kqp', container: 'api', node: 'worker-2', workload: { kind: 'Deployment', name: 'checkout-api' } },
    });
    expect(sig.attributes.ownerChain).toEqual([
      { kind: 'ReplicaSet', name: 'checkout-api-7d9c6b8f5', uid: RS_UID },
      { kind: 'Deployment', name: 'checkout-api', uid: DEPLOYMENT_UID },
    ]);
    expect((sig.attributes.rollout as { revision: number; images: string[] }[]).map((r) => [r.revision, r.images[0]])).toEqual([
      [7, 'registry.example.com/shop/checkout-api:1.14.2'],
      [6, 'registry.example.com/shop/checkout-api:1.14.1'],
    ]);
    expect(sig.attributes.events).toEqual([expect.objectContaining({ reason: 'BackOff', count: 27, type: 'Warning' })]);
    expect(sig.evidence).toContain('event Warning BackOff (x27): Back-off restarting failed container api in pod checkout-api-7d9c6b8f5-x2kqp_shop(0f6a2c1e-5b1d-4c55-9a0e-7f3f7e0c1a11)');
    expect(sig.evidence.some((l) => l.startsWith('previous log [api]') && l.includes('connection refused'))).toBe(true);
    // The bearer token in the log line never reaches the signal.
    expect(JSON.stringify(sig)).not.toContain('eyJhbGciOiJIUzI1NiJ9');

    // The exact API calls made for the context.
    expect(api.requestsTo('/api/v1/namespaces/shop/events').map((r) => r.query)).toEqual([
      { fieldSelector: 'involvedObject.kind=Pod,involvedObject.name=checkout-api-7d9c6b8f5-x2kqp' },
    ]);
    expect(api.requestsTo('/api/v1/namespaces/shop/pods/checkout-api-7d9c6b8f5-x2kqp/log').map((r) => r.query)).toEqual([
      { container: 'api', tailLines: '50', previous: 'false' },
      { container: 'api', tailLines: '50', previous: 'true' },
    ]);
  });

  it('does not re-emit the same state, and resolves with the same fingerprint when it clears', async () => {
    const s = await startSource();
    crashLoop();
    await until(() => signals.length >= 1, 'the firing signal');
    // Another restart, same class: status changes, the finding does not.
    api.modify('v1', 'Pod', 'shop', 'checkout-api-7d9c6b8f5-x2kqp', (p) => {
      (p.status as { containerStatuses: { restartCount: number }[] }).containerStatuses[0]!.restartCount = 7;
    });
    api.bookmark();
    await until(() => api.get('v1', 'Pod', 'shop', 'checkout-api-7d9c6b8f5-x2kqp')?.metadata.resourceVersion !== undefined, 'the update');
    await new Promise((r) => setTimeout(r, 150));
    await s.idle();
    expect(signals).toHaveLength(1);

    api.put(healthy(fixture('pod-crashloop.yaml')));
    await until(() => signals.length >= 2, 'the resolved signal');
    expect(signals[1]).toMatchObject({ status: 'resolved', reason: 'CrashLoopBackOff', sourceFingerprint: signals[0]!.sourceFingerprint });
    expect(signals[1]!.id).not.toBe(signals[0]!.id);
    expect(s.stats().activeFindings).toBe(0);
  });

  it.each(['event', 'http'] as const)('relists after 410 Gone (%s) and emits no duplicate', async (mode) => {
    api.goneMode = mode;
    const s = await startSource();
    crashLoop();
    await until(() => signals.length >= 1, 'the firing signal');
    await s.idle();
    const podLists = () => api.requestsTo('/api/v1/pods').filter((r) => r.query.watch === undefined).length;
    expect(podLists()).toBe(1);

    if (mode === 'event') api.expireWatches();
    else {
      api.compact();
      api.closeWatches();
    }
    await until(() => podLists() >= 2, 'a relist of pods');
    await until(() => api.openWatchCount() >= 6, 'watches re-opened');
    // A change made after the relist is still seen (the new watch works)…
    api.put(fixture('node-pressure.yaml'));
    await until(() => signals.some((x) => x.reason === 'MemoryPressure'), 'a node pressure signal');
    await s.idle();
    // …and the relisted crash-looping pod did not fire again.
    expect(signals.filter((x) => x.reason === 'CrashLoopBackOff')).toHaveLength(1);
  });

  it('retries list errors (500, 403) with backoff and reports them', async () => {
    api.failNext({ path: '/api/v1/pods', watch: false, status: 500, times: 2 });
    api.failNext({ path: '/apis/apps/v1/deployments', watch: false, status: 403, times: 1 });
    const s = await startSource();
    const stats = Object.fromEntries(s.stats().informers.map((i) => [i.name, i]));
    expect(stats.pods).toMatchObject({ synced: true, errors: 2, lastErrorStatus: 500 });
    expect(stats.deployments).toMatchObject({ synced: true, errors: 1, lastErrorStatus: 403 });
    expect(stats.nodes).toMatchObject({ synced: true, errors: 0 });
    const warnings = loggedLines.filter((l) => l.level === 'warn' && l.msg.startsWith('Kubernetes API error'));
    expect(warnings.map((w) => [w.fields.informer, w.fields.status])).toEqual(
      expect.arrayContaining([
        ['pods', 500],
        ['pods', 500],
        ['deployments', 403],
      ]),
    );
    expect(warnings.find((w) => w.fields.status === 500)?.fields.err).toContain('injected fault 500');
    // The retries back off: the second wait is longer than the first.
    expect(warnings.filter((w) => w.fields.informer === 'pods').map((w) => w.fields.retryInMs)).toEqual([20, 40]);

    crashLoop();
    await until(() => signals.length >= 1, 'a signal after recovery');
  });

  it('watches only WATCH_NAMESPACES, through namespaced paths, and skips EXCLUDE_NAMESPACES', async () => {
    api.put({ ...fixture('pod-config-error.yaml'), metadata: { ...fixture('pod-config-error.yaml').metadata, namespace: 'other' } });
    await startSource({ watchNamespaces: 'shop, ml', excludeNamespaces: ['ml'] });
    expect(api.requestsTo('/api/v1/namespaces/shop/pods').length).toBeGreaterThan(0);
    expect(api.requestsTo('/api/v1/pods')).toEqual([]);
    api.put(fixture('pod-oomkilled-crashloop.yaml')); // namespace ml: excluded
    api.put(fixture('pod-config-error.yaml')); // namespace shop
    await until(() => signals.length >= 1, 'the shop signal');
    await source!.idle();
    expect(signals.map((x) => [x.resource.namespace, x.reason])).toEqual([['shop', 'CreateContainerConfigError']]);
  });

  it('emits job, deployment and node failures with their workload', async () => {
    const s = await startSource();
    api.put(fixture('job-backofflimit.yaml'));
    api.put(fixture('deployment-progress-deadline.yaml'));
    api.put(fixture('node-notready.yaml'));
    await until(() => signals.length >= 3, 'three signals');
    await s.idle();
    const by = Object.fromEntries(signals.map((x) => [x.reason, x]));
    expect(by.BackoffLimitExceeded?.resource).toEqual({ namespace: 'reports', workload: { kind: 'CronJob', name: 'nightly-report' } });
    expect(by.ProgressDeadlineExceeded?.resource.workload).toEqual({ kind: 'Deployment', name: 'checkout-api' });
    expect(by.ProgressDeadlineExceeded?.attributes.rollout).toHaveLength(2);
    expect(by.NodeNotReady).toMatchObject({ adapter: 'node-watch', severity: 'critical', resource: { node: 'worker-3' } });
    expect(api.requestsTo('/api/v1/events').map((r) => r.query.fieldSelector)).toContain('involvedObject.kind=Node,involvedObject.name=worker-3');
  });

  it('survives an object its detectors cannot read: logged, counted, and the next one still works', async () => {
    const s = await startSource();
    const broken = healthy(fixture('pod-crashloop.yaml'));
    broken.metadata = { ...broken.metadata, name: 'broken', uid: 'broken-uid' };
    (broken.status as Record<string, unknown>).containerStatuses = 5;
    api.put(broken);
    await until(() => s.stats().handlerErrors === 1, 'the handler error');
    expect(loggedLines.find((l) => l.level === 'error')).toMatchObject({ msg: 'failed to evaluate a Kubernetes object', fields: { name: 'broken' } });
    crashLoop();
    await until(() => signals.length >= 1, 'the next signal');
  });

  it('finds an unschedulable pod from a FailedScheduling event alone', async () => {
    const s = await startSource();
    api.put(fixture('pod-pending-event-only.yaml'));
    await new Promise((r) => setTimeout(r, 100));
    expect(signals).toEqual([]);
    api.put(fixture('event-failedscheduling.yaml'));
    await until(() => signals.length >= 1, 'the Unschedulable signal');
    await s.idle();
    expect(signals[0]).toMatchObject({ reason: 'Unschedulable', resource: { namespace: 'data', pod: 'cache-0' } });
    expect(signals[0]!.message).toContain("didn't match Pod's node affinity/selector");
  });
});

describe('Kubernetes source without a cluster', () => {
  it('is a disabled source that says so in one info line', async () => {
    loggedLines.length = 0;
    const home = mkdtempSync(join(tmpdir(), 'vigil-nokube-'));
    const accepted: Signal[] = [];
    const source = createKubeSource(KubeSection.parse({}), { sink: { accept: (s) => accepted.push(...s) }, env: { HOME: home } });
    expect(source.enabled).toBe(false);
    await source.start();
    await source.synced();
    await source.stop();
    expect(source.stats()).toMatchObject({ enabled: false, informers: [] });
    const said = loggedLines.filter((l) => l.component === 'kube-source');
    expect(said).toEqual([expect.objectContaining({ level: 'info', msg: 'no in-cluster config and no kubeconfig: Kubernetes source and remediation off' })]);
    expect(accepted).toEqual([]);
  });

  it('uses $KUBECONFIG when it names an existing file', async () => {
    const api = await startKubeApi();
    try {
      const dir = mkdtempSync(join(tmpdir(), 'vigil-kube-'));
      const file = join(dir, 'config');
      (await import('node:fs')).writeFileSync(file, api.kubeconfigYaml());
      const source = createKubeSource(KubeSection.parse({ retryInitialMs: 20 }), { sink: { accept: () => {} }, env: { KUBECONFIG: file, HOME: dir } });
      expect(source.enabled).toBe(true);
      await source.start();
      await source.synced();
      await source.stop();
      expect(api.requests[0]?.path).toBeDefined();
    } finally {
      await api.stop();
    }
  });
});
