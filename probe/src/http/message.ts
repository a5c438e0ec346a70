// What h1 and h2 share once framing is undone: one message's head, body, SSE events, timing and
// loss flags, held within the connection's limits and turned into HttpRequest / HttpResponse.
import { BodyBuffer, Budget, decodeBody, type DecodedBody } from './body.js';
import type { ParserOptions } from './options.js';
import { SseCollector, SseParser } from './sse.js';
import type { ProtocolSetup } from './protocol.js';
import type { HttpExchange, HttpHeaders, HttpRequest, HttpResponse, SseEvent } from './types.js';

/** Counted outcomes of one connection: nothing is dropped without a number going up. */
export interface ParserCounters {
  exchanges: number;
  /** Position jumps (lost bytes) seen, and calls longer than captured. */
  gaps: number;
  truncatedCalls: number;
  /** Times a direction lost its framing and searched for the next message. */
  resyncs: number;
  /** Responses that could not be paired with certainty and were dropped. */
  unpairedResponses: number;
  /** Exchanges dropped because more than maxPending were outstanding. */
  droppedExchanges: number;
  /** Bytes not parsed: skipped while resynchronising, after giving up, or duplicated. */
  droppedBytes: number;
  /** Malformed heads or frames. */
  malformed: number;
  sseDroppedEvents: number;
  sseCutEvents: number;
}

export function newCounters(): ParserCounters {
  return {
    exchanges: 0,
    gaps: 0,
    truncatedCalls: 0,
    resyncs: 0,
    unpairedResponses: 0,
    droppedExchanges: 0,
    droppedBytes: 0,
    malformed: 0,
    sseDroppedEvents: 0,
    sseCutEvents: 0,
  };
}

/** Per-connection state every message of that connection shares. */
export class ParserContext {
  readonly budget: Budget;
  readonly counters = newCounters();
  /** Bytes of parsed heads held by in-flight messages. */
  headBytes = 0;

  constructor(readonly opts: ParserOptions) {
    this.budget = new Budget(opts.maxRetainedBytes);
  }
}

/** Body pieces an SSE stream may have waiting before they are parsed. */
const SSE_BATCH = 64;

/** Why bytes of a message are missing: a position gap, or the probe's per-call capture limit. */
export type LossCause = 'gap' | 'truncated';

export class MessageBuilder {
  readonly body: BodyBuffer;
  lastByteNs: number;
  gap = false;
  truncated = false;
  /** The message ended where its framing said it would (else its body is not decoded). */
  complete = false;
  private sse: { parser: SseParser; collector: SseCollector } | undefined;
  /**
   * Body bytes [0, sseParsed) went through the SSE parser; the rest wait in pieces that end at
   * body offsets sseEnds[k] and arrived at sseTimes[k].
   */
  private sseParsed = 0;
  private readonly sseEnds: number[] = [];
  private readonly sseTimes: number[] = [];
  private released = false;

  constructor(
    private readonly ctx: ParserContext,
    readonly headers: HttpHeaders,
    readonly firstByteNs: number,
    private readonly headSize: number,
  ) {
    this.lastByteNs = firstByteNs;
    const eventStream = isEventStream(headers);
    this.body = new BodyBuffer(ctx.opts.bodyCap, ctx.budget, eventStream);
    ctx.headBytes += headSize;
    if (eventStream && !isEncoded(headers)) this.sse = this.sseStream();
  }

  /** Body bytes bytes[start, end), captured at tsNs. */
  data(bytes: Uint8Array, tsNs: number, start = 0, end = bytes.length): void {
    this.lastByteNs = tsNs;
    const sse = this.sse;
    if (sse === undefined || this.body.truncated) {
      this.body.append(bytes, start, end);
      sse?.parser.push(bytes.subarray(start, end), tsNs);
      return;
    }
    // While the body keeps every byte, SSE is parsed from it in batches of pieces: lines that
    // straddle pieces need no copy, and the parser's per-call work is paid once per batch.
    const at = this.body.kept;
    this.body.append(bytes, start, end);
    if (this.body.kept > at) this.addPiece(tsNs);
    if (this.body.truncated) {
      // The body stopped keeping: what it kept is parsed there, the rest (and what follows) here.
      this.parseKept();
      const rest = start + this.body.kept - at;
      if (rest < end) sse.parser.push(bytes.subarray(rest, end), tsNs);
    }
  }

  private addPiece(tsNs: number): void {
    const last = this.sseTimes.length - 1;
    if (last >= 0 && this.sseTimes[last] === tsNs) {
      this.sseEnds[last] = this.body.kept;
      return;
    }
    this.sseEnds.push(this.body.kept);
    this.sseTimes.push(tsNs);
    if (last + 1 >= SSE_BATCH) this.parseKept();
  }

  lose(bytes: number, cause: LossCause): void {
    this.mark(cause);
    this.parseKept();
    this.body.lose(bytes);
  }

