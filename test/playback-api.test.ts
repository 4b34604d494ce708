import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { startTestServer } from './helpers/server.js';
import { h2Client, h3Client } from './helpers/clients.js';
import { makeTestMedia } from './helpers/media.js';
import { addLadderTitle } from './helpers/playback-media.js';
import { signToken } from '../src/playback/token.js';
import { keySetFromJson } from '../src/playback/keyset.js';

const media = makeTestMedia();
addLadderTitle(media.dir, 'film');
addLadderTitle(media.dir, 'other');
const k1 = randomBytes(32).toString('base64');
const keyFile = join(media.dir, '..', `keys-${process.pid}.json`);
writeFileSync(keyFile, JSON.stringify({ current: 'k1', keys: { k1 } }));
const keys = keySetFromJson({ current: 'k1', keys: { k1 } }, 'test');

const json = (body: unknown) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify(body)) });
const request = (profileId: string, maxHeight = 1080) => json({ profileId, titleId: 'film', device: { platform: 'web', maxHeight, drm: ['clearkey'] }, network: { downlinkKbps: 3000 } });

t.test('playback API, tokens and per-session manifests', async (t) => {
  const server = await startTestServer({ media: media.dir, openContent: false, tokenKeys: keyFile, streamsPerProfile: 2, policyMaxHeight: 1080 });
  t.teardown(() => server.close());
  for (const connect of [h2Client, h3Client]) {
    const client = await connect(server.origin, server.certs.cert);
    t.teardown(() => client.close());
    const proto = connect === h2Client ? 'h2' : 'h3';

    const r = await client.request('/v1/playback', request(`${proto}-p1`, 540));
    t.equal(r.status, 200, `${proto} playback starts`);
    const grant = JSON.parse(r.body.toString());
    t.match(grant, { titleId: 'film', policy: { maxHeight: 540, startBitrateKbps: 1500 }, drm: null });
    t.equal(grant.cdns[0].id, 'self');
    t.match(grant.manifests.hls, new RegExp(`^https://localhost:${server.port}/t/[^/]+/content/film/master\\.m3u8$`));

    const hls = await client.request(new URL(grant.manifests.hls).pathname);
    t.equal(hls.status, 200);
    t.notMatch(hls.body.toString(), /720/, `${proto}: the 720p rendition is gone from the session's HLS`);
    t.match(hls.body.toString(), /v\/540p\.m3u8/);
    const dash = await client.request(new URL(grant.manifests.dash).pathname);
    t.notMatch(dash.body.toString(), /720p/, `${proto}: and from its MPD`);
    t.match(dash.body.toString(), /id="540p"/);
    const ranged = await client.request(new URL(grant.manifests.hls).pathname, { headers: { range: 'bytes=0-400' } });
    t.notMatch(ranged.body.toString(), /720/, 'a range request cannot read past the rewrite');
    const seg = await client.request(`/t/${grant.manifestPaths.hls.split('/')[1]}/content/film/v/seg-1.m4s`);
    t.equal(seg.status, 200, 'segments are served under the token path');
    t.equal(seg.body.length, 50_000);

    t.equal((await client.request('/content/film/master.m3u8')).status, 403, 'no token, no content');
    t.equal((await client.request('/t/a/content/%')).status, 400, 'a malformed escape is a 400, not a 500 (found by the fuzzer)');
    const token = grant.manifestPaths.hls.split('/')[1] as string;
    const [payload, kid, sig] = token.split('.') as [string, string, string];
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), maxH: 2160 })).toString('base64url');
    const expired = signToken({ tid: 'film', sid: 'x', exp: 1, maxH: 720, maxBw: 1e9, api: 'x' }, keys);
    const cases: Record<string, string> = {
      tampered: `/t/${forged}.${kid}.${sig}/content/film/master.m3u8`,
      expired: `/t/${expired}/content/film/master.m3u8`,
      'wrong title': `/t/${token}/content/other/master.m3u8`,
      'wrong key id': `/t/${payload}.k9.${sig}/content/film/master.m3u8`,
      garbage: `/t/garbage/content/film/master.m3u8`,
    };
    for (const [name, path] of Object.entries(cases)) {
      const res = await client.request(path);
      t.equal(res.status, 403, `${proto} ${name} token → 403`);
      t.notMatch(res.body.toString(), /EXTM3U/, `${name}: no content`);
    }

    t.equal((await client.request('/v1/playback', request(`${proto}-p1`))).status, 200, 'second stream of the profile');
    const third = await client.request('/v1/playback', request(`${proto}-p1`));
    t.equal(third.status, 429, 'third concurrent stream refused');
    t.equal(JSON.parse(third.body.toString()).error.code, 'concurrent_stream_limit');
    t.equal((await client.request(`/v1/playback/${grant.sessionId}`, { method: 'DELETE' })).status, 200);
    t.equal((await client.request('/v1/playback', request(`${proto}-p1`))).status, 200, 'ending a session frees a slot');
    t.equal((await client.request(`/v1/playback/${grant.sessionId}/heartbeat`, { method: 'POST' })).status, 404, 'ended session has no heartbeat');

    // Throughput reported with heartbeats sets where the profile's next session starts.
    const measured = JSON.parse((await client.request('/v1/playback', request(`${proto}-hist`))).body.toString());
    t.equal(measured.policy.startBitrateKbps, 1500, 'no history: half the hinted 3000 kbps');
    for (const kbps of [900, 1000, 1100]) {
      const hb = await client.request(`/v1/playback/${measured.sessionId}/heartbeat`, json({ bandwidthKbps: kbps }));
      t.equal(hb.status, 200);
    }
    const next = JSON.parse((await client.request('/v1/playback', request(`${proto}-hist`))).body.toString());
    t.equal(next.policy.startBitrateKbps, 700, 'with history: 70% of the median measured 1000 kbps');

    const bad = await client.request('/v1/playback', json({ profileId: 'p', titleId: 'film', device: { platform: 'web' } }));
    t.equal(bad.status, 400);
    t.equal(JSON.parse(bad.body.toString()).error.message, 'Missing field device.maxHeight');
    const unknown = await client.request('/v1/playback', json({ profileId: 'p', titleId: 'nope', device: { platform: 'web', maxHeight: 720 } }));
    t.equal(unknown.status, 404);
  }
  const denied = server.logs.filter((l) => l.msg === 'access' && l.status === 403);
  t.ok(denied.some((l) => l.code === 'token_bad_signature'), 'tampering is logged with its code');
  t.ok(denied.some((l) => l.code === 'token_expired'));
  t.ok(denied.some((l) => l.code === 'token_wrong_title'));
  t.ok(denied.some((l) => l.code === 'token_unknown_key'));
});

