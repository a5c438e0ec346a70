import type { Signal } from '../../signal.js';
import { stableId } from '../ids.js';
import { redact } from '../redact.js';
import { compact, truncate } from '../values.js';
import type { Classification } from './classify.js';
import type { LogRecord } from './record.js';

/**
 * A failing log line as a Signal; the id comes from the record's bytes, so a resent batch
 * dedups. Built field by field (typed, times from toIso) rather than schema-parsed per line.
 */
export function logSignal(record: LogRecord, cls: Classification, raw: string, receivedAt: Date): Signal {
  const text = redact(record.message);
  return {
    id: stableId('log', raw),
    source: 'logs',
    adapter: record.shipper,
    kind: 'log',
    reason: cls.reason,
    time: record.time ?? receivedAt.toISOString(),
    status: 'firing',
    severity: cls.severity,
    title: truncate(`${cls.reason}: ${text.split('\n', 1)[0]}`, 200),
    message: truncate(text, 4096),
    resource: record.resource,
    labels: record.labels,
    annotations: {},
    links: [],
    evidence: [truncate(text, 4096)],
    attributes: compact({ ...record.attributes, level: record.level }),
  };
}
