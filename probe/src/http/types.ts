// Shapes shared by the pure HTTP reassembly (h1, h2, sse, stitch) and the provider recognisers.
// Nothing here does I/O.

export type Direction = 'egress' | 'ingress';

/** One piece of a connection's plaintext, in order per direction, as the probes captured it. */
export interface StreamChunk {
  direction: Direction;
  /** Byte position of data[0] in this direction's stream; a jump means bytes were lost. */
  pos: number;
  data: Uint8Array;
  /** Monotonic capture time in nanoseconds (bpf_ktime_get_ns), comparable within one host. */
  tsNs: number;
  /**
   * Bytes the TLS call moved beyond what was captured (per-call capture limit). The stream
   * continues at pos + data.length + truncatedBytes.
   */
  truncatedBytes?: number;
}

export interface HttpHeaders {
  /** Lower-cased names; repeated headers joined with ", " (set-cookie joined with "\n"). */
  [name: string]: string;
}

export interface HttpRequest {
  method: string;
  /** Path with query string (h2: :path). */
  path: string;
  /** Host header or :authority. */
  authority?: string;
  headers: HttpHeaders;
  /** Decoded (de-chunked, decompressed) body, capped at the body limit. */
  body: Uint8Array;
  /** Body bytes on the wire (before decompression), even when not all were kept. */
  wireBytes: number;
  bodyTruncated: boolean;
  /** Set when the body declares a content-encoding but is kept as it came (truncated, corrupt, over the cap). */
  decodeError?: string;
  firstByteNs: number;
  lastByteNs: number;
}

export interface HttpResponse {
  status: number;
  headers: HttpHeaders;
  body: Uint8Array;
  wireBytes: number;
  bodyTruncated: boolean;
  firstByteNs: number;
  lastByteNs: number;
  /** text/event-stream responses: each event with the time its last byte arrived. */
  sse?: SseEvent[];
  /** SSE events seen but not kept (the middle of a stream longer than the event cap). */
  sseDropped?: number;
  /** Set when the body declares a content-encoding but is kept as it came (truncated, corrupt, over the cap). */
  decodeError?: string;
}

export interface SseEvent {
  event?: string;
  data: string;
  id?: string;
  tsNs: number;
}

/** One request with its response (or without, when the connection ended first). */
export interface HttpExchange {
  version: '1.1' | '2';
  /** client: this process sent the request (egress); server: it received it. */
  role: 'client' | 'server';
  streamId?: number;
  request: HttpRequest;
  response?: HttpResponse;
  /** Bytes of this exchange were lost (a position gap): fields may be missing. */
  gap: boolean;
  /** Some bytes were not captured because of the per-call limit. */
  truncated: boolean;
  /** The connection closed or errored before the response completed. */
  incomplete: boolean;
}
