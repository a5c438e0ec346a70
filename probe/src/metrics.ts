// The sensor's Prometheus metrics, read from the agent's status snapshot when scraped: events by
// kind, records seen and lost per probe, user-space losses, ring-buffer batches, attached
// targets, JSONL bytes, and the NATS spool backlog and publish failures. Nothing is counted
// twice: the snapshot is the one place the agent keeps these numbers.
import { Counter, Gauge, Registry } from 'prom-client';
import { backlogOf, type AgentStatus } from './status.js';

type Collected = Counter<string> | Gauge<string>;

/**
 * A counter or gauge set from the snapshot on every scrape. A counter is reset and raised to
 * the snapshot's total, which only grows while the agent runs.
 */
function fromStatus<L extends string>(
  registry: Registry,
  type: 'counter' | 'gauge',
  name: string,
  help: string,
  labelNames: readonly L[],
  read: (s: AgentStatus) => Array<[Partial<Record<L, string>>, number]>,
  status: () => AgentStatus,
): void {
  const collect = function (this: Collected) {
    this.reset();
    for (const [labels, value] of read(status())) {
      if (this instanceof Counter) this.inc(labels, value);
      else this.set(labels, value);
    }
  };
  const cfg = { name, help, labelNames, registers: [registry], collect };
  if (type === 'counter') new Counter(cfg);
  else new Gauge(cfg);
}

const entries = (rec: Record<string, number>, label: string) =>
  Object.entries(rec).map(([k, v]) => [{ [label]: k }, v] as [Record<string, string>, number]);

/** `nats`: whether NATS streaming is configured (without it there are no NATS series at all). */
export function sensorRegistry(status: () => AgentStatus, opts: { nats: boolean }): Registry {
  const r = new Registry();
  const add = <L extends string>(type: 'counter' | 'gauge', name: string, help: string, labels: readonly L[], read: (s: AgentStatus) => Array<[Partial<Record<L, string>>, number]>) =>
    fromStatus(r, type, name, help, labels, read, status);

  add('gauge', 'vigil_sensor_info', 'Always 1; the labels say which sensor answers', ['node', 'version'], (s) => [[{ node: s.node, version: s.version }, 1]]);
  add('gauge', 'vigil_sensor_uptime_seconds', 'Seconds since the agent started', [], (s) => [[{}, s.uptimeS]]);
  add('counter', 'vigil_sensor_events_total', 'Events written, by kind', ['kind'], (s) => entries(s.events, 'kind'));
  add('counter', 'vigil_sensor_probe_records_total', 'Records the kernel probes submitted to the ring buffer, by probe', ['probe'], (s) => entries(s.probes.events, 'probe'));
  add('counter', 'vigil_sensor_probe_lost_total', 'Records the kernel probes could not submit (ring buffer full), by probe', ['probe'], (s) => entries(s.probes.lost, 'probe'));
  add('counter', 'vigil_sensor_user_lost_total', 'Records or events lost in user space, by stage (decode, http_gap, sink...)', ['stage'], (s) =>
    entries({ ...s.userLosses, sink: s.sink.dropped ?? 0 }, 'stage'),
  );
  add('counter', 'vigil_sensor_ring_batches_total', 'Ring-buffer batches drained by the poll loop', [], (s) => (s.poll ? [[{}, s.poll.batches]] : []));
  add('counter', 'vigil_sensor_ring_bytes_total', 'Bytes of ring-buffer batches drained by the poll loop', [], (s) => (s.poll ? [[{}, s.poll.bytes]] : []));
  add('gauge', 'vigil_sensor_targets_attached', 'Files (TLS libraries, binaries) the probes are attached to', [], (s) => [[{}, s.targets.attached.length]]);
  add('gauge', 'vigil_sensor_targets_failed', 'Files the probes could not attach to', [], (s) => [[{}, s.targets.failed.length]]);
  add('gauge', 'vigil_sensor_targets_excluded', 'Files left unprobed by capture.exclude_targets', [], (s) => [[{}, s.targets.excluded.length]]);
  add('gauge', 'vigil_sensor_connections', 'Connections tracked for HTTP reassembly', [], (s) => [[{}, s.connections]]);
  add('counter', 'vigil_sensor_jsonl_events_written_total', 'Events written to the JSONL file', [], (s) => [[{}, s.sink.written ?? 0]]);
  add('counter', 'vigil_sensor_jsonl_bytes_written_total', 'Bytes written to the JSONL file', [], (s) => [[{}, s.sink.bytesWritten ?? 0]]);
  add('counter', 'vigil_sensor_jsonl_rotations_total', 'Rotations of the JSONL file', [], (s) => [[{}, s.sink.rotations ?? 0]]);
  add('counter', 'vigil_sensor_jsonl_write_errors_total', 'Failed writes to the JSONL file', [], (s) => [[{}, s.sink.writeErrors ?? 0]]);
  add('gauge', 'vigil_sensor_resident_memory_bytes', 'Resident set size of the agent', [], (s) => [[{}, s.memory.rssBytes]]);
  if (!opts.nats) return r;
  add('gauge', 'vigil_sensor_nats_connected', '1 while connected to NATS', [], (s) => [[{}, backlogOf(s)?.connected ? 1 : 0]]);
  // Measured by the publisher, which runs from the first connection on.
  const measured = (s: AgentStatus) => backlogOf(s)?.measured;
  add('gauge', 'vigil_sensor_nats_backlog_events', 'Spool events not yet acknowledged by NATS JetStream', [], (s) => {
    const m = measured(s);
    return m ? [[{}, m.events]] : [];
  });
  add('gauge', 'vigil_sensor_nats_backlog_bytes', 'Spool bytes not yet acknowledged by NATS JetStream', [], (s) => {
    const m = measured(s);
    return m ? [[{}, m.bytes]] : [];
  });
  add('counter', 'vigil_sensor_nats_publish_failures_total', 'NATS publish rounds that failed and were replayed from the last acknowledged event', [], (s) => {
    const m = measured(s);
    return m ? [[{}, m.publishFailures]] : [];
  });
  add('counter', 'vigil_sensor_nats_published_total', 'Messages published to NATS, retries included', [], (s) => (s.nats && 'published' in s.nats ? [[{}, s.nats.published]] : []));
  add('counter', 'vigil_sensor_nats_spool_lost_total', 'Events rotated out of the spool before they were published', [], (s) => (s.nats && 'lost' in s.nats ? [[{}, s.nats.lost]] : []));
  return r;
}
