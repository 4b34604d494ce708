import t from 'tap';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page, Request } from 'playwright-core';
import { startTestServer } from './helpers/server.js';
import { launchChromium } from './helpers/browser.js';
import { makeHomeLibrary } from './helpers/home-library.js';

// The browse page in headless Chromium over HTTP/3 against a catalog of 300+ titles.
const ARTIFACTS = join(import.meta.dirname, 'artifacts');
const isArtwork = (url: string) => new URL(url).pathname.startsWith('/artwork/');
const isVideo = (url: string) => /\.(m3u8|mpd|m4s|mp4)(\?|$)|\/t\/[^/]+\/content\//.test(url);

/** Tile ids whose box is on screen: inside the viewport and inside their row's scroller. */
const visibleTiles = (page: Page) =>
  page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>('.tile')]
      .filter((el) => {
        const r = el.querySelector('img')!.getBoundingClientRect();
        const s = el.parentElement!.getBoundingClientRect();
        const x0 = Math.max(r.left, s.left, 0);
        const x1 = Math.min(r.right, s.right, innerWidth);
        const y0 = Math.max(r.top, 0);
        const y1 = Math.min(r.bottom, innerHeight);
        return x1 > x0 && y1 > y0;
      })
      .map((el) => el.dataset.titleId!),
  );

t.test('browse page', async (t) => {
  const lib = await makeHomeLibrary({ synthetic: 320, copyMedia: [] });
  t.ok(lib.catalog.titles.length >= 300, `${lib.catalog.titles.length} titles in the catalog`);
  const server = await startTestServer({ media: lib.media, webRoot: lib.webRoot, host: '::', logLevel: 'warn' });
  t.teardown(() => server.close());
  const browser = await launchChromium({ port: server.port, spki: server.certs.spki });
  t.teardown(() => browser.close());
  const page = await browser.context.newPage();
  const finished: Request[] = [];
  page.on('requestfinished', (r) => finished.push(r));

  t.test('first render: artwork of visible tiles only, AVIF, no video bytes', async (t) => {
    await page.goto(`${server.origin}/?profile=browse-test`);
    await page.waitForSelector('body[data-ready="1"]');
    const visible = await visibleTiles(page);
    t.ok(visible.length >= 8, `${visible.length} tiles on screen`);
    // Every visible tile's image has arrived...
    await page.waitForFunction(
      (n) => [...document.querySelectorAll<HTMLImageElement>('.tile img')].filter((i) => i.complete && i.naturalWidth > 0).length >= n,
      visible.length,
    );
    await page.waitForLoadState('networkidle');
    const artwork = finished.filter((r) => isArtwork(r.url()));
    const artworkIds = artwork.map((r) => decodeURIComponent(new URL(r.url()).pathname.split('/')[2]!));
    // ...and nothing else was fetched for tiles off screen. A title in two rows shares one image.
    t.same([...artworkIds].sort(), [...new Set(visible)].sort(), 'one artwork request per title on screen, none for the others');
    t.ok((await page.locator('.tile').count()) > visible.length, 'more tiles are in the DOM than on screen');
    const types = await Promise.all(artwork.map(async (r) => (await r.response())!.headers()['content-type']));
    t.same([...new Set(types)], ['image/avif'], 'Chromium accepts AVIF and gets it');
    t.same(finished.filter((r) => isVideo(r.url())).map((r) => r.url()), [], 'no manifests or segments');
    t.ok(
      finished.every((r) => new URL(r.url()).port === String(server.port)),
      'everything from the edge',
    );
    const sizes = await Promise.all(finished.map(async (r) => ({ url: r.url(), ...(await r.sizes()) })));
    const bytes = sizes.reduce((sum, s) => sum + s.responseBodySize + s.responseHeadersSize, 0);
    const artBytes = sizes.filter((s) => isArtwork(s.url)).reduce((sum, s) => sum + s.responseBodySize, 0);
    t.comment(`first render: ${finished.length} requests, ${bytes} bytes (${artwork.length} images, ${artBytes} bytes of artwork)`);
    const protocols = await page.evaluate(() => [...new Set((performance.getEntriesByType('resource') as PerformanceResourceTiming[]).map((e) => e.nextHopProtocol))]);
    t.same(protocols, ['h3'], 'over HTTP/3');
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'browse.png') });
  });

  t.test('scrolling down loads more rows and their artwork', async (t) => {
    const rowsBefore = Number(await page.getAttribute('body', 'data-rows'));
    const imagesBefore = finished.filter((r) => isArtwork(r.url())).length;
    await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
    await page.waitForFunction((n) => Number(document.body.dataset.rows) > n, rowsBefore);
    await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
    await page.waitForFunction(
      (n) => (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).filter((e) => e.name.includes('/artwork/')).length > n,
      imagesBefore,
    );
    const rowsAfter = Number(await page.getAttribute('body', 'data-rows'));
    t.ok(rowsAfter > rowsBefore, `rows: ${rowsBefore} → ${rowsAfter}`);
    t.same(finished.filter((r) => isVideo(r.url())).map((r) => r.url()), [], 'still no video bytes');
  });

  t.test('scrolling a row sideways loads its next tiles', async (t) => {
    await page.evaluate(() => window.scrollTo(0, 0));
    const row = page.locator('section.row').nth(1);
    const before = await row.locator('.tile').count();
    await row.locator('.scroller').evaluate((el) => el.scrollTo({ left: el.scrollWidth }));
    await page.waitForFunction((n) => document.querySelectorAll('section.row')[1]!.querySelectorAll('.tile').length > n, before);
    const after = await row.locator('.tile').count();
    t.ok(after > before, `tiles in row 2: ${before} → ${after}`);
  });
});
