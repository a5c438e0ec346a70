// The OpenAI API shape: chat completions, legacy completions, Responses, embeddings, images and
// audio. Most providers (Azure, Groq, Mistral, DeepSeek, vLLM, Ollama's /v1, ...) speak it too.
import { addFinish, errorFromJson, markContent, mergeUsage, sum } from './accumulate.js';
import { arr, count, get, multipartField, num, obj, parseJson, scanBoolField, scanStringField, str, textOf, transcript } from './json.js';
import { emptyExtracted, type Endpoint, type ExchangeView, type Extracted, type Format, type Usage } from './types.js';

const ENDPOINTS: readonly [suffix: string, endpoint: string, operation: string][] = [
  ['/chat/completions', 'chat.completions', 'chat'],
  ['/completions', 'completions', 'text_completion'],
  ['/responses', 'responses', 'chat'],
  ['/embeddings', 'embeddings', 'embeddings'],
  ['/images/generations', 'images.generations', 'image_generation'],
  ['/images/edits', 'images.edits', 'image_generation'],
  ['/images/variations', 'images.variations', 'image_generation'],
  ['/audio/transcriptions', 'audio.transcriptions', 'audio_transcription'],
  ['/audio/translations', 'audio.translations', 'audio_translation'],
  ['/audio/speech', 'audio.speech', 'text_to_speech'],
];

/** Azure names the model by deployment: /openai/deployments/<deployment>/chat/completions. */
const AZURE_DEPLOYMENT = /\/openai\/deployments\/([^/]+)\//;

export function openaiUsage(u: unknown): Usage {
  return {
    input: count(get(u, 'prompt_tokens')) ?? count(get(u, 'input_tokens')),
    output: count(get(u, 'completion_tokens')) ?? count(get(u, 'output_tokens')),
    total: count(get(u, 'total_tokens')),
    cached:
      count(get(u, 'prompt_tokens_details', 'cached_tokens')) ??
      count(get(u, 'input_tokens_details', 'cached_tokens')) ??
      count(get(u, 'prompt_cache_hit_tokens')), // DeepSeek
    reasoning:
      count(get(u, 'completion_tokens_details', 'reasoning_tokens')) ?? count(get(u, 'output_tokens_details', 'reasoning_tokens')),
  };
}

function readRequest(view: ExchangeView, ex: Extracted, endpoint: Endpoint): void {
  const body = obj(view.reqJson);
  if (!body) {
    // Audio uploads are multipart; a body cut at the capture limit no longer parses.
    ex.requestModel = multipartField(view.reqText, 'model') ?? scanStringField(view.reqText, 'model');
    const stream = multipartField(view.reqText, 'stream') ?? scanBoolField(view.reqText, 'stream');
    if (stream !== undefined) ex.stream = stream === true || stream === 'true';
    return;
  }
  ex.requestModel = str(body['model']);
  ex.stream = body['stream'] === true;
  ex.maxTokens = count(body['max_completion_tokens']) ?? count(body['max_tokens']) ?? count(body['max_output_tokens']);
  ex.temperature = num(body['temperature']);
  ex.prompt = promptOf(body, endpoint.endpoint);
}

function promptOf(body: Record<string, unknown>, endpoint: string): string {
  if (endpoint === 'chat.completions') return transcript(body['messages']);
  if (endpoint === 'responses') {
    const input = body['input'];
    const text = typeof input === 'string' ? input : transcript(input);
    return [str(body['instructions']), text].filter(Boolean).join('\n');
  }
  const input = body['input'] ?? body['prompt'];
  if (typeof input === 'string') return input;
  return (arr(input) ?? []).filter((v): v is string => typeof v === 'string').join('\n');
}

function countToolCalls(message: unknown): number {
  return (arr(get(message, 'tool_calls'))?.length ?? 0) + (obj(get(message, 'function_call')) ? 1 : 0);
}

/** A whole chat.completion / text_completion / embedding list / image or transcription result. */
function readChatLike(json: unknown, ex: Extracted): void {
  ex.responseId ??= str(get(json, 'id'));
  ex.responseModel ??= str(get(json, 'model'));
  for (const choice of arr(get(json, 'choices')) ?? []) {
    addFinish(ex, get(choice, 'finish_reason'));
    ex.toolCalls += countToolCalls(get(choice, 'message'));
    ex.completion += textOf(get(choice, 'message', 'content')) + (str(get(choice, 'text')) ?? '');
  }
  ex.completion += str(get(json, 'text')) ?? ''; // audio transcription
  const usage = get(json, 'usage');
  if (obj(usage)) mergeUsage(ex.usage, openaiUsage(usage));
}

/** A Responses API `response` object (whole body, or the one in response.completed). */
export function readResponseObject(response: unknown, ex: Extracted): void {
  ex.responseId = str(get(response, 'id')) ?? ex.responseId;
  ex.responseModel = str(get(response, 'model')) ?? ex.responseModel;
  const status = str(get(response, 'status'));
  const incomplete = str(get(response, 'incomplete_details', 'reason'));
  if (incomplete ?? status) ex.finishReasons = [incomplete ?? status ?? ''];
  const err = obj(get(response, 'error'));
  if (err) ex.error = { type: str(err['code']) ?? str(err['type']), message: str(err['message']) };
  let tools = 0;
  let text = '';
  for (const item of arr(get(response, 'output')) ?? []) {
    const type = str(get(item, 'type')) ?? '';
    if (type === 'function_call' || type === 'custom_tool_call') tools += 1;
    for (const part of arr(get(item, 'content')) ?? []) if (get(part, 'type') === 'output_text') text += str(get(part, 'text')) ?? '';
  }
  ex.toolCalls = tools;
  ex.completion = text;
  const usage = get(response, 'usage');
  if (obj(usage)) mergeUsage(ex.usage, openaiUsage(usage));
}

