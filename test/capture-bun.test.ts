// End to end, as root: Bun (from npm) calls the local AI server with fetch. Bun carries
// BoringSSL linked in with its symbols stripped: the sensor locates SSL_read/SSL_write by the
// error reports compiled into them (probe/src/targets/boringssl.ts), attaches by offset, and
// every call — JSON and streamed — becomes exactly one correct ai_call.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Event as EventSchema, type Event, type EventOf } from '../schema/event.js';
import type { Agent } from '../probe/src/agent.js';
import { parseSensorConfig } from '../probe/src/config.js';
import { formatStatus } from '../probe/src/status.js';
import { usageFor } from './helpers/ai-answers.mjs';
import { BUN_VERSION, ensureBun } from './helpers/bun.js';
import { privileged, waitFor } from './helpers/privileged.js';
import { makeCert, run, type Cert } from './helpers/tls.js';

const gate = privileged('Bun (statically linked BoringSSL) capture');
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const KEY = 'sk-proj-PLANTEDbunKEY0123456789abcdefghijklmnopqrstuv';
const CALLS = 5;

type AiEvent = EventOf<'ai_call'>;

describe.runIf(gate.ok)(`Bun ${BUN_VERSION}: BoringSSL linked in without symbols`, () => {
  let agent: Agent;
  let bun: string;
  let cert: Cert;
  let dir: string;
  let port: number;
  let server: ReturnType<typeof spawn>;
  const events: Event[] = [];
  const output = () => join(dir, 'events.jsonl');
  const messages = [{ role: 'user', content: 'Say hello from Bun.' }];
  const expected = usageFor({ messages });

  beforeAll(async () => {
    bun = ensureBun();
    dir = mkdtempSync(join(tmpdir(), 'vigil-bun-capture-'));
    cert = makeCert();
    server = spawn(process.execPath, [join(root, 'test/helpers/ai-server.mjs'), cert.cert, cert.key], { stdio: ['ignore', 'pipe', 'inherit'] });
    port = (await new Promise<{ https: number }>((res) => createInterface({ input: server.stdout! }).once('line', (l) => res(JSON.parse(l))))).https;
    const { Agent } = await import('../probe/src/agent.js');
    agent = await Agent.start({
      config: parseSensorConfig({ output: { path: output(), flush_interval_ms: 50 } }),
      onEvent: (e) => events.push(e),
    });
  }, 400_000);

  afterAll(async () => {
    await agent?.stop();
    server?.kill('SIGKILL');
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (cert) rmSync(cert.dir, { recursive: true, force: true });
  });

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
    return run(bun, ['-e', script], { NODE_EXTRA_CA_CERTS: cert.cert });
  }

  async function callsOf(pid: number, n: number): Promise<AiEvent[]> {
    const of = () => events.filter((e): e is AiEvent => e.kind === 'ai_call' && e.process?.tgid === pid);
    await waitFor(() => (of().length >= n ? true : undefined), `${n} ai_call events from pid ${pid}`).catch((e: Error) => {
      const seen = events.filter((x) => x.process?.tgid === pid).map((x) => x.kind);
      throw new Error(`${e.message}; events from the pid: ${seen.join(', ') || 'none'}`);
    });
    await new Promise((r) => setTimeout(r, 300)); // a duplicate would show by now
    return of();
  }

  // The sensor looks at a binary when it first runs (exec event, then /proc maps); locating the
  // functions in Bun's 100 MB takes about a second, so the first run races the attach.
  it('locates SSL_read/SSL_write in the stripped binary and lists it in status as attached', async () => {
    const warm = await run(bun, ['-e', '0']);
    expect(warm.code, warm.stderr).toBe(0);
    const target = await waitFor(() => agent.status().targets.attached.find((t) => t.path === bun), 'bun attached', 30_000);
    expect(target.library).toBe('boringssl');
    expect(target.detail).toMatch(/^without symbols: SSL_read at 0x[0-9a-f]+, SSL_write at 0x[0-9a-f]+ \(function starts from call targets\)$/);
    const line = formatStatus(agent.status(), false).split('\n').find((l) => l.includes(bun));
    expect(line).toMatch(/^\s+boringssl\s+\S+\s+\[without symbols/);
  });

  it.each([false, true])('fetch with stream=%s: each of 5 calls on one connection is one correct ai_call', async (stream) => {
    const r = await fetchCalls(CALLS, stream);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ calls: CALLS });
    const calls = await callsOf(r.pid, CALLS);
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
      expect(e.process?.exe).toBe(bun); // comm is the thread's: Bun's "HTTP Client"
      expect(JSON.stringify(c)).not.toContain(KEY);
      conns.add(c.tls!.conn_id!);
    }
    expect(conns.size).toBe(1);
  });

  it('every JSONL line is a valid event, the planted key appears nowhere, nothing was lost', async () => {
    await new Promise((r) => setTimeout(r, 300));
    const text = readFileSync(output(), 'utf8');
    expect(text).not.toContain(KEY.slice(8, 40));
    for (const l of text.trim().split('\n')) expect(EventSchema.safeParse(JSON.parse(l)).success, l).toBe(true);
    expect(agent.status().probes.lost.ssl_read).toBe(0);
  });
});
