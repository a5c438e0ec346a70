// Conformance: real payloads from the held-out corpus (../shared/corpus/ai, see its SOURCES.md)
// through buildAiCall, checked against values read off those files by hand. Skips loudly when
// the corpus is absent; fails instead on CI.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { defaultAiCallOptions } from '../aicall.js';
import { aiCall, TTFB_MS, EVENT_GAP_MS, type ExchangeSpec } from './fixtures/exchange.js';

const CORPUS = fileURLToPath(new URL('../../../../shared/corpus/ai/', import.meta.url));
const present = existsSync(CORPUS);

if (!present) {
  if (process.env.CI === 'true') throw new Error(`conformance corpus missing at ${CORPUS} (required on CI)`);
  console.warn(`SKIPPING provider conformance tests: corpus not found at ${CORPUS}`);
}

const file = (name: string): string => readFileSync(CORPUS + name, 'utf8');
/** The docs pretty-print NDJSON lines; on the wire each is one compact line. */
const ndjson = (...names: string[]): string => names.map((n) => JSON.stringify(JSON.parse(file(n)))).join('\n') + '\n';

const opts = defaultAiCallOptions();

const call = (spec: ExchangeSpec, sni?: string) => aiCall(spec, sni ? { sni, port: 443 } : { peer: '127.0.0.1:11434' }, opts);

