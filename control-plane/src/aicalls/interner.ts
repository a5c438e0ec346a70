// Strings as small integer ids, reference-counted so a bounded store's table stays bounded:
// when the last row using a string is evicted, its id is freed and reused. Id 0 means "absent".
export class Interner {
  private readonly ids = new Map<string, number>();
  private strings: (string | undefined)[] = [undefined];
  private refs = new Uint32Array(1024);
  private readonly free: number[] = [];

  /** The id of `s` with one more reference (0 for undefined or empty). */
  acquire(s: string | undefined): number {
    if (s === undefined || s === '') return 0;
    let id = this.ids.get(s);
    if (id === undefined) {
      id = this.free.pop() ?? this.strings.length;
      if (id === this.strings.length) this.strings.push(s);
      else this.strings[id] = s;
      if (id >= this.refs.length) {
        const grown = new Uint32Array(this.refs.length * 2);
        grown.set(this.refs);
        this.refs = grown;
      }
      this.ids.set(s, id);
    }
    this.refs[id]! += 1;
    return id;
  }

  release(id: number): void {
    if (id === 0) return;
    this.refs[id]! -= 1;
    if (this.refs[id] === 0) {
      this.ids.delete(this.strings[id]!);
      this.strings[id] = undefined;
      this.free.push(id);
    }
  }

  /** The id of a string without taking a reference; undefined when no row uses it. */
  lookup(s: string): number | undefined {
    return this.ids.get(s);
  }

  get(id: number): string | undefined {
    return this.strings[id];
  }

  /** Ids in use plus the freed slots: the table's footprint. */
  get capacity(): number {
    return this.strings.length;
  }

  get size(): number {
    return this.ids.size;
  }
}
