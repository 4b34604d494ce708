import { EventEmitter } from 'node:events';
import { createSecureServer, type Http3ServerSession, type ServerHttp3Stream, type IncomingHeaders } from '@currentspace/http3';
import type { AppliedPriority, Completion, ResponseSink } from '../../http/exchange.js';
import { drained } from '../drained.js';
import type { ScheduledStream } from '../../priority/send-scheduler.js';
import { ConnectionSchedulers } from '../connection-schedulers.js';
import type { UdpTransport, UdpTransportOptions } from './transport.js';
import { RequestAbort, type RequestSignal } from '../../http/request-signal.js';

/**
 * The package always binds its own HTTP/2 fallback on the same TCP port; ours owns TCP (TLS 1.3
 * only, HTTP/1.1, Alt-Svc), so that listener is replaced by one that binds nothing.
 */
class NoTcpListener extends EventEmitter {
  listen(_port: number, _host: string, cb: () => void): this {
    setImmediate(cb);
    return this;
  }
  close(cb?: () => void): this {
    cb?.();
    return this;
  }
}

/**
 * HTTP/3 through `@currentspace/http3` (quiche). It neither accepts 0-RTT nor schedules by
 * priority, so our SendScheduler orders bodies per connection. Kept for comparison.
 */
export function startCurrentspaceEngine(opts: UdpTransportOptions): Promise<UdpTransport> {
  const server = createSecureServer({
    key: opts.credentials.key,
    cert: opts.credentials.cert,
    disableRetry: true,
    reusePort: opts.reusePort ?? false,
    sessionTicketKeys: opts.ticketKeys.current,
  });
  (server as unknown as { _createH2Server: () => NoTcpListener })._createH2Server = () => new NoTcpListener();
  const log = opts.logger.child({ transport: 'udp', engine: 'currentspace' });
  let draining = false;
  const schedulers = new ConnectionSchedulers<number>();
  // Streams know their connection only by handle; sessions carry the peer address.
  const sessions = new Map<number, Http3ServerSession>();
  server.on('session', (session: Http3ServerSession) => {
    const handle = (session as unknown as { _connHandle: number })._connHandle;
    sessions.set(handle, session);
    session.once('close', () => sessions.delete(handle));
  });
  server.on('stream', (stream: ServerHttp3Stream, headers: IncomingHeaders) => serveStream(stream, headers));

  function serveStream(stream: ServerHttp3Stream, raw: IncomingHeaders): void {
    const aborts = new RequestAbort();
    stream.once('close', () => {
      if (!stream.writableFinished) aborts.abort();
    });
    stream.on('error', (err) => log.debug({ err: err.message }, 'stream error'));
    const conn = (stream as unknown as { _connHandle: number })._connHandle;
    opts.core.serve(
      {
        method: String(raw[':method'] ?? 'GET'),
        target: String(raw[':path'] ?? '/'),
        authority: String(raw[':authority'] ?? ''),
        fields: raw,
        protocol: 'h3',
        earlyData: false,
        remoteAddress: sessions.get(conn)?.remoteAddress ?? '',
        signal: aborts.signal,
        // Iterating must not destroy the duplex stream: the response still goes out on it.
        body: () => stream.iterator({ destroyOnReturn: false }),
      },
      new QuicheResponseSink(stream, conn, schedulers, aborts.signal),
    );
  }

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.once('listening', () => {
      server.off('error', reject);
      server.on('error', (err) => log.error({ err }, 'h3 server error'));
      resolve({
        port: server.address()?.port ?? opts.port,
        engine: 'currentspace',
        stats: () => null,
        setCredentials: () => log.warn('the currentspace engine cannot reload its certificate; HTTP/3 keeps the old one until restart'),
        setTicketKeys: () => log.warn('the currentspace engine cannot rotate ticket keys; HTTP/3 keeps the first one until restart'),
        // It never accepts 0-RTT: nothing to switch.
        setEarlyData: () => {},
        forgetKept: () => {},
        close: async (graceMs) => {
          if (draining) return;
          draining = true;
          const timer = setTimeout(() => log.warn('h3 drain deadline reached'), graceMs);
          await server.close();
          clearTimeout(timer);
        },
      });
    });
    server.listen(opts.port, opts.host);
  });
}

/** How a response leaves through `@currentspace/http3`: our SendScheduler orders bodies per connection. */
class QuicheResponseSink implements ResponseSink {
  readonly wholeBodies = false;
  readonly finished: Promise<Completion>;
  private priority: AppliedPriority | undefined;
  private bytesSent = 0;

  constructor(
    private readonly stream: ServerHttp3Stream,
    private readonly conn: number,
    private readonly schedulers: ConnectionSchedulers<number>,
    signal: RequestSignal,
  ) {
    this.finished = new Promise((resolve) => {
      const done = (): void => resolve({ bytesSent: this.bytesSent, aborted: signal.aborted || !stream.writableFinished });
      stream.once('finish', done);
      stream.once('close', done);
    });
  }

  head(status: number, fields: Readonly<Record<string, string>>, priority: AppliedPriority, added?: Readonly<Record<string, string>> | null): void {
    this.priority = priority;
    // RFC 9110 §6.6.1: the origin's clock (node's http2 and our engine add it themselves; quiche does not).
    this.stream.respond({ ':status': String(status), date: httpDate(), ...fields, ...added }, { endStream: false });
  }

  turn(): ScheduledStream | undefined {
    // The package exposes the connection only as an internal handle; it keys the scheduler.
    return this.priority ? this.schedulers.open(this.conn, this.priority) : undefined;
  }

  write(chunk: Uint8Array): boolean {
    this.bytesSent += chunk.length;
    return this.stream.write(chunk);
  }

  drain(signal: RequestSignal): Promise<void> {
    return drained(this.stream, signal);
  }

  end(last?: Buffer): void {
    if (this.stream.destroyed) return;
    if (last) this.bytesSent += last.length;
    this.stream.end(last);
  }

  flushed(): Promise<void> {
    return new Promise((resolve) => (this.stream.destroyed ? resolve() : this.stream.write(Buffer.alloc(0), () => resolve())));
  }

  reset(): void {
    this.stream.close();
  }
}

let dateSecond = -1;
let dateValue = '';

/** Now as an HTTP `Date` value (IMF-fixdate), formatted once per second. */
function httpDate(): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateValue = new Date(second * 1000).toUTCString();
  }
  return dateValue;
}
