// Cost estimates from token usage. Prices are USD per 1M tokens; models match by glob
// (`gpt-4o-mini*`), the most specific pattern winning, config entries before the built-ins.
import { z } from 'zod';
import { BoundedMemo } from '../../lib/bounded-memo.js';

const usdPerMillion = z.number().nonnegative();

export const PriceEntry = z.object({
  /** Restrict to one provider id (openai, bedrock, ...); absent: any provider serving the model. */
  provider: z.string().min(1).optional(),
  /** Glob over the model name: `*` any run of characters, `?` one character; case-insensitive. */
  model: z.string().min(1),
  input: usdPerMillion,
  /** Cached input tokens; defaults to the input price. */
  cachedInput: usdPerMillion.optional(),
  output: usdPerMillion.default(0),
}).strict();

export const PricingConfig = z.object({
  /** Use the built-in approximate list prices for models the config does not name. */
  builtin: z.boolean().default(true),
  models: z.array(PriceEntry).default([]),
}).strict();

export type PriceEntry = z.output<typeof PriceEntry>;
export type PricingConfig = z.output<typeof PricingConfig>;

type Price = Omit<PriceEntry, 'model' | 'provider'>;
const p = (input: number, cachedInput: number | undefined, output: number): Price =>
  cachedInput === undefined ? { input, output } : { input, cachedInput, output };

/**
 * Approximate public list prices (USD per 1M tokens, standard tier, short context) as published
 * by each vendor in 2025. They drift: override them in config for billing-grade numbers.
 */
export const BUILTIN_PRICES: readonly PriceEntry[] = [
  // OpenAI
  { model: 'gpt-5-nano*', ...p(0.05, 0.005, 0.4) },
  { model: 'gpt-5-mini*', ...p(0.25, 0.025, 2) },
  { model: 'gpt-5*', ...p(1.25, 0.125, 10) },
  { model: 'gpt-4.1-nano*', ...p(0.1, 0.025, 0.4) },
  { model: 'gpt-4.1-mini*', ...p(0.4, 0.1, 1.6) },
  { model: 'gpt-4.1*', ...p(2, 0.5, 8) },
  { model: 'gpt-4o-mini*', ...p(0.15, 0.075, 0.6) },
  { model: 'gpt-4o*', ...p(2.5, 1.25, 10) },
  { model: 'gpt-4-turbo*', ...p(10, undefined, 30) },
  { model: 'gpt-3.5-turbo*', ...p(0.5, undefined, 1.5) },
  { model: 'o4-mini*', ...p(1.1, 0.275, 4.4) },
  { model: 'o3-mini*', ...p(1.1, 0.55, 4.4) },
  { model: 'o3*', ...p(2, 0.5, 8) },
  { model: 'o1-mini*', ...p(1.1, 0.55, 4.4) },
  { model: 'o1*', ...p(15, 7.5, 60) },
  { model: 'text-embedding-3-small*', ...p(0.02, undefined, 0) },
  { model: 'text-embedding-3-large*', ...p(0.13, undefined, 0) },
  { model: 'text-embedding-ada-002*', ...p(0.1, undefined, 0) },
  // Anthropic (cache reads at 10% of input)
  { model: 'claude-opus-4-5*', ...p(5, 0.5, 25) },
  { model: 'claude-opus-4*', ...p(15, 1.5, 75) },
  { model: 'claude-sonnet-4*', ...p(3, 0.3, 15) },
  { model: 'claude-haiku-4*', ...p(1, 0.1, 5) },
  { model: 'claude-3-7-sonnet*', ...p(3, 0.3, 15) },
  { model: 'claude-3-5-sonnet*', ...p(3, 0.3, 15) },
  { model: 'claude-3-5-haiku*', ...p(0.8, 0.08, 4) },
  { model: 'claude-3-opus*', ...p(15, 1.5, 75) },
  { model: 'claude-3-haiku*', ...p(0.25, 0.03, 1.25) },
  // Google Gemini (prompts up to 200k tokens)
  { model: 'gemini-2.5-pro*', ...p(1.25, 0.31, 10) },
  { model: 'gemini-2.5-flash-lite*', ...p(0.1, 0.025, 0.4) },
  { model: 'gemini-2.5-flash*', ...p(0.3, 0.075, 2.5) },
  { model: 'gemini-2.0-flash-lite*', ...p(0.075, undefined, 0.3) },
  { model: 'gemini-2.0-flash*', ...p(0.1, 0.025, 0.4) },
  { model: 'gemini-1.5-pro*', ...p(1.25, undefined, 5) },
  { model: 'gemini-1.5-flash*', ...p(0.075, undefined, 0.3) },
  // Mistral, DeepSeek, xAI, Cohere, Groq-hosted Llama
  { model: 'mistral-large*', ...p(2, undefined, 6) },
  { model: 'mistral-small*', ...p(0.1, undefined, 0.3) },
  { model: 'codestral*', ...p(0.3, undefined, 0.9) },
  { model: 'deepseek-chat*', ...p(0.27, 0.07, 1.1) },
  { model: 'deepseek-reasoner*', ...p(0.55, 0.14, 2.19) },
  { model: 'grok-4*', ...p(3, 0.75, 15) },
  { model: 'grok-3-mini*', ...p(0.3, 0.075, 0.5) },
  { model: 'grok-3*', ...p(3, 0.75, 15) },
  { model: 'command-a*', ...p(2.5, undefined, 10) },
  { model: 'command-r-plus*', ...p(2.5, undefined, 10) },
  { model: 'command-r*', ...p(0.15, undefined, 0.6) },
  { model: 'embed-*', ...p(0.1, undefined, 0) },
  { provider: 'groq', model: 'llama-3.3-70b*', ...p(0.59, undefined, 0.79) },
  { provider: 'groq', model: 'llama-3.1-8b*', ...p(0.05, undefined, 0.08) },
  // Local models cost no API fee.
  { provider: 'ollama', model: '*', ...p(0, undefined, 0) },
];

