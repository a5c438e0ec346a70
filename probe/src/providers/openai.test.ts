import { describe, expect, it } from 'vitest';
import { buildAiCall, defaultAiCallOptions } from '../aicall.js';
import { aiCall, EVENT_GAP_MS, exchange, fixture, TTFB_MS, type ExchangeSpec } from './fixtures/exchange.js';
import type { ConnInfo } from './view.js';

const opts = defaultAiCallOptions();
const conn = { sni: 'api.openai.com', port: 443, peer: '162.159.140.245:443', library: 'openssl', connId: 'c1', fd: 17 };

const call = (spec: ExchangeSpec, c: ConnInfo = conn) => aiCall(spec, c, opts);

describe('OpenAI chat completions', () => {
  it('reads model, usage with cached tokens, finish reason and id from a JSON body', () => {
    const body = call({ path: '/v1/chat/completions', authority: 'api.openai.com', reqBody: fixture('openai/chat_request.json'), resBody: fixture('openai/chat_response.json') });
    expect(body.provider).toBe('openai');
    expect(body.endpoint).toBe('chat.completions');
    expect(body.gen_ai).toEqual({
      system: 'openai',
      operation: { name: 'chat' },
      request: { model: 'gpt-4o-mini', stream: false, max_tokens: 256, temperature: 0.2 },
      response: { model: 'gpt-4o-mini-2024-07-18', id: 'chatcmpl-BQx3kJ9s2fLrT0aYcV8mN1pQeZuW4', finish_reasons: ['stop'] },
      usage: { input_tokens: 1542, output_tokens: 19, cached_input_tokens: 1280, reasoning_tokens: 0, total_tokens: 1561 },
    });
    expect(body.tool_calls).toBeUndefined();
    // gpt-4o-mini: 262 fresh input × 0.15 + 1280 cached × 0.075 + 19 output × 0.60, per 1M tokens.
    expect(body.cost?.price_source).toBe('default');
    expect(body.cost?.usd).toBeCloseTo((262 * 0.15 + 1280 * 0.075 + 19 * 0.6) / 1e6, 12);
    expect(body.server).toEqual({ address: 'api.openai.com', port: 443, peer: '162.159.140.245:443' });
    expect(body.tls).toEqual({ library: 'openssl', conn_id: 'c1', sni: 'api.openai.com', fd: 17 });
    expect(body.timing).toEqual({ ttfb_ms: TTFB_MS, duration_ms: TTFB_MS + 50 });
  });

  it('counts streamed tool calls, reasoning tokens and the first content event of an include_usage stream', () => {
    const body = call({ path: '/v1/chat/completions', reqBody: fixture('openai/chat_stream_request.json'), resBody: fixture('openai/chat_stream.sse'), sse: true });
    expect(body.gen_ai?.request).toEqual({ model: 'o4-mini', stream: true });
    expect(body.gen_ai?.response).toEqual({ model: 'o4-mini-2025-04-16', id: 'chatcmpl-BR1aZ7', finish_reasons: ['tool_calls'] });
    expect(body.gen_ai?.usage).toEqual({ input_tokens: 118, output_tokens: 214, cached_input_tokens: 0, reasoning_tokens: 192, total_tokens: 332 });
    expect(body.tool_calls).toBe(2);
    // The first event only opens the message (null content, empty tool list); the second starts a tool call.
    expect(body.timing?.first_token_ms).toBe(TTFB_MS + 2 * EVENT_GAP_MS);
    expect(body.timing?.duration_ms).toBe(TTFB_MS + 8 * EVENT_GAP_MS);
  });

  it('parses a text/event-stream body itself when no events were handed over', () => {
    const ex = exchange({ path: '/v1/chat/completions', reqBody: fixture('openai/chat_stream_request.json'), resBody: fixture('openai/chat_stream.sse'), sse: true });
    delete ex.response!.sse;
    const body = buildAiCall(ex, conn, opts)!.body;
    expect(body.gen_ai?.usage?.total_tokens).toBe(332);
    expect(body.tool_calls).toBe(2);
  });
});

describe('OpenAI Responses API', () => {
  it('reads a function_call response', () => {
    const body = call({ path: '/v1/responses', reqBody: fixture('openai/responses_request.json'), resBody: fixture('openai/responses_response.json') });
    expect(body.endpoint).toBe('responses');
    expect(body.gen_ai).toEqual({
      system: 'openai',
      operation: { name: 'chat' },
      request: { model: 'gpt-4.1', stream: false, max_tokens: 400 },
      response: { model: 'gpt-4.1-2025-04-14', id: 'resp_6811c2d4e0a08191a5b9c3f2d7e4a10b', finish_reasons: ['completed'] },
      usage: { input_tokens: 291, output_tokens: 18, cached_input_tokens: 0, reasoning_tokens: 0, total_tokens: 309 },
    });
    expect(body.tool_calls).toBe(1);
  });

  it('takes usage from response.completed and the first output_text.delta as first token', () => {
    const body = call({ path: '/v1/responses', reqBody: fixture('openai/responses_stream_request.json'), resBody: fixture('openai/responses_stream.sse'), sse: true });
    expect(body.gen_ai?.request).toEqual({ model: 'gpt-5-mini', stream: true });
    expect(body.gen_ai?.response).toEqual({ model: 'gpt-5-mini-2025-08-07', id: 'resp_68120a11b2c4', finish_reasons: ['completed'] });
    expect(body.gen_ai?.usage).toEqual({ input_tokens: 22, output_tokens: 139, cached_input_tokens: 0, reasoning_tokens: 128, total_tokens: 161 });
    expect(body.timing?.first_token_ms).toBe(TTFB_MS + 7 * EVENT_GAP_MS);
  });
});

