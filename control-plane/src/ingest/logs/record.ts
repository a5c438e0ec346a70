// Reads one log record as shipped by Fluentd (kubernetes_metadata_filter) or Fluent Bit
// (kubernetes filter, out_http): where the message, level, time and Kubernetes identity sit.
import type { Resource } from '../../signal.js';
import { firstStr, isRecord, rec, str, stringMap, toIso } from '../values.js';
import { levelOf, type Level } from './classify.js';

/** What classification needs: read for every record, so kept to the minimum. */
export interface LogLine {
  message: string;
  level?: Level;
  /** The JSON application log found inside the message, when there was one. */
  inner?: Record<string, unknown>;
}

/** The rest of a record, read only for the lines that become Signals. */
export interface LogRecord extends LogLine {
  time?: string;
  resource: Resource;
  labels: Record<string, string>;
  attributes: Record<string, unknown>;
  /** fluentbit or fluentd: which shipper's framing this record carries. */
  shipper: 'fluentbit' | 'fluentd';
}

const MESSAGE_KEYS = ['log', 'message', 'msg', 'MESSAGE', 'text', 'error'] as const;
const LEVEL_KEYS = ['level', 'severity', 'lvl', 'loglevel', 'log_level', 'levelname', 'log.level', 'severity_text'] as const;
const TIME_KEYS = ['time', '@timestamp', 'timestamp', 'date', 'ts'] as const;

/** Container runtimes wrap JSON application logs in the `log` string: look inside once. */
function innerJson(message: string): Record<string, unknown> | undefined {
  if (message.charCodeAt(0) !== 123 || message.length > 65_536) return undefined;
  try {
    const v: unknown = JSON.parse(message);
    return isRecord(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

const pickStr = (r: Record<string, unknown>, keys: readonly string[]) => {
  for (const k of keys) {
    const v = str(r[k]);
    if (v !== undefined) return v;
  }
  return undefined;
};

const pick = (r: Record<string, unknown>, keys: readonly string[]) => {
  for (const k of keys) if (r[k] !== undefined && r[k] !== null && r[k] !== '') return r[k];
  return undefined;
};

/** Container log lines end in the newline the program wrote; it is not part of the message. */
function chompNewline(s: string): string {
  let end = s.length;
  if (s.charCodeAt(end - 1) === 10) end--;
  if (s.charCodeAt(end - 1) === 13) end--;
  return end === s.length ? s : s.slice(0, end);
}

/** A Kubernetes field from the nested `kubernetes` block or a flattened `kubernetes.x` key. */
const kube = (r: Record<string, unknown>, field: string) => str(rec(r.kubernetes)[field]) ?? str(r[`kubernetes.${field}`]);

export function readLogLine(r: Record<string, unknown>): LogLine {
  const message = chompNewline(pickStr(r, MESSAGE_KEYS) ?? '');
  const inner = innerJson(message);
  const level = levelOf(pick(r, LEVEL_KEYS) ?? (inner && pick(inner, LEVEL_KEYS)));
  if (!inner) return { message, level };
  return { message: pickStr(inner, MESSAGE_KEYS) ?? message, level, inner };
}

export function readLogRecord(r: Record<string, unknown>, line: LogLine = readLogLine(r)): LogRecord {
  const k8s = rec(r.kubernetes);
  const resource: Resource = {};
  const set = (key: keyof Omit<Resource, 'workload'>, v: string | undefined) => {
    if (v !== undefined) resource[key] = v;
  };
  set('namespace', kube(r, 'namespace_name'));
  set('pod', kube(r, 'pod_name'));
  set('container', kube(r, 'container_name'));
  set('node', kube(r, 'host'));
  const timeValue = pick(r, TIME_KEYS) ?? (line.inner && pick(line.inner, TIME_KEYS));
  const fluentBit = typeof r.date === 'number' || typeof r.timestamp === 'number' || k8s.docker_id !== undefined || isRecord(r.kubernetes_namespace);
  return {
    ...line,
    time: toIso(timeValue),
    resource,
    labels: { ...stringMap(k8s.labels), ...stringMap(r['kubernetes.labels']) },
    attributes: {
      stream: str(r.stream),
      containerImage: str(k8s.container_image),
      containerId: firstStr(k8s.docker_id, rec(r.docker).container_id),
      podId: str(k8s.pod_id),
    },
    shipper: fluentBit ? 'fluentbit' : 'fluentd',
  };
}
