// Reading an append-only JSONL file back after a crash: a torn last line (the process died
// mid-write) is cut off so the next append starts on a clean line; nothing else is lost.
import { closeSync, existsSync, fsyncSync, ftruncateSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';

export interface Recovered {
  records: unknown[];
  /** Bytes cut from the end (a torn last line). */
  tornBytes: number;
  /** Complete lines that did not parse (counted, skipped). */
  badLines: number;
}

/** Pure: the records in `text`, and how many trailing bytes are an unfinished line. */
export function parseJsonl(text: string): Recovered {
  const end = text.lastIndexOf('\n') + 1;
  const records: unknown[] = [];
  let badLines = 0;
  for (const line of text.slice(0, end).split('\n')) {
    if (line.length === 0) continue;
    try {
      records.push(JSON.parse(line));
    } catch {
      badLines += 1;
    }
  }
  return { records, tornBytes: text.length - end, badLines };
}

/** Reads `file` and cuts a torn last line off it on disk. */
export function recoverFile(file: string): Recovered {
  if (!existsSync(file)) return { records: [], tornBytes: 0, badLines: 0 };
  const buf = readFileSync(file);
  const end = buf.lastIndexOf(0x0a) + 1;
  const recovered = parseJsonl(buf.subarray(0, end).toString('utf8'));
  recovered.tornBytes = buf.length - end;
  if (recovered.tornBytes > 0) {
    const fd = openSync(file, 'r+');
    try {
      ftruncateSync(fd, end);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
  return recovered;
}

/** Replaces `file` with `lines` atomically (write aside, fsync, rename). */
export function rewriteFile(file: string, lines: string[]): void {
  const tmp = `${file}.compact`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, lines.join(''));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}
