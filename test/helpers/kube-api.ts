// A stand-in for the Kubernetes API server, for tests only.
//
// No Kubernetes API server can run on this machine (no container runtime, no etcd), so the
// Kubernetes source, the sensor's attribution and remediation are tested against this local HTTP
// server, which speaks enough of the REST and watch protocol for the real
// @kubernetes/client-node (1.4) clients and informers:
//   - list with a resourceVersion, label selectors and field selectors (any dotted path, e.g.
//     spec.nodeName or involvedObject.name);
//   - watch (`?watch=true&resourceVersion=N`): newline-delimited ADDED/MODIFIED/DELETED/BOOKMARK,
//     replaying the history after N; an expired N gets a 410 ERROR event (or, on request, an HTTP
//     410) so the informer relists;
//   - get one object; pod logs (`/log?container=&tailLines=&previous=`);
//   - a request log (verb, path, query, body) so tests can assert the exact API calls made;
//   - fault injection (`failNext`) for 4xx/5xx answers.
// The store is generic (group/version/resource/namespace/name → object) and `route()` lets later
// suites add verbs (PATCH, DELETE, evictions, dryRun=All) without touching the core.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';

export type KubeObject = {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace?: string; resourceVersion?: string; uid?: string; labels?: Record<string, string>; [k: string]: unknown };
  [k: string]: unknown;
};

export type RecordedRequest = { method: string; path: string; query: Record<string, string>; body?: unknown };
export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

type ResourceType = { group: string; version: string; resource: string; kind: string; namespaced: boolean };

/** The resources known to the stand-in; extend with `registerResource`. */
const BUILTIN_RESOURCES: ResourceType[] = [
  { group: '', version: 'v1', resource: 'pods', kind: 'Pod', namespaced: true },
  { group: '', version: 'v1', resource: 'events', kind: 'Event', namespaced: true },
  { group: '', version: 'v1', resource: 'nodes', kind: 'Node', namespaced: false },
  { group: '', version: 'v1', resource: 'namespaces', kind: 'Namespace', namespaced: false },
  { group: 'apps', version: 'v1', resource: 'deployments', kind: 'Deployment', namespaced: true },
  { group: 'apps', version: 'v1', resource: 'replicasets', kind: 'ReplicaSet', namespaced: true },
  { group: 'apps', version: 'v1', resource: 'statefulsets', kind: 'StatefulSet', namespaced: true },
  { group: 'apps', version: 'v1', resource: 'daemonsets', kind: 'DaemonSet', namespaced: true },
  { group: 'batch', version: 'v1', resource: 'jobs', kind: 'Job', namespaced: true },
  { group: 'batch', version: 'v1', resource: 'cronjobs', kind: 'CronJob', namespaced: true },
];

type HistoryEntry = { rv: number; type: WatchEventType; type_: ResourceType; object: KubeObject };
type OpenWatch = {
  type: ResourceType;
  namespace?: string;
  matches: (o: KubeObject) => boolean;
  res: ServerResponse;
};
type Fault = { method?: string; path: string | RegExp; watch?: boolean; status: number; times: number };
type ParsedPath = { type: ResourceType; namespace?: string; name?: string; subresource?: string };

export type RouteHandler = (req: RecordedRequest, res: ServerResponse, api: KubeApiStandIn) => void | Promise<void>;
type Route = { method: string; pattern: RegExp; handler: RouteHandler };

export type PodLogs = { current?: string[]; previous?: string[] };

export class KubeApiStandIn {
  readonly requests: RecordedRequest[] = [];
  private readonly server: Server;
  private readonly types = new Map<string, ResourceType>();
  private readonly store = new Map<string, { type: ResourceType; object: KubeObject }>();
  private readonly history: HistoryEntry[] = [];
  private readonly watches = new Set<OpenWatch>();
  private readonly faults: Fault[] = [];
  private readonly routes: Route[] = [];
  private readonly logs = new Map<string, PodLogs>();
  private rv = 100;
  /** Watches asking for a resourceVersion older than this get 410 Gone. */
  private oldestRv = 0;
  private uidCounter = 0;
  /** How an expired resourceVersion is answered: a 410 ERROR event in a 200 stream (what the
   * real API server does) or a plain HTTP 410. */
  goneMode: 'event' | 'http' = 'event';
  url = '';

