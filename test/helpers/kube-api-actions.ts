// Write verbs for the Kubernetes API stand-in (test/helpers/kube-api.ts), added through its
// `route()` hook without touching it: PATCH (strategic merge, merge and JSON patch, with the
// content type recorded and resourceVersion preconditions answering 409), the scale
// subresource (GET/PATCH), pod DELETE, and `dryRun=All` on every write (answered, not stored).
import type { ServerResponse } from 'node:http';
import type { KubeApiStandIn, KubeObject, RecordedRequest } from './kube-api.js';

export type ActionRequest = RecordedRequest & { contentType?: string };

const WORKLOAD = /^\/apis\/apps\/v1\/namespaces\/([^/]+)\/(deployments|statefulsets|daemonsets)\/([^/]+)$/;
const SCALE = /^\/apis\/apps\/v1\/namespaces\/([^/]+)\/(deployments|statefulsets)\/([^/]+)\/scale$/;
const POD = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)$/;
const KINDS: Record<string, string> = { deployments: 'Deployment', statefulsets: 'StatefulSet', daemonsets: 'DaemonSet' };

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function status(res: ServerResponse, code: number, reason: string, message: string): void {
  send(res, code, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason, message, code });
}

/** RFC 7386 merge patch; with `strategic`, lists of named objects merge by name as Kubernetes does for containers and env. */
export function mergePatch(target: unknown, patch: unknown, strategic: boolean): unknown {
  if (Array.isArray(patch) && Array.isArray(target) && strategic && patch.every((p) => isObject(p) && typeof p.name === 'string')) {
    const out = target.map((t) => structuredClone(t) as unknown);
    for (const p of patch as Json[]) {
      const i = out.findIndex((t) => isObject(t) && t.name === p.name);
      if (i >= 0) out[i] = mergePatch(out[i], p, strategic);
      else out.push(p);
    }
    return out;
  }
  if (!isObject(patch)) return structuredClone(patch);
  const out: Json = isObject(target) ? structuredClone(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v, strategic);
  }
  return out;
}

/** RFC 6902 (add, replace, remove, test) over JSON pointers. */
export function jsonPatch(target: unknown, ops: { op: string; path: string; value?: unknown }[]): unknown {
  const doc = structuredClone(target) as Json;
  for (const { op, path, value } of ops) {
    const keys = path.split('/').slice(1).map((k) => k.replace(/~1/g, '/').replace(/~0/g, '~'));
    const last = keys.pop()!;
    let node: Json = doc;
    for (const k of keys) node = node[k] as Json;
    if (op === 'test' && JSON.stringify(node[last]) !== JSON.stringify(value)) throw new Error(`test failed at ${path}`);
    if (op === 'add' || op === 'replace') node[last] = structuredClone(value);
    if (op === 'remove') delete node[last];
  }
  return doc;
}

const PATCH_TYPES = ['application/strategic-merge-patch+json', 'application/merge-patch+json', 'application/json-patch+json'];

function patched(current: KubeObject, req: ActionRequest): KubeObject {
  if (req.contentType === 'application/json-patch+json') return jsonPatch(current, req.body as never) as KubeObject;
  return mergePatch(current, req.body, req.contentType === 'application/strategic-merge-patch+json') as KubeObject;
}

/** Stores `next` unless this is a dry run; a changed resourceVersion in it is a conflict (409). */
function commit(api: KubeApiStandIn, req: ActionRequest, current: KubeObject, next: KubeObject, res: ServerResponse): KubeObject | undefined {
  if (next.metadata.resourceVersion !== current.metadata.resourceVersion) {
    status(res, 409, 'Conflict', `Operation cannot be fulfilled on ${current.kind} "${current.metadata.name}": the object has been modified; please apply your changes to the latest version and try again`);
    return undefined;
  }
  return req.query.dryRun === 'All' ? next : api.put(next);
}

