// Pure builders from decoded probe records to schema events.
import { randomUUID } from 'node:crypto';
import type { Event, KubernetesInfo, ProcessInfo } from '../../../schema/event.js';
import type { ConnDataRecord, ExitRecord } from '../abi/decode.js';
import { SIGNAL_NAMES } from '../config.js';
import { BoundedMemo } from '../../../lib/bounded-memo.js';
import { containerIdFromCgroup } from '../k8s/cgroup.js';
import { isoTime } from '../iso-time.js';
import type { ProcessFacts } from '../proc.js';

/** Converts the probes' monotonic nanoseconds to wall-clock time. */
export class Clock {
  private readonly offsetMs: number;

  constructor() {
    // process.hrtime reads CLOCK_MONOTONIC, the clock of bpf_ktime_get_ns.
    this.offsetMs = Date.now() - Number(process.hrtime.bigint()) / 1e6;
  }

  iso(tsNs: number): string {
    return isoTime(tsNs / 1e6 + this.offsetMs);
  }

  /** A wall-clock reading with its monotonic time, for code that converts on its own. */
  anchor(): { wallMs: number; monoNs: number } {
    const monoNs = Number(process.hrtime.bigint());
    return { wallMs: monoNs / 1e6 + this.offsetMs, monoNs };
  }
}

export interface Identity {
  node: string;
  facts?: ProcessFacts;
  k8s?: KubernetesInfo;
}

/** Container id by cgroup path: a process's path is the same on every event, its parse is not free. */
const containerIds = new BoundedMemo(containerIdFromCgroup);

export function processInfo(
  rec: { pid: number; tgid: number; comm: string; cgroupId: number; cgroup?: string },
  facts: ProcessFacts | undefined,
): ProcessInfo {
  const info: ProcessInfo = { pid: rec.pid, tgid: rec.tgid, comm: rec.comm, cgroup_id: String(rec.cgroupId) };
  if (facts?.exe) info.exe = facts.exe;
  const cgroup = rec.cgroup || facts?.cgroupPath;
  if (cgroup) info.cgroup = cgroup;
  const cid = (rec.cgroup && containerIds.get(rec.cgroup)) || (facts?.cgroupPath && containerIds.get(facts.cgroupPath));
  if (cid) info.container_id = cid;
  return info;
}

function base(kind: string, tsNs: number, clock: Clock, id: Identity, process: ProcessInfo) {
  return {
    id: randomUUID(),
    time: clock.iso(tsNs),
    kind,
    node: id.node,
    process,
    ...(id.k8s ? { k8s: id.k8s } : {}),
  };
}

/** One crash record → a process_exit, signal or oom_kill event. */
export function exitEvent(rec: ExitRecord, clock: Clock, id: Identity): Event {
  const proc = processInfo(rec, id.facts);
  const b = base('', rec.tsNs, clock, id, proc);
  switch (rec.reason) {
    case 'oom':
      return {
        ...b,
        kind: 'oom_kill',
        oom_kill: {
          total_vm_kb: rec.totalVmKb,
          anon_rss_kb: rec.anonRssKb,
          file_rss_kb: rec.fileRssKb,
          shmem_rss_kb: rec.shmemRssKb,
          oom_score_adj: rec.oomScoreAdj,
        },
      };
    case 'signal':
      return {
        ...b,
        kind: 'signal',
        signal: { signal: rec.signal, signal_name: SIGNAL_NAMES[rec.signal] ?? `SIG${rec.signal}`, core_dumped: rec.coreDumped },
      };
    case 'exit_code':
      return { ...b, kind: 'process_exit', process_exit: { exit_code: rec.exitCode } };
  }
}

/** Raw plaintext of one captured chunk (debug.raw_tls only: it is not redacted). */
export function tlsDataEvent(rec: ConnDataRecord, clock: Clock, id: Identity, sni: string | undefined): Event {
  const proc = processInfo(rec, id.facts);
  return {
    ...base('', rec.tsNs, clock, id, proc),
    kind: 'tls_data',
    tls_data: {
      library: rec.library,
      conn_id: connId(rec),
      direction: rec.direction,
      stream_pos: rec.streamPos,
      call_len: rec.callLen,
      chunk_offset: rec.chunkOffset,
      truncated: rec.truncated,
      fd: rec.fd,
      ...(rec.peer ? { peer: rec.peer } : {}),
      ...(sni ? { sni } : {}),
      data_base64: rec.data.toString('base64'),
    },
  };
}

/** Stable id of one TLS connection: process, connection object and when it was first seen. */
export function connId(rec: { tgid: number; connPtr: number; connStartNs: number }): string {
  return `${rec.tgid}-${rec.connPtr.toString(16)}-${rec.connStartNs.toString(36)}`;
}

export function lossEvent(
  probe: string,
  count: number,
  total: number,
  reason: string,
  clock: Clock,
  node: string,
): Event {
  return {
    id: randomUUID(),
    time: clock.iso(Number(process.hrtime.bigint())),
    kind: 'loss',
    node,
    loss: { probe, count, total, reason },
  };
}