  constructor() {
    for (const t of BUILTIN_RESOURCES) this.registerResource(t);
    this.server = createServer((req, res) => void this.handle(req, res));
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    for (const w of this.watches) w.res.end();
    this.watches.clear();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  registerResource(t: ResourceType): void {
    this.types.set(`${t.group}/${t.resource}`, t);
  }

  /** A KubeConfig pointing at this server (what a test hands to the code under test). */
  kubeConfig(): KubeConfig {
    const kc = new KubeConfig();
    kc.loadFromString(this.kubeconfigYaml());
    return kc;
  }

  kubeconfigYaml(): string {
    return [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      `- name: stand-in\n  cluster:\n    server: ${this.url}\n    insecure-skip-tls-verify: true`,
      'users:',
      '- name: tester\n  user:\n    token: stand-in-token',
      'contexts:',
      '- name: stand-in\n  context:\n    cluster: stand-in\n    user: tester',
      'current-context: stand-in',
      '',
    ].join('\n');
  }

  // ---- store ----

  /** Creates or replaces an object (ADDED or MODIFIED to watchers); returns the stored copy. */
  put(obj: KubeObject): KubeObject {
    const type = this.typeOf(obj);
    const key = this.key(type, obj.metadata.namespace, obj.metadata.name);
    const existing = this.store.get(key);
    const stored: KubeObject = structuredClone(obj);
    stored.apiVersion ??= type.group ? `${type.group}/${type.version}` : type.version;
    stored.kind ??= type.kind;
    stored.metadata.uid ??= (existing?.object.metadata.uid as string | undefined) ?? `uid-${++this.uidCounter}`;
    stored.metadata.creationTimestamp ??= existing?.object.metadata.creationTimestamp ?? new Date().toISOString();
    stored.metadata.resourceVersion = String(++this.rv);
    this.store.set(key, { type, object: stored });
    this.publish(existing ? 'MODIFIED' : 'ADDED', type, stored);
    return structuredClone(stored);
  }

  /** Applies `change` to a stored object and stores the result (MODIFIED). */
  modify(apiVersion: string, kind: string, namespace: string | undefined, name: string, change: (o: KubeObject) => void): KubeObject {
    const current = this.get(apiVersion, kind, namespace, name);
    if (!current) throw new Error(`stand-in: no ${kind} ${namespace ?? ''}/${name}`);
    change(current);
    return this.put(current);
  }

  remove(apiVersion: string, kind: string, namespace: string | undefined, name: string): boolean {
    const type = this.typeFor(apiVersion, kind);
    const key = this.key(type, namespace, name);
    const existing = this.store.get(key);
    if (!existing) return false;
    this.store.delete(key);
    const gone = structuredClone(existing.object);
    gone.metadata.resourceVersion = String(++this.rv);
    this.publish('DELETED', type, gone);
    return true;
  }

  get(apiVersion: string, kind: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const found = this.store.get(this.key(this.typeFor(apiVersion, kind), namespace, name));
    return found ? structuredClone(found.object) : undefined;
  }

  list(type: ResourceType, namespace?: string): KubeObject[] {
    return [...this.store.values()]
      .filter((e) => e.type === type && (namespace === undefined || e.object.metadata.namespace === namespace))
      .map((e) => e.object);
  }

  setPodLogs(namespace: string, pod: string, container: string, logs: PodLogs): void {
    this.logs.set(`${namespace}/${pod}/${container}`, logs);
  }

  // ---- watch control ----

  /** Forgets the history so far: a watch from any resourceVersion handed out until now gets
   * 410 Gone (a list still works and returns a fresh one). */
  compact(): void {
    this.oldestRv = ++this.rv;
    this.history.length = 0;
  }

  /** Tells every open watch its resourceVersion expired (410 ERROR event) and closes it. */
  expireWatches(): void {
    this.compact();
    for (const w of [...this.watches]) {
      w.res.write(`${JSON.stringify({ type: 'ERROR', object: goneStatus() })}\n`);
      this.closeWatch(w);
    }
  }

  /** Ends every open watch stream, as the API server does at its watch timeout. */
  closeWatches(): void {
    for (const w of [...this.watches]) this.closeWatch(w);
  }

  /** Sends a BOOKMARK carrying the current resourceVersion to every open watch. */
  bookmark(): void {
    for (const w of this.watches) {
      const object = { kind: w.type.kind, apiVersion: apiVersionOf(w.type), metadata: { resourceVersion: String(this.rv) } };
      w.res.write(`${JSON.stringify({ type: 'BOOKMARK', object })}\n`);
    }
  }

  openWatchCount(): number {
    return this.watches.size;
  }

  /** The next `times` requests matching `path` (a prefix or a RegExp over the path) get `status`. */
  failNext(fault: { method?: string; path: string | RegExp; watch?: boolean; status: number; times?: number }): void {
    this.faults.push({ ...fault, times: fault.times ?? 1 });
  }

  /** Adds a handler for a verb and path pattern, tried before the built-in handlers. */
  route(method: string, pattern: RegExp, handler: RouteHandler): void {
    this.routes.push({ method: method.toUpperCase(), pattern, handler });
  }

  /** Requests whose path starts with `prefix` (and, when given, whose method matches). */
  requestsTo(prefix: string, method = 'GET'): RecordedRequest[] {
    return this.requests.filter((r) => r.method === method && r.path.startsWith(prefix));
  }

  // ---- HTTP ----

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const body = await readBody(req);
    const recorded: RecordedRequest = { method: req.method ?? 'GET', path: url.pathname, query: Object.fromEntries(url.searchParams) };
    if (body !== undefined) recorded.body = body;
    this.requests.push(recorded);

    const isWatch = recorded.query.watch === 'true' || recorded.query.watch === '1';
    const fault = this.faults.find(
      (f) =>
        f.times > 0 &&
        (f.method === undefined || f.method === recorded.method) &&
        (f.watch === undefined || f.watch === isWatch) &&
        (typeof f.path === 'string' ? recorded.path.startsWith(f.path) : f.path.test(recorded.path)),
    );
    if (fault) {
      fault.times--;
      return sendStatus(res, fault.status, `injected fault ${fault.status}`);
    }
    const custom = this.routes.find((r) => r.method === recorded.method && r.pattern.test(recorded.path));
    if (custom) return custom.handler(recorded, res, this);

    const parsed = this.parsePath(recorded.path);
    if (!parsed) return sendStatus(res, 404, `the server could not find the requested resource (${recorded.path})`);
    if (recorded.method !== 'GET') return sendStatus(res, 405, `stand-in: ${recorded.method} is not handled`);
    if (parsed.subresource === 'log') return this.sendLog(parsed, recorded.query, res);
    if (parsed.name) {
      const found = this.store.get(this.key(parsed.type, parsed.namespace, parsed.name));
      if (!found) return sendStatus(res, 404, `${parsed.type.resource} "${parsed.name}" not found`, 'NotFound');
      return sendJson(res, 200, found.object);
    }
    const matches = selectorMatcher(recorded.query.labelSelector, recorded.query.fieldSelector);
    if (isWatch) return this.openWatch(parsed, recorded.query.resourceVersion, matches, res);
    const items = this.list(parsed.type, parsed.namespace).filter(matches);
    return sendJson(res, 200, {
      apiVersion: apiVersionOf(parsed.type),
      kind: `${parsed.type.kind}List`,
      metadata: { resourceVersion: String(this.rv) },
      items,
    });
  }

