import { describe, expect, it } from 'vitest';
import { HpackDecoder } from './hpack.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('HPACK decoder', () => {
  it('decodes the RFC 7541 C.4 requests (Huffman strings, dynamic table across blocks)', () => {
    const d = new HpackDecoder(4096);
    expect(d.decode(hex('8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff'))).toEqual([
      [':method', 'GET'],
      [':scheme', 'http'],
      [':path', '/'],
      [':authority', 'www.example.com'],
    ]);
    expect(d.tableBytes).toBe(57);
    expect(d.decode(hex('8286 84be 5886 a8eb 1064 9cbf'))).toEqual([
      [':method', 'GET'],
      [':scheme', 'http'],
      [':path', '/'],
      [':authority', 'www.example.com'],
      ['cache-control', 'no-cache'],
    ]);
    expect(d.tableBytes).toBe(110);
  });

  it('returns an error instead of throwing on a bad index or a cut block', () => {
    expect(new HpackDecoder(4096).decode(hex('be'))).toBeInstanceOf(Error);
    expect(new HpackDecoder(4096).decode(hex('418cf1e3'))).toBeInstanceOf(Error);
  });

  it('refuses a table size update above what SETTINGS and the cap allow', () => {
    const d = new HpackDecoder(8192);
    expect(d.decode(hex('3fe13f'))).toBeInstanceOf(Error); // size update to 8192 before SETTINGS
    const allowed = new HpackDecoder(8192);
    allowed.allowTableSize(1 << 20);
    expect(allowed.decode(hex('3fe13f'))).toEqual([]); // 8192: within the cap
    expect(allowed.decode(hex('3fe17f'))).toBeInstanceOf(Error); // 16384: above the cap
  });
});
