// Ollama's native API. /api/chat and /api/generate stream NDJSON by default (`stream` absent
// means true); the last line (`done: true`) carries the counts.
import { addFinish, errorFromJson, mergeUsage, sum } from './accumulate.js';
import { arr, count, get, num, obj, parseJsonLines, str, transcript } from './json.js';
import { emptyExtracted, type Endpoint, type ExchangeView, type Extracted, type Format } from './types.js';

const PATHS: Record<string, { endpoint: string; operation: string; streamsByDefault: boolean }> = {
  '/api/chat': { endpoint: 'chat', operation: 'chat', streamsByDefault: true },
  '/api/generate': { endpoint: 'generate', operation: 'text_completion', streamsByDefault: true },
  '/api/embed': { endpoint: 'embed', operation: 'embeddings', streamsByDefault: false },
  '/api/embeddings': { endpoint: 'embeddings', operation: 'embeddings', streamsByDefault: false },
};

/** One JSON body (possibly pretty-printed) or NDJSON lines. */
function responseLines(view: ExchangeView): unknown[] {
  return view.resJson !== undefined ? [view.resJson] : parseJsonLines(view.resText);
}

function readLine(line: unknown, ex: Extracted): void {
  ex.responseModel = str(get(line, 'model')) ?? ex.responseModel;
  ex.completion += str(get(line, 'message', 'content')) ?? str(get(line, 'response')) ?? '';
  ex.toolCalls += arr(get(line, 'message', 'tool_calls'))?.length ?? 0;
  addFinish(ex, get(line, 'done_reason'));
  mergeUsage(ex.usage, { input: count(get(line, 'prompt_eval_count')), output: count(get(line, 'eval_count')) });
}

function extract(view: ExchangeView): Extracted {
  const ex = emptyExtracted();
  const body = view.reqJson;
  const path = PATHS[view.path];
  ex.requestModel = str(get(body, 'model'));
  ex.stream = typeof get(body, 'stream') === 'boolean' ? get(body, 'stream') === true : (path?.streamsByDefault ?? false);
  ex.maxTokens = count(get(body, 'options', 'num_predict'));
  ex.temperature = num(get(body, 'options', 'temperature'));
  const input = get(body, 'input');
  ex.prompt = [str(get(body, 'system')), transcript(get(body, 'messages')), str(get(body, 'prompt')), typeof input === 'string' ? input : undefined].filter(Boolean).join('\n');
  // NDJSON lines carry no capture times, so no first-content time can be told.
  for (const line of responseLines(view)) {
    if (get(line, 'error') !== undefined) ex.error = errorFromJson(line);
    else readLine(line, ex);
  }
  ex.usage.total ??= sum(ex.usage.input, ex.usage.output);
  return ex;
}

function classify(view: ExchangeView): Endpoint | undefined {
  const path = view.exchange.request.method === 'POST' ? PATHS[view.path] : undefined;
  return path ? { endpoint: path.endpoint, operation: path.operation } : undefined;
}

/** An Ollama request answered by an Ollama response (`done` or embeddings) or an Ollama error. */
function looksLike(view: ExchangeView): boolean {
  if (typeof get(view.reqJson, 'model') !== 'string') return false;
  if (!view.exchange.response) return true;
  const first = responseLines(view)[0];
  return obj(first) !== undefined && (typeof get(first, 'done') === 'boolean' || get(first, 'embeddings') !== undefined || get(first, 'embedding') !== undefined || typeof get(first, 'error') === 'string');
}

export const ollamaFormat: Format = { name: 'ollama', classify, extract, looksLike };
