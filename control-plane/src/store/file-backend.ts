// The default durable backend: one append-only JSONL file per collection or log under the data
// directory, with in-memory indexes rebuilt on start. Every write reaches the kernel before it
// resolves (so a killed process loses nothing acknowledged); fsync follows on a short interval,
// and at once for the important collections (approvals, claims, audit).
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { logger } from '../../../lib/log.js';
import type { Backend } from './backend.js';
import { recoverFile, rewriteFile } from './jsonl.js';

const log = logger('store');

type Line = { id: string; v?: unknown; del?: true };

export interface FileBackendOptions {
  dir: string;
  /** Collections and logs whose writes are fsynced before they resolve. */
  syncNow?: readonly string[];
  fsyncIntervalMs?: number;
}

const NAME = /^[a-z][a-z0-9-]*$/;
/** Logs are files named `<name>-log`; every other file is a collection (last write wins). */
export const LOG_SUFFIX = '-log';

export class FileBackend implements Backend {
  private readonly maps = new Map<string, Map<string, unknown>>();
  private readonly logs = new Map<string, { ids: Set<string>; entries: unknown[] }>();
  private readonly fds = new Map<string, number>();
  private readonly dirty = new Set<number>();
  private readonly timer: NodeJS.Timeout;
  readonly recovery = { tornBytes: 0, badLines: 0, compacted: 0 };

  constructor(private readonly opts: FileBackendOptions) {
    mkdirSync(opts.dir, { recursive: true });
    for (const file of readdirSync(opts.dir).filter((f) => f.endsWith('.jsonl'))) this.load(file.slice(0, -'.jsonl'.length));
    this.timer = setInterval(() => this.flush(), opts.fsyncIntervalMs ?? 100);
    this.timer.unref();
  }

  async get(collection: string, id: string): Promise<unknown> {
    return this.map(collection).get(id);
  }

  async put(collection: string, id: string, value: unknown): Promise<void> {
    this.write(collection, { id, v: value });
    this.map(collection).set(id, value);
  }

  async create(collection: string, id: string, value: unknown): Promise<boolean> {
    if (this.map(collection).has(id)) return false;
    await this.put(collection, id, value);
    return true;
  }

  async update(collection: string, id: string, change: (current: unknown) => unknown): Promise<unknown> {
    // Synchronous read-modify-write: nothing else in this process runs in between.
    const next = change(this.map(collection).get(id));
    if (next !== undefined) await this.put(collection, id, next);
    return next;
  }

  async delete(collection: string, id: string): Promise<void> {
    if (!this.map(collection).has(id)) return;
    this.write(collection, { id, del: true });
    this.map(collection).delete(id);
  }

  async list(collection: string): Promise<unknown[]> {
    return [...this.map(collection).values()];
  }

  async append(logName: string, id: string, value: unknown): Promise<void> {
    if (!logName.endsWith(LOG_SUFFIX)) throw new Error(`store: log names end in ${LOG_SUFFIX}`);
    const l = this.log(logName);
    if (l.ids.has(id)) return;
    this.write(logName, { id, v: value });
    l.ids.add(id);
    l.entries.push(value);
  }

  async readLog(logName: string): Promise<unknown[]> {
    return [...this.log(logName).entries];
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    this.flush();
    for (const fd of this.fds.values()) closeSync(fd);
    this.fds.clear();
  }

  private map(name: string): Map<string, unknown> {
    let m = this.maps.get(name);
    if (!m) this.maps.set(name, (m = new Map()));
    return m;
  }

  private log(name: string): { ids: Set<string>; entries: unknown[] } {
    let l = this.logs.get(name);
    if (!l) this.logs.set(name, (l = { ids: new Set(), entries: [] }));
    return l;
  }

  private file(name: string): string {
    if (!NAME.test(name)) throw new Error(`store: bad collection name ${name}`);
    return join(this.opts.dir, `${name}.jsonl`);
  }

  private write(name: string, line: Line): void {
    let fd = this.fds.get(name);
    if (fd === undefined) this.fds.set(name, (fd = openSync(this.file(name), 'a')));
    writeSync(fd, `${JSON.stringify(line)}\n`);
    if (this.opts.syncNow?.includes(name)) fsyncSync(fd);
    else this.dirty.add(fd);
  }

  private flush(): void {
    for (const fd of this.dirty) fsyncSync(fd);
    this.dirty.clear();
  }

  /** Rebuilds one file's index; a collection whose file is mostly superseded lines is compacted. */
  private load(name: string): void {
    if (!NAME.test(name)) return;
    const file = this.file(name);
    const { records, tornBytes, badLines } = recoverFile(file);
    this.recovery.tornBytes += tornBytes;
    this.recovery.badLines += badLines;
    if (tornBytes > 0 || badLines > 0) log.warn({ file, tornBytes, badLines }, 'repaired store file after an unclean stop');
    const lines = records as Line[];
    if (name.endsWith(LOG_SUFFIX)) {
      const l = this.log(name);
      for (const line of lines) {
        if (l.ids.has(line.id)) continue;
        l.ids.add(line.id);
        l.entries.push(line.v);
      }
      return;
    }
    const m = this.map(name);
    for (const line of lines) {
      if (line.del) m.delete(line.id);
      else m.set(line.id, line.v);
    }
    if (lines.length > 1000 && lines.length > 4 * m.size) {
      rewriteFile(file, [...m].map(([id, v]) => `${JSON.stringify({ id, v })}\n`));
      this.recovery.compacted += 1;
    }
  }
}
