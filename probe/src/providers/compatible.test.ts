// Vendors speaking the OpenAI API on their own hosts, self-hosted servers recognised by shape,
// and endpoints declared in config.
import { describe, expect, it } from 'vitest';
import { AiCallOptions, buildAiCall, defaultAiCallOptions } from '../aicall.js';
import { aiCall, EVENT_GAP_MS, exchange, fixture, TTFB_MS, type ExchangeSpec } from './fixtures/exchange.js';

const opts = defaultAiCallOptions();

const call = (spec: ExchangeSpec, sni?: string, o = opts) => aiCall(spec, sni ? { sni, port: 443 } : {}, o);

describe('OpenAI-compatible vendors', () => {
  it.each([
    ['mistral', 'api.mistral.ai', '/v1/chat/completions', 'mistral_ai', 'mistral-small-latest', { input_tokens: 14, output_tokens: 27, total_tokens: 41 }],
    ['together', 'api.together.xyz', '/v1/chat/completions', 'together_ai', 'meta-llama/Llama-3.3-70B-Instruct-Turbo', { input_tokens: 38, output_tokens: 15, total_tokens: 53 }],
    ['fireworks', 'api.fireworks.ai', '/inference/v1/chat/completions', 'fireworks_ai', 'accounts/fireworks/models/llama-v3p1-8b-instruct', { input_tokens: 14, output_tokens: 13, total_tokens: 27 }],
    ['deepseek', 'api.deepseek.com', '/chat/completions', 'deepseek', 'deepseek-chat', { input_tokens: 128, output_tokens: 15, cached_input_tokens: 64, total_tokens: 143 }],
    ['xai', 'api.x.ai', '/v1/chat/completions', 'x_ai', 'grok-3-mini', { input_tokens: 17, output_tokens: 22, cached_input_tokens: 3, reasoning_tokens: 148, total_tokens: 187 }],
    ['openrouter', 'openrouter.ai', '/api/v1/chat/completions', 'openrouter', 'anthropic/claude-3.5-haiku', { input_tokens: 12, output_tokens: 7, total_tokens: 19 }],
    ['perplexity', 'api.perplexity.ai', '/chat/completions', 'perplexity', 'sonar', { input_tokens: 8, output_tokens: 31, total_tokens: 39 }],
  ] as const)('%s (%s%s)', (provider, host, path, system, model, usage) => {
    const body = call({ path, reqBody: fixture(`compatible/${provider}_request.json`), resBody: fixture(`compatible/${provider}_response.json`) }, host);
    expect(body.provider).toBe(provider);
    expect(body.endpoint).toBe('chat.completions');
    expect(body.gen_ai?.system).toBe(system);
    expect(body.gen_ai?.request?.model).toBe(model);
    expect(body.gen_ai?.response?.model).toBe(model);
    expect(body.gen_ai?.response?.finish_reasons).toEqual(['stop']);
    expect(body.gen_ai?.usage).toEqual(usage);
  });

  it('deepseek-chat is priced with its cache-hit rate', () => {
    const body = call({ path: '/chat/completions', reqBody: fixture('compatible/deepseek_request.json'), resBody: fixture('compatible/deepseek_response.json') }, 'api.deepseek.com');
    expect(body.cost?.usd).toBeCloseTo((64 * 0.27 + 64 * 0.07 + 15 * 1.1) / 1e6, 12);
  });

  it('openrouter vendor-prefixed, dotted model names are priced as the vendor model', () => {
    const body = call({ path: '/api/v1/chat/completions', reqBody: fixture('compatible/openrouter_request.json'), resBody: fixture('compatible/openrouter_response.json') }, 'openrouter.ai');
    expect(body.cost?.usd).toBeCloseTo((12 * 0.8 + 7 * 4) / 1e6, 12);
  });

  it('a model without a price gets no cost', () => {
    const body = call({ path: '/v1/chat/completions', reqBody: fixture('compatible/together_request.json'), resBody: fixture('compatible/together_response.json') }, 'api.together.xyz');
    expect(body.cost).toBeUndefined();
  });

  it('mistral error shape', () => {
    const body = call({ path: '/v1/chat/completions', status: 400, reqBody: fixture('compatible/mistral_request.json'), resBody: fixture('compatible/mistral_error.json') }, 'api.mistral.ai');
    expect(body.error).toEqual({ type: 'invalid_model', message: 'Invalid model: mistral-huge' });
  });

  it('groq stream: usage under x_groq', () => {
    const body = call({ path: '/openai/v1/chat/completions', reqBody: fixture('compatible/groq_stream_request.json'), resBody: fixture('compatible/groq_stream.sse'), sse: true }, 'api.groq.com');
    expect(body.provider).toBe('groq');
    expect(body.gen_ai?.usage).toEqual({ input_tokens: 36, output_tokens: 3, total_tokens: 39 });
    expect(body.timing?.first_token_ms).toBe(TTFB_MS + 2 * EVENT_GAP_MS);
    expect(body.cost?.usd).toBeCloseTo((36 * 0.59 + 3 * 0.79) / 1e6, 12);
  });

  it('deepseek-reasoner stream: reasoning_content is the first generated content', () => {
    const body = call({ path: '/chat/completions', reqBody: fixture('compatible/deepseek_stream_request.json'), resBody: fixture('compatible/deepseek_stream.sse'), sse: true }, 'api.deepseek.com');
    expect(body.gen_ai?.usage).toEqual({ input_tokens: 15, output_tokens: 120, cached_input_tokens: 0, reasoning_tokens: 117, total_tokens: 135 });
    expect(body.timing?.first_token_ms).toBe(TTFB_MS + 2 * EVENT_GAP_MS);
  });
});

