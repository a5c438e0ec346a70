// Reads the JSONL spool forward, line by line, across rotations (path.N … path.1, path), from a
// position that names a file by identity rather than by name. Only complete lines are
// returned; a line still being written is left for the next read.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { countNewlines, fileId, listSpoolFiles, sameFile, type FileId, type SpoolFile } from './spool.js';

export interface SpoolPosition {
  file: FileId;
  /** Byte offset in that file just after the last line consumed. */
  offset: number;
}

export interface SpoolLine {
  text: string;
  /** Position just after this line. */
  end: SpoolPosition;
}

export interface SpoolReaderOptions {
  /** Where to start: a saved position, the oldest file's start, or the live file's end. */
  start?: SpoolPosition | 'oldest' | 'live-end';
  /** Bytes read per call. */
  chunkBytes?: number;
  /** A line longer than this is skipped (and counted) rather than buffered without bound. */
  maxLineBytes?: number;
}

export class SpoolReader {
  private pos: SpoolPosition | undefined;
  private readonly startAt: 'oldest' | 'live-end';
  private readonly chunkBytes: number;
  private readonly maxLineBytes: number;
  private buf: Buffer;
  /** Times the reader's file was deleted before it finished it. */
  gaps = 0;
  /** Bytes skipped: torn pieces in rotated files and over-long lines. */
  skippedBytes = 0;

  constructor(
    private readonly spool: string,
    opts: SpoolReaderOptions = {},
  ) {
    if (typeof opts.start === 'object') this.pos = opts.start;
    this.startAt = typeof opts.start === 'string' ? opts.start : 'oldest';
    this.chunkBytes = opts.chunkBytes ?? 256 * 1024;
    this.maxLineBytes = opts.maxLineBytes ?? 16 * 1024 * 1024;
    this.buf = Buffer.allocUnsafe(this.chunkBytes);
  }

  position(): SpoolPosition | undefined {
    return this.pos;
  }

  seek(pos: SpoolPosition): void {
    this.pos = pos;
  }

  /** The next complete lines of one file; [] when caught up with the writer. */
  read(): SpoolLine[] {
    return this.advance(true) as SpoolLine[];
  }

  /** Like read(), but only counts the lines it moves over (0 when caught up). */
  count(): number {
    return this.advance(false) as number;
  }

  private advance(wantLines: boolean): SpoolLine[] | number {
    for (let guard = 0; guard < 1000; guard++) {
      const files = listSpoolFiles(this.spool);
      if (files.length === 0) return wantLines ? [] : 0;
      const idx = this.locate(files);
      const file = files[idx]!;
      const pos = this.pos!;
      const got = this.readFrom(file, pos.offset, wantLines);
      if (got === 'moved') continue; // rotated between listing and opening
      if (got !== 0 && (typeof got === 'number' || got.length > 0)) return got;
      const newest = idx === files.length - 1;
      if (newest) return got;
      // A finished rotated file: anything after its last newline is a torn piece, never completed.
      this.skippedBytes += Math.max(0, file.size - pos.offset);
      this.pos = { file: files[idx + 1]!.id, offset: 0 };
    }
    throw new Error(`spool ${this.spool} keeps changing under the reader`);
  }

  /** Index of the current file; starts or jumps when there is none. */
  private locate(files: SpoolFile[]): number {
    if (!this.pos) {
      const f = this.startAt === 'live-end' ? files.at(-1)! : files[0]!;
      this.pos = { file: f.id, offset: this.startAt === 'live-end' ? f.size : 0 };
    }
    const pos = this.pos;
    const idx = files.findIndex((f) => sameFile(f.id, pos.file));
    if (idx !== -1 && pos.offset <= files[idx]!.size) return idx;
    // Our file was deleted by rotation before we finished it: go on from the oldest one left.
    this.gaps++;
    this.pos = { file: files[0]!.id, offset: 0 };
    return 0;
  }

  private readFrom(file: SpoolFile, offset: number, wantLines: boolean): SpoolLine[] | number | 'moved' {
    let fd: number;
    try {
      fd = openSync(file.path, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'moved';
      throw err;
    }
    try {
      if (!sameFile(fileId(fstatSync(fd)), file.id)) return 'moved';
      for (;;) {
        const n = readSync(fd, this.buf, 0, this.buf.length, offset);
        const last = this.buf.subarray(0, n).lastIndexOf(10);
        if (last !== -1) {
          this.pos = { file: file.id, offset: offset + last + 1 };
          const got = wantLines ? this.split(file.id, offset, last) : countNewlines(this.buf.subarray(0, last + 1));
          if (this.buf.length > this.chunkBytes) this.buf = Buffer.allocUnsafe(this.chunkBytes);
          return got;
        }
        if (n < this.buf.length) return wantLines ? [] : 0; // a partial line at the end: not yet written
        if (this.buf.length < this.maxLineBytes) {
          this.buf = Buffer.allocUnsafe(Math.min(this.maxLineBytes, this.buf.length * 2));
          continue;
        }
        // An over-long line: skip past it without holding it.
        offset += n;
        this.skippedBytes += n;
        this.pos = { file: file.id, offset };
      }
    } finally {
      closeSync(fd);
    }
  }

  private split(file: FileId, base: number, last: number): SpoolLine[] {
    const lines: SpoolLine[] = [];
    let start = 0;
    while (start <= last) {
      const nl = this.buf.indexOf(10, start);
      lines.push({ text: this.buf.toString('utf8', start, nl), end: { file, offset: base + nl + 1 } });
      start = nl + 1;
    }
    return lines;
  }
}
