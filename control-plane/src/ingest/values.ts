// Small total accessors for untrusted JSON: each returns undefined instead of throwing, so
// adapters can read optional fields of foreign payloads without a schema per vendor version.
export type Json = Record<string, unknown>;

export function isRecord(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function rec(v: unknown): Json {
  return isRecord(v) ? v : {};
}

/** A non-empty string, or a finite number/boolean rendered as one. */
export function str(v: unknown): string | undefined {
  if (typeof v === 'string') return v.length > 0 ? v : undefined;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v === 'boolean') return String(v);
  return undefined;
}

export function firstStr(...vs: unknown[]): string | undefined {
  for (const v of vs) {
    const s = str(v);
    if (s !== undefined) return s;
  }
  return undefined;
}

/** The string-valued entries of an object (labels, tags, details); other values are skipped. */
export function stringMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isRecord(v)) return out;
  for (const [k, val] of Object.entries(v)) {
    const s = str(val);
    if (s !== undefined) out[k] = s;
  }
  return out;
}

// Go's zero time ("0001-01-01T00:00:00Z") means "not set" in Alertmanager and Grafana payloads.
const EARLIEST_REAL_TIME = Date.UTC(1971, 0, 1);

/**
 * An ISO-8601 UTC timestamp from an RFC 3339 string (any fraction length, any offset) or an
 * epoch number / digit string in seconds, milliseconds, microseconds or nanoseconds.
 */
export function toIso(v: unknown): string | undefined {
  let ms: number;
  if (typeof v === 'number' || (typeof v === 'string' && /^\d+(\.\d+)?$/.test(v))) {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) return undefined;
    ms = n < 1e11 ? n * 1000 : n < 1e14 ? n : n < 1e17 ? n / 1e3 : n / 1e6;
  } else if (typeof v === 'string') {
    ms = Date.parse(v);
  } else {
    return undefined;
  }
  if (!Number.isFinite(ms) || ms < EARLIEST_REAL_TIME || ms > 8.64e15) return undefined;
  return new Date(ms).toISOString();
}

export function truncate(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

/** The object without its undefined entries (keeps Signals' attribute maps tidy). */
export function compact<T extends Record<string, unknown>>(o: T): Partial<T> {
  const out: Record<string, unknown> = {};
  for (const key in o) if (o[key] !== undefined) out[key] = o[key];
  return out as Partial<T>;
}
