// What h1 and h2 share once framing is undone: one message's head, body, SSE events, timing and
// loss flags, held within the connection's limits and turned into HttpRequest / HttpResponse.
import { BodyBuffer, Budget, decodeBody } from './body.js';
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
  private released = false;

  constructor(
    private readonly ctx: ParserContext,
    readonly headers: HttpHeaders,
    readonly firstByteNs: number,
    private readonly headSize: number,
  ) {
    this.lastByteNs = firstByteNs;
    this.body = new BodyBuffer(ctx.opts.bodyCap, ctx.budget);
    ctx.headBytes += headSize;
    if (isEventStream(headers) && !isEncoded(headers)) this.sse = this.sseStream();
  }

  data(bytes: Uint8Array, tsNs: number): void {
    this.lastByteNs = tsNs;
    this.body.append(bytes);
    this.sse?.parser.push(bytes, tsNs);
  }

  lose(bytes: number, cause: LossCause): void {
    this.mark(cause);
    this.body.lose(bytes);
  }

  mark(cause: LossCause): void {
    if (cause === 'gap') this.gap = true;
    else this.truncated = true;
  }

  finishRequest(method: string, path: string, h2Authority?: string): HttpRequest {
    const request: HttpRequest = { method, path, headers: this.headers, ...this.finishBody(), firstByteNs: this.firstByteNs, lastByteNs: this.lastByteNs };
    const authority = h2Authority ?? this.headers.host;
    if (authority !== undefined) request.authority = authority;
    return request;
  }

  finishResponse(status: number): HttpResponse {
    const response: HttpResponse = { status, headers: this.headers, ...this.finishBody(), firstByteNs: this.firstByteNs, lastByteNs: this.lastByteNs };
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

  private finishBody(): { body: Uint8Array; wireBytes: number; bodyTruncated: boolean; decodeError?: string } {
    const wireBytes = this.body.wireBytes;
    const truncated = this.body.truncated || !this.complete;
    const decoded = decodeBody(this.body.take(), truncated, this.headers['content-encoding'], this.ctx.opts.bodyCap);
    this.release();
    return { ...decoded, wireBytes };
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
