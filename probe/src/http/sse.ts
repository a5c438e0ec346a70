// Incremental text/event-stream parser (WHATWG HTML "server-sent events"): fields event, data
// (multi-line), id, comments, and LF / CRLF / CR line ends, fed bytes split anywhere.
import type { SseEvent } from './types.js';
import type { Budget } from './body.js';
import { asBuffer, findByte } from './bytes.js';

const LF = 0x0a;
const CR = 0x0d;
const COLON = 0x3a;
const SPACE = 0x20;
const FIELDS = ['data', 'event', 'id'] as const;

export interface SseLimits {
  /** Longest line or event data kept; longer ones are cut and counted. */
  maxEventBytes: number;
}

/** Turns body bytes into events; each event carries the capture time of its last byte. */
export class SseParser {
  /** The unfinished line's bytes (one growing buffer: lines often straddle body chunks). */
  private line: Buffer | undefined;
  /** Its length; maxEventBytes + 1 once it was cut. */
  private lineBytes = 0;
  private afterCR = false;
  private data: string[] = [];
  private dataBytes = 0;
  private event: string | undefined;
  private id: string | undefined;
  /** Lines or event data cut at maxEventBytes. */
  cut = 0;
  /** Bytes of the unfinished line and event accounted in the budget. */
  private charged = 0;

  constructor(
    private readonly limits: SseLimits,
    private readonly budget: Budget,
    private readonly emit: (event: SseEvent) => void,
  ) {}

  /** The stream is over: what an unfinished line or event held is no longer accounted. */
  release(): void {
    this.line = undefined;
    this.budget.force(-this.charged);
    this.charged = 0;
  }

  push(data: Uint8Array, tsNs: number): void {
    const bytes = asBuffer(data);
    let start = 0;
    let lf = findByte(bytes, LF, 0);
    let cr = findByte(bytes, CR, 0);
    while (lf >= 0 || cr >= 0) {
      const i = lf < 0 ? cr : cr < 0 ? lf : Math.min(lf, cr);
      if (bytes[i] === LF && this.afterCR && i === start && this.lineBytes === 0) {
        // The LF of a CRLF whose CR ended the previous line (possibly in the previous push).
        this.afterCR = false;
      } else if (this.lineBytes === 0) {
        this.endLine(bytes, start, i, tsNs);
        this.afterCR = bytes[i] === CR;
      } else {
        this.keep(bytes, start, i);
        const end = Math.min(this.lineBytes, this.limits.maxEventBytes);
        this.lineBytes = 0;
        this.endLine(this.line!, 0, end, tsNs);
        this.afterCR = bytes[i] === CR;
      }
      start = i + 1;
      if (i === lf) lf = findByte(bytes, LF, start);
      if (i === cr) cr = findByte(bytes, CR, start);
    }
    if (start < bytes.length) {
      this.afterCR = false;
      this.keep(bytes, start, bytes.length);
    }
    const held = Math.min(this.lineBytes, this.limits.maxEventBytes) + this.dataBytes;
    this.budget.force(held - this.charged);
    this.charged = held;
  }

  /** Appends bytes[start, end) to the unfinished line, up to maxEventBytes. */
  private keep(bytes: Buffer, start: number, end: number): void {
    const max = this.limits.maxEventBytes;
    if (this.lineBytes > max) return; // already cut
    const room = max - this.lineBytes;
    const n = Math.min(end - start, room);
    if (n > 0) {
      const need = this.lineBytes + n;
      if (!this.line || this.line.length < need) {
        const grown = Buffer.allocUnsafe(Math.min(max, Math.max(need, 2 * (this.line?.length ?? 128))));
        this.line?.copy(grown, 0, 0, this.lineBytes);
        this.line = grown;
      }
      const line = this.line;
      // A byte loop beats Buffer#copy's per-call overhead at the usual tens of bytes.
      if (n < 256) for (let k = 0; k < n; k++) line[this.lineBytes + k] = bytes[start + k]!;
      else line.set(bytes.subarray(start, start + n), this.lineBytes);
      this.lineBytes = need;
    }
    if (end - start > room) {
      this.lineBytes = max + 1;
      this.cut++;
    }
  }

