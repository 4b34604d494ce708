import { randomUUID } from 'node:crypto';
import type { HttpCase } from './case.js';

// What every response carries whatever it is: CORS, priority handling, Alt-Svc, the access line.

const SEGMENT = '/content/demo/v/seg-1.m4s';
const INIT = '/content/demo/v/init.mp4';
const ORIGIN = 'https://player.example';

export const protocolCases = [
  {
    name: 'CORS: preflight, and exposed headers on media',
    async run(t, { client }) {
      const pre = await client.request(SEGMENT, {
        method: 'OPTIONS',
        headers: { origin: ORIGIN, 'access-control-request-method': 'GET', 'access-control-request-headers': 'range' },
      });
      t.equal(pre.status, 204);
      t.equal(pre.body.length, 0, 'no body');
      t.equal(pre.headers['access-control-allow-origin'], '*');
      t.match(pre.headers['access-control-allow-methods'], /GET/);
      t.match(pre.headers['access-control-allow-headers'], /range/i);
      t.match(pre.headers['access-control-max-age'], /^\d+$/);
      const r = await client.request(SEGMENT, { headers: { origin: ORIGIN, range: 'bytes=0-1' } });
      t.equal(r.status, 206);
      t.equal(r.headers['access-control-allow-origin'], '*');
      t.match(r.headers['access-control-expose-headers'], /Content-Range/);
      t.equal(r.headers['timing-allow-origin'], '*', 'players may read resource timing');
      const plain = await client.request(SEGMENT, { headers: { range: 'bytes=0-1' } });
      t.equal(plain.headers['access-control-allow-origin'], undefined, 'no CORS fields without an Origin');
    },
  },
  {
    name: 'CORS: every answer to a request with an Origin, errors too',
    async run(t, { client }) {
      for (const [path, status] of [['/healthz', 200], ['/nope', 404]] as const) {
        const r = await client.request(path, { headers: { origin: ORIGIN } });
        t.equal(r.status, status, path);
        t.equal(r.headers['access-control-allow-origin'], '*', `${path}: a page of another origin can read it`);
        t.match(r.headers['access-control-expose-headers'], /Content-Length/, `${path}: exposed headers`);
      }
    },
  },
  {
    name: 'Date: every answer carries the server clock (RFC 9110 §6.6.1)',
    async run(t, { client }) {
      // The same file twice (over HTTP/3 the second may be answered inside the engine), a route, an error.
      for (const path of [INIT, INIT, '/healthz', '/nope']) {
        const r = await client.request(path);
        const date = r.headers.date;
        t.match(date, /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/, `${path} (${r.status}): an IMF-fixdate`);
        t.ok(Math.abs(Date.parse(date ?? '') - Date.now()) < 5000, `${path}: now`);
      }
    },
  },
  {
    name: 'Priority: the field is taken, a malformed one ignored',
    async run(t, { client, media }) {
      const init = media.files['demo/v/init.mp4'] as Buffer;
      // RFC 9218 §4: unknown or out-of-range parameters are ignored, never refused.
      for (const priority of ['u=0, i', 'u=7', 'i', 'u=9', 'u=-1', 'garbage;;=', '']) {
        const r = await client.request(INIT, { headers: { priority } });
        t.equal(r.status, 200, `priority "${priority}" → 200`);
        t.ok(r.body.equals(init), `priority "${priority}": byte-exact`);
      }
    },
  },
  {
    name: 'Alt-Svc: a TCP response names HTTP/3 on the same port',
    async run(t, { client, server }) {
      const altSvc = `h3=":${server.port}"; ma=86400`;
      t.equal((await client.request(INIT)).headers['alt-svc'], altSvc, 'on a file');
      t.equal((await client.request('/nope')).headers['alt-svc'], altSvc, 'on an error');
      t.equal((await client.request(INIT, { method: 'HEAD' })).headers['alt-svc'], altSvc, 'on HEAD');
    },
  },
  {
    name: 'access log: one line per request, with its transport and the client address',
    async run(t, { client, server }) {
      const mark = randomUUID();
      const access = (path: string) => (l: Record<string, unknown>) => l.msg === 'access' && l.path === path;
      const getPath = `/healthz?get-${mark}`;
      const r = await client.request(getPath);
      t.equal(r.status, 200);
      const [line] = await server.logged(access(getPath));
      t.equal(line?.transport, client.name, 'the transport');
      t.match(String(line?.remote), /^(::ffff:)?127\.0\.0\.1$/, 'the client address (CDN ranking uses it)');
      t.equal(line?.method, 'GET');
      t.equal(line?.status, 200);
      t.equal(line?.bytes, r.body.length, 'the body bytes sent');
      t.equal(line?.route, '/healthz', 'the route pattern');
      t.type(line?.durationMs, 'number');
      const headPath = `/healthz?head-${mark}`;
      await client.request(headPath, { method: 'HEAD' });
      const [head] = await server.logged(access(headPath));
      t.equal(head?.bytes, 0, 'HEAD: no body bytes');
      // The HEAD was sent after the GET completed: by its line, any second line of the GET would be there.
      t.equal(server.logs.filter(access(getPath)).length, 1, 'exactly one line for the GET');
    },
  },
] as const satisfies readonly HttpCase[];