const RESPONSES_CONTENT_DELTAS = new Set([
  'response.output_text.delta',
  'response.refusal.delta',
  'response.function_call_arguments.delta',
  'response.reasoning_text.delta',
  'response.reasoning_summary_text.delta',
  'response.audio.delta',
]);

function readResponsesStream(view: ExchangeView, ex: Extracted): void {
  for (const ev of view.events) {
    const data = parseJson(ev.data);
    const type = str(get(data, 'type')) ?? ev.event ?? '';
    if (RESPONSES_CONTENT_DELTAS.has(type)) markContent(ex, ev.tsNs);
    if (type === 'response.created' || type === 'response.completed' || type === 'response.incomplete' || type === 'response.failed') {
      readResponseObject(get(data, 'response'), ex);
    } else if (type === 'error') {
      ex.error = { type: str(get(data, 'code')) ?? 'error', message: str(get(data, 'message')) };
    }
  }
}

function readChatStream(view: ExchangeView, ex: Extracted): void {
  const tools = new Set<string>();
  for (const ev of view.events) {
    const chunk = parseJson(ev.data);
    if (!obj(chunk)) continue;
    const err = get(chunk, 'error');
    if (err !== undefined) ex.error = errorFromJson(chunk);
    ex.responseId ??= str(get(chunk, 'id'));
    ex.responseModel ??= str(get(chunk, 'model'));
    for (const choice of arr(get(chunk, 'choices')) ?? []) {
      const delta = get(choice, 'delta');
      const text = (str(get(delta, 'content')) ?? '') + (str(get(choice, 'text')) ?? '');
      const reasoning = str(get(delta, 'reasoning_content')) ?? str(get(delta, 'reasoning')) ?? '';
      const calls = arr(get(delta, 'tool_calls')) ?? [];
      for (const call of calls) tools.add(`${num(get(choice, 'index')) ?? 0}:${num(get(call, 'index')) ?? str(get(call, 'id'))}`);
      if (text || reasoning || calls.length > 0 || str(get(delta, 'refusal'))) markContent(ex, ev.tsNs);
      ex.completion += text;
      addFinish(ex, get(choice, 'finish_reason'));
    }
    // Groq reports stream usage under x_groq.usage instead of usage.
    const usage = get(chunk, 'usage') ?? get(chunk, 'x_groq', 'usage');
    if (obj(usage)) mergeUsage(ex.usage, openaiUsage(usage));
  }
  ex.toolCalls = tools.size;
}

function extract(view: ExchangeView, endpoint: Endpoint): Extracted {
  const ex = emptyExtracted();
  readRequest(view, ex, endpoint);
  if (view.events.length > 0) {
    ex.stream = true;
    if (endpoint.endpoint === 'responses') readResponsesStream(view, ex);
    else readChatStream(view, ex);
  } else if (view.resJson !== undefined) {
    if (endpoint.endpoint === 'responses' && get(view.resJson, 'object') === 'response') readResponseObject(view.resJson, ex);
    else readChatLike(view.resJson, ex);
    if ((view.exchange.response?.status ?? 0) >= 400 || get(view.resJson, 'error') !== undefined) ex.error ??= errorFromJson(view.resJson);
  }
  ex.usage.total ??= sum(ex.usage.input, ex.usage.output);
  return ex;
}

function classify(view: ExchangeView): Endpoint | undefined {
  if (view.exchange.request.method !== 'POST') return undefined;
  const found = ENDPOINTS.find(([suffix]) => view.path.endsWith(suffix));
  if (!found) return undefined;
  const deployment = AZURE_DEPLOYMENT.exec(view.path)?.[1];
  return { endpoint: found[1], operation: found[2], ...(deployment ? { pathModel: decodeURIComponent(deployment) } : {}) };
}

const RESPONSE_OBJECTS = new Set(['chat.completion', 'text_completion', 'list', 'response', 'embedding']);

/** An OpenAI-shaped request answered by an OpenAI-shaped response, or by an error. */
function looksLike(view: ExchangeView, endpoint: Endpoint): boolean {
  const req = obj(view.reqJson);
  if (!req || typeof req['model'] !== 'string') return false;
  const shapedRequest =
    endpoint.endpoint === 'chat.completions' ? Array.isArray(req['messages']) : req['input'] !== undefined || req['prompt'] !== undefined;
  if (!shapedRequest) return false;
  const res = view.exchange.response;
  // A gateway failing an OpenAI-shaped request (502 page, plain-text 429) is still a failed AI call.
  if (!res || res.status >= 400) return true;
  if (view.events.length > 0) {
    const first = parseJson(view.events[0]?.data ?? '');
    return get(first, 'object') === 'chat.completion.chunk' || Array.isArray(get(first, 'choices')) || str(get(first, 'type'))?.startsWith('response.') === true;
  }
  return RESPONSE_OBJECTS.has(str(get(view.resJson, 'object')) ?? '') || Array.isArray(get(view.resJson, 'choices'));
}

export const openaiFormat: Format = { name: 'openai', classify, extract, looksLike };
