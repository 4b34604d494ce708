import t from 'tap';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { startTestServer, type TestServer } from './helpers/server.js';
import { launchChromium, type TestBrowser } from './helpers/browser.js';
import { mediaWithDemoFilm } from './helpers/demo-title.js';
import { originBehindLink, playThroughEdge } from './helpers/edge-on-link.js';

// Real players in headless Chromium over HTTP/3 talking CTA-5004/5006 with the node: hls.js,
// dash.js and Shaka configured to send CMCD (query argument, then fields) are read by the node;
// dash.js with CMSD applies the node's suggested maximum bitrate (mb) under duress and lets go
// of it after. The same film through an edge whose origin is 80 ms away: see the last test.
const { dir, titleId } = mediaWithDemoFilm();
copyFileSync(join(import.meta.dirname, 'fixtures/players/cmcd.html'), join(dir, 'player/cmcd.html'));
const POLL_MS = 250;
const VIDEO_SEGMENT = /\/video\/[^/]+\/seg-\d+\.m4s/;
// Segments for the priority race: four large ones for a comfortable player, one for a starving one.
mkdirSync(join(dir, 'race/video/720p'), { recursive: true });
for (let i = 1; i <= 4; i++) writeFileSync(join(dir, `race/video/720p/seg-${10 + i}.m4s`), randomBytes(16 * 1024 * 1024));
writeFileSync(join(dir, 'race/video/720p/seg-20.m4s'), randomBytes(4 * 1024 * 1024));

type Player = 'hls' | 'dash' | 'shaka';
const manifestOf = (player: Player) => `/content/${titleId}/${player === 'dash' ? 'manifest.mpd' : 'master.m3u8'}`;

