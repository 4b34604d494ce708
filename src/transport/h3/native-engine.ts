import { NativeH3Server } from '../../native/quic-server.js';
import type { NativeRequest } from '../../native/quic-request.js';
import type { NativeCarefulResume, NativeConnStats, NativeKeptAnswer, NativeRefusal, NativeReplay } from '../../native/quic.js';
import { loadMmap } from '../../native/mmap.js';
import { NativeResponseSink } from './native-sink.js';
import type { UdpTransport, UdpTransportOptions } from './transport.js';
import type { ConnectionInfo, KeptRecord } from '../../http/exchange.js';
import { KEPT_REQUEST_FIELDS } from '../../http/kept-answers.js';
import { RequestAbort } from '../../http/request-signal.js';
import { pathReadingEvery } from '../path-reading.js';

/**
 * HTTP/3 on our own engine (ngtcp2 + nghttp3 + GnuTLS, src/native/quic). The engine does what
 * the JavaScript side cannot do well: 0-RTT with anti-replay, RFC 9218 scheduling inside nghttp3
 * (the reply's priority applies only where the client said nothing), zero-copy Buffer bodies,
 * GSO and batched UDP I/O. This adapter only hands requests to the core with a sink.
 */
export async function startNativeEngine(opts: UdpTransportOptions): Promise<UdpTransport> {
  const log = opts.logger.child({ transport: 'udp', engine: 'native' });
  // Bodies are zero-copy views of the segment cache's mappings: the engine checks them as it sends.
  const mmap = loadMmap();
  const server = await NativeH3Server.listen({
    host: opts.host,
    port: opts.port,
    certFile: opts.credentials.certFile,
    keyFile: opts.credentials.keyFile,
    ticketKey: opts.ticketKeys.current,
    ...(opts.ticketKeys.previous ? { previousTicketKey: opts.ticketKeys.previous } : {}),
    ...(opts.tokenSecret ? { tokenSecret: opts.tokenSecret } : {}),
    earlyData: opts.earlyData ?? true,
    maxIdleTimeoutMs: opts.idleTimeoutMs,
    handshakeTimeoutMs: opts.handshakeTimeoutMs,
    reusePort: opts.reusePort ?? false,
    maxConnections: opts.caps.quicConnections,
    maxConnectionsPerAddress: opts.caps.perAddress,
    maxHandshakes: opts.caps.quicHandshakes,
    // Address validation first, refusal only when validated clients fill the rest too.
    retryHalfOpenThreshold: Math.max(1, Math.floor(opts.caps.quicHandshakes / 2)),
    maxHandshakesPerAddress: opts.caps.quicHandshakesPerAddress,
    ...('addon' in mmap ? { mapGuard: mmap.addon.guard } : {}),
    ...(opts.replayStoreFd !== undefined ? { replayStoreFd: opts.replayStoreFd } : {}),
    ...(opts.congestionControl ? { congestionControl: opts.congestionControl } : {}),
    ...(opts.initialWindowPackets ? { initialWindowPackets: opts.initialWindowPackets } : {}),
    ...(opts.earlyDataWindowSec ? { earlyDataWindowSec: opts.earlyDataWindowSec } : {}),
    ...(opts.carefulResume ? { carefulResume: true } : {}),
    ...(opts.qlogDir ? { qlogDir: opts.qlogDir, qlogSampleRatio: opts.qlogSampleRatio ?? 1 } : {}),
    keptRequestFields: KEPT_REQUEST_FIELDS,
  });
  // One throttled path reader per connection, gone with the connection's info object.
  const paths = new WeakMap<NativeRequest['connection'], () => ConnectionInfo | undefined>();
  const pathOfConnection = (conn: NativeRequest['connection']): (() => ConnectionInfo | undefined) => {
    let path = paths.get(conn);
    if (!path) paths.set(conn, (path = pathReadingEvery(() => pathOf(conn.stats()))));
    return path;
  };
  server.on('request', (req: NativeRequest) => {
    const aborts = new RequestAbort();
    req.onClose((completed) => {
      if (!completed) aborts.abort();
    });
    opts.core.serve(
      {
        method: req.method,
        target: req.path,
        authority: req.authority,
        fields: req.headers,
        protocol: 'h3',
        earlyData: req.earlyData,
        clientPriority: req.clientPriority,
        remoteAddress: req.connection.remoteAddress,
        signal: aborts.signal,
        body: () => req.body(),
        connection: pathOfConnection(req.connection),
      },
      new NativeResponseSink(req, aborts.signal),
    );
  });
  // A request the engine answered from a kept answer (the sink's keep): the core logs and counts it.
  server.on('kept', (k: NativeKeptAnswer) =>
    opts.core.keptAnswered(k.record as KeptRecord, {
      remoteAddress: k.remoteAddress,
      seconds: k.seconds,
      completion: { bytesSent: k.bytesSent, aborted: !k.completed, ...(k.priority ? { priority: k.priority } : {}) },
    }),
  );
  // The one line a bad request gets: the engine answered it, so no access line follows.
  server.on('refused', (r: NativeRefusal) => log.info({ status: r.status ?? undefined, code: r.reason, remote: r.remoteAddress }, 'request refused by the engine'));
  // RFC 8446 §8: the flight was captured and sent again; it gets a full handshake, its early data never runs.
  server.on('replay', (r: NativeReplay) => log.info({ remote: r.remoteAddress }, '0-RTT replay refused'));
  server.on('carefulResume', (c: NativeCarefulResume) => log.debug({ outcome: c.outcome, remote: c.remoteAddress }, 'careful resume'));

  return {
    port: server.address().port,
    engine: 'native',
    stats: () => server.stats(),
    setCredentials: (c) => server.reloadCredentials(c.certFile, c.keyFile),
    setTicketKeys: (keys) => server.setTicketKeys(keys.current, keys.previous),
    setEarlyData: (on) => server.setEarlyData(on),
    forgetKept: () => server.forgetKept(),
    close: (graceMs) => server.close({ graceMs }),
  };
}

/** The engine's view of a connection as CMSD wants it: smoothed RTT and BBR's bandwidth model (none before a first sample). */
function pathOf(s: NativeConnStats): ConnectionInfo | undefined {
  if (!(s.rttMs > 0)) return undefined;
  return { rttMs: s.rttMs, ...(s.bandwidthBytesPerSec > 0 ? { throughputBitsPerSec: s.bandwidthBytesPerSec * 8 } : {}) };
}
