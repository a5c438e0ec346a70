// Incremental text/event-stream parser (WHATWG HTML "server-sent events"): fields event, data
// (multi-line), id, comments, and LF / CRLF / CR line ends, fed bytes split anywhere.
import type { SseEvent } from './types.js';
import type { Budget } from './body.js';
import { isAscii } from 'node:buffer';
import { asBuffer, findByte } from './bytes.js';

const LF = 0x0a;
const CR = 0x0d;
const COLON = 0x3a;
const SPACE = 0x20;

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
  /**
   * Or, while the caller keeps every pushed byte in one buffer (the body), the unfinished line
   * is held[heldStart, heldStart + heldBytes) there: no copy of its own.
   */
  private held: Buffer | undefined;
  private heldStart = 0;
  private heldBytes = 0;
  private afterCR = false;
  /** The event's data lines (most events have one: it needs no array). */
  private data: string | undefined;
  private moreData: string[] | undefined;
  private dataBytes = 0;
  private event: string | undefined;
  private id: string | undefined;
  /** Lines or event data cut at maxEventBytes. */
  cut = 0;
  /** Bytes of the unfinished line and event accounted in the budget. */
  private charged = 0;
  /** push() as one piece, without an allocation per call. */
  private readonly oneEnd = [0];
  private readonly oneTime = [0];

  constructor(
    private readonly limits: SseLimits,
    private readonly budget: Budget,
    private readonly emit: (event: SseEvent) => void,
  ) {}

  /** The stream is over: what an unfinished line or event held is no longer accounted. */
  release(): void {
    this.line = undefined;
    this.held = undefined;
    this.heldBytes = 0;
    this.budget.force(-this.charged);
    this.charged = 0;
  }

  /** The next bytes of the stream, all captured at tsNs. */
  push(data: Uint8Array, tsNs: number): void {
    this.oneEnd[0] = data.length;
    this.oneTime[0] = tsNs;
    this.scan(asBuffer(data), undefined, 0, this.oneEnd, this.oneTime);
  }

  /**
   * The next bytes of the stream, held[from, ends[ends.length - 1]), where held holds every
   * byte pushed so far in order (a body that kept them all): lines that straddle pushes are
   * read there instead of copied. Byte p arrived at times[k] for the first k with p < ends[k].
   */
  pushHeld(held: Buffer, from: number, ends: readonly number[], times: readonly number[]): void {
    this.scan(held.subarray(from, ends[ends.length - 1]), held, from, ends, times);
  }

  /** Parses bytes, which sit at held[at] when held is given (else `at` is 0). */
  private scan(bytes: Buffer, held: Buffer | undefined, at: number, ends: readonly number[], times: readonly number[]): void {
    if (this.heldBytes > 0 && held === undefined) {
      // The caller stopped keeping bytes: the unfinished line moves to our own buffer.
      this.keep(this.held!, this.heldStart, this.heldStart + this.heldBytes);
      this.held = undefined;
      this.heldBytes = 0;
    }
    // Held bytes come in batches of many events: one decode of an ASCII batch (the usual JSON
    // stream) and a slice per value beat a decode per line. The slices share the batch's text,
    // which is no larger than the body bytes the budget already holds.
    const text = held !== undefined && isAscii(bytes) ? bytes.toString('latin1') : undefined;
    let piece = 0;
    let start = 0;
    let lf = findByte(bytes, LF, 0);
    let cr = findByte(bytes, CR, 0);
    while (lf >= 0 || cr >= 0) {
      const i = lf < 0 ? cr : cr < 0 ? lf : Math.min(lf, cr);
      while (ends[piece]! <= at + i) piece++;
      const tsNs = times[piece]!;
      if (bytes[i] === LF && this.afterCR && i === start && this.lineBytes === 0 && this.heldBytes === 0) {
        // The LF of a CRLF whose CR ended the previous line (possibly in the previous push).
        this.afterCR = false;
      } else if (this.heldBytes > 0) {
        this.endLine(held!, this.heldStart, at + i, tsNs);
        this.held = undefined;
        this.heldBytes = 0;
        this.afterCR = bytes[i] === CR;
      } else if (this.lineBytes === 0) {
        this.endLine(bytes, start, i, tsNs, text);
        this.afterCR = bytes[i] === CR;
      } else {
        this.keep(bytes, start, i);
        const end = Math.min(this.lineBytes, this.limits.maxEventBytes);
        this.lineBytes = 0;
        this.endLine(this.line!, 0, end, tsNs);
        this.afterCR = bytes[i] === CR;
      }
      start = i + 1;
      if (i === lf) lf = start < bytes.length && bytes[start] === LF ? start : findByte(bytes, LF, start);
      if (i === cr) cr = findByte(bytes, CR, start);
    }
    if (start < bytes.length) {
      this.afterCR = false;
      if (held !== undefined && this.lineBytes === 0) {
        if (this.heldBytes === 0) this.heldStart = at + start;
        this.heldBytes = at + bytes.length - this.heldStart;
        this.held = held;
      } else {
        this.keep(bytes, start, bytes.length);
      }
    }
    // A held line is accounted by its holder.
    const charged = Math.min(this.lineBytes, this.limits.maxEventBytes) + this.dataBytes;
    this.budget.force(charged - this.charged);
    this.charged = charged;
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
      this.line.set(bytes.subarray(start, start + n), this.lineBytes);
      this.lineBytes = need;
    }
    if (end - start > room) {
      this.lineBytes = max + 1;
      this.cut++;
    }
  }

  /** One line, bytes[start, end) without its line end; `text`, if given, is bytes decoded. */
  private endLine(bytes: Buffer, start: number, end: number, tsNs: number, text?: string): void {
    if (start === end) return this.dispatch(tsNs);
    if (bytes[start] === COLON) return; // comment
    if (end - start > this.limits.maxEventBytes) {
      this.cut++;
      end = start + this.limits.maxEventBytes;
    }
    // The fields we keep have names of at most 5 bytes: the colon is looked for no further.
    const limit = Math.min(end, start + 6);
    let colon = start;
    while (colon < limit && bytes[colon] !== COLON) colon++;
    let valueStart = colon < end ? colon + 1 : end;
    if (bytes[valueStart] === SPACE && valueStart < end) valueStart++;
    const field = fieldName(bytes, start, colon);
    if (field === undefined) return; // "retry" and unknown fields carry nothing for us
    const value = text !== undefined ? text.slice(valueStart, end) : bytes.toString('utf8', valueStart, end);
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
    if (this.data === undefined) this.data = value;
    else (this.moreData ??= []).push(value);
    this.dataBytes += value.length + 1;
  }

  private dispatch(tsNs: number): void {
    // Per the spec an event with no data line is not dispatched, and its type is dropped too.
    if (this.data !== undefined) {
      const data = this.moreData === undefined ? this.data : `${this.data}\n${this.moreData.join('\n')}`;
      const event: SseEvent = { data, tsNs };
      if (this.event !== undefined && this.event !== '') event.event = this.event;
      if (this.id !== undefined) event.id = this.id;
      this.emit(event);
    }
    this.data = undefined;
    this.moreData = undefined;
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
    const events = this.tail.length === 0 ? this.head : this.head.concat(this.tail);
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
function fieldName(bytes: Buffer, start: number, end: number): 'data' | 'event' | 'id' | undefined {
  switch (end - start) {
    case 4:
      return word(bytes, start) === DATA_WORD ? 'data' : undefined;
    case 5:
      return bytes[start] === 0x65 && word(bytes, start + 1) === VENT_WORD ? 'event' : undefined;
    case 2:
      return bytes[start] === 0x69 && bytes[start + 1] === 0x64 ? 'id' : undefined;
    default:
      return undefined;
  }
}

/** "data" and "vent" (of "event") as big-endian 32-bit words. */
const DATA_WORD = 0x64617461;
const VENT_WORD = 0x76656e74;

function word(bytes: Buffer, at: number): number {
  return ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
}
