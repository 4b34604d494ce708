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

/** One request API over both protocols, so a single suite checks h2 and h3 alike. */
export interface ProtocolClient {
  readonly name: 'h2' | 'h3';
  request(path: string, init?: RequestInit): Promise<SimpleResponse>;
  close(): Promise<void>;
}

export async function h2Client(origin: string, ca: Buffer): Promise<ProtocolClient> {
  const session = http2.connect(origin, { ca });
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

export async function h3Client(origin: string, ca: Buffer): Promise<ProtocolClient> {
  const client = await H3Client.connect(origin, { ca });
  return { name: 'h3', request: (path, init) => client.request(path, init), close: () => client.close() };
}
