// Capped body accumulation and content-encoding decoding, shared by h1 and h2.
import { brotliDecompressSync, gunzipSync, inflateRawSync, inflateSync } from 'node:zlib';

/** Smallest buffer of a stream or a body that outgrows Node's pool: a few hundred events fit. */
const GROWN_MIN = 32 * 1024;

/** Bytes one connection may hold in bodies and SSE data at once; bodies give up space on emit. */
export class Budget {
  used = 0;
  constructor(readonly max: number) {}

  /** Takes up to `want` bytes from the budget and returns how many were granted. */
  take(want: number): number {
    const granted = Math.max(0, Math.min(want, this.max - this.used));
    this.used += granted;
    return granted;
  }

  give(bytes: number): void {
    this.used -= bytes;
  }

  /** Accounts bytes that are bounded elsewhere (an SSE line in progress): counted, never refused. */
  force(delta: number): void {
    this.used += delta;
  }
}

/**
 * A body's bytes as they came on the wire (de-chunked, still encoded), kept up to a cap in one
 * growing buffer: streams arrive in many small pieces and a copy per piece would cost more than
 * parsing them. The budget is charged for the buffer's capacity.
 */
export class BodyBuffer {
  private buf: Buffer | undefined;
  /** Bytes kept. */
  kept = 0;
  /** Bytes seen, including those not kept and those lost in gaps. */
  wireBytes = 0;
  /** Some bytes were not kept (cap, budget or a gap): the body is a prefix with holes. */
  truncated = false;

  constructor(
    private readonly cap: number,
    private readonly budget: Budget,
    /** The body is an event stream: it comes in many small pieces and is kilobytes in total. */
    private readonly streaming = false,
  ) {}

  /** Bytes held (the buffer's capacity). */
  get capacity(): number {
    return this.buf?.length ?? 0;
  }

  /** The buffer whose first `kept` bytes are what was kept (all bytes appended, until truncated). */
  get bytes(): Buffer | undefined {
    return this.buf;
  }

  /** Appends data[start, end). */
  append(data: Uint8Array, start = 0, end = data.length): void {
    const length = end - start;
    this.wireBytes += length;
    const need = Math.min(this.kept + length, this.cap);
    if (need > this.capacity) this.grow(need);
    const n = Math.min(length, this.capacity - this.kept);
    if (n > 0) {
      // Copy: the caller's chunk may be a view over a reused ring-buffer record. A plain view
      // costs less than a Buffer subarray, and there is one per h2 DATA frame.
      const piece = start === 0 && n === data.length ? data : new Uint8Array(data.buffer, data.byteOffset + start, n);
      this.buf!.set(piece, this.kept);
      this.kept += n;
    }
    if (n < length) this.truncated = true;
  }

  /** Bytes that never arrived (a position gap or a per-call capture limit). */
  lose(bytes: number): void {
    this.wireBytes += bytes;
    this.truncated = true;
  }

  /** Hands the bytes over and returns their space to the budget. */
  take(): Uint8Array {
    const out = this.buf ? this.buf.subarray(0, this.kept) : new Uint8Array(0);
    this.budget.give(this.capacity);
    this.buf = undefined;
    this.kept = 0;
    return out;
  }

  private grow(need: number): void {
    const current = this.capacity;
    // A body's first piece is often all of it. Small buffers come from Node's pool; past it each
    // one is a fresh allocation, so a body that outgrows the pool jumps to GROWN_MIN rather than
    // doubling through it, and a stream starts there.
    const doubled = Math.max(need, current * 2);
    const big = this.streaming || doubled > Buffer.poolSize >>> 1;
    const wanted = current === 0 && !this.streaming ? need : Math.min(this.cap, big ? Math.max(doubled, GROWN_MIN) : doubled);
    const granted = this.budget.take(wanted - current);
    if (granted === 0) return;
    const next = Buffer.allocUnsafe(current + granted);
    if (this.buf) next.set(this.buf.subarray(0, this.kept));
    this.buf = next;
  }
}

export interface DecodedBody {
  body: Uint8Array;
  bodyTruncated: boolean;
  /** Why the body is kept as it came on the wire although it declares a content-encoding. */
  decodeError?: string;
}

type Decoder = (buf: Uint8Array, opts: { maxOutputLength: number }) => Buffer;

const decoders: Record<string, Decoder> = {
  gzip: gunzipSync,
  'x-gzip': gunzipSync,
  br: (buf, opts) => brotliDecompressSync(buf, opts),
  // "deflate" is meant to be zlib-wrapped, but some servers send raw deflate.
  deflate: (buf, opts) => (isZlibHeader(buf) ? inflateSync(buf, opts) : inflateRawSync(buf, opts)),
};

function isZlibHeader(buf: Uint8Array): boolean {
  return buf.length >= 2 && (buf[0]! & 0x0f) === 8 && ((buf[0]! << 8) | buf[1]!) % 31 === 0;
}

/**
 * Undoes Content-Encoding once the body is complete. A truncated, corrupt or over-cap body is
 * returned raw with a reason: observability must never throw on what a peer sent.
 */
export function decodeBody(raw: Uint8Array, truncated: boolean, contentEncoding: string | undefined, cap: number): DecodedBody {
  if (contentEncoding === undefined) return { body: raw, bodyTruncated: truncated };
  const codings = contentEncoding
    .toLowerCase()
    .split(',')
    .map((c) => c.trim())
    .filter((c) => c !== '' && c !== 'identity');
  if (codings.length === 0 || raw.length === 0) return { body: raw, bodyTruncated: truncated };
  if (truncated) return { body: raw, bodyTruncated: true, decodeError: 'body incomplete, not decoded' };
  let body: Uint8Array = raw;
  // Codings are listed in the order they were applied: undo them last first.
  for (const coding of codings.reverse()) {
    const decoder = decoders[coding];
    if (!decoder) return { body: raw, bodyTruncated: false, decodeError: `unsupported content-encoding ${coding}` };
    try {
      body = decoder(body, { maxOutputLength: Math.max(cap, 1) });
    } catch (err) {
      const code = (err as { code?: string }).code;
      const reason = code === 'ERR_BUFFER_TOO_LARGE' ? 'decoded body exceeds the body cap' : `corrupt ${coding} body`;
      return { body: raw, bodyTruncated: false, decodeError: reason };
    }
  }
  return { body, bodyTruncated: false };
}
