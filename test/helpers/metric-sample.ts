import { h2Client } from './clients.js';

/**
 * One sample of a server's /metrics (over HTTP/2), matched by name and exactly these labels in any
 * order; 0 when the series does not exist (yet).
 */
export async function metricSample(server: { origin: string; certs: { cert: Buffer } }, name: string, labels: Record<string, string>): Promise<number> {
  const h2 = await h2Client(server.origin, server.certs.cert);
  try {
    const text = (await h2.request('/metrics')).body.toString();
    const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
    for (const line of text.split('\n')) {
      const m = /^([a-z0-9_]+)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!m || m[1] !== name) continue;
      const have = m[2] ? m[2].split(/,(?=[a-z_]+=")/) : [];
      if (have.length === wanted.length && wanted.every((w) => have.includes(w))) return Number(m[3]);
    }
    return 0;
  } finally {
    await h2.close();
  }
}
