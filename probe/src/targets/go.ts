// Go binaries: where to put the crypto/tls probes. Go links its TLS statically and exports no
// dynamic symbols, so the entry points come from the binary's own tables — .symtab when
// present, else .gopclntab, which even stripped binaries keep since the runtime needs it. The
// rest comes from disassembling the functions with iced-x86: Read's RET instructions (where its
// result is read: uretprobes break Go's movable stacks), and the end of Write's stack check
// (where Write is captured once per call; see probe/bpf/go_tls.bpf.h).
import type { UprobeAt } from '../ffi/probe.js';
import type { ElfFile } from './elf.js';
import { EM_AARCH64, EM_X86_64 } from './elf.js';
import { decode, loadIced } from './amd64.js';

export const GO_FUNCS = {
  write: 'crypto/tls.(*Conn).Write',
  read: 'crypto/tls.(*Conn).Read',
  close: 'crypto/tls.(*Conn).Close',
  hello: 'crypto/tls.(*Conn).makeClientHello',
  sni: 'crypto/tls.hostnameInSNI',
} as const;

/** A Go binary the probes cannot serve, with the reason for `vigil status`. */
export class GoUnsupportedError extends Error {}

export interface GoFunc {
  /** Virtual address of the first instruction. */
  entry: number;
  size: number;
}

/** File offsets of every uprobe one Go binary needs, by BPF program name (probe/bpf/go_tls.bpf.h). */
export interface GoProbePlan {
  goVersion: string;
  symbolSource: '.symtab' | '.gopclntab';
  probes: UprobeAt[];
}

const BUILDINFO_MAGIC = Buffer.from('\xff Go buildinf:', 'latin1');

/** Pure: is this (by its section names) a Go binary? */
export function isGoBinary(sectionNames: readonly string[]): boolean {
  return sectionNames.includes('.go.buildinfo') || sectionNames.includes('.gopclntab');
}

function uvarint(buf: Buffer, off: number): [value: number, next: number] {
  let v = 0;
  let shift = 0;
  for (let i = off; i < buf.length && i < off + 10; i++) {
    const b = buf[i]!;
    v += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return [v, i + 1];
    shift += 7;
  }
  throw new GoUnsupportedError('malformed .go.buildinfo varint');
}

/**
 * Pure: the Go version in a .go.buildinfo section. Go 1.18+ stores it inline (flag bit 1) as a
 * varint-prefixed string at offset 32; older linkers store a pointer to a string header at
 * offset 16, which `deref` resolves (address → [data address, length] → bytes).
 */
export async function parseBuildInfo(
  buf: Buffer,
  deref: (addr: number, len: number) => Promise<Buffer>,
): Promise<string> {
  if (buf.length < 32 || !buf.subarray(0, 14).equals(BUILDINFO_MAGIC)) throw new GoUnsupportedError('no Go build info magic');
  const ptrSize = buf[14]!;
  const flags = buf[15]!;
  if (flags & 1) throw new GoUnsupportedError('big-endian Go binary');
  if (flags & 2) {
    const [len, at] = uvarint(buf, 32);
    return buf.toString('utf8', at, at + len);
  }
  if (ptrSize !== 8) throw new GoUnsupportedError(`${ptrSize * 8}-bit Go binary`);
  const hdr = await deref(Number(buf.readBigUInt64LE(16)), 16);
  return (await deref(Number(hdr.readBigUInt64LE(0)), Number(hdr.readBigUInt64LE(8)))).toString('utf8');
}

