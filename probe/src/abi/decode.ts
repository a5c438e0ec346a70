// Decoders for the ring-buffer records, keyed by the type byte every record starts with.
// Pure: bytes in, typed records out. Field offsets come from layout.ts only.
import { BoundedMemo } from '../../../lib/bounded-memo.js';
import { DATA_FLAG, EXIT_REASON, LAYOUTS, LIBRARY, RECORD_TYPE, type StructLayout } from './layout.js';

/** Plaintext of one TLS call or socket syscall (or a chunk of it). */
export interface ConnDataRecord {
  type: 'conn_data';
  direction: 'egress' | 'ingress';
  library: string;
  truncated: boolean;
  lastChunk: boolean;
  pid: number;
  tgid: number;
  fd: number;
  /** address:port of the socket's peer, when the probe saw the socket. */
  peer?: string;
  callLen: number;
  chunkOffset: number;
  streamPos: number;
  tsNs: number;
  connPtr: number;
  connStartNs: number;
  cgroupId: number;
  comm: string;
  /** A copy: the batch buffer it came from is reused by the next poll. */
  data: Buffer;
}

export interface TlsSniRecord {
  type: 'tls_sni';
  library: string;
  tgid: number;
  connPtr: number;
  connStartNs: number;
  tsNs: number;
  name: string;
}

export interface ConnCloseRecord {
  type: 'conn_close';
  library: string;
  tgid: number;
  connPtr: number;
  connStartNs: number;
  tsNs: number;
}

export interface ExecRecord {
  type: 'exec';
  tgid: number;
  ppid: number;
  tsNs: number;
  cgroupId: number;
  comm: string;
  filename: string;
}

export interface ExitRecord {
  type: 'exit';
  reason: 'exit_code' | 'signal' | 'oom';
  signal: number;
  coreDumped: boolean;
  exitCode: number;
  pid: number;
  tgid: number;
  ppid: number;
  oomScoreAdj: number;
  tsNs: number;
  cgroupId: number;
  totalVmKb: number;
  anonRssKb: number;
  fileRssKb: number;
  shmemRssKb: number;
  comm: string;
  cgroup: string;
}

export type ProbeRecord = ConnDataRecord | TlsSniRecord | ConnCloseRecord | ExecRecord | ExitRecord;

export class DecodeError extends Error {}

function f(layout: StructLayout, name: string): number {
  return layout.fields[name]!.offset;
}

// Little-endian reads by byte: Buffer's readUInt32LE and friends validate their arguments on
// every call, and the decoders' offsets are in bounds by construction (need() checked the size).
function u16(b: Buffer, off: number): number {
  return b[off]! | (b[off + 1]! << 8);
}

function u32(b: Buffer, off: number): number {
  return (b[off]! | (b[off + 1]! << 8) | (b[off + 2]! << 16)) + b[off + 3]! * 0x100_0000;
}

function i32(b: Buffer, off: number): number {
  return b[off]! | (b[off + 1]! << 8) | (b[off + 2]! << 16) | (b[off + 3]! << 24);
}

function u64(b: Buffer, off: number): number {
  return u32(b, off) + u32(b, off + 4) * 0x1_0000_0000;
}

/** A NUL-terminated string of at most len bytes (the field's size: no scan past it). */
function cstr(b: Buffer, off: number, len: number): string {
  const max = off + len;
  let end = off;
  while (end < max && b[end] !== 0) end++;
  return b.toString('utf8', off, end);
}

function need(b: Buffer, layout: StructLayout, what: string): void {
  if (b.length < layout.size) throw new DecodeError(`${what} record of ${b.length} bytes, expected at least ${layout.size}`);
}

export function formatPeer(family: number, addr: Buffer, port: number): string | undefined {
  if (family === 2) return `${addr[0]}.${addr[1]}.${addr[2]}.${addr[3]}:${port}`;
  if (family === 10) {
    const groups: string[] = [];
    for (let i = 0; i < 16; i += 2) groups.push(addr.readUInt16BE(i).toString(16));
    return `[${groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::')}]:${port}`;
  }
  return undefined;
}

