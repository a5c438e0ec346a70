// End to end, as root: a Go client built here with Debian's golang-go (crypto/tls, statically
// linked, no exported symbols) POSTs chat completions to the local AI server over HTTP/1.1 and
// HTTP/2. The sensor discovers the binary when it runs, attaches to (*Conn).Write/Read and their
// RET instructions, and every call becomes exactly one correct ai_call — also for a stripped
// binary, whose functions are found through .gopclntab.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatStatus } from '../probe/src/status.js';
import { startAiCapture, type AiCapture } from './helpers/ai-capture.js';
import { usageFor } from './helpers/ai-answers.mjs';
import { buildGoClient, haveGo } from './helpers/go.js';
import { privileged, waitFor } from './helpers/privileged.js';
import { run } from './helpers/tls.js';

const gate = privileged('Go crypto/tls capture');
const KEY = 'sk-proj-PLANTEDgoKEY0123456789abcdefghijklmnopqrstuvwx';
const CALLS = 10;

describe.runIf(gate.ok)('Go crypto/tls capture (real probes, real Go client)', () => {
  let fx: AiCapture;
  let dir: string;
  let port: number;
  const bins: Record<'full' | 'stripped', string> = { full: '', stripped: '' };
  const expected = usageFor({ messages: [{ role: 'user', content: 'Say hello to the sensor.' }] });

  beforeAll(async () => {
    if (!haveGo()) throw new Error('the Go toolchain is missing: scripts/setup.sh installs golang-go');
    dir = mkdtempSync(join(tmpdir(), 'vigil-go-capture-'));
    bins.full = buildGoClient(dir);
    bins.stripped = buildGoClient(dir, { stripped: true });
    fx = await startAiCapture();
    port = fx.ports.https;
  }, 180_000);

  afterAll(async () => {
    await fx?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  function client(bin: string, proto: 'h1' | 'h2', n: number) {
    return run(bin, ['-url', `https://localhost:${port}/v1/chat/completions`, '-ca', fx.cert.cert, '-key', KEY, '-proto', proto, '-n', String(n)]);
  }

  // The sensor attaches to a binary when it first runs (exec event, then /proc maps): the first
  // run races the attach, so each binary runs once before its calls are counted.
  it.each(['full', 'stripped'] as const)('discovers the %s Go binary when it runs and lists it in status', async (which) => {
    const warm = await client(bins[which], 'h1', 1);
    expect(warm.code, warm.stderr).toBe(0);
    const target = await waitFor(
      () => fx.agent.status().targets.attached.find((t) => t.path === bins[which]),
      `${which} Go binary attached`,
    );
    expect(target.library).toBe('go');
    expect(target.detail).toMatch(which === 'full' ? /^go1\.\d+.*symbols from \.symtab/ : /^go1\.\d+.*symbols from \.gopclntab/);
    // `vigil status` prints it among the attached targets.
    const line = formatStatus(fx.agent.status(), false).split('\n').find((l) => l.includes(bins[which]));
    expect(line).toMatch(/^\s+go\s+\S+\s+\[go1\.\d+/);
  });

  it.each([
    ['full', 'h1', 'HTTP/1.1', '1.1'],
    ['full', 'h2', 'HTTP/2.0', '2'],
    ['stripped', 'h1', 'HTTP/1.1', '1.1'],
    ['stripped', 'h2', 'HTTP/2.0', '2'],
  ] as const)('%s binary over %s: each of 10 calls on one connection is one correct ai_call', async (which, proto, goProto, version) => {
    // Request and response are moved by different goroutines (often on different CPUs): every
    // call must still pair up, in order.
    const r = await client(bins[which], proto, CALLS);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ proto: goProto, calls: CALLS, prompt_tokens: expected.input });
    const calls = await fx.callsOf(r.pid, CALLS);
    expect(calls).toHaveLength(CALLS);
    const conns = new Set<string>();
    for (const e of calls) {
      const c = e.ai_call;
      expect(c.provider).toBe('openai_compatible'); // localhost is not api.openai.com
      expect(c.endpoint).toBe('chat.completions');
      expect(c.gen_ai).toMatchObject({
        request: { model: 'gpt-4o-mini', stream: false },
        response: { model: 'gpt-4o-mini-2024-08-06', id: 'chatcmpl-local-1', finish_reasons: ['stop'] },
        usage: { input_tokens: expected.input, output_tokens: expected.output },
      });
      expect(c.http).toMatchObject({ status_code: 200, method: 'POST', path: '/v1/chat/completions', version });
      // Both directions came through, and the socket was found from the *tls.Conn.
      expect(c.server).toMatchObject({ address: 'localhost', port, peer: `127.0.0.1:${port}` });
      expect(c.tls?.library).toBe('go');
      expect(c.tls?.sni).toBe('localhost'); // from hostnameInSNI during makeClientHello
      expect(c.tls?.fd).toBeGreaterThan(2);
      expect(JSON.stringify(c)).not.toContain(KEY);
      conns.add(c.tls!.conn_id!);
    }
    expect(conns.size).toBe(1);
  });

  it('every JSONL line is a valid event, and the planted key appears nowhere in the file', async () => {
    const lines = await fx.writtenLines([KEY.slice(8, 40)]);
    expect(lines.filter((l) => JSON.parse(l).kind === 'ai_call').length).toBeGreaterThanOrEqual(4 * CALLS);
    expect(fx.agent.status().probes.lost.go_read).toBe(0);
    expect(fx.agent.status().probes.events.go_write).toBeGreaterThan(0);
  });
});
