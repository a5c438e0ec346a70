// The only module that touches FFI: binds libvigilprobe.so (probe/native) through ffi-rs.
// Records cross the boundary in batches — one vigil_poll call moves up to 2 MiB of ring-buffer
// records into the shim's batch buffer, which JS reads in place through an external Buffer —
// because one FFI call costs several microseconds.
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { close, createExternalBuffer, DataType, define, open, type JsExternal } from 'ffi-rs';

/** Mirrors VIGIL_BATCH_BYTES in probe/native/vigilprobe.h. */
export const BATCH_BYTES = 2 * 1024 * 1024;
/** Mirrors VIGIL_PROBE_MAX and the probe order of enum vigil_probe_id in probe/bpf/events.h. */
export const PROBE_NAMES = [
  'ssl_write', 'ssl_read', 'ssl_sni', 'ssl_close', 'exec', 'exit', 'oom', 'plain_write', 'plain_read', 'plain_close',
  'go_write', 'go_read',
] as const;
export type ProbeName = (typeof PROBE_NAMES)[number];

const LIBRARY = 'vigilprobe';

/** TLS libraries the probes know, with their enum vigil_library values (probe/bpf/events.h). */
export const TLS_LIBRARY_IDS = { openssl: 1, gnutls: 3 } as const;
export type TlsLibrary = keyof typeof TLS_LIBRARY_IDS;

/** One uprobe program (by its name in probe/bpf) at a byte offset of a file, entry or return. */
export interface UprobeAt {
  program: string;
  fileOffset: number;
  retprobe?: boolean;
}
const ERR_LEN = 1024;

export class ProbeError extends Error {
  constructor(
    message: string,
    readonly errno: number,
  ) {
    super(message);
    this.name = 'ProbeError';
  }
}

export interface ProbeOptions {
  ringBufferBytes: number;
  maxCaptureBytes: number;
  /** Process whose own TLS is never captured (the agent itself). */
  selfTgid: number;
  /** Bit n set: deaths by signal n are reported. */
  fatalSignalMask: number;
  /** Also capture connections this node's processes serve (dropped in the kernel otherwise). */
  serverSide?: boolean;
  /** Path of libvigilprobe.so; found next to the sources or the build by default. */
  libraryPath?: string;
}

export interface Counters {
  events: Record<ProbeName, number>;
  lost: Record<ProbeName, number>;
}

/** Where `make -C probe` puts the shim, seen from src (vitest) and from dist. */
export function defaultLibraryPath(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [resolve(here, '../../build/libvigilprobe.so'), resolve(here, '../../../../probe/build/libvigilprobe.so')];
  if (process.env.VIGIL_PROBE_LIB) candidates.unshift(process.env.VIGIL_PROBE_LIB);
  return candidates.find((p) => existsSync(p)) ?? candidates[0]!;
}

/** The shim's functions as this module calls them (ffi-rs's own typing of define() is too loose to use). */
interface Native {
  vigil_open(args: [number, number, number, number, number, Buffer, number]): number;
  vigil_attach_tracepoints(args: [number, Buffer, number]): number;
  vigil_attach_tls(args: [number, string, number, Buffer, number]): number;
  vigil_watch_port(args: [number, number]): number;
  vigil_attach_uprobe(args: [number, string, string, number, number, Buffer, number]): number;
  vigil_detach_uprobe(args: [number, number]): number;
  vigil_poll(args: [number]): number;
  vigil_batch(args: [number]): JsExternal;
  vigil_read_counters(args: [number, Buffer, number]): number;
  vigil_close(args: [number]): void;
}

const lib = {
  vigil_open: {
    library: LIBRARY,
    retType: DataType.I32,
    paramsType: [DataType.U32, DataType.U32, DataType.U32, DataType.U32, DataType.U32, DataType.U8Array, DataType.I32],
  },
  vigil_attach_tracepoints: { library: LIBRARY, retType: DataType.I32, paramsType: [DataType.I32, DataType.U8Array, DataType.I32] },
  vigil_attach_tls: {
    library: LIBRARY,
    retType: DataType.I32,
    paramsType: [DataType.I32, DataType.String, DataType.U32, DataType.U8Array, DataType.I32],
  },
  vigil_watch_port: { library: LIBRARY, retType: DataType.I32, paramsType: [DataType.I32, DataType.U32] },
  vigil_attach_uprobe: {
    library: LIBRARY,
    retType: DataType.I32,
    paramsType: [DataType.I32, DataType.String, DataType.String, DataType.U64, DataType.I32, DataType.U8Array, DataType.I32],
  },
  vigil_detach_uprobe: { library: LIBRARY, retType: DataType.I32, paramsType: [DataType.I32, DataType.I32] },
  // Called without a wait, on the caller's thread: ffi-rs's runInNewThread starts a thread per
  // call (~200 µs of CPU), more than the agent spends on a whole batch of calls.
  vigil_poll: { library: LIBRARY, retType: DataType.I32, paramsType: [DataType.I32] },
  vigil_batch: { library: LIBRARY, retType: DataType.External, paramsType: [DataType.I32] },
  vigil_read_counters: { library: LIBRARY, retType: DataType.I32, paramsType: [DataType.I32, DataType.U8Array, DataType.I32] },
  vigil_close: { library: LIBRARY, retType: DataType.Void, paramsType: [DataType.I32] },
};

