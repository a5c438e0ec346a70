// The cookbook's configs for other tools: each parses, points at the right Vigil path, and a
// body of the shape that tool sends there is accepted by the real control-plane routes. The
// Kubernetes example's mock server and test app talk to each other over TLS for real.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { parse as parseYaml } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { TriageConfig } from '../control-plane/src/triage/config.js';
import { WEBHOOK_ADAPTER_NAMES } from '../control-plane/src/ingest/webhooks/names.js';
import { ingestApp, type TestApp } from './control-plane-ingest-helper.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const COOKBOOK = join(ROOT, 'cookbook');
const read = (rel: string) => readFileSync(join(COOKBOOK, rel), 'utf8');
const SERVICE = { host: 'vigil-control-plane.vigil-system.svc', port: 8080 };

/** Fluentd's directive syntax: `<name arg>` … `</name>` blocks holding `key value` lines. */
interface FluentdBlock {
  name: string;
  arg: string;
  params: Record<string, string>;
  children: FluentdBlock[];
}

function parseFluentdConf(text: string): FluentdBlock {
  const root: FluentdBlock = { name: 'root', arg: '', params: {}, children: [] };
  const stack = [root];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const open = /^<([\w@]+)(?:\s+([^>]*))?>$/.exec(line);
    const close = /^<\/([\w@]+)>$/.exec(line);
    const top = stack.at(-1)!;
    if (close) {
      if (top.name !== close[1]) throw new Error(`line ${i + 1}: </${close[1]}> closes <${top.name}>`);
      stack.pop();
    } else if (open) {
      const block = { name: open[1]!, arg: open[2]?.trim() ?? '', params: {}, children: [] };
      top.children.push(block);
      stack.push(block);
    } else {
      const m = /^(\S+)\s*(.*)$/.exec(line)!;
      top.params[m[1]!] = m[2]!;
    }
  });
  if (stack.length !== 1) throw new Error(`<${stack.at(-1)!.name}> is never closed`);
  return root;
}

/** Fluent Bit's classic format: `[SECTION]` headers and `Key Value` lines (keys case-insensitive). */
function parseFluentBitConf(text: string): Array<{ section: string; params: Record<string, string> }> {
  const sections: Array<{ section: string; params: Record<string, string> }> = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const header = /^\[(\w+)\]$/.exec(line);
    if (header) return sections.push({ section: header[1]!.toUpperCase(), params: {} });
    const kv = /^(\S+)\s+(.+)$/.exec(line);
    if (!kv || !sections.length) throw new Error(`fluent-bit.conf line ${i + 1}: cannot read "${line}"`);
    sections.at(-1)!.params[kv[1]!.toLowerCase()] = kv[2]!;
  });
  return sections;
}

const KUBE_RECORD = {
  stream: 'stderr',
  log: 'panic: runtime error: invalid memory address or nil pointer dereference',
  kubernetes: { namespace_name: 'shop', pod_name: 'checkout-7d9f8b6c5-x2x9q', container_name: 'checkout', labels: { app: 'checkout' } },
};

let app: TestApp | undefined;
const control = async () => (app ??= await ingestApp());
afterAll(async () => app?.app.close());

describe('Fluentd (cookbook/fluentd/fluent.conf)', () => {
  const conf = parseFluentdConf(read('fluentd/fluent.conf'));
  const out = conf.children.find((b) => b.name === 'match' && b.params['@type'] === 'http')!;

  it('tails container logs, adds Kubernetes metadata and sends NDJSON to the control plane’s /logs with a bounded buffer', () => {
    expect(conf.children.some((b) => b.name === 'filter' && b.params['@type'] === 'kubernetes_metadata')).toBe(true);
    expect(out).toBeDefined();
    const url = new URL(out.params.endpoint!);
    expect({ host: url.hostname, port: Number(url.port), path: url.pathname }).toEqual({ ...SERVICE, path: '/logs' });
    expect(out.children.find((b) => b.name === 'format')?.params['@type']).toBe('json');
    expect(out.params).toMatchObject({ content_type: 'application/x-ndjson', json_array: 'false', http_method: 'post' });
    const buffer = out.children.find((b) => b.name === 'buffer')!;
    expect(buffer.params.total_limit_size).toMatch(/^\d+[km]$/);
    expect(buffer.params.overflow_action).toBe('drop_oldest_chunk');
  });

  it('the parser refuses a block closed by the wrong tag', () => {
    expect(() => parseFluentdConf('<match **>\n  @type http\n</filter>')).toThrow(/closes <match>/);
  });

  it('the control plane accepts what this output sends', async () => {
    const { app: server, received } = await control();
    const before = received.length;
    const body = [KUBE_RECORD, { ...KUBE_RECORD, log: 'GET /healthz 200' }].map((r) => JSON.stringify(r)).join('\n') + '\n';
    const res = await server.inject({ method: 'POST', url: new URL(out.params.endpoint!).pathname, headers: { 'content-type': out.params.content_type! }, payload: body });
    expect(res.statusCode, res.body).toBeLessThan(300);
    expect(res.json()).toMatchObject({ accepted: 2, rejected: 0 });
    expect(received.slice(before).some((s) => s.resource?.pod === KUBE_RECORD.kubernetes.pod_name)).toBe(true);
  });
});

