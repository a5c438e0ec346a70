// AWS event stream framing (application/vnd.amazon.eventstream), used by Bedrock's streaming
// APIs: [total len u32][headers len u32][prelude crc u32][headers][payload][message crc u32].
// CRCs are not checked: the bytes come from the local TLS library, not from the network.

export interface EventStreamMessage {
  headers: Record<string, string>;
  payload: Uint8Array;
}

const PRELUDE = 12;
const TRAILER = 4;

/** Header value types whose size is fixed (bool true/false, byte, short, int, long, timestamp, uuid). */
const FIXED_SIZE: Record<number, number> = { 0: 0, 1: 0, 2: 1, 3: 2, 4: 4, 5: 8, 8: 8, 9: 16 };
const STRING = 7;
const BYTES = 6;

function readHeaders(view: DataView, bytes: Uint8Array, start: number, end: number): Record<string, string> | undefined {
  const headers: Record<string, string> = {};
  const text = new TextDecoder();
  let at = start;
  while (at < end) {
    const nameLen = view.getUint8(at);
    const name = text.decode(bytes.subarray(at + 1, at + 1 + nameLen));
    at += 1 + nameLen;
    const type = view.getUint8(at);
    at += 1;
    if (type === STRING || type === BYTES) {
      const len = view.getUint16(at);
      if (type === STRING) headers[name] = text.decode(bytes.subarray(at + 2, at + 2 + len));
      at += 2 + len;
    } else if (FIXED_SIZE[type] !== undefined) {
      at += FIXED_SIZE[type];
    } else {
      return undefined;
    }
  }
  return at === end ? headers : undefined;
}

/** Whole messages in order; stops at the first incomplete or malformed frame (a truncated body). */
export function decodeEventStream(bytes: Uint8Array): EventStreamMessage[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: EventStreamMessage[] = [];
  let at = 0;
  while (at + PRELUDE + TRAILER <= bytes.length) {
    const total = view.getUint32(at);
    const headersLen = view.getUint32(at + 4);
    if (total < PRELUDE + TRAILER + headersLen || at + total > bytes.length) break;
    const headers = readHeaders(view, bytes, at + PRELUDE, at + PRELUDE + headersLen);
    if (!headers) break;
    out.push({ headers, payload: bytes.subarray(at + PRELUDE + headersLen, at + total - TRAILER) });
    at += total;
  }
  return out;
}

/** The inverse, for fixtures and tests (string headers only; CRCs left zero since nothing checks them). */
export function encodeEventStream(messages: EventStreamMessage[]): Uint8Array {
  const enc = new TextEncoder();
  const frames = messages.map(({ headers, payload }) => {
    const head = Object.entries(headers).flatMap(([name, value]) => {
      const n = enc.encode(name);
      const v = enc.encode(value);
      return [Uint8Array.of(n.length), n, Uint8Array.of(STRING, v.length >> 8, v.length & 0xff), v];
    });
    const headersLen = head.reduce((a, b) => a + b.length, 0);
    const total = PRELUDE + headersLen + payload.length + TRAILER;
    const frame = new Uint8Array(total);
    const dv = new DataView(frame.buffer);
    dv.setUint32(0, total);
    dv.setUint32(4, headersLen);
    let at = PRELUDE;
    for (const part of head) {
      frame.set(part, at);
      at += part.length;
    }
    frame.set(payload, at);
    return frame;
  });
  const out = new Uint8Array(frames.reduce((a, f) => a + f.length, 0));
  let at = 0;
  for (const f of frames) {
    out.set(f, at);
    at += f.length;
  }
  return out;
}
