// make bench-catalog: catalogs of 1k, 3k, 10k and 30k titles (hard links of the demo film, in a
// temporary directory removed afterwards), one node each (`--workers 1`): time to ready, memory,
// and p50/p95 of home, title details, playback start and manifest fetches under a steady load.
// Usage: tsx bench/catalog/run.ts [--quick] [--sizes 1000,3000] [--out bench/results] [--source]
//        (--quick: 200 and 1,000 titles, 300 requests of each kind; SIZES= in make;
//         --source: the node runs from src/ through tsx instead of the build in dist/)
//        tsx bench/catalog/run.ts --report-only --out DIR   (catalog.md and .svg again from DIR's JSON)
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { machine } from '../common/machine.js';
import { growLibrary } from './library.js';
import { measureCatalog, WARMUP_REQUESTS, type CatalogSample } from './measure.js';
import { CATALOG_GOALS, writeCatalogReport, type CatalogDoc } from './report.js';

const ROOT = join(import.meta.dirname, '../..');
const SOURCE = join(ROOT, 'media', 'long-test-pattern');

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, sizes: { type: 'string' }, source: { type: 'boolean', default: false }, 'report-only': { type: 'boolean', default: false }, out: { type: 'string', default: join(ROOT, 'bench/results') } } });
  if (values['report-only']) {
    const out = values.out as string;
    await writeCatalogReport(out, JSON.parse(readFileSync(join(out, 'catalog.json'), 'utf8')) as CatalogDoc);
    process.stdout.write(`bench catalog: rewrote ${out}/catalog.{md,svg}\n`);
    return;
  }
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
      const sample: CatalogSample = await measureCatalog({
        nodeCommand: [process.execPath, '--inspect=127.0.0.1:0', ...(values.source ? ['--import', 'tsx', join(ROOT, 'src/cli/run.ts')] : [join(ROOT, 'bin/h3edge.js')])],
        media,
        titles: n,
        certFile: join(ROOT, 'certs/dev-cert.pem'),
        keyFile: join(ROOT, 'certs/dev-key.pem'),
        caFile: join(ROOT, 'certs/dev-ca.pem'),
        requests,
        concurrency,
        work,
      }).catch((err: unknown) => failedSample(n, err));
      samples.push(sample);
      if (sample.failed) {
        process.stderr.write(`bench catalog: ${n} titles: failed: ${sample.failed}\n`);
        continue;
      }
      const l = sample.load;
      process.stderr.write(
        `bench catalog: ${n} titles: ready ${sample.readyMs} ms, RSS ${sample.rssAfterReadyMB} MB, heap ${sample.heapAfterGcMB} MB; p95 home ${l.home.p95Ms} / ${l.homeWithHistory.p95Ms} ms, title ${l.title.p95Ms}, playback ${l.playback.p95Ms}, manifest ${l.manifest.p95Ms} ms\n`,
      );
    }
  } finally {
    cleanup();
  }
  const out = values.out as string;
  await writeCatalogReport(out, { settings: { sizes, requests, concurrency, quick, warmupRequests: WARMUP_REQUESTS }, goals: CATALOG_GOALS, machine: machine(), node: process.version, buildSec, samples });
  process.stdout.write(`bench catalog: → ${out}/catalog.{json,md,svg}\n`);
}

/** A size the node could not be measured at: recorded, and the run goes on. */
function failedSample(titles: number, err: unknown): CatalogSample {
  const none = { requests: 0, p50Ms: 0, p95Ms: 0, maxMs: 0, errors: 0, errorSamples: [] };
  const message = (err as Error).message ?? String(err);
  return {
    titles,
    // The first line says how it ended; of the node's output, what the runtime said as it died.
    failed: [message.split('\n')[0], ...message.split('\n').slice(1).filter((l) => /abort|what\(\)|fatal|error/i.test(l))].join(' ').slice(0, 300),
    readyMs: 0,
    rssAfterReadyMB: 0,
    heapAfterGcMB: 0,
    rssAfterLoadMB: 0,
    heapAfterLoadMB: 0,
    load: { home: none, homeWithHistory: none, title: none, playback: none, manifest: none },
  };
}

main().catch((err: unknown) => {
  process.stderr.write(`bench catalog: failed: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
