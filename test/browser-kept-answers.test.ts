import t from 'tap';
import { startTestServer } from './helpers/server.js';
import { launchEngine } from './helpers/engines.js';
import { makeTestMedia } from './helpers/media.js';

// What Chromium and Firefox put on a player's fetch of a file (client hints, fetch metadata,
// Firefox's alt-used, a Priority field) must leave it eligible for the HTTP/3 engine's kept
// answers (src/http/kept-answers.ts): a browser that adds a field fails here.
const media = makeTestMedia();
const FILES = ['/content/demo/master.m3u8', '/content/demo/v/init.mp4'];

for (const engine of ['chromium', 'firefox'] as const) {
  t.test(`${engine}: the same files fetched by two browser profiles, the second from kept answers`, async (t) => {
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
    const before = await kept();
    for (const page of pages) {
      const got = await page.evaluate(async (files: string[]) => Promise.all(files.map(async (f) => { const r = await fetch(f); return `${r.status} ${(await r.arrayBuffer()).byteLength}`; })), FILES);
      t.same(got, FILES.map((f) => `200 ${(media.files[f.replace('/content/', '')] as Buffer).length}`), 'whole files');
    }
    t.equal((await kept()) - before, FILES.length, 'the second profile got both from kept answers');
    // A kept answer's line comes once its stream closed (after the client's acknowledgement).
    const lines = await server.logged((l) => l.msg === 'access' && FILES.includes(l.path as string), 2 * FILES.length);
    t.equal(lines.length, 2 * FILES.length, 'every fetch has its access line');
    t.ok(lines.every((l) => l.transport === 'h3'), 'all over HTTP/3');
  });
}
