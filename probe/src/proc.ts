// What the kernel records leave out about a process (its full executable path and cgroup
// path), read from /proc while the process lives — at exec() and at start-up — and kept in a
// bounded cache so a crash event can still name the binary after the process is gone.
import { readFile, readlink } from 'node:fs/promises';

export interface ProcessFacts {
  exe?: string;
  /** The process's cgroup path (the memory controller's on cgroup v1, the unified one on v2). */
  cgroupPath?: string;
}

/** Pure: picks the cgroup path that names the container from a /proc/PID/cgroup text. */
export function pickCgroupPath(text: string): string | undefined {
  let unified: string | undefined;
  let memory: string | undefined;
  for (const line of text.split('\n')) {
    const [id, controllers, path] = line.split(':', 3);
    if (path === undefined) continue;
    if (id === '0' && controllers === '') unified = path;
    else if (controllers!.split(',').includes('memory')) memory = path;
  }
  if (unified && unified !== '/') return unified;
  return memory ?? unified;
}

export class ProcessCache {
  private readonly facts = new Map<number, ProcessFacts>();

  constructor(
    private readonly maxEntries = 65_536,
    private readonly procRoot = '/proc',
  ) {}

  /** Reads the facts of a live process now and remembers them. */
  async learn(pid: number): Promise<ProcessFacts> {
    const [exe, cgroup] = await Promise.all([
      readlink(`${this.procRoot}/${pid}/exe`).catch(() => undefined),
      readFile(`${this.procRoot}/${pid}/cgroup`, 'utf8').catch(() => undefined),
    ]);
    const facts: ProcessFacts = { ...this.facts.get(pid) };
    if (exe) facts.exe = exe.replace(/ \(deleted\)$/, '');
    const cgroupPath = cgroup ? pickCgroupPath(cgroup) : undefined;
    if (cgroupPath) facts.cgroupPath = cgroupPath;
    if (facts.exe || facts.cgroupPath) this.remember(pid, facts);
    return facts;
  }

  get(pid: number): ProcessFacts | undefined {
    return this.facts.get(pid);
  }

  /** Facts of a process, from the cache or (while it still lives) from /proc. */
  async lookup(pid: number): Promise<ProcessFacts> {
    return this.facts.get(pid) ?? (await this.learn(pid));
  }

  forget(pid: number): void {
    this.facts.delete(pid);
  }

  size(): number {
    return this.facts.size;
  }

  remember(pid: number, facts: ProcessFacts): void {
    this.facts.delete(pid);
    this.facts.set(pid, facts);
    if (this.facts.size > this.maxEntries) {
      const oldest = this.facts.keys().next().value;
      if (oldest !== undefined) this.facts.delete(oldest);
    }
  }
}
