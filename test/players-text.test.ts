import t, { type Test } from 'tap';
import type { Page } from 'playwright-core';
import { startTestServer } from './helpers/server.js';
import { launchChromium } from './helpers/browser.js';
import { mediaWithDemoFilm } from './helpers/demo-title.js';
import { readPackageSummary } from '../src/media/package-summary.js';
import { join } from 'node:path';

// Subtitles as CMAF text tracks (DASH: IMSC1 in stpp, WebVTT in wvtt) and segmented WebVTT (HLS),
// shown by hls.js, dash.js and Shaka in headless Chromium over HTTP/3, on the packaged demo film
// and the byte-range episode. The generated cues start every 3 s from 0.5 s: cue n ("EN n")
// starts at 0.5 + 3(n-1) s, so a cue's start time shows the text is on the video's timeline.
const { dir, titleId, byteRangeTitleId } = mediaWithDemoFilm();

interface ShownCue {
  start: number;
  end: number;
  text: string;
}

const VIDEO = 'document.getElementById("v")';

/** Cues of the text tracks the page shows. */
const cuesShown = (page: Page): Promise<ShownCue[]> =>
  page.evaluate(() =>
    [...(document.getElementById('v') as HTMLVideoElement).textTracks]
      .filter((tt) => tt.mode === 'showing')
      // dash.js draws some cues itself and keeps their text in cueHTMLElement.
      .flatMap((tt) =>
        [...(tt.cues ?? [])].map((c) => ({
          start: c.startTime,
          end: c.endTime,
          text: (c as VTTCue).text || ((c as unknown as { cueHTMLElement?: HTMLElement }).cueHTMLElement?.textContent ?? ''),
        })),
      ),
  );

async function openPage(browser: Awaited<ReturnType<typeof launchChromium>>, url: string): Promise<Page> {
  const page = await browser.context.newPage();
  await page.goto(url);
  await page.waitForFunction(`${VIDEO}.currentTime > 1`, null, { timeout: 60_000 });
  return page;
}

/** Waits until cue 2 ("EN 2", or the French one) is loaded, then checks it sits at 3.5 s. */
async function expectSecondCueOnTime(t: Test, page: Page, label: string, textOf: (page: Page) => Promise<ShownCue[]> = cuesShown): Promise<void> {
  const deadline = Date.now() + 45_000;
  let cues: ShownCue[] = [];
  while (Date.now() < deadline) {
    cues = await textOf(page);
    if (cues.some((c) => /\b(EN|FR) 2\b/.test(c.text))) break;
    await page.waitForFunction(`${VIDEO}.currentTime > 0`, null, { timeout: 5_000 });
    await page.waitForTimeout(250);
  }
  const second = cues.find((c) => /\b(EN|FR) 2\b/.test(c.text));
  t.ok(second, `${label}: cue 2 shown (${cues.length} cues: ${cues.slice(0, 3).map((c) => `${c.start.toFixed(2)} ${c.text.split('\n')[0]}`).join(' | ')})`);
  if (second) t.ok(Math.abs(second.start - 3.5) < 0.05, `${label}: cue 2 starts at ${second.start.toFixed(3)} s, on the video's timeline`);
  t.ok(cues.length > 0 && cues.every((c) => /\b(EN|FR) \d+\b/.test(c.text)), `${label}: every cue is one of the title's`);
}

// Text fetched over the network (a segment fetched again after a track switch may come from the
// browser's cache, which reports no protocol).
const textProtocols = (page: Page): Promise<string[]> =>
  page.evaluate(() => [
    ...new Set(
      (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).filter((e) => e.name.includes('/subs/') && e.transferSize > 0).map((e) => e.nextHopProtocol),
    ),
  ]);

