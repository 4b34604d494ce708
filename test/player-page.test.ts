import t from 'tap';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { freePort, startTestServer } from './helpers/server.js';
import { launchChromium } from './helpers/browser.js';
import { makeHomeLibrary } from './helpers/home-library.js';

// The player page (hls.js) in headless Chromium over HTTP/3, with tokens enforced: it can only
// play through the URLs of /v1/playback.
const ARTIFACTS = join(import.meta.dirname, 'artifacts');
const SERIES = ['signal-and-noise-s01e01', 'signal-and-noise-s01e02', 'signal-and-noise-s01e03'];
const LOCKED = 'locked-test-pattern';

interface PlayerProbe {
  titleId: string;
  autoplayAtEpochMs: number | null;
  session: { startupMs: number | null; firstFrameEpochMs: number | null; reporter: { log: Array<{ type: string }> } } | null;
  prefetched: { grant: { titleId: string }; urls: string[]; variantUrl: string } | null;
}
const probe = (page: Page) => page.evaluate(() => JSON.parse(JSON.stringify((window as unknown as { h3player: unknown }).h3player, (k, v) => (k === 'hls' ? undefined : v))) as PlayerProbe);
const playing = (page: Page, titleId: string, timeout = 30_000) =>
  page.waitForFunction((id) => document.body.dataset.playing === id || document.body.dataset.error, titleId, { timeout });

