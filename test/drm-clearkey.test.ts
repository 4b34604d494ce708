import t from 'tap';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startTestServer } from './helpers/server.js';
import { h2Client } from './helpers/clients.js';
import { launchChromium } from './helpers/browser.js';
import { makeEncryptedTitle } from './helpers/encrypted-title.js';
import { scratchDir } from './helpers/scratch.js';

t.test('encrypted title plays through EME ClearKey over HTTP/3', async (t) => {
  const media = scratchDir('h3edge-drm-');
  const keys = join(scratchDir('h3edge-drm-keys-'), 'keys');
  const { kid, key } = await makeEncryptedTitle(media, keys, 'secret');
  await makeEncryptedTitle(media, keys, 'secret-cbcs', 'cbcs');
  mkdirSync(join(media, 'player'));
  copyFileSync(join(import.meta.dirname, 'fixtures/players/dash-drm.html'), join(media, 'player/dash-drm.html'));
  copyFileSync(join(import.meta.dirname, '../node_modules/dashjs/dist/modern/umd/dash.all.min.js'), join(media, 'player/dash.all.min.js'));
  const server = await startTestServer({ media, keyStore: keys, host: '::', logLevel: 'info' });
  t.teardown(() => server.close());

  t.test('the license server hands out keys only to a live session of the title', async (t) => {
    const client = await h2Client(server.origin, server.certs.cert);
    t.teardown(() => client.close());
    const json = (b: unknown) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify(b)) });
    const kidB64 = Buffer.from(kid, 'hex').toString('base64url');
    const none = await client.request('/v1/license/clearkey?session=nope', json({ kids: [kidB64] }));
    t.equal(none.status, 403);
    const grant = JSON.parse((await client.request('/v1/playback', json({ profileId: 'lic', titleId: 'secret', device: { platform: 'web', maxHeight: 720, drm: ['clearkey'] } }))).body.toString());
    t.equal(grant.drm.system, 'clearkey');
    t.same(grant.drm.keyIds, [kidB64]);
    const lic = await client.request(grant.drm.licenseUrl, json({ kids: [kidB64], type: 'temporary' }));
    t.equal(lic.status, 200);
    t.same(JSON.parse(lic.body.toString()), { keys: [{ kty: 'oct', kid: kidB64, k: Buffer.from(key, 'hex').toString('base64url') }], type: 'temporary' });
    // What players send: dash.js application/json, Shaka no Content-Type, others octet-stream.
    const asSent = (headers: Record<string, string>) => ({ method: 'POST', headers, body: Buffer.from(JSON.stringify({ kids: [kidB64], type: 'temporary' })) });
    for (const [label, headers] of [
      ['no Content-Type (Shaka)', {}],
      ['application/octet-stream', { 'content-type': 'application/octet-stream' }],
      ['application/json; charset=utf-8', { 'content-type': 'application/json; charset=utf-8' }],
    ] as const) {
      const r = await client.request(grant.drm.licenseUrl, asSent(headers));
      t.equal(r.status, 200, `license request with ${label} → 200`);
      t.equal(JSON.parse(r.body.toString()).keys?.[0]?.kid, kidB64, `${label}: the key is handed out`);
    }
    const html = await client.request(grant.drm.licenseUrl, asSent({ 'content-type': 'text/html' }));
    t.equal(html.status, 415, 'a body declared as something else → 415');
    t.match(JSON.parse(html.body.toString()), { error: { code: 'unsupported_media_type' } });
    const wrong = await client.request(grant.drm.licenseUrl, json({ kids: [Buffer.alloc(16, 7).toString('base64url')] }));
    t.equal(wrong.status, 403, 'a key id of another title is refused');
    const mpd = (await client.request(`/${grant.manifestPaths.dash}`)).body.toString();
    t.match(mpd, /schemeIdUri="urn:uuid:e2719d58-a985-b3c9-781a-b030af78d30e"/);
    t.match(mpd, new RegExp(`cenc:default_KID="${kid.slice(0, 8)}-`));
    const hls = (await client.request(`/${grant.manifestPaths.hls}`)).body.toString();
    t.match(hls, /#EXT-X-SESSION-KEY:METHOD=SAMPLE-AES-CTR,.*KEYFORMAT="org\.w3\.clearkey"/);
    // Shaka's HLS parser knows ClearKey only as an "identity" key: 16 raw bytes from the URI.
    const identity = /#EXT-X-SESSION-KEY:METHOD=SAMPLE-AES-CTR,URI="([^"]+)",KEYFORMAT="identity"/.exec(hls)?.[1];
    t.ok(identity, 'the session key is also signalled as an identity key');
    const keyPath = new URL(identity ?? 'https://x/').pathname + new URL(identity ?? 'https://x/').search;
    const media = (await client.request(`/${grant.manifestPaths.hls.replace(/master\.m3u8$/, '')}video/240p/index.m3u8`)).body.toString();
    t.match(media, /#EXT-X-KEY:METHOD=SAMPLE-AES-CTR,URI="[^"]+",KEYFORMAT="identity"\n/, 'and in the media playlists');
    const raw = await client.request(keyPath);
    t.equal(raw.status, 200);
    t.same(raw.body, Buffer.from(key, 'hex'), 'the identity URI gives the 16 key bytes');
    t.equal(raw.headers['content-type'], 'application/octet-stream');
    t.equal(raw.headers['cache-control'], 'private, no-store', 'never cached');
    t.equal((await client.request(keyPath.replace(/session=[^&]+/, 'session=nope'))).status, 403, 'no key without a live session');
    t.equal((await client.request(keyPath.replace(/kid=[0-9a-f]+/, `kid=${'07'.repeat(16)}`))).status, 403, 'no key of another title');
    t.equal((await client.request(keyPath.replace(/kid=[0-9a-f]+/, 'kid=zz'))).status, 400, 'a malformed key id → 400');
  });

  t.test("a 'cbcs' title is signalled as such: DASH value=cbcs, HLS SAMPLE-AES", async (t) => {
    const client = await h2Client(server.origin, server.certs.cert);
    t.teardown(() => client.close());
    const body = Buffer.from(JSON.stringify({ profileId: 'lic', titleId: 'secret-cbcs', device: { platform: 'web', maxHeight: 720, drm: ['clearkey'] } }));
    const grant = JSON.parse((await client.request('/v1/playback', { method: 'POST', headers: { 'content-type': 'application/json' }, body })).body.toString());
    const mpd = (await client.request(`/${grant.manifestPaths.dash}`)).body.toString();
    t.match(mpd, /schemeIdUri="urn:mpeg:dash:mp4protection:2011" value="cbcs"/);
    const hls = (await client.request(`/${grant.manifestPaths.hls}`)).body.toString();
    t.match(hls, /#EXT-X-SESSION-KEY:METHOD=SAMPLE-AES,.*KEYFORMAT="org\.w3\.clearkey"/);
    t.notMatch(hls, /KEYFORMAT="identity"/, 'no identity key for cbcs');
  });

  for (const title of ['secret', 'secret-cbcs']) {
  const scheme = title === 'secret' ? 'cenc' : 'cbcs';
  t.test(`${scheme}: without the key the encrypted title does not play (the media really is encrypted)`, async (t) => {
    const browser = await launchChromium({ port: server.port, spki: server.certs.spki });
    t.teardown(() => browser.close());
    const page = await browser.context.newPage();
    await page.goto(`${server.origin}/content/player/dash-drm.html?title=${title}&keys=none&profile=${scheme}-control`);
    await page.waitForFunction(() => (window as unknown as { errors: string[] }).errors.length > 0, null, { timeout: 60_000 });
    const state = await page.evaluate(() => ({
      errors: (window as unknown as { errors: string[] }).errors,
      currentTime: (document.getElementById('v') as HTMLVideoElement).currentTime,
    }));
    t.ok(state.currentTime < 0.5, `no playback without a key (currentTime ${state.currentTime})`);
    t.match(state.errors[0], /DRM|licen/i, `the player reports the missing license: ${state.errors[0]}`);
  });

  t.test(`${scheme}: Chromium + dash.js: license and manifest in parallel, plays past 3 s over h3`, async (t) => {
    const browser = await launchChromium({ port: server.port, spki: server.certs.spki });
    t.teardown(() => browser.close());
    const page = await browser.context.newPage();
    await page.goto(`${server.origin}/content/player/dash-drm.html?title=${title}&profile=${scheme}-viewer`);
    await page.waitForFunction(() => (document.getElementById('v') as HTMLVideoElement).currentTime > 3 || (window as unknown as { errors: string[] }).errors.length > 0, null, { timeout: 60_000 });
    const state = await page.evaluate(() => {
      const w = window as unknown as { errors: string[]; licenseRequests: number; manifestText: string };
      const entries = performance.getEntriesByType('resource') as PerformanceResourceTiming[];
      return {
        errors: w.errors,
        currentTime: (document.getElementById('v') as HTMLVideoElement).currentTime,
        cdm: (document.getElementById('v') as HTMLVideoElement).mediaKeys !== null,
        licenseRequests: w.licenseRequests,
        protectedMpd: (w.manifestText ?? '').includes('ContentProtection'),
        segmentProtocols: [...new Set(entries.filter((e) => e.name.endsWith('.m4s')).map((e) => e.nextHopProtocol))],
        license: entries.find((e) => e.name.includes('/v1/license/clearkey')),
        manifest: entries.find((e) => e.name.endsWith('manifest.mpd')),
      };
    });
    t.same(state.errors, [], 'no player error');
    t.ok(state.currentTime > 3, `currentTime ${state.currentTime}`);
    t.ok(state.cdm, 'a ClearKey CDM is attached: the media is decrypted, not clear');
    t.equal(state.licenseRequests, 1);
    t.ok(state.protectedMpd, 'the session MPD signals ContentProtection');
    t.same(state.segmentProtocols, ['h3'], 'segments over HTTP/3');
    t.ok(state.license && state.manifest, 'license and manifest fetched');
    if (state.license && state.manifest) {
      // In parallel: each started before the other finished.
      t.ok(state.license.startTime < state.manifest.responseEnd && state.manifest.startTime < state.license.responseEnd, 'license and manifest requests overlap', {
        license: [state.license.startTime, state.license.responseEnd],
        manifest: [state.manifest.startTime, state.manifest.responseEnd],
      });
    }
  });
  }
});
