import http2 from 'node:http2';
import { rootCertificates } from 'node:tls';
import { H3Client } from '../client/h3-client.js';

/** A streamed upstream response: status, headers and the body as chunks (with backpressure). */
export interface StreamedResponse {
  /** Which protocol carried it ('h2' or 'h3'). */
  protocol?: string;
  status: number;
  headers: http2.IncomingHttpHeaders;
  body: AsyncIterable<Buffer>;
  close(): void;
}

/** After an HTTP/3 failure an upstream is asked over HTTP/2 for this long. */
const H3_RETRY_AFTER_MS = 60_000;

/**
 * HTTP/2 receive windows of an upstream connection. HTTP/2's default, 64 KiB per stream and per
 * connection, lets one round trip carry 64 KiB: 6.5 Mbit/s to an origin 80 ms away, whatever the
 * link. A stream window of a large segment and a connection window of several let pulls run at
 * the link's rate (the bytes are ours to hold anyway: they go to disk as they come).
 */
const H2_STREAM_WINDOW_BYTES = 8 * 1024 * 1024;
const H2_CONNECTION_WINDOW_BYTES = 32 * 1024 * 1024;

/**
 * Keep-alive connections to upstreams (origins or parent edges), one per origin, TLS verified
 * against the system store plus `extraCa` (a private CA). HTTP/2 first; once an upstream
 * advertises HTTP/3 on the same host (Alt-Svc), requests go over HTTP/3, back to HTTP/2 for a
 * while if that fails.
 */
export class UpstreamClient {
  private readonly sessions = new Map<string, http2.ClientHttp2Session>();
  private readonly ca: string[];
  /** The QUIC client takes one PEM bundle; without a private CA it uses the system store. */
  private readonly h3Ca: string | undefined;
  private readonly h3 = new Map<string, { port: number; retryAt: number; client?: Promise<H3Client> }>();

  constructor(extraCa: Buffer[]) {
    this.ca = [...rootCertificates, ...extraCa.map((b) => b.toString())];
    this.h3Ca = extraCa.length > 0 ? extraCa.map((b) => b.toString()).join('\n') : undefined;
  }

  /**
   * GET `path` from `origin`, resolved once the response head is here; the body is read as it
   * arrives. Rejects on connection errors or when no head came within `timeoutMs`.
   */
  async open(origin: string, path: string, timeoutMs: number, headers: Record<string, string> = {}): Promise<StreamedResponse> {
    const alt = this.h3.get(origin);
    if (alt && alt.retryAt <= Date.now()) {
      try {
        alt.client ??= H3Client.connect(origin.replace(/:\d+$/, `:${alt.port}`), this.h3Ca === undefined ? {} : { ca: this.h3Ca });
        const client = await alt.client;
        if (client.closed) throw new Error('HTTP/3 connection closed');
        return { protocol: 'h3', ...(await client.stream(path, headers, timeoutMs)) };
      } catch {
        alt.client?.then((c) => c.close()).catch(() => {});
        alt.client = undefined;
        alt.retryAt = Date.now() + H3_RETRY_AFTER_MS;
      }
    }
    const res = await this.openH2(origin, path, timeoutMs, headers);
    this.noteAltSvc(origin, res.headers['alt-svc']);
    return res;
  }

  /** Remembers an `h3=":port"` alternative on the same host (RFC 7838). */
  private noteAltSvc(origin: string, altSvc: string | string[] | undefined): void {
    if (this.h3.has(origin) || typeof altSvc !== 'string') return;
    const m = /(?:^|,)\s*h3=":(\d+)"/.exec(altSvc);
    if (m) this.h3.set(origin, { port: Number(m[1]), retryAt: 0 });
  }

  private openH2(origin: string, path: string, timeoutMs: number, headers: Record<string, string>): Promise<StreamedResponse> {
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
        resolve({ protocol: 'h2', status: Number(h[':status'] ?? 0), headers: h, body: req, close: () => req.close(http2.constants.NGHTTP2_CANCEL) });
      });
    });
  }

  close(): void {
    for (const alt of this.h3.values()) alt.client?.then((c) => c.close()).catch(() => {});
    this.h3.clear();
    for (const s of this.sessions.values()) s.close();
    this.sessions.clear();
  }

  private session(origin: string): http2.ClientHttp2Session {
    const existing = this.sessions.get(origin);
    if (existing && !existing.closed && !existing.destroyed) return existing;
    const s = http2.connect(origin, { ca: this.ca, settings: { initialWindowSize: H2_STREAM_WINDOW_BYTES } });
    s.once('connect', () => s.setLocalWindowSize(H2_CONNECTION_WINDOW_BYTES));
    s.on('error', () => this.sessions.delete(origin));
    s.on('close', () => this.sessions.delete(origin));
    s.unref();
    this.sessions.set(origin, s);
    return s;
  }
}
