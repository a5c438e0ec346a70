// amd64 machine code through iced-x86 (WebAssembly, loaded on first use): the targets that
// export no symbols (Go, BoringSSL linked into Bun) are located by reading their code.
import type { Instruction } from 'iced-x86';

export type Iced = typeof import('iced-x86');
let iced: Iced | undefined;

export async function loadIced(): Promise<Iced> {
  iced ??= ((await import('iced-x86')) as unknown as { default: Iced }).default;
  return iced;
}

/** Decodes amd64 code at `ip`, calling `visit` per instruction until it returns false. */
export async function decode(code: Buffer, ip: number, visit: (i: Instruction) => boolean): Promise<void> {
  const { Decoder, DecoderOptions, Instruction } = await loadIced();
  const decoder = new Decoder(64, code, DecoderOptions.None);
  const instr = new Instruction();
  try {
    decoder.ip = BigInt(ip);
    while (decoder.canDecode) {
      decoder.decodeOut(instr);
      if (!visit(instr)) break;
    }
  } finally {
    instr.free();
    decoder.free();
  }
}
