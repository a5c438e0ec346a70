// Google Gemini: generativelanguage.googleapis.com and Vertex AI publisher models.
// streamGenerateContent answers with SSE when asked `alt=sse`, otherwise with one JSON array
// whose elements arrive over time.
import { addFinish, errorFromJson, markContent, mergeUsage, sum } from './accumulate.js';
import { arr, count, get, num, obj, parseJson, str } from './json.js';
import { emptyExtracted, type Endpoint, type ExchangeView, type Extracted, type Format, type Usage } from './types.js';

const METHODS: Record<string, { endpoint: string; operation: string; streams?: boolean }> = {
  generateContent: { endpoint: 'generateContent', operation: 'generate_content' },
  streamGenerateContent: { endpoint: 'streamGenerateContent', operation: 'generate_content', streams: true },
  embedContent: { endpoint: 'embedContent', operation: 'embeddings' },
  batchEmbedContents: { endpoint: 'batchEmbedContents', operation: 'embeddings' },
};

const MODEL_METHOD = /\/(?:models|tunedModels)\/([^/:]+):([A-Za-z]+)$/;

/** Thoughts are billed as output; Vigil's output includes them and reports them as reasoning. */
function geminiUsage(u: unknown): Usage {
  const thoughts = count(get(u, 'thoughtsTokenCount'));
  return {
    input: count(get(u, 'promptTokenCount')),
    output: sum(count(get(u, 'candidatesTokenCount')), thoughts),
    cached: count(get(u, 'cachedContentTokenCount')),
    reasoning: thoughts,
    total: count(get(u, 'totalTokenCount')),
  };
}

function partsText(parts: unknown): string {
  return (arr(parts) ?? []).map((p) => str(get(p, 'text')) ?? '').join('');
}

/** One GenerateContentResponse (a whole body or one streamed chunk); true when it carried content. */
function readChunk(chunk: unknown, ex: Extracted): boolean {
  ex.responseId ??= str(get(chunk, 'responseId'));
  ex.responseModel = str(get(chunk, 'modelVersion')) ?? ex.responseModel;
  let content = false;
  for (const cand of arr(get(chunk, 'candidates')) ?? []) {
    const parts = arr(get(cand, 'content', 'parts')) ?? [];
    const text = partsText(parts);
    const calls = parts.filter((p) => obj(get(p, 'functionCall'))).length;
    ex.toolCalls += calls;
    ex.completion += text;
    if (text.length > 0 || calls > 0) content = true;
    addFinish(ex, get(cand, 'finishReason'));
  }
  const usage = get(chunk, 'usageMetadata');
  if (obj(usage)) mergeUsage(ex.usage, geminiUsage(usage));
  return content;
}

function readRequest(body: unknown, ex: Extracted): void {
  ex.requestModel ??= str(get(body, 'model'))?.replace(/^models\//, '');
  ex.maxTokens = count(get(body, 'generationConfig', 'maxOutputTokens'));
  ex.temperature = num(get(body, 'generationConfig', 'temperature'));
  const system = partsText(get(body, 'systemInstruction', 'parts'));
  const turns = (arr(get(body, 'contents')) ?? [])
    .map((c) => {
      const text = partsText(get(c, 'parts'));
      const role = str(get(c, 'role'));
      return text && role ? `${role}: ${text}` : text;
    })
    .filter(Boolean);
  ex.prompt = [system, ...turns, partsText(get(body, 'content', 'parts'))].filter(Boolean).join('\n');
}

function extract(view: ExchangeView, endpoint: Endpoint): Extracted {
  const ex = emptyExtracted();
  ex.requestModel = endpoint.pathModel;
  readRequest(view.reqJson, ex);
  ex.stream = endpoint.streams === true;
  const status = view.exchange.response?.status ?? 0;
  if (view.events.length > 0) {
    for (const ev of view.events) {
      const chunk = parseJson(ev.data);
      if (get(chunk, 'error') !== undefined) ex.error = errorFromJson(chunk);
      else if (readChunk(chunk, ex)) markContent(ex, ev.tsNs);
    }
  } else if (status >= 400 || get(view.resJson, 'error') !== undefined) {
    ex.error = errorFromJson(Array.isArray(view.resJson) ? view.resJson[0] : view.resJson);
  } else if (Array.isArray(view.resJson)) {
    // A JSON-array stream carries no per-element times: content timing stays unknown.
    for (const chunk of view.resJson) readChunk(chunk, ex);
  } else if (view.resJson !== undefined) {
    readChunk(view.resJson, ex);
  }
  ex.usage.total ??= sum(ex.usage.input, ex.usage.output);
  return ex;
}

function classify(view: ExchangeView): Endpoint | undefined {
  if (view.exchange.request.method !== 'POST') return undefined;
  const m = MODEL_METHOD.exec(view.path);
  const method = m?.[2] ? METHODS[m[2]] : undefined;
  if (!m?.[1] || !method) return undefined;
  // Spelled out, not `{ ...method, pathModel }`: see recognised() in registry.ts.
  const endpoint: Endpoint = { endpoint: method.endpoint, operation: method.operation, pathModel: decodeURIComponent(m[1]) };
  if (method.streams) endpoint.streams = true;
  return endpoint;
}

export const geminiFormat: Format = { name: 'gemini', classify, extract };
