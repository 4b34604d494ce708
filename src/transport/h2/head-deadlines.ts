import type { Http2Session } from 'node:http2';

interface Watched {
  /** Raw bytes the connection has received so far. */
  received: () => number;
  /** Streams open now (a request head completed for each). */
  openStreams: number;
  bytesRead: number;
  lastByteAtMs: number;
  /** Since when bytes keep arriving while no request head completes; null when quiet or busy. */
  dribblingSinceMs: number | null;
}

/**
 * HTTP/2 slowloris: node:http2 has no per-request head timeout, and a connection that keeps
 * sending bytes is never idle. A session that, with no stream open, keeps receiving bytes
 * (gaps shorter than `timeoutMs`) for longer than `timeoutMs` without completing a request head
 * is dribbling one in and is closed. One sweep timer for all sessions; a session is forgotten
 * when it closes.
 */
export class HeadDeadlines {
  private readonly sessions = new Map<Http2Session, Watched>();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly opts: { timeoutMs: number; clock?: () => number; onExpired: (session: Http2Session) => void }) {}

  /**
   * Called from the server's 'session' event; `received` reads the raw bytes the connection has
   * received (TLS records count while still incomplete, so a record dribbled byte by byte shows).
   */
  track(session: Http2Session, received: () => number): void {
    const w: Watched = { received, openStreams: 0, bytesRead: received(), lastByteAtMs: this.now(), dribblingSinceMs: null };
    this.sessions.set(session, w);
    session.on('stream', (stream) => {
      w.openStreams++;
      w.dribblingSinceMs = null;
      stream.once('close', () => w.openStreams--);
    });
    session.once('close', () => {
      this.sessions.delete(session);
      if (this.sessions.size === 0) this.stop();
    });
    this.timer ??= setInterval(() => this.sweep(), Math.max(100, Math.floor(this.opts.timeoutMs / 10))).unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private sweep(): void {
    const now = this.now();
    for (const [session, w] of this.sessions) {
      const bytes = w.received();
      if (bytes !== w.bytesRead) {
        w.bytesRead = bytes;
        w.lastByteAtMs = now;
        if (w.openStreams === 0) w.dribblingSinceMs ??= now;
      } else if (now - w.lastByteAtMs >= this.opts.timeoutMs) {
        w.dribblingSinceMs = null;
      }
      if (w.openStreams > 0) w.dribblingSinceMs = null;
      if (w.dribblingSinceMs !== null && now - w.dribblingSinceMs >= this.opts.timeoutMs) {
        this.sessions.delete(session);
        this.opts.onExpired(session);
      }
    }
  }

  private now(): number {
    return (this.opts.clock ?? Date.now)();
  }
}
