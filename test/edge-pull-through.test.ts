import t from 'tap';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import http2 from 'node:http2';
import { startTestServer, freePort, type TestServer } from './helpers/server.js';
import { h2Client } from './helpers/clients.js';
import { makeTestMedia } from './helpers/media.js';
import { makeTestCerts } from './helpers/certs.js';
import { scratchDir } from './helpers/scratch.js';

// An origin (tokens enforced) and edges that pull from it; same token keys, same certificate.
const certs = makeTestCerts();
const keyFile = join(scratchDir('h3edge-edge-keys-'), 'tokens.json');
writeFileSync(keyFile, JSON.stringify({ current: 'k1', keys: { k1: randomBytes(32).toString('base64') } }));
const originMedia = makeTestMedia();
const big = randomBytes(5 * 1024 * 1024);
writeFileSync(join(originMedia.dir, 'demo/v/big.m4s'), big);

const originRequests = (origin: TestServer, suffix: string): number =>
  origin.logs.filter((l) => l.msg === 'access' && String(l.path).endsWith(suffix)).length;

async function startEdge(upstreams: string[]): Promise<TestServer> {
  const media = scratchDir('h3edge-edge-media-');
  return startTestServer({ media, upstreams, upstreamCa: certs.certFile, tokenKeys: keyFile, openContent: true, logLevel: 'info' }, certs);
}

