// One HTTP exchange + its connection → the body of an `ai_call` event (or `http_call`, or
// nothing): recognise the provider, read its bodies, redact, price. Pure: no I/O, no clock.
import { z } from 'zod';
import type { AiCall } from '../../schema/event.js';
import type { HttpExchange } from './http/types.js';
import { defined } from './providers/accumulate.js';
import { makeView, ProvidersConfig, recognise, type ConnInfo, type Extracted, type Recognised } from './providers/index.js';
import { isoTime } from './iso-time.js';
import { compilePriceTable, estimateCost, PricingConfig, type PriceTable } from './pricing.js';
import { RedactionConfig, redactHeaders, redactText, redactUrl } from '../../lib/redact.js';

export type { ConnInfo } from './providers/index.js';

export const AiCallOptions = z.object({
  /** Non-AI HTTP returns null; off: it becomes an `http_call`. */
  aiOnly: z.boolean().default(true),
  /** Also report requests other processes sent to this one (this process is the server). */
  includeServerSide: z.boolean().default(false),
  /** Put prompt and completion text (redacted) into `content`. */
  captureContent: z.boolean().default(false),
  contentMaxBytes: z.number().int().positive().default(4096),
  /** Put the (redacted) request and response headers into `http`. */
  captureHeaders: z.boolean().default(true),
  providers: ProvidersConfig.prefault({}),
  redaction: RedactionConfig.prefault({}),
  pricing: PricingConfig.prefault({}),
}).strict();

export type AiCallOptions = z.output<typeof AiCallOptions>;

/** A wall-clock reading taken at a known monotonic time: converts capture timestamps to dates. */
export interface ClockAnchor {
  wallMs: number;
  monoNs: number;
}

export interface BuildOptions extends AiCallOptions {
  clock?: ClockAnchor;
}

export interface BuiltCall {
  kind: 'ai_call' | 'http_call';
  body: AiCall;
}

const tables = new WeakMap<PricingConfig, PriceTable>();

function priceTable(cfg: PricingConfig): PriceTable {
  let t = tables.get(cfg);
  if (!t) {
    t = compilePriceTable(cfg);
    tables.set(cfg, t);
  }
  return t;
}

export function defaultAiCallOptions(): AiCallOptions {
  return AiCallOptions.parse({});
}

const msBetween = (fromNs: number, toNs: number): number => Math.round((toNs - fromNs) / 1e3) / 1e3;

/** Cuts UTF-8 text to at most `max` bytes without splitting a character. */
function capBytes(s: string, max: number): { text: string; cut: boolean } {
  const bytes = Buffer.from(s, 'utf8');
  if (bytes.length <= max) return { text: s, cut: false };
  const text = new TextDecoder().decode(bytes.subarray(0, max)).replace(/\uFFFD$/, '');
  return { text, cut: true };
}

// The parts below are built by assignment in a fixed key order rather than through defined():
// this runs for every captured call, and copying objects key by key was a tenth of its cost.

function httpPart(exchange: HttpExchange, host: string | undefined, opts: BuildOptions): NonNullable<AiCall['http']> {
  const { request: req, response: res } = exchange;
  const http: NonNullable<AiCall['http']> = { version: exchange.version, method: req.method, path: redactUrl(req.path, opts.redaction) };
  if (host !== undefined) http.host = host;
  if (res) http.status_code = res.status;
  if (opts.captureHeaders) {
    http.request_headers = redactHeaders(req.headers, opts.redaction);
    if (res) http.response_headers = redactHeaders(res.headers, opts.redaction);
  }
  http.request_bytes = req.wireBytes;
  if (res) {
    http.response_bytes = res.wireBytes;
    const encoding = res.headers['content-encoding'];
    if (encoding !== undefined) http.content_encoding = encoding;
  }
  return http;
}

function timingPart(exchange: HttpExchange, firstContentNs: number | undefined, clock: ClockAnchor | undefined): NonNullable<AiCall['timing']> {
  const start = exchange.request.firstByteNs;
  const res = exchange.response;
  const timing: NonNullable<AiCall['timing']> = {};
  if (clock) timing.start_time = isoTime(clock.wallMs + (start - clock.monoNs) / 1e6);
  if (res) timing.ttfb_ms = msBetween(start, res.firstByteNs);
  if (firstContentNs !== undefined) timing.first_token_ms = msBetween(start, firstContentNs);
  if (res) timing.duration_ms = msBetween(start, res.lastByteNs);
  return timing;
}

