import t from 'tap';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { startTestServer, type TestServer } from './helpers/server.js';
import { h2Client, h3Client } from './helpers/clients.js';
import { makeTestMedia } from './helpers/media.js';
import { makeTestCerts } from './helpers/certs.js';
import { scratchDir } from './helpers/scratch.js';
import { signToken } from '../src/playback/token.js';
import { keySetFromJson } from '../src/playback/keyset.js';

// An edge acts on a player's CMCD next-object hint (nor): it pulls that object from its origin in
// the background at the lowest priority, collapsed with the player's own request for it, within
// the token's title and within its count and byte bounds. The CMCD query argument is no part of
// the cache key.
const certs = makeTestCerts();
const keyJson = { current: 'k1', keys: { k1: randomBytes(32).toString('base64') } };
const keyFile = join(scratchDir('h3edge-prefetch-keys-'), 'tokens.json');
writeFileSync(keyFile, JSON.stringify(keyJson));
const keys = keySetFromJson(keyJson, 'test');
const token = (tid: string) => signToken({ tid, sid: 'viewer', exp: Math.floor(Date.now() / 1000) + 600, maxH: 2160, maxBw: 1e9, api: 'localhost' }, keys);
const media = makeTestMedia();
for (let n = 2; n <= 8; n++) writeFileSync(join(media.dir, `demo/v/seg-${n}.m4s`), randomBytes(300_000));
writeFileSync(join(media.dir, 'demo/v/huge.m4s'), randomBytes(2_000_000));
mkdirSync(join(media.dir, 'secret/v'), { recursive: true });
writeFileSync(join(media.dir, 'secret/v/seg-2.m4s'), randomBytes(1000));

