import http2 from 'node:http2';
import { rootCertificates } from 'node:tls';

/** An upstream request that failed after part of the body had arrived: that part, for a Range continuation. */
export class PartialUpstreamResponse extends Error {
  constructor(message: string, readonly status: number, readonly headers: http2.IncomingHttpHeaders, readonly received: Buffer) {
    super(message);
    this.name = 'PartialUpstreamResponse';
  }
}

/** A whole upstream response (segments are bounded in size, so buffering is fine). */
export interface UpstreamResponse {
  status: number;
  headers: http2.IncomingHttpHeaders;
  body: Buffer;
}

/**
 * HTTP/2 keep-alive connections to upstreams (origins or parent edges), one session per origin,
 * TLS verified against the system store plus `extraCa` (a private CA).
 */
export class UpstreamClient {
  private readonly sessions = new Map<string, http2.ClientHttp2Session>();
  private readonly ca: string[];

  constructor(extraCa: Buffer[]) {
    this.ca = [...rootCertificates, ...extraCa.map((b) => b.toString())];
  }

  /** GET `path` from `origin`; rejects on connection errors and after `timeoutMs` without completion. */
  get(origin: string, path: string, timeoutMs: number, headers: Record<string, string> = {}): Promise<UpstreamResponse> {
    const session = this.session(origin);
    return new Promise((resolve, reject) => {
      const req = session.request({ ':path': path, ...headers }, { endStream: true });
      const timer = setTimeout(() => req.close(http2.constants.NGHTTP2_CANCEL), timeoutMs);
      const chunks: Buffer[] = [];
      let head: http2.IncomingHttpHeaders = {};
      req.on('response', (h) => (head = h));
      req.on('data', (c: Buffer) => chunks.push(c));
      const fail = (message: string): void => {
        clearTimeout(timer);
        const received = Buffer.concat(chunks);
        reject(received.length > 0 ? new PartialUpstreamResponse(message, Number(head[':status'] ?? 0), head, received) : new Error(message));
      };
      req.on('error', (err) => fail(err.message));
      req.on('close', () => {
        if (req.rstCode && req.rstCode !== http2.constants.NGHTTP2_NO_ERROR) return fail(`stream reset (${req.rstCode})`);
        clearTimeout(timer);
        resolve({ status: Number(head[':status'] ?? 0), headers: head, body: Buffer.concat(chunks) });
      });
    });
  }

  close(): void {
    for (const s of this.sessions.values()) s.close();
    this.sessions.clear();
  }

  private session(origin: string): http2.ClientHttp2Session {
    const existing = this.sessions.get(origin);
    if (existing && !existing.closed && !existing.destroyed) return existing;
    const s = http2.connect(origin, { ca: this.ca });
    s.on('error', () => this.sessions.delete(origin));
    s.on('close', () => this.sessions.delete(origin));
    s.unref();
    this.sessions.set(origin, s);
    return s;
  }
}
