import http2 from 'node:http2';
import { rootCertificates } from 'node:tls';
import type { StreamedResponse } from '../upstream-client.js';

export type { StreamedResponse } from '../upstream-client.js';


/** Opens one HTTP/2 connection to an upstream for a fill run (fill makes its requests in sequence). */
export function connectUpstream(origin: string, extraCa: Buffer[]): http2.ClientHttp2Session {
  const session = http2.connect(origin, { ca: [...rootCertificates, ...extraCa.map((b) => b.toString())] });
  session.on('error', () => {});
  return session;
}

export function streamingGet(session: http2.ClientHttp2Session, path: string, headers: Record<string, string> = {}): Promise<StreamedResponse> {
  return new Promise((resolve, reject) => {
    const req = session.request({ ':path': path, ...headers }, { endStream: true });
    req.once('error', reject);
    req.once('response', (h) => resolve({ status: Number(h[':status']), headers: h, body: req, close: () => req.close() }));
  });
}
