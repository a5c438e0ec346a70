// Anthropic Messages API (api.anthropic.com, Vertex AI rawPredict, and Bedrock invoke bodies of
// Claude models, which carry the same JSON and stream events).
import { addFinish, errorFromJson, markContent, mergeUsage, sum } from './accumulate.js';
import { arr, count, get, num, obj, parseJson, scanBoolField, scanStringField, str, textOf, transcript } from './json.js';
import { emptyExtracted, type Endpoint, type ExchangeView, type Extracted, type Format, type Usage } from './types.js';

/** Anthropic counts cache reads and writes apart from input_tokens; Vigil's input includes them. */
export function anthropicUsage(u: unknown): Usage {
  const plain = count(get(u, 'input_tokens'));
  const read = count(get(u, 'cache_read_input_tokens'));
  const written = count(get(u, 'cache_creation_input_tokens'));
  return { input: sum(plain, read, written), output: count(get(u, 'output_tokens')), cached: read };
}

export function readAnthropicRequest(body: unknown, ex: Extracted): void {
  ex.requestModel ??= str(get(body, 'model'));
  ex.stream = get(body, 'stream') === true;
  ex.maxTokens = count(get(body, 'max_tokens'));
  ex.temperature = num(get(body, 'temperature'));
  ex.prompt = [textOf(get(body, 'system')), transcript(get(body, 'messages'))].filter(Boolean).join('\n');
}

/** A whole `message` object. */
export function readAnthropicMessage(message: unknown, ex: Extracted): void {
  ex.responseId = str(get(message, 'id')) ?? ex.responseId;
  ex.responseModel = str(get(message, 'model')) ?? ex.responseModel;
  addFinish(ex, get(message, 'stop_reason'));
  for (const block of arr(get(message, 'content')) ?? []) {
    if (get(block, 'type') === 'tool_use') ex.toolCalls += 1;
    if (get(block, 'type') === 'text') ex.completion += str(get(block, 'text')) ?? '';
  }
  const usage = get(message, 'usage');
  if (obj(usage)) mergeUsage(ex.usage, anthropicUsage(usage));
}

/** One stream event (`data` already parsed). */
export function readAnthropicEvent(data: unknown, tsNs: number, ex: Extracted): void {
  switch (get(data, 'type')) {
    case 'message_start':
      readAnthropicMessage(get(data, 'message'), ex);
      break;
    case 'content_block_start':
      if (get(data, 'content_block', 'type') === 'tool_use') ex.toolCalls += 1;
      break;
    case 'content_block_delta': {
      markContent(ex, tsNs);
      ex.completion += str(get(data, 'delta', 'text')) ?? '';
      break;
    }
    case 'message_delta': {
      addFinish(ex, get(data, 'delta', 'stop_reason'));
      // Deltas carry cumulative output_tokens and, lately, the input counts again: merge only what they state.
      const u = get(data, 'usage');
      const stated = anthropicUsage(u);
      if (count(get(u, 'input_tokens')) === undefined) delete stated.input;
      if (count(get(u, 'cache_read_input_tokens')) === undefined) delete stated.cached;
      mergeUsage(ex.usage, stated);
      break;
    }
    case 'error':
      ex.error = errorFromJson(data);
      break;
    default:
  }
}

function extract(view: ExchangeView, endpoint: Endpoint): Extracted {
  const ex = emptyExtracted();
  if (obj(view.reqJson)) readAnthropicRequest(view.reqJson, ex);
  else {
    ex.requestModel = scanStringField(view.reqText, 'model');
    ex.stream = scanBoolField(view.reqText, 'stream');
  }
  ex.requestModel ??= endpoint.pathModel;
  if (view.events.length > 0) {
    ex.stream = true;
    for (const ev of view.events) {
      const data = parseJson(ev.data);
      if (data !== undefined) readAnthropicEvent(data, ev.tsNs, ex);
    }
  } else if (get(view.resJson, 'type') === 'error' || (view.exchange.response?.status ?? 0) >= 400) {
    ex.error = errorFromJson(view.resJson);
  } else if (view.resJson !== undefined) {
    readAnthropicMessage(view.resJson, ex);
  }
  ex.usage.total ??= sum(ex.usage.input, ex.usage.output);
  return ex;
}

/** Vertex AI serves Claude at .../publishers/anthropic/models/<model>:rawPredict. */
const VERTEX_CLAUDE = /\/publishers\/anthropic\/models\/([^/:]+):(rawPredict|streamRawPredict)$/;

function classify(view: ExchangeView): Endpoint | undefined {
  if (view.exchange.request.method !== 'POST') return undefined;
  if (view.path.endsWith('/v1/messages')) return { endpoint: 'messages', operation: 'chat' };
  if (view.path.endsWith('/v1/complete')) return { endpoint: 'complete', operation: 'text_completion' };
  const vertex = VERTEX_CLAUDE.exec(view.path);
  if (vertex?.[1]) return { endpoint: 'messages', operation: 'chat', pathModel: decodeURIComponent(vertex[1]), streams: vertex[2] === 'streamRawPredict' };
  return undefined;
}

export const anthropicFormat: Format = { name: 'anthropic', classify, extract };
