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

export class JsonlSink {
  private readonly opts: z.output<typeof JsonlSinkOptions>;
  private fd: number;
  private size: number;
  private pending: string[] = [];
  private pendingBytes = 0;
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
    const line = `${JSON.stringify(e)}\n`;
    const bytes = Buffer.byteLength(line);
    if (this.pendingBytes + bytes > this.opts.maxBufferedBytes) {
      if (this.counters.dropped++ % 1000 === 0) log.warn({ dropped: this.counters.dropped }, 'JSONL buffer full: dropping events');
      return;
    }
    this.pending.push(line);
    this.pendingBytes += bytes;
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
    this.counters.dropped += this.pending.length;
    this.pending = [];
    closeSync(this.fd);
  }

  stats(): JsonlSinkStats {
    return { ...this.counters, buffered: this.pending.length };
  }

  private drain(): void {
    if (this.pending.length === 0) return;
    const lines = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    let chunk: string[] = [];
    let chunkBytes = 0;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      const bytes = Buffer.byteLength(line);
      if (this.size + chunkBytes > 0 && this.size + chunkBytes + bytes > this.opts.maxBytes) {
        if (!this.append(chunk, chunkBytes)) return this.requeue(lines.slice(i - chunk.length));
        chunk = [];
        chunkBytes = 0;
        this.rotate();
      }
      chunk.push(line);
      chunkBytes += bytes;
    }
    if (!this.append(chunk, chunkBytes)) this.requeue(lines.slice(lines.length - chunk.length));
  }

  /** Writes whole lines or nothing: on error the file is cut back to where it was. */
  private append(lines: string[], bytes: number): boolean {
    if (lines.length === 0) return true;
    const buf = Buffer.from(lines.join(''));
    try {
      for (let off = 0; off < buf.length; ) off += writeSync(this.fd, buf, off);
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
    this.size += bytes;
    this.counters.written += lines.length;
    this.counters.bytesWritten += bytes;
    return true;
  }

  private requeue(lines: string[]): void {
    // Keep unwritten lines ahead of newer ones, within the same memory bound as write().
    const newer = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    for (const line of [...lines, ...newer]) {
      const bytes = Buffer.byteLength(line);
      if (this.pendingBytes + bytes > this.opts.maxBufferedBytes) this.counters.dropped++;
      else {
        this.pending.push(line);
        this.pendingBytes += bytes;
      }
    }
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
