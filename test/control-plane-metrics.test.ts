// The control plane's /metrics and /api/sensors after real actions: a webhook over HTTP, sensor
// events (an AI call, a crash, heartbeats) through real NATS JetStream as protobuf, an alert to a
// real HTTP receiver, triage of the incident that opened.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NatsConfig } from '../lib/nats/config.js';
import { ensureStream, subjectFor } from '../lib/nats/stream.js';
import { encodeEvent } from '../schema/codec.js';
import type { Event, SensorStatus } from '../schema/event.js';
import { SAMPLE_EVENTS } from '../schema/fixtures/events.js';
import type { LiveMessage } from '../control-plane/src/api/live.js';
import { parseConfig } from '../control-plane/src/config.js';
import { startControlPlane, type ControlPlane } from '../control-plane/src/main.js';
import type { SensorHealth } from '../control-plane/src/sensors/health.js';
import { fixturePath } from './control-plane-ingest-helper.js';
import { HttpReceiver } from './helpers/http-receiver.js';
import { findNatsServer, NatsServer } from './helpers/nats-server.js';
import { waitFor } from './helpers/privileged.js';
import { sampleOf } from './helpers/prom-text.js';

const hasNats = findNatsServer() !== undefined;

/** Polls an asynchronous check until it returns a value (not arrived yet → retry). */
async function until<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.runIf(hasNats)('control plane metrics and sensor health', () => {
  let nats: NatsServer;
  let nc: NatsConnection;
  let hook: HttpReceiver;
  let cp: ControlPlane;
  let dir: string;
  const live: LiveMessage[] = [];
  const natsConfig = NatsConfig.parse({ servers: 'nats://unused' });

  const scrape = async () => {
    const res = await fetch(`${cp.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    return res.text();
  };
  const publish = async (e: Event) => {
    await nc.jetstream().publish(subjectFor(natsConfig.subject_prefix, e.node, e.kind), encodeEvent(e), { msgID: e.id });
  };
  const heartbeat = (node: string, over: Partial<SensorStatus> = {}): Event => ({
    id: `hb-${node}-${Date.now()}-${Math.random()}`,
    time: new Date().toISOString(),
    kind: 'sensor_status',
    node,
    sensor_status: { ...SAMPLE_EVENTS.sensor_status.sensor_status, ...over },
  });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-cp-metrics-'));
    nats = await NatsServer.start();
    nc = await connect({ servers: nats.url });
    await ensureStream(await nc.jetstreamManager(), natsConfig.stream, natsConfig.subject_prefix);
    hook = await new HttpReceiver().start();
    cp = await startControlPlane(
      parseConfig({
        server: { host: '127.0.0.1', port: 0 },
        store: { dataDir: dir },
        kubernetes: { enabled: false },
        nats: { servers: nats.url },
        incidents: { triage: { mode: 'offline' }, alerts: { sinks: [{ name: 'ops-hook', type: 'webhook', url: hook.url, retry_base_ms: 10 }] } },
      }),
    );
    cp.live.subscribe((m) => live.push(m));
  });

  afterAll(async () => {
    await cp?.close();
    await nc?.close();
    await nats?.stop();
    await hook?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('is served without a token in the Prometheus text format', async () => {
    const text = await scrape();
    expect(text).toContain('# TYPE vigil_ingest_requests_total counter');
    expect(text).toContain('# TYPE vigil_triage_duration_seconds histogram');
    // Collected from the store on scrape: every priority × state pair, zeros included.
    expect(sampleOf(text, 'vigil_incidents', { priority: 'P1', state: 'open' })).toBe(0);
  });

  it('counts an accepted webhook request and the Signals it became', async () => {
    const res = await fetch(`${cp.url}/webhook`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: readFileSync(fixturePath('webhooks', 'alertmanager_firing.json')) });
    expect(res.status).toBe(202);
    const bad = await fetch(`${cp.url}/webhook`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"not": "an alert"}' });
    expect(bad.status).toBeGreaterThanOrEqual(400);
    const text = await scrape();
    expect(sampleOf(text, 'vigil_ingest_requests_total', { endpoint: 'webhook', code: 'ACCEPTED' })).toBe(1);
    expect(text).toMatch(/vigil_ingest_requests_total\{endpoint="webhook",code="(?!ACCEPTED)[A-Z_]+"\} 1/);
    expect(sampleOf(text, 'vigil_ingest_signals_total', { source: 'webhook', adapter: 'alertmanager' })).toBeGreaterThan(0);
  });

  it('counts sensor events from NATS: AI calls with tokens and cost by provider, model, namespace and status class', async () => {
    await publish(SAMPLE_EVENTS.ai_call);
    await publish({ ...SAMPLE_EVENTS.ai_call, id: 'ai-429', ai_call: { ...SAMPLE_EVENTS.ai_call.ai_call, http: { status_code: 429 }, cost: {} } });
    const labels = { provider: 'openai', model: 'gpt-4o-mini-2024-07-18', namespace: 'shop' };
    const text = await until(async () => {
      const t = await scrape();
      return sampleOf(t, 'vigil_ai_calls_total', { ...labels, status_class: '4xx' }) === undefined ? undefined : t;
    }, 'both AI calls to be consumed');
    expect(sampleOf(text, 'vigil_ai_calls_total', { ...labels, status_class: '2xx' })).toBe(1);
    expect(sampleOf(text, 'vigil_ai_calls_total', { ...labels, status_class: '4xx' })).toBe(1);
    expect(sampleOf(text, 'vigil_ai_tokens_total', { ...labels, status_class: '2xx', direction: 'input' })).toBe(1284);
    expect(sampleOf(text, 'vigil_ai_cost_usd_total', { ...labels, status_class: '2xx' })).toBeCloseTo(0.000319, 9);
    expect(sampleOf(text, 'vigil_ai_cost_usd_total', { ...labels, status_class: '4xx' })).toBeUndefined();
    expect(sampleOf(text, 'vigil_sensor_events_rejected_total')).toBe(0);
    await nc.jetstream().publish(subjectFor(natsConfig.subject_prefix, 'node-x', 'ai_call'), new TextEncoder().encode('not protobuf'), { msgID: 'garbage-1' });
    await until(async () => ((sampleOf(await scrape(), 'vigil_sensor_events_rejected_total') ?? 0) === 1 ? true : undefined), 'the bad message to be counted');
    expect(sampleOf(text, 'vigil_sensor_events_total', { kind: 'ai_call', node: SAMPLE_EVENTS.ai_call.node })).toBe(2);
    expect(sampleOf(text, 'vigil_sensor_consumer_connected')).toBe(1);
    // The 429 became a Signal counted as coming from the sensor.
    expect(sampleOf(text, 'vigil_ingest_signals_total', { source: 'sensor', adapter: 'sensor' })).toBeGreaterThanOrEqual(2);
  });

  it('shows an incident by priority and state, its triage latency and its alert delivery', async () => {
    cp.acceptEvent({ ...SAMPLE_EVENTS.signal, id: 'crash-metrics-1', time: new Date().toISOString() });
    await waitFor(() => (hook.requests.length > 0 ? true : undefined), 'the alert to be delivered');
    await cp.incidents.engine.idle();
    const text = await scrape();
    const open = ['P1', 'P2', 'P3', 'P4'].reduce((n, priority) => n + (sampleOf(text, 'vigil_incidents', { priority, state: 'open' }) ?? 0), 0);
    expect(open).toBeGreaterThanOrEqual(1);
    expect(sampleOf(text, 'vigil_triage_duration_seconds_count', { mode: 'offline', result: 'offline' })).toBeGreaterThanOrEqual(1);
    expect(sampleOf(text, 'vigil_alerts_sent_total', { sink: 'ops-hook', type: 'webhook', event: 'trigger' })).toBeGreaterThanOrEqual(1);
  });

  it('serves GET /api/sensors from heartbeats received over NATS, and streams the change on the "sensor" topic', async () => {
    await publish(heartbeat('node-a', { losses: { ssl_read: 4 }, backlog: { events: 12, bytes: 3456, connected: true, publish_failures: 1 } }));
    await publish(heartbeat('node-b', { interval_s: 1 }));
    const sensors = await until(async () => {
      const { items } = (await (await fetch(`${cp.url}/api/sensors`)).json()) as { items: SensorHealth[] };
      return items.length === 2 ? items : undefined;
    }, 'both heartbeats to be consumed');
    expect(sensors.map((s) => s.node)).toEqual(['node-a', 'node-b']);
    expect(sensors[0]).toMatchObject({ version: '0.1.0', healthy: true, losses: { ssl_read: 4 }, lostTotal: 4, backlog: { events: 12, bytes: 3456 }, targets: 3, events: { ai_call: 1520 } });
    expect(live.filter((m) => m.topic === 'sensor').map((m) => (m.data as SensorHealth).node)).toEqual(expect.arrayContaining(['node-a', 'node-b']));
    // node-b beats every second: after three silent seconds it is unhealthy.
    await new Promise((r) => setTimeout(r, 3_100));
    cp.sensors.sweep();
    const b = ((await (await fetch(`${cp.url}/api/sensors`)).json()) as { items: SensorHealth[] }).items.find((s) => s.node === 'node-b');
    expect(b?.healthy).toBe(false);
    expect(live.some((m) => m.topic === 'sensor' && (m.data as SensorHealth).node === 'node-b' && !(m.data as SensorHealth).healthy)).toBe(true);
    // Heartbeats are health, not incidents.
    const incidents = await cp.incidents.engine.list();
    expect(incidents.flatMap((i) => i.timeline).filter((t) => t.attributes.eventKind === 'sensor_status')).toEqual([]);
  });
});
