import http2 from 'node:http2';
import { rootCertificates } from 'node:tls';

/** A streamed upstream response: status, headers and the body as chunks (with backpressure). */
export interface StreamedResponse {
  status: number;
  headers: http2.IncomingHttpHeaders;
  body: AsyncIterable<Buffer>;
  close(): void;
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

  /**
   * GET `path` from `origin`, resolved once the response head is here; the body is read as it
   * arrives. Rejects on connection errors or when no head came within `timeoutMs`.
   */
  open(origin: string, path: string, timeoutMs: number, headers: Record<string, string> = {}): Promise<StreamedResponse> {
    const session = this.session(origin);
    return new Promise((resolve, reject) => {
      const req = session.request({ ':path': path, ...headers }, { endStream: true });
      const timer = setTimeout(() => {
        req.close(http2.constants.NGHTTP2_CANCEL);
        reject(new Error(`no response within ${timeoutMs} ms`));
      }, timeoutMs);
      req.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      req.once('response', (h) => {
        clearTimeout(timer);
        resolve({ status: Number(h[':status'] ?? 0), headers: h, body: req, close: () => req.close(http2.constants.NGHTTP2_CANCEL) });
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