const T = LAYOUTS.vigil_conn_data;
/** conn_data is two records per captured call: its offsets are looked up once, not per field per record. */
const CD = {
  direction: f(T, 'direction'),
  library: f(T, 'library'),
  flags: f(T, 'flags'),
  family: f(T, 'family'),
  dport: f(T, 'dport'),
  pid: f(T, 'pid'),
  tgid: f(T, 'tgid'),
  fd: f(T, 'fd'),
  callLen: f(T, 'call_len'),
  chunkOff: f(T, 'chunk_off'),
  dataLen: f(T, 'data_len'),
  tsNs: f(T, 'ts_ns'),
  connPtr: f(T, 'conn_ptr'),
  connStartNs: f(T, 'conn_start_ns'),
  streamPos: f(T, 'stream_pos'),
  cgroupId: f(T, 'cgroup_id'),
  daddr: f(T, 'daddr'),
  comm: f(T, 'comm'),
  data: f(T, 'data'),
};

/** IPv4 peers by address (little-endian u32) × 65536 + port: a connection's records repeat the same few. */
const ipv4Peers = new BoundedMemo((key: number) => {
  const addr = Math.floor(key / 0x1_0000);
  return formatPeer(2, Buffer.from([addr & 0xff, (addr >>> 8) & 0xff, (addr >>> 16) & 0xff, addr >>> 24]), key % 0x1_0000)!;
});

function peerOf(b: Buffer): string | undefined {
  const family = u16(b, CD.family);
  const port = u16(b, CD.dport);
  if (family !== 2) return formatPeer(family, b.subarray(CD.daddr, CD.daddr + 16), port);
  return ipv4Peers.get(u32(b, CD.daddr) * 0x1_0000 + port);
}

function decodeConnData(b: Buffer): ConnDataRecord {
  need(b, T, 'conn_data');
  const dataLen = u32(b, CD.dataLen);
  if (CD.data + dataLen > b.length) throw new DecodeError(`conn_data claims ${dataLen} data bytes, record has ${b.length - CD.data}`);
  const flags = b[CD.flags]!;
  const rec: ConnDataRecord = {
    type: 'conn_data',
    direction: b[CD.direction] === 0 ? 'egress' : 'ingress',
    library: LIBRARY[b[CD.library]!] ?? 'unknown',
    truncated: (flags & DATA_FLAG.TRUNCATED) !== 0,
    lastChunk: (flags & DATA_FLAG.LAST_CHUNK) !== 0,
    pid: u32(b, CD.pid),
    tgid: u32(b, CD.tgid),
    fd: i32(b, CD.fd),
    callLen: u32(b, CD.callLen),
    chunkOffset: u32(b, CD.chunkOff),
    streamPos: u64(b, CD.streamPos),
    tsNs: u64(b, CD.tsNs),
    connPtr: u64(b, CD.connPtr),
    connStartNs: u64(b, CD.connStartNs),
    cgroupId: u64(b, CD.cgroupId),
    comm: cstr(b, CD.comm, 16),
    data: Buffer.from(b.subarray(CD.data, CD.data + dataLen)),
  };
  const peer = peerOf(b);
  if (peer) rec.peer = peer;
  return rec;
}

const S = LAYOUTS.vigil_tls_sni;
function decodeTlsSni(b: Buffer): TlsSniRecord {
  need(b, S, 'tls_sni');
  return {
    type: 'tls_sni',
    library: LIBRARY[b[f(S, 'library')]!] ?? 'unknown',
    tgid: u32(b, f(S, 'tgid')),
    connPtr: u64(b, f(S, 'conn_ptr')),
    connStartNs: u64(b, f(S, 'conn_start_ns')),
    tsNs: u64(b, f(S, 'ts_ns')),
    name: cstr(b, f(S, 'name'), 128),
  };
}

