// The Kubernetes API stand-in itself: selectors, watch replay, 410, logs and the request log,
// checked with the real client-node clients so later suites can trust it.
import { CoreV1Api, Watch } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { selectorMatcher, startKubeApi, until, type KubeApiStandIn, type KubeObject } from './helpers/kube-api.js';

const pod = (name: string, labels: Record<string, string>, node: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'shop', labels },
  spec: { nodeName: node, containers: [{ name: 'app', image: 'app:1' }] },
});

describe('Kubernetes API stand-in', () => {
  let api: KubeApiStandIn;
  beforeEach(async () => {
    api = await startKubeApi();
  });
  afterEach(() => api.stop());

  it.each([
    ['app=web', {}, true],
    ['app=api', {}, false],
    ['app!=api,tier in (front, edge)', {}, true],
    ['tier notin (front)', {}, false],
    ['app', {}, true],
    ['!app', {}, false],
    ['', 'spec.nodeName=worker-1', true],
    ['', 'spec.nodeName!=worker-1', false],
    ['app==web', 'metadata.name=web-1,metadata.namespace=shop', true],
  ])('label %j field %j', (labels, fields, expected) => {
    expect(selectorMatcher(labels, typeof fields === 'string' ? fields : undefined)(pod('web-1', { app: 'web', tier: 'front' }, 'worker-1'))).toBe(expected);
  });

  it('lists with selectors and records the request', async () => {
    api.put(pod('web-1', { app: 'web' }, 'worker-1'));
    api.put(pod('web-2', { app: 'web' }, 'worker-2'));
    const core = api.kubeConfig().makeApiClient(CoreV1Api);
    const list = await core.listNamespacedPod({ namespace: 'shop', labelSelector: 'app=web', fieldSelector: 'spec.nodeName=worker-2' });
    expect(list.items.map((p) => p.metadata?.name)).toEqual(['web-2']);
    expect(Number(list.metadata?.resourceVersion)).toBeGreaterThan(0);
    expect(api.requests.at(-1)).toEqual({ method: 'GET', path: '/api/v1/namespaces/shop/pods', query: { labelSelector: 'app=web', fieldSelector: 'spec.nodeName=worker-2' } });
    await expect(core.readNamespacedPod({ namespace: 'shop', name: 'nope' })).rejects.toMatchObject({ code: 404 });
  });

  it('replays history after a resourceVersion, streams changes, and answers an expired one with 410', async () => {
    const first = api.put(pod('web-1', {}, 'worker-1'));
    api.put(pod('web-2', {}, 'worker-1'));
    const seen: string[] = [];
    const done: unknown[] = [];
    const watch = new Watch(api.kubeConfig());
    const ctl = await watch.watch('/api/v1/namespaces/shop/pods', { resourceVersion: first.metadata.resourceVersion }, (type, obj) => seen.push(`${type} ${obj.metadata.name}`), (err) => done.push(err));
    api.remove('v1', 'Pod', 'shop', 'web-1');
    api.bookmark();
    await until(() => seen.length === 3, 'three watch events');
    expect(seen).toEqual(['ADDED web-2', 'DELETED web-1', 'BOOKMARK undefined']);
    ctl.abort();

    api.compact();
    const gone: { type: string; code?: number }[] = [];
    await watch.watch('/api/v1/namespaces/shop/pods', { resourceVersion: first.metadata.resourceVersion }, (type, obj) => gone.push({ type, code: obj.code }), () => {});
    await until(() => gone.length === 1, 'the 410 event');
    expect(gone).toEqual([{ type: 'ERROR', code: 410 }]);
  });

  it('serves current and previous container logs with tailLines', async () => {
    api.put(pod('web-1', {}, 'worker-1'));
    api.setPodLogs('shop', 'web-1', 'app', { current: ['a', 'b', 'c'], previous: ['crash'] });
    const core = api.kubeConfig().makeApiClient(CoreV1Api);
    expect(await core.readNamespacedPodLog({ namespace: 'shop', name: 'web-1', tailLines: 2 })).toBe('b\nc\n');
    expect(await core.readNamespacedPodLog({ namespace: 'shop', name: 'web-1', container: 'app', previous: true })).toBe('crash\n');
    api.setPodLogs('shop', 'web-1', 'app', { current: ['a'] });
    await expect(core.readNamespacedPodLog({ namespace: 'shop', name: 'web-1', previous: true })).rejects.toMatchObject({ code: 400 });
  });

  it('lets a suite add a verb with route()', async () => {
    api.route('DELETE', /^\/api\/v1\/namespaces\/[^/]+\/pods\/[^/]+$/, (req, res, self) => {
      const name = req.path.split('/').at(-1)!;
      self.remove('v1', 'Pod', 'shop', name);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ kind: 'Status', status: 'Success' }));
    });
    api.put(pod('web-1', {}, 'worker-1'));
    await api.kubeConfig().makeApiClient(CoreV1Api).deleteNamespacedPod({ namespace: 'shop', name: 'web-1', dryRun: 'All' });
    expect(api.get('v1', 'Pod', 'shop', 'web-1')).toBeUndefined();
    expect(api.requestsTo('/api/v1/namespaces/shop/pods/web-1', 'DELETE')[0]?.query).toEqual({ dryRun: 'All' });
  });
});
