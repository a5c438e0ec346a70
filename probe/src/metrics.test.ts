import { afterEach, describe, expect, it } from 'vitest';
import { sampleOf } from '../../test/helpers/prom-text.js';
import { sensorRegistry } from './metrics.js';
import { MetricsListenError, startMetricsServer, type MetricsServer } from './metrics-server.js';
import { sampleStatus } from './fixtures/status.js';
import type { AgentStatus } from './status.js';

let server: MetricsServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('sensor metrics', () => {
  it('are read from the status snapshot at each scrape: events, probe losses, ring batches, targets, JSONL bytes, NATS backlog', async () => {
    let status: AgentStatus = sampleStatus();
    const registry = sensorRegistry(() => status, { nats: true });
    const text = await registry.metrics();
    expect(sampleOf(text, 'vigil_sensor_info', { node: 'node-a', version: '0.1.0' })).toBe(1);
    expect(sampleOf(text, 'vigil_sensor_events_total', { kind: 'ai_call' })).toBe(12);
    expect(sampleOf(text, 'vigil_sensor_probe_records_total', { probe: 'ssl_read' })).toBe(80);
    expect(sampleOf(text, 'vigil_sensor_probe_lost_total', { probe: 'ssl_read' })).toBe(3);
    expect(sampleOf(text, 'vigil_sensor_user_lost_total', { stage: 'decode' })).toBe(1);
    expect(sampleOf(text, 'vigil_sensor_user_lost_total', { stage: 'sink' })).toBe(2);
    expect(sampleOf(text, 'vigil_sensor_ring_batches_total')).toBe(33);
    expect(sampleOf(text, 'vigil_sensor_targets_attached')).toBe(1);
    expect(sampleOf(text, 'vigil_sensor_targets_excluded')).toBe(1);
    expect(sampleOf(text, 'vigil_sensor_jsonl_bytes_written_total')).toBe(20_480);
    expect(sampleOf(text, 'vigil_sensor_nats_backlog_events')).toBe(7);
    expect(sampleOf(text, 'vigil_sensor_nats_backlog_bytes')).toBe(3_145_728);
    expect(sampleOf(text, 'vigil_sensor_nats_connected')).toBe(0);
    expect(sampleOf(text, 'vigil_sensor_nats_publish_failures_total')).toBe(4);
    expect(text).toContain('# TYPE vigil_sensor_events_total counter');
    expect(text).toContain('# TYPE vigil_sensor_nats_backlog_events gauge');

    // The next scrape shows the next snapshot, not a sum of the two.
    status = sampleStatus({ events: { ai_call: 13 } });
    expect(sampleOf(await registry.metrics(), 'vigil_sensor_events_total', { kind: 'ai_call' })).toBe(13);
    expect(sampleOf(await registry.metrics(), 'vigil_sensor_events_total', { kind: 'ai_call' })).toBe(13);
  });

  it('have no NATS series when NATS is not configured', async () => {
    const text = await sensorRegistry(() => sampleStatus({ nats: undefined }), { nats: false }).metrics();
    expect(sampleOf(text, 'vigil_sensor_events_total', { kind: 'ai_call' })).toBe(12);
    expect(text).not.toContain('vigil_sensor_nats_');
  });

  it('are served over HTTP on GET /metrics; any other path is 404', async () => {
    server = await startMetricsServer(sensorRegistry(() => sampleStatus(), { nats: true }), { address: '127.0.0.1', port: 0 });
    const res = await fetch(server.url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(sampleOf(await res.text(), 'vigil_sensor_nats_backlog_events')).toBe(7);
    expect((await fetch(server.url.replace('/metrics', '/secrets'))).status).toBe(404);
  });

  it('fails to start with the address named when the port is taken', async () => {
    server = await startMetricsServer(sensorRegistry(() => sampleStatus(), { nats: true }), { address: '127.0.0.1', port: 0 });
    const port = Number(new URL(server.url).port);
    await expect(startMetricsServer(sensorRegistry(() => sampleStatus(), { nats: true }), { address: '127.0.0.1', port })).rejects.toThrow(MetricsListenError);
    await expect(startMetricsServer(sensorRegistry(() => sampleStatus(), { nats: true }), { address: '127.0.0.1', port })).rejects.toThrow(
      new RegExp(`metrics endpoint cannot listen on 127\\.0\\.0\\.1:${port}: .*EADDRINUSE`),
    );
  });
});
