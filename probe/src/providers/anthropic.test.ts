import { describe, expect, it } from 'vitest';
import { defaultAiCallOptions } from '../aicall.js';
import { aiCall, EVENT_GAP_MS, fixture, TTFB_MS, type ExchangeSpec } from './fixtures/exchange.js';
import type { ConnInfo } from './view.js';

const opts = defaultAiCallOptions();
const conn = { sni: 'api.anthropic.com', port: 443 };
const headers = { 'anthropic-version': '2023-06-01', 'x-api-key': 'sk-ant-api03-Qm9vYmFyQmF6UXV4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eA-AAAAAA' };

const call = (spec: ExchangeSpec, c: ConnInfo = conn) => aiCall({ reqHeaders: headers, ...spec }, c, opts);

describe('Anthropic messages', () => {
  it('reads a tool_use response with cache reads counted into input', () => {
    const body = call({ path: '/v1/messages', reqBody: fixture('anthropic/messages_request.json'), resBody: fixture('anthropic/messages_response.json') });
    expect(body.provider).toBe('anthropic');
    expect(body.endpoint).toBe('messages');
    expect(body.gen_ai).toEqual({
      system: 'anthropic',
      operation: { name: 'chat' },
      request: { model: 'claude-sonnet-4-20250514', stream: false, max_tokens: 1024, temperature: 0.3 },
      response: { model: 'claude-sonnet-4-20250514', id: 'msg_01XgVYxVqP6xZ3uY8Jm4bQ2r', finish_reasons: ['tool_use'] },
      usage: { input_tokens: 412 + 2048, output_tokens: 71, cached_input_tokens: 2048, total_tokens: 412 + 2048 + 71 },
    });
    expect(body.tool_calls).toBe(1);
    expect(body.cost?.usd).toBeCloseTo((412 * 3 + 2048 * 0.3 + 71 * 15) / 1e6, 12);
    expect(body.http?.request_headers?.['x-api-key']).toBe('sk-ant-a…[REDACTED]');
  });

  it('takes usage from message_start and message_delta, first token from the first content_block_delta', () => {
    const body = call({ path: '/v1/messages', reqBody: fixture('anthropic/messages_stream_request.json'), resBody: fixture('anthropic/messages_stream.sse'), sse: true });
    expect(body.gen_ai?.request).toEqual({ model: 'claude-3-5-haiku-20241022', stream: true, max_tokens: 256 });
    expect(body.gen_ai?.response).toEqual({ model: 'claude-3-5-haiku-20241022', id: 'msg_01QmF7kRzH2dLx9', finish_reasons: ['end_turn'] });
    expect(body.gen_ai?.usage).toEqual({ input_tokens: 25, output_tokens: 17, cached_input_tokens: 0, total_tokens: 42 });
    expect(body.timing?.first_token_ms).toBe(TTFB_MS + 4 * EVENT_GAP_MS);
  });

  it('reports an error event in the middle of a stream', () => {
    const body = call({ path: '/v1/messages', reqBody: fixture('anthropic/messages_stream_request.json'), resBody: fixture('anthropic/stream_overloaded.sse'), sse: true });
    expect(body.error).toEqual({ type: 'overloaded_error', message: 'Overloaded' });
    expect(body.gen_ai?.response?.model).toBe('claude-opus-4-1-20250805');
    expect(body.timing?.first_token_ms).toBeUndefined();
  });

  it('reports an error body', () => {
    const body = call({ path: '/v1/messages', status: 400, reqBody: fixture('anthropic/messages_request.json'), resBody: fixture('anthropic/error_invalid_request.json') });
    expect(body.error?.type).toBe('invalid_request_error');
    expect(body.error?.message).toMatch(/^max_tokens: 100000 > 64000/);
  });

  it('is recognised behind a gateway by its anthropic-version header', () => {
    const body = call({ path: '/anthropic/v1/messages', reqBody: fixture('anthropic/messages_request.json'), resBody: fixture('anthropic/messages_response.json') }, { sni: 'llm-gw.internal.example', port: 8443 });
    expect(body.provider).toBe('anthropic');
    expect(body.gen_ai?.usage?.output_tokens).toBe(71);
  });

  it('Claude on Vertex AI: model from the rawPredict path', () => {
    const body = call(
      { path: '/v1/projects/ops-prod/locations/us-east5/publishers/anthropic/models/claude-sonnet-4@20250514:rawPredict', reqHeaders: {}, reqBody: fixture('anthropic/messages_stream_request.json').replace('"model": "claude-3-5-haiku-20241022", ', ''), resBody: fixture('anthropic/messages_response.json') },
      { sni: 'us-east5-aiplatform.googleapis.com' },
    );
    expect(body.provider).toBe('vertex_ai');
    expect(body.gen_ai?.system).toBe('gcp.vertex_ai');
    expect(body.gen_ai?.request?.model).toBe('claude-sonnet-4@20250514');
  });
});
