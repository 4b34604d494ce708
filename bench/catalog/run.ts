// make bench-catalog: catalogs of 1k, 3k, 10k and 30k titles (hard links of the demo film, in a
// temporary directory removed afterwards), one node each (`--workers 1`): time to ready, memory,
// and p50/p95 of home, title details, playback start and manifest fetches under a steady load.
// Usage: tsx bench/catalog/run.ts [--quick] [--sizes 1000,3000] [--out bench/results] [--source]
//        (--quick: 200 and 1,000 titles, 300 requests of each kind; SIZES= in make;
//         --source: the node runs from src/ through tsx instead of the build in dist/)
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { machine } from '../common/machine.js';
import { growLibrary } from './library.js';
import { measureCatalog, type CatalogSample } from './measure.js';
import { CATALOG_GOALS, writeCatalogReport } from './report.js';

const ROOT = join(import.meta.dirname, '../..');
const SOURCE = join(ROOT, 'media', 'long-test-pattern');

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, sizes: { type: 'string' }, source: { type: 'boolean', default: false }, out: { type: 'string', default: join(ROOT, 'bench/results') } } });
  const quick = values.quick === true;
  const sizes = (values.sizes ?? (quick ? '200,1000' : '1000,3000,10000,30000')).split(',').map(Number).sort((a, b) => a - b);
  if (sizes.some((n) => !Number.isInteger(n) || n < 1)) {
    process.stderr.write('bench catalog: --sizes takes positive integers, e.g. 1000,3000\n');
    process.exit(2);
  }
  if (!existsSync(join(SOURCE, 'master.m3u8'))) {
    process.stderr.write('bench catalog: the demo library is missing (make setup)\n');
    process.exit(2);
  }
  const requests = quick ? 300 : 2000;
  const concurrency = 8;
  // Next to the source: hard links cannot cross filesystems (./media lives in the checkout).
  const work = mkdtempSync(join(ROOT, 'media', '.bench-catalog-'));
  const media = join(work, 'media');
  const buildSec: Record<string, number> = {};
  const samples: CatalogSample[] = [];
  const cleanup = (): void => rmSync(work, { recursive: true, force: true });
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => (cleanup(), process.exit(130)));
  try {
    mkdirSync(media);
    let have = 0;
    for (const n of sizes) {
      const t0 = performance.now();
      growLibrary(SOURCE, media, have, n);
      have = n;
      buildSec[n] = Math.round((performance.now() - t0) / 100) / 10;
      process.stderr.write(`bench catalog: ${n} titles linked in ${buildSec[n]} s\n`);
      const sample = await measureCatalog({
        nodeCommand: [process.execPath, '--inspect=127.0.0.1:0', ...(values.source ? ['--import', 'tsx', join(ROOT, 'src/cli/run.ts')] : [join(ROOT, 'bin/h3edge.js')])],
        media,
        titles: n,
        certFile: join(ROOT, 'certs/dev-cert.pem'),
        keyFile: join(ROOT, 'certs/dev-key.pem'),
        caFile: join(ROOT, 'certs/dev-ca.pem'),
        requests,
        concurrency,
        work,
      });
      samples.push(sample);
      const l = sample.load;
      process.stderr.write(
        `bench catalog: ${n} titles: ready ${sample.readyMs} ms, RSS ${sample.rssAfterReadyMB} MB, heap ${sample.heapAfterGcMB} MB; p95 home ${l.home.p95Ms} / ${l.homeWithHistory.p95Ms} ms, title ${l.title.p95Ms}, playback ${l.playback.p95Ms}, manifest ${l.manifest.p95Ms} ms\n`,
      );
    }
  } finally {
    cleanup();
  }
  const out = values.out as string;
  await writeCatalogReport(out, { settings: { sizes, requests, concurrency, quick }, goals: CATALOG_GOALS, machine: machine(), node: process.version, buildSec, samples });
  process.stdout.write(`bench catalog: → ${out}/catalog.{json,md,svg}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench catalog: failed: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
