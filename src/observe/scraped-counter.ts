import { Counter, type Registry } from 'prom-client';

/**
 * A counter whose totals are kept elsewhere (an engine's or the cache's counts since start) and
 * copied in at scrape time. `read` gives each label value's total, or null when its source has
 * none (an engine that keeps no counters): the series are then left out.
 */
export function registerScrapedCounter(registry: Registry, o: { name: string; help: string; label: string; read: () => Record<string, number> | null }): void {
  new Counter({
    name: o.name,
    help: o.help,
    labelNames: [o.label],
    registers: [registry],
    collect() {
      const totals = o.read();
      if (!totals) return;
      this.reset();
      for (const [value, total] of Object.entries(totals)) this.inc({ [o.label]: value }, total);
    },
  });
}
