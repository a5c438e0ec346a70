// End to end, as root: a crash inside a "container" (a memory cgroup named by a container id, as
// containerd names them) is captured by the real probes and attributed to its pod through the
// node-limited pod informer, against the Kubernetes API stand-in (no API server can run here).
import { mkdirSync, mkdtempSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Event } from '../schema/event.js';
import type { Agent } from '../probe/src/agent.js';
import { parseSensorConfig } from '../probe/src/config.js';
import { startKubeApi, type KubeApiStandIn } from './helpers/kube-api.js';
import { privileged, waitFor } from './helpers/privileged.js';
import { run } from './helpers/tls.js';

const gate = privileged('pod attribution end to end');
const CONTAINER = 'c0ffee'.padEnd(64, '7');
const NODE = 'vigil-test-node';

describe.runIf(gate.ok)('crash events attributed to their pod', () => {
  let api: KubeApiStandIn;
  let agent: Agent;
  let dir: string;
  const cgroup = `/sys/fs/cgroup/memory/${CONTAINER}`;
  const events: Event[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-attr-'));
    api = await startKubeApi();
    api.put({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: 'checkout-7d9c6b8f5-x2kqp',
        namespace: 'shop',
        uid: 'uid-1',
        labels: { app: 'checkout', 'pod-template-hash': '7d9c6b8f5' },
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'checkout-7d9c6b8f5', uid: 'rs-1', controller: true }],
      },
      spec: { nodeName: NODE, containers: [{ name: 'api', image: 'example/checkout:1' }] },
      status: {
        phase: 'Running',
        containerStatuses: [{ name: 'api', ready: true, restartCount: 0, image: 'example/checkout:1', imageID: '', containerID: `containerd://${CONTAINER}` }],
      },
    });
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, api.kubeconfigYaml());
    mkdirSync(cgroup, { recursive: true });
    const { Agent } = await import('../probe/src/agent.js');
    const config = parseSensorConfig({ node: NODE, output: { path: join(dir, 'events.jsonl') }, kubernetes: { kubeconfig } });
    agent = await Agent.start({ config, onEvent: (e) => events.push(e) });
    await waitFor(() => (api.requestsTo('/api/v1/pods').length > 0 ? true : undefined), 'the pod informer to list');
  });

  afterAll(async () => {
    await agent?.stop();
    await api?.stop();
    rmdirSync(cgroup);
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists only this node’s pods', () => {
    const listed = api.requestsTo('/api/v1/pods');
    expect(listed[0]!.query.fieldSelector).toBe(`spec.nodeName=${NODE}`);
  });

  it('a process exiting 3 in the container carries the pod, namespace, container, labels and owner', async () => {
    const r = await run('sh', ['-c', `echo $$ > ${cgroup}/cgroup.procs && exit 3`]);
    expect(r.code).toBe(3);
    const e = await waitFor(() => events.find((x) => x.process?.tgid === r.pid), `the exit of pid ${r.pid}`);
    expect(e).toMatchObject({
      kind: 'process_exit',
      process: { container_id: CONTAINER, cgroup: CONTAINER },
      k8s: { namespace: 'shop', pod: 'checkout-7d9c6b8f5-x2kqp', container: 'api', labels: { app: 'checkout' }, owner_kind: 'Deployment', owner_name: 'checkout' },
    });
  });
});
