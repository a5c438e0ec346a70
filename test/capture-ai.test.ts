// End to end, as root: AI calls made by real clients (the official `openai` SDK, curl over
// HTTP/1.1 and HTTP/2, python3 urllib, curl in plain HTTP to an Ollama-style endpoint) against a
// local server speaking the OpenAI, Anthropic and Ollama wire formats become exactly one correct
// `ai_call` event each, and a planted API key appears nowhere in the JSONL file.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAiCapture, type AiCapture, type AiServerPorts } from './helpers/ai-capture.js';
import { COMPLETION, usageFor } from './helpers/ai-answers.mjs';
import { privileged } from './helpers/privileged.js';
import { run } from './helpers/tls.js';

const gate = privileged('AI-call capture end to end');
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const KEY = 'sk-proj-PLANTEDtestKEY0123456789abcdefghijklmnopqrstuv';
const ANTHROPIC_KEY = 'sk-ant-api03-PLANTEDanthropicKEY0123456789abcdefghij';

describe.runIf(gate.ok)('ai_call events from real clients (real probes)', () => {
  let fx: AiCapture;
  let ports: AiServerPorts;

  beforeAll(async () => {
    fx = await startAiCapture((p) => ({ capture: { plaintext_ports: [p.http] } }));
    ports = fx.ports;
  });

  afterAll(() => fx?.stop());


  const messages = [{ role: 'user', content: 'Say hello to the sensor.' }];
  const expected = usageFor({ messages });

  async function sdk(stream: boolean) {
    const script = `
import OpenAI from 'openai';
const client = new OpenAI({ apiKey: process.env.KEY, baseURL: process.env.BASE });
const messages = ${JSON.stringify(messages)};
if (${stream}) {
  const s = await client.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true, stream_options: { include_usage: true } });
  let text = ''; for await (const c of s) text += c.choices[0]?.delta?.content ?? '';
  if (text !== ${JSON.stringify(COMPLETION.join(''))}) throw new Error('bad stream ' + text);
} else {
  const r = await client.chat.completions.create({ model: 'gpt-4o-mini', messages });
  if (r.usage.prompt_tokens !== ${expected.input}) throw new Error('bad usage');
}`;
    // ESM resolves `openai` from the working directory: run the script from the repository.
    return run(
      process.execPath,
      ['--input-type=module', '-e', script],
      { KEY, BASE: `https://localhost:${ports.https}/v1`, NODE_EXTRA_CA_CERTS: fx.cert.cert },
      { cwd: root },
    );
  }

  it('openai SDK, non-streaming', async () => {
    const r = await sdk(false);
    expect(r.code, r.stderr).toBe(0);
    const calls = await fx.callsOf(r.pid);
    expect(calls).toHaveLength(1);
    const c = calls[0]!.ai_call;
    expect(c.endpoint).toBe('chat.completions');
    expect(c.gen_ai).toMatchObject({
      operation: { name: 'chat' },
      request: { model: 'gpt-4o-mini', stream: false },
      response: { model: 'gpt-4o-mini-2024-08-06', id: 'chatcmpl-local-1', finish_reasons: ['stop'] },
      usage: { input_tokens: expected.input, output_tokens: expected.output },
    });
    expect(c.http).toMatchObject({ status_code: 200, method: 'POST', path: '/v1/chat/completions' });
    expect(c.server).toMatchObject({ address: 'localhost', port: ports.https });
    expect(c.tls?.sni).toBe('localhost');
    expect(c.timing?.duration_ms).toBeGreaterThan(0);
    expect(calls[0]!.process?.comm).toBe('node');
  });

  it('openai SDK, streaming with include_usage', async () => {
    const r = await sdk(true);
    expect(r.code, r.stderr).toBe(0);
    const calls = await fx.callsOf(r.pid);
    expect(calls).toHaveLength(1);
    const c = calls[0]!.ai_call;
    expect(c.gen_ai).toMatchObject({
      request: { model: 'gpt-4o-mini', stream: true },
      usage: { input_tokens: expected.input, output_tokens: expected.output },
      response: { finish_reasons: ['stop'] },
    });
    expect(c.timing?.first_token_ms).toBeGreaterThan(0);
    expect(c.timing!.first_token_ms!).toBeLessThanOrEqual(c.timing!.duration_ms!);
  });

  it('curl over HTTP/1.1 to an Anthropic-style messages endpoint', async () => {
    const body = JSON.stringify({ model: 'claude-3-5-sonnet-20241022', max_tokens: 64, messages });
    const r = await run('curl', [
      '-sS', '--http1.1', '--cacert', fx.cert.cert, `https://localhost:${ports.https}/v1/messages`,
      '-H', `x-api-key: ${ANTHROPIC_KEY}`, '-H', 'anthropic-version: 2023-06-01', '-H', 'content-type: application/json', '-d', body,
    ]);
    expect(r.code, r.stderr).toBe(0);
    const calls = await fx.callsOf(r.pid);
    expect(calls).toHaveLength(1);
    const c = calls[0]!.ai_call;
    expect(c.provider).toBe('anthropic');
    expect(c.gen_ai).toMatchObject({
      request: { model: 'claude-3-5-sonnet-20241022', stream: false, max_tokens: 64 },
      usage: { input_tokens: expected.input, output_tokens: expected.output },
      response: { finish_reasons: ['end_turn'] },
    });
    expect(c.http?.version).toBe('1.1');
    expect(JSON.stringify(c)).not.toContain(ANTHROPIC_KEY);
  });

  it('curl over HTTP/2, streaming chat completions', async () => {
    const body = JSON.stringify({ model: 'gpt-4o', stream: true, stream_options: { include_usage: true }, messages });
    const r = await run('curl', [
      '-sS', '--http2', '--cacert', fx.cert.cert, `https://localhost:${ports.https}/v1/chat/completions`,
      '-H', `authorization: Bearer ${KEY}`, '-H', 'content-type: application/json', '-d', body,
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('[DONE]');
    const calls = await fx.callsOf(r.pid);
    expect(calls).toHaveLength(1);
    const c = calls[0]!.ai_call;
    expect(c.http).toMatchObject({ version: '2', status_code: 200 });
    expect(c.gen_ai).toMatchObject({ request: { model: 'gpt-4o', stream: true }, usage: { input_tokens: expected.input, output_tokens: expected.output } });
  });

  it('python3 urllib, a provider error (429) is reported with its type', async () => {
    const script = `
import json, ssl, sys, urllib.request, urllib.error
ctx = ssl.create_default_context(cafile=sys.argv[1])
req = urllib.request.Request(sys.argv[2], data=json.dumps({"model": "fail-429", "messages": []}).encode(), headers={"Authorization": "Bearer " + sys.argv[3], "Content-Type": "application/json"})
try:
    urllib.request.urlopen(req, context=ctx)
except urllib.error.HTTPError as e:
    sys.exit(0 if e.code == 429 else 1)
sys.exit(2)`;
    const r = await run('python3', ['-c', script, fx.cert.cert, `https://localhost:${ports.https}/v1/chat/completions`, KEY]);
    expect(r.code, r.stderr).toBe(0);
    const calls = await fx.callsOf(r.pid);
    expect(calls).toHaveLength(1);
    const c = calls[0]!.ai_call;
    expect(c.http?.status_code).toBe(429);
    expect(c.gen_ai?.request?.model).toBe('fail-429');
    expect(c.error).toMatchObject({ type: 'rate_limit_exceeded', message: 'forced 429' });
    expect(calls[0]!.process?.comm).toBe('python3');
  });

  it('curl in plain HTTP to an Ollama-style endpoint (socket tracepoints)', async () => {
    const body = JSON.stringify({ model: 'llama3.2', messages, stream: false });
    const r = await run('curl', ['-sS', `http://127.0.0.1:${ports.http}/api/chat`, '-d', body]);
    expect(r.code, r.stderr).toBe(0);
    const calls = await fx.callsOf(r.pid);
    expect(calls).toHaveLength(1);
    const c = calls[0]!.ai_call;
    expect(c.provider).toBe('ollama');
    expect(c.gen_ai).toMatchObject({ request: { model: 'llama3.2', stream: false }, usage: { input_tokens: expected.input, output_tokens: expected.output } });
    expect(c.server).toMatchObject({ port: ports.http, peer: `127.0.0.1:${ports.http}` });
    expect(c.tls?.library).toBe('plaintext');
  });

  it('every JSONL line is a valid event, and the planted keys appear nowhere in the file', async () => {
    const lines = await fx.writtenLines([KEY, KEY.slice(8, 40), ANTHROPIC_KEY.slice(7, 40)]);
    expect(lines.filter((l) => JSON.parse(l).kind === 'ai_call').length).toBeGreaterThanOrEqual(6);
  });
});