t.test('pull-through, request collapsing and upstream failover', async (t) => {
  const origin = await startTestServer({ media: originMedia.dir, tokenKeys: keyFile, openContent: false }, certs);
  t.teardown(() => origin.close());

  t.test('a cold miss is pulled through, then served locally with no upstream request', async (t) => {
    const edge = await startEdge([origin.origin]);
    t.teardown(() => edge.close());
    const client = await h2Client(edge.origin, certs.cert);
    t.teardown(() => client.close());
    const first = await client.request('/content/demo/v/big.m4s');
    t.equal(first.status, 200);
    t.ok(first.body.equals(big), 'byte-exact');
    t.equal(originRequests(origin, '/content/demo/v/big.m4s'), 1, 'one upstream request');
    const second = await client.request('/content/demo/v/big.m4s', { headers: { range: 'bytes=100-199' } });
    t.equal(second.status, 206);
    t.ok(second.body.equals(big.subarray(100, 200)));
    t.equal(originRequests(origin, '/content/demo/v/big.m4s'), 1, 'served from the edge: no new upstream request');
    // The first response streamed while the file arrived; storing it may trail the client by a moment.
    await edge.logged((l) => l.msg === 'pulled through');
    t.same(readdirSync(join(String(edge.logs.find((l) => l.msg === 'listening')?.media), '.partial')), [], 'no partial file left once stored');
  });

  t.test('100 concurrent misses for one file make one upstream request', async (t) => {
    const edge = await startEdge([origin.origin]);
    t.teardown(() => edge.close());
    const session = http2.connect(edge.origin, { ca: certs.cert });
    t.teardown(() => session.close());
    const fetchOne = (): Promise<Buffer> =>
      new Promise((resolve, reject) => {
        const req = session.request({ ':path': '/content/demo/v/seg-9.m4s' }, { endStream: true });
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => resolve(Buffer.concat(chunks)));
        req.on('error', reject);
      });
    const before = originRequests(origin, '/content/demo/v/seg-9.m4s');
    const bodies = await Promise.all(Array.from({ length: 100 }, fetchOne));
    t.ok(bodies.every((b) => b.equals(originMedia.files['demo/v/seg-9.m4s'] as Buffer)), 'all 100 byte-exact');
    t.equal(originRequests(origin, '/content/demo/v/seg-9.m4s') - before, 1, 'collapsed into one upstream request');
  });

  t.test('a dead first upstream is skipped; a lying one never completes a response and is logged by name', async (t) => {
    const deadPort = await freePort();
    const liar = http2.createSecureServer({ cert: certs.cert, key: await import('node:fs').then((fs) => fs.readFileSync(certs.keyFile)) }, (req, res) => {
      // Declares more bytes than it sends: a truncated body.
      res.writeHead(200, { 'content-length': '999999', 'content-type': 'video/iso.segment' });
      res.end(Buffer.alloc(1000, 7));
    });
    await new Promise<void>((r) => liar.listen(0, '127.0.0.1', () => r()));
    t.teardown(() => liar.close());
    const liarOrigin = `https://localhost:${(liar.address() as { port: number }).port}`;
    const edge = await startEdge([`https://localhost:${deadPort}`, liarOrigin, origin.origin]);
    t.teardown(() => edge.close());
    const client = await h2Client(edge.origin, certs.cert);
    t.teardown(() => client.close());
    // The liar's head (999,999 bytes) is streamed like any large file; when the good upstream
    // disagrees about the length, the client's response is cut with an error, never completed.
    const first = await client.request('/content/demo/v/init.mp4').then(
      (r) => `complete ${r.status}, ${r.body.length} bytes`,
      (err: Error) => `cut: ${err.message}`,
    );
    t.match(first, /^cut: /, `the response that began with the liar's bytes is cut (${first})`);
    const r = await client.request('/content/demo/v/init.mp4');
    t.equal(r.status, 200);
    t.ok(r.body.equals(originMedia.files['demo/v/init.mp4'] as Buffer), 'the liar is shut out at once: the next request is served byte-exact by the good upstream');
    const warnings = edge.logs.filter((l) => l.component === 'edge' && l.level === 40);
    t.ok(warnings.some((l) => l.upstream === `https://localhost:${deadPort}`), 'the dead upstream is logged by name');
    const liarLine = warnings.find((l) => l.upstream === liarOrigin);
    t.ok(liarLine, `the lying upstream is logged by name (${String(liarLine?.problem ?? liarLine?.err)})`);

    const metrics = (await client.request('/metrics')).body.toString();
    t.match(metrics, new RegExp(`h3edge_upstream_consecutive_failures\\{upstream="https://localhost:${deadPort}"\\} [1-9]`), 'upstream health is exported');
    t.match(metrics, new RegExp(`h3edge_upstream_up\\{upstream="${origin.origin.replace(/[.]/g, '\\.')}"\\} 1`));

    const onlyLiar = await startEdge([liarOrigin]);
    t.teardown(() => onlyLiar.close());
    const c2 = await h2Client(onlyLiar.origin, certs.cert);
    t.teardown(() => c2.close());
    const bad = await c2.request('/content/demo/v/init.mp4').then(
      (r) => `complete ${r.status}, ${r.body.length} bytes`,
      (err: Error) => `cut: ${err.message}`,
    );
    t.match(bad, /^cut: /, `with only a lying upstream, never a complete response (${bad})`);
    const edgeMedia = String(onlyLiar.logs.find((l) => l.msg === 'listening')?.media);
    t.notOk(existsSync(join(edgeMedia, 'demo/v/init.mp4')), 'nothing written');
  });

  t.test('an upstream dying mid-body: the rest comes from the next one by Range, byte-exact', async (t) => {
    const key = await import('node:fs').then((fs) => fs.readFileSync(certs.keyFile));
    // Sends the headers and the first 1 MB of big.m4s, then drops the connection.
    const dying = http2.createSecureServer({ cert: certs.cert, key }, (_req, res) => {
      res.writeHead(200, { 'content-length': String(big.length), 'content-type': 'video/iso.segment' });
      res.write(big.subarray(0, 1024 * 1024), () => setTimeout(() => res.stream.session?.destroy(), 50));
    });
    await new Promise<void>((r) => dying.listen(0, '127.0.0.1', () => r()));
    t.teardown(() => dying.close());
    const edge = await startEdge([`https://localhost:${(dying.address() as { port: number }).port}`, origin.origin]);
    t.teardown(() => edge.close());
    const client = await h2Client(edge.origin, certs.cert);
    t.teardown(() => client.close());
    const r = await client.request('/content/demo/v/big.m4s');
    t.equal(r.status, 200);
    t.ok(r.body.equals(big), 'one clean, byte-exact response');
    const continuation = origin.logs.find((l) => l.msg === 'access' && String(l.path).endsWith('/content/demo/v/big.m4s') && l.range === `bytes=${1024 * 1024}-`);
    t.ok(continuation, 'the next upstream was asked only for the rest');
  });

  t.test('a miss is streamed: a Range request is answered before the upstream has sent the whole file', async (t) => {
    const key = await import('node:fs').then((fs) => fs.readFileSync(certs.keyFile));
    const file = randomBytes(2 * 1024 * 1024);
    let release: () => void = () => {};
    const held = new Promise<void>((r) => (release = r));
    // Sends the first 256 KiB at once and the rest only when the test says so.
    const slow = http2.createSecureServer({ cert: certs.cert, key }, (_req, res) => {
      res.writeHead(200, { 'content-length': String(file.length), 'content-type': 'video/iso.segment' });
      res.write(file.subarray(0, 256 * 1024));
      void held.then(() => res.end(file.subarray(256 * 1024)));
    });
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', () => r()));
    t.teardown(() => {
      release();
      slow.close();
    });
    const edge = await startEdge([`https://localhost:${(slow.address() as { port: number }).port}`]);
    t.teardown(() => edge.close());
    const client = await h2Client(edge.origin, certs.cert);
    t.teardown(() => client.close());
    const whole = client.request('/content/demo/v/slow.m4s');
    const range = await client.request('/content/demo/v/slow.m4s', { headers: { range: 'bytes=1000-9999' } });
    t.equal(range.status, 206, 'answered while the upstream still holds most of the file');
    t.equal(range.headers['content-range'], `bytes 1000-9999/${file.length}`);
    t.ok(range.body.equals(file.subarray(1000, 10000)), 'range byte-exact');
    const edgeMedia = String(edge.logs.find((l) => l.msg === 'listening')?.media);
    t.notOk(existsSync(join(edgeMedia, 'demo/v/slow.m4s')), 'not stored yet: the upstream has not finished');
    release();
    const w = await whole;
    t.equal(w.status, 200);
    t.ok(w.body.equals(file), 'the full response that waited for the rest is byte-exact');
    // The file is written, then the edge says so.
    await edge.logged((l) => l.msg === 'pulled through');
    t.ok(existsSync(join(edgeMedia, 'demo/v/slow.m4s')), 'stored once complete');
  });

  t.test('a sustained slow upstream is left for the next one, which sends the rest', async (t) => {
    const key = await import('node:fs').then((fs) => fs.readFileSync(certs.keyFile));
    let timer: NodeJS.Timeout | undefined;
    // 16 KiB every 100 ms: about 1.3 Mbit/s, under the edge's 2 Mbit/s floor.
    const slow = http2.createSecureServer({ cert: certs.cert, key }, (_req, res) => {
      res.writeHead(200, { 'content-length': String(big.length), 'content-type': 'video/iso.segment' });
      let off = 0;
      timer = setInterval(() => {
        if (off >= big.length || res.destroyed) return clearInterval(timer);
        res.write(big.subarray(off, (off += 16 * 1024)));
      }, 100);
    });
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', () => r()));
    t.teardown(() => {
      clearInterval(timer);
      slow.close();
    });
    const slowOrigin = `https://localhost:${(slow.address() as { port: number }).port}`;
    const edge = await startEdge([slowOrigin, origin.origin]);
    t.teardown(() => edge.close());
    const client = await h2Client(edge.origin, certs.cert);
    t.teardown(() => client.close());
    const before = originRequests(origin, '/content/demo/v/big.m4s');
    const r = await client.request('/content/demo/v/big.m4s');
    t.equal(r.status, 200);
    t.ok(r.body.equals(big), 'byte-exact');
    const cutLine = edge.logs.find((l) => l.upstream === slowOrigin && /slow: \d+ kbit\/s/.test(String(l.err)));
    t.ok(cutLine, `the slow upstream was cut and logged by name (${String(cutLine?.err)})`);
    const rest = origin.logs.filter((l) => l.msg === 'access' && String(l.path).endsWith('/content/demo/v/big.m4s')).slice(before);
    t.match(String(rest[0]?.range), /^bytes=[1-9]\d*-$/, `the next upstream sent only the rest (${String(rest[0]?.range)})`);
  });

  t.test('a file the origin lacks is a 404 at the edge', async (t) => {
    const edge = await startEdge([origin.origin]);
    t.teardown(() => edge.close());
    const client = await h2Client(edge.origin, certs.cert);
    t.teardown(() => client.close());
    t.equal((await client.request('/content/demo/v/nope.m4s')).status, 404);
  });
});

