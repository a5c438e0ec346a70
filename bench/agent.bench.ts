// The agent's CPU per captured AI call, without BPF: ring-buffer batches laid out as the probes
// write them go through decodeBatch → CapturePipeline (the agent's own connection table, HTTP
// reassembly, provider recognition and event building) → the real JSONL sink on a temp file.
// The calls are the capture benchmark's: keep-alive OpenAI chat completions from a Node HTTPS
// client to a local server, 16 connections interleaved, one egress record per request and one
// ingress record per response.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Event } from '../schema/event.js';
import { decodeBatch, type ProbeRecord } from '../probe/src/abi/decode.js';
import { frameBatch, frameSize } from '../probe/src/abi/fixtures/frame.js';
import { DATA_FLAG, LAYOUTS, RECORD_TYPE } from '../probe/src/abi/layout.js';
import { parseSensorConfig } from '../probe/src/config.js';
import { Clock } from '../probe/src/events/build.js';
import { CapturePipeline, type ConnRecord } from '../probe/src/pipeline.js';
import { ProcessCache } from '../probe/src/proc.js';
import { JsonlSink } from '../probe/src/sinks/jsonl.js';

const CONNECTIONS = 16;
/** Calls per measured run (a warm-up run of as many comes first: the JIT compiles on other threads, which process.cpuUsage counts). */
const CALLS = Number(process.env.BENCH_AGENT_CALLS ?? 60_000);
/** Rounds (one call on every connection) per ring-buffer batch: 128 records, ~60 KB. */
const ROUNDS_PER_BATCH = 4;
/**
 * Batches per sink flush: 128 calls, what the agent's 20 ms flush interval gathers at the capture
 * benchmark's ~6,400 calls/s. Flushing by count, not by the sink's timer, keeps the work per call
 * the same however fast the machine runs the bench.
 */
const BATCHES_PER_FLUSH = 2;
const TGID = 48_211;
const SERVER_PORT = 38_443;

// What the capture benchmark's client (bench/load-client.mjs) and server (test/helpers/ai-server.mjs) put on the wire.
const requestBody = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'benchmark call' }] });
const request = Buffer.from(
  'POST /v1/chat/completions HTTP/1.1\r\ncontent-type: application/json\r\n' +
    `content-length: ${requestBody.length}\r\nauthorization: Bearer sk-bench\r\nHost: localhost:${SERVER_PORT}\r\n` +
    `Connection: keep-alive\r\n\r\n${requestBody}`,
);
const responseBody = JSON.stringify({
  id: 'chatcmpl-local-1',
  object: 'chat.completion',
  created: 1700000000,
  model: 'gpt-4o-mini-2024-08-06',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Hello from the local model.' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 },
});
const response = Buffer.from(
  'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n' +
    `content-length: ${responseBody.length}\r\nx-request-id: req_local\r\nDate: Sat, 28 Nov 2026 10:00:00 GMT\r\n` +
    `Connection: keep-alive\r\nKeep-Alive: timeout=5\r\n\r\n${responseBody}`,
);

const CD = LAYOUTS.vigil_conn_data;
const at = (name: string): number => CD.fields[name]!.offset;

interface Conn {
  ptr: bigint;
  startNs: bigint;
  fd: number;
}

/** One conn_data record as the probes write it: a whole TLS call of the Node client. */
function connData(c: Conn, direction: 'egress' | 'ingress', data: Buffer): Buffer {
  const b = Buffer.alloc(CD.size + data.length);
  b[0] = RECORD_TYPE.CONN_DATA;
  b[at('direction')] = direction === 'egress' ? 0 : 1;
  b[at('library')] = 1; // openssl
  b[at('flags')] = DATA_FLAG.LAST_CHUNK;
  b.writeUInt16LE(2, at('family'));
  b.writeUInt16LE(SERVER_PORT, at('dport'));
  b.writeUInt32LE(TGID, at('pid'));
  b.writeUInt32LE(TGID, at('tgid'));
  b.writeInt32LE(c.fd, at('fd'));
  b.writeUInt32LE(data.length, at('call_len'));
  b.writeUInt32LE(data.length, at('data_len'));
  b.writeBigUInt64LE(c.ptr, at('conn_ptr'));
  b.writeBigUInt64LE(c.startNs, at('conn_start_ns'));
  b.writeBigUInt64LE(7_351n, at('cgroup_id'));
  Buffer.from([127, 0, 0, 1]).copy(b, at('daddr'));
  b.write('node', at('comm'));
  data.copy(b, at('data'));
  return b;
}

