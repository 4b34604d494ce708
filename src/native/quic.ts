import { EventEmitter } from 'node:events';
import { loadAddon } from './load-addon.js';

/** Options for {@link NativeH3Server.listen}. Times in milliseconds, sizes in bytes. */
export interface NativeH3ServerOptions {
  /** UDP bind address; port 0 picks an ephemeral port. */
  host: string;
  port: number;
  /** PEM files. */
  certFile: string;
  keyFile: string;
  /**
   * Session-ticket key new tickets are issued under (at least 32 bytes). The same key in every worker lets tickets and 0-RTT work across
   * them; without it the server makes up its own. Tickets are bound to the transport limits
   * below too, so a server with different limits makes clients do a full handshake (RFC 9000 §7.4.1).
   */
  ticketKey?: Buffer;
  /** The key `ticketKey` replaced: tickets issued under it still resume. See {@link NativeH3Server.setTicketKeys}. */
  previousTicketKey?: Buffer;
  /**
   * Seed (at least 32 bytes) of stateless-reset, Retry and NEW_TOKEN tokens. The same seed in
   * every worker lets each verify the others' tokens and reset their connections; it must stay
   * the same for the node's life (clients hold reset tokens as long as their connection). Without
   * it the server makes up its own.
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
  /** ngtcp2's congestion controller (default bbr2; bbr is the same controller in ngtcp2 1.x). */
  congestionControl?: QuicCongestionControl;
  /**
   * Initial congestion window in packets ({@link INITIAL_WINDOW_PACKETS}), applied through our
   * ngtcp2 patch (scripts/quic-libs); omitted: RFC 9002's 10 packets.
   */
  initialWindowPackets?: number;
  /**
   * Directory (must exist) for one qlog file per connection, `<connection id>.sqlog`: ngtcp2's
   * JSON-SEQ transport events plus our `http:priority_updated`. Omitted: no qlogs.
   */
  qlogDir?: string;
  /** Share of connections (0-1, default 1) that get a qlog when `qlogDir` is set. */
  qlogSampleRatio?: number;
}

export type QuicCongestionControl = 'bbr2' | 'bbr' | 'cubic' | 'reno';

/** RFC 9218 priority parameters. */
export interface Priority {
  urgency: number;
  incremental: boolean;
}

/** The priority a response was sent at, and whether the client's signal or our default chose it. */
export interface AppliedPriority extends Priority {
  chosenBy: 'client' | 'server';
}

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
}

export interface NativeConnection {
  /** The server's connection ID (hex). */
  id: string;
  remoteAddress: string;
  remotePort: number;
  resumed: boolean;
  earlyDataAccepted: boolean;
  stats(): NativeConnStats;
}

/** One request; emitted once its header section is complete. */
export interface NativeH3Request {
  method: string;
  path: string;
  authority: string;
  scheme: string;
  /** Regular fields, lowercase names, no pseudo-headers. */
  headers: Array<[string, string]>;
  /** The header section arrived in 0-RTT (replayable: the HTTP layer decides what to do). */
  earlyData: boolean;
  /** From the Priority field or a PRIORITY_UPDATE; null if the client said nothing. */
  clientPriority: Priority | null;
  connection: NativeConnection;
  /**
   * Request body, consumed at most once. Flow-control credit goes back to the client only as
   * chunks are taken from it, so a body nobody reads waits at the window. Ends at once for a
   * request without one; ends early (no error) when the stream is gone or reading was stopped.
   */
  body: AsyncIterable<Buffer>;
  /**
   * The response no longer needs the rest of the request body: STOP_SENDING (H3_NO_ERROR) and
   * what was received but not read is dropped. `respond` calls it for a body not read to its end.
   */
  stopReading(): void;
  /**
   * Sends the response once. `headers` excludes ':status'. A Buffer body is sent without a copy
   * (nghttp3 reads straight from it; the engine holds it until the peer acknowledged it); an
   * AsyncIterable is pulled as the connection drains it; null sends headers only. `priority`
   * is the server's default and applies only when the client signalled none.
   * Throws TypeError on an invalid status or header.
   */
  respond(status: number, headers: Array<[string, string]>, body: Buffer | AsyncIterable<Uint8Array> | null, priority?: Priority): void;
  /** Called once if the client reset the stream or the connection ended before the response completed. */
  onAbort(cb: () => void): void;
  /** Resets the stream with H3_REQUEST_CANCELLED (no abort callbacks). */
  cancel(): void;
  /**
   * Called once when the stream is gone: `completed` is true when the whole response was sent
   * (and the request read); `bytesSent` counts the body bytes handed to the engine; `priority`
   * is what the response was last sent at (a later PRIORITY_UPDATE included), null without one.
   */
  onClose(cb: (completed: boolean, bytesSent: number, priority: AppliedPriority | null) => void): void;
}