describe('Fluent Bit (cookbook/fluent-bit/fluent-bit.conf)', () => {
  const sections = parseFluentBitConf(read('fluent-bit/fluent-bit.conf'));
  const out = sections.find((s) => s.section === 'OUTPUT' && s.params.name === 'http')!.params;

  it('adds Kubernetes metadata and sends JSON lines to the control plane’s /logs', () => {
    expect(sections.some((s) => s.section === 'FILTER' && s.params.name === 'kubernetes')).toBe(true);
    expect({ host: out.host, port: Number(out.port), path: out.uri }).toEqual({ ...SERVICE, path: '/logs' });
    expect(['json_lines', 'json']).toContain(out.format);
    expect(Number(out.retry_limit)).toBeGreaterThan(0);
  });

  it('the control plane accepts what this output sends (gzip, application/json)', async () => {
    const { app: server } = await control();
    const records = [KUBE_RECORD, { ...KUBE_RECORD, log: 'ready', stream: 'stdout' }].map((r) => ({ time: '2026-11-28T03:00:00.000Z', ...r }));
    const text = records.map((r) => JSON.stringify(r)).join('\n') + '\n';
    const gzip = out.compress === 'gzip';
    const res = await server.inject({
      method: 'POST',
      url: out.uri!,
      headers: { 'content-type': 'application/json', ...(gzip ? { 'content-encoding': 'gzip' } : {}) },
      payload: gzip ? gzipSync(text) : text,
    });
    expect(res.statusCode, res.body).toBeLessThan(300);
    expect(res.json()).toMatchObject({ accepted: 2, rejected: 0 });
  });
});

const ALERT = {
  status: 'firing',
  labels: { alertname: 'KubePodCrashLooping', severity: 'critical', namespace: 'shop', pod: 'checkout-7d9f8b6c5-x2x9q', container: 'checkout' },
  annotations: { summary: 'Pod shop/checkout-7d9f8b6c5-x2x9q is crash looping' },
  startsAt: '2026-11-28T03:00:00Z',
  endsAt: '0001-01-01T00:00:00Z',
  generatorURL: 'http://prometheus.monitoring:9090/graph',
  fingerprint: '3f1c2b7a9d0e4c55',
};

async function postWebhook(url: string, body: unknown) {
  const { app: server } = await control();
  const res = await server.inject({ method: 'POST', url: new URL(url).pathname, headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) });
  return { status: res.statusCode, body: res.json() as { adapter?: string; accepted?: number } };
}

describe('Alertmanager (cookbook/alertmanager/alertmanager.yml)', () => {
  const conf = parseYaml(read('alertmanager/alertmanager.yml'));
  const receiver = conf.receivers.find((r: any) => r.webhook_configs);
  const url: string = receiver.webhook_configs[0].url;

  it('routes to a webhook receiver at the control plane’s /webhook/alertmanager, keeping other receivers', () => {
    const u = new URL(url);
    expect({ host: u.hostname, port: Number(u.port), path: u.pathname }).toEqual({ ...SERVICE, path: '/webhook/alertmanager' });
    const routes = conf.route.routes.filter((r: any) => r.receiver === receiver.name);
    expect(routes.length).toBeGreaterThan(0);
    for (const r of routes) expect(r.continue).toBe(true);
  });

  it('the control plane accepts an Alertmanager notification there', async () => {
    const notification = { version: '4', groupKey: '{}:{alertname="KubePodCrashLooping"}', status: 'firing', receiver: receiver.name, groupLabels: {}, commonLabels: ALERT.labels, commonAnnotations: {}, externalURL: 'http://alertmanager:9093', truncatedAlerts: 0, alerts: [ALERT] };
    const res = await postWebhook(url, notification);
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(res.body).toMatchObject({ adapter: 'alertmanager', accepted: 1 });
  });
});

