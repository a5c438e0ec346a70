// The `triage:` config section. Seraph's seraph.yaml keys (workers, llm.provider, llm.model,
// llm.prompt with {{LOG_ENTRY}}) are accepted as they are; Vigil adds the rest.
import { z } from 'zod';
import { PRIORITIES } from '../rules/priority.js';

const PerPriority = z.object({ model: z.string().min(1).optional(), prompt: z.string().min(1).optional() }).strict();

export const LlmConfig = z
  .object({
    /** Informational (Seraph key): any OpenAI-compatible server works through base_url. */
    provider: z.string().default('openai'),
    base_url: z.url().optional(),
    api_key: z.string().optional(),
    /** Environment variable holding the key when api_key is not set. */
    api_key_env: z.string().default('OPENAI_API_KEY'),
    model: z.string().min(1).default('gpt-4o-mini'),
    /** User prompt template; {{LOG_ENTRY}} and Vigil's variables are substituted. */
    prompt: z.string().min(1).optional(),
    temperature: z.number().min(0).max(2).default(0),
    timeout_ms: z.number().int().positive().default(30_000),
    max_retries: z.number().int().min(0).max(10).default(2),
    stream: z.boolean().default(false),
    /** Ask for response_format json_object (OpenAI, Ollama, vLLM support it). */
    json_mode: z.boolean().default(true),
    max_context_tokens: z.number().int().min(200).default(3_000),
    /** Azure OpenAI and proxies: extra headers (api-key) and query (api-version). */
    default_headers: z.record(z.string(), z.string()).optional(),
    default_query: z.record(z.string(), z.string()).optional(),
    /** A fast model for P3/P4, a stronger one for P1… */
    by_priority: z.partialRecord(z.enum(PRIORITIES), PerPriority).default({}),
  })
  .loose();

export const TriageConfig = z
  .object({
    mode: z.enum(['offline', 'llm', 'llm-fallback']).default('offline'),
    /** Seraph key: concurrent LLM calls. */
    workers: z.number().int().min(1).max(64).default(4),
    /** Bound on cached LLM analyses (one per incident fingerprint). */
    cache_size: z.number().int().min(1).default(5_000),
    llm: LlmConfig.optional(),
  })
  .loose();

export type LlmConfig = z.output<typeof LlmConfig>;
export type TriageConfig = z.output<typeof TriageConfig>;
