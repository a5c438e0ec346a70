import { describe, expect, it } from 'vitest';
import { defaultAiCallOptions } from '../aicall.js';
import { aiCall, EVENT_GAP_MS, fixture, TTFB_MS, type ExchangeSpec } from './fixtures/exchange.js';
import type { ConnInfo } from './view.js';

const opts = defaultAiCallOptions();
const conn = { sni: 'generativelanguage.googleapis.com', port: 443 };

const call = (spec: ExchangeSpec, c: ConnInfo = conn) => aiCall(spec, c, opts);

describe('Gemini', () => {
  it('generateContent: model from the path, thoughts counted as output and reasoning, function calls', () => {
    const body = call({ path: '/v1beta/models/gemini-2.5-flash:generateContent', reqHeaders: { 'x-goog-api-key': 'AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY' }, reqBody: fixture('gemini/generate_request.json'), resBody: fixture('gemini/generate_response.json') });
    expect(body.provider).toBe('gemini');
    expect(body.endpoint).toBe('generateContent');
    expect(body.gen_ai).toEqual({
      system: 'gcp.gemini',
      operation: { name: 'generate_content' },
      request: { model: 'gemini-2.5-flash', stream: false, max_tokens: 512, temperature: 0.1 },
      response: { model: 'gemini-2.5-flash', id: 'kPQQaKbXDr6Mz7IPq5WZ6Ac', finish_reasons: ['STOP'] },
      usage: { input_tokens: 87, output_tokens: 21 + 67, reasoning_tokens: 67, total_tokens: 175 },
    });
    expect(body.tool_calls).toBe(1);
    expect(body.http?.request_headers?.['x-goog-api-key']).toBe('AIzaSyD…[REDACTED]');
    expect(body.cost?.usd).toBeCloseTo((87 * 0.3 + 88 * 2.5) / 1e6, 12);
  });

  it('streamGenerateContent with alt=sse: last usageMetadata wins, first text chunk is the first token', () => {
    const body = call({ path: '/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse&key=AIzaSyA1b2C3d4E5f6G7h8I9j0KlMnOpQrStUvW', reqBody: fixture('gemini/stream_request.json'), resBody: fixture('gemini/stream.sse'), sse: true });
    expect(body.endpoint).toBe('streamGenerateContent');
    expect(body.gen_ai?.request).toEqual({ model: 'gemini-2.0-flash', stream: true });
    expect(body.gen_ai?.response).toEqual({ model: 'gemini-2.0-flash', id: '4vQQaOzkA9yXmNAP2uGI6Qw', finish_reasons: ['STOP'] });
    expect(body.gen_ai?.usage).toEqual({ input_tokens: 6, output_tokens: 20, total_tokens: 26 });
    expect(body.timing?.first_token_ms).toBe(TTFB_MS + EVENT_GAP_MS);
    expect(body.http?.path).toBe('/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse&key=AIzaSyA…[REDACTED]');
  });

  it('streamGenerateContent without alt=sse: a JSON array of chunks', () => {
    const body = call({ path: '/v1beta/models/gemini-1.5-pro-002:streamGenerateContent', reqBody: fixture('gemini/stream_request.json'), resBody: fixture('gemini/stream_array.json') });
    expect(body.gen_ai?.request?.stream).toBe(true);
    expect(body.gen_ai?.response).toEqual({ model: 'gemini-1.5-pro-002', finish_reasons: ['STOP'] });
    expect(body.gen_ai?.usage).toEqual({ input_tokens: 9, output_tokens: 9, cached_input_tokens: 4, total_tokens: 18 });
  });

  it('embedContent', () => {
    const body = call({ path: '/v1beta/models/text-embedding-004:embedContent', reqBody: fixture('gemini/embed_request.json'), resBody: fixture('gemini/embed_response.json') });
    expect(body.gen_ai?.operation).toEqual({ name: 'embeddings' });
    expect(body.gen_ai?.request?.model).toBe('text-embedding-004');
    expect(body.gen_ai?.usage).toBeUndefined();
  });

  it('error status becomes the type', () => {
    const body = call({ path: '/v1beta/models/gemini-2.5-flash:generateContent', status: 400, reqBody: fixture('gemini/generate_request.json'), resBody: fixture('gemini/error_invalid_key.json') });
    expect(body.error).toEqual({ type: 'INVALID_ARGUMENT', message: 'API key not valid. Please pass a valid API key.' });
  });

  it('Vertex AI publisher model path', () => {
    const body = call(
      { path: '/v1/projects/ops-prod/locations/europe-west4/publishers/google/models/gemini-2.5-flash:generateContent', reqBody: fixture('gemini/generate_request.json'), resBody: fixture('gemini/generate_response.json') },
      { sni: 'europe-west4-aiplatform.googleapis.com' },
    );
    expect(body.provider).toBe('vertex_ai');
    expect(body.gen_ai?.system).toBe('gcp.vertex_ai');
    expect(body.gen_ai?.request?.model).toBe('gemini-2.5-flash');
    expect(body.gen_ai?.usage?.input_tokens).toBe(87);
  });
});
