import { EventEmitter } from 'node:events';
import { MIN_KEY_BYTES, ZERO_CONN_STATS, createQuicServerBinding, type NativeConnStats, type NativeH3ServerOptions, type NativeH3ServerStats, type QuicEvent, type QuicServerBinding, type RawConnection, type RawRequest } from './quic.js';
import { StreamTable } from './stream-table.js';
import { NativeRequest, type NativeConnection } from './quic-request.js';

/**
 * HTTP/3 server on our own engine (ngtcp2 + nghttp3 + GnuTLS, src/native/quic). Emits 'request'
 * with a {@link NativeRequest} once a request's head is complete, 'refused' with a NativeRefusal
 * (a request the engine answered itself), 'replay' with a NativeReplay (a replayed 0-RTT
 * flight it refused), 'carefulResume' with a NativeCarefulResume (a connection's outcome) and
 * 'kept' with a NativeKeptAnswer (a request it answered from its kept answers, once over). Requests are kept while their stream lives; connections while they have
 * a request, their last statistics until their next request or close. Used by the HTTP/3
 * transport adapter.
 */
export class NativeH3Server extends EventEmitter {
  private readonly native: QuicServerBinding;
  private readonly requests = new StreamTable<NativeRequest>();
  private readonly connections = new Map<number, { info: NativeConnection; finalStats: NativeConnStats | null }>();
  private closing: Promise<void> | null = null;
  private drained: (() => void) | null = null;
  /** Answers the engine gave from its kept answers that are still sending, as of its last word. */
  private keptInFlight = 0;

  private constructor(opts: NativeH3ServerOptions) {
    super();
    this.native = createQuicServerBinding(opts, (e) => this.onEvent(e));
  }

  /** Binds the UDP socket; rejects with an Error whose `code` is the errno name (EADDRINUSE…). */
  static async listen(opts: NativeH3ServerOptions): Promise<NativeH3Server> {
    const server = new NativeH3Server(opts);
    server.native.listen();
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

  /** Drops every answer the engine keeps (a reload may have changed what they would be). */
  forgetKept(): void {
    this.native.forgetKept();
  }

  /** Handshakes from now on accept 0-RTT (`on`) or refuse it; open connections keep what they agreed. */
  setEarlyData(on: boolean): void {
    this.native.setEarlyData(on);
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
      this.native.forgetKept();
      this.keptInFlight = this.native.stats().kept.inFlight;
      if (this.requests.size > 0 || this.keptInFlight > 0) {
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

  private onEvent(e: QuicEvent): void {
    switch (e.kind) {
      case 'request':
        this.onRequest(e.conn, e.stream, e.request, e.connection, e.resumed, e.earlyDataAccepted);
        return;
      case 'data':
        this.requests.get(e.conn, e.stream)?.received(e.chunk);
        return;
      case 'end':
        this.requests.get(e.conn, e.stream)?.received(null);
        return;
      case 'pull':
        this.requests.get(e.conn, e.stream)?.pull();
        return;
      case 'streamClose': {
        const req = this.requests.take(e.conn, e.stream);
        if (!req) return;
        req.close(e.completed, e.priority);
        this.settleIfDrained();
        return;
      }
      case 'kept':
        this.keptInFlight = e.kept.inFlight;
        this.emit('kept', e.kept);
        this.settleIfDrained();
        return;
      case 'connClose': {
        const entry = this.connections.get(e.conn);
        if (entry) entry.finalStats = e.stats;
        this.connections.delete(e.conn);
        return;
      }
      case 'refused':
        this.emit('refused', e.refusal);
        return;
      case 'replay':
        this.emit('replay', e.replay);
        return;
      case 'carefulResume':
        this.emit('carefulResume', e.carefulResume);
        return;
    }
  }

  /** A shutdown waiting for responses goes on once none is left, JavaScript's or the engine's. */
  private settleIfDrained(): void {
    if (this.requests.size === 0 && this.keptInFlight === 0) this.drained?.();
  }

  private onRequest(conn: number, stream: number, raw: RawRequest, rawConn: RawConnection | null, resumed: boolean, earlyDataAccepted: boolean): void {
    let entry = this.connections.get(conn);
    if (!entry) {
      // The engine describes a connection with its first request only.
      const described = rawConn ?? { id: '', remoteAddress: '', remotePort: 0, resumed, earlyDataAccepted };
      const created: { info: NativeConnection; finalStats: NativeConnStats | null } = {
        info: { ...described, stats: () => this.native.connStats(conn) ?? created.finalStats ?? ZERO_CONN_STATS },
        finalStats: null,
      };
      entry = created;
      this.connections.set(conn, entry);
    } else {
      // Resumption and 0-RTT acceptance settle during the handshake; keep the latest word.
      entry.info.resumed = resumed;
      entry.info.earlyDataAccepted = earlyDataAccepted;
    }
    const req = new NativeRequest(this.native, conn, stream, raw, entry.info);
    this.requests.set(conn, stream, req);
    if (this.listenerCount('request') === 0) {
      req.respond(503, [], null);
      return;
    }
    this.emit('request', req);
  }
}
