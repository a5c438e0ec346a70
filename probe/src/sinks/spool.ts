// The JSONL file is the spool for the NATS publisher. This module holds the small on-disk
// contract shared by the writer (JsonlSink) and the readers (publisher, `vigil events`):
// file identity, the publisher's checkpoint, the loss ledger, and the list of spool files.
import { closeSync, openSync, readdirSync, readFileSync, readSync, renameSync, statSync, writeFileSync, type Stats } from 'node:fs';
import { basename, dirname } from 'node:path';
import { z } from 'zod';

/** A file's identity survives renames (rotation); birth time guards against inode reuse. */
export const FileId = z.object({ dev: z.number(), ino: z.number(), birth: z.number() });
export type FileId = z.infer<typeof FileId>;

export const Checkpoint = z.object({
  file: FileId,
  /** Byte offset just after the last acknowledged line. */
  offset: z.number().int().nonnegative(),
  /** Loss-ledger total already reported downstream. */
  lostSeen: z.number().int().nonnegative().default(0),
});
export type Checkpoint = z.infer<typeof Checkpoint>;

export const checkpointPath = (spool: string): string => `${spool}.checkpoint`;
export const lossLedgerPath = (spool: string): string => `${spool}.lost`;
export const rotatedPath = (spool: string, n: number): string => `${spool}.${n}`;

export function fileId(st: Stats): FileId {
  return { dev: st.dev, ino: st.ino, birth: Math.floor(st.birthtimeMs) };
}

export function sameFile(a: FileId, b: FileId): boolean {
  return a.dev === b.dev && a.ino === b.ino && a.birth === b.birth;
}

/** Writes through a temporary file and a rename, so readers see the old or the new content. */
export function writeFileAtomic(path: string, content: string): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, content);
  renameSync(tmp, path);
}

export function readCheckpoint(spool: string): Checkpoint | undefined {
  let text: string;
  try {
    text = readFileSync(checkpointPath(spool), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const parsed = Checkpoint.safeParse(safeJson(text));
  if (!parsed.success) throw new Error(`corrupt spool checkpoint ${checkpointPath(spool)}: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

export function writeCheckpoint(spool: string, cp: Checkpoint): void {
  writeFileAtomic(checkpointPath(spool), JSON.stringify(cp));
}

/** Total events the writer deleted before the publisher read them (monotonic). */
export function readLossLedger(spool: string): number {
  try {
    const v = (safeJson(readFileSync(lossLedgerPath(spool), 'utf8')) as { total?: unknown } | undefined)?.total;
    return typeof v === 'number' && v >= 0 ? v : 0;
  } catch {
    return 0;
  }
}

export function addToLossLedger(spool: string, lost: number): number {
  const total = readLossLedger(spool) + lost;
  writeFileAtomic(lossLedgerPath(spool), JSON.stringify({ total, updated: new Date().toISOString() }));
  return total;
}

export interface SpoolFile {
  path: string;
  id: FileId;
  size: number;
}

/** The spool's files, oldest first: path.N … path.1, path. Missing files are left out. */
export function listSpoolFiles(spool: string): SpoolFile[] {
  const dir = dirname(spool);
  const base = basename(spool);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const rotated = names
    .map((n) => (n.startsWith(`${base}.`) ? Number(n.slice(base.length + 1)) : NaN))
    .filter((n) => Number.isInteger(n) && n > 0)
    .sort((a, b) => b - a)
    .map((n) => rotatedPath(spool, n));
  const files: SpoolFile[] = [];
  for (const path of [...rotated, spool]) {
    try {
      const st = statSync(path);
      files.push({ path, id: fileId(st), size: st.size });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  return files;
}

/** Counts newline-terminated lines in [from, end of file). */
export function countLines(path: string, from = 0): number {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    let pos = from;
    let lines = 0;
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, pos);
      if (n === 0) return lines;
      lines += countNewlines(buf.subarray(0, n));
      pos += n;
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Events in `doomed` that the publisher has not acknowledged, given its checkpoint and the
 * files that survive the deletion. Errs towards counting: in-flight lines count as lost.
 */
export function unpublishedLines(doomed: SpoolFile, cp: Checkpoint, survivors: SpoolFile[]): number {
  if (sameFile(cp.file, doomed.id)) return countLines(doomed.path, Math.min(cp.offset, doomed.size));
  if (survivors.some((f) => sameFile(f.id, cp.file))) return 0;
  return countLines(doomed.path);
}

export function countNewlines(buf: Uint8Array): number {
  let lines = 0;
  for (let i = buf.indexOf(10); i !== -1; i = buf.indexOf(10, i + 1)) lines++;
  return lines;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
