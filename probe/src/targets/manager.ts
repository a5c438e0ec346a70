// Which files the TLS probes attach to. Targets are discovered from running processes
// (/proc/PID/maps) and from new exec()s, including binaries in other mount namespaces
// (containers) through /proc/PID/root; each file is attached once, by device and inode.
import { execFile } from 'node:child_process';
import { readdir, readFile, readlink, stat } from 'node:fs/promises';
import { promisify } from 'node:util';
import { basename } from 'node:path';
import type { Logger } from '../../../lib/log.js';
import type { TlsLibrary, UprobeAt } from '../ffi/probe.js';
import { ElfFile, NotElfError } from './elf.js';
import { goProbePlan, GoUnsupportedError, isGoBinary } from './go.js';
import { StrippedTlsUnsupported, boringSslProbes, locateBoringSsl } from './boringssl.js';

/** The functions each library's probes need, in the order they are tried on a file. */
export const REQUIRED_SYMBOLS: ReadonlyArray<readonly [TlsLibrary, readonly string[]]> = [
  ['openssl', ['SSL_write', 'SSL_read']],
  ['gnutls', ['gnutls_record_send', 'gnutls_record_recv']],
];

export interface Attacher {
  attachTls(path: string, library: TlsLibrary): number;
  /** One uprobe program at a file offset (Go binaries, BoringSSL without symbols); returns a link id. */
  attachUprobe(path: string, at: UprobeAt): number;
  detachUprobe(link: number): void;
}

export type TargetState = 'attached' | 'no_symbols' | 'failed' | 'excluded';

export interface TargetInfo {
  /** Path as first seen (inside its mount namespace). */
  path: string;
  /** Path the probes were attached through (host view). */
  hostPath: string;
  devIno: string;
  library?: TlsLibrary | 'go' | 'boringssl';
  /** What was attached, e.g. "go1.19.8, .gopclntab, 12 probes". */
  detail?: string;
  state: TargetState;
  reason?: string;
  firstPid: number;
  attachedAt?: string;
}

export interface MappedFile {
  path: string;
  executable: boolean;
}

/** Pure: the distinct file paths a /proc/PID/maps text maps, with whether any mapping executes. */
export function parseMaps(text: string): MappedFile[] {
  const byPath = new Map<string, boolean>();
  for (const line of text.split('\n')) {
    // address perms offset dev inode pathname
    const m = /^\S+\s+(\S{4})\s+\S+\s+\S+\s+(\d+)\s+(\/.*)$/.exec(line);
    if (!m || m[2] === '0' || m[3]!.endsWith(' (deleted)')) continue;
    byPath.set(m[3]!, (byPath.get(m[3]!) ?? false) || m[1]![2] === 'x');
  }
  return [...byPath].map(([path, executable]) => ({ path, executable }));
}

/** Pure: is this mapped file worth an ELF look? TLS libraries by name, and every executable image. */
export function isCandidate(file: MappedFile, exePath: string | undefined): boolean {
  if (!file.executable) return false;
  const name = basename(file.path);
  return /^lib(ssl|boringssl|gnutls)[\w.-]*\.so/.test(name) || file.path === exePath;
}

/** Pure: the TLS libraries in `ldconfig -p` output. */
export function parseLdconfig(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*(lib(?:ssl|boringssl|gnutls)[\w.-]*\.so[\w.]*)\s.*=>\s*(\/\S+)$/.exec(line);
    if (m && !out.includes(m[2]!)) out.push(m[2]!);
  }
  return out;
}

export class TargetManager {
  private readonly targets = new Map<string, TargetInfo>();
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly timers = new Set<NodeJS.Timeout>();

  /**
   * `excluded` names the pattern that keeps a file (by its path inside its mount namespace) from
   * being probed, or undefined (config `capture.exclude_targets`, probe/src/targets/exclude.ts).
   */
  constructor(
    private readonly attacher: Attacher,
    private readonly log: Logger,
    private readonly excluded: (path: string) => string | undefined = () => undefined,
    private readonly procRoot = '/proc',
  ) {}

  list(): TargetInfo[] {
    return [...this.targets.values()];
  }

  attachedCount(): number {
    return this.list().filter((t) => t.state === 'attached').length;
  }

  /** Attaches a file given by path in the host's view (config `capture.libraries`). */
  async addFile(path: string): Promise<TargetInfo | undefined> {
    return this.consider(path, path, 0);
  }

  /**
   * Attaches the host's system TLS libraries up front, so a process that loads one later
   * (Python importing ssl, a new curl) is covered from its first call.
   */
  async addSystemLibraries(): Promise<void> {
    const text = await promisify(execFile)('ldconfig', ['-p']).then(
      (r) => r.stdout,
      () => '',
    );
    for (const lib of parseLdconfig(text)) await this.addFile(lib);
  }

  /** Looks at every running process. */
  async scanAll(): Promise<void> {
    const entries = await readdir(this.procRoot).catch(() => [] as string[]);
    for (const e of entries) {
      if (/^\d+$/.test(e)) await this.scanPid(Number(e));
    }
  }

  /** Returns whether the process's executable was looked at (false: the process, or its file, is gone). */
  async scanPid(pid: number): Promise<boolean> {
    let maps: string;
    let exe: string | undefined;
    try {
      maps = await readFile(`${this.procRoot}/${pid}/maps`, 'utf8');
      exe = await readlink(`${this.procRoot}/${pid}/exe`).catch(() => undefined);
    } catch {
      return false;
    }
    let sawExe = false;
    for (const file of parseMaps(maps)) {
      if (!isCandidate(file, exe)) continue;
      const t = await this.consider(file.path, `${this.procRoot}/${pid}/root${file.path}`, pid);
      if (t && file.path === exe) sawExe = true;
    }
    return sawExe;
  }

