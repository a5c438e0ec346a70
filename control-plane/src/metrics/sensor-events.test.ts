import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { AiCall, Event } from '../../../schema/event.js';
import { SAMPLE_EVENTS } from '../../../schema/fixtures/events.js';
import { sampleOf } from '../../../test/helpers/prom-text.js';
import { BoundedLabel, foldedCounter, OTHER, UNKNOWN } from './labels.js';
import { DEFAULT_LIMITS, SensorEventMetrics, statusClass } from './sensor-events.js';

function aiCall(i: number, model: string, namespace: string, extra: Partial<AiCall> = {}): Event {
  const base = SAMPLE_EVENTS.ai_call;
  return {
    ...base,
    id: `ai-${i}`,
    k8s: { namespace },
    ai_call: { ...base.ai_call, gen_ai: { ...base.ai_call.gen_ai, response: { model } }, ...extra },
  };
}

describe('BoundedLabel', () => {
  it('keeps the first `max` distinct values, folds the rest into "other" and counts each fold', async () => {
    const registry = new Registry();
    const label = new BoundedLabel('model', 2, foldedCounter(registry));
    expect(['a', 'b', 'a', 'c', 'd', 'b', undefined, ''].map((v) => label.value(v))).toEqual(['a', 'b', 'a', OTHER, OTHER, 'b', UNKNOWN, UNKNOWN]);
    expect(sampleOf(await registry.metrics(), 'vigil_metrics_label_values_folded_total', { label: 'model' })).toBe(2);
  });
});

describe('statusClass', () => {
  it.each([
    [{ http: { status_code: 200 } }, '2xx'],
    [{ http: { status_code: 429 } }, '4xx'],
    [{ http: { status_code: 503 } }, '5xx'],
    [{ incomplete: true }, 'incomplete'],
    [{ error: { type: 'timeout' } }, 'error'],
    [{}, 'unknown'],
  ] as Array<[AiCall, string]>)('%j → %s', (a, cls) => expect(statusClass(a)).toBe(cls));
});

describe('SensorEventMetrics', () => {
  it('counts events by kind and node, losses by probe, and AI calls, tokens and cost by provider, model, namespace, status class', async () => {
    const registry = new Registry();
    const m = new SensorEventMetrics(registry);
    m.observe(SAMPLE_EVENTS.ai_call);
    m.observe({ ...SAMPLE_EVENTS.ai_call, id: 'x2' });
    m.observe(SAMPLE_EVENTS.loss);
    m.observe(SAMPLE_EVENTS.sensor_status);
    const text = await registry.metrics();
    const labels = { provider: 'openai', model: 'gpt-4o-mini-2024-07-18', namespace: 'shop', status_class: '2xx' };
    expect(sampleOf(text, 'vigil_sensor_events_total', { kind: 'ai_call', node: SAMPLE_EVENTS.ai_call.node })).toBe(2);
    expect(sampleOf(text, 'vigil_sensor_events_total', { kind: 'sensor_status', node: 'node-a' })).toBe(1);
    expect(sampleOf(text, 'vigil_sensor_lost_records_total', { node: 'node-b', probe: 'ssl_read' })).toBe(37);
    expect(sampleOf(text, 'vigil_ai_calls_total', labels)).toBe(2);
    expect(sampleOf(text, 'vigil_ai_tokens_total', { ...labels, direction: 'input' })).toBe(2 * 1284);
    expect(sampleOf(text, 'vigil_ai_tokens_total', { ...labels, direction: 'output' })).toBe(2 * 211);
    expect(sampleOf(text, 'vigil_ai_cost_usd_total', labels)).toBeCloseTo(2 * 0.000319, 9);
  });

  it('caps model and namespace values: a flood of names adds one "other" series, and the folding is counted', async () => {
    const registry = new Registry();
    const m = new SensorEventMetrics(registry, { ...DEFAULT_LIMITS, models: 3, namespaces: 2 });
    for (let i = 0; i < 50; i++) m.observe(aiCall(i, `model-${i}`, `ns-${i % 4}`));
    const text = await registry.metrics();
    const series = text.split('\n').filter((l) => l.startsWith('vigil_ai_calls_total{'));
    // 3 kept models × 2 kept namespaces at most, plus the "other" combinations.
    expect(series.length).toBeLessThanOrEqual(3 * 2 + 3 + 2 + 1);
    const total = series.reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
    expect(total).toBe(50);
    expect(sampleOf(text, 'vigil_ai_calls_total', { model: OTHER, namespace: OTHER })).toBeGreaterThan(0);
    expect(sampleOf(text, 'vigil_metrics_label_values_folded_total', { label: 'model' })).toBe(47);
    expect(sampleOf(text, 'vigil_metrics_label_values_folded_total', { label: 'namespace' })).toBe(24);
  });
});
