import t from 'tap';
import fc from 'fast-check';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Catalog } from '../src/media/catalog.js';
import type { CatalogView } from '../src/home/catalog-source.js';
import { WatchHistory } from '../src/home/watch-history.js';
import { HomeRows } from '../src/home/home-rows.js';
import { rankRowsBefore } from './helpers/rank-rows-before.js';
import { makeHomeLibrary } from './helpers/home-library.js';
import { addLadderTitle } from './helpers/playback-media.js';
import { startTestServer } from './helpers/server.js';
import { h2Client } from './helpers/clients.js';

// Issue 23: the home rows are computed when the catalog or a history changes, not per request.
// They must be the rows today's ranking (kept in helpers/rank-rows-before.ts) gives, and a
// change must show up in the next answer.

const viewOf = (catalog: Catalog, version: string): CatalogView => ({
  catalog,
  titles: new Map(catalog.titles.map((x) => [x.id, x])),
  series: new Map(catalog.series.map((s) => [s.id, s])),
  version,
});
/** Rows as plain data: ids, titles and items, whoever made them. */
const plain = (rows: Array<{ id: string; title: string; items: ReadonlyArray<{ id: string; progress?: number }> }>) =>
  rows.map((r) => ({ id: r.id, title: r.title, items: r.items.map((i) => (i.progress === undefined ? { id: i.id } : { id: i.id, progress: i.progress })) }));

type Op = { kind: 'play' | 'progress'; profile: number; title: number; position: number; advanceMs: number };

t.test('the same rows as the ranking before precomputation, for any history', async (t) => {
  const lib = await makeHomeLibrary({ synthetic: 60, copyMedia: [] });
  const demo = JSON.parse(readFileSync(join(import.meta.dirname, '../media/catalog.json'), 'utf8')) as Catalog;
  for (const [name, catalog] of [['the demo library', demo], ['the demo library and 60 synthetic films', lib.catalog]] as const) {
    const view = viewOf(catalog, name);
    const ids = catalog.titles.map((x) => x.id);
    const op = fc.record({
      kind: fc.constantFrom<'play' | 'progress'>('play', 'progress'),
      profile: fc.integer({ min: 0, max: 3 }),
      title: fc.integer({ min: 0, max: ids.length - 1 }),
      position: fc.integer({ min: 0, max: 100 }),
      advanceMs: fc.integer({ min: 0, max: 3 * 3600_000 }),
    });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 30 }), (ops: Op[]) => {
        let now = 1_700_000_000_000;
        const history = new WatchHistory({ clock: () => now });
        const rows = new HomeRows(history, { rowsPerPage: 3, tilesPerPage: 10 });
        const profiles = ['p0', 'p1', 'p2', 'p3', 'nobody'];
        const check = (): void => {
          for (const p of profiles) {
            const got = plain(rows.rows(view, p));
            const want = plain(rankRowsBefore(view, history, p));
            if (JSON.stringify(got) !== JSON.stringify(want)) throw new Error(`${name}, ${p}: ${JSON.stringify(got).slice(0, 400)} ≠ ${JSON.stringify(want).slice(0, 400)}`);
          }
        };
        check();
        for (const o of ops) {
          now += o.advanceMs;
          const titleId = ids[o.title] as string;
          if (o.kind === 'play') history.recordPlay(`p${o.profile}`, titleId);
          else history.recordProgress(`p${o.profile}`, titleId, o.position, 100);
          check(); // after every change: the cached rows follow it
        }
      }),
      { numRuns: 60, seed: 23 },
    );
    t.pass(`${name}: 60 random histories, rows equal after every step`);
  }
});

t.test('over HTTP/2: a catalog change and a history change show up in the next answer; 304 until then', async (t) => {
  const lib = await makeHomeLibrary({ synthetic: 20, copyMedia: [] });
  addLadderTitle(lib.media, 'signal-and-noise-s01e01');
  const server = await startTestServer({ media: lib.media, webRoot: lib.webRoot, logLevel: 'warn' });
  t.teardown(() => server.close());
  const c = await h2Client(server.origin, server.certs.cert);
  t.teardown(() => c.close());
  const home = async (profile: string, etag?: string) => {
    const r = await c.request(`/v1/home?profile=${profile}`, { headers: etag ? { 'if-none-match': etag } : {} });
    return { status: r.status, etag: r.headers.etag as string, rows: r.status === 200 ? (JSON.parse(r.body.toString()) as { rows: Array<{ id: string; tiles: Array<{ id: string }> }> }).rows : [] };
  };
  const first = await home('fresh');
  t.equal(first.rows[0]?.id, 'trending');
  t.equal((await home('fresh', first.etag)).status, 304, 'If-None-Match of the answer → 304');
  t.equal((await home('another-fresh', first.etag)).status, 304, 'profiles without history share their rows');

  // The packager adds a title at the top of the catalog (the most popular).
  const added = { ...lib.catalog.titles.find((x) => x.type === 'film')!, id: 'brand-new', title: 'Brand New' };
  writeFileSync(join(lib.media, 'catalog.json'), JSON.stringify({ ...lib.catalog, titles: [added, ...lib.catalog.titles] }));
  const afterAdd = await home('fresh', first.etag);
  t.equal(afterAdd.status, 200, 'the old ETag no longer matches');
  t.equal(afterAdd.rows[0]?.tiles[0]?.id, 'brand-new', 'the new title trends first (catalog order, nobody played anything)');
  t.equal((await c.request('/v1/titles/brand-new')).status, 200, 'and has details');

  // A history change: the viewer's answer changes, a fresh profile's does not.
  const viewerBefore = await home('viewer');
  const grant = await c.request('/v1/playback', { method: 'POST', headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify({ profileId: 'viewer', titleId: 'signal-and-noise-s01e01', device: { platform: 'web', maxHeight: 720 } })) });
  const { sessionId } = JSON.parse(grant.body.toString()) as { sessionId: string };
  const beacon = await c.request('/v1/qoe', { method: 'POST', headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify({ sessionId, events: [{ type: 'progress', positionSec: 10, durationSec: 30 }] })) });
  t.equal(beacon.status, 202);
  const viewerAfter = await home('viewer', viewerBefore.etag);
  t.equal(viewerAfter.status, 200, 'the viewer\'s old ETag no longer matches');
  t.equal(viewerAfter.rows[0]?.id, 'continue', 'continue watching appears');
  t.equal((await home('fresh', afterAdd.etag)).status, 304, 'a progress beacon (no play) leaves others\' rows alone');
});
