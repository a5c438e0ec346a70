// A minimal ELF64 little-endian reader: section and segment headers, symbols, and byte ranges
// on demand — enough to tell whether a file defines the TLS functions the probes attach to and
// where, without reading the whole (often 100 MB) binary.
import { open, type FileHandle } from 'node:fs/promises';

const SHT_SYMTAB = 2;
const SHT_DYNSYM = 11;
const SHN_UNDEF = 0;
const PT_LOAD = 1;
/** e_machine values the probes care about. */
export const EM_X86_64 = 62;
export const EM_AARCH64 = 183;

export interface ElfSymbol {
  name: string;
  value: number;
  size: number;
}

export class NotElfError extends Error {}

export interface ElfSection {
  name: string;
  type: number;
  addr: number;
  offset: number;
  size: number;
  link: number;
  entsize: number;
}

export interface ElfSegment {
  type: number;
  offset: number;
  vaddr: number;
  filesz: number;
}

/** An open ELF file: headers parsed, contents read on demand. close() when done. */
export class ElfFile {
  private constructor(
    readonly path: string,
    private readonly fh: FileHandle,
    readonly machine: number,
    readonly sections: ElfSection[],
    readonly segments: ElfSegment[],
  ) {}

  static async open(path: string): Promise<ElfFile> {
    const fh = await open(path, 'r');
    try {
      const read = (offset: number, length: number) => readAt(fh, path, offset, length);
      const eh = await read(0, 64).catch(() => {
        throw new NotElfError(`${path}: not an ELF file`);
      });
      if (eh.readUInt32BE(0) !== 0x7f454c46) throw new NotElfError(`${path}: not an ELF file`);
      if (eh[4] !== 2 || eh[5] !== 1) throw new NotElfError(`${path}: only 64-bit little-endian ELF is supported`);
      const machine = eh.readUInt16LE(0x12);
      const phoff = Number(eh.readBigUInt64LE(0x20));
      const shoff = Number(eh.readBigUInt64LE(0x28));
      const phentsize = eh.readUInt16LE(0x36);
      const phnum = eh.readUInt16LE(0x38);
      const shentsize = eh.readUInt16LE(0x3a);
      const shnum = eh.readUInt16LE(0x3c);
      const shstrndx = eh.readUInt16LE(0x3e);
      const segments: ElfSegment[] = [];
      if (phoff && phnum) {
        const ph = await read(phoff, phentsize * phnum);
        for (let i = 0; i < phnum; i++) {
          const b = i * phentsize;
          segments.push({
            type: ph.readUInt32LE(b),
            offset: Number(ph.readBigUInt64LE(b + 0x08)),
            vaddr: Number(ph.readBigUInt64LE(b + 0x10)),
            filesz: Number(ph.readBigUInt64LE(b + 0x20)),
          });
        }
      }
      const sections: ElfSection[] = [];
      if (shoff && shnum) {
        const sh = await read(shoff, shentsize * shnum);
        const nameOffs: number[] = [];
        for (let i = 0; i < shnum; i++) {
          const b = i * shentsize;
          nameOffs.push(sh.readUInt32LE(b));
          sections.push({
            name: '',
            type: sh.readUInt32LE(b + 4),
            addr: Number(sh.readBigUInt64LE(b + 0x10)),
            offset: Number(sh.readBigUInt64LE(b + 0x18)),
            size: Number(sh.readBigUInt64LE(b + 0x20)),
            link: sh.readUInt32LE(b + 0x28),
            entsize: Number(sh.readBigUInt64LE(b + 0x38)),
          });
        }
        const strtab = sections[shstrndx];
        if (strtab && strtab.type !== 8 /* SHT_NOBITS */) {
          const names = await read(strtab.offset, strtab.size);
          sections.forEach((s, i) => (s.name = cString(names, nameOffs[i]!)));
        }
      }
      return new ElfFile(path, fh, machine, sections, segments);
    } catch (e) {
      await fh.close();
      throw e;
    }
  }

  /** A path to this open file that stays valid while it is open, even if its own path goes. */
  get fdPath(): string {
    return `/proc/self/fd/${this.fh.fd}`;
  }

  read(offset: number, length: number): Promise<Buffer> {
    return readAt(this.fh, this.path, offset, length);
  }

  section(name: string): ElfSection | undefined {
    return this.sections.find((s) => s.name === name);
  }

  /** The file offset holding virtual address `vaddr` (what a uprobe is attached at). */
  fileOffset(vaddr: number): number | undefined {
    const seg = this.segments.find((s) => s.type === PT_LOAD && vaddr >= s.vaddr && vaddr < s.vaddr + s.filesz);
    return seg ? vaddr - seg.vaddr + seg.offset : undefined;
  }

  /** Defined symbols among `wanted`, from .dynsym and .symtab. */
  async symbols(wanted: readonly string[]): Promise<Map<string, ElfSymbol>> {
    const want = new Set(wanted);
    const found = new Map<string, ElfSymbol>();
    for (const s of this.sections) {
      if ((s.type !== SHT_DYNSYM && s.type !== SHT_SYMTAB) || s.entsize !== 24) continue;
      const strtab = this.sections[s.link];
      if (!strtab) continue;
      const syms = await this.read(s.offset, s.size);
      const strs = await this.read(strtab.offset, strtab.size);
      for (let off = 0; off + 24 <= syms.length; off += 24) {
        if (syms.readUInt16LE(off + 6) === SHN_UNDEF) continue;
        const name = cString(strs, syms.readUInt32LE(off));
        if (!want.has(name) || found.has(name)) continue;
        found.set(name, { name, value: Number(syms.readBigUInt64LE(off + 8)), size: Number(syms.readBigUInt64LE(off + 16)) });
      }
      if (found.size === want.size) break;
    }
    return found;
  }

  close(): Promise<void> {
    return this.fh.close();
  }
}

function cString(buf: Buffer, off: number): string {
  const end = buf.indexOf(0, off);
  return buf.toString('latin1', off, end < 0 ? buf.length : end);
}

async function readAt(fh: FileHandle, path: string, offset: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  const { bytesRead } = await fh.read(buf, 0, length, offset);
  if (bytesRead !== length) throw new NotElfError(`${path}: short read at ${offset}`);
  return buf;
}
