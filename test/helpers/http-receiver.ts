// A local HTTP server that records every request and answers from a script (status, delay,
// headers), for testing alert sinks and webhooks without the network.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
  at: number;
}

export interface ScriptedResponse {
  status?: number;
  headers?: Record<string, string>;
  body?: string;
  delayMs?: number;
}

export type Handler = (req: RecordedRequest, res: ServerResponse) => void | Promise<void>;

export class HttpReceiver {
  readonly requests: RecordedRequest[] = [];
  private readonly script: ScriptedResponse[] = [];
  private readonly waiters: { n: number; resolve: () => void }[] = [];
  private server?: Server;

  constructor(private readonly handler?: Handler) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.onRequest(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return this;
  }

  get url(): string {
    const { port } = this.server!.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  /** Answers for the next requests, in order; afterwards every request gets 200. */
  respondWith(...responses: ScriptedResponse[]): void {
    this.script.push(...responses);
  }

  async waitFor(n: number, timeoutMs = 5_000): Promise<RecordedRequest[]> {
    if (this.requests.length >= n) return this.requests;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`expected ${n} requests, got ${this.requests.length}`)), timeoutMs);
      this.waiters.push({ n, resolve: () => (clearTimeout(timer), resolve()) });
    });
    return this.requests;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      json = undefined;
    }
    const rec: RecordedRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body, json, at: Date.now() };
    this.requests.push(rec);
    for (const w of this.waiters.filter((w) => this.requests.length >= w.n)) {
      this.waiters.splice(this.waiters.indexOf(w), 1);
      w.resolve();
    }
    if (this.handler) return this.handler(rec, res);
    const s = this.script.shift() ?? {};
    if (s.delayMs) await new Promise((r) => setTimeout(r, s.delayMs));
    if (res.destroyed) return;
    res.writeHead(s.status ?? 200, { 'content-type': 'application/json', ...s.headers });
    res.end(s.body ?? '{"status":"ok"}');
  }
}
