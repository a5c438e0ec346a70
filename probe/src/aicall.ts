// One HTTP exchange + its connection → the body of an `ai_call` event (or `http_call`, or
// nothing): recognise the provider, read its bodies, redact, price. Pure: no I/O, no clock.
import { z } from 'zod';
import type { AiCall } from '../../schema/event.js';
import type { HttpExchange } from './http/types.js';
import { defined } from './providers/accumulate.js';
import { makeView, ProvidersConfig, recognise, type ConnInfo, type Extracted, type Recognised } from './providers/index.js';
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

function httpPart(exchange: HttpExchange, host: string | undefined, opts: BuildOptions): NonNullable<AiCall['http']> {
  const { request: req, response: res } = exchange;
  return defined({
    version: exchange.version,
    method: req.method,
    path: redactUrl(req.path, opts.redaction),
    host,
    status_code: res?.status,
    request_headers: opts.captureHeaders ? redactHeaders(req.headers, opts.redaction) : undefined,
    response_headers: opts.captureHeaders && res ? redactHeaders(res.headers, opts.redaction) : undefined,
    request_bytes: req.wireBytes,
    response_bytes: res?.wireBytes,
    content_encoding: res?.headers['content-encoding'],
  });
}

function timingPart(exchange: HttpExchange, firstContentNs: number | undefined, clock: ClockAnchor | undefined): AiCall['timing'] {
  const start = exchange.request.firstByteNs;
  const res = exchange.response;
  return defined({
    start_time: clock ? new Date(clock.wallMs + (start - clock.monoNs) / 1e6).toISOString() : undefined,
    ttfb_ms: res ? msBetween(start, res.firstByteNs) : undefined,
    first_token_ms: firstContentNs !== undefined ? msBetween(start, firstContentNs) : undefined,
    duration_ms: res ? msBetween(start, res.lastByteNs) : undefined,
  });
}

function genAiPart(rec: Recognised, ex: Extracted): NonNullable<AiCall['gen_ai']> {
  const u = ex.usage;
  const usage = defined({ input_tokens: u.input, output_tokens: u.output, cached_input_tokens: u.cached, reasoning_tokens: u.reasoning, total_tokens: u.total });
  const request = defined({ model: ex.requestModel ?? rec.pathModel, stream: ex.stream, max_tokens: ex.maxTokens, temperature: ex.temperature });
  const response = defined({ model: ex.responseModel, id: ex.responseId, finish_reasons: ex.finishReasons.length > 0 ? ex.finishReasons : undefined });
  return defined({
    system: rec.system,
    operation: { name: ex.operation ?? rec.operation },
    request,
    response: Object.keys(response).length > 0 ? response : undefined,
    usage: Object.keys(usage).length > 0 ? usage : undefined,
  });
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
  const body: AiCall = defined({
    provider: rec?.provider,
    endpoint: rec?.endpoint,
    gen_ai: rec && ex ? genAiPart(rec, ex) : undefined,
    server: defined({ address: view.host, port: view.port, peer: conn.peer }),
    http: httpPart(exchange, view.host, opts),
    timing: timingPart(exchange, ex?.firstContentNs, opts.clock),
    error: errorPart(exchange, ex, opts),
    tls: conn.library || conn.connId || conn.sni || conn.fd !== undefined ? defined({ library: conn.library, conn_id: conn.connId, sni: conn.sni, fd: conn.fd }) : undefined,
    tool_calls: ex && ex.toolCalls > 0 ? ex.toolCalls : undefined,
    truncated: truncated || undefined,
    gap: exchange.gap || undefined,
    incomplete: exchange.incomplete || undefined,
  });
  if (rec && ex) {
    const usage = body.gen_ai?.usage;
    const cost = estimateCost(rec.provider, ex.responseModel ?? ex.requestModel ?? rec.pathModel, usage, priceTable(opts.pricing));
    if (cost) body.cost = cost;
    if (opts.captureContent) body.content = contentPart(exchange, ex, opts);
  }
  return { kind: rec ? 'ai_call' : 'http_call', body };
}
