import t from 'tap';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeCmsdDynamic, decodeCmsdStatic } from '@svta/cml-cmsd';
import { startTestServer } from './helpers/server.js';
import { h2Client, h3Client, type ProtocolClient } from './helpers/clients.js';
import { makeTestMedia } from './helpers/media.js';
import { scratchDir } from './helpers/scratch.js';
import { run } from './helpers/run.js';
import { signToken } from '../src/playback/token.js';
import { keySetFromJson } from '../src/playback/keyset.js';

// What players say (CMCD, CTA-5004) is read on every media route, over HTTP/2 and HTTP/3, in
// both transmissions, without ever failing a request; what the node answers (CMSD, CTA-5006)
// carries the connection's own estimate and the node's duress.
const media = makeTestMedia();
writeFileSync(join(media.dir, 'demo/v/seg-2.m4s'), randomBytes(400_000));
writeFileSync(join(media.dir, 'demo/v/seg-3.m4s'), randomBytes(400_000));
writeFileSync(join(media.dir, 'demo/v/seg-4.m4s'), randomBytes(400_000));
writeFileSync(join(media.dir, 'other-title.m4s'), randomBytes(100));
writeFileSync(join(media.dir, 'catalog.json'), JSON.stringify({ version: 1, titles: [{ id: 'demo', type: 'film' }], series: [] }));
const keyJson = { current: 'k1', keys: { k1: randomBytes(32).toString('base64') } };
const keyFile = join(scratchDir('h3edge-cmcd-keys-'), 'tokens.json');
writeFileSync(keyFile, JSON.stringify(keyJson));
const keys = keySetFromJson(keyJson, 'test');
const token = (tid: string) => signToken({ tid, sid: 'session-1', exp: Math.floor(Date.now() / 1000) + 600, maxH: 2160, maxBw: 1e9, api: 'localhost' }, keys);

const server = await startTestServer({ media: media.dir, tokenKeys: keyFile, logLevel: 'info', policyMaxBandwidth: 40_000_000 });
t.teardown(() => server.close());

const accessOf = async (proto: string, path: string) => (await server.logged((l) => l.msg === 'access' && l.transport === proto && l.path === path))[0]!;
const metric = async (line: RegExp): Promise<number> => {
  const text = await server.metrics.registry.metrics();
  const m = text.split('\n').find((l) => line.test(l));
  return m ? Number(m.split(' ').pop()) : 0;
};

const QUERY = 'bl=21300,br=3200,bs,cid="film",d=4000,dl=18500,mtp=48100,nor="seg-3.m4s",nrr="0-999",ot=v,pr=1,rtp=12000,sf=d,sid="s-1",st=v,su,tb=6000';

for (const connect of [h2Client, h3Client]) {
  const proto = connect === h2Client ? 'h2' : 'h3';
  t.test(`${proto}: CMCD read from the query argument and from the CMCD-* fields`, async (t) => {
    const client: ProtocolClient = await connect(server.origin, server.certs.cert);
    t.teardown(() => client.close());
    const viaQuery = `/content/demo/v/seg-1.m4s?CMCD=${encodeURIComponent(QUERY)}&proto=${proto}`;
    const r = await client.request(viaQuery);
    t.equal(r.status, 200);
    t.equal(r.body.length, 700_000);
    t.match((await accessOf(proto, viaQuery)).cmcd, {
      via: 'query',
      bl: 21300,
      br: 3200,
      bs: true,
      cid: 'film',
      d: 4000,
      dl: 18500,
      mtp: 48100,
      nor: 'seg-3.m4s',
      nrr: { start: 0, end: 999 },
      ot: 'v',
      pr: 1,
      rtp: 12000,
      sf: 'd',
      sid: 's-1',
      st: 'v',
      su: true,
      tb: 6000,
    }, 'every key on the access line');
    const viaFields = `/content/demo/v/seg-2.m4s?fields=${proto}`;
    const h = await client.request(viaFields, {
      headers: { 'cmcd-request': 'bl=800, mtp=9000, su', 'cmcd-object': 'd=4000, ot=v', 'cmcd-status': 'bs', 'cmcd-session': 'sid="s-2", sf=h, st=v' },
    });
    t.equal(h.status, 200);
    t.match((await accessOf(proto, viaFields)).cmcd, { via: 'headers', bl: 800, mtp: 9000, su: true, d: 4000, ot: 'v', bs: true, sid: 's-2', sf: 'h' });
  });
}

t.test('bad CMCD never fails a request: values ignored, counted by key', async (t) => {
  const client = await h2Client(server.origin, server.certs.cert);
  t.teardown(() => client.close());
  const before = await metric(/^h3edge_cmcd_invalid_values_total\{key="bl"\}/);
  const malformedBefore = await metric(/^h3edge_cmcd_invalid_values_total\{key="malformed"\}/);
  const path = `/content/demo/v/seg-1.m4s?CMCD=${encodeURIComponent('bl=abc,ot=zz,mtp=5000')}`;
  const r = await client.request(path, { headers: { 'cmcd-object': 'garbage!!' } });
  t.equal(r.status, 200);
  const line = await accessOf('h2', path);
  t.same((line.cmcd as { invalid: string[] }).invalid.sort(), ['bl', 'malformed', 'ot']);
  t.equal((line.cmcd as { mtp: number }).mtp, 5000, 'the good value kept');
  t.equal(await metric(/^h3edge_cmcd_invalid_values_total\{key="bl"\}/), before + 1);
  t.equal(await metric(/^h3edge_cmcd_invalid_values_total\{key="malformed"\}/), malformedBefore + 1);
  t.ok((await metric(/^h3edge_cmcd_requests_total\{transmission="both"\}/)) >= 1, 'counted by transmission');
});

