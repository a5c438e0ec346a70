// Conformance: the held-out corpus of real payloads (../shared/corpus, outside the
// repository). Detection must pick the system the file name says, never two, and the
// parsed fields must match what the files carry. Skips loudly without the corpus; fails in CI.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { frameRecords } from '../control-plane/src/ingest/logs/frame.js';
import { readLogRecord } from '../control-plane/src/ingest/logs/record.js';
import { detectAdapters, WEBHOOK_ADAPTER_NAMES, type WebhookAdapterName } from '../control-plane/src/ingest/webhooks/index.js';
import type { Resource, Signal } from '../control-plane/src/signal.js';
import { ingestApp, type TestApp } from './control-plane-ingest-helper.js';

const corpus = join(fileURLToPath(new URL('..', import.meta.url)), '..', 'shared', 'corpus');
const present = existsSync(join(corpus, 'webhooks')) && existsSync(join(corpus, 'logs'));
if (!present) console.warn(`\n!!! control-plane ingest conformance SKIPPED: no corpus at ${corpus}\n`);

it('conformance corpus is present (required in CI)', () => {
  if (process.env.CI === 'true') expect(present, `corpus missing at ${corpus}`).toBe(true);
});

const PREFIX: Array<[RegExp, WebhookAdapterName]> = [
  [/^alertmanager_/, 'alertmanager'],
  [/^grafana_/, 'grafana'],
  [/^pagerduty_/, 'pagerduty'],
  [/^datadog_/, 'datadog'],
  [/^opsgenie_/, 'opsgenie'],
  [/^(victorops|splunk_oncall)_/, 'victorops'],
  [/^newrelic_/, 'newrelic'],
];
const systemOf = (file: string) => PREFIX.find(([re]) => re.test(file))?.[1];

/** A recorded HTTP request (.http) or a bare JSON body. */
function request(file: string): { contentType: string; body: Buffer } {
  const bytes = readFileSync(join(corpus, 'webhooks', file));
  if (!file.endsWith('.http')) return { contentType: 'application/json', body: bytes };
  const text = bytes.toString('utf8');
  const split = text.search(/\r?\n\r?\n/);
  const head = text.slice(0, split);
  const contentType = /^content-type:\s*(.+)$/im.exec(head)?.[1]?.trim() ?? 'application/octet-stream';
  return { contentType, body: Buffer.from(text.slice(split).replace(/^\r?\n\r?\n/, '').trimEnd()) };
}

interface Expected {
  status: Signal['status'];
  severity: Signal['severity'];
  reason: string;
  fingerprint?: string;
  resource?: Resource;
  time?: string;
}

