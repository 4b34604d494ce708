import type { Handler } from '../http/exchange.js';
import type { Registry } from 'prom-client';

/** GET /metrics in the Prometheus text format. */
export function metricsHandler(registry: Registry): Handler {
  return async () => {
    const body = Buffer.from(await registry.metrics());
    return {
      status: 200,
      headers: { 'content-type': registry.contentType, 'content-length': String(body.length), 'cache-control': 'no-store' },
      body,
    };
  };
}