let bound: Native | undefined;
let openedPath: string | undefined;

function bind(path: string): Native {
  if (bound) {
    if (openedPath !== path) throw new ProbeError(`probe library already loaded from ${openedPath}`, 0);
    return bound;
  }
  if (!existsSync(path)) {
    throw new ProbeError(`probe library ${path} not found: build it with \`make -C probe\` (the setup script does)`, 2);
  }
  open({ library: LIBRARY, path });
  openedPath = path;
  bound = define(lib as Parameters<typeof define>[0]) as unknown as Native;
  return bound;
}

function errText(buf: Buffer): string {
  const end = buf.indexOf(0);
  return buf.toString('utf8', 0, end < 0 ? buf.length : end);
}

/** One loaded set of probes. Not safe to use from two pollers at once. */
export class Probe {
  private readonly err = Buffer.alloc(ERR_LEN);
  private readonly batch: Buffer;
  private closed = false;

  private constructor(
    private readonly fns: Native,
    private readonly handle: number,
  ) {
    this.batch = createExternalBuffer(fns.vigil_batch([handle]), BATCH_BYTES);
  }

  static open(opts: ProbeOptions): Probe {
    const fns = bind(opts.libraryPath ?? defaultLibraryPath());
    const err = Buffer.alloc(ERR_LEN);
    const h = fns.vigil_open([
      opts.ringBufferBytes,
      opts.maxCaptureBytes,
      opts.selfTgid,
      opts.fatalSignalMask >>> 0,
      opts.serverSide ? 1 : 0,
      err,
      ERR_LEN,
    ]);
    if (h < 0) throw new ProbeError(errText(err) || `vigil_open failed (errno ${-h})`, -h);
    return new Probe(fns, h);
  }

  attachTracepoints(): void {
    const rc = this.fns.vigil_attach_tracepoints([this.handle, this.err, ERR_LEN]);
    if (rc < 0) throw new ProbeError(errText(this.err), -rc);
  }

  /** Attaches one TLS library's probes to one file; they stay until close(). */
  attachTls(path: string, library: TlsLibrary): number {
    const rc = this.fns.vigil_attach_tls([this.handle, path, TLS_LIBRARY_IDS[library], this.err, ERR_LEN]);
    if (rc < 0) throw new ProbeError(errText(this.err), -rc);
    return rc;
  }

  /**
   * Attaches one uprobe program (by its name in probe/bpf) at a byte offset of a file: for
   * probe points user space finds itself, such as the RET instructions of a Go function.
   * Returns a link id for detachUprobe().
   */
  attachUprobe(path: string, at: UprobeAt): number {
    const { program, fileOffset, retprobe = false } = at;
    if (!Number.isSafeInteger(fileOffset) || fileOffset < 0) throw new ProbeError(`bad file offset ${fileOffset}`, 22);
    const rc = this.fns.vigil_attach_uprobe([this.handle, program, path, fileOffset, retprobe ? 1 : 0, this.err, ERR_LEN]);
    if (rc < 0) throw new ProbeError(errText(this.err), -rc);
    return rc;
  }

  detachUprobe(link: number): void {
    const rc = this.fns.vigil_detach_uprobe([this.handle, link]);
    if (rc < 0) throw new ProbeError(`detaching uprobe link ${link} failed (errno ${-rc})`, -rc);
  }

  /** Follows plaintext connections to this server port (in-cluster model servers). */
  watchPort(port: number): void {
    const rc = this.fns.vigil_watch_port([this.handle, port]);
    if (rc < 0) throw new ProbeError(`watching port ${port} failed (errno ${-rc})`, -rc);
  }

  /**
   * Moves what the ring buffer holds now into the batch, without waiting, and returns a view of
   * it: framed records valid until the next poll(). Empty when nothing is pending.
   */
  poll(): Buffer {
    if (this.closed) throw new ProbeError('probe is closed', 9);
    const n = this.fns.vigil_poll([this.handle]);
    if (n < 0) throw new ProbeError(`polling the ring buffer failed (errno ${-n})`, -n);
    return this.batch.subarray(0, n);
  }

  readCounters(): Counters {
    const out = Buffer.alloc(PROBE_NAMES.length * 2 * 8);
    const n = this.fns.vigil_read_counters([this.handle, out, out.length]);
    if (n < 0) throw new ProbeError(`reading counters failed (errno ${-n})`, -n);
    const events = {} as Record<ProbeName, number>;
    const lost = {} as Record<ProbeName, number>;
    PROBE_NAMES.forEach((name, i) => {
      events[name] = Number(out.readBigUInt64LE(i * 8));
      lost[name] = Number(out.readBigUInt64LE((PROBE_NAMES.length + i) * 8));
    });
    return { events, lost };
  }

  /** Detaches every probe. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.fns.vigil_close([this.handle]);
  }
}

/** Unloads the shim (tests). */
export function unloadLibrary(): void {
  if (bound) close(LIBRARY);
  bound = undefined;
  openedPath = undefined;
}
