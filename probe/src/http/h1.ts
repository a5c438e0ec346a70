// HTTP/1.x reassembly of one connection: pairs each response with its request through a FIFO
// (keep-alive and pipelining), skips 1xx interim responses, knows HEAD/204/304 have no body,
// stops at protocol upgrades, and after lost framing only re-pairs when timing proves it.
import { H1Reader, type Head, type HeadVerdict } from './h1-reader.js';
import type { MessageKind } from './h1-head.js';
import { emitExchange, MessageBuilder, type LossCause, type ParserContext } from './message.js';
import { requestDirection, type ProtocolParser, type ProtocolSetup } from './protocol.js';
import type { Direction } from './types.js';

interface Entry {
  method: string;
  path: string;
  req: MessageBuilder | undefined;
  reqDone: boolean;
  res?: MessageBuilder;
  status?: number;
  resDone: boolean;
  /** Queued while framing was lost: which response answers it is not known by order. */
  ambiguous: boolean;
  /** Capture time of the last response-direction bytes seen before this request's head. */
  responseActivityNs: number;
  incomplete: boolean;
  gap: boolean;
}

export class H1Connection implements ProtocolParser {
  stopped: string | undefined;
  private readonly ctx: ParserContext;
  private readonly requests: H1Reader;
  private readonly responses: H1Reader;
  private readonly reqDir: Direction;
  /** Requests whose response has not started, oldest first. */
  private fifo: Entry[] = [];
  private reading: Entry | undefined;
  private answering: Entry | undefined;
  /** Framing was lost since the last certain pairing: new requests are ambiguous. */
  private unaligned = false;
  private pipelined = false;
  private lastResponseNs = -1;

  constructor(private readonly setup: ProtocolSetup) {
    this.ctx = setup.ctx;
    this.reqDir = requestDirection(setup.role);
    const hooks = {
      head: (head: Head, firstNs: number, size: number, tsNs: number) => this.onHead(head, firstNs, size, tsNs),
      end: (kind: MessageKind, complete: boolean) => this.onEnd(kind, complete),
      desync: (kind: MessageKind) => this.onDesync(kind),
    };
    this.requests = new H1Reader('request', this.ctx, hooks);
    this.responses = new H1Reader('response', this.ctx, hooks);
  }

  get bufferedBytes(): number {
    return this.requests.bufferedBytes + this.responses.bufferedBytes;
  }

  feed(direction: Direction, data: Uint8Array, tsNs: number): void {
    if (direction !== this.reqDir) this.lastResponseNs = tsNs;
    this.reader(direction).feed(data, tsNs);
  }

  lose(direction: Direction, bytes: number, cause: LossCause): void {
    this.reader(direction).lose(bytes, cause);
  }

  close(): void {
    this.requests.close();
    this.responses.close();
    for (const entry of [this.answering, ...this.fifo]) {
      if (!entry) continue;
      entry.incomplete = true;
      this.emit(entry);
    }
    this.fifo = [];
    this.answering = undefined;
    this.reading = undefined;
  }

  private reader(direction: Direction): H1Reader {
    return direction === this.reqDir ? this.requests : this.responses;
  }

  private onHead(head: Head, firstByteNs: number, headSize: number, tsNs: number): HeadVerdict {
    if (head.kind === 'request') return this.onRequestHead(head.method, head.path, new MessageBuilder(this.ctx, head.headers, firstByteNs, headSize), tsNs);
    if (head.status >= 100 && head.status < 200 && head.status !== 101) return { kind: 'interim' };
    const entry = this.pairResponse(firstByteNs);
    const bodyless = head.status === 204 || head.status === 304 || head.status < 200 || entry?.method === 'HEAD';
    if (!entry) {
      this.ctx.counters.unpairedResponses++;
      return { kind: 'message', msg: undefined, bodyless };
    }
    entry.res = new MessageBuilder(this.ctx, head.headers, firstByteNs, headSize);
    entry.res.lastByteNs = tsNs;
    entry.status = head.status;
    this.answering = entry;
    if (head.status === 101 || (entry.method === 'CONNECT' && head.status < 300)) {
      // The bytes that follow are another protocol (WebSocket, a tunnel): end here.
      this.onEnd('response', true);
      this.stopped = 'upgrade';
      this.requests.stop();
      return { kind: 'stop' };
    }
    return { kind: 'message', msg: entry.res, bodyless };
  }

