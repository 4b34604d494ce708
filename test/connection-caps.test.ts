import t from 'tap';
import { once } from 'node:events';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import net from 'node:net';
import tls from 'node:tls';
import { startTestServer } from './helpers/server.js';
import { h2Client, h3Client } from './helpers/clients.js';
import { makeTestMedia } from './helpers/media.js';
import { makeTestCerts } from './helpers/certs.js';
import { H3EDGE } from './helpers/run.js';

// Connection floods: caps refuse the excess at once (a TCP close before any TLS), count it,
// and leave descriptors for the files the node serves.
const media = makeTestMedia();

/** An idle TLS connection from `localAddress`, or how it was refused. */
function idleConnection(port: number, ca: Buffer, localAddress: string): Promise<{ socket: tls.TLSSocket | null; refusedAfterMs: number | null }> {
  return new Promise((resolve) => {
    const started = performance.now();
    const raw = net.connect({ port, host: '127.0.0.1', localAddress });
    raw.on('error', () => {});
    const socket = tls.connect({ socket: raw, servername: 'localhost', ca, ALPNProtocols: ['h2'] });
    socket.once('secureConnect', () => resolve({ socket, refusedAfterMs: null }));
    socket.once('error', () => resolve({ socket: null, refusedAfterMs: performance.now() - started }));
    socket.once('close', () => resolve({ socket: null, refusedAfterMs: performance.now() - started }));
  });
}

async function openMany(n: number, port: number, ca: Buffer, localAddress: string): Promise<{ open: tls.TLSSocket[]; refused: number[] }> {
  const results = await Promise.all(Array.from({ length: n }, () => idleConnection(port, ca, localAddress)));
  return { open: results.flatMap((r) => (r.socket ? [r.socket] : [])), refused: results.flatMap((r) => (r.refusedAfterMs === null ? [] : [r.refusedAfterMs])) };
}

t.test('TCP caps per client address and per node refuse the excess at once, and count it', async (t) => {
  const server = await startTestServer({ media: media.dir, logLevel: 'warn', maxConnections: 45, maxConnectionsPerIp: 20 });
  t.teardown(() => server.close());
  const a = await openMany(25, server.port, server.certs.cert, '127.0.0.2');
  t.equal(a.open.length, 20, '20 connections from one address');
  t.equal(a.refused.length, 5, 'the 5 beyond maxConnectionsPerIp refused');
  const b = await openMany(25, server.port, server.certs.cert, '127.0.0.3');
  t.equal(b.open.length, 20, 'another address gets its own 20');
  const c = await openMany(10, server.port, server.certs.cert, '127.0.0.4');
  t.equal(c.open.length, 5, 'a third address gets 5: then the node is at maxConnections');
  t.comment(`refused after ${Math.max(...a.refused, ...b.refused, ...c.refused).toFixed(1)} ms at the latest`);
  // Scraped over a connection of its own: the cap lets it in once one attacker is gone.
  c.open.pop()?.destroy();
  const scraper = await (async () => {
    for (let i = 0; i < 100; i++) {
      try {
        return await h2Client(server.origin, server.certs.cert);
      } catch {
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    throw new Error('no connection after the cap freed up');
  })();
  const metrics = (await scraper.request('/metrics')).body.toString();
  await scraper.close();
  const limitRefusals = Number(/^h3edge_tcp_connections_refused_total\{reason="limit"\} (\d+)$/m.exec(metrics)?.[1]);
  t.match(metrics, /^h3edge_tcp_connections_refused_total\{reason="per_ip"\} 10$/m, 'per-address refusals counted');
  t.ok(limitRefusals >= 5, `node-wide refusals counted (${limitRefusals}: the 5 of the third address and any retry of the scraper)`);
  for (const s of [...a.open, ...b.open, ...c.open]) s.destroy();
});

// 21,000 idle connections against a 20,000 descriptor limit once took the node down: every new
// connection failed and segments over HTTP/3 got 500 (EMFILE). Here the same at a small scale.
t.test('with a low open-file limit, idle connections cannot exhaust descriptors: segments still served', async (t) => {
  const certs = makeTestCerts();
  const dir = makeTestMedia().dir;
  // Files the node has never opened, so serving them needs new descriptors.
  for (let i = 0; i < 20; i++) writeFileSync(join(dir, `cold-${i}.m4s`), Buffer.alloc(300_000, i));
  const child = spawn('prlimit', ['--nofile=600:600', process.execPath, ...H3EDGE, 'serve', '--workers', '1', '--open-content', '--host', '127.0.0.1', '--port', '0', '--media', dir, '--cert', certs.certFile, '--key', certs.keyFile], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const killer = setTimeout(() => child.kill('SIGKILL'), 120_000);
  t.teardown(() => {
    clearTimeout(killer);
    child.kill('SIGKILL');
  });
  let err = '';
  const port = await new Promise<number>((resolve, reject) => {
    child.stderr.on('data', (d) => {
      err += d;
      const m = /localhost:(\d+)\//.exec(err);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', () => reject(new Error(`server exited: ${err}`)));
  });
  // 600 descriptors: the node keeps 256 for itself, so 344 connections; 100 per address here.
  const floods = await Promise.all(['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5', '127.0.0.6', '127.0.0.7', '127.0.0.8'].map((addr) => openMany(100, port, certs.cert, addr)));
  const open = floods.flatMap((f) => f.open);
  const refused = floods.reduce((n, f) => n + f.refused.length, 0);
  t.ok(open.length <= 344 && open.length >= 300, `connections held at the cap (${open.length} open, ${refused} refused)`);
  t.equal(open.length + refused, 700);
  const h3 = await h3Client(`https://localhost:${port}`, certs.cert);
  const statuses: number[] = [];
  for (let i = 0; i < 20; i++) statuses.push((await h3.request(`/content/cold-${i}.m4s`)).status);
  await h3.close();
  t.same(statuses, Array(20).fill(200), 'every uncached segment over HTTP/3 is served (no EMFILE 500)');
  for (const s of open) s.destroy();
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const [code] = await exited;
  t.equal(code, 0, 'the node drains and exits 0');
});
