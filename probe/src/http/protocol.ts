// The contract between stitch.ts (positions, gaps, detection) and a protocol's reassembly.
import type { LossCause, ParserContext } from './message.js';
import type { Direction, HttpExchange } from './types.js';

export interface ProtocolParser {
  /** Bytes that follow, in order, what this direction delivered before. */
  feed(direction: Direction, data: Uint8Array, tsNs: number): void;
  /** `bytes` of this direction were never captured; the next feed continues after them. */
  lose(direction: Direction, bytes: number, cause: LossCause, tsNs: number): void;
  /** The connection ended: flush what is in flight. */
  close(): void;
  /** Bytes held beyond the shared budget (unparsed heads, frames, lines). */
  readonly bufferedBytes: number;
  /** Why parsing stopped for good (an upgrade, an unrecoverable h2 state), if it did. */
  readonly stopped: string | undefined;
}

export interface ProtocolSetup {
  ctx: ParserContext;
  role: 'client' | 'server';
  onExchange: (exchange: HttpExchange) => void;
}

/** The direction requests travel in: a client sends them, a server receives them. */
export function requestDirection(role: 'client' | 'server'): Direction {
  return role === 'client' ? 'egress' : 'ingress';
}
