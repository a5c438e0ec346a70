// The agent's JSONL writer: one complete event per line, buffered and flushed on an interval,
// rotated by size (path → path.1 … path.N). The file doubles as the NATS publisher's spool, so
// a line is either whole or absent: a torn tail left by a crash is cut away on start, and a
// failed write is rolled back to the last line boundary.
import { closeSync, fstatSync, ftruncateSync, mkdirSync, openSync, readSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { logger } from '../../../lib/log.js';
import type { Event } from '../../../schema/event.js';
import { addToLossLedger, listSpoolFiles, readCheckpoint, rotatedPath, unpublishedLines } from './spool.js';

const log = logger('jsonl-sink');

export const JsonlSinkOptions = z.object({
  path: z.string().min(1),
  /** Rotate before the file would exceed this size. */
  maxBytes: z.number().int().positive().default(100 * 1024 * 1024),
  /** Rotated files kept (path.1 … path.maxFiles). */
  maxFiles: z.number().int().positive().default(5),
  // Short by default: the NATS publisher sees an event only once it is on disk.
  flushIntervalMs: z.number().int().positive().default(10),
  /** Events waiting for the next flush beyond this are dropped (and counted). */
  maxBufferedBytes: z.number().int().positive().default(16 * 1024 * 1024),
});
export type JsonlSinkOptions = z.input<typeof JsonlSinkOptions>;

export interface JsonlSinkStats {
  /** Events written to disk. */
  written: number;
  bytesWritten: number;
  /** Events dropped because the write buffer was full or the sink was closed. */
  dropped: number;
  /** Events waiting in memory for the next flush. */
  buffered: number;
  rotations: number;
  /** Bytes of a torn last line cut away on start. */
  tornBytesRepaired: number;
  writeErrors: number;
  /** Events deleted by rotation before the NATS publisher acknowledged them. */
  spoolLost: number;
}

/** First size of the pending-lines buffer; it doubles as needed (bounded by maxBufferedBytes). */
const INITIAL_BUFFER = 256 * 1024;

export class JsonlSink {
  private readonly opts: z.output<typeof JsonlSinkOptions>;
  private fd: number;
  private size: number;
  /**
   * Lines waiting for the next flush, UTF-8 encoded as they are written: each line's string dies
   * young instead of waiting for the flush (and surviving into the old generation), and a flush
   * is one write of a slice. lineEnds[i] is where line i ends in buf.
   */
  private buf = Buffer.allocUnsafe(INITIAL_BUFFER);
  private pendingBytes = 0;
  private lineEnds: number[] = [];
  private closed = false;
  private readonly timer: NodeJS.Timeout;
  private readonly counters: Omit<JsonlSinkStats, 'buffered'> = {
    written: 0,
    bytesWritten: 0,
    dropped: 0,
    rotations: 0,
    tornBytesRepaired: 0,
    writeErrors: 0,
    spoolLost: 0,
  };

  constructor(options: JsonlSinkOptions) {
    this.opts = JsonlSinkOptions.parse(options);
    mkdirSync(dirname(this.opts.path), { recursive: true });
    this.fd = openSync(this.opts.path, 'a+');
    this.size = fstatSync(this.fd).size;
    this.repairTornTail();
    this.timer = setInterval(() => this.drain(), this.opts.flushIntervalMs);
    this.timer.unref();
  }

  /** Queues one event; it reaches the file on the next flush. Never throws. */
  write(e: Event): void {
    if (this.closed) {
      this.counters.dropped++;
      return;
    }
    const line = JSON.stringify(e);
    const at = this.pendingBytes;
    // UTF-8 takes at most 3 bytes per UTF-16 unit: the exact size is counted only when that
    // bound does not fit the buffer.
    if (at + line.length * 3 + 1 > this.buf.length) {
      const bytes = Buffer.byteLength(line);
      if (at + bytes + 1 > this.opts.maxBufferedBytes) return this.drop();
      this.reserve(at + bytes + 1);
    }
    const end = at + this.buf.write(line, at, 'utf8');
    if (end + 1 > this.opts.maxBufferedBytes) return this.drop();
    this.buf[end] = 0x0a;
    this.pendingBytes = end + 1;
    this.lineEnds.push(end + 1);
  }

  async flush(): Promise<void> {
    this.drain();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    this.drain();
    // Lines a failing disk still refuses at close are lost: say so.
    this.counters.dropped += this.lineEnds.length;
    this.lineEnds = [];
    this.pendingBytes = 0;
    closeSync(this.fd);
  }

  stats(): JsonlSinkStats {
    return { ...this.counters, buffered: this.lineEnds.length };
  }

  private drop(): void {
    if (this.counters.dropped++ % 1000 === 0) log.warn({ dropped: this.counters.dropped }, 'JSONL buffer full: dropping events');
  }

  private reserve(bytes: number): void {
    if (bytes <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < bytes) size *= 2;
    const grown = Buffer.allocUnsafe(size);
    this.buf.copy(grown, 0, 0, this.pendingBytes);
    this.buf = grown;
  }

  private drain(): void {
    const ends = this.lineEnds;
    const n = ends.length;
    if (n === 0) return;
    const { maxBytes } = this.opts;
    let first = 0;
    let start = 0;
    while (first < n) {
      // Lines [first, i) go to the current file: all that fit, and at least one into an empty file.
      let i = first;
      let end = start;
      if (this.size + this.pendingBytes - start <= maxBytes) {
        i = n;
        end = this.pendingBytes;
      } else {
        while (i < n && !(this.size + end - start > 0 && this.size + ends[i]! - start > maxBytes)) end = ends[i++]!;
      }
      if (!this.append(start, end, i - first)) return this.keepUnwritten(first, start);
      first = i;
      start = end;
      if (first < n) this.rotate();
    }
    const drained = this.pendingBytes;
    this.lineEnds.length = 0;
    this.pendingBytes = 0;
    // A burst may have grown the buffer; do not hold on to it once a flush fills a quarter of it
    // no more. While the rate stays high it is kept: regrowing it every flush cost a copy per
    // doubling and fresh pages to fault in.
    if (this.buf.length > 4 * INITIAL_BUFFER && drained < this.buf.length / 4) this.buf = Buffer.allocUnsafe(INITIAL_BUFFER);
  }

  /** Writes buf[start, end) — whole lines — or nothing: on error the file is cut back to where it was. */
  private append(start: number, end: number, lines: number): boolean {
    if (lines === 0) return true;
    try {
      for (let off = start; off < end; ) off += writeSync(this.fd, this.buf, off, end - off);
    } catch (err) {
      this.counters.writeErrors++;
      log.error({ err, path: this.opts.path }, 'JSONL write failed; will retry on the next flush');
      try {
        ftruncateSync(this.fd, this.size);
      } catch (truncErr) {
        log.error({ err: truncErr }, 'cannot roll back a failed JSONL write');
      }
      return false;
    }
    this.size += end - start;
    this.counters.written += lines;
    this.counters.bytesWritten += end - start;
    return true;
  }

  /** Keeps lines [first, …) (from byte start) for the next flush, ahead of newer ones. */
  private keepUnwritten(first: number, start: number): void {
    if (start === 0) return;
    this.buf.copy(this.buf, 0, start, this.pendingBytes);
    this.pendingBytes -= start;
    this.lineEnds = this.lineEnds.slice(first).map((e) => e - start);
  }

  private rotate(): void {
    const { path, maxFiles } = this.opts;
    closeSync(this.fd);
    this.accountSpoolLoss();
    try {
      unlinkSync(rotatedPath(path, maxFiles));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    for (let n = maxFiles - 1; n >= 1; n--) {
      try {
        renameSync(rotatedPath(path, n), rotatedPath(path, n + 1));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
    renameSync(path, rotatedPath(path, 1));
    this.fd = openSync(path, 'a+');
    this.size = 0;
    this.counters.rotations++;
  }

  /** When a publisher follows this spool, counts the events about to be deleted unread. */
  private accountSpoolLoss(): void {
    const { path, maxFiles } = this.opts;
    try {
      const cp = readCheckpoint(path);
      if (!cp) return;
      const files = listSpoolFiles(path);
      const doomedPath = rotatedPath(path, maxFiles);
      const doomed = files.find((f) => f.path === doomedPath);
      if (!doomed) return;
      const lost = unpublishedLines(
        doomed,
        cp,
        files.filter((f) => f !== doomed),
      );
      if (lost === 0) return;
      this.counters.spoolLost += lost;
      const total = addToLossLedger(path, lost);
      log.warn({ lost, total, file: doomedPath }, 'rotation deleted events the NATS publisher had not sent');
    } catch (err) {
      log.error({ err }, 'cannot account for spool events lost to rotation');
    }
  }

  private repairTornTail(): void {
    if (this.size === 0) return;
    const keep = lastLineEnd(this.fd, this.size);
    if (keep === this.size) return;
    ftruncateSync(this.fd, keep);
    this.counters.tornBytesRepaired = this.size - keep;
    log.warn({ path: this.opts.path, bytes: this.size - keep }, 'cut away a torn last line left by a crash');
    this.size = keep;
  }
}

/** Offset just past the last newline in the file (0 when there is none). */
function lastLineEnd(fd: number, size: number): number {
  const buf = Buffer.allocUnsafe(64 * 1024);
  let end = size;
  while (end > 0) {
    const start = Math.max(0, end - buf.length);
    const n = readSync(fd, buf, 0, end - start, start);
    const i = buf.subarray(0, n).lastIndexOf(10);
    if (i !== -1) return start + i + 1;
    end = start;
  }
  return 0;
}
