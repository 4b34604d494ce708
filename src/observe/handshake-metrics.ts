import { Gauge, type Registry } from 'prom-client';
import { registerScrapedCounter } from './scraped-counter.js';

/**
 * The TCP listener's counters these metrics read (totals since start). Declared here, not imported:
 * the HTTP/2 transport's stats satisfy it structurally, and observe/ never depends on a transport.
 */
export interface TcpHandshakeCounters {
  handshakes: number;
  resumed: number;
  /** Connections closed at once, by cap (the label value). */
  refused: Readonly<Record<string, number>>;
  headTimeouts: number;
}

/** The HTTP/3 engine's counters these metrics read (totals since start, except `connections` and `handshaking`); the engines' stats satisfy it. */
export interface QuicHandshakeCounters {
  connections: number;
  handshakes: number;
  resumed: number;
  earlyDataAccepted: number;
  earlyDataRejected: number;
  earlyDataReplays: number;
  retriesSent: number;
  statelessResetsSent: number;
  tokens: { valid: number; invalid: number; absent: number };
  headerSectionsRefused: number;
  headerSectionsReset: number;
  handshaking: number;
  refused: { connections: number; connectionsPerAddress: number; handshakes: number; handshakesPerAddress: number };
  /** Careful Resume outcomes by name (engines without it: absent). */
  carefulResume?: Readonly<Record<string, number>>;
  /** Answers the engine repeats itself (engines without them: absent). */
  kept?: { entries: number; answered: number };
}

/** TLS handshakes on TCP (HTTP/2, HTTP/1.1) by resumption, connections refused by a cap and request heads too slow, read at scrape time. */
export function registerTcpMetrics(registry: Registry, stats: () => TcpHandshakeCounters): void {
  registerScrapedCounter(registry, {
    name: 'h3edge_tls_handshakes_total',
    help: 'Completed TLS handshakes on TCP, by whether they resumed a session',
    label: 'resumed',
    read: () => byResumption(stats()),
  });
  registerScrapedCounter(registry, {
    name: 'h3edge_tcp_connections_refused_total',
    help: 'TCP connections closed at once because a connection cap was reached, by cap (limit: the node, per_ip: the client address)',
    label: 'reason',
    read: () => stats().refused,
  });
  registerScrapedCounter(registry, {
    name: 'h3edge_request_head_timeouts_total',
    help: 'Connections cut off because a request head dribbled in for longer than requestHeadTimeoutMs, by transport',
    label: 'transport',
    read: () => ({ tcp: stats().headTimeouts }),
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
export function registerQuicMetrics(registry: Registry, stats: () => QuicHandshakeCounters | null): void {
  new Gauge({
    name: 'h3edge_quic_connections',
    help: 'Open QUIC connections',
    registers: [registry],
    collect() {
      const s = stats();
      if (s) this.set(s.connections);
    },
  });
  registerScrapedCounter(registry, {
    name: 'h3edge_quic_handshakes_total',
    help: 'Completed QUIC handshakes, by whether they resumed a TLS session',
    label: 'resumed',
    read: () => {
      const s = stats();
      return s && byResumption(s);
    },
  });
  registerScrapedCounter(registry, {
    name: 'h3edge_quic_early_data_total',
    help: 'Connections that offered 0-RTT, by outcome: accepted, rejected (a full handshake instead: ticket age, keys) or replayed (a ClientHello the node, any worker, had accepted before, sent again; refused, its handshake never completes)',
    label: 'outcome',
    read: () => {
      const s = stats();
      return s && { accepted: s.earlyDataAccepted, rejected: s.earlyDataRejected, replayed: s.earlyDataReplays };
    },
  });
  registerScrapedCounter(registry, {
    name: 'h3edge_quic_stateless_packets_total',
    help: 'Packets sent without connection state: Retry (address validation) and stateless resets',
    label: 'kind',
    read: () => {
      const s = stats();
      return s && { retry: s.retriesSent, stateless_reset: s.statelessResetsSent };
    },
  });
  registerScrapedCounter(registry, {
    name: 'h3edge_quic_tokens_total',
    help: 'QUIC connection attempts by the NEW_TOKEN token their first Initial carried: valid (proved the address, so the 3x amplification limit is lifted), invalid (expired, another address or key) or absent',
    label: 'outcome',
    read: () => stats()?.tokens ?? null,
  });
  new Gauge({
    name: 'h3edge_quic_handshakes_in_progress',
    help: 'QUIC handshakes in progress (capped by maxQuicHandshakes)',
    registers: [registry],
    collect() {
      const s = stats();
      if (s) this.set(s.handshaking);
    },
  });
  registerScrapedCounter(registry, {
    name: 'h3edge_quic_connections_refused_total',
    help: 'New QUIC connections refused with CONNECTION_REFUSED because a cap was reached, by cap',
    label: 'reason',
    read: () => {
      const s = stats();
      return (
        s && {
          limit: s.refused.connections,
          per_ip: s.refused.connectionsPerAddress,
          handshakes: s.refused.handshakes,
          handshakes_per_ip: s.refused.handshakesPerAddress,
        }
      );
    },
  });
  registerScrapedCounter(registry, {
    name: 'h3edge_quic_careful_resume_total',
    help: 'Careful Resume (RFC 9959, quicCarefulResume) by outcome: applied (the window jumped to half the saved one), rtt_mismatch (first RTT sample under half or over 10x the saved one), no_state (a resumed session without saved state), expired, invalid (fails authentication: altered or another address), safe_retreat (loss after the jump), congested (loss before the first RTT sample)',
    label: 'outcome',
    read: () => stats()?.carefulResume ?? null,
  });
  new Gauge({
    name: 'h3edge_quic_kept_answer_entries',
    help: 'Small static answers the HTTP/3 engine holds to repeat itself for a second (at most 4096)',
    registers: [registry],
    collect() {
      const kept = stats()?.kept;
      if (kept) this.set(kept.entries);
    },
  });
  registerScrapedCounter(registry, {
    name: 'h3edge_quic_kept_answers_total',
    help: 'HTTP/3 requests the engine answered itself from a kept answer (a small static file another request got within the second); each also counts in h3edge_requests_total',
    label: 'engine',
    read: () => {
      const kept = stats()?.kept;
      return kept ? { native: kept.answered } : null;
    },
  });
  registerScrapedCounter(registry, {
    name: 'h3edge_quic_refused_requests_total',
    help: 'HTTP/3 requests the engine refused before routing (they have no h3edge_requests_total entry), by reason',
    label: 'reason',
    read: () => {
      const s = stats();
      return s && { header_section_too_large: s.headerSectionsRefused, header_section_unbounded: s.headerSectionsReset };
    },
  });
}

function byResumption(s: { handshakes: number; resumed: number }): Record<string, number> {
  return { true: s.resumed, false: s.handshakes - s.resumed };
}
