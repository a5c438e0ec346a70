import { beforeAll, describe, expect, it } from 'vitest';
import { H2_PREFACE } from './h2.js';
import * as f from './fixtures/h1.js';
import { randomCuts, rng, run, shape, toChunks, type Turn } from './fixtures/feed.js';
import { captureH2 } from './fixtures/h2-capture.js';
import type { HttpExchange, StreamChunk } from './types.js';

const text = (b: Uint8Array) => Buffer.from(b).toString('utf8');
let turns: Turn[];
let whole: ReturnType<typeof run>;
const byPath = (exchanges: HttpExchange[], path: string) => exchanges.find((e) => e.request.path === path);

beforeAll(async () => {
  turns = await captureH2();
  whole = run(toChunks(turns));
});

describe('h2 reassembly of real node:http2 traffic', () => {
  it('turns each multiplexed stream into one exchange', () => {
    expect(whole.stats).toMatchObject({ protocol: 'h2', role: 'client' });
    expect(whole.stats.gaveUp).toBeUndefined();
    expect(whole.exchanges).toHaveLength(4);
    const ids = whole.exchanges.map((e) => e.streamId).sort((a, b) => a! - b!);
    expect(ids).toEqual([1, 3, 5, 7]);
    for (const e of whole.exchanges) {
      expect(e.version).toBe('2');
      expect([e.gap, e.truncated, e.incomplete]).toEqual([false, false, false]);
      expect(e.request.authority).toBe(`127.0.0.1:${e.request.authority!.split(':')[1]}`);
    }
  });

  it('decodes HPACK headers and request/response bodies (JSON, gzip, br)', () => {
    const json = byPath(whole.exchanges, '/v1/chat/completions')!;
    expect(json.request.method).toBe('POST');
    expect(json.request.headers['authorization']).toBe('Bearer sk-test-2222');
    expect(text(json.request.body)).toBe(f.chatRequestBody);
    expect(json.response!.status).toBe(200);
    expect(json.response!.headers['x-request-id']).toBe('req_abc123');
    expect(json.response!.headers['set-cookie']).toBe('a=1\nb=2');
    expect(text(json.response!.body)).toBe(f.chatResponseBody);
    expect(text(byPath(whole.exchanges, '/v1/messages')!.response!.body)).toBe(f.anthropicResponseBody);
    expect(text(byPath(whole.exchanges, '/v1/models')!.response!.body)).toBe(f.chatResponseBody);
  });

  it('parses SSE over h2 with a capture time per event', () => {
    const sse = byPath(whole.exchanges, '/v1/chat/completions?stream=1')!.response!.sse!;
    expect(sse.map((e) => e.data).at(-1)).toBe('[DONE]');
    expect(sse).toHaveLength(f.sseDeltas.length + 3);
    expect(sse[0]!.tsNs).toBeLessThan(sse.at(-1)!.tsNs);
  });

  it('gives identical results for every split point of every captured write', () => {
    const expected = JSON.stringify(shape(sorted(whole.exchanges)));
    turns.forEach(([, bytes], turn) => {
      for (let cut = 1; cut < bytes.length; cut++) {
        const { exchanges } = run(toChunks(turns, (_len, t) => (t === turn ? [cut] : [])));
        if (JSON.stringify(shape(sorted(exchanges))) !== expected) expect.fail(`write ${turn} split at ${cut} changed the result`);
      }
    });
  });

  it('gives identical results for random multi-splits', () => {
    const random = rng(11);
    const expected = JSON.stringify(shape(sorted(whole.exchanges)));
    for (let i = 0; i < 300; i++) {
      const { exchanges } = run(toChunks(turns, (len) => randomCuts(random, len, 10)));
      expect(JSON.stringify(shape(sorted(exchanges)))).toBe(expected);
    }
  });

  it('detects the server role when the preface arrives on ingress', () => {
    const flipped: Turn[] = turns.map(([d, b]) => [d === 'egress' ? 'ingress' : 'egress', b]);
    const { exchanges, stats } = run(toChunks(flipped));
    expect(stats.role).toBe('server');
    expect(exchanges.map((e) => e.role)).toEqual(['server', 'server', 'server', 'server']);
    expect(shape(sorted(exchanges.map((e) => ({ ...e, role: 'client' as const }))))).toEqual(shape(sorted(whole.exchanges)));
  });
});

