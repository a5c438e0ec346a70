import { describe, expect, it } from 'vitest';
import { BUILTIN_PRICES, compilePriceTable, estimateCost, modelAliases, PricingConfig } from './pricing.js';

const builtin = compilePriceTable();

describe('estimateCost with the built-in table', () => {
  it.each([
    // provider, model, usage, expected USD
    ['openai', 'gpt-4o-mini-2024-07-18', { input_tokens: 1_000_000, output_tokens: 1_000_000 }, 0.15 + 0.6],
    ['openai', 'gpt-4o-2024-08-06', { input_tokens: 2000, cached_input_tokens: 1000, output_tokens: 500 }, (1000 * 2.5 + 1000 * 1.25 + 500 * 10) / 1e6],
    ['azure_openai', 'gpt-4o-2024-11-20', { input_tokens: 33, output_tokens: 4 }, (33 * 2.5 + 4 * 10) / 1e6],
    ['anthropic', 'claude-sonnet-4-20250514', { input_tokens: 2460, cached_input_tokens: 2048, output_tokens: 71 }, (412 * 3 + 2048 * 0.3 + 71 * 15) / 1e6],
    ['anthropic', 'claude-opus-4-5-20251101', { input_tokens: 1000, output_tokens: 1000 }, (1000 * 5 + 1000 * 25) / 1e6],
    ['anthropic', 'claude-opus-4-1-20250805', { input_tokens: 1000, output_tokens: 1000 }, (1000 * 15 + 1000 * 75) / 1e6],
    ['bedrock', 'us.anthropic.claude-3-5-sonnet-20240620-v1:0', { input_tokens: 100, output_tokens: 10 }, (100 * 3 + 10 * 15) / 1e6],
    ['bedrock', 'arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-haiku-20240307-v1:0', { input_tokens: 100, output_tokens: 10 }, (100 * 0.25 + 10 * 1.25) / 1e6],
    ['openrouter', 'openai/gpt-4o-mini', { input_tokens: 100, output_tokens: 10 }, (100 * 0.15 + 10 * 0.6) / 1e6],
    ['gemini', 'gemini-2.5-flash-lite', { input_tokens: 1000, output_tokens: 1000 }, (1000 * 0.1 + 1000 * 0.4) / 1e6],
    ['gemini', 'gemini-2.5-flash', { input_tokens: 1000, output_tokens: 1000 }, (1000 * 0.3 + 1000 * 2.5) / 1e6],
    ['openai', 'text-embedding-3-small', { input_tokens: 14 }, (14 * 0.02) / 1e6],
    ['ollama', 'llama3.2', { input_tokens: 500, output_tokens: 500 }, 0],
  ] as const)('%s %s', (provider, model, usage, usd) => {
    const cost = estimateCost(provider, model, usage, builtin);
    expect(cost?.price_source).toBe('default');
    expect(cost?.usd).toBeCloseTo(usd, 12);
  });

  it('the most specific glob wins whatever the table order', () => {
    expect(estimateCost('openai', 'gpt-4.1-nano', { input_tokens: 1e6 }, builtin)?.usd).toBeCloseTo(0.1, 12);
    expect(estimateCost('openai', 'gpt-4.1', { input_tokens: 1e6 }, builtin)?.usd).toBeCloseTo(2, 12);
    expect(estimateCost('openai', 'o3-mini', { input_tokens: 1e6 }, builtin)?.usd).toBeCloseTo(1.1, 12);
  });

  it('cached tokens never exceed input tokens', () => {
    expect(estimateCost('openai', 'gpt-4o', { input_tokens: 10, cached_input_tokens: 50 }, builtin)?.usd).toBeCloseTo((10 * 1.25) / 1e6, 12);
  });

  it('no cost without a known model or without counts', () => {
    expect(estimateCost('openai_compatible', 'Qwen/Qwen2.5-7B-Instruct', { input_tokens: 10 }, builtin)).toBeUndefined();
    expect(estimateCost('openai', undefined, { input_tokens: 10 }, builtin)).toBeUndefined();
    expect(estimateCost('openai', 'gpt-4o', {}, builtin)).toBeUndefined();
    expect(estimateCost('openai', 'gpt-4o', undefined, builtin)).toBeUndefined();
  });

  it('provider-bound entries apply only to their provider', () => {
    expect(estimateCost('together', 'llama-3.3-70b-instruct', { input_tokens: 10 }, builtin)).toBeUndefined();
    expect(estimateCost('groq', 'llama-3.3-70b-versatile', { input_tokens: 1e6 }, builtin)?.usd).toBeCloseTo(0.59, 12);
  });

  it('every built-in entry is a valid config entry', () => {
    expect(PricingConfig.safeParse({ models: BUILTIN_PRICES }).success).toBe(true);
  });
});