describe.skipIf(!present)('provider conformance on the corpus (../shared/corpus/ai)', () => {
  describe('OpenAI', () => {
    const sni = 'api.openai.com';
    it('chat completion', () => {
      const body = call({ path: '/v1/chat/completions', reqBody: file('openai_chat_completions_request.json'), resBody: file('openai_chat_completions_response.json') }, sni);
      expect(body.gen_ai?.request).toEqual({ model: 'VAR_chat_model_id', stream: false });
      expect(body.gen_ai?.response).toEqual({ model: 'gpt-5.4', id: 'chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT', finish_reasons: ['stop'] });
      expect(body.gen_ai?.usage).toEqual({ input_tokens: 19, output_tokens: 10, cached_input_tokens: 0, reasoning_tokens: 0, total_tokens: 29 });
    });

    it('chat completion with tools', () => {
      const body = call({ path: '/v1/chat/completions', reqBody: file('openai_chat_completions_tools_request.json'), resBody: file('openai_chat_completions_tools_response.json') }, sni);
      expect(body.gen_ai?.request?.model).toBe('gpt-5.4');
      expect(body.gen_ai?.response?.finish_reasons).toEqual(['tool_calls']);
      expect(body.gen_ai?.usage).toEqual({ input_tokens: 82, output_tokens: 17, reasoning_tokens: 0, total_tokens: 99 });
      expect(body.tool_calls).toBe(1);
    });

    it('chat completion stream with include_usage', () => {
      const body = call({ path: '/v1/chat/completions', reqBody: '{"model":"gpt-4o-2024-08-06","stream":true,"stream_options":{"include_usage":true},"messages":[]}', resBody: file('openai_chat_completions_stream_include_usage.sse'), sse: true }, sni);
      expect(body.gen_ai?.request?.stream).toBe(true);
      expect(body.gen_ai?.response).toEqual({ model: 'gpt-4o-2024-08-06', id: 'chatcmpl-ABfw031mOJeYCSHe4yI2ZjOA6kMJL', finish_reasons: ['stop'] });
      expect(body.gen_ai?.usage).toEqual({ input_tokens: 14, output_tokens: 30, reasoning_tokens: 0, total_tokens: 44 });
      // The first chunk has content "": the second carries the first text.
      expect(body.timing?.first_token_ms).toBe(TTFB_MS + 2 * EVENT_GAP_MS);
    });

    it('chat completion stream with a tool call', () => {
      const body = call({ path: '/v1/chat/completions', reqBody: '{"model":"gpt-4o-2024-08-06","stream":true,"messages":[]}', resBody: file('openai_chat_completions_stream_tool_call_include_usage.sse'), sse: true }, sni);
      expect(body.gen_ai?.response).toEqual({ model: 'gpt-4o-2024-08-06', id: 'chatcmpl-ABfwERreu9s99xXsVuOWtIB2UOx62', finish_reasons: ['tool_calls'] });
      expect(body.gen_ai?.usage).toEqual({ input_tokens: 44, output_tokens: 16, reasoning_tokens: 0, total_tokens: 60 });
      expect(body.tool_calls).toBe(1);
    });

    it('responses', () => {
      const body = call({ path: '/v1/responses', reqBody: file('openai_responses_request.json'), resBody: file('openai_responses_response.json') }, sni);
      expect(body.gen_ai?.request).toEqual({ model: 'gpt-5.4', stream: false });
      expect(body.gen_ai?.response).toEqual({ model: 'gpt-5.4', id: 'resp_67ccd2bed1ec8190b14f964abc0542670bb6a6b452d3795b', finish_reasons: ['completed'] });
      expect(body.gen_ai?.usage).toEqual({ input_tokens: 36, output_tokens: 87, cached_input_tokens: 0, reasoning_tokens: 0, total_tokens: 123 });
    });

    it('responses with a function call', () => {
      const body = call({ path: '/v1/responses', reqBody: file('openai_responses_tools_request.json'), resBody: file('openai_responses_tools_response.json') }, sni);
      expect(body.gen_ai?.usage).toEqual({ input_tokens: 291, output_tokens: 23, reasoning_tokens: 0, total_tokens: 314 });
      expect(body.tool_calls).toBe(1);
    });

    it('responses stream (with the docs\' elided middle)', () => {
      const body = call({ path: '/v1/responses', reqBody: '{"model":"gpt-5.4","input":"hi","stream":true}', resBody: file('openai_responses_stream_docs.sse'), sse: true }, sni);
      expect(body.gen_ai?.request?.stream).toBe(true);
      expect(body.gen_ai?.response).toEqual({ model: 'gpt-5.4', id: 'resp_67c9fdcecf488190bdd9a0409de3a1ec07b8b0ad4e5eb654', finish_reasons: ['completed'] });
      expect(body.gen_ai?.usage).toEqual({ input_tokens: 37, output_tokens: 11, reasoning_tokens: 0, total_tokens: 48 });
      expect(body.timing?.first_token_ms).toBe(TTFB_MS + 5 * EVENT_GAP_MS);
    });
  });

  describe('Anthropic', () => {
    const sni = 'api.anthropic.com';
    it('messages', () => {
      const body = call({ path: '/v1/messages', reqBody: file('anthropic_messages_request.json'), resBody: file('anthropic_messages_response.json') }, sni);
      expect(body.gen_ai?.request).toEqual({ model: 'claude-sonnet-4-5', stream: false, max_tokens: 1024 });
      expect(body.gen_ai?.response).toEqual({ model: 'claude-sonnet-4-5-20250929', id: 'msg_01Egs18hRzhru3uGon3qesbA', finish_reasons: ['end_turn'] });
      expect(body.gen_ai?.usage).toEqual({ input_tokens: 249, output_tokens: 26, cached_input_tokens: 0, total_tokens: 275 });
    });

    it('tool use (beta query string) and its follow-up', () => {
      const first = call({ path: '/v1/messages?beta=true', reqBody: file('anthropic_messages_tool_use_request.json'), resBody: file('anthropic_messages_tool_use_response.json') }, sni);
      expect(first.gen_ai?.request?.model).toBe('claude-haiku-4-5');
      expect(first.gen_ai?.response).toEqual({ model: 'claude-haiku-4-5-20251001', id: 'msg_01RMQBcKf2dxTq6qfi31BBTz', finish_reasons: ['tool_use'] });
      expect(first.gen_ai?.usage).toEqual({ input_tokens: 656, output_tokens: 74, cached_input_tokens: 0, total_tokens: 730 });
      expect(first.tool_calls).toBe(1);
      const second = call({ path: '/v1/messages?beta=true', reqBody: file('anthropic_messages_tool_result_error_request.json'), resBody: file('anthropic_messages_tool_result_error_response.json') }, sni);
      expect(second.gen_ai?.response?.finish_reasons).toEqual(['end_turn']);
      expect(second.gen_ai?.usage).toEqual({ input_tokens: 760, output_tokens: 63, cached_input_tokens: 0, total_tokens: 823 });
      expect(second.tool_calls).toBeUndefined();
    });

    it('basic stream', () => {
      const body = call({ path: '/v1/messages', reqBody: '{"model":"claude-3-opus-latest","max_tokens":100,"stream":true,"messages":[]}', resBody: file('anthropic_messages_stream_basic.sse'), sse: true }, sni);
      expect(body.gen_ai?.response).toEqual({ model: 'claude-3-opus-latest', id: 'msg_4QpJur2dWWDjF6C758FbBw5vm12BaVipnK', finish_reasons: ['end_turn'] });
      expect(body.gen_ai?.usage).toEqual({ input_tokens: 11, output_tokens: 6, total_tokens: 17 });
    });

    it('tool use stream', () => {
      const body = call({ path: '/v1/messages', reqBody: '{"model":"claude-sonnet-4-20250514","max_tokens":100,"stream":true,"messages":[]}', resBody: file('anthropic_messages_stream_tool_use.sse'), sse: true }, sni);
      expect(body.gen_ai?.response?.finish_reasons).toEqual(['tool_use']);
      expect(body.gen_ai?.usage).toEqual({ input_tokens: 377, output_tokens: 65, cached_input_tokens: 0, total_tokens: 442 });
      expect(body.tool_calls).toBe(1);
    });

    it('recorded stream with padded data lines', () => {
      const body = call({ path: '/v1/messages', reqBody: file('anthropic_messages_stream_recorded_request.json'), resBody: file('anthropic_messages_stream_recorded.sse'), sse: true }, sni);
      expect(body.gen_ai?.request).toEqual({ model: 'claude-sonnet-4-5', stream: true, max_tokens: 1024 });
      expect(body.gen_ai?.response).toEqual({ model: 'claude-sonnet-4-5-20250929', id: 'msg_013nnniYDrJDocdy5nrMU7cH', finish_reasons: ['end_turn'] });
      expect(body.gen_ai?.usage).toEqual({ input_tokens: 135, output_tokens: 10, cached_input_tokens: 0, total_tokens: 145 });
      expect(body.timing?.first_token_ms).toBe(TTFB_MS + 4 * EVENT_GAP_MS);
    });
  });

  describe('Ollama', () => {
    it('chat without streaming', () => {
      const body = call({ path: '/api/chat', reqBody: file('ollama_chat_request.json'), resBody: file('ollama_chat_response.json') });
      expect(body.gen_ai?.request).toEqual({ model: 'llama3.2', stream: false });
      expect(body.gen_ai?.response).toEqual({ model: 'llama3.2' });
      expect(body.gen_ai?.usage).toEqual({ input_tokens: 26, output_tokens: 298, total_tokens: 324 });
    });

    it('chat stream (stream defaults to true): counts from the final chunk', () => {
      const body = call({ path: '/api/chat', reqBody: file('ollama_chat_stream_request.json'), resBody: ndjson('ollama_chat_stream_first_chunk.json', 'ollama_chat_stream_final_chunk.json') });
      expect(body.gen_ai?.request).toEqual({ model: 'llama3.2', stream: true });
      expect(body.gen_ai?.usage).toEqual({ input_tokens: 26, output_tokens: 282, total_tokens: 308 });
    });

    it('chat with tools', () => {
      const body = call({ path: '/api/chat', reqBody: file('ollama_chat_tools_request.json'), resBody: file('ollama_chat_tools_response.json') });
      expect(body.gen_ai?.response).toEqual({ model: 'llama3.2', finish_reasons: ['stop'] });
      expect(body.gen_ai?.usage).toEqual({ input_tokens: 169, output_tokens: 18, total_tokens: 187 });
      expect(body.tool_calls).toBe(1);
    });
  });
});
