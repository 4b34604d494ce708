import type { Http2Session } from 'node:http2';

/** The parts of Node's internals read here: the TCP socket a TLSSocket wraps, and its libuv handle. */
interface WrappedTls {
  _parent?: { _handle?: { fd?: number } | null } | null;
}

/**
 * Returns a reader of the file descriptor of the TCP socket under an HTTP/2 session over TLS; it
 * gives undefined once that socket is closed (its handle is dropped), so a closed socket's
 * number, possibly reused, is never used. Node has no public API for the descriptor; it serves
 * only to ask the kernel about the connection (TCP_INFO), never to read or write. Call it when
 * the session starts: a destroyed session's socket can no longer be reached.
 */
export function tcpFdReader(session: Http2Session): () => number | undefined {
  const tcp = (session.socket as unknown as WrappedTls)._parent;
  return () => {
    const fd = tcp?._handle?.fd;
    return typeof fd === 'number' && fd >= 0 ? fd : undefined;
  };
}