describe('h2 gaps', () => {
  /** Byte offset, in one direction's stream, of the payload of the first frame of `type` on `streamId`. */
  function framePayload(chunks: StreamChunk[], direction: 'egress' | 'ingress', type: number, streamId: number): { at: number; length: number } {
    const bytes = Buffer.concat(chunks.filter((c) => c.direction === direction).map((c) => c.data));
    let o = direction === 'egress' ? H2_PREFACE.length : 0;
    while (o + 9 <= bytes.length) {
      const length = bytes.readUIntBE(o, 3);
      if (bytes[o + 3] === type && (bytes.readUInt32BE(o + 5) & 0x7fffffff) === streamId) return { at: o + 9, length };
      o += 9 + length;
    }
    throw new Error('frame not found');
  }

  /** The same conversation with `len` bytes of one direction removed at `at`. */
  function drop(direction: 'egress' | 'ingress', at: number, len: number): StreamChunk[] {
    const out: StreamChunk[] = [];
    for (const c of toChunks(turns)) {
      if (c.direction !== direction) {
        out.push(c);
        continue;
      }
      const end = c.pos + c.data.length;
      if (end <= at || c.pos >= at + len) out.push(c);
      else {
        if (c.pos < at) out.push({ ...c, data: c.data.subarray(0, at - c.pos) });
        if (end > at + len) out.push({ ...c, pos: at + len, data: c.data.subarray(at + len - c.pos) });
      }
    }
    return out;
  }

  it('survives a gap inside a DATA payload, flagging only that stream', () => {
    const data = framePayload(toChunks(turns), 'ingress', 0x0, 1);
    const { exchanges, stats } = run(drop('ingress', data.at + 10, 20));
    expect(stats.gaveUp).toBeUndefined();
    expect(exchanges).toHaveLength(4);
    const hit = exchanges.find((e) => e.streamId === 1)!;
    expect(hit.gap).toBe(true);
    expect(hit.response!.bodyTruncated).toBe(true);
    expect(exchanges.filter((e) => e.gap)).toHaveLength(1);
  });

  it('stops the connection on a gap in a HEADERS frame, emitting in-flight streams flagged', () => {
    const headers = framePayload(toChunks(turns), 'ingress', 0x1, 3);
    const { exchanges, stats } = run(drop('ingress', headers.at + 1, 3));
    expect(stats.gaveUp).toBe('gap outside a DATA payload');
    const flagged = exchanges.filter((e) => e.gap);
    expect(flagged.length).toBeGreaterThan(0);
    for (const e of flagged) expect(e.incomplete).toBe(true);
    for (const e of exchanges.filter((x) => !x.gap)) expect(e.response?.status).toBe(200);
  });
});

function sorted(exchanges: HttpExchange[]): HttpExchange[] {
  return [...exchanges].sort((a, b) => a.streamId! - b.streamId!);
}

describe('h2 frames node:http2 does not send', () => {
  const frame = (type: number, flags: number, streamId: number, payload: Buffer) => {
    const head = Buffer.alloc(9);
    head.writeUIntBE(payload.length, 0, 3);
    head[3] = type;
    head[4] = flags;
    head.writeUInt32BE(streamId, 5);
    return Buffer.concat([head, payload]);
  };
  // :method GET, :path /, :scheme http, :authority (literal, not indexed) api.openai.com
  const requestBlock = Buffer.concat([Buffer.from([0x82, 0x84, 0x86, 0x01, 14]), Buffer.from('api.openai.com')]);
  const settings = frame(0x4, 0, 0, Buffer.alloc(0));
  const get = (id: number) => frame(0x1, 0x1 | 0x4, id, requestBlock);

  it('reads PADDED and PRIORITY headers, padded DATA, and CONTINUATION', () => {
    const padded = Buffer.concat([Buffer.from([3]), Buffer.from([0, 0, 0, 0, 16]), Buffer.from([0x88]), Buffer.alloc(3)]);
    const data = Buffer.concat([Buffer.from([2]), Buffer.from('{"ok":true}'), Buffer.alloc(2)]);
    const egress = Buffer.concat([H2_PREFACE, settings, frame(0x1, 0x1, 1, requestBlock.subarray(0, 6)), frame(0x9, 0x4, 1, requestBlock.subarray(6))]);
    const ingress = Buffer.concat([settings, frame(0x1, 0x4 | 0x8 | 0x20, 1, padded), frame(0x0, 0x1 | 0x8, 1, data)]);
    const { exchanges, stats } = run(toChunks([['egress', egress], ['ingress', ingress]]));
    expect(stats.gaveUp).toBeUndefined();
    expect(exchanges.map((e) => [e.streamId, e.request.method, e.request.authority, e.response?.status, text(e.response!.body), e.incomplete])).toEqual([
      [1, 'GET', 'api.openai.com', 200, '{"ok":true}', false],
    ]);
  });

  it('emits a reset stream as incomplete and keeps parsing the others', () => {
    const egress = Buffer.concat([H2_PREFACE, settings, get(1), get(3)]);
    const ingress = Buffer.concat([settings, frame(0x3, 0, 1, Buffer.from([0, 0, 0, 8])), frame(0x1, 0x1 | 0x4, 3, Buffer.from([0x88]))]);
    const { exchanges } = run(toChunks([['egress', egress], ['ingress', ingress]]));
    expect(exchanges.map((e) => [e.streamId, e.response?.status, e.incomplete])).toEqual([
      [1, undefined, true],
      [3, 200, false],
    ]);
  });

  it('stops with a counted reason on a corrupt header block', () => {
    const egress = Buffer.concat([H2_PREFACE, settings, frame(0x1, 0x5, 1, Buffer.from([0xff, 0xff, 0xff]))]);
    const { exchanges, stats } = run(toChunks([['egress', egress]]));
    expect(exchanges).toEqual([]);
    expect(stats.gaveUp).toMatch(/^hpack: /);
    expect(stats.malformed).toBe(1);
  });

  it('flushes open streams as incomplete on close', () => {
    const { exchanges } = run(toChunks([['egress', Buffer.concat([H2_PREFACE, settings, get(1)])]]));
    expect(exchanges.map((e) => [e.streamId, e.response, e.incomplete])).toEqual([[1, undefined, true]]);
  });
});
