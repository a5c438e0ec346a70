// Per-connection state of captured TLS traffic: SNI, peer, the HTTP reassembler fed with the
// connection's chunks, and bounded bookkeeping (idle connections are flushed, the oldest are
// evicted past the limit, and both are counted).
import type { ConnCloseRecord, ConnDataRecord, TlsSniRecord } from './abi/decode.js';
import { connId } from './events/build.js';
import type { StreamChunk } from './http/types.js';
import type { ProcessFacts } from './proc.js';

export interface ConnMeta {
  connId: string;
  tgid: number;
  pid: number;
  comm: string;
  cgroupId: number;
  library: string;
  fd: number;
  peer?: string;
  sni?: string;
  facts?: ProcessFacts;
}

/** The reassembler of one connection (probe/src/http/stitch.ts provides the real one). */
export interface StreamParser {
  push(chunk: StreamChunk): void;
  close(): void;
}

export type ParserFactory = (meta: ConnMeta) => StreamParser;

interface Conn {
  meta: ConnMeta;
  connPtr: number;
  connStartNs: number;
  parser: StreamParser;
  lastSeenMs: number;
}

export interface ConnectionTableOptions {
  maxConnections: number;
  idleMs: number;
  newParser: ParserFactory;
  /** Connections dropped before their end (eviction past maxConnections). */
  onLoss: (stage: string, n: number) => void;
}

function key(r: { tgid: number; connPtr: number; connStartNs: number }): string {
  return connId(r);
}

export class ConnectionTable {
  private readonly conns = new Map<string, Conn>();
  /**
   * The connection last seen with each connection pointer: finds a record's connection without
   * formatting its id (two number-to-text conversions per record). Only holds entries of conns.
   */
  private readonly byPtr = new Map<number, Conn>();
  /** SNI seen before the connection's first data. */
  private readonly pendingSni = new Map<string, string>();

  constructor(private readonly opts: ConnectionTableOptions) {}

  size(): number {
    return this.conns.size;
  }

  sniOf(r: ConnDataRecord): string | undefined {
    const k = key(r);
    return this.conns.get(k)?.meta.sni ?? this.pendingSni.get(k);
  }

  sni(r: TlsSniRecord): void {
    const k = key(r);
    const c = this.conns.get(k);
    if (c) c.meta.sni = r.name;
    else {
      this.pendingSni.set(k, r.name);
      if (this.pendingSni.size > this.opts.maxConnections) this.pendingSni.delete(this.pendingSni.keys().next().value!);
    }
  }

  data(r: ConnDataRecord, facts: ProcessFacts | undefined): void {
    let c = this.byPtr.get(r.connPtr);
    let k: string | undefined;
    if (c === undefined || c.meta.tgid !== r.tgid || c.connStartNs !== r.connStartNs) c = this.conns.get((k = key(r)));
    if (!c) {
      k ??= key(r);
      const meta: ConnMeta = {
        connId: k,
        tgid: r.tgid,
        pid: r.pid,
        comm: r.comm,
        cgroupId: r.cgroupId,
        library: r.library,
        fd: r.fd,
        ...(r.peer ? { peer: r.peer } : {}),
        ...(facts ? { facts } : {}),
      };
      const sni = this.pendingSni.get(k);
      if (sni) {
        meta.sni = sni;
        this.pendingSni.delete(k);
      }
      c = { meta, connPtr: r.connPtr, connStartNs: r.connStartNs, parser: this.opts.newParser(meta), lastSeenMs: Date.now() };
      this.conns.set(k, c);
      this.byPtr.set(r.connPtr, c);
      if (this.conns.size > this.opts.maxConnections) this.evictOldest();
    } else {
      // Re-insert so the Map's order stays least-recently-used first.
      k = c.meta.connId;
      this.conns.delete(k);
      this.conns.set(k, c);
      this.byPtr.set(r.connPtr, c);
      c.lastSeenMs = Date.now();
      if (c.meta.fd < 0 && r.fd >= 0) c.meta.fd = r.fd;
      if (!c.meta.peer && r.peer) c.meta.peer = r.peer;
    }
    const missing = r.lastChunk && r.truncated ? r.callLen - (r.chunkOffset + r.data.length) : 0;
    c.parser.push({
      direction: r.direction,
      pos: r.streamPos,
      data: r.data,
      tsNs: r.tsNs,
      ...(missing > 0 ? { truncatedBytes: missing } : {}),
    });
  }

  close(r: ConnCloseRecord): void {
    const k = key(r);
    this.pendingSni.delete(k);
    const c = this.conns.get(k);
    if (!c) return;
    this.remove(k, c);
  }

  /** Flushes connections idle longer than idleMs. */
  sweep(now = Date.now()): void {
    for (const [k, c] of this.conns) {
      if (now - c.lastSeenMs < this.opts.idleMs) break; // LRU order: the rest are newer
      this.remove(k, c);
    }
  }

  closeAll(): void {
    for (const c of this.conns.values()) c.parser.close();
    this.conns.clear();
    this.byPtr.clear();
    this.pendingSni.clear();
  }

  private evictOldest(): void {
    const [k, c] = this.conns.entries().next().value as [string, Conn];
    this.remove(k, c);
    this.opts.onLoss('evicted_connection', 1);
  }

  private remove(k: string, c: Conn): void {
    this.conns.delete(k);
    if (this.byPtr.get(c.connPtr) === c) this.byPtr.delete(c.connPtr);
    c.parser.close();
  }
}
