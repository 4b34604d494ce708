import { Counter, type Registry } from 'prom-client';

/** What this file reads of a node's prefetches; content/prefetch-ledger.ts satisfies it. */
export interface PrefetchCountsShape {
  started: number;
  used: number;
  wasted: number;
  skipped: Record<string, number>;
}

/**
 * Prefetch counters from CMCD next-object hints, by `kind`: `pull` on an edge (a background
 * upstream pull), `warm` on an origin (a segment-cache warm-up). Read from the ledger at scrape.
 */
export function registerPrefetchMetrics(registry: Registry, kind: 'pull' | 'warm', counts: () => PrefetchCountsShape): void {
  const registers = [registry];
  const total = (name: string, help: string, pick: (c: PrefetchCountsShape) => number): void => {
    new Counter({
      name,
      help,
      labelNames: ['kind'] as const,
      registers,
      collect() {
        this.reset();
        this.inc({ kind }, pick(counts()));
      },
    });
  };
  total('h3edge_prefetch_started_total', 'Prefetches begun from CMCD next-object hints (edge: background pull; origin: cache warm-up)', (c) => c.started);
  total('h3edge_prefetch_used_total', 'Prefetched objects a client then asked for', (c) => c.used);
  total('h3edge_prefetch_wasted_total', 'Prefetched objects nobody asked for within two minutes', (c) => c.wasted);
  new Counter({
    name: 'h3edge_prefetch_skipped_total',
    help: 'CMCD next-object hints not acted on, by reason (cached, in_flight, limit_count, limit_bytes, failed)',
    labelNames: ['kind', 'reason'] as const,
    registers,
    collect() {
      this.reset();
      for (const [reason, n] of Object.entries(counts().skipped)) this.inc({ kind, reason }, n);
    },
  });
}