  /** One line, bytes[start, end) without its line end. */
  private endLine(bytes: Buffer, start: number, end: number, tsNs: number): void {
    if (start === end) return this.dispatch(tsNs);
    if (bytes[start] === COLON) return; // comment
    if (end - start > this.limits.maxEventBytes) {
      this.cut++;
      end = start + this.limits.maxEventBytes;
    }
    const colon = findByte(bytes, COLON, start, end);
    const fieldEnd = colon < 0 ? end : colon;
    let valueStart = colon < 0 ? end : colon + 1;
    if (bytes[valueStart] === SPACE && valueStart < end) valueStart++;
    const field = fieldName(bytes, start, fieldEnd);
    if (field === undefined) return; // "retry" and unknown fields carry nothing for us
    const value = bytes.toString('utf8', valueStart, end);
    if (field === 'data') this.addData(value);
    else if (field === 'event') this.event = value;
    else if (!value.includes('\0')) this.id = value;
  }

  private addData(value: string): void {
    const room = this.limits.maxEventBytes - this.dataBytes;
    if (value.length + 1 > room) {
      this.cut++;
      if (room <= 0) return;
      value = value.slice(0, room - 1);
    }
    this.data.push(value);
    this.dataBytes += value.length + 1;
  }

  private dispatch(tsNs: number): void {
    // Per the spec an event with no data line is not dispatched, and its type is dropped too.
    if (this.data.length > 0) {
      const event: SseEvent = { data: this.data.length === 1 ? this.data[0]! : this.data.join('\n'), tsNs };
      if (this.event !== undefined && this.event !== '') event.event = this.event;
      if (this.id !== undefined) event.id = this.id;
      this.emit(event);
    }
    this.data = [];
    this.dataBytes = 0;
    this.event = undefined;
    this.id = undefined;
  }
}

/**
 * Keeps the first events and a ring of the last ones within a byte budget; the events in
 * between are counted as dropped. Providers put usage and finish reasons at the end.
 */
export class SseCollector {
  private head: SseEvent[] = [];
  private tail: SseEvent[] = [];
  private keptBytes = 0;
  dropped = 0;

  constructor(
    private readonly headMax: number,
    private readonly tailMax: number,
    private readonly budget: Budget,
  ) {}

  add(event: SseEvent): void {
    const size = eventSize(event);
    if (this.tail.length === 0 && this.head.length < this.headMax && this.charge(size)) {
      this.head.push(event);
      return;
    }
    if (this.tailMax === 0) {
      this.dropped++;
      return;
    }
    if (this.tail.length === this.tailMax) this.evictOldestTail();
    while (!this.charge(size)) {
      if (this.tail.length === 0) {
        this.dropped++;
        return;
      }
      this.evictOldestTail();
    }
    this.tail.push(event);
  }

  private evictOldestTail(): void {
    const old = this.tail.shift();
    if (old) this.release(eventSize(old));
    this.dropped++;
  }

  /** The kept events in order; gives their space back to the budget. */
  take(): SseEvent[] {
    const events = this.head.concat(this.tail);
    this.release(this.keptBytes);
    this.head = [];
    this.tail = [];
    return events;
  }

  private charge(size: number): boolean {
    const granted = this.budget.take(size);
    if (granted < size) {
      this.budget.give(granted);
      return false;
    }
    this.keptBytes += size;
    return true;
  }

  private release(size: number): void {
    this.budget.give(size);
    this.keptBytes -= size;
  }
}

function eventSize(event: SseEvent): number {
  return event.data.length + (event.event?.length ?? 0) + (event.id?.length ?? 0) + 16;
}

/** The field a line sets, compared on bytes to skip decoding names we ignore. */
function fieldName(bytes: Buffer, start: number, end: number): (typeof FIELDS)[number] | undefined {
  for (const name of FIELDS) {
    if (end - start !== name.length) continue;
    let same = true;
    for (let k = 0; k < name.length && same; k++) same = bytes[start + k] === name.charCodeAt(k);
    if (same) return name;
  }
  return undefined;
}