function genAiPart(rec: Recognised, ex: Extracted): NonNullable<AiCall['gen_ai']> {
  const operation = ex.operation ?? rec.operation;
  const gen: NonNullable<AiCall['gen_ai']> = { system: rec.system, operation: operation !== undefined ? { name: operation } : {} };
  const request: NonNullable<NonNullable<AiCall['gen_ai']>['request']> = {};
  const model = ex.requestModel ?? rec.pathModel;
  if (model !== undefined) request.model = model;
  if (ex.stream !== undefined) request.stream = ex.stream;
  if (ex.maxTokens !== undefined) request.max_tokens = ex.maxTokens;
  if (ex.temperature !== undefined) request.temperature = ex.temperature;
  gen.request = request;
  let response: NonNullable<AiCall['gen_ai']>['response'];
  if (ex.responseModel !== undefined) (response ??= {}).model = ex.responseModel;
  if (ex.responseId !== undefined) (response ??= {}).id = ex.responseId;
  if (ex.finishReasons.length > 0) (response ??= {}).finish_reasons = ex.finishReasons;
  if (response) gen.response = response;
  const u = ex.usage;
  let usage: NonNullable<AiCall['gen_ai']>['usage'];
  if (u.input !== undefined) (usage ??= {}).input_tokens = u.input;
  if (u.output !== undefined) (usage ??= {}).output_tokens = u.output;
  if (u.cached !== undefined) (usage ??= {}).cached_input_tokens = u.cached;
  if (u.reasoning !== undefined) (usage ??= {}).reasoning_tokens = u.reasoning;
  if (u.total !== undefined) (usage ??= {}).total_tokens = u.total;
  if (usage) gen.usage = usage;
  return gen;
}

function errorPart(exchange: HttpExchange, ex: Extracted | undefined, opts: BuildOptions): AiCall['error'] {
  const status = exchange.response?.status ?? 0;
  if (!ex?.error && status < 400) return undefined;
  // Providers echo parts of rejected keys in error messages ("Incorrect API key provided: sk-...").
  return defined({
    type: ex?.error?.type ?? String(status),
    message: ex?.error?.message !== undefined ? redactText(ex.error.message, opts.redaction) : undefined,
  });
}

function contentPart(exchange: HttpExchange, ex: Extracted, opts: BuildOptions): AiCall['content'] {
  const prompt = capBytes(redactText(ex.prompt ?? '', opts.redaction), opts.contentMaxBytes);
  const completion = capBytes(redactText(ex.completion, opts.redaction), opts.contentMaxBytes);
  const bodiesCut = exchange.request.bodyTruncated || exchange.response?.bodyTruncated === true;
  return defined({
    prompt: prompt.text || undefined,
    completion: completion.text || undefined,
    truncated: prompt.cut || completion.cut || bodiesCut ? true : undefined,
  });
}

/**
 * The event body for one exchange, or null when it is not reported (not AI with aiOnly, or a
 * server-side exchange without includeServerSide).
 */
export function buildAiCall(exchange: HttpExchange, conn: ConnInfo, opts: BuildOptions = defaultAiCallOptions()): BuiltCall | null {
  if (exchange.role === 'server' && !opts.includeServerSide) return null;
  const view = makeView(exchange, conn);
  const rec = recognise(view, opts.providers);
  if (!rec && opts.aiOnly) return null;
  const ex = rec ? rec.format.extract(view, rec) : undefined;
  const truncated = exchange.truncated || exchange.request.bodyTruncated || exchange.response?.bodyTruncated === true;
  const body: AiCall = {};
  if (rec) {
    body.provider = rec.provider;
    body.endpoint = rec.endpoint;
    if (ex) body.gen_ai = genAiPart(rec, ex);
  }
  const server: NonNullable<AiCall['server']> = {};
  if (view.host !== undefined) server.address = view.host;
  if (view.port !== undefined) server.port = view.port;
  if (conn.peer !== undefined) server.peer = conn.peer;
  body.server = server;
  body.http = httpPart(exchange, view.host, opts);
  body.timing = timingPart(exchange, ex?.firstContentNs, opts.clock);
  const error = errorPart(exchange, ex, opts);
  if (error) body.error = error;
  if (conn.library || conn.connId || conn.sni || conn.fd !== undefined) {
    const tls: NonNullable<AiCall['tls']> = {};
    if (conn.library !== undefined) tls.library = conn.library;
    if (conn.connId !== undefined) tls.conn_id = conn.connId;
    if (conn.sni !== undefined) tls.sni = conn.sni;
    if (conn.fd !== undefined) tls.fd = conn.fd;
    body.tls = tls;
  }
  if (ex && ex.toolCalls > 0) body.tool_calls = ex.toolCalls;
  if (truncated) body.truncated = true;
  if (exchange.gap) body.gap = true;
  if (exchange.incomplete) body.incomplete = true;
  if (rec && ex) {
    const cost = estimateCost(rec.provider, ex.responseModel ?? ex.requestModel ?? rec.pathModel, body.gen_ai?.usage, priceTable(opts.pricing));
    if (cost) body.cost = cost;
    if (opts.captureContent) body.content = contentPart(exchange, ex, opts);
  }
  return { kind: rec ? 'ai_call' : 'http_call', body };
}
