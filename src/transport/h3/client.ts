import { connectAsync, type Http3ClientSession, type IncomingHeaders } from '@currentspace/http3';

export interface H3ClientOptions {
  /** PEM CA to trust (e.g. the dev certificate); without it the system store is used. */
  ca?: Buffer;
  /** Server name for SNI and certificate checks; defaults to the origin's host. */
  servername?: string;
  rejectUnauthorized?: boolean;
}

export interface H3Response {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  /** performance.now() marks: request sent, response headers, first body byte, end. */
  timings: ResponseTimings;
}

export interface ResponseTimings {
  start: number;
  headers: number;
  firstByte: number;
  end: number;
}

/**
 * HTTP/3 client on one QUIC connection, used for upstream fetches and by tests. Requests are
 * multiplexed; responses are buffered whole (segments are bounded in size).
 */
export class H3Client {
  private constructor(private readonly session: Http3ClientSession, private readonly authority: string) {}

  static async connect(origin: string, opts: H3ClientOptions = {}): Promise<H3Client> {
    const url = new URL(origin);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const port = url.port || '443';
    const address = host === 'localhost' ? '127.0.0.1' : host;
    const session = await connectAsync(`${address.includes(':') ? `[${address}]` : address}:${port}`, {
      ca: opts.ca,
      servername: opts.servername ?? host,
      rejectUnauthorized: opts.rejectUnauthorized ?? true,
      connectTimeoutMs: 10_000,
    });
    return new H3Client(session, `${host}:${port}`);
  }

  /** Sends one request; `onHeaders` fires when the response head arrives, before the body. */
  request(path: string, init: { method?: string; headers?: Record<string, string>; body?: Buffer; onHeaders?: () => void } = {}): Promise<H3Response> {
    const stream = this.session.request(
      { ':method': init.method ?? 'GET', ':path': path, ':authority': this.authority, ':scheme': 'https', ...init.headers },
      { endStream: init.body === undefined },
    );
    const timings: ResponseTimings = { start: performance.now(), headers: 0, firstByte: 0, end: 0 };
    if (init.body !== undefined) stream.end(init.body);
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let head: IncomingHeaders | undefined;
      stream.on('response', (h: IncomingHeaders) => {
        head = h;
        timings.headers = performance.now();
        init.onHeaders?.();
      });
      stream.on('data', (c: Buffer) => {
        if (chunks.length === 0) timings.firstByte = performance.now();
        chunks.push(c);
      });
      stream.on('error', reject);
      stream.on('end', () => {
        timings.end = performance.now();
        timings.firstByte ||= timings.end;
        if (!head) return reject(new Error('stream ended without a response'));
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(head)) if (!k.startsWith(':')) headers[k] = Array.isArray(v) ? v.join(', ') : v;
        resolve({ status: Number(head[':status']), headers, body: Buffer.concat(chunks), timings });
      });
    });
  }

  async close(): Promise<void> {
    await this.session.close();
  }
}
