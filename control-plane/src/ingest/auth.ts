// Shared-secret and HMAC checks for ingest endpoints. Comparisons are constant-time over
// fixed-length digests so neither the secret's content nor its length leaks through timing.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { IngestError } from './errors.js';

const digest = (s: string | Buffer) => createHash('sha256').update(s).digest();

export function safeEqual(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

const unauthorized = (message: string) => new IngestError(401, 'UNAUTHORIZED', message);

/** Throws 401 unless `Authorization: Bearer <token>` matches. */
export function checkBearer(authorization: string | undefined, token: string, what: string): void {
  const m = /^Bearer\s+(.+)$/i.exec(authorization?.trim() ?? '');
  if (!m) throw unauthorized(`${what} requires Authorization: Bearer <token>`);
  if (!safeEqual(m[1]!.trim(), token)) throw unauthorized(`${what}: bearer token does not match`);
}

export function hmacHex(secret: string, raw: Buffer): string {
  return createHmac('sha256', secret).update(raw).digest('hex');
}

/**
 * Throws 401 unless one of the signatures in `header` is the HMAC-SHA256 of the raw body.
 * Accepts PagerDuty's form (`v1=<hex>[,v1=<hex>]`, several during secret rotation),
 * `sha256=<hex>` (GitHub style) and bare hex.
 */
export function checkHmac(header: string | undefined, secret: string, raw: Buffer, headerName: string): void {
  if (!header) throw unauthorized(`missing ${headerName} signature header`);
  const expected = hmacHex(secret, raw);
  const candidates = header.split(',').map((part) => part.trim().replace(/^(v1|sha256)=/i, '').toLowerCase());
  // Every candidate is compared, so the time taken does not depend on which one matched.
  let ok = false;
  for (const c of candidates) ok = safeEqual(c, expected) || ok;
  if (!ok) throw unauthorized(`${headerName} signature does not match the body`);
}
