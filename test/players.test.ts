import t from 'tap';
import type { Page } from 'playwright-core';
import { startTestServer } from './helpers/server.js';
import { launchChromium } from './helpers/browser.js';
import { mediaWithDemoFilm } from './helpers/demo-title.js';

// Real players in headless Chromium over HTTP/3, against the packaged demo film.
const { dir, titleId, byteRangeTitleId } = mediaWithDemoFilm();

t.test('players over HTTP/3', async (t) => {
  const server = await startTestServer({ media: dir, host: '::', logLevel: 'warn' });
  t.teardown(() => server.close());
  const browser = await launchChromium({ port: server.port, spki: server.certs.spki });
  t.teardown(() => browser.close());
  const segmentProtocols = (page: Page) =>
    page.evaluate(() => [...new Set((performance.getEntriesByType('resource') as PerformanceResourceTiming[]).filter((e) => /\.(m4s|mp4)$/.test(e.name)).map((e) => e.nextHopProtocol))]);
  const requested = (page: Page, pattern: string) =>
    page.evaluate((p) => (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).some((e) => e.name.includes(p)), pattern);

  t.test('hls.js: plays, both audio languages selectable, subtitles yield cues', async (t) => {
    const page = await browser.context.newPage();
    await page.goto(`${server.origin}/content/player/hls.html?src=/content/${titleId}/master.m3u8`);
    await page.waitForFunction(() => (document.getElementById('v') as HTMLVideoElement).currentTime > 3, null, { timeout: 60_000 });
    t.same(await page.evaluate(() => (window as unknown as { fatal: string[] }).fatal), [], 'no fatal player error');
    t.same(await segmentProtocols(page), ['h3'], 'segments over HTTP/3');
    const langs = await page.evaluate(() => (window as unknown as { hls: { audioTracks: Array<{ lang: string }> } }).hls.audioTracks.map((a) => a.lang));
    t.same(langs, ['en', 'fr']);
    await page.evaluate(() => ((window as unknown as { hls: { audioTrack: number } }).hls.audioTrack = 1));
    await page.waitForFunction(() => (window as unknown as { audioSwitches: string[] }).audioSwitches.includes('fr'), null, { timeout: 30_000 });
    await page.waitForFunction(() => (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).some((e) => e.name.includes('/audio/fr/')), null, { timeout: 30_000 });
    t.ok(await requested(page, '/audio/fr/'), 'French audio segments fetched after the switch');
    await page.evaluate(() => ((window as unknown as { hls: { subtitleTrack: number } }).hls.subtitleTrack = 0));
    await page.waitForFunction(
      () => [...(document.getElementById('v') as HTMLVideoElement).textTracks].some((tt) => tt.mode !== 'disabled' && (tt.cues?.length ?? 0) > 0),
      null,
      { timeout: 30_000 },
    );
    t.pass('subtitle track has cues');
    await page.close();
  });

  t.test('hls.js: throttling the network makes it switch down, lifting it switches up', async (t) => {
    const page = await browser.context.newPage();
    const cdp = await browser.context.newCDPSession(page);
    await cdp.send('Network.enable');
    // Start from a high estimate so the top renditions are reached early in the 60 s film.
    await page.goto(`${server.origin}/content/player/hls.html?startBps=8000000&src=/content/${titleId}/master.m3u8`);
    const switches = () => page.evaluate(() => (window as unknown as { levelSwitches: Array<{ height: number }> }).levelSwitches.map((s) => s.height));
    await page.waitForFunction(() => (window as unknown as { levelSwitches: Array<{ height: number }> }).levelSwitches.some((s) => s.height >= 540), null, { timeout: 60_000 });
    const high = Math.max(...(await switches()));
    const seen = (await switches()).length;
    // 80 kB/s (640 kbit/s) carries 360p at most (about 510 kbit/s with audio; 720p needs 2.6 Mbit/s).
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 40, downloadThroughput: 80_000, uploadThroughput: 100_000 });
    await page.waitForFunction((n) => (window as unknown as { levelSwitches: Array<{ height: number }> }).levelSwitches.slice(n).some((s) => s.height <= 360), seen, { timeout: 60_000 });
    const afterThrottle = (await switches()).length;
    const low = Math.min(...(await switches()).slice(seen));
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    await page.waitForFunction(
      (n) => (window as unknown as { levelSwitches: Array<{ height: number }> }).levelSwitches.slice(n).some((s) => s.height >= 540),
      afterThrottle,
      { timeout: 60_000 },
    );
    const up = Math.max(...(await switches()).slice(afterThrottle));
    t.comment(`renditions: ${high}p → throttled ${low}p → unthrottled ${up}p`);
    t.ok(low < high, 'down-switch under throttling');
    t.ok(up > low, 'up-switch after the throttle is lifted');
    t.same(await page.evaluate(() => (window as unknown as { fatal: string[] }).fatal), [], 'no fatal player error');
    await page.close();
  });

  t.test('byte-range title: hls.js (EXT-X-BYTERANGE) and dash.js (SegmentBase + sidx) play ranges of one file', async (t) => {
    for (const [page, src] of [
      ['hls.html', `/content/${byteRangeTitleId}/master.m3u8`],
      ['dash.html', `/content/${byteRangeTitleId}/manifest.mpd`],
    ] as const) {
      const p = await browser.context.newPage();
      const ranges: string[] = [];
      p.on('request', (r) => {
        const range = r.headers().range;
        if (range && r.url().includes('/video/')) ranges.push(range);
      });
      await p.goto(`${server.origin}/content/player/${page}?src=${src}`);
      await p.waitForFunction(() => (document.getElementById('v') as HTMLVideoElement).currentTime > 3, null, { timeout: 60_000 });
      t.ok(ranges.length >= 2, `${page}: ${ranges.length} range requests for video (${ranges.slice(0, 3).join(' ')})`);
      t.same(await segmentProtocols(p), ['h3'], `${page}: over HTTP/3`);
      await p.close();
    }
  });

  t.test('dash.js: plays, both audio languages selectable, subtitles yield cues', async (t) => {
    const page = await browser.context.newPage();
    await page.goto(`${server.origin}/content/player/dash.html?src=/content/${titleId}/manifest.mpd`);
    await page.waitForFunction(() => (document.getElementById('v') as HTMLVideoElement).currentTime > 3, null, { timeout: 60_000 });
    t.same(await page.evaluate(() => (window as unknown as { errors: string[] }).errors), [], 'no player error');
    t.same(await segmentProtocols(page), ['h3'], 'segments over HTTP/3');
    type P = { getTracksFor(k: string): Array<{ lang: string }>; setCurrentTrack(t: unknown): void; setTextTrack(i: number): void; enableText(b: boolean): void };
    const langs = await page.evaluate(() => (window as unknown as { player: P }).player.getTracksFor('audio').map((a) => a.lang));
    t.same([...langs].sort(), ['en', 'fr']);
    await page.evaluate(() => {
      const p = (window as unknown as { player: P }).player;
      p.setCurrentTrack(p.getTracksFor('audio').find((a) => a.lang === 'fr'));
    });
    await page.waitForFunction(() => (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).some((e) => e.name.includes('/audio/fr/')), null, { timeout: 30_000 });
    t.pass('French audio segments fetched after the switch');
    const textLangs = await page.evaluate(() => (window as unknown as { player: P }).player.getTracksFor('text').map((a) => a.lang));
    t.ok(textLangs.includes('en') && textLangs.includes('fr'), `text tracks ${textLangs.join(',')}`);
    await page.evaluate(() => {
      const p = (window as unknown as { player: P }).player;
      p.enableText(true);
      p.setTextTrack(0);
    });
    await page.waitForFunction(
      () =>
        [...(document.getElementById('v') as HTMLVideoElement).textTracks].some((tt) => (tt.cues?.length ?? 0) > 0) &&
        (document.getElementById('ttml')?.textContent ?? '').includes('Long Test Pattern'),
      null,
      { timeout: 30_000 },
    );
    t.pass('TTML subtitle track has cues, rendered on the page');
    await page.close();
  });
});
