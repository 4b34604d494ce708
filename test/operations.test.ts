import t from 'tap';
import { once } from 'node:events';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import http2 from 'node:http2';
import tls from 'node:tls';
import { startTestServer } from './helpers/server.js';
import { h2Client } from './helpers/clients.js';
import { makeTestMedia } from './helpers/media.js';
import { makeTestCerts } from './helpers/certs.js';
import { spawnServe } from './helpers/run.js';

function plainGet(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

function certFingerprint(port: number, ca: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: [ca], ALPNProtocols: ['h2'], checkServerIdentity: () => undefined, rejectUnauthorized: false }, () => {
      resolve(s.getPeerCertificate().fingerprint256);
      s.end();
    });
    s.on('error', reject);
  });
}

t.test('/readyz and the admin port', async (t) => {
  const media = makeTestMedia();
  const server = await startTestServer({ media: media.dir, adminPort: 0 });
  t.teardown(() => server.close());
  t.ok(server.adminPort, 'admin port bound');
  // Ready once the cache has warmed the manifests and init segments (bounded wait).
  let ready = await plainGet(server.adminPort as number, '/readyz');
  for (let i = 0; i < 100 && ready.status !== 200; i++) {
    await new Promise((r) => setTimeout(r, 50));
    ready = await plainGet(server.adminPort as number, '/readyz');
  }
  t.equal(ready.status, 200);
  t.match(JSON.parse(ready.body), { status: 'ready', checks: { media: { ready: true }, tls: { ready: true }, 'cache-warm': { ready: true, detail: 'mmap' } } });
  const metrics = await plainGet(server.adminPort as number, '/metrics');
  t.equal(metrics.status, 200);
  t.match(metrics.body, /h3edge_requests_total|h3edge_process_cpu_seconds_total/);
  t.equal((await plainGet(server.adminPort as number, '/healthz')).status, 200);
  const client = await h2Client(server.origin, server.certs.cert);
  t.teardown(() => client.close());
  t.equal((await client.request('/metrics')).status, 404, 'metrics are off the public port');
  t.equal((await client.request('/readyz')).status, 404);
  server.readiness.add({ name: 'warm-up', check: () => ({ ready: false, detail: 'still mapping' }) });
  const notReady = await plainGet(server.adminPort as number, '/readyz');
  t.equal(notReady.status, 503);
  t.match(JSON.parse(notReady.body).checks['warm-up'], { ready: false, detail: 'still mapping' });
});

t.test('a download keeps running across a SIGHUP certificate reload and a SIGTERM drain', async (t) => {
  const media = makeTestMedia();
  const big = randomBytes(40 * 1024 * 1024);
  writeFileSync(join(media.dir, 'big.mp4'), big);
  const first = makeTestCerts();
  const second = makeTestCerts();
  const liveCert = join(media.dir, '..', `live-${process.pid}-cert.pem`);
  const liveKey = join(media.dir, '..', `live-${process.pid}-key.pem`);
  copyFileSync(first.certFile, liveCert);
  copyFileSync(first.keyFile, liveKey);
  const server = await spawnServe(['--open-content', '--workers', '1', '--host', '127.0.0.1', '--port', '0', '--media', media.dir, '--cert', liveCert, '--key', liveKey, '--log-level', 'info']);
  const { child, port } = server;
  const before = await certFingerprint(port, first.cert);
  const session = http2.connect(`https://localhost:${port}`, { ca: first.cert });
  const req = session.request({ ':path': '/content/big.mp4' }, { endStream: true });
  const chunks: Buffer[] = [];
  await once(req, 'response');
  chunks.push((await once(req, 'data'))[0] as Buffer);
  req.pause();

  copyFileSync(second.certFile, liveCert);
  copyFileSync(second.keyFile, liveKey);
  child.kill('SIGHUP');
  await new Promise<void>((resolve) => {
    const poll = setInterval(() => {
      if (server.stdout().includes('reloaded certificate')) {
        clearInterval(poll);
        resolve();
      }
    }, 50);
  });
  const after = await certFingerprint(port, second.cert);
  t.not(after, before, 'new connections get the new certificate');

  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  req.on('data', (c: Buffer) => chunks.push(c));
  req.resume();
  await once(req, 'end');
  session.close();
  const [code] = await exited;
  t.ok(Buffer.concat(chunks).equals(big), 'the download that spanned the reload and the drain is byte-exact');
  t.equal(code, 0, 'clean exit after draining');
});

t.test('a reload gives new HTTP/3 connections the new certificate; open ones keep theirs', async (t) => {
  const media = makeTestMedia();
  const first = makeTestCerts();
  const server = await startTestServer({ media: media.dir, logLevel: 'warn' }, first);
  t.teardown(() => server.close());
  const { H3Client } = await import('../src/transport/h3/client.js');
  const before = await H3Client.connect(server.origin, { ca: first.cert });
  t.teardown(() => before.close());
  t.equal((await before.request('/content/demo/master.m3u8')).status, 200);

  const renewed = makeTestCerts();
  copyFileSync(renewed.certFile, first.certFile);
  copyFileSync(renewed.keyFile, first.keyFile);
  await server.reload();

  const after = await H3Client.connect(server.origin, { ca: renewed.cert });
  t.teardown(() => after.close());
  t.equal((await after.request('/content/demo/master.m3u8')).status, 200, 'a new connection verifies against the renewed certificate');
  await t.rejects(H3Client.connect(server.origin, { ca: first.cert }), 'and no longer against the old one');
  t.equal((await before.request('/content/demo/v/init.mp4')).status, 200, 'the connection opened before the reload keeps working');
});
