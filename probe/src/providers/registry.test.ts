import { describe, expect, it } from 'vitest';
import { ProvidersConfig } from './config.js';
import { exchange, type ExchangeSpec } from './fixtures/exchange.js';
import { recognise } from './registry.js';
import { makeView, type ConnInfo } from './view.js';

const cfg = ProvidersConfig.parse({});
const chat = '{"model":"m","messages":[{"role":"user","content":"hi"}]}';

function who(spec: ExchangeSpec, conn: ConnInfo = {}) {
  const rec = recognise(makeView(exchange(spec), conn), cfg);
  return rec ? `${rec.provider} ${rec.endpoint} ${rec.format.name}` : null;
}

describe('recognise', () => {
  it.each<[string, ExchangeSpec, ConnInfo, string | null]>([
    ['OpenAI by SNI', { path: '/v1/chat/completions', reqBody: chat }, { sni: 'api.openai.com' }, 'openai chat.completions openai'],
    ['OpenAI by Host header when no SNI', { authority: 'api.openai.com', path: '/v1/embeddings', reqBody: '{}' }, {}, 'openai embeddings openai'],
    ['SNI wins over the Host header', { authority: 'api.openai.com', path: '/v1/chat/completions', reqBody: chat }, { sni: 'api.groq.com' }, 'groq chat.completions openai'],
    ['a GET to a provider is not a model call', { method: 'GET', path: '/v1/models' }, { sni: 'api.openai.com' }, null],
    ['an unknown path on a provider host', { path: '/v1/files', reqBody: '{}' }, { sni: 'api.openai.com' }, null],
    ['ordinary traffic', { authority: 'shop.internal', path: '/api/orders', reqBody: '{"sku":"a1"}' }, {}, null],
    ['Azure by host', { path: '/openai/deployments/d1/embeddings?api-version=2024-10-21', reqBody: '{}' }, { sni: 'x.cognitiveservices.azure.com' }, 'azure_openai embeddings openai'],
    ['Azure behind a gateway by api-key header', { authority: 'apim.corp', path: '/openai/deployments/d1/chat/completions', reqHeaders: { 'api-key': 'k' }, reqBody: chat }, {}, 'azure_openai chat.completions openai'],
    ['Anthropic behind a gateway by anthropic-version', { authority: 'gw.corp', path: '/v1/messages', reqHeaders: { 'anthropic-version': '2023-06-01' }, reqBody: chat }, {}, 'anthropic messages anthropic'],
    ['Anthropic OpenAI-compatible endpoint', { path: '/v1/chat/completions', reqBody: chat }, { sni: 'api.anthropic.com' }, 'anthropic chat.completions openai'],
    ['Gemini behind a gateway by x-goog-api-key', { authority: 'gw.corp', path: '/v1beta/models/gemini-2.0-flash:generateContent', reqHeaders: { 'x-goog-api-key': 'k' }, reqBody: '{}' }, {}, 'gemini generateContent gemini'],
    ['Gemini OpenAI-compatible endpoint', { path: '/v1beta/openai/chat/completions', reqBody: chat }, { sni: 'generativelanguage.googleapis.com' }, 'gemini chat.completions openai'],
    ['Bedrock FIPS endpoint', { path: '/model/amazon.titan-embed-text-v2:0/invoke', reqBody: '{"inputText":"x"}' }, { sni: 'bedrock-runtime-fips.us-gov-west-1.amazonaws.com' }, 'bedrock invoke bedrock'],
    ['Bedrock control plane is not runtime', { path: '/foundation-models', method: 'GET' }, { sni: 'bedrock.us-east-1.amazonaws.com' }, null],
    ['Cohere compatibility API', { path: '/compatibility/v1/chat/completions', reqBody: chat }, { sni: 'api.cohere.ai' }, 'cohere chat.completions openai'],
    ['Ollama by port', { authority: '127.0.0.1:11434', path: '/api/generate', reqBody: '{"model":"m","prompt":"p"}', noResponse: true }, {}, 'ollama generate ollama'],
    ['Ollama by peer port', { path: '/api/embeddings', reqBody: '{"model":"m","prompt":"p"}', noResponse: true }, { peer: '10.0.0.9:11434' }, 'ollama embeddings ollama'],
    ['OpenAI shape with no response yet (connection closed)', { authority: 'tgi.svc', path: '/v1/chat/completions', reqBody: chat, noResponse: true }, {}, 'openai_compatible chat.completions openai'],
    ['OpenAI shape failed by a gateway with an HTML page', { authority: 'tgi.svc', path: '/v1/chat/completions', reqBody: chat, status: 502, resBody: '<html>Bad Gateway</html>' }, {}, 'openai_compatible chat.completions openai'],
    ['OpenAI path without an OpenAI request body', { authority: 'tgi.svc', path: '/v1/chat/completions', reqBody: '{"query":"x"}', noResponse: true }, {}, null],
  ])('%s', (_name, spec, conn, expected) => {
    expect(who(spec, conn)).toBe(expected);
  });

  it('Bedrock invoke infers the operation from the body', () => {
    const view = makeView(exchange({ path: '/model/amazon.titan-embed-text-v2:0/invoke', reqBody: '{"inputText":"disk full"}', resBody: '{"embedding":[0.1],"inputTextTokenCount":3}' }), { sni: 'bedrock-runtime.eu-west-1.amazonaws.com' });
    const rec = recognise(view, cfg)!;
    const ex = rec.format.extract(view, rec);
    expect(ex.operation).toBe('embeddings');
    expect(ex.usage).toEqual({ input: 3, total: 3 });
  });
});
