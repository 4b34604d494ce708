// A catalog of N titles without encoding: every title is a tree of hard links to one packaged
// title's files, and catalog.json lists them in popularity order (the first is the most popular).
import { linkSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Catalog, FilmEntry } from '../../src/media/catalog.js';

const GENRES = ['Drama', 'Comedy', 'Thriller', 'Documentary', 'Animation', 'Science Fiction', 'Romance', 'Family', 'Horror', 'Western', 'Music', 'Crime'];

/** Id of the i-th title (0-based), in popularity order. */
export function benchTitleId(i: number): string {
  return `bench-${String(i + 1).padStart(5, '0')}`;
}

/** The films of a bench catalog: one or two genres each, spread over twelve. */
export function benchCatalog(count: number): Catalog {
  const titles = Array.from({ length: count }, (_, i): FilmEntry => {
    const id = benchTitleId(i);
    const genres = [GENRES[i % GENRES.length] as string, GENRES[(i * 7 + 3) % GENRES.length] as string].filter((g, j, all) => all.indexOf(g) === j);
    return {
      id,
      type: 'film',
      title: `Bench Feature ${i + 1}`,
      synopsis: 'A hard-linked copy of the demo film.',
      maturityRating: ['G', 'PG', 'PG-13', 'R'][i % 4] as string,
      year: 2000 + (i % 26),
      genres,
      durationSec: 60,
      manifests: { hls: `${id}/master.m3u8`, dash: `${id}/manifest.mpd` },
      delivery: 'segments',
      audioLanguages: ['en', 'fr'],
      subtitleLanguages: ['en', 'fr'],
      maxHeight: 720,
    };
  });
  return { version: 1, titles, series: [] };
}

/** Files and directories of `dir`, relative, directories before what they hold. */
function treeOf(dir: string): { dirs: string[]; files: string[] } {
  const dirs: string[] = [];
  const files: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) {
        dirs.push(relative(dir, p));
        walk(p);
      } else if (e.isFile()) files.push(relative(dir, p));
    }
  };
  walk(dir);
  return { dirs, files };
}

/**
 * Writes `count` titles into `media` (which must be on the source's filesystem) as hard links
 * of `sourceTitleDir`, from title `from` on (so a catalog grows without relinking), and
 * catalog.json for all `count`. Returns the number of links made.
 */
export function growLibrary(sourceTitleDir: string, media: string, from: number, count: number): number {
  const tree = treeOf(sourceTitleDir);
  let links = 0;
  for (let i = from; i < count; i++) {
    const title = join(media, benchTitleId(i));
    mkdirSync(title);
    for (const d of tree.dirs) mkdirSync(join(title, d));
    for (const f of tree.files) linkSync(join(sourceTitleDir, f), join(title, f));
    links += tree.files.length;
  }
  writeFileSync(join(media, 'catalog.json'), JSON.stringify(benchCatalog(count)));
  return links;
}
