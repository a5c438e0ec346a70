// The per-connection entry point: orders each direction by byte position, turns position jumps
// and per-call truncation into counted losses, detects the protocol and role from the first
// bytes, and hands bytes to the h1 or h2 reassembly. Pure: no I/O, no timers.
import { H1Connection } from './h1.js';
import { startLinePrefix } from './h1-head.js';
import { H2Connection, H2_PREFACE } from './h2.js';
import { ParserContext, type ParserCounters } from './message.js';
import { resolveParserOptions, type ParserOptions, type ParserOptionsInput } from './options.js';
import type { ProtocolParser } from './protocol.js';
import type { Direction, HttpExchange, StreamChunk } from './types.js';

export interface ConnectionStats extends ParserCounters {
  protocol: 'unknown' | 'http/1.1' | 'h2';
  role?: 'client' | 'server';
  /** Why the connection was not (or no longer) parsed: not-http, upgrade, an h2 failure... */
  gaveUp?: string;
  /** Bytes this parser holds now: bodies, SSE events, heads, frames, HPACK tables. */
  retainedBytes: number;
}

export interface ConnectionParser {
  push(chunk: StreamChunk): void;
  close(): void;
  stats(): ConnectionStats;
  /** stats().retainedBytes without building the stats object: cheap enough to check per push. */
  retainedBytes(): number;
}

type Detected = { protocol: 'http/1.1' | 'h2'; role: 'client' | 'server' };

/** Options validated once per options object: the agent passes the same one for every connection. */
const resolved = new WeakMap<object, ParserOptions>();

function options(input: ParserOptionsInput): ParserOptions {
  let opts = resolved.get(input);
  if (!opts) {
    opts = resolveParserOptions(input);
    resolved.set(input, opts);
  }
  return opts;
}

export function createConnectionParser(opts: ParserOptionsInput, onExchange: (exchange: HttpExchange) => void): ConnectionParser {
  const ctx = new ParserContext(options(opts));
  const next: Record<Direction, number | undefined> = { egress: undefined, ingress: undefined };
  let pending: StreamChunk[] = [];
  let pendingBytes = 0;
  let parser: ProtocolParser | undefined;
  let detected: Detected | undefined;
  let gaveUp: string | undefined;
  let skippedMidStream = 0;

  function retainedBytes(): number {
    return ctx.budget.used + ctx.headBytes + (parser?.bufferedBytes ?? 0) + pendingBytes;
  }

  function giveUp(reason: string, bytes: number): void {
    gaveUp = reason;
    ctx.counters.droppedBytes += bytes;
    pending = [];
    pendingBytes = 0;
  }

  function deliver(chunk: StreamChunk): void {
    const p = parser!;
    const d = chunk.direction;
    let data = chunk.data;
    const expected = next[d] ?? chunk.pos;
    if (chunk.pos < expected) {
      // Bytes seen already (a re-read): keep only what is new.
      const seen = Math.min(expected - chunk.pos, data.length);
      ctx.counters.droppedBytes += seen;
      data = data.subarray(seen);
      if (data.length === 0) return;
    } else if (chunk.pos > expected) {
      ctx.counters.gaps++;
      p.lose(d, chunk.pos - expected, 'gap', chunk.tsNs);
    }
    next[d] = Math.max(expected, chunk.pos) + data.length;
    p.feed(d, data, chunk.tsNs);
    const truncated = chunk.truncatedBytes ?? 0;
    if (truncated > 0) {
      ctx.counters.truncatedCalls++;
      p.lose(d, truncated, 'truncated', chunk.tsNs);
      next[d]! += truncated;
    }
  }

  /**
   * A direction joined mid-stream (its first chunk is not at position 0: the probe attached to a
   * live connection) may start inside a body: its chunks are skipped until one starts like
   * HTTP, up to bodyCap bytes.
   */
  function skipMidStream(): void {
    for (const direction of DIRECTIONS) {
      const first = pending.find((c) => c.direction === direction);
      if (!first || first.pos === 0 || detectDirection(pending, direction) !== 'not-http') continue;
      if (skippedMidStream > ctx.opts.bodyCap) continue;
      const dropped = pending.filter((c) => c.direction === direction).reduce((n, c) => n + c.data.length, 0);
      pending = pending.filter((c) => c.direction !== direction);
      pendingBytes -= dropped;
      skippedMidStream += dropped;
      ctx.counters.droppedBytes += dropped;
    }
  }

  function detect(): void {
    skipMidStream();
    if (pending.length === 0) return;
    const verdict = detectProtocol(pending);
    if (verdict === 'wait') {
      if (pendingBytes > ctx.opts.maxHeaderBytes) giveUp('undetected', pendingBytes);
      return;
    }
    if (verdict === 'not-http') return giveUp('not-http', pendingBytes);
    detected = verdict;
    const setup = { ctx, role: verdict.role, onExchange };
    parser = verdict.protocol === 'h2' ? new H2Connection(setup) : new H1Connection(setup);
    const replay = pending;
    pending = [];
    pendingBytes = 0;
    for (const chunk of replay) deliver(chunk);
  }

  return {
    push(chunk) {
      if (gaveUp !== undefined || parser?.stopped !== undefined) {
        ctx.counters.droppedBytes += chunk.data.length;
        return;
      }
      if (parser) return deliver(chunk);
      pending.push({ ...chunk, data: chunk.data.slice() });
      pendingBytes += chunk.data.length;
      detect();
    },
    close() {
      if (parser) parser.close();
      else if (gaveUp === undefined && pendingBytes > 0) giveUp('closed before the protocol was known', pendingBytes);
    },
    retainedBytes,
    stats() {
      const stats: ConnectionStats = { ...ctx.counters, protocol: detected?.protocol ?? 'unknown', retainedBytes: retainedBytes() };
      if (detected) stats.role = detected.role;
      const reason = gaveUp ?? (parser?.stopped === 'closed' ? undefined : parser?.stopped);
      if (reason !== undefined) stats.gaveUp = reason;
      return stats;
    },
  };
}