const originRequests = (origin: TestServer, suffix: string) => origin.logs.filter((l) => l.msg === 'access' && String(l.path).split('?')[0]!.endsWith(suffix));
const cmcd = (value: string) => `?CMCD=${encodeURIComponent(value)}`;
const metric = async (server: TestServer, line: RegExp): Promise<number> => {
  const m = (await server.metrics.registry.metrics()).split('\n').find((l) => line.test(l));
  return m ? Number(m.split(' ').pop()) : 0;
};
const until = async (what: () => boolean | Promise<boolean>, limitMs = 10_000): Promise<boolean> => {
  const end = Date.now() + limitMs;
  while (Date.now() < end) {
    if (await what()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
};

t.test('an edge prefetches the next object a player names', async (t) => {
  const origin = await startTestServer({ media: media.dir, tokenKeys: keyFile, openContent: false, logLevel: 'info' }, certs);
  t.teardown(() => origin.close());
  const edgeMedia = scratchDir('h3edge-prefetch-edge-');
  const edge = await startTestServer({ media: edgeMedia, upstreams: [origin.origin], upstreamCa: certs.certFile, tokenKeys: keyFile, openContent: false, logLevel: 'info', prefetchMaxInFlight: 2, prefetchMaxBytes: 1_000_000 }, certs);
  t.teardown(() => edge.close());
  const base = `/t/${token('demo')}/content/demo/v`;

  t.test('the CMCD query argument is no part of the cache key', async (t) => {
    const client = await h2Client(edge.origin, certs.cert);
    t.teardown(() => client.close());
    for (const q of [cmcd('bl=100,sid="a"'), '', cmcd('bl=9000,sid="b",su')]) {
      const r = await client.request(`${base}/seg-1.m4s${q}`);
      t.equal(r.status, 200);
      t.ok(r.body.equals(media.files['demo/v/seg-1.m4s'] as Buffer), 'byte-exact');
    }
    t.equal(originRequests(origin, '/demo/v/seg-1.m4s').length, 1, 'one upstream request for the three');
  });

  for (const connect of [h2Client, h3Client]) {
    const proto = connect === h2Client ? 'h2' : 'h3';
    const [current, next] = proto === 'h2' ? [2, 3] : [4, 5];
    t.test(`${proto}: nor pulls the next segment in the background; the player's request for it makes no upstream request`, async (t) => {
      const client = await connect(edge.origin, certs.cert);
      t.teardown(() => client.close());
      const started = await metric(edge, /^h3edge_prefetch_started_total\{kind="pull"\}/);
      const used = await metric(edge, /^h3edge_prefetch_used_total\{kind="pull"\}/);
      const r = await client.request(`${base}/seg-${current}.m4s${cmcd(`nor="seg-${next}.m4s",ot=v,bl=8000,d=4000`)}`);
      t.equal(r.status, 200);
      t.ok(await until(() => existsSync(join(edgeMedia, `demo/v/seg-${next}.m4s`))), 'the next segment is stored on the edge');
      const pulled = originRequests(origin, `/demo/v/seg-${next}.m4s`);
      t.equal(pulled.length, 1, 'pulled once');
      t.same(pulled[0]?.priority, { urgency: 7, incremental: true, chosenBy: 'client', reason: 'client-signal' }, 'at the lowest urgency, incremental');
      t.equal(await metric(edge, /^h3edge_prefetch_started_total\{kind="pull"\}/), started + 1);
      const n = await client.request(`${base}/seg-${next}.m4s`);
      t.equal(n.body.length, 300_000, 'the next segment whole');
      t.equal(originRequests(origin, `/demo/v/seg-${next}.m4s`).length, 1, 'no upstream request for it');
      const line = (await edge.logged((l) => l.msg === 'access' && String(l.path).endsWith(`/seg-${next}.m4s`)))[0];
      t.equal(line?.cache, 'prefetched', 'the edge access line says it came from a prefetch');
      t.equal(await metric(edge, /^h3edge_prefetch_used_total\{kind="pull"\}/), used + 1, 'counted as used');
    });
  }

  t.test('a player asking while the prefetch is under way joins it (one upstream request)', async (t) => {
    const client = await h2Client(edge.origin, certs.cert);
    t.teardown(() => client.close());
    await client.request(`${base}/seg-6.m4s${cmcd('nor="seg-7.m4s"')}`);
    // Straight after: the background pull has started (or is about to); either way one pull.
    const r = await client.request(`${base}/seg-7.m4s`);
    t.equal(r.body.length, 300_000);
    await until(() => originRequests(origin, '/demo/v/seg-7.m4s').length > 0);
    t.equal(originRequests(origin, '/demo/v/seg-7.m4s').length, 1, 'one upstream request');
    const line = (await edge.logged((l) => l.msg === 'access' && String(l.path).endsWith('/seg-7.m4s')))[0];
    t.ok(['prefetching', 'prefetched'].includes(String(line?.cache)), `the player's request: ${String(line?.cache)}`);
  });

  t.test('never outside the token\'s title, and never past the byte bound', async (t) => {
    const client = await h2Client(edge.origin, certs.cert);
    t.teardown(() => client.close());
    await client.request(`${base}/seg-8.m4s${cmcd('nor="../../../secret/v/seg-2.m4s"')}`);
    await client.request(`${base}/seg-8.m4s${cmcd(`nor="/t/${token('secret')}/content/secret/v/seg-2.m4s"`)}`);
    const skippedBytes = await metric(edge, /^h3edge_prefetch_skipped_total\{kind="pull",reason="limit_bytes"\}/);
    await client.request(`${base}/seg-8.m4s${cmcd('nor="huge.m4s"')}`);
    t.ok(await until(async () => (await metric(edge, /^h3edge_prefetch_skipped_total\{kind="pull",reason="limit_bytes"\}/)) === skippedBytes + 1), 'a 2 MB object passes the 1 MB bound: dropped at its head');
    t.equal(originRequests(origin, '/secret/v/seg-2.m4s').length, 0, 'no pull for another title');
    t.notOk(existsSync(join(edgeMedia, 'demo/v/huge.m4s')), 'the dropped pull stored nothing');
    const r = await client.request(`${base}/huge.m4s`);
    t.equal(r.body.length, 2_000_000, 'a player asking for it gets it whole all the same');
  });

  t.test('never more pulls in flight than the count bound', async (t) => {
    const client = await h2Client(edge.origin, certs.cert);
    t.teardown(() => client.close());
    const before = await metric(edge, /^h3edge_prefetch_skipped_total\{kind="pull",reason="limit_count"\}/);
    const names = ['a', 'b', 'c', 'd', 'e', 'f'];
    for (const n of names) writeFileSync(join(media.dir, `demo/v/burst-${n}.m4s`), randomBytes(200_000));
    await Promise.all(names.map((n) => client.request(`${base}/seg-8.m4s${cmcd(`nor="burst-${n}.m4s"`)}`)));
    t.ok(await until(async () => (await metric(edge, /^h3edge_prefetch_skipped_total\{kind="pull",reason="limit_count"\}/)) > before), 'hints past the bound of 2 are dropped');
    await until(() => false, 300);
    const pulled = names.filter((n) => originRequests(origin, `/demo/v/burst-${n}.m4s`).length > 0).length;
    t.ok(pulled >= 1 && pulled < names.length, `${pulled} of ${names.length} pulled`);
  });
});
