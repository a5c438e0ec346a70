// Cohere: v1 and v2 chat, embed, generate and rerank. v2 streams SSE; v1 streams NDJSON
// (application/stream+json) with an `event_type` per line.
import { addFinish, defined, errorFromJson, markContent, mergeUsage, sum } from './accumulate.js';
import { arr, count, get, num, obj, parseJson, parseJsonLines, str, textOf, transcript } from './json.js';
import { emptyExtracted, type Endpoint, type ExchangeView, type Extracted, type Format, type Usage } from './types.js';

const PATHS: Record<string, { endpoint: string; operation: string }> = {
  '/v1/chat': { endpoint: 'v1.chat', operation: 'chat' },
  '/v2/chat': { endpoint: 'v2.chat', operation: 'chat' },
  '/v1/embed': { endpoint: 'v1.embed', operation: 'embeddings' },
  '/v2/embed': { endpoint: 'v2.embed', operation: 'embeddings' },
  '/v1/generate': { endpoint: 'v1.generate', operation: 'text_completion' },
  '/v1/rerank': { endpoint: 'v1.rerank', operation: 'rerank' },
  '/v2/rerank': { endpoint: 'v2.rerank', operation: 'rerank' },
};

/** v2 puts counts in `usage`, v1 in `meta`; `tokens` are what ran, `billed_units` what is charged. */
function cohereUsage(holder: unknown): Usage {
  const counts = get(holder, 'tokens') ?? get(holder, 'billed_units');
  return defined({ input: count(get(counts, 'input_tokens')) ?? count(get(holder, 'billed_units', 'input_tokens')), output: count(get(counts, 'output_tokens')) });
}

/** A whole v1 or v2 response (also the `response` of a v1 stream-end line). */
function readResponse(json: unknown, ex: Extracted): void {
  ex.responseId = str(get(json, 'id')) ?? str(get(json, 'response_id')) ?? str(get(json, 'generation_id')) ?? ex.responseId;
  addFinish(ex, get(json, 'finish_reason'));
  ex.toolCalls = (arr(get(json, 'message', 'tool_calls')) ?? arr(get(json, 'tool_calls')) ?? []).length || ex.toolCalls;
  const text = textOf(get(json, 'message', 'content')) || (str(get(json, 'text')) ?? '');
  if (text) ex.completion = text;
  const holder = get(json, 'usage') ?? get(json, 'meta');
  if (obj(holder)) mergeUsage(ex.usage, cohereUsage(holder));
}

function readV2Stream(view: ExchangeView, ex: Extracted): void {
  for (const ev of view.events) {
    const data = parseJson(ev.data);
    switch (get(data, 'type')) {
      case 'message-start':
        ex.responseId = str(get(data, 'id'));
        break;
      case 'content-delta':
        markContent(ex, ev.tsNs);
        ex.completion += str(get(data, 'delta', 'message', 'content', 'text')) ?? '';
        break;
      case 'tool-call-start':
        markContent(ex, ev.tsNs);
        ex.toolCalls += 1;
        break;
      case 'message-end':
        addFinish(ex, get(data, 'delta', 'finish_reason'));
        mergeUsage(ex.usage, cohereUsage(get(data, 'delta', 'usage')));
        break;
      default:
    }
  }
}

function readV1Stream(lines: unknown[], ex: Extracted): void {
  for (const line of lines) {
    const type = get(line, 'event_type');
    if (type === 'stream-start') ex.responseId = str(get(line, 'generation_id'));
    else if (type === 'stream-end') readResponse(get(line, 'response'), ex);
  }
}

function extract(view: ExchangeView, endpoint: Endpoint): Extracted {
  const ex = emptyExtracted();
  const body = view.reqJson;
  ex.requestModel = str(get(body, 'model'));
  ex.stream = get(body, 'stream') === true;
  ex.maxTokens = count(get(body, 'max_tokens'));
  ex.temperature = num(get(body, 'temperature'));
  const texts = (arr(get(body, 'texts')) ?? []).filter((t): t is string => typeof t === 'string');
  ex.prompt = [str(get(body, 'preamble')), transcript(get(body, 'chat_history'), 'message'), str(get(body, 'message')), transcript(get(body, 'messages')), str(get(body, 'prompt')), ...texts].filter(Boolean).join('\n');
  const status = view.exchange.response?.status ?? 0;
  if (status >= 400) ex.error = errorFromJson(view.resJson);
  else if (view.events.length > 0) readV2Stream(view, ex);
  else if (view.resJson !== undefined) readResponse(view.resJson, ex);
  else if (endpoint.endpoint === 'v1.chat' || endpoint.endpoint === 'v1.generate') readV1Stream(parseJsonLines(view.resText), ex);
  ex.usage.total ??= sum(ex.usage.input, ex.usage.output);
  return ex;
}

function classify(view: ExchangeView): Endpoint | undefined {
  return view.exchange.request.method === 'POST' ? PATHS[view.path] : undefined;
}

export const cohereFormat: Format = { name: 'cohere', classify, extract };
