// Executables that carry a TLS library linked in with its symbols stripped, such as Bun's
// BoringSSL: the probes cannot locate SSL_read/SSL_write in them, so they are named in
// `vigil status` with the reason instead of passing as "no TLS". Recognised by the source path
// the library's error macros embed in .rodata: BoringSSL's ssl/ssl_lib.cc, OpenSSL's ssl/ssl_lib.c.
import type { ElfFile } from './elf.js';

const MARKER = Buffer.from('/ssl/ssl_lib.c');
const WINDOW = 4 * 1024 * 1024;
const SHT_NOBITS = 8;

/** The library a marker names by the bytes after it: ".cc\0" BoringSSL, ".c\0" OpenSSL. */
function libraryAt(chunk: Buffer, end: number): string | undefined {
  if (chunk[end] === 0x63 /* c */ && chunk[end + 1] === 0) return 'BoringSSL';
  if (chunk[end] === 0) return 'OpenSSL';
  return undefined;
}

/** The statically linked TLS library whose source path .rodata holds, if any. */
export async function strippedTlsLibrary(elf: ElfFile): Promise<string | undefined> {
  const rodata = elf.section('.rodata');
  if (!rodata || rodata.type === SHT_NOBITS) return undefined;
  const overlap = MARKER.length + 2;
  for (let at = 0; at < rodata.size; at += WINDOW - overlap) {
    const chunk = await elf.read(rodata.offset + at, Math.min(WINDOW, rodata.size - at));
    for (let i = chunk.indexOf(MARKER); i >= 0; i = chunk.indexOf(MARKER, i + 1)) {
      const library = libraryAt(chunk, i + MARKER.length);
      if (library) return library;
    }
  }
  return undefined;
}

export function strippedTlsReason(library: string): string {
  return `TLS from ${library} linked in without symbols (as in Bun): SSL_read/SSL_write cannot be located, so this program's HTTPS is not captured`;
}
