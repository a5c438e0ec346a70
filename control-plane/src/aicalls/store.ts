// The AI calls seen by the sensors, kept in memory as columns: a ring of typed arrays (numbers)
// and interned string ids, so a million rows cost ~100 MB and a filtered scan over all of them
// takes milliseconds. Past `capacity`, the oldest row is overwritten (counted in `evicted`).
import { Interner } from './interner.js';

export interface AiCallRow {
  id: string;
  time: string;
  node: string;
  namespace?: string;
  pod?: string;
  container?: string;
  workload?: string;
  provider: string;
  model?: string;
  endpoint?: string;
  method?: string;
  path?: string;
  status?: number;
  error?: string;
  latencyMs?: number;
  ttftMs?: number;
  tokensIn?: number;
  tokensOut?: number;
  costUsd?: number;
  streaming?: boolean;
}

export interface AiCallFilter {
  namespace?: string;
  pod?: string;
  provider?: string;
  model?: string;
  /** ok (no error), error (HTTP ≥ 400 or a transport/API error), or one HTTP status code. */
  status?: 'ok' | 'error' | number;
  /** Epoch milliseconds, inclusive. */
  since?: number;
  until?: number;
}

export const SERIES_KEYS = ['namespace', 'model', 'provider'] as const;
export type SeriesKey = (typeof SERIES_KEYS)[number];

export interface SeriesPoint {
  t: string;
  calls: number;
  errors: number;
  tokensIn: number;
  tokensOut: number;
  costUsd: number;
  latencyP50Ms: number | null;
  latencyP95Ms: number | null;
}

export interface Series {
  from: string;
  to: string;
  step: number;
  by: SeriesKey;
  series: { key: string; points: SeriesPoint[] }[];
}

const STRING_FIELDS = ['node', 'namespace', 'pod', 'container', 'workload', 'provider', 'model', 'endpoint', 'method', 'path', 'error'] as const;
type StringField = (typeof STRING_FIELDS)[number];

const ERROR = 1;
const STREAMING = 2;
const STREAMING_KNOWN = 4;

/** Series beyond this many keys (by call count) are summed into one "(other)" series. */
export const MAX_SERIES_KEYS = 20;
/** Most buckets one series query may ask for. */
export const MAX_SERIES_BUCKETS = 1440;
// Latency histogram per bucket: bin b ≥ 1 holds [2^((b-1)/4), 2^(b/4)) ms, so a percentile is
// within ±9 %; 96 bins reach 2^24 ms (4.6 h).
const BINS = 96;
const binOfExact = (ms: number): number => (ms < 1 ? 0 : Math.min(BINS - 1, 1 + Math.floor(4 * Math.log2(ms))));
// The bin of each whole millisecond below a minute, looked up instead of a log per row.
const BIN_TABLE = Uint8Array.from({ length: 60_000 }, (_, ms) => binOfExact(ms));
const binOf = (ms: number): number => (ms < 60_000 ? BIN_TABLE[ms | 0]! : binOfExact(ms));
const binValue = (b: number): number => (b === 0 ? 0.5 : Math.round(2 ** ((b - 0.5) / 4) * 10) / 10);

export class AiCallStore {
  readonly capacity: number;
  private readonly strings = new Interner();
  private readonly ids: (string | undefined)[];
  private readonly time: Float64Array;
  private readonly cols: Record<StringField, Uint32Array>;
  private readonly status: Uint16Array;
  private readonly flags: Uint8Array;
  private readonly latency: Float32Array;
  private readonly ttft: Float32Array;
  private readonly tokensIn: Int32Array;
  private readonly tokensOut: Int32Array;
  private readonly cost: Float64Array;
  private start = 0;
  private count = 0;
  readonly stats = { added: 0, evicted: 0 };