// Each player in a context of its own: over fields the three fetch the same segment URLs, and one
// player's request must not be answered from the HTTP cache another filled.
async function open(browser: TestBrowser, server: TestServer, player: Player, query: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${server.origin}/content/player/cmcd.html?player=${player}&src=${manifestOf(player)}&${query}`);
  return page;
}

const playedPast = (page: Page, seconds: number, timeoutMs = 60_000) =>
  page.waitForFunction(
    (s) => (document.getElementById('v') as HTMLVideoElement).currentTime > s || (window as unknown as { errors: string[] }).errors.length > 0,
    seconds,
    { timeout: timeoutMs, polling: POLL_MS },
  );
const errorsOf = (page: Page) => page.evaluate(() => (window as unknown as { errors: string[] }).errors);

t.test('players in Chromium over HTTP/3', async (t) => {
  const server = await startTestServer({ media: dir, host: '::', logLevel: 'info', policyMaxBandwidth: 20_000_000 });
  t.teardown(() => server.close());
  const browser = await launchChromium({ port: server.port, spki: server.certs.spki });
  t.teardown(() => browser.close());
  type Access = { path: string; transport: string; cmcd?: Record<string, unknown> & { via: string; sid?: string } };
  const accesses = () => server.logs.filter((l) => l.msg === 'access') as unknown as Access[];

  t.test('hls.js, dash.js and Shaka send CMCD as a query argument and as fields; the node reads every request of theirs', async (t) => {
    const started = Date.now();
    for (const mode of ['query', 'headers'] as const) {
      const pages = await Promise.all((['hls', 'dash', 'shaka'] as const).map(async (player) => ({ player, page: await open(browser, server, player, `cmcd=${mode}`) })));
      await Promise.all(pages.map(({ page }) => playedPast(page, 2)));
      for (const { player, page } of pages) {
        t.same(await errorsOf(page), [], `${player}: no player error`);
        const sid = `cmcd-${player}-${mode}`;
        // Playing past 2 s may need one video segment only: the player, still playing, asks for its next.
        await server.logged((l) => l.msg === 'access' && (l as unknown as Access).cmcd?.sid === sid && VIDEO_SEGMENT.test(String(l.path)), 2, 30_000).catch(() => undefined);
        await page.context().close();
        const mine = accesses().filter((a) => a.cmcd?.sid === sid);
        const segments = mine.filter((a) => VIDEO_SEGMENT.test(a.path));
        t.ok(segments.length >= 2, `${player} (${mode}): ${mine.length} requests with CMCD, ${segments.length} of them video segments`);
        t.ok(mine.every((a) => a.transport === 'h3'), 'over HTTP/3');
        t.ok(mine.every((a) => a.cmcd?.via === (mode === 'query' ? 'query' : 'headers')), `all read from the ${mode === 'query' ? 'query argument' : 'CMCD-* fields'}`);
        t.ok(mine.every((a) => a.cmcd?.invalid === undefined), 'no value ignored');
        t.ok(segments.every((a) => a.cmcd?.sf === (player === 'dash' ? 'd' : 'h') && a.cmcd?.st === 'v'), 'segments: the streaming format and the stream type (VOD)');
        t.ok(mine.some((a) => a.cmcd?.ot === 'm' && /\.(m3u8|mpd)$/.test(a.path.split('?')[0] ?? '')), 'manifests: ot=m');
        t.ok(mine.some((a) => a.cmcd?.su === true), 'startup requests: su');
        const keys = [...new Set(mine.flatMap((a) => Object.keys(a.cmcd ?? {})))].filter((k) => k !== 'via').sort();
        t.comment(`${player} (${mode}) sent: ${keys.join(' ')}`);
        // Shaka 5.2 over HLS leaves the object type, buffer length and next object off some of its segment requests.
        if (player === 'shaka') continue;
        t.ok(segments.every((a) => a.cmcd?.ot === 'v'), 'video segments: ot=v');
        t.ok(segments.every((a) => typeof a.cmcd?.br === 'number' && typeof a.cmcd?.d === 'number'), 'with their bitrate and duration');
        t.ok(segments.some((a) => typeof a.cmcd?.bl === 'number'), 'and the buffer length');
        t.ok(segments.some((a) => typeof a.cmcd?.nor === 'string'), 'naming the next object (nor)');
      }
    }
    t.comment(`six plays in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  });

  t.test("Chromium's own HTTP/3 stack: a segment for a starving player (CMCD bs) overtakes four for a comfortable one on the connection", async (t) => {
    const page = await browser.context.newPage();
    t.teardown(() => page.close());
    await page.goto(`${server.origin}/content/player/cmcd.html?player=none`);
    const order = await page.evaluate(async () => {
      const done: string[] = [];
      const get = (path: string, cmcd: Record<string, string>, name: string, onHead?: () => void) =>
        fetch(path, { headers: cmcd, cache: 'no-store' }).then(async (r) => {
          onHead?.();
          await r.arrayBuffer();
          done.push(name);
        });
      let underWay: () => void = () => {};
      const head = new Promise<void>((resolve) => (underWay = resolve));
      const comfortable = { 'CMCD-Request': 'bl=30000', 'CMCD-Object': 'd=4000,ot=v' };
      const bulk = [11, 12, 13, 14].map((n) => get(`/content/race/video/720p/seg-${n}.m4s`, comfortable, `bulk${n}`, underWay));
      await head;
      const urgent = get('/content/race/video/720p/seg-20.m4s', { 'CMCD-Status': 'bs', 'CMCD-Request': 'bl=0', 'CMCD-Object': 'd=4000,ot=v' }, 'starving');
      await Promise.all([...bulk, urgent]);
      return done;
    });
    t.ok(order.indexOf('starving') < 2, `the starving player's segment finishes ahead of at least three of the four (order: ${order.join(' ')})`);
    const lines = server.logs.filter((l) => l.msg === 'access' && String(l.path).startsWith('/content/race/')) as unknown as Array<{ path: string; transport: string; priority: { chosenBy: string; urgency: number } }>;
    t.ok(lines.every((l) => l.transport === 'h3' && l.priority.chosenBy === 'cmcd'), 'over HTTP/3, each at the priority its CMCD asked for');
    t.same([...new Set(lines.map((l) => `${l.path.endsWith('seg-20.m4s') ? 'starving' : 'bulk'} u=${l.priority.urgency}`))].sort(), ['bulk u=4', 'starving u=1']);
  });

  t.test('dash.js with CMSD: at most mb within a few segments once the node is under duress, back up after', async (t) => {
    const mpd = readFileSync(join(dir, titleId, 'manifest.mpd'), 'utf8');
    const bandwidths = [...mpd.matchAll(/<Representation[^>]*bandwidth="(\d+)"[^>]*>/g)].map((m) => Number(m[1]));
    t.ok(bandwidths.length >= 4, `representations: ${bandwidths.join(', ')}`);
    // A suggested maximum that leaves two video rungs once the audio is taken off (dash.js does).
    const mbKbps = 600;
    // Six seconds ahead at twice real time: a request every 2 s or so, through the whole film.
    const page = await open(browser, server, 'dash', 'cmcd=query&cmsd=1&rate=2&buffer=6');
    t.teardown(() => page.close());
    type Req = { bandwidth: number };
    const requests = () => page.evaluate(() => (window as unknown as { videoRequests: Array<{ bandwidth: number }> }).videoRequests) as Promise<Req[]>;
    const requested = (from: number, test: string, value: number) =>
      page.waitForFunction(
        ([n, kind, v]) => (window as unknown as { videoRequests: Array<{ bandwidth: number }> }).videoRequests.slice(n as number).some((r) => (kind === 'above' ? r.bandwidth > (v as number) : r.bandwidth <= (v as number))),
        [from, test, value] as const,
        { timeout: 60_000, polling: POLL_MS },
      );
    await requested(0, 'above', mbKbps * 1000);
    const high = Math.max(...(await requests()).map((r) => r.bandwidth));
    t.ok(high > mbKbps * 1000, `unconstrained on loopback it fetches ${high / 1000} kbit/s video`);
    await server.reload({ ...server.config, duressEgressBitsPerSec: 1, duressMaxBitrateKbps: mbKbps });
    const atDuress = (await requests()).length;
    await requested(atDuress, 'atMost', mbKbps * 1000);
    const underDuress = (await requests()).slice(atDuress);
    const firstLow = underDuress.findIndex((r) => r.bandwidth <= mbKbps * 1000);
    t.ok(firstLow >= 0 && firstLow <= 3, `at most mb=${mbKbps} kbit/s from the ${firstLow + 1}. video segment after the node went under duress (${underDuress.map((r) => r.bandwidth / 1000).join(', ')})`);
    // Stays down while the duress lasts: two more segments.
    await page.waitForFunction((n) => (window as unknown as { videoRequests: unknown[] }).videoRequests.length >= n, atDuress + firstLow + 2, { timeout: 60_000, polling: POLL_MS });
    const settled = (await requests()).slice(atDuress + firstLow + 1);
    t.ok(settled.every((r) => r.bandwidth <= mbKbps * 1000), `and stays at most mb (${settled.map((r) => r.bandwidth / 1000).join(', ')})`);
    const cmsd = server.logs.filter((l) => l.msg === 'access' && (l as { cmcd?: { sid?: string } }).cmcd?.sid === 'cmcd-dash-query').length;
    t.ok(cmsd > 0, 'its requests reached the node with CMCD');
    await server.reload({ ...server.config, duressEgressBitsPerSec: 0 });
    const atRelease = (await requests()).length;
    await requested(atRelease, 'above', mbKbps * 1000);
    const after = (await requests()).slice(atRelease);
    t.ok(after.some((r) => r.bandwidth > mbKbps * 1000), `back above mb once the duress is over (${after.map((r) => r.bandwidth / 1000).join(', ')})`);
    t.same(await errorsOf(page), [], 'no player error');
  });
});

