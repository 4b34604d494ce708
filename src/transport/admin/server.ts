import http from 'node:http';
import type { RequestCore } from '../../http/core.js';
import { NodeResponseSink } from '../node-response-sink.js';
import { RequestAbort } from '../../http/request-signal.js';

/** The operator's port: metrics and health on plain HTTP, bound to loopback only. */
export interface AdminServer {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Serves `core` (its router holds metrics, health, readiness) over plain HTTP/1.1 on
 * 127.0.0.1:`port`, so scrapers and probes need no TLS and the public port exposes none of it.
 * The same request lifecycle as the public port: HEAD, errors, access lines, streamed bodies.
 */
export async function startAdminServer(core: RequestCore, port: number): Promise<AdminServer> {
  const server = http.createServer((req, res) => {
    const aborts = new RequestAbort();
    res.once('close', () => {
      if (!res.writableFinished) aborts.abort();
    });
    core.serve(
      {
        method: req.method ?? 'GET',
        target: req.url ?? '/',
        authority: '',
        fields: req.headers,
        protocol: 'http/1.1',
        earlyData: false,
        remoteAddress: req.socket.remoteAddress ?? '',
        signal: aborts.signal,
        body: () => req.iterator({ destroyOnReturn: false }),
      },
      new NodeResponseSink(req, res, aborts.signal, { draining: false }),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
