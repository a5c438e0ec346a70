// Bad input on every ingest endpoint: >10,000 generated malformed bodies. None may crash the
// app, each must be a 4xx whose code and message name the problem, and the sink must see
// nothing from a rejected request.
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestApp, type TestApp } from './control-plane-ingest-helper.js';

const LIMIT = 16 * 1024;

interface Bad {
  url: string;
  headers: Record<string, string>;
  payload: string | Buffer;
  /** Acceptable [status, code] answers. */
  expect: Array<[number, string]>;
}

const URLS = ['/logs', '/webhook', '/webhook/alertmanager', '/webhook/pagerduty', '/webhook/victorops'];
const url = fc.constantFrom(...URLS);
const isLogs = (u: string) => u === '/logs';

// '{' with no '}' anywhere, on one line: never valid JSON.
const invalidJson = fc.string({ maxLength: 200 }).map((s) => `{${s.replace(/[}\r\n]/g, '')}`);
const invalidLines = fc.array(invalidJson, { minLength: 1, maxLength: 30 }).map((lines) => lines.join('\n'));
const scalar = fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.string({ maxLength: 50 }), fc.boolean(), fc.constant(null));
const wrongType = fc.oneof(scalar, fc.array(scalar, { maxLength: 10 })).map((v) => JSON.stringify(v));

const bad: fc.Arbitrary<Bad> = fc.oneof(
  fc.record({ url, body: invalidLines }).map(({ url, body }): Bad => ({
    url,
    headers: { 'content-type': 'application/json' },
    payload: body,
    expect: isLogs(url) ? [[400, 'NO_VALID_RECORDS']] : [[400, 'INVALID_JSON']],
  })),
  fc.record({ url, body: wrongType }).map(({ url, body }): Bad => ({
    url,
    headers: { 'content-type': 'application/json' },
    payload: body,
    expect: isLogs(url) ? [[400, 'NO_VALID_RECORDS'], [400, 'EMPTY_BODY']] : [[400, 'BODY_NOT_OBJECT']],
  })),
  fc.record({ url, extra: fc.nat(4096) }).map(({ url, extra }): Bad => ({
    url,
    headers: { 'content-type': 'application/json' },
    payload: `{"log":"${'x'.repeat(LIMIT + extra)}"}`,
    expect: [[413, 'FST_ERR_CTP_BODY_TOO_LARGE']],
  })),
  fc.record({ url, depth: fc.integer({ min: 40, max: 2500 }), arrays: fc.boolean() }).map(({ url, depth, arrays }): Bad => ({
    url,
    headers: { 'content-type': 'application/json' },
    payload: arrays ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`,
    expect: isLogs(url)
      ? [[400, 'NO_VALID_RECORDS']]
      : arrays
        ? [[400, 'BODY_NOT_OBJECT']]
        : [[400, 'NESTING_TOO_DEEP']],
  })),
  fc
    .record({ url, type: fc.constantFrom('application/xml', 'text/html', 'multipart/form-data; boundary=x', 'application/msgpack', 'image/png', 'application/octet-stream') })
    .map(({ url, type }): Bad => ({ url, headers: { 'content-type': type }, payload: '{"a":1}', expect: [[415, 'UNSUPPORTED_MEDIA_TYPE']] })),
  fc.record({ url, size: fc.integer({ min: 1, max: 512 }) }).map(({ url, size }): Bad => ({
    url,
    headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
    payload: randomBytes(size),
    expect: [[400, 'BAD_CONTENT_ENCODING']],
  })),
  fc.record({ url, encoding: fc.constantFrom('br', 'zstd', 'compress', 'snappy') }).map(({ url, encoding }): Bad => ({
    url,
    headers: { 'content-type': 'application/json', 'content-encoding': encoding },
    payload: '{"a":1}',
    expect: [[415, 'UNSUPPORTED_CONTENT_ENCODING']],
  })),
  // JSON objects of no known alerting system (webhooks only: any object is a valid log record).
  fc.record({ url: fc.constantFrom('/webhook', '/webhook/datadog', '/webhook/newrelic'), body: fc.dictionary(fc.string({ maxLength: 8 }), scalar, { maxKeys: 6 }) }).map(
    ({ url, body }): Bad => ({
      url,
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify(body),
      expect: url === '/webhook' ? [[422, 'UNKNOWN_PAYLOAD']] : [[422, 'WRONG_PAYLOAD']],
    }),
  ),
);

describe('ingest endpoints under malformed input', () => {
  let t: TestApp;
  let sent = 0;
  beforeAll(async () => {
    t = await ingestApp({ logs: { maxBodyBytes: LIMIT, maxInflatedBytes: LIMIT }, webhooks: { maxBodyBytes: LIMIT } });
  });
  afterAll(() => t.app.close());

  it('answers 10,000+ generated malformed bodies with a named 4xx and ingests nothing', async () => {
    await fc.assert(
      fc.asyncProperty(bad, async (req) => {
        sent++;
        const res = await t.app.inject({ method: 'POST', url: req.url, headers: req.headers, payload: req.payload });
        const body = res.json() as { statusCode: number; code: string; message: string };
        const got: [number, string] = [res.statusCode, body.code];
        expect(req.expect, `${req.url} ${JSON.stringify(req.headers)} → ${res.body.slice(0, 300)}`).toContainEqual(got);
        expect(body.statusCode).toBe(res.statusCode);
        expect(body.message.length).toBeGreaterThan(10);
      }),
      { numRuns: 10_500 },
    );
    expect(sent).toBeGreaterThanOrEqual(10_000);
    expect(t.batches).toBe(0);
    expect(t.received).toEqual([]);
    // The app still serves good requests afterwards.
    const ok = await t.app.inject({ method: 'POST', url: '/logs', headers: { 'content-type': 'application/json' }, payload: '{"log":"panic: after the storm"}' });
    expect(ok.statusCode).toBe(202);
    expect(t.received).toHaveLength(1);
    // ~10 s of CPU; the 2-core machine is shared, so wall time gets headroom.
  }, 180_000);
});
