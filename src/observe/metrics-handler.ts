import type { Handler } from '../http/exchange.js';
import type { Registry } from 'prom-client';

/** GET /metrics in the Prometheus text format; `scrape` may aggregate several workers. */
export function metricsHandler(registry: Registry, scrape: () => Promise<string> = () => registry.metrics()): Handler {
  return async () => {
    const body = Buffer.from(await scrape());
    return {
      status: 200,
      headers: { 'content-type': registry.contentType, 'content-length': String(body.length), 'cache-control': 'no-store' },
      body,
    };
  };
}
