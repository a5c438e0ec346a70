import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { fixturePath, ingestApp, type TestApp } from './control-plane-ingest-helper.js';

const webhook = (name: string) => readFileSync(fixturePath('webhooks', name));
const logs = (name: string) => readFileSync(fixturePath('logs', name));
const json = { 'content-type': 'application/json' };

let t: TestApp | undefined;
afterEach(async () => {
  await t?.app.close();
  t = undefined;
});

describe('health', () => {
  it('answers /health and /ready, and 404 with a code elsewhere', async () => {
    t = await ingestApp();
    expect((await t.app.inject('/health')).json()).toEqual({ status: 'ok' });
    expect((await t.app.inject('/ready')).statusCode).toBe(200);
    const missing = await t.app.inject('/nope');
    expect(missing.statusCode).toBe(404);
    expect(missing.json().code).toBe('NOT_FOUND');
  });
});

describe('POST /webhook', () => {
  it.each([
    ['alertmanager_firing.json', 'alertmanager'],
    ['grafana_firing.json', 'grafana'],
    ['pagerduty_triggered.json', 'pagerduty'],
    ['datadog_triggered.json', 'datadog'],
    ['opsgenie_create.json', 'opsgenie'],
    ['victorops_recovery.json', 'victorops'],
    ['newrelic_activated.json', 'newrelic'],
  ])('detects %s as %s and hands its signals to the sink', async (file, adapter) => {
    t = await ingestApp();
    const res = await t.app.inject({ method: 'POST', url: '/webhook', headers: json, payload: webhook(file) });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({ adapter, accepted: 1 });
    expect(t.received.map((s) => s.adapter)).toEqual([adapter]);
    expect(res.json().ids).toEqual([t.received[0]!.id]);
  });

  it('accepts the form-encoded VictorOps escalation webhook', async () => {
    t = await ingestApp();
    const res = await t.app.inject({
      method: 'POST',
      url: '/webhook',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: webhook('victorops_critical.form'),
    });
    expect(res.statusCode).toBe(202);
    expect(t.received[0]).toMatchObject({ adapter: 'victorops', resource: { namespace: 'shop' } });
  });

  it('/webhook/<adapter> skips detection and refuses a body of another system', async () => {
    t = await ingestApp();
    const ok = await t.app.inject({ method: 'POST', url: '/webhook/Grafana', headers: json, payload: webhook('grafana_firing.json') });
    expect(ok.statusCode).toBe(202);
    const wrong = await t.app.inject({ method: 'POST', url: '/webhook/grafana', headers: json, payload: webhook('alertmanager_firing.json') });
    expect(wrong.statusCode).toBe(422);
    expect(wrong.json()).toMatchObject({ code: 'WRONG_PAYLOAD' });
    expect(wrong.json().message).toMatch(/not a grafana payload/);
    expect(t.received).toHaveLength(1);
  });

  it('ENABLED_ADAPTERS: a disabled adapter answers 404 naming the enabled ones', async () => {
    t = await ingestApp({ webhooks: { enabledAdapters: 'Alertmanager,pagerduty' } });
    const res = await t.app.inject({ method: 'POST', url: '/webhook/grafana', headers: json, payload: webhook('grafana_firing.json') });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ code: 'ADAPTER_NOT_ENABLED', enabled: ['alertmanager', 'pagerduty'] });
    expect(res.json().message).toMatch(/enabled adapters: alertmanager, pagerduty/);
    // Auto-detection ignores disabled adapters too.
    const auto = await t.app.inject({ method: 'POST', url: '/webhook', headers: json, payload: webhook('grafana_firing.json') });
    expect(auto.statusCode).toBe(422);
    expect(t.received).toEqual([]);
  });

  it('an unknown shape gets 422 naming each adapter and what it expected', async () => {
    t = await ingestApp();
    const res = await t.app.inject({ method: 'POST', url: '/webhook', headers: json, payload: { hello: 'world' } });
    expect(res.statusCode).toBe(422);
    const body = res.json();
    expect(body.code).toBe('UNKNOWN_PAYLOAD');
    expect(Object.keys(body.expected)).toEqual(['alertmanager', 'grafana', 'pagerduty', 'datadog', 'opsgenie', 'victorops', 'newrelic']);
    expect(body.message).toMatch(/alertmanager \(an object with an "alerts" array/);
  });

  it('checks a per-adapter bearer token in constant time and without ingesting on failure', async () => {
    t = await ingestApp({ webhooks: { auth: { alertmanager: { token: 's3cret-token' } } } });
    const payload = webhook('alertmanager_firing.json');
    const none = await t.app.inject({ method: 'POST', url: '/webhook', headers: json, payload });
    expect(none.statusCode).toBe(401);
    expect(none.json().message).toMatch(/requires Authorization: Bearer/);
    const bad = await t.app.inject({ method: 'POST', url: '/webhook', headers: { ...json, authorization: 'Bearer nope' }, payload });
    expect(bad.statusCode).toBe(401);
    expect(t.received).toEqual([]);
    const good = await t.app.inject({ method: 'POST', url: '/webhook', headers: { ...json, authorization: 'Bearer s3cret-token' }, payload });
    expect(good.statusCode).toBe(202);
    // Other adapters stay open.
    const other = await t.app.inject({ method: 'POST', url: '/webhook', headers: json, payload: webhook('grafana_firing.json') });
    expect(other.statusCode).toBe(202);
  });

  it('verifies X-PagerDuty-Signature over the raw body (v1=, several during rotation)', async () => {
    t = await ingestApp({ webhooks: { auth: { pagerduty: { hmacSecret: 'pd-signing-secret' } } } });
    const payload = webhook('pagerduty_triggered.json');
    const sig = createHmac('sha256', 'pd-signing-secret').update(payload).digest('hex');
    const send = (signature?: string) =>
      t!.app.inject({ method: 'POST', url: '/webhook/pagerduty', headers: { ...json, ...(signature && { 'x-pagerduty-signature': signature }) }, payload });
    expect((await send()).json().message).toMatch(/missing x-pagerduty-signature/);
    expect((await send(`v1=${'0'.repeat(64)}`)).statusCode).toBe(401);
    expect((await send(`v1=${'f'.repeat(64)},v1=${sig}`)).statusCode).toBe(202);
    // The signature covers the bytes: the same JSON re-serialised does not pass.
    const reserialised = JSON.stringify(JSON.parse(payload.toString()));
    const res = await t.app.inject({ method: 'POST', url: '/webhook', headers: { ...json, 'x-pagerduty-signature': `v1=${sig}` }, payload: reserialised });
    expect(res.statusCode).toBe(401);
    expect(t.received).toHaveLength(1);
  });

  it('verifies a generic HMAC header where configured', async () => {
    t = await ingestApp({ webhooks: { auth: { datadog: { hmacSecret: 'dd-key', hmacHeader: 'X-Signature' } } } });
    const payload = webhook('datadog_triggered.json');
    const sig = createHmac('sha256', 'dd-key').update(payload).digest('hex');
    const bad = await t.app.inject({ method: 'POST', url: '/webhook', headers: { ...json, 'x-signature': 'sha256=abc' }, payload });
    expect(bad.statusCode).toBe(401);
    const good = await t.app.inject({ method: 'POST', url: '/webhook', headers: { ...json, 'x-signature': `sha256=${sig}` }, payload });
    expect(good.statusCode).toBe(202);
  });

  it('accepts a gzip body and refuses oversize bodies with 413', async () => {
    t = await ingestApp({ webhooks: { maxBodyBytes: 4096 } });
    const gz = await t.app.inject({
      method: 'POST',
      url: '/webhook',
      headers: { ...json, 'content-encoding': 'gzip' },
      payload: gzipSync(webhook('alertmanager_firing.json')),
    });
    expect(gz.statusCode).toBe(202);
    const big = await t.app.inject({ method: 'POST', url: '/webhook', headers: json, payload: JSON.stringify({ pad: 'x'.repeat(5000) }) });
    expect(big.statusCode).toBe(413);
    const bomb = await t.app.inject({
      method: 'POST',
      url: '/webhook',
      headers: { ...json, 'content-encoding': 'gzip' },
      payload: gzipSync(JSON.stringify({ pad: 'x'.repeat(100_000) })),
    });
    expect(bomb.statusCode).toBe(413);
    expect(bomb.json().code).toBe('INFLATED_BODY_TOO_LARGE');
    expect(t.received).toHaveLength(1);
  });
});

