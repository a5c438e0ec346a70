// Limits of the HTTP reassembly, validated once at the edge. Every buffer a connection parser
// holds is bounded by one of these.
import { z } from 'zod';

export const parserOptionsSchema = z.object({
  /** Decoded bytes kept per body; the rest is counted in wireBytes and flagged bodyTruncated. */
  bodyCap: z.number().int().min(0).default(1024 * 1024),
  /** Bytes of one message head (start line + headers, or one h2 header block). */
  maxHeaderBytes: z.number().int().min(256).default(64 * 1024),
  /** SSE events kept per response: the first (sseMaxEvents - sseTailEvents) and the last sseTailEvents. */
  sseMaxEvents: z.number().int().min(1).default(1000),
  /** The last events (where providers put usage and finish reasons) survive any stream length. */
  sseTailEvents: z.number().int().min(0).default(16),
  /** Bytes of one SSE line or event's data; longer ones are cut and counted. */
  sseMaxEventBytes: z.number().int().min(64).default(256 * 1024),
  /** Requests awaiting their response (h1 FIFO) or open streams (h2). */
  maxPending: z.number().int().min(1).default(64),
  /** Bytes of bodies and SSE data one connection may hold at once, across all its exchanges. */
  maxRetainedBytes: z.number().int().min(0).default(8 * 1024 * 1024),
  /** Upper bound on an HPACK dynamic table, whatever SETTINGS_HEADER_TABLE_SIZE says. */
  hpackTableMax: z.number().int().min(0).default(64 * 1024),
});

export type ParserOptionsInput = z.input<typeof parserOptionsSchema>;
export type ParserOptions = z.output<typeof parserOptionsSchema>;

export function resolveParserOptions(input: ParserOptionsInput = {}): ParserOptions {
  const parsed = parserOptionsSchema.safeParse(input);
  if (!parsed.success) throw new Error(`invalid HTTP parser options: ${z.prettifyError(parsed.error)}`);
  const opts = parsed.data;
  if (opts.sseTailEvents >= opts.sseMaxEvents) {
    throw new Error('invalid HTTP parser options: sseTailEvents must be below sseMaxEvents');
  }
  return opts;
}

/**
 * The most bytes a connection parser can report as retained: the shared body/SSE budget, the
 * parsed heads of pending exchanges, one unparsed head per direction, two HPACK tables, and
 * the unfinished line and event of each streaming response.
 */
export function retainedBytesCeiling(opts: ParserOptions): number {
  const heads = (opts.maxPending + 2) * opts.maxHeaderBytes * 2;
  const sseInProgress = opts.maxPending * 2 * opts.sseMaxEventBytes;
  return opts.maxRetainedBytes + heads + 2 * opts.hpackTableMax + sseInProgress;
}
