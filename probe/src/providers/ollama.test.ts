import { describe, expect, it } from 'vitest';
import { defaultAiCallOptions } from '../aicall.js';
import { aiCall, fixture, type ExchangeSpec } from './fixtures/exchange.js';
import type { ConnInfo } from './view.js';

const opts = defaultAiCallOptions();
const conn = { peer: '10.42.0.17:11434' };

const call = (spec: ExchangeSpec, c: ConnInfo = conn) => aiCall({ authority: 'ollama.ai-tools.svc:11434', ...spec }, c, opts);

describe('Ollama', () => {
  it('/api/chat NDJSON stream (stream is the default): counts from the done line', () => {
    const body = call({ path: '/api/chat', reqBody: fixture('ollama/chat_request.json'), resHeaders: { 'content-type': 'application/x-ndjson' }, resBody: fixture('ollama/chat_stream.ndjson') });
    expect(body.provider).toBe('ollama');
    expect(body.endpoint).toBe('chat');
    expect(body.gen_ai).toEqual({
      system: 'ollama',
      operation: { name: 'chat' },
      request: { model: 'qwen2.5:7b', stream: true, max_tokens: 64, temperature: 0.4 },
      response: { model: 'qwen2.5:7b', finish_reasons: ['stop'] },
      usage: { input_tokens: 35, output_tokens: 9, total_tokens: 44 },
    });
    expect(body.cost).toEqual({ usd: 0, price_source: 'default' });
    expect(body.server).toEqual({ address: 'ollama.ai-tools.svc', port: 11434, peer: '10.42.0.17:11434' });
  });

  it('/api/generate without streaming', () => {
    const body = call({ path: '/api/generate', reqBody: fixture('ollama/generate_request.json'), resBody: fixture('ollama/generate_response.json') });
    expect(body.gen_ai?.operation).toEqual({ name: 'text_completion' });
    expect(body.gen_ai?.request).toEqual({ model: 'llama3.2:3b', stream: false, max_tokens: 20 });
    expect(body.gen_ai?.usage).toEqual({ input_tokens: 31, output_tokens: 13, total_tokens: 44 });
  });

  it('/api/embed', () => {
    const body = call({ path: '/api/embed', reqBody: fixture('ollama/embed_request.json'), resBody: fixture('ollama/embed_response.json') });
    expect(body.gen_ai?.operation).toEqual({ name: 'embeddings' });
    expect(body.gen_ai?.request?.stream).toBe(false);
    expect(body.gen_ai?.response).toEqual({ model: 'nomic-embed-text' });
    expect(body.gen_ai?.usage).toEqual({ input_tokens: 4, total_tokens: 4 });
  });

  it('error line', () => {
    const body = call({ path: '/api/chat', status: 404, reqBody: fixture('ollama/chat_request.json'), resBody: fixture('ollama/error_model_not_found.json') });
    expect(body.error).toEqual({ type: '404', message: 'model "llama9:70b" not found, try pulling it first' });
  });

  it('the OpenAI-compatible /v1 API on the Ollama port', () => {
    const body = call({ path: '/v1/chat/completions', reqBody: fixture('ollama/openai_compat_request.json'), resBody: fixture('ollama/openai_compat_response.json') });
    expect(body.provider).toBe('ollama');
    expect(body.endpoint).toBe('chat.completions');
    expect(body.gen_ai?.usage).toEqual({ input_tokens: 26, output_tokens: 2, total_tokens: 28 });
  });

  it('recognised by shape on another port', () => {
    const body = call({ authority: 'llm.internal:8080', path: '/api/chat', reqBody: fixture('ollama/chat_request.json'), resBody: fixture('ollama/chat_stream.ndjson') }, {});
    expect(body.provider).toBe('ollama');
    expect(body.gen_ai?.usage?.output_tokens).toBe(9);
  });
});
