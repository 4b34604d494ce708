// The typed binding of the HTTP/3 engine addon (src/native/quic/addon.cc): its options, its
// counters, and its events decoded into typed objects. The server over it is quic-server.ts,
// one request's state is quic-request.ts.
import { loadAddon } from './load-addon.js';
import type { AppliedPriority, Priority } from '../priority/priority.js';

/** Congestion controllers the engine offers (ngtcp2 1.x has one BBR: `bbr2` and `bbr` select it). */
export const QUIC_CONGESTION_CONTROLS = ['bbr2', 'bbr', 'cubic', 'reno'] as const;
export type QuicCongestionControl = (typeof QUIC_CONGESTION_CONTROLS)[number];

/**
 * Initial congestion window bounds, in packets: RFC 9002 §7.2 asks for at least 2; past 128
 * (~150 KB) one burst mostly fills queues.
 */
export const INITIAL_WINDOW_PACKETS = { min: 2, max: 128 } as const;

/** Shortest ticket key or token secret accepted. */
export const MIN_KEY_BYTES = 32;

/** Options of the engine's server. Times in milliseconds, sizes in bytes. */
export interface NativeH3ServerOptions {
  /** UDP bind address; port 0 picks an ephemeral port. */
  host: string;
  port: number;
  /** PEM files. */
  certFile: string;
  keyFile: string;
  /**
   * Session-ticket key new tickets are issued under (at least 32 bytes). The same key in every
   * worker lets tickets and 0-RTT work across them; without it the server makes up its own.
   * Tickets are bound to the transport limits below too, so a server with different limits
   * makes clients do a full handshake (RFC 9000 §7.4.1).
   */
  ticketKey?: Buffer;
  /** The key `ticketKey` replaced: tickets issued under it still resume. */
  previousTicketKey?: Buffer;
  /**
   * Seed (at least 32 bytes) of stateless-reset, Retry and NEW_TOKEN tokens. The same seed in
   * every worker lets each verify the others' tokens and reset their connections; it must stay
   * the same for the node's life (clients hold reset tokens as long as their connection).
   */
  tokenSecret?: Buffer;
  /** Accept 0-RTT (default true). */
  earlyData?: boolean;
  maxIdleTimeoutMs?: number;
  handshakeTimeoutMs?: number;
  /** Concurrent request streams per connection (default 100). */
  maxStreamsBidi?: number;
  /** Request header section limit, RFC 9114 §4.2.2 size (default 16384); larger gets a 431. */
  maxHeaderBytes?: number;
  /** Address validation with Retry for every new connection (default false). */
  retry?: boolean;
  /** Retry becomes mandatory while this many handshakes are pending (default 256). */
  retryHalfOpenThreshold?: number;
  /** SO_REUSEPORT, for workers sharing one port (default false). */
  reusePort?: boolean;
  /**
   * Caps on connection state: connections in total (default 50000) and per client address
   * (1000), handshakes in progress in total (512) and per client address (32), also for clients
   * that answered a Retry. A new connection beyond one is refused with CONNECTION_CLOSE
   * (CONNECTION_REFUSED) and keeps no state.
   */
  maxConnections?: number;
  maxConnectionsPerAddress?: number;
  maxHandshakes?: number;
  maxHandshakesPerAddress?: number;
  /**
   * The mmap addon's `guard`: Buffer bodies read from a mapping whose file was truncated under it
   * are reset (H3_INTERNAL_ERROR) instead of completed with the zeros that replaced the lost pages.
   */
  mapGuard?: unknown;
  /**
   * The node's shared 0-RTT anti-replay table ({@link createReplayStore} in the primary, an
   * inherited descriptor in each worker), so a replayed early-data flight runs at most once
   * whichever worker it reaches. Without it the table is this process's own.
   */
  replayStoreFd?: number;
  /** ngtcp2's congestion controller (default bbr2). */
  congestionControl?: QuicCongestionControl;
  /**
   * Initial congestion window in packets ({@link INITIAL_WINDOW_PACKETS}), applied through our
   * ngtcp2 patch (scripts/quic-libs); omitted: RFC 9002's 10 packets.
   */
  initialWindowPackets?: number;
  /**
   * Careful Resume (RFC 9959): connections save their window and minimum RTT, sealed, in the
   * NEW_TOKEN tokens they send; a returning client's connection whose first RTT sample matches
   * jumps to half that window, paced, and retreats on loss. Default off.
   */
  carefulResume?: boolean;
  /**
   * Directory (must exist) for one qlog file per connection, `<connection id>.sqlog`: ngtcp2's
   * JSON-SEQ transport events plus our `http:priority_updated`. Omitted: no qlogs.
   */
  qlogDir?: string;
  /** Share of connections (0-1, default 1) that get a qlog when `qlogDir` is set. */
  qlogSampleRatio?: number;
  /**
   * GnuTLS's 0-RTT anti-replay window in seconds ({@link EARLY_DATA_WINDOW_SEC}; default 600):
   * early data is refused with a ticket issued before the window last rolled over, so a client
   * returning later than this gets a resumed handshake without 0-RTT; every 0-RTT ClientHello is
   * held in the replay table this long.
   */
  earlyDataWindowSec?: number;
  /**
   * Request fields (lowercase names) that leave a kept answer unchanged ({@link QuicServerBinding.keep}):
   * a request with any other field is always handed to JavaScript. Omitted: none but pseudo-headers.
   */
  keptRequestFields?: readonly string[];
}

