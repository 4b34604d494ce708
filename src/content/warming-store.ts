import type { CacheOutcome } from '../http/exchange.js';
import type { ContentFile, ContentStore } from './content-store.js';
import type { NextObjectPrefetch } from './next-object.js';
import type { PrefetchLedger } from './prefetch-ledger.js';

/**
 * An origin's answer to CMCD next-object hints: the object is mapped into the segment cache and
 * the kernel asked to read it in (`warm`), so the player's request for it finds it in memory.
 * Requests go to the store underneath; one for a warmed object counts as a used prefetch.
 */
export class WarmingStore implements ContentStore, NextObjectPrefetch {
  constructor(
    private readonly inner: ContentStore,
    private readonly warm: (absPath: string) => Promise<void>,
    private readonly ledger: PrefetchLedger,
  ) {}

  open(absPath: string, seen?: (outcome: CacheOutcome) => void): Promise<ContentFile> {
    if (this.ledger.use(absPath)) seen?.('prefetched');
    return this.inner.open(absPath);
  }

  prefetch(absPath: string): void {
    if (this.ledger.has(absPath)) return this.ledger.skipped('in_flight');
    this.ledger.started(absPath);
    this.warm(absPath).catch(() => this.ledger.failed(absPath));
  }
}
