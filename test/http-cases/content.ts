import { randomUUID } from 'node:crypto';
import type { HttpCase } from './case.js';
import { expectError } from './case.js';

// Serving files under /content/: GET and HEAD, ranges, validators, the media directory's edge.

const SEGMENT = '/content/demo/v/seg-9.m4s';
const INIT = '/content/demo/v/init.mp4';

/** Response fields HEAD must repeat from GET (RFC 9110 §9.3.2). */
const REPRESENTATION_FIELDS = ['content-length', 'content-type', 'etag', 'last-modified', 'accept-ranges', 'cache-control'];

export const contentCases = [
  {
    name: 'GET: a file byte-exact, with validators and its media type',
    async run(t, { client, media }) {
      const seg = media.files['demo/v/seg-9.m4s'] as Buffer;
      const r = await client.request(SEGMENT);
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
    },
  },
  {
    name: 'HEAD: the fields of GET with the same content-length, and no body',
    async run(t, { client }) {
      for (const path of [SEGMENT, '/content/demo/master.m3u8']) {
        const get = await client.request(path);
        const head = await client.request(path, { method: 'HEAD' });
        t.equal(head.status, 200, `${path}: 200`);
        t.equal(head.body.length, 0, `${path}: no body`);
        for (const field of REPRESENTATION_FIELDS) t.equal(head.headers[field], get.headers[field], `${path}: ${field} as for GET`);
      }
      const get = await client.request('/content/demo/none.m4s');
      const head = await client.request('/content/demo/none.m4s', { method: 'HEAD' });
      t.equal(head.status, 404, 'HEAD of a missing file: 404');
      t.equal(head.body.length, 0, 'HEAD of an error: no body');
      t.equal(head.headers['content-length'], get.headers['content-length'], "HEAD of an error: the error's content-length");
      t.equal(head.headers['content-type'], get.headers['content-type']);
    },
  },
  {
    name: 'single ranges are byte-exact',
    async run(t, { client, media, server }) {
      const seg = media.files['demo/v/seg-9.m4s'] as Buffer;
      const cases: Array<[string, number, number]> = [
        ['bytes=0-0', 0, 0],
        ['bytes=100-199', 100, 199],
        ['bytes=2999000-', 2_999_000, seg.length - 1],
        ['bytes=-500', seg.length - 500, seg.length - 1],
        ['bytes=2999990-9999999', 2_999_990, seg.length - 1],
      ];
      for (const [range, start, end] of cases) {
        const r = await client.request(SEGMENT, { headers: { range } });
        t.equal(r.status, 206, range);
        t.equal(r.headers['content-range'], `bytes ${start}-${end}/${seg.length}`, range);
        t.equal(r.headers['content-length'], String(end - start + 1), range);
        t.ok(r.body.equals(seg.subarray(start, end + 1)), `${range} byte-exact`);
      }
      const marked = `${SEGMENT}?${randomUUID()}`;
      t.equal((await client.request(marked, { headers: { range: 'bytes=100-199' } })).status, 206);
      const [line] = await server.logged((l) => l.msg === 'access' && l.path === marked);
      t.equal(line?.range, 'bytes=100-199', 'the access line has the range…');
      t.equal(line?.status, 206, '…the status…');
      t.equal(line?.bytes, 100, '…and the bytes sent');
      const head = await client.request(SEGMENT, { method: 'HEAD', headers: { range: 'bytes=100-199' } });
      t.equal(head.status, 206, 'HEAD with a range: 206');
      t.equal(head.headers['content-range'], `bytes 100-199/${seg.length}`);
      t.equal(head.body.length, 0, 'and no body');
    },
  },
  {
    name: 'several ranges come as multipart/byteranges',
    async run(t, { client, media }) {
      const seg = media.files['demo/v/seg-9.m4s'] as Buffer;
      const r = await client.request(SEGMENT, { headers: { range: 'bytes=0-9,20-29' } });
      t.equal(r.status, 206);
      const boundary = /^multipart\/byteranges; boundary=(.+)$/.exec(r.headers['content-type'] ?? '')?.[1];
      t.ok(boundary, 'multipart/byteranges with a boundary');
      t.equal(Number(r.headers['content-length']), r.body.length, 'exact length declared');
      const parts = r.body.toString('latin1').split(`--${boundary}`);
      t.equal(parts.length, 4, 'two parts between the boundaries, then the closing one');
      t.match(parts[1], `content-range: bytes 0-9/${seg.length}`);
      t.match(parts[2], `content-range: bytes 20-29/${seg.length}`);
      t.equal(parts[3], '--\r\n', 'closing boundary');
      t.ok(r.body.includes(seg.subarray(0, 10)), 'first part bytes present');
      t.ok(r.body.includes(seg.subarray(20, 30)), 'second part bytes present');
      const merged = await client.request(SEGMENT, { headers: { range: 'bytes=0-9,5-19' } });
      t.equal(merged.status, 206, 'overlapping ranges are merged');
      t.equal(merged.headers['content-range'], `bytes 0-19/${seg.length}`, 'into one part');
      t.ok(merged.body.equals(seg.subarray(0, 20)));
    },
  },
  {
    name: 'an unsatisfiable range is 416 with the size',
    async run(t, { client, media }) {
      const seg = media.files['demo/v/seg-9.m4s'] as Buffer;
      const r = await client.request(SEGMENT, { headers: { range: `bytes=${seg.length}-` } });
      expectError(t, r, 416, 'range_not_satisfiable');
      t.equal(r.headers['content-range'], `bytes */${seg.length}`);
      const ignored = await client.request(INIT, { headers: { range: 'lines=1-2' } });
      t.equal(ignored.status, 200, 'a range unit the server does not know is ignored (RFC 9110 §14.2)');
    },
  },
  {
    name: 'conditional requests: 304, 412 and If-Range',
    async run(t, { client, media }) {
      const init = media.files['demo/v/init.mp4'] as Buffer;
      const first = await client.request(INIT);
      const etag = first.headers.etag as string;
      const inm = await client.request(INIT, { headers: { 'if-none-match': etag } });
      t.equal(inm.status, 304);
      t.equal(inm.body.length, 0);
      t.equal(inm.headers.etag, etag);
      const ims = await client.request(INIT, { headers: { 'if-modified-since': first.headers['last-modified'] as string } });
      t.equal(ims.status, 304);
      const other = await client.request(INIT, { headers: { 'if-none-match': '"nope"' } });
      t.equal(other.status, 200);
      const stale = await client.request(INIT, { headers: { 'if-range': '"stale"', range: 'bytes=0-9' } });
      t.equal(stale.status, 200, 'If-Range mismatch sends the whole file');
      t.ok(stale.body.equals(init), 'the whole file');
      const fresh = await client.request(INIT, { headers: { 'if-range': etag, range: 'bytes=0-9' } });
      t.equal(fresh.status, 206, 'If-Range match honours the range');
      t.ok(fresh.body.equals(init.subarray(0, 10)));
      const dated = await client.request(INIT, { headers: { 'if-range': first.headers['last-modified'] as string, range: 'bytes=0-9' } });
      t.equal(dated.status, 206, 'If-Range with the Last-Modified date honours the range');
      const failed = await client.request(INIT, { headers: { 'if-match': '"nope"' } });
      expectError(t, failed, 412, 'precondition_failed');
      const matched = await client.request(INIT, { headers: { 'if-match': etag } });
      t.equal(matched.status, 200, 'If-Match with the current ETag passes');
    },
  },
  {
    name: 'content routes take GET and HEAD only: 405 with Allow',
    async run(t, { client }) {
      for (const method of ['DELETE', 'PUT']) {
        const r = await client.request(INIT, { method });
        expectError(t, r, 405, 'method_not_allowed', `${method} ${INIT}`);
        t.equal(r.headers.allow, 'GET, HEAD', `${method}: Allow names the methods`);
      }
    },
  },
  {
    name: 'path traversal never escapes the media directory',
    async run(t, { client }) {
      for (const path of [
        '/content/../package.json',
        '/content/../../../../etc/passwd',
        '/content/%2e%2e/package.json',
        '/content/demo/..%2f..%2fpackage.json',
        '/content/demo/%2e%2e%2f%2e%2e%2fetc/passwd',
        '/content/%252e%252e/%252e%252e/etc/passwd',
        '/content/demo/v%00/init.mp4',
        '/content/demo/%00',
        '/content/%2e%2e%5c%2e%2e%5cetc',
        '/content/demo\\..\\..\\package.json',
      ]) {
        const r = await client.request(path);
        t.ok(r.status === 400 || r.status === 404, `${path} → ${r.status}`);
        t.equal(r.headers['content-type'], 'application/json; charset=utf-8', `${path} error is JSON`);
        t.notMatch(r.body.toString(), /"name"|root:/, `${path} leaks nothing`);
      }
      expectError(t, await client.request('/content/demo/none.m4s'), 404, 'not_found', 'a missing file');
      const dir = await client.request('/content/demo/v');
      t.equal(dir.status, 404, 'a directory is not served');
    },
  },
  {
    name: 'a symlink in the media directory is followed inside it, never outside',
    async run(t, { client, media }) {
      const inside = await client.request('/content/linked/v/init.mp4');
      t.equal(inside.status, 200, 'a link to a title directory inside serves');
      t.ok(inside.body.equals(media.files['demo/v/init.mp4'] as Buffer), 'byte-exact through the link');
      const escaped = await client.request('/content/escape/package.json');
      t.equal(escaped.status, 404, 'a link out of the media directory is a 404');
      t.notMatch(escaped.body.toString(), /"name"/, 'nothing of the target leaks');
    },
  },
] as const satisfies readonly HttpCase[];
