// HTTP/2 reassembly of one connection (RFC 9113): the client preface, frames per direction
// (DATA streamed, others buffered within limits), HPACK per direction, and one HttpExchange per
// stream. A loss outside a DATA payload leaves HPACK and framing unrecoverable: in-flight streams
// are emitted flagged and the connection is no longer parsed.
import { HpackDecoder } from './hpack.js';
import { emitExchange, MessageBuilder, type ExchangeParts, type LossCause, type ParserContext } from './message.js';
import { requestDirection, type ProtocolParser, type ProtocolSetup } from './protocol.js';
import type { Direction, HttpHeaders } from './types.js';

export const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

const FRAME_HEADER = 9;
const DATA = 0x0;
const HEADERS = 0x1;
const RST_STREAM = 0x3;
const SETTINGS = 0x4;
const PUSH_PROMISE = 0x5;
const CONTINUATION = 0x9;
const END_STREAM = 0x1;
const ACK = 0x1;
const END_HEADERS = 0x4;
const PADDED = 0x8;
const PRIORITY = 0x20;
const SETTINGS_HEADER_TABLE_SIZE = 0x1;
/** Payload kept of control frames (SETTINGS, GOAWAY debug data...). */
const CONTROL_PAYLOAD_MAX = 16 * 1024;

interface H2Stream {
  req?: MessageBuilder;
  method: string;
  path: string;
  authority?: string;
  reqEnded: boolean;
  res?: MessageBuilder;
  status?: number;
  resEnded: boolean;
  reset: boolean;
}

type State = 'preface' | 'header' | 'payload' | 'pad-length' | 'data' | 'padding' | 'dead';

/** Reads the frames of one direction. */
class FrameReader {
  state: State;
  private head = Buffer.alloc(FRAME_HEADER);
  private headLen = 0;
  type = 0;
  flags = 0;
  streamId = 0;
  private length = 0;
  /** Payload bytes still to come in the current frame (data or padding in DATA frames). */
  remaining = 0;
  private padding = 0;
  private payload: Uint8Array[] = [];
  private payloadLen = 0;
  private keep = 0;
  frameStartNs = 0;

  constructor(
    expectPreface: boolean,
    private readonly conn: H2Connection,
    readonly direction: Direction,
  ) {
    this.state = expectPreface ? 'preface' : 'header';
    this.remaining = expectPreface ? H2_PREFACE.length : 0;
  }

  get bufferedBytes(): number {
    return this.payloadLen + this.headLen;
  }

  feed(data: Uint8Array, tsNs: number): void {
    let i = 0;
    while (i < data.length && this.state !== 'dead') {
      switch (this.state) {
        case 'preface': {
          const n = Math.min(this.remaining, data.length - i);
          const at = H2_PREFACE.length - this.remaining;
          if (Buffer.compare(data.subarray(i, i + n), H2_PREFACE.subarray(at, at + n)) !== 0) return this.conn.fail('bad client preface');
          this.remaining -= n;
          i += n;
          if (this.remaining === 0) this.state = 'header';
          break;
        }
        case 'header': {
          if (this.headLen === 0) {
            this.frameStartNs = tsNs;
            if (data.length - i >= FRAME_HEADER) {
              // The whole header is here (the usual case): read it in place.
              this.startFrame(data, i, tsNs);
              i += FRAME_HEADER;
              break;
            }
          }
          // Byte by byte: a subarray per 9-byte header costs more than the copy (one per SSE event).
          const n = Math.min(FRAME_HEADER - this.headLen, data.length - i);
          for (let k = 0; k < n; k++) this.head[this.headLen + k] = data[i + k]!;
          this.headLen += n;
          i += n;
          if (this.headLen === FRAME_HEADER) {
            this.headLen = 0;
            this.startFrame(this.head, 0, tsNs);
          }
          break;
        }
        case 'pad-length':
          this.padding = data[i++]!;
          this.remaining -= 1;
          if (this.padding > this.remaining) return this.conn.fail('padding longer than frame');
          this.remaining -= this.padding;
          this.state = 'data';
          this.afterData(tsNs);
          break;
        case 'data': {
          const n = Math.min(this.remaining, data.length - i);
          this.conn.onData(this, data, i, i + n, tsNs);
          this.remaining -= n;
          i += n;
          this.afterData(tsNs);
          break;
        }
        case 'padding': {
          const n = Math.min(this.remaining, data.length - i);
          this.remaining -= n;
          i += n;
          this.afterData(tsNs);
          break;
        }
        case 'payload': {
          const n = Math.min(this.remaining, data.length - i);
          const kept = Math.min(n, this.keep - this.payloadLen);
          if (kept > 0) {
            this.payload.push(data.slice(i, i + kept));
            this.payloadLen += kept;
          }
          this.remaining -= n;
          i += n;
          if (this.remaining === 0) this.endPayload(tsNs);
          break;
        }
      }
    }
    if (this.state === 'dead') this.conn.ctx.counters.droppedBytes += data.length - i;
  }

