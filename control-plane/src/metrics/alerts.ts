// Alert delivery by sink (the configured sink name: bounded by the config) and event
// (trigger, escalate, reopen, acknowledge, resolve).
import { Counter, type Registry } from 'prom-client';

export class AlertMetrics {
  private readonly sent: Counter<'sink' | 'type' | 'event'>;
  private readonly failed: Counter<'sink' | 'type' | 'event'>;
  private readonly dropped: Counter<'sink' | 'type'>;

  constructor(registry: Registry) {
    const labelNames = ['sink', 'type', 'event'] as const;
    this.sent = new Counter({ name: 'vigil_alerts_sent_total', help: 'Alert messages delivered, by sink name, sink type and alert event', labelNames, registers: [registry] });
    this.failed = new Counter({ name: 'vigil_alerts_failed_total', help: 'Alert messages whose delivery failed (after the sink\'s retries), by sink, type and event', labelNames, registers: [registry] });
    this.dropped = new Counter({ name: 'vigil_alerts_dropped_total', help: 'Alert messages dropped because the sink\'s queue was full', labelNames: ['sink', 'type'], registers: [registry] });
  }

  delivered(sink: { name: string; type: string }, event: string, ok: boolean): void {
    (ok ? this.sent : this.failed).inc({ sink: sink.name, type: sink.type, event });
  }

  droppedOne(sink: { name: string; type: string }): void {
    this.dropped.inc({ sink: sink.name, type: sink.type });
  }
}