function tlsSni(c: Conn, name: string, tsNs: bigint): Buffer {
  const S = LAYOUTS.vigil_tls_sni;
  const b = Buffer.alloc(S.size);
  b[0] = RECORD_TYPE.TLS_SNI;
  b[S.fields.library!.offset] = 1;
  b.writeUInt32LE(TGID, S.fields.tgid!.offset);
  b.writeBigUInt64LE(c.ptr, S.fields.conn_ptr!.offset);
  b.writeBigUInt64LE(c.startNs, S.fields.conn_start_ns!.offset);
  b.writeBigUInt64LE(tsNs, S.fields.ts_ns!.offset);
  b.write(name, S.fields.name!.offset);
  return b;
}

/**
 * The traffic of CONNECTIONS concurrent keep-alive connections: a first batch of their SNI
 * records, then batches of ROUNDS_PER_BATCH rounds (requests on every connection, then their
 * responses). One batch buffer is refilled for every round trip, as the shim reuses its buffer
 * between polls: only stream positions and timestamps change, so no input piles up in the heap.
 */
class Traffic {
  readonly sni: Buffer;
  private readonly batch: Buffer;
  /** Per record in the batch: where its stream_pos is, its connection, direction and data size. */
  private readonly slots: Array<{ at: number; conn: number; egress: boolean; size: number }> = [];
  private readonly pos: Array<{ egress: number; ingress: number }>;
  private ts = Number(process.hrtime.bigint());

  constructor(firstPtr: bigint) {
    const startNs = BigInt(this.ts);
    const conns: Conn[] = Array.from({ length: CONNECTIONS }, (_, i) => ({ ptr: firstPtr + BigInt(i) * 0x1000n, startNs, fd: 23 + i }));
    this.pos = conns.map(() => ({ egress: 0, ingress: 0 }));
    this.sni = frameBatch(conns.map((c) => tlsSni(c, 'localhost', startNs)));
    const records: Buffer[] = [];
    for (let round = 0; round < ROUNDS_PER_BATCH; round++) {
      conns.forEach((c, i) => records.push(connData(c, 'egress', request)) && this.slots.push({ at: 0, conn: i, egress: true, size: request.length }));
      conns.forEach((c, i) => records.push(connData(c, 'ingress', response)) && this.slots.push({ at: 0, conn: i, egress: false, size: response.length }));
    }
    let off = 0;
    records.forEach((r, i) => {
      this.slots[i]!.at = off + 8;
      off += frameSize(r.length);
    });
    this.batch = frameBatch(records);
  }

  /** The next batch: the same calls further along every connection's streams. */
  next(): Buffer {
    const b = this.batch;
    for (const s of this.slots) {
      const p = this.pos[s.conn]!;
      // Requests go out ~3 µs apart, responses come back ~8 µs apart.
      this.ts += s.egress ? 3_000 : 8_000;
      writeU64(b, s.at + at('ts_ns'), this.ts);
      writeU64(b, s.at + at('stream_pos'), s.egress ? p.egress : p.ingress);
      if (s.egress) p.egress += s.size;
      else p.ingress += s.size;
    }
    return b;
  }
}

function writeU64(b: Buffer, off: number, v: number): void {
  b.writeUInt32LE(v % 0x1_0000_0000, off);
  b.writeUInt32LE(Math.floor(v / 0x1_0000_0000), off + 4);
}

function cpuMicros(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return used.user + used.system;
}

export interface Result {
  usPerCall: number;
  lines: number;
  bytesPerLine: number;
}