t.test('player page', async (t) => {
  const lib = await makeHomeLibrary({ synthetic: 0, copyMedia: [...SERIES, LOCKED] });
  const server = await startTestServer({ media: lib.media, webRoot: lib.webRoot, host: '::', logLevel: 'warn', openContent: false, keyStore: join(import.meta.dirname, '../keys') });
  t.teardown(() => server.close());
  const browser = await launchChromium({ port: server.port, spki: server.certs.spki });
  t.teardown(() => browser.close());
  mkdirSync(ARTIFACTS, { recursive: true });

  t.test('click on a tile → first frame; startup reported', async (t) => {
    const page = await browser.context.newPage();
    t.teardown(() => page.close());
    await page.goto(`${server.origin}/?profile=player-click`);
    await page.waitForSelector('body[data-ready="1"]');
    const tile = page.locator('.tile[data-title-id="signal-and-noise"]').first();
    await tile.waitFor();
    const clickedAt = await page.evaluate(() => Date.now());
    await tile.click();
    await page.waitForURL(/\/watch\/signal-and-noise-s01e01/);
    await playing(page, SERIES[0]!);
    t.equal(await page.getAttribute('body', 'data-error'), null, 'no player error');
    const p = await probe(page);
    t.ok(p.session?.firstFrameEpochMs, 'a frame was shown');
    t.comment(`startup: ${Math.round(p.session!.firstFrameEpochMs! - clickedAt)} ms from click to first frame (player reported ${p.session!.startupMs} ms)`);
    const media = await page.evaluate(() => (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).filter((e) => /\.(m4s|mp4)$/.test(e.name)).map((e) => e.name));
    t.ok(media.length > 0 && media.every((u) => /\/t\/[^/]+\/content\/signal-and-noise-s01e01\//.test(u)), 'segments come through the session token');
    await page.waitForFunction(() => (document.getElementById('v') as HTMLVideoElement).currentTime > 1);
    await page.screenshot({ path: join(ARTIFACTS, 'player.png') });
    const startup = await server.metrics.registry.getSingleMetric('h3edge_qoe_startup_seconds')!.get();
    t.equal(startup.values.find((v) => (v as { metricName?: string }).metricName === 'h3edge_qoe_startup_seconds_count')?.value, 1, 'the startup beacon reached the metrics');
  });

  t.test('near the end: countdown, next episode prefetched, autoplay from the cache', async (t) => {
    const page = await browser.context.newPage();
    t.teardown(() => page.close());
    await page.goto(`${server.origin}/watch/${SERIES[1]}?profile=player-next`);
    await playing(page, SERIES[1]!);
    await page.evaluate(() => {
      const v = document.getElementById('v') as HTMLVideoElement;
      v.currentTime = v.duration - 13;
    });
    await page.waitForSelector('#next-up:not([hidden])', { timeout: 20_000 });
    t.match(await page.textContent('#next-up'), /Next: Sync in \d+ s/, 'countdown names the next episode');
    await page.screenshot({ path: join(ARTIFACTS, 'player-next-up.png') });
    await playing(page, SERIES[2]!, 40_000);
    t.equal(await page.getAttribute('body', 'data-error'), null, 'no player error');
    t.match(page.url(), /\/watch\/signal-and-noise-s01e03/, 'the address follows the episode');
    const p = await probe(page);
    t.equal(p.prefetched?.grant.titleId, SERIES[2], 'the next episode was prefetched');
    const prefetchedMedia = p.prefetched!.urls.filter((u) => /\.(m4s|mp4)$/.test(u));
    t.ok(prefetchedMedia.some((u) => /\/video\/[^/]+\/init\.mp4$/.test(u)) && prefetchedMedia.some((u) => /\/video\/[^/]+\/seg-1\.m4s$/.test(u)), 'video init and first segment among them');
    // What the player fetched for those URLs after autoplay came from the HTTP cache.
    const after = await page.evaluate(
      ({ urls, since }) =>
        (performance.getEntriesByType('resource') as PerformanceResourceTiming[])
          .filter((e) => urls.includes(e.name) && performance.timeOrigin + e.startTime >= since)
          .map((e) => ({ name: e.name, transferSize: e.transferSize, initiator: e.initiatorType })),
      { urls: prefetchedMedia, since: p.autoplayAtEpochMs! },
    );
    const videoStart = after.filter((e) => /\/video\/[^/]+\/(init\.mp4|seg-1\.m4s)$/.test(e.name));
    t.equal(videoStart.length, 2, 'the player asked for the video init and first segment after autoplay');
    t.same(after.filter((e) => e.transferSize !== 0), [], `all ${after.length} prefetched files it used were cache hits (transferSize 0)`);
    t.comment(`next episode started ${p.session?.startupMs} ms after autoplay`);
  });

  t.test('an encrypted title: ClearKey license requested with the manifest, before any media; plays', async (t) => {
    const page = await browser.context.newPage();
    t.teardown(() => page.close());
    await page.goto(`${server.origin}/watch/${LOCKED}?profile=player-drm`);
    await playing(page, LOCKED);
    t.equal(await page.getAttribute('body', 'data-error'), null, 'no player error');
    await page.waitForFunction(() => (document.getElementById('v') as HTMLVideoElement).currentTime > 2);
    const order = await page.evaluate(() =>
      (performance.getEntriesByType('resource') as PerformanceResourceTiming[])
        .filter((e) => e.name.includes('/v1/license/clearkey') || e.name.endsWith('/master.m3u8') || /\.(mp4|m4s)$/.test(e.name))
        .map((e) => ({ kind: e.name.includes('license') ? 'license' : e.name.endsWith('.m3u8') ? 'manifest' : 'media', start: e.startTime, end: e.responseEnd })),
    );
    const license = order.filter((e) => e.kind === 'license');
    const manifest = order.find((e) => e.kind === 'manifest')!;
    const firstMedia = Math.min(...order.filter((e) => e.kind === 'media').map((e) => e.start));
    t.equal(license.length, 1, 'one license request: the CDM used the one made up front');
    // Not after the manifest was parsed or the CDM asked: the license is already on its way when
    // the first media request starts (the two small requests themselves may or may not overlap).
    t.ok(license[0]!.start < firstMedia, 'the license request started before any media request', { license: license[0], manifest, firstMedia });
    t.comment(`license started ${(license[0]!.start - manifest.start).toFixed(1)} ms after the manifest request, ${(firstMedia - license[0]!.start).toFixed(1)} ms before the first media request`);
  });

  t.test('a CDN that dies mid-playback: the player moves to the next one and keeps playing', async (t) => {
    const port = await freePort();
    const cdns = [
      { id: 'first', baseUrl: `https://127.0.0.1:${port}/`, regions: [] },
      { id: 'second', baseUrl: `https://localhost:${port}/`, regions: [] },
    ];
    const edge = await startTestServer({ media: lib.media, webRoot: lib.webRoot, host: '::', port, logLevel: 'warn', openContent: false, cdns }, server.certs);
    t.teardown(() => edge.close());
    const chromium = await launchChromium({ port, spki: server.certs.spki });
    t.teardown(() => chromium.close());
    const page = await chromium.context.newPage();
    await page.goto(`${edge.origin}/watch/${SERIES[2]}?profile=player-failover`);
    await playing(page, SERIES[2]!);
    const current = () => page.evaluate(() => (window as unknown as { h3player: { session: { pool: { current: string } } } }).h3player.session.pool.current);
    const mediaFrom = (base: string) =>
      page.evaluate((b) => (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).filter((e) => /\.m4s$/.test(e.name) && e.name.startsWith(b)).length, base);
    const first = await current();
    t.ok(cdns.some((c) => c.baseUrl === first), `playing from the first-ranked CDN ${first}`);
    t.ok((await mediaFrom(first)) > 0, 'segments from it');
    // That CDN goes away: its media connections are refused from now on (the API stays up).
    await page.route(`${first}t/**`, (route) => route.abort('connectionrefused'));
    const second = cdns.map((c) => c.baseUrl).find((b) => b !== first)!;
    await page.waitForFunction((b) => (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).some((e) => /\.m4s$/.test(e.name) && e.name.startsWith(b)), second, { timeout: 30_000 });
    await page.waitForFunction(() => (document.getElementById('v') as HTMLVideoElement).currentTime > 12, null, { timeout: 40_000 });
    t.notOk(await page.getAttribute('body', 'data-error'), 'no fatal player error');
    t.equal(await current(), second, 'the player is on the other CDN');
    t.ok((await mediaFrom(second)) >= 2, 'segments kept coming from it');
    const p = await probe(page);
    t.ok(p.session!.reporter.log.some((e) => e.type === 'failover'), 'the failover was reported');
    const metric = await edge.metrics.registry.getSingleMetric('h3edge_qoe_cdn_failovers_total')!.get();
    t.match(metric.values, [{ labels: { reason: 'network' }, value: Number }], 'the edge counted it as a network failover');
  });
});
