import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Catalog } from '../src/media/catalog.js';
import { CatalogSource } from '../src/home/catalog-source.js';
import { startTestServer } from './helpers/server.js';
import { h2Client } from './helpers/clients.js';
import { addLadderTitle, ladderFilmEntry as film } from './helpers/playback-media.js';
import { scratchDir } from './helpers/scratch.js';

// Issue 23: new titles (from the packager or the fill) become browsable and playable while the
// node runs, without a restart; a large catalog is parsed off the event loop.

const writeCatalog = (media: string, ids: string[]): void => writeFileSync(join(media, 'catalog.json'), JSON.stringify({ version: 1, titles: ids.map(film), series: [] } satisfies Catalog));
const json = (body: unknown) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify(body)) });

t.test('a title added while the node runs is browsable and playable without a restart', async (t) => {
  const media = scratchDir('h3edge-reload-');
  addLadderTitle(media, 'first');
  writeCatalog(media, ['first']);
  const server = await startTestServer({ media, openContent: false });
  t.teardown(() => server.close());
  const c = await h2Client(server.origin, server.certs.cert);
  t.teardown(() => c.close());
  const start = (titleId: string) => c.request('/v1/playback', json({ profileId: 'late-viewer', titleId, device: { platform: 'web', maxHeight: 720 } }));
  t.equal((await start('late')).status, 404, 'not there yet');
  t.equal((await c.request('/v1/titles/late')).status, 404);

  // The packager writes the title, then the catalog that lists it first.
  addLadderTitle(media, 'late');
  writeCatalog(media, ['late', 'first']);
  const grant = await start('late');
  t.equal(grant.status, 200, 'playback starts');
  const { manifestPaths } = JSON.parse(grant.body.toString()) as { manifestPaths: { hls: string } };
  const master = await c.request(`/${manifestPaths.hls}`);
  t.equal(master.status, 200, 'its master playlist is served under the token');
  t.match(master.body.toString(), /^#EXTM3U/);
  t.equal((await c.request('/v1/titles/late')).status, 200, 'its details are there');
  const home = JSON.parse((await c.request('/v1/home?profile=someone')).body.toString()) as { rows: Array<{ id: string; tiles: Array<{ id: string }> }> };
  t.equal(home.rows.find((r) => r.id === 'trending')?.tiles[0]?.id, 'late', 'and it is on the home page, first (catalog order)');
});

t.test('a large catalog is parsed on a worker thread, in chunks, to the same view', async (t) => {
  const media = scratchDir('h3edge-reload-');
  const ids = Array.from({ length: 3000 }, (_, i) => `t-${i}`);
  writeCatalog(media, ids);
  const offThread = await new CatalogSource(join(media, 'catalog.json'), 0).current();
  const inline = await new CatalogSource(join(media, 'catalog.json'), Number.MAX_SAFE_INTEGER).current();
  t.same(offThread.catalog, inline.catalog, 'the same entries in the same order');
  t.equal(offThread.titles.size, 3000);

  // A broken file throws for the request that reads it; the next good one is read.
  const source = new CatalogSource(join(media, 'catalog.json'), 0);
  writeFileSync(join(media, 'catalog.json'), '{"version": 1, "titles": [');
  await t.rejects(source.current(), SyntaxError, 'malformed JSON is an error, not a crash');
  writeFileSync(join(media, 'catalog.json'), '{"version": 1, "titles": {}}');
  await t.rejects(source.current(), SyntaxError, 'JSON that is no catalog too');
  await t.rejects(new CatalogSource(join(media, 'catalog.json'), Number.MAX_SAFE_INTEGER).current(), SyntaxError, 'parsed here or on the thread');
  writeCatalog(media, ids.slice(0, 10));
  t.equal((await source.current()).titles.size, 10, 'a fixed file is read again');
});