describe('Grafana (cookbook/grafana/contact-point.yaml)', () => {
  const conf = parseYaml(read('grafana/contact-point.yaml'));
  const receiver = conf.contactPoints[0].receivers.find((r: any) => r.type === 'webhook');

  it('provisions a webhook contact point at the control plane’s /webhook/grafana and routes to it', () => {
    const u = new URL(receiver.settings.url);
    expect({ host: u.hostname, port: Number(u.port), path: u.pathname }).toEqual({ ...SERVICE, path: '/webhook/grafana' });
    expect(receiver.settings.httpMethod).toBe('POST');
    expect(conf.policies[0].receiver).toBe(conf.contactPoints[0].name);
  });

  it('the control plane accepts a Grafana notification there', async () => {
    const notification = { receiver: 'vigil', status: 'firing', orgId: 1, alerts: [ALERT], groupLabels: {}, commonLabels: ALERT.labels, commonAnnotations: {}, externalURL: 'http://grafana:3000/', version: '1', groupKey: '{}', truncatedAlerts: 0, title: '[FIRING:1] KubePodCrashLooping', state: 'alerting', message: 'crash looping' };
    const res = await postWebhook(receiver.settings.url, notification);
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(res.body).toMatchObject({ adapter: 'grafana', accepted: 1 });
  });
});

describe('webhook setup READMEs', () => {
  it.each(WEBHOOK_ADAPTER_NAMES)('%s has a README naming its in-cluster URL and its auth variable', (adapter) => {
    const text = read(`${adapter}/README.md`);
    expect(text).toContain(`http://${SERVICE.host}:${SERVICE.port}/webhook/${adapter}`);
    expect(text).toContain(adapter === 'pagerduty' ? 'PAGERDUTY_WEBHOOK_SECRET' : `WEBHOOK_${adapter.toUpperCase()}_TOKEN`);
  });

  it('every cookbook folder has a README', () => {
    const folders = readdirSync(COOKBOOK, { withFileTypes: true }).filter((d) => d.isDirectory() && d.name !== 'kubernetes' && d.name !== 'nats-subscriber');
    const missing = [...folders.map((d) => d.name), 'kubernetes/daemonset'].filter((f) => !existsSync(join(COOKBOOK, f, 'README.md')));
    expect(missing).toEqual([]);
  });
});

describe('Ollama triage (cookbook/ollama-triage)', () => {
  it('config.yaml’s triage section passes the control plane’s triage schema, pointed at Ollama’s /v1', () => {
    const triage = TriageConfig.parse(parseYaml(read('ollama-triage/config.yaml')).triage);
    expect(triage.mode).toBe('llm-fallback');
    expect(new URL(triage.llm!.base_url!).pathname).toBe('/v1');
    expect(new URL(triage.llm!.base_url!).port).toBe('11434');
  });

  it('values-ollama.yaml only sets keys the Helm chart has', () => {
    const chart = parseYaml(readFileSync(join(ROOT, 'manifests/helm/vigil/values.yaml'), 'utf8'));
    const values = parseYaml(read('ollama-triage/values-ollama.yaml'));
    for (const key of Object.keys(values.llm)) expect(Object.keys(chart.llm)).toContain(key);
  });
});

// ---------------------------------------------------------------------------------------------
// The Kubernetes example's mock server and test app, for real over TLS on loopback.

const DEMO = join(COOKBOOK, 'kubernetes/daemonset');
const havePython = (() => {
  try {
    execFileSync('python3', ['--version'], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
})();
if (!havePython) console.warn('manifests-cookbook: python3 is not installed: the demo mock server and test app are not run');
if (!havePython && process.env.CI === 'true') it('the demo needs python3 under CI', () => expect.fail('python3 missing'));

if (havePython) describe('kubernetes/daemonset demo: mock_openai.py and test_app.py', () => {
  it('the app gets a completion, a streamed completion and a 401 for the wrong key, over TLS verified against the demo certificate', { timeout: 60_000 }, async () => {
    const key = 'sk-test-mock-key-0123456789';
    const cert = join(DEMO, 'tls/mock-openai.crt');
    const server = spawn('python3', ['-u', join(DEMO, 'mock_openai.py')], {
      env: { ...process.env, PORT: '0', HOST: '127.0.0.1', TLS_CERT: cert, TLS_KEY: join(DEMO, 'tls/mock-openai.key'), MOCK_API_KEY: key },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const port = await new Promise<number>((res, rej) => {
        server.once('exit', (code) => rej(new Error(`mock exited with ${code}`)));
        server.stdout.on('data', (chunk: Buffer) => {
          const m = /listening on https:\/\/[\d.]+:(\d+)/.exec(chunk.toString());
          if (m) res(Number(m[1]));
        });
      });
      const out = execFileSync('python3', [join(DEMO, 'test_app.py')], {
        env: { ...process.env, OPENAI_BASE_URL: `https://127.0.0.1:${port}/v1`, OPENAI_API_KEY: key, SSL_CERT_FILE: cert, ROUNDS: '1', INTERVAL: '0' },
        encoding: 'utf8',
        timeout: 20_000,
      });
      expect(out).toMatch(/^chat: HTTP 200 /m);
      expect(out).toMatch(/^stream: HTTP 200 /m);
      expect(out).toMatch(/^bad-key: HTTP 401 /m);
    } finally {
      server.kill();
    }
  });
});
