import { deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { BodyBuffer, Budget, decodeBody } from './body.js';

const json = Buffer.from(JSON.stringify({ usage: { total_tokens: 42 }, pad: 'x'.repeat(2000) }));

describe('decodeBody', () => {
  it.each([
    ['gzip', gzipSync(json)],
    ['x-gzip', gzipSync(json)],
    ['deflate', deflateSync(json)],
    ['deflate', deflateRawSync(json)],
  ])('undoes %s', (encoding, wire) => {
    const out = decodeBody(wire, false, encoding, 1 << 20);
    expect(Buffer.from(out.body).equals(json)).toBe(true);
    expect(out.decodeError).toBeUndefined();
  });

  it('keeps a corrupt body raw and says why', () => {
    const wire = gzipSync(json);
    wire[20] = wire[20]! ^ 0xff;
    const out = decodeBody(wire, false, 'gzip', 1 << 20);
    expect(out.body).toBe(wire);
    expect(out.decodeError).toBe('corrupt gzip body');
  });

  it('keeps a truncated body raw without trying', () => {
    const wire = gzipSync(json).subarray(0, 30);
    expect(decodeBody(wire, true, 'gzip', 1 << 20)).toEqual({ body: wire, bodyTruncated: true, decodeError: 'body incomplete, not decoded' });
  });

  it('keeps the wire bytes when decoding would exceed the cap', () => {
    expect(decodeBody(gzipSync(json), false, 'gzip', 100).decodeError).toBe('decoded body exceeds the body cap');
  });

  it('names an unsupported coding and passes identity through', () => {
    expect(decodeBody(json, false, 'zstd', 1 << 20).decodeError).toBe('unsupported content-encoding zstd');
    expect(decodeBody(json, false, 'identity', 1 << 20).body).toBe(json);
  });
});

describe('BodyBuffer', () => {
  it('keeps up to its cap, counts every wire byte, and returns its budget', () => {
    const budget = new Budget(1000);
    const body = new BodyBuffer(10, budget);
    body.append(Buffer.from('0123456'));
    body.append(Buffer.from('789abc'));
    body.lose(5);
    expect(budget.used).toBe(10);
    expect(Buffer.from(body.take()).toString()).toBe('0123456789');
    expect([body.wireBytes, body.truncated, budget.used]).toEqual([18, true, 0]);
  });

  it('appends a range of a larger chunk, counting only that range', () => {
    const budget = new Budget(1000);
    const body = new BodyBuffer(6, budget);
    const chunk = Buffer.from('..0123..4567..');
    body.append(chunk, 2, 6);
    body.append(chunk, 8, 12);
    expect([Buffer.from(body.take()).toString(), body.wireBytes, body.truncated]).toEqual(['012345', 8, true]);
  });

  it('sizes a body by its first piece, and a stream or a body past the pool for tens of KB', () => {
    const budget = new Budget(1 << 20);
    const body = new BodyBuffer(1 << 20, budget);
    body.append(Buffer.alloc(100));
    expect([body.capacity, budget.used]).toEqual([100, 100]);
    body.append(Buffer.alloc(100));
    expect(body.capacity).toBe(200);
    body.append(Buffer.alloc(5000));
    expect(body.capacity).toBe(32 * 1024);
    const stream = new BodyBuffer(1 << 20, budget, true);
    stream.append(Buffer.alloc(100));
    expect([stream.capacity, budget.used]).toEqual([32 * 1024, 64 * 1024]);
    const capped = new BodyBuffer(1000, budget, true);
    capped.append(Buffer.alloc(100));
    expect(capped.capacity).toBe(1000);
  });

  it('stops keeping when the connection budget is spent', () => {
    const budget = new Budget(4);
    const a = new BodyBuffer(10, budget);
    a.append(Buffer.from('abcdef'));
    expect([a.kept, a.truncated, budget.used]).toEqual([4, true, 4]);
  });
});
