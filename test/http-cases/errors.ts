import type { HttpCase } from './case.js';
import { expectError } from './case.js';

// Refusals and the operator endpoints: what a bad or unusual request gets back.

/** The playback route's body limit (src/playback/routes.ts): more is 413. */
const PLAYBACK_BODY_LIMIT = 16 * 1024;

export const errorCases = [
  {
    name: 'errors are small JSON with a stable code',
    async run(t, { client }) {
      for (const path of ['/nope', '/content/demo/none.m4s']) {
        const r = await client.request(path);
        expectError(t, r, 404, 'not_found', path);
        t.same(JSON.parse(r.body.toString()), { error: { code: 'not_found', message: 'Not found' } }, `${path}: the public message`);
      }
    },
  },
  {
    name: 'operator endpoints: GET and HEAD of /healthz, /readyz and /metrics',
    async run(t, { client }) {
      const health = await client.request('/healthz');
      t.equal(health.status, 200);
      t.equal(JSON.parse(health.body.toString()).status, 'ok');
      t.equal(health.headers['content-length'], String(health.body.length));
      // Readiness may still be warming the cache: 503 then, with the same JSON shape.
      const ready = await client.request('/readyz');
      t.ok(ready.status === 200 || ready.status === 503, `/readyz → ${ready.status}`);
      t.equal(JSON.parse(ready.body.toString()).status, ready.status === 200 ? 'ready' : 'not_ready', '/readyz body says what the status says');
      const metrics = await client.request('/metrics');
      t.equal(metrics.status, 200);
      t.match(metrics.headers['content-type'], /^text\/plain; version=0\.0\.4/);
      t.match(metrics.body.toString(), /^# HELP h3edge_/m, 'Prometheus text');
      // Their bodies change from one request to the next (uptime, counters): HEAD's length is
      // compared exactly on files ('HEAD: …'); here it must be there, and the other fields as GET's.
      for (const [path, get] of [['/healthz', health], ['/readyz', ready], ['/metrics', metrics]] as const) {
        const head = await client.request(path, { method: 'HEAD' });
        t.ok(head.status === 200 || (path === '/readyz' && head.status === 503), `HEAD ${path} → ${head.status}`);
        t.equal(head.body.length, 0, `HEAD ${path}: no body`);
        t.match(head.headers['content-length'], /^[1-9]\d*$/, `HEAD ${path}: the length GET would have`);
        t.equal(head.headers['content-type'], get.headers['content-type'], `HEAD ${path}: content-type as GET`);
        t.equal(head.headers['cache-control'], get.headers['cache-control'], `HEAD ${path}: cache-control as GET`);
      }
    },
  },
  {
    name: '404 for an unknown path, 405 with Allow for a method a route does not take',
    async run(t, { client }) {
      expectError(t, await client.request('/nope'), 404, 'not_found', 'GET /nope');
      expectError(t, await client.request('/nope', { method: 'DELETE' }), 404, 'not_found', 'DELETE /nope');
      for (const method of ['DELETE', 'POST']) {
        const r = await client.request('/healthz', { method });
        expectError(t, r, 405, 'method_not_allowed', `${method} /healthz`);
        t.equal(r.headers.allow, 'GET, HEAD', `${method} /healthz: Allow`);
      }
    },
  },
  {
    name: '414: a request target over 8 KiB',
    async run(t, { client }) {
      expectError(t, await client.request(`/content/${'a'.repeat(9000)}`), 414, 'uri_too_long', '9,009-byte target');
      expectError(t, await client.request(`/healthz?${'q'.repeat(8200)}`), 414, 'uri_too_long', 'a long query counts');
      expectError(t, await client.request(`/content/${'a'.repeat(8000)}`), 404, 'not_found', 'just under the limit: routed');
    },
  },
  {
    name: "413: a body over the playback route's limit, declared or not",
    async run(t, { client }) {
      const json = { 'content-type': 'application/json' };
      const over = Buffer.alloc(PLAYBACK_BODY_LIMIT + 4096, 0x20);
      const declared = await client.request('/v1/playback', { method: 'POST', headers: { ...json, 'content-length': String(over.length) }, body: over });
      expectError(t, declared, 413, 'payload_too_large', 'a declared length over 16 KiB');
      // HTTP/2 and HTTP/3 send this one without a length (read until the limit); node's HTTP/1.1 client declares it.
      const streamed = await client.request('/v1/playback', { method: 'POST', headers: json, body: over });
      expectError(t, streamed, 413, 'payload_too_large', 'the same body without a declared length');
      t.equal((await client.request('/healthz')).status, 200, 'the connection (or a new one) still serves');
    },
  },
  {
    name: '413: a declared body to a route that takes none',
    async run(t, { client }) {
      const health = await client.request('/healthz', { headers: { 'content-length': '10' }, body: Buffer.from('0123456789') });
      expectError(t, health, 413, 'payload_too_large', 'GET /healthz with a body');
      t.equal((await client.request('/healthz')).status, 200, 'the connection (or a new one) still serves');
    },
  },
  {
    name: 'Early-Data: 1 from an intermediary: an unsafe request is 425, a safe one is served',
    async run(t, { client }) {
      // RFC 8470 §5.1: a front end that took the request in 0-RTT says so with this field.
      const relayed = { 'early-data': '1' };
      const post = await client.request('/v1/playback', { method: 'POST', headers: { ...relayed, 'content-type': 'application/json' }, body: Buffer.from('{}') });
      expectError(t, post, 425, 'too_early', 'POST relayed from early data');
      t.equal((await client.request('/healthz', { headers: relayed })).status, 200, 'GET relayed from early data is served');
      t.equal((await client.request('/healthz', { method: 'HEAD', headers: relayed })).status, 200, 'HEAD too');
    },
  },
  {
    name: '0-RTT: an unsafe request in early data is 425, a safe one is answered',
    async run(t, { earlyData, media, server }) {
      if (!earlyData) {
        t.fail('this registration has no early-data client: skip the case with the reason its transport cannot send 0-RTT');
        return;
      }
      const get = await earlyData.request('/content/demo/v/init.mp4?early');
      t.ok(get.accepted, 'the server took the early data');
      t.equal(get.status, 200);
      t.ok(get.body.equals(media.files['demo/v/init.mp4'] as Buffer), 'body byte-exact');
      const [line] = await server.logged((l) => l.msg === 'access' && l.path === '/content/demo/v/init.mp4?early');
      t.equal(line?.earlyData, true, 'the access log marks it as early data');
      const post = await earlyData.request('/v1/playback', { method: 'POST', body: Buffer.from('{"titleId":"demo"}') });
      t.ok(post.accepted, 'the POST went in early data too');
      t.equal(post.status, 425, 'RFC 8470 §5.2: 425 Too Early');
    },
  },
] as const satisfies readonly HttpCase[];
