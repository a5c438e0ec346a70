// Delivery checks: the Dockerfile's stages and COPY sources, every kustomize tree rendered
// (`kubectl kustomize`, which embeds kustomize) and each object validated against the
// Kubernetes API schemas (kubernetes-models), then Vigil's own rules: capabilities instead of
// privileged, RBAC verbs, resources, and config files that the real config schemas accept.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseSensorConfig } from '../probe/src/config.js';
import { NatsConfig } from '../lib/nats/config.js';
import { parseConfig as parseControlPlaneConfig } from '../control-plane/src/config.js';
import { KubeSection } from '../control-plane/src/ingest/kube/config.js';
import { parseRules } from '../control-plane/src/rules/engine.js';
import { TriageConfig } from '../control-plane/src/triage/config.js';
import { ChartRenderer, renderChart } from './manifests-gotemplate.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CHART = join(ROOT, 'manifests/helm/vigil');

interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [key: string]: unknown;
}

const has = (cmd: string): boolean => {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
};

function parseDocs(text: string, source: string): KubeObject[] {
  return parseAllDocuments(text)
    .map((doc) => {
      if (doc.errors.length) throw new Error(`${source}: ${doc.errors[0]!.message}`);
      return doc.toJS() as KubeObject | null;
    })
    .filter((o): o is KubeObject => o !== null);
}

const kustomize = (dir: string): KubeObject[] =>
  parseDocs(execFileSync('kubectl', ['kustomize', join(ROOT, dir)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }), dir);

/** The kubernetes-models class for an apiVersion/kind (ServiceMonitor from the prometheus-operator models). */
async function modelFor(apiVersion: string, kind: string): Promise<new (o: unknown) => { validate(): void }> {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  const spec =
    group === 'monitoring.coreos.com'
      ? `@kubernetes-models/prometheus-operator/${group}/${version}/${kind}`
      : `kubernetes-models/${group ? `${group}/` : ''}${version}/${kind}`;
  const mod = (await import(spec)) as Record<string, new (o: unknown) => { validate(): void }>;
  const cls = mod[kind];
  if (!cls) throw new Error(`no model for ${apiVersion} ${kind}`);
  return cls;
}

/** Validates every object against its API schema; returns "Kind/name: problem" lines. */
async function schemaProblems(objects: KubeObject[]): Promise<string[]> {
  const problems: string[] = [];
  for (const o of objects) {
    // kustomize wraps long base64 values; the API server's decoder skips the newlines, the schema's "byte" format does not.
    const obj = o.kind === 'Secret' && o.data ? { ...o, data: Object.fromEntries(Object.entries(o.data as Record<string, string>).map(([k, v]) => [k, v.replace(/\s+/g, '')])) } : o;
    try {
      new (await modelFor(o.apiVersion, o.kind))(obj).validate();
    } catch (err) {
      problems.push(`${o.kind}/${o.metadata?.name}: ${(err as Error).message}`);
    }
  }
  return problems;
}

const find = (objects: KubeObject[], kind: string, name: string): any => {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`${kind}/${name} is missing`);
  return found;
};

/** RBAC rules flattened to "group/resource:verb", sorted, for exact comparison. */
const grants = (role: any): string[] =>
  role.rules
    .flatMap((r: any) => r.apiGroups.flatMap((g: string) => r.resources.flatMap((res: string) => r.verbs.map((v: string) => `${g || 'core'}/${res}:${v}`))))
    .sort();

const CONTROL_PLANE_GRANTS = [
  ...['get', 'list', 'watch', 'delete'].map((v) => `core/pods:${v}`),
  'core/pods/log:get',
  'core/pods/eviction:create',
  ...['get', 'list', 'watch'].flatMap((v) => [`core/events:${v}`, `core/nodes:${v}`, `apps/replicasets:${v}`, `batch/jobs:${v}`]),
  ...['get', 'list', 'watch', 'patch'].map((v) => `apps/deployments:${v}`),
  'apps/deployments/scale:update',
  'apps/deployments/scale:patch',
].sort();

const SENSOR_GRANTS = ['core/pods:get', 'core/pods:list', 'core/pods:watch'];