/** Bounds of the 0-RTT anti-replay window (seconds) and the engine's default. */
export const EARLY_DATA_WINDOW_SEC = { min: 1, max: 3600, default: 600 } as const;

export interface NativeConnStats {
  rttMs: number;
  cwndBytes: number;
  /** Packets carrying request-stream data that were declared lost. */
  lostPackets: number;
  sentBytes: number;
  recvBytes: number;
  /** Largest UDP payload the connection sends on its path: 1200 until PMTU discovery finds more. */
  maxUdpPayloadBytes: number;
  /**
   * Packets with stream data sent after the handshake completed and before the client first
   * acknowledged response data: the first flight, bounded by the initial congestion window.
   */
  firstFlightPackets: number;
  /**
   * The congestion controller's estimate of the path's bandwidth, bytes/s: BBR's bandwidth model
   * (else the latest delivery rate sample); 0 before the first sample. Through our ngtcp2 patch.
   */
  bandwidthBytesPerSec: number;
  /** The connection's last Careful Resume outcome; 'none' when it had nothing to resume from or the switch is off. */
  carefulResume: CarefulResumeOutcome | 'none';
}

export const ZERO_CONN_STATS: Readonly<NativeConnStats> = Object.freeze({ rttMs: 0, cwndBytes: 0, lostPackets: 0, sentBytes: 0, recvBytes: 0, maxUdpPayloadBytes: 0, firstFlightPackets: 0, bandwidthBytesPerSec: 0, carefulResume: 'none' });

/**
 * What became of a connection's saved path (careful_resume.h): applied (the window jumped),
 * rtt_mismatch (its first RTT sample is not the saved path's), no_state (a resumed session
 * without one), expired, invalid (fails authentication: altered, or from another address),
 * safe_retreat (loss after the jump), congested (loss before the first RTT sample).
 */
export const CAREFUL_RESUME_OUTCOMES = ['applied', 'rtt_mismatch', 'no_state', 'expired', 'invalid', 'safe_retreat', 'congested'] as const;
export type CarefulResumeOutcome = (typeof CAREFUL_RESUME_OUTCOMES)[number];

/** A Careful Resume outcome of one connection, as it happened. */
export interface NativeCarefulResume {
  outcome: CarefulResumeOutcome;
  remoteAddress: string;
}

/** A connection as the engine describes it when one of its requests arrives. */
export interface RawConnection {
  /** The server's connection ID (hex). */
  id: string;
  remoteAddress: string;
  remotePort: number;
  resumed: boolean;
  earlyDataAccepted: boolean;
}

/** A request head as the engine hands it over. */
export interface RawRequest {
  method: string;
  path: string;
  authority: string;
  scheme: string;
  /** Regular fields, name then value, lowercase names, no pseudo-headers. */
  headers: string[];
  earlyData: boolean;
  /** The request ended with its head (no body). */
  fin: boolean;
  /** From the Priority field or a PRIORITY_UPDATE; null if the client said nothing. */
  priority: Priority | null;
}

