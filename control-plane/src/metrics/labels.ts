// Label values taken from data (models, namespaces, nodes) are capped: past `max` distinct values
// the rest are reported as "other", and each folded observation is counted, so a flood of
// made-up model names cannot grow the series count without bound — and the folding shows.
import { Counter, type Registry } from 'prom-client';

export const OTHER = 'other';
export const UNKNOWN = 'unknown';

/** The counter of folded observations, one per registry, shared by every BoundedLabel on it. */
export function foldedCounter(registry: Registry): Counter<'label'> {
  const existing = registry.getSingleMetric('vigil_metrics_label_values_folded_total');
  if (existing) return existing as Counter<'label'>;
  return new Counter({
    name: 'vigil_metrics_label_values_folded_total',
    help: 'Observations whose label value was reported as "other" because the label reached its cap of distinct values',
    labelNames: ['label'],
    registers: [registry],
  });
}

export class BoundedLabel {
  private readonly seen = new Set<string>();

  constructor(
    readonly name: string,
    readonly max: number,
    private readonly folded: Counter<'label'>,
  ) {}

  /** The value to report for `raw`: itself while there is room, UNKNOWN when absent, OTHER past the cap. */
  value(raw: string | undefined): string {
    if (raw === undefined || raw === '') return UNKNOWN;
    if (this.seen.has(raw)) return raw;
    if (this.seen.size < this.max) {
      this.seen.add(raw);
      return raw;
    }
    this.folded.inc({ label: this.name });
    return OTHER;
  }
}