export interface NativeH3ServerStats {
  /** Open connections. */
  connections: number;
  /** Completed handshakes, and how many of them resumed a TLS session. */
  handshakes: number;
  earlyDataAccepted: number;
  earlyDataRejected: number;
  /** Of the rejected: a ClientHello the node had accepted before (a replay). */
  earlyDataReplays: number;
  resumed: number;
  retriesSent: number;
  statelessResetsSent: number;
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
}

/**
 * A request the engine refused before JavaScript saw it (emitted as 'refused'): `status` is what
 * the client was answered, null when its stream was reset instead.
 */
export interface NativeRefusal {
  status: number | null;
  reason: 'header_section_too_large' | 'header_section_unbounded';
  /** The connection's address, when it is still known. */
  remoteAddress: string;
}

type EventHandler = (kind: number, conn: number, stream: number, a: unknown, b: unknown) => void;

interface QuicServerBinding {
  listen(): void;
  address(): { address: string; port: number; family: string };
  stats(): NativeH3ServerStats;
  respond(conn: number, stream: number, status: number, headers: string[], body: Buffer | null, streaming: boolean, urgency: number, incremental: boolean): boolean;
  push(conn: number, stream: number, chunk: Buffer | null): boolean;
  cancel(conn: number, stream: number): boolean;
  consume(conn: number, stream: number, bytes: number): void;
  stopReading(conn: number, stream: number): boolean;
  connStats(conn: number): NativeConnStats | null;
  goaway(final: boolean): void;
  reloadCredentials(certFile: string, keyFile: string): void;
  setTicketKeys(current: Buffer, previous: Buffer | null): void;
  close(done: () => void): void;
}

/** The addon's surface (src/native/quic/addon.cc). */
export interface QuicAddon {
  QuicServer: new (opts: object, onEvent: EventHandler) => QuicServerBinding;
  createReplayStore(): number;
}

/**
 * Creates a node's shared 0-RTT anti-replay table (a memfd) and returns its descriptor, for the
 * primary to hand its workers (`replayStoreFd`). Throws when the addon or memfd is unavailable.
 */
export function createReplayStore(): number {
  return requireAddon().createReplayStore();
}

/** A replayed 0-RTT ClientHello the engine refused (emitted as 'replay'). */
export interface NativeReplay {
  remoteAddress: string;
}

interface RawRequest {
  method: string;
  path: string;
  authority: string;
  scheme: string;
  headers: string[];
  earlyData: boolean;
  fin: boolean;
  priority: Priority | null;
}

type RawConnection = Omit<NativeConnection, 'stats'>;

/**
 * Initial congestion window bounds, in packets: RFC 9002 §7.2 asks for at least 2; past 128
 * (~150 KB) one burst mostly fills queues.
 */
export const INITIAL_WINDOW_PACKETS = { min: 2, max: 128 } as const;

/** Shortest ticket key or token secret accepted. */
const MIN_KEY_BYTES = 32;
const EVENT = { request: 1, data: 2, end: 3, pull: 4, streamClose: 5, connClose: 6, refused: 7, replay: 8 } as const;
const ZERO_STATS: NativeConnStats = { rttMs: 0, cwndBytes: 0, lostPackets: 0, sentBytes: 0, recvBytes: 0, maxUdpPayloadBytes: 0, firstFlightPackets: 0 };

/** The addon, or why it could not be loaded (callers may fall back to another engine). */
export function loadNativeQuic(): { addon: QuicAddon } | { error: Error } {
  return loadAddon<QuicAddon>('quic', 'h3edge_quic');
}

function requireAddon(): QuicAddon {
  const loaded = loadNativeQuic();
  if ('error' in loaded) throw new Error(`native QUIC addon not available (node scripts/build-native.js quic): ${loaded.error.message}`);
  return loaded.addon;
}

