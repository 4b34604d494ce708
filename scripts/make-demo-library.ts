// Builds the demo library under --media (default ./media): two films and a three-episode series,
// packaged from synthetic lavfi sources (no downloads), plus media/catalog.json. Deterministic and
// idempotent: a title whose package.json matches its definition is skipped, so `make setup` re-runs
// are cheap. One film is CENC-encrypted, its key in --keys. Usage:
// npx tsx scripts/make-demo-library.ts [--media ./media] [--keys ./keys] [--force]
import { randomBytes } from 'node:crypto';
import { rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { validateCatalog, type Catalog, type CatalogEntry } from '../src/media/catalog.js';
import { PackagingError } from '../src/media/errors.js';
import { packageTitle } from '../src/media/package-title.js';
import { PACKAGE_LAYOUT, readPackageSummary, type PackageSummary } from '../src/media/package-summary.js';
import { KeyStore } from '../src/playback/drm/key-store.js';
import { SERIES, TITLES, type DemoTitle } from './demo-titles.js';

async function ensurePackaged(mediaDir: string, keys: KeyStore, t: DemoTitle, force: boolean): Promise<PackageSummary> {
  const dir = join(mediaDir, t.id);
  const existing = await readPackageSummary(dir);
  const keyed = !t.encrypted || (await keys.get(t.id)) !== null;
  // A title packaged by an older layout (e.g. before text tracks) is packaged again.
  const matches =
    existing && keyed && existing.layout === PACKAGE_LAYOUT && existing.input === t.source && existing.singleFile === (t.delivery === 'byte-range') && Math.abs(existing.durationSec - t.durationSec) < 1;
  if (matches && !force) {
    process.stdout.write(`${t.id}: complete, skipped\n`);
    return existing;
  }
  const started = Date.now();
  let lastStep = -1;
  const encryption = t.encrypted ? { kid: randomBytes(16).toString('hex'), key: randomBytes(16).toString('hex') } : undefined;
  // The key is stored first, so the title never exists without it.
  if (encryption) await keys.put(t.id, { scheme: 'cenc', keys: [encryption] });
  const title = await packageTitle({
    encryption,
    input: t.source,
    outDir: dir,
    overwrite: true,
    singleFile: t.delivery === 'byte-range',
    languages: t.languages,
    synthetic: { width: 1280, height: 720, fps: 25, durationSec: t.durationSec },
    cueLabel: t.meta.title,
    onProgress: (p) => {
      const step = Math.floor(p.fraction * 4);
      if (step > lastStep) process.stdout.write(`${t.id}: ${step * 25}%\n`);
      lastStep = step;
    },
  });
  process.stdout.write(`${t.id}: packaged ${t.durationSec} s in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  for (const d of title.droppedRenditions) process.stdout.write(`${t.id}: dropped ${d.reason}\n`);
  return (await readPackageSummary(dir)) as PackageSummary;
}

function entry(t: DemoTitle, s: PackageSummary): CatalogEntry {
  return {
    id: t.id,
    ...t.meta,
    durationSec: s.durationSec,
    manifests: { hls: `${t.id}/${s.hls}`, dash: `${t.id}/${s.dash}` },
    delivery: t.delivery,
    audioLanguages: s.audio.map((a) => a.language ?? 'und'),
    subtitleLanguages: s.subtitles.map((x) => x.language),
    maxHeight: Math.max(...s.video.map((v) => v.height ?? 0)),
  } as CatalogEntry;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { media: { type: 'string', default: './media' }, keys: { type: 'string', default: './keys' }, force: { type: 'boolean', default: false } },
  });
  const mediaDir = resolve(values.media as string);
  const keys = new KeyStore(resolve(values.keys as string));
  const titles: CatalogEntry[] = [];
  for (const t of TITLES) titles.push(entry(t, await ensurePackaged(mediaDir, keys, t, values.force as boolean)));
  const catalog = validateCatalog({ version: 1, titles, series: [SERIES] } satisfies Catalog);
  const tmp = join(mediaDir, '.catalog.json.tmp');
  await writeFile(tmp, `${JSON.stringify(catalog, null, 2)}\n`);
  await rename(tmp, join(mediaDir, 'catalog.json'));
  process.stdout.write(`catalog: ${titles.length} titles, 1 series → ${join(mediaDir, 'catalog.json')}\n`);
  return 0;
}

try {
  process.exitCode = await main();
} catch (err) {
  if (!(err instanceof PackagingError)) throw err;
  process.stderr.write(`make-demo-library: ${err.message}\n`);
  process.exitCode = 1;
}
