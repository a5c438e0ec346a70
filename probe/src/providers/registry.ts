// Decides who an exchange talked to, in order of confidence: operator config, well-known hosts,
// telling headers, Ollama's port, then the shape of the bodies.
import { anthropicFormat } from './anthropic.js';
import { bedrockFormat } from './bedrock.js';
import { cohereFormat } from './cohere.js';
import { BoundedMemo } from '../../../lib/bounded-memo.js';
import type { ProviderEndpoint, ProvidersConfig } from './config.js';
import { geminiFormat } from './gemini.js';
import { ollamaFormat } from './ollama.js';
import { openaiFormat } from './openai.js';
import type { Endpoint, ExchangeView, Format, FormatName, Recognised } from './types.js';

export const FORMATS: Record<FormatName, Format> = {
  openai: openaiFormat,
  anthropic: anthropicFormat,
  gemini: geminiFormat,
  bedrock: bedrockFormat,
  cohere: cohereFormat,
  ollama: ollamaFormat,
};

interface KnownProvider {
  provider: string;
  /** OpenTelemetry gen_ai.system well-known value where one exists. */
  system: string;
  host: RegExp;
  /** Tried in order: most vendors also serve an OpenAI-compatible API. */
  formats: FormatName[];
}

export const KNOWN_PROVIDERS: readonly KnownProvider[] = [
  { provider: 'openai', system: 'openai', host: /^api\.openai\.com$/, formats: ['openai'] },
  {
    provider: 'azure_openai',
    system: 'azure.ai.openai',
    host: /\.(openai\.azure\.com|cognitiveservices\.azure\.com|services\.ai\.azure\.com)$/,
    formats: ['openai'],
  },
  { provider: 'anthropic', system: 'anthropic', host: /^api\.anthropic\.com$/, formats: ['anthropic', 'openai'] },
  { provider: 'gemini', system: 'gcp.gemini', host: /^generativelanguage\.googleapis\.com$/, formats: ['gemini', 'openai'] },
  { provider: 'vertex_ai', system: 'gcp.vertex_ai', host: /^([a-z0-9-]+-)?aiplatform\.googleapis\.com$/, formats: ['gemini', 'anthropic', 'openai'] },
  { provider: 'bedrock', system: 'aws.bedrock', host: /^bedrock-runtime(-fips)?\.[a-z0-9-]+\.amazonaws\.com$/, formats: ['bedrock', 'openai'] },
  { provider: 'mistral', system: 'mistral_ai', host: /^(api|codestral)\.mistral\.ai$/, formats: ['openai'] },
  { provider: 'cohere', system: 'cohere', host: /^api\.cohere\.(com|ai)$/, formats: ['cohere', 'openai'] },
  { provider: 'groq', system: 'groq', host: /^api\.groq\.com$/, formats: ['openai'] },
  { provider: 'together', system: 'together_ai', host: /^api\.together\.(xyz|ai)$/, formats: ['openai'] },
  { provider: 'fireworks', system: 'fireworks_ai', host: /^api\.fireworks\.ai$/, formats: ['openai'] },
  { provider: 'deepseek', system: 'deepseek', host: /^api\.deepseek\.com$/, formats: ['openai'] },
  { provider: 'xai', system: 'x_ai', host: /^api\.x\.ai$/, formats: ['openai'] },
  { provider: 'openrouter', system: 'openrouter', host: /^openrouter\.ai$/, formats: ['openai'] },
  { provider: 'perplexity', system: 'perplexity', host: /^api\.perplexity\.ai$/, formats: ['openai'] },
  { provider: 'ollama', system: 'ollama', host: /^ollama\.com$/, formats: ['ollama', 'openai'] },
];

const OLLAMA_PORT = 11434;

/** Well-known provider by host: a node talks to a few hosts, each tried against every pattern once. */
const knownByHost = new BoundedMemo((host: string) => KNOWN_PROVIDERS.find((k) => k.host.test(host)));

/**
 * Not `{ ...endpoint, provider, … }`: on Node 20 an object literal that starts with a spread and
 * adds properties after it costs about a microsecond per added property, and this runs per call.
 */
function recognised(endpoint: Endpoint, provider: string, system: string, format: Format): Recognised {
  const r: Recognised = { endpoint: endpoint.endpoint, operation: endpoint.operation, provider, system, format };
  if (endpoint.pathModel !== undefined) r.pathModel = endpoint.pathModel;
  if (endpoint.streams !== undefined) r.streams = endpoint.streams;
  return r;
}

function firstMatch(view: ExchangeView, provider: string, system: string, formats: FormatName[]): Recognised | undefined {
  for (const name of formats) {
    const format = FORMATS[name];
    const endpoint = format.classify(view);
    if (endpoint) return recognised(endpoint, provider, system, format);
  }
  return undefined;
}

function hostMatches(pattern: string, host: string | undefined): boolean {
  if (!host) return false;
  const p = pattern.toLowerCase();
  return p.startsWith('*.') ? host.endsWith(p.slice(1)) : host === p;
}

function configured(e: ProviderEndpoint, view: ExchangeView): boolean {
  return (
    (e.host === undefined || hostMatches(e.host, view.host)) &&
    (e.port === undefined || e.port === view.port) &&
    (e.pathPrefix === undefined || view.path.startsWith(e.pathPrefix))
  );
}

function byHeaders(view: ExchangeView): Recognised | undefined {
  const h = view.exchange.request.headers;
  if (h['anthropic-version'] !== undefined) return firstMatch(view, 'anthropic', 'anthropic', ['anthropic']);
  if (h['api-key'] !== undefined && view.path.includes('/openai/deployments/')) return firstMatch(view, 'azure_openai', 'azure.ai.openai', ['openai']);
  if (h['x-goog-api-key'] !== undefined) return firstMatch(view, 'gemini', 'gcp.gemini', ['gemini']);
  return undefined;
}

const SHAPES = [
  ['ollama', 'ollama'],
  ['openai_compatible', 'openai'],
] as const;

function byShape(view: ExchangeView): Recognised | undefined {
  for (const [provider, name] of SHAPES) {
    const format = FORMATS[name];
    const endpoint = format.classify(view);
    if (endpoint && format.looksLike?.(view, endpoint)) return recognised(endpoint, provider, provider, format);
  }
  return undefined;
}

/** The provider and API of an exchange, or undefined when it is not an AI call. */
export function recognise(view: ExchangeView, cfg: ProvidersConfig): Recognised | undefined {
  const declared = cfg.endpoints.find((e) => configured(e, view));
  if (declared) return firstMatch(view, declared.name, declared.system ?? declared.name, [declared.format]);
  const known = view.host ? knownByHost.get(view.host) : undefined;
  if (known) return firstMatch(view, known.provider, known.system, known.formats);
  const hinted = byHeaders(view);
  if (hinted) return hinted;
  if (view.port === OLLAMA_PORT) {
    const ollama = firstMatch(view, 'ollama', 'ollama', ['ollama', 'openai']);
    if (ollama) return ollama;
  }
  return cfg.detectByShape ? byShape(view) : undefined;
}
