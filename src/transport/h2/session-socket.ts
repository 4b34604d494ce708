import type { Http2Session } from 'node:http2';

/** The parts of Node's internals read here: the TCP socket a TLSSocket wraps, and its libuv handle. */
interface WrappedTls {
  _parent?: { _handle?: { fd?: number } | null; bytesRead?: number } | null;
}

/**
 * Returns a reader of the file descriptor of the TCP socket under an HTTP/2 session over TLS; it
 * gives undefined once that socket is closed (its handle is dropped), so a closed socket's
 * number, possibly reused, is never used. Node has no public API for the descriptor; it serves
 * only to ask the kernel about the connection (TCP_INFO), never to read or write. Call it when
 * the session starts: a destroyed session's socket can no longer be reached.
 */
export function tcpFdReader(session: Http2Session): () => number | undefined {
  return tlsFdReader(session.socket);
}

/** The same for the TLS socket of an HTTP/1.1 connection (or any TLS socket over TCP). */
export function tlsFdReader(socket: unknown): () => number | undefined {
  const tcp = (socket as WrappedTls)._parent;
  return () => {
    const fd = tcp?._handle?.fd;
    return typeof fd === 'number' && fd >= 0 ? fd : undefined;
  };
}

/**
 * Returns a reader of the raw bytes received by the TCP socket under an HTTP/2 session over TLS
 * (0 once it is gone): unlike the TLS socket's count, a record that arrives byte by byte shows.
 * Call it when the session starts.
 */
export function tcpBytesReadReader(session: Http2Session): () => number {
  const tcp = (session.socket as unknown as WrappedTls)._parent;
  return () => tcp?.bytesRead ?? 0;
}

/**
 * node:http2 (20.x) arms an idle timer on every session (`server.setTimeout`) and leaves it armed
 * when the session closes: the closed session, its socket and their buffers (~10 KB) stay
 * reachable until the timer fires, idleTimeoutMs later — memory that grows with the connection
 * rate, not the connection count. `session.setTimeout(0)` is a no-op once destroyed, so the timer
 * is cleared through node's own field (symbol `timeout`). Call it on the session's 'close'.
 */
export function clearClosedSessionTimer(session: Http2Session): void {
  const key = Object.getOwnPropertySymbols(session).find((s) => s.description === 'timeout');
  const timer = key ? (session as unknown as Record<symbol, unknown>)[key] : undefined;
  if (timer) clearTimeout(timer as NodeJS.Timeout);
}
