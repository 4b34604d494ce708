import { PassThrough } from 'node:stream';
import { connectAsync, type Http3ClientSession, type IncomingHeaders } from '@currentspace/http3';

export interface H3ClientOptions {
  /** PEM CA(s) to trust (e.g. the dev certificate); without it the system store is used. */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Server name for SNI and certificate checks; defaults to the origin's host. */
  servername?: string;
  rejectUnauthorized?: boolean;
  /** Flow-control credit per request stream and (×4) per connection; the library's defaults are 2 MB and 100 MB. */
  streamWindowBytes?: number;
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
 * HTTP/3 client on one QUIC connection, used by the edge's upstream fetches, by tests and by
 * benches. Requests are multiplexed; responses are buffered whole (segments are bounded in size).
 * It is no part of the server's transports (`transport/` is what the node listens with), so those
 * who fetch import it from here.
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
      ...(opts.streamWindowBytes ? { initialMaxStreamDataBidiLocal: opts.streamWindowBytes, initialMaxData: Math.max(100_000_000, 4 * opts.streamWindowBytes) } : {}),
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

  /**
   * Sends one GET and resolves with the response head; the body is read as it arrives (the
   * stream is a Readable of Buffers). Rejects if no head arrives within `timeoutMs`.
   */
  stream(path: string, headers: Record<string, string>, timeoutMs: number): Promise<{ status: number; headers: IncomingHeaders; body: AsyncIterable<Buffer>; close(): void }> {
    const stream = this.session.request({ ':method': 'GET', ':path': path, ':authority': this.authority, ':scheme': 'https', ...headers }, { endStream: true });
    // Body events can come in the same tick as the head (a small response in one packet):
    // collect them from the start instead of when the caller begins to read.
    const body = new PassThrough();
    stream.on('data', (c: Buffer) => body.write(c));
    stream.once('end', () => body.end());
    stream.once('error', (err) => body.destroy(err));
    stream.once('close', () => {
      if (!body.writableEnded) body.destroy(new Error('HTTP/3 stream closed before its end'));
    });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        stream.close();
        reject(new Error(`no HTTP/3 response within ${timeoutMs} ms`));
      }, timeoutMs);
      stream.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      stream.once('response', (h: IncomingHeaders) => {
        clearTimeout(timer);
        // Closed by the caller: the body ends without an error (nobody may be reading it any more).
        resolve({ status: Number(h[':status']), headers: h, body, close: () => (body.destroy(), stream.close()) });
      });
    });
  }

  /** Whether the QUIC connection is gone (then a new one is needed). */
  get closed(): boolean {
    return this.session.closed;
  }

  async close(): Promise<void> {
    await this.session.close();
  }
}