export interface NativeH3ServerStats {
  /** Open connections. */
  connections: number;
  /** Completed handshakes, and how many of them resumed a TLS session. */
  handshakes: number;
  earlyDataAccepted: number;
  earlyDataRejected: number;
  /** Replays of a ClientHello the node had accepted before, refused. */
  earlyDataReplays: number;
  resumed: number;
  retriesSent: number;
  statelessResetsSent: number;
  /**
   * Connection attempts (first Initials; a Retry's answer is not counted again) by their NEW_TOKEN
   * token: `valid` proved the address (the 3× limit is lifted), `invalid` did not, `absent` had none.
   */
  tokens: { valid: number; invalid: number; absent: number };
  /** Requests the engine answered 431 itself: the decoded header section was over the limit. */
  headerSectionsRefused: number;
  /** Request streams reset (H3_EXCESSIVE_LOAD): the raw header section kept growing past twice the limit. */
  headerSectionsReset: number;
  /** Handshakes in progress now. */
  handshaking: number;
  /** New connections refused because a cap was reached, by cap. */
  refused: { connections: number; connectionsPerAddress: number; handshakes: number; handshakesPerAddress: number };
  /** Connections that got a qlog file, and sampled ones whose file could not be created. */
  qlogsWritten: number;
  qlogFailures: number;
  /** Careful Resume outcomes since start (all zero while the switch is off). */
  carefulResume: Record<CarefulResumeOutcome, number>;
  /** Kept answers: responses held now, answers still sending, and answered since start. */
  kept: { entries: number; inFlight: number; answered: number };
}

/** How one answer the engine repeated from its kept answers ended. */
export interface NativeKeptAnswer {
  /** What was handed to `keep` with the answer. */
  record: unknown;
  completed: boolean;
  /** Body bytes acknowledged (all of them when completed). */
  bytesSent: number;
  /** From the request's head to the stream's close. */
  seconds: number;
  /** The priority it was sent at (the client's signal, else the one kept with the answer). */
  priority: AppliedPriority | null;
  remoteAddress: string;
  /** Kept answers of the server still sending. */
  inFlight: number;
}

/**
 * A request the engine refused before JavaScript saw it: `status` is what the client was
 * answered, null when its stream was reset instead.
 */
export interface NativeRefusal {
  status: number | null;
  reason: 'header_section_too_large' | 'header_section_unbounded';
  /** The connection's address, when it is still known. */
  remoteAddress: string;
}

/** A replayed 0-RTT ClientHello the engine refused. */
export interface NativeReplay {
  remoteAddress: string;
}

/** What the engine tells JavaScript, decoded. `conn` is a connection's serial, `stream` its stream ID. */
export type QuicEvent =
  /** `connection` comes with a connection's first request; later ones carry only what may still change. */
  | { kind: 'request'; conn: number; stream: number; request: RawRequest; connection: RawConnection | null; resumed: boolean; earlyDataAccepted: boolean }
  | { kind: 'data'; conn: number; stream: number; chunk: Buffer }
  | { kind: 'end'; conn: number; stream: number }
  | { kind: 'pull'; conn: number; stream: number }
  | { kind: 'streamClose'; conn: number; stream: number; completed: boolean; priority: AppliedPriority | null }
  | { kind: 'connClose'; conn: number; stats: NativeConnStats }
  | { kind: 'refused'; refusal: NativeRefusal }
  | { kind: 'replay'; replay: NativeReplay }
  | { kind: 'carefulResume'; carefulResume: NativeCarefulResume }
  | { kind: 'kept'; kept: NativeKeptAnswer };