t.test('the CMCD query argument does not disturb token checks', async (t) => {
  const client = await h2Client(server.origin, server.certs.cert);
  t.teardown(() => client.close());
  const q = `?CMCD=${encodeURIComponent('bl=1000,sid="x"')}`;
  const ok = await client.request(`/t/${token('demo')}/content/demo/v/seg-1.m4s${q}`);
  t.equal(ok.status, 200, 'a valid token with CMCD');
  t.ok(ok.body.equals(media.files['demo/v/seg-1.m4s'] as Buffer));
  const other = await client.request(`/t/${token('other')}/content/demo/v/seg-1.m4s${q}`);
  t.equal(other.status, 403, 'a token for another title is still refused');
  const tampered = await client.request(`/t/${token('demo').slice(0, -2)}xx/content/demo/v/seg-1.m4s${q}`);
  t.equal(tampered.status, 403, 'a tampered token is still refused');
  const playlist = await client.request(`/t/${token('demo')}/content/demo/master.m3u8${q}`);
  t.equal(playlist.status, 200, 'a session playlist with CMCD');
});

for (const connect of [h2Client, h3Client]) {
  const proto = connect === h2Client ? 'h2' : 'h3';
  t.test(`${proto}: CMSD on media responses, with the connection's own estimate; exposed through CORS`, async (t) => {
    const client = await connect(server.origin, server.certs.cert);
    t.teardown(() => client.close());
    // A first transfer gives the connection's estimators a sample.
    await client.request('/content/demo/v/seg-9.m4s');
    // The path (demo/v/) does not say the object type: the player's `ot` does.
    const r = await client.request(`/content/demo/v/seg-1.m4s?CMCD=${encodeURIComponent('ot=v,sf=d,st=v')}`, { headers: { origin: 'https://player.example' } });
    t.same(decodeCmsdStatic(r.headers['cmsd-static'] ?? ''), { ot: 'v', sf: 'd', st: 'v' }, `CMSD-Static: ${r.headers['cmsd-static']}`);
    const [item] = decodeCmsdDynamic(r.headers['cmsd-dynamic'] ?? '');
    t.equal(item?.value, 'h3edge', 'the node id');
    const params = item?.params as { etp?: number; rtt?: number; mb?: number; du?: boolean };
    t.comment(`CMSD-Dynamic: ${r.headers['cmsd-dynamic']}`);
    t.ok(typeof params.etp === 'number' && params.etp > 1000, `etp from the ${proto === 'h2' ? 'TCP delivery rate' : "QUIC engine's bandwidth estimate"} (${params.etp} kbit/s)`);
    t.ok(typeof params.rtt === 'number' && params.rtt >= 0 && params.rtt < 1000, `rtt from the connection (${params.rtt} ms)`);
    t.equal(params.mb, 40_000, 'mb: the ceiling of every session while the node is not under duress');
    t.notOk(params.du, 'no duress');
    t.match(r.headers['access-control-expose-headers'], /CMSD-Static, CMSD-Dynamic/, 'a player on another origin may read them');
    const manifest = await client.request('/content/demo/manifest.mpd');
    t.same(decodeCmsdStatic(manifest.headers['cmsd-static'] ?? ''), { ot: 'm', sf: 'd', st: 'v' }, 'a manifest');
    const api = await client.request('/healthz');
    t.equal(api.headers['cmsd-dynamic'], undefined, 'not on other routes');
    const missing = await client.request('/content/demo/v/seg-404.m4s');
    t.equal(missing.headers['cmsd-dynamic'], undefined, 'not on errors');
  });
}

t.test('HTTP/1.1 (curl): CMCD read, CMSD answered with the connection\'s RTT', async (t) => {
  const path = `/content/demo/v/seg-1.m4s?CMCD=${encodeURIComponent('bl=400,ot=v,sid="curl"')}`;
  const r = await run('curl', ['--http1.1', '-s', '-o', '/dev/null', '-D', '-', '--cacert', server.certs.caFile, `${server.origin}${path}`], { timeoutMs: 30_000 });
  t.equal(r.code, 0);
  t.match(r.stdout, /^HTTP\/1\.1 200/);
  const dynamic = /^cmsd-dynamic: (.*)\r?$/im.exec(r.stdout)?.[1] ?? '';
  const params = decodeCmsdDynamic(dynamic)[0]?.params as { rtt?: number; mb?: number };
  t.ok(typeof params?.rtt === 'number', `rtt from TCP_INFO (${dynamic})`);
  t.match((await accessOf('http/1.1', path)).cmcd, { via: 'query', bl: 400, ot: 'v', sid: 'curl' }, 'the access line carries the CMCD');
});