const DIRECTIONS = ['egress', 'ingress'] as const;

/**
 * The protocol and role from the first bytes of either direction: the h2 client preface, or an
 * HTTP/1.x request or status line. 'wait' while the bytes seen are a prefix of one of them.
 */
export function detectProtocol(chunks: readonly StreamChunk[]): Detected | 'wait' | 'not-http' {
  let waiting = false;
  for (const direction of DIRECTIONS) {
    const verdict = detectDirection(chunks, direction);
    if (verdict === 'wait') waiting = true;
    else if (verdict !== 'none') return verdict;
  }
  return waiting ? 'wait' : 'not-http';
}

/** What the first bytes of one direction say; 'none' when it has sent nothing yet. */
function detectDirection(chunks: readonly StreamChunk[], direction: Direction): Detected | 'wait' | 'not-http' | 'none' {
  const first = firstBytes(chunks, direction, H2_PREFACE.length);
  if (first.length === 0) return 'none';
  const sender = direction === 'egress' ? 'client' : 'server';
  const receiver = direction === 'egress' ? 'server' : 'client';
  const n = Math.min(first.length, H2_PREFACE.length);
  if (Buffer.compare(first.subarray(0, n), H2_PREFACE.subarray(0, n)) === 0) {
    return n === H2_PREFACE.length ? { protocol: 'h2', role: sender } : 'wait';
  }
  const request = startLinePrefix(first, 'request');
  if (request === 'yes') return { protocol: 'http/1.1', role: sender };
  const response = startLinePrefix(first, 'response');
  if (response === 'yes') return { protocol: 'http/1.1', role: receiver };
  // A server's SETTINGS frame may be seen before the client's preface: wait for the preface.
  return request === 'maybe' || response === 'maybe' || looksLikeSettingsFrame(first) ? 'wait' : 'not-http';
}

function firstBytes(chunks: readonly StreamChunk[], direction: Direction, max: number): Buffer {
  const parts: Uint8Array[] = [];
  let len = 0;
  for (const chunk of chunks) {
    if (chunk.direction !== direction || len >= max) continue;
    parts.push(chunk.data);
    len += chunk.data.length;
  }
  return Buffer.concat(parts).subarray(0, max);
}

function looksLikeSettingsFrame(bytes: Uint8Array): boolean {
  if (bytes.length < 9) return bytes.length < 4 || bytes[3] === 0x4;
  return bytes[3] === 0x4 && bytes[5] === 0 && bytes[6] === 0 && bytes[7] === 0 && bytes[8] === 0;
}
