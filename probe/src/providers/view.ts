// Decodes an exchange once (host, path, JSON bodies, SSE events) for recognition and extraction.
import type { HttpExchange, SseEvent } from '../http/types.js';
import { decodeText, parseJson } from './json.js';
import { parseSse } from './sse.js';
import type { ExchangeView } from './types.js';

export interface ConnInfo {
  sni?: string;
  peer?: string;
  port?: number;
  library?: string;
  connId?: string;
  fd?: number;
}

function splitAuthority(authority: string | undefined): { host?: string; port?: number } {
  if (!authority) return {};
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(authority.trim());
  if (!m?.[1]) return {};
  return { host: m[1].toLowerCase(), ...(m[2] ? { port: Number(m[2]) } : {}) };
}

function peerPort(peer: string | undefined): number | undefined {
  const m = peer ? /:(\d+)$/.exec(peer) : null;
  return m?.[1] ? Number(m[1]) : undefined;
}

const UNPARSED = Symbol('unparsed');

/**
 * Bodies are decoded and parsed on first use: most traffic is not AI and is ruled out by host
 * and path alone, so its bodies are never parsed.
 */
class LazyView implements ExchangeView {
  readonly host?: string;
  readonly port?: number;
  readonly path: string;
  readonly resContentType: string;
  private readonly queryText: string;
  // Fields rather than one cache object filled in any order: one object shape, fast reads.
  private reqTextV: string | undefined;
  private reqJsonV: unknown = UNPARSED;
  private resTextV: string | undefined;
  private resJsonV: unknown = UNPARSED;
  private eventsV: SseEvent[] | undefined;

  constructor(
    readonly exchange: HttpExchange,
    conn: ConnInfo,
  ) {
    const req = exchange.request;
    // The Host header is read only for what the connection does not tell.
    const authority = conn.sni !== undefined && conn.port !== undefined ? {} : splitAuthority(req.authority ?? req.headers.host);
    const host = conn.sni?.toLowerCase() ?? authority.host;
    const port = conn.port ?? authority.port ?? peerPort(conn.peer);
    if (host) this.host = host;
    if (port) this.port = port;
    const q = req.path.indexOf('?');
    this.path = q < 0 ? req.path : req.path.slice(0, q);
    this.queryText = q < 0 ? '' : req.path.slice(q + 1);
    this.resContentType = (exchange.response?.headers['content-type'] ?? '').toLowerCase();
  }

  get query(): URLSearchParams {
    return new URLSearchParams(this.queryText);
  }

  private get isSse(): boolean {
    return this.resContentType.includes('text/event-stream');
  }

  get reqText(): string {
    return (this.reqTextV ??= decodeText(this.exchange.request.body));
  }

  get reqJson(): unknown {
    if (this.reqJsonV === UNPARSED) this.reqJsonV = parseJson(this.reqText);
    return this.reqJsonV;
  }

  get resText(): string {
    const res = this.exchange.response;
    return (this.resTextV ??= res ? decodeText(res.body) : '');
  }

  get resJson(): unknown {
    if (this.resJsonV === UNPARSED) this.resJsonV = this.isSse ? undefined : parseJson(this.resText);
    return this.resJsonV;
  }

  get events(): SseEvent[] {
    const res = this.exchange.response;
    return (this.eventsV ??= res?.sse ?? (this.isSse && res ? parseSse(this.resText, res.lastByteNs) : []));
  }
}

export function makeView(exchange: HttpExchange, conn: ConnInfo): ExchangeView {
  return new LazyView(exchange, conn);
}
