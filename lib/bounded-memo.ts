// Memoisation for per-call paths whose values repeat (a node talks to a few hosts, runs a few
// containers, prices a few models) but whose keys are not bounded: the cache is emptied when it
// holds `max` entries, so an unbounded stream of keys costs a recomputation, never memory.
export class BoundedMemo<K, V> {
  private readonly cache = new Map<K, V>();

  constructor(
    private readonly compute: (key: K) => V,
    private readonly max = 4096,
  ) {}

  get(key: K): V {
    const hit = this.cache.get(key);
    if (hit !== undefined || this.cache.has(key)) return hit as V;
    const value = this.compute(key);
    if (this.cache.size >= this.max) this.cache.clear();
    this.cache.set(key, value);
    return value;
  }

  get size(): number {
    return this.cache.size;
  }
}