  /** Loss inside a DATA payload or its padding is survivable; anywhere else it is not. */
  lose(bytes: number, cause: LossCause): boolean {
    if ((this.state === 'data' || this.state === 'padding') && bytes <= this.remaining) {
      if (this.state === 'data') this.conn.onDataLost(this, bytes, cause);
      this.remaining -= bytes;
      this.afterData(0);
      return true;
    }
    return this.state === 'dead';
  }

  /** The frame whose 9-byte header is head[at, at + 9). */
  private startFrame(head: Uint8Array, at: number, tsNs: number): void {
    this.length = (head[at]! << 16) | (head[at + 1]! << 8) | head[at + 2]!;
    this.type = head[at + 3]!;
    this.flags = head[at + 4]!;
    this.streamId = ((head[at + 5]! & 0x7f) << 24) | (head[at + 6]! << 16) | (head[at + 7]! << 8) | head[at + 8]!;
    this.remaining = this.length;
    if (this.type === DATA) {
      this.padding = 0;
      this.state = this.flags & PADDED ? 'pad-length' : 'data';
      if (this.length === 0 && this.flags & PADDED) return this.conn.fail('padded frame without pad length');
      if (this.state === 'data') this.afterData(tsNs);
      return;
    }
    const isHeaderBlock = this.type === HEADERS || this.type === CONTINUATION || this.type === PUSH_PROMISE;
    this.keep = isHeaderBlock ? this.conn.ctx.opts.maxHeaderBytes : CONTROL_PAYLOAD_MAX;
    if (isHeaderBlock && this.length > this.keep) return this.conn.fail('header block over maxHeaderBytes');
    this.payload = [];
    this.payloadLen = 0;
    this.state = 'payload';
    if (this.length === 0) this.endPayload(tsNs);
  }

  private afterData(tsNs: number): void {
    if (this.remaining > 0) return;
    if (this.state === 'data' && this.padding > 0) {
      this.remaining = this.padding;
      this.padding = 0;
      this.state = 'padding';
      return;
    }
    this.state = 'header';
    if (this.flags & END_STREAM) this.conn.onEndStream(this, tsNs);
  }

  private endPayload(tsNs: number): void {
    const payload = this.payload.length === 1 ? this.payload[0]! : Buffer.concat(this.payload, this.payloadLen);
    this.payload = [];
    this.payloadLen = 0;
    this.state = 'header';
    this.conn.onFrame(this, payload, tsNs);
  }
}

export class H2Connection implements ProtocolParser {
  stopped: string | undefined;
  readonly ctx: ParserContext;
  private readonly reqDir: Direction;
  private readonly readers: Record<Direction, FrameReader>;
  /** One HPACK decoder per direction: the blocks that direction's peer encoded. */
  private readonly hpack: Record<Direction, HpackDecoder>;
  private readonly streams = new Map<number, H2Stream>();
  /** A header block split over CONTINUATION frames, per direction. */
  private readonly blocks: Record<Direction, { streamId: number; type: number; endStream: boolean; parts: Uint8Array[]; len: number; startNs: number } | undefined> = {
    egress: undefined,
    ingress: undefined,
  };

  constructor(private readonly setup: ProtocolSetup) {
    this.ctx = setup.ctx;
    this.reqDir = requestDirection(setup.role);
    const respDir: Direction = this.reqDir === 'egress' ? 'ingress' : 'egress';
    this.readers = {
      [this.reqDir]: new FrameReader(true, this, this.reqDir),
      [respDir]: new FrameReader(false, this, respDir),
    } as Record<Direction, FrameReader>;
    const cap = this.ctx.opts.hpackTableMax;
    this.hpack = { egress: new HpackDecoder(cap), ingress: new HpackDecoder(cap) };
  }

