// A local AI API server for capture tests and benchmarks, in its own process. It speaks the
// OpenAI (chat completions, JSON and SSE with include_usage) and Anthropic (messages, JSON and
// SSE) wire formats over HTTPS with HTTP/1.1 and HTTP/2 (ALPN), and Ollama's /api/chat over
// plain HTTP. Answers are deterministic: the completion text and token counts derive from the
// request, so tests know exactly what each call must report.
// Usage: node ai-server.mjs CERT KEY   → prints {"https":PORT,"http":PORT} on stdout.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import http2 from 'node:http2';
import { COMPLETION, usageFor } from './ai-answers.mjs';

const [certFile, keyFile] = process.argv.slice(2);

function openaiJson(body, u) {
  return {
    id: 'chatcmpl-local-1',
    object: 'chat.completion',
    created: 1700000000,
    model: `${body.model}-2024-08-06`,
    choices: [{ index: 0, message: { role: 'assistant', content: COMPLETION.join('') }, finish_reason: 'stop' }],
    usage: { prompt_tokens: u.input, completion_tokens: u.output, total_tokens: u.input + u.output },
  };
}

function* openaiSse(body, u) {
  const base = { id: 'chatcmpl-local-1', object: 'chat.completion.chunk', created: 1700000000, model: `${body.model}-2024-08-06` };
  yield { ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] };
  for (const piece of COMPLETION.slice(0, -1)) yield { ...base, choices: [{ index: 0, delta: { content: piece }, finish_reason: null }] };
  yield { ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] };
  if (body.stream_options?.include_usage) {
    yield { ...base, choices: [], usage: { prompt_tokens: u.input, completion_tokens: u.output, total_tokens: u.input + u.output } };
  }
}

function anthropicJson(body, u) {
  return {
    id: 'msg_local_1',
    type: 'message',
    role: 'assistant',
    model: body.model,
    content: [{ type: 'text', text: COMPLETION.join('') }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: u.input, output_tokens: u.output },
  };
}

function* anthropicSse(body, u) {
  yield ['message_start', { type: 'message_start', message: { id: 'msg_local_1', type: 'message', role: 'assistant', model: body.model, content: [], stop_reason: null, usage: { input_tokens: u.input, output_tokens: 1 } } }];
  yield ['content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }];
  for (const piece of COMPLETION.slice(0, -1)) yield ['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: piece } }];
  yield ['content_block_stop', { type: 'content_block_stop', index: 0 }];
  yield ['message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: u.output } }];
  yield ['message_stop', { type: 'message_stop' }];
}

function readJson(req) {
  return new Promise((resolve) => {
    const parts = [];
    req.on('data', (d) => parts.push(d));
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(parts).toString() || '{}'));
      } catch {
        resolve(undefined);
      }
    });
  });
}

function send(res, status, obj, headers = {}) {
  const text = JSON.stringify(obj);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

async function handle(req, res) {
  const body = await readJson(req);
  const url = new URL(req.url, 'http://x');
  if (!body) return send(res, 400, { error: { message: 'invalid JSON body', type: 'invalid_request_error' } });
  // Scripted failures for error-path tests: a model name asks for a status.
  const forced = /^fail-(\d{3})$/.exec(body.model ?? '');
  if (url.pathname === '/v1/chat/completions') {
    if (forced) {
      return send(res, Number(forced[1]), { error: { message: `forced ${forced[1]}`, type: Number(forced[1]) === 429 ? 'rate_limit_exceeded' : 'server_error', code: null } });
    }
    const u = usageFor(body);
    if (!body.stream) return send(res, 200, openaiJson(body, u), { 'x-request-id': 'req_local' });
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    for (const chunk of openaiSse(body, u)) res.write(`data: ${JSON.stringify(chunk)}\n\n`);
    return res.end('data: [DONE]\n\n');
  }
  if (url.pathname === '/v1/messages') {
    if (forced) return send(res, Number(forced[1]), { type: 'error', error: { type: 'overloaded_error', message: `forced ${forced[1]}` } });
    const u = usageFor(body);
    if (!body.stream) return send(res, 200, anthropicJson(body, u));
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    for (const [event, data] of anthropicSse(body, u)) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    return res.end();
  }
  if (url.pathname === '/api/chat') {
    const u = usageFor(body);
    return send(res, 200, {
      model: body.model,
      created_at: '2024-01-01T00:00:00Z',
      message: { role: 'assistant', content: COMPLETION.join('') },
      done: true,
      done_reason: 'stop',
      prompt_eval_count: u.input,
      eval_count: u.output,
    });
  }
  send(res, 404, { error: { message: `no route ${url.pathname}`, type: 'not_found' } });
}

const tls = http2.createSecureServer({ cert: readFileSync(certFile), key: readFileSync(keyFile), allowHTTP1: true }, (req, res) => {
  handle(req, res).catch(() => res.destroy());
});
const plain = http.createServer((req, res) => handle(req, res).catch(() => res.destroy()));
plain.keepAliveTimeout = 60_000;
await new Promise((r) => tls.listen(0, '127.0.0.1', r));
await new Promise((r) => plain.listen(0, '127.0.0.1', r));
process.stdout.write(JSON.stringify({ https: tls.address().port, http: plain.address().port }) + '\n');