  constructor(capacity = 1_000_000) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`AI-call store capacity must be a positive integer, got ${capacity}`);
    this.capacity = capacity;
    this.ids = new Array<string | undefined>(capacity);
    this.time = new Float64Array(capacity);
    this.cols = Object.fromEntries(STRING_FIELDS.map((f) => [f, new Uint32Array(capacity)])) as Record<StringField, Uint32Array>;
    this.status = new Uint16Array(capacity);
    this.flags = new Uint8Array(capacity);
    this.latency = new Float32Array(capacity);
    this.ttft = new Float32Array(capacity);
    this.tokensIn = new Int32Array(capacity);
    this.tokensOut = new Int32Array(capacity);
    this.cost = new Float64Array(capacity);
  }

  get size(): number {
    return this.count;
  }

  /** Bytes held by the numeric and string-id columns (allocated up front for `capacity` rows). */
  get columnBytes(): number {
    const cols = [this.time, this.status, this.flags, this.latency, this.ttft, this.tokensIn, this.tokensOut, this.cost, ...Object.values(this.cols)];
    return cols.reduce((n, c) => n + c.byteLength, 0);
  }

  add(row: AiCallRow): void {
    let i: number;
    if (this.count < this.capacity) {
      i = (this.start + this.count) % this.capacity;
      this.count += 1;
    } else {
      i = this.start;
      this.start = (this.start + 1) % this.capacity;
      for (const f of STRING_FIELDS) this.strings.release(this.cols[f][i]!);
      this.stats.evicted += 1;
    }
    this.stats.added += 1;
    this.ids[i] = row.id;
    this.time[i] = Date.parse(row.time);
    for (const f of STRING_FIELDS) this.cols[f][i] = this.strings.acquire(row[f]);
    this.status[i] = row.status ?? 0;
    this.flags[i] =
      (isError(row) ? ERROR : 0) | (row.streaming ? STREAMING : 0) | (row.streaming !== undefined ? STREAMING_KNOWN : 0);
    this.latency[i] = row.latencyMs ?? NaN;
    this.ttft[i] = row.ttftMs ?? NaN;
    this.tokensIn[i] = row.tokensIn ?? -1;
    this.tokensOut[i] = row.tokensOut ?? -1;
    this.cost[i] = row.costUsd ?? NaN;
  }

  /** Newest first (by arrival); `total` counts every match. */
  list(filter: AiCallFilter, limit: number, offset = 0): { items: AiCallRow[]; total: number } {
    const match = this.matcher(filter);
    const items: AiCallRow[] = [];
    if (!match) return { items, total: 0 };
    let total = 0;
    for (let k = this.count - 1; k >= 0; k--) {
      const i = this.slot(k);
      if (!match(i)) continue;
      total += 1;
      if (total > offset && items.length < limit) items.push(this.row(i));
    }
    return { items, total };
  }

  /** Totals over every stored row, for the stats route. */
  totals(): { total: number; errors: number; tokensIn: number; tokensOut: number; costUsd: number } {
    const out = { total: this.count, errors: 0, tokensIn: 0, tokensOut: 0, costUsd: 0 };
    for (let i = 0; i < this.count; i++) {
      if (this.flags[i]! & ERROR) out.errors += 1;
      if (this.tokensIn[i]! > 0) out.tokensIn += this.tokensIn[i]!;
      if (this.tokensOut[i]! > 0) out.tokensOut += this.tokensOut[i]!;
      if (!Number.isNaN(this.cost[i])) out.costUsd += this.cost[i]!;
    }
    out.costUsd = round6(out.costUsd);
    return out;
  }

  /** Per-key time buckets over [since, until): calls, errors, tokens, cost and latency percentiles. */
  series(opts: { since: number; until: number; stepMs: number; by: SeriesKey }): Series {
    const { since, until, stepMs, by } = opts;
    const buckets = Math.max(1, Math.ceil((until - since) / stepMs));
    if (buckets > MAX_SERIES_BUCKETS) throw new RangeError(`${buckets} buckets asked for; at most ${MAX_SERIES_BUCKETS} (widen step or narrow the range)`);
    const col = this.cols[by];
    const { time } = this;
    // Pass 1: calls per key (indexed by string id), to keep the busiest MAX_SERIES_KEYS and fold
    // the rest into "(other)".
    // Aggregates do not care about order: slots [0, count) are exactly the stored rows.
    const perKey = new Uint32Array(this.strings.capacity);
    for (let i = 0; i < this.count; i++) {
      const t = time[i]!;
      if (t < since || t >= until) continue;
      perKey[col[i]!]! += 1;
    }
    const ranked: number[] = [];
    perKey.forEach((n, key) => {
      if (n > 0) ranked.push(key);
    });
    ranked.sort((a, b) => perKey[b]! - perKey[a]!);
    const otherSlot = MAX_SERIES_KEYS;
    const slotOf = new Int32Array(perKey.length).fill(otherSlot);
    ranked.slice(0, MAX_SERIES_KEYS).forEach((key, n) => (slotOf[key] = n));
    const names = ranked.slice(0, MAX_SERIES_KEYS).map((key) => (key === 0 ? '(none)' : this.strings.get(key)!));
    if (ranked.length > MAX_SERIES_KEYS) names.push('(other)');
    // Pass 2: the sums, in two flat arrays: [key][bucket][5 sums] and [key][bucket][BINS].
    const sum = new Float64Array(names.length * buckets * 5);
    const hist = new Uint32Array(names.length * buckets * BINS);
    const { flags, tokensIn, tokensOut, cost, latency } = this;
    for (let i = 0; i < this.count; i++) {
      const t = time[i]!;
      if (t < since || t >= until) continue;
      const cell = slotOf[col[i]!]! * buckets + Math.floor((t - since) / stepMs);
      const o = cell * 5;
      sum[o]! += 1;
      if (flags[i]! & ERROR) sum[o + 1]! += 1;
      if (tokensIn[i]! > 0) sum[o + 2]! += tokensIn[i]!;
      if (tokensOut[i]! > 0) sum[o + 3]! += tokensOut[i]!;
      const c = cost[i]!;
      if (c === c) sum[o + 4]! += c;
      const lat = latency[i]!;
      if (lat === lat) hist[cell * BINS + binOf(lat)]! += 1;
    }
    return {
      from: new Date(since).toISOString(),
      to: new Date(until).toISOString(),
      step: stepMs / 1000,
      by,
      series: names.map((key, s) => ({
        key,
        points: Array.from({ length: buckets }, (_, b) => {
          const cell = s * buckets + b;
          const o = cell * 5;
          const h = hist.subarray(cell * BINS, (cell + 1) * BINS);
          return {
            t: new Date(since + b * stepMs).toISOString(),
            calls: sum[o]!,
            errors: sum[o + 1]!,
            tokensIn: sum[o + 2]!,
            tokensOut: sum[o + 3]!,
            costUsd: round6(sum[o + 4]!),
            latencyP50Ms: percentile(h, 0.5),
            latencyP95Ms: percentile(h, 0.95),
          };
        }),
      })),
    };
  }

  private slot(k: number): number {
    const i = this.start + k;
    return i >= this.capacity ? i - this.capacity : i;
  }

  /** A predicate over slots, or undefined when a named value is in no row (nothing can match). */
  private matcher(f: AiCallFilter): ((i: number) => boolean) | undefined {
    // One id per filterable column (0: no filter); plain comparisons, no per-row allocation.
    const ids = { namespace: 0, pod: 0, provider: 0, model: 0 };
    for (const field of ['namespace', 'pod', 'provider', 'model'] as const) {
      const value = f[field];
      if (value === undefined) continue;
      const id = this.strings.lookup(value);
      if (id === undefined) return undefined;
      ids[field] = id;
    }
    const { namespace: ns, pod, provider, model } = ids;
    const nsCol = this.cols.namespace;
    const podCol = this.cols.pod;
    const providerCol = this.cols.provider;
    const modelCol = this.cols.model;
    const { time, flags, status: statusCol } = this;
    const since = f.since ?? -Infinity;
    const until = f.until ?? Infinity;
    const status = f.status;
    const wantError = status === 'error';
    const wantOk = status === 'ok';
    const code = typeof status === 'number' ? status : 0;
    return (i) => {
      if (ns && nsCol[i] !== ns) return false;
      if (pod && podCol[i] !== pod) return false;
      if (provider && providerCol[i] !== provider) return false;
      if (model && modelCol[i] !== model) return false;
      const t = time[i]!;
      if (t < since || t > until) return false;
      if (wantOk) return (flags[i]! & ERROR) === 0;
      if (wantError) return (flags[i]! & ERROR) !== 0;
      return code === 0 || statusCol[i] === code;
    };
  }

  private row(i: number): AiCallRow {
    const s = (f: StringField) => this.strings.get(this.cols[f][i]!);
    const num = (v: number) => (Number.isNaN(v) ? undefined : Math.round(v * 1000) / 1000);
    const flags = this.flags[i]!;
    const row: AiCallRow = { id: this.ids[i]!, time: new Date(this.time[i]!).toISOString(), node: s('node') ?? '', provider: s('provider') ?? 'unknown' };
    for (const f of ['namespace', 'pod', 'container', 'workload', 'model', 'endpoint', 'method', 'path'] as const) {
      const v = s(f);
      if (v !== undefined) row[f] = v;
    }
    if (this.status[i]) row.status = this.status[i]!;
    const error = s('error');
    if (error !== undefined) row.error = error;
    const latencyMs = num(this.latency[i]!);
    if (latencyMs !== undefined) row.latencyMs = latencyMs;
    const ttftMs = num(this.ttft[i]!);
    if (ttftMs !== undefined) row.ttftMs = ttftMs;
    if (this.tokensIn[i]! >= 0) row.tokensIn = this.tokensIn[i]!;
    if (this.tokensOut[i]! >= 0) row.tokensOut = this.tokensOut[i]!;
    if (!Number.isNaN(this.cost[i])) row.costUsd = this.cost[i]!;
    if (flags & STREAMING_KNOWN) row.streaming = (flags & STREAMING) !== 0;
    return row;
  }
}

export function isError(row: Pick<AiCallRow, 'status' | 'error'>): boolean {
  return (row.status !== undefined && row.status >= 400) || row.error !== undefined;
}

const round6 = (n: number): number => Math.round(n * 1e6) / 1e6;

function percentile(h: Uint32Array, q: number): number | null {
  let n = 0;
  for (let b = 0; b < h.length; b++) n += h[b]!;
  if (n === 0) return null;
  const rank = Math.ceil(q * n);
  let seen = 0;
  for (let b = 0; b < h.length; b++) {
    seen += h[b]!;
    if (seen >= rank) return binValue(b);
  }
  return binValue(h.length - 1);
}