/** The engine's calls (addon.cc). Each returns false when the connection or stream is gone. */
export interface QuicServerBinding {
  /** Binds; throws an Error whose `code` is the errno name (EADDRINUSE…) or ESETUP. */
  listen(): void;
  address(): { address: string; port: number; family: string };
  stats(): NativeH3ServerStats;
  /** `fields`: each name and value followed by a NUL; `fieldCount` names in it (a NUL inside one is refused). */
  respond(conn: number, stream: number, status: number, fieldCount: number, fields: string, body: Buffer | null, streaming: boolean, urgency: number, incremental: boolean, overClient?: boolean): boolean;
  push(conn: number, stream: number, chunk: Buffer | null): boolean;
  cancel(conn: number, stream: number): boolean;
  consume(conn: number, stream: number, bytes: number): void;
  stopReading(conn: number, stream: number): boolean;
  connStats(conn: number): NativeConnStats | null;
  goaway(final: boolean): void;
  reloadCredentials(certFile: string, keyFile: string): void;
  setTicketKeys(current: Buffer, previous: Buffer | null): void;
  setEarlyData(on: boolean): void;
  /**
   * Requests for `target` at `authority` the engine accepts for a kept answer (GET, not early
   * data, no body, no field outside `keptRequestFields`) get this response for `ttlMs` without
   * JavaScript; a 'kept' event hands `record` back for each. `pathField` ('' for none) takes
   * `pathBefore` + the connection's `;etp=…;rtt=…` + `pathAfter`. False when the table is full.
   */
  keep(authority: string, target: string, status: number, fieldCount: number, fields: string, body: Buffer, urgency: number, incremental: boolean, ttlMs: number, pathField: string, pathBefore: string, pathAfter: string, record: unknown): boolean;
  /** Drops every kept answer (streams already sending one finish). */
  forgetKept(): void;
  close(done: () => void): void;
}

/** One pump round's events, flat: (kind, conn, stream, a, b) × count / 5. */
type RawHandler = (flat: unknown[], count: number) => void;

interface QuicAddon {
  QuicServer: new (opts: object, onEvent: RawHandler) => QuicServerBinding;
  createReplayStore(): number;
}

/** The addon, or why it could not be loaded (callers may fall back to another engine). */
export function loadNativeQuic(): { addon: QuicAddon } | { error: Error } {
  return loadAddon<QuicAddon>('quic', 'h3edge_quic');
}

function requireAddon(): QuicAddon {
  const loaded = loadNativeQuic();
  if ('error' in loaded) throw new Error(`native QUIC addon not available (node scripts/build-native.js quic): ${loaded.error.message}`);
  return loaded.addon;
}

/**
 * Creates a node's shared 0-RTT anti-replay table (a memfd) and returns its descriptor, for the
 * primary to hand its workers (`replayStoreFd`). Throws when the addon or memfd is unavailable.
 */
export function createReplayStore(): number {
  return requireAddon().createReplayStore();
}

/** Event kinds as addon.cc numbers them (events.h). */
const KIND = { request: 1, data: 2, end: 3, pull: 4, streamClose: 5, connClose: 6, refused: 7, replay: 8, carefulResume: 9, keptBatch: 11 } as const;

/** Numbers per kept answer in a KIND.keptBatch entry (kept_batch.h). */
const KEPT_STRIDE = 8;

/**
 * A round's kept answers (kept_batch.h): `count` answers, `inFlight` still sending, `names` =
 * [records, addresses] and per answer [record index, address index, completed, bytes, seconds,
 * urgency (-1: none), incremental, chosen by the client].
 */
function decodeKeptBatch(count: number, inFlight: number, names: unknown, numbers: unknown, onEvent: (e: QuicEvent) => void): void {
  const [records, addresses] = names as [unknown[], string[]];
  const n = numbers as Float64Array;
  for (let i = 0, at = 0; i < count; i++, at += KEPT_STRIDE) {
    const urgency = n[at + 5] as number;
    const priority: AppliedPriority | null = urgency < 0 ? null : { urgency, incremental: n[at + 6] === 1, chosenBy: n[at + 7] === 1 ? 'client' : 'server' };
    onEvent({
      kind: 'kept',
      kept: { record: records[n[at] as number], completed: n[at + 2] === 1, bytesSent: n[at + 3] as number, seconds: n[at + 4] as number, priority, remoteAddress: addresses[n[at + 1] as number] ?? '', inFlight },
    });
  }
}

