import t from 'tap';
import tls from 'node:tls';
import { startTestServer } from './helpers/server.js';
import { h2Client, h3Client, type ProtocolClient } from './helpers/clients.js';
import { makeTestMedia } from './helpers/media.js';
import { heapAfterGc } from './helpers/heap.js';

// Connections that come and go must leave nothing behind: a closed HTTP/2 session once stayed
// reachable (with its TLS socket, ~10 KB) until its idle timer fired a minute later, so memory
// grew with the connection rate; an HTTP/1.1 connection cut while a response was under way stayed
// counted for graceful shutdown forever (with its socket and requests), because that response
// closed after the connection did. Heap after a forced GC, before and after many connections.
const media = makeTestMedia();

/**
 * Heap growth after a forced GC, per connection, over `count` runs of `connection` (20 at a time),
 * after a warm-up as long as the measure: compiled code, inline caches and pools grow for a while.
 */
async function heapGrowthPerConnection(count: number, connection: () => Promise<void>): Promise<number> {
  const cycle = async (): Promise<void> => {
    for (let i = 0; i < count; i += 20) await Promise.all(Array.from({ length: Math.min(20, count - i) }, connection));
  };
  await cycle();
  await new Promise((r) => setTimeout(r, 200));
  const before = heapAfterGc();
  await cycle();
  // Closing is asynchronous on both sides; let the last closes land.
  await new Promise((r) => setTimeout(r, 500));
  return (heapAfterGc() - before) / count;
}

for (const [name, connect, count] of [
  ['HTTP/2', h2Client, 600],
  ['HTTP/3', h3Client, 400],
] as const) {
  t.test(`${count} ${name} connections opened, used and closed leave the heap as it was`, async (t) => {
    const server = await startTestServer({ media: media.dir, logLevel: 'warn', idleTimeoutMs: 600_000 });
    t.teardown(() => server.close());
    const perConnection = await heapGrowthPerConnection(count, async () => {
      const c: ProtocolClient = await connect(server.origin, server.certs.cert);
      const r = await c.request('/content/demo/master.m3u8');
      if (r.status !== 200) throw new Error(`status ${r.status}`);
      await c.close();
    });
    t.comment(`${name}: heap after GC ${((perConnection * count) / 1e3).toFixed(0)} KB after ${count} connections (${perConnection.toFixed(0)} bytes each)`);
    t.ok(perConnection < 4000, `under 4 KB per closed connection (sessions held until their idle timer fired cost 7–10 KB): ${perConnection.toFixed(0)} bytes`);
  });
}

// A client asks for a 3 MB segment with a second request pipelined behind it and leaves as soon
// as the first bytes arrive: the response under way closes after the connection does.
const cutMidResponse = (origin: string, ca: string | Buffer) => async (): Promise<void> => {
  const url = new URL(origin);
  const socket = tls.connect({ host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port), ca, servername: 'localhost', ALPNProtocols: ['http/1.1'] });
  await new Promise<void>((resolve, reject) => socket.once('secureConnect', resolve).once('error', reject));
  const answered = new Promise<void>((resolve, reject) => {
    socket.once('data', (d: Buffer) => (d.toString('latin1').startsWith('HTTP/1.1 200') ? resolve() : reject(new Error(d.toString('latin1', 0, 40)))));
    socket.once('error', reject);
  });
  socket.write('GET /content/demo/v/seg-9.m4s HTTP/1.1\r\nhost: localhost\r\n\r\nGET /content/demo/master.m3u8 HTTP/1.1\r\nhost: localhost\r\n\r\n');
  await answered;
  const closed = new Promise((r) => socket.once('close', r));
  socket.destroy();
  await closed;
};

t.test('400 HTTP/1.1 connections cut while a response is under way leave the heap as it was', async (t) => {
  const server = await startTestServer({ media: media.dir, logLevel: 'warn', idleTimeoutMs: 600_000 });
  t.teardown(() => server.close());
  const count = 400;
  const perConnection = await heapGrowthPerConnection(count, cutMidResponse(server.origin, server.certs.cert));
  t.comment(`HTTP/1.1 cut mid-response: heap after GC ${((perConnection * count) / 1e3).toFixed(0)} KB after ${count} connections (${perConnection.toFixed(0)} bytes each)`);
  t.ok(perConnection < 4000, `under 4 KB per closed connection (one held by the shutdown drainer cost ~17 KB): ${perConnection.toFixed(0)} bytes`);
});
