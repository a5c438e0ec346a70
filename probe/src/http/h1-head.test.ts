import { describe, expect, it } from 'vitest';
import { contentLength, parseHead } from './h1-head.js';

const head = (text: string) => Buffer.from(text, 'latin1');

describe('parseHead field lines (parsed over the bytes)', () => {
  it('lower-cases names, trims values, joins repeats and keeps set-cookie lines apart', () => {
    const h = parseHead(
      head('GET /a HTTP/1.1\r\nHost: x\r\nX-Dup: a\r\nx-dup:  b \t\r\nSet-Cookie: a=1\r\nSET-COOKIE: b=2\r\nEmpty:\r\n\r\n'),
      'request',
    );
    expect(h).toEqual({ kind: 'request', method: 'GET', path: '/a', headers: { host: 'x', 'x-dup': 'a, b', 'set-cookie': 'a=1\nb=2', empty: '' } });
  });

  it('accepts bare LF line ends and a head without its final empty line', () => {
    expect(parseHead(head('HTTP/1.0 204\nA: 1\nB:2'), 'response')).toEqual({ kind: 'response', status: 204, headers: { a: '1', b: '2' } });
  });

  it('trims what String.prototype.trim trims (NBSP, VT, FF, extra CR) and keeps other bytes as latin1', () => {
    const h = parseHead(head('HTTP/1.1 200 OK\r\nA: \xa0\x0bv\xe9\x0c\r\r\nB:\t\r\n\r\n'), 'response');
    expect(h).toEqual({ kind: 'response', status: 200, headers: { a: 'v\u00e9', b: '' } });
  });

  it('appends obs-fold continuation lines to the previous field', () => {
    const h = parseHead(head('HTTP/1.1 200 OK\r\nX-Fold: one\r\n  two \r\n\tthree\r\n\r\n'), 'response');
    expect(h).toMatchObject({ headers: { 'x-fold': 'one two three' } });
    expect(parseHead(head('HTTP/1.1 200 OK\r\n continued\r\n\r\n'), 'response')).toBe('header continuation without a field');
  });

  it.each([
    ['a name with a space', 'Bad Name: v'],
    ['a line without a colon', 'NoColon'],
    ['an empty name', ': v'],
    ['a non-token byte in the name', 'X\xe9: v'],
    ['a stray CR', '\r'],
    ['a space before the colon', 'Host : x'],
  ])('rejects %s, quoting the line', (_, line) => {
    const h = parseHead(head(`GET / HTTP/1.1\r\n${line}\r\n\r\n`), 'request');
    expect(h).toBe(`malformed header line: ${JSON.stringify(line)}`);
  });

  it('checks the fields before the start line, and quotes a bad start line', () => {
    expect(parseHead(head('GARBAGE\r\nbad line\r\n\r\n'), 'request')).toBe('malformed header line: "bad line"');
    expect(parseHead(head('GET / HTTP/2\r\nA: b\r\n\r\n'), 'request')).toBe('not an HTTP/1.x request line: "GET / HTTP/2"');
    expect(parseHead(head(''), 'response')).toBe('not an HTTP/1.x status line: ""');
  });

  it('names fields right whatever names were seen before (case, equal hashes of remembered names)', () => {
    // "a~" and "b_" hash alike (97·31 + 126 = 98·31 + 95): the remembered one must not stand in for the other.
    const first = parseHead(head('HTTP/1.1 200 OK\r\nA~: 1\r\nX-Seen: 2\r\n\r\n'), 'response');
    const second = parseHead(head('HTTP/1.1 200 OK\r\nb_: 3\r\nx-seen: 4\r\nX-SEEN: 5\r\nx-seen2: 6\r\n\r\n'), 'response');
    expect(first).toMatchObject({ headers: { 'a~': '1', 'x-seen': '2' } });
    expect(second).toMatchObject({ headers: { b_: '3', 'x-seen': '4, 5', 'x-seen2': '6' } });
  });

  it('reads a head that is a view into a larger buffer', () => {
    const whole = head('xxHTTP/1.1 200 OK\r\nA: 1\r\n\r\nyy');
    expect(parseHead(new Uint8Array(whole.buffer, whole.byteOffset + 2, whole.length - 4), 'response')).toEqual({ kind: 'response', status: 200, headers: { a: '1' } });
  });
});

describe('contentLength', () => {
  it('reads one value, and repeats of the same value', () => {
    expect(contentLength({ 'content-length': '293' })).toBe(293);
    expect(contentLength({ 'content-length': '0' })).toBe(0);
    expect(contentLength({ 'content-length': '12, 12' })).toBe(12);
    expect(contentLength({})).toBeUndefined();
  });

  it.each(['', '-1', '1.5', '0x10', '1 2', '12, 13', '1234567890123456', ', 5'])('rejects %j', (raw) => {
    expect(contentLength({ 'content-length': raw })).toBe(`bad content-length ${JSON.stringify(raw)}`);
  });
});
