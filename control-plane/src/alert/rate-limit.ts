// Token bucket: at most `perMinute` sends per minute with bursts up to `burst`.
export class TokenBucket {
  private tokens: number;
  private last = Date.now();

  constructor(
    private readonly perMinute: number,
    private readonly burst = Math.max(1, Math.ceil(perMinute / 6)),
  ) {
    this.tokens = this.burst;
  }

  /** Resolves when a token is available (callers are a sink's single worker, so no fairness issue). */
  async take(): Promise<void> {
    for (;;) {
      const now = Date.now();
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.perMinute) / 60_000);
      this.last = now;
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      await new Promise((r) => setTimeout(r, Math.ceil(((1 - this.tokens) * 60_000) / this.perMinute)));
    }
  }
}