/** Pure: [major, minor] of a Go version string such as "go1.19.8" or "devel go1.22-abc123". */
export function goMinor(version: string): [number, number] | undefined {
  const m = /go(\d+)\.(\d+)/.exec(version);
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

/**
 * Pure: entry addresses and sizes of the named functions in a .gopclntab section. `textStart`
 * is the address of .text (Go 1.18+ stores entries relative to it; the header's own copy is
 * unrelocated in PIE binaries). A function's size runs to the next function's entry.
 */
export function pclntabFuncs(tab: Buffer, textStart: number, wanted: readonly string[]): Map<string, GoFunc> {
  if (tab.length < 64) throw new GoUnsupportedError('.gopclntab too short');
  const magic = tab.readUInt32LE(0);
  const ptrSize = tab[7]!;
  if (tab[4] !== 0 || tab[5] !== 0 || ptrSize !== 8) throw new GoUnsupportedError('unexpected .gopclntab header');
  const word = (i: number) => Number(tab.readBigUInt64LE(8 + i * 8));
  let nfunc: number, funcnameOff: number, pclnOff: number, relative: boolean;
  if (magic === 0xfffffff0 || magic === 0xfffffff1) {
    // Go 1.18–1.19 / 1.20+: nfunc, nfiles, textStart, funcnameOffset, cuOffset, filetabOffset, pctabOffset, pclnOffset
    [nfunc, funcnameOff, pclnOff, relative] = [word(0), word(3), word(7), true];
  } else if (magic === 0xfffffffa) {
    // Go 1.16–1.17: nfunc, nfiles, funcnameOffset, cuOffset, filetabOffset, pctabOffset, pclnOffset
    [nfunc, funcnameOff, pclnOff, relative] = [word(0), word(2), word(6), false];
  } else {
    throw new GoUnsupportedError(`unknown .gopclntab magic 0x${magic.toString(16)} (Go older than 1.16, or newer than this sensor knows)`);
  }
  const ftabEntry = relative ? 8 : 16;
  if (pclnOff + (nfunc + 1) * ftabEntry > tab.length) throw new GoUnsupportedError('.gopclntab function table out of bounds');
  const entryAt = (i: number) => {
    const at = pclnOff + i * ftabEntry;
    return relative ? textStart + tab.readUInt32LE(at) : Number(tab.readBigUInt64LE(at));
  };
  const funcOffAt = (i: number) => {
    const at = pclnOff + i * ftabEntry + ftabEntry / 2;
    return relative ? tab.readUInt32LE(at) : Number(tab.readBigUInt64LE(at));
  };
  const want = new Set(wanted);
  const found = new Map<string, GoFunc>();
  const nameBytes = new Map([...want].map((n) => [n, Buffer.from(n + '\0', 'latin1')]));
  for (let i = 0; i < nfunc && found.size < want.size; i++) {
    // _func: entry (u32 offset, or uintptr before 1.18), then nameOff int32 into funcnametab.
    const fn = pclnOff + funcOffAt(i);
    const nameOff = tab.readInt32LE(fn + (relative ? 4 : 8));
    const at = funcnameOff + nameOff;
    for (const [name, bytes] of nameBytes) {
      if (found.has(name) || tab[at] !== bytes[0] || !tab.subarray(at, at + bytes.length).equals(bytes)) continue;
      const entry = entryAt(i);
      found.set(name, { entry, size: entryAt(i + 1) - entry });
    }
  }
  return found;
}

/** Virtual addresses of the return instructions (RET, RET imm16) in amd64 code at `ip`. */
export async function returnSites(code: Buffer, ip: number): Promise<number[]> {
  const { FlowControl } = await loadIced();
  const out: number[] = [];
  await decode(code, ip, (i) => {
    if (i.flowControl === FlowControl.Return) out.push(Number(i.ip));
    return true;
  });
  return out;
}

/**
 * The address just past a Go function's stack check — `CMP SP-or-R12, 0x10(R14)` then a
 * conditional jump to the morestack call — or the entry when the function has none (NOSPLIT).
 * Arguments are still in their registers there, and a restart through morestack passes it once.
 */
export async function afterStackCheck(code: Buffer, ip: number): Promise<number> {
  const { FlowControl, Mnemonic, Register } = await loadIced();
  let sawCheck = false;
  let after = ip;
  let n = 0;
  await decode(code, ip, (i) => {
    if (i.mnemonic === Mnemonic.Cmp && i.memoryBase === Register.R14) sawCheck = true;
    else if (sawCheck && i.flowControl === FlowControl.ConditionalBranch) {
      after = Number(i.nextIP);
      return false;
    }
    return ++n < 6; // the check is the first two or three instructions
  });
  return after;
}

/**
 * The uprobe plan of one Go binary, or a GoUnsupportedError saying why there is none. Returns
 * undefined for a Go binary that does not use crypto/tls.
 */
export async function goProbePlan(elf: ElfFile): Promise<GoProbePlan | undefined> {
  const buildinfo = elf.section('.go.buildinfo');
  let goVersion = 'unknown Go version';
  if (buildinfo) {
    const deref = async (addr: number, len: number) => {
      const off = elf.fileOffset(addr);
      if (off === undefined || len > 4096) throw new GoUnsupportedError('unreadable Go build info');
      return elf.read(off, len);
    };
    goVersion = await parseBuildInfo(await elf.read(buildinfo.offset, Math.min(buildinfo.size, 4096)), deref);
  }
  const v = goMinor(goVersion);
  if (v && (v[0] < 1 || (v[0] === 1 && v[1] < 17))) {
    throw new GoUnsupportedError(`${goVersion}: Go crypto/tls capture needs Go 1.17 or later (register ABI)`);
  }
  if (elf.machine !== EM_X86_64) {
    const arch = elf.machine === EM_AARCH64 ? 'arm64' : `ELF machine ${elf.machine}`;
    throw new GoUnsupportedError(`${goVersion} on ${arch}: Go crypto/tls capture supports amd64 only`);
  }

  const names = Object.values(GO_FUNCS);
  let funcs: Map<string, GoFunc> = new Map(
    [...(await elf.symbols(names))].map(([n, s]) => [n, { entry: s.value, size: s.size }]),
  );
  let symbolSource: GoProbePlan['symbolSource'] = '.symtab';
  if (!funcs.has(GO_FUNCS.write) || !funcs.has(GO_FUNCS.read)) {
    const pcln = elf.section('.gopclntab');
    const text = elf.section('.text');
    if (!pcln || !text) throw new GoUnsupportedError(`${goVersion}: stripped binary without .gopclntab/.text sections`);
    funcs = pclntabFuncs(await elf.read(pcln.offset, pcln.size), text.addr, names);
    symbolSource = '.gopclntab';
  }
  const write = funcs.get(GO_FUNCS.write);
  const read = funcs.get(GO_FUNCS.read);
  if (!write || !read) return undefined;

  const probes: GoProbePlan['probes'] = [];
  const at = (program: string, addr: number) => {
    const fileOffset = elf.fileOffset(addr);
    if (fileOffset === undefined) throw new GoUnsupportedError(`${goVersion}: address 0x${addr.toString(16)} is in no loaded segment`);
    probes.push({ program, fileOffset });
  };
  const codeOf = async (fn: GoFunc, what: string) => {
    if (fn.size <= 0 || fn.size > 1 << 20) throw new GoUnsupportedError(`${goVersion}: implausible size ${fn.size} of ${what}`);
    const off = elf.fileOffset(fn.entry);
    if (off === undefined) throw new GoUnsupportedError(`${goVersion}: address 0x${fn.entry.toString(16)} is in no loaded segment`);
    return elf.read(off, fn.size);
  };
  at('go_tls_write', await afterStackCheck(await codeOf(write, GO_FUNCS.write), write.entry));
  const rets = await returnSites(await codeOf(read, GO_FUNCS.read), read.entry);
  if (rets.length === 0) throw new GoUnsupportedError(`${goVersion}: no RET instruction found in ${GO_FUNCS.read}`);
  at('go_tls_read_enter', read.entry);
  for (const r of rets) at('go_tls_read_ret', r);
  const close = funcs.get(GO_FUNCS.close);
  if (close) at('go_tls_close_enter', close.entry);
  // SNI needs both; a build that inlined hostnameInSNI is captured without it.
  const hello = funcs.get(GO_FUNCS.hello);
  const sni = funcs.get(GO_FUNCS.sni);
  if (hello && sni) {
    at('go_tls_hello', await afterStackCheck(await codeOf(hello, GO_FUNCS.hello), hello.entry));
    at('go_tls_sni', await afterStackCheck(await codeOf(sni, GO_FUNCS.sni), sni.entry));
  }
  return { goVersion, symbolSource, probes };
}
