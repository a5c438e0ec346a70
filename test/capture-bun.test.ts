// End to end, as root: Bun (from npm) calls the local AI server with fetch. Bun carries
// BoringSSL linked in with its symbols stripped: the sensor locates SSL_read/SSL_write by the
// error reports compiled into them (probe/src/targets/boringssl.ts), attaches by offset, and
// every call — JSON and streamed — becomes exactly one correct ai_call.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatStatus } from '../probe/src/status.js';
import { startAiCapture, type AiCapture } from './helpers/ai-capture.js';
import { usageFor } from './helpers/ai-answers.mjs';
import { BUN_VERSION, ensureBun } from './helpers/bun.js';
import { privileged, waitFor } from './helpers/privileged.js';
import { run } from './helpers/tls.js';

const gate = privileged('Bun (statically linked BoringSSL) capture');
const KEY = 'sk-proj-PLANTEDbunKEY0123456789abcdefghijklmnopqrstuv';
const CALLS = 5;

describe.runIf(gate.ok)(`Bun ${BUN_VERSION}: BoringSSL linked in without symbols`, () => {
  let fx: AiCapture;
  let bun: string;
  let port: number;
  const messages = [{ role: 'user', content: 'Say hello from Bun.' }];
  const expected = usageFor({ messages });

  beforeAll(async () => {
    bun = ensureBun();
    fx = await startAiCapture();
    port = fx.ports.https;
  }, 400_000);

  afterAll(() => fx?.stop());

  /** Runs `n` sequential chat completions through Bun's fetch (one keep-alive connection). */
  function fetchCalls(n: number, stream: boolean) {
    const script = `
      let tokens = 0;
      for (let i = 0; i < ${n}; i++) {
        const r = await fetch('https://localhost:${port}/v1/chat/completions', {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: 'Bearer ${KEY}' },
          body: JSON.stringify({ model: 'gpt-4o-mini', stream: ${stream}, ${stream ? "stream_options: { include_usage: true }, " : ''}messages: ${JSON.stringify(messages)} }),
        });
        const text = await r.text();
        if (r.status !== 200) throw new Error('status ' + r.status + ' ' + text);
        tokens += ${stream} ? text.split('\\n').filter((l) => l.startsWith('data: {')).length : JSON.parse(text).usage.prompt_tokens;
      }
      console.log(JSON.stringify({ calls: ${n}, tokens }));`;
    return run(bun, ['-e', script], { NODE_EXTRA_CA_CERTS: fx.cert.cert });
  }

  // The sensor looks at a binary when it first runs (exec event, then /proc maps); locating the
  // functions in Bun's 100 MB takes about a second, so the first run races the attach.
  it('locates SSL_read/SSL_write in the stripped binary and lists it in status as attached', async () => {
    const warm = await run(bun, ['-e', '0']);
    expect(warm.code, warm.stderr).toBe(0);
    const target = await waitFor(() => fx.agent.status().targets.attached.find((t) => t.path === bun), 'bun attached', 30_000);
    expect(target.library).toBe('boringssl');
    expect(target.detail).toMatch(
      /^without symbols: SSL_read at 0x[0-9a-f]+, SSL_write at 0x[0-9a-f]+, SSL_set_tlsext_host_name at 0x[0-9a-f]+ \(function starts from call targets\)$/,
    );
    const line = formatStatus(fx.agent.status(), false).split('\n').find((l) => l.includes(bun));
    expect(line).toMatch(/^\s+boringssl\s+\S+\s+\[without symbols/);
  });

  it.each([false, true])('fetch with stream=%s: each of 5 calls on one connection is one correct ai_call', async (stream) => {
    const r = await fetchCalls(CALLS, stream);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ calls: CALLS });
    const calls = await fx.callsOf(r.pid, CALLS);
    expect(calls).toHaveLength(CALLS);
    const conns = new Set<string>();
    for (const e of calls) {
      const c = e.ai_call;
      expect(c.provider).toBe('openai_compatible');
      expect(c.endpoint).toBe('chat.completions');
      expect(c.gen_ai).toMatchObject({
        request: { model: 'gpt-4o-mini', stream },
        response: { model: 'gpt-4o-mini-2024-08-06' },
        usage: { input_tokens: expected.input, output_tokens: expected.output },
      });
      expect(c.http).toMatchObject({ status_code: 200, method: 'POST', path: '/v1/chat/completions', version: '1.1' });
      // Bun, like Node, moves socket bytes outside SSL_read/SSL_write: no fd or peer from the probes.
      expect(c.server).toMatchObject({ address: 'localhost', port });
      expect(c.tls?.library).toBe('boringssl');
      expect(c.tls?.sni).toBe('localhost');
      expect(e.process?.exe).toBe(bun); // comm is the thread's: Bun's "HTTP Client"
      expect(JSON.stringify(c)).not.toContain(KEY);
      conns.add(c.tls!.conn_id!);
    }
    expect(conns.size).toBe(1);
  });

  it('every JSONL line is a valid event, the planted key appears nowhere, nothing was lost', async () => {
    await fx.writtenLines([KEY.slice(8, 40)]);
    expect(fx.agent.status().probes.lost.ssl_read).toBe(0);
  });
});
