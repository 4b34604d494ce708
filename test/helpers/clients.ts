import http2 from 'node:http2';
import { H3Client } from '../../src/transport/h3/client.js';

export interface SimpleResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** One request API over both protocols, so a single suite checks h2 and h3 alike. */
export interface ProtocolClient {
  readonly name: 'h2' | 'h3';
  request(path: string, init?: { method?: string; headers?: Record<string, string> }): Promise<SimpleResponse>;
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
        const req = session.request({ ':method': init.method ?? 'GET', ':path': path, ...init.headers }, { endStream: true });
        const chunks: Buffer[] = [];
        let head: http2.IncomingHttpHeaders = {};
        req.on('response', (h) => (head = h));
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('error', reject);
        req.on('end', () => {
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(head)) if (!k.startsWith(':') && v !== undefined) headers[k] = String(v);
          resolve({ status: Number(head[':status']), headers, body: Buffer.concat(chunks) });
        });
      }),
    close: () => new Promise((resolve) => session.close(() => resolve())),
  };
}

export async function h3Client(origin: string, ca: Buffer): Promise<ProtocolClient> {
  const client = await H3Client.connect(origin, { ca });
  return { name: 'h3', request: (path, init) => client.request(path, init), close: () => client.close() };
}
