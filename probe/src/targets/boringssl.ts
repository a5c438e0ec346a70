// BoringSSL linked into a program without symbols (Bun's single binary): SSL_read and SSL_write
// are found by the error reports BoringSSL compiles into them. Every OPENSSL_PUT_ERROR(SSL, r)
// in ssl/ssl_lib.cc becomes ERR_put_error(ERR_LIB_SSL, 0, r, "<path>/ssl/ssl_lib.cc", line):
// constants loaded into the argument registers (edi, edx, rcx, r8d) before the call. The set of
// reason codes a function reports is its fingerprint, stable across BoringSSL versions:
//  - SSL_write reports ERR_R_SHOULD_NOT_HAVE_BEEN_CALLED (its QUIC check), SSL_R_UNINITIALIZED
//    and SSL_R_SSL_HANDSHAKE_FAILURE, in that source order;
//  - SSL_read (SSL_peek inlined) reports ERR_R_SHOULD_NOT_HAVE_BEEN_CALLED, then calls (or
//    inlines) ssl_read_impl, which reports SSL_R_UNINITIALIZED and SSL_R_SSL_HANDSHAKE_FAILURE
//    from lines above it; where SSL_peek also stands alone, SSL_read is the one calling more;
//  - SSL_set_tlsext_host_name (the SNI) is the one function reporting SSL_R_SSL3_EXT_INVALID_SERVERNAME.
// Function starts come from .eh_frame_hdr when the binary has one, else from the targets of
// direct calls (16-byte aligned, as compilers align functions). Anything not matching exactly
// one function per role is reported as not located, never guessed.
import type { Instruction } from 'iced-x86';
import type { UprobeAt } from '../ffi/probe.js';
import type { ElfFile } from './elf.js';
import { EM_X86_64 } from './elf.js';
import { decode, loadIced } from './amd64.js';

const SOURCE_FILE = Buffer.from('ssl/ssl_lib.cc\0');
/** OpenSSL's counterpart: recognised, so such a binary is reported rather than passed over. */
const OPENSSL_SOURCE_FILE = Buffer.from('/ssl/ssl_lib.c\0');
const ERR_LIB_SSL = 16;
export const REASON = {
  shouldNotHaveBeenCalled: 66,
  ssl3ExtInvalidServername: 213,
  sslHandshakeFailure: 215,
  uninitialized: 226,
} as const;
const WINDOW = 4 * 1024 * 1024;
const MOV_ECX_IMM32 = Buffer.from([0xb9]);
const MOV_RCX_IMM32 = Buffer.from([0x48, 0xc7, 0xc1]);
const LEA_RCX_RIP = Buffer.from([0x48, 0x8d, 0x0d]);
/** How far before an error site its function may start, and how much of a function is read. */
const MAX_FUNCTION = 16 * 1024;

/** A located SSL_read/SSL_write pair (virtual addresses) and how they were found. */
export interface BoringSslFunctions {
  read: number;
  write: number;
  /** SSL_set_tlsext_host_name, when found: the SNI. */
  sni?: number;
  /** e.g. "SSL_read at 0x2586500, SSL_write at 0x2607c30 (function starts from call targets)". */
  detail: string;
}

/** A TLS library linked in without symbols whose functions cannot be located: the reason, for `vigil status`. */
export class StrippedTlsUnsupported extends Error {}

/** One ERR_put_error(ERR_LIB_SSL, …, "…/ssl/ssl_lib.cc", line) in the code. */
export interface ErrorSite {
  /** Address of the instruction loading the file name. */
  at: number;
  reason: number;
  line: number;
}

/** Pure: the [start, end) virtual address ranges of "…ssl/ssl_lib.cc" strings in a read-only section's bytes. */
export function sourceFileStrings(bytes: Buffer, addr: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let i = bytes.indexOf(SOURCE_FILE); i >= 0; i = bytes.indexOf(SOURCE_FILE, i + 1)) {
    const start = bytes.lastIndexOf(0, i) + 1;
    out.push([addr + start, addr + i + SOURCE_FILE.length - 1]);
  }
  return out;
}