  get bufferedBytes(): number {
    if (this.stopped) return 0;
    const blocks = (this.blocks.egress?.len ?? 0) + (this.blocks.ingress?.len ?? 0);
    return this.readers.egress.bufferedBytes + this.readers.ingress.bufferedBytes + blocks + this.hpack.egress.tableBytes + this.hpack.ingress.tableBytes;
  }

  feed(direction: Direction, data: Uint8Array, tsNs: number): void {
    if (this.stopped) {
      this.ctx.counters.droppedBytes += data.length;
      return;
    }
    this.readers[direction].feed(data, tsNs);
  }

  lose(direction: Direction, bytes: number, cause: LossCause): void {
    if (this.stopped || this.readers[direction].lose(bytes, cause)) return;
    for (const stream of this.streams.values()) {
      stream.req?.mark(cause);
      stream.res?.mark(cause);
    }
    this.fail(cause === 'gap' ? 'gap outside a DATA payload' : 'truncated outside a DATA payload');
  }

  close(): void {
    for (const [id, stream] of this.streams) this.emit(id, stream);
    this.streams.clear();
    if (!this.stopped) this.stopped = 'closed';
    for (const reader of Object.values(this.readers)) reader.state = 'dead';
  }

  /** Stops parsing for good: emits what is in flight, counts the reason. */
  fail(reason: string): void {
    if (this.stopped) return;
    this.ctx.counters.malformed += reason.startsWith('gap') || reason.startsWith('truncated') ? 0 : 1;
    this.close();
    this.stopped = reason;
  }

  /** DATA payload bytes data[start, end). */
  onData(reader: FrameReader, data: Uint8Array, start: number, end: number, tsNs: number): void {
    const msg = this.message(reader);
    if (msg) msg.data(data, tsNs, start, end);
    else this.ctx.counters.droppedBytes += end - start;
  }

  onDataLost(reader: FrameReader, bytes: number, cause: LossCause): void {
    this.message(reader)?.lose(bytes, cause);
  }

  onEndStream(reader: FrameReader, tsNs: number): void {
    const stream = this.streams.get(reader.streamId);
    if (!stream) return;
    const isReq = reader.direction === this.reqDir;
    const msg = isReq ? stream.req : stream.res;
    if (msg) {
      msg.lastByteNs = Math.max(msg.lastByteNs, tsNs);
      msg.complete = true;
    }
    if (isReq) stream.reqEnded = true;
    else stream.resEnded = true;
    if (stream.reqEnded && stream.resEnded) this.finish(reader.streamId, stream);
  }

  onFrame(reader: FrameReader, payload: Uint8Array, tsNs: number): void {
    const dir = reader.direction;
    switch (reader.type) {
      case HEADERS:
      case PUSH_PROMISE:
        return this.startBlock(reader, payload, tsNs);
      case CONTINUATION: {
        const block = this.blocks[dir];
        if (!block || block.streamId !== reader.streamId) return this.fail('CONTINUATION without HEADERS');
        return this.addFragment(reader, block, payload, tsNs);
      }
      case SETTINGS:
        if (reader.flags & ACK) return;
        for (let o = 0; o + 6 <= payload.length; o += 6) {
          const id = (payload[o]! << 8) | payload[o + 1]!;
          const value = Buffer.from(payload.buffer, payload.byteOffset + o + 2, 4).readUInt32BE(0);
          // The sender's table size bounds the blocks the other side encodes for it.
          if (id === SETTINGS_HEADER_TABLE_SIZE) this.hpack[dir === 'egress' ? 'ingress' : 'egress'].allowTableSize(value);
        }
        return;
      case RST_STREAM: {
        const stream = this.streams.get(reader.streamId);
        if (!stream) return;
        stream.reset = true;
        return this.finish(reader.streamId, stream);
      }
      default:
        return; // PING, GOAWAY, WINDOW_UPDATE, PRIORITY, unknown: nothing for an exchange
    }
  }

  private startBlock(reader: FrameReader, payload: Uint8Array, tsNs: number): void {
    if (this.blocks[reader.direction]) return this.fail('HEADERS while a header block is open');
    let start = 0;
    let end = payload.length;
    if (reader.flags & PADDED) {
      end -= payload[0] ?? 0;
      start = 1;
    }
    if (reader.type === HEADERS && reader.flags & PRIORITY) start += 5;
    if (reader.type === PUSH_PROMISE) start += 4;
    if (start > end) return this.fail('frame padding or priority past its end');
    const block = { streamId: reader.streamId, type: reader.type, endStream: (reader.flags & END_STREAM) !== 0, parts: [], len: 0, startNs: reader.frameStartNs };
    this.blocks[reader.direction] = block;
    this.addFragment(reader, block, payload.subarray(start, end), tsNs);
  }