t.test('a cold title through an edge whose origin is 80 ms away: CMCD prefetch makes the edge hit', { skip: process.getuid?.() !== 0 && 'needs root: network namespaces' }, async (t) => {
  const origin = await originBehindLink(t, dir, 80);
  // dash.js names the next object of every track (hls.js 1.7 only of the main one).
  const play = (cmcd: boolean) => playThroughEdge(t, origin, { player: 'dash', titleId, playerDir: join(dir, 'player'), cmcd, playSeconds: 8 });
  const withCmcd = await play(true);
  const without = await play(false);
  for (const [name, run] of [['with CMCD', withCmcd], ['without', without]] as const) {
    t.comment(`${name}: ${run.segments} segments after each track's first: ${run.hits} from the edge's disk, ${run.joined} joined a prefetch in flight, ${run.misses} pulled on request; played ${run.playedSeconds.toFixed(1)} s in ${run.wallSeconds.toFixed(1)} s`);
  }
  if (withCmcd.segments < 6 || without.segments < 6) t.comment(`the edge's requests:\n${withCmcd.requests.join('\n')}\n---\n${without.requests.join('\n')}`);
  t.ok(withCmcd.segments >= 6, `enough segments to judge (${withCmcd.segments})`);
  t.ok((withCmcd.hits + withCmcd.joined) / withCmcd.segments >= 0.9, `with CMCD ≥ 90 % of the segments after the first are edge hits (${withCmcd.hits + withCmcd.joined}/${withCmcd.segments})`);
  t.ok((without.hits + without.joined) / without.segments <= 0.1, `without CMCD about none are (${without.hits + without.joined}/${without.segments})`);
  t.same([...withCmcd.errors, ...without.errors], [], 'no player error');
});