function toBuffer(chunk: Uint8Array): Buffer {
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

function checkPriority(p: Priority | undefined): void {
  if (p === undefined) return;
  if (!Number.isInteger(p.urgency) || p.urgency < 0 || p.urgency > 7) throw new TypeError('priority urgency must be an integer 0-7');
}

/** Request state on the JavaScript side; the engine knows it as (connection serial, stream ID). */
class Exchange implements NativeH3Request {
  readonly method: string;
  readonly path: string;
  readonly authority: string;
  readonly scheme: string;
  readonly headers: Array<[string, string]> = [];
  readonly earlyData: boolean;
  readonly clientPriority: Priority | null;
  /** Body pieces received and not read yet (bounded by the stream's flow-control window). */
  private readonly bodyQueue: Buffer[] = [];
  /** The request body ended (FIN), or reading it was stopped or the stream is gone. */
  private bodyEnded = false;
  /** A reader waiting for the next piece. */
  private bodyWaiter: (() => void) | null = null;
  private responded = false;
  private cancelled = false;
  private aborted = false;
  private abortCallbacks: Array<() => void> = [];
  private closeCallbacks: Array<(completed: boolean, bytesSent: number, priority: AppliedPriority | null) => void> = [];
  private appliedPriority: AppliedPriority | null = null;
  private bytesSent = 0;
  /** Set once the stream is gone: whether the response was completed. */
  private closedAs: boolean | null = null;

  get closed(): boolean {
    return this.closedAs !== null;
  }
  private resumePull: (() => void) | null = null;

  constructor(private readonly native: QuicServerBinding, private readonly conn: number, private readonly stream: number, raw: RawRequest, readonly connection: NativeConnection) {
    this.method = raw.method;
    this.path = raw.path;
    this.authority = raw.authority;
    this.scheme = raw.scheme;
    for (let i = 0; i + 1 < raw.headers.length; i += 2) this.headers.push([raw.headers[i]!, raw.headers[i + 1]!]);
    this.earlyData = raw.earlyData;
    this.clientPriority = raw.priority;
    this.bodyEnded = raw.fin;
  }

  get body(): AsyncIterable<Buffer> {
    return { [Symbol.asyncIterator]: () => ({ next: () => this.nextBodyPiece() }) };
  }

  private async nextBodyPiece(): Promise<IteratorResult<Buffer>> {
    while (this.bodyQueue.length === 0 && !this.bodyEnded) await new Promise<void>((resolve) => (this.bodyWaiter = resolve));
    const piece = this.bodyQueue.shift();
    if (piece === undefined) return { done: true, value: undefined };
    this.native.consume(this.conn, this.stream, piece.length);
    return { done: false, value: piece };
  }

  /** A piece of the request body from the engine; `null` ends it. */
  receive(chunk: Buffer | null): void {
    if (this.bodyEnded) return;
    if (chunk === null) this.bodyEnded = true;
    else this.bodyQueue.push(chunk);
    this.wakeBodyReader();
  }

  stopReading(): void {
    if (this.bodyEnded) return;
    this.endBody();
    this.native.stopReading(this.conn, this.stream);
  }

  private endBody(): void {
    this.bodyEnded = true;
    this.bodyQueue.length = 0;
    this.wakeBodyReader();
  }

  private wakeBodyReader(): void {
    const wake = this.bodyWaiter;
    this.bodyWaiter = null;
    wake?.();
  }

  respond(status: number, headers: Array<[string, string]>, body: Buffer | AsyncIterable<Uint8Array> | null, priority?: Priority): void {
    if (this.responded) throw new Error('respond() was already called for this request');
    if (!Number.isInteger(status)) throw new TypeError('status must be an integer');
    checkPriority(priority);
    const flat: string[] = [];
    for (const [name, value] of headers) flat.push(name, value);
    const urgency = priority?.urgency ?? -1;
    const incremental = priority?.incremental ?? false;
    const streaming = body !== null && !(body instanceof Uint8Array);
    const buffer = body instanceof Uint8Array ? toBuffer(body) : null;
    if (buffer) this.bytesSent = buffer.length;
    this.native.respond(this.conn, this.stream, status, flat, buffer, streaming, urgency, incremental);
    this.responded = true;
    // RFC 9114 §4.1.2: a complete response may come before the request is; the rest is refused.
    this.stopReading();
    if (streaming) void this.pump(body as AsyncIterable<Uint8Array>);
  }

  onAbort(cb: () => void): void {
    if (this.aborted) queueMicrotask(cb);
    else this.abortCallbacks.push(cb);
  }

  onClose(cb: (completed: boolean, bytesSent: number, priority: AppliedPriority | null) => void): void {
    if (this.closedAs === null) this.closeCallbacks.push(cb);
    else queueMicrotask(() => cb(this.closedAs!, this.bytesSent, this.appliedPriority));
  }

  cancel(): void {
    if (this.closed || this.cancelled) return;
    this.cancelled = true;
    this.native.cancel(this.conn, this.stream);
  }

  pull(): void {
    const resume = this.resumePull;
    this.resumePull = null;
    resume?.();
  }

  close(completed: boolean, priority: AppliedPriority | null): void {
    this.closedAs = completed;
    this.appliedPriority = priority;
    this.pull();
    this.endBody();
    for (const cb of this.closeCallbacks.splice(0)) cb(completed, this.bytesSent, priority);
    if (completed || this.cancelled) return;
    this.aborted = true;
    for (const cb of this.abortCallbacks.splice(0)) cb();
  }

  /** Pulls the body source at the pace the engine asks for (push() false = wait for a pull). */
  private async pump(source: AsyncIterable<Uint8Array>): Promise<void> {
    const it = source[Symbol.asyncIterator]();
    try {
      for (;;) {
        if (this.closed) break;
        const next = await it.next();
        if (this.closed) break;
        if (next.done) {
          this.native.push(this.conn, this.stream, null);
          return;
        }
        const chunk = toBuffer(next.value);
        this.bytesSent += chunk.length;
        if (!this.native.push(this.conn, this.stream, chunk) && !this.closed) {
          await new Promise<void>((resolve) => (this.resumePull = resolve));
        }
      }
      await it.return?.();
    } catch {
      // The source failed mid-body: the client must not take a truncated body for a whole one.
      this.cancel();
    }
  }
}

/**
 * HTTP/3 server on our own engine (ngtcp2 + nghttp3 + GnuTLS, src/native/quic). Emits
 * 'request' with a {@link NativeH3Request}, 'refused' with a {@link NativeRefusal} and 'replay'
 * with a {@link NativeReplay}. Used by the HTTP/3 transport adapter only.
 */
export class NativeH3Server extends EventEmitter {
  private readonly native: QuicServerBinding;
  private readonly exchanges = new Map<string, Exchange>();
  private readonly connections = new Map<number, { info: NativeConnection; finalStats: NativeConnStats | null }>();
  private closing: Promise<void> | null = null;
  private drained: (() => void) | null = null;

  private constructor(addon: QuicAddon, opts: NativeH3ServerOptions) {
    super();
    this.native = new addon.QuicServer(opts, (kind, conn, stream, a, b) => this.onEvent(kind, conn, stream, a, b));
  }

  /** Binds the UDP socket; rejects with the errno text (err.code set) if that fails. */
  static async listen(opts: NativeH3ServerOptions): Promise<NativeH3Server> {
    const ratio = opts.qlogSampleRatio;
    if (ratio !== undefined && !(ratio >= 0 && ratio <= 1)) throw new TypeError('qlogSampleRatio must be a number from 0 to 1');
    const iw = opts.initialWindowPackets;
    const { min, max } = INITIAL_WINDOW_PACKETS;
    if (iw !== undefined && !(Number.isInteger(iw) && iw >= min && iw <= max)) throw new TypeError(`initialWindowPackets must be an integer from ${min} to ${max}`);
    for (const name of ['ticketKey', 'previousTicketKey', 'tokenSecret'] as const) {
      const key = opts[name];
      if (key !== undefined && key.length < MIN_KEY_BYTES) throw new TypeError(`${name} must be at least ${MIN_KEY_BYTES} bytes`);
    }
    const server = new NativeH3Server(requireAddon(), opts);
    try {
      server.native.listen();
    } catch (err) {
      const message = (err as Error).message;
      throw Object.assign(new Error(message), { code: /: (E[A-Z0-9]+):/.exec(message)?.[1] ?? 'ELISTEN' });
    }
    return server;
  }

  address(): { address: string; port: number } {
    const { address, port } = this.native.address();
    return { address, port };
  }

  stats(): NativeH3ServerStats {
    return this.native.stats();
  }

  /** New connections use this certificate and key; established ones keep theirs. Throws if they do not load. */
  reloadCredentials(certFile: string, keyFile: string): void {
    this.native.reloadCredentials(certFile, keyFile);
  }

  /**
   * Key rotation: new handshakes issue tickets under `current`; tickets issued under `previous`
   * still resume (with 0-RTT), older ones get a full handshake. Open connections are not
   * affected. The engine copies both keys. Throws TypeError on a key under 32 bytes.
   */
  setTicketKeys(current: Buffer, previous: Buffer | null): void {
    if (current.length < MIN_KEY_BYTES || (previous !== null && previous.length < MIN_KEY_BYTES)) {
      throw new TypeError(`ticket keys must be at least ${MIN_KEY_BYTES} bytes`);
    }
    this.native.setTicketKeys(current, previous);
  }

  /**
   * GOAWAY (notice, then the final one a moment later), waits up to graceMs (default 5000) for
   * in-flight requests, then closes every connection and the socket.
   */
  close(opts: { graceMs?: number } = {}): Promise<void> {
    this.closing ??= this.shutdown(opts.graceMs ?? 5000);
    return this.closing;
  }

  private async shutdown(graceMs: number): Promise<void> {
    if (graceMs > 0) {
      this.native.goaway(false);
      // RFC 9114 §5.2: give requests already on their way a round trip before the final GOAWAY.
      await new Promise<void>((resolve) => setTimeout(resolve, Math.min(graceMs / 2, 100)));
      this.native.goaway(true);
      if (this.exchanges.size > 0) {
        // The deadline is cleared once drained: a pending timer would keep a stopped node alive.
        let deadline: NodeJS.Timeout | undefined;
        await new Promise<void>((resolve) => {
          this.drained = resolve;
          deadline = setTimeout(resolve, graceMs);
        });
        clearTimeout(deadline);
      }
    }
    await new Promise<void>((resolve) => this.native.close(resolve));
  }

  private onEvent(kind: number, conn: number, stream: number, a: unknown, b: unknown): void {
    const key = `${conn}:${stream}`;
    switch (kind) {
      case EVENT.request:
        this.onRequest(conn, stream, key, a as RawRequest, b as RawConnection);
        return;
      case EVENT.data:
        this.exchanges.get(key)?.receive(a as Buffer);
        return;
      case EVENT.end: {
        this.exchanges.get(key)?.receive(null);
        return;
      }
      case EVENT.pull:
        this.exchanges.get(key)?.pull();
        return;
      case EVENT.streamClose: {
        const ex = this.exchanges.get(key);
        if (!ex) return;
        this.exchanges.delete(key);
        ex.close(a as boolean, b as AppliedPriority | null);
        if (this.exchanges.size === 0) this.drained?.();
        return;
      }
      case EVENT.refused: {
        const status = a as number;
        const refusal: NativeRefusal = {
          status: status === 0 ? null : status,
          reason: status === 0 ? 'header_section_unbounded' : 'header_section_too_large',
          remoteAddress: (b as RawConnection | undefined)?.remoteAddress ?? '',
        };
        this.emit('refused', refusal);
        return;
      }
      case EVENT.replay: {
        const replay: NativeReplay = { remoteAddress: (b as RawConnection | undefined)?.remoteAddress ?? '' };
        this.emit('replay', replay);
        return;
      }
      case EVENT.connClose: {
        const entry = this.connections.get(conn);
        if (entry) entry.finalStats = a as NativeConnStats;
        this.connections.delete(conn);
        return;
      }
    }
  }

  private onRequest(conn: number, stream: number, key: string, raw: RawRequest, rawConn: RawConnection): void {
    let entry = this.connections.get(conn);
    if (!entry) {
      const created: { info: NativeConnection; finalStats: NativeConnStats | null } = {
        info: { ...rawConn, stats: () => this.native.connStats(conn) ?? created.finalStats ?? ZERO_STATS },
        finalStats: null,
      };
      entry = created;
      this.connections.set(conn, entry);
    } else {
      // Resumption and 0-RTT acceptance settle during the handshake; keep the latest word.
      entry.info.resumed = rawConn.resumed;
      entry.info.earlyDataAccepted = rawConn.earlyDataAccepted;
    }
    const ex = new Exchange(this.native, conn, stream, raw, entry.info);
    this.exchanges.set(key, ex);
    if (this.listenerCount('request') === 0) {
      ex.respond(503, [], null);
      return;
    }
    this.emit('request', ex);
  }
}
