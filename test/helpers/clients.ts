import http from 'node:http';
import https from 'node:https';
import http2 from 'node:http2';
import { H3Client, type H3Response } from '../../src/client/h3-client.js';

/** A buffered response with performance.now() timings, the same shape for both protocols. */
export type SimpleResponse = H3Response;

export interface RequestInit {
  method?: string;
  headers?: Record<string, string>;
  body?: Buffer;
  onHeaders?: () => void;
}

/** One request API over every protocol, so a single suite checks h2, HTTP/1.1 and h3 alike. */
export interface ProtocolClient {
  /** The protocol as the access log names it. */
  readonly name: 'h2' | 'h3' | 'http/1.1';
  request(path: string, init?: RequestInit): Promise<SimpleResponse>;
  close(): Promise<void>;
}

export async function h2Client(origin: string, ca: Buffer, opts: { streamWindowBytes?: number } = {}): Promise<ProtocolClient> {
  const window = opts.streamWindowBytes;
  const session = http2.connect(origin, { ca, ...(window ? { settings: { initialWindowSize: window } } : {}) });
  // The connection's window starts at 64 KB whatever the settings say (RFC 9113 §6.9.2).
  if (window) session.once('connect', () => session.setLocalWindowSize(4 * window));
  await new Promise<void>((resolve, reject) => {
    session.once('connect', () => resolve());
    session.once('error', reject);
  });
  return {
    name: 'h2',
    request: (path, init = {}) =>
      new Promise((resolve, reject) => {
        const timings = { start: performance.now(), headers: 0, firstByte: 0, end: 0 };
        const req = session.request({ ':method': init.method ?? 'GET', ':path': path, ...init.headers }, { endStream: init.body === undefined });
        if (init.body !== undefined) req.end(init.body);
        const chunks: Buffer[] = [];
        let head: http2.IncomingHttpHeaders = {};
        req.on('response', (h) => {
          head = h;
          timings.headers = performance.now();
          init.onHeaders?.();
        });
        req.on('data', (c: Buffer) => {
          if (chunks.length === 0) timings.firstByte = performance.now();
          chunks.push(c);
        });
        req.on('error', reject);
        req.on('end', () => {
          timings.end = performance.now();
          timings.firstByte ||= timings.end;
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(head)) if (!k.startsWith(':') && v !== undefined) headers[k] = String(v);
          resolve({ status: Number(head[':status']), headers, body: Buffer.concat(chunks), timings });
        });
      }),
    close: () => new Promise((resolve) => session.close(() => resolve())),
  };
}

export async function h3Client(origin: string, ca: Buffer, opts: { streamWindowBytes?: number } = {}): Promise<ProtocolClient> {
  const client = await H3Client.connect(origin, { ca, ...opts });
  return { name: 'h3', request: (path, init) => client.request(path, init), close: () => client.close() };
}

/** HTTP/1.1 over TLS (ALPN `http/1.1`) with node:https, on keep-alive connections of its own. */
export async function h1Client(origin: string, ca: Buffer): Promise<ProtocolClient> {
  const url = new URL(origin);
  const agent = new https.Agent({ keepAlive: true, maxSockets: 8 });
  const options = { agent, host: '127.0.0.1', port: Number(url.port), servername: url.hostname, ca, ALPNProtocols: ['http/1.1'] };
  return { name: 'http/1.1', request: (path, init) => http1Request((o, cb) => https.request({ ...options, ...o }, cb), path, init), close: async () => agent.destroy() };
}

/** Plain HTTP/1.1 to 127.0.0.1:`port` (the admin listener), on keep-alive connections of its own. */
export async function plainHttpClient(port: number): Promise<ProtocolClient> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  const options = { agent, host: '127.0.0.1', port };
  return { name: 'http/1.1', request: (path, init) => http1Request((o, cb) => http.request({ ...options, ...o }, cb), path, init), close: async () => agent.destroy() };
}

type Http1Request = (opts: http.RequestOptions, cb: (res: http.IncomingMessage) => void) => http.ClientRequest;

function http1Request(send: Http1Request, path: string, init: RequestInit = {}): Promise<SimpleResponse> {
  return new Promise((resolve, reject) => {
    const timings = { start: performance.now(), headers: 0, firstByte: 0, end: 0 };
    const req = send({ method: init.method ?? 'GET', path, headers: init.headers }, (res) => {
      timings.headers = performance.now();
      init.onHeaders?.();
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => {
        if (chunks.length === 0) timings.firstByte = performance.now();
        chunks.push(c);
      });
      res.on('error', reject);
      res.on('end', () => {
        timings.end = performance.now();
        timings.firstByte ||= timings.end;
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
        resolve({ status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks), timings });
      });
    });
    req.on('error', reject);
    req.end(init.body);
  });
}
