import http from 'node:http';
import type { Logger } from 'pino';
import type { Router } from '../../http/router.js';
import { errorReply } from '../../http/error-reply.js';
import { splitTarget, toFieldMap } from '../fields.js';

/** The operator's port: metrics and health on plain HTTP, bound to loopback only. */
export interface AdminServer {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Serves `router` (metrics, health, readiness) over plain HTTP/1.1 on 127.0.0.1:`port`, so
 * scrapers and probes need no TLS and the public port exposes none of it.
 */
export async function startAdminServer(router: Router, port: number, logger: Logger): Promise<AdminServer> {
  const server = http.createServer((req, res) => {
    void (async () => {
      const target = req.url ?? '/';
      const { pathname, query } = splitTarget(target);
      let reply;
      try {
        const { handler, params } = router.match({ method: req.method ?? 'GET', pathname });
        reply = await handler(
          {
            id: 'admin',
            method: req.method ?? 'GET',
            target,
            pathname,
            query,
            authority: req.headers.host ?? '',
            headers: toFieldMap(Object.entries(req.headers)),
            protocol: 'http/1.1',
            earlyData: false,
            clientPriority: null,
            remoteAddress: req.socket.remoteAddress ?? '',
            signal: new AbortController().signal,
            body: () => req.iterator({ destroyOnReturn: false }),
          },
          params,
        );
      } catch (err) {
        reply = errorReply(err);
      }
      res.writeHead(reply.status, reply.headers);
      res.end(Buffer.isBuffer(reply.body) ? reply.body : undefined);
    })().catch((err: unknown) => {
      logger.error({ err }, 'admin request failed');
      res.destroy();
    });
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
