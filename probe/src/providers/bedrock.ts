// AWS Bedrock runtime: InvokeModel (model-native bodies; Claude's are Anthropic Messages), its
// streaming twin, and the model-neutral Converse / ConverseStream. The model id is in the path.
import { addFinish, defined, errorFromJson, mergeUsage, sum } from './accumulate.js';
import { readAnthropicEvent, readAnthropicMessage, readAnthropicRequest } from './anthropic.js';
import { decodeEventStream } from './eventstream.js';
import { arr, count, decodeText, get, num, obj, parseJson, str, textOf, transcript } from './json.js';
import { emptyExtracted, type Endpoint, type ExchangeView, type Extracted, type Format, type Usage } from './types.js';

const MODEL_PATH = /^\/model\/([^/]+)\/(invoke|invoke-with-response-stream|converse|converse-stream)$/;

/** Converse counts cache reads and writes apart from inputTokens; Vigil's input includes them. */
function converseUsage(u: unknown): Usage {
  const read = count(get(u, 'cacheReadInputTokens'));
  return {
    input: sum(count(get(u, 'inputTokens')), read, count(get(u, 'cacheWriteInputTokens'))),
    output: count(get(u, 'outputTokens')),
    cached: read,
    total: count(get(u, 'totalTokens')),
  };
}

function readConverseRequest(body: unknown, ex: Extracted): void {
  ex.maxTokens = count(get(body, 'inferenceConfig', 'maxTokens'));
  ex.temperature = num(get(body, 'inferenceConfig', 'temperature'));
  ex.prompt = [textOf(get(body, 'system')), transcript(get(body, 'messages'))].filter(Boolean).join('\n');
}

/** InvokeModel bodies differ per model family: Claude, Titan, Llama, Mistral, Cohere. */
function readInvokeRequest(body: unknown, ex: Extracted): void {
  if (get(body, 'anthropic_version') !== undefined) {
    readAnthropicRequest(body, ex);
  } else {
    ex.maxTokens = count(get(body, 'max_tokens')) ?? count(get(body, 'max_gen_len')) ?? count(get(body, 'textGenerationConfig', 'maxTokenCount'));
    ex.temperature = num(get(body, 'temperature')) ?? num(get(body, 'textGenerationConfig', 'temperature'));
    ex.prompt = str(get(body, 'prompt')) ?? str(get(body, 'inputText')) ?? transcript(get(body, 'messages'));
  }
  const embedding = get(body, 'texts') !== undefined || (get(body, 'inputText') !== undefined && /embed/i.test(ex.requestModel ?? ''));
  ex.operation = Array.isArray(get(body, 'messages')) ? 'chat' : embedding ? 'embeddings' : get(body, 'prompt') !== undefined || get(body, 'inputText') !== undefined ? 'text_completion' : 'chat';
}

function readConverseMessage(message: unknown, ex: Extracted): void {
  for (const block of arr(get(message, 'content')) ?? []) {
    if (obj(get(block, 'toolUse'))) ex.toolCalls += 1;
    ex.completion += str(get(block, 'text')) ?? '';
  }
}

function readInvokeResponse(json: unknown, ex: Extracted): void {
  if (get(json, 'type') === 'message') return readAnthropicMessage(json, ex);
  addFinish(ex, get(json, 'stop_reason') ?? get(json, 'finish_reason') ?? get(json, 'results', 0, 'completionReason'));
  ex.completion += str(get(json, 'generation')) ?? str(get(json, 'results', 0, 'outputText')) ?? '';
  mergeUsage(ex.usage, defined({ input: count(get(json, 'inputTextTokenCount')) ?? count(get(json, 'prompt_token_count')), output: count(get(json, 'generation_token_count')) ?? count(get(json, 'results', 0, 'tokenCount')) }));
}

function readStream(view: ExchangeView, ex: Extracted): void {
  const res = view.exchange.response;
  if (!res) return;
  for (const msg of decodeEventStream(res.body)) {
    const type = msg.headers[':message-type'];
    const payload = parseJson(decodeText(msg.payload));
    if (type === 'exception' || type === 'error') {
      ex.error = { type: msg.headers[':exception-type'] ?? msg.headers[':error-code'] ?? 'exception', ...defined({ message: str(get(payload, 'message')) ?? msg.headers[':error-message'] }) };
      continue;
    }
    switch (msg.headers[':event-type']) {
      case 'chunk': {
        const inner = parseJson(Buffer.from(str(get(payload, 'bytes')) ?? '', 'base64').toString('utf8'));
        readAnthropicEvent(inner, 0, ex);
        if (get(inner, 'type') === undefined) readInvokeResponse(inner, ex);
        const metrics = get(inner, 'amazon-bedrock-invocationMetrics');
        if (obj(metrics)) mergeUsage(ex.usage, { input: count(get(metrics, 'inputTokenCount')), output: count(get(metrics, 'outputTokenCount')) });
        break;
      }
      case 'contentBlockStart':
        if (obj(get(payload, 'start', 'toolUse'))) ex.toolCalls += 1;
        break;
      case 'contentBlockDelta':
        ex.completion += str(get(payload, 'delta', 'text')) ?? '';
        break;
      case 'messageStop':
        addFinish(ex, get(payload, 'stopReason'));
        break;
      case 'metadata':
        mergeUsage(ex.usage, converseUsage(get(payload, 'usage')));
        break;
      default:
    }
  }
  // Event-stream frames carry no capture times, so no first-content time can be told.
  delete ex.firstContentNs;
}

/** InvokeModel reports token counts in response headers whatever the model family. */
function headerUsage(view: ExchangeView): Usage {
  const h = view.exchange.response?.headers ?? {};
  const n = (v: string | undefined): number | undefined => (v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined);
  return defined({ input: n(h['x-amzn-bedrock-input-token-count']), output: n(h['x-amzn-bedrock-output-token-count']) });
}

function extract(view: ExchangeView, endpoint: Endpoint): Extracted {
  const ex = emptyExtracted();
  ex.requestModel = endpoint.pathModel;
  const converse = endpoint.endpoint.startsWith('converse');
  if (converse) readConverseRequest(view.reqJson, ex);
  else readInvokeRequest(view.reqJson, ex);
  ex.stream = endpoint.streams === true;
  const res = view.exchange.response;
  if (res && res.status >= 400) {
    const header = res.headers['x-amzn-errortype'];
    ex.error = defined({ type: header?.split(':')[0], message: errorFromJson(view.resJson)?.message });
  } else if (ex.stream) {
    readStream(view, ex);
  } else if (converse) {
    readConverseMessage(get(view.resJson, 'output', 'message'), ex);
    addFinish(ex, get(view.resJson, 'stopReason'));
    mergeUsage(ex.usage, converseUsage(get(view.resJson, 'usage')));
  } else if (view.resJson !== undefined) {
    readInvokeResponse(view.resJson, ex);
  }
  mergeUsage(ex.usage, headerUsage(view));
  ex.usage.total ??= sum(ex.usage.input, ex.usage.output);
  return ex;
}

function classify(view: ExchangeView): Endpoint | undefined {
  const m = view.exchange.request.method === 'POST' ? MODEL_PATH.exec(view.path) : null;
  if (!m?.[1] || !m[2]) return undefined;
  return {
    endpoint: m[2],
    operation: 'chat',
    pathModel: decodeURIComponent(m[1]),
    ...(m[2].endsWith('stream') ? { streams: true } : {}),
  };
}

export const bedrockFormat: Format = { name: 'bedrock', classify, extract };
