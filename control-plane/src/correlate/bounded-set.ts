// A set that forgets its oldest member past a bound; used to drop replayed signal ids.
export class BoundedSet<T> {
  private readonly items = new Set<T>();
  evicted = 0;

  constructor(private readonly limit: number) {}

  has(item: T): boolean {
    return this.items.has(item);
  }

  add(item: T): void {
    this.items.add(item);
    if (this.items.size > this.limit) {
      const oldest = this.items.values().next().value as T;
      this.items.delete(oldest);
      this.evicted += 1;
    }
  }
}
