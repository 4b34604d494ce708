import type { Exchange } from '../../http/exchange.js';
import { NativeH3Server, type NativeH3Request, type NativeRefusal } from '../../native/quic.js';
import { requestIdSource } from '../request-ids.js';
import { splitTarget, toFieldMap } from '../fields.js';
import type { UdpTransport, UdpTransportOptions } from './transport.js';

/**
 * HTTP/3 on our own engine (ngtcp2 + nghttp3 + GnuTLS, src/native/quic). The engine does what
 * the JavaScript side cannot do well: 0-RTT with anti-replay, RFC 9218 scheduling inside nghttp3
 * (the reply's priority applies only where the client said nothing), zero-copy Buffer bodies,
 * GSO and batched UDP I/O. This adapter only translates requests and replies.
 */
export async function startNativeEngine(opts: UdpTransportOptions): Promise<UdpTransport> {
  const log = opts.logger.child({ transport: 'udp', engine: 'native' });
  const server = await NativeH3Server.listen({
    host: opts.host,
    port: opts.port,
    certFile: opts.credentials.certFile,
    keyFile: opts.credentials.keyFile,
    ticketKey: opts.ticketKeys.current,
    ...(opts.ticketKeys.previous ? { previousTicketKey: opts.ticketKeys.previous } : {}),
    ...(opts.tokenSecret ? { tokenSecret: opts.tokenSecret } : {}),
    earlyData: true,
    maxIdleTimeoutMs: opts.idleTimeoutMs,
    handshakeTimeoutMs: opts.handshakeTimeoutMs,
    reusePort: opts.reusePort ?? false,
    ...(opts.congestionControl ? { congestionControl: opts.congestionControl } : {}),
    ...(opts.initialWindowPackets ? { initialWindowPackets: opts.initialWindowPackets } : {}),
    ...(opts.qlogDir ? { qlogDir: opts.qlogDir, qlogSampleRatio: opts.qlogSampleRatio ?? 1 } : {}),
  });
  const nextId = requestIdSource('q');
  server.on('request', (req: NativeH3Request) => void serve(req));
  // The one line a bad request gets: the engine answered it, so no access line follows.
  server.on('refused', (r: NativeRefusal) => log.info({ status: r.status ?? undefined, code: r.reason, remote: r.remoteAddress }, 'request refused by the engine'));

  async function serve(req: NativeH3Request): Promise<void> {
    const started = performance.now();
    const aborts = new AbortController();
    req.onAbort(() => aborts.abort());
    const headers = toFieldMap(req.headers);
    const exchange: Exchange = {
      id: nextId(),
      method: req.method,
      target: req.path,
      ...splitTarget(req.path),
      authority: req.authority || (headers.get('host') ?? ''),
      headers,
      protocol: 'h3',
      earlyData: req.earlyData,
      clientPriority: req.clientPriority,
      remoteAddress: req.connection.remoteAddress,
      signal: aborts.signal,
      body: () => req.body,
    };
    const reply = await opts.core.handle(exchange);
    req.onClose((completed, bytesSent, priority) => {
      opts.core.completed(exchange, reply, started, { bytesSent, aborted: !completed || aborts.signal.aborted, ...(priority ? { priority } : {}) });
    });
    try {
      req.respond(reply.status, Object.entries(reply.headers), reply.body, reply.priority);
    } catch (err) {
      log.warn({ reqId: exchange.id, err: (err as Error).message }, 'response refused by the engine');
      req.cancel();
    }
  }

  return {
    port: server.address().port,
    engine: 'native',
    stats: () => server.stats(),
    setCredentials: (c) => server.reloadCredentials(c.certFile, c.keyFile),
    setTicketKeys: (keys) => server.setTicketKeys(keys.current, keys.previous),
    close: (graceMs) => server.close({ graceMs }),
  };
}