  private openWatch(parsed: ParsedPath, rvParam: string | undefined, matches: (o: KubeObject) => boolean, res: ServerResponse): void {
    const from = rvParam ? Number(rvParam) : this.rv;
    const expired = from < this.oldestRv;
    if (expired && this.goneMode === 'http') return sendJson(res, 410, goneStatus());
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    if (expired) {
      res.end(`${JSON.stringify({ type: 'ERROR', object: goneStatus() })}\n`);
      return;
    }
    const watch: OpenWatch = {
      type: parsed.type,
      matches: (o) => (parsed.namespace === undefined || o.metadata.namespace === parsed.namespace) && matches(o),
      res,
    };
    if (parsed.namespace !== undefined) watch.namespace = parsed.namespace;
    for (const e of this.history) {
      if (e.rv > from && e.type_ === parsed.type && watch.matches(e.object)) res.write(`${JSON.stringify({ type: e.type, object: e.object })}\n`);
    }
    this.watches.add(watch);
    res.on('close', () => this.watches.delete(watch));
  }

  private sendLog(parsed: ParsedPath, query: Record<string, string>, res: ServerResponse): void {
    const pod = this.store.get(this.key(parsed.type, parsed.namespace, parsed.name));
    if (!pod) return sendStatus(res, 404, `pods "${parsed.name}" not found`, 'NotFound');
    const containers = ((pod.object.spec as { containers?: { name: string }[] } | undefined)?.containers ?? []).map((c) => c.name);
    const container = query.container ?? (containers.length === 1 ? containers[0] : undefined);
    if (!container) return sendStatus(res, 400, `a container name must be specified for pod ${parsed.name}, choose one of: [${containers.join(' ')}]`, 'BadRequest');
    const logs = this.logs.get(`${parsed.namespace}/${parsed.name}/${container}`) ?? {};
    const previous = query.previous === 'true';
    const lines = previous ? logs.previous : logs.current;
    if (!lines) {
      const msg = previous
        ? `previous terminated container "${container}" in pod "${parsed.name}" not found`
        : `container "${container}" in pod "${parsed.name}" is waiting to start`;
      return sendStatus(res, 400, msg, 'BadRequest');
    }
    const tail = query.tailLines ? lines.slice(-Number(query.tailLines)) : lines;
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(tail.map((l) => `${l}\n`).join(''));
  }

