// Sensor events into the AI-call store, and each new row onto the live stream. The stream is
// rate-bounded: per flush interval at most `maxPerFlush` rows go out one by one; past that, one
// `{coalesced: n}` message says how many more arrived (they are in the store; clients refetch).
import type { Event } from '../../../schema/event.js';
import type { LiveHub } from '../api/live.js';
import { aiCallRowOf } from './from-event.js';
import type { AiCallRow, AiCallStore } from './store.js';

export interface AiCallFeedOptions {
  flushMs?: number;
  maxPerFlush?: number;
}

export class AiCallFeed {
  private pending: AiCallRow[] = [];
  private coalesced = 0;
  private readonly timer: NodeJS.Timeout;
  private readonly maxPerFlush: number;
  readonly stats = { rows: 0, coalesced: 0 };

  constructor(
    readonly store: AiCallStore,
    private readonly live: LiveHub,
    opts: AiCallFeedOptions = {},
  ) {
    this.maxPerFlush = opts.maxPerFlush ?? 50;
    this.timer = setInterval(() => this.flush(), opts.flushMs ?? 250);
    this.timer.unref();
  }

  /** Takes any event; only `ai_call` ones become rows. */
  accept(event: Event): void {
    const row = aiCallRowOf(event);
    if (!row) return;
    this.store.add(row);
    this.stats.rows += 1;
    if (this.pending.length < this.maxPerFlush) this.pending.push(row);
    else this.coalesced += 1;
  }

  flush(): void {
    const rows = this.pending;
    this.pending = [];
    for (const row of rows) this.live.publish('ai_call', row);
    if (this.coalesced > 0) {
      this.live.publish('ai_call', { coalesced: this.coalesced });
      this.stats.coalesced += this.coalesced;
      this.coalesced = 0;
    }
  }

  close(): void {
    clearInterval(this.timer);
    this.flush();
  }
}
