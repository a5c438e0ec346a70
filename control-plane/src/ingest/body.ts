// Request-body decoding shared by /logs and /webhook: media type checks, gzip with a bound
// on the inflated size (a zip bomb is a 413, not an OOM), UTF-8 text, JSON nesting bound.
import { gunzipSync, inflateSync } from 'node:zlib';
import { IngestError, badRequest } from './errors.js';

/** The bare media type of a Content-Type header: lower-case, without parameters. */
export function mediaType(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const type = header.split(';', 1)[0]!.trim().toLowerCase();
  return type.length > 0 ? type : undefined;
}

export function requireMediaType(header: string | undefined, accepted: readonly string[]): string {
  const type = mediaType(header);
  if (type === undefined || !accepted.includes(type)) {
    throw new IngestError(
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      `content-type ${type ?? '(missing)'} is not accepted here; send one of: ${accepted.join(', ')}`,
    );
  }
  return type;
}

/** Undoes Content-Encoding (identity, gzip, deflate) and returns the body as UTF-8 text. */
export function decodeBody(raw: Buffer, contentEncoding: string | undefined, maxInflatedBytes: number): string {
  const encoding = (contentEncoding ?? 'identity').trim().toLowerCase();
  let bytes: Buffer;
  if (encoding === 'identity' || encoding === '') {
    bytes = raw;
  } else if (encoding === 'gzip' || encoding === 'x-gzip' || encoding === 'deflate') {
    try {
      const inflate = encoding === 'deflate' ? inflateSync : gunzipSync;
      bytes = inflate(raw, { maxOutputLength: maxInflatedBytes });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
        throw new IngestError(413, 'INFLATED_BODY_TOO_LARGE', `${encoding} body inflates beyond ${maxInflatedBytes} bytes`);
      }
      throw badRequest('BAD_CONTENT_ENCODING', `body is not valid ${encoding}: ${(err as Error).message}`);
    }
  } else {
    throw new IngestError(415, 'UNSUPPORTED_CONTENT_ENCODING', `content-encoding ${encoding} is not supported; use gzip, deflate or none`);
  }
  if (bytes.length === 0) throw badRequest('EMPTY_BODY', 'request body is empty');
  return bytes.toString('utf8');
}

/**
 * True when a parsed JSON value nests deeper than `limit`. The recursion stops at `limit`, so
 * its own depth is bounded whatever the input; it allocates nothing on the hot path.
 */
export function nestsDeeperThan(value: unknown, limit: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (limit <= 0) return true;
  if (Array.isArray(value)) {
    for (const child of value) if (nestsDeeperThan(child, limit - 1)) return true;
    return false;
  }
  for (const key in value) {
    if (nestsDeeperThan((value as Record<string, unknown>)[key], limit - 1)) return true;
  }
  return false;
}
