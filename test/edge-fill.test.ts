import t from 'tap';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestServer, type TestServer } from './helpers/server.js';
import { h2Client } from './helpers/clients.js';
import { makeTestCerts } from './helpers/certs.js';
import { H3EDGE, run } from './helpers/run.js';
import { scratchDir } from './helpers/scratch.js';

const certs = makeTestCerts();
const keyFile = join(scratchDir('h3edge-fill-keys-'), 'tokens.json');
writeFileSync(keyFile, JSON.stringify({ current: 'k1', keys: { k1: randomBytes(32).toString('base64') } }));
const originMedia = scratchDir('h3edge-fill-origin-');
const files: Record<string, Buffer> = {
  'popular/master.m3u8': Buffer.from('#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nv/index.m3u8\n'),
  'popular/v/init.mp4': randomBytes(1200),
  'popular/v/seg-1.m4s': randomBytes(300_000),
  'big/master.m3u8': Buffer.from('#EXTM3U\n'),
  ...Object.fromEntries(Array.from({ length: 4 }, (_, i) => [`big/v/seg-${i + 1}.m4s`, randomBytes(3 * 1024 * 1024)])),
};
for (const [rel, bytes] of Object.entries(files)) {
  mkdirSync(join(originMedia, rel, '..'), { recursive: true });
  writeFileSync(join(originMedia, rel), bytes);
}
writeFileSync(join(originMedia, 'catalog.json'), JSON.stringify({ titles: [{ id: 'popular' }, { id: 'big' }] }));
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

const fillArgs = (origin: TestServer, media: string, ...extra: string[]) => [
  ...H3EDGE, 'fill', '--upstream', origin.origin, '--media', media, '--upstream-ca', certs.certFile, '--token-keys', keyFile, ...extra,
];

/** Every file of `titles` is in place under `media` and byte-identical to the origin's. */
function allInPlace(media: string, titles: string[]): boolean {
  return Object.entries(files).filter(([rel]) => titles.includes(rel.split('/')[0] as string)).every(([rel, bytes]) => existsSync(join(media, rel)) && sha(readFileSync(join(media, rel))) === sha(bytes));
}

