// HPACK header block decoding (RFC 7541) for one direction of an h2 connection. hpack.js
// provides the bit-level decoder, Huffman code and tables; its stream wrapper is skipped
// because it defers errors to a later tick and keeps no bound we control.
import hpack from 'hpack.js';

/** The default SETTINGS_HEADER_TABLE_SIZE (RFC 9113 6.5.2). */
const DEFAULT_TABLE_SIZE = 4096;

export class HpackDecoder {
  private readonly table;

  constructor(private readonly cap: number) {
    this.table = hpack.table.create({ maxSize: Math.min(DEFAULT_TABLE_SIZE, cap) });
  }

  /** Bytes the dynamic table holds (RFC 7541 sizes: name + value + 32 per entry). */
  get tableBytes(): number {
    return this.table.size;
  }

  /**
   * The receiver's SETTINGS_HEADER_TABLE_SIZE: the encoder may then resize its table up to it.
   * Never above our cap, so a peer cannot make us hold more.
   */
  allowTableSize(size: number): void {
    this.table.protocolMaxSize = Math.min(Math.max(size, this.table.maxSize), this.cap);
  }

  /** The fields of one complete header block, in order, or an error (the table is then unusable). */
  decode(block: Uint8Array): Array<[string, string]> | Error {
    const decoder = hpack.decoder.create();
    decoder.push(Buffer.from(block.buffer, block.byteOffset, block.length));
    const fields: Array<[string, string]> = [];
    try {
      while (!decoder.isEmpty()) {
        if (decoder.decodeBit()) {
          const entry = this.table.lookup(decoder.decodeInt());
          fields.push([entry.name, entry.value]);
          continue;
        }
        const incremental = decoder.decodeBit() === 1;
        if (!incremental) {
          if (decoder.decodeBit()) {
            this.table.updateSize(decoder.decodeInt());
            continue;
          }
          decoder.decodeBit(); // never-indexed: matters to proxies, not to us
        }
        const index = decoder.decodeInt();
        let name: string;
        let nameSize: number;
        if (index === 0) {
          const raw = decoder.decodeStr();
          name = latin1(raw);
          nameSize = raw.length;
        } else {
          const entry = this.table.lookup(index);
          name = entry.name;
          nameSize = entry.nameSize;
        }
        const rawValue = decoder.decodeStr();
        const value = latin1(rawValue);
        if (incremental) this.table.add(name, value, nameSize, rawValue.length);
        fields.push([name, value]);
      }
    } catch (err) {
      return err instanceof Error ? err : new Error(String(err));
    }
    return fields;
  }
}

function latin1(raw: Buffer | number[]): string {
  return (Buffer.isBuffer(raw) ? raw : Buffer.from(raw)).toString('latin1');
}
