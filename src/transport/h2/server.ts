import http2 from 'node:http2';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Credentials } from '../../tls/credentials.js';
import type { TicketKeys } from '../../tls/ticket-keys.js';
import type { ListenerOptions } from '../listener-options.js';
import { ConnectionSchedulers } from '../connection-schedulers.js';
import { listenTcp } from './listen.js';
import { ConnectionDrainer } from './drainer.js';
import { TCP_LIMITS } from './limits.js';
import { SessionTickets } from './session-tickets.js';
import { SessionBacklogs } from './session-backlogs.js';
import { AddressCaps, type CapRefusal } from '../address-caps.js';
import { HeadDeadlines } from './head-deadlines.js';
import { clearClosedSessionTimer, tcpBytesReadReader } from './session-socket.js';
import { NodeResponseSink } from '../node-response-sink.js';
import { H2StreamSink } from './stream-sink.js';
import { RequestAbort } from '../../http/request-signal.js';

/** Ticket keys are 48-byte OpenSSL keys. */
export type TcpTransportOptions = ListenerOptions & {
  /** Receives the TLS secrets of every connection (NSS key log lines), when SSLKEYLOGFILE is set. */
  keyLog?: (line: Buffer) => void;
};

/** The TCP side of the server: HTTP/2 and HTTP/1.1 over TLS 1.3, chosen by ALPN. */
export interface TcpTransport {
  readonly port: number;
  /** Counters since start: TLS handshakes, connections refused by a cap, request heads too slow. */
  stats(): TcpStats;
  /** New TLS connections use these credentials; established ones keep theirs. */
  setCredentials(credentials: Credentials): void;
  /** New tickets under `keys.current`; tickets under `keys.previous` still resume. */
  setTicketKeys(keys: TicketKeys): void;
  /** Stops accepting, sends GOAWAY, lets in-flight responses finish for up to `graceMs`. */
  close(graceMs: number): Promise<void>;
}

/** What the TCP side counts (totals since start). */
export interface TcpStats {
  /** Completed TLS handshakes, and how many resumed a session (tickets). */
  handshakes: number;
  resumed: number;
  /** Connections closed at once because a cap was reached, by cap. */
  refused: Record<CapRefusal, number>;
  /** Connections cut off because a request head dribbled in (HTTP/1.1 `408`, HTTP/2 GOAWAY). */
  headTimeouts: number;
}

/**
 * How long a TLS session (ticket) resumes: as long as the QUIC side's GnuTLS tickets, so a viewer
 * coming back within hours skips a round trip on either transport (Node's default is 5 minutes).
 */
const TLS_SESSION_LIFETIME_SEC = 6 * 3600;