interface Rule extends PriceEntry {
  re: RegExp;
  /** Literal characters in the glob: more literal text is a more specific rule. */
  specificity: number;
}

export interface PriceTable {
  /** provider \0 model → the rule that prices it (undefined: none). Calls repeat a handful of models. */
  resolved: BoundedMemo<string, { rule: Rule; fromConfig: boolean } | undefined>;
}

/** Entries of PriceTable.resolved before it is emptied: a bound against unbounded model names. */
const RESOLVED_MAX = 1024;

function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 'i');
}

function rules(entries: readonly PriceEntry[]): Rule[] {
  return entries
    .map((e) => ({ ...e, re: globToRegExp(e.model), specificity: e.model.replace(/[*?]/g, '').length + (e.provider ? 1000 : 0) }))
    .sort((a, b) => b.specificity - a.specificity);
}

export function compilePriceTable(cfg: PricingConfig = PricingConfig.parse({})): PriceTable {
  const config = rules(cfg.models);
  const builtin = cfg.builtin ? rules(BUILTIN_PRICES) : [];
  const resolve = (key: string) => {
    const [provider, model] = key.split('\0') as [string, string];
    const names = modelAliases(model);
    const fromConfig = find(config, provider, names);
    const rule = fromConfig ?? find(builtin, provider, names);
    return rule ? { rule, fromConfig: fromConfig !== undefined } : undefined;
  };
  return { resolved: new BoundedMemo(resolve, RESOLVED_MAX) };
}

/**
 * The names a model may be priced under: as reported, without a router's vendor prefix
 * (`openai/gpt-4o`), and without Bedrock's region and vendor prefixes
 * (`us.anthropic.claude-sonnet-4-...`, or an ARN's last segment), and with routers' dotted
 * versions spelled the vendor's way (`claude-3.5-haiku` → `claude-3-5-haiku`).
 */
export function modelAliases(model: string): string[] {
  const last = model.slice(model.lastIndexOf('/') + 1);
  const bare = last.replace(/^(us|eu|apac|global|us-gov)\./, '').replace(/^(anthropic|meta|amazon|mistral|cohere|ai21|deepseek|openai|qwen|writer)\./, '');
  const dashed = bare.replace(/(\d)\.(\d)/g, '$1-$2');
  return [...new Set([model, last, bare, dashed])];
}

export interface CostUsage {
  input_tokens?: number;
  output_tokens?: number;
  cached_input_tokens?: number;
}

export interface Cost {
  usd: number;
  price_source: 'config' | 'default';
}

function find(rules: Rule[], provider: string, names: string[]): Rule | undefined {
  for (const name of names) {
    const rule = rules.find((r) => (r.provider === undefined || r.provider === provider) && r.re.test(name));
    if (rule) return rule;
  }
  return undefined;
}

/** Cost of one call, or undefined when the model has no price or the usage has no counts. */
export function estimateCost(provider: string, model: string | undefined, usage: CostUsage | undefined, table: PriceTable): Cost | undefined {
  if (!model || !usage || (usage.input_tokens === undefined && usage.output_tokens === undefined)) return undefined;
  const found = table.resolved.get(`${provider}\0${model}`);
  if (!found) return undefined;
  const { rule, fromConfig } = found;
  const input = usage.input_tokens ?? 0;
  const cached = Math.min(usage.cached_input_tokens ?? 0, input);
  const micro = (input - cached) * rule.input + cached * (rule.cachedInput ?? rule.input) + (usage.output_tokens ?? 0) * rule.output;
  // Round away float noise (1e-12 USD), far below any real price step.
  return { usd: Math.round(micro * 1e6) / 1e12, price_source: fromConfig ? 'config' : 'default' };
}
