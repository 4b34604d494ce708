import t from 'tap';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './helpers/run.js';
import { scratchDir } from './helpers/scratch.js';
import type { CatalogDoc } from '../bench/catalog/report.js';
import { LOAD_KINDS } from '../bench/catalog/measure.js';

// The catalog-size benchmark's quick run (200 and 1,000 titles, 300 requests of each kind): its
// output has the documented shape, every request was answered as expected, and the hard-linked
// libraries are gone afterwards. No assertion about speed.
const ROOT = join(import.meta.dirname, '..');

t.test('quick run: two catalog sizes measured, results well-formed, nothing left behind', async (t) => {
  const out = scratchDir('h3edge-bench-catalog-');
  const r = await run(join(ROOT, 'node_modules/.bin/tsx'), [join(ROOT, 'bench/catalog/run.ts'), '--quick', '--source', '--out', out], { cwd: ROOT, timeoutMs: 280_000 });
  t.equal(r.code, 0, `exit 0 (${r.stderr.slice(-600)})`);
  const doc = JSON.parse(readFileSync(join(out, 'catalog.json'), 'utf8')) as CatalogDoc;
  t.same(doc.settings, { sizes: [200, 1000], requests: 300, concurrency: 8, quick: true, warmupRequests: 300 });
  t.same(doc.samples.map((s) => s.titles), [200, 1000]);
  for (const s of doc.samples) {
    t.ok(s.readyMs > 0 && s.rssAfterReadyMB > 0 && s.heapAfterGcMB > 0, `${s.titles} titles: ready ${s.readyMs} ms, RSS ${s.rssAfterReadyMB} MB, heap ${s.heapAfterGcMB} MB`);
    for (const k of LOAD_KINDS) {
      const l = s.load[k];
      t.same(l.errorSamples, [], `${s.titles} titles, ${k}: every answer as expected`);
      t.ok(l.requests === 300 && l.p50Ms > 0 && l.p95Ms >= l.p50Ms, `${s.titles} titles, ${k}: p50 ${l.p50Ms} ms ≤ p95 ${l.p95Ms} ms`);
    }
  }
  t.match(readFileSync(join(out, 'catalog.md'), 'utf8'), /\| 1000 \| [\d.]+ \|/, 'the markdown table');
  t.match(readFileSync(join(out, 'catalog.svg'), 'utf8'), /^<svg/, 'the plot');
  t.same(readdirSync(join(ROOT, 'media')).filter((n) => n.startsWith('.bench-catalog-')), [], 'the libraries were removed');
  t.notOk(existsSync(join(out, 'index.html')));
});