t.test('nightly fill', async (t) => {
  const origin = await startTestServer({ media: originMedia, tokenKeys: keyFile, openContent: false, logLevel: 'info' }, certs);
  t.teardown(() => origin.close());

  t.test('fill pre-positions titles so their first play makes no upstream request', async (t) => {
    const media = scratchDir('h3edge-fill-edge-');
    const r = await run(process.execPath, fillArgs(origin, media, '--now', '--plan', writePlan(['popular'])), { timeoutMs: 60_000 });
    t.equal(r.code, 0, r.stderr.slice(-300));
    const summary = JSON.parse(r.stdout);
    t.match(summary, { filesDownloaded: 3, filesFailed: 0, titles: [{ id: 'popular', status: 'complete' }] });
    t.ok(allInPlace(media, ['popular']), 'files verified and in place');
    const edge = await startTestServer({ media, upstreams: [origin.origin], upstreamCa: certs.certFile, tokenKeys: keyFile, openContent: true }, certs);
    t.teardown(() => edge.close());
    const before = origin.logs.filter((l) => l.msg === 'access').length;
    const client = await h2Client(edge.origin, certs.cert);
    t.teardown(() => client.close());
    for (const rel of ['popular/master.m3u8', 'popular/v/init.mp4', 'popular/v/seg-1.m4s']) {
      const res = await client.request(`/content/${rel}`);
      t.ok(res.body.equals(files[rel] as Buffer), `${rel} served by the edge`);
    }
    t.equal(origin.logs.filter((l) => l.msg === 'access').length, before, 'zero upstream requests on first play');
    const again = await run(process.execPath, fillArgs(origin, media, '--now', '--plan', writePlan(['popular'])), { timeoutMs: 60_000 });
    t.match(JSON.parse(again.stdout), { filesDownloaded: 0, filesPresent: 3 }, 'a second run finds everything in place');
  });

  t.test('SIGKILL in the middle of a fill, then a restart: exactly the right files, nothing partial visible', async (t) => {
    const media = scratchDir('h3edge-fill-kill-');
    // 2 MB/s: the 12 MB title takes about 6 s, so the kill lands mid-file.
    const child = spawn(process.execPath, fillArgs(origin, media, '--now', '--plan', writePlan(['big']), '--rate-bits-per-sec', '16000000'), { stdio: ['ignore', 'pipe', 'pipe'] });
    const limit = setTimeout(() => child.kill('SIGKILL'), 30_000);
    t.teardown(() => clearTimeout(limit));
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        const part = join(media, '.partial');
        const growing = existsSync(part) && readdirSync(part).length > 0;
        if (growing && existsSync(join(media, 'big/master.m3u8'))) {
          clearInterval(poll);
          resolve();
        }
      }, 20);
    });
    child.kill('SIGKILL');
    await once(child, 'exit');
    for (const [rel, bytes] of Object.entries(files).filter(([rel]) => rel.startsWith('big/'))) {
      const p = join(media, rel);
      if (existsSync(p)) t.equal(sha(readFileSync(p)), sha(bytes), `${rel}: visible only when complete`);
    }
    t.ok(readdirSync(join(media, '.partial')).length > 0, 'the cut-off download is kept aside for resuming');
    const rangesBefore = origin.logs.filter((l) => l.msg === 'access' && l.range).length;
    const r = await run(process.execPath, fillArgs(origin, media, '--now', '--plan', writePlan(['big'])), { timeoutMs: 60_000 });
    t.equal(r.code, 0, r.stderr.slice(-300));
    const summary = JSON.parse(r.stdout);
    t.ok(summary.filesResumed >= 1, `resumed ${summary.filesResumed} file(s)`);
    t.ok(origin.logs.filter((l) => l.msg === 'access' && l.range).length > rangesBefore, 'the resume used a Range request');
    t.ok(allInPlace(media, ['big']), 'all checksums match after the restart');
    t.same(readdirSync(join(media, '.partial')), [], 'nothing left aside');
  });

  t.test('outside the fill window nothing is fetched', async (t) => {
    const media = scratchDir('h3edge-fill-window-');
    const now = new Date();
    const later = (m: number) => `${String(Math.floor(((now.getHours() * 60 + now.getMinutes() + m) % 1440) / 60)).padStart(2, '0')}:${String((now.getMinutes() + m) % 60).padStart(2, '0')}`;
    const r = await run(process.execPath, fillArgs(origin, media, '--window', `${later(120)}-${later(180)}`), { timeoutMs: 30_000 });
    t.equal(r.code, 0);
    t.match(r.stderr, /outside the fill window/);
    t.same(readdirSync(media), []);
  });

  t.test('a disk budget keeps the most popular titles and evicts the rest', async (t) => {
    const media = scratchDir('h3edge-fill-budget-');
    mkdirSync(join(media, 'stale'));
    writeFileSync(join(media, 'stale/old.m4s'), randomBytes(1000));
    const r = await run(process.execPath, fillArgs(origin, media, '--now', '--disk-budget-bytes', '1000000'), { timeoutMs: 60_000 });
    t.equal(r.code, 0, r.stderr.slice(-300));
    const summary = JSON.parse(r.stdout);
    t.match(summary.titles, [{ id: 'popular', status: 'complete' }, { id: 'big', status: 'over-budget' }]);
    t.same(summary.evicted, ['stale']);
    t.notOk(existsSync(join(media, 'stale')), 'the unlisted title is gone');
    t.notOk(existsSync(join(media, 'big')), 'the title over the budget was not fetched');
  });
});

function writePlan(titles: string[]): string {
  const p = join(scratchDir('h3edge-plan-'), 'plan.json');
  writeFileSync(p, JSON.stringify({ titles }));
  return p;
}
