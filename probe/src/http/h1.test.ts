import { describe, expect, it } from 'vitest';
import * as f from './fixtures/h1.js';
import { randomCuts, rng, run, shape, toChunks, type Turn } from './fixtures/feed.js';
import type { StreamChunk } from './types.js';

const text = (b: Uint8Array) => Buffer.from(b).toString('utf8');

/** Keep-alive: JSON, gzip+chunked+trailer, brotli, SSE (LF), SSE (CRLF), HEAD, 204. */
const conversation: Turn[] = [
  ['egress', f.openaiJsonRequest],
  ['ingress', f.openaiJsonResponse],
  ['egress', f.anthropicRequest],
  ['ingress', f.anthropicGzipChunkedResponse],
  ['egress', f.openaiJsonRequest],
  ['ingress', f.brotliResponse],
  ['egress', f.openaiStreamRequest],
  ['ingress', f.openaiSseResponse],
  ['egress', f.anthropicRequest],
  ['ingress', f.anthropicSseResponse],
  ['egress', f.headRequest],
  ['ingress', f.headResponse],
  ['egress', f.deleteRequest],
  ['ingress', f.noContentResponse],
];

describe('h1 reassembly', () => {
  const whole = run(toChunks(conversation));

  it('pairs every request of a keep-alive connection with its response', () => {
    expect(whole.stats.protocol).toBe('http/1.1');
    expect(whole.stats.role).toBe('client');
    expect(whole.exchanges.map((e) => [e.request.method, e.request.path, e.response?.status])).toEqual([
      ['POST', '/v1/chat/completions', 200],
      ['POST', '/v1/messages', 200],
      ['POST', '/v1/chat/completions', 200],
      ['POST', '/v1/chat/completions', 200],
      ['POST', '/v1/messages', 200],
      ['HEAD', '/v1/models', 200],
      ['DELETE', '/v1/files/file-1', 204],
    ]);
    for (const e of whole.exchanges) expect([e.gap, e.truncated, e.incomplete]).toEqual([false, false, false]);
  });

  it('decodes JSON, gzip+chunked with trailers and brotli bodies', () => {
    const [json, gzip, br] = whole.exchanges;
    expect(text(json!.request.body)).toBe(f.chatRequestBody);
    expect(json!.request.authority).toBe('api.openai.com');
    expect(json!.request.headers['authorization']).toMatch(/^Bearer /);
    expect(text(json!.response!.body)).toBe(f.chatResponseBody);
    expect(json!.response!.headers['set-cookie']).toBe('__cf_bm=a; path=/\n_cfuvid=b; path=/');
    expect(text(gzip!.response!.body)).toBe(f.anthropicResponseBody);
    expect(gzip!.response!.headers['x-trailer-check']).toBe('done');
    expect(gzip!.response!.wireBytes).toBeLessThan(gzip!.response!.body.length + 40);
    expect(text(br!.response!.body)).toBe(f.chatResponseBody);
  });

  it('parses SSE streams into events with the capture time of each event', () => {
    const openai = whole.exchanges[3]!.response!;
    expect(openai.sse!.map((e) => e.data).slice(-1)).toEqual(['[DONE]']);
    expect(openai.sse).toHaveLength(f.sseDeltas.length + 3);
    expect(JSON.parse(openai.sse![f.sseDeltas.length + 1]!.data).usage.total_tokens).toBe(12);
    const anthropic = whole.exchanges[4]!.response!.sse!;
    expect(anthropic.map((e) => e.event)).toEqual(['message_start', 'ping', 'content_block_delta', 'message_delta', 'message_stop']);
    expect(JSON.parse(anthropic[2]!.data).delta.text).toBe('Hi');
  });

  it('stamps first and last bytes from chunk capture times', () => {
    const chunks = toChunks(conversation, (len) => [Math.floor(len / 2)]);
    const { exchanges } = run(chunks);
    const e = exchanges[0]!;
    expect(e.request.firstByteNs).toBe(chunks[0]!.tsNs);
    expect(e.request.lastByteNs).toBe(chunks[1]!.tsNs);
    expect(e.response!.firstByteNs).toBe(chunks[2]!.tsNs);
    expect(e.response!.lastByteNs).toBe(chunks[3]!.tsNs);
    const sse = exchanges[3]!.response!.sse!;
    expect(sse[0]!.tsNs).toBeLessThan(sse.at(-1)!.tsNs);
  });

  it('gives identical results for every split point of every message', () => {
    const expected = shape(whole.exchanges);
    conversation.forEach(([, bytes], turn) => {
      for (let cut = 1; cut < bytes.length; cut++) {
        const { exchanges } = run(toChunks(conversation, (_len, t) => (t === turn ? [cut] : [])));
        if (JSON.stringify(shape(exchanges)) !== JSON.stringify(expected)) {
          expect.fail(`turn ${turn} split at ${cut} changed the result`);
        }
      }
    });
  });

  it('gives identical results for random multi-splits', () => {
    const random = rng(7);
    const expected = JSON.stringify(shape(whole.exchanges));
    for (let i = 0; i < 300; i++) {
      const { exchanges } = run(toChunks(conversation, (len) => randomCuts(random, len, 12)));
      expect(JSON.stringify(shape(exchanges))).toBe(expected);
    }
  });

  it('pairs pipelined requests in order', () => {
    const { exchanges } = run(
      toChunks([
        ['egress', Buffer.concat([f.openaiJsonRequest, f.headRequest, f.deleteRequest])],
        ['ingress', Buffer.concat([f.openaiJsonResponse, f.headResponse, f.noContentResponse])],
      ]),
    );
    expect(exchanges.map((e) => [e.request.method, e.response?.status, e.response?.body.length])).toEqual([
      ['POST', 200, f.chatResponseBody.length],
      ['HEAD', 200, 0],
      ['DELETE', 204, 0],
    ]);
  });

  it('skips 100 Continue and pairs the final response', () => {
    const body = f.enc('{"model":"gpt-4o-mini","input":"x"}');
    const { exchanges } = run(
      toChunks([
        ['egress', f.enc(`POST /v1/responses HTTP/1.1\r\nHost: api.openai.com\r\nExpect: 100-continue\r\nContent-Length: ${body.length}\r\n\r\n`)],
        ['ingress', f.enc('HTTP/1.1 100 Continue\r\n\r\n')],
        ['egress', body],
        ['ingress', f.openaiJsonResponse],
      ]),
    );
    expect(exchanges).toHaveLength(1);
    expect(text(exchanges[0]!.request.body)).toBe(text(body));
    expect(exchanges[0]!.response!.status).toBe(200);
  });

  it('reads a response without length to the end of the connection', () => {
    const { exchanges } = run(
      toChunks([
        ['egress', f.enc('GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n')],
        ['ingress', f.enc('HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nall good')],
      ]),
    );
    expect(text(exchanges[0]!.response!.body)).toBe('all good');
    expect(exchanges[0]!.incomplete).toBe(false);
  });

  it('flushes an exchange cut by close as incomplete', () => {
    const { exchanges } = run(toChunks([['egress', f.openaiJsonRequest], ['ingress', f.openaiJsonResponse.subarray(0, 200)]]));
    expect(exchanges).toHaveLength(1);
    expect(exchanges[0]!.incomplete).toBe(true);
  });

  it('detects the server role when requests arrive on ingress', () => {
    const { exchanges, stats } = run(toChunks([['ingress', f.openaiJsonRequest], ['egress', f.openaiJsonResponse]]));
    expect(stats.role).toBe('server');
    expect(exchanges[0]!.role).toBe('server');
    expect(exchanges[0]!.response!.status).toBe(200);
  });

  it('detects the client role from a response line when the request was not captured', () => {
    const { stats } = run([{ direction: 'ingress', pos: 0, data: f.openaiJsonResponse, tsNs: 1 }]);
    expect(stats).toMatchObject({ protocol: 'http/1.1', role: 'client', unpairedResponses: 1 });
  });

  it('gives up on non-HTTP streams with a counted reason', () => {
    const { exchanges, stats } = run(toChunks([['egress', f.enc('\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03')], ['ingress', f.enc('SSH-2.0-OpenSSH_9.6\r\n')]]));
    expect(exchanges).toEqual([]);
    expect(stats.gaveUp).toBe('not-http');
    expect(stats.droppedBytes).toBeGreaterThan(0);
  });

  it('keeps the head and tail of a long SSE stream and counts the dropped middle', () => {
    const events = Array.from({ length: 500 }, (_, i) => `data: {"i":${i}}\n\n`).join('');
    const body = f.enc(events);
    const response = Buffer.concat([f.enc(`HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nContent-Length: ${body.length}\r\n\r\n`), body]);
    const { exchanges } = run(toChunks([['egress', f.openaiStreamRequest], ['ingress', response]], (len) => Array.from({ length: 50 }, (_, i) => Math.floor((len * i) / 50))), {
      sseMaxEvents: 20,
      sseTailEvents: 5,
      bodyCap: 1000,
    });
    const res = exchanges[0]!.response!;
    expect(res.sse!.map((e) => JSON.parse(e.data).i)).toEqual([...Array.from({ length: 15 }, (_, i) => i), 495, 496, 497, 498, 499]);
    expect(res.sseDropped).toBe(480);
    expect(res.body.length).toBe(1000);
    expect(res.bodyTruncated).toBe(true);
    expect(res.wireBytes).toBe(body.length);
  });

  it('parses the same SSE events whether the body keeps the whole stream or stops keeping it anywhere', () => {
    const response = Buffer.concat([f.enc('HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n'), f.chunked(f.sseStreamBody(20), 37)]);
    const chunks = toChunks([['egress', f.openaiStreamRequest], ['ingress', response]], (len) => Array.from({ length: 40 }, (_, i) => Math.floor((len * i) / 40)));
    const whole = run(chunks).exchanges[0]!.response!;
    expect(whole.sse).toHaveLength(22);
    for (const bodyCap of [0, 1, 50, 117, 500, 1500, 2100]) {
      const res = run(chunks, { bodyCap }).exchanges[0]!.response!;
      expect(res.bodyTruncated).toBe(true);
      expect(res.sse).toEqual(whole.sse);
    }
  });
});

