import { Counter, Gauge, type Registry } from 'prom-client';
import type { QuicStats } from '../transport/h3/index.js';

/** TLS handshakes on TCP (HTTP/2, HTTP/1.1), by resumption, read at scrape time. */
export function registerTlsMetrics(registry: Registry, stats: () => { handshakes: number; resumed: number }): void {
  new Counter({
    name: 'h3edge_tls_handshakes_total',
    help: 'Completed TLS handshakes on TCP, by whether they resumed a session',
    labelNames: ['resumed'] as const,
    registers: [registry],
    collect() {
      const s = stats();
      this.reset();
      this.inc({ resumed: 'true' }, s.resumed);
      this.inc({ resumed: 'false' }, s.handshakes - s.resumed);
    },
  });
}

/** Which session-ticket key generation the listeners issue tickets under (1 at start, +1 per rotation). */
export function registerTicketKeyMetrics(registry: Registry, generation: () => number): void {
  new Gauge({
    name: 'h3edge_tls_ticket_key_generation',
    help: 'Session-ticket key generation new TLS and QUIC tickets are issued under (1 at start, +1 per rotation); across workers the lowest',
    registers: [registry],
    // A node is as far along as its slowest worker.
    aggregator: 'min',
    collect() {
      this.set(generation());
    },
  });
}

/** The HTTP/3 engine's handshake and defence counters, read at scrape time. */
export function registerQuicMetrics(registry: Registry, stats: () => QuicStats | null): void {
  new Gauge({
    name: 'h3edge_quic_connections',
    help: 'Open QUIC connections',
    registers: [registry],
    collect() {
      const s = stats();
      if (s) this.set(s.connections);
    },
  });
  new Counter({
    name: 'h3edge_quic_handshakes_total',
    help: 'Completed QUIC handshakes, by whether they resumed a TLS session',
    labelNames: ['resumed'] as const,
    registers: [registry],
    collect() {
      const s = stats();
      if (!s) return;
      this.reset();
      this.inc({ resumed: 'true' }, s.resumed);
      this.inc({ resumed: 'false' }, s.handshakes - s.resumed);
    },
  });
  new Counter({
    name: 'h3edge_quic_early_data_total',
    help: 'Connections that offered 0-RTT, by whether the server accepted it',
    labelNames: ['outcome'] as const,
    registers: [registry],
    collect() {
      const s = stats();
      if (!s) return;
      this.reset();
      this.inc({ outcome: 'accepted' }, s.earlyDataAccepted);
      this.inc({ outcome: 'rejected' }, s.earlyDataRejected);
    },
  });
  new Counter({
    name: 'h3edge_quic_stateless_packets_total',
    help: 'Packets sent without connection state: Retry (address validation) and stateless resets',
    labelNames: ['kind'] as const,
    registers: [registry],
    collect() {
      const s = stats();
      if (!s) return;
      this.reset();
      this.inc({ kind: 'retry' }, s.retriesSent);
      this.inc({ kind: 'stateless_reset' }, s.statelessResetsSent);
    },
  });
}
