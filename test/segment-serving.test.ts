import t from 'tap';
import { renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import http2 from 'node:http2';
import { startTestServer } from './helpers/server.js';
import { h2Client, h3Client } from './helpers/clients.js';
import { makeTestMedia } from './helpers/media.js';

// Segment serving through the cache, mapped and read, over both transports.
for (const cacheMode of ['mmap', 'read'] as const) {
  t.test(`cache mode ${cacheMode}`, async (t) => {
    const media = makeTestMedia();
    const file = randomBytes(3 * 1024 * 1024 + 5);
    writeFileSync(join(media.dir, 'demo/v/single.mp4'), file);
    const server = await startTestServer({ media: media.dir, cacheMode, logLevel: 'warn' });
    t.teardown(() => server.close());

    for (const connect of [h2Client, h3Client]) {
      const proto = connect === h2Client ? 'h2' : 'h3';
      t.test(`${proto}: 10,000 random ranges byte-exact`, async (t) => {
        const client = await connect(server.origin, server.certs.cert);
        t.teardown(() => client.close());
        let bad = 0;
        const CONCURRENCY = 32;
        for (let batch = 0; batch < 10_000 / CONCURRENCY + 1; batch++) {
          const n = Math.min(CONCURRENCY, 10_000 - batch * CONCURRENCY);
          if (n <= 0) break;
          await Promise.all(
            Array.from({ length: n }, async () => {
              const start = Math.floor(Math.random() * file.length);
              const end = Math.min(file.length - 1, start + Math.floor(Math.random() * 64 * 1024));
              const r = await client.request('/content/demo/v/single.mp4', { headers: { range: `bytes=${start}-${end}` } });
              if (r.status !== 206 || r.headers['content-range'] !== `bytes ${start}-${end}/${file.length}` || !r.body.equals(file.subarray(start, end + 1))) bad++;
            }),
          );
        }
        t.equal(bad, 0, 'every range right');
      });
    }

    t.test('a file replaced by rename mid-stream: the running response keeps the old bytes', async (t) => {
      const oldBytes = randomBytes(24 * 1024 * 1024);
      const newBytes = randomBytes(8 * 1024 * 1024);
      const p = join(media.dir, 'demo/v/replaced.m4s');
      writeFileSync(p, oldBytes);
      const session = http2.connect(server.origin, { ca: server.certs.cert });
      t.teardown(() => session.close());
      const req = session.request({ ':path': '/content/demo/v/replaced.m4s' }, { endStream: true });
      const chunks: Buffer[] = [];
      await once(req, 'response');
      chunks.push((await once(req, 'data'))[0] as Buffer);
      req.pause();
      writeFileSync(`${p}.next`, newBytes);
      renameSync(`${p}.next`, p);
      const client = await h2Client(server.origin, server.certs.cert);
      t.teardown(() => client.close());
      const fresh = await client.request('/content/demo/v/replaced.m4s');
      t.ok(fresh.body.equals(newBytes), 'a new request gets the new file');
      req.on('data', (c: Buffer) => chunks.push(c));
      req.resume();
      await once(req, 'end');
      t.ok(Buffer.concat(chunks).equals(oldBytes), 'the running response completed with the old file, no mixed bytes');
    });

    t.test('truncated or deleted while cached: clean answers, server up', async (t) => {
      const p = join(media.dir, 'demo/v/shrinks.m4s');
      const bytes = randomBytes(200_000);
      writeFileSync(p, bytes);
      const client = await h2Client(server.origin, server.certs.cert);
      t.teardown(() => client.close());
      t.equal((await client.request('/content/demo/v/shrinks.m4s')).body.length, 200_000);
      truncateSync(p, 5000);
      const shorter = await client.request('/content/demo/v/shrinks.m4s');
      t.equal(shorter.status, 200);
      t.ok(shorter.body.equals(bytes.subarray(0, 5000)), 'the truncated file, not stale or garbage bytes');
      const past = await client.request('/content/demo/v/shrinks.m4s', { headers: { range: 'bytes=100000-' } });
      t.equal(past.status, 416, 'a range past the new end is unsatisfiable');
      rmSync(p);
      t.equal((await client.request('/content/demo/v/shrinks.m4s')).status, 404);
      t.equal((await client.request('/healthz')).status, 200, 'server still answers');
    });

    t.test('cache metrics are exported', async (t) => {
      const client = await h2Client(server.origin, server.certs.cert);
      t.teardown(() => client.close());
      const text = (await client.request('/metrics')).body.toString();
      t.match(text, /h3edge_cache_lookups_total\{result="hit"\} [1-9]/);
      t.match(text, /h3edge_cache_bytes\{kind="budget"\} [1-9]/);
    });
  });
}
