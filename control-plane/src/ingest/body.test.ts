import { deflateSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeBody, mediaType, nestsDeeperThan, requireMediaType } from './body.js';
import { IngestError } from './errors.js';

const codeOf = (f: () => unknown) => {
  try {
    f();
  } catch (err) {
    return [(err as IngestError).statusCode, (err as IngestError).code];
  }
  return undefined;
};

describe('body decoding', () => {
  it('reads media types without parameters, case-insensitively', () => {
    expect(mediaType('Application/JSON; charset=utf-8')).toBe('application/json');
    expect(mediaType('')).toBeUndefined();
    expect(codeOf(() => requireMediaType('text/xml', ['application/json']))).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
  });

  it('undoes gzip and deflate, bounding the inflated size', () => {
    expect(decodeBody(gzipSync('{"a":1}'), 'gzip', 100)).toBe('{"a":1}');
    expect(decodeBody(deflateSync('{"a":1}'), 'deflate', 100)).toBe('{"a":1}');
    expect(codeOf(() => decodeBody(gzipSync('x'.repeat(1000)), 'gzip', 100))).toEqual([413, 'INFLATED_BODY_TOO_LARGE']);
    expect(codeOf(() => decodeBody(Buffer.from('not gzip'), 'gzip', 100))).toEqual([400, 'BAD_CONTENT_ENCODING']);
    expect(codeOf(() => decodeBody(Buffer.from('x'), 'br', 100))).toEqual([415, 'UNSUPPORTED_CONTENT_ENCODING']);
    expect(codeOf(() => decodeBody(Buffer.alloc(0), undefined, 100))).toEqual([400, 'EMPTY_BODY']);
  });

  it('measures nesting with bounded recursion', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = { a: deep };
    expect(nestsDeeperThan(deep, 32)).toBe(true);
    expect(nestsDeeperThan({ a: [{ b: [1] }] }, 4)).toBe(false);
    expect(nestsDeeperThan({ a: [{ b: [1] }] }, 3)).toBe(true);
    expect(nestsDeeperThan('x', 0)).toBe(false);
  });
});
