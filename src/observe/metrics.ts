import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { CompletedRequest } from '../http/core.js';

/**
 * The server's Prometheus metrics, one registry per server instance (no global registry, so
 * several servers in one process — tests — never mix counts). Names follow h3edge_<thing>_<unit>.
 */
export class ServerMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'h3edge_requests_total',
    help: 'Requests answered, by transport, route pattern, method, status and error code',
    labelNames: ['transport', 'route', 'method', 'status', 'code'] as const,
    registers: [this.registry],
  });
  readonly responseBytes = new Counter({
    name: 'h3edge_response_bytes_total',
    help: 'Response body bytes handed to the transports, by transport and route pattern',
    labelNames: ['transport', 'route'] as const,
    registers: [this.registry],
  });
  readonly duration = new Histogram({
    name: 'h3edge_request_duration_seconds',
    help: 'Time from request to the last byte handed to the transport, by transport, route pattern and status class',
    labelNames: ['transport', 'route', 'status_class'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly earlyData = new Counter({
    name: 'h3edge_early_data_requests_total',
    help: 'Requests received in early data (TLS 0-RTT, or marked Early-Data: 1 by a proxy), by the earlyData rule that decided (route: its pattern as configured, default where none matched, off while early data is switched off) and outcome (accepted, too_early)',
    labelNames: ['route', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly aborted = new Counter({
    name: 'h3edge_aborted_responses_total',
    help: 'Responses the client abandoned before the last byte',
    labelNames: ['transport'] as const,
    registers: [this.registry],
  });

  constructor(opts: { processMetrics?: boolean } = {}) {
    if (opts.processMetrics ?? true) {
      collectDefaultMetrics({ register: this.registry, prefix: 'h3edge_' });
      // prom-client also exports these three as gauges named like counters, which Prometheus'
      // own linter (`promtool check metrics`) rejects; the gauges without `_total` say the same.
      for (const name of ['active_handles_total', 'active_requests_total', 'active_resources_total']) this.registry.removeSingleMetric(`h3edge_nodejs_${name}`);
    }
  }

  /** Records one completed request; called by the core once per request. */
  observe(done: CompletedRequest): void {
    const { exchange: ex, reply, completion } = done;
    const transport = ex.protocol;
    const route = reply.route ?? 'none';
    const status = reply.status;
    this.requests.inc({ transport, route, method: ex.method, status: String(status), code: reply.errorCode ?? '' });
    this.responseBytes.inc({ transport, route }, completion.bytesSent);
    this.duration.observe({ transport, route, status_class: `${Math.floor(status / 100)}xx` }, done.seconds);
    if (completion.aborted) this.aborted.inc({ transport });
    if (reply.earlyData) this.earlyData.inc({ route: reply.earlyData.rule, outcome: reply.earlyData.tooEarly ? 'too_early' : 'accepted' });
  }
}