/** Starts the TCP listener. Rejects with the listen error (e.g. EADDRINUSE). */
export async function startTcpTransport(opts: TcpTransportOptions): Promise<TcpTransport> {
  const server = http2.createSecureServer({
    cert: opts.credentials.cert,
    key: opts.credentials.key,
    allowHTTP1: true,
    ALPNProtocols: ['h2', 'http/1.1'],
    // TLS 1.3 only: the product promises it, and 1.2 would bring back renegotiation and weaker suites.
    minVersion: 'TLSv1.3',
    settings: { maxConcurrentStreams: TCP_LIMITS.maxConcurrentStreams, maxHeaderListSize: TCP_LIMITS.maxHeaderListBytes },
    maxHeaderListPairs: TCP_LIMITS.maxHeaderListPairs,
    maxSessionInvalidFrames: TCP_LIMITS.maxSessionInvalidFrames,
    maxSessionRejectedStreams: TCP_LIMITS.maxSessionRejectedStreams,
    maxOutstandingPings: TCP_LIMITS.maxOutstandingPings,
    maxSettings: TCP_LIMITS.maxSettingsEntries,
    maxSessionMemory: TCP_LIMITS.maxSessionMemoryMb,
    // Slowloris: a TLS handshake (or an HTTP/1.1 request head) that dribbles in is cut off.
    handshakeTimeout: opts.handshakeTimeoutMs,
    sessionTimeout: TLS_SESSION_LIFETIME_SEC,
  });
  if (opts.keyLog) server.on('keylog', opts.keyLog);
  const tickets = new SessionTickets(opts.ticketKeys);
  tickets.install(server);
  const log = opts.logger.child({ transport: 'tcp' });
  // HTTP/3 listens on the same port number over UDP (RFC 9114 §3.1.1 discovery via Alt-Svc).
  let altSvc = '';
  const drainer = new ConnectionDrainer();
  const schedulers = new ConnectionSchedulers<object>();
  const counts: TcpStats = { handshakes: 0, resumed: 0, refused: { limit: 0, per_ip: 0 }, headTimeouts: 0 };
  // Caps come before TLS: a refused connection costs an accept and a close, never a handshake.
  server.maxConnections = opts.caps.tcpConnections;
  server.on('drop', () => counts.refused.limit++);
  const perAddress = new AddressCaps({ total: Infinity, perAddress: opts.caps.perAddress });
  server.prependListener('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? '';
    if (perAddress.tryOpen(address) !== null) {
      counts.refused.per_ip++;
      socket.destroy();
      return;
    }
    socket.once('close', () => perAddress.close(address));
  });
  // HTTP/1.1 request heads: node's own check (its defaults would allow 60 s + up to 30 s). With
  // allowHTTP1 the server carries node:http's settings; node:http2's types do not show them.
  const http1 = server as unknown as { headersTimeout: number; connectionsCheckingInterval: number };
  http1.headersTimeout = opts.requestHeadTimeoutMs;
  http1.connectionsCheckingInterval = Math.min(1000, Math.max(100, Math.floor(opts.requestHeadTimeoutMs / 10)));
  // node:http2 hands TLS failures ('tlsClientError', logged below) to this event too; only HTTP/1.1
  // parse errors and head timeouts get an answer, anything else just ends the connection.
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    const timedOut = err.code === 'ERR_HTTP_REQUEST_TIMEOUT';
    if (!timedOut && !err.code?.startsWith('HPE_')) {
      socket.destroy();
      return;
    }
    if (timedOut) counts.headTimeouts++;
    log.info({ code: err.code, remote: socket.remoteAddress }, timedOut ? 'request head too slow; connection closed' : 'bad request head; connection closed');
    // The answers node:http would give (RFC 9110 §15.5.9, RFC 6585 §5, §15.5.1).
    const status = timedOut ? '408 Request Timeout' : err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
    if (socket.writable) socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\n\r\n`);
    socket.destroySoon();
  });
  const headDeadlines = new HeadDeadlines({
    timeoutMs: opts.requestHeadTimeoutMs,
    onExpired: (session) => {
      counts.headTimeouts++;
      log.info({ remote: session.socket?.remoteAddress }, 'request head too slow; connection closed');
      session.destroy(undefined, http2.constants.NGHTTP2_ENHANCE_YOUR_CALM);
    },
  });
  server.on('secureConnection', (socket: TLSSocket) => {
    counts.handshakes++;
    if (socket.isSessionReused()) counts.resumed++;
    drainer.track(socket);
  });
  const backlogs = new SessionBacklogs(log);
  server.on('session', (session) => {
    session.once('close', () => clearClosedSessionTimer(session));
    drainer.trackSession(session);
    backlogs.track(session);
    headDeadlines.track(session, tcpBytesReadReader(session));
  });
  server.on('tlsClientError', (err) => log.debug({ err: err.message }, 'tls handshake failed'));
  // HTTP/1.1 (ALPN http/1.1) through node:http's objects.
  server.on('request', (req, res) => {
    const aborts = new RequestAbort();
    res.once('close', () => {
      if (!res.writableFinished) aborts.abort();
    });
    const socket = req.socket as TLSSocket;
    drainer.requestStarted(socket);
    res.once('close', () => drainer.requestFinished(socket));
    opts.core.serve(
      {
        method: req.method,
        target: req.url,
        authority: '',
        fields: req.headers,
        protocol: 'http/1.1',
        earlyData: false,
        remoteAddress: socket.remoteAddress ?? '',
        signal: aborts.signal,
        body: () => req.iterator({ destroyOnReturn: false }),
        connection: backlogs.connectionOf(undefined, socket),
      },
      new NodeResponseSink(req, res, aborts.signal, { altSvc, draining: drainer.draining }),
    );
  });
  // HTTP/2 through the stream API. Adding a 'request' listener made node install its
  // compatibility layer as a 'stream' listener (setupCompat); it is taken out again, so no
  // request and response objects are built for HTTP/2 streams.
  server.removeAllListeners('stream');
  server.on('stream', (stream, headers) => {
    // Errors end the stream and reach the exchange through 'close'; unheard they would throw.
    stream.on('error', ignoreStreamError);
    // As node's compatibility layer did: a client waiting to send its body is told to go ahead.
    if (headers.expect === '100-continue') stream.additionalHeaders({ ':status': 100 });
    const session = stream.session;
    const aborts = new RequestAbort();
    const sink = new H2StreamSink(stream, aborts, { altSvc, schedulers, backlog: session ? backlogs.of(session) : undefined });
    opts.core.serve(
      {
        method: headers[':method'] ?? '',
        target: headers[':path'] ?? '',
        authority: headers[':authority'] ?? '',
        fields: headers,
        protocol: 'h2',
        earlyData: false,
        remoteAddress: session?.socket?.remoteAddress ?? '',
        signal: aborts.signal,
        body: () => stream.iterator({ destroyOnReturn: false }),
        connection: backlogs.connectionOf(session, undefined),
      },
      sink,
    );
  });
  // Idle connections (no stream activity) are closed; players reconnect cheaply.
  server.setTimeout(opts.idleTimeoutMs);
  await listenTcp(server, opts.port, opts.host);
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  altSvc = `h3=":${port}"; ma=86400`;
  return {
    port,
    stats: () => ({ ...counts, refused: { ...counts.refused } }),
    setCredentials: (c) => {
      server.setSecureContext({ cert: c.cert, key: c.key, minVersion: 'TLSv1.3', sessionTimeout: TLS_SESSION_LIFETIME_SEC });
      tickets.install(server);
    },
    setTicketKeys: (keys) => tickets.set(keys),
    close: (graceMs) => {
      headDeadlines.stop();
      return drainer.drain(server, graceMs);
    },
  };
}

function ignoreStreamError(): void {}