  private onRequestHead(method: string, path: string, req: MessageBuilder, tsNs: number): HeadVerdict {
    req.lastByteNs = tsNs;
    if (this.fifo.length >= this.ctx.opts.maxPending) {
      // Dropping a request loses pairing by order: treat it like lost framing.
      req.discard();
      this.ctx.counters.droppedExchanges++;
      this.onDesync('request');
      return { kind: 'message', msg: undefined, bodyless: false };
    }
    // Only certain evidence counts: after lost framing the FIFO may hold requests already answered.
    if (!this.unaligned && (this.fifo.length > 0 || this.answering !== undefined)) this.pipelined = true;
    const entry: Entry = {
      method,
      path,
      req,
      reqDone: false,
      resDone: false,
      ambiguous: this.unaligned,
      responseActivityNs: this.lastResponseNs,
      incomplete: false,
      gap: false,
    };
    this.fifo.push(entry);
    this.reading = entry;
    return { kind: 'message', msg: req, bodyless: false };
  }

  /**
   * The request a response answers. In order while framing holds. After a loss, only when
   * timing proves it on a connection never seen pipelining: the response answers the last
   * request sent before it began, provided response bytes flowed between that request and the
   * one before it (so the earlier one was answered first). Earlier ambiguous requests are then
   * emitted unanswered; a response that cannot be placed is dropped and counted.
   */
  private pairResponse(firstByteNs: number): Entry | undefined {
    const head = this.fifo[0];
    if (!head) return undefined;
    if (!head.ambiguous) return this.fifo.shift();
    if (this.pipelined) return undefined;
    let k = -1;
    for (let j = 0; j < this.fifo.length; j++) if (this.fifo[j]!.req!.firstByteNs <= firstByteNs) k = j;
    if (k < 0) return undefined;
    if (k > 0 && this.fifo[k]!.responseActivityNs <= this.fifo[k - 1]!.req!.firstByteNs) return undefined;
    const skipped = this.fifo.splice(0, k + 1);
    const entry = skipped.pop()!;
    for (const lost of skipped) {
      lost.gap = true;
      lost.resDone = true;
      if (lost.reqDone) this.emit(lost);
    }
    this.unaligned = false;
    for (const rest of this.fifo) rest.ambiguous = false;
    return entry;
  }

  private onEnd(kind: MessageKind, complete: boolean): void {
    const entry = kind === 'request' ? this.reading : this.answering;
    if (!entry) return;
    if (!complete) entry.incomplete = true;
    const msg = kind === 'request' ? entry.req : entry.res;
    if (msg) msg.complete = complete;
    if (kind === 'request') {
      entry.reqDone = true;
      this.reading = undefined;
    } else {
      entry.resDone = true;
      this.answering = undefined;
    }
    if (entry.reqDone && entry.resDone) this.emit(entry);
  }

  private onDesync(kind: MessageKind): void {
    this.unaligned = true;
    // Lost responses may have answered any of the waiting requests.
    if (kind === 'response') for (const entry of this.fifo) entry.ambiguous = true;
  }

  private emit(entry: Entry): void {
    const { req, res } = entry;
    if (!req) return;
    entry.req = undefined;
    const incomplete = entry.incomplete || !entry.reqDone || !entry.resDone;
    emitExchange(this.setup, '1.1', { req, method: entry.method, path: entry.path, res, status: entry.status, gap: entry.gap, incomplete });
  }
}
