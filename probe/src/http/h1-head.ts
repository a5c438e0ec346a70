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

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const REQUEST_LINE = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+) (\S+) HTTP\/1\.[01]$/;
const STATUS_LINE = /^HTTP\/1\.[01] (\d{3})(?: .*)?$/;

/** Parses a head (without its final empty line); returns an error message when it is not HTTP/1.x. */
export function parseHead(bytes: Uint8Array, kind: MessageKind): RequestHead | ResponseHead | string {
  const lines = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1').split('\n');
  const first = stripCR(lines[0] ?? '');
  const headers = parseFields(lines);
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

function parseFields(lines: string[]): HttpHeaders | string {
  const headers: HttpHeaders = {};
  let last: string | undefined;
  for (let i = 1; i < lines.length; i++) {
    const line = stripCR(lines[i]!);
    if (line === '') continue;
    if (line[0] === ' ' || line[0] === '\t') {
      // obs-fold: a continuation of the previous field's value.
      if (last === undefined) return 'header continuation without a field';
      headers[last] += ` ${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon).toLowerCase() : '';
    if (!TOKEN.test(name)) return `malformed header line: ${JSON.stringify(line.slice(0, 64))}`;
    const value = line.slice(colon + 1).trim();
    const prior = headers[name];
    headers[name] = prior === undefined ? value : `${prior}${name === 'set-cookie' ? '\n' : ', '}${value}`;
    last = name;
  }
  return headers;
}

function stripCR(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}

/** Content-Length as a number; undefined when absent; an error for a malformed or conflicting value. */
export function contentLength(headers: HttpHeaders): number | undefined | string {
  const raw = headers['content-length'];
  if (raw === undefined) return undefined;
  const values = new Set(raw.split(',').map((v) => v.trim()));
  const [only] = values;
  if (values.size !== 1 || only === undefined || !/^\d{1,15}$/.test(only)) return `bad content-length ${JSON.stringify(raw)}`;
  return Number(only);
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
