// One direction of an HTTP/1.x connection: finds message boundaries (head, Content-Length,
// chunked with trailers, read-to-close), survives gaps inside length-delimited bodies, and
// otherwise resynchronises on the next plausible start line.
import { contentLength, isChunked, parseHead, startLinePrefix, type MessageKind, type RequestHead, type ResponseHead } from './h1-head.js';
import { asBuffer, findByte } from './bytes.js';
import type { LossCause, MessageBuilder, ParserContext } from './message.js';

const LF = 0x0a;
const CR = 0x0d;
/** Longest chunk-size line (with extensions) accepted. */
const MAX_CHUNK_LINE = 1024;

export type Head = RequestHead | ResponseHead;

/** What the connection decides when a head is parsed. */
export type HeadVerdict =
  | { kind: 'message'; msg: MessageBuilder | undefined; bodyless: boolean }
  /** A 1xx interim response: no body, the real response follows. */
  | { kind: 'interim' }
  /** The connection switched protocols: nothing more to parse in this direction. */
  | { kind: 'stop' };

export interface ReaderHooks {
  head(head: Head, firstByteNs: number, headSize: number, tsNs: number): HeadVerdict;
  /** The message whose head was last accepted ended: complete, or cut by lost bytes. */
  end(kind: MessageKind, complete: boolean): void;
  /** Framing was lost: an unknown number of messages may be missing in this direction. */
  desync(kind: MessageKind): void;
}

type State = 'start' | 'head' | 'body' | 'chunk-size' | 'chunk-data' | 'chunk-end' | 'trailers' | 'close-body' | 'resync' | 'dead';

export class H1Reader {
  private state: State = 'start';
  private parts: Uint8Array[] = [];
  private partsLen = 0;
  /** Bytes of the current line so far and whether it ended with CR (head end detection). */
  private lineLen = 0;
  private lineCR = false;
  private headFirstNs = 0;
  private msg: MessageBuilder | undefined;
  private remaining = 0;
  private trailerBytes = 0;
  /** Resync: the next byte starts a line; bytes of a start line cut by the chunk end. */
  private lineStart = true;
  private carry: Uint8Array | undefined;

  constructor(
    readonly kind: MessageKind,
    private readonly ctx: ParserContext,
    private readonly hooks: ReaderHooks,
  ) {}

  get bufferedBytes(): number {
    return this.partsLen + (this.carry?.length ?? 0);
  }

  /** A read-to-close body is waiting for the connection to end. */
  get readsToClose(): boolean {
    return this.state === 'close-body';
  }

  feed(data: Uint8Array, tsNs: number): void {
    // Probes capture per TLS call and messages mostly start a call: a chunk start is a candidate.
    if (this.state === 'resync') this.lineStart = true;
    let i = 0;
    while (i < data.length) {
      switch (this.state) {
        case 'start':
          while (i < data.length && (data[i] === CR || data[i] === LF)) i++;
          if (i < data.length) this.beginHead(tsNs);
          break;
        case 'head':
          i = this.readHead(data, i, tsNs);
          break;
        case 'body':
        case 'chunk-data':
          i = this.readCounted(data, i, tsNs);
          break;
        case 'chunk-size':
        case 'chunk-end':
        case 'trailers':
          i = this.readLine(data, i, tsNs);
          break;
        case 'close-body':
          this.msg?.data(data, tsNs, i);
          i = data.length;
          break;
        case 'resync':
          i = this.scan(data, i, tsNs);
          break;
        case 'dead':
          this.ctx.counters.droppedBytes += data.length - i;
          return;
      }
    }
  }

  lose(bytes: number, cause: LossCause): void {
    const within = (this.state === 'body' || this.state === 'chunk-data') && bytes <= this.remaining;
    if (within || this.state === 'close-body') {
      // Length-delimited framing tells exactly where the message goes on: still in sync.
      this.msg?.lose(bytes, cause);
      if (this.state === 'close-body') return;
      this.remaining -= bytes;
      if (this.remaining === 0) this.afterCounted(this.msg?.lastByteNs ?? 0);
      return;
    }
    if (this.state === 'dead') return;
    if (this.state === 'resync') {
      this.lineStart = true;
      this.carry = undefined;
      return;
    }
    this.msg?.lose(bytes, cause);
    this.desync();
  }

