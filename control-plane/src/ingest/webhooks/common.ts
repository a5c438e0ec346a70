// What every alert adapter shares: severity words, where Kubernetes identity hides in label
// maps, and the one way an alert becomes a Signal (stable id, times, links, redaction).
import type { Resource, Severity, Signal } from '../../signal.js';
import { stableId } from '../ids.js';
import { redact } from '../redact.js';
import { compact, toIso, truncate } from '../values.js';
import type { WebhookAdapterName } from './names.js';

const SEVERITY_WORDS: Record<string, Severity> = {
  critical: 'critical', crit: 'critical', fatal: 'critical', emergency: 'critical', emerg: 'critical',
  disaster: 'critical', page: 'critical', p1: 'critical', sev1: 'critical', sev0: 'critical',
  error: 'error', err: 'error', high: 'error', major: 'error', p2: 'error', sev2: 'error', alert: 'error',
  warning: 'warning', warn: 'warning', medium: 'warning', moderate: 'warning', minor: 'warning',
  average: 'warning', p3: 'warning', sev3: 'warning',
  info: 'info', informational: 'info', information: 'info', low: 'info', none: 'info', ok: 'info',
  notice: 'info', debug: 'info', success: 'info', recovery: 'info', p4: 'info', p5: 'info', sev4: 'info', sev5: 'info',
};

/** A source's severity or priority word (or 1–5 priority number) on Vigil's four-step scale. */
export function normaliseSeverity(value: unknown, fallback: Severity = 'error'): Severity {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 5) {
    return SEVERITY_WORDS[`p${value}`]!;
  }
  if (typeof value !== 'string') return fallback;
  return SEVERITY_WORDS[value.trim().toLowerCase()] ?? fallback;
}

// Label names used by kube-state-metrics, cAdvisor, Datadog tags and OpenTelemetry for the
// same Kubernetes identity; the first present wins.
const RESOURCE_KEYS: Record<keyof Omit<Resource, 'workload'>, readonly string[]> = {
  cluster: ['cluster', 'cluster_name', 'kube_cluster_name', 'k8s.cluster.name'],
  node: ['node', 'kubernetes_node', 'node_name', 'k8s.node.name', 'host', 'hostname'],
  namespace: ['namespace', 'kubernetes_namespace', 'kube_namespace', 'namespace_name', 'exported_namespace', 'k8s.namespace.name'],
  pod: ['pod', 'pod_name', 'kubernetes_pod_name', 'exported_pod', 'k8s.pod.name'],
  container: ['container', 'container_name', 'kube_container_name', 'k8s.container.name'],
  service: ['service', 'kube_service', 'service_name', 'k8s.service.name'],
};

const RESOURCE_KEY_LIST = Object.entries(RESOURCE_KEYS) as Array<[keyof typeof RESOURCE_KEYS, readonly string[]]>;

/** Kubernetes identity read from a flat string map (labels, tags, details). */
export function resourceFromFields(fields: Record<string, string>, extra: Partial<Resource> = {}): Resource {
  const out: Resource = {};
  for (const [field, keys] of RESOURCE_KEY_LIST) {
    const key = keys.find((k) => fields[k] !== undefined && fields[k] !== '');
    const value = key === undefined ? extra[field] : fields[key];
    if (value !== undefined) out[field] = value;
  }
  return out;
}

/** Datadog-style tags ("key:value" strings, as an array or one comma-separated string) as a map. */
export function tagsToMap(tags: unknown): Record<string, string> {
  const list = Array.isArray(tags) ? tags : typeof tags === 'string' ? tags.split(',') : [];
  const out: Record<string, string> = {};
  for (const tag of list) {
    if (typeof tag !== 'string') continue;
    const i = tag.indexOf(':');
    if (i > 0) out[tag.slice(0, i).trim()] = tag.slice(i + 1).trim();
  }
  return out;
}

export interface AlertFields {
  adapter: WebhookAdapterName;
  /** The source record this signal stands for: its bytes make the id when there is no fingerprint. */
  record: unknown;
  status: 'firing' | 'resolved';
  severity: Severity;
  /** The alert's name; `<adapter> alert` when the payload names none. */
  alertName: string | undefined;
  title?: string;
  message?: string;
  fingerprint?: string;
  startsAt?: unknown;
  endsAt?: unknown;
  receivedAt: Date;
  resource: Resource;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  links?: Array<string | undefined>;
  attributes?: Record<string, unknown>;
}

const MAX_TEXT = 4096;

/**
 * The same notification yields the same id. A source fingerprint plus state and times names
 * it (cheap to hash); without one, the record's bytes do.
 */
function signalId(f: AlertFields, startsAt: string | undefined, endsAt: string | undefined): string {
  if (f.fingerprint === undefined) return stableId(f.adapter, JSON.stringify(f.record) ?? '');
  return stableId(f.adapter, f.fingerprint, f.status, startsAt ?? '', endsAt ?? '');
}

/**
 * The one way an alert from any system becomes a Signal. Built field by field (no runtime
 * schema pass on this hot path): every field is typed, and times come from toIso().
 */
export function alertSignal(f: AlertFields): Signal {
  const alertName = f.alertName ?? `${f.adapter} alert`;
  const startsAt = toIso(f.startsAt);
  const endsAt = f.status === 'resolved' ? toIso(f.endsAt) : undefined;
  const links: string[] = [];
  for (const l of f.links ?? []) if (l !== undefined && /^https?:\/\//i.test(l) && !links.includes(l)) links.push(l);
  const annotations: Record<string, string> = {};
  for (const [k, v] of Object.entries(f.annotations ?? {})) annotations[k] = truncate(redact(v), MAX_TEXT);
  const signal: Signal = {
    id: signalId(f, startsAt, endsAt),
    source: 'webhook',
    adapter: f.adapter,
    kind: 'alert',
    reason: alertName,
    time: endsAt ?? startsAt ?? f.receivedAt.toISOString(),
    status: f.status,
    severity: f.severity,
    title: truncate(redact(f.title ?? alertName), 512),
    message: truncate(redact(f.message ?? ''), MAX_TEXT),
    resource: f.resource,
    labels: f.labels ?? {},
    annotations,
    links,
    evidence: [],
    attributes: compact({ ...f.attributes, startsAt, endsAt }),
  };
  if (f.fingerprint !== undefined) signal.sourceFingerprint = f.fingerprint;
  return signal;
}

/** Prometheus label-set text (`a="x", b="y\"z"`) as a map; monitoring links often carry one. */
export function parseLabelSet(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of text.matchAll(/([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
    out[m[1]!] = m[2]!.replace(/\\(.)/g, '$1');
  }
  return out;
}
