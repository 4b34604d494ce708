import { Counter, Gauge, type Registry } from 'prom-client';
import { registerScrapedCounter } from './scraped-counter.js';
import type { SegmentCacheStats } from '../cache/segment-cache.js';

/** Exposes the segment cache's counters, read from its stats at scrape time. */
export function registerCacheMetrics(registry: Registry, stats: () => SegmentCacheStats): void {
  registerScrapedCounter(registry, {
    name: 'h3edge_cache_lookups_total',
    help: 'Segment cache lookups by result (hit, miss, collapsed into a pending load)',
    label: 'result',
    read: () => {
      const s = stats();
      return { hit: s.hits, miss: s.misses, collapsed: s.collapsed };
    },
  });
  new Counter({
    name: 'h3edge_cache_evictions_total',
    help: 'Files evicted from the segment cache to stay within its budget',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(stats().evictions);
    },
  });
  new Gauge({
    name: 'h3edge_cache_bytes',
    help: 'Segment cache bytes: held (within the budget), mapped (including evicted mappings still in use), budget',
    labelNames: ['kind'] as const,
    registers: [registry],
    collect() {
      const s = stats();
      this.set({ kind: 'held' }, s.cachedBytes);
      this.set({ kind: 'mapped' }, s.mappedBytes);
      this.set({ kind: 'budget' }, s.budgetBytes);
    },
  });
}