// Read off the files by hand.
const WEBHOOKS: Record<string, Expected[]> = {
  'alertmanager_v4_firing_k8s_CPUThrottlingHigh_nudgebee.json': [
    {
      status: 'firing',
      severity: 'info',
      reason: 'CPUThrottlingHigh',
      fingerprint: '1e6df20d7ad22b17',
      time: '2025-04-14T15:24:15.000Z',
      resource: { cluster: 'cluster-name', namespace: 'victoria', pod: 'vmalertmanager-victoria-victoria-metrics-k8s-stack-0', container: 'alertmanager' },
    },
  ],
  'alertmanager_v4_firing_raw_body_alertmanager_issue2447.json': [
    { status: 'firing', severity: 'critical', reason: 'DemoAlert', fingerprint: '8a07086b74f3ba78', time: '2021-01-07T08:38:00.032Z', resource: {} },
  ],
  'alertmanager_v4_firing_zulip.json': [
    { status: 'firing', severity: 'critical', reason: 'High CPU Temperature', fingerprint: 'a1bc48475b20e73d', resource: { node: 'andromeda' } },
    { status: 'firing', severity: 'critical', reason: 'High CPU Temperature', fingerprint: 'c2ea85182f28cbd9', resource: { node: 'andromeda' } },
  ],
  'alertmanager_v4_mixed_firing_resolved_alertmanager_issue1051.json': [
    { status: 'firing', severity: 'error', reason: 'ServerStop', time: '2017-10-21T17:50:17.160Z' },
    { status: 'resolved', severity: 'error', reason: 'ServerStop', time: '2017-10-21T17:50:28.806Z' },
  ],
  'alertmanager_v4_resolved_zulip.json': [{ status: 'resolved', severity: 'critical', reason: 'High CPU Temperature', fingerprint: 'a1bc48475b20e73d' }],
  'datadog_webhook_default_payload_recovered_nudgebee.json': [
    {
      status: 'resolved',
      severity: 'error',
      reason: 'New issue to review',
      fingerprint: 'monitor:8249055:issue.id:655bd304-5322-11f0-80d4-da7ad0900000',
      time: '2025-06-29T05:24:15.000Z',
    },
  ],
  'datadog_webhook_default_payload_triggered_nudgebee.json': [
    {
      status: 'firing',
      severity: 'critical',
      reason: 'CPU usage is high for host k3s-example-node-pool-a6e3h',
      fingerprint: 'monitor:8248529:host:k3s-example-node-pool-a6e3h',
      time: '2025-06-27T06:50:29.000Z',
    },
  ],
  'grafana_alerting_webhook_firing_docs.json': [
    { status: 'firing', severity: 'error', reason: 'High memory usage', fingerprint: 'c6eadffa33fcdf37', time: '2021-10-12T07:51:03.157Z' },
    { status: 'firing', severity: 'error', reason: 'High CPU usage', fingerprint: 'bc97ff14869b13e3', time: '2021-10-12T07:56:03.157Z' },
  ],
  'grafana_alerting_webhook_firing_grafana-alerting-test.json': [{ status: 'firing', severity: 'error', reason: 'alert1', fingerprint: 'fac0861a85de433a' }],
  'grafana_alerting_webhook_firing_grafana12_keep.CONVERTED.json': [
    { status: 'firing', severity: 'error', reason: 'TestAlert', fingerprint: 'c4edaaf9f9f839b0', time: '2026-05-05T13:04:57.622Z' },
  ],
  'grafana_alerting_webhook_resolved_grafana9_zulip.json': [
    { status: 'resolved', severity: 'error', reason: 'Test alert', fingerprint: 'd8a21484c9c25a60', time: '2022-06-17T00:51:24.067Z' },
  ],
  'newrelic_workflow_webhook_activated_default_payload_zulip.json': [
    { status: 'firing', severity: 'critical', reason: 'Zulip Server Low Storage', fingerprint: 'c5faa7e6-7b54-402d-af79-f99601e0278c', resource: { service: 'zulip_app' } },
  ],
  'newrelic_workflow_webhook_activated_real_nudgebee.json': [
    {
      status: 'firing',
      severity: 'critical',
      reason: 'sample alert for nudgebee webhook test',
      fingerprint: '98441886-dfc8-4090-afc2-bfd7a1ac8e59',
      resource: { service: 'services-server' },
    },
  ],
  'newrelic_workflow_webhook_closed_default_payload_zulip.json': [
    { status: 'resolved', severity: 'critical', reason: 'High CPU', fingerprint: '95a9344a-2590-48ce-8d83-07e28b6d22c6', time: '2024-04-22T06:17:37.383Z' },
  ],
  'opsgenie_create_zulip.json': [{ status: 'firing', severity: 'warning', reason: 'another alert', fingerprint: 'alert-alias', time: '2017-08-14T11:25:56.288Z' }],
  'pagerduty_v3_incident_priority_updated_docs.json': [
    { status: 'firing', severity: 'critical', reason: 'A little bump in the road', fingerprint: 'PGR0VU2', resource: { service: 'API Service' } },
  ],
  'pagerduty_v3_incident_triggered_events_api_nudgebee.json': [
    {
      status: 'firing',
      severity: 'error',
      reason: 'up rule triggered on nn ',
      fingerprint: 'QEXAMPLE1',
      resource: { cluster: 'cluster-name', namespace: 'nudgebee-agent', pod: 'nudgebee-agent-75z6k', container: 'node-agent', service: 'Test-Service' },
    },
  ],
  'pagerduty_v3_incident_triggered_zulip.json': [
    { status: 'firing', severity: 'error', reason: 'Test Incident 3', fingerprint: 'PFQZPSY', time: '2021-06-04T13:35:29.781Z', resource: { service: 'pig208' } },
  ],
  'splunk_oncall_outbound_webhook_event_resolved_relay.json': [
    { status: 'resolved', severity: 'info', reason: 'Incident 12', fingerprint: 'c7d16822-6eeb-4988-8b04-49942f971559' },
  ],
  'splunk_oncall_outbound_webhook_raw_payload_critical_relay.json': [
    { status: 'firing', severity: 'critical', reason: 'Incident 9', fingerprint: 'bae7a0fc-42b6-45cc-9bff-5b1719c96c91' },
  ],
  'victorops_escalation_webhook_raw_http_form_urlencoded_relay.http': [
    { status: 'firing', severity: 'critical', reason: 'Testing to localhost', fingerprint: '03890e97-15e8-4b2c-8241-e4f646a95c4b', time: '2020-10-12T18:32:41.967Z' },
  ],
};

