// Triage: how long an analysis takes (histogram) by triage mode and where the answer came from,
// and the LLM calls made and failed by mode.
import { Counter, Histogram, type Registry } from 'prom-client';

/** offline | llm | offline-fallback (an Analysis's source), or cached for an answer reused by fingerprint. */
export type TriageResult = 'offline' | 'llm' | 'offline-fallback' | 'cached';

export class TriageMetrics {
  private readonly duration: Histogram<'mode' | 'result'>;
  private readonly llmCalls: Counter<'mode'>;
  private readonly llmFailures: Counter<'mode'>;

  constructor(registry: Registry) {
    this.duration = new Histogram({
      name: 'vigil_triage_duration_seconds',
      help: 'Time to analyse an incident, by triage mode and result (offline, llm, offline-fallback, cached)',
      labelNames: ['mode', 'result'],
      // From the offline analyzer's milliseconds to a slow LLM's tens of seconds.
      buckets: [0.001, 0.005, 0.025, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    });
    this.llmCalls = new Counter({ name: 'vigil_triage_llm_calls_total', help: 'LLM triage calls made, by triage mode', labelNames: ['mode'], registers: [registry] });
    this.llmFailures = new Counter({ name: 'vigil_triage_llm_failures_total', help: 'LLM triage calls that failed (error, timeout, unusable answer), by triage mode', labelNames: ['mode'], registers: [registry] });
  }

  observe(mode: string, result: TriageResult, seconds: number): void {
    this.duration.observe({ mode, result }, seconds);
  }

  llmCall(mode: string, ok: boolean): void {
    this.llmCalls.inc({ mode });
    if (!ok) this.llmFailures.inc({ mode });
  }
}
