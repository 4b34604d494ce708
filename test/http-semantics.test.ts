import t from 'tap';
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { startTestServer, type TestServer } from './helpers/server.js';
import { h2Client, h3Client, type ProtocolClient } from './helpers/clients.js';
import { makeTestMedia } from './helpers/media.js';

// One suite, two transports: a behaviour that differs between h2 and h3 is a bug.
const media = makeTestMedia();
// One link that stays inside the media directory and one that leaves it (to the repository).
symlinkSync(join(media.dir, 'demo'), join(media.dir, 'linked'));
symlinkSync(join(import.meta.dirname, '..'), join(media.dir, 'escape'));
let server: TestServer;
t.before(async () => {
  server = await startTestServer({ media: media.dir });
});
t.teardown(() => server.close());

for (const connect of [h2Client, h3Client]) {
  t.test(`${connect.name.replace('Client', '')} semantics`, async (t) => {
    const client: ProtocolClient = await connect(server.origin, server.certs.cert);
    t.teardown(() => client.close());
    const seg = media.files['demo/v/seg-9.m4s'] as Buffer;

    t.test('GET returns the file byte-exact with validators and media types', async (t) => {
      const r = await client.request('/content/demo/v/seg-9.m4s');
      t.equal(r.status, 200);
      t.ok(r.body.equals(seg), 'body byte-exact');
      t.equal(r.headers['content-length'], String(seg.length));
      t.equal(r.headers['content-type'], 'video/iso.segment');
      t.match(r.headers.etag, /^"[^"]+"$/);
      t.ok(r.headers['last-modified']);
      t.equal(r.headers['accept-ranges'], 'bytes');
      t.match(r.headers['cache-control'], /immutable/);
      const m = await client.request('/content/demo/master.m3u8');
      t.equal(m.headers['content-type'], 'application/vnd.apple.mpegurl');
      t.match(m.headers['cache-control'], /max-age=2\b/);
      const types: Record<string, RegExp> = {
        'demo/manifest.mpd': /^application\/dash\+xml/,
        'demo/v/init.mp4': /^video\/mp4/,
        'demo/subs/en.vtt': /^text\/vtt/,
        'demo/subs/en.ttml': /^application\/ttml\+xml/,
        'catalog.json': /^application\/json/,
        'art/poster.avif': /^image\/avif/,
        'art/poster.webp': /^image\/webp/,
      };
      for (const [path, type] of Object.entries(types)) {
        const res = await client.request(`/content/${path}`);
        t.equal(res.status, 200, path);
        t.match(res.headers['content-type'], type, path);
        t.ok(res.body.equals(media.files[path] as Buffer), `${path} byte-exact`);
      }
    });

    t.test('HEAD has the headers and no body', async (t) => {
      const r = await client.request('/content/demo/v/seg-9.m4s', { method: 'HEAD' });
      t.equal(r.status, 200);
      t.equal(r.headers['content-length'], String(seg.length));
      t.equal(r.body.length, 0);
    });

    t.test('single ranges are byte-exact', async (t) => {
      const cases: Array<[string, number, number]> = [
        ['bytes=0-0', 0, 0],
        ['bytes=100-199', 100, 199],
        ['bytes=2999000-', 2_999_000, seg.length - 1],
        ['bytes=-500', seg.length - 500, seg.length - 1],
        ['bytes=2999990-9999999', 2_999_990, seg.length - 1],
      ];
      for (const [range, start, end] of cases) {
        const r = await client.request('/content/demo/v/seg-9.m4s', { headers: { range } });
        t.equal(r.status, 206, range);
        t.equal(r.headers['content-range'], `bytes ${start}-${end}/${seg.length}`, range);
        t.equal(r.headers['content-length'], String(end - start + 1), range);
        t.ok(r.body.equals(seg.subarray(start, end + 1)), `${range} byte-exact`);
      }
    });

    t.test('several ranges come as multipart/byteranges', async (t) => {
      const r = await client.request('/content/demo/v/seg-9.m4s', { headers: { range: 'bytes=0-9,20-29' } });
      t.equal(r.status, 206);
      const boundary = /boundary=(.+)$/.exec(r.headers['content-type'] ?? '')?.[1];
      t.ok(boundary, 'multipart boundary');
      t.equal(Number(r.headers['content-length']), r.body.length);
      const text = r.body.toString('latin1');
      t.match(text, `content-range: bytes 0-9/${seg.length}`);
      t.match(text, `content-range: bytes 20-29/${seg.length}`);
      t.ok(r.body.includes(seg.subarray(20, 30)), 'second part bytes present');
    });

    t.test('unsatisfiable range is 416 with the size', async (t) => {
      const r = await client.request('/content/demo/v/seg-9.m4s', { headers: { range: `bytes=${seg.length}-` } });
      t.equal(r.status, 416);
      t.equal(r.headers['content-range'], `bytes */${seg.length}`);
      t.equal(JSON.parse(r.body.toString()).error.code, 'range_not_satisfiable');
    });

    t.test('conditional requests', async (t) => {
      const first = await client.request('/content/demo/v/init.mp4');
      const etag = first.headers.etag as string;
      const inm = await client.request('/content/demo/v/init.mp4', { headers: { 'if-none-match': etag } });
      t.equal(inm.status, 304);
      t.equal(inm.body.length, 0);
      t.equal(inm.headers.etag, etag);
      const ims = await client.request('/content/demo/v/init.mp4', { headers: { 'if-modified-since': first.headers['last-modified'] as string } });
      t.equal(ims.status, 304);
      const other = await client.request('/content/demo/v/init.mp4', { headers: { 'if-none-match': '"nope"' } });
      t.equal(other.status, 200);
      const stale = await client.request('/content/demo/v/init.mp4', { headers: { 'if-range': '"stale"', range: 'bytes=0-9' } });
      t.equal(stale.status, 200, 'If-Range mismatch sends the whole file');
      t.equal(stale.body.length, 1500);
      const fresh = await client.request('/content/demo/v/init.mp4', { headers: { 'if-range': etag, range: 'bytes=0-9' } });
      t.equal(fresh.status, 206, 'If-Range match honours the range');
      const failed = await client.request('/content/demo/v/init.mp4', { headers: { 'if-match': '"nope"' } });
      t.equal(failed.status, 412);
    });

    t.test('path traversal never escapes the media directory', async (t) => {
      for (const path of [
        '/content/../package.json',
        '/content/%2e%2e/package.json',
        '/content/demo/..%2f..%2fpackage.json',
        '/content/demo/%2e%2e%2f%2e%2e%2fetc/passwd',
        '/content/demo/v%00/init.mp4',
        '/content/demo\\..\\..\\package.json',
      ]) {
        const r = await client.request(path);
        t.ok(r.status === 400 || r.status === 404, `${path} → ${r.status}`);
        t.equal(r.headers['content-type'], 'application/json; charset=utf-8', `${path} error is JSON`);
        t.notMatch(r.body.toString(), /"name"|root:/, `${path} leaks nothing`);
      }
      const missing = await client.request('/content/demo/none.m4s');
      t.equal(missing.status, 404);
      t.same(JSON.parse(missing.body.toString()), { error: { code: 'not_found', message: 'Not found' } });
      const dir = await client.request('/content/demo/v');
      t.equal(dir.status, 404, 'a directory is not served');
    });

    t.test('a symlink in the media directory is followed inside it, never outside', async (t) => {
      const inside = await client.request('/content/linked/v/init.mp4');
      t.equal(inside.status, 200, 'a link to a title directory inside serves');
      t.ok(inside.body.equals(media.files['demo/v/init.mp4'] as Buffer), 'byte-exact through the link');
      const escaped = await client.request('/content/escape/package.json');
      t.equal(escaped.status, 404, 'a link out of the media directory is a 404');
      t.notMatch(escaped.body.toString(), /"name"/, 'nothing of the target leaks');
    });

    t.test('CORS preflight and exposed headers', async (t) => {
      const pre = await client.request('/content/demo/v/seg-1.m4s', {
        method: 'OPTIONS',
        headers: { origin: 'https://player.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'range' },
      });
      t.equal(pre.status, 204);
      t.equal(pre.headers['access-control-allow-origin'], '*');
      t.match(pre.headers['access-control-allow-methods'], /GET/);
      t.match(pre.headers['access-control-allow-headers'], /range/i);
      const r = await client.request('/content/demo/v/seg-1.m4s', { headers: { origin: 'https://player.example', range: 'bytes=0-1' } });
      t.equal(r.headers['access-control-allow-origin'], '*');
      t.match(r.headers['access-control-expose-headers'], /Content-Range/);
    });

    t.test('unknown routes and methods', async (t) => {
      t.equal((await client.request('/nope')).status, 404);
      const del = await client.request('/content/demo/v/init.mp4', { method: 'DELETE' });
      t.equal(del.status, 405);
      t.match(del.headers.allow, /GET/);
      const health = await client.request('/healthz');
      t.equal(health.status, 200);
      t.equal(JSON.parse(health.body.toString()).status, 'ok');
    });
  });
}

t.test('every request is access-logged once with its transport', async (t) => {
  const lines = server.logs.filter((l) => l.msg === 'access');
  t.ok(lines.some((l) => l.transport === 'h2'));
  t.ok(lines.some((l) => l.transport === 'h3'));
  const ranged = lines.find((l) => l.range === 'bytes=100-199');
  t.ok(ranged, 'range is logged');
  t.equal(ranged?.status, 206);
  t.equal(ranged?.bytes, 100);
  t.type(ranged?.durationMs, 'number');
});

t.test('the h3 transport knows the client address (CDN ranking uses it)', async (t) => {
  const client = await h3Client(server.origin, server.certs.cert);
  t.teardown(() => client.close());
  const original = server.logs.length;
  await client.request('/healthz?who');
  const line = server.logs.slice(original).find((l) => l.msg === 'access' && l.path === '/healthz?who');
  t.match(String(line?.remote), /127\.0\.0\.1/, 'access log names the client address');
});
