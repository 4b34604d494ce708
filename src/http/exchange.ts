import type { Priority } from '../priority/priority.js';

/**
 * One request as the transports hand it to the core. Built by a transport adapter, read by
 * the router and handlers; handlers never learn which protocol carried it except through
 * `protocol`, which exists for logs and metrics only.
 */
export interface Exchange {
  /** Request id for log correlation, unique per process. */
  readonly id: string;
  readonly method: string;
  /** The raw request-target (`:path`), still percent-encoded. */
  readonly target: string;
  /** Path part of the target, still percent-encoded; decoding is the handler's job. */
  readonly pathname: string;
  readonly query: URLSearchParams;
  /** Host and port the client addressed (`:authority` or `Host`), for absolute URLs. */
  readonly authority: string;
  /** Request fields with lowercase names; repeated fields are joined with ", ". */
  readonly headers: ReadonlyMap<string, string>;
  /** ALPN-style protocol name for logs: `http/1.1`, `h2` or `h3`. */
  readonly protocol: string;
  /** True when the request arrived in TLS early data (0-RTT); RFC 8470 applies. */
  readonly earlyData: boolean;
  /** The client's RFC 9218 priority signal, or null if it sent none. */
  readonly clientPriority: Priority | null;
  readonly remoteAddress: string;
  /** Aborted when the client goes away before the response completed. */
  readonly signal: AbortSignal;
  /** Request body chunks; empty for GET/HEAD. Consumed at most once. */
  body(): AsyncIterable<Buffer>;
}

/**
 * What a handler returns. The transport pulls `body` at the pace the connection allows:
 * a Buffer (possibly a zero-copy slice of a mapped file) or an async iterable of chunks.
 * Handlers never write to sockets.
 */
export interface Reply {
  status: number;
  /** Response fields with lowercase names. */
  headers: Record<string, string>;
  body: Buffer | AsyncIterable<Uint8Array> | null;
  /** Server default priority (RFC 9218); transports use it only where the client said nothing. */
  priority?: Priority;
  /** Stable error code when the reply reports an error; the access log and metrics label. */
  errorCode?: string;
  /** Route pattern that answered (`/content/*path`), or `none`; set by the core for metrics and logs. */
  route?: string;
  /**
   * For a body read straight from a file's mapping: whether its bytes are still the file's. A
   * transport asks once the body has left and before ending the response; false means the file
   * changed under it (truncated, rewritten in place) and the response is reset, never completed.
   */
  intact?: () => boolean;
}

/** Request handler behind the router. `params` holds the named parts of the route pattern. */
export type Handler = (exchange: Exchange, params: Readonly<Record<string, string>>) => Promise<Reply> | Reply;

/** Byte length of a reply body when known without consuming it. */
export function knownBodyLength(body: Reply['body']): number | undefined {
  return Buffer.isBuffer(body) ? body.length : body === null ? 0 : undefined;
}