t.test('content steering: two CDNs, the unhealthy one moves to the back', async (t) => {
  const server = await startTestServer({
    media: media.dir,
    openContent: false,
    tokenKeys: keyFile,
    cdns: [
      { id: 'edge-a', baseUrl: 'https://edge-a.test:8443/', regions: ['lab'] },
      { id: 'edge-b', baseUrl: 'https://edge-b.test:8443/', regions: [] },
    ],
    regionPrefixes: { '127.0.0.0/8': 'lab' },
    // These hosts exist only in the manifests: never probe (or resolve) them.
    cdnProbeIntervalMs: 0,
  });
  t.teardown(() => server.close());
  const client = await h2Client(server.origin, server.certs.cert);
  t.teardown(() => client.close());
  const grant = JSON.parse((await client.request('/v1/playback', request('steer'))).body.toString());
  t.same(grant.cdns.map((c: { id: string }) => c.id), ['edge-a', 'edge-b']);
  t.match(grant.manifests.hls, /^https:\/\/edge-a\.test:8443\/t\//);
  const master = (await client.request(`/${grant.manifestPaths.hls}`)).body.toString();
  t.match(master, new RegExp(`#EXT-X-CONTENT-STEERING:SERVER-URI="https://localhost:${server.port}/v1/steering/${grant.sessionId}",PATHWAY-ID="\\."`));
  const mpd = (await client.request(`/${grant.manifestPaths.dash}`)).body.toString();
  t.match(mpd, /<BaseURL serviceLocation="edge-a">https:\/\/edge-a\.test:8443\/t\/[^<]+\/content\/film\/<\/BaseURL>/);
  t.match(mpd, /<BaseURL serviceLocation="edge-b">/);
  t.match(mpd, /<ContentSteering defaultServiceLocation="edge-a"/);
  const steer = JSON.parse((await client.request(`/v1/steering/${grant.sessionId}`)).body.toString());
  t.same(steer['PATHWAY-PRIORITY'], ['.', 'edge-b']);
  t.same(steer['PATHWAY-CLONES'], [{ 'BASE-ID': '.', ID: 'edge-b', 'URI-REPLACEMENT': { HOST: 'edge-b.test:8443' } }]);
  const dashSteer = JSON.parse((await client.request(`/v1/steering/${grant.sessionId}?format=dash`)).body.toString());
  t.same(dashSteer['SERVICE-LOCATION-PRIORITY'], ['edge-a', 'edge-b']);
});

t.test('ending a session revokes its token on this node; the stream limit holds for media requests', async (t) => {
  const server = await startTestServer({ media: media.dir, openContent: false, tokenKeys: keyFile, streamsPerProfile: 3, heartbeatTtlSec: 1 });
  t.teardown(() => server.close());
  for (const connect of [h2Client, h3Client]) {
    const client = await connect(server.origin, server.certs.cert);
    t.teardown(() => client.close());
    const proto = client.name;
    const start = async (profileId: string): Promise<{ sessionId: string; token: string }> => {
      const r = await client.request('/v1/playback', request(profileId));
      t.equal(r.status, 200, `${proto}: session starts`);
      const grant = JSON.parse(r.body.toString());
      return { sessionId: grant.sessionId, token: grant.manifestPaths.hls.split('/')[1] };
    };
    const segment = (token: string) => client.request(`/t/${token}/content/film/v/seg-1.m4s`);

    const ended = await start(`${proto}-revoke`);
    t.equal((await segment(ended.token)).status, 200, `${proto}: the token serves while the session lives`);
    t.equal((await client.request(`/v1/playback/${ended.sessionId}`, { method: 'DELETE' })).status, 200);
    for (const path of [`/t/${ended.token}/content/film/v/seg-1.m4s`, `/t/${ended.token}/content/film/master.m3u8`]) {
      const r = await client.request(path);
      t.equal(r.status, 403, `${proto}: ${path.split('/').pop()} refused at once after DELETE`);
      t.equal(JSON.parse(r.body.toString()).error.code, 'token_revoked');
    }

    // Sessions that stop heartbeating stop counting, so a profile can start many; only its live ones stream.
    const tokens: string[] = [];
    while (tokens.length < 20) {
      for (let i = 0; i < 3 && tokens.length < 20; i++) tokens.push((await start(`${proto}-many`)).token);
      await new Promise((r) => setTimeout(r, 1100)); // every session so far lapses (heartbeatTtlSec 1)
    }
    const statuses = [];
    for (const token of tokens) statuses.push((await segment(token)).status);
    t.same(statuses.filter((s) => s === 200).length, 3, `${proto}: three of the 20 tokens stream (${statuses.join(' ')})`);
    t.same(statuses.filter((s) => s === 429).length, 17, `${proto}: the other 17 get 429`);
    t.same(statuses.slice(0, 3), [200, 200, 200], 'the first three to ask are the ones admitted');
  }
  const limited = await server.logged((l) => l.msg === 'access' && l.status === 429 && l.code === 'concurrent_stream_limit', 34);
  t.equal(limited.length, 34, 'each refusal is logged with its code');
});
