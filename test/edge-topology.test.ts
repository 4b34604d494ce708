import t from 'tap';
import { cpSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { h2Client } from './helpers/clients.js';
import { makeTestCerts } from './helpers/certs.js';
import { makeTestMedia } from './helpers/media.js';
import { H3EDGE, run, spawnServe, type ServeProcess } from './helpers/run.js';
import { scratchDir } from './helpers/scratch.js';

// The tier as an operator runs it: two origins and an edge, each its own `h3edge serve` process,
// sharing one token key file (origins enforce tokens; the edge signs its upstream requests), and
// `h3edge fill` pre-positioning a title on a second edge.
const certs = makeTestCerts();
const work = scratchDir('h3edge-topology-');
t.teardown(() => rmSync(work, { recursive: true, force: true }));
const keyFile = join(work, 'tokens.json');
writeFileSync(keyFile, JSON.stringify({ current: 'k1', keys: { k1: randomBytes(32).toString('base64') } }));
const media = makeTestMedia();
const big = randomBytes(64 * 1024 * 1024);
writeFileSync(join(media.dir, 'demo/v/big.m4s'), big);
writeFileSync(join(media.dir, 'catalog.json'), JSON.stringify({ titles: [{ id: 'demo' }] }));
const mediaB = join(work, 'origin-b');
cpSync(media.dir, mediaB, { recursive: true });

const tls = ['--cert', certs.certFile, '--key', certs.keyFile, '--host', '127.0.0.1', '--port', '0', '--token-keys', keyFile, '--log-level', 'info'];
const origin = (p: ServeProcess) => `https://localhost:${p.port}`;
/** An access-log line for a path ending in `suffix` (its query left out). */
const accessTo = (suffix: string) => (l: Record<string, unknown>): boolean => l.msg === 'access' && String(l.path).split('?')[0]!.endsWith(suffix);
/** Access-log lines of a process for paths ending in `suffix`, written so far. */
const accesses = (p: ServeProcess, suffix: string): Array<Record<string, unknown>> => p.logs().filter(accessTo(suffix));
/**
 * The first access line of a process for a path ending in `suffix`, once written: a node writes it
 * when its response completes (the last byte acknowledged), which can come after the edge has
 * passed the body on to the client.
 */
const accessed = async (p: ServeProcess, suffix: string): Promise<Record<string, unknown>> => (await p.logged(accessTo(suffix)))[0] as Record<string, unknown>;

t.test('origin A, origin B and an edge in separate processes', async (t) => {
  const a = await spawnServe(['--media', media.dir, '--no-open-content', ...tls]);
  t.teardown(() => a.child.kill('SIGKILL'));
  const b = await spawnServe(['--media', mediaB, '--no-open-content', ...tls]);
  t.teardown(() => b.child.kill('SIGKILL'));
  const edgeMedia = join(work, 'edge');
  const edge = await spawnServe(['--media', edgeMedia, '--open-content', '--upstream', `${origin(a)},${origin(b)}`, '--upstream-ca', certs.certFile, ...tls]);
  t.teardown(() => edge.child.kill('SIGKILL'));
  const client = await h2Client(origin(edge), certs.cert);
  t.teardown(() => client.close());

  t.test('cold miss pulled through from A; the second request makes no upstream request', async (t) => {
    const first = await client.request('/content/demo/v/seg-9.m4s');
    t.equal(first.status, 200);
    t.ok(first.body.equals(media.files['demo/v/seg-9.m4s'] as Buffer), 'byte-exact');
    await accessed(a, '/demo/v/seg-9.m4s');
    t.equal(accesses(a, '/demo/v/seg-9.m4s').length, 1, 'one request to origin A');
    const second = await client.request('/content/demo/v/seg-9.m4s', { headers: { range: 'bytes=10-19' } });
    t.equal(second.status, 206);
    t.ok(second.body.equals((media.files['demo/v/seg-9.m4s'] as Buffer).subarray(10, 20)));
    t.equal(accesses(a, '/demo/v/seg-9.m4s').length + accesses(b, '/demo/v/seg-9.m4s').length, 1, 'served from the edge: no new upstream request');
  });

  t.test('the upstream advertised HTTP/3 (Alt-Svc): the next miss is pulled over HTTP/3', async (t) => {
    t.equal(accesses(a, '/demo/v/seg-9.m4s')[0]?.transport, 'h2', 'the first pull went over HTTP/2');
    const r = await client.request('/content/demo/v/seg-1.m4s');
    t.ok(r.status === 200 && r.body.equals(media.files['demo/v/seg-1.m4s'] as Buffer), 'byte-exact');
    t.equal((await accessed(a, '/demo/v/seg-1.m4s')).transport, 'h3', 'origin A served it over HTTP/3');
  });

  t.test('origin A killed mid-download: the transfer completes from B, byte-exact', async (t) => {
    const download = client.request('/content/demo/v/big.m4s', {
      // The head reaches the client once the edge has A's response head: A is sending now.
      onHeaders: () => a.child.kill('SIGKILL'),
    });
    const r = await download;
    t.equal(r.status, 200);
    t.ok(r.body.equals(big), `one clean 64 MB response, byte-exact (${r.body.length} bytes)`);
    await accessed(b, '/demo/v/big.m4s');
    const continuation = accesses(b, '/demo/v/big.m4s');
    t.equal(continuation.length, 1, 'B was asked once');
    t.match(String(continuation[0]?.range), /^bytes=\d+-$/, `and only for the rest (${String(continuation[0]?.range)})`);
  });
});

t.test('h3edge fill pre-positions a title: its first play on that edge makes no upstream request', async (t) => {
  const a = await spawnServe(['--media', media.dir, '--no-open-content', ...tls]);
  t.teardown(() => a.child.kill('SIGKILL'));
  const edgeMedia = join(work, 'filled-edge');
  const fill = await run(process.execPath, [...H3EDGE, 'fill', '--now', '--upstream', origin(a), '--media', edgeMedia, '--upstream-ca', certs.certFile, '--token-keys', keyFile], {
    timeoutMs: 120_000,
  });
  t.equal(fill.code, 0, 'fill exit 0', { stderr: fill.stderr.slice(-400) });
  const before = accesses(a, '.m4s').length + accesses(a, '.m3u8').length;
  const edge = await spawnServe(['--media', edgeMedia, '--open-content', '--upstream', origin(a), '--upstream-ca', certs.certFile, ...tls]);
  t.teardown(() => edge.child.kill('SIGKILL'));
  const client = await h2Client(origin(edge), certs.cert);
  t.teardown(() => client.close());
  for (const path of ['demo/master.m3u8', 'demo/v/init.mp4', 'demo/v/seg-1.m4s', 'demo/v/big.m4s']) {
    const r = await client.request(`/content/${path}`);
    t.ok(r.status === 200 && r.body.equals(path === 'demo/v/big.m4s' ? big : (media.files[path] as Buffer)), `${path} byte-exact from the edge`);
  }
  t.equal(accesses(a, '.m4s').length + accesses(a, '.m3u8').length, before, 'no manifest or segment request reached the origin during play');
});

t.test('an origin started before its media directory exists: a warning, 404s and not ready — no crash', async (t) => {
  const missing = join(work, 'not-yet');
  const p = await spawnServe(['--media', missing, '--open-content', ...tls]);
  t.teardown(() => p.child.kill('SIGKILL'));
  t.match(p.stdout(), /media directory does not exist/);
  const client = await h2Client(origin(p), certs.cert);
  t.teardown(() => client.close());
  t.equal((await client.request('/content/demo/master.m3u8')).status, 404);
  t.equal((await client.request('/readyz')).status, 503);
  cpSync(media.dir, missing, { recursive: true });
  t.equal((await client.request('/content/demo/master.m3u8')).status, 200, 'served once the directory appears');
  t.equal(p.child.exitCode, null, 'still running');
});

t.test('serve runs the nightly fill itself in its window, in exactly one of its workers', async (t) => {
  const a = await spawnServe(['--media', media.dir, '--no-open-content', ...tls]);
  t.teardown(() => a.child.kill('SIGKILL'));
  const hhmm = (d: Date) => `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
  const now = Date.now();
  const config = join(work, 'fill-edge.json');
  writeFileSync(config, JSON.stringify({ fillWindow: `${hhmm(new Date(now - 60_000))}-${hhmm(new Date(now + 30 * 60_000))}`, fillCheckIntervalMs: 200 }));
  const edgeMedia = join(work, 'scheduled-edge');
  const edge = await spawnServe(['--config', config, '--workers', '2', '--media', edgeMedia, '--open-content', '--upstream', origin(a), '--upstream-ca', certs.certFile, ...tls]);
  t.teardown(() => edge.child.kill('SIGKILL'));
  await edge.logged((l) => l.msg === 'fill: run complete', 1, 15_000);
  t.match(edge.stdout(), /fill: run complete/, 'the scheduled run completed');
  await Promise.all([accessed(a, '/v1/fill/manifest'), accessed(a, '/demo/v/big.m4s')]);
  t.equal(accesses(a, '/v1/fill/manifest').length, 1, 'one worker ran it: the checksum manifest was read once');
  t.equal(accesses(a, '/demo/v/big.m4s').length, 1, 'each file was fetched once');
  const client = await h2Client(origin(edge), certs.cert);
  t.teardown(() => client.close());
  const r = await client.request('/content/demo/v/big.m4s');
  t.ok(r.status === 200 && r.body.equals(big), 'the filled file is served');
  t.equal(accesses(a, '/demo/v/big.m4s').length, 1, 'from the edge, with no upstream request');
  let seen = '';
  // Each worker has its own registry and a connection stays on one worker: scrape over new connections.
  for (let i = 0; i < 30 && !/h3edge_fill_runs_total\{result="complete"\} 1/.test(seen); i++) {
    const scrape = await h2Client(origin(edge), certs.cert);
    seen = (await scrape.request('/metrics')).body.toString();
    await scrape.close();
  }
  t.match(seen, /h3edge_fill_runs_total\{result="complete"\} 1/, 'the fill worker exports the run');
  t.match(seen, /h3edge_fill_files_total\{outcome="downloaded"\} \d+/);
});