  /** The connection ended; returns nothing, ends an in-flight message as incomplete or complete. */
  close(): void {
    if (this.msg) this.endMessage(this.state === 'close-body');
    this.state = 'dead';
    this.parts = [];
    this.partsLen = 0;
    this.carry = undefined;
  }

  /** Stops parsing this direction (the other side switched protocols). */
  stop(): void {
    this.state = 'dead';
    this.parts = [];
    this.partsLen = 0;
  }

  private beginHead(tsNs: number): void {
    this.state = 'head';
    this.headFirstNs = tsNs;
    this.parts = [];
    this.partsLen = 0;
    this.lineLen = 0;
    this.lineCR = false;
  }

  private readHead(data: Uint8Array, i: number, tsNs: number): number {
    const from = i;
    const max = this.ctx.opts.maxHeaderBytes;
    while (i < data.length) {
      const nl = findByte(data, LF, i);
      if (nl < 0) {
        // The chunk ends inside a line of the head.
        this.lineCR = data[data.length - 1] === CR;
        this.lineLen += data.length - i;
        i = data.length;
        break;
      }
      const lineLen = this.lineLen + (nl - i);
      const cr = nl > i ? data[nl - 1] === CR : this.lineCR;
      i = nl + 1;
      this.lineLen = 0;
      this.lineCR = false;
      if (this.partsLen + (i - from) > max) return this.overflow(i);
      if (lineLen === 0 || (lineLen === 1 && cr)) {
        const tail = data.subarray(from, i);
        const head = this.parts.length === 0 ? tail : Buffer.concat([...this.parts, tail]);
        this.parts = [];
        this.partsLen = 0;
        this.finishHead(head, tsNs);
        return i;
      }
    }
    if (this.partsLen + (i - from) > max) return this.overflow(i);
    this.parts.push(data.slice(from, i));
    this.partsLen += i - from;
    return i;
  }

  /** A head or framing line longer than allowed: not HTTP as we know it. */
  private overflow(next: number): number {
    this.ctx.counters.malformed++;
    this.desync();
    return next;
  }

  private finishHead(bytes: Uint8Array, tsNs: number): void {
    const head = parseHead(bytes, this.kind);
    const length = typeof head === 'string' ? undefined : contentLength(head.headers);
    if (typeof head === 'string' || typeof length === 'string') {
      this.ctx.counters.malformed++;
      return this.desync();
    }
    const verdict = this.hooks.head(head, this.headFirstNs, bytes.length, tsNs);
    if (verdict.kind === 'stop') return this.stop();
    this.state = 'start';
    if (verdict.kind === 'interim') return;
    this.msg = verdict.msg;
    if (verdict.bodyless) return this.endMessage(true);
    if (isChunked(head.headers)) {
      this.state = 'chunk-size';
    } else if (length !== undefined) {
      this.remaining = length;
      if (length === 0) this.endMessage(true);
      else this.state = 'body';
    } else if (this.kind === 'response') {
      this.state = 'close-body';
    } else {
      this.endMessage(true);
    }
  }

  private readCounted(data: Uint8Array, i: number, tsNs: number): number {
    const n = Math.min(this.remaining, data.length - i);
    this.msg?.data(data, tsNs, i, i + n);
    this.remaining -= n;
    if (this.remaining === 0) this.afterCounted(tsNs);
    return i + n;
  }

  private afterCounted(tsNs: number): void {
    if (this.state === 'chunk-data') {
      this.state = 'chunk-end';
      return;
    }
    if (this.msg) this.msg.lastByteNs = Math.max(this.msg.lastByteNs, tsNs);
    this.endMessage(true);
  }

