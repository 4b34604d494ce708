import t from 'tap';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestServer } from './helpers/server.js';
import { launchEngine } from './helpers/engines.js';
import { makeTestMedia } from './helpers/media.js';

// What Chromium and Firefox put on a player's fetch of a file (client hints, fetch metadata,
// Firefox's alt-used, a Priority field) must leave it eligible for the HTTP/3 engine's kept
// answers (src/http/kept-answers.ts): a browser that adds a field fails here.
const media = makeTestMedia();
const SOURCES = ['demo/master.m3u8', 'demo/v/init.mp4'];
/**
 * A kept answer lasts a second. On a loaded machine (other test files beside this one) the
 * second profile's fetch can come later than that, so a round that kept fewer is tried again,
 * with copies of the files no one fetched yet (a browser's own cache would answer the old ones).
 * A field that makes a browser's fetches ineligible fails every round.
 */
const ROUNDS = 3;
const filesOf = (engine: string, round: number): Array<{ path: string; body: Buffer }> =>
  SOURCES.map((src) => {
    const rel = `browser-kept/${engine}-${round}/${src.split('/').pop()}`;
    return { path: `/content/${rel}`, body: media.files[src] as Buffer, rel };
  }).map(({ path, body, rel }) => {
    mkdirSync(join(media.dir, rel, '..'), { recursive: true });
    writeFileSync(join(media.dir, rel), body);
    return { path, body };
  });

for (const engine of ['chromium', 'firefox'] as const) {
  t.test(`${engine}: the same files fetched by two browser profiles, the second from kept answers`, async (t) => {
    const rounds = Array.from({ length: ROUNDS }, (_, r) => filesOf(engine, r));
    const server = await startTestServer({ media: media.dir, host: '::', logLevel: 'info' });
    t.teardown(() => server.close());
    const browser = await launchEngine(engine, { port: server.port, certs: server.certs });
    t.teardown(() => browser.close());
    // Two contexts: two HTTP caches and connections, as two viewers. Both ready before either
    // fetches, so the second fetch comes well within the answer's second.
    const pages = [];
    for (let i = 0; i < 2; i++) {
      const page = await (await browser.browser.createBrowserContext()).newPage();
      await page.goto(`${server.origin}/healthz`);
      pages.push(page);
    }
    const kept = async (): Promise<number> => Number(/h3edge_quic_kept_answers_total\{engine="native"\} (\d+)/.exec(await server.metrics.registry.metrics())?.[1] ?? 0);
    let keptRound: Array<{ path: string; body: Buffer }> | undefined;
    for (const [r, files] of rounds.entries()) {
      const before = await kept();
      const started = performance.now();
      let secondAfterMs = 0;
      for (const [i, page] of pages.entries()) {
        if (i === 1) secondAfterMs = performance.now() - started;
        const got = await page.evaluate(async (paths: string[]) => Promise.all(paths.map(async (p) => { const res = await fetch(p); return `${res.status} ${(await res.arrayBuffer()).byteLength}`; })), files.map((f) => f.path));
        t.same(got, files.map((f) => `200 ${f.body.length}`), 'whole files');
      }
      const keptNow = (await kept()) - before;
      if (keptNow === files.length) {
        keptRound = files;
        break;
      }
      t.comment(`round ${r + 1}: ${keptNow} of ${files.length} from kept answers; the second profile fetched ${Math.round(secondAfterMs)} ms after the first`);
    }
    t.ok(keptRound, `in one of ${ROUNDS} rounds the second profile got both from kept answers`);
    if (!keptRound) return;
    const paths = keptRound.map((f) => f.path);
    // A kept answer's line comes once its stream closed (after the client's acknowledgement).
    const lines = await server.logged((l) => l.msg === 'access' && paths.includes(l.path as string), 2 * paths.length);
    t.equal(lines.length, 2 * paths.length, 'every fetch has its access line');
    t.ok(lines.every((l) => l.transport === 'h3'), 'all over HTTP/3');
  });
}
