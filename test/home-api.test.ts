import t from 'tap';
import sharp from 'sharp';
import { startTestServer } from './helpers/server.js';
import { h2Client, h3Client, type ProtocolClient } from './helpers/clients.js';
import { makeHomeLibrary } from './helpers/home-library.js';
import { addLadderTitle } from './helpers/playback-media.js';

// The metadata API, artwork negotiation, QoE beacons and the web app's routes, over h2 and h3.
const json = (body: unknown) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify(body)) });
type Row = { id: string; title: string; tiles: Array<{ id: string; playId: string; progress?: number; image: { src: string; srcset: string } }>; next?: string };

t.test('home API', async (t) => {
  const lib = await makeHomeLibrary({ synthetic: 40, copyMedia: [] });
  addLadderTitle(lib.media, 'signal-and-noise-s01e01');
  const server = await startTestServer({ media: lib.media, webRoot: lib.webRoot, logLevel: 'warn' });
  t.teardown(() => server.close());
  const get = async (c: ProtocolClient, path: string, headers: Record<string, string> = {}) => {
    const r = await c.request(path, { headers });
    return { ...r, json: () => JSON.parse(r.body.toString()) };
  };

  for (const connect of [h2Client, h3Client]) {
    const c = await connect(server.origin, server.certs.cert);
    t.teardown(() => c.close());
    const proto = c.name;

    t.test(`${proto}: rows, pagination, ETag`, async (t) => {
      const first = await get(c, `/v1/home?profile=${proto}-fresh`);
      t.equal(first.status, 200);
      const home = first.json() as { rows: Row[]; next?: string };
      t.same(home.rows.map((r) => r.id).slice(0, 1), ['trending'], 'a fresh profile starts with trending (nothing to continue)');
      t.ok(home.rows.length <= 3 && home.next, 'rows come in pages');
      t.ok(first.body.length < 16_000, `small JSON (${first.body.length} bytes)`);
      t.ok(home.rows.some((r) => r.id.startsWith('genre-')), 'genre rows follow');
      const trending = home.rows[0]!;
      t.match(trending.tiles[0]!.image.srcset, /^\/artwork\/[^/]+\/16x9\/320 320w, .* 1280w$/, 'tiles carry srcset-ready artwork URLs');
      // Walk one row to its end through the cursors: every tile once.
      const seen: string[] = trending.tiles.map((x) => x.id);
      for (let next = trending.next; next; ) {
        const page = (await get(c, `/v1/home/rows/trending?profile=${proto}-fresh&cursor=${next}`)).json() as Row;
        seen.push(...page.tiles.map((x) => x.id));
        next = page.next;
      }
      t.equal(new Set(seen).size, seen.length, 'no tile twice across pages');
      t.ok(seen.length > 30, `the row had several pages (${seen.length} tiles)`);
      let rows = home.rows.length;
      for (let next = home.next; next; ) {
        const page = (await get(c, `/v1/home?profile=${proto}-fresh&cursor=${next}`)).json() as { rows: Row[]; next?: string };
        rows += page.rows.length;
        next = page.next;
      }
      t.ok(rows >= 8, `all rows reachable (${rows})`);
      const again = await get(c, `/v1/home?profile=${proto}-fresh`, { 'if-none-match': first.headers.etag! });
      t.equal(again.status, 304, 'If-None-Match → 304');
      t.equal(again.body.length, 0);
      t.equal(first.headers['cache-control'], 'private, no-cache');
      t.equal((await get(c, `/v1/home?profile=${proto}&cursor=%7B%7D`)).status, 400, 'a broken cursor is a 400');
      t.equal((await get(c, '/v1/home?profile=../../x')).status, 400, 'a bad profile id is a 400');
      t.equal((await get(c, `/v1/home/rows/nope?profile=${proto}`)).status, 404);
    });

    t.test(`${proto}: title details`, async (t) => {
      const series = (await get(c, '/v1/titles/signal-and-noise')).json();
      t.match(series, { kind: 'series', seasons: [{ seasonNumber: 1, episodes: [{ id: 'signal-and-noise-s01e01' }, {}, {}] }] });
      const ep = (await get(c, '/v1/titles/signal-and-noise-s01e01')).json();
      t.match(ep, { kind: 'episode', series: { id: 'signal-and-noise' }, episodeNumber: 1, nextEpisode: { id: 'signal-and-noise-s01e02' } });
      t.equal((await get(c, '/v1/titles/signal-and-noise-s01e03')).json().nextEpisode, null, 'the last episode has no next one');
      t.equal((await get(c, '/v1/titles/nope')).status, 404);
    });

    t.test(`${proto}: artwork by Accept`, async (t) => {
      const path = '/artwork/signal-and-noise/16x9/640';
      const avif = await get(c, path, { accept: 'image/avif,image/webp,image/apng,image/*,*/*;q=0.8' });
      t.equal(avif.status, 200);
      t.equal(avif.headers['content-type'], 'image/avif', 'AVIF when accepted');
      t.equal(avif.body.subarray(4, 12).toString('latin1'), 'ftypavif', 'and it is AVIF');
      t.equal(avif.headers.vary, 'Accept');
      t.equal(avif.headers['cache-control'], 'public, max-age=31536000, immutable');
      const webp = await get(c, path, { accept: 'image/webp,*/*;q=0.8' });
      t.equal(webp.headers['content-type'], 'image/webp', 'WebP when AVIF is not accepted');
      t.equal(webp.body.subarray(8, 12).toString('latin1'), 'WEBP');
      const refused = await get(c, path, { accept: 'image/avif;q=0,image/webp,*/*' });
      t.equal(refused.headers['content-type'], 'image/webp', 'q=0 refuses AVIF');
      // AVIF and WebP only when named; wildcards and no Accept get JPEG (q-values honoured).
      for (const [accept, type] of [
        ['image/webp,*/*', 'image/webp'],
        ['*/*', 'image/jpeg'],
        ['image/*', 'image/jpeg'],
        [undefined, 'image/jpeg'],
        ['image/avif;q=0,*/*', 'image/jpeg'],
        ['image/avif;q=0.5,image/jpeg', 'image/jpeg'],
        ['image/avif;q=0.5,image/webp;q=0.8,*/*;q=0.1', 'image/webp'],
        ['image/webp;q=0.4,image/avif;q=0.6,image/*;q=0.5', 'image/avif'],
        ['text/html', 'image/jpeg'],
      ] as const) {
        const r = await get(c, path, accept === undefined ? {} : { accept });
        t.equal(r.headers['content-type'], type, `Accept: ${accept ?? '(none)'} → ${type}`);
      }
      const plain = await get(c, path, { accept: 'image/jpeg' });
      t.equal(plain.headers['content-type'], 'image/jpeg', 'JPEG for everyone else');
      t.equal(plain.body[0], 0xff);
      t.ok(avif.body.length < plain.body.length, `AVIF ${avif.body.length} B < JPEG ${plain.body.length} B`);
      t.equal((await get(c, path, { accept: 'image/avif', 'if-none-match': avif.headers.etag! })).status, 304, 'revalidation → 304');
      t.not(avif.headers.etag, webp.headers.etag, 'each encoding has its own ETag');
      t.equal((await get(c, '/artwork/signal-and-noise/16x9/641')).status, 404, 'only the generated widths');
      t.equal((await get(c, '/artwork/signal-and-noise/1x1/640')).status, 404);
      t.equal((await get(c, '/artwork/..%2Fcatalog.json/16x9/640')).status, 404);
      t.equal((await get(c, '/artwork/nope/2x3/400')).status, 404);
    });

    t.test(`${proto}: QoE beacons feed metrics and the watch history`, async (t) => {
      const profile = `${proto}-viewer`;
      const grant = (await c.request('/v1/playback', json({ profileId: profile, titleId: 'signal-and-noise-s01e01', device: { platform: 'web', maxHeight: 720 } }))).body;
      const { sessionId } = JSON.parse(grant.toString()) as { sessionId: string };
      const beacon = (events: unknown[], sid = sessionId) => c.request('/v1/qoe', json({ sessionId: sid, events }));
      t.equal((await beacon([{ type: 'startup', ms: 850 }, { type: 'switch', height: 540, kbps: 1900 }, { type: 'failover', reason: 'slow' }, { type: 'rebuffer', ms: 300 }])).status, 202);
      t.equal((await beacon([{ type: 'progress', positionSec: 12, durationSec: 30 }])).status, 202);
      t.equal((await beacon([{ type: 'startup', ms: 1 }], 'no-such-session')).status, 404, 'beacons need a live session');
      t.equal((await beacon([{ type: 'failover', reason: 'bored' }])).status, 400);
      t.equal((await beacon([{ type: 'startup', ms: -1 }])).status, 400);
      const home = (await get(c, `/v1/home?profile=${profile}`)).json() as { rows: Row[] };
      t.same(home.rows[0]?.tiles.map((x) => [x.id, x.progress]), [['signal-and-noise-s01e01', 0.4]], 'continue watching where the beacon said');
      t.match(home.rows.map((r) => r.id), ['continue', 'trending', 'because-signal-and-noise'], 'then trending and "because you watched"');
      t.equal(home.rows[1]?.tiles[0]?.id, 'signal-and-noise', 'the played series trends first');
      // Finishing the episode offers the next one.
      await beacon([{ type: 'progress', positionSec: 30, durationSec: 30 }]);
      const after = (await get(c, `/v1/home?profile=${profile}`)).json() as { rows: Row[] };
      t.same(after.rows[0]?.tiles.map((x) => [x.id, x.progress]), [['signal-and-noise-s01e02', 0]], 'a finished episode is followed by the next');
    });

    t.test(`${proto}: web app routes`, async (t) => {
      const page = await get(c, '/');
      t.equal(page.status, 200);
      t.match(page.headers['content-type'], /^text\/html/);
      t.equal(page.headers['cache-control'], 'no-cache');
      const script = /src="(\/app\/browse-[A-Z0-9]{8}\.js)"/.exec(page.body.toString())?.[1];
      t.ok(script, 'the shell names a hashed bundle');
      const js = await get(c, script!);
      t.equal(js.status, 200);
      t.equal(js.headers['cache-control'], 'public, max-age=31536000, immutable');
      t.match((await get(c, '/watch/signal-and-noise-s01e01')).body.toString(), /\/app\/player-[A-Z0-9]{8}\.js/);
      t.equal((await get(c, '/app/..%2Fbrowse.html')).status, 400, 'no way out of /app/');
    });

    t.test(`${proto}: the site icon: /favicon.ico (ICO with PNG images) and the SVG the pages link`, async (t) => {
      const ico = await get(c, '/favicon.ico');
      t.equal(ico.status, 200, '/favicon.ico is not a 404');
      t.equal(ico.headers['content-type'], 'image/x-icon');
      t.equal(ico.headers['cache-control'], 'public, max-age=86400');
      t.same([...ico.body.subarray(0, 4)], [0, 0, 1, 0], 'ICO header');
      const count = ico.body.readUInt16LE(4);
      const sizes: number[] = [];
      for (let i = 0; i < count; i++) {
        const entry = ico.body.subarray(6 + 16 * i, 22 + 16 * i);
        const png = ico.body.subarray(entry.readUInt32LE(12), entry.readUInt32LE(12) + entry.readUInt32LE(8));
        const meta = await sharp(png).metadata();
        t.equal(meta.format, 'png', `image ${i} is a PNG`);
        t.equal(meta.width, entry[0], `image ${i}: the directory's width matches the PNG`);
        sizes.push(meta.width ?? 0);
      }
      t.same(sizes, [16, 32, 48]);
      t.equal((await get(c, '/favicon.ico', { 'if-none-match': ico.headers.etag! })).status, 304);
      for (const shell of ['/', '/watch/signal-and-noise-s01e01']) {
        t.match((await get(c, shell)).body.toString(), /<link rel="icon" href="\/favicon\.svg" type="image\/svg\+xml">/, `${shell} links the SVG icon`);
      }
      const svg = await get(c, '/favicon.svg');
      t.equal(svg.status, 200);
      t.equal(svg.headers['content-type'], 'image/svg+xml');
      t.equal((await sharp(svg.body).metadata()).format, 'svg');
    });
  }

  t.test('QoE metrics are exported', async (t) => {
    const c = await h2Client(server.origin, server.certs.cert);
    t.teardown(() => c.close());
    const text = (await c.request('/metrics')).body.toString();
    t.match(text, /h3edge_qoe_startup_seconds_count 2/);
    t.match(text, /h3edge_qoe_cdn_failovers_total\{reason="slow"\} 2/);
    t.match(text, /h3edge_qoe_rebuffer_seconds_total 0\.6/);
    t.match(text, /h3edge_qoe_bitrate_switches_total 2/);
  });
});
