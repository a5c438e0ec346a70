// A minimal ELF64 little-endian symbol reader: enough to tell whether a file defines the TLS
// functions the probes attach to, without reading the whole (often 100 MB) binary.
import { open } from 'node:fs/promises';

const SHT_SYMTAB = 2;
const SHT_DYNSYM = 11;
const SHN_UNDEF = 0;

export interface ElfSymbol {
  name: string;
  value: number;
  size: number;
}

export class NotElfError extends Error {}

interface Section {
  type: number;
  offset: number;
  size: number;
  link: number;
  entsize: number;
}

/** Returns the defined function/object symbols among `wanted` found in .dynsym and .symtab. */
export async function findSymbols(path: string, wanted: readonly string[]): Promise<Map<string, ElfSymbol>> {
  const fh = await open(path, 'r');
  try {
    const read = async (offset: number, length: number): Promise<Buffer> => {
      const buf = Buffer.alloc(length);
      const { bytesRead } = await fh.read(buf, 0, length, offset);
      if (bytesRead !== length) throw new NotElfError(`${path}: short read at ${offset}`);
      return buf;
    };
    const eh = await read(0, 64).catch(() => {
      throw new NotElfError(`${path}: not an ELF file`);
    });
    if (eh.readUInt32BE(0) !== 0x7f454c46) throw new NotElfError(`${path}: not an ELF file`);
    if (eh[4] !== 2 || eh[5] !== 1) throw new NotElfError(`${path}: only 64-bit little-endian ELF is supported`);
    const shoff = Number(eh.readBigUInt64LE(0x28));
    const shentsize = eh.readUInt16LE(0x3a);
    const shnum = eh.readUInt16LE(0x3c);
    if (shoff === 0 || shnum === 0) return new Map();
    const sh = await read(shoff, shentsize * shnum);
    const sections: Section[] = [];
    for (let i = 0; i < shnum; i++) {
      const b = i * shentsize;
      sections.push({
        type: sh.readUInt32LE(b + 4),
        offset: Number(sh.readBigUInt64LE(b + 0x18)),
        size: Number(sh.readBigUInt64LE(b + 0x20)),
        link: sh.readUInt32LE(b + 0x28),
        entsize: Number(sh.readBigUInt64LE(b + 0x38)),
      });
    }
    const want = new Set(wanted);
    const found = new Map<string, ElfSymbol>();
    for (const s of sections) {
      if ((s.type !== SHT_DYNSYM && s.type !== SHT_SYMTAB) || s.entsize !== 24) continue;
      const strtab = sections[s.link];
      if (!strtab) continue;
      const syms = await read(s.offset, s.size);
      const strs = await read(strtab.offset, strtab.size);
      for (let off = 0; off + 24 <= syms.length; off += 24) {
        if (syms.readUInt16LE(off + 6) === SHN_UNDEF) continue;
        const nameOff = syms.readUInt32LE(off);
        const end = strs.indexOf(0, nameOff);
        const name = strs.toString('latin1', nameOff, end < 0 ? strs.length : end);
        if (!want.has(name) || found.has(name)) continue;
        found.set(name, { name, value: Number(syms.readBigUInt64LE(off + 8)), size: Number(syms.readBigUInt64LE(off + 16)) });
      }
      if (found.size === want.size) break;
    }
    return found;
  } finally {
    await fh.close();
  }
}