describe('OpenAI embeddings, images and audio', () => {
  it('embeddings', () => {
    const body = call({ path: '/v1/embeddings', reqBody: fixture('openai/embeddings_request.json'), resBody: fixture('openai/embeddings_response.json') });
    expect(body.endpoint).toBe('embeddings');
    expect(body.gen_ai?.operation).toEqual({ name: 'embeddings' });
    expect(body.gen_ai?.response).toEqual({ model: 'text-embedding-3-small' });
    expect(body.gen_ai?.usage).toEqual({ input_tokens: 14, total_tokens: 14 });
    expect(body.cost?.usd).toBeCloseTo((14 * 0.02) / 1e6, 15);
  });

  it('image generation with token usage', () => {
    const body = call({ path: '/v1/images/generations', reqBody: fixture('openai/images_request.json'), resBody: fixture('openai/images_response.json') });
    expect(body.endpoint).toBe('images.generations');
    expect(body.gen_ai?.operation).toEqual({ name: 'image_generation' });
    expect(body.gen_ai?.request?.model).toBe('gpt-image-1');
    expect(body.gen_ai?.usage).toEqual({ input_tokens: 16, output_tokens: 272, total_tokens: 288 });
  });

  it('audio transcription from a multipart upload', () => {
    const body = call({
      path: '/v1/audio/transcriptions',
      reqHeaders: { 'content-type': 'multipart/form-data; boundary=vigilboundary7MA4YWxk' },
      reqBody: fixture('openai/transcription_request.multipart'),
      resBody: fixture('openai/transcription_response.json'),
    });
    expect(body.endpoint).toBe('audio.transcriptions');
    expect(body.gen_ai?.operation).toEqual({ name: 'audio_transcription' });
    expect(body.gen_ai?.request?.model).toBe('gpt-4o-transcribe');
    expect(body.gen_ai?.usage).toEqual({ input_tokens: 61, output_tokens: 12, total_tokens: 73 });
  });
});

describe('OpenAI errors', () => {
  it('reports type and message, with the echoed key redacted', () => {
    const body = call({ path: '/v1/chat/completions', status: 401, reqBody: fixture('openai/chat_request.json'), resBody: fixture('openai/error_invalid_key.json') });
    expect(body.http?.status_code).toBe(401);
    expect(body.error?.type).toBe('invalid_request_error');
    expect(body.error?.message).toMatch(/^Incorrect API key provided: /);
    expect(body.gen_ai?.usage).toBeUndefined();
    expect(body.cost).toBeUndefined();
  });

  it('rate limit', () => {
    const body = call({ path: '/v1/chat/completions', status: 429, reqBody: fixture('openai/chat_request.json'), resBody: fixture('openai/error_rate_limit.json') });
    expect(body.error).toEqual({ type: 'tokens', message: expect.stringContaining('Rate limit reached for gpt-4o') });
  });
});

describe('Azure OpenAI', () => {
  const azure = { sni: 'vigil-prod.openai.azure.com', port: 443 };
  it('takes the model from the deployment and reads the chat body', () => {
    const body = call(
      {
        path: '/openai/deployments/gpt4o-triage/chat/completions?api-version=2024-10-21',
        reqHeaders: { 'api-key': '0123456789abcdef0123456789abcdef' },
        reqBody: fixture('openai/azure_chat_request.json'),
        resBody: fixture('openai/azure_chat_response.json'),
      },
      azure,
    );
    expect(body.provider).toBe('azure_openai');
    expect(body.endpoint).toBe('chat.completions');
    expect(body.gen_ai).toEqual({
      system: 'azure.ai.openai',
      operation: { name: 'chat' },
      request: { model: 'gpt4o-triage', stream: false, max_tokens: 50, temperature: 0 },
      response: { model: 'gpt-4o-2024-11-20', id: 'chatcmpl-BR3sPq8YhWm2', finish_reasons: ['stop'] },
      usage: { input_tokens: 33, output_tokens: 4, cached_input_tokens: 0, reasoning_tokens: 0, total_tokens: 37 },
    });
    expect(body.http?.path).toBe('/openai/deployments/gpt4o-triage/chat/completions?api-version=2024-10-21');
    expect(body.http?.request_headers?.['api-key']).toBe('012345…[REDACTED]');
    expect(body.cost?.price_source).toBe('default');
  });

  it('content filter errors use the code as type', () => {
    const body = call(
      { path: '/openai/deployments/gpt4o-triage/chat/completions?api-version=2024-10-21', status: 400, reqBody: fixture('openai/azure_chat_request.json'), resBody: fixture('openai/azure_error_content_filter.json') },
      azure,
    );
    expect(body.error?.type).toBe('content_filter');
  });
});
