import type { Http2Session } from 'node:http2';
import type { Server } from 'node:net';
import type { TLSSocket } from 'node:tls';

/**
 * Tracks TCP connections so shutdown can be graceful: HTTP/2 sessions get GOAWAY and finish
 * their streams, idle HTTP/1.1 connections are closed at once and busy ones after their
 * response; whatever is still open at the deadline is destroyed.
 */
export class ConnectionDrainer {
  private readonly sockets = new Map<TLSSocket, number>();
  private readonly sessions = new Set<Http2Session>();
  draining = false;

  track(socket: TLSSocket): void {
    this.sockets.set(socket, 0);
    socket.once('close', () => this.sockets.delete(socket));
  }

  trackSession(session: Http2Session): void {
    this.sessions.add(session);
    session.once('close', () => this.sessions.delete(session));
    if (this.draining) session.close();
  }

  /** Counts an HTTP/1.1 request on a tracked connection; a connection already closed is not tracked again. */
  requestStarted(socket: TLSSocket): void {
    const n = this.sockets.get(socket);
    if (n !== undefined) this.sockets.set(socket, n + 1);
  }

  /**
   * A response ended. Responses queued behind others on a pipelined connection close after the
   * connection did: their count is gone with it, and re-adding it would hold the socket forever.
   */
  requestFinished(socket: TLSSocket): void {
    const current = this.sockets.get(socket);
    if (current === undefined) return;
    const n = current - 1;
    this.sockets.set(socket, n);
    if (this.draining && n === 0 && socket.alpnProtocol !== 'h2') socket.end();
  }

  async drain(server: Server, graceMs: number): Promise<void> {
    this.draining = true;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const session of this.sessions) session.close();
    for (const [socket, inFlight] of this.sockets) {
      if (inFlight === 0 && socket.alpnProtocol !== 'h2') socket.end();
    }
    const deadline = setTimeout(() => {
      for (const session of this.sessions) session.destroy();
      for (const socket of this.sockets.keys()) socket.destroy();
    }, graceMs);
    await closed;
    clearTimeout(deadline);
  }
}
