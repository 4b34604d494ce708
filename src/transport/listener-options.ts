import type { Logger } from 'pino';
import type { RequestCore } from '../http/core.js';
import type { Credentials } from '../tls/credentials.js';
import type { TicketKeys } from '../tls/ticket-keys.js';

/** What every listening transport gets from server.ts. */
export interface ListenerOptions {
  host: string;
  port: number;
  credentials: Credentials;
  core: RequestCore;
  logger: Logger;
  /** This transport's session-ticket keys, the same in all the node's workers so a session resumes on any of them. */
  ticketKeys: TicketKeys;
  /** A connection with no activity for this long is closed. */
  idleTimeoutMs: number;
  /** A TLS handshake that takes longer is cut off (slowloris). */
  handshakeTimeoutMs: number;
  /** A request head that dribbles in for longer is cut off (slowloris). */
  requestHeadTimeoutMs: number;
  /** This process's share of the node's connection caps. */
  caps: ConnectionCaps;
}

/** Connection caps of one process (a worker enforces its share of the node's). */
export interface ConnectionCaps {
  /** TCP connections. */
  tcpConnections: number;
  /** TCP connections, and QUIC connections, per client address. */
  perAddress: number;
  quicConnections: number;
  /** QUIC handshakes in progress, in total and per client address. */
  quicHandshakes: number;
  quicHandshakesPerAddress: number;
}
