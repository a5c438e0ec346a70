// Total accessors over parsed JSON: provider bodies are untrusted, so every read checks its type
// instead of casting.

export type JsonObject = Record<string, unknown>;

export function obj(v: unknown): JsonObject | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as JsonObject) : undefined;
}

export function arr(v: unknown): unknown[] | undefined {
  return Array.isArray(v) ? v : undefined;
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** A token count: a non-negative integer, or undefined. */
export function count(v: unknown): number | undefined {
  const n = num(v);
  return n !== undefined && n >= 0 && Number.isInteger(n) ? n : undefined;
}

export function bool(v: unknown): boolean | undefined {
  return typeof v === 'boolean' ? v : undefined;
}

/** Walks a path of keys and indexes; undefined as soon as a step does not exist. */
export function get(v: unknown, ...path: (string | number)[]): unknown {
  let cur = v;
  for (const key of path) {
    if (typeof key === 'number') cur = arr(cur)?.[key];
    else cur = obj(cur)?.[key];
    if (cur === undefined) return undefined;
  }
  return cur;
}

export function parseJson(text: string): unknown {
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** One JSON value per non-empty line (NDJSON); unparsable lines (e.g. a cut-off last line) are skipped. */
export function parseJsonLines(text: string): unknown[] {
  const out: unknown[] = [];
  for (const line of text.split('\n')) {
    const v = parseJson(line.trim());
    if (v !== undefined) out.push(v);
  }
  return out;
}

const decoder = new TextDecoder('utf-8', { fatal: false });

export function decodeText(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

/**
 * A top-level string field read straight from JSON text: the fallback when a body was cut at the
 * capture limit and no longer parses (the model name usually sits near the start).
 */
export function scanStringField(text: string, field: string): string | undefined {
  const m = new RegExp(`"${field}"\\s*:\\s*"((?:[^"\\\\]|\\\\.){0,256})"`).exec(text);
  return m?.[1] === undefined ? undefined : (parseJson(`"${m[1]}"`) as string | undefined);
}

export function scanBoolField(text: string, field: string): boolean | undefined {
  const m = new RegExp(`"${field}"\\s*:\\s*(true|false)`).exec(text);
  return m ? m[1] === 'true' : undefined;
}

/** A simple field of a multipart/form-data body (audio uploads carry `model` this way). */
export function multipartField(text: string, name: string): string | undefined {
  const m = new RegExp(`name="${name}"\\r?\\n(?:[^\\r\\n]+\\r?\\n)*\\r?\\n([^\\r\\n]*)`).exec(text);
  return m?.[1];
}

/** Text of a message `content`: a string, or an array of parts whose `text` fields are joined. */
export function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  const parts = arr(content);
  if (!parts) return '';
  return parts
    .map((p) => str(get(p, 'text')) ?? (typeof get(p, 'content') === 'string' ? (get(p, 'content') as string) : ''))
    .filter((t) => t.length > 0)
    .join('\n');
}

/** `role: text` lines of a message list, for the optional prompt capture. */
export function transcript(messages: unknown, textKey = 'content'): string {
  return (arr(messages) ?? [])
    .map((m) => {
      const text = textOf(get(m, textKey));
      const role = str(get(m, 'role'));
      return text ? (role ? `${role}: ${text}` : text) : '';
    })
    .filter((l) => l.length > 0)
    .join('\n');
}
