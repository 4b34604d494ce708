import { Gauge, type Registry } from 'prom-client';

/** One upstream's circuit as these metrics read it; the edge's upstream health satisfies it. */
export interface UpstreamCircuit {
  origin: string;
  /** `open` = the edge skips the upstream; any other state still sends it requests. */
  state: string;
  failures: number;
}

/** Upstream circuit state (1 = usable) and consecutive failures, read at scrape time. */
export function registerUpstreamMetrics(registry: Registry, health: () => readonly UpstreamCircuit[]): void {
  new Gauge({
    name: 'h3edge_upstream_up',
    help: 'Whether the edge currently sends requests to this upstream (circuit closed or half-open)',
    labelNames: ['upstream'] as const,
    registers: [registry],
    // Across workers: up only if every worker still uses it.
    aggregator: 'min',
    collect() {
      // An upstream removed by a reload disappears from the scrape instead of keeping its last value.
      this.reset();
      for (const h of health()) this.set({ upstream: h.origin }, h.state === 'open' ? 0 : 1);
    },
  });
  new Gauge({
    name: 'h3edge_upstream_consecutive_failures',
    help: 'Consecutive failed requests to this upstream',
    labelNames: ['upstream'] as const,
    registers: [registry],
    aggregator: 'max',
    collect() {
      this.reset();
      for (const h of health()) this.set({ upstream: h.origin }, h.failures);
    },
  });
}
