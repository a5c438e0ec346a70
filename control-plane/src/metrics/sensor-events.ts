// What the control plane learns from the sensor events it consumes: events by kind and node,
// probe losses by node and probe, and AI usage (calls, tokens, estimated cost) by provider,
// model, namespace and status class. Label values from data are capped (labels.ts).
import { Counter, type Registry } from 'prom-client';
import type { AiCall, Event } from '../../../schema/event.js';
import { BoundedLabel, foldedCounter } from './labels.js';

export interface SensorEventLimits {
  nodes: number;
  probes: number;
  providers: number;
  models: number;
  namespaces: number;
}

export const DEFAULT_LIMITS: SensorEventLimits = { nodes: 2000, probes: 64, providers: 64, models: 200, namespaces: 500 };

type AiLabels = 'provider' | 'model' | 'namespace' | 'status_class';

/** The counters of one label combination, bound once: prom-client hashes a label object on every inc(). */
interface AiSeries {
  calls: { inc(n?: number): void };
  tokensIn: { inc(n?: number): void };
  tokensOut: { inc(n?: number): void };
  cost: { inc(n?: number): void };
}

/** 2xx/3xx/4xx/5xx from the HTTP status; without one, why there is none. */
export function statusClass(a: AiCall): string {
  const status = a.http?.status_code;
  if (status !== undefined && status >= 100 && status < 600) return `${Math.floor(status / 100)}xx`;
  if (a.incomplete) return 'incomplete';
  if (a.error?.type) return 'error';
  return 'unknown';
}

export class SensorEventMetrics {
  private readonly events: Counter<'kind' | 'node'>;
  private readonly losses: Counter<'node' | 'probe'>;
  private readonly aiCalls: Counter<AiLabels>;
  private readonly aiTokens: Counter<AiLabels | 'direction'>;
  private readonly aiCost: Counter<AiLabels>;
  private readonly labels: Record<keyof SensorEventLimits, BoundedLabel>;
  // Bounded by the label caps: one entry per series that exists in the registry anyway.
  private readonly aiSeries = new Map<string, AiSeries>();
  private readonly eventSeries = new Map<string, { inc(n?: number): void }>();

  constructor(registry: Registry, limits: SensorEventLimits = DEFAULT_LIMITS) {
    const folded = foldedCounter(registry);
    this.labels = {
      nodes: new BoundedLabel('node', limits.nodes, folded),
      probes: new BoundedLabel('probe', limits.probes, folded),
      providers: new BoundedLabel('provider', limits.providers, folded),
      models: new BoundedLabel('model', limits.models, folded),
      namespaces: new BoundedLabel('namespace', limits.namespaces, folded),
    };
    const ai: AiLabels[] = ['provider', 'model', 'namespace', 'status_class'];
    this.events = new Counter({ name: 'vigil_sensor_events_total', help: 'Sensor events consumed by the control plane, by kind and node', labelNames: ['kind', 'node'], registers: [registry] });
    this.losses = new Counter({ name: 'vigil_sensor_lost_records_total', help: 'Records the sensors reported lost (loss events), by node and probe or stage', labelNames: ['node', 'probe'], registers: [registry] });
    this.aiCalls = new Counter({ name: 'vigil_ai_calls_total', help: 'AI API calls seen by the sensors', labelNames: ai, registers: [registry] });
    this.aiTokens = new Counter({ name: 'vigil_ai_tokens_total', help: 'Tokens used by AI API calls, by direction (input, output)', labelNames: [...ai, 'direction'], registers: [registry] });
    this.aiCost = new Counter({ name: 'vigil_ai_cost_usd_total', help: 'Estimated cost of AI API calls in US dollars (list prices or the configured table)', labelNames: ai, registers: [registry] });
  }

  observe(e: Event): void {
    const node = this.labels.nodes.value(e.node);
    const key = `${e.kind}\0${node}`;
    let events = this.eventSeries.get(key);
    if (!events) this.eventSeries.set(key, (events = this.events.labels({ kind: e.kind, node })));
    events.inc();
    if (e.kind === 'loss' && e.loss.count > 0) this.losses.inc({ node, probe: this.labels.probes.value(e.loss.probe) }, e.loss.count);
    if (e.kind === 'ai_call') this.observeAiCall(e.ai_call, e.k8s?.namespace);
  }

  private observeAiCall(a: AiCall, namespace: string | undefined): void {
    const labels = {
      provider: this.labels.providers.value(a.provider ?? a.gen_ai?.system),
      model: this.labels.models.value(a.gen_ai?.response?.model ?? a.gen_ai?.request?.model),
      namespace: this.labels.namespaces.value(namespace),
      status_class: statusClass(a),
    };
    const series = this.seriesFor(labels);
    series.calls.inc();
    const usage = a.gen_ai?.usage;
    if (usage?.input_tokens) series.tokensIn.inc(usage.input_tokens);
    if (usage?.output_tokens) series.tokensOut.inc(usage.output_tokens);
    const usd = a.cost?.usd;
    if (usd !== undefined && Number.isFinite(usd) && usd > 0) series.cost.inc(usd);
  }

  private seriesFor(labels: Record<AiLabels, string>): AiSeries {
    const key = `${labels.provider}\0${labels.model}\0${labels.namespace}\0${labels.status_class}`;
    let series = this.aiSeries.get(key);
    if (!series) {
      series = {
        calls: this.aiCalls.labels(labels),
        tokensIn: this.aiTokens.labels({ ...labels, direction: 'input' }),
        tokensOut: this.aiTokens.labels({ ...labels, direction: 'output' }),
        cost: this.aiCost.labels(labels),
      };
      this.aiSeries.set(key, series);
    }
    return series;
  }
}
