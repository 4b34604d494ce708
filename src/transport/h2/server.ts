import http2 from 'node:http2';
import type { TLSSocket } from 'node:tls';
import type { Exchange } from '../../http/exchange.js';
import type { Credentials } from '../../tls/credentials.js';
import type { TicketKeys } from '../../tls/ticket-keys.js';
import type { ListenerOptions } from '../listener-options.js';
import { DEFAULT_PRIORITY, parsePriority } from '../../priority/priority.js';
import { ConnectionSchedulers } from '../connection-schedulers.js';
import { pumpBody } from '../pump.js';
import { requestIdSource } from '../request-ids.js';
import { splitTarget, toFieldMap } from '../fields.js';
import { listenTcp } from './listen.js';
import { ConnectionDrainer } from './drainer.js';
import { TCP_LIMITS } from './limits.js';
import { SessionTickets } from './session-tickets.js';
import { SessionBacklogs } from './session-backlogs.js';

/** Ticket keys are 48-byte OpenSSL keys. */
export type TcpTransportOptions = ListenerOptions & {
  /** Receives the TLS secrets of every connection (NSS key log lines), when SSLKEYLOGFILE is set. */
  keyLog?: (line: Buffer) => void;
};

/** The TCP side of the server: HTTP/2 and HTTP/1.1 over TLS 1.3, chosen by ALPN. */
export interface TcpTransport {
  readonly port: number;
  /** Completed TLS handshakes since start, and how many resumed a session (tickets). */
  stats(): { handshakes: number; resumed: number };
  /** New TLS connections use these credentials; established ones keep theirs. */
  setCredentials(credentials: Credentials): void;
  /** New tickets under `keys.current`; tickets under `keys.previous` still resume. */
  setTicketKeys(keys: TicketKeys): void;
  /** Stops accepting, sends GOAWAY, lets in-flight responses finish for up to `graceMs`. */
  close(graceMs: number): Promise<void>;
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
  const nextId = requestIdSource('t');
  const drainer = new ConnectionDrainer();
  const schedulers = new ConnectionSchedulers<object>();
  const handshakes = { handshakes: 0, resumed: 0 };
  server.on('secureConnection', (socket: TLSSocket) => {
    handshakes.handshakes++;
    if (socket.isSessionReused()) handshakes.resumed++;
    drainer.track(socket);
  });
  const backlogs = new SessionBacklogs(log);
  server.on('session', (session) => {
    drainer.trackSession(session);
    backlogs.track(session);
  });
  server.on('tlsClientError', (err) => log.debug({ err: err.message }, 'tls handshake failed'));
  server.on('request', (req, res) => {
    const started = performance.now();
    const aborts = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) aborts.abort();
    });
    const protocol = req.httpVersionMajor === 2 ? 'h2' : 'http/1.1';
    const target = req.url;
    const headers = toFieldMap(Object.entries(req.headers));
    const exchange: Exchange = {
      id: nextId(),
      method: req.method,
      target,
      ...splitTarget(target),
      authority: req.authority ?? headers.get('host') ?? '',
      headers,
      protocol,
      earlyData: false,
      clientPriority: parsePriority(headers.get('priority')),
      remoteAddress: req.socket.remoteAddress ?? '',
      signal: aborts.signal,
      body: () => req.iterator({ destroyOnReturn: false }),
    };
    const socket = req.socket as TLSSocket;
    drainer.requestStarted(socket);
    void (async () => {
      const reply = await opts.core.handle(exchange);
      // HTTP/2 multiplexes: order this body against the connection's others (RFC 9218).
      const session = req.stream?.session;
      const turn = session ? schedulers.open(session, reply.priority ?? DEFAULT_PRIORITY) : undefined;
      const fields: Record<string, string> = { ...reply.headers, 'alt-svc': altSvc };
      if (protocol === 'http/1.1' && drainer.draining) fields.connection = 'close';
      let bytesSent = 0;
      try {
        res.writeHead(reply.status, fields);
        bytesSent = await pumpBody(reply.body, res, aborts.signal, turn, session ? backlogs.of(session) : undefined);
      } catch (err) {
        log.warn({ reqId: exchange.id, err: (err as Error).message }, 'response aborted');
        aborts.abort();
        // An error code, so an HTTP/2 client cannot take the cut body for a whole one.
        if (req.stream) req.stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
        else res.destroy();
      } finally {
        turn?.done();
        drainer.requestFinished(socket);
        opts.core.completed(exchange, reply, started, { bytesSent, aborted: aborts.signal.aborted });
      }
    })();
  });
  // Idle connections (no stream activity) are closed; players reconnect cheaply.
  server.setTimeout(opts.idleTimeoutMs);
  await listenTcp(server, opts.port, opts.host);
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  altSvc = `h3=":${port}"; ma=86400`;
  return {
    port,
    stats: () => ({ ...handshakes }),
    setCredentials: (c) => {
      server.setSecureContext({ cert: c.cert, key: c.key, minVersion: 'TLSv1.3', sessionTimeout: TLS_SESSION_LIFETIME_SEC });
      tickets.install(server);
    },
    setTicketKeys: (keys) => tickets.set(keys),
    close: (graceMs) => drainer.drain(server, graceMs),
  };
}