/** The checks every rendering of Vigil (kustomize base or overlay, Helm chart) must pass. */
function checkVigilObjects(objects: KubeObject[], opts: { privileged?: boolean; nats?: boolean } = {}): void {
  const ds = find(objects, 'DaemonSet', 'vigil-sensor');
  const pod = ds.spec.template.spec;
  const sensor = pod.containers[0];
  expect(pod.hostPID).toBe(true);
  expect(sensor.securityContext.runAsUser).toBe(0);
  if (opts.privileged) {
    expect(sensor.securityContext.privileged).toBe(true);
  } else {
    expect(JSON.stringify(ds)).not.toMatch(/"privileged":\s*true/);
    expect([...sensor.securityContext.capabilities.add].sort()).toEqual(['BPF', 'PERFMON', 'SYS_PTRACE', 'SYS_RESOURCE']);
  }
  expect(sensor.resources).toEqual({ requests: { memory: '128Mi', cpu: '100m' }, limits: { memory: '512Mi', cpu: '500m' } });
  expect(sensor.env).toContainEqual({ name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } });
  for (const probe of [sensor.livenessProbe, sensor.readinessProbe]) expect(probe.exec.command.slice(0, 2)).toEqual(['vigil', 'status']);
  const mounts = Object.fromEntries(sensor.volumeMounts.map((m: any) => [m.mountPath, m]));
  const hostPaths = Object.fromEntries(pod.volumes.filter((v: any) => v.hostPath).map((v: any) => [v.name, v.hostPath.path]));
  for (const path of ['/sys/kernel/btf', '/sys/kernel/tracing', '/sys/fs/cgroup']) {
    expect(mounts[path]?.readOnly, `${path} mounted read-only`).toBe(true);
    expect(hostPaths[mounts[path].name]).toBe(path);
  }
  expect(hostPaths[mounts['/output'].name]).toMatch(/^\/var\//);

  const cp = find(objects, 'Deployment', 'vigil-control-plane');
  const cpPod = cp.spec.template.spec;
  const cpc = cpPod.containers[0];
  expect(cpPod.securityContext.runAsNonRoot).toBe(true);
  expect(cpPod.securityContext.runAsUser).toBeGreaterThan(0);
  expect(cpc.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
  expect(cpc.livenessProbe.httpGet.path).toBe('/health');
  expect(cpc.readinessProbe.httpGet.path).toBe('/ready');
  expect(cpc.args).toEqual(['control-plane']);
  // A read-only root needs every written path on a volume.
  expect(cpc.volumeMounts.map((m: any) => m.mountPath)).toEqual(expect.arrayContaining(['/tmp', '/var/lib/vigil']));

  expect(grants(find(objects, 'ClusterRole', 'vigil-control-plane'))).toEqual(CONTROL_PLANE_GRANTS);
  expect(grants(find(objects, 'ClusterRole', 'vigil-sensor'))).toEqual(SENSOR_GRANTS);
  for (const name of ['vigil-sensor', 'vigil-control-plane']) {
    const binding = find(objects, 'ClusterRoleBinding', name);
    expect(binding.roleRef.name).toBe(name);
    const sa = find(objects, 'ServiceAccount', name);
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name, namespace: sa.metadata.namespace }]);
  }
  expect(pod.serviceAccountName).toBe('vigil-sensor');
  expect(cpPod.serviceAccountName).toBe('vigil-control-plane');

  const svc = find(objects, 'Service', 'vigil-control-plane');
  expect(svc.spec.selector).toEqual(cp.spec.selector.matchLabels);
  expect(find(objects, 'PodDisruptionBudget', 'vigil-control-plane').spec.selector.matchLabels).toEqual(cp.spec.selector.matchLabels);

  // Config files as the programs will read them, through their real schemas.
  const sensorCm = find(objects, 'ConfigMap', pod.volumes.find((v: any) => v.configMap).configMap.name);
  const sensorCfg = parseSensorConfig(parseYaml(sensorCm.data['config.yaml']), {}, 'sensor ConfigMap');
  expect(sensorCfg.output.path.startsWith(`${mounts['/output'].mountPath}/`)).toBe(true);
  // The metrics endpoint the config turns on is the port the pod names `metrics`, annotated for scraping.
  expect(sensorCfg.metrics.enabled).toBe(true);
  expect(sensor.ports).toContainEqual({ name: 'metrics', containerPort: sensorCfg.metrics.port, protocol: 'TCP' });
  expect(ds.spec.template.metadata.annotations).toMatchObject({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(sensorCfg.metrics.port), 'prometheus.io/path': '/metrics' });
  expect(sensorCfg.heartbeat.interval_s).toBeGreaterThan(0);
  const natsSection = (sensorCfg as Record<string, unknown>).nats;
  if (natsSection) NatsConfig.parse(natsSection);
  const cpCm = find(objects, 'ConfigMap', cpPod.volumes.find((v: any) => v.configMap).configMap.name);
  const cpTree = parseYaml(cpCm.data['config.yaml']);
  expect(parseControlPlaneConfig(cpTree).server.port).toBe(cpc.ports[0].containerPort);
  KubeSection.parse(cpTree.kubernetes ?? {});
  TriageConfig.parse(cpTree.triage ?? {});
  expect(parseRules(cpCm.data['rules.yaml']).size).toBeGreaterThan(0);
  const env = find(objects, 'ConfigMap', cpc.envFrom[0].configMapRef.name).data;
  expect(['manual', 'auto']).toContain(env.APPLY_MODE);
  for (const key of ['VIGIL_CONFIG', 'VIGIL_RULES_FILE']) expect(env[key].startsWith(cpc.volumeMounts.find((m: any) => m.name === 'config').mountPath)).toBe(true);

  if (opts.nats === false) {
    expect(objects.some((o) => o.metadata.name === 'vigil-nats')).toBe(false);
    return;
  }
  const nats = find(objects, 'StatefulSet', 'vigil-nats');
  expect(nats.spec.template.spec.containers[0].image).toBe('nats:2.10-alpine');
  expect(nats.spec.template.spec.containers[0].args).toContain('--jetstream');
  expect(nats.spec.volumeClaimTemplates[0].metadata.name).toBe('data');
  expect(find(objects, 'Service', nats.spec.serviceName).spec.clusterIP).toBe('None');
}

