import { copyFileSync, cpSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'puppeteer-core';
import type { Test } from 'tap';
import { mediaWithDemoFilm } from './demo-title.js';
import { scratchDir } from './scratch.js';
import { startTestServer, type TestServer } from './server.js';
import { artifactPath, launchEngine, type Engine, type EngineBrowser } from './engines.js';

const ROOT = join(import.meta.dirname, '../..');

export type PlayerName = 'hls' | 'dash' | 'shaka';
type TitleKind = 'clear' | 'byte-range' | 'clearkey';

/** One cell of the matrix: a player, the manifest format it plays, a kind of title. */
export interface MatrixCase {
  player: PlayerName;
  format: 'hls' | 'dash';
  kind: TitleKind;
}

/**
 * Per browser: each player on the clear film (second audio language and subtitles selected),
 * the byte-range episode and the ClearKey film. Shaka plays the ClearKey film from both
 * manifests: over HLS it needs the "identity" key, over DASH the license server it POSTs to
 * without a Content-Type.
 */
export const MATRIX: readonly MatrixCase[] = [
  { player: 'hls', format: 'hls', kind: 'clear' },
  { player: 'dash', format: 'dash', kind: 'clear' },
  { player: 'shaka', format: 'hls', kind: 'clear' },
  { player: 'hls', format: 'hls', kind: 'byte-range' },
  { player: 'dash', format: 'dash', kind: 'byte-range' },
  { player: 'shaka', format: 'dash', kind: 'byte-range' },
  { player: 'hls', format: 'hls', kind: 'clearkey' },
  { player: 'dash', format: 'dash', kind: 'clearkey' },
  { player: 'shaka', format: 'hls', kind: 'clearkey' },
  { player: 'shaka', format: 'dash', kind: 'clearkey' },
];

const PLAYER_FILES: Record<PlayerName, [string, string]> = {
  hls: ['node_modules/hls.js/dist/hls.min.js', 'hls.min.js'],
  dash: ['node_modules/dashjs/dist/modern/umd/dash.all.min.js', 'dash.all.min.js'],
  shaka: ['node_modules/shaka-player/dist/shaka-player.compiled.js', 'shaka-player.compiled.js'],
};

/** Seconds of playback a case must pass: past the first segments, into steady state. */
const PLAY_PAST_SEC = 10;
/** How often a wait looks again (not on animation frames: those stop in a window not in front). */
const POLL_MS = 250;
/** At most this many tabs play at once in one browser (two cores shared with other work). */
const TABS_AT_ONCE = 4;

/** What one case saw, gathered in the page once it played past PLAY_PAST_SEC or failed. */
interface CaseResult {
  currentTime: number;
  errors: string[];
  warnings: string[];
  protocols: Record<string, string[]>;
  /** Requests that got no response (aborted by the player). */
  aborted: number;
  audioLanguages: string[];
  textLanguages: string[];
  frenchAudioFetched: boolean;
  textCues: number;
  mediaKeys: boolean;
  keyRequests: string[];
  videoRangeRequests: number;
  screenshot: string;
  seconds: number;
}

interface MatrixMedia {
  dir: string;
  keys: string;
  titles: Record<TitleKind, string>;
}

/** The demo library's clear film, byte-range episode and ClearKey film (with its key), and the test page. */
function matrixMedia(): MatrixMedia {
  const { dir, titleId, byteRangeTitleId } = mediaWithDemoFilm();
  const locked = 'locked-test-pattern';
  const keyFile = join(ROOT, 'keys', `${locked}.json`);
  if (!existsSync(join(ROOT, 'media', locked, 'master.m3u8')) || !existsSync(keyFile)) throw new Error(`the demo library has no ${locked} with its key (make demo)`);
  cpSync(join(ROOT, 'media', locked), join(dir, locked), { recursive: true });
  const keys = scratchDir('h3edge-matrix-keys-');
  copyFileSync(keyFile, join(keys, `${locked}.json`));
  mkdirSync(join(dir, 'player'), { recursive: true });
  copyFileSync(join(ROOT, 'test/fixtures/players/matrix.html'), join(dir, 'player/matrix.html'));
  for (const [from, to] of Object.values(PLAYER_FILES)) copyFileSync(join(ROOT, from), join(dir, 'player', to));
  return { dir, keys, titles: { clear: titleId, 'byte-range': byteRangeTitleId, clearkey: locked } };
}

/**
 * Runs the whole matrix in one browser of `engine` against one node over HTTP/3: all cases start
 * at once (at most TABS_AT_ONCE tabs playing), and each gets a subtest asserting playback past
 * 10 s, no player error, every request of the page over h3, and what its kind of title needs.
 */
export async function runPlayerMatrix(t: Test, engine: Engine): Promise<void> {
  const started = Date.now();
  const media = matrixMedia();
  const server = await startTestServer({ media: media.dir, keyStore: media.keys, host: '::', logLevel: 'warn' });
  t.teardown(() => server.close());
  const browser = await launchEngine(engine, { port: server.port, certs: server.certs });
  t.teardown(() => browser.close());
  mkdirSync(artifactPath('players'), { recursive: true });
  const pool = slots(TABS_AT_ONCE);
  const runs = MATRIX.map((c) => pool(() => playCase(browser, server, media, c)));
  // Settled promises: a failing case must not leave the others unhandled.
  runs.forEach((r) => r.catch(() => undefined));
  for (const [i, c] of MATRIX.entries()) {
    await t.test(`${engine} · ${c.player} (${c.format}) · ${c.kind} title`, async (t) => {
      const r = await runs[i]!;
      t.comment(`played ${r.currentTime.toFixed(1)} s in ${r.seconds.toFixed(1)} s (${r.aborted} requests aborted by the player); screenshot ${r.screenshot}`);
      if (r.warnings.length > 0) t.comment(`recovered player warnings: ${r.warnings.join(' | ')}`);
      t.same(r.errors, [], 'no player error');
      t.ok(r.currentTime > PLAY_PAST_SEC, `plays past ${PLAY_PAST_SEC} s (currentTime ${r.currentTime.toFixed(1)})`);
      t.same(Object.keys(r.protocols), ['h3'], `every request of the page over HTTP/3 (nextHopProtocol: ${JSON.stringify(r.protocols)})`);
      if (c.kind === 'clear') {
        t.same([...r.audioLanguages].sort(), ['en', 'fr'], 'both audio languages offered');
        t.ok(r.frenchAudioFetched, 'the second audio language (fr) was selected and its segments fetched');
        t.ok(r.textLanguages.includes('en') && r.textLanguages.includes('fr'), `subtitles offered: ${r.textLanguages.join(',')}`);
        t.ok(r.textCues > 0, `the selected subtitles yield cues (${r.textCues})`);
      }
      if (c.kind === 'byte-range') t.ok(r.videoRangeRequests >= 2, `video fetched as ranges of one file (${r.videoRangeRequests} range requests)`);
      if (c.kind === 'clearkey') {
        t.ok(r.mediaKeys, 'a ClearKey CDM is attached: the media is decrypted, not clear');
        t.ok(r.keyRequests.length > 0, `the player fetched its key from the session (${r.keyRequests.join(', ')})`);
      }
    });
  }
  t.comment(`${engine} matrix: ${MATRIX.length} cases in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

/** Calls `fn`s with at most `n` running at once. */
function slots(n: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: Array<() => void> = [];
  return async (fn) => {
    if (running >= n) await new Promise<void>((resolve) => waiting.push(resolve));
    running++;
    try {
      return await fn();
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
}

type PageWindow = Window & {
  errors: string[];
  warnings: string[];
  controls?: { audioLanguages(): string[]; selectAudio(l: string): void; textLanguages(): string[]; selectText(l: string): void };
};

async function playCase(browser: EngineBrowser, server: TestServer, media: MatrixMedia, c: MatrixCase): Promise<CaseResult> {
  const started = Date.now();
  // A window each: a background tab is hidden, and browsers pause hidden muted video.
  const page = await browser.browser.newPage({ type: 'window' });
  try {
    const name = `${browser.engine}-${c.player}-${c.format}-${c.kind}`;
    const ranges: string[] = [];
    page.on('request', (r) => {
      const range = r.headers().range;
      if (range && r.url().includes('/video/')) ranges.push(range);
    });
    // Requests the player gave up on (an audio switch, a level switch): the browser may report
    // them with or without a protocol, so they are left out of the protocol check and counted.
    const failed: string[] = [];
    page.on('requestfailed', (r) => failed.push(r.url()));
    const title = media.titles[c.kind];
    await page.goto(`${server.origin}/content/player/matrix.html?player=${c.player}&format=${c.format}&title=${title}&profile=${name}`);
    await page.waitForFunction(() => (window as unknown as PageWindow).controls !== undefined || (window as unknown as PageWindow).errors.length > 0, { timeout: 60_000, polling: POLL_MS });
    if (c.kind === 'clear') await selectSecondLanguages(page);
    await page.waitForFunction(
      (past: number) => (document.getElementById('v') as HTMLVideoElement).currentTime > past || (window as unknown as PageWindow).errors.length > 0,
      { timeout: 90_000, polling: POLL_MS },
      PLAY_PAST_SEC,
    );
    if (c.kind === 'clear') await waitForSecondLanguages(page);
    const screenshot = artifactPath('players', `${name}.png`);
    await page.screenshot({ path: screenshot as `${string}.png` });
    const seen = await page.evaluate((origin: string, failed: string[]) => {
      const w = window as unknown as PageWindow;
      const v = document.getElementById('v') as HTMLVideoElement;
      const entries = (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).filter((e) => e.name.startsWith(origin));
      // A request the player aborted got no (whole) response and may name no protocol.
      const answered = entries.filter((e) => e.responseStart > 0 && !failed.includes(e.name));
      const protocols: Record<string, string[]> = {};
      for (const e of answered) (protocols[e.nextHopProtocol || '(none)'] ??= []).push(new URL(e.name).pathname.split('/').slice(-2).join('/'));
      return {
        currentTime: v.currentTime,
        errors: w.errors,
        warnings: w.warnings,
        protocols,
        aborted: entries.length - answered.length,
        audioLanguages: w.controls?.audioLanguages() ?? [],
        textLanguages: w.controls?.textLanguages() ?? [],
        frenchAudioFetched: entries.some((e) => e.name.includes('/audio/fr/')),
        textCues: [...v.textTracks].filter((tt) => tt.mode !== 'disabled').reduce((n, tt) => n + (tt.cues?.length ?? 0), 0),
        mediaKeys: v.mediaKeys !== null,
        keyRequests: entries.filter((e) => e.name.includes('/v1/license/')).map((e) => new URL(e.name).pathname),
      };
    }, server.origin, failed);
    // The page document itself: Resource Timing lists subresources only.
    const nav = await page.evaluate(() => (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined)?.nextHopProtocol ?? '(none)');
    (seen.protocols[nav] ??= []).push('matrix.html');
    return { ...seen, videoRangeRequests: ranges.length, screenshot, seconds: (Date.now() - started) / 1000 };
  } finally {
    await page.close();
  }
}

/** Picks French audio and English subtitles once the player lists its tracks. */
async function selectSecondLanguages(page: Page): Promise<void> {
  await page.waitForFunction(
    () => {
      const c = (window as unknown as PageWindow).controls;
      return (c !== undefined && c.audioLanguages().includes('fr') && c.textLanguages().includes('en')) || (window as unknown as PageWindow).errors.length > 0;
    },
    { timeout: 30_000, polling: POLL_MS },
  );
  await page.evaluate(() => {
    const c = (window as unknown as PageWindow).controls;
    c?.selectAudio('fr');
    c?.selectText('en');
  });
}

/** French segments fetched and subtitle cues present, or an error: what the assertions then read. */
async function waitForSecondLanguages(page: Page): Promise<void> {
  await page
    .waitForFunction(
      () => {
        const v = document.getElementById('v') as HTMLVideoElement;
        const fr = (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).some((e) => e.name.includes('/audio/fr/'));
        const cues = [...v.textTracks].some((tt) => tt.mode !== 'disabled' && (tt.cues?.length ?? 0) > 0);
        return (fr && cues) || (window as unknown as PageWindow).errors.length > 0;
      },
      { timeout: 30_000, polling: POLL_MS },
    )
    .catch(() => undefined); // the assertions say which of the two is missing
}