/**
 * Drives `calls` calls through a fresh pipeline and sink; checks the ai_call lines written.
 * Exported so two builds' benches can be imported into one process and alternated (an A/B that
 * machine noise hits alike).
 */
export async function once(calls: number, firstPtr: bigint): Promise<Result> {
  const traffic = new Traffic(firstPtr);
  const dir = mkdtempSync(join(tmpdir(), 'vigil-agent-bench-'));
  try {
    const path = join(dir, 'events.jsonl');
    const config = parseSensorConfig({ node: 'bench-node', output: { path } }, {});
    const sink = new JsonlSink({ path, maxBytes: 1 << 30, flushIntervalMs: 3_600_000 });
    const procs = new ProcessCache();
    // What the agent learns from /proc about a client process.
    procs.remember(TGID, { exe: '/usr/local/bin/node', cgroupPath: '/user.slice/user-0.slice/session-4.scope' });
    const losses: Record<string, number> = {};
    const pipeline = new CapturePipeline({
      config,
      clock: new Clock(),
      procs,
      emit: (e: Event) => sink.write(e),
      countLoss: (stage, n) => (losses[stage] = (losses[stage] ?? 0) + n),
    });
    const errors: Error[] = [];
    const start = process.cpuUsage();
    const onRecord = (r: ProbeRecord) => pipeline.handle(r as ConnRecord);
    decodeBatch(traffic.sni, onRecord, (e) => errors.push(e));
    for (let batch = 1; batch <= calls / (CONNECTIONS * ROUNDS_PER_BATCH); batch++) {
      decodeBatch(traffic.next(), onRecord, (e) => errors.push(e));
      if (batch % BATCHES_PER_FLUSH === 0) await sink.flush();
      // As the agent's poll loop: timers and I/O run between batches.
      await new Promise(setImmediate);
    }
    pipeline.conns.closeAll();
    await sink.close();
    const us = cpuMicros(start);
    if (errors.length > 0) throw new Error(`decode errors: ${errors[0]!.message}`);
    if (Object.keys(losses).length > 0 || sink.stats().dropped > 0) throw new Error(`losses ${JSON.stringify(losses)}, sink dropped ${sink.stats().dropped}`);
    const text = readFileSync(path, 'utf8');
    const lines = text.split('\n').filter((l) => l.length > 0);
    // Every call exactly one complete ai_call: a faster but broken pipeline must not pass.
    const ids = new Set<string>();
    for (const line of lines) {
      const e = JSON.parse(line) as Event;
      if (e.kind !== 'ai_call' || e.ai_call.gen_ai?.usage?.total_tokens !== 18 || e.ai_call.http?.status_code !== 200) {
        throw new Error(`unexpected event: ${line.slice(0, 200)}`);
      }
      ids.add(e.id);
    }
    if (lines.length !== calls || ids.size !== calls) throw new Error(`${calls} calls produced ${lines.length} lines (${ids.size} distinct ids)`);
    return { usPerCall: us / calls, lines: lines.length, bytesPerLine: Buffer.byteLength(text) / lines.length };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<void> {
  const perBatch = CONNECTIONS * ROUNDS_PER_BATCH * BATCHES_PER_FLUSH;
  const calls = Math.ceil(CALLS / perBatch) * perBatch;
  await once(calls, 0x55d0_1000_0000n);
  const runs: Result[] = [];
  for (let i = 0; i < 3; i++) runs.push(await once(calls, 0x55d0_2000_0000n + BigInt(i) * 0x100_0000n));
  const sorted = runs.map((r) => r.usPerCall).sort((a, b) => a - b);
  const median = sorted[1]!;
  console.log(
    `${CONNECTIONS} keep-alive connections, ${calls} OpenAI chat calls per run, ${runs[0]!.bytesPerLine.toFixed(0)} B per ai_call line; every call one ai_call line`,
  );
  console.log(`CPU per call: median ${median.toFixed(2)} µs (runs ${runs.map((r) => r.usPerCall.toFixed(2)).join(', ')}) → ${Math.round(1e6 / median)} calls/s per core`);
}
