// Splits a POST /logs body into records, whatever framing the sender used:
//  - one JSON object (Fluentd out_http, json_array false, one record per request)
//  - a JSON array (Fluentd json_array true; Fluent Bit `format json`)
//  - newline-delimited JSON (Fluentd default ndjson; Fluent Bit json_lines)
//  - concatenated JSON without separators (Fluent Bit json_stream)
//  - Fluent Bit's `[timestamp, record]` event form
// A malformed record is reported with its line number and does not stop the others.

export interface FramedRecord {
  /** 1-based line of the body where the record starts. */
  line: number;
  /** The record's source text (its stable id is derived from it). */
  raw: string;
  value: Record<string, unknown>;
}

export interface FrameError {
  line: number;
  message: string;
}

export interface Framed {
  records: FramedRecord[];
  errors: FrameError[];
}

function describe(v: unknown): string {
  return Array.isArray(v) ? 'an array' : v === null ? 'null' : `a ${typeof v}`;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Fluent Bit's event form: [timestamp, record]. */
function isEventPair(v: unknown): v is [number, Record<string, unknown>] {
  return Array.isArray(v) && v.length === 2 && typeof v[0] === 'number' && isObject(v[1]);
}

function asRecord(v: unknown): Record<string, unknown> | undefined {
  if (isObject(v)) return v;
  if (isEventPair(v)) return { date: v[0], ...v[1] };
  return undefined;
}

function pushValue(out: Framed, line: number, raw: string): void {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (err) {
    out.errors.push({ line, message: `invalid JSON: ${(err as Error).message}` });
    return;
  }
  const record = asRecord(value);
  if (record) out.records.push({ line, raw, value: record });
  else out.errors.push({ line, message: `a log record must be a JSON object, got ${describe(value)}` });
}

interface Piece {
  start: number;
  end: number;
  line: number;
}

/**
 * Top-level values of `text` from `from`, separated by whitespace or commas, stopping at an
 * unmatched closing bracket. Strings and escapes are honoured; nothing is parsed here.
 */
function scanValues(text: string, from: number, startLine: number): { pieces: Piece[]; end: number } {
  const pieces: Piece[] = [];
  let line = startLine;
  let i = from;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 10) line++;
    if (c === 10 || c === 13 || c === 32 || c === 9 || c === 44) {
      i++;
      continue;
    }
    if (c === 93 || c === 125) return { pieces, end: i }; // ] or }: the enclosing array ends
    const start = i;
    const startAt = line;
    let depth = 0;
    let inString = false;
    for (; i < n; i++) {
      const ch = text.charCodeAt(i);
      if (ch === 10) line++;
      if (inString) {
        if (ch === 92) i++; // backslash: skip the escaped char
        else if (ch === 34) inString = false;
        continue;
      }
      if (ch === 34) inString = true;
      else if (ch === 123 || ch === 91) depth++;
      else if (ch === 125 || ch === 93) {
        if (depth === 0) break;
        depth--;
        if (depth === 0) {
          i++;
          break;
        }
      } else if (depth === 0 && (ch === 44 || ch === 10 || ch === 13 || ch === 32 || ch === 9)) break;
    }
    pieces.push({ start, end: i, line: startAt });
  }
  return { pieces, end: n };
}

function lineOf(text: string, index: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

function frameArray(text: string, open: number, out: Framed): void {
  const { pieces, end } = scanValues(text, open + 1, lineOf(text, open));
  for (const p of pieces) pushValue(out, p.line, text.slice(p.start, p.end));
  if (text.charCodeAt(end) !== 93 || text.slice(end + 1).trim().length > 0) {
    out.errors.push({ line: lineOf(text, end), message: 'JSON array is not closed by a final "]"' });
  }
}

function frameLines(text: string, out: Framed): void {
  let lineNo = 0;
  let pos = 0;
  while (pos <= text.length) {
    const nl = text.indexOf('\n', pos);
    const stop = nl === -1 ? text.length : nl;
    lineNo++;
    const line = text.slice(pos, stop).trim();
    pos = stop + 1;
    if (line.length === 0) continue;
    const before = out.errors.length;
    pushValue(out, lineNo, line);
    // json_stream: several objects back to back on one line.
    if (out.errors.length > before && line.includes('}{')) {
      const { pieces } = scanValues(line, 0, lineNo);
      if (pieces.length > 1) {
        out.errors.pop();
        for (const p of pieces) pushValue(out, lineNo, line.slice(p.start, p.end));
      }
    }
  }
}

export function frameRecords(text: string): Framed {
  const out: Framed = { records: [], errors: [] };
  const first = text.search(/\S/);
  if (first === -1) return out;
  if (text[first] === '[') {
    // A whole array body, or one Fluent Bit [timestamp, record] event.
    try {
      const whole: unknown = JSON.parse(text);
      if (isEventPair(whole)) {
        pushValue(out, lineOf(text, first), text.trim());
        return out;
      }
    } catch {
      // fall through: element-by-element framing reports what is wrong and where
    }
    frameArray(text, first, out);
    return out;
  }
  const firstNewline = text.indexOf('\n', first);
  if (text[first] === '{' && firstNewline !== -1 && !text.slice(first, firstNewline).trimEnd().endsWith('}')) {
    // A pretty-printed single object spans several lines (its first line does not close it;
    // an ndjson line does).
    try {
      const whole: unknown = JSON.parse(text);
      if (isObject(whole)) {
        out.records.push({ line: lineOf(text, first), raw: text.trim(), value: whole });
        return out;
      }
    } catch {
      // not one object: frame line by line
    }
  }
  frameLines(text, out);
  return out;
}
