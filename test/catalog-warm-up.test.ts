import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Catalog } from '../src/media/catalog.js';
import { startTestServer } from './helpers/server.js';
import { h2Client } from './helpers/clients.js';
import { addLadderTitle, ladderFilmEntry as film } from './helpers/playback-media.js';
import { scratchDir } from './helpers/scratch.js';
import type { LogLine } from './helpers/log-watch.js';

// Issue 23: start-up warms titles in popularity order (catalog order) and the node is ready once
// the most popular ones (warmTitles / warmBytes) are warm; the others warm in the background or
// on first use and never hold readiness back.


/** A media root whose catalog lists `ids` (most popular first), each a small playable title. */
function library(ids: string[]): string {
  const media = scratchDir('h3edge-warm-');
  for (const id of ids) addLadderTitle(media, id);
  const catalog: Catalog = { version: 1, titles: ids.map(film), series: [] };
  writeFileSync(join(media, 'catalog.json'), JSON.stringify(catalog));
  return media;
}

const rare = Array.from({ length: 40 }, (_, i) => `rare-${String(i + 1).padStart(2, '0')}`);
const isReady = (l: LogLine): boolean => l.msg === 'popular titles warm: ready';
const isBackgroundDone = (l: LogLine): boolean => l.msg === 'background warm-up done';

t.test('ready once the most popular titles are warm; the others follow and play on first use', async (t) => {
  const media = library(['hit-1', 'hit-2', ...rare]);
  const server = await startTestServer({ media, warmTitles: 2 });
  t.teardown(() => server.close());
  const [ready] = await server.logged(isReady);
  t.match(ready, { titles: 2 }, 'the two most popular titles were warmed before ready');
  const c = await h2Client(server.origin, server.certs.cert);
  t.teardown(() => c.close());
  const readyz = await c.request('/readyz');
  t.equal(readyz.status, 200, '/readyz says ready');
  const [done] = await server.logged(isBackgroundDone);
  t.match(done, { titles: rare.length, left: 0 }, 'the unpopular titles were warmed afterwards');
  t.ok(server.logs.indexOf(ready!) < server.logs.indexOf(done!), 'readiness came before the background pass ended');
  t.equal((await c.request('/content/rare-40/master.m3u8')).status, 200, 'the least popular title plays');
});

t.test('the byte budget bounds the ready set (the most popular title always in it)', async (t) => {
  const media = library(['hit-1', 'hit-2', 'hit-3']);
  const server = await startTestServer({ media, warmTitles: 100, warmBytes: 1 });
  t.teardown(() => server.close());
  const [ready] = await server.logged(isReady);
  t.match(ready, { titles: 1 }, 'one title: the next would pass the budget');
  const [done] = await server.logged(isBackgroundDone);
  t.match(done, { titles: 2, left: 0 });
});

t.test('no catalog (an edge before its fill): directories by name, ready all the same', async (t) => {
  const media = scratchDir('h3edge-warm-');
  for (const id of ['b-title', 'a-title']) addLadderTitle(media, id);
  const server = await startTestServer({ media, warmTitles: 1 });
  t.teardown(() => server.close());
  const [ready] = await server.logged(isReady);
  t.match(ready, { titles: 1 });
  t.match(await server.logged(isBackgroundDone), [{ titles: 1, left: 0 }]);
});
