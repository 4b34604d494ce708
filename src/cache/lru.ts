/**
 * Least-recently-used order over keys with sizes, and the total size. The cache decides what
 * to evict; this only keeps the order (a Map iterates in insertion order; touching re-inserts).
 */
export class LruBySize<K, V extends { sizeBytes: number }> {
  private readonly entries = new Map<K, V>();
  private total = 0;

  get(key: K): V | undefined {
    const v = this.entries.get(key);
    if (v !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, v);
    }
    return v;
  }

  /** Whether `key` is held, without touching its place in the order. */
  has(key: K): boolean {
    return this.entries.has(key);
  }

  set(key: K, value: V): void {
    this.delete(key);
    this.entries.set(key, value);
    this.total += value.sizeBytes;
  }

  delete(key: K): V | undefined {
    const v = this.entries.get(key);
    if (v === undefined) return undefined;
    this.entries.delete(key);
    this.total -= v.sizeBytes;
    return v;
  }

  /** The least recently used entry. */
  oldest(): [K, V] | undefined {
    return this.entries.entries().next().value as [K, V] | undefined;
  }

  get totalBytes(): number {
    return this.total;
  }

  get size(): number {
    return this.entries.size;
  }
}
