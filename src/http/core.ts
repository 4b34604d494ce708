import type { Logger } from 'pino';
import type { Exchange, Reply } from './exchange.js';
import type { Router } from './router.js';
import type { Priority } from '../priority/priority.js';
import { errorReply } from './error-reply.js';
import { HttpError, PayloadTooLarge, TooEarly, UriTooLong } from './errors.js';
import { isPreflight, preflightReply, withCors } from './cors.js';
import { limitBody } from './request-body.js';

/** The route label of a request no route took (refused before routing, 404, 405). */
const NO_ROUTE = 'none';

/** RFC 8470 §4: requests that are safe to replay and may be answered from early data. */
const REPLAY_SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface RequestCoreDeps {
  router: Router;
  logger: Logger;
  /** Server default priority by resource class (RFC 9218); applied where the client said nothing. */
  classify: (ex: Exchange) => Priority;
  maxTargetBytes?: number;
  /** A request body must start within this long… */
  bodyTimeoutMs?: number;
  /** …and then arrive at this rate (else `408`); see `limitBody`. */
  bodyMinBytesPerSec?: number;
  /** Told about every completed request (metrics); must not throw. */
  onCompleted?: (ex: Exchange, reply: Reply, seconds: number, done: Completion) => void;
}

/** How a response ended, reported by the transport once it stops sending. */
export interface Completion {
  bytesSent: number;
  aborted: boolean;
  /** The priority the response was sent at, for transports that know it (the native HTTP/3 engine). */
  priority?: Priority & { chosenBy: 'client' | 'server' };
}

/**
 * The transport-agnostic request/response core. Transports call `handle` for every request,
 * send the reply at the pace of the connection, then call `completed` exactly once.
 */
export class RequestCore {
  private readonly maxTargetBytes: number;
  private readonly bodyTimeoutMs: number;
  private readonly bodyMinBytesPerSec: number;

  constructor(private readonly deps: RequestCoreDeps) {
    this.maxTargetBytes = deps.maxTargetBytes ?? 8192;
    this.bodyTimeoutMs = deps.bodyTimeoutMs ?? 10_000;
    this.bodyMinBytesPerSec = deps.bodyMinBytesPerSec ?? 500;
  }

  async handle(ex: Exchange): Promise<Reply> {
    let reply: Reply;
    let route = NO_ROUTE;
    try {
      reply = await this.dispatch(ex, (pattern) => (route = pattern));
    } catch (err) {
      reply = errorReply(err);
      if (!(err instanceof HttpError)) {
        this.deps.logger.error({ reqId: ex.id, err, method: ex.method, path: ex.pathname }, 'request failed');
      }
    }
    if (ex.method === 'HEAD') reply.body = null;
    reply.priority ??= this.deps.classify(ex);
    reply.route = route;
    return withCors(ex, reply);
  }

  /** Writes the access-log line: one per request, structured. */
  completed(ex: Exchange, reply: Reply, startedAtMs: number, done: Completion): void {
    const seconds = (performance.now() - startedAtMs) / 1000;
    this.deps.onCompleted?.(ex, reply, seconds, done);
    const fields = {
      reqId: ex.id,
      transport: ex.protocol,
      method: ex.method,
      path: ex.target,
      remote: ex.remoteAddress,
      status: reply.status,
      bytes: done.bytesSent,
      durationMs: Math.round(seconds * 100_000) / 100,
      range: ex.headers.get('range'),
      earlyData: ex.earlyData || undefined,
      code: reply.errorCode,
      route: reply.route,
      aborted: done.aborted || undefined,
      priority: done.priority,
    };
    // A client going away mid-response is normal for players (seeks, ABR switches).
    if (done.aborted) this.deps.logger.debug(fields, 'access');
    else this.deps.logger.info(fields, 'access');
  }

  private async dispatch(ex: Exchange, matched: (pattern: string) => void): Promise<Reply> {
    if (ex.target.length > this.maxTargetBytes) throw new UriTooLong();
    if (isPreflight(ex)) return preflightReply(ex);
    const viaEarlyData = ex.earlyData || ex.headers.get('early-data') === '1';
    if (viaEarlyData && !REPLAY_SAFE_METHODS.has(ex.method)) throw new TooEarly();
    const { handler, params, pattern, maxBodyBytes } = this.deps.router.match(ex);
    matched(pattern);
    // RFC 9110 §8.6: a declared length over what the route takes is refused before reading a byte.
    const declared = ex.headers.get('content-length');
    if (declared !== undefined && Number(declared) > maxBodyBytes) throw new PayloadTooLarge(maxBodyBytes);
    if (maxBodyBytes === 0) return handler(ex, params);
    const limits = { maxBytes: maxBodyBytes, timeoutMs: this.bodyTimeoutMs, minBytesPerSec: this.bodyMinBytesPerSec };
    const source = ex.body;
    return handler({ ...ex, body: () => limitBody(source.call(ex), limits) }, params);
  }
}
