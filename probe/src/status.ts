// The agent's status snapshot: written atomically beside the JSONL file every second, read by
// `vigil status` from another terminal (or `kubectl exec … vigil status`).
import { randomUUID } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { EventOf } from '../../schema/event.js';
import type { NatsPublisherStats } from './sinks/nats.js';
import type { TargetInfo } from './targets/manager.js';

export interface AgentStatus {
  node: string;
  pid: number;
  version: string;
  startedAt: string;
  updatedAt: string;
  uptimeS: number;
  output: string;
  probes: { events: Record<string, number>; lost: Record<string, number> };
  targets: { attached: TargetInfo[]; failed: TargetInfo[]; excluded: TargetInfo[]; inspected: number };
  events: Record<string, number>;
  /** User-space losses by stage (decode errors, evicted connections, sink drops, ...). */
  userLosses: Record<string, number>;
  connections: number;
  /** Ring-buffer batches the poll loop drained, and their bytes. */
  poll?: { batches: number; bytes: number };
  sink: Record<string, number>;
  /** The NATS publisher's counters (backlog: spool events and bytes not yet acknowledged). */
  nats?: NatsPublisherStats | { connected: false; state: 'connecting' };
  memory: { rssBytes: number; heapUsedBytes: number };
}

/** Losses by kernel probe and user-space stage (decode, sink, http_gap, ...), as loss events name them. */
export function lossesOf(s: AgentStatus): Record<string, number> {
  return { ...s.probes.lost, ...s.userLosses, ...(s.sink.dropped ? { sink: s.sink.dropped } : {}) };
}

export interface Backlog {
  connected: boolean;
  /** Absent until the first connection: the publisher measures the spool once it runs. */
  measured?: { events: number; bytes: number; publishFailures: number };
}

/** The spool backlog of a status snapshot, when NATS is configured. */
export function backlogOf(s: AgentStatus): Backlog | undefined {
  if (!s.nats) return undefined;
  if (!('backlogEvents' in s.nats)) return { connected: false };
  return { connected: s.nats.connected, measured: { events: s.nats.backlogEvents, bytes: s.nats.backlogBytes, publishFailures: s.nats.retries } };
}

/** The snapshot as a sensor_status heartbeat event: the control plane's view of this sensor. */
export function heartbeatEvent(s: AgentStatus, intervalS: number, now = new Date()): EventOf<'sensor_status'> {
  const losses = lossesOf(s);
  const backlog = backlogOf(s);
  return {
    id: randomUUID(),
    time: now.toISOString(),
    kind: 'sensor_status',
    node: s.node,
    sensor_status: {
      version: s.version,
      interval_s: intervalS,
      uptime_s: Math.round(s.uptimeS * 10) / 10,
      targets_attached: s.targets.attached.length,
      events: { ...s.events },
      losses,
      lost_total: Object.values(losses).reduce((a, b) => a + b, 0),
      ...(backlog
        ? {
            backlog: {
              connected: backlog.connected,
              ...(backlog.measured ? { events: backlog.measured.events, bytes: backlog.measured.bytes, publish_failures: backlog.measured.publishFailures } : {}),
            },
          }
        : {}),
    },
  };
}

export function statusPath(outputPath: string): string {
  return join(dirname(outputPath), 'status.json');
}

export function writeStatus(path: string, status: AgentStatus): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, JSON.stringify(status, null, 2) + '\n');
  renameSync(tmp, path);
}

export class StatusUnavailable extends Error {}

/** Reads the snapshot; says clearly when no agent writes it. */
export function readStatus(path: string, now = Date.now()): { status: AgentStatus; stale: boolean } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new StatusUnavailable(`no agent status at ${path}: is \`vigil sensor\` running with this output path?`);
  }
  const status = JSON.parse(text) as AgentStatus;
  let alive = true;
  try {
    process.kill(status.pid, 0);
  } catch {
    alive = false;
  }
  const stale = !alive || now - Date.parse(status.updatedAt) > 5_000;
  return { status, stale };
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1048576) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1048576).toFixed(1)} MiB`;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

export function formatStatus(s: AgentStatus, stale: boolean): string {
  const lines: string[] = [];
  lines.push(`Vigil sensor on ${s.node} — pid ${s.pid}, up ${Math.round(s.uptimeS)} s${stale ? ' (NOT RUNNING: status is stale)' : ''}`);
  lines.push(`Output: ${s.output}   connections tracked: ${s.connections}   RSS: ${(s.memory.rssBytes / 1048576).toFixed(1)} MiB`);
  lines.push('');
  lines.push(`TLS targets attached (${s.targets.attached.length}; ${s.targets.inspected} files inspected):`);
  for (const t of s.targets.attached) {
    lines.push(`  ${(t.library ?? '').padEnd(8)} ${t.path}${t.detail ? `  [${t.detail}]` : ''}${t.firstPid ? `  (first seen in pid ${t.firstPid})` : ''}`);
  }
  if (s.targets.failed.length) {
    lines.push('Targets that could not be attached:');
    for (const t of s.targets.failed) lines.push(`  ${t.path}: ${t.reason ?? 'unknown reason'}`);
  }
  if (s.targets.excluded.length) {
    lines.push('Targets left unprobed:');
    for (const t of s.targets.excluded) lines.push(`  ${t.path}: ${t.reason}`);
  }
  lines.push('');
  const probeRows = [['probe', 'events', 'lost']];
  for (const name of Object.keys(s.probes.events)) {
    probeRows.push([name, String(s.probes.events[name] ?? 0), String(s.probes.lost[name] ?? 0)]);
  }
  lines.push(table(probeRows));
  lines.push('');
  const kinds = Object.entries(s.events);
  lines.push(`Events written: ${kinds.length ? kinds.map(([k, n]) => `${k}=${n}`).join(' ') : 'none yet'}`);
  const losses = Object.entries(s.userLosses).filter(([, n]) => n > 0);
  lines.push(`User-space losses: ${losses.length ? losses.map(([k, n]) => `${k}=${n}`).join(' ') : 'none'}`);
  const backlog = backlogOf(s);
  if (s.nats && 'acked' in s.nats && backlog?.measured) {
    const m = backlog.measured;
    lines.push(
      `NATS: ${backlog.connected ? 'connected' : 'NOT connected'}; backlog ${m.events} events (${formatBytes(m.bytes)}) not yet acknowledged, ${s.nats.acked} acknowledged this session, ${m.publishFailures} publish failures`,
    );
  } else if (backlog) {
    lines.push('NATS: connecting (not reached yet); events are kept in the spool and published once it is');
  }
  return lines.join('\n');
}
