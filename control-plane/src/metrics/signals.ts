// Counts the Signals a source hands to the incident engine by their own source and adapter, for
// the sources without a route of their own (sensor events, Kubernetes, Loki, custom HTTP logs);
// the /logs and /webhook routes count theirs where they accept them.
import type { Counter } from 'prom-client';
import type { SignalSink } from '../ingest/sink.js';

export function countingSink(sink: SignalSink, signals: Counter<'source' | 'adapter'>): SignalSink {
  return {
    accept(batch) {
      for (const s of batch) signals.inc({ source: s.source, adapter: s.adapter });
      sink.accept(batch);
    },
  };
}