/** Decodes one raw event; null for a kind this binding does not know. */
function decode(kind: number, conn: number, stream: number, a: unknown, b: unknown): QuicEvent | null {
  switch (kind) {
    case KIND.request: {
      // addon.cc request_tuple and announce.
      const r = a as [string, string, string, string, string, boolean, boolean, number, boolean];
      const c = b as [string, string, number, boolean, boolean] | [boolean, boolean];
      const request: RawRequest = {
        method: r[0],
        path: r[1],
        authority: r[2],
        scheme: r[3],
        headers: r[4] === '' ? [] : r[4].split('\0'),
        earlyData: r[5],
        fin: r[6],
        priority: r[7] < 0 ? null : { urgency: r[7], incremental: r[8] },
      };
      // Either way the handshake's two flags come last.
      const resumed = c[c.length - 2] as boolean;
      const earlyDataAccepted = c[c.length - 1] as boolean;
      const connection = c.length === 5 ? { id: c[0], remoteAddress: c[1], remotePort: c[2], resumed, earlyDataAccepted } : null;
      return { kind: 'request', conn, stream, request, connection, resumed, earlyDataAccepted };
    }
    case KIND.data:
      return { kind: 'data', conn, stream, chunk: a as Buffer };
    case KIND.end:
      return { kind: 'end', conn, stream };
    case KIND.pull:
      return { kind: 'pull', conn, stream };
    case KIND.streamClose:
      return { kind: 'streamClose', conn, stream, completed: a as boolean, priority: (b as AppliedPriority | null) ?? null };
    case KIND.connClose:
      return { kind: 'connClose', conn, stats: a as NativeConnStats };
    case KIND.refused: {
      const status = a as number;
      const remoteAddress = (b as RawConnection | undefined)?.remoteAddress ?? '';
      return { kind: 'refused', refusal: { status: status === 0 ? null : status, reason: status === 0 ? 'header_section_unbounded' : 'header_section_too_large', remoteAddress } };
    }
    case KIND.replay:
      return { kind: 'replay', replay: { remoteAddress: (b as RawConnection | undefined)?.remoteAddress ?? '' } };
    case KIND.carefulResume:
      return { kind: 'carefulResume', carefulResume: { outcome: a as CarefulResumeOutcome, remoteAddress: (b as RawConnection | undefined)?.remoteAddress ?? '' } };
    default:
      return null;
  }
}

/**
 * Creates the engine's server (not yet listening) with `opts` checked; `onEvent` gets every
 * event decoded, on the event loop, never inside a library callback. Throws TypeError on a bad
 * option, Error when the addon cannot be loaded.
 */
export function createQuicServerBinding(opts: NativeH3ServerOptions, onEvent: (e: QuicEvent) => void): QuicServerBinding {
  const ratio = opts.qlogSampleRatio;
  if (ratio !== undefined && !(ratio >= 0 && ratio <= 1)) throw new TypeError('qlogSampleRatio must be a number from 0 to 1');
  const iw = opts.initialWindowPackets;
  const { min, max } = INITIAL_WINDOW_PACKETS;
  if (iw !== undefined && !(Number.isInteger(iw) && iw >= min && iw <= max)) throw new TypeError(`initialWindowPackets must be an integer from ${min} to ${max}`);
  const window = opts.earlyDataWindowSec;
  const w = EARLY_DATA_WINDOW_SEC;
  if (window !== undefined && !(Number.isInteger(window) && window >= w.min && window <= w.max)) throw new TypeError(`earlyDataWindowSec must be an integer from ${w.min} to ${w.max}`);
  for (const name of ['ticketKey', 'previousTicketKey', 'tokenSecret'] as const) {
    const key = opts[name];
    if (key !== undefined && key.length < MIN_KEY_BYTES) throw new TypeError(`${name} must be at least ${MIN_KEY_BYTES} bytes`);
  }
  // The engine hands over each pump round's events at once (addon.cc deliver).
  return new (requireAddon().QuicServer)(opts, (flat, count) => {
    for (let i = 0; i + 4 < count; i += 5) {
      if (flat[i] === KIND.keptBatch) {
        decodeKeptBatch(flat[i + 1] as number, flat[i + 2] as number, flat[i + 3], flat[i + 4], onEvent);
        continue;
      }
      const event = decode(flat[i] as number, flat[i + 1] as number, flat[i + 2] as number, flat[i + 3], flat[i + 4]);
      if (event) onEvent(event);
    }
  });
}