/** The sensors' PodMonitor selects the sensor pods and scrapes their `metrics` port on /metrics. */
function checkPodMonitor(objects: KubeObject[]): void {
  const pm = find(objects, 'PodMonitor', 'vigil-sensor');
  const ds = find(objects, 'DaemonSet', 'vigil-sensor');
  expect(ds.spec.template.metadata.labels).toMatchObject(pm.spec.selector.matchLabels);
  expect(pm.spec.selector.matchLabels['app.kubernetes.io/component']).toBe('sensor');
  expect(ds.spec.template.spec.containers[0].ports.map((p: any) => p.name)).toContain(pm.spec.podMetricsEndpoints[0].port);
  expect(pm.spec.podMetricsEndpoints[0].path).toBe('/metrics');
}

// ---------------------------------------------------------------------------------------------
// Dockerfile

interface Instruction {
  op: string;
  args: string;
  stage: number;
}

/** Instructions of a Dockerfile: comments dropped, `\` continuations joined. */
function parseDockerfile(text: string): Instruction[] {
  const joined = text.replace(/\\\r?\n/g, ' ');
  const out: Instruction[] = [];
  let stage = -1;
  for (const line of joined.split(/\r?\n/)) {
    const t = line.trim();
    if (!t || t.startsWith('#')) continue;
    const m = /^(\w+)\s+(.*)$/.exec(t);
    if (!m) throw new Error(`Dockerfile: cannot read line: ${t}`);
    const op = m[1]!.toUpperCase();
    if (op === 'FROM') stage++;
    out.push({ op, args: m[2]!.replace(/\s+/g, ' '), stage });
  }
  return out;
}

