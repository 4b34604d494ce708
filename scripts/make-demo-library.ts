// Builds the demo library under --media (default ./media): two films and a three-episode series,
// packaged from synthetic lavfi sources (no downloads), plus media/catalog.json. Deterministic and
// idempotent: a title whose package.json matches its definition is skipped, so `make setup` re-runs
// are cheap. One film is CENC-encrypted, its key in --keys. Usage:
// npx tsx scripts/make-demo-library.ts [--media ./media] [--keys ./keys] [--force]
import { randomBytes } from 'node:crypto';
import { rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { validateCatalog, type Catalog, type CatalogEntry, type Delivery, type SeriesEntry } from '../src/media/catalog.js';
import { PackagingError } from '../src/media/errors.js';
import { packageTitle } from '../src/media/package-title.js';
import { readPackageSummary, type PackageSummary } from '../src/media/package-summary.js';
import { KeyStore } from '../src/playback/drm/key-store.js';

interface DemoTitle {
  id: string;
  source: string;
  durationSec: number;
  delivery: Delivery;
  languages: string[];
  /** CENC-encrypted; its content key goes to the key store. */
  encrypted?: boolean;
  meta: EntryMeta<CatalogEntry>;
}

/** What the catalog entry says beyond what packaging finds out; per member of the film/episode union. */
type EntryMeta<T> = T extends unknown ? Omit<T, 'id' | 'durationSec' | 'manifests' | 'delivery' | 'audioLanguages' | 'subtitleLanguages' | 'maxHeight'> : never;

const SERIES: SeriesEntry = {
  id: 'signal-and-noise',
  title: 'Signal & Noise',
  synopsis: 'Three short episodes in which a test pattern learns to listen. Each one speaks English, French and German.',
  maturityRating: 'TV-G',
  year: 2026,
  genres: ['Documentary', 'Technology'],
  seasons: [{ seasonNumber: 1, episodeIds: ['signal-and-noise-s01e01', 'signal-and-noise-s01e02', 'signal-and-noise-s01e03'] }],
};

const EPISODES = [
  { source: 'lavfi:testsrc', title: 'Pilot Tone', synopsis: 'A lone sine wave searches for a carrier.', delivery: 'segments' },
  { source: 'lavfi:smptehdbars', title: 'Bars', synopsis: 'The colour bars hold a meeting; nobody blinks.', delivery: 'byte-range' },
  { source: 'lavfi:testsrc2', title: 'Sync', synopsis: 'Audio and video finally agree on what time it is.', delivery: 'segments' },
] as const;

const TITLES: DemoTitle[] = [
  {
    id: 'long-test-pattern',
    source: 'lavfi:testsrc2',
    durationSec: 60,
    delivery: 'segments',
    languages: ['en', 'fr'],
    meta: {
      type: 'film',
      title: 'The Long Test Pattern',
      synopsis: 'A minute in the life of a moving test pattern, with a tone that changes key when you change language.',
      maturityRating: 'PG',
      year: 2026,
      genres: ['Drama', 'Experimental'],
    },
  },
  {
    id: 'locked-test-pattern',
    source: 'lavfi:testsrc',
    durationSec: 20,
    delivery: 'segments',
    languages: ['en', 'fr'],
    encrypted: true,
    meta: {
      type: 'film',
      title: 'The Locked Test Pattern',
      synopsis: 'The same pattern behind a key: plays after the license server agrees.',
      maturityRating: 'PG',
      year: 2026,
      genres: ['Thriller', 'Experimental'],
    },
  },
  ...EPISODES.map((e, i): DemoTitle => {
    const episodeIds = SERIES.seasons[0]?.episodeIds ?? [];
    return {
      id: episodeIds[i] as string,
      source: e.source,
      durationSec: 30,
      delivery: e.delivery,
      languages: ['en', 'fr', 'de'],
      meta: {
        type: 'episode',
        title: e.title,
        synopsis: e.synopsis,
        maturityRating: SERIES.maturityRating,
        year: SERIES.year,
        genres: SERIES.genres,
        seriesId: SERIES.id,
        seasonNumber: 1,
        episodeNumber: i + 1,
        nextEpisodeId: episodeIds[i + 1] ?? null,
      },
    };
  }),
];

async function ensurePackaged(mediaDir: string, keys: KeyStore, t: DemoTitle, force: boolean): Promise<PackageSummary> {
  const dir = join(mediaDir, t.id);
  const existing = await readPackageSummary(dir);
  const keyed = !t.encrypted || (await keys.get(t.id)) !== null;
  const matches =
    existing && keyed && existing.input === t.source && existing.singleFile === (t.delivery === 'byte-range') && Math.abs(existing.durationSec - t.durationSec) < 1;
  if (matches && !force) {
    process.stdout.write(`${t.id}: complete, skipped\n`);
    return existing;
  }
  const started = Date.now();
  let lastStep = -1;
  const encryption = t.encrypted ? { kid: randomBytes(16).toString('hex'), key: randomBytes(16).toString('hex') } : undefined;
  // The key is stored first, so the title never exists without it.
  if (encryption) await keys.put(t.id, { scheme: 'cenc', keys: [encryption] });
  await packageTitle({
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