describe('unknown hosts', () => {
  it('an OpenAI-shaped request and response is openai_compatible', () => {
    const body = call({ authority: 'vllm.models.svc.cluster.local:8000', path: '/v1/chat/completions', reqBody: fixture('compatible/vllm_request.json'), resBody: fixture('compatible/vllm_response.json') });
    expect(body.provider).toBe('openai_compatible');
    expect(body.gen_ai?.system).toBe('openai_compatible');
    expect(body.gen_ai?.response?.model).toBe('Qwen/Qwen2.5-7B-Instruct');
    expect(body.gen_ai?.usage).toEqual({ input_tokens: 41, output_tokens: 12, total_tokens: 53 });
    expect(body.server).toEqual({ address: 'vllm.models.svc.cluster.local', port: 8000 });
  });

  it('the same path with a non-OpenAI response is not an AI call', () => {
    const ex = exchange({ authority: 'shop.internal', path: '/v1/chat/completions', reqBody: fixture('compatible/vllm_request.json'), resBody: '{"ok":true}' });
    expect(buildAiCall(ex, {}, opts)).toBeNull();
  });

  it('shape detection can be switched off', () => {
    const o = AiCallOptions.parse({ providers: { detectByShape: false } });
    const ex = exchange({ authority: 'vllm.models.svc.cluster.local:8000', path: '/v1/chat/completions', reqBody: fixture('compatible/vllm_request.json'), resBody: fixture('compatible/vllm_response.json') });
    expect(buildAiCall(ex, {}, o)).toBeNull();
  });
});

describe('endpoints declared in config', () => {
  const o = AiCallOptions.parse({
    providers: {
      endpoints: [
        { name: 'litellm', host: 'litellm.platform.svc', pathPrefix: '/llm' },
        { name: 'claude-gw', host: '*.gw.example.com', format: 'anthropic', system: 'anthropic' },
        { name: 'vllm', port: 8000 },
      ],
    },
  });

  it('host + path prefix names the provider', () => {
    const body = call({ authority: 'litellm.platform.svc', path: '/llm/v1/chat/completions', reqBody: fixture('compatible/vllm_request.json'), resBody: '{"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":1}}' }, undefined, o);
    expect(body.provider).toBe('litellm');
    expect(body.gen_ai?.system).toBe('litellm');
    expect(body.gen_ai?.usage).toEqual({ input_tokens: 3, output_tokens: 1, total_tokens: 4 });
  });

  it('host glob with another format', () => {
    const body = call({ path: '/v1/messages', reqBody: fixture('anthropic/messages_request.json'), resBody: fixture('anthropic/messages_response.json') }, 'eu.gw.example.com', o);
    expect(body.provider).toBe('claude-gw');
    expect(body.gen_ai?.system).toBe('anthropic');
    expect(body.tool_calls).toBe(1);
  });

  it('port alone', () => {
    const body = call({ authority: '10.0.4.12:8000', path: '/v1/completions', reqBody: '{"model":"mistral-7b","prompt":"2+2="}', resBody: '{"id":"cmpl-1","object":"text_completion","model":"mistral-7b","choices":[{"index":0,"text":"4","finish_reason":"length"}],"usage":{"prompt_tokens":4,"completion_tokens":1,"total_tokens":5}}' }, undefined, o);
    expect(body.provider).toBe('vllm');
    expect(body.endpoint).toBe('completions');
    expect(body.gen_ai?.operation).toEqual({ name: 'text_completion' });
    expect(body.gen_ai?.response?.finish_reasons).toEqual(['length']);
  });

  it('rejects an endpoint with nothing to match on', () => {
    expect(AiCallOptions.safeParse({ providers: { endpoints: [{ name: 'x' }] } }).success).toBe(false);
  });
});