  /** Lines of chunked framing: chunk sizes, the CRLF after chunk data, trailers. */
  private readLine(data: Uint8Array, i: number, tsNs: number): number {
    const nl = findByte(data, LF, i);
    const next = nl < 0 ? data.length : nl + 1;
    const limit = this.state === 'trailers' ? this.ctx.opts.maxHeaderBytes : MAX_CHUNK_LINE;
    if (this.partsLen + (next - i) > limit) return this.overflow(next);
    if (nl < 0) {
      this.parts.push(data.slice(i, next));
      this.partsLen += next - i;
      return next;
    }
    let line = asBuffer(data);
    let start = i;
    let end = nl;
    if (this.parts.length > 0) {
      line = Buffer.concat([...this.parts, data.subarray(i, nl)]);
      start = 0;
      end = line.length;
      this.parts = [];
      this.partsLen = 0;
    }
    if (end > start && line[end - 1] === CR) end--;
    if (this.msg) this.msg.lastByteNs = tsNs;
    if (this.state === 'chunk-size') this.chunkSize(line, start, end);
    else if (this.state === 'chunk-end') this.chunkEnd(end - start);
    else this.trailer(line.toString('latin1', start, end));
    return next;
  }

  private chunkSize(line: Buffer, start: number, end: number): void {
    const size = parseChunkSize(line, start, end);
    if (size < 0) {
      this.ctx.counters.malformed++;
      return this.desync();
    }
    this.remaining = size;
    this.trailerBytes = 0;
    this.state = size === 0 ? 'trailers' : 'chunk-data';
  }

  /** The line after chunk data must be empty. */
  private chunkEnd(length: number): void {
    if (length !== 0) {
      this.ctx.counters.malformed++;
      return this.desync();
    }
    this.state = 'chunk-size';
  }

  private trailer(line: string): void {
    if (line === '') return this.endMessage(true);
    this.trailerBytes += line.length;
    const colon = line.indexOf(':');
    if (colon <= 0 || this.trailerBytes > this.ctx.opts.maxHeaderBytes || !this.msg) return;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    const prior = this.msg.headers[name];
    this.msg.headers[name] = prior === undefined ? value : `${prior}, ${value}`;
  }

  private endMessage(complete: boolean): void {
    this.msg = undefined;
    if (this.state !== 'dead') this.state = 'start';
    this.hooks.end(this.kind, complete);
  }

  private desync(): void {
    if (this.msg) this.endMessage(false);
    this.state = 'resync';
    this.parts = [];
    this.partsLen = 0;
    this.lineStart = true;
    this.carry = undefined;
    this.ctx.counters.resyncs++;
    this.hooks.desync(this.kind);
  }

  /** Resync: drops bytes up to the next line that starts like a request or status line. */
  private scan(data: Uint8Array, i: number, tsNs: number): number {
    if (this.carry) {
      const joined = Buffer.concat([this.carry, data.subarray(i)]);
      this.carry = undefined;
      this.lineStart = true;
      this.feed(joined, tsNs);
      return data.length;
    }
    let p = i;
    let atStart = this.lineStart;
    while (p < data.length) {
      if (atStart) {
        const verdict = startLinePrefix(data.subarray(p, p + 12), this.kind);
        if (verdict === 'yes') {
          this.ctx.counters.droppedBytes += p - i;
          this.beginHead(tsNs);
          return p;
        }
        if (verdict === 'maybe') {
          // Cut by the end of this chunk: decide when the next one comes.
          this.carry = data.slice(p);
          this.ctx.counters.droppedBytes += p - i;
          return data.length;
        }
      }
      const nl = findByte(data, LF, p);
      if (nl < 0) {
        atStart = false;
        break;
      }
      p = nl + 1;
      atStart = true;
    }
    this.lineStart = atStart;
    this.ctx.counters.droppedBytes += data.length - i;
    return data.length;
  }
}

/** Hex chunk size, ignoring extensions after ";" and surrounding blanks; -1 when malformed. */
function parseChunkSize(line: Buffer, start: number, end: number): number {
  let size = 0;
  let digits = 0;
  let i = start;
  while (i < end && (line[i] === 0x20 || line[i] === 0x09)) i++;
  for (; i < end; i++) {
    const c = line[i]!;
    const v = c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x57 : c >= 0x41 && c <= 0x46 ? c - 0x37 : -1;
    if (v < 0) break;
    size = size * 16 + v;
    if (++digits > 12) return -1;
  }
  while (i < end && (line[i] === 0x20 || line[i] === 0x09)) i++;
  if (digits === 0 || (i < end && line[i] !== 0x3b)) return -1;
  return size;
}
