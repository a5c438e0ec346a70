// Operator-declared AI endpoints: in-cluster gateways, vLLM, LiteLLM, self-hosted models.
import { z } from 'zod';

export const FORMAT_NAMES = ['openai', 'anthropic', 'gemini', 'bedrock', 'cohere', 'ollama'] as const;

export const ProviderEndpoint = z
  .object({
    /** Provider id reported in events (vllm, litellm, gateway, ...). */
    name: z.string().min(1),
    /** Exact host, or `*.suffix` for any subdomain. */
    host: z.string().min(1).optional(),
    port: z.number().int().min(1).max(65535).optional(),
    pathPrefix: z.string().startsWith('/').optional(),
    /** The API shape the endpoint speaks. */
    format: z.enum(FORMAT_NAMES).default('openai'),
    /** gen_ai.system to report; defaults to `name`. */
    system: z.string().min(1).optional(),
  })
  .strict()
  .refine((e) => e.host !== undefined || e.port !== undefined || e.pathPrefix !== undefined, {
    message: 'an endpoint needs at least one of host, port, pathPrefix',
  });

export const ProvidersConfig = z.object({
  endpoints: z.array(ProviderEndpoint).default([]),
  /** Recognise OpenAI-shaped (and Ollama-shaped) traffic to hosts nobody listed. */
  detectByShape: z.boolean().default(true),
}).strict();

export type ProviderEndpoint = z.output<typeof ProviderEndpoint>;
export type ProvidersConfig = z.output<typeof ProvidersConfig>;
