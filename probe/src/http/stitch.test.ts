import { describe, expect, it } from 'vitest';
import * as f from './fixtures/h1.js';
import { run, toChunks } from './fixtures/feed.js';
import { H2_PREFACE } from './h2.js';
import { createConnectionParser, detectProtocol } from './stitch.js';
import type { HttpExchange, StreamChunk } from './types.js';

const chunk = (direction: 'egress' | 'ingress', data: string | Buffer, pos = 0): StreamChunk => ({ direction, pos, data: typeof data === 'string' ? f.enc(data) : data, tsNs: 1 });

describe('protocol and role detection', () => {
  it.each([
    ['egress', 'POST /v1/chat/completions HTTP/1.1\r\n', { protocol: 'http/1.1', role: 'client' }],
    ['ingress', 'GET /healthz HTTP/1.1\r\n', { protocol: 'http/1.1', role: 'server' }],
    ['ingress', 'HTTP/1.1 200 OK\r\n', { protocol: 'http/1.1', role: 'client' }],
    ['egress', 'HTTP/1.1 503 Service Unavailable\r\n', { protocol: 'http/1.1', role: 'server' }],
    ['egress', H2_PREFACE, { protocol: 'h2', role: 'client' }],
    ['ingress', H2_PREFACE, { protocol: 'h2', role: 'server' }],
    ['egress', 'PO', 'wait'],
    ['egress', H2_PREFACE.subarray(0, 10), 'wait'],
    ['ingress', Buffer.from('000006040000000000', 'hex'), 'wait'],
    ['egress', '\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03', 'not-http'],
    ['egress', '{"jsonrpc":"2.0"}', 'not-http'],
    ['ingress', 'SSH-2.0-OpenSSH_9.6\r\n', 'not-http'],
  ] as const)('%s %j → %j', (direction, bytes, expected) => {
    expect(detectProtocol([chunk(direction, bytes as string | Buffer)])).toEqual(expected);
  });
});

describe('connection parser positions', () => {
  it('keeps only the new bytes of a re-delivered chunk', () => {
    const chunks = toChunks([['egress', f.openaiJsonRequest], ['ingress', f.openaiJsonResponse]], (len) => [Math.floor(len / 2)]);
    const again = { ...chunks[1]!, pos: chunks[1]!.pos - 10, data: Buffer.concat([chunks[0]!.data.subarray(-10), chunks[1]!.data]) };
    const { exchanges, stats } = run([chunks[0]!, again, ...chunks.slice(2)]);
    expect(exchanges).toHaveLength(1);
    expect(exchanges[0]!.request.body.length).toBe(f.chatRequestBody.length);
    expect([exchanges[0]!.gap, stats.droppedBytes]).toEqual([false, 10]);
  });

  it('parses a connection joined mid-stream from its first whole message', () => {
    const { exchanges } = run([
      chunk('egress', f.anthropicRequest, 5000),
      { ...chunk('ingress', f.anthropicGzipChunkedResponse, 9000), tsNs: 2 },
    ]);
    expect(exchanges.map((e) => [e.request.path, e.response?.status, e.gap])).toEqual([['/v1/messages', 200, false]]);
  });

  it('skips chunks of a connection joined inside a body until one starts like HTTP', () => {
    const tail = f.enc('"content":"...rest of a previous response"}]}');
    const { exchanges, stats } = run([
      { ...chunk('ingress', tail, 7000), tsNs: 1 },
      { ...chunk('egress', f.openaiJsonRequest, 3000), tsNs: 2 },
      { ...chunk('ingress', f.openaiJsonResponse, 7000 + tail.length), tsNs: 3 },
    ]);
    expect(exchanges.map((e) => [e.request.path, e.response?.status, e.gap])).toEqual([['/v1/chat/completions', 200, false]]);
    expect(stats.droppedBytes).toBe(tail.length);
  });

  it('still refuses a stream that starts at position 0 with non-HTTP bytes', () => {
    expect(run([chunk('ingress', '"content":"x"}')]).stats.gaveUp).toBe('not-http');
  });

  it('waits for the client preface when the server SETTINGS frame comes first, within a bound', () => {
    const exchanges: HttpExchange[] = [];
    const parser = createConnectionParser({ maxHeaderBytes: 256 }, (e) => exchanges.push(e));
    parser.push(chunk('ingress', Buffer.from('000000040000000000', 'hex')));
    expect(parser.stats().protocol).toBe('unknown');
    expect(parser.stats().gaveUp).toBeUndefined();
    parser.push(chunk('ingress', Buffer.alloc(300), 9));
    expect(parser.stats().gaveUp).toBe('undetected');
    expect(parser.stats().retainedBytes).toBe(0);
  });

  it('counts what arrives after giving up', () => {
    const parser = createConnectionParser({}, () => undefined);
    parser.push(chunk('egress', 'not http at all'));
    parser.push(chunk('egress', 'more', 15));
    expect(parser.stats()).toMatchObject({ gaveUp: 'not-http', droppedBytes: 19 });
  });

  it('rejects invalid options with a clear error', () => {
    expect(() => createConnectionParser({ bodyCap: -1 }, () => undefined)).toThrow(/invalid HTTP parser options/);
    expect(() => createConnectionParser({ sseMaxEvents: 4, sseTailEvents: 4 }, () => undefined)).toThrow(/sseTailEvents/);
  });

  it('stops at a protocol upgrade, counting the rest', () => {
    const { exchanges, stats } = run(
      toChunks([
        ['egress', f.enc('GET /v1/realtime HTTP/1.1\r\nHost: api.openai.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n')],
        ['ingress', f.enc('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n\x81\x05hello')],
        ['egress', f.enc('\x81\x85abcd')],
      ]),
    );
    expect(exchanges.map((e) => e.response?.status)).toEqual([101]);
    expect(stats.gaveUp).toBe('upgrade');
    expect(stats.droppedBytes).toBeGreaterThan(0);
  });
});
