// The NATS sensor-event consumer's own counters, read from its stats when scraped: messages that
// were not valid events (logged, acknowledged, skipped) and whether it is connected.
import { Counter, Gauge, type Registry } from 'prom-client';
import type { SensorConsumerStats } from '../ingest/nats.js';

export function registerConsumerMetrics(registry: Registry, stats: () => SensorConsumerStats): void {
  new Counter({
    name: 'vigil_sensor_events_rejected_total',
    help: 'NATS messages on the sensor subjects that were not valid events (skipped and acknowledged)',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(stats().bad);
    },
  });
  new Gauge({
    name: 'vigil_sensor_consumer_connected',
    help: '1 while the control plane consumes sensor events from NATS JetStream',
    registers: [registry],
    collect() {
      this.set(stats().connected ? 1 : 0);
    },
  });
}
