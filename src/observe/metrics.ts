import { Counter, Registry, collectDefaultMetrics } from 'prom-client';
import { RequestTally } from './request-tally.js';
import type { CompletedRequest } from '../http/core.js';

/**
 * The server's Prometheus metrics, one registry per server instance (no global registry, so
 * several servers in one process — tests — never mix counts). Names follow h3edge_<thing>_<unit>.
 */
export class ServerMetrics {
  readonly registry = new Registry();
  /** The request metrics (requests, bytes, durations, aborted), counted per request without prom-client's per-call cost. */
  private readonly tally = new RequestTally();
  readonly earlyData = new Counter({
    name: 'h3edge_early_data_requests_total',
    help: 'Requests received in early data (TLS 0-RTT, or marked Early-Data: 1 by a proxy), by the earlyData rule that decided (route: its pattern as configured, default where none matched, off while early data is switched off) and outcome (accepted, too_early)',
    labelNames: ['route', 'outcome'] as const,
    registers: [this.registry],
  });
  constructor(opts: { processMetrics?: boolean } = {}) {
    this.tally.register(this.registry);
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
    this.tally.add({
      transport: ex.protocol,
      route: reply.route ?? 'none',
      method: ex.method,
      status: reply.status,
      code: reply.errorCode ?? '',
      bytes: completion.bytesSent,
      seconds: done.seconds,
      aborted: completion.aborted,
    });
    if (reply.earlyData) this.earlyData.inc({ route: reply.earlyData.rule, outcome: reply.earlyData.tooEarly ? 'too_early' : 'accepted' });
  }
}
