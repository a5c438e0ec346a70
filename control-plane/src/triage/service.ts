// Triage in the configured mode, with at most one LLM call per incident fingerprint: a bounded
// cache of answers and in-flight dedup (a storm of signals shares one pending call).
import type OpenAI from 'openai';
import type { TriageMetrics, TriageResult } from '../metrics/triage.js';
import type { TriageConfig } from './config.js';
import type { AnalysisInput } from './input.js';
import { LlmTriage } from './llm.js';
import { analyzeOffline } from './offline.js';
import type { Analysis, Redactor } from './types.js';

export interface TriageDeps {
  config: TriageConfig;
  redactor: Redactor;
  /** An OpenAI client to use instead of one built from config (tests, shared clients). */
  client?: OpenAI;
  metrics?: TriageMetrics;
}

function redactAnalysis(a: Analysis, redactor: Redactor): Analysis {
  const r = (s: string) => redactor.redact(s);
  return { ...a, summary: r(a.summary), root_cause: r(a.root_cause), recommendation: r(a.recommendation), reason: r(a.reason), evidence: a.evidence.map(r) };
}

export class TriageService {
  private readonly llm?: LlmTriage;
  private readonly cache = new Map<string, Analysis>();
  private readonly inFlight = new Map<string, Promise<Analysis>>();
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  readonly stats = { llmCalls: 0, cacheHits: 0, joined: 0, fallbacks: 0 };

  constructor(private readonly deps: TriageDeps) {
    const { config } = deps;
    if (config.mode !== 'offline') {
      if (!config.llm) throw new Error(`triage.mode ${config.mode} needs a triage.llm section`);
      this.llm = new LlmTriage(config.llm, deps.redactor, deps.client);
    }
  }

  /** Offline analysis, redacted: cheap, synchronous, always available. */
  offline(input: AnalysisInput): Analysis {
    return redactAnalysis(analyzeOffline(input), this.deps.redactor);
  }

  /** Analysis in the configured mode. With a fingerprint, the LLM is asked at most once for it. */
  async analyze(input: AnalysisInput, fingerprint?: string): Promise<Analysis> {
    const started = performance.now();
    let result: TriageResult | undefined;
    try {
      const analysis = await this.analyzeOnce(input, fingerprint, () => (result = 'cached'));
      result ??= analysis.source;
      return analysis;
    } finally {
      if (result) this.deps.metrics?.observe(this.deps.config.mode, result, (performance.now() - started) / 1000);
    }
  }

  private async analyzeOnce(input: AnalysisInput, fingerprint: string | undefined, onCached: () => void): Promise<Analysis> {
    const offline = this.offline(input);
    if (!this.llm) return offline;
    if (fingerprint === undefined) return this.callLlm(input, offline);
    const cached = this.cache.get(fingerprint);
    if (cached) {
      this.stats.cacheHits += 1;
      onCached();
      return cached;
    }
    const pending = this.inFlight.get(fingerprint);
    if (pending) {
      this.stats.joined += 1;
      return pending;
    }
    const p = this.callLlm(input, offline).then((a) => {
      this.remember(fingerprint, a);
      return a;
    });
    this.inFlight.set(fingerprint, p);
    try {
      return await p;
    } finally {
      this.inFlight.delete(fingerprint);
    }
  }

  private async callLlm(input: AnalysisInput, offline: Analysis): Promise<Analysis> {
    await this.acquire();
    try {
      this.stats.llmCalls += 1;
      const out = await this.llm!.analyze(input, offline);
      this.deps.metrics?.llmCall(this.deps.config.mode, out.ok);
      if (out.ok) return out.analysis;
      this.stats.fallbacks += 1;
      if (this.deps.config.mode === 'llm-fallback') return { ...offline, source: 'offline-fallback' };
      return {
        ...offline,
        summary: `LLM triage failed: ${out.error.slice(0, 200)}`,
        root_cause: 'unknown (LLM unavailable)',
        recommendation: 'Inspect the evidence manually or enable the offline fallback.',
        action: null,
        confidence: 0,
        source: 'llm',
      };
    } finally {
      this.release();
    }
  }

  private remember(fingerprint: string, a: Analysis): void {
    this.cache.set(fingerprint, a);
    if (this.cache.size > this.deps.config.cache_size) this.cache.delete(this.cache.keys().next().value!);
  }

  private async acquire(): Promise<void> {
    if (this.active < this.deps.config.workers) {
      this.active += 1;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active -= 1;
  }
}
