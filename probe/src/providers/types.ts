// The contract between the provider registry, the per-family body formats and aicall.ts.
import type { HttpExchange, SseEvent } from '../http/types.js';

export type FormatName = 'openai' | 'anthropic' | 'gemini' | 'bedrock' | 'cohere' | 'ollama';

/** Token usage normalised across providers: `input` includes cached tokens, `output` includes reasoning. */
export interface Usage {
  input?: number;
  output?: number;
  cached?: number;
  reasoning?: number;
  total?: number;
}

/** What a format reads out of one exchange's bodies. */
export interface Extracted {
  requestModel?: string;
  stream?: boolean;
  maxTokens?: number;
  temperature?: number;
  responseModel?: string;
  responseId?: string;
  finishReasons: string[];
  usage: Usage;
  error?: { type?: string; message?: string };
  toolCalls: number;
  /** Monotonic time of the first stream event carrying generated content. */
  firstContentNs?: number;
  prompt?: string;
  completion: string;
  /** The operation when only the body tells it (Bedrock invoke, for example). */
  operation?: string;
}

export function emptyExtracted(): Extracted {
  return { finishReasons: [], usage: {}, toolCalls: 0, completion: '' };
}

/** Which API of a format a path addresses. */
export interface Endpoint {
  endpoint: string;
  operation: string;
  /** Model named in the path (Azure deployment, Bedrock model id, Gemini model). */
  pathModel?: string;
  /** The endpoint itself streams (streamGenerateContent, converse-stream). */
  streams?: boolean;
}

/** One exchange, decoded once and shared by recognition and extraction. */
export interface ExchangeView {
  exchange: HttpExchange;
  host?: string;
  port?: number;
  /** Path without the query string. */
  path: string;
  query: URLSearchParams;
  reqText: string;
  reqJson: unknown;
  resText: string;
  /** The response body as one JSON value, when it is one. */
  resJson: unknown;
  /** Server-sent events of the response (from the reassembler, or parsed from the body). */
  events: SseEvent[];
  resContentType: string;
}

export interface Format {
  name: FormatName;
  classify(view: ExchangeView): Endpoint | undefined;
  extract(view: ExchangeView, endpoint: Endpoint): Extracted;
  /** Request and response look like this format (used for hosts nobody configured). */
  looksLike?(view: ExchangeView, endpoint: Endpoint): boolean;
}

/** The registry's verdict: who was called, which API, and how to read it. */
export interface Recognised extends Endpoint {
  provider: string;
  /** gen_ai.system (OpenTelemetry well-known value when one exists). */
  system: string;
  format: Format;
}
