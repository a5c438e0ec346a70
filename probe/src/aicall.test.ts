import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AiCall, Event } from '../../schema/event.js';
import { AiCallOptions, buildAiCall, defaultAiCallOptions } from './aicall.js';
import { exchange, fixture, MS, T0, TTFB_MS } from './providers/fixtures/exchange.js';

const opts = defaultAiCallOptions();
const openaiChat = () =>
  exchange({
    path: '/v1/chat/completions',
    reqHeaders: { authorization: `Bearer ${'sk-proj-' + 'N4xV8qLm2Rt6Yp0Kc3Wd7Hs1Jf5Gb9Za4Xe8Uo2Ti6Lr0Mq3Pn7Sv1Dw5Fy9Hc2Kg6Bj0Ae4'}` },
    reqBody: fixture('openai/chat_request.json'),
    resHeaders: { 'set-cookie': '__cf_bm=Zx1y2W3v4U5t6S7r8Q9p; path=/; HttpOnly', 'openai-processing-ms': '412', 'content-encoding': 'br' },
    resBody: fixture('openai/chat_response.json'),
  });
const conn = { sni: 'api.openai.com', port: 443 };

describe('buildAiCall: what gets reported', () => {
  it('non-AI HTTP is dropped by default', () => {
    const ex = exchange({ authority: 'payments.svc:8080', path: '/charge?card_token=tok_visa_4242', reqBody: '{"amount":1200}', resBody: '{"ok":true}' });
    expect(buildAiCall(ex, { peer: '10.0.0.5:8080' }, opts)).toBeNull();
  });

  it('with aiOnly off non-AI HTTP becomes an http_call with http, timing and server fields', () => {
    const o = AiCallOptions.parse({ aiOnly: false });
    const ex = exchange({ authority: 'payments.svc:8080', path: '/charge?card_token=tok_visa_4242&password=hunter22', reqBody: '{"amount":1200}', resBody: '{"ok":true}' });
    const built = buildAiCall(ex, { peer: '10.0.0.5:8080', library: 'openssl', connId: 'c9', fd: 4 }, o);
    expect(built?.kind).toBe('http_call');
    expect(built?.body).toEqual({
      server: { address: 'payments.svc', port: 8080, peer: '10.0.0.5:8080' },
      http: {
        version: '1.1',
        method: 'POST',
        path: '/charge?card_token=tok_visa_4242&password=h…[REDACTED]',
        host: 'payments.svc',
        status_code: 200,
        request_headers: { 'content-type': 'application/json', host: 'payments.svc:8080' },
        response_headers: { 'content-type': 'application/json' },
        request_bytes: 15,
        response_bytes: 11,
      },
      timing: { ttfb_ms: TTFB_MS, duration_ms: TTFB_MS + 50 },
      tls: { library: 'openssl', conn_id: 'c9', fd: 4 },
    });
  });

  it('server-side exchanges are ignored unless asked for', () => {
    const ex = { ...exchange({ authority: 'vllm.models.svc:8000', path: '/v1/chat/completions', reqBody: fixture('compatible/vllm_request.json'), resBody: fixture('compatible/vllm_response.json') }), role: 'server' as const };
    expect(buildAiCall(ex, {}, opts)).toBeNull();
    const built = buildAiCall(ex, {}, AiCallOptions.parse({ includeServerSide: true }));
    expect(built?.kind).toBe('ai_call');
    expect(built?.body.provider).toBe('openai_compatible');
  });
});

describe('buildAiCall: fields', () => {
  it('redacts headers and keeps the rest of the http part', () => {
    const body = buildAiCall(openaiChat(), conn, opts)!.body;
    expect(body.http?.request_headers).toEqual({ 'content-type': 'application/json', authorization: 'Bearer sk-proj-…[REDACTED]' });
    expect(body.http?.response_headers).toEqual({ 'content-type': 'application/json', 'set-cookie': '__cf_bm=…[REDACTED]', 'openai-processing-ms': '412', 'content-encoding': 'br' });
    expect(body.http?.content_encoding).toBe('br');
    expect(JSON.stringify(body)).not.toContain('N4xV8qLm2Rt6Yp0Kc3Wd7');
  });

  it('omits headers when header capture is off', () => {
    const body = buildAiCall(openaiChat(), conn, AiCallOptions.parse({ captureHeaders: false }))!.body;
    expect(body.http?.request_headers).toBeUndefined();
    expect(body.http?.response_headers).toBeUndefined();
  });

  it('converts the monotonic start to wall-clock time with the anchor', () => {
    const clock = { wallMs: Date.parse('2026-11-28T03:00:00.000Z'), monoNs: T0 - 1500 * MS };
    const body = buildAiCall(openaiChat(), conn, { ...opts, clock })!.body;
    expect(body.timing).toEqual({ start_time: '2026-11-28T03:00:01.500Z', ttfb_ms: TTFB_MS, duration_ms: TTFB_MS + 50 });
  });

  it('the body validates against the event schema', () => {
    const body = buildAiCall(openaiChat(), conn, opts)!.body;
    expect(AiCall.parse(body)).toEqual(body);
    const event = { id: 'e1', time: '2026-11-28T03:00:01.500Z', node: 'n1', kind: 'ai_call', ai_call: body };
    expect(Event.safeParse(event).success).toBe(true);
  });

  it('flags gaps, truncation and incomplete exchanges; a cut request body still yields the model', () => {
    const ex = exchange({ path: '/v1/chat/completions', reqBody: fixture('openai/chat_request.json').slice(0, 60), noResponse: true });
    ex.request.bodyTruncated = true;
    ex.request.wireBytes = 4096;
    ex.gap = true;
    ex.truncated = true;
    const body = buildAiCall(ex, conn, opts)!.body;
    expect(body).toMatchObject({ provider: 'openai', truncated: true, gap: true, incomplete: true });
    expect(body.gen_ai?.request?.model).toBe('gpt-4o-mini');
    expect(body.http?.status_code).toBeUndefined();
    expect(body.http?.request_bytes).toBe(4096);
    expect(body.error).toBeUndefined();
    expect(body.timing).toEqual({});
  });

  it('an HTTP error without a provider error body is typed by its status', () => {
    const ex = exchange({ path: '/v1/chat/completions', status: 502, reqBody: fixture('openai/chat_request.json'), resHeaders: { 'content-type': 'text/html' }, resBody: '<html>Bad Gateway</html>' });
    expect(buildAiCall(ex, conn, opts)!.body.error).toEqual({ type: '502' });
  });
});