t.test('subtitles in hls.js, dash.js and Shaka over HTTP/3', async (t) => {
  const server = await startTestServer({ media: dir, host: '::', logLevel: 'warn' });
  t.teardown(() => server.close());
  const browser = await launchChromium({ port: server.port, spki: server.certs.spki });
  t.teardown(() => browser.close());
  const content = `${server.origin}/content`;

  for (const title of [titleId, byteRangeTitleId]) {
    const languages = ((await readPackageSummary(join(dir, title)))?.subtitles ?? []).map((x) => x.language).sort();
    t.test(`${title}: hls.js shows the segmented WebVTT (X-TIMESTAMP-MAP)`, async (t) => {
      const page = await openPage(browser, `${content}/player/hls.html?src=/content/${title}/master.m3u8`);
      await page.evaluate(() => ((window as unknown as { hls: { subtitleTrack: number } }).hls.subtitleTrack = 0));
      await expectSecondCueOnTime(t, page, 'hls.js');
      t.same(await page.evaluate(() => (window as unknown as { fatal: string[] }).fatal), [], 'no fatal player error');
      t.same(await textProtocols(page), ['h3'], 'subtitle segments over HTTP/3');
      t.ok(
        await page.evaluate(() => (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).filter((e) => /\/subs\/en\/vtt\/seg-\d+\.vtt$/.test(e.name)).length >= 2),
        'WebVTT fetched segment by segment',
      );
      await page.close();
    });

    t.test(`${title}: dash.js shows IMSC1 (stpp) and WebVTT (wvtt) text tracks`, async (t) => {
      type P = { getTracksFor(k: string): Array<{ lang: string; codec: string; index: number }>; setTextTrack(i: number): void; enableText(b: boolean): void };
      const page = await openPage(browser, `${content}/player/dash.html?src=/content/${title}/manifest.mpd`);
      const tracks = await page.evaluate(() => (window as unknown as { player: P }).player.getTracksFor('text').map((x) => `${x.lang} ${x.codec}`));
      t.same(
        [...tracks].sort(),
        languages.flatMap((l) => [`${l} application/mp4;codecs="stpp.ttml.im1t"`, `${l} application/mp4;codecs="wvtt"`]),
        'both CMAF text formats per language',
      );
      const wvtt = tracks.findIndex((x) => x.startsWith('en') && x.includes('wvtt'));
      await page.evaluate((i) => {
        const p = (window as unknown as { player: P }).player;
        p.enableText(true);
        p.setTextTrack(i);
      }, wvtt);
      await expectSecondCueOnTime(t, page, 'dash.js wvtt');
      const stpp = tracks.findIndex((x) => x.startsWith('en') && x.includes('stpp'));
      await page.evaluate((i) => (window as unknown as { player: P }).player.setTextTrack(i), stpp);
      await page.waitForFunction(() => /EN \d+/.test(document.getElementById('ttml')?.textContent ?? ''), null, { timeout: 30_000 });
      t.pass('dash.js renders the IMSC1 track into its TTML element');
      t.same(await page.evaluate(() => (window as unknown as { errors: string[] }).errors), [], 'no player error');
      t.same(await textProtocols(page), ['h3'], 'text segments over HTTP/3');
      await page.close();
    });

    for (const manifest of ['manifest.mpd', 'master.m3u8']) {
      t.test(`${title}: Shaka shows the subtitles of ${manifest}`, async (t) => {
        type Track = { id: number; language: string; mimeType: string; codecs: string | null };
        type S = { getTextTracks(): Track[]; selectTextTrack(t: Track): void };
        const page = await openPage(browser, `${content}/player/shaka.html?src=/content/${title}/${manifest}`);
        const tracks = await page.evaluate(() => (window as unknown as { player: S }).player.getTextTracks().map((x) => ({ ...x })));
        const formats = tracks.map((x) => `${x.language} ${x.mimeType} ${x.codecs}`).sort();
        if (manifest === 'manifest.mpd') {
          t.same(formats, languages.flatMap((l) => [`${l} application/mp4 stpp.ttml.im1t`, `${l} application/mp4 wvtt`]), 'both CMAF text formats per language');
        } else {
          t.same(tracks.map((x) => x.language).sort(), languages, 'a subtitle track per language');
          t.ok(tracks.every((x) => x.mimeType === 'text/vtt'), `segmented WebVTT (${formats.join(', ')})`);
        }
        for (const codecs of manifest === 'manifest.mpd' ? ['wvtt', 'stpp.ttml.im1t'] : ['']) {
          const pick = tracks.find((x) => x.language === 'en' && (x.codecs ?? '').startsWith(codecs));
          // Shaka 5 shows a track as it selects it.
          await page.evaluate((id) => {
            const p = (window as unknown as { player: S }).player;
            p.selectTextTrack(p.getTextTracks().find((x) => x.id === id) as Track);
          }, pick?.id);
          await expectSecondCueOnTime(t, page, `Shaka ${codecs || 'WebVTT'}`);
        }
        t.same(await page.evaluate(() => (window as unknown as { errors: string[] }).errors), [], 'no player error');
        t.same(await textProtocols(page), ['h3'], 'text over HTTP/3');
        await page.close();
      });
    }
  }
});