  /**
   * A new exec(): the executable is mapped now, shared libraries only once the dynamic loader
   * has run, so look again shortly after. A process that was already gone (a short-lived Go
   * client exits within milliseconds) leaves its exec() path: look at that file in the host's
   * view, so the binary's next run is covered. Gone includes a zombie not yet reaped by its
   * parent: its /proc entry stays, with nothing mapped.
   */
  onExec(pid: number, filename?: string): void {
    void this.scanPid(pid).then(async (sawExe) => {
      if (sawExe || !filename?.startsWith('/')) return;
      const maps = await readFile(`${this.procRoot}/${pid}/maps`, 'utf8').catch(() => '');
      if (maps === '') await this.consider(filename, filename, pid);
    });
    for (const delay of [100, 1000]) {
      const t = setTimeout(() => {
        this.timers.delete(t);
        void this.scanPid(pid);
      }, delay);
      t.unref();
      this.timers.add(t);
    }
  }

  stop(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private async consider(path: string, hostPath: string, pid: number): Promise<TargetInfo | undefined> {
    let devIno: string;
    try {
      const st = await stat(hostPath);
      devIno = `${st.dev}:${st.ino}`;
    } catch {
      return undefined;
    }
    const known = this.targets.get(devIno);
    if (known) return known;
    // Two scans can meet the same file at once: attach once.
    const pending = this.inFlight.get(devIno);
    if (pending) {
      await pending;
      return this.targets.get(devIno);
    }
    const pattern = this.excluded(path);
    if (pattern !== undefined) {
      const info: TargetInfo = { path, hostPath, devIno, state: 'excluded', reason: `capture.exclude_targets "${pattern}"`, firstPid: pid };
      this.targets.set(devIno, info);
      this.log.info({ path, pid, pattern }, 'target excluded from probing');
      return info;
    }
    const work = this.inspect(path, hostPath, devIno, pid);
    this.inFlight.set(devIno, work);
    try {
      await work;
    } finally {
      this.inFlight.delete(devIno);
    }
    return this.targets.get(devIno);
  }

  private async inspect(path: string, hostPath: string, devIno: string, pid: number): Promise<void> {
    const info: TargetInfo = { path, hostPath, devIno, state: 'no_symbols', firstPid: pid };
    let elf: ElfFile | undefined;
    try {
      elf = await ElfFile.open(hostPath);
      const syms = await elf.symbols(REQUIRED_SYMBOLS.flatMap(([, names]) => names));
      const library = REQUIRED_SYMBOLS.find(([, names]) => names.every((n) => syms.has(n)))?.[0];
      if (library) {
        info.library = library;
        this.attacher.attachTls(hostPath, library);
      } else if (isGoBinary(elf.sections.map((s) => s.name))) {
        info.library = 'go';
        const plan = await goProbePlan(elf);
        if (!plan) {
          info.reason = 'Go binary without crypto/tls';
          this.targets.set(devIno, info);
          return;
        }
        // Through the agent's own descriptor of the file: a short-lived process's
        // /proc/PID/root path vanishes with it, the open file does not.
        this.attachAll(elf.fdPath, plan.probes);
        info.detail = `${plan.goVersion}, symbols from ${plan.symbolSource}, ${plan.probes.length} probes`;
      } else {
        const boringssl = await locateBoringSsl(elf);
        if (!boringssl) {
          info.reason = 'no TLS read/write functions (SSL_read/SSL_write, gnutls_record_recv/send, Go crypto/tls, BoringSSL)';
          this.targets.set(devIno, info);
          return;
        }
        info.library = 'boringssl';
        this.attachAll(elf.fdPath, boringSslProbes(elf, boringssl));
        info.detail = `without symbols: ${boringssl.detail}`;
      }
      info.state = 'attached';
      info.attachedAt = new Date().toISOString();
      this.log.info({ path, pid, hostPath, library: info.library, detail: info.detail }, 'TLS probes attached');
    } catch (e) {
      // The process (and its /proc/PID/root view of the file) went away mid-look: nothing is
      // known about the file, so a later exec or scan looks again.
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      if (e instanceof NotElfError) {
        info.reason = e.message;
      } else {
        // A Go binary the probes cannot serve (too old, not amd64, unknown tables), or a
        // BoringSSL whose functions cannot be told apart, is reported as failed with its
        // reason, so `vigil status` shows why its traffic is not captured.
        info.state = 'failed';
        info.reason = (e as Error).message;
        const unsupported = e instanceof GoUnsupportedError || e instanceof StrippedTlsUnsupported;
        this.log.warn({ path, pid, err: info.reason, unsupported }, 'attaching TLS probes failed');
      }
    } finally {
      await elf?.close();
    }
    this.targets.set(devIno, info);
  }

  /** All of a binary's located probes, or none: a partial set would mis-pair entries and returns. */
  private attachAll(path: string, probes: readonly UprobeAt[]): void {
    const links: number[] = [];
    try {
      for (const p of probes) links.push(this.attacher.attachUprobe(path, p));
    } catch (e) {
      for (const l of links) this.attacher.detachUprobe(l);
      throw e;
    }
  }
}
