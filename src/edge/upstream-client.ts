import http2 from 'node:http2';
import { rootCertificates } from 'node:tls';

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
  get(origin: string, path: string, timeoutMs: number): Promise<UpstreamResponse> {
    const session = this.session(origin);
    return new Promise((resolve, reject) => {
      const req = session.request({ ':path': path }, { endStream: true });
      const timer = setTimeout(() => req.close(http2.constants.NGHTTP2_CANCEL), timeoutMs);
      const chunks: Buffer[] = [];
      let headers: http2.IncomingHttpHeaders = {};
      req.on('response', (h) => (headers = h));
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      req.on('close', () => {
        clearTimeout(timer);
        if (req.rstCode && req.rstCode !== http2.constants.NGHTTP2_NO_ERROR) reject(new Error(`stream reset (${req.rstCode})`));
        else resolve({ status: Number(headers[':status'] ?? 0), headers, body: Buffer.concat(chunks) });
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