describe('buildAiCall: content capture', () => {
  it('is off by default', () => {
    expect(buildAiCall(openaiChat(), conn, opts)!.body.content).toBeUndefined();
  });

  it('captures prompt and completion, redacted', () => {
    const ex = exchange({
      path: '/v1/chat/completions',
      reqBody: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: `my key is ${'sk-' + 'Ab3dEf5gHi7jKl9mNo1pQr3sTu5vWx7yZa9bCd1eFg3hIj5k'}, fix it` }] }),
      resBody: fixture('openai/chat_response.json'),
    });
    const body = buildAiCall(ex, conn, AiCallOptions.parse({ captureContent: true }))!.body;
    expect(body.content).toEqual({
      prompt: 'user: my key is sk-Ab3dE…[REDACTED], fix it',
      completion: 'The container exceeds its 256Mi memory limit; raise the limit or fix the leak.',
    });
  });

  it('caps each text at contentMaxBytes without splitting a character, and says so', () => {
    const ex = exchange({ path: '/v1/chat/completions', reqBody: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'ééééé' }] }), resBody: fixture('openai/chat_response.json') });
    const body = buildAiCall(ex, conn, AiCallOptions.parse({ captureContent: true, contentMaxBytes: 10 }))!.body;
    // "user: " is 6 bytes, each é is 2: 10 bytes hold two of them.
    expect(body.content).toEqual({ prompt: 'user: éé', completion: 'The contai', truncated: true });
  });

  it('captures streamed completions', () => {
    const ex = exchange({ path: '/v1/messages', reqHeaders: { 'anthropic-version': '2023-06-01' }, reqBody: fixture('anthropic/messages_stream_request.json'), resBody: fixture('anthropic/messages_stream.sse'), sse: true });
    const body = buildAiCall(ex, { sni: 'api.anthropic.com' }, AiCallOptions.parse({ captureContent: true }))!.body;
    expect(body.content).toEqual({ prompt: 'user: One-line summary of an OOMKilled pod.', completion: 'The container used more memory than its limit and the kernel killed it.' });
  });
});

describe('buildAiCall: hostile input', () => {
  const paths = ['/v1/chat/completions', '/v1/responses', '/v1/messages', '/v1beta/models/g:streamGenerateContent', '/model/m/converse-stream', '/model/m/invoke', '/v2/chat', '/v1/chat', '/api/chat', '/api/embed', '/x'];
  const hosts = ['api.openai.com', 'api.anthropic.com', 'generativelanguage.googleapis.com', 'bedrock-runtime.us-east-1.amazonaws.com', 'api.cohere.com', 'localhost:11434', 'odd.host'];
  const body = fc.oneof(
    fc.json().map((j) => new TextEncoder().encode(j)),
    fc.uint8Array({ maxLength: 300 }),
    fc.constantFrom(fixture('openai/chat_stream.sse'), fixture('anthropic/messages_response.json'), fixture('ollama/chat_stream.ndjson')).chain((t) => fc.nat(t.length).map((n) => new TextEncoder().encode(t.slice(0, n)))),
  );

  it('never throws and always yields a schema-valid body', () => {
    fc.assert(
      fc.property(fc.constantFrom(...paths), fc.constantFrom(...hosts), body, body, fc.integer({ min: 100, max: 599 }), fc.boolean(), (path, host, req, res, status, sse) => {
        const ex = exchange({ path, authority: host, reqBody: req, resBody: res, status, sse: false, resHeaders: sse ? { 'content-type': 'text/event-stream' } : {} });
        const built = buildAiCall(ex, {}, AiCallOptions.parse({ aiOnly: false, captureContent: true, contentMaxBytes: 64 }));
        expect(built).not.toBeNull();
        expect(AiCall.safeParse(built?.body).success).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

describe('AiCallOptions', () => {
  it('has safe defaults', () => {
    expect(opts).toMatchObject({ aiOnly: true, includeServerSide: false, captureContent: false, contentMaxBytes: 4096, captureHeaders: true });
    expect(opts.redaction).toMatchObject({ enabled: true, mode: 'mask' });
    expect(opts.pricing).toEqual({ builtin: true, models: [] });
    expect(opts.providers).toEqual({ endpoints: [], detectByShape: true });
  });

  it('rejects bad values with a clear error', () => {
    const r = AiCallOptions.safeParse({ contentMaxBytes: -1, redaction: { mode: 'rot13' } });
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => i.path.join('.'))).toEqual(['contentMaxBytes', 'redaction.mode']);
  });
});
