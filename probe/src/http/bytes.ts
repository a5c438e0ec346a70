// Byte helpers for the hot paths: work on offsets into one Buffer view instead of allocating a
// subarray per line (a view costs as much as parsing a short line).

/** A Buffer over the same memory (no copy). */
export function asBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.length);
}

/** indexOf of one byte in [from, to); -1 when absent. */
export function findByte(data: Uint8Array, byte: number, from: number, to = data.length): number {
  const at = data.indexOf(byte, from);
  return at >= 0 && at < to ? at : -1;
}
