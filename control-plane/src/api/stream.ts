// GET /api/stream: the LiveHub as Server-Sent Events. Each client has a bounded buffer: while
// its socket is full, messages queue up to `maxBuffered`, then are dropped and counted; once it
// drains the client gets `event: dropped` with the count (so it knows to refetch). A `: ping`
// comment every `heartbeatMs` keeps proxies from closing an idle stream.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { LiveHub, LiveMessage, LiveTopic } from './live.js';

export interface LiveStreamOptions {
  heartbeatMs?: number;
  maxBuffered?: number;
}

export class LiveStream {
  readonly stats = { clients: 0, sent: 0, dropped: 0 };
  private readonly heartbeatMs: number;
  private readonly maxBuffered: number;
  // One serialization per message however many clients receive it.
  private readonly encoded = new WeakMap<object, string>();
  private readonly open = new Set<() => void>();

  constructor(
    private readonly hub: LiveHub,
    opts: LiveStreamOptions = {},
  ) {
    this.heartbeatMs = opts.heartbeatMs ?? 15_000;
    this.maxBuffered = opts.maxBuffered ?? 1000;
  }

  private frame(m: LiveMessage): string {
    const data = m.data;
    if (typeof data !== 'object' || data === null) return `event: ${m.topic}\ndata: ${JSON.stringify(data)}\n\n`;
    let body = this.encoded.get(data);
    if (body === undefined) this.encoded.set(data, (body = JSON.stringify(data)));
    return `event: ${m.topic}\ndata: ${body}\n\n`;
  }

  /** Ends every stream (shutdown: the server would otherwise wait for the clients to leave). */
  endAll(): void {
    for (const end of [...this.open]) end();
  }

  /** Takes over the response and streams until the client goes away. */
  attach(req: FastifyRequest, reply: FastifyReply, topics: ReadonlySet<LiveTopic>): void {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      ...(reply.getHeaders() as Record<string, string>),
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write('retry: 3000\n: connected\n\n');
    this.stats.clients += 1;
    const queue: string[] = [];
    let blocked = false;
    let dropped = 0;
    const write = (chunk: string): void => {
      if (blocked) {
        if (queue.length >= this.maxBuffered) {
          dropped += 1;
          this.stats.dropped += 1;
        } else queue.push(chunk);
        return;
      }
      this.stats.sent += 1;
      if (!res.write(chunk)) blocked = true;
    };
    res.on('drain', () => {
      blocked = false;
      while (queue.length > 0 && !blocked) {
        this.stats.sent += 1;
        if (!res.write(queue.shift()!)) blocked = true;
      }
      if (!blocked && dropped > 0) {
        const n = dropped;
        dropped = 0;
        write(`event: dropped\ndata: ${JSON.stringify({ count: n })}\n\n`);
      }
    });
    const unsubscribe = this.hub.subscribe((m) => {
      if (topics.has(m.topic)) write(this.frame(m));
    });
    const ping = setInterval(() => write(': ping\n\n'), this.heartbeatMs);
    ping.unref();
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      clearInterval(ping);
      unsubscribe();
      this.open.delete(end);
      this.stats.clients -= 1;
    };
    const end = () => {
      close();
      res.end();
    };
    this.open.add(end);
    res.on('close', close);
    res.on('error', close);
  }
}