describe.skipIf(!present)('conformance: corpus webhooks', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await ingestApp();
  });
  afterAll(() => t.app.close());
  const files = present ? readdirSync(join(corpus, 'webhooks')).sort() : [];

  it('every corpus file has an expectation here', () => {
    expect(files).toEqual(Object.keys(WEBHOOKS).sort());
  });

  it.each(files)('%s: detected as the named system only, fields as in the file', async (file) => {
    const system = systemOf(file);
    expect(system, `no system named in ${file}`).toBeDefined();
    const { contentType, body } = request(file);
    const value = contentType.includes('form') ? Object.fromEntries(new URLSearchParams(body.toString())) : JSON.parse(body.toString());
    expect(detectAdapters(value, WEBHOOK_ADAPTER_NAMES).map((a) => a.name)).toEqual([system]);

    const before = t.received.length;
    const res = await t.app.inject({ method: 'POST', url: '/webhook', headers: { 'content-type': contentType }, payload: body });
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json().adapter).toBe(system);
    const signals = t.received.slice(before);
    const expected = WEBHOOKS[file]!;
    expect(signals).toHaveLength(expected.length);
    signals.forEach((s, i) => {
      const e = expected[i]!;
      expect(s.adapter).toBe(system);
      expect({ status: s.status, severity: s.severity, reason: s.reason }).toEqual({ status: e.status, severity: e.severity, reason: e.reason });
      expect(s.sourceFingerprint).toBe(e.fingerprint);
      if (e.time) expect(s.time).toBe(e.time);
      if (e.resource) expect(s.resource).toEqual(e.resource);
    });
  });
});

interface LogExpected {
  shipper: 'fluentd' | 'fluentbit';
  records: number;
  resource?: Resource;
  labels?: Record<string, string>;
  time?: string;
}

const K8S_FLUENTD: Resource = {
  namespace: 'default',
  pod: 'fabric8-console-controller-98rqc',
  container: 'fabric8-console-container',
  node: 'jimmi-redhat.localnet',
};
const K8S_FLUENTBIT: Resource = {
  namespace: 'core',
  pod: 'base-with-namespace-labels-and-annotations',
  container: 'fluent-bit',
  node: 'ip-10-49-18-80.eu-west-1.compute.internal',
};

const LOGS: Record<string, LogExpected> = {
  'fluentbit_docs_output_format_json.json': { shipper: 'fluentbit', records: 3, time: '2014-04-23T19:41:31.000Z' },
  'fluentbit_kubernetes_filter_record.out': { shipper: 'fluentbit', records: 1, resource: K8S_FLUENTBIT, labels: { 'app.kubernetes.io/name': 'fluent-bit' }, time: '2019-04-01T17:58:33.598Z' },
  'fluentbit_out_http_body_json.json': { shipper: 'fluentbit', records: 2 },
  'fluentbit_out_http_body_json_k8s.DERIVED.json': { shipper: 'fluentbit', records: 1, resource: K8S_FLUENTBIT, labels: { 'app.kubernetes.io/name': 'fluent-bit' } },
  'fluentbit_out_http_body_json_lines.ndjson': { shipper: 'fluentbit', records: 2 },
  'fluentbit_out_http_body_json_stream.txt': { shipper: 'fluentbit', records: 2 },
  'fluentd_kubernetes_metadata_filter_record.json': { shipper: 'fluentd', records: 1, resource: K8S_FLUENTD, labels: { component: 'fabric8Console' }, time: '2015-05-08T09:22:01.000Z' },
  'fluentd_kubernetes_metadata_filter_record_annotations.json': { shipper: 'fluentd', records: 1, resource: K8S_FLUENTD, labels: { component: 'fabric8Console' } },
  'fluentd_out_http_body_json_array.DERIVED.json': { shipper: 'fluentd', records: 2, resource: K8S_FLUENTD },
  'fluentd_out_http_body_ndjson.DERIVED.ndjson': { shipper: 'fluentd', records: 2, resource: K8S_FLUENTD },
  'fluentd_out_http_body_ndjson_captured_fluentd_issue2909.ndjson': { shipper: 'fluentd', records: 2, resource: {} },
};

describe.skipIf(!present)('conformance: corpus logs', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await ingestApp();
  });
  afterAll(() => t.app.close());
  const files = present ? readdirSync(join(corpus, 'logs')).sort() : [];

  it('every corpus file has an expectation here', () => {
    expect(files).toEqual(Object.keys(LOGS).sort());
  });

  it.each(files)('%s: framed, attributed to the named shipper, Kubernetes fields read', async (file) => {
    const e = LOGS[file]!;
    expect(file.startsWith(e.shipper)).toBe(true);
    const text = readFileSync(join(corpus, 'logs', file), 'utf8');
    const framed = frameRecords(text);
    expect(framed.errors).toEqual([]);
    expect(framed.records).toHaveLength(e.records);
    const records = framed.records.map((r) => readLogRecord(r.value));
    for (const r of records) {
      expect(r.shipper).toBe(e.shipper);
      if (e.resource) expect(r.resource).toEqual(e.resource);
      if (e.labels) expect(r.labels).toEqual(e.labels);
    }
    if (e.time) expect(records[0]!.time).toBe(e.time);

    const res = await t.app.inject({ method: 'POST', url: '/logs', headers: { 'content-type': 'application/json' }, payload: text });
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json()).toMatchObject({ accepted: e.records, rejected: 0 });
  });
});
