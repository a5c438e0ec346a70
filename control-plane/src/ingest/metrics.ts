// Ingest counters (prom-client): every accepted log line, every rejected request and every
// Signal handed to the sink is counted, so nothing is dropped silently.
import { Counter, type Registry } from 'prom-client';

export class IngestMetrics {
  readonly requests: Counter<'endpoint' | 'code'>;
  readonly logLines: Counter<'result'>;
  readonly signals: Counter<'source' | 'adapter'>;

  constructor(registry: Registry) {
    this.requests = new Counter({
      name: 'vigil_ingest_requests_total',
      help: 'Ingest requests by endpoint and outcome code (ACCEPTED, PARTIAL or the error code)',
      labelNames: ['endpoint', 'code'],
      registers: [registry],
    });
    this.logLines = new Counter({
      name: 'vigil_ingest_log_lines_total',
      help: 'Log records received on POST /logs, accepted or rejected',
      labelNames: ['result'],
      registers: [registry],
    });
    this.signals = new Counter({
      name: 'vigil_ingest_signals_total',
      help: 'Signals handed to the incident engine',
      labelNames: ['source', 'adapter'],
      registers: [registry],
    });
  }
}
