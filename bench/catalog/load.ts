// Timed requests over one HTTP/2 connection at a fixed concurrency: a steady load of one kind
// of request, each request's time from sending to the end of its body.
import http2 from 'node:http2';

/** One request of the load: method, path, optional JSON body; `ok` judges the status. */
export interface LoadRequest {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface LoadResult {
  requests: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  /** Answers with another status than `expect`, or failed streams. */
  errors: number;
  /** The first few unexpected answers, to say why. */
  errorSamples: string[];
}

/** A connection to the node under test; every request is bounded by `timeoutMs`. */
export class LoadClient {
  private readonly session: http2.ClientHttp2Session;

  constructor(origin: string, ca: Buffer) {
    this.session = http2.connect(origin, { ca, servername: 'localhost' });
    this.session.on('error', () => undefined);
  }

  /** One request: its status, body and time. */
  request(r: LoadRequest, timeoutMs = 30_000): Promise<{ status: number; body: Buffer; ms: number; headers: http2.IncomingHttpHeaders }> {
    return new Promise((resolve, reject) => {
      const started = performance.now();
      const body = r.body === undefined ? undefined : Buffer.from(JSON.stringify(r.body));
      const req = this.session.request(
        { ':method': r.method, ':path': r.path, ...(body ? { 'content-type': 'application/json' } : {}), ...r.headers },
        { endStream: body === undefined },
      );
      const timer = setTimeout(() => req.close(http2.constants.NGHTTP2_CANCEL), timeoutMs);
      if (body) req.end(body);
      let headers: http2.IncomingHttpHeaders = {};
      const chunks: Buffer[] = [];
      req.on('response', (h) => (headers = h));
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      req.on('close', () => {
        clearTimeout(timer);
        if (headers[':status'] === undefined) return reject(new Error(`${r.method} ${r.path}: no answer (stream closed)`));
        resolve({ status: Number(headers[':status']), body: Buffer.concat(chunks), ms: performance.now() - started, headers });
      });
    });
  }

  /** `count` requests made by `make(i)`, `concurrency` at a time; `expect` is the status that counts as success. */
  async load(count: number, concurrency: number, make: (i: number) => LoadRequest, expect: number): Promise<LoadResult> {
    const times: number[] = [];
    const errorSamples: string[] = [];
    let errors = 0;
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < count) {
        const r = make(next++);
        try {
          const got = await this.request(r);
          times.push(got.ms);
          if (got.status !== expect) {
            errors++;
            if (errorSamples.length < 3) errorSamples.push(`${r.method} ${r.path}: ${got.status} ${got.body.toString().slice(0, 120)}`);
          }
        } catch (err) {
          errors++;
          if (errorSamples.length < 3) errorSamples.push(`${r.method} ${r.path}: ${(err as Error).message}`);
        }
      }
    };
    await Promise.all(Array.from({ length: concurrency }, lane));
    const sorted = times.sort((a, b) => a - b);
    const at = (q: number): number => round2(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN);
    return { requests: count, p50Ms: at(0.5), p95Ms: at(0.95), maxMs: round2(sorted[sorted.length - 1] ?? Number.NaN), errors, errorSamples };
  }

  close(): void {
    this.session.close();
  }
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