describe('h1 gaps and truncation', () => {
  const convo: Turn[] = [
    ['egress', f.openaiJsonRequest],
    ['ingress', f.openaiJsonResponse],
    ['egress', f.anthropicRequest],
    ['ingress', f.anthropicGzipChunkedResponse],
    ['egress', f.openaiJsonRequest],
    ['ingress', f.openaiJsonResponse],
  ];

  /** Removes `len` bytes at `at` of turn `turn` (a position gap, or truncation of the call). */
  function withLoss(turn: number, at: number, len: number, truncated: boolean): StreamChunk[] {
    const chunks = toChunks(convo, (_l, t) => (t === turn ? [at, at + len] : []));
    const i = chunks.findIndex((c) => c.direction === convo[turn]![0] && c.data.length === len && Buffer.from(c.data).equals(Buffer.from(convo[turn]![1].subarray(at, at + len))));
    if (truncated) chunks[i - 1] = { ...chunks[i - 1]!, truncatedBytes: len };
    chunks.splice(i, 1);
    return chunks;
  }

  it('stays in sync across a gap inside a Content-Length body', () => {
    const { exchanges, stats } = run(withLoss(1, 300, 50, false));
    expect(exchanges.map((e) => [e.request.path, e.response?.status, e.gap])).toEqual([
      ['/v1/chat/completions', 200, true],
      ['/v1/messages', 200, false],
      ['/v1/chat/completions', 200, false],
    ]);
    expect(exchanges[0]!.response!.bodyTruncated).toBe(true);
    expect(exchanges[0]!.response!.wireBytes).toBe(f.chatResponseBody.length);
    expect(stats).toMatchObject({ gaps: 1, resyncs: 0 });
  });

  it('flags a call longer than captured as truncated', () => {
    const { exchanges, stats } = run(withLoss(0, 300, 40, true));
    expect(exchanges[0]!.truncated).toBe(true);
    expect(exchanges[0]!.gap).toBe(false);
    expect(exchanges[0]!.request.bodyTruncated).toBe(true);
    expect(exchanges[1]!.truncated).toBe(false);
    expect(stats.truncatedCalls).toBe(1);
  });

  it('keeps a compressed body raw and flagged when part of it was lost', () => {
    const { exchanges } = run(withLoss(3, 150, 30, false));
    const res = exchanges[1]!.response!;
    expect(exchanges[1]!.gap).toBe(true);
    expect(res.decodeError).toMatch(/incomplete/);
    expect(exchanges[2]!.response!.status).toBe(200);
  });

  it('resynchronises after a gap in a response head without mis-pairing', () => {
    const { exchanges, stats } = run(withLoss(1, 20, 40, false));
    expect(stats.resyncs).toBeGreaterThan(0);
    const paired = exchanges.filter((e) => e.response);
    // Whatever was paired, each response is the one sent for that request.
    for (const e of paired) {
      if (e.request.path === '/v1/messages') expect(e.response!.headers['content-encoding']).toBe('gzip');
      else expect(e.response!.headers['content-type']).toBe('application/json');
    }
    expect(exchanges.find((e) => e.request.path === '/v1/chat/completions')!.gap).toBe(true);
    expect(exchanges.at(-1)!.response?.status).toBe(200);
  });

  it('never pairs a response with the wrong request when a whole request was lost', () => {
    const chunks = toChunks(convo).filter((_c, i) => i !== 2); // the Anthropic request never captured
    chunks.forEach((c) => {
      if (c.direction === 'egress' && c.pos > 0) c.pos += f.anthropicRequest.length;
    });
    const { exchanges } = run(chunks);
    expect(exchanges.map((e) => [e.request.path, e.response?.headers['content-encoding'] ?? null])).toEqual([
      ['/v1/chat/completions', null],
      ['/v1/chat/completions', null],
    ]);
  });

  it('does not re-pair after a loss on a pipelining connection', () => {
    const chunks = toChunks([
      ['egress', Buffer.concat([f.openaiJsonRequest, f.headRequest])],
      ['ingress', f.openaiJsonResponse.subarray(0, 10)],
      ['ingress', f.openaiJsonResponse.subarray(60)],
      ['ingress', f.headResponse],
      ['egress', f.deleteRequest],
      ['ingress', f.noContentResponse],
    ]);
    chunks[2]!.pos = 60;
    const { exchanges } = run(chunks);
    for (const e of exchanges) if (e.response) expect(e.request.method === 'HEAD' ? 200 : e.request.method === 'DELETE' ? 204 : -1).toBe(e.response.status);
  });
});
