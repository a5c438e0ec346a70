// Types for the parts of hpack.js (RFC 7541: static table, Huffman code, dynamic table) we use.
declare module 'hpack.js' {
  interface HpackEntry {
    name: string;
    value: string;
    nameSize: number;
    totalSize: number;
  }
  interface HpackTable {
    size: number;
    maxSize: number;
    protocolMaxSize: number;
    lookup(index: number): HpackEntry;
    add(name: string, value: string, nameSize: number, valueSize: number): void;
    updateSize(size: number): void;
  }
  interface HpackDecoder {
    push(block: Buffer): void;
    isEmpty(): boolean;
    decodeBit(): number;
    decodeInt(): number;
    decodeStr(): Buffer | number[];
  }
  const hpack: {
    decoder: { create(): HpackDecoder };
    table: { create(options: { maxSize: number }): HpackTable };
  };
  export default hpack;
}
