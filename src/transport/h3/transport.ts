import type { NativeH3ServerStats, QuicCongestionControl } from '../../native/quic.js';
import type { Credentials } from '../../tls/credentials.js';
import type { TicketKeys } from '../../tls/ticket-keys.js';
import type { ListenerOptions } from '../listener-options.js';

export type H3EngineName = 'native' | 'currentspace';

export interface UdpTransportOptions extends ListenerOptions {
  /** Bind with SO_REUSEPORT so several workers share the port (the kernel hashes by 4-tuple). */
  reusePort?: boolean;
  /** QUIC congestion controller, for engines that let us choose (the native one). */
  congestionControl?: QuicCongestionControl;
  /** QUIC initial congestion window in packets, for engines that let us choose (the native one). */
  initialWindowPackets?: number;
  /** Careful Resume (RFC 9959) for returning clients, for engines that have it (the native one). */
  carefulResume?: boolean;
  /** One qlog per QUIC connection in this directory, for `qlogSampleRatio` of them (engines that write qlogs: the native one). */
  qlogDir?: string;
  qlogSampleRatio?: number;
  /** Seed of QUIC stateless-reset, Retry and NEW_TOKEN tokens, fixed for the node's life; none = per process. */
  tokenSecret?: Buffer;
  /** The node's shared 0-RTT anti-replay table (a descriptor from the primary); none = per process. */
  replayStoreFd?: number;
  /** Accept 0-RTT in the handshake (engines that can: the native one); default true. */
  earlyData?: boolean;
  /** 0-RTT anti-replay window in seconds (the native engine's; see `quicEarlyDataWindowSec`). */
  earlyDataWindowSec?: number;
}

/** The UDP side of the server: HTTP/3 over QUIC, whichever engine carries it. */
export interface UdpTransport {
  readonly port: number;
  readonly engine: H3EngineName;
  /** New connections use these credentials (engines that cannot reload keep the old ones and say so). */
  setCredentials(credentials: Credentials): void;
  /**
   * New tickets under `keys.current`; tickets under `keys.previous` still resume, with 0-RTT
   * (engines that cannot rotate keep their first key and say so).
   */
  setTicketKeys(keys: TicketKeys): void;
  /** Handshakes from now on accept 0-RTT or refuse it (engines without 0-RTT ignore it). */
  setEarlyData(on: boolean): void;
  /** Drops the answers the engine repeats itself (engines that keep none: nothing to do). */
  forgetKept(): void;
  /** Engine counters for /metrics; null when the engine keeps none. */
  stats(): QuicStats | null;
  /** Sends H3 GOAWAY, lets in-flight streams finish for up to `graceMs`, then closes. */
  close(graceMs: number): Promise<void>;
}

/** What the QUIC engine counts (totals since start, except `connections` and `handshaking`): the engine's own shape. */
export type QuicStats = NativeH3ServerStats;