const C = LAYOUTS.vigil_conn_close;
function decodeConnClose(b: Buffer): ConnCloseRecord {
  need(b, C, 'conn_close');
  return {
    type: 'conn_close',
    library: LIBRARY[b[f(C, 'library')]!] ?? 'unknown',
    tgid: u32(b, f(C, 'tgid')),
    connPtr: u64(b, f(C, 'conn_ptr')),
    connStartNs: u64(b, f(C, 'conn_start_ns')),
    tsNs: u64(b, f(C, 'ts_ns')),
  };
}

const E = LAYOUTS.vigil_exec;
function decodeExec(b: Buffer): ExecRecord {
  need(b, E, 'exec');
  return {
    type: 'exec',
    tgid: u32(b, f(E, 'tgid')),
    ppid: u32(b, f(E, 'ppid')),
    tsNs: u64(b, f(E, 'ts_ns')),
    cgroupId: u64(b, f(E, 'cgroup_id')),
    comm: cstr(b, f(E, 'comm'), 16),
    filename: cstr(b, f(E, 'filename'), 256),
  };
}

const X = LAYOUTS.vigil_exit;
const REASONS: Record<number, ExitRecord['reason']> = {
  [EXIT_REASON.CODE]: 'exit_code',
  [EXIT_REASON.SIGNAL]: 'signal',
  [EXIT_REASON.OOM]: 'oom',
};
function decodeExit(b: Buffer): ExitRecord {
  need(b, X, 'exit');
  const reason = REASONS[b[f(X, 'reason')]!];
  if (!reason) throw new DecodeError(`exit record with unknown reason ${b[f(X, 'reason')]}`);
  return {
    type: 'exit',
    reason,
    signal: b[f(X, 'signal')]!,
    coreDumped: b[f(X, 'core_dumped')] !== 0,
    exitCode: i32(b, f(X, 'exit_code')),
    pid: u32(b, f(X, 'pid')),
    tgid: u32(b, f(X, 'tgid')),
    ppid: u32(b, f(X, 'ppid')),
    oomScoreAdj: i32(b, f(X, 'oom_score_adj')),
    tsNs: u64(b, f(X, 'ts_ns')),
    cgroupId: u64(b, f(X, 'cgroup_id')),
    totalVmKb: u64(b, f(X, 'total_vm_kb')),
    anonRssKb: u64(b, f(X, 'anon_rss_kb')),
    fileRssKb: u64(b, f(X, 'file_rss_kb')),
    shmemRssKb: u64(b, f(X, 'shmem_rss_kb')),
    comm: cstr(b, f(X, 'comm'), 16),
    cgroup: cstr(b, f(X, 'cgroup'), 128),
  };
}

const DECODERS: Record<number, (b: Buffer) => ProbeRecord> = {
  [RECORD_TYPE.CONN_DATA]: decodeConnData,
  [RECORD_TYPE.TLS_SNI]: decodeTlsSni,
  [RECORD_TYPE.CONN_CLOSE]: decodeConnClose,
  [RECORD_TYPE.EXEC]: decodeExec,
  [RECORD_TYPE.EXIT]: decodeExit,
};

export function decodeRecord(b: Buffer): ProbeRecord {
  if (b.length === 0) throw new DecodeError('empty record');
  const decoder = DECODERS[b[0]!];
  if (!decoder) throw new DecodeError(`unknown record type ${b[0]}`);
  return decoder(b);
}

/**
 * Splits one batch from the shim ([u32 len][u32 reserved][bytes][pad to 8])* and decodes each
 * record. A record that fails to decode is reported through onError and skipped; the framing
 * itself is trusted (the shim wrote it).
 */
export function decodeBatch(batch: Buffer, onRecord: (r: ProbeRecord) => void, onError: (e: Error) => void): number {
  let off = 0;
  let n = 0;
  while (off + 8 <= batch.length) {
    const len = batch.readUInt32LE(off);
    const start = off + 8;
    if (start + len > batch.length) {
      onError(new DecodeError(`batch framing overruns the batch at ${off}`));
      break;
    }
    try {
      onRecord(decodeRecord(batch.subarray(start, start + len)));
      n++;
    } catch (e) {
      onError(e as Error);
    }
    off = start + ((len + 7) & ~7);
  }
  return n;
}