/**
 * Pure: addresses in `code` (at virtual address `addr`) of instructions putting one of the
 * `strings` addresses into rcx, the file-name argument: `mov ecx, imm32` (non-PIE),
 * `mov rcx, imm32` or `lea rcx, [rip+disp32]` (PIE). A byte scan: exact decoding follows per function.
 */
export function fileNameLoads(code: Buffer, addr: number, strings: ReadonlyArray<[number, number]>): number[] {
  const hit = (v: number) => strings.some(([lo, hi]) => v >= lo && v < hi);
  const out: number[] = [];
  // [opcode bytes, where its 32-bit operand starts, whether it is rip-relative]
  const forms: Array<[Buffer, number, boolean]> = [
    [MOV_ECX_IMM32, 1, false],
    [MOV_RCX_IMM32, 3, false],
    [LEA_RCX_RIP, 3, true],
  ];
  for (const [op, operand, ripRelative] of forms) {
    for (let i = code.indexOf(op); i >= 0 && i + operand + 4 <= code.length; i = code.indexOf(op, i + 1)) {
      const v = code.readInt32LE(i + operand);
      if (hit(ripRelative ? addr + i + operand + 4 + v : v >>> 0)) out.push(addr + i);
    }
  }
  return out.sort((a, b) => a - b);
}

/** Pure: 16-byte aligned targets of `call rel32` in `code` that land inside [lo, hi). */
export function alignedCallTargets(code: Buffer, addr: number, lo: number, hi: number, into: Set<number>): void {
  for (let i = code.indexOf(0xe8); i >= 0 && i + 5 <= code.length; i = code.indexOf(0xe8, i + 1)) {
    const target = addr + i + 5 + code.readInt32LE(i + 1);
    if ((target & 15) === 0 && target >= lo && target < hi) into.add(target);
  }
}

/**
 * Pure: function start addresses from a .eh_frame_hdr section at `addr`, or undefined when its
 * search table has an encoding other than the (datarel, sdata4) every linker writes.
 */
export function ehFrameHdrStarts(hdr: Buffer, addr: number): number[] | undefined {
  const DATAREL_SDATA4 = 0x3b;
  const UDATA4 = 0x03;
  if (hdr.length < 12 || hdr[0] !== 1 || hdr[2] !== UDATA4 || hdr[3] !== DATAREL_SDATA4) return undefined;
  if (hdr[1] !== 0x1b /* pcrel sdata4 */) return undefined;
  const count = hdr.readUInt32LE(8);
  if (12 + count * 8 > hdr.length) return undefined;
  const out = new Array<number>(count);
  for (let i = 0; i < count; i++) out[i] = addr + hdr.readInt32LE(12 + i * 8);
  return out;
}

