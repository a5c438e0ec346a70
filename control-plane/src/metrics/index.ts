// The control plane's metrics: one registry, passed down to each part that counts something.
// Ingest counters (ingest/metrics.ts) are registered on the same registry by the app.
import { Registry } from 'prom-client';
import { AlertMetrics } from './alerts.js';
import { RemediationMetrics } from './remediation.js';
import { SensorEventMetrics } from './sensor-events.js';
import { TriageMetrics } from './triage.js';

export { registerIncidentGauge } from './incidents.js';
export { metricsRoute } from './route.js';

export interface ControlPlaneMetrics {
  registry: Registry;
  sensorEvents: SensorEventMetrics;
  triage: TriageMetrics;
  alerts: AlertMetrics;
  remediation: RemediationMetrics;
}

export function createMetrics(registry: Registry = new Registry()): ControlPlaneMetrics {
  return {
    registry,
    sensorEvents: new SensorEventMetrics(registry),
    triage: new TriageMetrics(registry),
    alerts: new AlertMetrics(registry),
    remediation: new RemediationMetrics(registry),
  };
}
