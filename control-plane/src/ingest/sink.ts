import type { Signal } from '../signal.js';

/** Where ingested Signals go: the incident engine in production, an array in tests. */
export interface SignalSink {
  /** Takes a whole request's Signals at once: a request is ingested entirely or not at all. */
  accept(signals: Signal[]): void;
}
