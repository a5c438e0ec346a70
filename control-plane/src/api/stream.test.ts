// The live stream over a real listening server: an SSE client (fetch) sees incident changes,
// AI calls and audit entries as they happen; a client that stops reading loses messages past
// its bound (counted, and told once it reads again) without holding up anyone else.
import { get as httpGet, type IncomingMessage } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, bearer, crash, READ_TOKEN, startTestApi, TOKENS, type TestApi } from '../../../test/helpers/api.js';
import { AiCallFeed } from '../aicalls/feed.js';

let t: TestApi;
afterEach(async () => {
  await t.close();
});

async function listen(): Promise<string> {
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  const addr = t.app.server.address();
  if (typeof addr !== 'object' || !addr) throw new Error('not listening');
  return `http://127.0.0.1:${addr.port}`;
}

/** Reads SSE frames until `done` says so (or the time runs out). */
async function readUntil(body: ReadableStream<Uint8Array>, done: (text: string) => boolean, ms = 5000): Promise<string> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  const timer = setTimeout(() => void reader.cancel(), ms);
  try {
    while (!done(text)) {
      const { value, done: end } = await reader.read();
      if (end) break;
      text += decoder.decode(value, { stream: true });
    }
  } finally {
    clearTimeout(timer);
    await reader.cancel().catch(() => undefined);
  }
  return text;
}

const events = (text: string, name: string) =>
  text
    .split('\n\n')
    .filter((f) => f.startsWith(`event: ${name}\n`))
    .map((f) => JSON.parse(f.split('\ndata: ')[1]!));

describe('GET /api/stream', () => {
  it('streams incident changes, AI calls and audit entries to an EventSource-style client', async () => {
    t = await startTestApi({ config: { server: { auth: { tokens: TOKENS } } } });
    const url = await listen();
    const unauthorized = await fetch(`${url}/api/stream`);
    expect(unauthorized.status).toBe(401);

    const res = await fetch(`${url}/api/stream?access_token=${READ_TOKEN}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    const feed = new AiCallFeed(t.aiCalls, t.live, { flushMs: 20 });
    const reading = readUntil(res.body!, (text) => text.includes('event: audit'));
    await new Promise((r) => setTimeout(r, 50));
    await t.engine.accept([crash(1)]);
    await t.engine.idle();
    feed.accept({
      id: 'ev-1',
      time: '2026-11-28T04:00:01Z',
      node: 'node-a',
      kind: 'ai_call',
      k8s: { namespace: 'shop', pod: 'bot-1' },
      ai_call: { provider: 'openai', http: { status_code: 200 }, gen_ai: { request: { model: 'gpt-4o' } } },
    });
    await new Promise((r) => setTimeout(r, 60));
    const id = t.incidents.query({ limit: 1 }).items[0]!.id;
    await t.app.inject({ method: 'POST', url: `/api/incidents/${id}/acknowledge`, headers: bearer(ADMIN_TOKEN) });
    const text = await reading;
    feed.close();

    const incidents = events(text, 'incident');
    expect(incidents.map((e) => e.type)).toEqual(['opened', 'acknowledged']);
    expect(incidents[0].incident).toMatchObject({ id, state: 'open', priority: 'P1' });
    expect(events(text, 'ai_call')[0]).toMatchObject({ id: 'ev-1', namespace: 'shop', model: 'gpt-4o', provider: 'openai', status: 200 });
    expect(events(text, 'audit')[0]).toMatchObject({ incidentId: id, outcome: 'acknowledged', actor: { name: 'alice' } });
  });

  it('sends only the topics asked for, and a ping while idle', async () => {
    t = await startTestApi({ stream: { heartbeatMs: 30 } });
    const url = await listen();
    const res = await fetch(`${url}/api/stream?topics=sensor`);
    const reading = readUntil(res.body!, (text) => text.includes('event: sensor') && text.includes(': ping'));
    await new Promise((r) => setTimeout(r, 50));
    t.live.publish('incident', { skipped: true });
    t.live.publish('sensor', { node: 'node-a', healthy: true });
    const text = await reading;
    expect(events(text, 'sensor')).toEqual([{ node: 'node-a', healthy: true }]);
    expect(text).not.toContain('event: incident');
    expect(text).toContain(': ping');
    const bad = await fetch(`${url}/api/stream?topics=everything`);
    expect(bad.status).toBe(400);
    await bad.text();
  });

  it('drops past the bound for a client that stops reading, counts it, and tells the client when it reads again', async () => {
    t = await startTestApi({ stream: { maxBuffered: 5 } });
    const url = await listen();
    const res = await new Promise<IncomingMessage>((resolve) => httpGet(`${url}/api/stream?topics=ai_call`, resolve));
    res.pause();
    await new Promise((r) => setTimeout(r, 50));
    const big = 'x'.repeat(256 * 1024);
    for (let n = 0; n < 200; n++) t.live.publish('ai_call', { n, big });
    expect(t.stream.stats.dropped).toBeGreaterThan(0);
    const dropped = t.stream.stats.dropped;
    // A second, fast client is unaffected.
    const fast = await fetch(`${url}/api/stream?topics=ai_call`);
    const fastReading = readUntil(fast.body!, (text) => text.includes('"n":1000'));
    await new Promise((r) => setTimeout(r, 50));
    t.live.publish('ai_call', { n: 1000 });
    expect(await fastReading).toContain('"n":1000');

    let text = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => (text += chunk));
    res.resume();
    await new Promise<void>((resolve, reject) => {
      const deadline = setTimeout(() => reject(new Error(`no dropped event; got ${text.length} chars`)), 10_000);
      const check = setInterval(() => {
        if (text.includes('event: dropped')) {
          clearInterval(check);
          clearTimeout(deadline);
          resolve();
        }
      }, 20);
    });
    res.destroy();
    expect(events(text, 'dropped')[0]).toEqual({ count: dropped });
    const received = events(text, 'ai_call').map((e) => e.n);
    // In order, none twice, and fewer than were published.
    expect(received).toEqual([...received].sort((a, b) => a - b));
    expect(received.length).toBeLessThan(200);
    expect(received.length + dropped).toBe(201);
  });
});
