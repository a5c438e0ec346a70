// Token and cost spikes against a workload's own history: one EWMA per workload+model+metric.
// A value is a spike when it exceeds `factor` × the baseline after `warmup` observations, so a
// workload that always sends big prompts is not flagged, while a sudden jump is.
export interface BaselineConfig {
  /** Weight of the newest observation. */
  alpha: number;
  factor: number;
  warmup: number;
  /** Bound on tracked keys; the least recently seen key is forgotten first. */
  maxKeys: number;
}

export const DEFAULT_BASELINE: BaselineConfig = { alpha: 0.1, factor: 3, warmup: 20, maxKeys: 10_000 };

interface Ewma {
  mean: number;
  n: number;
}

export interface SpikeVerdict {
  spike: boolean;
  baseline: number;
  value: number;
}

export class SpikeDetector {
  private readonly series = new Map<string, Ewma>();
  evicted = 0;

  constructor(private readonly cfg: BaselineConfig = DEFAULT_BASELINE) {}

  observe(key: string, value: number): SpikeVerdict {
    const s = this.series.get(key);
    if (!s) {
      this.remember(key, { mean: value, n: 1 });
      return { spike: false, baseline: value, value };
    }
    const baseline = s.mean;
    const spike = s.n >= this.cfg.warmup && baseline > 0 && value > this.cfg.factor * baseline;
    s.mean = baseline + this.cfg.alpha * (value - baseline);
    s.n += 1;
    this.remember(key, s);
    return { spike, baseline, value };
  }

  private remember(key: string, s: Ewma): void {
    this.series.delete(key);
    this.series.set(key, s);
    if (this.series.size > this.cfg.maxKeys) {
      const oldest = this.series.keys().next().value;
      if (oldest !== undefined) this.series.delete(oldest);
      this.evicted += 1;
    }
  }
}