describe('POST /logs', () => {
  it.each([
    ['fluentd_ndjson.ndjson', 'application/x-ndjson', 3, 2],
    ['fluentbit_json.json', 'application/json', 2, 1],
    ['fluentbit_json_lines.ndjson', 'application/x-ndjson', 2, 1],
    ['fluentbit_json_stream.txt', 'application/json', 2, 1],
    ['fluentd_single.json', 'application/json', 1, 1],
  ])('%s (%s): %i lines accepted, %i signals', async (file, type, accepted, signals) => {
    t = await ingestApp();
    const res = await t.app.inject({ method: 'POST', url: '/logs', headers: { 'content-type': type }, payload: logs(file) });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ accepted, rejected: 0, signals, errors: [] });
    expect(t.received).toHaveLength(signals);
  });

  it('gzip-encoded bodies', async () => {
    t = await ingestApp();
    const res = await t.app.inject({
      method: 'POST',
      url: '/logs',
      headers: { 'content-type': 'application/x-ndjson', 'content-encoding': 'gzip' },
      payload: gzipSync(logs('fluentd_ndjson.ndjson')),
    });
    expect(res.json()).toMatchObject({ accepted: 3, signals: 2 });
  });

  it('partial batch: good lines ingested, bad ones counted and listed by line number', async () => {
    t = await ingestApp();
    const res = await t.app.inject({ method: 'POST', url: '/logs', headers: { 'content-type': 'application/x-ndjson' }, payload: logs('batch_with_malformed.ndjson') });
    expect(res.statusCode).toBe(202);
    const body = res.json();
    expect(body).toMatchObject({ accepted: 3, rejected: 2, signals: 2 });
    expect(body.errors.map((e: { line: number }) => e.line)).toEqual([2, 4]);
    expect(t.received).toHaveLength(2);
    const metrics = await t.app.ingest.registry.getSingleMetricAsString('vigil_ingest_log_lines_total');
    expect(metrics).toMatch(/result="accepted"} 3/);
    expect(metrics).toMatch(/result="rejected"} 2/);
  });

  it('a batch with no good line is a 400 that lists the errors, and ingests nothing', async () => {
    t = await ingestApp();
    const res = await t.app.inject({ method: 'POST', url: '/logs', headers: json, payload: '{"a":\n[1,2]\n' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'NO_VALID_RECORDS', accepted: 0, rejected: 2 });
    expect(res.json().message).toMatch(/line 1: invalid JSON/);
    expect(t.batches).toBe(0);
  });

  it('415 for a wrong content type, 413 for a body over the limit, 401 without the token', async () => {
    t = await ingestApp({ logs: { maxBodyBytes: 1000, token: 'log-token' } });
    const auth = { authorization: 'Bearer log-token' };
    const type = await t.app.inject({ method: 'POST', url: '/logs', headers: { ...auth, 'content-type': 'application/xml' }, payload: '<log/>' });
    expect(type.statusCode).toBe(415);
    expect(type.json().message).toMatch(/content-type application\/xml is not accepted/);
    const big = await t.app.inject({ method: 'POST', url: '/logs', headers: { ...auth, ...json }, payload: `{"log":"${'x'.repeat(2000)}"}` });
    expect(big.statusCode).toBe(413);
    const anon = await t.app.inject({ method: 'POST', url: '/logs', headers: json, payload: '{"log":"panic: x"}' });
    expect(anon.statusCode).toBe(401);
    expect(t.received).toEqual([]);
  });
});

describe('app composition', () => {
  it('registers further routes given as plugins, with JSON parsing of their own', async () => {
    const { buildApp } = await import('../control-plane/src/app.js');
    const { parseConfig } = await import('../control-plane/src/config.js');
    const app = await buildApp({
      config: parseConfig({}),
      sink: { accept() {} },
      ready: () => false,
      plugins: async (api) => {
        api.post('/api/echo', async (req) => ({ got: req.body }));
      },
    });
    const res = await app.inject({ method: 'POST', url: '/api/echo', headers: json, payload: { a: 1 } });
    expect(res.json()).toEqual({ got: { a: 1 } });
    expect((await app.inject('/ready')).statusCode).toBe(503);
    await app.close();
  });
});
