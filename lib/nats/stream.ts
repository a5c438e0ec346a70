// The JetStream stream that stores events, and the subject each event is published on.
import { nanos, RetentionPolicy, StorageType, type JetStreamManager, type StreamInfo } from 'nats';
import { logger } from '../log.js';
import type { StreamConfig } from './config.js';

const log = logger('nats');

/** A subject token: node names such as ip-10-0-3-17.ec2.internal keep their letters, dots become "_". */
export function subjectToken(s: string): string {
  return s.replace(/[^A-Za-z0-9_-]/g, '_') || '_';
}

/** vigil.events.<node>.<kind> */
export function subjectFor(prefix: string, node: string, kind: string): string {
  return `${prefix}.${subjectToken(node)}.${subjectToken(kind)}`;
}

/** Creates the stream when absent; an existing stream is left as its operator configured it. */
export async function ensureStream(jsm: JetStreamManager, cfg: StreamConfig, subjectPrefix: string): Promise<StreamInfo> {
  const wanted = {
    name: cfg.name,
    subjects: [`${subjectPrefix}.>`],
    retention: RetentionPolicy.Limits,
    storage: cfg.storage === 'memory' ? StorageType.Memory : StorageType.File,
    max_age: nanos(cfg.max_age),
    max_bytes: cfg.max_bytes,
    num_replicas: cfg.replicas,
    duplicate_window: nanos(cfg.duplicate_window),
  };
  let info: StreamInfo;
  try {
    info = await jsm.streams.info(cfg.name);
  } catch (err) {
    if (!/stream not found/i.test((err as Error).message)) throw err;
    info = await jsm.streams.add(wanted);
    log.info({ stream: cfg.name, subjects: wanted.subjects }, 'created JetStream stream');
    return info;
  }
  const differing: string[] = (['max_age', 'max_bytes', 'num_replicas', 'duplicate_window'] as const).filter((k) => info.config[k] !== wanted[k]);
  if (!info.config.subjects.includes(wanted.subjects[0]!)) differing.push('subjects');
  if (differing.length > 0) log.warn({ stream: cfg.name, differing }, 'existing stream differs from the configured one; leaving it as is');
  return info;
}