describe('config overrides', () => {
  const table = compilePriceTable(
    PricingConfig.parse({
      models: [
        { model: 'gpt-4o*', input: 2, cachedInput: 1, output: 8 },
        { provider: 'openai_compatible', model: 'Qwen/*', input: 0.2, output: 0.2 },
        { provider: 'azure_openai', model: 'gpt4o-triage', input: 2.75, output: 11 },
      ],
    }),
  );

  it('config beats the built-ins and says so', () => {
    expect(estimateCost('openai', 'gpt-4o', { input_tokens: 1e6, output_tokens: 1e6 }, table)).toEqual({ usd: 10, price_source: 'config' });
    expect(estimateCost('openai', 'gpt-4o-mini', { input_tokens: 1e6 }, table)).toEqual({ usd: 2, price_source: 'config' });
    expect(estimateCost('openai', 'gpt-4.1', { input_tokens: 1e6 }, table)).toEqual({ usd: 2, price_source: 'default' });
  });

  it('self-hosted and deployment names can be priced', () => {
    expect(estimateCost('openai_compatible', 'Qwen/Qwen2.5-7B-Instruct', { input_tokens: 1e6, output_tokens: 1e6 }, table)?.usd).toBeCloseTo(0.4, 12);
    expect(estimateCost('azure_openai', 'gpt4o-triage', { input_tokens: 1e6 }, table)?.usd).toBeCloseTo(2.75, 12);
    expect(estimateCost('openai', 'gpt4o-triage', { input_tokens: 1e6 }, table)).toBeUndefined();
  });

  it('built-ins can be turned off', () => {
    const only = compilePriceTable(PricingConfig.parse({ builtin: false }));
    expect(estimateCost('openai', 'gpt-4o', { input_tokens: 10 }, only)).toBeUndefined();
  });

  it('rejects negative prices', () => {
    expect(PricingConfig.safeParse({ models: [{ model: 'x', input: -1 }] }).success).toBe(false);
  });
});

describe('modelAliases', () => {
  it('strips router and Bedrock prefixes and dotted versions', () => {
    expect(modelAliases('anthropic/claude-3.5-haiku')).toEqual(['anthropic/claude-3.5-haiku', 'claude-3.5-haiku', 'claude-3-5-haiku']);
    expect(modelAliases('eu.anthropic.claude-sonnet-4-20250514-v1:0')).toEqual(['eu.anthropic.claude-sonnet-4-20250514-v1:0', 'claude-sonnet-4-20250514-v1:0']);
    expect(modelAliases('gpt-4o')).toEqual(['gpt-4o']);
  });
});

describe('resolved-rule memo', () => {
  it('answers repeats as the first time, per provider, and stays bounded', () => {
    const table = compilePriceTable(PricingConfig.parse({ models: [{ provider: 'gateway', model: 'gpt-4o-mini*', input: 1, output: 1 }] }));
    const usage = { input_tokens: 1e6, output_tokens: 0 };
    for (let i = 0; i < 3; i++) {
      expect(estimateCost('gateway', 'gpt-4o-mini', usage, table)).toEqual({ usd: 1, price_source: 'config' });
      expect(estimateCost('openai', 'gpt-4o-mini', usage, table)).toEqual({ usd: 0.15, price_source: 'default' });
      expect(estimateCost('openai', 'no-such-model', usage, table)).toBeUndefined();
    }
    for (let i = 0; i < 3000; i++) estimateCost('openai', `model-${i}`, usage, table);
    expect(table.resolved.size).toBeLessThanOrEqual(1024);
    expect(estimateCost('gateway', 'gpt-4o-mini', usage, table)?.usd).toBe(1);
  });
});