t.test('under duress (egress over the configured limit) media responses carry du and the duress mb; lifted, the ceiling comes back', async (t) => {
  const client = await h3Client(server.origin, server.certs.cert);
  t.teardown(() => client.close());
  const dynamic = async () => decodeCmsdDynamic((await client.request('/content/demo/v/seg-1.m4s')).headers['cmsd-dynamic'] ?? '')[0]?.params as { mb?: number; du?: boolean };
  await server.reload({ ...server.config, duressEgressBitsPerSec: 1000, duressMaxBitrateKbps: 900 });
  await client.request('/content/demo/v/seg-9.m4s'); // 3 MB in the window: far over 1 kbit/s
  // The bytes count once the engine reports the response over (its stream closed).
  for (let i = 0; i < 100 && (await metric(/^h3edge_egress_bytes_per_second /)) < 125; i++) await new Promise((r) => setTimeout(r, 10));
  const d = await dynamic();
  t.equal(d.du, true, 'du');
  t.equal(d.mb, 900, 'mb: the duress ceiling');
  t.equal(await metric(/^h3edge_duress /), 1, 'h3edge_duress 1');
  await server.reload({ ...server.config, duressEgressBitsPerSec: 0 });
  const after = await dynamic();
  t.notOk(after.du, 'no du once the limit is lifted');
  t.equal(after.mb, 40_000, 'mb back to the session ceiling');
});

t.test('an origin warms its cache for the next object a player names; the request for it counts as used', async (t) => {
  const client = await h2Client(server.origin, server.certs.cert);
  t.teardown(() => client.close());
  const started = await metric(/^h3edge_prefetch_started_total\{kind="warm"\}/);
  const used = await metric(/^h3edge_prefetch_used_total\{kind="warm"\}/);
  await client.request(`/content/demo/v/seg-2.m4s?CMCD=${encodeURIComponent('nor="seg-4.m4s",ot=v')}`);
  for (let i = 0; i < 50 && (await metric(/^h3edge_prefetch_started_total\{kind="warm"\}/)) === started; i++) await new Promise((r) => setTimeout(r, 20));
  t.equal(await metric(/^h3edge_prefetch_started_total\{kind="warm"\}/), started + 1, 'warm-up started');
  const next = await client.request('/content/demo/v/seg-4.m4s');
  t.equal(next.status, 200);
  t.equal(await metric(/^h3edge_prefetch_used_total\{kind="warm"\}/), used + 1, 'and used');
  t.equal((await accessOf('h2', '/content/demo/v/seg-4.m4s')).cache, 'prefetched', 'the access line says so');
  // Outside the title: ignored.
  await client.request(`/content/demo/v/seg-2.m4s?CMCD=${encodeURIComponent('nor="../../../other-title.m4s"')}`);
  t.equal(await metric(/^h3edge_prefetch_started_total\{kind="warm"\}/), started + 1, 'a next object outside the title is not warmed');
});

t.test('QoE from CMCD: buffer, throughput, startup and starvation by title class and CDN, no session label', async (t) => {
  const client = await h2Client(server.origin, server.certs.cert);
  t.teardown(() => client.close());
  const count = async (name: string): Promise<number> => {
    const line = (await server.metrics.registry.metrics()).split('\n').find((l) => l.startsWith(`${name}{`) && l.includes('title_class="film"') && l.includes('cdn="none"'));
    return line ? Number(line.split(' ').pop()) : 0;
  };
  // The catalog is read in the background on first use: the next requests see the film's class.
  for (let i = 0; i < 50 && (await count('h3edge_cmcd_buffer_length_seconds_count')) === 0; i++) {
    await client.request(`/content/demo/v/seg-1.m4s?CMCD=${encodeURIComponent('bl=12000,mtp=8000,sid="q"')}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const before = { bl: await count('h3edge_cmcd_buffer_length_seconds_count'), su: await count('h3edge_cmcd_startup_request_seconds_count'), bs: await count('h3edge_cmcd_buffer_starvations_total') };
  t.ok(before.bl > 0, 'buffer lengths by title class');
  await client.request(`/content/demo/v/seg-1.m4s?CMCD=${encodeURIComponent('bl=0,bs,su,mtp=16000,sid="q"')}`);
  t.equal(await count('h3edge_cmcd_buffer_length_seconds_count'), before.bl + 1);
  t.equal(await count('h3edge_cmcd_startup_request_seconds_count'), before.su + 1, 'startup requests timed');
  t.equal(await count('h3edge_cmcd_buffer_starvations_total'), before.bs + 1, 'starvation counted');
  t.ok((await count('h3edge_cmcd_measured_throughput_bytes_per_second_count')) >= 2, 'measured throughput');
  const text = await server.metrics.registry.metrics();
  t.notOk(/h3edge_cmcd_[a-z_]+\{[^}]*(sid|session)/.test(text), 'no session label anywhere');
});