/** Adds the write verbs to `api`; returns it for chaining. */
export function withActions(api: KubeApiStandIn): KubeApiStandIn {
  const recordType = (req: RecordedRequest, res: ServerResponse) => {
    const ct = res.req.headers['content-type'];
    if (ct) (req as ActionRequest).contentType = ct.split(';')[0]!.trim();
    return req as ActionRequest;
  };
  const patchOne = (apiVersion: string, kind: string, ns: string, name: string, req: ActionRequest, res: ServerResponse) => {
    if (!PATCH_TYPES.includes(req.contentType ?? '')) return status(res, 415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${PATCH_TYPES.join(', ')}`);
    const current = api.get(apiVersion, kind, ns, name);
    if (!current) return status(res, 404, 'NotFound', `${kind.toLowerCase()}s "${name}" not found`);
    let next: KubeObject;
    try {
      next = patched(current, req);
    } catch (err) {
      return status(res, 422, 'Invalid', (err as Error).message);
    }
    const stored = commit(api, req, current, next, res);
    if (stored) send(res, 200, stored);
  };

  api.route('PATCH', WORKLOAD, (req, res) => {
    const [, ns, plural, name] = WORKLOAD.exec(req.path)!;
    patchOne('apps/v1', KINDS[plural!]!, ns!, name!, recordType(req, res), res);
  });
  api.route('PATCH', POD, (req, res) => {
    const [, ns, name] = POD.exec(req.path)!;
    patchOne('v1', 'Pod', ns!, name!, recordType(req, res), res);
  });
  const scaleOf = (o: KubeObject) => ({
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name: o.metadata.name, namespace: o.metadata.namespace, resourceVersion: o.metadata.resourceVersion },
    spec: { replicas: (o.spec as { replicas?: number }).replicas ?? 1 },
    status: { replicas: (o.spec as { replicas?: number }).replicas ?? 1 },
  });
  api.route('GET', SCALE, (req, res) => {
    const [, ns, plural, name] = SCALE.exec(req.path)!;
    const current = api.get('apps/v1', KINDS[plural!]!, ns, name!);
    if (!current) return status(res, 404, 'NotFound', `${plural} "${name}" not found`);
    send(res, 200, scaleOf(current));
  });
  api.route('PATCH', SCALE, (req, res) => {
    const [, ns, plural, name] = SCALE.exec(req.path)!;
    const r = recordType(req, res);
    const current = api.get('apps/v1', KINDS[plural!]!, ns, name!);
    if (!current) return status(res, 404, 'NotFound', `${plural} "${name}" not found`);
    const scale = mergePatch(scaleOf(current), r.body, false) as { spec: { replicas: number } };
    const next = structuredClone(current);
    (next.spec as { replicas: number }).replicas = scale.spec.replicas;
    const stored = commit(api, r, current, next, res);
    if (stored) send(res, 200, scaleOf(stored));
  });
  api.route('DELETE', POD, (req, res) => {
    const [, ns, name] = POD.exec(req.path)!;
    const current = api.get('v1', 'Pod', ns, name!);
    if (!current) return status(res, 404, 'NotFound', `pods "${name}" not found`);
    if (req.query.dryRun !== 'All') api.remove('v1', 'Pod', ns, name!);
    send(res, 200, current);
  });
  return api;
}

// ---- a small realistic workload for the remediation suites ----

export interface SeededWorkload {
  deployment: KubeObject;
  pods: KubeObject[];
}

const template = (app: string, image: string, hash: string) => ({
  metadata: { labels: { app, 'pod-template-hash': hash } },
  spec: { containers: [{ name: app, image, resources: { limits: { memory: '256Mi' } } }] },
});

/** A Deployment at revision `revisions` with one owned ReplicaSet per revision and `replicas` pods. */
export function seedWorkload(api: KubeApiStandIn, ns: string, app: string, opts: { replicas?: number; revisions?: number } = {}): SeededWorkload {
  const replicas = opts.replicas ?? 2;
  const revisions = opts.revisions ?? 1;
  const image = (rev: number) => `registry.example.com/shop/${app}:v${rev}`;
  const deployment = api.put({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: app, namespace: ns, annotations: { 'deployment.kubernetes.io/revision': String(revisions) } },
    spec: {
      replicas,
      selector: { matchLabels: { app } },
      template: { metadata: { labels: { app } }, spec: template(app, image(revisions), 'x').spec },
    },
  });
  let current: KubeObject | undefined;
  for (let rev = 1; rev <= revisions; rev++) {
    current = api.put({
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: `${app}-h${rev}`,
        namespace: ns,
        labels: { app, 'pod-template-hash': `h${rev}` },
        annotations: { 'deployment.kubernetes.io/revision': String(rev) },
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: app, uid: deployment.metadata.uid!, controller: true }],
      },
      spec: { replicas: rev === revisions ? replicas : 0, selector: { matchLabels: { app, 'pod-template-hash': `h${rev}` } }, template: template(app, image(rev), `h${rev}`) },
    });
  }
  const pods = Array.from({ length: replicas }, (_, i) =>
    api.put({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: `${app}-h${revisions}-${i}`,
        namespace: ns,
        labels: { app, 'pod-template-hash': `h${revisions}` },
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: current!.metadata.name, uid: current!.metadata.uid!, controller: true }],
      },
      spec: template(app, image(revisions), `h${revisions}`).spec,
    }),
  );
  return { deployment, pods };
}
