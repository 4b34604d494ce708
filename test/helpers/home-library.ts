import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Catalog, FilmEntry } from '../../src/media/catalog.js';
import { validateCatalog } from '../../src/media/catalog.js';
import { artworkDesigns, ensureArtwork } from '../../src/home/artwork-catalog.js';
import { buildWeb } from '../../scripts/build-web.js';
import { scratchDir } from './scratch.js';

const ROOT = join(import.meta.dirname, '../..');
/** Generated artwork kept between runs (test/artifacts/ is ignored by git). */
const ARTWORK_CACHE = join(ROOT, 'test/artifacts/home-artwork-cache');
const GENRES = ['Drama', 'Comedy', 'Thriller', 'Documentary', 'Animation', 'Science Fiction', 'Romance', 'Family'];
/** Synthetic titles reuse a few rendered designs: rendering 300 titles' artwork would take minutes. */
const SYNTHETIC_DESIGNS = 6;

export interface HomeLibrary {
  /** Media root: catalog.json, the copied demo titles and artwork/. */
  media: string;
  artworkDir: string;
  webRoot: string;
  catalog: Catalog;
  syntheticIds: string[];
}

/**
 * A media root for browse and player tests: the demo library's series (packaged titles copied
 * from ./media, built by the demo script when missing) and film, `synthetic` extra films with
 * metadata only (tiles, no media), artwork for all of them, and a fresh build of the web app.
 */
export async function makeHomeLibrary(opts: { synthetic: number; copyMedia: string[] }): Promise<HomeLibrary> {
  const library = join(ROOT, 'media');
  if (!existsSync(join(library, 'catalog.json'))) {
    execFileSync(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts/make-demo-library.ts'), '--media', library], { stdio: 'inherit', timeout: 900_000 });
  }
  const demo = JSON.parse(readFileSync(join(library, 'catalog.json'), 'utf8')) as Catalog;
  const media = scratchDir('h3edge-home-');
  for (const id of opts.copyMedia) cpSync(join(library, id), join(media, id), { recursive: true });
  const syntheticIds = Array.from({ length: opts.synthetic }, (_, i) => `synthetic-${String(i + 1).padStart(3, '0')}`);
  const catalog = validateCatalog({ ...demo, titles: [...demo.titles, ...syntheticIds.map(syntheticFilm)] });
  writeFileSync(join(media, 'catalog.json'), JSON.stringify(catalog));
  const artworkDir = join(media, 'artwork');
  const designs = [
    ...artworkDesigns(demo),
    ...Array.from({ length: SYNTHETIC_DESIGNS }, (_, i) => ({ id: `synthetic-design-${i}`, title: `Synthetic ${i + 1}`, kicker: 'Film' })),
  ];
  await ensureArtwork(ARTWORK_CACHE, designs);
  mkdirSync(artworkDir);
  for (const d of artworkDesigns(demo)) cpSync(join(ARTWORK_CACHE, d.id), join(artworkDir, d.id), { recursive: true });
  syntheticIds.forEach((id, i) => cpSync(join(ARTWORK_CACHE, `synthetic-design-${i % SYNTHETIC_DESIGNS}`), join(artworkDir, id), { recursive: true }));
  const webRoot = join(scratchDir('h3edge-home-web-'), 'web');
  await buildWeb(webRoot);
  return { media, artworkDir, webRoot, catalog, syntheticIds };
}

function syntheticFilm(id: string, i: number): FilmEntry {
  return {
    id,
    type: 'film',
    title: `Synthetic Feature ${i + 1}`,
    synopsis: 'A generated title that exists to fill the browse page.',
    maturityRating: ['G', 'PG', 'PG-13', 'R'][i % 4] as string,
    year: 2000 + (i % 26),
    genres: [GENRES[i % GENRES.length] as string, GENRES[(i * 3 + 1) % GENRES.length] as string].filter((g, j, all) => all.indexOf(g) === j),
    durationSec: 600 + i,
    manifests: { hls: `${id}/master.m3u8`, dash: `${id}/manifest.mpd` },
    delivery: 'segments',
    audioLanguages: ['en'],
    subtitleLanguages: [],
    maxHeight: 720,
  };
}
