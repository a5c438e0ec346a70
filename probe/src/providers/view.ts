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

/**
 * Bodies are decoded and parsed on first use: most traffic is not AI and is ruled out by host
 * and path alone, so its bodies are never parsed.
 */
class LazyView implements ExchangeView {
  readonly host?: string;
  readonly port?: number;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly resContentType: string;
  private cache: { reqText?: string; reqJson?: unknown; resText?: string; resJson?: unknown; events?: SseEvent[] } = {};

  constructor(
    readonly exchange: HttpExchange,
    conn: ConnInfo,
  ) {
    const req = exchange.request;
    const authority = splitAuthority(req.authority ?? req.headers.host);
    const host = conn.sni?.toLowerCase() ?? authority.host;
    const port = conn.port ?? authority.port ?? peerPort(conn.peer);
    if (host) this.host = host;
    if (port) this.port = port;
    const q = req.path.indexOf('?');
    this.path = q < 0 ? req.path : req.path.slice(0, q);
    this.query = new URLSearchParams(q < 0 ? '' : req.path.slice(q + 1));
    this.resContentType = (exchange.response?.headers['content-type'] ?? '').toLowerCase();
  }

  private get isSse(): boolean {
    return this.resContentType.includes('text/event-stream');
  }

  get reqText(): string {
    return (this.cache.reqText ??= decodeText(this.exchange.request.body));
  }

  get reqJson(): unknown {
    if (!('reqJson' in this.cache)) this.cache.reqJson = parseJson(this.reqText);
    return this.cache.reqJson;
  }

  get resText(): string {
    const res = this.exchange.response;
    return (this.cache.resText ??= res ? decodeText(res.body) : '');
  }

  get resJson(): unknown {
    if (!('resJson' in this.cache)) this.cache.resJson = this.isSse ? undefined : parseJson(this.resText);
    return this.cache.resJson;
  }

  get events(): SseEvent[] {
    const res = this.exchange.response;
    return (this.cache.events ??= res?.sse ?? (this.isSse && res ? parseSse(this.resText, res.lastByteNs) : []));
  }
}

export function makeView(exchange: HttpExchange, conn: ConnInfo): ExchangeView {
  return new LazyView(exchange, conn);
}
