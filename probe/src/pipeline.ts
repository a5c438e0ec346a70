// The per-record path of captured traffic: connection records → connection table → HTTP
// reassembly → provider recognition → ai_call / http_call events. No probe, no timers, no sinks:
// the agent feeds it decoded records and owns where the events go (bench/agent.bench.ts drives
// the same path without BPF).
import { randomUUID } from 'node:crypto';
import type { Event } from '../../schema/event.js';
import type { ConnCloseRecord, ConnDataRecord, TlsSniRecord } from './abi/decode.js';
import { AiCallOptions, buildAiCall, type BuildOptions, type ConnInfo } from './aicall.js';
import type { SensorConfig } from './config.js';
import { ConnectionTable, type ConnMeta } from './connections.js';
import { type Clock, processInfo, tlsDataEvent } from './events/build.js';
import { createConnectionParser, type ConnectionParser } from './http/stitch.js';
import type { HttpExchange } from './http/types.js';
import { isoTime } from './iso-time.js';
import type { ProcessCache } from './proc.js';

export type ConnRecord = ConnDataRecord | TlsSniRecord | ConnCloseRecord;

export interface CapturePipelineDeps {
  config: SensorConfig;
  clock: Clock;
  procs: ProcessCache;
  emit: (e: Event) => void;
  countLoss: (stage: string, n: number) => void;
}

export class CapturePipeline {
  readonly conns: ConnectionTable;
  private readonly aiOptions: BuildOptions;

  constructor(private readonly deps: CapturePipelineDeps) {
    const { config } = deps;
    this.aiOptions = {
      ...AiCallOptions.parse({
        aiOnly: config.filters.ai_only,
        includeServerSide: config.filters.include_server_side,
        captureContent: config.content.capture,
        contentMaxBytes: config.content.max_bytes,
        providers: config.providers,
        redaction: config.redaction,
        pricing: config.pricing,
      }),
      clock: deps.clock.anchor(),
    };
    this.conns = new ConnectionTable({
      maxConnections: config.capture.max_connections,
      idleMs: config.capture.idle_connection_s * 1000,
      newParser: (meta) => this.newParser(meta),
      onLoss: deps.countLoss,
    });
  }

  handle(r: ConnRecord): void {
    switch (r.type) {
      case 'conn_data': {
        const { config, clock, procs } = this.deps;
        if (config.debug.raw_tls) {
          this.deps.emit(tlsDataEvent(r, clock, { node: config.node, facts: procs.get(r.tgid) }, this.conns.sniOf(r)));
        }
        this.conns.data(r, procs.get(r.tgid));
        break;
      }
      case 'tls_sni':
        this.conns.sni(r);
        break;
      case 'conn_close':
        this.conns.close(r);
        break;
    }
  }

  /**
   * The HTTP reassembler of one connection; its losses are counted when it ends. A connection
   * on which this process turns out to be the server is dropped at once unless server-side calls
   * are reported: parsing it would cost as much as the client side and yield nothing.
   */
  private newParser(meta: ConnMeta): { push: ConnectionParser['push']; close: () => void } {
    const { config, countLoss } = this.deps;
    const parser = createConnectionParser(config.http, (ex) => this.onExchange(meta, ex));
    let roleKnown = config.filters.include_server_side;
    let ignored = false;
    return {
      push: (chunk) => {
        if (ignored) return;
        parser.push(chunk);
        if (roleKnown) return;
        const role = parser.stats().role;
        if (role === undefined) return;
        roleKnown = true;
        if (role === 'server') ignored = true;
      },
      close: () => {
        parser.close();
        const s = parser.stats();
        if (s.gaps) countLoss('http_gap', s.gaps);
        if (s.droppedExchanges) countLoss('http_dropped_exchange', s.droppedExchanges);
        if (s.unpairedResponses) countLoss('http_unpaired_response', s.unpairedResponses);
      },
    };
  }

  private onExchange(meta: ConnMeta, ex: HttpExchange): void {
    const conn: ConnInfo = { library: meta.library, connId: meta.connId };
    if (meta.sni) conn.sni = meta.sni;
    if (meta.peer) {
      conn.peer = meta.peer;
      const port = Number(/:(\d+)$/.exec(meta.peer)?.[1]);
      if (port) conn.port = port;
    }
    if (meta.fd >= 0) conn.fd = meta.fd;
    const built = buildAiCall(ex, conn, this.aiOptions);
    if (!built) return;
    // Spelled out, not `{ ...base, kind }`: on Node 20 a literal that starts with a spread and adds
    // properties after it costs about a microsecond per added property.
    const id = randomUUID();
    const time = built.body.timing?.start_time ?? isoTime(Date.now());
    const node = this.deps.config.node;
    const process = processInfo(meta, this.deps.procs.get(meta.tgid) ?? meta.facts);
    this.deps.emit(
      built.kind === 'ai_call'
        ? { id, time, node, process, kind: 'ai_call', ai_call: built.body }
        : { id, time, node, process, kind: 'http_call', http_call: built.body },
    );
  }
}
