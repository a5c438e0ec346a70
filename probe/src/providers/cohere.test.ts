import { describe, expect, it } from 'vitest';
import { defaultAiCallOptions } from '../aicall.js';
import { aiCall, EVENT_GAP_MS, fixture, TTFB_MS, type ExchangeSpec } from './fixtures/exchange.js';

const opts = defaultAiCallOptions();
const conn = { sni: 'api.cohere.com', port: 443 };

const call = (spec: ExchangeSpec) => aiCall(spec, conn, opts);

describe('Cohere', () => {
  it('v2 chat: processed tokens, finish reason, id', () => {
    const body = call({ path: '/v2/chat', reqBody: fixture('cohere/v2_chat_request.json'), resBody: fixture('cohere/v2_chat_response.json') });
    expect(body.provider).toBe('cohere');
    expect(body.endpoint).toBe('v2.chat');
    expect(body.gen_ai).toEqual({
      system: 'cohere',
      operation: { name: 'chat' },
      request: { model: 'command-a-03-2025', stream: false, max_tokens: 300, temperature: 0.3 },
      response: { id: 'c14c80c3-18eb-4519-9460-6c92edd8cfb4', finish_reasons: ['COMPLETE'] },
      usage: { input_tokens: 507, output_tokens: 16, total_tokens: 523 },
    });
    expect(body.cost?.usd).toBeCloseTo((507 * 2.5 + 16 * 10) / 1e6, 12);
  });

  it('v2 chat stream: message-end usage, tool-call-start counted and timed', () => {
    const body = call({ path: '/v2/chat', reqBody: fixture('cohere/v2_chat_stream_request.json'), resBody: fixture('cohere/v2_chat_stream.sse'), sse: true });
    expect(body.gen_ai?.request).toEqual({ model: 'command-r-plus-08-2024', stream: true });
    expect(body.gen_ai?.response).toEqual({ id: '29f14a5a-11de-4cae-9800-25e4747408ea', finish_reasons: ['TOOL_CALL'] });
    expect(body.gen_ai?.usage).toEqual({ input_tokens: 1180, output_tokens: 56, total_tokens: 1236 });
    expect(body.tool_calls).toBe(1);
    expect(body.timing?.first_token_ms).toBe(TTFB_MS + 3 * EVENT_GAP_MS);
  });

  it('v1 chat', () => {
    const body = call({ path: '/v1/chat', reqBody: fixture('cohere/v1_chat_request.json'), resBody: fixture('cohere/v1_chat_response.json') });
    expect(body.endpoint).toBe('v1.chat');
    expect(body.gen_ai?.response).toEqual({ id: 'a29d7f8b-9f3c-4d4e-8b0e-6a6f0e6f5d21', finish_reasons: ['COMPLETE'] });
    expect(body.gen_ai?.usage).toEqual({ input_tokens: 102, output_tokens: 19, total_tokens: 121 });
  });

  it('v1 chat NDJSON stream: stream-end carries the response', () => {
    const body = call({ path: '/v1/chat', reqBody: fixture('cohere/v1_chat_stream_request.json'), resHeaders: { 'content-type': 'application/stream+json' }, resBody: fixture('cohere/v1_chat_stream.ndjson') });
    expect(body.gen_ai?.request?.stream).toBe(true);
    expect(body.gen_ai?.response).toEqual({ id: '5b1c0e6a-2f3d-4e5f-8a9b-0c1d2e3f4a5b', finish_reasons: ['COMPLETE'] });
    expect(body.gen_ai?.usage).toEqual({ input_tokens: 69, output_tokens: 1, total_tokens: 70 });
  });

  it('v2 embed: billed input tokens', () => {
    const body = call({ path: '/v2/embed', reqBody: fixture('cohere/v2_embed_request.json'), resBody: fixture('cohere/v2_embed_response.json') });
    expect(body.gen_ai?.operation).toEqual({ name: 'embeddings' });
    expect(body.gen_ai?.request?.model).toBe('embed-english-v3.0');
    expect(body.gen_ai?.usage).toEqual({ input_tokens: 9, total_tokens: 9 });
  });

  it('errors', () => {
    const body = call({ path: '/v2/chat', status: 401, reqBody: fixture('cohere/v2_chat_request.json'), resBody: fixture('cohere/error_invalid_token.json') });
    expect(body.error).toEqual({ type: '401', message: 'invalid api token' });
  });
});