/** The index of the largest start ≤ addr in a sorted array (-1: none). */
function startIndex(starts: readonly number[], addr: number): number {
  let lo = 0;
  let hi = starts.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (starts[mid]! <= addr) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/** What one function does that matters here: its ssl_lib.cc error sites and its direct calls. */
export interface FunctionFacts {
  start: number;
  sites: ErrorSite[];
  calls: Set<number>;
}

/**
 * Decodes one function (code at `start`, up to its end or the first int3 padding) and reads
 * each error site's constants: the edi/edx/r8d immediates set in the same straight-line run
 * of instructions as the file-name load (between two control transfers).
 */
export async function functionFacts(code: Buffer, start: number, loads: ReadonlySet<number>): Promise<FunctionFacts> {
  const { FlowControl, Mnemonic, OpKind, Register } = await loadIced();
  const facts: FunctionFacts = { start, sites: [], calls: new Set() };
  let run: Array<{ reg: number; imm: number }> = [];
  let pending: number[] = [];
  const flush = () => {
    for (const at of pending) {
      const last = (reg: number) => {
        let v: number | undefined;
        for (const w of run) if (w.reg === reg) v = w.imm;
        return v;
      };
      if (last(Register.EDI) !== ERR_LIB_SSL) continue;
      const reason = last(Register.EDX);
      if (reason !== undefined) facts.sites.push({ at, reason, line: last(Register.R8D) ?? 0 });
    }
    run = [];
    pending = [];
  };
  await decode(code, start, (i: Instruction) => {
    if (i.mnemonic === Mnemonic.Int3) return false;
    const ip = Number(i.ip);
    if (loads.has(ip)) pending.push(ip);
    if (i.mnemonic === Mnemonic.Mov && i.op0Kind === OpKind.Register && i.op1Kind === OpKind.Immediate32) {
      run.push({ reg: i.op0Register, imm: i.immediate32 });
    }
    if (i.flowControl === FlowControl.Call && i.op0Kind === OpKind.NearBranch64) facts.calls.add(Number(i.nearBranchTarget));
    if (i.flowControl !== FlowControl.Next) flush();
    return true;
  });
  flush();
  return facts;
}

const strictSuperset = (a: Set<number>, b: Set<number>) => a.size > b.size && [...b].every((x) => a.has(x));
const has = (f: FunctionFacts, reason: number) => f.sites.some((s) => s.reason === reason);
const lineOf = (f: FunctionFacts, reason: number) => f.sites.find((s) => s.reason === reason)?.line ?? 0;
const hex = (n: number) => `0x${n.toString(16)}`;

/** Pure: SSL_read, SSL_write and SSL_set_tlsext_host_name among the functions with ssl_lib.cc error sites, by fingerprint. */
export function identify(functions: readonly FunctionFacts[]): Omit<BoringSslFunctions, 'detail'> {
  const { shouldNotHaveBeenCalled: quic, uninitialized, sslHandshakeFailure: handshake } = REASON;
  const writes = functions.filter(
    (f) =>
      [quic, uninitialized, handshake].every((r) => has(f, r)) &&
      lineOf(f, quic) < lineOf(f, uninitialized) &&
      lineOf(f, uninitialized) < lineOf(f, handshake),
  );
  if (writes.length !== 1) throw new StrippedTlsUnsupported(`BoringSSL found, but ${writes.length} functions match SSL_write's error reports (want 1)`);
  const write = writes[0]!;
  // ssl_read_impl, out of line or inlined: uninitialized and handshake failure, no QUIC check.
  const readImpls = functions.filter((f) => has(f, uninitialized) && has(f, handshake) && !has(f, quic));
  let reads = functions.filter((f) => {
    if (f === write || !has(f, quic)) return false;
    const impl = has(f, uninitialized) ? f : readImpls.find((r) => f.calls.has(r.start));
    return impl !== undefined && lineOf(impl, uninitialized) < lineOf(f, quic);
  });
  // SSL_peek inlined into SSL_read, and kept on its own too: SSL_read is the one that also
  // consumes the data, calling everything SSL_peek calls and more.
  if (reads.length > 1) reads = reads.filter((f) => reads.some((g) => g !== f && strictSuperset(f.calls, g.calls)));
  if (reads.length !== 1) throw new StrippedTlsUnsupported(`BoringSSL found, but ${reads.length} functions match SSL_read's error reports (want 1)`);
  // Optional: without it calls are captured all the same, just without the SNI.
  const snis = functions.filter((f) => has(f, REASON.ssl3ExtInvalidServername));
  return { read: reads[0]!.start, write: write.start, ...(snis.length === 1 ? { sni: snis[0]!.start } : {}) };
}

/**
 * SSL_read and SSL_write of the BoringSSL inside `elf`, or undefined when it has none; throws
 * StrippedTlsUnsupported when BoringSSL is there but its functions cannot be told apart, or
 * when the library is OpenSSL. Reads the file in 4 MiB windows, one pass over .text, so a
 * 100 MB binary costs about a second once, not 100 MB of memory.
 */
export async function locateBoringSsl(elf: ElfFile): Promise<BoringSslFunctions | undefined> {
  const rodata = elf.section('.rodata');
  const text = elf.section('.text');
  if (!rodata || !text || rodata.type === 8 /* NOBITS */) return undefined;
  const strings: Array<[number, number]> = [];
  let openssl = false;
  await windows(elf, rodata.offset, rodata.size, 4096, (chunk, at) => {
    for (const s of sourceFileStrings(chunk, rodata.addr + at)) if (!strings.some(([lo]) => lo === s[0])) strings.push(s);
    openssl ||= chunk.includes(OPENSSL_SOURCE_FILE);
  });
  if (strings.length === 0) {
    if (!openssl) return undefined;
    throw new StrippedTlsUnsupported('OpenSSL linked in without symbols: SSL_read/SSL_write are located without symbols in BoringSSL only, so this program\'s HTTPS is not captured');
  }
  if (elf.machine !== EM_X86_64) throw new StrippedTlsUnsupported(`BoringSSL found, but locating its functions is implemented for amd64 only (ELF machine ${elf.machine})`);

  // One pass over .text: the file-name loads, and direct call targets unless .eh_frame_hdr
  // gives the function starts.
  let starts = await ehFrameStarts(elf);
  const source = starts ? '.eh_frame_hdr' : 'call targets';
  const callTargets = new Set<number>();
  const loads = new Set<number>();
  const end = text.addr + text.size;
  await windows(elf, text.offset, text.size, 7, (chunk, at) => {
    for (const a of fileNameLoads(chunk, text.addr + at, strings)) loads.add(a);
    if (!starts) alignedCallTargets(chunk, text.addr + at, text.addr, end, callTargets);
  });
  if (loads.size === 0) throw new StrippedTlsUnsupported('BoringSSL found, but no code reports errors from ssl_lib.cc');
  starts ??= [...callTargets];
  starts.sort((a, b) => a - b);

  // The functions holding the loads, each decoded once, up to the next start.
  const holders = new Set<number>();
  for (const at of loads) {
    const k = startIndex(starts, at);
    if (k >= 0 && at - starts[k]! <= MAX_FUNCTION) holders.add(k);
  }
  const functions: FunctionFacts[] = [];
  for (const k of holders) {
    const start = starts[k]!;
    const next = starts[k + 1] ?? start + MAX_FUNCTION;
    const off = elf.fileOffset(start);
    if (off === undefined) continue;
    const len = Math.min(next - start, MAX_FUNCTION, text.offset + text.size - off);
    functions.push(await functionFacts(await elf.read(off, len), start, loads));
  }
  const found = identify(functions);
  const sni = found.sni === undefined ? '' : `, SSL_set_tlsext_host_name at ${hex(found.sni)}`;
  return { ...found, detail: `SSL_read at ${hex(found.read)}, SSL_write at ${hex(found.write)}${sni} (function starts from ${source})` };
}

async function ehFrameStarts(elf: ElfFile): Promise<number[] | undefined> {
  const hdr = elf.section('.eh_frame_hdr');
  if (!hdr || hdr.size > 64 * 1024 * 1024) return undefined;
  return ehFrameHdrStarts(await elf.read(hdr.offset, hdr.size), hdr.addr);
}

/** Calls `each` on [offset, offset+size) of the file in windows overlapping by `overlap` bytes. */
async function windows(elf: ElfFile, offset: number, size: number, overlap: number, each: (chunk: Buffer, at: number) => void): Promise<void> {
  for (let at = 0; at < size; at += WINDOW - overlap) {
    each(await elf.read(offset + at, Math.min(WINDOW, size - at)), at);
    if (at + WINDOW >= size) break;
  }
}

/** The uprobes for located functions, by file offset: entry and return of SSL_read/SSL_write, entry of the SNI setter. */
export function boringSslProbes(elf: ElfFile, fns: BoringSslFunctions): UprobeAt[] {
  const offset = (addr: number) => {
    const off = elf.fileOffset(addr);
    if (off === undefined) throw new StrippedTlsUnsupported(`BoringSSL function at ${hex(addr)} is in no loaded segment`);
    return off;
  };
  const write = offset(fns.write);
  const read = offset(fns.read);
  return [
    { program: 'boringssl_write_enter', fileOffset: write },
    { program: 'ssl_write_return', fileOffset: write, retprobe: true },
    { program: 'boringssl_read_enter', fileOffset: read },
    { program: 'ssl_read_return', fileOffset: read, retprobe: true },
    ...(fns.sni === undefined ? [] : [{ program: 'boringssl_sni_enter', fileOffset: offset(fns.sni) }]),
  ];
}
