/** What a node's prefetches came to (totals since start); observe/ reads this shape. */
export interface PrefetchCounts {
  /** Prefetches begun (an edge's background pull, an origin's cache warm-up). */
  started: number;
  /** Prefetched objects a client then asked for, while still in the ledger. */
  used: number;
  /** Prefetched objects nobody asked for within the ledger's time (or pushed out of it). */
  wasted: number;
  /** Hints not acted on, by reason (`cached`, `in_flight`, `limit_count`, `limit_bytes`, `failed`). */
  skipped: Record<string, number>;
}

export interface PrefetchLedgerOptions {
  /** Monotonic milliseconds. */
  now: () => number;
  /** An object prefetched this long ago and not asked for counts as wasted (default 2 minutes: far past a player's buffer). */
  ttlMs?: number;
  /** Entries kept at most; the oldest beyond it count as wasted (default 4096). */
  maxEntries?: number;
}

/**
 * The prefetched objects not yet asked for, keyed by path, bounded in number and age, with the
 * counts the metrics export. Entries leave when a client asks for the object (used), when they
 * age past `ttlMs` or are pushed out by newer ones (wasted). O(1) per call, amortized.
 */
export class PrefetchLedger {
  private readonly pending = new Map<string, number>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly totals: PrefetchCounts = { started: 0, used: 0, wasted: 0, skipped: {} };

  constructor(private readonly opts: PrefetchLedgerOptions) {
    this.ttlMs = opts.ttlMs ?? 120_000;
    this.maxEntries = opts.maxEntries ?? 4096;
  }

  /** Whether `key` was prefetched and not asked for yet. */
  has(key: string): boolean {
    this.expire();
    return this.pending.has(key);
  }

  /** A prefetch of `key` begins. */
  started(key: string): void {
    this.expire();
    this.totals.started++;
    this.pending.delete(key);
    this.pending.set(key, this.opts.now());
    if (this.pending.size > this.maxEntries) this.drop(this.pending.keys().next().value as string);
  }

  /** A client asks for `key`: true (and counted as used) when it had been prefetched. */
  use(key: string): boolean {
    this.expire();
    if (!this.pending.delete(key)) return false;
    this.totals.used++;
    return true;
  }

  /** A prefetch of `key` brought nothing (failed, or dropped at a bound: `reason`): it will never be used. */
  failed(key: string, reason = 'failed'): void {
    if (this.pending.delete(key)) this.skipped(reason);
  }

  /** A hint was not acted on. */
  skipped(reason: string): void {
    this.totals.skipped[reason] = (this.totals.skipped[reason] ?? 0) + 1;
  }

  counts(): PrefetchCounts {
    this.expire();
    return { ...this.totals, skipped: { ...this.totals.skipped } };
  }

  private drop(key: string): void {
    this.pending.delete(key);
    this.totals.wasted++;
  }

  /** Entries are in start order: the expired ones are at the front. */
  private expire(): void {
    const cutoff = this.opts.now() - this.ttlMs;
    for (const [key, at] of this.pending) {
      if (at > cutoff) break;
      this.drop(key);
    }
  }
}