t.test('a reload switches the upstream list of a running edge', async (t) => {
  const originA = await startTestServer({ media: originMedia.dir, tokenKeys: keyFile, openContent: false }, certs);
  t.teardown(() => originA.close());
  const mediaB = makeTestMedia();
  const onlyOnB = randomBytes(4000);
  writeFileSync(join(mediaB.dir, 'demo/v/only-b.m4s'), onlyOnB);
  const originB = await startTestServer({ media: mediaB.dir, tokenKeys: keyFile, openContent: false }, certs);
  t.teardown(() => originB.close());
  const edge = await startEdge([originA.origin]);
  t.teardown(() => edge.close());
  const client = await h2Client(edge.origin, certs.cert);
  t.teardown(() => client.close());
  t.equal((await client.request('/content/demo/v/only-b.m4s')).status, 404, 'not on the first upstream');

  await edge.reload({ ...edge.config, upstreams: [originB.origin] });
  const pulled = await client.request('/content/demo/v/only-b.m4s');
  t.equal(pulled.status, 200, 'pulled from the upstream the reload named');
  t.ok(pulled.body.equals(onlyOnB));
  t.equal(originRequests(originA, 'only-b.m4s'), 1, 'the dropped upstream is asked no more');
  t.match(edge.logs.find((l) => String(l.msg).startsWith('reloaded')), { changed: ['upstreams'] });
});