  private publish(type: WatchEventType, resource: ResourceType, object: KubeObject): void {
    this.history.push({ rv: this.rv, type, type_: resource, object: structuredClone(object) });
    for (const w of this.watches) {
      if (w.type === resource && w.matches(object)) w.res.write(`${JSON.stringify({ type, object })}\n`);
    }
  }

  private closeWatch(w: OpenWatch): void {
    this.watches.delete(w);
    w.res.end();
  }

  private parsePath(path: string): ParsedPath | undefined {
    const parts = path.split('/').filter(Boolean);
    let group: string;
    let rest: string[];
    if (parts[0] === 'api' && parts[1] === 'v1') {
      group = '';
      rest = parts.slice(2);
    } else if (parts[0] === 'apis' && parts.length >= 3) {
      group = parts[1]!;
      rest = parts.slice(3);
    } else return undefined;
    let namespace: string | undefined;
    if (rest[0] === 'namespaces' && rest.length >= 3) {
      namespace = rest[1];
      rest = rest.slice(2);
    }
    const type = this.types.get(`${group}/${rest[0]}`);
    if (!type) return undefined;
    const parsed: ParsedPath = { type };
    if (namespace !== undefined) parsed.namespace = namespace;
    if (rest[1] !== undefined) parsed.name = rest[1];
    if (rest[2] !== undefined) parsed.subresource = rest[2];
    return parsed;
  }

  private typeOf(obj: KubeObject): ResourceType {
    if (!obj.apiVersion || !obj.kind) throw new Error('stand-in: objects need apiVersion and kind');
    return this.typeFor(obj.apiVersion, obj.kind);
  }

