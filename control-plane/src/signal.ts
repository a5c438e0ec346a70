// The one input type of the incident engine. Every source (sensor events, POST /logs, the
// alert webhooks, Kubernetes watches, Loki) is normalised into a Signal at its edge and
// validated here once.
import { z } from 'zod';

export const SIGNAL_SOURCES = ['sensor', 'logs', 'webhook', 'kubernetes', 'loki', 'api'] as const;
export const SEVERITIES = ['critical', 'error', 'warning', 'info'] as const;

export const Resource = z.object({
  cluster: z.string().optional(),
  node: z.string().optional(),
  namespace: z.string().optional(),
  /** Owning workload (Deployment, StatefulSet, DaemonSet, Job, CronJob...) when known. */
  workload: z.object({ kind: z.string(), name: z.string() }).optional(),
  pod: z.string().optional(),
  container: z.string().optional(),
  service: z.string().optional(),
});

export const Signal = z.object({
  /** Unique per signal; the same source record always yields the same id (dedup on replay). */
  id: z.string().min(1),
  source: z.enum(SIGNAL_SOURCES),
  /** Which adapter produced it: alertmanager, grafana, fluentbit, sensor, pod-watch, ... */
  adapter: z.string().min(1),
  /** What kind of thing happened: crash, oom, exit, alert, log, k8s, ai_call, ... */
  kind: z.string().min(1),
  /** Failure reason when the source names one: OOMKilled, CrashLoopBackOff, HighErrorRate, 429 ... */
  reason: z.string().optional(),
  time: z.iso.datetime(),
  status: z.enum(['firing', 'resolved']).default('firing'),
  severity: z.enum(SEVERITIES).default('error'),
  title: z.string(),
  message: z.string().default(''),
  /** Fingerprint given by the source (Alertmanager, PagerDuty...), kept for dedup and resolve. */
  sourceFingerprint: z.string().optional(),
  resource: Resource.default({}),
  labels: z.record(z.string(), z.string()).default({}),
  annotations: z.record(z.string(), z.string()).default({}),
  links: z.array(z.string()).default([]),
  /** Evidence lines (log lines, event messages), already redacted. */
  evidence: z.array(z.string()).default([]),
  /** Source-specific structured detail (exit code, AI call fields, pod status...). */
  attributes: z.record(z.string(), z.unknown()).default({}),
});

export type Signal = z.infer<typeof Signal>;
export type SignalInput = z.input<typeof Signal>;
export type Resource = z.infer<typeof Resource>;
export type Severity = (typeof SEVERITIES)[number];