  private addFragment(reader: FrameReader, block: NonNullable<H2Connection['blocks']['egress']>, fragment: Uint8Array, tsNs: number): void {
    if (block.len + fragment.length > this.ctx.opts.maxHeaderBytes) return this.fail('header block over maxHeaderBytes');
    block.parts.push(fragment);
    block.len += fragment.length;
    if (!(reader.flags & END_HEADERS)) return;
    this.blocks[reader.direction] = undefined;
    const fields = this.hpack[reader.direction].decode(Buffer.concat(block.parts, block.len));
    if (fields instanceof Error) return this.fail(`hpack: ${fields.message}`);
    // A pushed request's fields only keep HPACK in step; pushes are not exchanges we report.
    if (block.type === PUSH_PROMISE) return;
    this.onHeaders(reader.direction, block.streamId, fields, block.len, block.startNs, tsNs);
    if (block.endStream) this.onEndStream(reader, tsNs);
  }

  private onHeaders(dir: Direction, streamId: number, fields: Array<[string, string]>, size: number, firstNs: number, tsNs: number): void {
    const { pseudo, headers } = splitFields(fields);
    let stream = this.streams.get(streamId);
    if (dir === this.reqDir && !stream) {
      if (this.streams.size >= this.ctx.opts.maxPending) {
        this.ctx.counters.droppedExchanges++;
        return;
      }
      stream = { method: pseudo[':method'] ?? '', path: pseudo[':path'] ?? '', reqEnded: false, resEnded: false, reset: false };
      const authority = pseudo[':authority'];
      if (authority !== undefined) stream.authority = authority;
      stream.req = new MessageBuilder(this.ctx, headers, firstNs, size);
      stream.req.lastByteNs = tsNs;
      this.streams.set(streamId, stream);
      return;
    }
    if (!stream) {
      this.ctx.counters.unpairedResponses++;
      return;
    }
    const target = dir === this.reqDir ? stream.req : stream.res;
    if (target) {
      // Trailers: add them to the message's fields.
      for (const [name, value] of Object.entries(headers)) target.headers[name] = target.headers[name] === undefined ? value : `${target.headers[name]}, ${value}`;
      target.lastByteNs = tsNs;
      return;
    }
    const status = Number(pseudo[':status']);
    if (status >= 100 && status < 200) return; // interim (100-continue, 103)
    stream.status = status;
    stream.res = new MessageBuilder(this.ctx, headers, firstNs, size);
    stream.res.lastByteNs = tsNs;
  }

  private message(reader: FrameReader): MessageBuilder | undefined {
    const stream = this.streams.get(reader.streamId);
    return reader.direction === this.reqDir ? stream?.req : stream?.res;
  }

  private finish(id: number, stream: H2Stream): void {
    this.streams.delete(id);
    this.emit(id, stream);
  }

  private emit(streamId: number, stream: H2Stream): void {
    const { req, res } = stream;
    if (!req) return;
    stream.req = undefined;
    const incomplete = stream.reset || !stream.reqEnded || !stream.resEnded;
    const parts: ExchangeParts = { streamId, req, method: stream.method, path: stream.path, res, status: stream.status, gap: false, incomplete };
    if (stream.authority !== undefined) parts.authority = stream.authority;
    emitExchange(this.setup, '2', parts);
  }
}

/** Pseudo-headers apart; regular fields joined as HttpHeaders wants (cookie crumbs with "; "). */
function splitFields(fields: Array<[string, string]>): { pseudo: Record<string, string>; headers: HttpHeaders } {
  const pseudo: Record<string, string> = {};
  const headers: HttpHeaders = {};
  for (const [rawName, value] of fields) {
    const name = rawName.toLowerCase();
    if (name.startsWith(':')) {
      pseudo[name] = value;
      continue;
    }
    const prior = headers[name];
    const sep = name === 'set-cookie' ? '\n' : name === 'cookie' ? '; ' : ', ';
    headers[name] = prior === undefined ? value : `${prior}${sep}${value}`;
  }
  return { pseudo, headers };
}