describe('Dockerfile', () => {
  const ins = parseDockerfile(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
  const froms = ins.filter((i) => i.op === 'FROM').map((i) => i.args);
  const stageOf = (name: string) => froms.findIndex((f) => f.endsWith(` AS ${name}`));
  const runs = (stage: number) => ins.filter((i) => i.stage === stage && i.op === 'RUN').map((i) => i.args).join('\n');

  it('builds on Debian bookworm with Node 20 in two stages', () => {
    expect(froms).toEqual(['node:20-bookworm AS build', 'node:20-bookworm-slim AS runtime']);
  });

  it('the build stage installs the BPF toolchain and runs npm ci, make -C probe and the TypeScript build in order', () => {
    const run = runs(stageOf('build'));
    for (const pkg of ['clang-19', 'llvm-19', 'libbpf-dev', 'bpftool', 'libelf-dev', 'make']) expect(run).toMatch(new RegExp(`\\s${pkg}\\s`));
    const at = (s: string) => run.indexOf(s);
    expect(at('npm ci')).toBeGreaterThan(-1);
    expect(at('make -C probe')).toBeGreaterThan(at('npm ci'));
    expect(at('tsc -p tsconfig.build.json')).toBeGreaterThan(at('make -C probe'));
    expect(run).toContain('npm prune --omit=dev');
  });

  it('the runtime stage carries the libraries, the probe, the protobuf schema and dist/, and runs as a non-root user', () => {
    const runtime = stageOf('runtime');
    expect(runtime).toBe(froms.length - 1);
    for (const pkg of ['libbpf1', 'libelf1']) expect(runs(runtime)).toMatch(new RegExp(`\\s${pkg}\\s`));
    const copied = ins.filter((i) => i.stage === runtime && i.op === 'COPY').map((i) => i.args.split(' ').at(-1));
    for (const dest of ['./dist/', './node_modules/', './probe/build/libvigilprobe.so', './schema/events.proto']) expect(copied).toContain(dest);
    const users = ins.filter((i) => i.stage === runtime && i.op === 'USER');
    expect(users.length).toBeGreaterThan(0);
    expect(users.at(-1)!.args.split(':')[0]).not.toMatch(/^(0|root)$/);
    expect(ins.find((i) => i.op === 'ENTRYPOINT')?.args).toBe('["/app/dist/src/cli.js"]');
  });

  it('the sources the image compiles import nothing left out of the build context', () => {
    const copied = ins.filter((i) => i.stage === stageOf('build') && i.op === 'COPY' && !i.args.includes('--from')).flatMap((i) => i.args.split(' ').slice(0, -1));
    const dirs = copied.filter((c) => c.endsWith('/')).map((c) => join(ROOT, c));
    const inContext = (path: string) => dirs.some((d) => path.startsWith(d));
    const problems: string[] = [];
    const walk = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
    for (const file of dirs.flatMap(walk).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))) {
      for (const [, spec] of readFileSync(file, 'utf8').matchAll(/from '(\.{1,2}\/[^']+)'/g)) {
        const target = resolve(dirname(file), spec!);
        if (!inContext(target)) problems.push(`${file.slice(ROOT.length + 1)} imports ${spec}`);
      }
    }
    expect(dirs.length).toBeGreaterThan(3);
    expect(problems).toEqual([]);
  });

  it('every COPY source exists in the repository (or was built in the stage it is taken from) and is not docker-ignored', () => {
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim().replace(/\/$/, ''))
      .filter((l) => l && !l.startsWith('#'));
    const buildOutputs = ['/src/dist', '/src/node_modules', '/src/probe/build'];
    const problems: string[] = [];
    for (const i of ins.filter((x) => x.op === 'COPY')) {
      const words = i.args.split(' ');
      const from = words.find((w) => w.startsWith('--from='))?.slice('--from='.length);
      const sources = words.filter((w) => !w.startsWith('--')).slice(0, -1);
      for (const src of sources) {
        if (from) {
          // Taken from the build stage: copied there from the repo (WORKDIR /src), or built there.
          const rel = src.replace(/^\/src\//, '').replace(/\/$/, '');
          const built = buildOutputs.some((o) => src.startsWith(o));
          if (!built && !existsSync(join(ROOT, rel))) problems.push(`${src} (from ${from}) is neither built nor in the repo`);
        } else {
          const rel = src.replace(/\/$/, '');
          if (!existsSync(join(ROOT, rel))) problems.push(`${src} does not exist`);
          if (ignored.some((p) => rel === p || rel.startsWith(`${p}/`))) problems.push(`${src} is excluded by .dockerignore`);
        }
      }
    }
    expect(problems).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// kustomize

const KUSTOMIZE_DIRS = ['manifests/base', ...readdirSync(join(ROOT, 'manifests/overlays')).map((o) => `manifests/overlays/${o}`)];
const haveKubectl = has('kubectl');
if (!haveKubectl) {
  console.warn('manifests: kubectl (with its embedded kustomize) is not installed: kustomize renderings not checked');
}

if (!haveKubectl && process.env.CI === 'true') {
  it('kustomize renderings need kubectl under CI', () => expect.fail('kubectl is required under CI to render the kustomize trees'));
}

if (haveKubectl) describe('kustomize', () => {
  const rendered = new Map<string, KubeObject[]>();
  beforeAll(() => {
    for (const dir of KUSTOMIZE_DIRS) rendered.set(dir, kustomize(dir));
  });
  const objects = (dir: string) => rendered.get(dir)!;

  it.each(KUSTOMIZE_DIRS)('%s renders objects that the Kubernetes API schemas accept', async (dir) => {
    expect(objects(dir).length).toBeGreaterThan(10);
    expect(await schemaProblems(objects(dir))).toEqual([]);
  });

  it.each(KUSTOMIZE_DIRS)('%s puts every namespaced object in vigil-system', (dir) => {
    const clusterScoped = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding']);
    const stray = objects(dir).filter((o) => !clusterScoped.has(o.kind) && o.metadata.namespace !== 'vigil-system');
    expect(stray.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([]);
  });

  it.each(KUSTOMIZE_DIRS.filter((d) => !d.endsWith('/privileged')))('%s passes Vigil’s checks', (dir) => {
    checkVigilObjects(objects(dir));
  });

  it('the privileged overlay runs the sensor privileged with debugfs, and nothing else changes', () => {
    const objs = objects('manifests/overlays/privileged');
    checkVigilObjects(objs, { privileged: true });
    const ds = find(objs, 'DaemonSet', 'vigil-sensor').spec.template.spec;
    expect(ds.containers[0].volumeMounts.map((m: any) => m.mountPath)).toContain('/sys/kernel/debug');
    const others = (list: KubeObject[]) => list.filter((o) => o.kind !== 'DaemonSet');
    expect(others(objs)).toEqual(others(objects('manifests/base')));
  });

  it('the dev overlay uses the local image and applies fixes automatically, only in default', () => {
    const objs = objects('manifests/overlays/dev');
    const images = objs.flatMap((o: any) => o.spec?.template?.spec?.containers?.map((c: any) => c.image) ?? []);
    expect(images.filter((i: string) => !i.startsWith('nats:'))).toEqual(['vigil:dev', 'vigil:dev']);
    expect(find(objs, 'ConfigMap', 'vigil-control-plane-env').data).toMatchObject({ APPLY_MODE: 'auto', AUTO_APPLY_NAMESPACES: 'default' });
  });

  it('the prod overlay pins the image, runs two control planes with more memory, and never applies fixes itself', () => {
    const objs = objects('manifests/overlays/prod');
    const cp = find(objs, 'Deployment', 'vigil-control-plane');
    expect(cp.spec.replicas).toBe(2);
    expect(cp.spec.template.spec.containers[0].image).toMatch(/^ghcr\.io\/vigil-project\/vigil:\d+\.\d+\.\d+$/);
    expect(cp.spec.template.spec.containers[0].resources.limits.memory).toBe('1Gi');
    expect(find(objs, 'ConfigMap', 'vigil-control-plane-env').data.APPLY_MODE).toBe('manual');
  });

  it('the ServiceMonitor (a component) scrapes /metrics on the control plane’s Service', () => {
    expect(objects('manifests/base').some((o) => o.kind === 'ServiceMonitor')).toBe(false);
    const objs = objects('manifests/overlays/servicemonitor');
    const sm = find(objs, 'ServiceMonitor', 'vigil-control-plane');
    const svc = find(objs, 'Service', 'vigil-control-plane');
    expect(svc.metadata.labels).toMatchObject(sm.spec.selector.matchLabels);
    expect(sm.spec.selector.matchLabels['app.kubernetes.io/component']).toBe('control-plane');
    expect(svc.spec.ports.map((p: any) => p.name)).toContain(sm.spec.endpoints[0].port);
    expect(sm.spec.endpoints[0].path).toBe('/metrics');
    checkPodMonitor(objs);
  });

  it('cookbook/kubernetes/daemonset is Vigil’s dev overlay plus a demo whose references all resolve', async () => {
    const objs = kustomize('cookbook/kubernetes/daemonset');
    expect(await schemaProblems(objs)).toEqual([]);
    checkVigilObjects(objs);
    const demo = objs.filter((o) => o.metadata.namespace === 'vigil-demo');
    const names = (kind: string) => demo.filter((o) => o.kind === kind).map((o) => o.metadata.name);
    expect(names('Deployment').sort()).toEqual(['ai-test-app', 'crasher-exit', 'crasher-oom', 'crasher-segv', 'mock-openai']);
    // Every ConfigMap, Secret and key a demo pod uses exists (generated names carry a hash).
    for (const d of demo.filter((o) => o.kind === 'Deployment') as any[]) {
      const pod = d.spec.template.spec;
      for (const v of pod.volumes ?? []) {
        if (v.configMap) expect(names('ConfigMap'), `${d.metadata.name}: ${v.name}`).toContain(v.configMap.name);
        if (v.secret) expect(names('Secret'), `${d.metadata.name}: ${v.name}`).toContain(v.secret.secretName);
      }
      for (const e of pod.containers[0].env ?? []) {
        const ref = e.valueFrom?.secretKeyRef;
        if (ref) expect(Object.keys(find(demo, 'Secret', ref.name).data)).toContain(ref.key);
      }
    }
    const app = find(demo, 'Deployment', 'ai-test-app').spec.template.spec.containers[0];
    const baseUrl = new URL(app.env.find((e: any) => e.name === 'OPENAI_BASE_URL').value);
    const svc = find(demo, 'Service', 'mock-openai');
    expect(baseUrl.hostname).toBe(`${svc.metadata.name}.${svc.metadata.namespace}.svc`);
    expect(Number(baseUrl.port)).toBe(svc.spec.ports[0].port);
    // The harness forbids the demo key in events: it must be the key the demo really uses.
    const keySecret = find(demo, 'Secret', app.env.find((e: any) => e.name === 'OPENAI_API_KEY').valueFrom.secretKeyRef.name);
    const key = Buffer.from(keySecret.data['api-key'], 'base64').toString();
    const forbidden = JSON.parse(readFileSync(join(ROOT, 'test/k3d/expectations.json'), 'utf8')).forbid.map((f: any) => f.contains);
    expect(forbidden).toContain(key);
    expect(find(objs, 'ConfigMap', 'vigil-control-plane-env').data).toMatchObject({ APPLY_MODE: 'auto', AUTO_APPLY_NAMESPACES: 'vigil-demo' });
    const oom = find(demo, 'Deployment', 'crasher-oom').spec.template.spec.containers[0];
    expect(oom.resources.limits.memory).toBe('48Mi');
  });

  it('the schema check catches a broken object (the check itself can fail)', async () => {
    const ds = structuredClone(find(objects('manifests/base'), 'DaemonSet', 'vigil-sensor'));
    delete ds.spec.selector;
    ds.spec.template.spec.containers[0].ports = [{ containerPort: 'http' }];
    const problems = await schemaProblems([ds]);
    expect(problems.join('\n')).toMatch(/selector/);
    expect(problems.join('\n')).toMatch(/containerPort/);
  });
});

// ---------------------------------------------------------------------------------------------
// Helm chart

const haveHelm = has('helm');
if (!haveHelm) console.warn('manifests: helm is not installed (neither Debian nor npm packages it): the chart is rendered by the test stand-in for `helm template`');
const readChart = (rel: string) => readFileSync(join(CHART, rel), 'utf8');
const templateFiles = readdirSync(join(CHART, 'templates')).filter((f) => /\.(ya?ml|tpl|txt)$/.test(f));

/** `helm template`, or where helm is missing the stand-in renderer (test/manifests-gotemplate.ts). */
const helmTemplate = (...set: string[]): KubeObject[] =>
  haveHelm
    ? parseDocs(
        execFileSync('helm', ['template', 'vigil', CHART, '--namespace', 'vigil-system', ...set.flatMap((s) => ['--set', s])], { encoding: 'utf8' }),
        'helm template',
      )
    : parseDocs(renderChart(CHART, { releaseName: 'vigil', namespace: 'vigil-system', set }).manifests, 'chart (stand-in renderer)');

describe('Helm chart (static)', () => {
  const chart = parseYaml(readChart('Chart.yaml'));
  const values = parseYaml(readChart('values.yaml'));

  it('Chart.yaml is a v2 application chart whose appVersion is the package version', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    expect(chart).toMatchObject({ apiVersion: 'v2', name: 'vigil', type: 'application', appVersion: pkg.version });
    expect(chart.version).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('the configs in values.yaml pass the real config schemas', () => {
    const sensor = parseSensorConfig(values.sensor.config, {}, 'values.sensor.config');
    expect(sensor.output.path).toBe('/output/events.jsonl');
    expect(parseControlPlaneConfig(values.controlPlane.config).server.port).toBe(values.controlPlane.service.port);
    KubeSection.parse(values.controlPlane.config.kubernetes);
    TriageConfig.parse({ mode: values.llm.mode, llm: { provider: values.llm.provider, base_url: values.llm.baseUrl, model: values.llm.model } });
    expect(parseRules(JSON.stringify(values.controlPlane.rules)).size).toBe(values.controlPlane.rules.rules.length);
    expect(['manual', 'auto']).toContain(values.controlPlane.env.APPLY_MODE);
  });

  it('values.yaml defaults match the kustomize base: resources, no privileged sensor, NATS on, ServiceMonitor off', () => {
    expect(values.sensor.resources).toEqual({ requests: { memory: '128Mi', cpu: '100m' }, limits: { memory: '512Mi', cpu: '500m' } });
    expect(values.sensor.privileged).toBe(false);
    expect(values.nats).toMatchObject({ enabled: true, image: 'nats:2.10-alpine' });
    expect(values.serviceMonitor.enabled).toBe(false);
    expect(values.llm.existingSecret).toBeTruthy();
  });

  it('the chart’s RBAC grants exactly what the kustomize base grants', () => {
    // The RBAC templates are plain YAML apart from label includes and the enable switch:
    // dropping the template lines leaves objects whose rules can be compared as they are.
    const untemplated = (file: string) =>
      parseDocs(readChart(`templates/${file}`).split('\n').filter((l) => !l.includes('{{')).join('\n'), file);
    const roles = [...untemplated('control-plane-rbac.yaml'), ...untemplated('sensor-rbac.yaml')];
    expect(grants(find(roles, 'ClusterRole', 'vigil-control-plane'))).toEqual(CONTROL_PLANE_GRANTS);
    expect(grants(find(roles, 'ClusterRole', 'vigil-sensor'))).toEqual(SENSOR_GRANTS);
  });

  it('every .Values path the templates read exists in values.yaml', () => {
    const missing: string[] = [];
    for (const file of templateFiles) {
      for (const [, path] of readChart(`templates/${file}`).matchAll(/\.Values\.([A-Za-z0-9_.]+)/g)) {
        let node: unknown = values;
        for (const key of path!.split('.')) node = node && typeof node === 'object' && key in node ? (node as Record<string, unknown>)[key] : undefined;
        if (node === undefined) missing.push(`${file}: .Values.${path}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('every template is balanced (if/range/with/define … end) and includes only defined helpers', () => {
    const helpers = readChart('templates/_helpers.tpl');
    const defined = new Set([...helpers.matchAll(/define "([^"]+)"/g)].map((m) => m[1]));
    const problems: string[] = [];
    for (const file of templateFiles) {
      const text = readChart(`templates/${file}`).replace(/\{\{-?\s*\/\*[\s\S]*?\*\/\s*-?\}\}/g, '');
      let depth = 0;
      for (const [, action] of text.matchAll(/\{\{-?\s*(.*?)\s*-?\}\}/gs)) {
        if (/^(if|range|with|define|block)\b/.test(action!)) depth++;
        else if (/^end\b/.test(action!)) depth--;
        if (depth < 0) problems.push(`${file}: {{ end }} without an opening block`);
      }
      if (depth !== 0) problems.push(`${file}: ${depth} block(s) left open`);
      for (const [, name] of text.matchAll(/include "([^"]+)"/g)) if (!defined.has(name)) problems.push(`${file}: include "${name}" is not defined`);
    }
    expect(problems).toEqual([]);
  });
});

describe(`Helm chart rendered (${haveHelm ? 'helm template' : 'stand-in renderer'})`, () => {
  it.each([[[]], [['sensor.privileged=true']], [['serviceMonitor.enabled=true']], [['nats.enabled=false', 'nats.url=nats://nats.example:4222']]])(
    'with %j renders objects the API schemas accept and that pass Vigil’s checks',
    async (set: string[]) => {
      const objects = helmTemplate(...set);
      expect(await schemaProblems(objects)).toEqual([]);
      checkVigilObjects(objects, { privileged: set.includes('sensor.privileged=true'), nats: !set.includes('nats.enabled=false') });
      expect(objects.some((o) => o.kind === 'ServiceMonitor')).toBe(set.includes('serviceMonitor.enabled=true'));
      if (set.includes('serviceMonitor.enabled=true')) checkPodMonitor(objects);
      else expect(objects.some((o) => o.kind === 'PodMonitor')).toBe(false);
    },
  );

  // (kubectl renders the base; without it, the kustomize section above already reports that.)
  if (haveKubectl) it('renders the same objects as the kustomize base, apart from Helm’s labels and annotations', () => {
    // Embedded config files are compared as data (key order and comments differ), metadata without Helm's labels.
    const dataFiles = (o: any) =>
      o.kind === 'ConfigMap' ? { ...o, data: Object.fromEntries(Object.entries(o.data).map(([k, v]) => [k, k.endsWith('.yaml') ? parseYaml(v as string) : v])) } : o;
    const drop = new Set(['labels', 'annotations', 'matchLabels']);
    const strip = (objects: KubeObject[]) =>
      objects
        .filter((o) => o.kind !== 'Namespace')
        .map((o) => JSON.parse(JSON.stringify(dataFiles(o), (k, v) => (drop.has(k) || (k === 'selector' && !v.matchLabels) ? undefined : v))))
        .sort((a, b) => `${a.kind}/${a.metadata.name}`.localeCompare(`${b.kind}/${b.metadata.name}`));
    expect(strip(helmTemplate())).toEqual(strip(kustomize('manifests/base')));
  });

  it('without nats.url, disabling NATS leaves the sensor config without a nats section', () => {
    const objects = helmTemplate('nats.enabled=false');
    const cfg = parseYaml(find(objects, 'ConfigMap', 'vigil-sensor-config').data['config.yaml']);
    expect(cfg.nats).toBeUndefined();
    expect(parseSensorConfig(cfg, {}).output.path).toBe('/output/events.jsonl');
  });
});

describe('the helm template stand-in', () => {
  const render = (src: string, values: Record<string, unknown> = {}) => {
    const r = new ChartRenderer({ Values: values });
    r.addTemplate('t', src);
    return r.render('t');
  };

  it.each([
    ['{{ .Values.a }}', { a: 8080 }, '8080'],
    ['{{ .Values.a }}', { a: 10485760 }, '1.048576e+07'],
    ['{{ .Values.a | toString | quote }}', { a: 'x"y' }, '"x\\"y"'],
    ['a\n  {{- if .Values.on }}\n  b\n  {{- else }}\n  c\n  {{- end }}', { on: false }, 'a\n  c'],
    ['{{- range $k, $v := .Values.m }}{{ $k }}={{ $v }};{{ end }}', { m: { b: 2, a: 1 } }, 'a=1;b=2;'],
    ['{{ define "x" }}[{{ .n }}]{{ end }}{{ include "x" (dict "n" 3) | nindent 2 }}', {}, '\n  [3]'],
    ['{{ .Values.t | default "d" }}/{{ .Values.u | default "d" }}', { t: '', u: 'u' }, 'd/u'],
  ])('%s with %j gives %j', (src, values, expected) => {
    expect(render(src, values)).toBe(expected);
  });

  it('renders NOTES.txt with the control plane’s address and the LLM Secret when triage uses one', () => {
    const opts = { releaseName: 'vigil', namespace: 'observability' };
    expect(renderChart(CHART, opts).notes).toContain('http://vigil-control-plane.observability.svc:8080');
    expect(renderChart(CHART, opts).notes).not.toContain('Secret vigil-llm');
    expect(renderChart(CHART, { ...opts, set: ['llm.mode=llm'] }).notes).toContain('Secret vigil-llm (key api-key)');
  });

  it('refuses what it does not implement instead of rendering it wrongly', () => {
    expect(() => render('{{ .Values.a | b64enc }}', { a: 'x' })).toThrow(/function "b64enc" is not in this helm template stand-in/);
    expect(() => render('{{ if .Values.a }}x{{ else if .Values.b }}y{{ end }}', {})).toThrow(/else if \.Values\.b \}\} is not in/);
    expect(() => render('{{ if .Values.a }}x', {})).toThrow(/missing \{\{ else \/ end \}\}/);
  });
});
