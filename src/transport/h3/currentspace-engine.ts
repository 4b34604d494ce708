import { EventEmitter } from 'node:events';
import { createSecureServer, type Http3ServerSession, type ServerHttp3Stream, type IncomingHeaders } from '@currentspace/http3';
import type { Exchange } from '../../http/exchange.js';
import { DEFAULT_PRIORITY, parsePriority } from '../../priority/priority.js';
import { ConnectionSchedulers } from '../connection-schedulers.js';
import { pumpBody } from '../pump.js';
import { requestIdSource } from '../request-ids.js';
import { splitTarget, toFieldMap } from '../fields.js';
import type { UdpTransport, UdpTransportOptions } from './transport.js';

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
  const nextId = requestIdSource('q');
  let draining = false;
  const schedulers = new ConnectionSchedulers<number>();
  // Streams know their connection only by handle; sessions carry the peer address.
  const sessions = new Map<number, Http3ServerSession>();
  server.on('session', (session: Http3ServerSession) => {
    const handle = (session as unknown as { _connHandle: number })._connHandle;
    sessions.set(handle, session);
    session.once('close', () => sessions.delete(handle));
  });
  server.on('stream', (stream: ServerHttp3Stream, headers: IncomingHeaders) => {
    void serveStream(stream, headers);
  });

  async function serveStream(stream: ServerHttp3Stream, raw: IncomingHeaders): Promise<void> {
    const started = performance.now();
    const aborts = new AbortController();
    stream.once('close', () => {
      if (!stream.writableFinished) aborts.abort();
    });
    stream.on('error', (err) => log.debug({ err: err.message }, 'stream error'));
    const target = String(raw[':path'] ?? '/');
    const headers = toFieldMap(Object.entries(raw));
    const conn = (stream as unknown as { _connHandle: number })._connHandle;
    const exchange: Exchange = {
      id: nextId(),
      method: String(raw[':method'] ?? 'GET'),
      target,
      ...splitTarget(target),
      authority: String(raw[':authority'] ?? headers.get('host') ?? ''),
      headers,
      protocol: 'h3',
      earlyData: false,
      clientPriority: parsePriority(headers.get('priority')),
      remoteAddress: sessions.get(conn)?.remoteAddress ?? '',
      signal: aborts.signal,
      // Iterating must not destroy the duplex stream: the response still goes out on it.
      body: () => stream.iterator({ destroyOnReturn: false }),
    };
    const reply = await opts.core.handle(exchange);
    // The package exposes the connection only as an internal handle; it keys the scheduler.
    const turn = schedulers.open(conn, reply.priority ?? DEFAULT_PRIORITY);
    let bytesSent = 0;
    try {
      stream.respond({ ':status': String(reply.status), ...reply.headers }, { endStream: reply.body === null });
      if (reply.body !== null) bytesSent = await pumpBody(reply.body, stream, aborts.signal, turn);
    } catch (err) {
      log.warn({ reqId: exchange.id, err: (err as Error).message }, 'response aborted');
      aborts.abort();
      stream.close();
    } finally {
      turn.done();
      opts.core.completed(exchange, reply, started, { bytesSent, aborted: aborts.signal.aborted });
    }
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
