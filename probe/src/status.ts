// The agent's status snapshot: written atomically beside the JSONL file every second, read by
// `vigil status` from another terminal (or `kubectl exec … vigil status`).
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
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
  targets: { attached: TargetInfo[]; failed: TargetInfo[]; inspected: number };
  events: Record<string, number>;
  /** User-space losses by stage (decode errors, evicted connections, sink drops, ...). */
  userLosses: Record<string, number>;
  connections: number;
  sink: Record<string, number>;
  nats?: Record<string, unknown>;
  memory: { rssBytes: number; heapUsedBytes: number };
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
  for (const t of s.targets.attached) lines.push(`  ${(t.library ?? '').padEnd(8)} ${t.path}${t.firstPid ? `  (first seen in pid ${t.firstPid})` : ''}`);
  if (s.targets.failed.length) {
    lines.push('Targets that could not be attached:');
    for (const t of s.targets.failed) lines.push(`  ${t.path}: ${t.reason ?? 'unknown reason'}`);
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
  if (s.nats) lines.push(`NATS: ${JSON.stringify(s.nats)}`);
  return lines.join('\n');
}