  private typeFor(apiVersion: string, kind: string): ResourceType {
    const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
    const t = [...this.types.values()].find((x) => x.group === group && x.version === version && x.kind === kind);
    if (!t) throw new Error(`stand-in: unknown resource ${apiVersion} ${kind}`);
    return t;
  }

  private key(type: ResourceType, namespace: string | undefined, name: string | undefined): string {
    return `${type.group}/${type.version}/${type.resource}/${namespace ?? ''}/${name ?? ''}`;
  }
}

export async function startKubeApi(): Promise<KubeApiStandIn> {
  return new KubeApiStandIn().start();
}

function apiVersionOf(t: ResourceType): string {
  return t.group ? `${t.group}/${t.version}` : t.version;
}

function goneStatus(): object {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'too old resource version', reason: 'Expired', code: 410 };
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function sendStatus(res: ServerResponse, code: number, message: string, reason = 'InternalError'): void {
  sendJson(res, code, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code });
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  if (chunks.length === 0) return undefined;
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Label and field selector matching (the subset kubectl and informers send). */
export function selectorMatcher(labelSelector?: string, fieldSelector?: string): (o: KubeObject) => boolean {
  const labelTests = splitSelector(labelSelector).map(labelRequirement);
  const fieldTests = splitSelector(fieldSelector).map(fieldRequirement);
  return (o) => labelTests.every((t) => t(o.metadata.labels ?? {})) && fieldTests.every((t) => t(o));
}

function splitSelector(s: string | undefined): string[] {
  if (!s) return [];
  // Commas inside `in (a,b)` belong to the set, not the list.
  return s.split(/,(?![^(]*\))/).map((x) => x.trim()).filter(Boolean);
}

function labelRequirement(req: string): (labels: Record<string, string>) => boolean {
  const set = /^(\S+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(req);
  if (set) {
    const values = set[3]!.split(',').map((v) => v.trim());
    return (l) => (set[2] === 'in' ? values.includes(l[set[1]!] ?? '\0') : !values.includes(l[set[1]!] ?? '\0'));
  }
  const cmp = /^([^!=]+?)\s*(==|!=|=)\s*(.*)$/.exec(req);
  if (cmp) return (l) => (cmp[2] === '!=' ? l[cmp[1]!] !== cmp[3] : l[cmp[1]!] === cmp[3]);
  if (req.startsWith('!')) return (l) => !(req.slice(1) in l);
  return (l) => req in l;
}

function fieldRequirement(req: string): (o: KubeObject) => boolean {
  const cmp = /^([^!=]+?)\s*(==|!=|=)\s*(.*)$/.exec(req);
  if (!cmp) throw new Error(`stand-in: bad field selector ${req}`);
  const path = cmp[1]!.split('.');
  return (o) => {
    let v: unknown = o;
    for (const p of path) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[p] : undefined;
    const s = v === undefined || v === null ? '' : String(v);
    return cmp[2] === '!=' ? s !== cmp[3] : s === cmp[3];
  };
}

// ---- test utilities shared by the kube suites ----

export type LogLine = { component: string; level: string; fields: Record<string, unknown>; msg: string };

/** Every line logged through `recordingLogger`, so tests can assert what was said. */
export const loggedLines: LogLine[] = [];

/** A drop-in for lib/log.js's `logger`: `vi.mock('../lib/log.js', async () => ({ logger:
 * (await import('./helpers/kube-api.js')).recordingLogger }))`. */
export function recordingLogger(component: string) {
  const at = (level: string) => (a: unknown, b?: string) => {
    const fields = typeof a === 'object' && a !== null ? (a as Record<string, unknown>) : {};
    loggedLines.push({ component, level, fields, msg: typeof a === 'string' ? a : (b ?? '') });
  };
  const l = { trace: at('trace'), debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), fatal: at('fatal'), child: () => l };
  return l;
}

/** Polls until `check` holds; fails naming `what` after `ms`. */
export async function until(check: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
