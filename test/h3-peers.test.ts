import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestServer } from './helpers/server.js';
import { makeTestMedia } from './helpers/media.js';
import { run } from './helpers/run.js';
import { scratchDir } from './helpers/scratch.js';

// External peers over real sockets: ngtcp2's gtlsclient (HTTP/3), curl (HTTP/1.1), openssl (TLS versions).
const media = makeTestMedia();
const server = await startTestServer({ media: media.dir });
t.teardown(() => server.close());

t.test('gtlsclient (ngtcp2) downloads the same files byte-exact over HTTP/3', async (t) => {
  const out = scratchDir('h3edge-gtls-');
  const paths = ['demo/v/seg-9.m4s', 'demo/v/init.mp4', 'demo/master.m3u8'];
  const r = await run(
    'gtlsclient',
    ['--exit-on-all-streams-close', '-q', '--download', out, '127.0.0.1', String(server.port), ...paths.map((p) => `https://localhost:${server.port}/content/${p}`)],
    { timeoutMs: 30_000 },
  );
  t.equal(r.code, 0, `gtlsclient exit (${r.stderr.slice(-300)})`);
  for (const p of paths) {
    const name = p.split('/').pop() as string;
    t.ok(readFileSync(join(out, name)).equals(media.files[p] as Buffer), `${p} byte-exact`);
  }
});

t.test('curl over HTTP/1.1 works and sees Alt-Svc', async (t) => {
  const r = await run('curl', ['-sS', '--http1.1', '--cacert', server.certs.certFile, '-D', '-', '-o', '/dev/null', `${server.origin}/content/demo/master.m3u8`]);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /^HTTP\/1\.1 200/m);
  t.match(r.stdout, new RegExp(`^alt-svc: h3=":${server.port}"`, 'im'));
});

t.test('HTTP/2 responses advertise h3 via Alt-Svc', async (t) => {
  const r = await run('curl', ['-sS', '--http2', '--cacert', server.certs.certFile, '-D', '-', '-o', '/dev/null', `${server.origin}/healthz`]);
  t.match(r.stdout, /^HTTP\/2 200/m);
  t.match(r.stdout, new RegExp(`^alt-svc: h3=":${server.port}"; ma=86400`, 'im'));
});

t.test('TLS 1.2 clients are refused, TLS 1.3 accepted', async (t) => {
  const old = await run('openssl', ['s_client', '-connect', `127.0.0.1:${server.port}`, '-tls1_2', '-servername', 'localhost'], { timeoutMs: 10_000 });
  t.not(old.code, 0, 'TLS 1.2 handshake fails');
  t.match(old.stdout + old.stderr, /alert protocol version/);
  const modern = await run('openssl', ['s_client', '-connect', `127.0.0.1:${server.port}`, '-tls1_3', '-servername', 'localhost', '-alpn', 'h2'], { timeoutMs: 10_000 });
  t.match(modern.stdout, /New, TLSv1\.3, Cipher is TLS_/);
  t.match(modern.stdout, /ALPN protocol: h2/);
});
