// Pure parsing of one HTTP/1.x message head (start line + header fields).
import type { HttpHeaders } from './types.js';

export interface RequestHead {
  kind: 'request';
  method: string;
  path: string;
  headers: HttpHeaders;
}

export interface ResponseHead {
  kind: 'response';
  status: number;
  headers: HttpHeaders;
}

export type MessageKind = 'request' | 'response';

const REQUEST_LINE = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+) (\S+) HTTP\/1\.[01]$/;
const STATUS_LINE = /^HTTP\/1\.[01] (\d{3})(?: .*)?$/;

const LF = 0x0a;
const CR = 0x0d;
const COLON = 0x3a;

/** tchar of RFC 9110 by byte: 1 for a lower-case one, 2 for an upper-case letter. */
const TCHAR = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyz") TCHAR[c.charCodeAt(0)] = 1;
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZ') TCHAR[c.charCodeAt(0)] = 2;

/** What String.prototype.trim removes, among latin1 characters. */
function isBlank(b: number): boolean {
  return (b >= 0x09 && b <= 0x0d) || b === 0x20 || b === 0xa0;
}

/**
 * Parses a head (its final empty line may be included); returns an error message when it is not
 * HTTP/1.x. Works on the bytes (latin1, as the text of a head is): the fields are a head's bulk,
 * and slicing it into line strings cost more than the rest of the parse.
 */
export function parseHead(bytes: Uint8Array, kind: MessageKind): RequestHead | ResponseHead | string {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  let eol = buf.indexOf(LF);
  if (eol < 0) eol = buf.length;
  const first = buf.toString('latin1', 0, eol > 0 && buf[eol - 1] === CR ? eol - 1 : eol);
  const headers = parseFields(buf, eol + 1);
  if (typeof headers === 'string') return headers;
  if (kind === 'request') {
    const m = REQUEST_LINE.exec(first);
    if (!m) return `not an HTTP/1.x request line: ${JSON.stringify(first.slice(0, 64))}`;
    return { kind, method: m[1]!, path: m[2]!, headers };
  }
  const m = STATUS_LINE.exec(first);
  if (!m) return `not an HTTP/1.x status line: ${JSON.stringify(first.slice(0, 64))}`;
  return { kind, status: Number(m[1]), headers };
}

/** The field lines from `from` on: each line is [start, end) without its LF and one CR before it. */
function parseFields(buf: Buffer, from: number): HttpHeaders | string {
  const headers: HttpHeaders = {};
  let last: string | undefined;
  const n = buf.length;
  for (let start = from; start < n; ) {
    let next = buf.indexOf(LF, start);
    if (next < 0) next = n;
    const end = next > start && buf[next - 1] === CR ? next - 1 : next;
    const lineStart = start;
    start = next + 1;
    if (end === lineStart) continue;
    const c0 = buf[lineStart]!;
    if (c0 === 0x20 || c0 === 0x09) {
      // obs-fold: a continuation of the previous field's value.
      if (last === undefined) return 'header continuation without a field';
      headers[last] += ` ${buf.toString('latin1', lineStart, end).trim()}`;
      continue;
    }
    // The name: token characters up to the first colon, which must follow at least one.
    let p = lineStart;
    let hash = 0;
    for (; p < end; p++) {
      const b = buf[p]!;
      const t = TCHAR[b]!;
      if (t === 0) break;
      hash = (Math.imul(hash, 31) + (t === 2 ? b + 0x20 : b)) | 0;
    }
    if (p === lineStart || p === end || buf[p] !== COLON) {
      return `malformed header line: ${JSON.stringify(buf.toString('latin1', lineStart, end).slice(0, 64))}`;
    }
    const name = headerName(buf, lineStart, p, hash);
    let vs = p + 1;
    let ve = end;
    while (vs < ve && isBlank(buf[vs]!)) vs++;
    while (ve > vs && isBlank(buf[ve - 1]!)) ve--;
    const value = buf.toString('latin1', vs, ve);
    const prior = headers[name];
    headers[name] = prior === undefined ? value : `${prior}${name === 'set-cookie' ? '\n' : ', '}${value}`;
    last = name;
  }
  return headers;
}

/** Lower-case header names seen, by hash of their lower-cased bytes (a node sees a few dozen). */
const NAMES = new Map<number, string>();
const MAX_NAMES = 1024;

/**
 * The lower-case name of the token in buf[start, end): the remembered string when the bytes match
 * it, which saves a slice, a lower-casing and the interning of a fresh object key per field.
 */
function headerName(buf: Buffer, start: number, end: number, hash: number): string {
  const known = NAMES.get(hash);
  if (known !== undefined && known.length === end - start) {
    let i = 0;
    while (i < known.length && known.charCodeAt(i) === (buf[start + i]! | (TCHAR[buf[start + i]!] === 2 ? 0x20 : 0))) i++;
    if (i === known.length) return known;
  }
  const name = buf.toString('latin1', start, end).toLowerCase();
  if (known === undefined && NAMES.size < MAX_NAMES) NAMES.set(hash, name);
  return name;
}

/** Content-Length as a number; undefined when absent; an error for a malformed or conflicting value. */
export function contentLength(headers: HttpHeaders): number | undefined | string {
  const raw = headers['content-length'];
  if (raw === undefined) return undefined;
  if (isDigits(raw)) return Number(raw);
  // Repeated fields were joined with ", ": equal values are one length, different ones a conflict.
  const values = new Set(raw.split(',').map((v) => v.trim()));
  const [only] = values;
  if (values.size !== 1 || only === undefined || !isDigits(only)) return `bad content-length ${JSON.stringify(raw)}`;
  return Number(only);
}

/** 1 to 15 ASCII digits (a safe integer). */
function isDigits(s: string): boolean {
  if (s.length === 0 || s.length > 15) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

export function isChunked(headers: HttpHeaders): boolean {
  const te = headers['transfer-encoding'];
  return te !== undefined && te.toLowerCase().split(',').pop()?.trim() === 'chunked';
}

const METHODS = ['GET ', 'POST ', 'PUT ', 'DELETE ', 'PATCH ', 'HEAD ', 'OPTIONS '];

/**
 * How many of `bytes` (taken at a line start) agree with a plausible start line of `kind`:
 * 'yes' when the prefix is enough to try, 'maybe' when more bytes are needed, else 'no'.
 */
export function startLinePrefix(bytes: Uint8Array, kind: MessageKind): 'yes' | 'maybe' | 'no' {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, 12)).toString('latin1');
  if (kind === 'response') return statusLinePrefix(text);
  for (const m of METHODS) {
    if (text.startsWith(m)) return text.length > m.length ? (text[m.length] === '/' || text[m.length] === 'h' ? 'yes' : 'no') : 'maybe';
    if (m.startsWith(text)) return 'maybe';
  }
  return 'no';
}

/** "HTTP/1.x ddd", checked as far as the bytes go. */
function statusLinePrefix(text: string): 'yes' | 'maybe' | 'no' {
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    const ok = i < 7 ? c === 'HTTP/1.'[i] : i === 7 ? c === '0' || c === '1' : i === 8 ? c === ' ' : c >= '0' && c <= '9';
    if (!ok) return 'no';
  }
  return text.length >= 12 ? 'yes' : 'maybe';
}