  mark(cause: LossCause): void {
    if (cause === 'gap') this.gap = true;
    else this.truncated = true;
  }

  finishRequest(method: string, path: string, h2Authority?: string): HttpRequest {
    const { body, bodyTruncated, decodeError } = this.finishBody();
    const request: HttpRequest = { method, path, headers: this.headers, body, bodyTruncated, wireBytes: this.body.wireBytes, firstByteNs: this.firstByteNs, lastByteNs: this.lastByteNs };
    if (decodeError !== undefined) request.decodeError = decodeError;
    const authority = h2Authority ?? this.headers.host;
    if (authority !== undefined) request.authority = authority;
    return request;
  }

  finishResponse(status: number): HttpResponse {
    this.parseKept();
    const { body, bodyTruncated, decodeError } = this.finishBody();
    const response: HttpResponse = { status, headers: this.headers, body, bodyTruncated, wireBytes: this.body.wireBytes, firstByteNs: this.firstByteNs, lastByteNs: this.lastByteNs };
    if (decodeError !== undefined) response.decodeError = decodeError;
    if (!this.sse && isEventStream(this.headers) && response.decodeError === undefined && response.body.length > 0) {
      // An encoded event stream is parsed once decoded: its events share the last byte's time.
      this.sse = this.sseStream();
      this.sse.parser.push(response.body, this.lastByteNs);
    }
    if (this.sse) {
      const { parser, collector } = this.sse;
      response.sse = collector.take();
      parser.release();
      if (collector.dropped > 0) response.sseDropped = collector.dropped;
      this.ctx.counters.sseDroppedEvents += collector.dropped;
      this.ctx.counters.sseCutEvents += parser.cut;
      this.sse = undefined;
    }
    return response;
  }

  /** Parses the body bytes waiting for the SSE parser. */
  private parseKept(): void {
    const n = this.sseEnds.length;
    if (n === 0) return;
    this.sse!.parser.pushHeld(this.body.bytes!, this.sseParsed, this.sseEnds, this.sseTimes);
    this.sseParsed = this.sseEnds[n - 1]!;
    this.sseEnds.length = 0;
    this.sseTimes.length = 0;
  }

  private sseStream(): { parser: SseParser; collector: SseCollector } {
    const { opts, budget } = this.ctx;
    const collector = new SseCollector(opts.sseMaxEvents - opts.sseTailEvents, opts.sseTailEvents, budget);
    const parser = new SseParser({ maxEventBytes: opts.sseMaxEventBytes }, budget, (e: SseEvent) => collector.add(e));
    return { parser, collector };
  }

  /** Returns held bytes to the connection without producing anything (a dropped message). */
  discard(): void {
    this.body.take();
    this.sse?.collector.take();
    this.sse?.parser.release();
    this.sse = undefined;
    this.release();
  }

  /** The decoded body; its space goes back to the connection. */
  private finishBody(): DecodedBody {
    const truncated = this.body.truncated || !this.complete;
    const decoded = decodeBody(this.body.take(), truncated, this.headers['content-encoding'], this.ctx.opts.bodyCap);
    this.release();
    return decoded;
  }

  private release(): void {
    if (this.released) return;
    this.released = true;
    this.ctx.headBytes -= this.headSize;
  }
}

/** A request, its response if one started, and how the pair ended, for `emitExchange`. */
export interface ExchangeParts {
  streamId?: number;
  req: MessageBuilder;
  method: string;
  path: string;
  authority?: string;
  res: MessageBuilder | undefined;
  status: number | undefined;
  /** Lost bytes the messages themselves do not show (an unanswered request after a loss). */
  gap: boolean;
  incomplete: boolean;
}

/** Builds the exchange from finished messages, counts it, and hands it on. */
export function emitExchange(setup: ProtocolSetup, version: HttpExchange['version'], parts: ExchangeParts): void {
  const { req, res } = parts;
  const exchange: HttpExchange = {
    version,
    role: setup.role,
    request: req.finishRequest(parts.method, parts.path, parts.authority),
    gap: parts.gap || req.gap || (res?.gap ?? false),
    truncated: req.truncated || (res?.truncated ?? false),
    incomplete: parts.incomplete,
  };
  if (parts.streamId !== undefined) exchange.streamId = parts.streamId;
  if (res && parts.status !== undefined) exchange.response = res.finishResponse(parts.status);
  setup.ctx.counters.exchanges++;
  setup.onExchange(exchange);
}

function isEventStream(headers: HttpHeaders): boolean {
  return headers['content-type']?.toLowerCase().startsWith('text/event-stream') ?? false;
}

/** SSE is parsed as it streams only when not content-encoded (decoding needs the whole body). */
function isEncoded(headers: HttpHeaders): boolean {
  const encoding = headers['content-encoding']?.trim().toLowerCase();
  return encoding !== undefined && encoding !== '' && encoding !== 'identity';
}
